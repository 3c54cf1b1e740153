"""Reading lessons as a learner meets them: cells in order, their text, and the exercises.

Shared by the tests that read notebooks without running them (references, spoilers,
hints). Nothing here starts a kernel.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path

from kit.lessons import exercise_lessons

REPO = Path(__file__).resolve().parent.parent
NOTEBOOKS = REPO / "notebooks"


@dataclass(frozen=True)
class Cell:
    """One cell as a learner sees it: its source and the text of its stored outputs."""

    index: int
    kind: str
    source: str
    outputs: str
    tags: tuple[str, ...]

    @property
    def text(self) -> str:
        return self.source + "\n" + self.outputs


def output_text(output: dict) -> str:
    """Every text form of one stored output (stream text, plain, HTML, error lines)."""
    parts = ["".join(output.get("text", ""))]
    for mime, value in output.get("data", {}).items():
        if mime.startswith("text/") or mime.endswith("+json"):
            parts.append(value if isinstance(value, str) else "".join(value)
                         if isinstance(value, list) else json.dumps(value))
    parts.extend(output.get("traceback", []))
    if output.get("evalue"):
        parts.append(output["evalue"])
    return "\n".join(parts)


def read_cells(path: Path) -> list[Cell]:
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return [
        Cell(
            index,
            cell["cell_type"],
            "".join(cell.get("source", "")),
            "\n".join(output_text(o) for o in cell.get("outputs", [])),
            tuple(cell.get("metadata", {}).get("tags", [])),
        )
        for index, cell in enumerate(notebook["cells"])
    ]


def lesson_exercises() -> list[tuple[str, Path, object]]:
    """(lesson number, notebook path, exercise) for every exercise of every lesson."""
    return [
        (lesson.number, NOTEBOOKS / lesson.notebook, exercise)
        for lesson in exercise_lessons()
        for exercise in importlib.import_module(lesson.module).EXERCISES
    ]


def tagged_index(cells: list[Cell], tag: str) -> int:
    """Index of the one cell carrying ``tag``."""
    found = [cell.index for cell in cells if tag in cell.tags]
    assert len(found) == 1, f"{len(found)} cells are tagged {tag!r}"
    return found[0]


def stored_output_text(path: Path) -> str:
    """The text of every stored output of a notebook, cell after cell."""
    return "\n".join(cell.outputs for cell in read_cells(path))
