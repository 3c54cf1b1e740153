"""Lesson 04 exercises: typical mistakes get their reason (solutions and blanks of every
lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

import pytest

import kit
from kit.exercise import Outcome
from kit.lessons import lesson04

tf, slim = kit.tf, kit.slim

pytestmark = pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated")


def test_scope_filters_match_at_the_start_but_filter_variables_searches_anywhere():
    """What the lesson's summary says about the restore filters, on TF 2.21 + tf-slim 1.1.0."""
    with kit.fresh_graph():
        for name in ("conv1/weights", "conv10/weights", "tower/conv1/weights"):
            slim.model_variable(name, shape=[1])
        every = slim.get_model_variables()

        def names(variables):
            return [v.op.name for v in variables]

        at_start = ["conv1/weights", "conv10/weights"]
        assert names(tf.get_collection(tf.GraphKeys.MODEL_VARIABLES, scope="conv1")) == at_start
        assert names(slim.get_variables(scope="conv1")) == at_start
        assert names(slim.get_variables_to_restore(include=["conv1"])) == at_start
        assert names(slim.filter_variables(every, include_patterns=["conv1"])) == at_start + [
            "tower/conv1/weights"
        ]
        assert names(slim.filter_variables(every, include_patterns=["conv1"], reg_search=False)) == at_start
        assert names(slim.get_variables(scope="conv1/")) == ["conv1/weights"]
        assert slim.get_variables(scope="conv1/weights$") == []  # the name ends in ':0'


def test_model_variables_in_another_order_still_count():
    feedback = lesson04.q1.check(["conv1/biases", "scale", "conv1/weights"])
    assert feedback.outcome is Outcome.CORRECT


def test_counter_as_global_variable_is_incorrect():
    def streaming_counter():
        return slim.variable("examples_seen", shape=[], initializer=tf.zeros_initializer())

    feedback = lesson04.q4.check(streaming_counter)
    assert feedback.outcome is Outcome.INCORRECT
    assert "examples_seen is a global variable" in feedback.to_text()


def test_counter_forgetting_trainable_false_is_incorrect():
    def streaming_counter():
        return slim.variable(
            "examples_seen",
            shape=[],
            initializer=tf.zeros_initializer(),
            collections=[tf.GraphKeys.LOCAL_VARIABLES],
        )

    feedback = lesson04.q4.check(streaming_counter)
    assert feedback.outcome is Outcome.INCORRECT
    assert "examples_seen is trainable" in feedback.to_text()


def test_counter_workaround_without_slim_helper_is_correct():
    def streaming_counter():
        return slim.variable(
            "examples_seen",
            shape=[],
            initializer=tf.zeros_initializer(),
            collections=[tf.GraphKeys.LOCAL_VARIABLES],
            trainable=False,
        )

    assert lesson04.q4.check(streaming_counter).outcome is Outcome.CORRECT


def test_fix_that_still_skips_model_variables_is_incorrect():
    def scaled_layer(x):
        weights = tf.get_variable("scale", shape=[4], initializer=tf.ones_initializer())
        return x * weights

    feedback = lesson04.q2.check(scaled_layer)
    assert feedback.outcome is Outcome.INCORRECT
    assert "scale is still not in MODEL_VARIABLES" in feedback.to_text()


def test_fix_that_freezes_the_variable_is_incorrect():
    def scaled_layer(x):
        scale = slim.model_variable(
            "scale", shape=[4], initializer=tf.ones_initializer(), trainable=False
        )
        return x * scale

    feedback = lesson04.q2.check(scaled_layer)
    assert feedback.outcome is Outcome.INCORRECT
    assert "should stay trainable" in feedback.to_text()


def test_fix_with_model_variable_is_also_correct():
    def scaled_layer(x):
        scale = slim.model_variable("scale", shape=[4], initializer=tf.ones_initializer())
        return x * scale

    assert lesson04.q2.check(scaled_layer).outcome is Outcome.CORRECT


