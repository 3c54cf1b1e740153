"""Lesson 10 exercises: typical fine-tuning and evaluation mistakes get their reason; the
claims the lesson makes about init_fn, streaming counters and evaluate_once hold
(solutions and blanks of every lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nbformat
import numpy as np
import pytest
from learner_code import changed, check_code
from lesson_cells import stored_output_text

import kit  # imports TF quietly first
from kit.exercise import Outcome
from kit.lessons import lesson09, lesson10
from kit.lessons.lesson10 import q1, q4, q7

tf, slim = kit.tf, kit.slim
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "10_fine_tuning_and_evaluation.ipynb"

pytestmark = [
    pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated"),
]


def test_a_saver_without_a_map_looks_for_the_scoped_name():
    assert q1.expected == "student/hidden/weights"
    with kit.fresh_graph():
        with tf.variable_scope("student"):
            lesson09.tiny_classifier(tf.placeholder(tf.float32, [None, 4]))
        with tf.Session() as sess, pytest.raises(tf.errors.NotFoundError, match="student/"):
            tf.train.Saver().restore(sess, lesson09.trained_checkpoint())


# --- q4: an init_fn for the body only ------------------------------------------------------------


def answer_restore(expression: str) -> str:
    return changed(q4.starter_code, "variables_to_restore = ____", f"variables_to_restore = {expression}")


def test_excluding_only_the_head_restores_global_step_too():
    feedback = check_code(q4, answer_restore('slim.get_variables_to_restore(exclude=["new_logits/"])'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`global_step` was restored: it starts at 20" in feedback.to_text()


def test_restoring_every_model_variable_fails_on_the_new_head():
    feedback = check_code(q4, answer_restore("slim.get_model_variables()"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "NotFoundError: `new_logits/" in feedback.to_text() and "the new head" in feedback.to_text()
    assert "Original stack trace" not in feedback.to_text()


def test_restoring_only_the_trainable_body_leaves_the_moving_averages_fresh():
    feedback = check_code(q4, answer_restore('slim.get_trainable_variables("hidden/")'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`hidden/BatchNorm/moving_mean`, `hidden/BatchNorm/moving_variance` kept a fresh value" in feedback.to_text()


def test_a_list_the_checkpoint_has_nothing_of_gets_a_none_init_fn():
    code = changed(q4.starter_code, "init_fn = slim.assign_from_checkpoint_fn(checkpoint, variables_to_restore)",
                   "init_fn = slim.assign_from_checkpoint_fn(checkpoint, variables_to_restore, "
                   "ignore_missing_vars=True)")
    code = changed(code, "variables_to_restore = ____",
                   'variables_to_restore = slim.get_variables_to_restore(include=["new_logits/"])')
    feedback = check_code(q4, code)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`init_fn` is None" in feedback.to_text()


@pytest.mark.parametrize("expression", [
    'slim.get_model_variables("hidden/")',
    'slim.get_variables_to_restore(exclude=["new_logits/", "global_step"])',
    '{v.op.name: v for v in slim.get_variables("hidden/")}',
])
def test_other_ways_to_name_the_body_are_accepted(expression):
    assert check_code(q4, answer_restore(expression)).outcome is Outcome.CORRECT


def test_returning_only_the_train_op_asks_for_both():
    code = changed(q4.solution_code, "return train_op, init_fn", "return train_op")
    feedback = check_code(q4, code)
    assert feedback.outcome is Outcome.INCORRECT
    assert "should return two things, `train_op, init_fn`" in feedback.to_text()


# --- q7: two streaming metrics, aggregated ----------------------------------------------------------


def test_the_expected_metric_values_are_counted_by_hand():
    assert lesson10.expected_metric_values() == {"accuracy": 0.5, "recall_at_2": 5 / 6}


def test_a_plain_accuracy_in_the_map_is_an_error_with_its_cause():
    code = changed(q7.solution_code, "slim.metrics.streaming_accuracy(predictions, labels)",
                   "slim.metrics.accuracy(predictions, labels)")
    feedback = check_code(q7, code)
    assert feedback.outcome is Outcome.ERROR
    assert "Iterating over a symbolic `tf.Tensor` is not allowed" in feedback.to_text()


def test_accuracy_of_the_logits_instead_of_the_top_class_is_told_what_goes_in():
    code = changed(q7.solution_code, "slim.metrics.streaming_accuracy(predictions, labels)",
                   "slim.metrics.streaming_accuracy(tf.argmin(logits, 1), labels)")
    feedback = check_code(q7, code)
    assert feedback.outcome is Outcome.INCORRECT
    assert "after three batches `accuracy` is" in feedback.to_text() and "argmax of the logits" in feedback.to_text()


def test_metrics_under_other_names_are_told_the_names_the_evaluation_reads():
    code = changed(q7.solution_code, '"recall_at_2":', '"top_2":')
    feedback = check_code(q7, code)
    assert feedback.outcome is Outcome.INCORRECT
    assert "['accuracy', 'top_2']" in feedback.to_text()


def test_a_missing_metric_shows_its_counters_in_the_tree_diff():
    code = ("def eval_metrics(logits, labels):\n"
            "    predictions = tf.argmax(logits, 1)\n"
            "    return slim.metrics.aggregate_metric_map({\n"
            '        "accuracy": slim.metrics.streaming_accuracy(predictions, labels)})\n')
    feedback = check_code(q7, code)
    assert feedback.outcome is Outcome.INCORRECT
    assert "recall_at_2/true_positive_at_2" in feedback.to_text()


def test_tf_metrics_accuracy_makes_the_same_counters_and_is_accepted():
    code = changed(q7.solution_code, "slim.metrics.streaming_accuracy(predictions, labels)",
                   "tf.metrics.accuracy(labels, predictions)")
    assert check_code(q7, code).outcome is Outcome.CORRECT


# --- what the lesson shows ----------------------------------------------------------------------------


def test_restoring_global_step_stops_fine_tuning_after_one_step():
    with tempfile.TemporaryDirectory() as logdir, kit.fresh_graph():
        features, labels, checkpoint = lesson10.fine_tune_inputs(tf)
        logits = lesson09.tiny_classifier(features, num_classes=2, head="new_logits")
        tf.losses.sparse_softmax_cross_entropy(labels, logits)
        train_op = slim.learning.create_train_op(tf.losses.get_total_loss(),
                                                 tf.train.GradientDescentOptimizer(0.5))
        init_fn = slim.assign_from_checkpoint_fn(checkpoint, slim.get_variables_to_restore(exclude=["new_logits/"]))
        with lesson09.quiet_logs():
            slim.learning.train(train_op, logdir, number_of_steps=5, init_fn=init_fn, save_interval_secs=0)
        assert os.path.basename(tf.train.latest_checkpoint(logdir)) == "model.ckpt-21"


def test_evaluate_once_initializes_the_counters_and_restores_the_model():
    with tempfile.TemporaryDirectory() as evaldir, kit.fresh_graph():
        features, labels = lesson09.tiny_data("test")
        logits = lesson09.tiny_classifier(tf.constant(features), is_training=False)
        accuracy, update = slim.metrics.streaming_accuracy(tf.argmax(logits, 1), labels)
        count = slim.get_local_variables("accuracy/count")[0]
        with lesson09.quiet_logs():
            result = slim.evaluation.evaluate_once("", lesson09.trained_checkpoint(), evaldir, num_evals=2,
                                                   eval_op=update, final_op=[accuracy, count])
    assert result[1] == 24.0  # two evaluations of the 12 test points, counted from 0
    assert 0 < result[0] <= 1
    assert np.isclose(result[0], round(result[0] * 12) / 12)


def test_new_task_labels_has_two_classes():
    _, labels = lesson09.tiny_data("train")
    assert sorted(set(lesson10.new_task_labels(labels).tolist())) == [0, 1]


# --- the notebook ---------------------------------------------------------------------------------------


def test_notebook_links_back_to_lesson_07():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    markdown = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert markdown.count("(07_checkpoints_warm_start.ipynb") >= 3


def test_notebook_outputs_have_no_stderr_paths_or_timings():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("name") == "stderr" or o.get("output_type") == "error"]
    text = stored_output_text(NOTEBOOK)
    assert "model.ckpt-21" in text and "points counted" in text
    for leak in ("/tmp", "scopekit-10-", "scopekit-tiny", "Starting evaluation", "INFO:", "site-packages",
                 " at 0x"):
        assert leak not in text
