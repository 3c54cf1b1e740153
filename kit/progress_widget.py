"""The progress panel: the progress table with a refresh button (ipywidgets, thin).

What it shows is always ``kit.progress.summary_html``; its ``text/plain`` form is
``summary_text``, so a stored notebook and nbval see the same table as a static view.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import ipywidgets as widgets

from kit.display import with_static_forms
from kit.progress import ProgressTable, summary, summary_html


class ProgressPanel(widgets.VBox):
    """The learner's progress per lesson; "Refresh" re-reads the store."""

    def __init__(self, lessons: Iterable[Any]):
        super().__init__()
        self.lessons = tuple(lessons)
        self.table = widgets.HTML()
        self.refresh_button = widgets.Button(description="Refresh", icon="refresh",
                                             tooltip="Read the progress store again")
        self.refresh_button.on_click(lambda _button: self.refresh())
        self.children = (self.table, self.refresh_button)
        self.add_class("scopekit-progress-panel")
        self.refresh()

    def refresh(self) -> None:
        self.rows = summary(self.lessons)
        self.table.value = summary_html(self.rows)

    def _repr_mimebundle_(self, **kwargs) -> dict | None:
        """The live panel where a front end runs it; the same table as text and HTML."""
        return with_static_forms(super()._repr_mimebundle_(**kwargs), ProgressTable(self.rows))
