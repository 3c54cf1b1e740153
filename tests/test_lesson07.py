"""Lesson 07 exercises: typical restore mistakes get their reason (solutions and blanks of
every lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from learner_code import changed, check_code
from lesson_cells import stored_output_text

import kit  # imports TF quietly first
from kit.checkpoints import checkpoint_variables
from kit.exercise import Outcome
from kit.lessons import lesson07
from kit.lessons.lesson07 import q3, q4, q5

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "07_checkpoints_warm_start.ipynb"

pytestmark = [
    pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated"),
    pytest.mark.filterwarnings("ignore:`tf.layers.flatten` is deprecated"),
]


# --- answers come from a real checkpoint ----------------------------------------------------


def test_lesson_checkpoint_holds_the_six_small_model_variables():
    assert checkpoint_variables(lesson07.lesson_checkpoint()) == [
        ("conv1/biases", (4,)),
        ("conv1/weights", (3, 3, 1, 4)),
        ("conv2/biases", (4,)),
        ("conv2/weights", (3, 3, 4, 4)),
        ("logits/biases", (10,)),
        ("logits/weights", (64, 10)),
    ]


def test_lesson_checkpoint_lives_outside_the_repository():
    root = str(NOTEBOOK.parent.parent)
    assert not os.path.abspath(lesson07.lesson_checkpoint()).startswith(root)


def test_exclude_conv1_also_drops_conv10():
    kept = lesson07.ten_conv_layers_kept(["conv1"])
    assert "conv10/weights" not in kept and "conv1_1/weights" not in kept
    assert len(kept) == 16
    assert len(lesson07.ten_conv_layers_kept(["conv1/"])) == 18


def test_head_of_five_classes_keeps_the_checkpoint_shape_silently():
    """The lesson's claim: a resource variable restored by name takes the checkpoint's shape."""
    with kit.fresh_graph():
        images = kit.tf.placeholder(kit.tf.float32, [None, 8, 8, 1])
        lesson07.small_model(images, num_classes=5)
        weights = kit.slim.get_variables("logits/weights")[0]
        with kit.tf.Session() as sess:
            kit.tf.train.Saver().restore(sess, lesson07.lesson_checkpoint())
            assert type(weights).__name__ == "ResourceVariable"
            assert tuple(weights.shape.as_list()) == (64, 5)
            assert sess.run(weights).shape == (64, 10)


def test_get_variables_to_restore_matches_at_the_start_and_filter_variables_anywhere():
    with kit.fresh_graph():
        net = kit.tf.placeholder(kit.tf.float32, [None, 8, 8, 1])
        net = kit.slim.conv2d(net, 2, [1, 1], scope="conv1")
        kit.slim.fully_connected(kit.slim.flatten(net), 5, scope="new_logits")
        everything = kit.tf.global_variables()
        assert kit.slim.get_variables_to_restore(include=["logits"]) == []
        assert [v.op.name for v in kit.slim.filter_variables(everything, include_patterns=["logits"])] == [
            "new_logits/weights", "new_logits/biases"]
        assert kit.slim.filter_variables(everything, include_patterns=["logits"], reg_search=False) == []


# --- q3: a model ready for fine-tuning -------------------------------------------------------


def test_head_keeping_the_logits_name_is_a_checkpoint_collision():
    feedback = check_code(q3, changed(q3.solution_code, 'scope="new_logits"', 'scope="logits"'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "has the same name as the checkpoint's (10,) tensor" in feedback.to_text()


def test_body_with_other_scope_names_cannot_be_found_by_name():
    renamed = changed(q3.solution_code, 'scope="conv2"', 'scope="layer2"')
    feedback = check_code(q3, renamed)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`layer2/biases` is not a name in the checkpoint" in feedback.to_text()


def test_body_inside_a_student_scope_is_not_restorable_by_name():
    wrapped = (
        "def fine_tune_model(images):\n"
        '    with tf.variable_scope("student"):\n'
        "        return kit.lessons.lesson07.small_model(images, 5)\n"
    )
    feedback = check_code(q3, wrapped)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`student/conv1/biases` is not a name in the checkpoint" in feedback.to_text()


# --- q4: fix the warm start -------------------------------------------------------------------


def test_excluding_logits_with_a_slash_still_restores_the_new_head():
    feedback = check_code(q4, changed(q4.starter_code, '["logits"]', '["logits/"]'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "NotFoundError: Key new_logits/biases not found in checkpoint" in feedback.to_text()
    assert "Original stack trace" not in feedback.to_text()


def test_including_only_conv1_leaves_conv2_fresh():
    feedback = check_code(q4, changed(q4.starter_code, 'exclude=["logits"]', 'include=["conv1/"]'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`conv2/biases`, `conv2/weights` kept a fresh value" in feedback.to_text()


def test_renaming_the_head_to_logits_loads_a_ten_class_tensor_silently():
    code = changed(q4.starter_code, 'scope="new_logits"', 'scope="logits"')
    feedback = check_code(q4, changed(code, 'exclude=["logits"]', 'exclude=["new_logits"]'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "is declared (5,) but now holds the checkpoint's (10,) value" in feedback.to_text()


def test_returning_only_the_logits_asks_for_the_restore_list():
    feedback = check_code(q4, changed(q4.solution_code, "return logits, restore_list", "return logits"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "should return two things, `logits, restore_list`" in feedback.to_text()


def test_a_name_map_dict_is_accepted_as_the_restore_list():
    as_dict = changed(
        q4.solution_code, "return logits, restore_list", "return logits, {v.op.name: v for v in restore_list}"
    )
    assert check_code(q4, as_dict).outcome is Outcome.CORRECT


# --- q5: init_from_checkpoint into a student scope ---------------------------------------------


def answer_map(mapping: str) -> str:
    return changed(q5.starter_code, "____", mapping)


def test_mapping_only_conv1_leaves_student_conv2_fresh():
    feedback = check_code(q5, answer_map('{"conv1/": "student/conv1/"}'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`student/conv2/biases`, `student/conv2/weights` kept a fresh value" in feedback.to_text()


def test_mapping_the_old_head_onto_the_new_one_loads_the_wrong_shape():
    mapping = '{"conv1/": "student/conv1/", "conv2/": "student/conv2/", "logits/": "student/new_logits/"}'
    feedback = check_code(q5, answer_map(mapping))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`student/new_logits/biases` is declared (5,) but now holds the checkpoint's (10,) value" in (
        feedback.to_text()
    )


def test_mapping_the_whole_student_scope_reports_the_missing_head_without_paths():
    feedback = check_code(q5, answer_map('{"/": "student/"}'))
    assert feedback.outcome is Outcome.ERROR
    assert "Tensor new_logits/biases (new_logits/biases in /) is not found in the checkpoint" in feedback.to_text()
    assert "scopekit-lesson07-" not in feedback.to_text()
    assert "Map only scopes the checkpoint has" in feedback.to_text()


def test_scope_without_trailing_slash_reports_the_assignment_map_rule():
    feedback = check_code(q5, answer_map('{"conv1": "student/conv1"}'))
    assert feedback.outcome is Outcome.ERROR
    assert "ending in '/'" in feedback.to_text()


# --- the notebook -------------------------------------------------------------------------------


def test_notebook_outputs_show_no_temporary_paths_or_addresses():
    text = stored_output_text(NOTEBOOK)
    assert "NotFoundError: Key new_logits/biases not found in checkpoint" in text
    for leak in ("/tmp", "scopekit-07-", "scopekit-lesson07-", "Original stack trace", " at 0x"):
        assert leak not in text
