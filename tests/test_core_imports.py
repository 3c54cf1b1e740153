"""The core (model, views, checks, progress) works without ipywidgets: arrows point down."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

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
