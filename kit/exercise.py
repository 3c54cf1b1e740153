"""Exercises: predict a name, build a graph, fix a bug; check, hint and solution.

An exercise is a small declarative object that knows its own name (``q3``), so every
message can say what to run next (``q3.hint(2)``). ``check()`` decides an ``Outcome``
and returns a ``Feedback`` whose text/plain starts with ``Correct: ``,
``Not attempted: ``, ``Incorrect: `` or ``Error: `` (HTML adds colour).

The learner tries before the kit tells: a first wrong prediction gets the reason it is wrong
and a nudge, not the answer; the answer comes after a second wrong try, after the last
hint, or with ``solution()``. Hints climb from the concept to the line to change.

The learner's answer is read (never written) from the notebook's globals, or passed to
``check(answer)``. Reference functions come from exec'ing ``solution_code``: one source
of truth for the check, the solution display and solution-mode notebooks.
No ipywidgets here.
"""

from __future__ import annotations

import dis
import html
import inspect
import math
import sys
import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from kit import diff as tree_diff
from kit import errors

# Learner builds stop after this many variables: at most DEFAULT_VARIABLE_CAP, else ten
# times what the reference makes (but at least MIN_VARIABLE_CAP). get_variable costs
# 10-30 ms on a busy 2-core machine, so 2,000 runaway variables would take a minute.
DEFAULT_VARIABLE_CAP = 2000
MIN_VARIABLE_CAP = 100

__all__ = [
    "BuildExercise",
    "ChoiceExercise",
    "Feedback",
    "FixExercise",
    "Message",
    "Outcome",
    "PredictExercise",
    "TracebackExercise",
    "____",
]


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
_MISSING = object()


class Outcome(str, Enum):
    """What a check decided."""

    NOT_ATTEMPTED = "not attempted"
    INCORRECT = "incorrect"
    ERROR = "error"
    CORRECT = "correct"

    @property
    def label(self) -> str:
        return self.value.capitalize()


OUTCOME_COLOURS = {
    Outcome.NOT_ATTEMPTED: "#555555",
    Outcome.INCORRECT: "#b35c00",
    Outcome.ERROR: "#b00020",
    Outcome.CORRECT: "#1b7d32",
}


def _code_html(text: str) -> str:
    """Escape ``text``; `backticked` parts become <code>, newlines <br>."""
    parts = html.escape(text).split("`")
    joined = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    return joined.replace("\n", "<br>")


@dataclass
class Feedback:
    """The result of ``check()``: an outcome, a message naming the concept, optional details."""

    outcome: Outcome
    exercise: str
    message: str
    details: str = ""
    diff: tree_diff.TreeDiff | None = None
    translation: errors.Translation | None = None
    extra_html: str = ""
    #: this feedback states the true answer (recorded, so progress can tell help apart)
    answer_shown: bool = False

    @property
    def correct(self) -> bool:
        return self.outcome is Outcome.CORRECT

    @property
    def text(self) -> str:
        parts = [f"{self.outcome.label}: {self.message}"]
        if self.diff is not None and not self.diff.empty:
            parts.append(self.diff.to_text())
        if self.details:
            parts.append(self.details)
        return "\n\n".join(parts)

    def to_html(self) -> str:
        colour = OUTCOME_COLOURS[self.outcome]
        label = html.escape(self.outcome.label)
        body = [f"<div><strong style='color:{colour}'>{label}:</strong> {_code_html(self.message)}</div>"]
        if self.diff is not None and not self.diff.empty:
            body.append(f"<div style='margin-top:0.5em'>{self.diff.to_html()}</div>")
        if self.details:
            body.append(f"<div style='margin-top:0.5em'>{_code_html(self.details)}</div>")
        if self.extra_html:
            body.append(self.extra_html)
        return (
            f"<div class='scopekit-feedback scopekit-{self.outcome.name.lower()}' "
            f"style='border-left:4px solid {colour};padding:0.3em 0.8em'>{''.join(body)}</div>"
        )

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.text, "text/html": self.to_html()}


@dataclass
class Message:
    """A hint, a solution or a usage note: text/plain first, HTML second."""

    kind: str
    text: str
    code: str = ""

    @property
    def full_text(self) -> str:
        return f"{self.text}\n\n{self.code}" if self.code else self.text

    def to_html(self) -> str:
        code = f"<pre><code>{html.escape(self.code)}</code></pre>" if self.code else ""
        return f"<div class='scopekit-{self.kind}'>{_code_html(self.text)}{code}</div>"

    def __str__(self) -> str:
        return self.full_text

    def __repr__(self) -> str:
        return self.full_text

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": self.full_text, "text/html": self.to_html()}


def _record_progress(lesson: str, exercise: str, outcome: Outcome, answer_shown: bool) -> None:
    """Tell kit.progress about an attempt; progress is optional and must never break a check."""
    try:
        from kit import progress

        progress.record(lesson, exercise, outcome.value, answer_shown=answer_shown)
    except Exception:  # noqa: BLE001, S110 - progress is optional by design
        pass


def _record_help(lesson: str, exercise: str, hint: int = 0, solution: bool = False) -> None:
    """Tell kit.progress that a hint or the solution was shown; never breaks a lesson."""
    try:
        from kit import progress

        progress.record_help(lesson, exercise, hint=hint, solution=solution)
    except Exception:  # noqa: BLE001, S110 - progress is optional by design
        pass


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


def _describe(value: Any) -> str:
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


def exec_solution(code: str, label: str, names: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Run ``code`` in a private namespace with ``tf``, ``slim``, ``kit``, ``____`` and ``names``.

    ``tf`` is ``tensorflow.compat.v1``, as in lessons 01-07; ``names`` may replace it.
    """
    import kit

    namespace: dict[str, Any] = {
        "__name__": f"scopekit_solution_{label}",
        "tf": kit.tf,
        "slim": kit.slim,
        "kit": kit,
        PLACEHOLDER_NAME: ____,
        **(names or {}),
    }
    exec(compile(code, f"<{label}>", "exec"), namespace)  # noqa: S102 - the exercise's own code
    return namespace


class Exercise:
    """What every exercise shares: its name, hints, solution and the check protocol."""

    kind = "exercise"
    #: the global the learner fills in; set by subclasses
    answer_name: str = ""

    def __init__(
        self,
        name: str,
        lesson: str,
        title: str = "",
        hints: Iterable[str] = (),
        solution_code: str = "",
        explanation: str = "",
        names: Mapping[str, Any] | None = None,
    ):
        self.name = name
        self.lesson = str(lesson)
        #: what the solution and starter code see besides tf, slim and kit (see exec_solution)
        self.names = dict(names or {})
        self.title = title
        self.hints = list(hints)
        self.solution_code = solution_code
        self.explanation = explanation
        self.forget_attempts()

    def forget_attempts(self) -> None:
        """Start again as if this kernel had never checked or hinted this exercise."""
        self._wrong_tries = 0
        self._hints_seen = 0
        self._solution_seen = False

    @property
    def answer_unlocked(self) -> bool:
        """True once the learner may be told the answer: after a second wrong try, the
        last hint, or the solution."""
        return self._wrong_tries >= 2 or self._solution_seen or (
            bool(self.hints) and self._hints_seen >= len(self.hints))

    # --- learner interface -------------------------------------------------------
    def check(self, answer: Any = _MISSING) -> Feedback:
        """Check the answer (from the notebook's globals unless passed) and return feedback."""
        try:
            if answer is _MISSING:
                answer = learner_namespace().get(self.answer_name, _MISSING)
            feedback = self._check(answer)
        except Exception as error:  # noqa: BLE001 - a kit bug must not look like the learner's fault
            feedback = Feedback(
                Outcome.ERROR,
                self.name,
                f"the check for `{self.name}` itself failed ({type(error).__name__}: "
                f"{errors.clean_message(str(error))}). This is a problem in the kit, not in your "
                "answer; please report it.",
            )
        if feedback.outcome is not Outcome.NOT_ATTEMPTED:
            _record_progress(self.lesson, self.name, feedback.outcome, feedback.answer_shown)
        return feedback

    def hint(self, n: Any = 1) -> Message:
        """Hint number ``n`` (1-based)."""
        count = len(self.hints)
        if count == 0:
            return Message("hint", f"`{self.name}` has no hints; `{self.name}.solution()` shows the answer.")
        number = _as_hint_number(n)
        if number is None or not 1 <= number <= count:
            choices = ", ".join(f"`{self.name}.hint({i})`" for i in range(1, count + 1))
            return Message(
                "hint",
                f"`{self.name}` has {count} hint{'s' if count != 1 else ''}: try {choices}.",
            )
        self._hints_seen = max(self._hints_seen, number)
        _record_help(self.lesson, self.name, hint=number)
        more = f" More: `{self.name}.hint({number + 1})`." if number < count else ""
        return Message("hint", f"Hint {number} of {count} for `{self.name}`: {self.hints[number - 1]}{more}")

    def solution(self) -> Message:
        """The reference solution as code, with its explanation."""
        self._solution_seen = True
        _record_help(self.lesson, self.name, solution=True)
        text = f"Solution for `{self.name}`" + (f" ({self.title})" if self.title else "") + ":"
        if self.explanation:
            return Message("solution", f"{text}\n\n{self.explanation}", self.solution_code)
        return Message("solution", text, self.solution_code)

    # --- subclass protocol --------------------------------------------------------
    def _check(self, answer: Any) -> Feedback:
        raise NotImplementedError

    def _feedback(self, outcome: Outcome, message: str, **kwargs) -> Feedback:
        return Feedback(outcome, self.name, message, **kwargs)

    def _hint_suggestion(self) -> str:
        """Where to look next: the first hint not seen yet, else the solution."""
        if self._hints_seen < len(self.hints):
            number = self._hints_seen + 1
            return f" Try `{self.name}.hint()`." if number == 1 else f" Try `{self.name}.hint({number})`."
        return f" See `{self.name}.solution()`."

    def __repr__(self) -> str:
        title = f": {self.title}" if self.title else ""
        return (
            f"{self.name} (lesson {self.lesson}, {self.kind}){title}. Check with `{self.name}.check()`, "
            f"get help with `{self.name}.hint()`, see the answer with `{self.name}.solution()`."
        )


def _as_hint_number(n: Any) -> int | None:
    if isinstance(n, bool):
        return None
    if isinstance(n, int):
        return n
    if isinstance(n, str) and n.strip().isdigit():
        return int(n.strip())
    if isinstance(n, float) and n.is_integer():
        return int(n)
    return None


# --- predict ------------------------------------------------------------------------


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


def _kind_of(expected: Any) -> str:
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


def _type_fits(answer: Any, expected: Any) -> bool:
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


def _show(value: Any) -> str:
    return repr(value) if not isinstance(value, str) else f"'{value}'"


class PredictExercise(Exercise):
    """The learner predicts a name, a count or a list; the check runs TF and explains."""

    kind = "predict"

    def __init__(
        self,
        name: str,
        lesson: str,
        answer_name: str,
        expected: Any,
        title: str = "",
        explanation: str = "",
        wrong_answers: Mapping[Any, str] | Iterable[tuple[Any, str]] | None = None,
        hints: Iterable[str] = (),
        solution_code: str = "",
        also_correct: Iterable[Any] = (),
        reveal: bool = True,
    ):
        super().__init__(name, lesson, title, hints, solution_code, explanation)
        self.answer_name = answer_name
        self._expected_source = expected
        self._expected_cache: Any = _MISSING
        if isinstance(wrong_answers, Mapping):
            self.wrong_answers = list(wrong_answers.items())
        else:
            self.wrong_answers = list(wrong_answers or [])
        self.also_correct = list(also_correct)
        self.reveal = reveal

    @property
    def expected(self) -> Any:
        """The true answer (computed once by running TF if ``expected`` was a callable)."""
        if self._expected_cache is _MISSING:
            source = self._expected_source
            self._expected_cache = source() if callable(source) else source
        return self._expected_cache

    def _check(self, answer: Any) -> Feedback:
        if answer is _MISSING:
            return self._feedback(
                Outcome.NOT_ATTEMPTED,
                f"`{self.answer_name}` is not defined yet. Run the cell with "
                f"`{self.answer_name} = ____` after writing your prediction in place of `____`, "
                f"then run `{self.name}.check()` again.",
            )
        if contains_placeholder(answer):
            return self._feedback(
                Outcome.NOT_ATTEMPTED,
                f"replace `____` in `{self.answer_name} = ____` with your prediction, run that "
                f"cell, then `{self.name}.check()`.{self._hint_suggestion()}",
            )
        try:
            expected = self.expected
        except Exception as error:  # noqa: BLE001 - reported as an exercise bug
            translation = errors.translate(error)
            return self._feedback(
                Outcome.ERROR,
                f"the exercise could not compute its own answer ({translation.original}). This is "
                "a problem in the kit, not in your prediction; please report it.",
                translation=translation,
            )
        if same_answer(answer, expected) or any(same_answer(answer, a) for a in self.also_correct):
            return self._feedback(Outcome.CORRECT, f"{_show(expected)}.", details=self.explanation)
        note = self._output_index_note(answer, expected)
        if note:
            return self._feedback(Outcome.CORRECT, f"{_show(expected)}. {note}",
                                  details=self.explanation)
        reason = next((why for wrong, why in self.wrong_answers if same_answer(answer, wrong)), None)
        if reason is None and not _type_fits(answer, expected):
            return self._feedback(
                Outcome.INCORRECT,
                f"`{self.answer_name}` should be {_kind_of(expected)}; yours is {_describe(answer)}."
                f"{self._hint_suggestion()}",
            )
        # A real prediction that is wrong: the reason now, the answer only on a second try.
        self._wrong_tries += 1
        reason = reason or f"you predicted {_show(answer)}, which is not what TensorFlow does here."
        if self.reveal and self.answer_unlocked:
            return self._feedback(Outcome.INCORRECT, reason, details=self._explain_truth(expected),
                                  answer_shown=True)
        return self._feedback(Outcome.INCORRECT, f"{reason}{self._hint_suggestion()}",
                              details=self._nudge())

    def _nudge(self) -> str:
        """What to do after a first wrong try, without the answer."""
        if not self.reveal:
            return "Think it through again with the hint, then check once more."
        return (f"Change `{self.answer_name}` and check again, or run the next cell and "
                "compare with what TensorFlow prints. A second wrong try shows the answer.")

    def _explain_truth(self, expected: Any) -> str:
        text = f"TensorFlow gives {_show(expected)}."
        return f"{text} {self.explanation}" if self.explanation else text

    @staticmethod
    def _output_index_note(answer: Any, expected: Any) -> str:
        """Accept ``goo/w`` for ``goo/w:0`` (and back), saying what ``:0`` means."""
        if not (isinstance(answer, str) and isinstance(expected, str)):
            return ""
        a, e = answer.strip(), expected.strip()
        if e.endswith(":0") and a == e[:-2]:
            return f"(`{a}` is the op's name; its first output, the tensor, is `{e}`.)"
        if a.endswith(":0") and e == a[:-2]:
            return f"(`{a}` is the tensor; the op/variable name is `{e}`.)"
        return ""


# --- build and fix --------------------------------------------------------------------


@dataclass
class BuildRun:
    """What running a build function in a fresh graph produced."""

    tree: Any = None
    outputs: list = field(default_factory=list)
    error: BaseException | None = None
    root_scope_reusing: bool = False
    eager_values: list[str] = field(default_factory=list)
    other_graph_values: list[str] = field(default_factory=list)
    input_count: int = 0


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


def run_build(fn: Callable, make_inputs: Callable | None, calls: int, cap: int = DEFAULT_VARIABLE_CAP) -> BuildRun:
    """Call ``fn(*inputs)`` ``calls`` times in a fresh graph, stopping after ``cap`` variables."""
    import tensorflow.compat.v1 as tf1

    import kit

    run = BuildRun()
    capped_creator = VariableCap(cap)
    with kit.fresh_graph() as graph:
        try:
            inputs = tuple(make_inputs(tf1)) if make_inputs is not None else ()
            run.input_count = len(inputs)
        except Exception as error:  # an exercise bug: report it as such
            raise RuntimeError(f"make_inputs failed: {type(error).__name__}: {error}") from error
        try:
            with tf1.variable_creator_scope(capped_creator):
                for _ in range(calls):
                    run.outputs.append(fn(*inputs))
        except (Exception, SystemExit) as error:  # noqa: BLE001 - learner code may raise anything
            run.error = error
            try:
                run.root_scope_reusing = bool(tf1.get_variable_scope().reuse is True)
            except Exception:  # noqa: BLE001 - best effort after a failed build
                run.root_scope_reusing = False
        for value in _flatten(run.outputs):
            status = _value_graph_status(value, graph)
            label = getattr(value, "name", None) if status == "other graph" else type(value).__name__
            if status == "eager":
                run.eager_values.append(str(label))
            elif status == "other graph":
                run.other_graph_values.append(str(label))
        if run.error is None:
            run.tree = kit.ScopeTree.from_graph(graph)
    return run


ExtraCheck = Callable[[Any, Any, BuildRun], "str | None"]


class BuildExercise(Exercise):
    """The learner writes a function that builds graph pieces; its tree must match the reference's."""

    kind = "build"
    how_to_make_variables = "Use tf.get_variable or a slim layer inside it."

    def __init__(
        self,
        name: str,
        lesson: str,
        function_name: str,
        solution_code: str,
        title: str = "",
        make_inputs: Callable | None = None,
        calls: int = 1,
        compare: tuple[str, ...] = ("names", "shapes", "collections"),
        hints: Iterable[str] = (),
        explanation: str = "",
        extra_checks: Iterable[ExtraCheck] = (),
        starter_code: str = "",
        variable_cap: int = DEFAULT_VARIABLE_CAP,
        names: Mapping[str, Any] | None = None,
    ):
        super().__init__(name, lesson, title, hints, solution_code, explanation, names)
        unknown = set(compare) - set(tree_diff.COMPARABLE)
        if unknown:
            raise ValueError(f"{name}: compare may hold {tree_diff.COMPARABLE}; got {sorted(unknown)}")
        if not isinstance(calls, int) or calls < 1:
            raise ValueError(f"{name}: calls must be a whole number >= 1; got {calls!r}")
        self.function_name = function_name
        self.answer_name = function_name
        self.make_inputs = make_inputs
        self.calls = calls
        self.compare = tuple(compare)
        self.extra_checks = list(extra_checks)
        self.starter_code = starter_code
        self.variable_cap = variable_cap
        self._reference_fn: Callable | None = None
        self._starter_fn: Callable | None = None
        self._reference_run: BuildRun | None = None

    # --- the reference, built once --------------------------------------------------
    @property
    def reference_function(self) -> Callable:
        if self._reference_fn is None:
            namespace = exec_solution(self.solution_code, f"{self.name} solution", self.names)
            self._reference_fn = namespace[self.function_name]
        return self._reference_fn

    @property
    def starter_function(self) -> Callable | None:
        if self._starter_fn is None and self.starter_code:
            namespace = exec_solution(self.starter_code, f"{self.name} starter", self.names)
            self._starter_fn = namespace.get(self.function_name)
        return self._starter_fn

    def reference_run(self) -> BuildRun:
        if self._reference_run is None:
            run = self._run(self.reference_function, self.variable_cap)
            if run.error is not None:
                raise RuntimeError(
                    f"the reference solution of {self.name} raised {type(run.error).__name__}: {run.error}"
                )
            self._reference_run = run
        return self._reference_run

    def learner_variable_cap(self) -> int:
        """How many variables a learner's build may make before the check stops it."""
        reference_count = len(self.reference_run().tree.variables)
        return min(self.variable_cap, max(MIN_VARIABLE_CAP, 10 * reference_count))

    def _run(self, fn: Callable, cap: int) -> BuildRun:
        """Run ``fn`` the way this kind of exercise does (here: in a fresh graph)."""
        return run_build(fn, self.make_inputs, self.calls, cap)

    # --- checking -----------------------------------------------------------------------
    def _what(self) -> str:
        return f"`{self.function_name}`"

    def _not_attempted(self, answer: Any) -> Feedback | None:
        if answer is _MISSING:
            return self._feedback(
                Outcome.NOT_ATTEMPTED,
                f"{self._what()} is not defined yet: run the exercise cell that defines "
                f"`def {self.function_name}(...)`, then `{self.name}.check()`.",
            )
        if self._uses_placeholder(answer):
            return self._feedback(
                Outcome.NOT_ATTEMPTED,
                f"{self._what()} still contains `____`: replace each `____` with your code, run the "
                f"cell, then `{self.name}.check()`.{self._hint_suggestion()}",
            )
        if self._is_empty(answer):
            return self._feedback(
                Outcome.NOT_ATTEMPTED,
                f"{self._what()} {self._empty_advice(answer)}, run the cell, then "
                f"`{self.name}.check()`.{self._hint_suggestion()}",
            )
        starter = self.starter_function
        if starter is not None and self._is_starter(answer, starter):
            return self._feedback(
                Outcome.NOT_ATTEMPTED,
                f"{self._what()} is still the starter code. Change it so that it works, run the "
                f"cell, then `{self.name}.check()`.{self._hint_suggestion()}",
            )
        return None

    # What "untouched" means for an answer; ModelExercise extends these to classes.
    def _uses_placeholder(self, answer: Any) -> bool:
        return answer is ____ or (callable(answer) and function_uses_placeholder(answer))

    def _is_empty(self, answer: Any) -> bool:
        return callable(answer) and is_empty_stub(answer)

    def _empty_advice(self, answer: Any) -> str:
        return "is still an empty stub: write its body"

    def _is_starter(self, answer: Any, starter: Any) -> bool:
        return callable(answer) and same_code(answer, starter)

    def _shape_problem(self, answer: Any) -> str:
        """Why ``answer`` cannot be called like the reference, or ''."""
        expected_sig = f"def {self.function_name}{self._reference_signature()}: ..."
        if isinstance(answer, str):
            return (
                f"{self._what()} is {_describe(answer)}, not a function. Define it with "
                f"`{expected_sig}` and pass the function itself (no quotes)."
            )
        if inspect.isclass(answer):
            return f"{self._what()} is {_describe(answer)}; write a function: `{expected_sig}`."
        if not callable(answer):
            return f"{self._what()} is {_describe(answer)}, not a function; write `{expected_sig}`."
        if inspect.isgeneratorfunction(answer) or inspect.iscoroutinefunction(answer):
            return (
                f"{self._what()} uses `yield` (or `async`), so calling it runs nothing. Use "
                "`return` to hand back the result."
            )
        try:
            signature = inspect.signature(answer)
        except (TypeError, ValueError):
            return ""
        try:
            signature.bind(*([None] * self.reference_run().input_count))
        except TypeError:
            return (
                f"{self._what()} cannot be called like the reference, `{expected_sig}`: yours is "
                f"`{self.function_name}{signature}`."
            )
        return ""

    def _reference_signature(self) -> str:
        try:
            return str(inspect.signature(self.reference_function))
        except (TypeError, ValueError):
            return "(...)"

    def _check(self, answer: Any) -> Feedback:
        waiting = self._not_attempted(answer)
        if waiting is not None:
            return waiting
        problem = self._shape_problem(answer)
        if problem:
            return self._feedback(Outcome.INCORRECT, problem + self._hint_suggestion())
        return self._judge(self._run(answer, self.learner_variable_cap()))

    def _judge(self, run: BuildRun) -> Feedback:
        """Feedback on a learner's run: its error, what it returned, its tree against the reference's."""
        reference = self.reference_run()
        if run.error is not None:
            return self._error_feedback(run)
        if run.eager_values:
            return self._feedback(
                Outcome.INCORRECT,
                f"{self._what()} returned eager values ({', '.join(sorted(set(run.eager_values)))}): "
                "it ran eagerly, where tf.get_variable never shares and never complains (lesson "
                "08 shows it). Build with the tensors it is given, inside the graph the check opens; "
                "do not make values outside it." + self._hint_suggestion(),
            )
        if run.other_graph_values:
            return self._feedback(
                Outcome.INCORRECT,
                f"{self._what()} returned tensors from another graph "
                f"({', '.join(sorted(set(run.other_graph_values)))}). Build in the default graph "
                "(no `tf.Graph().as_default()` inside the function) from the inputs it is given."
                + self._hint_suggestion(),
            )
        found = tree_diff.diff_trees(reference.tree, run.tree, self.compare)
        custom = self._extra_reasons(reference, run)
        if found.empty and not custom:
            return self._correct(run)
        if not run.tree.variables and reference.tree.variables:
            headline = (
                f"{self._what()} created no variables; the reference creates "
                f"{len(reference.tree.variables)}. {self.how_to_make_variables}"
            )
        else:
            headline = custom[0] if custom else found.headline
        details = "\n".join(custom[1:] if not found.empty or len(custom) > 1 else [])
        return self._feedback(
            Outcome.INCORRECT, headline + self._hint_suggestion(), diff=found, details=details
        )

    def _extra_reasons(self, reference: BuildRun, run: BuildRun) -> list[str]:
        reasons = []
        for extra_check in self.extra_checks:
            reason = extra_check(reference.tree, run.tree, run)
            if reason:
                reasons.append(reason)
        return reasons

    def _correct(self, run: BuildRun) -> Feedback:
        count = len(run.tree.variables)
        shared = len(run.tree.shared_variables())
        calls = f" over {self.calls} calls" if self.calls > 1 else ""
        sharing = f", {shared} shared by several name scopes" if shared else ""
        message = f"{self._what()} builds the expected {count} variable{'s' if count != 1 else ''}{calls}{sharing}."
        return self._feedback(Outcome.CORRECT, message, details=self.explanation)

    def _error_feedback(self, run: BuildRun) -> Feedback:
        translation = errors.translate(run.error, root_scope_reusing=run.root_scope_reusing)
        where = f" {translation.lessons_note}" if translation.lessons else ""
        message = f"{self._what()} raised {translation.original}"
        details = f"What it means: {translation.concept}.\nWhat to change: {translation.change}{where}"
        return self._feedback(
            Outcome.ERROR, message, details=details + "\n" + self._hint_suggestion().strip(),
            translation=translation,
        )


class FixExercise(BuildExercise):
    """Given broken code (``starter_code``), the learner makes it build what the reference builds."""

    kind = "fix"

    def __init__(self, *args, starter_code: str, **kwargs):
        super().__init__(*args, starter_code=starter_code, **kwargs)


# --- explain why, and debug from the traceback ----------------------------------------------


class ChoiceExercise(PredictExercise):
    """Explain why: the learner picks the reason among lettered options.

    ``options`` maps a letter to a reason; ``why_not`` says, for each wrong letter, what
    is wrong with it (shown at the first try, without the right letter). Like a
    prediction, the right letter comes after a second wrong try, the last hint or
    ``solution()``.
    """

    kind = "explain why"

    def __init__(self, name: str, lesson: str, answer_name: str, question: str,
                 options: Mapping[str, str], correct: str, why_not: Mapping[str, str],
                 **kwargs):
        letters = list(options)
        if correct not in options or set(why_not) != set(letters) - {correct}:
            raise ValueError(f"{name}: why_not must explain every option but the right one")
        kwargs.setdefault("solution_code", f'{answer_name} = "{correct}"')
        super().__init__(name, lesson, answer_name, correct, wrong_answers=dict(why_not),
                         **kwargs)
        self.question = question
        self.options = dict(options)

    def show(self) -> Message:
        """The question and its options, as the notebook prints them."""
        lines = [f"({letter}) {text}" for letter, text in self.options.items()]
        return Message("question", f"{self.question}\n\n" + "\n".join(lines) +
                       f"\n\nAnswer with `{self.answer_name} = \"a\"` (one letter), then "
                       f"`{self.name}.check()`.")

    def _check(self, answer: Any) -> Feedback:
        if isinstance(answer, str) and answer.strip().strip("()").lower() in self.options:
            answer = answer.strip().strip("()").lower()
        elif answer is not _MISSING and not contains_placeholder(answer):
            letters = ", ".join(f"`\"{letter}\"`" for letter in self.options)
            return self._feedback(
                Outcome.INCORRECT,
                f"`{self.answer_name}` should be one of the letters {letters}; yours is "
                f"{_describe(answer)}. `{self.name}.show()` lists the options.",
            )
        return super()._check(answer)

    def _explain_truth(self, expected: Any) -> str:
        text = f"The answer is ({expected}): {self.options[expected]}"
        return f"{text} {self.explanation}" if self.explanation else text


def error_lines(code: str, label: str, names: Mapping[str, Any] | None = None) -> list[str]:
    """Run ``code`` in a fresh graph and return the tail of its traceback as a learner's
    cell would show it: the snippet's own frames and the error, no TensorFlow internals."""
    from kit.quiet_tf import fresh_graph

    with fresh_graph():
        try:
            exec_solution(code, label, names)
        except Exception as error:  # noqa: BLE001 - the point is to show it
            frames = [frame for frame in traceback_frames(error) if frame.filename == f"<{label}>"]
            source = code.splitlines()
            lines = [f"line {frame.lineno}: {source[frame.lineno - 1].strip()}" for frame in frames]
            return [*lines, f"{type(error).__name__}: {errors.clean_message(str(error))}"]
    raise ValueError(f"{label}: the code runs without an error, so there is nothing to debug")


def traceback_frames(error: BaseException) -> list:
    import traceback

    return list(traceback.extract_tb(error.__traceback__))


class TracebackExercise(PredictExercise):
    """Debug from the traceback: only the error is shown; the learner names the line to change.

    ``broken_code`` is run (in a fresh graph) to produce the error; ``fix`` maps the line
    number to change to its corrected text. The answer is that line number, and it is
    verified by running: the code with the fix applied must run without an error.
    """

    kind = "debug from the traceback"

    def __init__(self, name: str, lesson: str, answer_name: str, broken_code: str,
                 fix: tuple[int, str], **kwargs):
        self.broken_code = broken_code
        self.fix = fix
        kwargs.setdefault("solution_code", f"{answer_name} = {fix[0]}")
        super().__init__(name, lesson, answer_name, self._verified_line, **kwargs)

    def fixed_code(self) -> str:
        lines = self.broken_code.splitlines()
        number, text = self.fix
        indent = lines[number - 1][: len(lines[number - 1]) - len(lines[number - 1].lstrip())]
        lines[number - 1] = indent + text.strip()
        return "\n".join(lines) + "\n"

    def _verified_line(self) -> int:
        """The line to change, after checking that changing it really fixes the code."""
        from kit.quiet_tf import fresh_graph

        error_lines(self.broken_code, f"{self.name} broken", self.names)  # it must fail...
        with fresh_graph():
            exec_solution(self.fixed_code(), f"{self.name} fixed", self.names)  # ...and then run
        return self.fix[0]

    def show_error(self) -> Message:
        """What the learner gets to see: the error as the cell would print it."""
        shown = "\n".join(error_lines(self.broken_code, f"{self.name} broken", self.names))
        return Message("error", f"Running the code raised:\n\n{shown}\n\nWhich line number "
                       f"must change? Answer with `{self.answer_name} = <line number>`, then "
                       f"`{self.name}.check()`.")

    def _explain_truth(self, expected: Any) -> str:
        text = f"Line {expected} must change, to `{self.fix[1].strip()}`."
        return f"{text} {self.explanation}" if self.explanation else text
