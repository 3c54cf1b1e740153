"""The instructor's class report: how a class did on each exercise, from learners' progress files.

    python -m kit.progress report FILES_OR_DIRS... [--csv] [--plot FILE.png]

Each argument is a learner's progress file (``kit/progress.py``'s JSON store) or a folder,
searched recursively for files named ``progress.json`` (on a hub: the learners' home
folders, where the store is ``~/.local/share/scopekit/progress.json`` unless
``$SCOPEKIT_PROGRESS`` says otherwise). One file is one learner.

Per exercise it counts the learners who tried it (at least one check) and puts each of them
in exactly one column, so the columns add up to "tried":

- ``first try``: correct at the first check, with no hint, answer or solution seen before;
- ``later``: wrong at first, correct later on their own (no help seen before it was correct);
- ``with help``: correct only after a hint, the answer or the solution was seen;
- ``never``: tried, never correct;
- ``unknown``: correct, but the file is from before first tries and hints were recorded
  (format 1), so whether it was at the first try or with help is not known.

Files that are not progress stores (not JSON, another program's JSON, an unexpected
layout, a newer format) are listed as skipped with the reason and never stop the report;
they are only read, never moved or changed (unlike ``kit.progress``'s own reader, which
sets a corrupt store aside). Exit status: 0 if at least one file was read, 2 if none.

The report imports no TensorFlow: from ``kit`` only ``kit.progress`` (its entry check),
matplotlib only for ``--plot``; ``kit/__init__.py`` leaves TensorFlow out when the package
is imported to run a command (``python -m kit.progress``). Run as a file
(``python kit/progress_report.py report ...``, the same arguments), it works too.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import logging
import os
import re
import sys
import textwrap
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if __name__ == "__main__" and "kit" not in sys.modules:
    # Run as a file (python kit/progress_report.py report ...): make ``kit`` a bare package,
    # so kit.progress and what it imports (kit.render, kit.tree) load without running
    # kit/__init__.py, which imports TensorFlow. Nothing else runs in this process.
    _KIT = Path(__file__).resolve().parent
    if sys.path and Path(sys.path[0] or ".").resolve() == _KIT:
        del sys.path[0]  # kit/ itself must not shadow top-level modules (errors, tree, ...)
    _bare = types.ModuleType("kit", "scopekit, without its TensorFlow import")
    _bare.__path__ = [str(_KIT)]
    sys.modules["kit"] = _bare

from kit import progress

FILE_NAME = progress.FILE_NAME
KNOWN_FORMATS = (1, progress.FORMAT_VERSION)
COLUMNS = ("tried", "first try", "later", "with help", "never", "unknown")
CSV_COLUMNS = ("lesson", "exercise", "tried", "first_try", "later_on_own", "with_help",
               "never_correct", "correct_unknown_how")
LEGEND = (
    "Per exercise: learners who tried it (at least one check), and for each of them one of: "
    "correct at the first try with no help; correct later on their own; correct with help "
    "(a hint, the answer or the solution seen first); never correct; correct, but unknown "
    "how (a format-1 file, from before first tries and hints were recorded)."
)
PLOT_SIZE = (7.2, 4.2)
PLOT_DPI = 100
PLOT_TOP = 10
PLOT_COLOURS = {  # column -> colour; drawn left to right in this order
    "never": "#c44e52",
    "with help": "#dd8452",
    "later": "#ccb974",
    "unknown": "#bbbbbb",
    "first try": "#55a868",
}


_KINDS = {list: "list", str: "string", int: "number", float: "number", bool: "true/false",
          type(None): "null"}


class NotAProgressFile(ValueError):
    """The file is not a progress store this kit can read; the message says why."""


@dataclass
class ExerciseCounts:
    """How the class did on one exercise: learners per column (see the module docstring)."""

    lesson: str
    exercise: str
    tried: int = 0
    first_try: int = 0
    later: int = 0
    with_help: int = 0
    never: int = 0
    unknown: int = 0

    def values(self) -> tuple[int, ...]:
        return (self.tried, self.first_try, self.later, self.with_help, self.never, self.unknown)


@dataclass
class ClassReport:
    """The counts per exercise, the files read (path -> format) and those skipped."""

    rows: list[ExerciseCounts]
    read: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def read_store(path: str | os.PathLike) -> tuple[int, dict[str, dict[str, dict[str, Any]]]]:
    """A progress file's format and lessons, ``(format, {lesson: {exercise: entry}})``.

    Only reads; raises ``NotAProgressFile`` (or ``OSError``) with the reason when the file
    is not a progress store: not UTF-8 JSON, not ``{"version": N, "lessons": {...}}``, a
    format newer than this kit, or an entry ``kit.progress`` would not accept.
    """
    raw = Path(path).read_bytes()
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise NotAProgressFile("not a text file (not UTF-8)") from None
    except ValueError as problem:
        raise NotAProgressFile(f"not JSON ({problem})") from None
    if not isinstance(data, dict):
        raise NotAProgressFile(f"not a scopekit progress file (JSON {_KINDS[type(data)]}, "
                               "not a table)")
    if "lessons" not in data:
        raise NotAProgressFile("not a scopekit progress file (JSON with no \"lessons\")")
    version = data.get("version", 1)
    if type(version) is not int:
        raise NotAProgressFile(f"not a scopekit progress file (version {version!r})")
    if version not in KNOWN_FORMATS:
        raise NotAProgressFile(f"format {version}, which this kit does not know (it reads "
                               f"{' and '.join(map(str, KNOWN_FORMATS))}); update the kit")
    lessons = data["lessons"]
    if not isinstance(lessons, dict):
        raise NotAProgressFile("unexpected layout (\"lessons\" is not a table)")
    for lesson, exercises in lessons.items():
        if not isinstance(exercises, dict):
            raise NotAProgressFile(f"unexpected layout (lesson {lesson!r} is not a table)")
        for exercise, entry in exercises.items():
            if not progress.valid_entry(entry):
                raise NotAProgressFile(f"unexpected layout (lesson {lesson!r}, exercise "
                                       f"{exercise!r} is not a progress entry)")
    return version, lessons


def classify(entry: dict[str, Any]) -> str | None:
    """The column one learner's entry counts in, or None if they never checked it."""
    if not entry.get("attempts"):
        return None  # hints or the solution seen, but never checked
    if not entry.get("ever_correct"):
        return "never"
    if entry.get("correct_with_help"):
        return "with help"
    first_try = entry.get("first_try_correct")
    if first_try is True:
        return "first try"
    if first_try is False:
        return "later"
    return "unknown"


def natural_key(name: str) -> tuple:
    """Sort key that puts ``q2`` before ``q10`` (digits compare as numbers)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part.lower())
                 for part in re.split(r"(\d+)", name) if part)


def progress_files(arguments: Iterable[str]) -> tuple[list[Path], list[tuple[str, str]]]:
    """The files to read (each once, in argument order; folders searched recursively for
    ``progress.json``, sorted), and the arguments that gave nothing, with the reason."""
    files: list[Path] = []
    seen: set[Path] = set()
    problems: list[tuple[str, str]] = []

    def add(path: Path) -> None:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            files.append(path)

    for argument in arguments:
        path = Path(argument)
        if path.is_dir():
            unreadable: list[OSError] = []
            found = []
            for folder, subfolders, names in os.walk(path, onerror=unreadable.append):
                subfolders.sort()
                if FILE_NAME in names:
                    found.append(Path(folder) / FILE_NAME)
            for error in unreadable:
                reason = f"folder could not be searched ({error.strerror or error})"
                problems.append((str(error.filename), reason))
            if not found:
                problems.append((argument, f"folder holds no file named {FILE_NAME}"))
            for file in found:
                add(file)
        elif path.exists():
            add(path)
        else:
            problems.append((argument, "no such file or folder"))
    return files, problems


def build_report(arguments: Iterable[str]) -> ClassReport:
    """Read every progress file the arguments name and count the class per exercise."""
    files, skipped = progress_files(arguments)
    counts: dict[tuple[str, str], ExerciseCounts] = {}
    read: dict[str, int] = {}
    attribute = {"first try": "first_try", "later": "later", "with help": "with_help",
                 "never": "never", "unknown": "unknown"}
    for path in files:
        try:
            version, lessons = read_store(path)
        except NotAProgressFile as problem:
            skipped.append((str(path), str(problem)))
            continue
        except OSError as problem:
            skipped.append((str(path), f"could not be read ({problem.strerror or problem})"))
            continue
        read[str(path)] = version
        for lesson, exercises in lessons.items():
            for exercise, entry in exercises.items():
                row = counts.setdefault((lesson, exercise), ExerciseCounts(lesson, exercise))
                column = classify(entry)
                if column is None:
                    continue
                row.tried += 1
                setattr(row, attribute[column], getattr(row, attribute[column]) + 1)
    rows = sorted(counts.values(),
                  key=lambda row: (natural_key(row.lesson), natural_key(row.exercise)))
    return ClassReport(rows=rows, read=read, skipped=skipped)


def hardest(rows: Sequence[ExerciseCounts], top: int = PLOT_TOP) -> list[ExerciseCounts]:
    """The exercises the class found hardest: most learners never correct, then fewest
    correct at the first try, then most with help; only exercises someone tried."""
    tried = [row for row in rows if row.tried]
    ordered = sorted(tried, key=lambda row: (-row.never, row.first_try, -row.with_help,
                                             natural_key(row.lesson), natural_key(row.exercise)))
    return ordered[:top]


def report_text(report: ClassReport) -> str:
    """The report as aligned plain text: a header, the table, totals, and skipped files."""
    format_1 = sum(1 for version in report.read.values() if version == 1)
    learners = len(report.read)
    header = f"Class report: {learners} progress file{'s' if learners != 1 else ''} read"
    if format_1:
        header += f" ({format_1} in format 1: first try and help unknown)"
    header += f", {len(report.skipped)} skipped."
    lines = [header, *textwrap.wrap(LEGEND, 88), ""]
    names = ("lesson", "exercise", *COLUMNS)
    cells = [(row.lesson, row.exercise, *map(str, row.values())) for row in report.rows]
    totals = [sum(row.values()[i] for row in report.rows) for i in range(len(COLUMNS))]
    cells.append(("total", "", *map(str, totals)))
    widths = [max(len(line[i]) for line in [names, *cells]) for i in range(len(names))]

    def line(values) -> str:
        text = [values[0].ljust(widths[0]), values[1].ljust(widths[1])]
        text += [value.rjust(width) for value, width in zip(values[2:], widths[2:])]
        return "  ".join(text).rstrip()

    if report.rows:
        lines += [line(names), *(line(values) for values in cells)]
    else:
        lines.append("No exercise recorded in the files read.")
    if report.skipped:
        lines += ["", "Skipped (not read):"]
        lines += [f"  {path}: {reason}" for path, reason in report.skipped]
    return "\n".join(lines) + "\n"


def report_csv(report: ClassReport) -> str:
    """The report as CSV, one row per exercise (no totals), header first."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report.rows:
        writer.writerow([row.lesson, row.exercise, *row.values()])
    return buffer.getvalue()


def write_plot(report: ClassReport, path: str | os.PathLike, top: int = PLOT_TOP) -> int:
    """A bar chart of the hardest exercises as PNG; identical bytes for the same report.

    One horizontal bar per exercise, split into the learners per column. Returns the
    number of exercises drawn.
    """
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = hardest(report.rows, top)
    figure = Figure(figsize=PLOT_SIZE, dpi=PLOT_DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = list(range(len(rows)))
    left = [0] * len(rows)
    attribute = {"first try": "first_try", "later": "later", "with help": "with_help",
                 "never": "never", "unknown": "unknown"}
    for column, colour in PLOT_COLOURS.items():
        values = [getattr(row, attribute[column]) for row in rows]
        if any(values):
            axes.barh(positions, values, left=left, color=colour, label=column)
        left = [a + b for a, b in zip(left, values)]
    axes.set_yticks(positions, [f"{row.lesson} {row.exercise}" for row in rows])
    axes.invert_yaxis()
    most = max((row.tried for row in rows), default=0)
    axes.set_xlim(0, max(most, 1))
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel("learners (hardest first: most never correct, then fewest at the "
                    "first try)")
    learners = len(report.read)
    axes.set_title(f"Hardest exercises ({learners} learner{'s' if learners != 1 else ''})")
    if rows:
        axes.legend(loc="lower right", fontsize=8, frameon=False,
                    bbox_to_anchor=(1.0, 1.06), ncols=len(PLOT_COLOURS))
    else:
        axes.text(0.5, 0.5, "nobody tried an exercise yet", ha="center", va="center",
                  transform=axes.transAxes)
    figure.tight_layout()
    figure.savefig(path, format="png", metadata={"Software": None})
    return len(rows)


def main(argv: Sequence[str] | None = None) -> int:
    """``report FILES_OR_DIRS... [--csv] [--plot FILE.png]``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m kit.progress",
        description="Learner progress files: the instructor's class report.")
    commands = parser.add_subparsers(dest="command", metavar="report")
    command = commands.add_parser(
        "report", help="per exercise: how many tried, first try, with help, never correct",
        description="Read learners' progress files and print, per exercise, how many "
                    "tried it and how it went. " + LEGEND)
    command.add_argument("paths", nargs="+", metavar="FILE_OR_DIR",
                         help=f"a progress file, or a folder searched for {FILE_NAME}")
    command.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    command.add_argument("--plot", metavar="FILE.png",
                         help="also write a bar chart of the hardest exercises")
    arguments = parser.parse_args(argv)
    if arguments.command != "report":
        parser.print_help(sys.stderr)
        return 2

    report = build_report(arguments.paths)
    if not report.read:
        print("No progress file could be read, so there is nothing to report.",
              file=sys.stderr)
        for path, reason in report.skipped:
            print(f"  {path}: {reason}", file=sys.stderr)
        print(f"Give learners' {FILE_NAME} files or folders that hold them (on a hub, "
              "their home folders; the kit stores progress in "
              "~/.local/share/scopekit/progress.json unless $SCOPEKIT_PROGRESS is set).",
              file=sys.stderr)
        return 2
    if arguments.csv:
        sys.stdout.write(report_csv(report))
        for path, reason in report.skipped:
            print(f"skipped {path}: {reason}", file=sys.stderr)
    else:
        sys.stdout.write(report_text(report))
    if arguments.plot:
        try:
            drawn = write_plot(report, arguments.plot)
        except OSError as problem:
            print(f"The chart could not be written to {arguments.plot} "
                  f"({problem.strerror or problem}).", file=sys.stderr)
            return 1
        print(f"Chart of the {drawn} hardest exercise{'s' if drawn != 1 else ''} written to "
              f"{arguments.plot}.", file=sys.stderr if arguments.csv else sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
