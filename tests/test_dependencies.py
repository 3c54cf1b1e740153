"""The pins live in pyproject.toml; environment.yml and binder/ must mirror them exactly."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
CONDA_FILES = [ROOT / "environment.yml", ROOT / "binder" / "environment.yml"]


def _pins(lines: list[str], source: str) -> dict[str, str]:
    """Map normalised package name -> exact version for ``name==version`` lines."""
    pins: dict[str, str] = {}
    for line in lines:
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"{source}: {line!r} is not pinned with a single '=='"
        )
        name = canonicalize_name(requirement.name)
        assert name not in pins, f"{source}: {name} is listed twice"
        pins[name] = specifiers[0].version
    return pins


def pyproject_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = project["dependencies"] + project["optional-dependencies"]["test"]
    return _pins(lines, "pyproject.toml")


def conda_spec(path: Path) -> tuple[list[str], list[str]]:
    """(conda dependency strings, pip lines) of an environment.yml."""
    spec = yaml.safe_load(path.read_text())
    conda = [d for d in spec["dependencies"] if isinstance(d, str)]
    pip_sections = [d["pip"] for d in spec["dependencies"] if isinstance(d, dict)]
    assert len(pip_sections) == 1, f"{path.name}: expected exactly one pip section"
    return conda, pip_sections[0]


def conda_pins(path: Path) -> dict[str, str]:
    _, pip_lines = conda_spec(path)
    packages = [line for line in pip_lines if not line.startswith("-")]
    return _pins(packages, str(path.relative_to(ROOT)))


def test_conda_environment_pins_match_pyproject_exactly():
    assert conda_pins(ROOT / "environment.yml") == pyproject_pins()


def test_binder_pins_are_pyproject_pins_with_every_runtime_one():
    pins = conda_pins(ROOT / "binder" / "environment.yml")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _pins(project["dependencies"], "pyproject.toml")
    assert pins.items() <= pyproject_pins().items()
    assert runtime.items() <= pins.items()


@pytest.mark.parametrize("path", CONDA_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_conda_file_asks_for_python_3_11_from_conda_forge(path):
    spec = yaml.safe_load(path.read_text())
    conda, _ = conda_spec(path)
    assert spec["channels"] == ["conda-forge"]
    assert "python=3.11" in conda
    assert "pip" in conda
    assert not [d for d in conda if d.split("=")[0] not in ("python", "pip")], (
        "only python and pip come from conda; every other package is a pip pin"
    )


def test_pyproject_requires_python_3_11():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11,<3.12"


def test_root_environment_installs_the_kit_itself():
    _, pip_lines = conda_spec(ROOT / "environment.yml")
    assert pip_lines[-1] == "-e ."


def test_binder_post_build_installs_the_kit_without_touching_the_pins():
    post_build = ROOT / "binder" / "postBuild"
    lines = [line.strip() for line in post_build.read_text().splitlines()]
    assert lines[0].startswith("#!"), "postBuild needs a shebang"
    assert "set -e" in lines
    assert "pip install --no-deps -e ." in lines
    assert post_build.stat().st_mode & 0o111, "postBuild must be executable"


def test_full_tensorflow_wheel_everywhere_never_tensorflow_cpu():
    # tf-keras 2.21 declares `Requires-Dist: tensorflow`, so pinning tensorflow-cpu as well
    # would install both wheels, the GPU one's files over the CPU one's.
    for pins in [pyproject_pins(), *map(conda_pins, CONDA_FILES)]:
        assert pins["tensorflow"] == "2.21.0"
        assert "tensorflow-cpu" not in pins


def test_no_file_pins_tensornets():
    # TensorNets 0.4.6 does not import on TF 2.21 (No module named
    # 'tensorflow.python.keras.applications'); lesson 03 uses tf_slim's resnet_v1_50.
    for pins in [pyproject_pins(), *map(conda_pins, CONDA_FILES)]:
        assert "tensornets" not in pins
