"""Which TensorFlow the lessons' stored outputs were made with, and a note when yours differs.

The committed outputs come from the pins in constraints.txt. On another supported
TensorFlow (Colab's, a course hub's) the lessons and their checks still work, since a check
computes its expected answer by running the installed TensorFlow, but a stored output's
op names, counts or error messages may read differently. So ``import kit`` in a notebook
says that once, in one plain line on stdout (Jupyter shows stderr in red). In a script,
the CLI or pytest it says nothing: there are no stored outputs to compare with.
"""

from __future__ import annotations

import sys
from importlib import metadata

# The tensorflow pin of constraints.txt (tests/test_dependencies.py keeps them equal).
STORED_OUTPUTS_TENSORFLOW = "2.21.0"

_noted = False


def installed_tensorflow() -> str:
    """The TensorFlow release this process runs (the imported module's, if imported)."""
    tensorflow = sys.modules.get("tensorflow")
    version = getattr(tensorflow, "__version__", None)
    return version if isinstance(version, str) else metadata.version("tensorflow")


def unpinned_note(installed: str) -> str | None:
    """The one-line note for ``installed``, or None when it is the stored outputs' release."""
    if installed == STORED_OUTPUTS_TENSORFLOW:
        return None
    return (f"Note: this kernel runs TensorFlow {installed}; the lessons' stored outputs were "
            f"made with TensorFlow {STORED_OUTPUTS_TENSORFLOW}, so some names and messages "
            "may differ from them (the checks use your TensorFlow).")


def _in_ipython() -> bool:
    ipython = sys.modules.get("IPython")
    return ipython is not None and ipython.get_ipython() is not None


def note_if_unpinned() -> bool:
    """Print the note once per process, in IPython only; True if it was printed now."""
    global _noted
    note = unpinned_note(installed_tensorflow())
    if note is None or _noted or not _in_ipython():
        return False
    _noted = True
    print(note)
    return True
