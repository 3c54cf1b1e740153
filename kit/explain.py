"""Explain scoping errors in any cell: the traceback as IPython shows it, then a short note.

``import kit`` imports this module, and in a running IPython shell (Jupyter, JupyterLab,
Colab) that turns the notes on: ``explain_errors(True)`` installs a custom exception
handler (``shell.set_custom_exc``). When a cell raises an error that
``kit.errors.translate`` knows, the handler first lets IPython show it exactly as it would
have (it calls ``shell.showtraceback()``: same traceback, same ``%xmode``, same error
message to the notebook, so nbclient and nbval see the same ``error`` output), then
displays a note with the concept, what to change and the lesson sections that show it
(text/plain first, then HTML with links to the lesson notebooks). Errors it does not know
are shown as they are, with no note. ``kit.explain_errors(False)`` puts back whatever
handler was there before.

The handler's state lives on the shell, so importing the kit again, re-running a cell or
reloading this module never installs a second handler. Outside IPython (a script, a
command, pytest) both calls do nothing and return False, and IPython is not imported.
"""

from __future__ import annotations

import html
import re
import sys
from dataclasses import dataclass
from typing import Any

from kit.errors import RULES, Translation, translate
from kit.render import Displayable, code_html

OFF_HINT = "kit.explain_errors(False) turns these notes off."
# What IPython does with an error raised while a cell is parsed, not run (run_cell_async).
_PARSE_ERRORS = (OverflowError, SyntaxError, ValueError, TypeError, MemoryError)
# The shell attribute that holds the handler this module installed (and the one before it).
_STATE = "_scopekit_explainer"

# The lesson section that shows each error, by the concept of its rule in kit.errors
# and lesson number: the heading's text as the notebook has it (without "## ").
# tests/test_explain.py checks that each heading exists and that its section shows the error.
SECTIONS: dict[str, dict[str, str]] = {
    "creating a variable twice without reuse": {
        "02": "1. The default: `reuse=None` creates, and refuses duplicates",
        "03": "1. The blog post's conv layer, as printed",
    },
    "reuse_variables() at the top level poisons the whole graph": {
        "02": "7. `reuse_variables()` at the top level",
    },
    "reuse=True only fetches variables that already exist": {
        "02": "2. `reuse=True`: fetch, never create",
    },
    "a shared variable has one shape": {"02": "2. `reuse=True`: fetch, never create"},
    "a shared variable has one dtype": {"02": "2. `reuse=True`: fetch, never create"},
    "a new variable needs a shape": {"02": "2. `reuse=True`: fetch, never create"},
    "reuse needs a scope name": {"02": "7. `reuse_variables()` at the top level"},
    "a variable_scope needs a name": {"02": "7. `reuse_variables()` at the top level"},
    "TF2's tf.name_scope needs a name": {"01": "8. TensorFlow 2's `tf.name_scope`"},
    "placeholders exist only in graphs": {
        "08": "5. What `tf.compat.v1` keeps, and what it silently drops",
    },
    "eager tensors have no names": {
        "08": "5. What `tf.compat.v1` keeps, and what it silently drops",
    },
    "sessions run graphs, not eager tensors": {
        "08": "5. What `tf.compat.v1` keeps, and what it silently drops",
    },
    "TF1 names are not in the TF2 namespace": {"08": "1. The TF1 model"},
    "tf.contrib is gone": {
        "04": "1. The old import",
        "06": "1. The blog post's imports on TensorFlow 2.21",
    },
    "slim.local_variable is broken in tf-slim 1.1.0": {"04": "7. Local variables"},
    "arg_scope already supplies that argument": {"05": "10. Nested arg_scopes"},
    "an argument the function does not take": {"05": "11. More arg_scope rules"},
    "arg_scope works only on decorated functions": {"05": "11. More arg_scope rules"},
    "a captured arg_scope is re-applied as is": {"05": "11. More arg_scope rules"},
    "slim.repeat/stack name scopes after the layer function": {
        "06": "3. `slim.stack`: the same layer with different arguments",
    },
    "scope names have a fixed alphabet": {
        "06": "3. `slim.stack`: the same layer with different arguments",
    },
    "slim.stack takes a list": {"06": "3. `slim.stack`: the same layer with different arguments"},
    "slim nets return (net, end_points)": {"06": "8. `vgg_16` returns two things"},
    "a typo copied from an old article": {"03": "1. The blog post's conv layer, as printed"},
}


def explained_types() -> tuple[type[BaseException], ...]:
    """Every exception type some rule of kit.errors translates (and AttributeError, for
    misspelled TensorFlow names): only these pass through the handler."""
    found: list[type[BaseException]] = [AttributeError]
    for rule in RULES:
        found += [t for t in rule.types if t not in found]
    # SystemExit never reaches a custom handler (IPython catches it first).
    return tuple(t for t in found if issubclass(t, Exception))


def heading_anchor(heading: str) -> str:
    """The id JupyterLab and Notebook 7 give a markdown heading: its text, spaces as '-'."""
    return re.sub(r"[`*]", "", heading.strip()).replace(" ", "-")


@dataclass(frozen=True)
class LessonLink:
    """Where a lesson shows an error: the lesson by name, its section, the notebook link."""

    label: str  # "lesson 02 (Reuse modes)"
    section: str | None  # "2. `reuse=True`: fetch, never create"
    href: str | None  # "02_reuse_modes.ipynb#2.-reuse=True:-fetch,-never-create"

    @property
    def section_label(self) -> str:
        """'section 2 "`reuse=True`: fetch, never create"' (empty without a section)."""
        if not self.section:
            return ""
        number, dot, title = self.section.partition(". ")
        return f'section {number} "{title}"' if dot and number.isdigit() else f'"{self.section}"'

    @property
    def text(self) -> str:
        named = f"{self.label}, {self.section_label}" if self.section else self.label
        return f"{named}, {self.href.partition('#')[0]}" if self.href else named


def lesson_link(number: str, concept: str = "") -> LessonLink:
    """The link to lesson ``number`` (to the section that shows ``concept`` if one does),
    relative to the notebooks/ folder that every lesson is in."""
    from kit.lessons import lesson

    try:
        found = lesson(number)
    except KeyError:
        return LessonLink(f"lesson {number}", None, None)
    section = SECTIONS.get(concept, {}).get(number)
    href = found.notebook + (f"#{heading_anchor(section)}" if section else "")
    return LessonLink(f"lesson {number} ({found.title})", section, href)


@dataclass(frozen=True, repr=False)
class ErrorNote(Displayable):
    """The note shown under a known error: concept, what to change, where it is taught."""

    translation: Translation

    def links(self) -> list[LessonLink]:
        return [lesson_link(number, self.translation.concept)
                for number in self.translation.lessons]

    def to_text(self) -> str:
        lines = [
            f"What this error means: {self.translation.concept}.",
            f"What to change: {self.translation.change}",
        ]
        links = self.links()
        if links:
            lines.append("Where the lessons show it: " + "; ".join(link.text for link in links) + ".")
        lines.append(f"({OFF_HINT})")
        return "\n".join(lines)

    def to_html(self) -> str:
        items = []
        for link in self.links():
            shown = html.escape(link.label)
            if link.section:
                shown += f", {code_html(link.section_label)}"
            items.append(f'<a href="{html.escape(link.href)}">{shown}</a>' if link.href else shown)
        where = (f"<br><strong>Where the lessons show it:</strong> {'; '.join(items)}."
                 if items else "")
        return (
            '<div class="scopekit-error-note" style="border-left:3px solid #1565c0;'
            'padding:0.3em 0.8em;margin:0.3em 0">'
            f"<strong>What this error means:</strong> {html.escape(self.translation.concept)}."
            f"<br><strong>What to change:</strong> {code_html(self.translation.change)}"
            f"{where}<br><small><code>{html.escape(OFF_HINT)}</code></small></div>"
        )


def note_for(error: BaseException) -> ErrorNote | None:
    """The note for ``error``, or None when kit.errors does not know it."""
    translation = translate(error)
    return ErrorNote(translation) if translation.known else None


@dataclass
class _Installed:
    """A shell's handler before ours, and our handler, to put the first one back."""

    previous_handler: Any
    previous_types: tuple
    ours: Any


def _current_shell():
    """The running IPython shell, or None; never imports IPython (a script has none)."""
    ipython = sys.modules.get("IPython")
    get_ipython = getattr(ipython, "get_ipython", None)
    return get_ipython() if get_ipython is not None else None


def _state(shell) -> _Installed | None:
    return getattr(shell, _STATE, None)


def _raised_while_running(tb) -> bool:
    """True for an error from the cell's code (caught in run_code), False for one raised
    while IPython parsed the cell (caught in run_cell_async)."""
    return tb is not None and tb.tb_frame.f_code.co_name == "run_code"


def _show_as_ipython_would(shell, etype, tb) -> None:
    """Exactly what IPython does for this error when no custom handler is set."""
    if _raised_while_running(tb):
        shell.showtraceback(running_compiled_code=True)
    elif issubclass(etype, IndentationError):
        shell.showindentationerror()
    elif issubclass(etype, _PARSE_ERRORS):
        shell.showsyntaxerror()
    else:
        shell.showtraceback()


def _publish(shell, note: ErrorNote) -> None:
    """Display ``note`` through IPython.display (text/plain first, then text/html)."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display

    bundle = note._repr_mimebundle_()
    if InteractiveShell.initialized() and InteractiveShell.instance() is shell:
        display(bundle, raw=True)
    else:
        shell.display_pub.publish(data=bundle, metadata={})


def _handler(shell, etype, value, tb, tb_offset=None):
    state = _state(shell)
    structured = None
    if state is not None and state.previous_types and isinstance(value, state.previous_types):
        structured = state.previous_handler(etype, value, tb, tb_offset)
    else:
        _show_as_ipython_would(shell, etype, tb)
    if not _raised_while_running(tb):
        return structured
    try:
        note = note_for(value)
        if note is not None:
            _publish(shell, note)
    except Exception:  # noqa: BLE001, S110 - a note is extra: never break the error display
        pass
    return structured


def explain_errors(on: bool = True, shell=None) -> bool:
    """Turn the notes under known errors on (default) or off; True while they are on.

    Outside IPython (no shell) nothing happens and the result is False.
    """
    shell = _current_shell() if shell is None else shell
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    state = _state(shell)
    if on:
        if state is not None and shell.CustomTB is state.ours:
            return True
        previous_handler, previous_types = shell.CustomTB, tuple(shell.custom_exceptions)
        types = tuple(dict.fromkeys((*explained_types(), *previous_types)))
        shell.set_custom_exc(types, _handler)
        setattr(shell, _STATE, _Installed(previous_handler, previous_types, shell.CustomTB))
        return True
    if state is not None:
        delattr(shell, _STATE)
        if shell.CustomTB is state.ours:  # nobody replaced ours since: put theirs back
            shell.CustomTB = state.previous_handler
            shell.custom_exceptions = state.previous_types
    return False


def explaining(shell=None) -> bool:
    """True when the notes are on in ``shell`` (default: the running one)."""
    shell = _current_shell() if shell is None else shell
    state = _state(shell) if shell is not None else None
    return state is not None and shell.CustomTB is state.ours


# On from the first `import kit` in a notebook, off with kit.explain_errors(False).
explain_errors(True)
