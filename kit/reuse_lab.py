"""What ``tf.get_variable`` does for every reuse mode, found by running TensorFlow.

Each ``ReuseCase`` is one question: "scope ``s`` is opened with this reuse mode,
``s/p`` does (or does not) exist yet, and I ask for ``p`` like this: does TF create,
reuse or raise?". ``run_case`` writes the question as a few lines of TF code, runs
them in a fresh graph and reports what happened, so every table in the lessons comes
from TF itself. No UI here; ``kit.reuse_widget`` is the interactive front end.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from itertools import product

from kit.render import Displayable, html_table, text_table

# The reuse modes a learner meets, as they are written in code.
REUSE_MODES = ("None", "False", "True", "tf.AUTO_REUSE", "scope.reuse_variables()")

# How the existing variable was made, and the ways of asking for it again.
EXISTING_CALL = 'tf.get_variable("p", [2, 3])'
REQUESTS = {
    "same shape": 'tf.get_variable("p", [2, 3])',
    "other shape": 'tf.get_variable("p", [3, 2])',
    "no shape": 'tf.get_variable("p")',
    "other dtype": 'tf.get_variable("p", [2, 3], dtype=tf.int32)',
}
# Short column headings for the table.
REQUEST_LABELS = {
    "same shape": "[2, 3]",
    "other shape": "[3, 2]",
    "no shape": "no shape",
    "other dtype": "int32 [2, 3]",
}

CREATES, REUSES, RAISES = "creates", "reuses", "raises"


@dataclass(frozen=True)
class ReuseCase:
    """One combination: reuse mode, whether ``s/p`` exists, how ``p`` is requested."""

    mode: str
    exists: bool
    request: str

    def __post_init__(self):
        if self.mode not in REUSE_MODES:
            raise ValueError(f"mode must be one of {REUSE_MODES}; got {self.mode!r}")
        if self.request not in REQUESTS:
            raise ValueError(f"request must be one of {tuple(REQUESTS)}; got {self.request!r}")

    def code(self) -> str:
        """The TF code this case runs, exactly as ``run_case`` executes it."""
        lines = []
        if self.exists:
            lines += ['with tf.variable_scope("s"):', f"    old = {EXISTING_CALL}"]
        if self.mode == "scope.reuse_variables()":
            lines += ['with tf.variable_scope("s") as scope:', "    scope.reuse_variables()"]
        elif self.mode == "None":
            lines += ['with tf.variable_scope("s"):  # reuse=None, the default']
        else:
            lines += [f'with tf.variable_scope("s", reuse={self.mode}):']
        lines.append(f"    v = {REQUESTS[self.request]}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ReuseOutcome:
    """What TF did: created or reused a variable, or raised an error."""

    verdict: str
    variable: str = ""
    shape: tuple = ()
    dtype: str = ""
    error: str = ""
    variable_count: int = 0

    def describe(self) -> str:
        """One line, e.g. ``reuses s/p:0 (2, 3) float32`` or ``raises ValueError: ...``."""
        if self.verdict == RAISES:
            return f"raises {self.error}"
        return f"{self.verdict} {self.variable} {self.shape} {self.dtype}"


def run_case(case: ReuseCase) -> ReuseOutcome:
    """Run ``case.code()`` in a brand-new graph and report what TF did."""
    import tensorflow.compat.v1 as tf

    from kit.quiet_tf import fresh_graph

    namespace: dict = {"tf": tf}
    with fresh_graph() as graph:
        try:
            exec(case.code(), namespace)  # noqa: S102 - our own generated snippet
        except (ValueError, TypeError) as error:  # what get_variable raises
            return ReuseOutcome(
                RAISES,
                error=f"{type(error).__name__}: {error}",
                variable_count=len(graph.get_collection("variables")),
            )
        made = namespace["v"]
        verdict = REUSES if made is namespace.get("old") else CREATES
        return ReuseOutcome(
            verdict,
            variable=made.name,
            shape=tuple(made.shape.as_list()),
            dtype=made.dtype.base_dtype.name,
            variable_count=len(graph.get_collection("variables")),
        )


def all_cases() -> list[ReuseCase]:
    """Every combination, grouped by reuse mode, then 'does not exist' before 'exists'."""
    return [
        ReuseCase(mode, exists, request)
        for mode, exists, request in product(REUSE_MODES, (False, True), REQUESTS)
    ]


class ReuseTable(Displayable):
    """All combinations in one table: rows = (mode, exists), columns = request.

    Errors are long, so cells name them by a short key (E1, E2...) spelled out below
    the table; the same text is used for nbval (text/plain) and HTML.
    """

    def __init__(self, outcomes: dict[ReuseCase, ReuseOutcome]):
        self.outcomes = outcomes
        self.error_keys: dict[str, str] = {}
        for outcome in outcomes.values():
            if outcome.verdict == RAISES and outcome.error not in self.error_keys:
                self.error_keys[outcome.error] = f"E{len(self.error_keys) + 1}"

    def cell(self, case: ReuseCase) -> str:
        outcome = self.outcomes[case]
        if outcome.verdict == RAISES:
            return f"raises {self.error_keys[outcome.error]}"
        return outcome.verdict

    def rows(self) -> list[list[str]]:
        header = ["reuse mode", "s/p exists?"] + [f"ask {REQUEST_LABELS[r]}" for r in REQUESTS]
        body = [
            [mode, "yes" if exists else "no"]
            + [self.cell(ReuseCase(mode, exists, request)) for request in REQUESTS]
            for mode, exists in product(REUSE_MODES, (False, True))
        ]
        return [header] + body

    def legend(self) -> list[str]:
        return [f"{key}: {error}" for error, key in self.error_keys.items()]

    def to_text(self) -> str:
        intro = f"Scope s, existing variable: {EXISTING_CALL} (float32). Cells: what TF did."
        lines = text_table(self.rows(), rule_after_header=True)
        return "\n".join([intro, *lines, "", *self.legend()])

    def to_html(self) -> str:
        legend = "".join(f"<li><code>{html.escape(item)}</code></li>" for item in self.legend())
        intro = html.escape(f"Scope s, existing variable: {EXISTING_CALL} (float32).")
        return (
            f'<div class="scopekit-reuse-table"><p>{intro}</p>{html_table(self.rows())}'
            f'<ul style="list-style:none;padding-left:0">{legend}</ul></div>'
        )


def reuse_table() -> ReuseTable:
    """Run every combination (40 tiny graphs, well under a second) and tabulate them."""
    return ReuseTable({case: run_case(case) for case in all_cases()})


# --- inheritance: what reuse does a nested scope really get? ---------------------------

NESTED_MODES = ("None", "False", "True", "tf.AUTO_REUSE")


def effective_reuse(outer: str, inner: str) -> str:
    """``tf.get_variable_scope().reuse`` inside ``inner`` nested in ``outer`` (run in TF)."""
    import tensorflow.compat.v1 as tf

    from kit.quiet_tf import fresh_graph

    values = {"None": None, "False": False, "True": True, "tf.AUTO_REUSE": tf.AUTO_REUSE}
    with (
        fresh_graph(),
        tf.variable_scope("outer", reuse=values[outer]),
        tf.variable_scope("inner", reuse=values[inner]),
    ):
        reuse = tf.get_variable_scope().reuse
    return "tf.AUTO_REUSE" if reuse is tf.AUTO_REUSE else str(reuse)


class InheritanceTable(Displayable):
    """Rows: the outer scope's reuse; columns: the inner scope's; cells: what applies."""

    def __init__(self, cells: dict[tuple[str, str], str]):
        self.cells = cells

    def rows(self) -> list[list[str]]:
        header = ["outer \\ inner"] + [f"reuse={m}" for m in NESTED_MODES]
        return [header] + [
            [f"reuse={outer}"] + [self.cells[outer, inner] for inner in NESTED_MODES]
            for outer in NESTED_MODES
        ]

    def to_text(self) -> str:
        lines = text_table(self.rows(), rule_after_header=True)
        return "tf.get_variable_scope().reuse inside the inner scope\n" + "\n".join(lines)

    def to_html(self) -> str:
        return ("<div><p>tf.get_variable_scope().reuse inside the inner scope</p>"
                f"{html_table(self.rows())}</div>")


def inheritance_table() -> InheritanceTable:
    """Run all 16 outer/inner pairs."""
    return InheritanceTable(
        {(o, i): effective_reuse(o, i) for o, i in product(NESTED_MODES, NESTED_MODES)}
    )
