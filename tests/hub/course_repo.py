"""A throwaway course repository: a clone of this repository's HEAD, on branch ``main``.

It plays the instructor's repository on GitHub: learners' nbgitpuller links point at its
``file://`` URL, and the test pushes an update by committing to it directly.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

# The instructor's identity for the update commit (the machine may have no git identity).
INSTRUCTOR = ("-c", "user.name=Course instructor", "-c", "user.email=instructor@example.org")


def git(*args: str, cwd: Path) -> str:
    """Run git in ``cwd``; its output, stripped. A failure raises with git's message."""
    result = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                            check=False)
    if result.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)} failed in {cwd}:\n{result.stderr.strip()}")
    return result.stdout.strip()


@dataclass(frozen=True)
class CourseRepository:
    """A working clone whose folder name (``scopekit``) is the learners' clone folder."""

    path: Path

    @classmethod
    def clone_head(cls, source: Path, parent: Path, name: str = "scopekit") -> CourseRepository:
        """Clone ``source``'s committed HEAD (not its uncommitted changes) into
        ``parent/name`` and put it on a branch ``main``, whatever ``source`` is on."""
        parent.mkdir(parents=True, exist_ok=True)
        git("clone", "--quiet", "--no-local", str(source), name, cwd=parent)
        repository = cls(parent / name)
        git("checkout", "--quiet", "-B", "main", cwd=repository.path)
        return repository

    @property
    def url(self) -> str:
        return self.path.as_uri()

    def head(self) -> str:
        return git("rev-parse", "HEAD", cwd=self.path)

    def edit_cell(self, notebook: str, cell_index: int, change: Callable[[str], str]) -> None:
        """Replace one cell's source with ``change(source)`` (an instructor's edit, made
        with nbformat, so the file keeps the layout every committed notebook has)."""
        path = self.path / notebook
        lesson = nbformat.read(path, as_version=4)
        cell = lesson.cells[cell_index]
        new_source = change(cell.source)
        if new_source == cell.source:
            raise ValueError(f"the edit leaves cell {cell_index} of {notebook} unchanged")
        cell.source = new_source
        nbformat.write(lesson, path)

    def commit_all(self, message: str) -> str:
        """Commit every change in the working tree; the new commit's id."""
        git("add", "--all", cwd=self.path)
        git(*INSTRUCTOR, "commit", "--quiet", "-m", message, cwd=self.path)
        return self.head()
