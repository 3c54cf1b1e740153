"""mybinder.org reads ``binder/`` the way we intend.

``jupyter-repo2docker --no-build --debug`` prints the Dockerfile Binder would build
without Docker. It proves which build pack is picked and which files it uses; it does
not solve the conda environment (conda cannot run here) or build the image.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
REPO2DOCKER = shutil.which("jupyter-repo2docker", path=str(Path(sys.executable).parent))


@pytest.fixture(scope="module")
def dry_run(tmp_path_factory) -> str:
    """repo2docker's log and Dockerfile for this repository (cwd outside the repo, so no
    stray repo2docker config is read)."""
    if REPO2DOCKER is None:
        pytest.skip("jupyter-repo2docker is not installed (pip install jupyter-repo2docker)")
    result = subprocess.run(
        [REPO2DOCKER, "--no-build", "--debug", str(REPO)],
        cwd=tmp_path_factory.mktemp("repo2docker"), capture_output=True, text=True,
        timeout=180, stdin=subprocess.DEVNULL, check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stderr + result.stdout


def test_binder_picks_the_conda_build_pack_for_python_311(dry_run):
    assert "Building conda environment for python=3.11" in dry_run
    assert "MAMBA_EXE" in dry_run


def test_binder_installs_binder_environment_yml_not_the_root_one(dry_run):
    assert 'env update -p ${NB_PYTHON_PREFIX} --file "binder/environment.yml"' in dry_run
    assert "src/binder/environment.yml" in dry_run
    assert "src/environment.yml" not in dry_run
    assert "requirements.txt" not in dry_run


def test_binder_runs_post_build_after_copying_the_repository(dry_run):
    copy_repo = dry_run.index("COPY --chown=0:0 src/ ${REPO_DIR}/")
    post_build = dry_run.index("RUN ./binder/postBuild")
    assert copy_repo < post_build


def test_post_build_installs_the_kit_and_stops_on_errors():
    script = (REPO / "binder" / "postBuild").read_text()
    commands = [line.strip() for line in script.splitlines()
                if line.strip() and not line.lstrip().startswith("#")]
    assert script.startswith("#!/bin/bash")
    assert "set -e" in commands
    assert any(line.startswith("pip install") and line.endswith("-e .") for line in commands)
