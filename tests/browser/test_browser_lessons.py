"""The lessons in real front ends: JupyterLab 4 and Notebook 7, driven in Chromium.

Each test opens a copy of a lesson, runs all cells from the menu, checks that no cell
shows an error, stderr or a widget that failed to load, then uses the widgets the way
a learner would. Control classes come from ``kit/widgets.py``'s docstring.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]
LESSON_01 = "01_name_scope_vs_variable_scope.ipynb"
LESSON_02 = "02_reuse_modes.ipynb"
START_HERE = "00_start_here.ipynb"
LEAVES = "li.scopekit-variable, li.scopekit-op"


def committed_tree_outputs(name: str, source_part: str) -> int:
    """Scope-tree outputs stored in the lesson by code cells that call ``source_part``
    (stored outputs keep the static HTML form; in a live front end each is an explorer)."""
    notebook = json.loads((REPO / "notebooks" / name).read_text())
    return sum(
        1 for cell in notebook["cells"]
        if cell["cell_type"] == "code" and source_part in "".join(cell["source"])
        for output in cell["outputs"]
        if 'class="scopekit-tree"' in "".join(output.get("data", {}).get("text/html", ""))
    )


def solution_code(module_path: Path, exercise: str) -> str:
    """The ``solution_code=`` literal of one exercise, read without importing TensorFlow."""
    for node in ast.walk(ast.parse(module_path.read_text())):
        if (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)
                and any(getattr(target, "id", None) == exercise for target in node.targets)):
            for keyword in node.value.keywords:
                if keyword.arg == "solution_code" and isinstance(keyword.value, ast.Constant):
                    return keyword.value.value
    raise LookupError(f"{exercise} has no literal solution_code in {module_path}")


def assert_ran_cleanly(notebook) -> None:
    problems = notebook.problems()
    assert not problems, "cells show problems:\n" + "\n".join(problems)


def leaf_names(explorer) -> list[str]:
    return explorer.locator(f".scopekit-output :is({LEAVES})").evaluate_all(
        "items => items.map(item => item.dataset.name)")


def toggle(widget_area, label: str) -> None:
    """Click the toggle button labelled exactly ``label`` ("no" must not pick "None")."""
    pattern = re.compile(rf"^\s*{re.escape(label)}\s*$")
    widget_area.locator(".widget-toggle-button").filter(has_text=pattern).click()


def test_lesson01_explorer_responds_and_check_gives_feedback(open_notebook):
    notebook = open_notebook(LESSON_01)
    notebook.run_all()
    assert_ran_cleanly(notebook)

    explorers = notebook.page.locator(".scopekit-explorer")
    expect(explorers).to_have_count(committed_tree_outputs(LESSON_01, "kit.show("))
    explorer = explorers.first
    output = explorer.locator(".scopekit-output")
    expect(output.locator(".scopekit-tree")).to_be_visible()
    expect(output.locator(".scopekit-half")).to_have_count(2)

    # Expanding: at depth 1 a nested scope is hidden until its parent is opened.
    explorer.locator(".scopekit-depth select").select_option(label="1")
    nested = output.locator("details.scopekit-scope details.scopekit-scope > summary").first
    expect(nested).to_be_hidden()
    parent_path = nested.evaluate("s => s.parentElement.parentElement.closest('details').dataset.path")
    output.locator(f'details[data-path="{parent_path}"] > summary').first.click()
    expect(nested).to_be_visible()
    explorer.locator(".scopekit-depth select").select_option(label="all")

    # Searching: only leaves whose name holds the search text stay.
    before = leaf_names(explorer)
    term = before[-1].rsplit("/", 1)[-1]
    explorer.locator(".scopekit-search input").fill(term)
    expect(output.locator(LEAVES)).not_to_have_count(len(before))
    after = leaf_names(explorer)
    assert after and all(term.lower() in name.lower() for name in after), (term, before, after)
    explorer.locator(".scopekit-search input").fill("")
    expect(output.locator(LEAVES)).to_have_count(len(before))

    # Switching: "ops" shows only the name-scope half, "variables" only the other.
    toggle(explorer.locator(".scopekit-view"), "ops")
    expect(output.locator(".scopekit-half")).to_have_count(1)
    expect(output.locator('.scopekit-half[data-half="ops"]')).to_be_visible()
    toggle(explorer.locator(".scopekit-view"), "variables")
    expect(output.locator('.scopekit-half[data-half="variables"]')).to_be_visible()
    expect(output.locator("li.scopekit-op")).to_have_count(0)

    # An exercise check: "Not attempted" until the learner answers, then "Correct".
    check_cell = notebook.code_cell("q1.check()")
    expect(check_cell.locator(".scopekit-feedback")).to_contain_text("Not attempted")
    exercise_cell = notebook.code_cell("q1_answer = ____")
    notebook.replace_source(exercise_cell, solution_code(REPO / "kit/lessons/lesson01.py", "q1"))
    notebook.run_cell(exercise_cell)
    notebook.run_cell(check_cell)

    feedback = check_cell.locator(".scopekit-feedback")
    expect(feedback).to_contain_text("Correct")
    expect(feedback).to_have_class("scopekit-feedback scopekit-correct")
    # ... and the check was recorded where SCOPEKIT_PROGRESS points.
    progress = json.loads(notebook.server.progress_path.read_text())
    assert progress["lessons"]["01"]["q1"]["outcome"] == "correct"
    assert not notebook.output_problems()


def test_start_here_runs_and_shows_progress_panel(open_notebook):
    notebook = open_notebook(START_HERE)
    notebook.run_all()
    assert_ran_cleanly(notebook)

    panel = notebook.page.locator(".scopekit-progress-panel")
    expect(panel).to_have_count(1)
    expect(panel.locator("table")).to_be_visible()
    panel.locator("button", has_text="Refresh").click()
    expect(panel.locator("table")).to_be_visible()
    assert not notebook.output_problems()


# One front end is enough here: the widget machinery is the one lesson 01 covers in both.
@pytest.mark.parametrize("front_end", ["lab"], indirect=True)
def test_lesson02_reuse_explorer_answers_each_choice(open_notebook):
    notebook = open_notebook(LESSON_02)
    notebook.run_all()
    assert_ran_cleanly(notebook)

    explorer = notebook.code_cell("reuse_explorer()").locator(".jp-OutputArea-output")
    result = explorer.locator(".widget-html-content").last
    # reuse=True asking again for the existing s/p with the same shape reuses it ...
    expect(result).to_contain_text("TF reuses")
    # ... and raises when s/p was never made; AUTO_REUSE then creates it.
    toggle(explorer, "no")
    expect(result).to_contain_text("TF raises")
    toggle(explorer, "tf.AUTO_REUSE")
    expect(result).to_contain_text("TF creates")
    assert not notebook.output_problems()
