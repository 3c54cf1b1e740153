"""pyproject.toml declares ranges, constraints.txt the exact pins; the rest must agree.

environment.yml lists exactly the constraints' pins, binder/ the runtime ones; every range
in pyproject.toml admits its pin; `make install` installs with the constraints.
"""

from __future__ import annotations

import importlib.util
import re
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
CONDA_FILES = [ROOT / "environment.yml", ROOT / "binder" / "environment.yml"]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
SUPPORTED_PYTHONS = ["3.10", "3.11", "3.12", "3.13"]


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


def constraint_pins() -> dict[str, str]:
    lines = [line.split("#", 1)[0].strip()
             for line in (ROOT / "constraints.txt").read_text().splitlines()]
    return _pins([line for line in lines if line], "constraints.txt")


def ranges(*groups: str) -> dict[str, Requirement]:
    """Normalised name -> requirement of pyproject's ``dependencies`` and the named extras."""
    lines = [line for group in groups
             for line in (PROJECT["dependencies"] if group == "dependencies"
                          else PROJECT["optional-dependencies"][group])]
    return {canonicalize_name(Requirement(line).name): Requirement(line) for line in lines}


ALL_GROUPS = ("dependencies", "lab", "test")


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


def test_constraints_pin_every_requirement_of_pyproject_and_nothing_else():
    assert set(constraint_pins()) == set(ranges(*ALL_GROUPS))


def test_every_pyproject_range_admits_its_pin():
    pins = constraint_pins()
    refused = {name: str(requirement.specifier)
               for name, requirement in ranges(*ALL_GROUPS).items()
               if not requirement.specifier.contains(pins[name])}
    assert not refused, f"these ranges refuse their pin in constraints.txt: {refused}"


def test_every_runtime_and_lab_range_has_a_lower_and_an_upper_bound():
    # The lower bound is what the matrix's oldest leg installs; the upper one keeps a
    # learner off a release nobody has tried (the next major, or TF's next minor).
    for name, requirement in ranges("dependencies", "lab").items():
        operators = sorted(spec.operator for spec in requirement.specifier)
        assert operators == ["<", ">="], f"{name}: {requirement.specifier}"


def bounds(requirement: Requirement) -> tuple[Version, Version]:
    by_operator = {spec.operator: Version(spec.version) for spec in requirement.specifier}
    return by_operator[">="], by_operator["<"]


def test_tf_keras_range_covers_the_same_tensorflow_releases():
    # Each tf-keras X.Y requires tensorflow X.Y: the two ranges name the same minors.
    runtime = ranges("dependencies")
    (tf_low, tf_high), (keras_low, keras_high) = map(bounds, (runtime["tensorflow"],
                                                               runtime["tf-keras"]))
    assert tf_high == keras_high
    assert tf_low.release[:2] == keras_low.release[:2]


def test_conda_environment_pins_are_the_constraints_exactly():
    assert conda_pins(ROOT / "environment.yml") == constraint_pins()


def test_binder_pins_are_constraint_pins_with_every_runtime_and_lab_one():
    pins = conda_pins(ROOT / "binder" / "environment.yml")
    runtime = {name: constraint_pins()[name] for name in ranges("dependencies", "lab")}
    assert pins.items() <= constraint_pins().items()
    assert runtime.items() <= pins.items()


def test_make_install_uses_the_constraints_with_the_lab_and_test_extras():
    makefile = (ROOT / "Makefile").read_text()
    installs = re.findall(r"pip install (?:--quiet )?(-c .*)$", makefile, flags=re.MULTILINE)
    assert installs == ["-c constraints.txt -e '.[lab,test]'"]
    assert re.search(r"^\$\(STAMP\): pyproject\.toml constraints\.txt$", makefile, re.MULTILINE)


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


def test_pyproject_requires_python_3_10_to_3_13():
    requires = Requirement(f"python{PROJECT['requires-python']}").specifier
    assert [version for version in SUPPORTED_PYTHONS if requires.contains(version)] \
        == SUPPORTED_PYTHONS
    assert not requires.contains("3.9") and not requires.contains("3.14")


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


def test_stored_outputs_release_is_the_tensorflow_pin():
    # Read kit/versions.py on its own: importing the kit would import TensorFlow.
    spec = importlib.util.spec_from_file_location("versions", ROOT / "kit" / "versions.py")
    versions = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(versions)
    assert versions.STORED_OUTPUTS_TENSORFLOW == constraint_pins()["tensorflow"]


def test_full_tensorflow_wheel_everywhere_never_tensorflow_cpu():
    # tf-keras 2.21 declares `Requires-Dist: tensorflow`, so pinning tensorflow-cpu as well
    # would install both wheels, the GPU one's files over the CPU one's.
    for pins in [constraint_pins(), *map(conda_pins, CONDA_FILES)]:
        assert pins["tensorflow"] == "2.21.0"
        assert "tensorflow-cpu" not in pins
    assert "tensorflow-cpu" not in ranges(*ALL_GROUPS)


def test_no_file_pins_tensornets():
    # TensorNets 0.4.6 does not import on TF 2.21 (No module named
    # 'tensorflow.python.keras.applications'); lesson 03 uses tf_slim's resnet_v1_50.
    for pins in [constraint_pins(), *map(conda_pins, CONDA_FILES)]:
        assert "tensornets" not in pins

