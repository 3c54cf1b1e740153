"""Lesson 06 exercises: typical wrong answers are rejected with a reason naming the concept;
the fixed vgg16() really is VGG-16 (solutions and blanks: tests/test_every_exercise.py)."""

from __future__ import annotations

import pytest
from learner_code import defined

import kit  # noqa: F401  (imports TF quietly first)
from kit.diff import diff_trees
from kit.exercise import Outcome, run_in_graph
from kit.lessons import lesson06
from kit.lessons.lesson06 import q3, q4, q5
from kit.quiet_tf import KNOWN_WARNINGS

# pytest resets warning filters per test; re-apply the kit's (slim's own deprecation warnings).
pytestmark = [pytest.mark.filterwarnings(f"ignore:{pattern}") for pattern in KNOWN_WARNINGS]


def edited_readme_vgg16(*replacements: tuple[str, str]):
    """The README's vgg16 with each (old, new) replacement applied (each must match)."""
    code = lesson06.README_VGG16
    for old, new in replacements:
        assert old in code, old
        code = code.replace(old, new)
    return defined(code, "vgg16")


WRAP_IN_VGG_SCOPE = ("def vgg16(inputs):\n", "def vgg16(inputs):\n  with tf.variable_scope('vgg_16'):\n")
WRAP_IN_NAME_SCOPE = ("def vgg16(inputs):\n", "def vgg16(inputs):\n  with tf.name_scope('vgg_16'):\n")
FLATTEN_BEFORE_FC6 = (
    "net = slim.fully_connected(net, 4096, scope='fc6')",
    "net = slim.flatten(net)\n        net = slim.fully_connected(net, 4096, scope='fc6')",
)


# --- what the lesson claims, computed by TensorFlow -----------------------------------------


def test_readme_vgg16_is_not_vgg16():
    run = run_in_graph(defined(lesson06.README_VGG16, "vgg16"), lambda tf: (lesson06.image_batch(tf),), 1)
    assert run.tree.parameter_count == lesson06.README_VGG_PARAMETERS == 37_694_248
    assert tuple(run.outputs[0].shape.as_list()) == (None, 7, 7, 1000)
    assert run.tree.variable("fc6/weights").shape == (512, 4096)


def test_fixed_vgg16_matches_tf_slim_vgg_16_names_shapes_collections_and_parameters():
    solution_tree = q5.reference_run().tree
    real_tree = lesson06.vgg16_tree(with_arg_scope=True)
    differences = diff_trees(real_tree, solution_tree, ("names", "shapes", "dtypes", "collections"))
    assert differences.empty, differences.to_text()
    assert solution_tree.parameter_count == real_tree.parameter_count == lesson06.VGG_PARAMETERS
    assert len(solution_tree.variables) == 32


def test_fixed_vgg16_returns_one_row_of_scores_like_vgg_16():
    output = q5.reference_run().outputs[0]
    assert output.name == "vgg_16/fc8/squeezed:0"
    assert tuple(output.shape.as_list()) == (None, 1000)


def test_fc6_count_with_thousands_separators_is_accepted():
    assert q4.check("102,764,544").outcome is Outcome.CORRECT


# --- typical wrong builds (q3) ----------------------------------------------------------------


def test_repeat_instead_of_stack_is_explained():
    repeat = defined(
        'def conv_block(images):\n'
        '    return slim.repeat(images, 3, slim.conv2d, 64, [3, 3], scope="block")\n',
        "conv_block",
    )
    feedback = q3.check(repeat)
    assert feedback.outcome is Outcome.INCORRECT
    assert "slim.repeat repeats the same arguments" in feedback.to_text()


def test_stack_without_scope_is_explained():
    unscoped = defined(
        'def conv_block(images):\n'
        '    return slim.stack(images, slim.conv2d, [(32, [3, 3]), (64, [1, 1]), (64, [3, 3])])\n',
        "conv_block",
    )
    feedback = q3.check(unscoped)
    assert feedback.outcome is Outcome.INCORRECT
    assert "without scope=, slim.stack opens 'Stack'" in feedback.to_text()


# --- typical wrong fixes (q5) -------------------------------------------------------------------


def headline(feedback) -> str:
    return feedback.to_text().splitlines()[0]


def test_scope_alone_keeps_the_per_position_classifier():
    feedback = q5.check(edited_readme_vgg16(WRAP_IN_VGG_SCOPE))
    assert feedback.outcome is Outcome.INCORRECT
    assert "fully_connected on the 4-D pool5 map acts on the last axis only" in headline(feedback)
    assert "37,694,248 parameters" in feedback.to_text()
    # the engine's tree diff names the weight that is still wrong, with both shapes
    fc6_lines = [line for line in feedback.to_text().splitlines() if "`vgg_16/fc6/weights`" in line]
    assert fc6_lines and "(512, 4096)" in fc6_lines[0] and "(7, 7, 512, 4096)" in fc6_lines[0]


def test_name_scope_does_not_prefix_slim_variables():
    feedback = q5.check(edited_readme_vgg16(WRAP_IN_NAME_SCOPE))
    assert feedback.outcome is Outcome.INCORRECT
    assert "none of your variables starts with `vgg_16/`" in headline(feedback)
    assert "a name_scope would not rename them" in headline(feedback)


def test_flatten_without_scope_is_told_about_the_prefix_first():
    feedback = q5.check(edited_readme_vgg16(FLATTEN_BEFORE_FC6))
    assert feedback.outcome is Outcome.INCORRECT
    assert "wrap the body in tf.variable_scope('vgg_16')" in headline(feedback)


def test_flatten_gives_the_right_count_but_the_wrong_weight_shapes():
    feedback = q5.check(edited_readme_vgg16(WRAP_IN_VGG_SCOPE, FLATTEN_BEFORE_FC6))
    assert feedback.outcome is Outcome.INCORRECT
    assert "parameters" not in feedback.to_text()  # 138,357,544 either way: only the shapes differ
    assert "`vgg_16/fc6/weights`" in headline(feedback)
    assert "(25088, 4096)" in headline(feedback) and "(7, 7, 512, 4096)" in headline(feedback)


def test_forgetting_the_squeeze_is_explained():
    unsqueezed = lesson06.VGG16_SOLUTION.replace(
        "net = tf.squeeze(net, [1, 2], name='fc8/squeezed')", "pass"
    )
    feedback = q5.check(defined(unsqueezed, "vgg16"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "squeeze the two 1x1 dimensions" in feedback.to_text()
