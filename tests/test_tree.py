"""ScopeTree on the graphs of the articles the lessons start from (docs/sources.md).

Each test states the exact names TF 2.21 + tf-slim 1.1.0 give; the lessons show the same
names in cells whose outputs nbval compares.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

import kit
from kit import ScopeTree, ViewOptions, render_text

tf, slim = kit.tf, kit.slim

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "golden"


def _load_recipes():
    """tools/regen_golden.py holds the graph recipes the golden files were made from."""
    spec = importlib.util.spec_from_file_location(
        "regen_golden", ROOT / "tools" / "regen_golden.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


recipes = _load_recipes()


def op_names(tree: ScopeTree, include_plumbing: bool = True) -> set[str]:
    return {o.name for o in tree.ops if include_plumbing or not o.plumbing}


def variable_names(tree: ScopeTree) -> list[str]:
    return [v.name for v in tree.variables]


# --- the TensorNets guide: the name_scope / variable_scope nest ----------------------


@pytest.fixture(scope="module")
def nest_tree() -> ScopeTree:
    return ScopeTree.from_graph(recipes.tensornets_nest())


def test_get_variable_ignores_name_scopes(nest_tree):
    # tf.get_variable sees only the variable scope: goo/w, not foo/goo/hoo/w.
    assert nest_tree.variable("goo/w:0") is not None
    assert nest_tree.variable_root().find("goo").variables[0].name == "goo/w"


def test_ops_carry_every_scope_prefix(nest_tree):
    # An op (the constant and s * w) gets every prefix, name scopes and variable scope.
    visible = op_names(nest_tree, include_plumbing=False)
    assert {"foo/goo/hoo/Const", "foo/goo/hoo/mul"} <= visible
    hoo = nest_tree.op_root().find("foo/goo/hoo")
    assert {o.name.rsplit("/", 1)[-1] for o in hoo.ops} >= {"Const", "mul"}


def test_tf_variable_gets_every_prefix(nest_tree):
    # tf.Variable sees the name scopes and the variable scope's name scope (the TensorNets
    # guide says only the name scopes).
    assert variable_names(nest_tree) == ["foo/goo/hoo/v", "goo/w"]


def test_variable_read_by_one_scope_is_not_shared(nest_tree):
    w = nest_tree.variable("goo/w")
    assert w.reader_scopes == ("foo/goo/hoo",)
    assert not w.shared
    assert nest_tree.shared_variables() == []


def test_plumbing_filter_hides_initializer_assign_and_read_ops(nest_tree):
    everything = op_names(nest_tree)
    visible = op_names(nest_tree, include_plumbing=False)
    plumbing = everything - visible
    assert {
        "goo/w/Assign",
        "goo/w/Read/ReadVariableOp",
        "goo/w/Initializer/random_uniform",
        "foo/goo/hoo/v/Assign",
        "foo/goo/hoo/v/Initializer/initial_value",
    } <= plumbing
    assert visible == {"foo/goo/hoo/Const", "foo/goo/hoo/mul", "foo/goo/hoo/v", "goo/w"}

    def all_op_paths(hide: bool) -> set[str]:
        return {o.name for o in nest_tree.op_root(hide_plumbing=hide).walk_ops()}

    assert all_op_paths(hide=True) == visible
    assert all_op_paths(hide=False) == everything


# --- VGG-16 and slim.stack: folding repeated blocks ----------------------------------


@pytest.fixture(scope="module")
def vgg_tree() -> ScopeTree:
    return ScopeTree.from_graph(recipes.vgg16())


def test_vgg16_has_32_variables_and_138_million_parameters(vgg_tree):
    # tf_slim.nets.vgg.vgg_16 with 1000 classes; fc6 is a 7x7 conv, not a dense layer.
    assert len(vgg_tree.variables) == 32
    assert vgg_tree.parameter_count == 138_357_544
    assert vgg_tree.variable("vgg_16/fc6/weights").shape == (7, 7, 512, 4096)
    assert vgg_tree.variable_root().find("vgg_16").parameter_count == 138_357_544


def test_vgg16_repeat_block_folds_into_one_group(vgg_tree):
    conv3 = vgg_tree.variable_root().find("vgg_16/conv3")
    assert list(conv3.children) == ["conv3_1..3"]
    group = conv3.children["conv3_1..3"]
    assert group.is_group
    assert group.members == ("conv3_1", "conv3_2", "conv3_3")
    assert group.variable_count == 6


def test_unfolded_tree_keeps_each_repeat_scope(vgg_tree):
    conv3 = vgg_tree.variable_root(fold=False).find("vgg_16/conv3")
    assert list(conv3.children) == ["conv3_1", "conv3_2", "conv3_3"]
    assert not any(child.is_group for child in conv3.children.values())


def test_slim_stack_folds_fc_1_to_3():
    # slim.stack names each layer fc/fc_N and gives it the depth from its list entry.
    with kit.fresh_graph() as graph:
        x = tf.placeholder(tf.float32, [None, 10])
        out = slim.stack(x, slim.fully_connected, [32, 64, 128], scope="fc")
    assert out.name == "fc/fc_3/Relu:0"
    tree = ScopeTree.from_graph(graph)
    shapes = [tree.variable(f"fc/fc_{i}/weights").shape for i in (1, 2, 3)]
    assert shapes == [(10, 32), (32, 64), (64, 128)]
    for root in (tree.variable_root(), tree.op_root()):
        group = root.find("fc").children["fc_1..3"]
        assert group.members == ("fc_1", "fc_2", "fc_3")


def _three_blocks_graph():
    with kit.fresh_graph() as graph:
        x = tf.placeholder(tf.float32, [None, 8, 8, 3])
        slim.conv2d(x, 4, [3, 3], scope="relu_1")
        slim.conv2d(x, 4, [3, 3], scope="relu_2", activation_fn=None)
        slim.conv2d(x, 4, [3, 3], scope="bias_1")
        slim.conv2d(x, 4, [3, 3], scope="bias_2", biases_initializer=None)
        slim.conv2d(x, 4, [3, 3], scope="same_1")
        slim.conv2d(x, 4, [3, 3], scope="same_2")
        slim.conv2d(x, 4, [3, 3], scope="gap_1")
        slim.conv2d(x, 4, [3, 3], scope="gap_3")
    return graph


def test_folding_does_not_merge_siblings_with_different_structure():
    tree = ScopeTree.from_graph(_three_blocks_graph())
    ops = tree.op_root()
    # relu_2 has no Relu op; bias_2 has no biases variable.
    assert {"relu_1", "relu_2", "bias_1", "bias_2"} <= set(ops.children)
    assert {"bias_1", "bias_2"} <= set(tree.variable_root().children)
    # Same structure folds, in both halves; a gap in the numbering does not.
    assert "same_1..2" in ops.children
    assert "same_1..2" in tree.variable_root().children
    assert {"gap_1", "gap_3"} <= set(ops.children)


# --- the blog post on name_scope and variable_scope: three ways to share -------------


SECOND_TOWER = {
    # method -> (second tower's output op, name scopes that read conv1's weights)
    "reopen_by_name": (  # a second name scope image_filters_1/
        "image_filters_1/conv2/Relu",
        ("image_filters/conv1", "image_filters_1/conv1"),
    ),
    "reuse_variables": (  # same name scope, uniquified layer scopes conv1_1/, conv2_1/
        "image_filters/conv2_1/Relu",
        ("image_filters/conv1", "image_filters/conv1_1"),
    ),
    "reopen_by_object": (  # re-opening by object also opens image_filters_1/
        "image_filters_1/conv2/Relu",
        ("image_filters/conv1", "image_filters_1/conv1"),
    ),
}


@pytest.fixture(scope="module", params=list(SECOND_TOWER))
def sharing(request) -> tuple[str, ScopeTree]:
    return request.param, ScopeTree.from_graph(recipes.image_filter_sharing(request.param))


def test_each_sharing_method_leaves_four_trainable_variables(sharing):
    _, tree = sharing
    assert [v.name for v in tree.in_collection("trainable_variables")] == [
        "image_filters/conv1/biases",
        "image_filters/conv1/weights",
        "image_filters/conv2/biases",
        "image_filters/conv2/weights",
    ]


def test_each_sharing_method_marks_variables_shared_by_both_towers(sharing):
    method, tree = sharing
    output_op, conv1_readers = SECOND_TOWER[method]
    assert output_op in op_names(tree)
    assert len(tree.shared_variables()) == 4
    assert tree.variable("image_filters/conv1/weights").reader_scopes == conv1_readers
    conv2_readers = tuple(scope.replace("conv1", "conv2") for scope in conv1_readers)
    assert tree.variable("image_filters/conv2/biases").reader_scopes == conv2_readers


def test_unknown_sharing_method_is_refused():
    with pytest.raises(ValueError, match="method must be one of"):
        recipes.image_filter_sharing("copy_paste")


# --- collections and devices (slim variables) ----------------------------------------


@pytest.fixture(scope="module")
def slim_variables_tree() -> ScopeTree:
    with kit.fresh_graph() as graph:
        slim.variable(
            "weights",
            shape=[10, 10, 3, 3],
            initializer=tf.truncated_normal_initializer(stddev=0.1),
            regularizer=slim.l2_regularizer(0.05),
            device="/CPU:0",
        )
        slim.model_variable("model_weights", shape=[10, 10, 3, 3])
        slim.variable("frozen", shape=[2], trainable=False)
        slim.variable("custom", shape=[2], collections=["mine"])
        slim.local_variable([0.0, 0.0], name="counter")
    return ScopeTree.from_graph(graph)


def test_slim_variable_is_not_a_model_variable(slim_variables_tree):
    # slim.variable joins variables + trainable_variables; only slim.model_variable (and
    # slim layers) join model_variables, which get_model_variables() reads.
    tree = slim_variables_tree
    assert tree.variable("weights").collections == ("global", "trainable", "regularized")
    assert tree.variable("model_weights").collections == ("global", "model", "trainable")
    assert [v.name for v in tree.in_collection("model_variables")] == ["model_weights"]
    assert [v.name for v in tree.in_collection("model")] == ["model_weights"]


def test_slim_variable_device_is_recorded_and_shown(slim_variables_tree):
    # device='/CPU:0' is recorded in its canonical form, /device:CPU:0.
    tree = slim_variables_tree
    assert tree.variable("weights").device == "/device:CPU:0"
    assert tree.variable("model_weights").device == ""
    text = render_text(tree, ViewOptions(view="variables"))
    weights_line = next(line for line in text.splitlines() if "── weights" in line)
    assert weights_line.endswith("@/device:CPU:0")


def test_regularizer_marks_the_variable_regularized(slim_variables_tree):
    # regularizer= adds a loss to REGULARIZATION_LOSSES, which ScopeTree marks.
    assert [v.name for v in slim_variables_tree.in_collection("regularized")] == ["weights"]


def test_untrainable_variable_is_only_global(slim_variables_tree):
    # trainable=False keeps the variable out of trainable_variables only.
    frozen = slim_variables_tree.variable("frozen")
    assert frozen.collections == ("global",)
    assert not frozen.trainable


def test_custom_collections_replace_the_global_collection(slim_variables_tree):
    # collections=['mine'] replaces the default list, so the variable is not in 'variables'.
    custom = slim_variables_tree.variable("custom")
    assert custom.collections == ("trainable", "mine")
    assert "custom" not in [v.name for v in slim_variables_tree.in_collection("variables")]
    assert [v.name for v in slim_variables_tree.in_collection("mine")] == ["custom"]


def test_local_variable_lands_only_in_local_variables(slim_variables_tree):
    # Works because import kit replaces tf-slim 1.1.0's broken slim.local_variable
    # (kit/compat.py; tests/test_compat.py checks it is still broken upstream).
    counter = slim_variables_tree.variable("counter")
    assert counter.collections == ("local",)
    assert [v.name for v in slim_variables_tree.in_collection("local_variables")] == ["counter"]


def test_collection_filter_selects_the_variable_tree(slim_variables_tree):
    root = slim_variables_tree.variable_root(collection="model_variables")
    assert [v.name for v in root.walk_variables()] == ["model_weights"]
    root = slim_variables_tree.variable_root(collection="local_variables")
    assert [v.name for v in root.walk_variables()] == ["counter"]


def test_regularized_variable_used_by_one_layer_is_not_shared():
    with kit.fresh_graph() as graph:
        x = tf.placeholder(tf.float32, [None, 3])
        with tf.variable_scope("layer"):
            w = tf.get_variable("w", [3, 2], regularizer=slim.l2_regularizer(0.1))
            tf.matmul(x, w)
    tree = ScopeTree.from_graph(graph)
    assert tree.variable("layer/w").reader_scopes == ("layer",)


@pytest.mark.parametrize("savers", [1, 2])
def test_a_savers_reads_do_not_make_a_variable_shared(savers):
    with kit.fresh_graph() as graph:
        x = tf.placeholder(tf.float32, [None, 3])
        with tf.variable_scope("layer"):
            w = tf.get_variable("w", [3, 2])
        with tf.variable_scope("body"):
            body_w = tf.get_variable("w", [3, 2])
        for tower in ("tower_a", "tower_b"):
            with tf.name_scope(tower):
                tf.matmul(x, body_w)
        tf.matmul(x, w, name="logits")
        for _ in range(savers):
            tf.train.Saver()  # save/, then save_1/
    tree = ScopeTree.from_graph(graph)
    assert tree.variable("layer/w").reader_scopes == ("",)
    assert not tree.variable("layer/w").shared
    assert tree.variable("body/w").reader_scopes == ("tower_a", "tower_b")
    assert "save" not in render_text(tree, ViewOptions(view="variables"))
    # The Saver's own ops are plumbing: shown in the ops view only with plumbing on.
    assert all(op.plumbing for op in tree.ops if op.name.split("/")[0].startswith("save"))


# --- the clone pattern (the TensorNets guide, with tf_slim's resnet_v1_50) -----------


def test_clones_share_every_resnet_weight():
    # The guide's clone pattern shares every weight: 108 variables after clone0 and still
    # 108 after clone1.
    from tf_slim.nets import resnet_v1

    counts = []
    with kit.fresh_graph() as graph:
        for i in range(2):
            images = tf.placeholder(tf.float32, [None, 224, 224, 3], name=f"x{i}")
            with tf.name_scope(f"clone{i}"):
                resnet_v1.resnet_v1_50(images, num_classes=1000, reuse=tf.AUTO_REUSE)
            counts.append(len(tf.global_variables()))
    assert counts == [108, 108]
    tree = ScopeTree.from_graph(graph)
    assert len(tree.variables) == 108
    assert len(tree.shared_variables()) == 108
    weights = tree.variable("resnet_v1_50/conv1/weights")
    assert weights.reader_scopes == ("clone0/resnet_v1_50/conv1", "clone1/resnet_v1_50/conv1")
    ops = op_names(tree)
    assert {
        "clone0/resnet_v1_50/predictions/Reshape_1",
        "clone1/resnet_v1_50/predictions/Reshape_1",
    } <= ops


# --- golden text -------------------------------------------------------------------


@pytest.mark.parametrize("file_name", sorted(recipes.GOLDEN))
def test_rendered_tree_matches_golden_file(file_name):
    expected = (GOLDEN_DIR / file_name).read_text(encoding="utf-8")
    assert recipes.render_golden(file_name) == expected, (
        "If kit/tree.py or kit/render.py changed on purpose, run "
        "`.venv/bin/python tools/regen_golden.py` and review the diff."
    )


def test_batch_norm_update_ops_in_collections_are_not_taken_for_variables():
    # On a 2-D input slim.batch_norm takes the fused path, whose UPDATE_OPS entries look
    # like variables (initializer, op, dtype) but are assignments with no outputs.
    with kit.fresh_graph() as graph:
        x = kit.tf.placeholder(kit.tf.float32, [None, 4])
        kit.slim.fully_connected(x, 3, normalizer_fn=kit.slim.batch_norm, scope="fc")
        tree = ScopeTree.from_graph(graph)
    assert sorted(v.name for v in tree.variables) == [
        "fc/BatchNorm/beta", "fc/BatchNorm/moving_mean", "fc/BatchNorm/moving_variance",
        "fc/weights"]
