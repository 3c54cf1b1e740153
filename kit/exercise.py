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

import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from kit import diff as tree_diff
from kit import errors, progress
from kit.answers import (
    MISSING,
    ____,
    as_hint_number,
    contains_placeholder,
    describe,
    function_uses_placeholder,
    is_empty_stub,
    kind_of,
    learner_namespace,
    same_answer,
    same_code,
    show_value,
    type_fits,
)
from kit.feedback import Feedback, Message, Outcome
from kit.quiet_tf import fresh_graph
from kit.runs import (
    DEFAULT_VARIABLE_CAP,
    MIN_VARIABLE_CAP,
    Run,
    VariableCap,
    error_lines,
    exec_solution,
    run_in_graph,
)

__all__ = [
    "BuildExercise",
    "ChoiceExercise",
    "Feedback",
    "FixExercise",
    "Message",
    "Outcome",
    "PredictExercise",
    "Run",
    "SnippetFixExercise",
    "TracebackExercise",
    "VariableCap",
    "____",
    "exec_solution",
    "run_in_graph",
]



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
    def check(self, answer: Any = MISSING) -> Feedback:
        """Check the answer (from the notebook's globals unless passed) and return feedback."""
        try:
            if answer is MISSING:
                answer = learner_namespace().get(self.answer_name, MISSING)
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
            progress.record(self.lesson, self.name, feedback.outcome, answer_shown=feedback.answer_shown)
        return feedback

    def hint(self, n: Any = 1) -> Message:
        """Hint number ``n`` (1-based)."""
        count = len(self.hints)
        if count == 0:
            return Message("hint", f"`{self.name}` has no hints; `{self.name}.solution()` shows the answer.")
        number = as_hint_number(n)
        if number is None or not 1 <= number <= count:
            choices = ", ".join(f"`{self.name}.hint({i})`" for i in range(1, count + 1))
            return Message(
                "hint",
                f"`{self.name}` has {count} hint{'s' if count != 1 else ''}: try {choices}.",
            )
        self._hints_seen = max(self._hints_seen, number)
        progress.record_help(self.lesson, self.name, hint=number)
        more = f" More: `{self.name}.hint({number + 1})`." if number < count else ""
        return Message("hint", f"Hint {number} of {count} for `{self.name}`: {self.hints[number - 1]}{more}")

    def solution(self) -> Message:
        """The reference solution as code, with its explanation."""
        self._solution_seen = True
        progress.record_help(self.lesson, self.name, solution=True)
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
        recall_of: str = "",
    ):
        super().__init__(name, lesson, title, hints, solution_code, explanation)
        self.answer_name = answer_name
        self._expected_source = expected
        self._expected_cache: Any = MISSING
        if isinstance(wrong_answers, Mapping):
            self.wrong_answers = list(wrong_answers.items())
        else:
            self.wrong_answers = list(wrong_answers or [])
        self.also_correct = list(also_correct)
        self.reveal = reveal
        #: for a recall question, the lessons it recalls ("lesson 01"); changes the nudge
        self.recall_of = recall_of

    @property
    def expected(self) -> Any:
        """The true answer (computed once by running TF if ``expected`` was a callable)."""
        if self._expected_cache is MISSING:
            source = self._expected_source
            self._expected_cache = source() if callable(source) else source
        return self._expected_cache

    def _check(self, answer: Any) -> Feedback:
        if answer is MISSING:
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
            return self._feedback(Outcome.CORRECT, f"{show_value(expected)}.", details=self.explanation)
        note = self._output_index_note(answer, expected)
        if note:
            return self._feedback(Outcome.CORRECT, f"{show_value(expected)}. {note}",
                                  details=self.explanation)
        reason = next((why for wrong, why in self.wrong_answers if same_answer(answer, wrong)), None)
        if reason is None and not type_fits(answer, expected):
            return self._feedback(
                Outcome.INCORRECT,
                f"`{self.answer_name}` should be {kind_of(expected)}; yours is {describe(answer)}."
                f"{self._hint_suggestion()}",
            )
        # A real prediction that is wrong: the reason now, the answer only on a second try.
        self._wrong_tries += 1
        reason = reason or f"you predicted {show_value(answer)}, which is not what TensorFlow does here."
        if self.reveal and self.answer_unlocked:
            return self._feedback(Outcome.INCORRECT, reason, details=self._explain_truth(expected),
                                  answer_shown=True)
        return self._feedback(Outcome.INCORRECT, f"{reason}{self._hint_suggestion()}",
                              details=self._nudge())

    def revealed_text(self) -> str:
        """What the feedback says once the answer may be shown (the answer, explained)."""
        return self._explain_truth(self.expected)

    def _nudge(self) -> str:
        """What to do after a first wrong try, without the answer."""
        if not self.reveal:
            return "Think it through again with the hint, then check once more."
        if self.recall_of:
            return (f"Think back to {self.recall_of}, change `{self.answer_name}` and check "
                    "again. A second wrong try shows the answer.")
        return (f"Change `{self.answer_name}` and check again, or run the next cell and "
                "compare with what TensorFlow prints. A second wrong try shows the answer.")

    def _explain_truth(self, expected: Any) -> str:
        text = f"TensorFlow gives {show_value(expected)}."
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


#: ``check(reference, run)``: a reason the learner's ``run`` is wrong, or None. Both are
#: ``Run`` records (tree, outputs, model), so a check compares with the reference directly.
ExtraCheck = Callable[[Run, Run], "str | None"]


class BuildExercise(Exercise):
    """The learner writes a function that builds graph pieces; its tree must match the reference's."""

    kind = "build"
    how_to_make_variables = "Use tf.get_variable or a slim layer inside it."
    naming = "tf1"  # the tree diff's advice: variable scopes and reuse (kit.diff.NAMINGS)

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
        #: the code that defines the reference ``function_name`` (a snippet exercise wraps its fix)
        self.reference_code = solution_code
        self.variable_cap = variable_cap
        self._reference_fn: Callable | None = None
        self._starter_fn: Callable | None = None
        self._reference_run: Run | None = None

    # --- the reference, built once --------------------------------------------------
    @property
    def reference_function(self) -> Callable:
        if self._reference_fn is None:
            namespace = exec_solution(self.reference_code, f"{self.name} solution", self.names)
            self._reference_fn = namespace[self.function_name]
        return self._reference_fn

    @property
    def starter_function(self) -> Callable | None:
        if self._starter_fn is None and self.starter_code:
            namespace = exec_solution(self.starter_code, f"{self.name} starter", self.names)
            self._starter_fn = namespace.get(self.function_name)
        return self._starter_fn

    def reference_run(self) -> Run:
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

    def _run(self, fn: Callable, cap: int) -> Run:
        """Run ``fn`` the way this kind of exercise does (here: in a fresh graph)."""
        return run_in_graph(fn, self.make_inputs, self.calls, cap)

    # --- checking -----------------------------------------------------------------------
    def _what(self) -> str:
        return f"`{self.function_name}`"

    def _not_attempted(self, answer: Any) -> Feedback | None:
        """"Not attempted" feedback for an answer nobody has worked on yet, else None."""
        then = f"`{self.name}.check()`"
        if answer is MISSING:
            advice = (f"is not defined yet: run the exercise cell that defines "
                      f"{self._defined_by()}, then {then}.")
            return self._feedback(Outcome.NOT_ATTEMPTED, f"{self._what()} {advice}")
        untouched = (
            (self._uses_placeholder, lambda: "still contains `____`: replace each `____` with "
             f"your code, run the cell, then {then}."),
            (self._is_empty, lambda: f"{self._empty_advice(answer)}, run the cell, then {then}."),
            (self._is_starter, lambda: "is still the starter code. Change it so that it works, "
             f"run the cell, then {then}."),
        )
        for applies, advice in untouched:
            if applies(answer):
                return self._feedback(Outcome.NOT_ATTEMPTED,
                                      f"{self._what()} {advice()}{self._hint_suggestion()}")
        return None

    # What "untouched" means for an answer; ModelExercise extends these to classes.
    def _uses_placeholder(self, answer: Any) -> bool:
        return answer is ____ or (callable(answer) and function_uses_placeholder(answer))

    def _is_empty(self, answer: Any) -> bool:
        return callable(answer) and is_empty_stub(answer)

    def _empty_advice(self, answer: Any) -> str:
        return "is still an empty stub: write its body"

    def _is_starter(self, answer: Any) -> bool:
        starter = self.starter_function
        return starter is not None and callable(answer) and same_code(answer, starter)

    def _defined_by(self) -> str:
        return f"`def {self.function_name}(...)`"

    def _shape_problem(self, answer: Any) -> str:
        """Why ``answer`` cannot be called like the reference, or ''."""
        expected_sig = f"def {self.function_name}{self._reference_signature()}: ..."
        if isinstance(answer, str):
            return (
                f"{self._what()} is {describe(answer)}, not a function. Define it with "
                f"`{expected_sig}` and pass the function itself (no quotes)."
            )
        if inspect.isclass(answer):
            return f"{self._what()} is {describe(answer)}; write a function: `{expected_sig}`."
        if not callable(answer):
            return f"{self._what()} is {describe(answer)}, not a function; write `{expected_sig}`."
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

    def _judge(self, run: Run) -> Feedback:
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
        found = tree_diff.diff_trees(reference.tree, run.tree, self.compare, self.naming)
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

    def _extra_reasons(self, reference: Run, run: Run) -> list[str]:
        reasons = []
        for extra_check in self.extra_checks:
            reason = extra_check(reference, run)
            if reason:
                reasons.append(reason)
        return reasons

    def _correct(self, run: Run) -> Feedback:
        count = len(run.tree.variables)
        shared = len(run.tree.shared_variables())
        calls = f" over {self.calls} calls" if self.calls > 1 else ""
        sharing = f", {shared} shared by several name scopes" if shared else ""
        message = f"{self._what()} builds the expected {count} variable{'s' if count != 1 else ''}{calls}{sharing}."
        return self._feedback(Outcome.CORRECT, message, details=self.explanation)

    def _error_feedback(self, run: Run) -> Feedback:
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
        elif answer is not MISSING and not contains_placeholder(answer):
            letters = ", ".join(f"`\"{letter}\"`" for letter in self.options)
            return self._feedback(
                Outcome.INCORRECT,
                f"`{self.answer_name}` should be one of the letters {letters}; yours is "
                f"{describe(answer)}. `{self.name}.show()` lists the options.",
            )
        return super()._check(answer)

    def _explain_truth(self, expected: Any) -> str:
        text = f"The answer is ({expected}): {self.options[expected]}"
        return f"{text} {self.explanation}" if self.explanation else text


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


# --- fix a snippet that does not even parse ------------------------------------------


def _snippet_as_function(snippet: str, function_name: str, output_name: str) -> str:
    body = "\n".join("    " + line if line else "" for line in snippet.splitlines())
    return f"def {function_name}(inputs):\n{body}\n    return {output_name}\n"


def _normalised_code(code: str) -> str:
    return "\n".join(line.rstrip() for line in code.strip().splitlines())


class SnippetFixExercise(FixExercise):
    """Fix a code snippet given as a string, so that a SyntaxError cannot stop the notebook.

    The learner edits the text in ``answer_name``; the check compiles it (a SyntaxError is
    Incorrect, with its line and ``syntax_advice``), then runs it with ``inputs`` bound and
    compares the graph it builds (and its ``output_name`` variable) with the reference.
    ``solution_code`` is the fixed assignment, as solution-mode notebooks need it.
    """

    kind = "fix a snippet"

    def __init__(self, *, answer_name: str, snippet: str, fixed_snippet: str,
                 function_name: str, output_name: str = "net", syntax_advice: str = "",
                 **kwargs):
        self.snippet = snippet
        self.output_name = output_name
        self.syntax_advice = syntax_advice
        super().__init__(
            function_name=function_name,
            starter_code=_snippet_as_function(snippet, function_name, output_name),
            solution_code=f'{answer_name} = """\\\n{fixed_snippet}"""\n',
            **kwargs,
        )
        self.answer_name = answer_name
        self.reference_code = _snippet_as_function(fixed_snippet, function_name, output_name)

    def _what(self) -> str:
        return f"`{self.answer_name}`"

    def _defined_by(self) -> str:
        return f'`{self.answer_name} = """..."""`'

    def _is_starter(self, answer: Any) -> bool:
        return isinstance(answer, str) and _normalised_code(answer) == _normalised_code(self.snippet)

    def _check(self, answer: Any) -> Feedback:
        waiting = self._not_attempted(answer)
        if waiting is not None:
            return waiting
        if not isinstance(answer, str):
            return self._feedback(
                Outcome.INCORRECT,
                f"`{self.answer_name}` should be the snippet as a string (in triple quotes); "
                f"yours is {describe(answer)}.",
            )
        try:
            compiled = compile(answer, "your snippet", "exec")
        except SyntaxError as error:
            said = error.msg if error.msg.endswith((".", "?", "!")) else error.msg + "."
            advice = f" {self.syntax_advice}" if self.syntax_advice else ""
            return self._feedback(
                Outcome.INCORRECT,
                f"the snippet still does not parse: SyntaxError on line {error.lineno}: "
                f"{said}{advice}" + self._hint_suggestion(),
            )
        return super()._check(self._snippet_function(compiled))

    def _snippet_function(self, compiled) -> Callable:
        """A function that runs the compiled snippet with ``inputs`` bound; returns its output."""
        output_name, names = self.output_name, self.names

        def run_snippet(inputs):
            namespace = exec_solution("", f"{self.name} snippet", names)
            namespace["inputs"] = inputs
            exec(compiled, namespace)  # noqa: S102 - the learner's own snippet
            return namespace.get(output_name)

        return run_snippet
