"""Colab: each lesson's badge and install cell come from one repository URL, the install cell
installs only where ``import kit`` fails, and on Colab ``kit.show`` turns Colab's widget
manager on, or shows the static view where there is none.

The real rehearsal (a Python 3.12 venv with another TensorFlow, lesson 01 run from its
install cell) is ``tools/colab_check.py``; it downloads TensorFlow, so it is not a test.
"""

from __future__ import annotations

import sys
import types

import nbformat
import pytest
from IPython.core.interactiveshell import InteractiveShell
from IPython.utils.capture import capture_output
from lesson_cells import NOTEBOOKS

import kit
from kit import display
from tools import colab_badges

LESSONS = sorted(NOTEBOOKS.glob("*.ipynb"))
REPOSITORY = colab_badges.repository_url()


def test_the_repository_url_is_read_from_pyproject(tmp_path):
    project = tmp_path / "pyproject.toml"
    project.write_text('[project]\nname = "x"\n')
    assert colab_badges.repository_url(project) == colab_badges.DEFAULT_REPOSITORY
    project.write_text('[project]\nname = "x"\n[project.urls]\n'
                       'Repository = "https://github.com/someone/fork"\n')
    assert colab_badges.repository_url(project) == "https://github.com/someone/fork"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lesson_opens_in_colab_from_its_badge(path):
    first = nbformat.read(path, as_version=4).cells[0]
    assert first.cell_type == "markdown" and first.get("id") == colab_badges.BADGE_ID
    owner_repo = REPOSITORY.removeprefix("https://github.com/")
    expected = (f"https://colab.research.google.com/github/{owner_repo}/blob/main/"
                f"notebooks/{path.name}")
    assert first.source == f"[![Open In Colab]({colab_badges.BADGE_IMAGE})]({expected})"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.stem)
def test_each_lessons_first_code_cell_installs_the_kit_from_the_repository(path):
    cell = next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert cell.get("id") == colab_badges.INSTALL_ID
    assert f'%pip install --quiet "scopekit @ git+{REPOSITORY}"' in cell.source
    assert cell.outputs == [], "here the kit is installed: the cell prints nothing"
    assert cell.execution_count is not None, "run by tools/execute_notebooks.py like the rest"


def test_the_readme_badge_opens_the_start_page():
    readme = (NOTEBOOKS.parent / "README.md").read_text(encoding="utf-8")
    assert colab_badges.badge_source(REPOSITORY, "00_start_here.ipynb") in readme


def test_the_tool_finds_nothing_to_change():
    assert colab_badges.main(["--check"]) == 0


def test_the_tool_moves_a_fork_to_its_url_and_changes_nothing_the_second_time():
    notebook = nbformat.read(NOTEBOOKS / "02_reuse_modes.ipynb", as_version=4)
    before = [cell.get("id") for cell in notebook.cells]
    fork = "https://github.com/someone/fork"
    assert colab_badges.apply(notebook, "02_reuse_modes.ipynb", fork) is True
    assert [cell.get("id") for cell in notebook.cells] == before
    assert "github/someone/fork/blob/main/notebooks/02_reuse_modes.ipynb" in notebook.cells[0].source
    assert f"git+{fork}" in notebook.cells[before.index(colab_badges.INSTALL_ID)].source
    assert colab_badges.apply(notebook, "02_reuse_modes.ipynb", fork) is False


def test_the_tool_adds_both_cells_to_a_new_lesson():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# New"), nbformat.v4.new_code_cell("import kit")]
    assert colab_badges.apply(notebook, "12_new.ipynb", REPOSITORY) is True
    ids = [cell.get("id") for cell in notebook.cells]
    assert ids[0] == colab_badges.BADGE_ID and ids[2] == colab_badges.INSTALL_ID
    assert notebook.cells[1].source == "# New" and notebook.cells[3].source == "import kit"


def test_a_url_colab_cannot_open_gets_one_line():
    with pytest.raises(ValueError, match="is not a GitHub repository URL"):
        colab_badges.colab_url("https://gitlab.com/a/b", "x.ipynb")


# --- the install cell, run in IPython ---------------------------------------------------------


@pytest.fixture
def shell_with_fake_pip(monkeypatch):
    """A shell whose ``%pip`` records its line and 'installs' a stand-in kit."""
    InteractiveShell.clear_instance()
    shell = InteractiveShell.instance(colors="nocolor")
    calls: list[str] = []
    installed = types.ModuleType("kit")

    def pip(line):
        calls.append(line)
        monkeypatch.setitem(sys.modules, "kit", installed)

    shell.register_magic_function(pip, "line", "pip")
    yield shell, calls, installed
    InteractiveShell.clear_instance()


def install_cell() -> str:
    path = NOTEBOOKS / "01_name_scope_vs_variable_scope.ipynb"
    return next(c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code").source


def test_where_the_kit_imports_the_install_cell_does_nothing_else(shell_with_fake_pip):
    shell, calls, _ = shell_with_fake_pip
    with capture_output() as captured:
        result = shell.run_cell(install_cell())
    assert result.success and calls == [] and captured.stdout == ""
    assert shell.user_ns["kit"] is kit


def test_where_import_kit_fails_the_install_cell_pips_it_then_imports_it(shell_with_fake_pip,
                                                                         monkeypatch):
    shell, calls, installed = shell_with_fake_pip
    monkeypatch.setitem(sys.modules, "kit", None)  # `import kit` raises ModuleNotFoundError
    result = shell.run_cell(install_cell())
    assert result.success
    assert calls == [f'install --quiet "scopekit @ git+{REPOSITORY}"']
    assert shell.user_ns["kit"] is installed


# --- kit.show on Colab -------------------------------------------------------------------------


@pytest.fixture
def colab(monkeypatch):
    """A fake ``google.colab`` in a fake kernel: ``colab(manager)`` installs it, ``manager``
    being Colab's ``enable_custom_widget_manager`` (None: an old Colab without one)."""
    monkeypatch.setattr(display, "_colab_manager", display._UNKNOWN)
    kernel_shell = types.SimpleNamespace(kernel=object())
    import IPython

    monkeypatch.setattr(IPython, "get_ipython", lambda: kernel_shell)

    def install(manager):
        output = types.ModuleType("google.colab.output")
        if manager is not None:
            output.enable_custom_widget_manager = manager
        package = types.ModuleType("google.colab")
        package.output = output
        monkeypatch.setitem(sys.modules, "google.colab", package)
        monkeypatch.setitem(sys.modules, "google.colab.output", output)

    return install


def small_graph():
    with kit.fresh_graph() as graph:
        kit.tf.get_variable("w", [1])
    return graph


def test_outside_colab_nothing_is_turned_on(colab):
    assert display.colab_widget_manager() is None
    assert display.widgets_available()


def test_on_colab_the_first_show_turns_the_widget_manager_on_once(colab):
    calls = []
    colab(lambda: calls.append("on"))
    assert display.widgets_available() and display.widgets_available()
    assert calls == ["on"]
    assert type(kit.show(small_graph())).__name__ == "ScopeExplorer"


@pytest.mark.parametrize("manager", [None, lambda: (_ for _ in ()).throw(RuntimeError("no"))],
                         ids=["no manager", "manager fails"])
def test_on_colab_without_a_widget_manager_show_is_the_static_view(colab, manager):
    colab(manager)
    assert display.colab_widget_manager() is False
    shown = kit.show(small_graph())
    assert isinstance(shown, display.StaticTree)
    assert "w  (1,)  float32" in shown.to_text() and 'class="scopekit-tree"' in shown.to_html()
