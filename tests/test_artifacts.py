"""kit.artifacts: checkpoints, SavedModels, MetaGraphs and GraphDefs read into scope trees.

Every artifact is made here, in a temporary folder (a small tf-slim ResNet v2 and a
VGG-style net saved with a Saver, a TF2 checkpoint, a SavedModel of a tf.Module, an
exported MetaGraph, GraphDefs as text and binary). The pure-Python checkpoint reader is
checked against TensorFlow's own reader on each.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import kit
from kit import artifacts
from kit.artifacts import ArtifactError, load, read_checkpoint_index, suggest_name_map
from kit.checkpoints import checkpoint_tree
from kit.render import ViewOptions, render_text
from kit.tree import ScopeTree

tf, slim = kit.tf, kit.slim

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")


def tiny_resnet(images):
    from tf_slim.nets import resnet_v2

    blocks = [resnet_v2.resnet_v2_block("block1", base_depth=4, num_units=2, stride=2),
              resnet_v2.resnet_v2_block("block2", base_depth=8, num_units=2, stride=1)]
    with slim.arg_scope(resnet_v2.resnet_arg_scope()):
        return resnet_v2.resnet_v2(images, blocks, num_classes=10, is_training=False,
                                   scope="resnet_tiny")


def tiny_vgg(images, classes=10, scope="vgg_tiny"):
    with tf.variable_scope(scope):
        net = slim.repeat(images, 2, slim.conv2d, 8, [3, 3], scope="conv1")
        net = slim.max_pool2d(net, [2, 2], scope="pool1")
        net = slim.repeat(net, 2, slim.conv2d, 16, [3, 3], scope="conv2")
        net = slim.flatten(net)
        net = slim.fully_connected(net, 32, scope="fc6")
        return slim.fully_connected(net, classes, activation_fn=None, scope="fc8")


def save_graph_checkpoint(prefix: str) -> None:
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.Saver().save(sess, prefix)


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """Every kind of artifact, plus the trees of the graphs they came from."""
    root = tmp_path_factory.mktemp("artifacts")
    found = {"root": root}
    with kit.fresh_graph() as graph:
        tiny_resnet(tf.placeholder(tf.float32, [None, 32, 32, 3], name="images"))
        save_graph_checkpoint(str(root / "resnet" / "model.ckpt"))
        tf.train.export_meta_graph(str(root / "exported.meta"))
        tf.io.write_graph(graph.as_graph_def(), str(root), "resnet.pbtxt", as_text=True)
        tf.io.write_graph(graph.as_graph_def(), str(root), "resnet.pb", as_text=False)
        found["resnet_graph"] = ScopeTree.from_graph(graph)
    with kit.fresh_graph():
        tiny_vgg(tf.placeholder(tf.float32, [None, 8, 8, 3]))
        tf.get_variable("counters/step", [], tf.int64, trainable=False)
        tf.get_variable("part", [10, 4], partitioner=tf.fixed_size_partitioner(3))
        tf.get_variable("label", [], tf.string, initializer=tf.constant_initializer("x"))
        save_graph_checkpoint(str(root / "vgg" / "model.ckpt"))
    found["resnet"] = str(root / "resnet" / "model.ckpt")
    found["vgg"] = str(root / "vgg" / "model.ckpt")
    found["saved_model"] = str(root / "saved_model")
    found["tf2"] = save_tf2_artifacts(root)
    return found


def make_module():
    import tensorflow as tf2

    class Layer(tf2.Module):
        def __init__(self, units_in, units_out, name):
            super().__init__(name=name)
            with self.name_scope:
                self.w = tf2.Variable(tf2.ones([units_in, units_out]), name="weights")
                self.b = tf2.Variable(tf2.zeros([units_out]), name="biases")

        def __call__(self, x):
            return tf2.matmul(x, self.w) + self.b

    class MLP(tf2.Module):
        def __init__(self):
            super().__init__(name="mlp")
            with self.name_scope:
                self.hidden = Layer(3, 4, "hidden")
                self.out = Layer(4, 2, "out")
                self.steps = tf2.Variable(0, trainable=False, name="steps")

        @tf2.function(input_signature=[tf2.TensorSpec([None, 3], tf2.float32, name="x")])
        def __call__(self, x):
            return {"scores": self.out(tf2.nn.relu(self.hidden(x)))}

    return MLP()


def save_tf2_artifacts(root: Path) -> str:
    import tensorflow as tf2

    module = make_module()
    tf2.saved_model.save(module, str(root / "saved_model"))
    return tf2.train.Checkpoint(model=module).write(str(root / "tf2" / "ckpt"))


def tf_listing(prefix: str) -> list[tuple[str, tuple, str]]:
    """What TensorFlow's own reader says: (name, shape, dtype), sorted."""
    dtypes = tf.train.load_checkpoint(prefix).get_variable_to_dtype_map()
    return sorted((name, tuple(shape), dtypes[name].name)
                  for name, shape in tf.train.list_variables(prefix))


def our_listing(prefix: str) -> list[tuple[str, tuple, str]]:
    return sorted((e.key, e.shape, e.dtype) for e in read_checkpoint_index(prefix).entries)


# --- the pure-Python checkpoint reader ----------------------------------------------------


def test_crc32c_matches_the_standard_check_value():
    assert artifacts.crc32c(b"123456789") == 0xE3069283
    assert artifacts.crc32c(b"") == 0


def test_dtype_names_match_tensorflow_for_every_enum_value():
    from tensorflow.core.framework import types_pb2

    for number in types_pb2.DataType.values():
        if 0 < number < 100:
            assert artifacts.dtype_name(number) == tf.as_dtype(number).name, number
    assert artifacts.dtype_name(101) == "float32_ref"


@pytest.mark.parametrize("which", ["resnet", "vgg", "tf2"])
def test_index_reader_lists_what_tensorflow_lists(made, which):
    assert our_listing(made[which]) == tf_listing(made[which])


def test_index_reader_reads_a_saved_model_variables_index(made):
    prefix = os.path.join(made["saved_model"], "variables", "variables")
    assert our_listing(prefix) == tf_listing(prefix)


def test_index_reader_reads_every_shard_of_a_sharded_checkpoint(tmp_path):
    import tensorflow as tf2

    variables = {f"v{i}": tf2.Variable(tf2.fill([50, 50], float(i))) for i in range(4)}
    policy = tf2.train.experimental.MaxShardSizePolicy(max_shard_size=12_000)
    prefix = tf2.train.Checkpoint(**variables).write(
        str(tmp_path / "ckpt"), options=tf2.train.CheckpointOptions(experimental_sharding_callback=policy))
    index = read_checkpoint_index(prefix)
    assert index.num_shards > 1
    assert len(index.data_files()) == index.num_shards
    assert {e.shard for e in index.entries} == set(range(index.num_shards))
    assert our_listing(prefix) == tf_listing(prefix)


def test_partitioned_variable_is_listed_whole(made):
    entries = {e.key: e for e in read_checkpoint_index(made["vgg"]).entries}
    assert entries["part"].shape == (10, 4) and entries["part"].sliced
    assert not any(key.startswith("\x00") for key in entries)


def test_checkpoint_tree_is_the_same_as_kit_checkpoints_makes_with_tensorflow(made):
    ours, theirs = load(made["vgg"]).tree, checkpoint_tree(made["vgg"])
    assert ours.variables == theirs.variables
    assert render_text(ours, ViewOptions(view="variables")) == render_text(
        theirs, ViewOptions(view="variables"))


def test_checkpoint_tree_folds_repeated_layers_and_counts_parameters(made):
    text = render_text(load(made["vgg"]).tree, ViewOptions(view="variables", depth=3))
    lines = text.splitlines()
    assert lines[0].startswith("Variables by variable scope: 15 variables")
    assert any("conv1_1..2/  (×2, same structure)" in line for line in lines)
    assert "[checkpoint]" in render_text(load(made["vgg"]).tree, ViewOptions(view="variables"))


def test_checkpoint_can_be_named_by_prefix_index_data_file_folder_or_state_file(made):
    prefix = made["resnet"]
    names = {v.name for v in load(prefix).tree.variables}
    for path in (prefix + ".index", prefix + ".data-00000-of-00001", os.path.dirname(prefix),
                 os.path.join(os.path.dirname(prefix), "checkpoint")):
        artifact = load(path)
        assert artifact.kind == "checkpoint" and artifact.location == prefix
        assert {v.name for v in artifact.tree.variables} == names


def test_checkpoint_notes_point_at_its_meta_file(made):
    assert any("model.ckpt.meta" in note for note in load(made["resnet"]).notes)


def test_tf2_checkpoint_names_drop_the_attribute_suffix_but_keep_the_key(made):
    artifact = load(made["tf2"])
    names = [v.name for v in artifact.tree.variables]
    assert names == ["model/hidden/b", "model/hidden/w", "model/out/b", "model/out/w", "model/steps"]
    assert artifact.key("model/hidden/w") == "model/hidden/w/.ATTRIBUTES/VARIABLE_VALUE"
    assert any("object-based" in note for note in artifact.notes)


# --- SavedModels -------------------------------------------------------------------------


def test_saved_model_variables_by_object_path_with_trainable_flags(made):
    artifact = load(made["saved_model"])
    assert artifact.kind == "savedmodel" and artifact.tags == ("serve",)
    by_name = {v.name: v for v in artifact.tree.variables}
    assert sorted(by_name) == ["hidden/b", "hidden/w", "out/b", "out/w", "steps"]
    assert by_name["hidden/w"].shape == (3, 4) and by_name["hidden/w"].trainable
    assert not by_name["steps"].trainable and by_name["steps"].dtype == "int32"
    assert artifact.key("out/w") == "out/w/.ATTRIBUTES/VARIABLE_VALUE"


def test_saved_model_variable_names_are_their_name_scopes(made):
    names = [v.name for v in load(made["saved_model"], variable_names=True).tree.variables]
    assert names == ["mlp/hidden/biases", "mlp/hidden/weights", "mlp/out/biases",
                     "mlp/out/weights", "mlp/steps"]


def test_saved_model_signatures_match_what_tensorflow_parses(made):
    from tensorflow.core.protobuf import saved_model_pb2

    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString(Path(made["saved_model"], "saved_model.pb").read_bytes())
    expected = proto.meta_graphs[0].signature_def["serving_default"]
    (signature,) = load(made["saved_model"]).signatures
    assert signature.name == "serving_default"
    assert signature.method == expected.method_name == "tensorflow/serving/predict"
    (x,) = signature.inputs
    assert (x.key, x.tensor, x.dtype, x.shape) == ("x", expected.inputs["x"].name, "float32", (None, 3))
    (scores,) = signature.outputs
    assert (scores.key, scores.dtype, scores.shape) == ("scores", "float32", (None, 2))
    assert scores.tensor == expected.outputs["scores"].name


def test_saved_model_as_text_reads_the_same(made, tmp_path):
    from google.protobuf import text_format
    from tensorflow.core.protobuf import saved_model_pb2

    folder = tmp_path / "text_model"
    shutil.copytree(made["saved_model"], folder)
    proto = saved_model_pb2.SavedModel()
    proto.ParseFromString((folder / "saved_model.pb").read_bytes())
    (folder / "saved_model.pb").unlink()
    (folder / "saved_model.pbtxt").write_text(text_format.MessageToString(proto))
    binary, text = load(made["saved_model"]), load(folder)
    assert text.tree.variables == binary.tree.variables
    assert text.signatures == binary.signatures


# --- graphs ------------------------------------------------------------------------------


def test_metagraph_tree_has_the_graphs_variables_and_collections(made):
    tree = load(made["root"] / "exported.meta").tree
    original = made["resnet_graph"]
    assert [(v.name, v.shape, v.collections) for v in tree.variables] == [
        (v.name, v.shape, v.collections) for v in original.variables]
    assert {o.name for o in tree.ops if not o.plumbing} <= {o.name for o in original.ops}


def test_a_savers_reads_do_not_make_every_variable_shared(made):
    tree = load(made["root"] / "exported.meta").tree
    assert tree.shared_variables() == []
    assert all(o.plumbing for o in tree.ops if o.name.startswith("save/"))


@pytest.mark.parametrize("name", ["resnet.pbtxt", "resnet.pb"])
def test_graphdef_variables_are_found_by_op_type(made, name):
    artifact = load(made["root"] / name)
    assert artifact.kind == "graphdef"
    original = made["resnet_graph"]
    assert [(v.name, v.shape, v.dtype) for v in artifact.tree.variables] == [
        (v.name, v.shape, v.dtype) for v in original.variables]
    ops = {o.name for o in artifact.tree.ops if not o.plumbing}
    assert "resnet_tiny/block1/unit_1/bottleneck_v2/conv1/Conv2D" in ops
    assert not any(name.endswith("/Initializer/zeros") for name in ops)


def test_graph_view_folds_runs_and_hides_plumbing_as_kit_show_does(made):
    text = render_text(load(made["root"] / "resnet.pbtxt").tree, ViewOptions(depth=2))
    assert "plumbing ops hidden" in text
    assert "Assign" not in text


def test_tree_from_path_is_the_artifacts_tree(made):
    assert tree_names(artifacts.tree_from_path(made["vgg"])) == tree_names(load(made["vgg"]).tree)


def tree_names(tree: ScopeTree) -> list[str]:
    return [v.name for v in tree.variables]


# --- bad input: one clear line each -------------------------------------------------------


def copy_checkpoint(prefix: str, folder: Path) -> str:
    folder.mkdir()
    for name in os.listdir(os.path.dirname(prefix)):
        if name.startswith(os.path.basename(prefix) + "."):
            shutil.copy(os.path.join(os.path.dirname(prefix), name), folder / name)
    return str(folder / os.path.basename(prefix))


def error_of(path) -> str:
    with pytest.raises(ArtifactError) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_missing_path(tmp_path):
    assert error_of(tmp_path / "nothing") == f"{tmp_path / 'nothing'}: no such file or directory"


def test_truncated_index(made, tmp_path):
    prefix = copy_checkpoint(made["resnet"], tmp_path / "cut")
    data = Path(prefix + ".index").read_bytes()
    Path(prefix + ".index").write_bytes(data[: len(data) // 2])
    assert "does not end with a table's magic number" in error_of(prefix)


def test_corrupted_index_fails_its_checksum(made, tmp_path):
    prefix = copy_checkpoint(made["resnet"], tmp_path / "flipped")
    data = bytearray(Path(prefix + ".index").read_bytes())
    data[20] ^= 0xFF
    Path(prefix + ".index").write_bytes(bytes(data))
    assert "fails its checksum" in error_of(prefix)


def test_missing_and_truncated_data_files(made, tmp_path):
    prefix = copy_checkpoint(made["resnet"], tmp_path / "data")
    data_file = Path(prefix + ".data-00000-of-00001")
    content = data_file.read_bytes()
    data_file.write_bytes(content[:100])
    assert "is truncated: it has 100 bytes" in error_of(prefix)
    data_file.unlink()
    assert "is missing" in error_of(prefix)


def test_index_of_another_table_or_of_garbage(tmp_path):
    (tmp_path / "junk.index").write_bytes(os.urandom(300))
    assert "not a readable checkpoint index" in error_of(tmp_path / "junk.index")
    (tmp_path / "empty.index").write_bytes(b"")
    assert "fewer than a table's 48-byte footer" in error_of(tmp_path / "empty")


def test_folder_with_no_checkpoint(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    message = error_of(tmp_path)
    assert "holds no checkpoint" in message and "not a SavedModel" in message


def test_folder_with_two_checkpoints_and_no_state_file(made, tmp_path):
    folder = tmp_path / "two"
    copy_checkpoint(made["resnet"], folder)
    for name in os.listdir(folder):
        shutil.copy(folder / name, folder / name.replace("model.ckpt", "other.ckpt"))
    assert "holds 2 checkpoints (model.ckpt, other.ckpt)" in error_of(folder)


def test_state_file_naming_a_missing_checkpoint(tmp_path):
    (tmp_path / "checkpoint").write_text('model_checkpoint_path: "gone.ckpt-7"\n')
    assert "names the checkpoint gone.ckpt-7" in error_of(tmp_path)


@pytest.mark.parametrize("name", ["graph.pb", "graph.pbtxt", "model.meta"])
def test_non_tensorflow_graph_files(tmp_path, name):
    (tmp_path / name).write_bytes(b"this is not a protobuf \xff\xfe at all")
    message = error_of(tmp_path / name)
    assert message.startswith(str(tmp_path / name))
    assert "not a readable" in message or "cannot import" in message


def test_truncated_graph_files(made, tmp_path):
    for name in ("resnet.pb", "exported.meta"):
        data = (made["root"] / name).read_bytes()
        (tmp_path / name).write_bytes(data[: len(data) // 3])
        assert str(tmp_path / name) in error_of(tmp_path / name)


def test_empty_graph_file(tmp_path):
    (tmp_path / "empty.pb").write_bytes(b"")
    assert "is empty" in error_of(tmp_path / "empty.pb")


def test_truncated_saved_model(made, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(made["saved_model"], folder)
    data = (folder / "saved_model.pb").read_bytes()
    (folder / "saved_model.pb").write_bytes(data[: len(data) // 2])
    assert "is not a readable SavedModel" in error_of(folder)


def test_unknown_file_kinds(tmp_path):
    (tmp_path / "weights.h5").write_bytes(b"\x89HDF")
    assert "is a Keras file" in error_of(tmp_path / "weights.h5")
    (tmp_path / "readme.txt").write_text("hello")
    assert "is not a TensorFlow checkpoint, SavedModel or graph file" in error_of(
        tmp_path / "readme.txt")


def test_a_table_file_without_a_known_name_is_called_a_v1_checkpoint(made, tmp_path):
    shutil.copy(made["resnet"] + ".index", tmp_path / "model.ckpt")
    assert "one-file (V1) checkpoint" in error_of(tmp_path / "model.ckpt")


def test_artifact_error_is_a_value_error_so_kit_show_can_pass_it_on():
    assert issubclass(ArtifactError, ValueError)


# --- name maps ------------------------------------------------------------------------------


def keras_style(images, classes=10):
    """vgg_tiny's conv layers under `model/`, named as Keras names them (kernel, bias)."""
    with tf.variable_scope("model/vgg_tiny"):
        net = images
        for block, depth in (("conv1", 8), ("conv2", 16)):
            channels = net.shape[-1]
            for i in (1, 2):
                with tf.variable_scope(f"{block}/{block}_{i}"):
                    kernel = tf.get_variable("kernel", [3, 3, channels, depth])
                    bias = tf.get_variable("bias", [depth])
                    net = tf.nn.relu(tf.nn.conv2d(net, kernel, 1, "SAME") + bias)
                    channels = depth
            if block == "conv1":
                net = tf.nn.max_pool2d(net, 2, 2, "VALID")
        net = tf.reshape(net, [-1, 4 * 4 * 16])
        with tf.variable_scope("fc6"):
            net = tf.matmul(net, tf.get_variable("kernel", [256, 32])) + tf.get_variable("bias", [32])
        with tf.variable_scope("fc8"):
            return tf.matmul(net, tf.get_variable("kernel", [32, classes])) + tf.get_variable(
                "bias", [classes])


def test_name_map_finds_the_prefix_and_leaf_rewrites_and_the_new_head(made):
    with kit.fresh_graph() as graph:
        keras_style(tf.placeholder(tf.float32, [None, 8, 8, 3]), classes=3)
        tf.get_variable("model/extra", [2])
        target = ScopeTree.from_graph(graph)
    name_map = suggest_name_map(load(made["vgg"]).tree, target)
    assert name_map.prefix_rules() == [("", "model/", 12)]
    assert name_map.leaf_rules() == [("biases", "bias", 6), ("weights", "kernel", 6)]
    assert len(name_map.rewritten) == 10
    assert {(p.a.name, p.b.name) for p in name_map.differ} == {
        ("vgg_tiny/fc8/biases", "model/vgg_tiny/fc8/bias"),
        ("vgg_tiny/fc8/weights", "model/vgg_tiny/fc8/kernel"),
    }
    assert [v.name for v in name_map.only_a] == ["counters/step", "label", "part"]
    assert [v.name for v in name_map.only_b] == ["model/extra"]
    mapping = name_map.assignment_map()
    assert mapping["vgg_tiny/conv1/conv1_2/weights"] == "model/vgg_tiny/conv1/conv1_2/kernel"
    assert "vgg_tiny/fc8/weights" not in mapping


def test_assignment_map_loads_the_checkpoint_into_the_renamed_graph(made):
    import numpy as np

    source = made["vgg"]
    with kit.fresh_graph() as graph:
        keras_style(tf.placeholder(tf.float32, [None, 8, 8, 3]))
        mapping = suggest_name_map(load(source).tree, ScopeTree.from_graph(graph)).assignment_map()
        tf.train.init_from_checkpoint(source, mapping)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            (kernel,) = [v for v in tf.global_variables() if v.op.name == "model/vgg_tiny/fc6/kernel"]
            value = sess.run(kernel)
    assert len(mapping) == 12
    assert np.array_equal(value, tf.train.load_checkpoint(source).get_tensor("vgg_tiny/fc6/weights"))


def test_name_map_of_a_tree_with_itself_is_identical(made):
    tree = load(made["resnet"]).tree
    name_map = suggest_name_map(tree, tree)
    assert name_map.identical and len(name_map.same) == len(tree.variables)


def test_name_map_across_a_checkpoint_and_its_tf2_port(made):
    a, b = load(made["tf2"]).tree, load(made["saved_model"]).tree
    name_map = suggest_name_map(a, b)
    assert name_map.prefix_rules() == [("model/", "", 5)]
    assert not name_map.differ and not name_map.only_a and not name_map.only_b
