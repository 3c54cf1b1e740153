"""Lesson 01 exercises: typical wrong answers are rejected with a reason that names the
concept (solutions and blanks of every lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

from learner_code import defined

import kit  # noqa: F401  (imports TF quietly first)
from kit.exercise import Outcome
from kit.lessons import lesson01
from kit.lessons.lesson01 import q1, q5, q6


def test_guide_nest_names_get_variable_sees_only_the_variable_scope():
    assert lesson01.guide_nest_names() == {
        "w": "goo/w:0",
        "s": "foo/goo/hoo/Const:0",
        "y": "foo/goo/hoo/mul:0",
        "v": "foo/goo/hoo/v:0",
    }


def test_get_variable_name_without_output_index_is_accepted_with_a_note():
    feedback = q1.check("goo/w")
    assert feedback.outcome is Outcome.CORRECT
    assert "first output" in feedback.to_text()


# --- typical wrong builds (q5) ------------------------------------------------------------

SCOPED_LAYER = '''\
def scoped_layer(x):
    with tf.{outer}("block"):
        with tf.{inner}("layer"):
            w = {make_w}
            return tf.matmul(x, w)
'''
GET_W = 'tf.get_variable("w", [3, 2])'


def scoped_layer(outer="name_scope", inner="variable_scope", make_w=GET_W):
    code = SCOPED_LAYER.format(outer=outer, inner=inner, make_w=make_w)
    return defined(code, "scoped_layer")


def test_two_name_scopes_lose_the_variable_prefix():
    feedback = q5.check(scoped_layer(inner="name_scope"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`layer/w`" in feedback.to_text()
    assert "ignores name_scope" in feedback.to_text() and "must be a variable_scope" in feedback.to_text()


def test_two_variable_scopes_put_block_into_the_variable_name():
    feedback = q5.check(scoped_layer(outer="variable_scope"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`block` is part of the variable's name, so you opened it as a variable_scope" in feedback.to_text()


def test_tf_variable_is_rejected_as_unshareable():
    feedback = q5.check(scoped_layer(make_w='tf.Variable(tf.zeros([3, 2]), name="w")'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "was made with tf.Variable" in feedback.to_text()


def test_scopes_opened_in_the_wrong_order_put_the_op_under_layer_block():
    swapped = defined(
        'def scoped_layer(x):\n'
        '    with tf.variable_scope("layer"):\n'
        '        with tf.name_scope("block"):\n'
        '            w = tf.get_variable("w", [3, 2])\n'
        '            return tf.matmul(x, w)\n',
        "scoped_layer",
    )
    feedback = q5.check(swapped)
    assert feedback.outcome is Outcome.INCORRECT
    assert "name scopes nest in the order you open them" in feedback.to_text()


# --- typical wrong fixes (q6) ---------------------------------------------------------------


def fixed_two_layers(replace: str, by: str):
    code = q6.starter_code.replace(replace, by)
    assert code != q6.starter_code
    return defined(code, "two_layers")


def test_renaming_the_second_variable_leaves_both_unscoped():
    renamed = fixed_two_layers('w2 = tf.get_variable("w"', 'w2 = tf.get_variable("w2"')
    feedback = q6.check(renamed)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`layer1/w`" in feedback.to_text()
    assert "ignores name_scope" in feedback.to_text() and "must be a variable_scope" in feedback.to_text()


def test_switching_to_tf_variable_is_rejected():
    feedback = q6.check(
        fixed_two_layers('tf.get_variable("w", [4, 4])', 'tf.Variable(tf.zeros([4, 4]), name="w")')
    )
    assert feedback.outcome is Outcome.INCORRECT
    assert "was made with tf.Variable" in feedback.to_text()


def test_sharing_one_variable_is_not_two_layers():
    shared = fixed_two_layers(
        'with tf.name_scope("layer2")', "with tf.variable_scope(tf.get_variable_scope(), reuse=True)"
    )
    feedback = q6.check(shared)
    assert feedback.outcome is Outcome.INCORRECT
    missing = [line for line in feedback.to_text().splitlines() if "`layer2/w`" in line]
    assert missing and "missing" in missing[0]


# --- what section 11 says about resource and reference variables ------------------------


def one_variable(use_resource: bool):
    import tensorflow.compat.v1 as tf

    from kit.quiet_tf import fresh_graph

    with fresh_graph() as graph:
        with tf.variable_scope("goo"):
            w = tf.get_variable("w", [1], use_resource=use_resource)
        ops = graph.get_operations()
        own = [op.type for op in ops if not op.name.startswith("goo/w/Initializer/")]
        tensors = [t.name for op in ops for t in op.outputs]
        return repr(w), len(ops), own, tensors, w.value().op.type


def test_resource_and_reference_variables_differ_as_lesson01_says():
    resource, reference = one_variable(True), one_variable(False)
    assert resource[0].endswith("dtype=float32>") and reference[0].endswith("dtype=float32_ref>")
    assert resource[2] == ["VarHandleOp", "VarIsInitializedOp", "AssignVariableOp", "ReadVariableOp"]
    assert reference[2] == ["VariableV2", "Assign", "Identity"]
    assert resource[1] == reference[1] + 1
    assert "goo/w/read:0" in reference[3] and not any(t.endswith("/read:0") for t in resource[3])
    assert (resource[4], reference[4]) == ("ReadVariableOp", "Identity")
