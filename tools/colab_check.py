"""Rehearse Colab here: a Python 3.12 environment that already has another supported
TensorFlow, lesson 01's install cell where ``import kit`` fails, then lesson 01 in learner and
solution mode.

    python tools/colab_check.py                        # venv /tmp/colab312, TensorFlow 2.20.0
    python tools/colab_check.py --tensorflow 2.16.1 --venv /tmp/colab312-tf216
    python tools/colab_check.py --python /usr/bin/python3.12

What it does, and checks:

1. The venv (made once, reused while its stamp matches): ``python3.12 -m venv``, then what
   a Colab runtime already holds before a lesson starts: TensorFlow ``--tensorflow`` with its
   tf-keras, and the Jupyter kernel packages (ipykernel, nbclient, nbformat, ipywidgets). If
   an earlier run left the kit installed, it is uninstalled, so ``import kit`` fails again.
2. The repository is not on GitHub here, so the files the kit is built from are committed to
   a throw-away git repository, and git (through ``GIT_CONFIG_*`` variables that only this
   run's processes see) fetches the lessons' ``git+https://...`` URL from there. The install
   cell runs exactly as committed.
3. Lesson 01 runs top to bottom in a kernel of that venv: its first code cell must install the
   kit; every check must say "Not attempted"; only cells tagged ``raises-exception`` may raise.
   Then the lesson with every exercise solved: every check must say "Correct".
4. Every file of TensorFlow, tf-keras and numpy (size, modification time, inode) and their
   versions are the same after the install as before it.

Prints each step's time and exits 1 if a check fails. Needs network access to PyPI for the
first run (TensorFlow is about 600 MB) and for the kit's own dependencies.
"""

from __future__ import annotations

import argparse
import copy
import glob
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LESSON = ROOT / "notebooks" / "01_name_scope_vs_variable_scope.ipynb"
DEFAULT_VENV = Path("/tmp/colab312")
DEFAULT_TENSORFLOW = "2.20.0"
KERNEL_PACKAGES = ("ipykernel", "nbclient", "nbformat", "ipywidgets")
WATCHED = ("tensorflow", "tf-keras", "numpy")  # Colab's own: the kit's install must keep them
# What the kit is built from (pyproject.toml's packages and readme); the snapshot holds these.
BUILD_FILES = ("pyproject.toml", "README.md", "LICENSE", "kit")
STAMP = ".scopekit-colab-stamp"
PROGRESS_ENV = "SCOPEKIT_PROGRESS"
RAISES = "raises-exception"
CELL_TIMEOUT = 1800  # the install cell downloads the kit's dependencies

PROBE = ("import sys, kit, tensorflow as tf\n"
         "print('KERNEL', sys.executable)\nprint('KIT', kit.__file__)\n"
         "print('TENSORFLOW', tf.__version__)")


def say(message: str) -> None:
    print(message, flush=True)


def run(command: list[str], **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, check=True, text=True, **options)


# --- outside the venv: make it, snapshot the repository, compare TensorFlow's files ----------


def find_python(given: str | None) -> str:
    """``given``, else the first Python 3.12 that runs: pyenv's, then ``python3.12``."""
    candidates = [given] if given else [
        *sorted(glob.glob(os.path.expanduser("~/.pyenv/versions/3.12.*/bin/python"))),
        shutil.which("python3.12")]
    for candidate in filter(None, candidates):
        done = subprocess.run([candidate, "-c", "import sys; print(sys.version_info[:2])"],
                              capture_output=True, text=True, check=False)
        if done.returncode == 0 and done.stdout.strip() == "(3, 12)":
            return candidate
    raise SystemExit("no working Python 3.12: install one (pyenv install 3.12) or pass --python")


def prepare_venv(python: str, venv: Path, tensorflow: str) -> Path:
    """The venv with TensorFlow and the kernel packages, and without the kit."""
    stamp = f"{python} tensorflow=={tensorflow}"
    marker = venv / STAMP
    if venv.exists() and not marker.exists():
        raise SystemExit(f"{venv} exists but was not made by this tool: pass --venv elsewhere")
    if marker.exists() and marker.read_text() != stamp:
        shutil.rmtree(venv)
    venv_python = venv / "bin" / "python"
    if not marker.exists():
        say(f"making {venv}: {python}, tensorflow=={tensorflow} and the kernel packages")
        run([python, "-m", "venv", str(venv)])
        major_minor = ".".join(tensorflow.split(".")[:2])
        run([str(venv_python), "-m", "pip", "install", "--quiet", f"tensorflow=={tensorflow}",
             f"tf-keras~={major_minor}.0", *KERNEL_PACKAGES])
        marker.write_text(stamp)
    listed = run([str(venv_python), "-m", "pip", "list", "--format=json"], capture_output=True)
    if any(p["name"].lower() == "scopekit" for p in json.loads(listed.stdout)):
        run([str(venv_python), "-m", "pip", "uninstall", "--quiet", "--yes", "scopekit"])
    return venv_python


def snapshot_repository(folder: Path) -> Path:
    """A git repository holding the working tree's build files (uncommitted edits included)."""
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--",
                  *BUILD_FILES], cwd=ROOT, capture_output=True).stdout
    repository = folder / "scopekit"
    for relative in filter(None, listed.split("\0")):
        source = ROOT / relative
        if source.is_file():
            target = repository / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git = ["git", "-C", str(repository), "-c", "user.name=colab check",
           "-c", "user.email=colab-check@localhost"]
    run(git[:3] + ["init", "--quiet", "--initial-branch=main"])
    run(git + ["add", "--all"])
    run(git + ["commit", "--quiet", "--message", "snapshot of the working tree"])
    return repository


def redirect_git(url: str, repository: Path) -> dict[str, str]:
    """Environment in which git fetches ``url`` from ``repository`` instead."""
    return {**os.environ, "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"url.{repository.as_uri()}.insteadOf",
            "GIT_CONFIG_VALUE_0": url}


def outside(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from tools.colab_badges import repository_url
    from tools.matrix import fingerprint, touched

    python = find_python(args.python)
    venv_python = prepare_venv(python, args.venv, args.tensorflow)
    ready = time.perf_counter()
    say(f"venv ready in {ready - started:.0f} s ({venv_python})")
    before = fingerprint(venv_python, WATCHED)
    versions = ", ".join(f"{name} {before[name]['version']}" for name in WATCHED)
    say(f"before the lesson: {versions}")
    with tempfile.TemporaryDirectory(prefix="scopekit-colab-") as folder:
        repository = snapshot_repository(Path(folder))
        report_path = Path(folder) / "report.json"
        env = redirect_git(repository_url(), repository)
        env.pop("PYTHONPATH", None)
        subprocess.run([str(venv_python), str(Path(__file__).resolve()), "--inside",
                        str(report_path)], check=False, env=env, cwd=folder)
        report = json.loads(report_path.read_text()) if report_path.exists() else {
            "problems": ["the run inside the venv wrote no report"]}
    problems = report["problems"] + touched(before, fingerprint(venv_python, WATCHED))
    total = time.perf_counter() - started
    for step, seconds in report.get("seconds", {}).items():
        say(f"  {step}: {seconds:.0f} s")
    say(f"total {total:.0f} s (venv {ready - started:.0f} s, the lesson runs {total - (ready - started):.0f} s)")
    if problems:
        say("FAILED:\n" + "\n".join(f"  - {problem}" for problem in problems))
        return 1
    say(f"OK: on {versions}, lesson 01's first cell installed the kit without touching "
        "TensorFlow, tf-keras or numpy; learner mode: every check 'Not attempted'; "
        "solution mode: every check 'Correct'")
    return 0


# --- inside the venv: run lesson 01 twice in its kernels --------------------------------------


def execute(notebook, folder: Path) -> list[str]:
    """Run ``notebook`` in a new kernel in ``folder``; its errors outside raises-exception cells."""
    from nbclient import NotebookClient

    NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(folder)}}).execute()
    return [f"cell {index}: {output.ename}: {output.evalue}"
            for index, cell in enumerate(notebook.cells)
            if RAISES not in cell.get("metadata", {}).get("tags", [])
            for output in cell.get("outputs", []) if output.output_type == "error"]


def probe(notebook) -> dict[str, str]:
    text = "".join(output.get("text", "") for output in notebook.cells[-1].outputs)
    return dict(line.split(" ", 1) for line in text.splitlines() if " " in line)


def inside(report_path: Path) -> None:
    import importlib.util

    import nbformat

    problems: list[str] = []
    seconds: dict[str, float] = {}
    if importlib.util.find_spec("kit") is not None:
        problems.append("the kit is importable before the lesson runs: the install cell would do nothing")
    sys.path.append(str(ROOT))  # for tools/ only: the installed kit comes first
    from tools.colab_badges import INSTALL_ID
    from tools.solve_notebooks import check_texts, solved

    lesson = nbformat.read(LESSON, as_version=4)
    first_code = next(cell for cell in lesson.cells if cell.cell_type == "code")
    if first_code.get("id") != INSTALL_ID:
        problems.append(f"lesson 01's first code cell is not the install cell ({INSTALL_ID})")
    with tempfile.TemporaryDirectory(prefix="scopekit-colab-run-") as folder:
        os.environ[PROGRESS_ENV] = str(Path(folder) / "progress.json")
        for mode, expected in (("learner mode", "Not attempted"), ("solution mode", "Correct")):
            notebook = copy.deepcopy(lesson)
            if mode == "solution mode":  # solutions come from the kit that learner mode installed
                notebook, missing = solved(lesson, importlib.import_module("kit.lessons.lesson01"))
                problems += missing
            notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
            started = time.perf_counter()
            errors = execute(notebook, Path(folder))
            seconds[mode] = time.perf_counter() - started
            problems += [f"{mode}: {error}" for error in errors]
            checks = check_texts(notebook)
            wrong = [f"{check.exercise}: {check.outcome}" for check in checks
                     if not check.text.startswith(expected)]
            problems += [f"{mode}: {line}" for line in wrong]
            if not checks:
                problems.append(f"{mode}: no check cell ran")
            found = probe(notebook)
            print(f"{mode}: {len(checks)} checks, kernel {found.get('KERNEL')}, kit "
                  f"{found.get('KIT')}, TensorFlow {found.get('TENSORFLOW')}", flush=True)
            if not found.get("KERNEL", "").startswith(sys.prefix):
                problems.append(f"{mode}: the kernel was not this venv's Python")
            if sys.prefix not in found.get("KIT", "") or str(ROOT) in found.get("KIT", ""):
                problems.append(f"{mode}: the kernel did not import the installed kit")
            if mode == "learner mode":
                install = next(cell for cell in notebook.cells if cell.cell_type == "code")
                printed = "".join(output.get("text", "") for output in install.outputs).strip()
                print(f"install cell printed: {printed[-300:]!r}", flush=True)
                if not printed:
                    problems.append("learner mode: the install cell printed nothing (no pip run)")
    report_path.write_text(json.dumps({"problems": problems, "seconds": seconds}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--python", help="a Python 3.12 interpreter (default: python3.12 or pyenv's)")
    parser.add_argument("--tensorflow", default=DEFAULT_TENSORFLOW,
                        help="the TensorFlow release the venv holds before the kit")
    parser.add_argument("--inside", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inside:
        inside(args.inside)
        return 0
    return outside(args)


if __name__ == "__main__":
    sys.exit(main())
