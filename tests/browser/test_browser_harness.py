"""The browser harness itself: it must see the problems the lesson tests look for."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


def test_problem_detector_reports_errors_stderr_and_missing_widgets(open_notebook):
    notebook = open_notebook("shows_problems.ipynb")
    # Only the cells above cell 5 run, so cell 5 is never sent to the kernel. (With Run
    # All, cell 5's request is aborted only if it reaches the kernel before cell 4's
    # error has been handled: ipykernel runs any request that arrives after that.)
    notebook.run_all_above(notebook.code_cell('print("the test never runs this cell")'))

    problems = "\n".join(notebook.output_problems())

    assert "code cell 1" not in problems, problems
    assert "code cell 2: application/vnd.jupyter.stderr: a line on stderr" in problems
    assert "code cell 3" in problems and "model not found" in problems
    assert "code cell 4" in problems and "ValueError" in problems
    assert "code cell 5" not in problems, problems
    assert notebook.unexecuted_cells() == [5]
    assert "code cell 5: not executed" in notebook.problems()
