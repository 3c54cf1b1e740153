"""Hints climb a ladder: the concept first, then narrower, and only the last may point at
the exact line. Solution code is shown by ``solution()``, never by an earlier hint; a
predict exercise's answer is never in a hint before the last.
"""

from __future__ import annotations

import difflib
import re

import pytest
from lesson_cells import lesson_exercises
from test_spoilers import answer_patterns, solution_lines

from kit.exercise import PredictExercise

EXERCISES = lesson_exercises()
IDS = [f"{n}-{e.name}" for n, _, e in EXERCISES]


# A hint quotes solution code when it shares this much of one line (spaces and quote
# style aside) or the whole of a shorter line.
QUOTED_CHARACTERS = 25


def normalised(code: str) -> str:
    return re.sub(r"\s", "", code).replace('"', "'")


def solution_lines_in(text: str, exercise) -> list[str]:
    """The solution's significant lines that ``text`` quotes, verbatim or nearly."""
    hint = normalised(text)
    quoted = []
    for line in solution_lines(exercise):
        wanted = normalised(line)
        match = difflib.SequenceMatcher(None, hint, wanted, autojunk=False).find_longest_match(
            0, len(hint), 0, len(wanted))
        if wanted in hint or match.size >= QUOTED_CHARACTERS:
            quoted.append(line)
    return quoted


@pytest.mark.parametrize(("number", "path", "exercise"), EXERCISES, ids=IDS)
def test_every_exercise_has_a_ladder_of_hints(number, path, exercise):
    # concept, narrower, the line: code exercises need all three rungs; a prediction two
    wanted = 2 if isinstance(exercise, PredictExercise) else 3
    assert len(exercise.hints) >= wanted, f"{exercise.name} has {len(exercise.hints)} hint(s)"
    assert len(set(exercise.hints)) == len(exercise.hints), "two hints say the same"


@pytest.mark.parametrize(("number", "path", "exercise"), EXERCISES, ids=IDS)
def test_no_hint_before_the_last_gives_the_answer(number, path, exercise):
    *earlier, last = exercise.hints
    for rung, hint in enumerate(earlier, 1):
        if isinstance(exercise, PredictExercise):
            found = [p.pattern for p in answer_patterns(exercise.expected) if p.search(hint)]
            assert not found, f"hint {rung} states the answer {exercise.expected!r}: {hint}"
        else:
            shown = solution_lines_in(hint, exercise)
            assert not shown, f"hint {rung} contains solution code {shown}: {hint}"
    shown = solution_lines_in(last, exercise)
    assert len(shown) <= 1, f"the last hint holds {len(shown)} solution lines (one at most): {last}"


@pytest.mark.parametrize(("number", "path", "exercise"), EXERCISES, ids=IDS)
def test_the_first_hint_does_not_restate_the_question(number, path, exercise):
    first = exercise.hints[0].lower()
    title = exercise.title.lower()
    assert not title or title not in first, f"hint 1 repeats the title {exercise.title!r}"


def test_the_ladder_rule_catches_a_hint_that_is_the_solution():
    class Built:
        solution_code = "def f(x):\n    with tf.variable_scope('tower', reuse=True):\n        return x\n"
        starter_code = ""

    line = "with tf.variable_scope('tower', reuse=True):"
    assert solution_lines_in("Write with tf.variable_scope('tower', reuse=True): around it.",
                             Built()) == [line]
    assert solution_lines_in('Open variable_scope("tower",reuse=True) first', Built()) == [line]
    assert solution_lines_in("Open the tower scope with reuse on.", Built()) == []
