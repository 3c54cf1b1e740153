"""Lesson 02 exercises: typical slips are Incorrect for the reason they are wrong
(solutions and blanks of every lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

import pytest
from learner_code import defined

import kit  # noqa: F401  (quiet TF import first)
from kit.exercise import Outcome, run_in_graph
from kit.lessons import lesson02 as lesson


def test_lesson_has_at_least_four_exercises_of_three_kinds():
    kinds = {q.kind for q in lesson.EXERCISES}
    assert len(lesson.EXERCISES) >= 4
    assert kinds == {"predict", "build", "fix"}
    assert [q.name for q in lesson.EXERCISES] == ["r1", "r2", "r3"] + [f"q{i}" for i in range(1, 7)]


def test_shared_dense_with_tf_variable_is_incorrect_because_nothing_is_shared():
    code = '''
def shared_dense(x):
    with tf.variable_scope("dense"):
        w = tf.Variable(tf.zeros([4, 2]), name="w")
        b = tf.Variable(tf.zeros([2]), name="b")
        return tf.matmul(x, w) + b
'''
    feedback = lesson.q5.check(defined(code, "shared_dense"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "the second call made new variables (dense_1/b, dense_1/w)" in feedback.to_text()


def test_shared_dense_without_bias_is_incorrect_because_dense_b_is_missing():
    code = '''
def shared_dense(x):
    with tf.variable_scope("dense", reuse=tf.AUTO_REUSE):
        return tf.matmul(x, tf.get_variable("w", [4, 2]))
'''
    feedback = lesson.q5.check(defined(code, "shared_dense"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`dense/b` (2,) is missing" in feedback.to_text()


@pytest.mark.parametrize(
    ("reuse", "message"),
    [("None", "already exists"), ("True", "does not exist")],
)
def test_shared_dense_with_a_fixed_reuse_flag_reports_tf_error(reuse, message):
    code = f'''
def shared_dense(x):
    with tf.variable_scope("dense", reuse={reuse}):
        w = tf.get_variable("w", [4, 2])
        b = tf.get_variable("b", [2], initializer=tf.zeros_initializer())
        return tf.matmul(x, w) + b
'''
    feedback = lesson.q5.check(defined(code, "shared_dense"))
    assert feedback.outcome is Outcome.ERROR
    assert message in feedback.to_text()


def test_root_trap_starter_really_fails_with_does_not_exist():
    """The bug the learner fixes is real: the decoder cannot create its variable."""
    run = run_in_graph(defined(lesson.ROOT_TRAP_STARTER, "encode_twice"), lesson.q6.make_inputs, 1)
    assert "Variable decoder/w does not exist" in str(run.error)
    assert run.root_scope_reusing is True


def test_root_trap_fixed_by_renaming_the_second_encoder_is_incorrect():
    code = lesson.ROOT_TRAP_STARTER.replace(
        "    tf.get_variable_scope().reuse_variables()\n", ""
    ).replace('scope("encoder"):\n        h = tf.matmul(h', 'scope("encoder2"):\n        h = tf.matmul(h')
    feedback = lesson.q6.check(defined(code, "encode_twice"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "the encoder's weights are not shared (encoder2/w is a second copy)" in feedback.to_text()


def test_root_trap_fixed_by_decoder_borrowing_the_encoder_is_incorrect():
    code = '''
def encode_twice(x):
    with tf.variable_scope("encoder"):
        h = tf.matmul(x, tf.get_variable("w", [4, 4]))
    with tf.variable_scope("encoder", reuse=True):
        h = tf.matmul(h, tf.get_variable("w", [4, 4]))
        return tf.matmul(h, tf.get_variable("w", [4, 4]))
'''
    feedback = lesson.q6.check(defined(code, "encode_twice"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "decoder/w is missing: the decoder needs its own [4, 2] weights" in feedback.to_text()


def test_root_trap_fixed_inside_the_block_is_also_correct():
    """reuse_variables() on the second encoder scope (not the root) is a valid fix."""
    code = lesson.ROOT_TRAP_STARTER.replace(
        "    tf.get_variable_scope().reuse_variables()\n"
        '    with tf.variable_scope("encoder"):\n',
        '    with tf.variable_scope("encoder") as scope:\n'
        "        scope.reuse_variables()\n",
    )
    assert code != lesson.ROOT_TRAP_STARTER
    feedback = lesson.q6.check(defined(code, "encode_twice"))
    assert feedback.outcome is Outcome.CORRECT, feedback.to_text()


# --- wrong answers' reasons do not give the right one away --------------------------------

@pytest.mark.parametrize("exercise", [lesson.q1, lesson.q3], ids=lambda q: q.name)
def test_reasons_for_a_wrong_choice_do_not_name_the_right_one(exercise):
    for wrong, reason in exercise.wrong_answers:
        assert "raise" not in reason.lower() and "refuse" not in reason.lower(), (wrong, reason)


def test_reasons_for_q4_do_not_state_the_tensor_name():
    for wrong, reason in lesson.q4.wrong_answers:
        assert "obj_1/c:0" not in reason and "obj_1/c'" not in reason, (wrong, reason)
        assert "'obj_1'" not in reason and "obj_1/" not in reason, (wrong, reason)


