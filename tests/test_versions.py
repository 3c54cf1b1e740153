"""`import kit` says once, in one plain stdout line, when TensorFlow is not the pinned one."""

from __future__ import annotations

import sys

import nbformat
import pytest
from nbclient import NotebookClient

from kit import versions

PINNED = versions.STORED_OUTPUTS_TENSORFLOW


@pytest.fixture
def in_notebook(monkeypatch):
    """As if inside IPython, with the note not yet printed in this process."""
    monkeypatch.setattr(versions, "_in_ipython", lambda: True)
    monkeypatch.setattr(versions, "_noted", False)


def pretend_installed(monkeypatch, release: str) -> None:
    monkeypatch.setattr(versions, "installed_tensorflow", lambda: release)


def test_no_note_for_the_pinned_release():
    assert versions.unpinned_note(PINNED) is None


def test_note_names_both_releases_in_one_line():
    note = versions.unpinned_note("2.16.1")
    assert "\n" not in note
    assert "TensorFlow 2.16.1" in note and f"TensorFlow {PINNED}" in note
    assert "names and messages may differ" in note


def test_pinned_tensorflow_in_a_notebook_prints_nothing(monkeypatch, capsys, in_notebook):
    pretend_installed(monkeypatch, PINNED)
    assert versions.note_if_unpinned() is False
    assert capsys.readouterr() == ("", "")


def test_other_tensorflow_in_a_notebook_prints_one_stdout_line_once(monkeypatch, capsys,
                                                                   in_notebook):
    pretend_installed(monkeypatch, "2.16.1")
    assert versions.note_if_unpinned() is True
    assert versions.note_if_unpinned() is False  # a second `import kit` or reload
    out, err = capsys.readouterr()
    assert out == versions.unpinned_note("2.16.1") + "\n"
    assert err == ""


def test_other_tensorflow_outside_ipython_prints_nothing(monkeypatch, capsys):
    monkeypatch.setattr(versions, "_noted", False)
    pretend_installed(monkeypatch, "2.16.1")
    assert not versions._in_ipython()
    assert versions.note_if_unpinned() is False
    assert capsys.readouterr() == ("", "")


def test_installed_tensorflow_is_the_imported_module_release():
    assert versions.installed_tensorflow() == sys.modules["tensorflow"].__version__


@pytest.mark.timeout(300)
def test_import_kit_in_a_kernel_notes_only_an_unpinned_tensorflow(tmp_path):
    """A real kernel: nothing with the pins; on another release (a matrix leg) the note
    once, as a stdout stream, even when the cell runs twice."""
    notebook = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("import kit"),
        nbformat.v4.new_code_cell("import importlib\nimportlib.reload(kit)\n"
                                  "import kit.versions\nkit.versions.note_if_unpinned()"),
    ])
    NotebookClient(notebook, timeout=240, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    first, second = (cell.outputs for cell in notebook.cells)
    installed = versions.installed_tensorflow()
    if installed == PINNED:
        assert first == []
    else:
        assert [(o.output_type, o.get("name"), o.get("text")) for o in first] == [
            ("stream", "stdout", versions.unpinned_note(installed) + "\n")]
    assert [o for o in second if o.output_type != "execute_result"] == []
    assert [o.data["text/plain"] for o in second if o.output_type == "execute_result"] \
        == ["False"]
