"""Write each lesson's "Open in Colab" badge and its install cell from one repository URL.

Every notebook in ``notebooks/`` gets two cells, kept in step with the URL:

- a markdown cell at the top (id ``colab-badge``) with the badge that opens the lesson in
  Colab, straight from the repository on GitHub;
- its first code cell (id ``colab-install``): ``import kit``, and where that fails (on Colab
  the kit is not installed) ``%pip install`` of the kit from the repository, then
  ``import kit`` again. pip leaves a TensorFlow that the kit's ranges admit as it is.

The URL is ``Repository`` under ``[project.urls]`` in pyproject.toml; until that table has
one, ``DEFAULT_REPOSITORY`` below. A fork changes that one line and runs:

    python -m tools.colab_badges            # rewrite the cells where they differ
    python -m tools.colab_badges --check    # exit 1 and name the notebooks that differ

Standard library and nbformat only; cell ids and every other cell are left as they are.
"""

from __future__ import annotations

import argparse
import re
import sys
import tomllib
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
PYPROJECT = ROOT / "pyproject.toml"
DEFAULT_REPOSITORY = "https://github.com/scopekit/scopekit"
BRANCH = "main"
BADGE_ID = "colab-badge"
INSTALL_ID = "colab-install"
BADGE_IMAGE = "https://colab.research.google.com/assets/colab-badge.svg"
_GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<repo>[\w.-]+?)(?:\.git)?/?$")


def repository_url(pyproject: Path = PYPROJECT) -> str:
    """``[project.urls] Repository`` of pyproject.toml, else ``DEFAULT_REPOSITORY``."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    return project.get("urls", {}).get("Repository", DEFAULT_REPOSITORY)


def github_path(repository: str) -> str:
    """``owner/repo`` of a GitHub URL; a ValueError that says what is expected otherwise."""
    match = _GITHUB.match(repository)
    if match is None:
        raise ValueError(f"{repository!r} is not a GitHub repository URL: Colab opens notebooks "
                         "from https://github.com/OWNER/REPO")
    return f"{match['owner']}/{match['repo']}"


def colab_url(repository: str, notebook: str) -> str:
    """The Colab page that opens ``notebooks/<notebook>`` of the repository's main branch."""
    return (f"https://colab.research.google.com/github/{github_path(repository)}"
            f"/blob/{BRANCH}/notebooks/{notebook}")


def badge_source(repository: str, notebook: str) -> str:
    return f"[![Open In Colab]({BADGE_IMAGE})]({colab_url(repository, notebook)})"


def install_requirement(repository: str) -> str:
    """What ``pip install`` gets: the kit, built from the repository's default branch."""
    return f"scopekit @ git+{repository.rstrip('/')}"


def install_source(repository: str) -> str:
    return (
        "# Where the kit is not installed yet (on Colab, for one), install it first.\n"
        "try:\n"
        "    import kit\n"
        "except ModuleNotFoundError:\n"
        f'    %pip install --quiet "{install_requirement(repository)}"\n'
        "    import kit"
    )


def _cell_with_id(notebook: nbformat.NotebookNode, cell_id: str):
    return next((cell for cell in notebook.cells if cell.get("id") == cell_id), None)


def _first_code_index(notebook: nbformat.NotebookNode) -> int:
    return next((i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"),
                len(notebook.cells))


def apply(notebook: nbformat.NotebookNode, name: str, repository: str) -> bool:
    """Put the badge first and the install cell before every other code cell; True if
    ``notebook`` changed. The install cell keeps its outputs when its source is unchanged."""
    changed = False
    badge = _cell_with_id(notebook, BADGE_ID)
    wanted_badge = badge_source(repository, name)
    if badge is None:
        badge = nbformat.v4.new_markdown_cell(wanted_badge, id=BADGE_ID)
        notebook.cells.insert(0, badge)
        changed = True
    elif badge.source != wanted_badge or notebook.cells[0] is not badge:
        badge.source = wanted_badge
        notebook.cells.remove(badge)
        notebook.cells.insert(0, badge)
        changed = True

    install = _cell_with_id(notebook, INSTALL_ID)
    wanted_install = install_source(repository)
    if install is None:
        install = nbformat.v4.new_code_cell(wanted_install, id=INSTALL_ID)
        notebook.cells.insert(_first_code_index(notebook), install)
        return True
    if install.source != wanted_install:
        install.source = wanted_install
        install.outputs, install.execution_count = [], None
        changed = True
    if notebook.cells.index(install) != _first_code_index(notebook):
        notebook.cells.remove(install)
        notebook.cells.insert(_first_code_index(notebook), install)
        changed = True
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*)")
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if stale")
    args = parser.parse_args(argv)
    try:
        repository = repository_url()
        github_path(repository)
    except (OSError, tomllib.TOMLDecodeError, ValueError) as error:
        print(f"colab_badges: {error}", file=sys.stderr)
        return 2
    stale = []
    for path in args.paths or sorted(NOTEBOOKS.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        if apply(notebook, path.name, repository):
            stale.append(path.name)
            if not args.check:
                nbformat.write(notebook, path)
    verb = "out of date" if args.check else "updated"
    print(f"{len(stale)} notebook(s) {verb} for {repository}" + "".join(f"\n  {n}" for n in stale))
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
