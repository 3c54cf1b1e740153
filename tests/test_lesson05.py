"""Lesson 05 exercises: solutions pass, placeholders wait, typical mistakes get their reason."""

from __future__ import annotations

import pytest

import kit
from kit.exercise import Outcome, ____, exec_solution
from kit.lessons import lesson05

pytestmark = pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated")

tf, slim = kit.tf, kit.slim

PREDICTIONS = [lesson05.q1, lesson05.q2, lesson05.q3, lesson05.q6]


def solution_value(exercise):
    """What the exercise's solution code assigns to its answer (or defines as its function)."""
    namespace = exec_solution(exercise.solution_code, exercise.name)
    return namespace[exercise.answer_name]


@pytest.mark.parametrize("exercise", lesson05.EXERCISES, ids=lambda e: e.name)
def test_solution_is_correct(exercise):
    feedback = exercise.check(solution_value(exercise))
    assert feedback.outcome is Outcome.CORRECT, feedback.text
    assert feedback.text.startswith("Correct: ")


@pytest.mark.parametrize("exercise", PREDICTIONS, ids=lambda e: e.name)
def test_placeholder_is_not_attempted(exercise):
    feedback = exercise.check(____)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert f"{exercise.answer_name} = ____" in feedback.text


def test_expected_answers_come_from_tensorflow():
    assert lesson05.logits_output_name() == "logits/BiasAdd:0"
    assert lesson05.second_unscoped_conv_weights() == "Conv_1/weights:0"
    assert lesson05.conv_with_batch_norm_variable_count() == 4
    assert lesson05.nested_arg_scope_output_size() == 7


@pytest.mark.parametrize(
    ("exercise", "answer", "reason"),
    [
        (lesson05.q1, "logits/Relu:0", "activation_fn=None removes the Relu"),
        (lesson05.q1, "logits/MatMul:0", "biases are still added"),
        (lesson05.q2, "Conv/weights_1:0", "names inside it start over"),
        (lesson05.q2, "Conv/weights:0", "never reuses"),
        (lesson05.q3, 5, "conv2d creates no biases"),
        (lesson05.q3, 6, "scale=False"),
        (lesson05.q6, 8, "innermost value wins"),
        (lesson05.q6, 14, "nested arg_scopes merge"),
    ],
    ids=lambda value: value.name if hasattr(value, "check") else None,
)
def test_typical_wrong_prediction_names_the_concept(exercise, answer, reason):
    feedback = exercise.check(answer)
    assert feedback.outcome is Outcome.INCORRECT
    assert reason in feedback.text


# --- q4: the README's nested arg_scope (AS02) ----------------------------------------


def nested_variant(old: str, new: str):
    """The README's nested example with one edit, as the learner's function."""
    assert old in lesson05.NESTED_STARTER
    code = lesson05.NESTED_STARTER.replace(old, new)
    return exec_solution(code, "variant")["readme_nested"]


def test_nested_starter_is_not_attempted():
    starter = exec_solution(lesson05.NESTED_STARTER, "starter")["readme_nested"]
    feedback = lesson05.q4.check(starter)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED


def test_nested_readme_code_really_raises_type_error():
    starter = exec_solution(lesson05.NESTED_STARTER, "starter")["readme_nested"]
    with kit.fresh_graph(), pytest.raises(TypeError, match="multiple values for argument 'stride'"):
        starter(lesson05._images(tf))


def test_nested_fix_that_drops_the_stride_is_incorrect():
    dropped = nested_variant("[11, 11], 4, padding", "[11, 11], padding")
    feedback = lesson05.q4.check(dropped)
    assert feedback.outcome is Outcome.INCORRECT
    assert "conv1 must keep its stride 4" in feedback.text
    assert "(1, 54, 54, 1000)" in feedback.text


def test_nested_fix_that_drops_valid_padding_is_incorrect():
    same = nested_variant("4, padding='VALID', scope='conv1'", "stride=4, scope='conv1'")
    feedback = lesson05.q4.check(same)
    assert feedback.outcome is Outcome.INCORRECT
    assert "(1, 16, 16, 1000)" in feedback.text


def test_nested_fix_that_drops_the_outer_regularizer_is_incorrect():
    regularizer = ",\n                        weights_regularizer=slim.l2_regularizer(0.0005)"
    assert regularizer in lesson05.NESTED_SOLUTION
    code = lesson05.NESTED_SOLUTION.replace(regularizer, "")
    unregularized = exec_solution(code, "variant")["readme_nested"]
    feedback = lesson05.q4.check(unregularized)
    assert feedback.outcome is Outcome.INCORRECT
    assert "needs a regularizer" in feedback.text


def test_nested_fix_removing_stride_from_arg_scope_is_also_correct():
    alternative = nested_variant("stride=1, padding='SAME'", "padding='SAME'")
    assert lesson05.q4.check(alternative).outcome is Outcome.CORRECT


# --- q5: the README's first arg_scope snippet (AS08) ---------------------------------


def test_snippet_as_printed_is_not_attempted():
    feedback = lesson05.q5.check(lesson05.README_SNIPPET)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "still the README's text" in feedback.text


def test_snippet_placeholder_is_not_attempted():
    assert lesson05.q5.check(____).outcome is Outcome.NOT_ATTEMPTED


def test_snippet_readme_text_really_is_a_syntax_error():
    with pytest.raises(SyntaxError, match="Perhaps you forgot a comma"):
        compile(lesson05.README_SNIPPET, "README", "exec")


def test_snippet_with_the_comma_moved_is_still_a_syntax_error():
    moved = lesson05.README_SNIPPET.replace("padding='SAME',\n", "padding='SAME'\n").replace(
        "(stddev=0.01)\n", "(stddev=0.01),\n"
    )
    feedback = lesson05.q5.check(moved)
    assert feedback.outcome is Outcome.INCORRECT
    assert "does not parse: SyntaxError on line 1: invalid syntax. Perhaps you forgot a comma? " in feedback.text


def test_snippet_fixed_by_deleting_the_regularizer_is_incorrect():
    deleted = lesson05.README_SNIPPET.replace(
        "                    weights_regularizer=slim.l2_regularizer(0.0005)):\n", ""
    ).replace("(stddev=0.01)\n", "(stddev=0.01)):\n")
    feedback = lesson05.q5.check(deleted)
    assert feedback.outcome is Outcome.INCORRECT
    assert "needs a regularizer" in feedback.text


def test_snippet_fixed_but_conv1_stride_dropped_is_incorrect():
    no_stride = lesson05.FIXED_SNIPPET.replace("[11, 11], 4, scope", "[11, 11], scope")
    feedback = lesson05.q5.check(no_stride)
    assert feedback.outcome is Outcome.INCORRECT
    assert "(1, 54, 54, 256)" in feedback.text


def test_snippet_must_be_a_string():
    feedback = lesson05.q5.check(42)
    assert feedback.outcome is Outcome.INCORRECT
    assert "as a string" in feedback.text
