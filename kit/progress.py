"""Learner progress: which exercises were checked, and how it went, in a local JSON file.

The store lives at ``store_path()``: ``$SCOPEKIT_PROGRESS`` if set (a file path; tests and
``tools/execute_notebooks.py`` point it at a fresh temporary file so stored notebook
outputs never depend on a learner's progress), else ``progress.json`` in the user's data
directory (``platformdirs.user_data_dir("scopekit")``).

Two kernels may record at once: each update takes a lock file (``fcntl`` on POSIX), re-reads
the file, merges, and replaces it atomically (temporary file + ``os.replace``), so no update
is lost and no reader sees half a file. Without ``fcntl`` the writes stay atomic but two
updates at the very same instant can lose one of them.

A lesson must never stop because of this file: ``record`` never raises. A corrupt file is
moved aside to ``progress.json.corrupt-<n>`` (never overwritten); if the file cannot be
moved or written, progress is kept in memory for this kernel. Either way one friendly
warning per kind of problem says what happened and what to do.
"""

from __future__ import annotations

import contextlib
import html
import importlib.util
import json
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; writes stay atomic.
    fcntl = None

ENV_VAR = "SCOPEKIT_PROGRESS"
FILE_NAME = "progress.json"
FORMAT_VERSION = 1
OUTCOMES = ("correct", "incorrect", "error")
NOT_RECORDED = ("not_attempted", "not attempted")


class ProgressWarning(UserWarning):
    """The progress file could not be read or written; the lesson carries on."""


@dataclass(frozen=True)
class LessonProgress:
    """One row of the progress table: how far the learner got in one lesson."""

    number: str
    title: str
    notebook: str
    tried: int
    correct: int
    last_checked: str | None


# Outcomes this kernel could not save, as deltas to merge into the file later.
_unsaved: dict[str, dict[str, dict[str, Any]]] = {}
_warned: set[str] = set()


def store_path() -> Path:
    """Where progress is stored: ``$SCOPEKIT_PROGRESS`` or the user's data directory."""
    override = os.environ.get(ENV_VAR, "").strip()
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("scopekit", appauthor=False)) / FILE_NAME


def record(lesson: str, exercise: str, outcome: str) -> None:
    """Remember that ``exercise`` of ``lesson`` was checked with ``outcome``. Never raises.

    ``outcome`` is ``"correct"``, ``"incorrect"`` or ``"error"``; "not attempted" is no
    attempt and is ignored. The entry keeps the latest outcome, whether it was ever
    correct, how many attempts there were and when the last one happened.
    """
    try:
        outcome = str(getattr(outcome, "value", outcome)).lower()
        if outcome in NOT_RECORDED:
            return
        if outcome not in OUTCOMES:
            _warn_once("outcome", f"scopekit progress: unknown outcome {outcome!r} was not "
                       f"recorded (expected one of {', '.join(OUTCOMES)}).")
            return
        entry = {
            "outcome": outcome,
            "ever_correct": outcome == "correct",
            "attempts": 1,
            "updated": _now(),
        }
        delta = {str(lesson): {str(exercise): entry}}
        _merge_into(_unsaved, delta)
        _save_unsaved()
    except Exception as error:  # noqa: BLE001 - a lesson must never stop here
        _warn_once("unexpected", f"scopekit progress: could not record this check ({error}). "
                   "Your lesson is fine; progress for this session is kept in memory.")


def load() -> dict[str, dict[str, dict[str, Any]]]:
    """All recorded progress: ``{lesson: {exercise: entry}}`` (file plus unsaved outcomes).

    Each entry has ``outcome``, ``ever_correct``, ``attempts`` and ``updated`` (ISO 8601 UTC).
    """
    try:
        path = store_path()
        with _locked(path):
            stored = _read(path) or {}
    except Exception:  # noqa: BLE001 - reading progress must not stop a lesson
        stored = {}
    combined: dict[str, dict[str, dict[str, Any]]] = {}
    _merge_into(combined, stored)
    _merge_into(combined, _unsaved)
    return combined


def summary(lessons: Iterable[Any]) -> list[LessonProgress]:
    """One row per lesson (objects with ``number``, ``title``, ``notebook``), in order."""
    progress = load()
    rows = []
    for lesson in lessons:
        entries = progress.get(lesson.number, {})
        stamps = [entry["updated"] for entry in entries.values() if entry.get("updated")]
        rows.append(LessonProgress(
            number=lesson.number,
            title=lesson.title,
            notebook=lesson.notebook,
            tried=len(entries),
            correct=sum(1 for entry in entries.values() if entry.get("ever_correct")),
            last_checked=max(stamps) if stamps else None,
        ))
    return rows


def summary_text(rows: Iterable[LessonProgress]) -> str:
    """The progress table as plain text (what nbval compares and GitHub shows)."""
    rows = list(rows)
    header = ("lesson", "title", "correct", "tried", "last checked")
    lines = [(row.number, row.title, str(row.correct), str(row.tried),
              _short_time(row.last_checked)) for row in rows]
    width = max([len(header[1]), *(len(line[1]) for line in lines)])
    table = [f"{header[0]:<6}  {header[1]:<{width}}  {header[2]:>7}  {header[3]:>5}  {header[4]}"]
    table += [f"{a:<6}  {b:<{width}}  {c:>7}  {d:>5}  {e}" for a, b, c, d, e in lines]
    return "\n".join(["Your progress (exercises correct and tried, per lesson)", *table, "",
                      _verdict(rows)])


def summary_html(rows: Iterable[LessonProgress]) -> str:
    """The progress table as HTML, each lesson linked to its notebook."""
    rows = list(rows)
    cells = "".join(
        f"<tr><td>{html.escape(row.number)}</td>"
        f'<td><a href="{html.escape(row.notebook)}">{html.escape(row.title)}</a></td>'
        f'<td style="text-align:right">{row.correct}</td>'
        f'<td style="text-align:right">{row.tried}</td>'
        f"<td>{html.escape(_short_time(row.last_checked))}</td></tr>"
        for row in rows
    )
    return (
        '<div class="scopekit-progress"><p><b>Your progress</b> '
        "(exercises correct and tried, per lesson)</p><table>"
        "<thead><tr><th>lesson</th><th>title</th><th>correct</th><th>tried</th>"
        f"<th>last checked</th></tr></thead><tbody>{cells}</tbody></table>"
        f"<p>{html.escape(_verdict(rows))}</p></div>"
    )


class ProgressTable:
    """The progress table as a display object: HTML where it renders, text elsewhere."""

    def __init__(self, rows: Iterable[LessonProgress]):
        self.rows = list(rows)

    def __str__(self) -> str:
        return summary_text(self.rows)

    __repr__ = __str__

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {"text/plain": summary_text(self.rows), "text/html": summary_html(self.rows)}


def show(lessons: Iterable[Any] | None = None):
    """The learner's progress: a live panel with a refresh button where widgets run,
    else a static table (same text). ``lessons`` defaults to the kit's lessons."""
    if lessons is None:
        from kit.lessons import exercise_lessons

        lessons = exercise_lessons()
    lessons = tuple(lessons)
    if _widgets_available():
        from kit.progress_widget import ProgressPanel

        return ProgressPanel(lessons)
    return ProgressTable(summary(lessons))


def _widgets_available() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    return importlib.util.find_spec("ipywidgets") is not None


def _short_time(stamp: str | None) -> str:
    """``2026-11-23T19:04:05.123+00:00`` -> ``2026-11-23 19:04 UTC``; ``-`` for never."""
    if not stamp:
        return "-"
    return f"{stamp[:10]} {stamp[11:16]} UTC"


def _verdict(rows: list[LessonProgress]) -> str:
    correct = sum(row.correct for row in rows)
    tried = sum(row.tried for row in rows)
    if not tried:
        return ("Nothing checked yet: open lesson 01 and run `qN.check()` after each "
                "exercise. Refresh (or re-run this cell) to update the table.")
    return (f"{correct} of the {tried} exercises you tried are correct so far. "
            "Refresh (or re-run this cell) to update the table.")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _combine(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Merge two entries for one exercise: attempts add up, the later outcome wins."""
    if not old:
        return dict(new)
    later = new if new.get("updated", "") >= old.get("updated", "") else old
    return {
        "outcome": later.get("outcome"),
        "ever_correct": bool(old.get("ever_correct")) or bool(new.get("ever_correct")),
        "attempts": int(old.get("attempts", 0)) + int(new.get("attempts", 0)),
        "updated": later.get("updated"),
    }


def _merge_into(target: dict, delta: dict) -> None:
    for lesson, exercises in delta.items():
        bucket = target.setdefault(lesson, {})
        for exercise, entry in exercises.items():
            bucket[exercise] = _combine(bucket.get(exercise), entry)


def _save_unsaved() -> None:
    """Merge this kernel's unsaved outcomes into the file, under the lock."""
    path = store_path()
    try:
        with _locked(path):
            stored = _read(path)
            if stored is None:
                return  # corrupt and could not be moved aside: keep progress in memory
            _merge_into(stored, _unsaved)
            _write_atomically(path, {"version": FORMAT_VERSION, "lessons": stored})
    except OSError as error:
        _warn_once("unwritable", f"scopekit progress: could not save to {path} ({error}). "
                   "Your lesson is fine and progress is kept in memory for this session. "
                   f"To keep it, make that folder writable or set {ENV_VAR} to a file "
                   "path you can write, then restart the kernel.")
        return
    _unsaved.clear()


def _read(path: Path) -> dict | None:
    """The stored lessons; {} if there is no file; None if corrupt and left in place."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
        lessons = data["lessons"]
        if not isinstance(lessons, dict) or not all(
            isinstance(exercises, dict) and all(map(_valid_entry, exercises.values()))
            for exercises in lessons.values()
        ):
            raise ValueError("unexpected layout")
        return lessons
    except (ValueError, KeyError, TypeError) as problem:
        return _set_aside(path, problem)


def _valid_entry(entry: Any) -> bool:
    return (isinstance(entry, dict) and entry.get("outcome") in OUTCOMES
            and isinstance(entry.get("ever_correct"), bool)
            and type(entry.get("attempts")) is int and isinstance(entry.get("updated"), str))


def _set_aside(path: Path, problem: Exception) -> dict | None:
    """Move a corrupt store to ``<name>.corrupt-<n>``; None if it cannot be moved."""
    n = 1
    while path.with_name(f"{path.name}.corrupt-{n}").exists():
        n += 1
    aside = path.with_name(f"{path.name}.corrupt-{n}")
    try:
        os.rename(path, aside)
    except OSError:
        _warn_once("corrupt", f"scopekit progress: {path} is not a progress file this kit can "
                   f"read ({problem}) and could not be moved aside, so it was left untouched. "
                   "Progress for this session is kept in memory only. Move or delete that "
                   "file, then restart the kernel.")
        return None
    _warn_once("corrupt", f"scopekit progress: {path} could not be read ({problem}). It was "
               f"moved to {aside.name} in the same folder (nothing deleted) and a new progress "
               "file was started. Your lesson is fine.")
    return {}


def _write_atomically(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp",
                                             dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``<store>.lock`` if the platform and folder allow one."""
    if fcntl is None:
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    handle = None
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
    for mode in ("a", "r"):
        try:
            handle = open(lock_path, mode)  # noqa: SIM115 - closed below
            break
        except OSError:
            continue
    if handle is None:
        yield  # read-only folder: nothing can be written anyway, so no lock is needed
        return
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield
    finally:
        handle.close()  # closing releases the lock


def _warn_once(kind: str, message: str) -> None:
    if kind in _warned:
        return
    _warned.add(kind)
    warnings.warn(message, ProgressWarning, stacklevel=3)
