"""Import TensorFlow and tf-slim without log noise, and give every cell a fresh graph.

TensorFlow prints C++ log lines (some before its own logging is configured, so
``TF_CPP_MIN_LOG_LEVEL`` cannot stop them) and Python warnings that carry machine
paths. None of that may reach a lesson's stored output, so the first import happens
here with the stderr file descriptor pointed at a temporary file. If the import
fails, the captured text is attached to the error instead of being lost.
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from types import ModuleType

# Must be set before TensorFlow's C++ runtime loads: 3 = errors only.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# Python warnings TF and tf-slim raise on TF 2.21 for code the lessons use on purpose: the
# first slim layer warns that `layer.apply` is deprecated, the first slim.flatten that
# `tf.layers.flatten` is (tests/test_quiet_import.py checks they stay hidden). Filtered by
# message so that any new warning still shows.
KNOWN_WARNINGS = (
    r"[`']layer\.apply[`'] is deprecated",
    r"[`']tf\.layers\.flatten[`'] is deprecated",
    r"`tf\.layers\.\w+` is deprecated",
)


@contextlib.contextmanager
def _stderr_fd_to_file() -> Iterator[tempfile._TemporaryFileWrapper]:
    """Point file descriptor 2 at a temporary file for the duration of the block."""
    sys.stderr.flush()
    saved_fd = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as captured:
        os.dup2(captured.fileno(), 2)
        try:
            yield captured
        finally:
            with contextlib.suppress(Exception):
                sys.stderr.flush()
            os.dup2(saved_fd, 2)
            os.close(saved_fd)


def _silence_python_side(tf_module: ModuleType) -> None:
    for pattern in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern)
    tf_module.get_logger().setLevel("ERROR")
    with contextlib.suppress(ImportError):
        from absl import logging as absl_logging

        absl_logging.set_verbosity(absl_logging.ERROR)


def import_tensorflow() -> tuple[ModuleType, ModuleType]:
    """Return ``(tensorflow.compat.v1, tf_slim)``, imported once and quietly."""
    for pattern in KNOWN_WARNINGS:
        warnings.filterwarnings("ignore", message=pattern)
    with _stderr_fd_to_file() as captured:
        try:
            import tensorflow.compat.v1 as tf1
            import tf_slim
        except Exception as error:
            captured.seek(0)
            text = captured.read().decode("utf-8", "replace").strip()
            detail = f"\n\nWhat TensorFlow printed while importing:\n{text}" if text else ""
            raise ImportError(
                f"TensorFlow or tf-slim could not be imported ({error}). "
                "Run `make install` (or `pip install -e .`) in this project, then restart "
                f"the kernel.{detail}"
            ) from error
    _silence_python_side(tf1)
    return tf1, tf_slim


@contextlib.contextmanager
def fresh_graph() -> Iterator:
    """Build inside a brand-new ``tf.Graph``, so a cell gives the same names every run.

    Variables, name-scope counters and the root scope's reuse flag all belong to a
    graph; a new graph forgets what earlier cells (or earlier runs of this cell) built.
    """
    import tensorflow as tf2

    graph = tf2.Graph()
    with graph.as_default():
        yield graph
