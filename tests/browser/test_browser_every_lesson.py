"""Every lesson in both front ends: it runs top to bottom and shows no problem.

Each lesson in ``notebooks/`` (found by a glob, so a new lesson is included without
editing this file) is opened in JupyterLab and in Notebook 7; Run All must leave no error
output, nothing on stderr, no widget without its model or still loading, no blank widget
box, and no cell unexecuted. The one exception is a cell tagged ``raises-exception`` (a
lesson's "try it" cell, which raises on purpose): its traceback is expected, and both front
ends run on past it. The widgets themselves are exercised in
``test_browser_lessons.py``. A test's kernel is shut down when it ends (``conftest.py``),
so one lesson kernel runs at a time.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
LESSONS = sorted(path.name for path in NOTEBOOKS.glob("*.ipynb"))
if not LESSONS:
    raise RuntimeError(f"no lesson notebooks found in {NOTEBOOKS}")


@pytest.mark.parametrize("lesson", LESSONS, ids=[Path(name).stem for name in LESSONS])
def test_lesson_runs_cleanly(open_notebook, lesson):
    notebook = open_notebook(lesson)
    notebook.run_all()
    problems = notebook.problems()
    assert not problems, f"{lesson} shows problems:\n" + "\n".join(problems)
