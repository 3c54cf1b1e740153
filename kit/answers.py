"""Reading a learner's answer: placeholders, stubs and starters, comparing, describing.

Everything here inspects a value the learner made and never runs it. No TensorFlow and
no ipywidgets here.
"""

from __future__ import annotations

import dis
import inspect
import math
import sys
import types
from collections.abc import Mapping
from typing import Any


class _Placeholder:
    """The ``____`` a learner replaces; one instance, shown as ``____``."""

    _instance: _Placeholder | None = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "____"

    __str__ = __repr__


____ = _Placeholder()
PLACEHOLDER_NAME = "____"
#: "the learner has not defined this name yet" (distinct from None)
MISSING = object()


def learner_namespace() -> Mapping[str, Any]:
    """The notebook's globals (``__main__``), read only."""
    main = sys.modules.get("__main__")
    return getattr(main, "__dict__", {}) if main is not None else {}


def contains_placeholder(value: Any, _depth: int = 0) -> bool:
    """True for ``____`` itself or a container holding it."""
    if value is ____:
        return True
    if _depth > 5:
        return False
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(contains_placeholder(v, _depth + 1) for v in value)
    if isinstance(value, dict):
        return any(contains_placeholder(v, _depth + 1) for v in list(value) + list(value.values()))
    return False


def _code_uses_name(code: types.CodeType, name: str) -> bool:
    if name in code.co_names or name in code.co_freevars:
        return True
    return any(isinstance(c, types.CodeType) and _code_uses_name(c, name) for c in code.co_consts)


def function_uses_placeholder(fn: Any) -> bool:
    """True when the function's body (or its defaults) still mentions ``____``."""
    code = getattr(fn, "__code__", None)
    if code is not None and _code_uses_name(code, PLACEHOLDER_NAME):
        return True
    defaults = (getattr(fn, "__defaults__", None) or ()) + tuple((getattr(fn, "__kwdefaults__", None) or {}).values())
    return any(d is ____ for d in defaults)


_NO_OP_INSTRUCTIONS = frozenset({"RESUME", "NOP", "CACHE"})
_STUB_BYTECODE_LIMIT = 32  # bytes; an empty body compiles to 4-6 (RESUME, return None)


def is_empty_stub(fn: Any) -> bool:
    """True for ``def f(...): pass`` (or ``...``, or only a docstring): a stub nobody filled in."""
    code = getattr(fn, "__code__", None)
    if code is None or len(code.co_code) > _STUB_BYTECODE_LIMIT:  # skip disassembling real code
        return False
    steps = [
        (i.opname, i.argval) for i in dis.get_instructions(code) if i.opname not in _NO_OP_INSTRUCTIONS
    ]
    return steps in ([("LOAD_CONST", None), ("RETURN_VALUE", None)], [("RETURN_CONST", None)])


def _code_fingerprint(code: types.CodeType) -> tuple:
    consts = tuple(_code_fingerprint(c) if isinstance(c, types.CodeType) else repr(c) for c in code.co_consts)
    return (code.co_code, code.co_names, code.co_varnames, consts)


def same_code(a: Any, b: Any) -> bool:
    """True when two functions have the same body (ignoring where they were defined)."""
    code_a, code_b = getattr(a, "__code__", None), getattr(b, "__code__", None)
    return code_a is not None and code_b is not None and _code_fingerprint(code_a) == _code_fingerprint(code_b)


def describe(value: Any) -> str:
    """A short, deterministic description of a learner's value (no addresses)."""
    if value is None:
        return "None"
    if inspect.isclass(value):
        return f"a class ({value.__name__})"
    if inspect.isfunction(value) or inspect.ismethod(value) or inspect.isbuiltin(value):
        return f"a function ({getattr(value, '__name__', '?')})"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return f"a string ({shown!r})"
    if isinstance(value, (bool, int, float)):
        return f"{type(value).__name__} {value!r}"
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__name__} object"



def as_hint_number(n: Any) -> int | None:
    if isinstance(n, bool):
        return None
    if isinstance(n, int):
        return n
    if isinstance(n, str) and n.strip().isdigit():
        return int(n.strip())
    if isinstance(n, float) and n.is_integer():
        return int(n)
    return None


def _normalise(value: Any) -> Any:
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return {_normalise(v) for v in value}
    if isinstance(value, dict):
        return {_normalise(k): _normalise(v) for k, v in value.items()}
    return value


def _as_number(value: Any) -> float | int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        cleaned = value.strip().replace(",", "").replace("_", "")
        try:
            return int(cleaned)
        except ValueError:
            try:
                return float(cleaned)
            except ValueError:
                return None
    return None


def kind_of(expected: Any) -> str:
    if isinstance(expected, bool):
        return "True or False"
    if isinstance(expected, (int, float)):
        return "a number"
    if isinstance(expected, str):
        return "a string (in quotes)"
    if isinstance(expected, (list, tuple)):
        return f"a list of {len(expected)}"
    if isinstance(expected, (set, frozenset)):
        return "a set"
    if isinstance(expected, dict):
        return "a dict"
    return f"a {type(expected).__name__}"


def same_answer(answer: Any, expected: Any) -> bool:
    """Equality the way a learner means it: strings stripped, numbers by value."""
    if isinstance(expected, bool) or isinstance(answer, bool):
        return answer is expected if isinstance(answer, bool) and isinstance(expected, bool) else False
    if isinstance(expected, (int, float)):
        number = _as_number(answer)
        return number is not None and math.isclose(number, expected, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(expected, (list, tuple)):
        return (
            isinstance(answer, (list, tuple))
            and len(answer) == len(expected)
            and all(same_answer(a, e) for a, e in zip(answer, expected))
        )
    try:
        return bool(_normalise(answer) == _normalise(expected))
    except Exception:  # noqa: BLE001 - learner objects may have any __eq__
        return False


def type_fits(answer: Any, expected: Any) -> bool:
    if isinstance(expected, bool):
        return isinstance(answer, bool)
    if isinstance(expected, (int, float)):
        return _as_number(answer) is not None
    if isinstance(expected, str):
        return isinstance(answer, str)
    if isinstance(expected, (list, tuple)):
        return isinstance(answer, (list, tuple))
    if isinstance(expected, (set, frozenset)):
        return isinstance(answer, (set, frozenset, list, tuple))
    return isinstance(answer, type(expected))


def show_value(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f"'{value}'"


