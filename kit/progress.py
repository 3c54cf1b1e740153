"""Learner progress: which exercises were checked, and how it went, in a local JSON file.

Per exercise the store keeps the latest outcome, the number of tries, whether the first
try was correct, how many hints were seen, whether the answer or the solution was shown,
and whether the exercise became correct only with that help. Files written before those
fields existed (format 1) still load; what they never recorded counts as unknown.

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
import json
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kit.render import Displayable

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; writes stay atomic.
    fcntl = None

ENV_VAR = "SCOPEKIT_PROGRESS"
FILE_NAME = "progress.json"
FORMAT_VERSION = 2
OUTCOMES = ("correct", "incorrect", "error")
# What a check or a hint adds to an entry beyond the four fields of format 1.
HELP_FIELDS = ("hints_seen", "answer_shown", "solution_seen", "correct_with_help",
               "correct_after_shown")
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
    first_try: int = 0
    with_help: int = 0


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


def record(lesson: str, exercise: str, outcome: str, *, answer_shown: bool = False) -> None:
    """Remember that ``exercise`` of ``lesson`` was checked with ``outcome``. Never raises.

    ``outcome`` is ``"correct"``, ``"incorrect"`` or ``"error"``; "not attempted" is no
    attempt and is ignored. ``answer_shown`` says this check's feedback showed the true
    answer. The entry keeps the latest outcome, whether it was ever correct, how many
    attempts there were, when the last one happened, whether the first was correct, and
    whether a correct answer came only after hints, the answer or the solution were seen.
    """
    try:
        outcome = str(getattr(outcome, "value", outcome)).lower()
        if outcome in NOT_RECORDED:
            return
        if outcome not in OUTCOMES:
            _warn_once("outcome", f"scopekit progress: unknown outcome {outcome!r} was not "
                       f"recorded (expected one of {', '.join(OUTCOMES)}).")
            return
        before = load().get(str(lesson), {}).get(str(exercise), {})
        correct = outcome == "correct" and not before.get("ever_correct")  # newly correct
        shown_before = bool(before.get("answer_shown") or before.get("solution_seen"))
        entry = {
            "outcome": outcome,
            "ever_correct": outcome == "correct",
            "attempts": 1,
            "updated": _now(),
            "answer_shown": bool(answer_shown),
            "correct_with_help": correct and (shown_before or int(before.get("hints_seen", 0)) > 0),
            "correct_after_shown": correct and shown_before,
        }
        if not before.get("attempts"):
            entry["first_try_correct"] = outcome == "correct"
        _remember(lesson, exercise, entry)
    except Exception as error:  # noqa: BLE001 - a lesson must never stop here
        _warn_once("unexpected", f"scopekit progress: could not record this check ({error}). "
                   "Your lesson is fine; progress for this session is kept in memory.")


def record_help(lesson: str, exercise: str, *, hint: int = 0, solution: bool = False) -> None:
    """Remember that hint number ``hint`` (or the solution) of an exercise was shown.
    Never raises; no try is counted."""
    try:
        entry = {"attempts": 0, "updated": _now(), "hints_seen": int(hint),
                 "solution_seen": bool(solution)}
        _remember(lesson, exercise, entry)
    except Exception as error:  # noqa: BLE001 - a lesson must never stop here
        _warn_once("unexpected", f"scopekit progress: could not record this hint ({error}). "
                   "Your lesson is fine; progress for this session is kept in memory.")


def _remember(lesson: str, exercise: str, entry: dict[str, Any]) -> None:
    _merge_into(_unsaved, {str(lesson): {str(exercise): entry}})
    _save_unsaved()


def load() -> dict[str, dict[str, dict[str, Any]]]:
    """All recorded progress: ``{lesson: {exercise: entry}}`` (file plus unsaved outcomes).

    Each entry has ``outcome`` (None if only hints were seen), ``ever_correct``,
    ``attempts`` and ``updated`` (ISO 8601 UTC); entries of format 2 also have
    ``first_try_correct`` (None: not known), ``hints_seen`` and the booleans of
    ``HELP_FIELDS``.
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
        entries = [e for e in progress.get(lesson.number, {}).values() if e.get("attempts")]
        stamps = [entry["updated"] for entry in entries if entry.get("updated")]
        rows.append(LessonProgress(
            number=lesson.number,
            title=lesson.title,
            notebook=lesson.notebook,
            tried=len(entries),
            correct=sum(1 for entry in entries if entry.get("ever_correct")),
            last_checked=max(stamps) if stamps else None,
            first_try=sum(1 for entry in entries if entry.get("first_try_correct") is True),
            with_help=sum(1 for entry in entries if entry.get("correct_with_help")),
        ))
    return rows


COLUMNS = ("lesson", "title", "correct", "first try", "with help", "tried", "last checked")
CAPTION = ("exercises correct, correct at the first try, correct only after a hint or the "
           "answer, and tried, per lesson")


def summary_text(rows: Iterable[LessonProgress]) -> str:
    """The progress table as plain text (what nbval compares and GitHub shows)."""
    rows = list(rows)
    lines = [(row.number, row.title, str(row.correct), str(row.first_try), str(row.with_help),
              str(row.tried), _short_time(row.last_checked)) for row in rows]
    title_width = max([len(COLUMNS[1]), *(len(line[1]) for line in lines)])

    def row_text(cells) -> str:
        number, title, *counts, when = cells
        numbers = "  ".join(f"{count:>{len(name)}}" for count, name in zip(counts, COLUMNS[2:6]))
        return f"{number:<6}  {title:<{title_width}}  {numbers}  {when}"

    table = [row_text(COLUMNS), *(row_text(line) for line in lines)]
    return "\n".join([f"Your progress ({CAPTION})", *table, "", _verdict(rows)])


def summary_html(rows: Iterable[LessonProgress]) -> str:
    """The progress table as HTML, each lesson linked to its notebook."""
    rows = list(rows)

    def number(value: int) -> str:
        return f'<td style="text-align:right">{value}</td>'

    cells = "".join(
        f"<tr><td>{html.escape(row.number)}</td>"
        f'<td><a href="{html.escape(row.notebook)}">{html.escape(row.title)}</a></td>'
        + "".join(number(v) for v in (row.correct, row.first_try, row.with_help, row.tried))
        + f"<td>{html.escape(_short_time(row.last_checked))}</td></tr>"
        for row in rows
    )
    head = "".join(f"<th>{html.escape(name)}</th>" for name in COLUMNS)
    return (
        f'<div class="scopekit-progress"><p><b>Your progress</b> ({html.escape(CAPTION)})</p>'
        f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"
        f"<p>{html.escape(_verdict(rows))}</p></div>"
    )


class ProgressTable(Displayable):
    """The progress table as a display object: HTML where it renders, text elsewhere.
    ``kit.show_progress()`` shows it (or the live panel where widgets run)."""

    def __init__(self, rows: Iterable[LessonProgress]):
        self.rows = list(rows)

    def to_text(self) -> str:
        return summary_text(self.rows)

    def to_html(self) -> str:
        return summary_html(self.rows)


def _short_time(stamp: str | None) -> str:
    """``2026-11-23T19:04:05.123+00:00`` -> ``2026-11-23 19:04 UTC``; ``-`` for never."""
    if not stamp:
        return "-"
    return f"{stamp[:10]} {stamp[11:16]} UTC"


def _verdict(rows: list[LessonProgress]) -> str:
    correct = sum(row.correct for row in rows)
    tried = sum(row.tried for row in rows)
    first_try = sum(row.first_try for row in rows)
    if not tried:
        return ("Nothing checked yet: open lesson 01 and run `qN.check()` after each "
                "exercise. Refresh (or re-run this cell) to update the table.")
    return (f"{correct} of the {tried} exercises you tried are correct so far, {first_try} "
            "of them at the first try. Refresh (or re-run this cell) to update the table.")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _combine(old: dict[str, Any] | None, new: dict[str, Any]) -> dict[str, Any]:
    """Merge two entries for one exercise: attempts add up, the later outcome wins, the
    first try stays the first, hints seen is the highest, help once seen stays seen."""
    old = _complete(old or {})
    new = _complete(new)
    later = new if new["updated"] >= old["updated"] else old
    checked = [entry for entry in (old, new) if entry["attempts"]]
    merged = {
        "outcome": (later if later["attempts"] else (checked or [later])[0])["outcome"],
        "ever_correct": old["ever_correct"] or new["ever_correct"],
        "attempts": old["attempts"] + new["attempts"],
        "updated": later["updated"],
        "first_try_correct": checked[0]["first_try_correct"] if checked else None,
        "hints_seen": max(old["hints_seen"], new["hints_seen"]),
    }
    for name in HELP_FIELDS[1:]:
        merged[name] = old[name] or new[name]
    return merged


def _complete(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry with every field; what an old (format 1) entry never recorded is unknown."""
    return {
        "outcome": entry.get("outcome"),
        "ever_correct": bool(entry.get("ever_correct")),
        "attempts": int(entry.get("attempts", 0)),
        "updated": entry.get("updated") or "",
        "first_try_correct": entry.get("first_try_correct"),
        "hints_seen": int(entry.get("hints_seen", 0)),
        **{name: bool(entry.get(name)) for name in HELP_FIELDS[1:]},
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
            isinstance(exercises, dict) and all(map(valid_entry, exercises.values()))
            for exercises in lessons.values()
        ):
            raise ValueError("unexpected layout")
        return lessons
    except (ValueError, KeyError, TypeError) as problem:
        return _set_aside(path, problem)


def valid_entry(entry: Any) -> bool:
    """A format-1 or format-2 entry (an entry with no tries, only hints, has no outcome)."""
    if not (isinstance(entry, dict) and type(entry.get("attempts")) is int
            and isinstance(entry.get("updated"), str)):
        return False
    outcome_ok = entry.get("outcome") in OUTCOMES or (entry["attempts"] == 0
                                                       and entry.get("outcome") is None)
    return (outcome_ok and isinstance(entry.get("ever_correct", False), bool)
            and entry.get("first_try_correct") in (None, True, False)
            and type(entry.get("hints_seen", 0)) is int
            and all(isinstance(entry.get(name, False), bool) for name in HELP_FIELDS[1:]))


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


if __name__ == "__main__":
    # python -m kit.progress report FILES_OR_DIRS... : the instructor's class report.
    from kit.progress_report import main

    raise SystemExit(main())
