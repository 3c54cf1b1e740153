"""The tested matrix: the unit tests and every lesson in learner and solution mode, on more
Pythons and TensorFlow releases than the main environment (.venv, Python 3.11, the pins).

    python tools/matrix.py            # every leg
    python tools/matrix.py py313      # one leg
    python tools/matrix.py --list     # what each leg installs
    python tools/matrix.py --jobs 3   # all legs at once (CI: they fit its budget that way)

Each leg's virtualenv (``.matrix/LEG/venv``) is made from nothing but an interpreter:
``python3.12`` on the PATH or pyenv's ``versions/3.12.*/bin/python``. It is made in two
steps, the way a learner's environment is: first TensorFlow, tf-keras and numpy alone (what
Colab or a course image already holds), then the kit with ``pip install -c LEG/constraints
-e '.[lab,test]'``. The second step must leave the first one's files untouched (same files,
sizes, modification times and inodes), or the leg fails: installing the kit never
reinstalls TensorFlow or numpy. A venv is reused while its stamp (interpreter, constraints,
pyproject.toml) is unchanged. A missing interpreter skips its leg, or fails it when
``CI=true``. Standard library only, so any Python 3.11+ runs it.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MATRIX = ROOT / ".matrix"
CONSTRAINTS = ROOT / "constraints.txt"
PYPROJECT = ROOT / "pyproject.toml"
PREINSTALLED = ("tensorflow", "tf-keras", "numpy")  # what a learner's environment has
EXTRAS = "lab,test"
# Browser tests and the tests of the main environment's own setup (make lab, a hub, a
# second venv) are not about the installed TensorFlow: the main suite runs them.
PYTEST_ARGS = ("tests", "-q", "-p", "no:nbval", "--override-ini", "addopts=-p no:cacheprovider",
               "--ignore=tests/browser", "--ignore=tests/test_make_lab.py",
               "-m", "not main_env_only", "--durations=10")


@dataclass(frozen=True)
class Leg:
    name: str
    python: str  # "3.12"
    lowest: bool  # False: the pins of constraints.txt; True: each range's lower bound
    about: str


LEGS = {
    leg.name: leg for leg in (
        Leg("py312", "3.12", False, "Python 3.12, the pins"),
        Leg("py313", "3.13", False, "Python 3.13, the pins"),
        Leg("py312-oldest", "3.12", True,
            "Python 3.12, the lowest release each [project] and [lab] range admits "
            "(the oldest TensorFlow and its tf-keras), the test tools at their pins"),
    )
}

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(.*?)\s*$")


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(text: str) -> dict[str, str]:
    """``name==version`` lines of a constraints file (comments and blanks skipped)."""
    pins = {}
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[canonical(name)] = version.strip()
    return pins


def lower_bound(requirement: str) -> tuple[str, str]:
    """(name, version) of a ``name>=low,<high`` requirement's ``>=`` bound."""
    match = _REQUIREMENT.match(requirement)
    bounds = [spec.strip()[2:].strip() for spec in match[2].split(",")
              if spec.strip().startswith(">=")]
    if len(bounds) != 1:
        raise ValueError(f"{requirement!r} needs exactly one '>=' lower bound")
    return canonical(match[1]), bounds[0]


def leg_pins(leg: Leg, pyproject: dict, pins: dict[str, str]) -> dict[str, str]:
    """The exact release of every direct requirement that ``leg`` installs."""
    if not leg.lowest:
        return dict(pins)
    project = pyproject["project"]
    ranged = project["dependencies"] + project["optional-dependencies"]["lab"]
    return {**pins, **dict(lower_bound(requirement) for requirement in ranged)}


def constraints_text(pins: dict[str, str]) -> str:
    return "".join(f"{name}=={version}\n" for name, version in pins.items())


# -- interpreters ------------------------------------------------------------------------

def python_version(executable: str | Path) -> str | None:
    """``"3.12"`` if ``executable`` runs (a pyenv shim of an unselected version does not)."""
    try:
        result = subprocess.run(
            [str(executable), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True, text=True, timeout=60, check=False)
    except OSError:
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def pyenv_root() -> Path | None:
    if os.environ.get("PYENV_ROOT"):
        return Path(os.environ["PYENV_ROOT"])
    if shutil.which("pyenv"):
        result = subprocess.run(["pyenv", "root"], capture_output=True, text=True, check=False)
        if result.returncode == 0 and result.stdout.strip():
            return Path(result.stdout.strip())
    default = Path.home() / ".pyenv"
    return default if default.is_dir() else None


def _patch_level(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", path.parent.parent.name))


def find_interpreter(version: str) -> Path | None:
    """``pythonX.Y`` from the PATH, else the newest pyenv ``X.Y.*``; None if neither runs."""
    candidates: list[Path] = []
    if on_path := shutil.which(f"python{version}"):
        candidates.append(Path(on_path))
    if root := pyenv_root():
        candidates += sorted(root.glob(f"versions/{version}.*/bin/python"), key=_patch_level,
                             reverse=True)
    return next((path for path in candidates if python_version(path) == version), None)


# -- building a leg's venv ---------------------------------------------------------------

FINGERPRINT = """
import json, os, sys
from importlib import metadata
found = {}
for name in sys.argv[1:]:
    dist = metadata.distribution(name)
    files = {}
    for file in dist.files or []:
        try:
            status = os.stat(dist.locate_file(file))
        except FileNotFoundError:
            continue
        files[str(file)] = [status.st_size, status.st_mtime_ns, status.st_ino]
    found[name] = {"version": dist.version, "files": files}
print(json.dumps(found))
"""


def fingerprint(python: Path, names=PREINSTALLED) -> dict:
    """Version and (size, mtime, inode) of every installed file of each distribution."""
    result = subprocess.run([str(python), "-c", FINGERPRINT, *names], capture_output=True,
                            text=True, check=True)
    return json.loads(result.stdout)


def touched(before: dict, after: dict) -> list[str]:
    """One line per distribution whose version or files changed between two fingerprints."""
    lines = []
    for name, old in before.items():
        new = after.get(name)
        if new is None:
            lines.append(f"{name} {old['version']} was removed")
        elif new["version"] != old["version"]:
            lines.append(f"{name} {old['version']} was replaced by {new['version']}")
        elif new["files"] != old["files"]:
            changed = sorted(set(old["files"]) ^ set(new["files"])
                             | {f for f in old["files"] if new["files"].get(f) != old["files"][f]})
            lines.append(f"{name} {old['version']}: {len(changed)} files rewritten "
                         f"(e.g. {changed[0]})")
    return lines


def stamp(leg: Leg, interpreter: Path, constraints: str) -> str:
    """What a leg's venv was made from; a different stamp means make it again."""
    full_version = subprocess.run([str(interpreter), "-c", "import sys; print(sys.version)"],
                                  capture_output=True, text=True, check=True).stdout.strip()
    recipe = inspect.getsource(make_venv) + " ".join(PREINSTALLED) + EXTRAS
    made_from = "\n".join([leg.name, str(interpreter.resolve()), full_version, constraints,
                           PYPROJECT.read_text(), recipe])
    return hashlib.sha256(made_from.encode()).hexdigest()


def _pip(python: Path, args: list[str], log: Path) -> None:
    with open(log, "a") as out:
        out.write(f"\n$ pip {' '.join(args)}\n")
        out.flush()
        result = subprocess.run([str(python), "-m", "pip", *args], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, check=False)
    if result.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-30:])
        raise RuntimeError(f"pip {' '.join(args[:2])} failed (log: {log}):\n{tail}")


def make_venv(leg: Leg, interpreter: Path, pins: dict[str, str], folder: Path) -> None:
    """A fresh venv: the preinstalled trio first, then the kit, which must not touch it."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    (MATRIX / ".gitignore").write_text("*\n")  # the venvs never belong in git
    constraints = folder / "constraints.txt"
    constraints.write_text(constraints_text(pins))
    log = folder / "install.log"
    subprocess.run([str(interpreter), "-m", "venv", str(folder / "venv")], check=True)
    python = folder / "venv" / "bin" / "python"
    _pip(python, ["install", "--upgrade", "pip"], log)
    _pip(python, ["install", *(f"{name}=={pins[name]}" for name in PREINSTALLED)], log)
    before = fingerprint(python)
    _pip(python, ["install", "-c", str(constraints), "-e", f".[{EXTRAS}]"], log)
    problems = touched(before, fingerprint(python))
    if problems:
        raise RuntimeError("installing the kit reinstalled what the environment already had:\n  "
                           + "\n  ".join(problems))
    versions = ", ".join(f"{name} {info['version']}" for name, info in before.items())
    (folder / "untouched.txt").write_text(
        f"pip install -e '.[{EXTRAS}]' left these files untouched: {versions}\n")


@dataclass
class Outcome:
    leg: str
    status: str  # "passed", "failed", "skipped"
    detail: str = ""
    install_seconds: float | None = None
    test_seconds: float | None = None

    def line(self) -> str:
        times = []
        if self.install_seconds is not None:
            times.append(f"venv + install {self.install_seconds:.0f} s")
        if self.test_seconds is not None:
            times.append(f"tests {self.test_seconds:.0f} s")
        parts = [f"{self.leg}: {self.status}", *times, self.detail]
        return "; ".join(part for part in parts if part)


def run_leg(leg: Leg, in_ci: bool, quiet: bool = False) -> Outcome:
    """Make (or reuse) ``leg``'s venv and run the tests in it; ``quiet`` sends pytest's
    output to ``.matrix/LEG/pytest.log`` instead of the terminal."""
    (MATRIX / leg.name / "pytest.log").unlink(missing_ok=True)
    interpreter = find_interpreter(leg.python)
    if interpreter is None:
        message = (f"no Python {leg.python}: neither python{leg.python} on the PATH nor "
                   f"pyenv's versions/{leg.python}.*/bin/python runs (the README's "
                   "'The matrix' section says how to get one)")
        return Outcome(leg.name, "failed" if in_ci else "skipped", message)
    pins = leg_pins(leg, tomllib.loads(PYPROJECT.read_text()), read_pins(CONSTRAINTS.read_text()))
    folder = MATRIX / leg.name
    python = folder / "venv" / "bin" / "python"
    wanted = stamp(leg, interpreter, constraints_text(pins))
    stamp_file = folder / "stamp"
    install_seconds = None
    reused = python.exists() and stamp_file.exists() and stamp_file.read_text() == wanted
    if not reused:
        print(f"{leg.name}: making {folder.relative_to(ROOT)} from {interpreter}", flush=True)
        started = time.monotonic()
        try:
            make_venv(leg, interpreter, pins, folder)
        except (RuntimeError, subprocess.CalledProcessError) as error:
            return Outcome(leg.name, "failed", str(error), time.monotonic() - started)
        stamp_file.write_text(wanted)
        install_seconds = time.monotonic() - started
    print(f"{leg.name}: {(folder / 'untouched.txt').read_text().strip()}"
          + (" (when this venv was made)" if reused else ""), flush=True)
    env = {**os.environ, "SCOPEKIT_MATRIX_LEG": leg.name,
           "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    env.pop("VIRTUAL_ENV", None)
    print(f"{leg.name}: pytest {' '.join(PYTEST_ARGS)}", flush=True)
    started = time.monotonic()
    with open(folder / "pytest.log", "w") if quiet else contextlib.nullcontext() as out:
        result = subprocess.run([str(python), "-m", "pytest", *PYTEST_ARGS], cwd=ROOT, env=env,
                                stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT if quiet else None, check=False)
    status = "passed" if result.returncode == 0 else "failed"
    detail = "venv reused" if reused else ""
    outcome = Outcome(leg.name, status, detail, install_seconds, time.monotonic() - started)
    print(outcome.line(), flush=True)
    return outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("legs", nargs="*", metavar="LEG",
                        help=f"legs to run (default: all of {', '.join(LEGS)})")
    parser.add_argument("--list", action="store_true", help="show what each leg installs")
    parser.add_argument("--jobs", type=int, default=1, metavar="N",
                        help="run N legs at once (each leg's pytest output is printed whole "
                             "when it ends)")
    args = parser.parse_args(argv)
    if unknown := [name for name in args.legs if name not in LEGS]:
        parser.error(f"no leg {', '.join(unknown)}; the legs are {', '.join(LEGS)}")
    legs = [LEGS[name] for name in args.legs] or list(LEGS.values())
    if args.list:
        pins = read_pins(CONSTRAINTS.read_text())
        pyproject = tomllib.loads(PYPROJECT.read_text())
        for leg in legs:
            chosen = leg_pins(leg, pyproject, pins)
            print(f"{leg.name}: {leg.about}\n  "
                  + " ".join(f"{name}=={chosen[name]}" for name in PREINSTALLED))
        return 0
    in_ci = os.environ.get("CI", "").lower() == "true"
    if args.jobs <= 1:
        outcomes = [run_leg(leg, in_ci) for leg in legs]
    else:
        with ThreadPoolExecutor(max_workers=args.jobs) as pool:
            running = [pool.submit(run_leg, leg, in_ci, True) for leg in legs]
            outcomes = []
            for leg, future in zip(legs, running):
                outcomes.append(future.result())
                log = MATRIX / leg.name / "pytest.log"
                if log.exists():
                    print(f"\n== {leg.name}: pytest output\n{log.read_text()}", flush=True)
    print("\nmatrix:\n" + "\n".join(f"  {outcome.line()}" for outcome in outcomes))
    return 1 if any(outcome.status == "failed" for outcome in outcomes) else 0


if __name__ == "__main__":
    sys.exit(main())
