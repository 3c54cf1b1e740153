"""A learner's answer made from code, as a notebook cell would define it, and its check.

Shared by the lesson tests (``tests/test_lessonNN.py``). A plain module, imported by name
like ``lesson_cells``: a ``conftest.py`` cannot be imported reliably, since the root,
``tests/`` and ``tests/browser/`` each have one and pytest swaps ``sys.modules["conftest"]``
between them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from kit.exercise import exec_solution
from kit.feedback import Feedback


def defined(code: str, name: str, names: Mapping[str, Any] | None = None) -> Any:
    """What ``code`` defines as ``name``, run the way the kit runs a solution."""
    return exec_solution(code, "test", names)[name]


def answer_from(exercise, code: str) -> Any:
    """The exercise's answer (its ``answer_name``) as ``code`` defines it."""
    return defined(code, exercise.answer_name, exercise.names)


def check_code(exercise, code: str) -> Feedback:
    """What ``exercise.check()`` says of the answer ``code`` defines."""
    return exercise.check(answer_from(exercise, code))


def changed(code: str, old: str, new: str) -> str:
    """``code`` with ``old`` replaced by ``new``; ``old`` must be in it."""
    assert old in code, f"{old!r} is not in the code"
    return code.replace(old, new)
