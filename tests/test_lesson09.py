"""Lesson 09 exercises: typical mistakes about losses, train ops, UPDATE_OPS and global_step
get their reason; the lesson's tiny training run is deterministic and leaves nothing behind
(solutions and blanks of every lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

import nbformat
import numpy as np
import pytest
from learner_code import changed, check_code
from lesson_cells import stored_output_text

import kit  # imports TF quietly first
from kit.exercise import Outcome, exec_solution
from kit.lessons import lesson09
from kit.lessons.lesson09 import q1, q6, q7

tf, slim = kit.tf, kit.slim
NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "09_losses_and_training.ipynb"

pytestmark = [
    pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated"),
]


def test_the_regularization_loss_of_a_slim_layer_is_named_after_kernel():
    assert q1.expected == "hidden/kernel/Regularizer/l2_regularizer:0"
    for wrong, reason in q1.wrong_answers:
        assert "kernel" not in reason, reason


def test_losses_and_regularization_losses_are_two_collections():
    assert lesson09.collection_size(tf.GraphKeys.LOSSES) == 3
    assert lesson09.collection_size(tf.GraphKeys.REGULARIZATION_LOSSES) == 2


def test_create_train_op_moves_the_moving_mean_halfway_each_step():
    assert lesson09.moving_mean_after_three_steps() == 14
    with kit.fresh_graph():
        loss, optimizer = lesson09.batch_norm_model()
        without = lesson09.run_train_op(slim.learning.create_train_op(loss, optimizer, update_ops=[]))
    assert without["after"].tolist() == [0.0, 0.0] and without["weights_changed"]


# --- q6: a train op that runs the update ops ----------------------------------------------------


def test_the_starter_train_op_leaves_the_moving_mean():
    with kit.fresh_graph():
        loss, optimizer = lesson09.batch_norm_model()
        result = lesson09.run_train_op(optimizer.minimize(loss))
    assert result["after"].tolist() == [0.0, 0.0] and result["weights_changed"]


def test_control_dependencies_on_update_ops_are_accepted():
    code = changed(
        q6.starter_code,
        "    return optimizer.minimize(loss, global_step=global_step)",
        "    with tf.control_dependencies(tf.get_collection(tf.GraphKeys.UPDATE_OPS)):\n"
        "        return optimizer.minimize(loss, global_step=global_step)",
    )
    assert check_code(q6, code).outcome is Outcome.CORRECT


def test_create_train_op_without_update_ops_is_told_where_the_updates_are():
    code = changed(q6.solution_code, "global_step=global_step)", "global_step=global_step, update_ops=[])")
    feedback = check_code(q6, code)
    assert feedback.outcome is Outcome.INCORRECT
    assert "is still [0.0, 0.0]" in feedback.to_text() and "UPDATE_OPS" in feedback.to_text()


def test_running_only_the_update_ops_is_told_it_trains_nothing():
    code = changed(
        q6.starter_code,
        "    return optimizer.minimize(loss, global_step=global_step)",
        "    return tf.group(*tf.get_collection(tf.GraphKeys.UPDATE_OPS))",
    )
    feedback = check_code(q6, code)
    assert feedback.outcome is Outcome.INCORRECT
    assert "left every trainable variable as it was" in feedback.to_text()


def test_a_train_op_that_does_not_count_steps_is_told_about_global_step():
    code = changed(q6.solution_code, "global_step=global_step)", "global_step=None)")
    feedback = check_code(q6, code)
    assert feedback.outcome is Outcome.INCORRECT
    assert "global_step is 0" in feedback.to_text()


def test_returning_nothing_asks_for_the_train_op():
    code = changed(q6.starter_code, "    return optimizer.minimize(loss, global_step=global_step)",
                   "    slim.learning.create_train_op(loss, optimizer, global_step=global_step)")
    feedback = check_code(q6, code)
    assert feedback.outcome is Outcome.INCORRECT
    assert "should return the train op" in feedback.to_text()


# --- q7: the hand-made global step -------------------------------------------------------------


def test_the_hand_made_global_step_error_shows_no_paths():
    shown = str(q7.show_error())
    assert 'Existing "global_step" does not have integer type' in shown
    assert "site-packages" not in shown and "/tmp" not in shown


def test_a_hand_made_int64_step_in_the_collection_also_works():
    fixed = changed(q7.broken_code, 'step = tf.Variable(0, trainable=False, name="global_step")',
                    'step = tf.Variable(0, trainable=False, name="global_step", dtype=tf.int64, '
                    'collections=[tf.GraphKeys.GLOBAL_VARIABLES, tf.GraphKeys.GLOBAL_STEP])')
    with kit.fresh_graph():
        exec_solution(fixed, "test")
        assert tf.train.get_global_step().op.name == "global_step"


# --- the tiny model and its training run --------------------------------------------------------


def test_tiny_data_is_the_same_every_time_and_balanced():
    features, labels = lesson09.tiny_data("train")
    again, _ = lesson09.tiny_data("train")
    test_features, test_labels = lesson09.tiny_data("test")
    assert features.shape == (24, 4) and features.dtype == np.float32
    assert np.array_equal(features, again)
    assert np.bincount(labels).tolist() == [8, 8, 8] and np.bincount(test_labels).tolist() == [4, 4, 4]
    assert not np.array_equal(features[:12], test_features)
    with pytest.raises(ValueError, match="split is 'train' or 'test'"):
        lesson09.tiny_data("validation")


def test_tiny_classifier_builds_the_lesson_variables():
    with kit.fresh_graph():
        lesson09.tiny_classifier(tf.placeholder(tf.float32, [None, 4]), num_classes=5, head="new_logits")
        names = sorted(v.op.name for v in tf.global_variables())
        regularized = len(tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES))
    assert names == ["hidden/BatchNorm/beta", "hidden/BatchNorm/moving_mean",
                     "hidden/BatchNorm/moving_variance", "hidden/weights",
                     "new_logits/biases", "new_logits/weights"]
    assert regularized == 2


def test_train_tiny_classifier_is_deterministic_and_saves_every_global_variable(tmp_path):
    first = lesson09.train_tiny_classifier(str(tmp_path / "a"), steps=5)
    second = lesson09.train_tiny_classifier(str(tmp_path / "b"), steps=5)
    assert first == second and first > 0
    checkpoint = tf.train.latest_checkpoint(str(tmp_path / "a"))
    assert os.path.basename(checkpoint) == "model.ckpt-5"
    assert [name for name, _ in tf.train.list_variables(checkpoint)] == [
        "global_step", "hidden/BatchNorm/beta", "hidden/BatchNorm/moving_mean",
        "hidden/BatchNorm/moving_variance", "hidden/weights", "logits/biases", "logits/weights"]
    assert tf.train.load_checkpoint(checkpoint).get_tensor("global_step") == 5


def test_training_again_in_the_same_folder_resumes(tmp_path):
    lesson09.train_tiny_classifier(str(tmp_path), steps=3)
    lesson09.train_tiny_classifier(str(tmp_path), steps=5)
    checkpoint = tf.train.latest_checkpoint(str(tmp_path))
    assert os.path.basename(checkpoint) == "model.ckpt-5"
    steps = sorted(os.path.basename(p) for p in tf.train.get_checkpoint_state(str(tmp_path)).all_model_checkpoint_paths)
    assert steps == ["model.ckpt-3", "model.ckpt-5"]


def test_the_checks_checkpoint_lives_outside_the_repository():
    root = str(NOTEBOOK.parent.parent)
    path = lesson09.trained_checkpoint()
    assert not os.path.abspath(path).startswith(root)
    assert os.path.basename(path) == f"model.ckpt-{lesson09.TRAIN_STEPS}"


def test_quiet_logs_hides_the_closed_writer_warning_and_restores_the_level():
    logger = tf.get_logger()
    before = logger.level
    logger.setLevel(logging.INFO)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with lesson09.quiet_logs():
                assert logger.level == logging.ERROR
                warnings.warn("Attempting to use a closed FileWriter. The operation will be a noop", UserWarning)
            warnings.warn("another warning", UserWarning)
        assert [str(w.message) for w in caught] == ["another warning"]
        assert logger.level == logging.INFO
    finally:
        logger.setLevel(before)


# --- the notebook -------------------------------------------------------------------------------


def test_notebook_outputs_have_no_stderr_paths_or_timings():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("name") == "stderr" or o.get("output_type") == "error"]
    text = stored_output_text(NOTEBOOK)
    assert "model.ckpt-20" in text and "global_step" in text
    for leak in ("/tmp", "scopekit-tiny", "sec/step", "INFO:", "site-packages", " at 0x"):
        assert leak not in text
