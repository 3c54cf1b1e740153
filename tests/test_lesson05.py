"""Lesson 05 exercises: typical mistakes get their reason (solutions and blanks of every
lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

import kit
from kit.exercise import Outcome, ____, exec_solution
from kit.lessons import lesson05

pytestmark = pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated")

tf, slim = kit.tf, kit.slim


# --- q5: the README's nested arg_scope (a TypeError) -----------------------------------


def nested_variant(old: str, new: str):
    """The README's nested example with one edit, as the learner's function."""
    assert old in lesson05.NESTED_STARTER
    code = lesson05.NESTED_STARTER.replace(old, new)
    return exec_solution(code, "variant")["readme_nested"]


def test_nested_readme_code_really_raises_type_error():
    starter = exec_solution(lesson05.NESTED_STARTER, "starter")["readme_nested"]
    with kit.fresh_graph(), pytest.raises(TypeError, match="multiple values for argument 'stride'"):
        starter(lesson05._images(tf))


def test_nested_fix_that_drops_the_stride_is_incorrect():
    dropped = nested_variant("[11, 11], 4, padding", "[11, 11], padding")
    feedback = lesson05.q5.check(dropped)
    assert feedback.outcome is Outcome.INCORRECT
    assert "conv1 must keep its stride 4" in feedback.to_text()
    assert "(1, 54, 54, 1000)" in feedback.to_text()


def test_nested_fix_that_drops_valid_padding_is_incorrect():
    same = nested_variant("4, padding='VALID', scope='conv1'", "stride=4, scope='conv1'")
    feedback = lesson05.q5.check(same)
    assert feedback.outcome is Outcome.INCORRECT
    assert "(1, 16, 16, 1000)" in feedback.to_text()


def test_nested_fix_that_drops_the_outer_regularizer_is_incorrect():
    regularizer = ",\n                        weights_regularizer=slim.l2_regularizer(0.0005)"
    assert regularizer in lesson05.NESTED_SOLUTION
    code = lesson05.NESTED_SOLUTION.replace(regularizer, "")
    unregularized = exec_solution(code, "variant")["readme_nested"]
    feedback = lesson05.q5.check(unregularized)
    assert feedback.outcome is Outcome.INCORRECT
    assert "needs a regularizer" in feedback.to_text()


def test_nested_fix_removing_stride_from_arg_scope_is_also_correct():
    alternative = nested_variant("stride=1, padding='SAME'", "padding='SAME'")
    assert lesson05.q5.check(alternative).outcome is Outcome.CORRECT


# --- q4: the README's first arg_scope snippet (a SyntaxError) --------------------------


def test_snippet_placeholder_is_not_attempted():
    assert lesson05.q4.check(____).outcome is Outcome.NOT_ATTEMPTED


def test_snippet_readme_text_really_is_a_syntax_error():
    with pytest.raises(SyntaxError, match="Perhaps you forgot a comma"):
        compile(lesson05.README_SNIPPET, "README", "exec")


def test_snippet_with_the_comma_moved_is_still_a_syntax_error():
    moved = lesson05.README_SNIPPET.replace("padding='SAME',\n", "padding='SAME'\n").replace(
        "(stddev=0.01)\n", "(stddev=0.01),\n"
    )
    feedback = lesson05.q4.check(moved)
    assert feedback.outcome is Outcome.INCORRECT
    assert "does not parse: SyntaxError on line 1: invalid syntax. Perhaps you forgot a comma? " in feedback.to_text()


def test_snippet_fixed_by_deleting_the_regularizer_is_incorrect():
    deleted = lesson05.README_SNIPPET.replace(
        "                    weights_regularizer=slim.l2_regularizer(0.0005)):\n", ""
    ).replace("(stddev=0.01)\n", "(stddev=0.01)):\n")
    feedback = lesson05.q4.check(deleted)
    assert feedback.outcome is Outcome.INCORRECT
    assert "needs a regularizer" in feedback.to_text()


def test_snippet_fixed_but_conv1_stride_dropped_is_incorrect():
    no_stride = lesson05.FIXED_SNIPPET.replace("[11, 11], 4, scope", "[11, 11], scope")
    feedback = lesson05.q4.check(no_stride)
    assert feedback.outcome is Outcome.INCORRECT
    assert "(1, 54, 54, 256)" in feedback.to_text()


def test_snippet_must_be_a_string():
    feedback = lesson05.q4.check(42)
    assert feedback.outcome is Outcome.INCORRECT
    assert "as a string" in feedback.to_text()


# --- the committed notebook ------------------------------------------------------------

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "05_slim_layers_arg_scope.ipynb"


def test_snippet_exercise_cell_holds_the_readme_text():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in notebook.cells if "exercise:q4" in c.metadata.get("tags", []))
    namespace: dict = {}
    exec(cell.source, namespace)  # noqa: S102 - the notebook's own assignment
    assert namespace["q4_snippet"] == lesson05.README_SNIPPET


# --- q7: conv + batch norm block from one arg_scope ----------------------------------


def test_block_with_batch_norm_on_one_conv_only_is_incorrect():
    def conv_bn_block(images):
        with slim.arg_scope([slim.conv2d], weights_regularizer=slim.l2_regularizer(0.0005)):
            net = slim.conv2d(images, 16, [3, 3], normalizer_fn=slim.batch_norm, scope="conv1")
            return slim.conv2d(net, 32, [3, 3], scope="conv2")

    feedback = lesson05.q7.check(conv_bn_block)
    assert feedback.outcome is Outcome.INCORRECT
    assert "conv2 has biases and no BatchNorm/" in feedback.to_text()


def test_block_without_regularizer_is_incorrect():
    def conv_bn_block(images):
        with slim.arg_scope([slim.conv2d], normalizer_fn=slim.batch_norm):
            net = slim.conv2d(images, 16, [3, 3], scope="conv1")
            return slim.conv2d(net, 32, [3, 3], scope="conv2")

    feedback = lesson05.q7.check(conv_bn_block)
    assert feedback.outcome is Outcome.INCORRECT
    assert "needs a regularizer" in feedback.to_text()


def test_block_with_per_call_arguments_is_also_correct():
    def conv_bn_block(images):
        regularizer = slim.l2_regularizer(0.0005)
        net = slim.conv2d(images, 16, [3, 3], normalizer_fn=slim.batch_norm,
                          weights_regularizer=regularizer, scope="conv1")
        return slim.conv2d(net, 32, [3, 3], normalizer_fn=slim.batch_norm,
                           weights_regularizer=regularizer, scope="conv2")

    assert lesson05.q7.check(conv_bn_block).outcome is Outcome.CORRECT
