"""What every exercise of every lesson must do: its solution is correct, and what the
notebook hands the learner (a ``____`` placeholder or the starter code) is "Not attempted".

The typical wrong predictions of every lesson are one table in
tests/test_wrong_predictions.py; each lesson's own test file adds its wrong builds and fixes.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import nbformat
import pytest

from kit.exercise import ChoiceExercise, Outcome, PredictExercise, ____, exec_solution
from kit.lessons import exercise_lessons

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
LESSONS = {lesson.number: lesson for lesson in exercise_lessons()}
EXERCISES = [
    (lesson.number, exercise)
    for lesson in LESSONS.values()
    for exercise in importlib.import_module(lesson.module).EXERCISES
]
IDS = [f"{number}-{exercise.name}" for number, exercise in EXERCISES]


def exercise_cell(number: str, exercise) -> str:
    """The source of the notebook cell tagged ``exercise:<name>`` (exactly one)."""
    notebook = nbformat.read(NOTEBOOKS / LESSONS[number].notebook, as_version=4)
    sources = [cell.source for cell in notebook.cells
               if f"exercise:{exercise.name}" in cell.metadata.get("tags", [])]
    assert len(sources) == 1, f"lesson {number} has {len(sources)} cells tagged exercise:{exercise.name}"
    return sources[0]


@pytest.mark.parametrize("number", sorted(LESSONS))
def test_every_lesson_has_at_least_four_exercises(number):
    exercises = [exercise for lesson_number, exercise in EXERCISES if lesson_number == number]
    assert len(exercises) >= 4
    assert len({exercise.name for exercise in exercises}) == len(exercises)


@pytest.mark.parametrize(("number", "exercise"), EXERCISES, ids=IDS)
def test_solution_is_correct(number, exercise):
    answer = exec_solution(exercise.solution_code, exercise.name, exercise.names)[exercise.answer_name]
    feedback = exercise.check(answer)
    assert feedback.outcome is Outcome.CORRECT, feedback.to_text()
    assert feedback.to_text().startswith("Correct: ")


@pytest.mark.parametrize(("number", "exercise"), EXERCISES, ids=IDS)
def test_what_the_notebook_hands_out_is_not_attempted(number, exercise):
    handed_out = exec_solution(exercise_cell(number, exercise), f"{exercise.name} cell", exercise.names)
    feedback = exercise.check(handed_out[exercise.answer_name])
    assert feedback.outcome is Outcome.NOT_ATTEMPTED, feedback.to_text()
    assert feedback.to_text().startswith("Not attempted: ")
    assert f"{exercise.name}.hint()" in feedback.to_text() or f"{exercise.name}.check()" in feedback.to_text()


PREDICTS = [(number, e) for number, e in EXERCISES if isinstance(e, PredictExercise)]


@pytest.mark.parametrize(("number", "exercise"), PREDICTS,
                         ids=[f"{number}-{e.name}" for number, e in PREDICTS])
def test_a_bare_placeholder_is_not_attempted(number, exercise):
    feedback = exercise.check(____)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert f"`{exercise.answer_name} = ____`" in feedback.to_text()  # says which line to fill in


def a_wrong_prediction(exercise):
    """A prediction of the right kind that is wrong: a typical one if the exercise lists any."""
    if exercise.wrong_answers:
        return exercise.wrong_answers[0][0]
    expected = exercise.expected
    if isinstance(expected, bool):
        return not expected
    if isinstance(expected, (int, float)):
        return expected + 1
    if isinstance(expected, str):
        return "not/" + expected
    return list(expected)[1:] or ["nothing"]


def states_the_answer(text: str, exercise) -> bool:
    return exercise.revealed_text() in text


def names(text: str, expected: str | int) -> bool:
    """True when ``text`` holds ``expected`` as a whole name or number (a string also
    without its ``:0``, a number also with thousands separators)."""
    forms = ({expected, expected.removesuffix(":0")} if isinstance(expected, str)
             else {str(expected), f"{expected:,}"})
    return any(re.search(rf"(?<![\w/.]){re.escape(form)}(?![\w])", text) for form in forms)


@pytest.mark.parametrize(("number", "exercise"), PREDICTS,
                         ids=[f"{number}-{e.name}" for number, e in PREDICTS])
def test_a_first_wrong_try_explains_and_only_a_second_shows_the_answer(number, exercise):
    exercise.forget_attempts()
    try:
        wrong = a_wrong_prediction(exercise)
        first = exercise.check(wrong)
        assert first.outcome is Outcome.INCORRECT, first.to_text()
        assert not first.answer_shown and not states_the_answer(first.to_text(), exercise), first.to_text()
        if isinstance(exercise.expected, str) and not isinstance(exercise, ChoiceExercise):
            assert not names(first.to_text(), exercise.expected), first.to_text()
        reason = next((why for answer, why in exercise.wrong_answers if answer == wrong), None)
        if reason is not None:
            assert reason in first.to_text()  # the reason why this prediction is wrong
        second = exercise.check(wrong)
        assert second.answer_shown and states_the_answer(second.to_text(), exercise), second.to_text()
    finally:
        exercise.forget_attempts()


@pytest.mark.parametrize(("number", "exercise"), PREDICTS,
                         ids=[f"{number}-{e.name}" for number, e in PREDICTS])
def test_no_wrong_answer_reason_states_the_answer(number, exercise):
    expected = exercise.expected
    if isinstance(exercise, ChoiceExercise) or isinstance(expected, bool) \
            or not isinstance(expected, (str, int)):
        pytest.skip("a letter, True/False or list answer is not searched for in prose")
    for wrong, reason in exercise.wrong_answers:
        assert not names(reason, expected), f"the reason for {wrong!r} states the answer: {reason}"
