"""configurable-http-proxy for the hub test, installed from npm with the committed lockfile.

``npm ci`` installs ``package-lock.json`` (next to this file) into a user cache folder named
after the lockfile's hash, so a fresh clone needs no manual step, later runs reuse the
install, and the work tree never gets a ``node_modules``. The install goes to a temporary
folder first and is renamed into place, so an interrupted install is never taken for a
finished one.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE_FILES = ("package.json", "package-lock.json")


class ProxyUnavailable(RuntimeError):
    """configurable-http-proxy is not installed and could not be installed here."""


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "scopekit"


def install_folder() -> Path:
    """Where this lockfile's install lives (a new lockfile gets a new folder)."""
    digest = hashlib.sha256((HERE / "package-lock.json").read_bytes()).hexdigest()[:12]
    return cache_root() / f"hub-proxy-{digest}"


def proxy_command(timeout: float = 300) -> Path:
    """The ``configurable-http-proxy`` executable, installed first if it is missing."""
    folder = install_folder()
    executable = folder / "node_modules" / ".bin" / "configurable-http-proxy"
    if executable.exists():
        return executable
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise ProxyUnavailable("node and npm are needed to install configurable-http-proxy "
                               "(Debian: apt-get install -y nodejs npm)")
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=folder.name + ".partial-", dir=folder.parent))
    try:
        for name in PACKAGE_FILES:
            shutil.copy2(HERE / name, staging / name)
        result = subprocess.run(
            [npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=staging, capture_output=True, text=True, timeout=timeout, check=False)
        if result.returncode != 0:
            raise ProxyUnavailable("npm ci could not install configurable-http-proxy:\n"
                                   + (result.stderr or result.stdout)[-2000:])
        try:
            staging.rename(folder)
        except OSError:  # another run finished first: use its install
            if not executable.exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return executable
