"""Lesson 03 exercises: typical slips are Incorrect for the reason they are wrong
(solutions and blanks of every lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

import pytest
from learner_code import defined

import kit
from kit.exercise import Outcome
from kit.lessons import lesson03 as lesson

# slim's layers warn once per process; the notebooks filter this through kit.quiet_tf.
pytestmark = pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated:UserWarning")


def test_lesson_has_at_least_four_exercises_of_three_kinds():
    assert len(lesson.EXERCISES) >= 4
    assert {q.kind for q in lesson.EXERCISES} == {"predict", "build", "fix"}
    assert [q.name for q in lesson.EXERCISES] == ["r1", "r2", "r3"] + [f"q{i}" for i in range(1, 7)]


def test_two_resnet_clones_share_variables_and_losses_but_not_update_ops():
    assert lesson.clone_collection_sizes() == {  # losses once, update ops per clone
        "variables": 267,
        "regularization_losses": 54,
        "update_ops": 212,
    }


def test_eager_answer_is_computed_in_eager_mode_even_inside_a_graph():
    with kit.fresh_graph():
        assert lesson.eager_second_get_variable() == "creates"


# --- q2: build a self-sharing image filter ----------------------------------------------


def test_image_filter_with_tf_variable_biases_is_incorrect_because_towers_do_not_share():
    code = lesson.IMAGE_FILTER_SOLUTION.replace(
        'tf.get_variable("biases", [32], initializer=tf.zeros_initializer())',
        'tf.Variable(tf.zeros([32]), name="biases")',
    )
    feedback = lesson.q2.check(defined(code, "image_filter"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "the second call made its own variables (image_filters_1/conv1/biases" in feedback.to_text()


def test_image_filter_with_name_scope_outside_is_incorrect_because_names_lack_the_prefix():
    code = (
        lesson.IMAGE_FILTER_SOLUTION.replace(
            'with tf.variable_scope("image_filters", reuse=tf.AUTO_REUSE):',
            'with tf.name_scope("image_filters"):',
        )
        .replace('variable_scope("conv1")', 'variable_scope("conv1", reuse=tf.AUTO_REUSE)')
        .replace('variable_scope("conv2")', 'variable_scope("conv2", reuse=tf.AUTO_REUSE)')
    )
    feedback = lesson.q2.check(defined(code, "image_filter"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "your variables are not under 'image_filters/'" in feedback.to_text()


def test_image_filter_without_reuse_reports_already_exists():
    code = lesson.IMAGE_FILTER_SOLUTION.replace(", reuse=tf.AUTO_REUSE", "")
    feedback = lesson.q2.check(defined(code, "image_filter"))
    assert feedback.outcome is Outcome.ERROR
    assert "image_filters/conv1/weights already exists" in feedback.to_text()


# --- q3: fix the half-shared tower -----------------------------------------------------


def test_tower_with_renamed_tf_variable_is_still_incorrect():
    code = lesson.MIXED_TOWER_STARTER.replace('name="biases"', 'name="tower_biases"')
    feedback = lesson.q3.check(defined(code, "tower"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "there are 2 bias variables" in feedback.to_text()
    assert "tf.Variable ignores reuse" in feedback.to_text()


def test_tower_without_biases_is_incorrect_because_tower_biases_is_missing():
    code = lesson.MIXED_TOWER_STARTER.replace(
        '        biases = tf.Variable(tf.zeros([8]), name="biases")\n', ""
    ).replace(" + biases", "")
    feedback = lesson.q3.check(defined(code, "tower"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`tower/biases` (8,) is missing" in feedback.to_text()


def test_tower_with_untrainable_biases_is_incorrect_for_its_collections():
    code = lesson.MIXED_TOWER_STARTER.replace(
        'tf.Variable(tf.zeros([8]), name="biases")', 'tf.get_variable("biases", [8], trainable=False)'
    )
    feedback = lesson.q3.check(defined(code, "tower"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "wrong collections" in feedback.to_text()


# --- the blog post's helpers the lesson relies on ------------------------------------------


def test_blog_filter_shares_four_variables_between_two_towers():
    with kit.fresh_graph() as graph:
        image1 = kit.tf.placeholder(kit.tf.float32, lesson.IMAGE_SHAPE)
        image2 = kit.tf.placeholder(kit.tf.float32, lesson.IMAGE_SHAPE)
        with kit.tf.variable_scope("image_filters", reuse=kit.tf.AUTO_REUSE):
            lesson.my_image_filter(image1)
        with kit.tf.variable_scope("image_filters", reuse=kit.tf.AUTO_REUSE):
            lesson.my_image_filter(image2)
        tree = kit.ScopeTree.from_graph(graph)
    assert len(tree.variables) == 4  # method 1: one set of variables
    assert all(v.reader_scopes[-1].startswith("image_filters_1/") for v in tree.variables)
    assert len(tree.shared_variables()) == 4
