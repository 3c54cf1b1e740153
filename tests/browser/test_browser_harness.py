"""The browser harness itself: it must see the problems the lesson tests look for."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]


@pytest.mark.parametrize("front_end", ["lab"], indirect=True)
def test_problem_detector_reports_errors_stderr_and_missing_widgets(open_notebook):
    notebook = open_notebook("shows_problems.ipynb")
    notebook.run_all()

    problems = "\n".join(notebook.output_problems())

    assert "code cell 1" not in problems, problems
    assert "code cell 2: application/vnd.jupyter.stderr: a line on stderr" in problems
    assert "code cell 3" in problems and "model not found" in problems
    assert "code cell 4" in problems and "ValueError" in problems
    assert notebook.unexecuted_cells() == [5]
