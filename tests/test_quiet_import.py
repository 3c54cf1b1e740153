"""``import kit`` is silent at the file-descriptor level, and a failed import keeps its text.

Each test starts a fresh Python: TensorFlow's C++ lines are written straight to fd 2
before absl logging exists (in Jupyter they land in the import cell's stderr), so only a
new process shows them.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


def run_python(code: str, cwd: Path, extra_path: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter of this venv, with no TF log level preset."""
    env = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL", "PYTHONPATH")}
    env.pop("PYTHONWARNINGS", None)
    if extra_path is not None:
        env["PYTHONPATH"] = str(extra_path)
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        check=False,
        capture_output=True,
        cwd=cwd,
        env=env,
        timeout=300,
    )


def test_import_kit_writes_nothing_to_stdout_or_stderr(tmp_path):
    done = run_python("import kit\n", cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stdout == b""
    assert done.stderr == b""


def test_tf_and_slim_stay_silent_after_import_kit(tmp_path):
    # The lessons' own imports plus a slim layer and flatten, which warn once each per
    # process (`layer.apply` and `tf.layers.flatten` are deprecated).
    code = """
        import kit
        import tensorflow.compat.v1 as tf
        import tf_slim as slim
        with kit.fresh_graph():
            x = tf.placeholder(tf.float32, [None, 8, 8, 3])
            net = slim.conv2d(x, 4, [3, 3], scope="conv1")
            net = slim.fully_connected(slim.flatten(net), 2, scope="fc")
    """
    done = run_python(code, cwd=tmp_path)
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    assert done.stdout == b""
    assert done.stderr == b""


@pytest.fixture
def broken_tf_slim(tmp_path) -> Path:
    """A folder whose ``tf_slim`` package prints at both levels and then fails."""
    package = tmp_path / "shadow" / "tf_slim"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        textwrap.dedent(
            """
            import os, sys
            os.write(2, b"C-level line from the broken tf_slim\\n")
            print("Python-level line from the broken tf_slim", file=sys.stderr)
            raise RuntimeError("tf_slim is broken on purpose")
            """
        )
    )
    return package.parent


def test_failed_import_is_reraised_with_the_captured_text(tmp_path, broken_tf_slim):
    code = """
        try:
            import kit
        except ImportError as error:
            print("TYPE", type(error).__name__)
            print("CAUSE", type(error.__cause__).__name__, error.__cause__)
            print("MESSAGE", error)
        else:
            print("NO ERROR")
    """
    done = run_python(code, cwd=tmp_path, extra_path=broken_tf_slim)
    out = done.stdout.decode()
    assert "TYPE ImportError" in out, out + done.stderr.decode(errors="replace")
    assert "CAUSE RuntimeError tf_slim is broken on purpose" in out
    assert "make install" in out
    assert "What TensorFlow printed while importing:" in out
    assert "C-level line from the broken tf_slim" in out
    assert "Python-level line from the broken tf_slim" in out
    # Captured, not leaked: the lines reach the learner only inside the error.
    assert b"broken tf_slim" not in done.stderr
