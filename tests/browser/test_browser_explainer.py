"""The error explainer in both front ends: a known error keeps its traceback, the kit's note
follows it, and the note's link opens the lesson that shows the error.

The fixture notebook (``fixtures/explainer.ipynb``) imports the kit, then runs two cells
tagged ``raises-exception``: one makes the classic mistake (``tf.get_variable`` twice without
reuse), one also writes a line to stderr. Run All must go on past both (the front ends send
``stop_on_error: false`` for such cells), and the problem detector must accept the tagged
tracebacks but still report the stderr line.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

FIXTURE = "explainer.ipynb"
SECTION_ID = "1.-The-default:-reuse=None-creates,-and-refuses-duplicates"


def test_a_known_error_shows_its_traceback_then_the_note(open_notebook):
    notebook = open_notebook(FIXTURE)
    notebook.run_all()

    outputs = notebook.code_cell("with kit.fresh_graph()").locator(".jp-OutputArea-output")
    expect(outputs).to_have_count(2)
    traceback, note = outputs.nth(0), outputs.nth(1)
    expect(traceback).to_have_attribute("data-mime-type", "application/vnd.jupyter.stderr")
    expect(traceback).to_contain_text("Traceback (most recent call last)")
    expect(traceback).to_contain_text("ValueError: Variable goo/w already exists, disallowed.")
    expect(note).to_have_attribute("data-mime-type", "text/html")
    expect(note.locator(".scopekit-error-note")).to_contain_text(
        "What this error means: creating a variable twice without reuse.")
    expect(note).to_contain_text("lesson 02 (Reuse modes), section 1")

    after = notebook.code_cell('print("after the errors")').locator(".jp-OutputArea-output")
    expect(after).to_have_text("after the errors")
    assert notebook.problems() == ["code cell 3: application/vnd.jupyter.stderr: a line on stderr"]


def test_the_notes_link_opens_the_lesson(open_notebook, front_end):
    """The link opens the lesson that shows the error. (Neither front end scrolls to the
    heading named after ``#`` when a link opens another notebook: JupyterLab 4.6 and
    Notebook 7.6 open it at its top, so the note also names the section in words.)"""
    notebook = open_notebook(FIXTURE)
    notebook.run_all()
    link = notebook.code_cell("with kit.fresh_graph()").locator(
        ".scopekit-error-note a").first
    # the front end resolves the relative link against the notebook's folder, keeps the id
    expect(link).to_have_attribute(
        "href", re.compile(rf"/02_reuse_modes\.ipynb[^#]*#{re.escape(SECTION_ID)}$"))
    page = notebook.page
    if front_end == "notebook":  # Notebook 7 opens another document in a new browser tab
        with page.context.expect_page() as opened:
            link.click()
        page = opened.value
        expect(page).to_have_url(re.compile(r"/notebooks/02_reuse_modes\.ipynb"))
    else:
        link.click()
        current = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current")
        expect(current).to_contain_text("02_reuse_modes.ipynb")
    heading = page.locator(f'h2[data-jupyter-id="{SECTION_ID}"], h2[id="{SECTION_ID}"]')
    expect(heading).to_have_count(1, timeout=60_000)
