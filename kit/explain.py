"""Explain scoping errors in any cell: the traceback as IPython shows it, then a short note.

``explain_errors(True)`` installs a custom exception handler in the running IPython shell
(``shell.set_custom_exc``). When a cell raises an error that ``kit.errors.translate``
knows, the handler first lets IPython show it exactly as it would have (it calls
``shell.showtraceback()``: same traceback, same ``%xmode``, same error message to the
notebook, so nbclient and nbval see the same ``error`` output), then displays a note with
the concept, what to change and the lessons that show it (text/plain first, then HTML
with links to the lesson notebooks). Errors it does not know are shown as they are, with
no note. ``explain_errors(False)`` puts back whatever handler was there before.

Outside IPython (a script, pytest) both calls do nothing and return False.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import Any

from kit.errors import RULES, Translation, translate
from kit.render import Displayable, code_html

OFF_HINT = "kit.explain_errors(False) turns these notes off."
# What IPython does with an error raised while a cell is parsed, not run (run_cell_async).
_PARSE_ERRORS = (OverflowError, SyntaxError, ValueError, TypeError, MemoryError)


def explained_types() -> tuple[type[BaseException], ...]:
    """Every exception type some rule of kit.errors translates (and AttributeError, for
    misspelled TensorFlow names): only these pass through the handler."""
    found: list[type[BaseException]] = [AttributeError]
    for rule in RULES:
        found += [t for t in rule.types if t not in found]
    # SystemExit never reaches a custom handler (IPython catches it first).
    return tuple(t for t in found if issubclass(t, Exception))


def _lesson_link(number: str) -> tuple[str, str | None]:
    """("lesson 02 (Reuse modes)", "02_reuse_modes.ipynb"); no file for an unknown number."""
    from kit.lessons import lesson

    try:
        found = lesson(number)
    except KeyError:
        return f"lesson {number}", None
    return f"lesson {number} ({found.title})", found.notebook


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


@dataclass(frozen=True, repr=False)
class ErrorNote(Displayable):
    """The note shown under a known error: concept, what to change, where it is taught."""

    translation: Translation

    def _links(self) -> list[tuple[str, str | None]]:
        return [_lesson_link(number) for number in self.translation.lessons]

    def to_text(self) -> str:
        lines = [
            f"What this error means: {self.translation.concept}.",
            f"What to change: {self.translation.change}",
        ]
        links = self._links()
        if links:
            named = [f"{label}, {notebook}" if notebook else label for label, notebook in links]
            lines.append(f"Where the lessons show it: {'; '.join(named)}.")
        lines.append(f"({OFF_HINT})")
        return "\n".join(lines)

    def to_html(self) -> str:
        links = [
            f'<a href="{html.escape(notebook)}">{html.escape(label)}</a>' if notebook
            else html.escape(label)
            for label, notebook in self._links()
        ]
        where = (f"<br><strong>Where the lessons show it:</strong> {_joined(links)}."
                 if links else "")
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


_installed: dict[int, _Installed] = {}


def _current_shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


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
    state = _installed.get(id(shell))
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
    key = id(shell)
    state = _installed.get(key)
    if on:
        if state is not None and shell.CustomTB is state.ours:
            return True
        previous_handler, previous_types = shell.CustomTB, tuple(shell.custom_exceptions)
        types = tuple(dict.fromkeys((*explained_types(), *previous_types)))
        shell.set_custom_exc(types, _handler)
        _installed[key] = _Installed(previous_handler, previous_types, shell.CustomTB)
        return True
    if state is not None:
        del _installed[key]
        if shell.CustomTB is state.ours:  # nobody replaced ours since: put theirs back
            shell.CustomTB = state.previous_handler
            shell.custom_exceptions = state.previous_types
    return False


def explaining(shell=None) -> bool:
    """True when the notes are on in ``shell`` (default: the running one)."""
    shell = _current_shell() if shell is None else shell
    state = _installed.get(id(shell)) if shell is not None else None
    return state is not None and shell.CustomTB is state.ours
