"""tools/matrix.py: what each leg installs, when a leg is skipped, and the check that
installing the kit leaves TensorFlow and numpy untouched."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
from tools import matrix

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
PINS = matrix.read_pins((ROOT / "constraints.txt").read_text())


def test_constraints_file_reads_as_name_to_pin():
    pins = matrix.read_pins("# a comment\n\nTF_Keras==2.21.0  # why\nnumpy==2.4.6\n")
    assert pins == {"tf-keras": "2.21.0", "numpy": "2.4.6"}


def test_lower_bound_is_the_ge_version():
    assert matrix.lower_bound("tensorflow>=2.16.1,<2.22") == ("tensorflow", "2.16.1")
    assert matrix.lower_bound("Tf_Keras <2.22, >=2.16.0") == ("tf-keras", "2.16.0")


def test_a_range_without_a_lower_bound_is_refused():
    with pytest.raises(ValueError, match="exactly one '>=' lower bound"):
        matrix.lower_bound("numpy<3")


def test_pinned_legs_install_the_constraints_exactly():
    for name in ("py312", "py313"):
        assert matrix.leg_pins(matrix.LEGS[name], PYPROJECT, PINS) == PINS


def test_oldest_leg_installs_each_lower_bound_and_the_test_tools_pins():
    chosen = matrix.leg_pins(matrix.LEGS["py312-oldest"], PYPROJECT, PINS)
    project = PYPROJECT["project"]
    for line in project["dependencies"] + project["optional-dependencies"]["lab"]:
        name, low = matrix.lower_bound(line)
        assert chosen[name] == low
    assert (chosen["tensorflow"], chosen["tf-keras"]) == ("2.16.1", "2.16.0")
    for name in ("pytest", "nbclient", "nbval"):
        assert chosen[name] == PINS[name]
    assert set(chosen) == set(PINS)


def test_every_leg_preinstalls_tensorflow_tf_keras_and_numpy():
    for leg in matrix.LEGS.values():
        assert set(matrix.PREINSTALLED) <= set(matrix.leg_pins(leg, PYPROJECT, PINS))


def fingerprint_of(**files: list) -> dict:
    return {"numpy": {"version": "2.4.6", "files": files}}


def test_untouched_files_report_nothing():
    before = fingerprint_of(a=[1, 10, 100], b=[2, 20, 200])
    assert matrix.touched(before, fingerprint_of(a=[1, 10, 100], b=[2, 20, 200])) == []


def test_a_rewritten_file_is_reported():
    before = fingerprint_of(a=[1, 10, 100], b=[2, 20, 200])
    after = fingerprint_of(a=[1, 10, 100], b=[2, 25, 201])  # same size, new mtime and inode
    assert matrix.touched(before, after) == ["numpy 2.4.6: 1 files rewritten (e.g. b)"]


def test_a_replaced_or_removed_distribution_is_reported():
    before = fingerprint_of(a=[1, 10, 100])
    replaced = {"numpy": {"version": "1.26.4", "files": {"a": [1, 10, 100]}}}
    assert matrix.touched(before, replaced) == ["numpy 2.4.6 was replaced by 1.26.4"]
    assert matrix.touched(before, {}) == ["numpy 2.4.6 was removed"]


def test_fingerprint_lists_every_numpy_file_of_this_environment():
    found = matrix.fingerprint(Path(sys.executable), ["numpy"])
    import numpy

    assert found["numpy"]["version"] == numpy.__version__
    assert "numpy/__init__.py" in found["numpy"]["files"]
    assert matrix.touched(found, matrix.fingerprint(Path(sys.executable), ["numpy"])) == []


@pytest.fixture
def no_python_3_99(tmp_path, monkeypatch):
    """A PATH whose python3.99 fails the way an unselected pyenv shim does, and no pyenv."""
    shim = tmp_path / "bin" / "python3.99"
    shim.parent.mkdir()
    shim.write_text("#!/bin/sh\necho 'pyenv: python3.99: command not found' >&2\nexit 127\n")
    shim.chmod(0o755)
    monkeypatch.setenv("PATH", f"{shim.parent}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    return matrix.Leg("py399", "3.99", False, "a Python nobody has")


def test_a_shim_that_does_not_run_is_no_interpreter(no_python_3_99):
    assert matrix.find_interpreter("3.99") is None


def test_missing_interpreter_skips_the_leg_locally_with_what_to_do(no_python_3_99):
    outcome = matrix.run_leg(no_python_3_99, in_ci=False)
    assert outcome.status == "skipped"
    assert "no Python 3.99" in outcome.detail and "README" in outcome.detail


def test_missing_interpreter_fails_the_leg_in_ci(no_python_3_99):
    assert matrix.run_leg(no_python_3_99, in_ci=True).status == "failed"


def test_pyenv_versions_are_found_newest_patch_first(tmp_path, monkeypatch):
    for version in ("3.99.2", "3.99.10"):
        python = tmp_path / "versions" / version / "bin" / "python"
        python.parent.mkdir(parents=True)
        python.write_text("#!/bin/sh\necho 3.99\n")
        python.chmod(0o755)
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path))
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert matrix.find_interpreter("3.99") == tmp_path / "versions" / "3.99.10" / "bin" / "python"


def test_unknown_leg_is_one_line_naming_the_legs(capsys):
    with pytest.raises(SystemExit) as exit_:
        matrix.main(["py27"])
    assert exit_.value.code == 2
    assert "no leg py27; the legs are py312, py313, py312-oldest" in capsys.readouterr().err
