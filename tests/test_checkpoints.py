"""kit.checkpoints: a checkpoint as a scope tree, restore plans and one-line restore errors."""

from __future__ import annotations

import os

import numpy as np
import pytest

import kit
from kit.checkpoints import (
    NOT_IN_CHECKPOINT,
    RESTORED,
    SHAPE_DIFFERS,
    UNUSED,
    RestoreEntry,
    RestorePlan,
    checkpoint_tree,
    checkpoint_variables,
    plan_restore,
    restore_error_line,
    stand_in_checkpoint,
)
from kit.render import ViewOptions, render_text

tf, slim = kit.tf, kit.slim

pytestmark = pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated")


def two_layers(scope_prefix: str = "", head: str = "logits", classes: int = 3):
    images = tf.placeholder(tf.float32, [None, 4], name="x")
    with tf.variable_scope(scope_prefix or tf.get_variable_scope()):
        net = slim.fully_connected(images, 2, scope="fc1")
        return slim.fully_connected(net, classes, activation_fn=None, scope=head)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    """fc1 + logits(3), every value set to 7 so a restore is visible."""
    path = str(tmp_path_factory.mktemp("ckpt") / "model")
    with kit.fresh_graph():
        two_layers()
        with tf.Session() as sess:
            sess.run([v.assign(tf.fill(tf.shape(v), 7.0)) for v in tf.global_variables()])
            tf.train.Saver().save(sess, path, write_meta_graph=False)
    return path


def test_checkpoint_variables_are_sorted_names_with_shapes(checkpoint):
    assert checkpoint_variables(checkpoint) == [
        ("fc1/biases", (2,)),
        ("fc1/weights", (4, 2)),
        ("logits/biases", (3,)),
        ("logits/weights", (2, 3)),
    ]


def test_checkpoint_tree_files_names_by_scope(checkpoint):
    tree = checkpoint_tree(checkpoint)
    text = render_text(tree, ViewOptions(view="variables"))
    assert text.splitlines()[0] == "Variables by variable scope: 4 variables, 19 parameters"
    assert "fc1/" in text and "[checkpoint]" in text
    assert tree.variable("logits/weights").shape == (2, 3)
    assert tree.ops == []


def test_plan_for_same_graph_restores_everything(checkpoint):
    with kit.fresh_graph():
        two_layers()
        plan = plan_restore(checkpoint, tf.global_variables())
    assert plan.ok
    assert sorted(plan.restored) == ["fc1/biases", "fc1/weights", "logits/biases", "logits/weights"]
    assert plan.headline() == "Restore plan: 4 restored"


def test_plan_names_a_new_head_missing_and_the_old_head_unused(checkpoint):
    with kit.fresh_graph():
        two_layers(head="new_logits")
        plan = plan_restore(checkpoint, tf.global_variables())
    assert not plan.ok
    assert plan.missing == ["new_logits/biases", "new_logits/weights"]
    assert plan.unused == ["logits/biases", "logits/weights"]
    assert plan.entries[0].status == NOT_IN_CHECKPOINT
    assert "restoring raises NotFoundError" in plan.to_text()


def test_plan_flags_a_shape_that_differs(checkpoint):
    with kit.fresh_graph():
        two_layers(classes=5)
        plan = plan_restore(checkpoint, tf.global_variables())
    differing = plan.with_status(SHAPE_DIFFERS)
    assert [e.variable for e in differing] == ["logits/biases", "logits/weights"]
    assert "graph (2, 5), checkpoint (2, 3)" in plan.to_text()
    assert plan.headline() == "Restore plan: 2 with a different shape, 2 restored"


def test_plan_follows_a_name_map_into_another_scope(checkpoint):
    with kit.fresh_graph():
        two_layers(scope_prefix="student")
        name_map = {v.op.name.replace("student/", "", 1): v for v in tf.global_variables()}
        plan = plan_restore(checkpoint, name_map)
    assert plan.ok
    assert "student/fc1/weights <- fc1/weights" in plan.to_text()


def test_plan_tree_tags_each_name_with_its_status(checkpoint):
    with kit.fresh_graph():
        two_layers(head="new_logits")
        tree = plan_restore(checkpoint, tf.global_variables()).tree()
    assert tree.variable("fc1/weights").collections == (RESTORED,)
    assert tree.variable("logits/weights").collections == (UNUSED,)
    assert tree.variable("new_logits/weights").collections == (NOT_IN_CHECKPOINT,)


def test_plan_displays_as_text_and_html_with_names_escaped():
    entry = RestoreEntry(NOT_IN_CHECKPOINT, "odd<b>", "odd<b>", None, (2,))
    bundle = RestorePlan((entry,))._repr_mimebundle_()
    assert bundle["text/plain"] == (
        "Restore plan: 1 not in checkpoint\n"
        "  not in checkpoint odd<b>  (2,): no such key, restoring raises NotFoundError"
    )
    assert "odd&lt;b&gt;" in bundle["text/html"] and "odd<b>" not in bundle["text/html"]


def test_missing_key_error_becomes_one_line_without_paths(checkpoint):
    with kit.fresh_graph():
        two_layers(head="new_logits")
        with tf.Session() as sess, pytest.raises(tf.errors.NotFoundError) as raised:
            tf.train.Saver().restore(sess, checkpoint)
    assert "Original stack trace" in str(raised.value)
    assert restore_error_line(raised.value) == "NotFoundError: Key new_logits/biases not found in checkpoint"


def test_init_from_checkpoint_error_hides_the_checkpoint_path(checkpoint):
    with kit.fresh_graph():
        two_layers(scope_prefix="student")
        with pytest.raises(ValueError) as raised:
            tf.train.init_from_checkpoint(checkpoint, {"fc9/": "student/fc1/"})
    assert os.path.dirname(checkpoint) in str(raised.value)
    line = restore_error_line(raised.value)
    assert line.startswith("ValueError: Tensor fc9/")
    assert line.endswith("is not found in the checkpoint")
    assert os.path.dirname(checkpoint) not in line


def test_shape_mismatch_on_reference_variables_reads_as_the_assign_line(checkpoint):
    with kit.fresh_graph():
        with tf.variable_scope("", use_resource=False):
            two_layers(classes=5)
        head_weights = slim.get_variables("logits/weights")
        with tf.Session() as sess, pytest.raises(tf.errors.InvalidArgumentError) as raised:
            tf.train.Saver(var_list=head_weights).restore(sess, checkpoint)
    assert restore_error_line(raised.value) == (
        "InvalidArgumentError: Assign requires shapes of both tensors to match. "
        "lhs shape= [2,5] rhs shape= [2,3]"
    )


def test_resource_variables_take_a_checkpoint_tensor_of_another_shape(checkpoint):
    """The silent case plan_restore exists for: no error, the variable changes shape."""
    with kit.fresh_graph():
        two_layers(classes=5)
        with tf.Session() as sess:
            tf.train.Saver().restore(sess, checkpoint)
            value = sess.run(slim.get_variables("logits/weights")[0])
    assert value.shape == (2, 3)
    assert np.all(value == 7.0)


def test_unknown_error_keeps_its_first_line_cleaned():
    error = RuntimeError("something odd in /home/someone/site-packages/x.py\nmore")
    assert restore_error_line(error) == "RuntimeError: something odd in <path>"


def test_a_stand_in_checkpoint_is_saved_once_and_differs_from_a_fresh_start():
    built = []

    def build():
        built.append(1)
        two_layers()

    path = stand_in_checkpoint("test-two-layers", build)
    assert stand_in_checkpoint("test-two-layers", build) == path and built == [1]
    reader = tf.train.load_checkpoint(path)
    assert [name for name, _ in checkpoint_variables(path)] == [
        "fc1/biases", "fc1/weights", "logits/biases", "logits/weights"]
    assert np.array_equal(reader.get_tensor("fc1/biases"), np.ones(2))  # zeros + 1
    assert not os.path.exists(path + ".meta")


def test_a_stand_in_checkpoint_takes_each_variable_from_its_update():
    path = stand_in_checkpoint("test-two-layers-sevens", two_layers,
                               update=lambda v: v.assign(tf.fill(v.shape, 7.0)))
    reader = tf.train.load_checkpoint(path)
    assert all(np.all(reader.get_tensor(name) == 7) for name, _ in checkpoint_variables(path))
