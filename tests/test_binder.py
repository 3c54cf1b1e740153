"""mybinder.org reads ``binder/`` the way we intend, and installs only what a learner needs.

``jupyter-repo2docker --no-build --debug`` prints the Dockerfile Binder would build
without Docker. It proves which build pack is picked and which files it uses; it does
not solve the conda environment (conda cannot run here) or build the image.

Binder is lean: the pins (constraints.txt) of every ``pyproject.toml`` dependency and of
the ``lab`` extra (JupyterLab, Notebook, ipykernel), and none of the test-only packages (pytest, nbval, Playwright, repo2docker, JupyterHub, ...), neither listed nor pulled in by a
runtime package (checked against the installed packages' own requirements).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
CONSTRAINTS = (REPO / "constraints.txt").read_text().splitlines()
# In the [test] extra only for the tests; a learner never needs them.
TEST_ONLY = {"pytest", "pytest-timeout", "nbval", "playwright", "jupyter-repo2docker",
             "jupyterhub", "nbgitpuller"}
# In the [test] extra too, but JupyterLab's server needs them anyway
# (jupyter_server -> nbconvert -> nbclient, nbformat): binder pins them to the same versions.
NEEDED_ANYWAY = {"nbclient", "nbconvert", "nbformat"}
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


def _pins(lines: list[str]) -> dict[str, str]:
    """Normalised name -> version of ``name==version`` lines (anything else fails)."""
    pins = {}
    for line in lines:
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", line
        pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def binder_pip_lines() -> list[str]:
    spec = yaml.safe_load((REPO / "binder" / "environment.yml").read_text())
    (pip_lines,) = [d["pip"] for d in spec["dependencies"] if isinstance(d, dict)]
    return pip_lines


def constraint_pins(requirements: list[str]) -> dict[str, str]:
    """The constraints.txt pins of the packages that ``requirements`` (ranges) name."""
    pins = _pins([line for line in CONSTRAINTS if line.strip() and not line.startswith("#")])
    return {name: pins[name] for name in
            (canonicalize_name(Requirement(line).name) for line in requirements)}


def runtime_pins() -> dict[str, str]:
    """What a learner needs: the dependencies and the Jupyter front ends (lab extra)."""
    return constraint_pins(PROJECT["dependencies"] + PROJECT["optional-dependencies"]["lab"])


def test_extra_pins() -> dict[str, str]:
    return constraint_pins(PROJECT["optional-dependencies"]["test"])


test_extra_pins.__test__ = False  # a helper, not a test


def test_every_test_extra_package_is_classified():
    # A new [test] package must be sorted into test-only or needed-anyway here.
    assert set(test_extra_pins()) == TEST_ONLY | NEEDED_ANYWAY


def test_binder_installs_every_runtime_pin():
    pins = _pins([line for line in binder_pip_lines() if not line.startswith("-")])
    assert {name: pins.get(name) for name in runtime_pins()} == runtime_pins()


def test_binder_installs_no_test_only_package():
    lines = binder_pip_lines()
    assert not [line for line in lines if line.startswith("-")], (
        "binder/environment.yml: no pip options or editable installs (postBuild installs the "
        "kit with --no-deps)")
    pins = _pins(lines)
    assert not set(pins) & TEST_ONLY
    extra = {name: version for name, version in pins.items() if name not in runtime_pins()}
    test_pins = test_extra_pins()
    assert extra == {name: test_pins[name] for name in NEEDED_ANYWAY}
    post_build = (REPO / "binder" / "postBuild").read_text()
    installs = [line.strip() for line in post_build.splitlines()
                if "pip install" in line and not line.lstrip().startswith("#")]
    assert installs == ["pip install --no-deps -e ."], "postBuild installs the kit alone"
    assert "[test]" not in post_build


def _requirements_closure(names) -> set[str]:
    """Every distribution the installed ``names`` need, following Requires-Dist (no extras)."""
    seen: set[str] = set()
    todo = [canonicalize_name(name) for name in names]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.distribution(name).requires or []
        except metadata.PackageNotFoundError:
            pytest.skip(f"{name} is not installed here, so its requirements are unknown")
        for line in requires:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                todo.append(canonicalize_name(requirement.name))
    return seen


def test_binder_pins_pull_in_no_test_only_package():
    closure = _requirements_closure(_pins(binder_pip_lines()))
    assert not closure & TEST_ONLY
    assert NEEDED_ANYWAY <= _requirements_closure(runtime_pins()), (
        "binder pins a [test] package the runtime no longer needs: drop it from binder/")
