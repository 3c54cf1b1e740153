"""Every lesson, two ways: as a learner first sees it, and with every exercise solved.

Learner mode reads the committed outputs: each ``check:qN`` cell must say ``Not attempted``.
Solution mode (``tools/solve_notebooks.py``) fills each ``exercise:qN`` cell with
``qN.solution_code``, runs the copy in a fresh kernel and expects every check to say
``Correct``. A fixture lesson with wrong solutions shows that solution mode can fail.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from tools import solve_notebooks

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
LESSONS = [*solve_notebooks.lesson_notebooks(ROOT / "notebooks"), FIXTURES / "lesson_good.ipynb"]
LESSON_IDS = [path.stem for path in LESSONS]


def tags_named(notebook: nbformat.NotebookNode, prefix: str) -> list[str]:
    return [name for cell in notebook.cells if (name := solve_notebooks.tagged(cell, prefix))]


@pytest.mark.parametrize("path", LESSONS, ids=LESSON_IDS)
def test_learner_mode_every_check_says_not_attempted(path: Path):
    notebook = nbformat.read(path, as_version=4)
    exercises = tags_named(notebook, solve_notebooks.EXERCISE_TAG)
    checks = solve_notebooks.check_texts(notebook)
    assert len(exercises) >= 4, f"{path.name} has {len(exercises)} exercises; lessons need 4+"
    assert len(set(exercises)) == len(exercises), f"duplicate exercise tags: {exercises}"
    assert sorted(exercises) == sorted(check.exercise for check in checks), (
        "every exercise:qN cell needs one check:qN cell and the other way round"
    )
    for check in checks:
        assert check.text.startswith("Not attempted"), f"{check.exercise}: {check.outcome}"


@pytest.mark.timeout(900)
@pytest.mark.parametrize("path", LESSONS, ids=LESSON_IDS)
def test_solution_mode_every_check_says_correct(path: Path):
    report = solve_notebooks.solve(path)
    assert report.ok, "\n".join(report.lines())
    assert len(report.checks) >= 4


@pytest.mark.timeout(900)
def test_solution_mode_reports_wrong_and_raising_solutions():
    report = solve_notebooks.solve(FIXTURES / "lesson_broken.ipynb")
    assert not report.ok
    by_name = {check.exercise: check for check in report.checks}
    assert by_name["q1"].text.startswith("Incorrect")
    assert not by_name["q2"].passed
    assert by_name["q3"].passed and by_name["q4"].passed
    assert any("ZeroDivisionError" in error for error in report.cell_errors)
    assert report.lines()[0] == "lesson_broken.ipynb: FAILED"


def test_solved_copy_replaces_only_exercise_cells_and_keeps_the_original():
    notebook = nbformat.read(FIXTURES / "lesson_broken.ipynb", as_version=4)
    module = type(sys)("fake_lesson")
    for name in ("q1", "q2", "q3"):
        setattr(module, name, type("Exercise", (), {"solution_code": f"{name}_answer = 1"}))
    copy, problems = solve_notebooks.solved(notebook, module)
    assert problems == ["fake_lesson.q4 has no solution_code"]
    sources = {solve_notebooks.tagged(cell, "exercise:"): cell.source for cell in copy.cells}
    assert sources["q1"] == "q1_answer = 1" and sources["q3"] == "q3_answer = 1"
    assert [cell.source for cell in copy.cells if not solve_notebooks.tagged(cell, "exercise:")] \
        == [cell.source for cell in notebook.cells
            if not solve_notebooks.tagged(cell, "exercise:")]
    assert "____" in next(cell.source for cell in notebook.cells
                          if solve_notebooks.tagged(cell, "exercise:") == "q1")


def test_a_notebook_without_a_lesson_module_is_a_failure_not_a_pass(tmp_path):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 + 1")])
    nbformat.write(notebook, tmp_path / "plain.ipynb")
    report = solve_notebooks.solve(tmp_path / "plain.ipynb")
    assert not report.ok and report.problems == ["no scopekit.module in the notebook metadata"]


# -- the lesson registry ------------------------------------------------------------------

def test_registry_lists_the_lessons_of_contributing_md_in_order():
    from kit.lessons import LESSONS

    table = (ROOT / "docs" / "CONTRIBUTING.md").read_text(encoding="utf-8")
    documented = re.findall(r"^\| `(\d\d_\w+\.ipynb)` \| (?:`(kit\.lessons\.lesson\d\d)`|\(.*\)) \|$",
                            table, flags=re.MULTILINE)
    assert [(lesson.notebook, lesson.module or "") for lesson in LESSONS] == documented
    assert [lesson.number for lesson in LESSONS] == [f"{n:02d}" for n in range(len(LESSONS))]


def test_registry_file_imports_no_tensorflow():
    code = ("import importlib.util, sys\n"
            "spec = importlib.util.spec_from_file_location('registry', sys.argv[1])\n"
            "module = sys.modules['registry'] = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(module)\n"
            "print(len(module.LESSONS), 'tensorflow' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code, str(ROOT / "kit/lessons/__init__.py")],
                            capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["12", "False"]


def test_every_lesson_notebook_names_its_registered_module():
    from kit.lessons import LESSONS

    for lesson in LESSONS:
        path = ROOT / "notebooks" / lesson.notebook
        if path.exists():
            metadata = nbformat.read(path, as_version=4).metadata
            assert metadata.get("scopekit", {}).get("module") == lesson.module, lesson.notebook
            assert metadata.get("scopekit", {}).get("lesson") == lesson.number, lesson.notebook
            assert metadata.get("kernelspec", {}).get("name") == "python3", lesson.notebook
