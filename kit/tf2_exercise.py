"""Exercises on TF2 objects: the learner writes a ``tf.Module`` (or Keras layer) class.

The check makes one object eagerly (even when called inside a graph block), calls it
``calls`` times on the exercise's inputs, and compares the object's variables with the
reference's. TF2 has no reuse flags: an object shares what it owns, so a second call
that makes new variables is a mistake this check names by itself.
No ipywidgets here.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

from kit.answers import describe, function_uses_placeholder, is_empty_stub, same_code
from kit.exercise import BuildExercise, Feedback, Outcome
from kit.runs import Run, eager, owned_variables, run_eagerly

__all__ = ["ModelExercise", "eager", "owned_variables"]


def _methods(cls: type) -> list[Callable]:
    return [value for value in vars(cls).values() if inspect.isfunction(value)]


class ModelExercise(BuildExercise):
    """Write (or fix) a TF2 class; its object's variables must match the reference's.

    ``make_model(cls)`` turns the learner's class into an object (for example
    ``lambda Dense: Dense(3, 4, name="hidden")``); ``make_inputs(tf)`` gives the call's
    arguments.
    """

    kind = "tf2 build"
    how_to_make_variables = "Make them with tf.Variable in `__init__`."
    naming = "tf2"  # the tree diff's advice: name scopes and modules, not reuse

    def __init__(self, *args, make_model: Callable[[type], Any], **kwargs):
        kwargs.setdefault("compare", ("names", "shapes"))
        super().__init__(*args, **kwargs)
        self.make_model = make_model

    def _run(self, fn: Callable, cap: int) -> Run:
        return run_eagerly(lambda: self.make_model(fn), self.make_inputs, self.calls, cap)

    def _what(self) -> str:
        return f"`{self.function_name}`"

    def _uses_placeholder(self, answer: Any) -> bool:
        if inspect.isclass(answer):
            return any(function_uses_placeholder(m) for m in _methods(answer))
        return super()._uses_placeholder(answer)

    def _is_empty(self, answer: Any) -> bool:
        if inspect.isclass(answer):
            methods = _methods(answer)
            return bool(methods) and all(is_empty_stub(m) for m in methods)
        return super()._is_empty(answer)

    def _empty_advice(self, answer: Any) -> str:
        if inspect.isclass(answer):
            return "has only empty methods: write them"
        return super()._empty_advice(answer)

    def _is_starter(self, answer: Any) -> bool:
        if inspect.isclass(answer):
            starter = self.starter_function
            return inspect.isclass(starter) and _same_class_code(answer, starter)
        return super()._is_starter(answer)

    def _shape_problem(self, answer: Any) -> str:
        if inspect.isclass(answer):
            return ""
        return (
            f"{self._what()} is {describe(answer)}; define it as a class: "
            f"`class {self.function_name}(tf.Module): ...`."
        )

    def _judge(self, run: Run) -> Feedback:
        if run.error is None and len(set(run.counts)) > 1:
            grew = " -> ".join(str(c) for c in run.counts)
            return self._feedback(
                Outcome.INCORRECT,
                f"calling the object again made new variables ({grew} after each call). In TF2 "
                "an object shares the variables it owns: make them once, in `__init__`, and "
                "only use them in `__call__`." + self._hint_suggestion(),
            )
        return super()._judge(run)


def _same_class_code(a: type, b: type) -> bool:
    mine, theirs = _methods(a), _methods(b)
    return len(mine) == len(theirs) and all(same_code(x, y) for x, y in zip(mine, theirs))
