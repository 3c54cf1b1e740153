"""Solution mode: run a lesson with every exercise solved and report what each check says.

For a notebook whose metadata has ``scopekit.module``, every cell tagged ``exercise:qN``
gets the source ``module.qN.solution_code``; the solved copy runs top to bottom in a fresh
kernel in a temporary folder (with a fresh, empty progress store), and the text of every
cell tagged ``check:qN`` is collected. A lesson passes when every check starts with
``Correct`` and no cell raised.

    python -m tools.solve_notebooks                          # every lesson in notebooks/
    python -m tools.solve_notebooks notebooks/02_*.ipynb --keep /tmp/solved
"""

from __future__ import annotations

import argparse
import copy
import importlib
import importlib.util
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import nbformat

from tools.execute_notebooks import NOTEBOOKS, extra_python_path, run_notebook, unexpected_errors

EXERCISE_TAG = "exercise:"
CHECK_TAG = "check:"


@dataclass(frozen=True)
class CheckResult:
    """What one ``check:qN`` cell printed."""

    exercise: str
    text: str

    @property
    def passed(self) -> bool:
        return self.text.startswith("Correct")

    @property
    def outcome(self) -> str:
        """The first line, which starts with the outcome (``Correct: ...``)."""
        return self.text.splitlines()[0] if self.text.strip() else "(no output)"


@dataclass
class SolveReport:
    """The result of running one lesson in solution mode."""

    notebook: Path
    checks: list[CheckResult] = field(default_factory=list)
    cell_errors: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (bool(self.checks) and all(check.passed for check in self.checks)
                and not self.cell_errors and not self.problems)

    def lines(self) -> list[str]:
        verdict = "all correct" if self.ok else "FAILED"
        lines = [f"{self.notebook.name}: {verdict}"]
        lines += [f"  {check.exercise:<4} {check.outcome}" for check in self.checks]
        lines += [f"  cell error: {error}" for error in self.cell_errors]
        lines += [f"  problem: {problem}" for problem in self.problems]
        return lines


def tagged(cell: nbformat.NotebookNode, prefix: str) -> str | None:
    """The exercise name in a cell's ``prefix``-tag (``exercise:q3`` -> ``q3``), if any."""
    for tag in cell.get("metadata", {}).get("tags", []):
        if tag.startswith(prefix):
            return tag[len(prefix):]
    return None


def lesson_module_name(notebook: nbformat.NotebookNode) -> str | None:
    return notebook.metadata.get("scopekit", {}).get("module")


def output_text(outputs: list) -> str:
    """The plain text a reader sees in a cell's outputs (results, prints, errors)."""
    parts = []
    for output in outputs:
        if output.output_type in ("execute_result", "display_data"):
            parts.append(str(output.get("data", {}).get("text/plain", "")))
        elif output.output_type == "stream":
            parts.append(output.text)
        elif output.output_type == "error":
            parts.append(f"{output.ename}: {output.evalue}")
    return "\n".join(part.rstrip("\n") for part in parts)


def check_texts(notebook: nbformat.NotebookNode) -> list[CheckResult]:
    """Every ``check:qN`` cell's output text, in notebook order."""
    return [CheckResult(name, output_text(cell.get("outputs", [])))
            for cell in notebook.cells
            if cell.cell_type == "code" and (name := tagged(cell, CHECK_TAG))]


def solved(notebook: nbformat.NotebookNode, module) -> tuple[nbformat.NotebookNode, list[str]]:
    """A copy with each ``exercise:qN`` cell's source set to ``module.qN.solution_code``."""
    result = copy.deepcopy(notebook)
    problems = []
    for cell in result.cells:
        name = tagged(cell, EXERCISE_TAG)
        if name is None:
            continue
        code = getattr(getattr(module, name, None), "solution_code", "")
        if code:
            cell.source = code
        else:
            problems.append(f"{module.__name__}.{name} has no solution_code")
    return result, problems


def import_lesson_module(name: str, folder: Path) -> ModuleType:
    """The exercises module ``name``: ``folder/name.py`` if the lesson's folder holds one
    (a test fixture does), else the installed module."""
    local = folder / f"{name}.py"
    if not local.is_file():
        return importlib.import_module(name)
    spec = importlib.util.spec_from_file_location(name, local)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # as an import would: dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def solve(path: Path, timeout: int = 600, keep: Path | None = None) -> SolveReport:
    """Run ``path`` in solution mode; optionally save the executed copy in ``keep``."""
    path = Path(path).resolve()
    report = SolveReport(path)
    notebook = nbformat.read(path, as_version=4)
    module_name = lesson_module_name(notebook)
    if not module_name:
        report.problems.append("no scopekit.module in the notebook metadata")
        return report
    try:
        module = import_lesson_module(module_name, path.parent)
    except Exception as error:  # noqa: BLE001 - reported, not raised
        report.problems.append(f"cannot import {module_name}: {type(error).__name__}: {error}")
        return report
    solved_notebook, report.problems = solved(notebook, module)
    with tempfile.TemporaryDirectory(prefix="scopekit-solved-") as folder, \
            extra_python_path([path.parent]):
        nbformat.write(solved_notebook, Path(folder) / path.name)
        run_notebook(solved_notebook, Path(folder), timeout, allow_errors=True)
    report.cell_errors = unexpected_errors(solved_notebook)
    report.checks = check_texts(solved_notebook)
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        nbformat.write(solved_notebook, keep / path.name)
    return report


def lesson_notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The notebooks in ``folder`` that have exercises (``scopekit.module`` metadata)."""
    return [path for path in sorted(folder.glob("*.ipynb"))
            if lesson_module_name(nbformat.read(path, as_version=4))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    parser.add_argument("--keep", type=Path, help="save the executed solved notebooks here")
    args = parser.parse_args(argv)
    all_ok = True
    for path in args.paths or lesson_notebooks():
        report = solve(path, keep=args.keep)
        print("\n".join(report.lines()), flush=True)
        all_ok = all_ok and report.ok
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
