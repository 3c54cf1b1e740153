"""The question comes before its answer: nothing above an exercise's check cell states it.

For a predict exercise the answer is whatever TensorFlow computes (``exercise.expected``);
for a build or fix exercise it is the solution code. Every cell above the check cell counts,
markdown and code, sources and stored outputs: headings, the objectives list, earlier
trees and printouts.
"""

from __future__ import annotations

import re

import pytest
from lesson_cells import lesson_exercises, read_cells, tagged_index

from kit.exercise import ChoiceExercise, PredictExercise
from kit.lessons import exercise_lessons

UNITS = r"(?:variables?|parameters?|params|ops?|weights?|tensors?|layers?|biases|kernels?)"

# Answers the automatic search cannot look for, each with the reason. A choice among words
# the question itself offers ("raises" / "reuses" / "creates"), or True/False, appears in the
# question by design; those lessons are read by hand for prose that gives the choice away.
CHOICE_ANSWERS = {
    ("02", "q1"): "a choice among 'creates', 'reuses', 'raises' that the question lists",
    ("02", "q2"): "True or False",
    ("02", "q3"): "a choice among 'creates', 'reuses', 'raises' that the question lists",
    ("03", "q4"): "a choice among 'creates', 'reuses', 'raises' that the question lists",
    ("04", "q3"): "a choice among 'kept' / 'dropped' that the question lists",
    ("08", "q3"): "a choice among attribute names that the question lists",
}


def answer_patterns(expected) -> list[re.Pattern]:
    """The ways a page could state ``expected``."""
    if isinstance(expected, bool):
        return []
    if isinstance(expected, int):
        if expected >= 10:
            forms = {str(expected), f"{expected:,}", f"{expected:_}"}
            return [re.compile(rf"(?<![\w.,]){re.escape(form)}(?![\w]|[.,]\d)") for form in forms]
        return [re.compile(rf"(?<![\w.]){expected}\s+(?:\w+\s+){{0,2}}{UNITS}\b", re.IGNORECASE)]
    if isinstance(expected, str):
        forms = {expected}
        if expected.endswith(":0"):
            forms.add(expected[:-2])
        return [re.compile(rf"(?<![\w/]){re.escape(form)}(?![\w])") for form in forms]
    if isinstance(expected, (list, tuple)):
        items = [str(item) for item in expected]
        forms = {repr(list(items)), repr(list(items)).replace("'", '"'), "\n".join(items),
                 ", ".join(items)}
        return [re.compile(re.escape(form)) for form in forms]
    return []


def solution_lines(exercise) -> list[str]:
    """Significant lines of the solution (not the def line, not in the starter code)."""
    starter = {line.strip() for line in getattr(exercise, "starter_code", "").splitlines()}
    lines = []
    for line in exercise.solution_code.splitlines():
        stripped = line.strip()
        if (len(re.sub(r"\s", "", stripped)) >= 15 and not stripped.startswith(("def ", "#", "class "))
                and stripped not in starter):
            lines.append(stripped)
    return lines


PREDICTS = [(n, p, e) for n, p, e in lesson_exercises() if isinstance(e, PredictExercise)]
BUILDS = [(n, p, e) for n, p, e in lesson_exercises() if not isinstance(e, PredictExercise)]


def spoilers_above(path, exercise, patterns) -> list[str]:
    cells = read_cells(path)
    check = tagged_index(cells, f"check:{exercise.name}")
    found = []
    for cell in cells[:check]:
        for pattern in patterns:
            for where, text in (("source", cell.source), ("output", cell.outputs)):
                match = pattern.search(text)
                if match:
                    found.append(f"cell {cell.index} ({cell.kind} {where}): {match.group(0)!r}")
    return found


@pytest.mark.parametrize(("number", "path", "exercise"), PREDICTS,
                         ids=[f"{n}-{e.name}" for n, _, e in PREDICTS])
def test_no_predict_answer_above_its_check(number, path, exercise):
    if isinstance(exercise, ChoiceExercise):
        pytest.skip("exempt: the answer is one of the lettered options the question lists")
    if (number, exercise.name) in CHOICE_ANSWERS:
        pytest.skip(f"exempt: {CHOICE_ANSWERS[(number, exercise.name)]}")
    patterns = answer_patterns(exercise.expected)
    assert patterns, f"no way to search for {exercise.expected!r}: add it to CHOICE_ANSWERS"
    found = spoilers_above(path, exercise, patterns)
    assert not found, f"{exercise.name}'s answer {exercise.expected!r} is on the page before " \
        "its check:\n" + "\n".join(found)


def solution_shown_above(path, exercise) -> list[str]:
    cells = read_cells(path)
    check = tagged_index(cells, f"check:{exercise.name}")
    mine = tagged_index(cells, f"exercise:{exercise.name}")
    wanted = solution_lines(exercise)
    found = []
    for cell in cells[:check]:
        if cell.index == mine:
            continue
        shown = [line for line in wanted if line in cell.text]
        if wanted and len(shown) >= max(1, (len(wanted) + 1) // 2):
            found.append(f"cell {cell.index} shows {len(shown)} of the solution's "
                         f"{len(wanted)} lines, e.g. {shown[0]!r}")
    return found


@pytest.mark.parametrize(("number", "path", "exercise"), BUILDS,
                         ids=[f"{n}-{e.name}" for n, _, e in BUILDS])
def test_no_solution_code_above_its_check(number, path, exercise):
    found = solution_shown_above(path, exercise)
    assert not found, f"{exercise.name}'s solution is on the page before its check:\n" + \
        "\n".join(found)


def test_the_search_finds_each_kind_of_answer():
    def hits(expected, text):
        return [p.pattern for p in answer_patterns(expected) if p.search(text)]

    assert hits("goo/w:0", "the variable is goo/w here")
    assert not hits("goo/w:0", "a variable foo/goo/w:0 differs")
    assert hits(102764544, "fc6 holds 102,764,544 parameters")
    assert not hits(212, "2120 ops; 1.212")
    assert hits(6, "the tree lists 6 trainable variables")
    assert not hits(6, "lesson 06 and 6 cells")
    assert hits(["a/w", "b/w"], "print(['a/w', 'b/w'])")


def test_every_lesson_is_searched():
    assert {n for n, _, _ in PREDICTS} | {n for n, _, _ in BUILDS} == \
        {lesson.number for lesson in exercise_lessons()}
