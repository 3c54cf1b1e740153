"""The core (model, views, checks, progress) works without ipywidgets: arrows point down."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORE_MODULES = ("kit.tree", "kit.render", "kit.exercise", "kit.diff", "kit.errors", "kit.progress")


def existing_core_modules() -> list[str]:
    return [m for m in CORE_MODULES if (ROOT / (m.replace(".", "/") + ".py")).exists()]


def modules_loaded_after_importing(names: list[str]) -> set[str]:
    script = (
        "import importlib, json, sys\n"
        f"for name in {names!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return set(json.loads(result.stdout.strip().splitlines()[-1]))


def test_core_modules_never_import_ipywidgets():
    names = existing_core_modules()
    assert "kit.tree" in names and "kit.render" in names
    loaded = modules_loaded_after_importing(names)
    assert set(names) <= loaded
    assert importlib.util.find_spec("ipywidgets") is not None, "the check needs ipywidgets"
    assert not {m for m in loaded if m == "ipywidgets" or m.startswith("ipywidgets.")}
    assert "kit.widgets" not in loaded


# --- `import kit`: TensorFlow at once in a lesson, on first use in a command ------------------

HEAVY_PACKAGES = ("tensorflow", "tf_slim", "tf_keras", "keras", "IPython", "ipywidgets")


def run_and_report(script: str, *argv: str) -> dict:
    """Run ``python -c script`` (``argv``: ``-m MODULE ...`` instead); the JSON it prints last."""
    command = [sys.executable, *(argv or ("-c", script))]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


STATE = f"""\
import json, sys
def state():
    slim = sys.modules.get('tf_slim')
    return {{'heavy': sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY_PACKAGES!r}),
            'fixed': hasattr(getattr(slim, 'local_variable', None), '__wrapped_original__'),
            'display': 'kit.display' in sys.modules}}
"""


def test_import_kit_sets_tensorflow_up_at_once():
    # What a lesson's first cell gets: TF and tf-slim imported, tf-slim fixed, kit.show ready.
    state = run_and_report(STATE + "import kit\nprint(json.dumps(state()))\n")
    assert "tensorflow" in state["heavy"] and "tf_slim" in state["heavy"]
    assert state["fixed"] and state["display"]


def test_in_a_command_kit_sets_tensorflow_up_on_first_use():
    script = STATE + (
        "sys.argv[0] = 'scopekit'  # as the console script's process has it\n"
        "import kit\n"
        "before = state()\n"
        "graph_class = kit.tf.Graph\n"
        "after = state()\n"
        "shown = kit.show.__module__\n"
        "try:\n"
        "    kit.no_such_name\n"
        "except AttributeError as error:\n"
        "    missing = str(error)\n"
        "print(json.dumps({'before': before, 'after': after, 'shown': shown, 'missing': missing,\n"
        "                  'names': sorted(set(kit.__all__) - set(dir(kit)))}))\n"
    )
    report = run_and_report(script)
    assert report["before"] == {"heavy": [], "fixed": False, "display": False}
    assert "tensorflow" in report["after"]["heavy"] and report["after"]["fixed"]
    assert report["shown"] == "kit.display"
    assert report["missing"] == "module 'kit' has no attribute 'no_such_name'"
    assert report["names"] == []


MODULE_WATCH = """\
import atexit, json, os, sys
atexit.register(lambda: open(os.environ["SCOPEKIT_TEST_MODULES"], "w").write(
    json.dumps(sorted(sys.modules))))
"""


@pytest.mark.parametrize("module", ["kit.progress", "kit.progress_report"])
def test_python_m_kit_progress_report_imports_no_tensorflow(tmp_path, module):
    store = tmp_path / "progress.json"
    store.write_text(json.dumps({"version": 2, "lessons": {}}))
    (tmp_path / "sitecustomize.py").write_text(MODULE_WATCH)  # at exit: what was imported
    listing = tmp_path / "modules.json"
    env = {**os.environ, "PYTHONPATH": str(tmp_path), "SCOPEKIT_TEST_MODULES": str(listing)}
    result = subprocess.run([sys.executable, "-m", module, "report", str(store)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300, check=False, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Class report: 1 progress file read")
    modules = set(json.loads(listing.read_text()))
    assert "kit.progress" in modules  # the listing is the whole process's
    assert sorted(m for m in modules if m.split(".")[0] in HEAVY_PACKAGES) == []
