"""The two kinds beside predict/build/fix: explain why (pick the reason) and debug from
the traceback (name the line to change). Both follow the reveal policy of predictions."""

from __future__ import annotations

import pytest

import kit  # noqa: F401  (imports TF quietly first)
from kit.exercise import ChoiceExercise, Outcome, TracebackExercise, ____


def make_choice() -> ChoiceExercise:
    return ChoiceExercise(
        name="q9", lesson="02", answer_name="q9_answer",
        question="Why does the second get_variable('w') in one scope raise?",
        options={"a": "w was made by tf.Variable",
                 "b": "the scope does not reuse, so get_variable must create w, and w exists",
                 "c": "get_variable ignores variable scopes"},
        correct="b",
        why_not={"a": "both calls are get_variable: nothing here is a tf.Variable.",
                 "c": "it is name scopes that get_variable ignores, not variable scopes."},
        hints=["What does get_variable do when reuse is off?", "It creates; what if the name is taken?"],
        explanation="With reuse off, get_variable only creates.",
    )


def test_choice_right_letter_is_correct_in_any_spelling():
    for answer in ("b", " B ", "(b)"):
        assert make_choice().check(answer).outcome is Outcome.CORRECT


def test_choice_first_wrong_letter_explains_that_option_only():
    q9 = make_choice()
    first = q9.check("c")
    assert first.outcome is Outcome.INCORRECT
    assert "name scopes that get_variable ignores" in first.to_text()
    assert "The answer is" not in first.to_text() and "(b)" not in first.to_text()
    second = q9.check("a")
    assert "The answer is (b): the scope does not reuse" in second.to_text() and second.answer_shown


def test_choice_letter_that_is_no_option_is_not_a_try():
    q9 = make_choice()
    feedback = q9.check("d")
    assert feedback.outcome is Outcome.INCORRECT and "one of the letters" in feedback.to_text()
    assert "The answer is" not in q9.check("c").to_text()  # still the first real try
    assert q9.check(____).outcome is Outcome.NOT_ATTEMPTED


def test_choice_show_lists_the_options_and_the_solution_is_the_letter():
    q9 = make_choice()
    assert "(a) w was made by tf.Variable" in str(q9.show())
    assert q9.solution().code == 'q9_answer = "b"'


def test_choice_must_explain_every_wrong_option():
    with pytest.raises(ValueError, match="why_not must explain"):
        ChoiceExercise(name="q", lesson="02", answer_name="a", question="?",
                       options={"a": "x", "b": "y"}, correct="a", why_not={})


BROKEN = '''\
x = tf.placeholder(tf.float32, [None, 4])
with tf.variable_scope("layer"):
    w = tf.get_variable("w", [4, 2])
with tf.variable_scope("layer"):
    w2 = tf.get_variable("w", [4, 2])
'''


def make_traceback() -> TracebackExercise:
    return TracebackExercise(
        name="q8", lesson="02", answer_name="q8_answer", broken_code=BROKEN,
        fix=(4, 'with tf.variable_scope("layer", reuse=True):'),
        wrong_answers={5: "line 5 only asks for w; what it may do is decided by its scope."},
        hints=["Which call decides whether get_variable may reuse?", "A scope's reuse flag."],
    )


def test_traceback_shows_only_the_error_and_the_snippet_lines():
    shown = str(make_traceback().show_error())
    assert "line 5: w2 = tf.get_variable(\"w\", [4, 2])" in shown
    assert "ValueError: Variable layer/w already exists, disallowed." in shown
    assert "site-packages" not in shown and "variable_scope.py" not in shown


def test_traceback_answer_is_verified_by_running_the_fix():
    q8 = make_traceback()
    assert q8.expected == 4
    assert q8.check(4).outcome is Outcome.CORRECT
    first = q8.check(5)
    assert "decided by its scope" in first.to_text() and "Line 4 must change" not in first.to_text()
    assert "Line 4 must change" in q8.check(5).to_text()


def test_traceback_with_a_fix_that_does_not_fix_is_an_exercise_error():
    wrong_fix = TracebackExercise(name="q7", lesson="02", answer_name="a", broken_code=BROKEN,
                                  fix=(3, 'w = tf.get_variable("w", [4, 2])'), hints=["a", "b"])
    feedback = wrong_fix.check(3)
    assert feedback.outcome is Outcome.ERROR and "could not compute its own answer" in feedback.to_text()
