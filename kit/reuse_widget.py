"""The reuse explorer: pick a reuse mode, whether ``s/p`` exists, and how you ask for it.

A thin ipywidgets front end on ``kit.reuse_lab``: every change runs the chosen case in
a fresh TF graph and shows the code and what TF did. Where widgets cannot render
(GitHub, nbval, a terminal) the display falls back to the full table of all cases.
"""

from __future__ import annotations

import html

from kit.reuse_lab import (
    RAISES,
    REQUEST_LABELS,
    REQUESTS,
    REUSE_MODES,
    ReuseCase,
    ReuseTable,
    reuse_table,
    run_case,
)

VERDICT_COLOURS = {"creates": "#1a7f37", "reuses": "#0969da", "raises": "#cf222e"}


def outcome_html(case: ReuseCase) -> str:
    """The code of ``case`` and, below it, what TF did when it ran."""
    outcome = run_case(case)
    colour = VERDICT_COLOURS[outcome.verdict]
    if outcome.verdict == RAISES:
        detail = html.escape(outcome.error)
    else:
        detail = html.escape(f"{outcome.variable}  shape={outcome.shape}  dtype={outcome.dtype}")
    count = f"variables in the graph afterwards: {outcome.variable_count}"
    return (
        f"<pre>{html.escape(case.code())}</pre>"
        f'<p><strong style="color:{colour}">TF {outcome.verdict}</strong> '
        f"<code>{detail}</code><br><small>{count}</small></p>"
    )


class ReuseExplorer:
    """Displays as live controls in Jupyter, as the full reuse table everywhere else."""

    def __init__(self, table: ReuseTable | None = None):
        self.table = table or reuse_table()
        self._box = None

    def _build(self):
        import ipywidgets as widgets

        mode = widgets.ToggleButtons(options=REUSE_MODES, value="True", description="reuse")
        exists = widgets.ToggleButtons(
            options=[("no", False), ("yes", True)], value=True, description="s/p exists"
        )
        request = widgets.ToggleButtons(
            options=[(f"ask {REQUEST_LABELS[r]}", r) for r in REQUESTS],
            value="same shape",
            description="request",
        )
        result = widgets.HTML()

        def update(_change=None):
            result.value = outcome_html(ReuseCase(mode.value, exists.value, request.value))

        for control in (mode, exists, request):
            control.observe(update, names="value")
        update()
        return widgets.VBox([mode, exists, request, result])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = self.table._repr_mimebundle_()
        try:
            if self._box is None:
                self._box = self._build()
            widget_bundle = self._box._repr_mimebundle_()
        except ImportError:
            return bundle
        view = (widget_bundle or {}).get("application/vnd.jupyter.widget-view+json")
        if view is not None:
            bundle["application/vnd.jupyter.widget-view+json"] = view
        return bundle


def reuse_explorer() -> ReuseExplorer:
    """The interactive reuse explorer (text fallback: every case in one table)."""
    return ReuseExplorer()
