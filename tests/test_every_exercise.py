"""What every exercise of every lesson must do: its solution is correct, and what the
notebook hands the learner (a ``____`` placeholder or the starter code) is "Not attempted".

Each lesson's own test file adds the typical wrong answers and their reasons.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import nbformat
import pytest

from kit.exercise import Outcome, PredictExercise, ____, exec_solution
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
    assert feedback.outcome is Outcome.CORRECT, feedback.text
    assert feedback.text.startswith("Correct: ")


@pytest.mark.parametrize(("number", "exercise"), EXERCISES, ids=IDS)
def test_what_the_notebook_hands_out_is_not_attempted(number, exercise):
    handed_out = exec_solution(exercise_cell(number, exercise), f"{exercise.name} cell", exercise.names)
    feedback = exercise.check(handed_out[exercise.answer_name])
    assert feedback.outcome is Outcome.NOT_ATTEMPTED, feedback.text
    assert feedback.text.startswith("Not attempted: ")
    assert f"{exercise.name}.hint()" in feedback.text or f"{exercise.name}.check()" in feedback.text


PREDICTS = [(number, e) for number, e in EXERCISES if isinstance(e, PredictExercise)]


@pytest.mark.parametrize(("number", "exercise"), PREDICTS,
                         ids=[f"{number}-{e.name}" for number, e in PREDICTS])
def test_a_bare_placeholder_is_not_attempted(number, exercise):
    feedback = exercise.check(____)
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert f"`{exercise.answer_name} = ____`" in feedback.text  # says which line to fill in
