"""kit.diff: expected-vs-yours differences, each with a reason that names the concept."""

from __future__ import annotations

import pytest

import kit
from kit.diff import deuniquify, diff_html, diff_text, diff_trees
from kit.tree import ScopeTree, VariableInfo

tf = kit.tf


def var(name: str, shape=(3,), collections=("global", "trainable")) -> VariableInfo:
    return VariableInfo(name, tuple(shape), "float32", "trainable" in collections, "", tuple(collections))


def tree(*variables: VariableInfo) -> ScopeTree:
    return ScopeTree(list(variables), [])


def test_identical_trees_have_no_differences():
    expected = tree(var("tower/w"), var("tower/b"))
    found = diff_trees(expected, tree(var("tower/b"), var("tower/w")))
    assert found.empty
    assert diff_text(found) == "Same variables as expected (2 variables)."


def test_uniquified_copy_next_to_the_original_means_missing_reuse():
    found = diff_trees(tree(var("conv1/weights")), tree(var("conv1/weights"), var("conv1_1/weights")))
    [entry] = found.entries
    assert entry.kind == "extra copy"
    assert entry.reason == (
        "`conv1/weights` exists twice (again as `conv1_1/weights`): the second call needs "
        "`reuse=True` or `tf.AUTO_REUSE` to share it instead of making a new one."
    )
    assert found.headline == entry.reason


def test_uniquified_leaf_next_to_the_original_points_at_tf_variable():
    found = diff_trees(tree(var("tower/w")), tree(var("tower/w"), var("tower/w_1")))
    [entry] = found.entries
    assert entry.kind == "extra copy"
    assert "tf.Variable never shares" in entry.reason
    assert entry.reason.endswith(
        "silently renames a repeated name (lesson 01 shows it). Use tf.get_variable in a scope "
        "with `reuse=True` or `tf.AUTO_REUSE`."
    )


def test_uniquified_leaf_instead_of_the_expected_name_is_a_taken_name():
    found = diff_trees(tree(var("x")), tree(var("x_3")))
    [entry] = found.entries
    assert entry.kind == "misplaced"
    assert "the name was taken" in entry.reason
    assert entry.reason.endswith("does that silently (lessons 01 and 03 show it).")


def test_uniquified_scope_instead_of_the_expected_one_is_misplaced():
    found = diff_trees(tree(var("tower/w")), tree(var("tower_1/w")))
    [entry] = found.entries
    assert (entry.kind, entry.expected, entry.yours) == ("misplaced", "tower/w", "tower_1/w")
    assert "TF renamed a repeated scope with `_N`" in entry.reason


def test_extra_name_scope_prefix_points_at_tf_variable():
    found = diff_trees(tree(var("goo/w")), tree(var("foo/goo/w")))
    [entry] = found.entries
    assert entry.kind == "misplaced"
    assert "the extra `foo/` comes from a name_scope" in entry.reason
    assert entry.reason.endswith("see only variable scopes (lesson 01 shows it).")


def test_missing_prefix_means_get_variable_ignored_a_name_scope():
    found = diff_trees(tree(var("tower/w")), tree(var("w")))
    [entry] = found.entries
    assert "tf.get_variable ignores name_scope, so `tower/` must be a variable_scope" in entry.reason


def test_a_prefix_missing_from_many_names_is_one_difference():
    names = ["conv1/weights", "conv1/biases", "fc8/weights"]
    found = diff_trees(tree(*(var("vgg_16/" + n) for n in names)), tree(*(var(n) for n in names)))
    [entry] = found.entries
    assert entry.reason.startswith(
        "`vgg_16/` is missing from 3 names (e.g. `conv1/biases` where `vgg_16/conv1/biases` was "
        "expected): tf.get_variable ignores name_scope, so `vgg_16/` must be a variable_scope; "
        "open `tf.variable_scope('vgg_16')` around them"
    )


TF1_WORDS = ("variable_scope", "get_variable", "reuse=", "AUTO_REUSE", "reuse_variables")


@pytest.mark.parametrize("expected, yours, wanted", [
    (["tower/w"], ["w"], "`tower/` is missing. A TF2 variable's name takes the name scopes open "
                         "when it is made: make it inside a `tf.name_scope`, or a module's "
                         "`with self.name_scope:`"),
    (["w"], ["mlp/w"], "the extra `mlp/` is a name scope that was open when the variable was made"),
    (["a/w", "a/b"], ["w", "b"], "`a/` is missing from 2 names"),
    (["w", "b"], ["m/w", "m/b"], "2 names have an extra `m/` prefix"),
    (["mlp/w"], ["mlp/w", "mlp_1/w"], "were made again instead of reused; make each one once"),
    (["mlp/hidden/w"], ["mlp/out/w"], "check the name scopes and module names around it"),
], ids=["missing", "extra", "missing-many", "extra-many", "copy", "other-scope"])
def test_tf2_naming_gives_tf2_advice_and_no_tf1_api(expected, yours, wanted):
    found = diff_trees(tree(*map(var, expected)), tree(*map(var, yours)), ("names",), naming="tf2")
    [entry] = found.entries
    assert wanted in entry.reason
    assert "lesson 08" in entry.reason
    assert not [word for word in TF1_WORDS if word in entry.reason], entry.reason


def test_an_unknown_naming_is_refused():
    with pytest.raises(ValueError, match="naming must be one of"):
        diff_trees(tree(var("w")), tree(var("w")), naming="keras")


def test_an_extra_prefix_on_many_names_is_one_difference():
    found = diff_trees(tree(var("goo/w"), var("goo/b")), tree(var("foo/goo/w"), var("foo/goo/b")))
    [entry] = found.entries
    assert entry.reason.startswith("2 names have an extra `foo/` prefix")
    assert entry.reason.endswith("tf.get_variable and slim see only variable scopes (lesson 01 shows it).")


def test_same_leaf_in_another_scope_names_both():
    found = diff_trees(tree(var("left/w")), tree(var("right/w")))
    [entry] = found.entries
    assert entry.reason.startswith("`right/w` where `left/w` was expected: same variable, different scope")


def test_unrelated_names_are_missing_and_extra():
    found = diff_trees(tree(var("a/w")), tree(var("a/v", (2,))))
    assert [(e.kind, e.name) for e in found.entries] == [("missing", "a/w"), ("extra", "a/v")]
    assert "`a/v` (2,) is not expected." in diff_text(found)


def test_shape_and_collection_mismatches_are_reported_for_matched_names():
    expected = tree(var("w", (3, 2), ("global", "model", "trainable")))
    yours = tree(var("w", (2, 3), ("global", "trainable")))
    found = diff_trees(expected, yours)
    kinds = {e.kind: e for e in found.entries}
    assert kinds["shape"].reason == "`w` has shape (2, 3); expected (3, 2)."
    assert kinds["collections"].reason == (
        "`w` is in the wrong collections: slim.model_variable and slim layers add to "
        "model_variables (lesson 04 shows it)."
    )


def test_compare_option_skips_what_is_not_asked_for():
    expected = tree(var("w", (3, 2), ("global",)))
    yours = tree(var("w", (2, 3), ("global", "trainable")))
    assert diff_trees(expected, yours, compare=("names",)).empty


def test_trainable_local_variable_is_explained():
    expected = tree(var("lv", (1,), ("local",)))
    yours = tree(var("lv", (1,), ("trainable", "local")))
    [entry] = diff_trees(expected, yours).entries
    assert "trainable=False" in entry.reason


def test_text_orders_reuse_problems_first_and_html_colours_kinds():
    found = diff_trees(
        tree(var("a/w"), var("c/w", (1,))),
        tree(var("a/w"), var("a_1/w"), var("c/w", (2,)), var("z")),
    )
    lines = diff_text(found).splitlines()
    assert lines[0] == "Expected 2 variables, yours has 4 variables; 3 differences:"
    assert lines[1].startswith("  extra copy")
    markup = diff_html(found)
    assert "<code>a/w</code>" in markup and "color:#b35c00" in markup


def test_long_diffs_are_cut_with_a_count():
    found = diff_trees(tree(), tree(*(var(f"v{i}") for i in range(15))))
    assert diff_text(found, limit=12).splitlines()[-1] == "  ... and 3 more"


def test_deuniquify_drops_numbered_suffixes():
    assert deuniquify("tower_1/conv_2/w") == "tower/conv/w"


def test_diff_of_real_graphs_shows_two_towers_without_sharing():
    def towers(reuse):
        with kit.fresh_graph() as graph:
            images = tf.placeholder(tf.float32, [None, 4, 4, 3])
            for i in range(2):
                with tf.variable_scope("tower", reuse=reuse if i else None):
                    kit.slim.conv2d(images, 2, [3, 3], scope="conv1")
            return ScopeTree.from_graph(graph)

    def copies():
        with kit.fresh_graph() as graph:
            images = tf.placeholder(tf.float32, [None, 4, 4, 3])
            for _ in range(2):
                with tf.variable_scope(None, default_name="tower"):
                    kit.slim.conv2d(images, 2, [3, 3], scope="conv1")
            return ScopeTree.from_graph(graph)

    found = diff_trees(towers(True), copies())
    assert sorted(e.yours for e in found.of_kind("extra copy")) == [
        "tower_1/conv1/biases",
        "tower_1/conv1/weights",
    ]


def test_op_scopes_compare_when_asked():
    expected = ScopeTree([], [kit.tree.OpInfo("tower/conv/Conv2D", "Conv2D", False)])
    yours = ScopeTree([], [kit.tree.OpInfo("tower_1/conv/Conv2D", "Conv2D", False)])
    found = diff_trees(expected, yours, compare=("names", "ops"))
    assert [(e.kind, e.name) for e in found.entries] == [
        ("scope", "tower/conv"),
        ("scope", "tower_1/conv"),
    ]
