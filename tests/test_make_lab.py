"""`make lab`, the README's first command: JupyterLab on 127.0.0.1, token on, at notebooks/."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
URL = re.compile(r"(http://127\.0\.0\.1:(\d+))/lab\?token=([0-9a-f]{16,})")

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def lab(tmp_path):
    """Run the real `make lab` (install already done by `make test`); yield (base URL, token)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_DATA_DIR": str(tmp_path / "data"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    env.pop("JUPYTER_TOKEN", None)
    log = tmp_path / "lab.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "lab",
             "LAB_ARGS=--no-browser --ServerApp.port=0"],
            cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
    try:
        found = None
        deadline = time.monotonic() + 120
        while found is None and time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"make lab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
            found = URL.search(log.read_text(errors="replace"))
            time.sleep(0.3)
        if found is None:
            pytest.fail(f"make lab printed no URL with a token:\n{log.read_text()[-3000:]}")
        yield found[1], found[3]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_make_lab_serves_the_lessons_on_localhost_behind_a_token(lab):
    base, token = lab
    assert status(f"{base}/api/status") == 403  # no token, no access
    assert status(f"{base}/api/status?token={token}") == 200
    with urllib.request.urlopen(f"{base}/api/contents?token={token}", timeout=10) as response:
        listing = response.read().decode()
    assert "00_start_here.ipynb" in listing  # the server's root is notebooks/
