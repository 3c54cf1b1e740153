"""Running code for an exercise: a learner's function in a fresh graph or eagerly, and
the exercise's own solution, starter and broken code.

Every learner run goes through ``run_in_graph`` or ``run_eagerly``, so every kind of
exercise stops runaway variable creation the same way (``VariableCap``) and hands the
check the same ``Run`` record. No ipywidgets here.
"""

from __future__ import annotations

import contextlib
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from kit import errors
from kit.answers import PLACEHOLDER_NAME, ____
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.tree import ScopeTree

# Learner builds stop after this many variables: at most DEFAULT_VARIABLE_CAP, else ten
# times what the reference makes (but at least MIN_VARIABLE_CAP). get_variable costs
# 10-30 ms on a busy 2-core machine, so 2,000 runaway variables would take a minute.
DEFAULT_VARIABLE_CAP = 2000
MIN_VARIABLE_CAP = 100


def exec_solution(code: str, label: str, names: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run ``code`` in a private namespace with ``tf``, ``slim``, ``kit``, ``____`` and ``names``.

    ``tf`` is ``tensorflow.compat.v1``, as in lessons 01-07; ``names`` may replace it.
    ``kit`` is the package itself, as a learner's cell sees it after ``import kit``.
    """
    tf1, slim = import_tensorflow()
    namespace: dict[str, Any] = {
        "__name__": f"scopekit_solution_{label}",
        "tf": tf1,
        "slim": slim,
        "kit": sys.modules["kit"],
        PLACEHOLDER_NAME: ____,
        **(names or {}),
    }
    exec(compile(code, f"<{label}>", "exec"), namespace)  # noqa: S102 - the exercise's own code
    return namespace


@dataclass
class Run:
    """What running a learner's (or the reference's) code produced."""

    tree: Any = None
    outputs: list = field(default_factory=list)
    error: BaseException | None = None
    root_scope_reusing: bool = False
    eager_values: list[str] = field(default_factory=list)
    other_graph_values: list[str] = field(default_factory=list)
    input_count: int = 0
    #: eager runs: the object that was made, and how many variables existed after each call
    model: Any = None
    counts: list[int] = field(default_factory=list)


class VariableCap:
    """A variable creator (for ``variable_creator_scope``) that raises after ``cap`` variables."""

    def __init__(self, cap: int) -> None:
        self.cap = cap
        self.created = 0

    def __call__(self, next_creator, **kwargs):
        self.created += 1
        if self.created > self.cap:
            raise errors.VariableCapReached(self.cap)
        return next_creator(**kwargs)


def _inputs(make_inputs: Callable | None, tf_module: Any) -> tuple:
    try:
        return tuple(make_inputs(tf_module)) if make_inputs is not None else ()
    except Exception as error:  # an exercise bug: report it as such
        raise RuntimeError(f"make_inputs failed: {type(error).__name__}: {error}") from error


def _capped(run: Run, tf_module: Any, cap: int, body: Callable[[VariableCap], None]) -> bool:
    """Run ``body`` with at most ``cap`` new variables; a learner's error lands in ``run``."""
    capped_creator = VariableCap(cap)
    try:
        with tf_module.variable_creator_scope(capped_creator):
            body(capped_creator)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - learner code may raise anything
        run.error = error
        return False
    return True


def run_in_graph(fn: Callable, make_inputs: Callable | None, calls: int,
                 cap: int = DEFAULT_VARIABLE_CAP) -> Run:
    """Call ``fn(*inputs)`` ``calls`` times in a fresh graph, stopping after ``cap`` variables."""
    tf1, _ = import_tensorflow()
    run = Run()
    with fresh_graph() as graph:
        inputs = _inputs(make_inputs, tf1)
        run.input_count = len(inputs)

        def calls_of_fn(_cap: VariableCap) -> None:
            for _ in range(calls):
                run.outputs.append(fn(*inputs))

        if not _capped(run, tf1, cap, calls_of_fn):
            with contextlib.suppress(Exception):  # best effort after a failed build
                run.root_scope_reusing = bool(tf1.get_variable_scope().reuse is True)
        for value in _flatten(run.outputs):
            status = _value_graph_status(value, graph)
            label = getattr(value, "name", None) if status == "other graph" else type(value).__name__
            if status == "eager":
                run.eager_values.append(str(label))
            elif status == "other graph":
                run.other_graph_values.append(str(label))
        if run.error is None:
            run.tree = ScopeTree.from_graph(graph)
    return run


@contextlib.contextmanager
def eager() -> Iterator[None]:
    """Run eagerly, even inside a ``with kit.fresh_graph():`` block (TF2 objects need it)."""
    from tensorflow.python.eager import context

    with context.eager_mode():
        yield


def owned_variables(model: Any) -> list:
    """The variables a TF2 object owns: ``tf.Module`` and Keras both list them."""
    variables = getattr(model, "variables", None)
    if variables is None:
        raise TypeError(
            f"it made {type(model).__name__}, which owns no variables: subclass tf.Module "
            "(or a Keras layer) so that TensorFlow can find them"
        )
    return list(variables)


def _call_object(model: Any, inputs: tuple) -> Any:
    if not callable(model):
        raise TypeError(f"{type(model).__name__} object is not callable: give the class a "
                        "`__call__` method")
    return model(*inputs)


def run_eagerly(make_object: Callable[[], Any], make_inputs: Callable | None, calls: int,
                cap: int = DEFAULT_VARIABLE_CAP, *,
                call: Callable[[Any, tuple], Any] = _call_object,
                variables_of: Callable[[Any], list] = owned_variables) -> Run:
    """``model = make_object()``, then ``call(model, inputs)`` ``calls`` times, eagerly,
    stopping after ``cap`` variables; the tree is made of ``variables_of(model)``."""
    import tensorflow as tf2

    run = Run()
    with eager():
        inputs = _inputs(make_inputs, tf2)
        run.input_count = len(inputs)

        def make_and_call(capped: VariableCap) -> None:
            run.model = make_object()
            for _ in range(calls):
                run.outputs.append(call(run.model, inputs))
                run.counts.append(capped.created)
            run.tree = ScopeTree.from_variables(variables_of(run.model))

        _capped(run, tf2, cap, make_and_call)
    return run


def _flatten(value: Any, _depth: int = 0) -> Iterable[Any]:
    if _depth > 4:
        return
    if isinstance(value, (list, tuple)):
        for v in value:
            yield from _flatten(v, _depth + 1)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _flatten(v, _depth + 1)
    else:
        yield value


def _value_graph_status(value: Any, graph: Any) -> str:
    """'eager', 'other graph' or '' for a returned tensor/variable."""
    type_name = type(value).__name__
    if type_name == "EagerTensor":
        return "eager"
    if getattr(value, "_in_graph_mode", True) is False:
        return "eager"
    if hasattr(value, "dtype") and hasattr(value, "op"):
        try:
            owner = value.graph
        except Exception:  # noqa: BLE001 - eager tensors raise on .graph
            return "eager"
        if owner is not graph:
            return "other graph"
    return ""


def error_lines(code: str, label: str, names: Mapping[str, Any] | None = None) -> list[str]:
    """Run ``code`` in a fresh graph and return the tail of its traceback as a learner's
    cell would show it: the snippet's own frames and the error, no TensorFlow internals."""
    with fresh_graph():
        try:
            exec_solution(code, label, names)
        except Exception as error:  # noqa: BLE001 - the point is to show it
            frames = [frame for frame in traceback.extract_tb(error.__traceback__)
                      if frame.filename == f"<{label}>"]
            source = code.splitlines()
            lines = [f"line {frame.lineno}: {source[frame.lineno - 1].strip()}" for frame in frames]
            return [*lines, f"{type(error).__name__}: {errors.clean_message(str(error))}"]
    raise ValueError(f"{label}: the code runs without an error, so there is nothing to debug")
