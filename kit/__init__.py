"""scopekit: see how TensorFlow names and shares variables.

``import kit`` is the first line of every lesson: it imports TensorFlow and tf-slim
quietly, applies the tf-slim fixes for TF 2.21, and offers ``kit.fresh_graph()``.

The kit's commands (``python -m kit tree|diff``, the ``scopekit`` script and
``python -m kit.progress report``) read files without TensorFlow. When the package is
imported to run one of them, that setup waits until something asks for ``kit.tf``,
``kit.slim``, ``kit.compat`` or ``kit.show`` (a module ``__getattr__``), so a checkpoint's
tree prints without paying seconds for a TensorFlow import.
"""

import importlib
import os
import re
import sys

from kit.explain import explain_errors as explain_errors  # notes under errors, on in IPython
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.render import ViewOptions, render_html, render_text
from kit.tree import ScopeTree

# What `python -m` runs, and console scripts, that start without TensorFlow.
_COMMAND_MODULES = frozenset({"kit", "kit.__main__", "kit.progress", "kit.progress_report"})
_COMMAND_SCRIPTS = frozenset({"scopekit"})
_DASH_M = re.compile(r"-[A-Za-z]*m")  # `-m`, or flags before it (`-Bm`)
_DASH_M_JOINED = re.compile(r"-[A-Za-z]*?m(?P<module>.+)")  # `-mkit`, `-Bmkit`


def _module_being_run() -> str | None:
    """``MODULE`` of ``python [options] -m MODULE args...`` while runpy is still locating it
    (it sets ``sys.argv[0]`` to ``"-m"`` until then), else None."""
    orig = list(getattr(sys, "orig_argv", ()))
    if not sys.argv or sys.argv[0] != "-m" or not orig:
        return None
    head = orig[: len(orig) - (len(sys.argv) - 1)]  # the interpreter and its options
    if len(head) >= 3 and _DASH_M.fullmatch(head[-2]):
        return head[-1]
    joined = _DASH_M_JOINED.fullmatch(head[-1]) if len(head) >= 2 else None
    return joined["module"] if joined else None


def _started_for_a_command() -> bool:
    """True while the package is being imported to run one of its commands."""
    if _module_being_run() in _COMMAND_MODULES:
        return True
    script = os.path.basename(sys.argv[0]) if sys.argv else ""
    return re.sub(r"(-script\.pyw?|\.exe)$", "", script) in _COMMAND_SCRIPTS


def _set_up_tensorflow() -> None:
    """TensorFlow and tf-slim imported quietly, tf-slim fixed: ``kit.tf``, ``kit.slim``."""
    global tf, slim
    tf, slim = import_tensorflow()
    # Not `from kit import compat`: that asks this module for `compat` first (__getattr__).
    importlib.import_module("kit.compat").apply_fixes()
    importlib.import_module("kit.versions").note_if_unpinned()  # once, if TF is not the pin


def _load_display() -> None:
    global show, show_progress
    from kit.display import show, show_progress


_LAZY = {"tf": _set_up_tensorflow, "slim": _set_up_tensorflow,
         "compat": _set_up_tensorflow, "show": _load_display, "show_progress": _load_display}


def __getattr__(name: str):
    """A command's process sets TensorFlow up (or loads the display) on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'kit' has no attribute {name!r}")
    _LAZY[name]()
    return globals()[name]


if not _started_for_a_command():
    _set_up_tensorflow()
    _load_display()

__all__ = ["ScopeTree", "ViewOptions", "fresh_graph", "render_html", "render_text", "show",
           "show_progress", "slim", "tf"]
