"""kit.explain: a note under the errors kit.errors knows, in a real IPython shell and kernel.

The shell tests run cells with ``shell.run_cell`` in ``InteractiveShell.instance()`` and
capture what IPython prints (the traceback) and displays (the note). The traceback must be
exactly what IPython prints with the explainer off. Each note's link must lead to a lesson
section that shows its error. The last test runs notebooks through nbclient, with cells
tagged ``raises-exception``, and reads the stored outputs: ``import kit`` alone turns the
notes on, ``kit.explain_errors(False)`` off.
"""

from __future__ import annotations

import importlib
import re

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from lesson_cells import NOTEBOOKS, read_cells
from nbclient import NotebookClient
from test_learner_references import anchors, jupyter_slug

import kit
from kit import explain
from kit.errors import RULES, translate
from kit.lessons import lesson

TWICE = (
    "import tensorflow.compat.v1 as tf\n"
    "with kit.fresh_graph():\n"
    "    tf.get_variable('w', [1])\n"
    "    tf.get_variable('w', [1])\n"
)
NOTE_START = "What this error means: creating a variable twice without reuse."


@pytest.fixture
def shell():
    InteractiveShell.clear_instance()
    instance = InteractiveShell.instance(colors="nocolor")
    instance.run_cell("import kit")  # imported before this shell existed: the notes are off
    explain.explain_errors(False, shell=instance)
    yield instance
    explain.explain_errors(False, shell=instance)
    InteractiveShell.clear_instance()


def run(shell, cell: str):
    with capture_output() as captured:
        result = shell.run_cell(cell)
    return result, captured.stdout, [output.data for output in captured.outputs]


def test_outside_ipython_it_does_nothing_and_says_false():
    InteractiveShell.clear_instance()
    assert explain.explain_errors(True) is False
    assert explain.explain_errors(False) is False


def test_known_tf_error_keeps_its_traceback_and_gets_a_note_after_it(shell):
    _, plain_traceback, plain_outputs = run(shell, TWICE)
    assert explain.explain_errors(True) is True
    result, traceback, outputs = run(shell, TWICE)
    assert isinstance(result.error_in_exec, ValueError)  # the cell still failed
    assert traceback == plain_traceback  # exactly what IPython printed without the note
    assert "ValueError: Variable w already exists, disallowed." in traceback
    assert plain_outputs == []
    (note,) = outputs
    assert list(note) == ["text/plain", "text/html"]  # plain text first
    assert note["text/plain"].startswith(NOTE_START)
    assert "What to change: `w` was created by an earlier call" in note["text/plain"]
    assert ('Where the lessons show it: lesson 02 (Reuse modes), section 1 "The default: '
            '`reuse=None` creates, and refuses duplicates", 02_reuse_modes.ipynb; lesson 03 '
            '(Sharing weights), section 1 "The blog post\'s conv layer, as printed", '
            "03_sharing_weights.ipynb.") in note["text/plain"]
    # a link relative to notebooks/, to the heading's id in JupyterLab and Notebook 7
    assert ('<a href="02_reuse_modes.ipynb#1.-The-default:-reuse=None-creates,-and-refuses-'
            'duplicates">lesson 02 (Reuse modes), section 1') in note["text/html"]


def test_unknown_errors_are_untouched(shell):
    _, plain, _ = run(shell, "1/0")
    explain.explain_errors(True)
    result, explained, outputs = run(shell, "1/0")
    assert isinstance(result.error_in_exec, ZeroDivisionError)
    assert explained == plain and "ZeroDivisionError: division by zero" in explained
    assert outputs == []


def test_an_unknown_error_of_a_handled_type_gets_no_note(shell):
    _, plain, _ = run(shell, "raise ValueError('not about scopes')")
    explain.explain_errors(True)
    _, explained, outputs = run(shell, "raise ValueError('not about scopes')")
    assert explained == plain and outputs == []


def test_syntax_errors_show_as_ipython_shows_them(shell):
    # errors while IPython parses the cell, and a SyntaxError raised while it runs
    cells = ["x = (1,\n", "  indented = 1\n", "x = 1\x00\n", "exec('1 +')\n"]
    plain = [run(shell, cell)[1] for cell in cells]
    explain.explain_errors(True)
    explained = [run(shell, cell) for cell in cells]
    assert [stdout for _, stdout, _ in explained] == plain
    assert all(outputs == [] for _, _, outputs in explained)


def test_parse_time_errors_of_handled_types_take_ipythons_parse_error_path():
    class Recorder:
        def __init__(self):
            self.calls = []

        def __getattr__(self, name):
            return lambda *args, **kwargs: self.calls.append((name, kwargs))

    for etype, expected in ((ValueError, "showsyntaxerror"), (IndentationError, "showindentationerror"),
                            (NameError, "showtraceback")):
        recorder = Recorder()
        explain._show_as_ipython_would(recorder, etype, tb=None)  # no run_code frame
        assert recorder.calls == [(expected, {})]


def test_off_restores_the_previous_handler_and_stops_the_notes(shell):
    before = (shell.CustomTB, shell.custom_exceptions)
    explain.explain_errors(True)
    assert explain.explaining(shell)
    assert explain.explain_errors(True) is True  # twice is the same as once
    assert explain.explain_errors(False) is False
    assert (shell.CustomTB, shell.custom_exceptions) == before
    assert not explain.explaining(shell)
    _, _, outputs = run(shell, TWICE)
    assert outputs == []
    explain.explain_errors(True)
    _, _, outputs = run(shell, TWICE)
    assert outputs and outputs[0]["text/plain"].startswith(NOTE_START)


def test_a_handler_installed_before_keeps_its_errors_and_comes_back(shell):
    seen = []

    def theirs(self, etype, value, tb, tb_offset=None):
        seen.append(etype.__name__)
        return ["their traceback"]

    shell.set_custom_exc((KeyError, ValueError), theirs)
    before = (shell.CustomTB, shell.custom_exceptions)
    explain.explain_errors(True)
    _, stdout, outputs = run(shell, "raise KeyError('k')")
    assert seen == ["KeyError"] and outputs == [] and stdout == ""  # theirs alone showed it
    _, _, outputs = run(shell, TWICE)  # theirs shows it, the note still follows
    assert seen == ["KeyError", "ValueError"]
    assert outputs[0]["text/plain"].startswith(NOTE_START)
    explain.explain_errors(False)
    assert (shell.CustomTB, shell.custom_exceptions) == before


def test_off_leaves_a_handler_installed_after_ours_alone(shell):
    explain.explain_errors(True)

    def later(self, etype, value, tb, tb_offset=None):
        return None

    shell.set_custom_exc((ValueError,), later)
    now = shell.CustomTB
    explain.explain_errors(False)
    assert shell.CustomTB is now


def test_a_broken_note_never_hides_the_traceback(shell, monkeypatch):
    def broken(error):
        raise RuntimeError("note failed")

    monkeypatch.setattr(explain, "note_for", broken)
    explain.explain_errors(True)
    _, stdout, outputs = run(shell, TWICE)
    assert "ValueError: Variable w already exists" in stdout and outputs == []
    assert explain.explaining(shell)  # IPython did not unregister the handler


def test_every_rule_type_passes_through_the_handler():
    from kit.errors import RULES

    handled = explain.explained_types()
    for rule in RULES:
        for kind in rule.types:
            if issubclass(kind, Exception):
                assert issubclass(kind, handled), kind


def test_note_for_names_concept_change_and_lessons():
    note = explain.note_for(AttributeError("module 'tensorflow' has no attribute 'get_variable'"))
    text = note.to_text()
    assert text.startswith("What this error means: TF1 names are not in the TF2 namespace.")
    assert ('lesson 08 (From variable_scope to TF2), section 1 "The TF1 model", '
            "08_variable_scope_to_tf2.ipynb") in text
    assert explain.note_for(ZeroDivisionError("division by zero")) is None
    assert not translate(ZeroDivisionError("x")).known


def test_kit_offers_the_switch():
    assert kit.explain_errors is explain.explain_errors


def test_importing_kit_again_or_reloading_installs_no_second_handler(shell):
    explain.explain_errors(True)
    ours = shell.CustomTB
    shell.run_cell("import kit")
    importlib.reload(explain)  # runs the module again, as a re-run `import kit.explain` would not
    assert shell.CustomTB is ours and explain.explaining(shell)
    _, _, outputs = run(shell, TWICE)
    assert len(outputs) == 1 and outputs[0]["text/plain"].startswith(NOTE_START)
    assert explain.explain_errors(False) is False
    _, _, outputs = run(shell, TWICE)
    assert outputs == []


def section_cells(path, heading: str):
    """The cells from the one with ``## heading`` up to the next cell with a ``## `` heading."""
    cells = read_cells(path)
    starts = [cell.index for cell in cells
              if cell.kind == "markdown" and f"## {heading}" in cell.source.splitlines()]
    assert len(starts) == 1, f"{path.name}: {len(starts)} headings '## {heading}'"
    later = [cell.index for cell in cells[starts[0] + 1:] if cell.kind == "markdown"
             and any(line.startswith("## ") for line in cell.source.splitlines())]
    return cells[starts[0]: later[0] if later else len(cells)]


SECTION_CASES = [(concept, number, heading) for concept, by_lesson in explain.SECTIONS.items()
                 for number, heading in by_lesson.items()]


@pytest.mark.parametrize(("concept", "number", "heading"), SECTION_CASES,
                         ids=[f"{number}-{concept[:30]}" for concept, number, _ in SECTION_CASES])
def test_each_note_links_to_a_section_that_shows_its_error(concept, number, heading):
    rules = [rule for rule in RULES if rule.concept == concept]
    assert rules, f"no rule of kit.errors has the concept {concept!r}"
    assert number in rules[0].lessons, f"the rule names lessons {rules[0].lessons}, not {number}"
    path = NOTEBOOKS / lesson(number).notebook
    link = explain.lesson_link(number, concept)
    assert link.href == f"{path.name}#{jupyter_slug(heading)}"
    assert jupyter_slug(heading) in anchors(path)
    shown = [cell.index for cell in section_cells(path, heading)
             if re.search(rules[0].pattern, cell.outputs) or re.search(rules[0].pattern, cell.source)]
    assert shown, f"no cell of {path.name} section {heading!r} shows {rules[0].pattern!r}"


def test_a_rule_without_a_section_links_to_the_lesson():
    link = explain.lesson_link("03", "one graph per build")
    assert (link.section, link.href) == (None, "03_sharing_weights.ipynb")
    assert link.text == "lesson 03 (Sharing weights), 03_sharing_weights.ipynb"
    assert explain.lesson_link("99").text == "lesson 99"


# --- in a real kernel, through nbclient --------------------------------------------------------


RAISING = "raises-exception"


def run_notebook(tmp_path, first_cell: str, again: bool) -> nbformat.NotebookNode:
    """``first_cell``, a cell that raises, a cell after it; with ``again``, then ``import kit``
    and a reload of kit.explain, and the raising cell once more."""
    sources = [first_cell, TWICE, "print('the next cell still runs')"]
    if again:
        sources += ["import kit\nimportlib.reload(kit.explain)\nimport kit", TWICE]
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    for cell in notebook.cells:
        if cell.source == TWICE:
            cell.metadata["tags"] = [RAISING]
    NotebookClient(notebook, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    return notebook


def test_in_a_kernel_import_kit_turns_the_notes_on_and_leaves_the_error_intact(tmp_path):
    explained = run_notebook(tmp_path, "import importlib\nimport kit", again=True)
    plain = run_notebook(tmp_path, "import kit\nkit.explain_errors(False)", again=False)
    error, note = explained.cells[1].outputs
    assert error["output_type"] == "error"
    assert error == plain.cells[1].outputs[0]  # ename, evalue and traceback, unchanged
    assert error["ename"] == "ValueError"
    assert error["evalue"].startswith("Variable w already exists, disallowed.")
    assert len(plain.cells[1].outputs) == 1
    assert note["output_type"] == "display_data"
    assert list(note["data"]) == ["text/plain", "text/html"]
    assert note["data"]["text/plain"].startswith(NOTE_START)
    assert explained.cells[2].outputs[0]["text"] == "the next cell still runs\n"
    # `import kit` again and a reload of the module: still one traceback and one note
    assert [output["output_type"] for output in explained.cells[4].outputs] == [
        "error", "display_data"]
