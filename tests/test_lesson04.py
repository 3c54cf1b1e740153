"""Lesson 04 exercises: typical mistakes get their reason (solutions and blanks of every
lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import kit
from kit.exercise import Outcome, ____, exec_solution
from kit.lessons import lesson04

tf, slim = kit.tf, kit.slim

pytestmark = pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated")



def notebook_tags(path: Path) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    return [tag for cell in notebook.cells for tag in cell.metadata.get("tags", [])]


def check_outputs(path: Path) -> list[str]:
    """The text/plain of every stored ``check:qN`` cell output."""
    notebook = nbformat.read(path, as_version=4)
    texts = []
    for cell in notebook.cells:
        if any(tag.startswith("check:") for tag in cell.metadata.get("tags", [])):
            texts += [o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", [])]
    return texts


def test_expected_answers_come_from_tensorflow():
    assert lesson04.model_variables_after_mixed_build() == ["scale", "conv1/weights", "conv1/biases"]
    assert lesson04.global_variables_with_custom_collection() == ["kept"]
    assert lesson04.restore_list_include_conv1() == ["conv1/weights", "conv10/weights", "conv1_1/weights"]
    assert lesson04.device_with_empty_string() == "/device:GPU:0"


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




def test_counter_placeholder_is_not_attempted():
    def streaming_counter():
        return ____

    assert lesson04.q4.check(streaming_counter).outcome is Outcome.NOT_ATTEMPTED


def test_counter_as_global_variable_is_incorrect():
    def streaming_counter():
        return slim.variable("examples_seen", shape=[], initializer=tf.zeros_initializer())

    feedback = lesson04.q4.check(streaming_counter)
    assert feedback.outcome is Outcome.INCORRECT
    assert "examples_seen is a global variable" in feedback.text


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
    assert "examples_seen is trainable" in feedback.text


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


def test_fix_starter_is_not_attempted():
    starter = exec_solution(lesson04.FIX_STARTER, "starter")["scaled_layer"]
    feedback = lesson04.q2.check(starter)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "starter code" in feedback.text


def test_fix_that_still_skips_model_variables_is_incorrect():
    def scaled_layer(x):
        weights = tf.get_variable("scale", shape=[4], initializer=tf.ones_initializer())
        return x * weights

    feedback = lesson04.q2.check(scaled_layer)
    assert feedback.outcome is Outcome.INCORRECT
    assert "scale is still not in MODEL_VARIABLES" in feedback.text


def test_fix_that_freezes_the_variable_is_incorrect():
    def scaled_layer(x):
        scale = slim.model_variable(
            "scale", shape=[4], initializer=tf.ones_initializer(), trainable=False
        )
        return x * scale

    feedback = lesson04.q2.check(scaled_layer)
    assert feedback.outcome is Outcome.INCORRECT
    assert "should stay trainable" in feedback.text


def test_fix_with_model_variable_is_also_correct():
    def scaled_layer(x):
        scale = slim.model_variable("scale", shape=[4], initializer=tf.ones_initializer())
        return x * scale

    assert lesson04.q2.check(scaled_layer).outcome is Outcome.CORRECT


# --- the committed notebook ------------------------------------------------------------

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "04_slim_variables.ipynb"


def test_notebook_has_one_exercise_and_one_check_cell_per_exercise():
    tags = notebook_tags(NOTEBOOK)
    for exercise in lesson04.EXERCISES:
        assert tags.count(f"exercise:{exercise.name}") == 1, exercise.name
        assert tags.count(f"check:{exercise.name}") == 1, exercise.name


def test_committed_checks_say_not_attempted():
    texts = check_outputs(NOTEBOOK)
    assert len(texts) == len(lesson04.EXERCISES)
    assert all(text.startswith("Not attempted") for text in texts), texts


def test_notebook_metadata_names_its_module():
    metadata = nbformat.read(NOTEBOOK, as_version=4).metadata
    assert metadata["scopekit"] == {"lesson": "04", "module": "kit.lessons.lesson04"}
    assert metadata["kernelspec"]["name"] == "python3"
