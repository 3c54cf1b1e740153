"""What a check says: an outcome, a message naming the concept, and the views of it.

``Feedback`` is what ``check()`` returns; ``Message`` is a hint, a solution or a note.
Both have a plain-text form first (GitHub and nbval read it) and HTML second.
No ipywidgets here.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import Enum

from kit import diff as tree_diff
from kit import errors
from kit.render import Displayable, code_html


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


@dataclass(repr=False)
class Feedback(Displayable):
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

    def to_text(self) -> str:
        parts = [f"{self.outcome.label}: {self.message}"]
        if self.diff is not None and not self.diff.empty:
            parts.append(self.diff.to_text())
        if self.details:
            parts.append(self.details)
        return "\n\n".join(parts)

    def to_html(self) -> str:
        colour = OUTCOME_COLOURS[self.outcome]
        label = html.escape(self.outcome.label)
        body = [f"<div><strong style='color:{colour}'>{label}:</strong> {code_html(self.message)}</div>"]
        if self.diff is not None and not self.diff.empty:
            body.append(f"<div style='margin-top:0.5em'>{self.diff.to_html()}</div>")
        if self.details:
            body.append(f"<div style='margin-top:0.5em'>{code_html(self.details)}</div>")
        if self.extra_html:
            body.append(self.extra_html)
        return (
            f"<div class='scopekit-feedback scopekit-{self.outcome.name.lower()}' "
            f"style='border-left:4px solid {colour};padding:0.3em 0.8em'>{''.join(body)}</div>"
        )



@dataclass(repr=False)
class Message(Displayable):
    """A hint, a solution or a usage note: text/plain first, HTML second."""

    kind: str
    text: str
    code: str = ""

    def to_text(self) -> str:
        return f"{self.text}\n\n{self.code}" if self.code else self.text

    def to_html(self) -> str:
        code = f"<pre><code>{html.escape(self.code)}</code></pre>" if self.code else ""
        return f"<div class='scopekit-{self.kind}'>{code_html(self.text)}{code}</div>"
