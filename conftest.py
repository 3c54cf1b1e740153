"""Repo-wide pytest setup: tests never touch a learner's real progress store.

At configure time (before nbval starts any kernel) the progress store's environment
variable (``kit.progress.ENV_VAR``) points at a file in a fresh temporary folder; kernels started with ``--nbval-current-env`` inherit
the process environment, so notebooks record there too. Each test file (and each
notebook) then gets its own empty store, so the start page's progress table reads
"nothing yet" whatever ran before it, as it did when its outputs were stored by
``tools/execute_notebooks.py`` (which isolates the same way).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from kit.progress import ENV_VAR as PROGRESS_ENV
from tools.execute_notebooks import ISOLATED_STORE_PREFIX

# Fixture lessons are run by tests/test_lesson_modes.py, not collected by nbval.
collect_ignore_glob = ["tests/fixtures/lesson_*.ipynb"]

_session_folder: Path | None = None
_current_file: Path | None = None


def _fresh_store(label: str) -> None:
    folder = Path(tempfile.mkdtemp(prefix=ISOLATED_STORE_PREFIX + label + "-",
                                   dir=_session_folder))
    os.environ[PROGRESS_ENV] = str(folder / "progress.json")


def pytest_configure(config: pytest.Config) -> None:
    global _session_folder
    _session_folder = Path(tempfile.mkdtemp(prefix=ISOLATED_STORE_PREFIX + "session-"))
    _fresh_store("configure")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Give each test file or notebook a new empty store before its kernel starts."""
    global _current_file
    if item.path != _current_file:
        _current_file = item.path
        _fresh_store(item.path.stem)


def pytest_unconfigure(config: pytest.Config) -> None:
    if _session_folder is not None:
        shutil.rmtree(_session_folder, ignore_errors=True)
