"""Execute lessons top to bottom in a fresh kernel and store their outputs in place.

This is the only way committed outputs are made (`make notebooks`): nbval then checks
that a clean run still produces exactly them.

Widget state is not stored, so each stored widget output keeps only its static forms
(text/html, text/plain): JupyterLab and GitHub then show those until the cell is run
again, instead of "Error displaying widget: model not found". nbval skips widget data
when comparing, so this changes nothing it checks.

Every run gets a fresh, empty progress store (the kit's ``progress.ENV_VAR`` points into
a new temporary folder that the kernel inherits), so stored outputs such as the start
page's progress table never depend on the progress of whoever runs this.

    python -m tools.execute_notebooks                 # every notebook in notebooks/
    python -m tools.execute_notebooks notebooks/01_*.ipynb
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
# Same prefix as the pytest session store (conftest.py), so a notebook can tell an
# isolated store from a learner's real one.
ISOLATED_STORE_PREFIX = "scopekit-isolated-"


@contextlib.contextmanager
def isolated_progress_store() -> Iterator[Path]:
    """Point the progress store at a new empty file for the block; kernels inherit it."""
    # Importing the kit imports TensorFlow (seconds), so only once a store is needed.
    from kit.progress import ENV_VAR

    previous = os.environ.get(ENV_VAR)
    with tempfile.TemporaryDirectory(prefix=ISOLATED_STORE_PREFIX) as folder:
        store = Path(folder) / "progress.json"
        os.environ[ENV_VAR] = str(store)
        try:
            yield store
        finally:
            if previous is None:
                os.environ.pop(ENV_VAR, None)
            else:
                os.environ[ENV_VAR] = previous


@contextlib.contextmanager
def extra_python_path(folders: list[Path]) -> Iterator[None]:
    """Prepend folders to ``PYTHONPATH`` for kernels started inside the block."""
    previous = os.environ.get("PYTHONPATH")
    parts = [str(folder) for folder in folders] + ([previous] if previous else [])
    os.environ["PYTHONPATH"] = os.pathsep.join(parts)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = previous


RAISES_ON_PURPOSE = "raises-exception"  # nbval's tag: the cell's error is part of the lesson


def unexpected_errors(notebook: nbformat.NotebookNode) -> list[str]:
    """``cell N: Name: message`` for every error output outside cells that raise on purpose."""
    return [f"cell {index}: {output.ename}: {output.evalue}"
            for index, cell in enumerate(notebook.cells)
            if RAISES_ON_PURPOSE not in cell.get("metadata", {}).get("tags", [])
            for output in cell.get("outputs", []) if output.get("output_type") == "error"]


def clear_outputs(notebook: nbformat.NotebookNode) -> None:
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            cell.metadata.pop("execution", None)


def drop_widget_views(notebook: nbformat.NotebookNode) -> None:
    """Remove widget views (their models are not saved) where a static form remains."""
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW_MIME in data and len(data) > 1:
                del data[WIDGET_VIEW_MIME]


def coalesce_streams(notebook: nbformat.NotebookNode) -> None:
    """Join each cell's consecutive stdout (or stderr) chunks into one output.

    How the kernel splits a cell's printing into messages depends on timing; joined, the
    stored outputs are the same on every run (nbval joins them too before comparing).
    """
    for cell in notebook.cells:
        merged: list = []
        for output in cell.get("outputs", []):
            previous = merged[-1] if merged else None
            if (output.get("output_type") == "stream" and previous is not None
                    and previous.get("output_type") == "stream"
                    and previous.get("name") == output.get("name")):
                previous["text"] = previous["text"] + output["text"]
            else:
                merged.append(output)
        if "outputs" in cell:
            cell.outputs = merged


def run_notebook(notebook: nbformat.NotebookNode, cwd: Path, timeout: int = 600,
                 allow_errors: bool = False) -> float:
    """Execute ``notebook`` in place in a new kernel started in ``cwd``; return wall seconds.

    The kernel gets a fresh empty progress store; an error in a cell raises
    ``nbclient.exceptions.CellExecutionError`` unless ``allow_errors``.
    """
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    clear_outputs(notebook)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(cwd)}},
        record_timing=False,
        allow_errors=allow_errors,
    )
    started = time.perf_counter()
    with isolated_progress_store():
        client.execute()
    return time.perf_counter() - started


def execute(path: Path, timeout: int = 600) -> float:
    """Run one notebook in a new kernel (cwd = its folder), save it; return wall seconds."""
    notebook = nbformat.read(path, as_version=4)
    elapsed = run_notebook(notebook, path.parent, timeout)
    notebook.metadata.pop("widgets", None)
    drop_widget_views(notebook)
    coalesce_streams(notebook)
    nbformat.write(notebook, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path)
    args = parser.parse_args(argv)
    paths = args.paths or sorted(NOTEBOOKS.glob("*.ipynb"))
    for path in paths:
        seconds = execute(path.resolve())
        print(f"executed {path.name} in {seconds:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
