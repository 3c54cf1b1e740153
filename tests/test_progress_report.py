"""The instructor's class report (``python -m kit.progress report``) over real progress files.

The class: two learners whose files the kit itself wrote (format 2), one learner with a
format-1 file, one corrupt file and one file from another program, each in a learner's
home the way a hub keeps them (``<home>/.local/share/scopekit/progress.json``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kit import progress, progress_report

ROOT = Path(__file__).resolve().parent.parent
STORE = Path(".local/share/scopekit/progress.json")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

LEGEND = textwrap.dedent("""\
    Per exercise: learners who tried it (at least one check), and for each of them one of:
    correct at the first try with no help; correct later on their own; correct with help (a
    hint, the answer or the solution seen first); never correct; correct, but unknown how (a
    format-1 file, from before first tries and hints were recorded).
""")


def record_learner(home: Path, steps, monkeypatch) -> Path:
    """Let kit.progress write ``home``'s store, one check or hint per step."""
    path = home / STORE
    monkeypatch.setenv(progress.ENV_VAR, str(path))
    for kind, lesson, exercise, value in steps:
        if kind == "check":
            progress.record(lesson, exercise, value)
        elif kind == "hint":
            progress.record_help(lesson, exercise, hint=value)
        else:
            progress.record_help(lesson, exercise, solution=True)
    monkeypatch.delenv(progress.ENV_VAR)
    return path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def homes(tmp_path, monkeypatch) -> Path:
    homes = tmp_path / "home"
    record_learner(homes / "ana", [
        ("check", "01", "q1", "correct"),      # first try
        ("check", "01", "q2", "incorrect"),
        ("check", "01", "q2", "correct"),      # later, on her own
        ("check", "01", "q10", "incorrect"),
        ("check", "01", "q10", "incorrect"),   # never
        ("check", "02", "q1", "correct"),      # first try
    ], monkeypatch)
    record_learner(homes / "ben", [
        ("check", "01", "q1", "incorrect"),
        ("hint", "01", "q1", 1),
        ("check", "01", "q1", "correct"),      # with help
        ("check", "01", "q2", "correct"),      # first try
        ("check", "01", "q10", "error"),
        ("solution", "01", "q10", None),       # never (saw the solution, no correct check)
        ("hint", "02", "q1", 1),               # hints only: not tried
    ], monkeypatch)
    write(homes / "cleo" / STORE, json.dumps({"version": 1, "lessons": {"01": {
        "q1": {"outcome": "correct", "ever_correct": True, "attempts": 2,
               "updated": "2026-11-20T10:00:00+00:00"},
        "q10": {"outcome": "incorrect", "ever_correct": False, "attempts": 3,
                "updated": "2026-11-20T10:05:00+00:00"},
    }}}))
    write(homes / "dan" / STORE, '{"version": 2, "lessons": {"01": {"q1": {"outcome": "corr')
    write(homes / "eve" / STORE, json.dumps({"name": "notes", "version": "1.0.0"}))
    return homes


def expected_table() -> str:
    return textwrap.dedent("""\
        lesson  exercise  tried  first try  later  with help  never  unknown
        01      q1            3          1      0          1      0        1
        01      q2            2          1      1          0      0        0
        01      q10           3          0      0          0      3        0
        02      q1            1          1      0          0      0        0
        total                 9          3      1          1      3        1
    """)


def skipped_lines(homes: Path) -> list[tuple[str, str]]:
    return [
        (str(homes / "dan" / STORE),
         "not JSON (Unterminated string starting at: line 1 column 53 (char 52))"),
        (str(homes / "eve" / STORE),
         'not a scopekit progress file (JSON with no "lessons")'),
    ]


def expected_text(homes: Path) -> str:
    skipped = "".join(f"  {path}: {reason}\n" for path, reason in skipped_lines(homes))
    return ("Class report: 3 progress files read (1 in format 1: first try and help unknown), "
            "2 skipped.\n" + LEGEND + "\n" + expected_table() + "\nSkipped (not read):\n"
            + skipped)


EXPECTED_CSV = textwrap.dedent("""\
    lesson,exercise,tried,first_try,later_on_own,with_help,never_correct,correct_unknown_how
    01,q1,3,1,0,1,0,1
    01,q2,2,1,1,0,0,0
    01,q10,3,0,0,0,3,0
    02,q1,1,1,0,0,0,0
""")


def run_report(capsys, *arguments) -> tuple[int, str, str]:
    code = progress_report.main(["report", *map(str, arguments)])
    out, err = capsys.readouterr()
    return code, out, err


def test_text_report_of_a_class_folder(homes, capsys):
    code, out, err = run_report(capsys, homes)
    assert (code, err) == (0, "")
    assert out == expected_text(homes)


def test_csv_report_keeps_stdout_pure_and_lists_skipped_files_on_stderr(homes, capsys):
    code, out, err = run_report(capsys, homes, "--csv")
    assert code == 0
    assert out == EXPECTED_CSV
    assert err == "".join(f"skipped {path}: {reason}\n" for path, reason in skipped_lines(homes))


def test_files_and_folders_mix_and_each_file_counts_once(homes, capsys):
    ana = homes / "ana" / STORE
    code, out, _ = run_report(capsys, ana, homes, ana, "--csv")
    assert code == 0 and out == EXPECTED_CSV


def test_exercises_sort_by_lesson_then_number(tmp_path, capsys):
    entry = {"outcome": "correct", "ever_correct": True, "attempts": 1,
             "updated": "2026-11-20T10:00:00+00:00"}
    lessons = {"10": {"q1": entry}, "02": {"q10": entry, "q2": entry, "q1b": entry}}
    path = write(tmp_path / "progress.json", json.dumps({"version": 1, "lessons": lessons}))
    code, out, _ = run_report(capsys, path, "--csv")
    assert code == 0
    assert [line.split(",")[:2] for line in out.splitlines()[1:]] == [
        ["02", "q1b"], ["02", "q2"], ["02", "q10"], ["10", "q1"]]


def test_a_hint_before_a_correct_first_try_counts_as_with_help(tmp_path, monkeypatch, capsys):
    path = record_learner(tmp_path / "fay", [("hint", "03", "q1", 1),
                                             ("check", "03", "q1", "correct")], monkeypatch)
    assert progress_report.read_store(path)[1]["03"]["q1"]["first_try_correct"] is True
    _, out, _ = run_report(capsys, path, "--csv")
    assert out.splitlines()[1] == "03,q1,1,0,0,1,0,0"


def test_bad_files_are_skipped_with_the_reason_and_left_untouched(homes, tmp_path, capsys):
    entry = {"outcome": "correct", "ever_correct": True, "attempts": 1,
             "updated": "2026-11-20T10:00:00+00:00"}
    bad = {
        "layout": {"version": 2, "lessons": {"01": {"q1": {"outcome": "won", "attempts": "2"}}}},
        "newer": {"version": 9, "lessons": {"01": {"q1": entry}}},
        "list": [1, 2, 3],
        "table": {"version": 2, "lessons": ["01"]},
    }
    paths = {name: write(tmp_path / name / "progress.json", json.dumps(data))
             for name, data in bad.items()}
    binary = tmp_path / "binary" / "progress.json"
    binary.parent.mkdir()
    binary.write_bytes(b"\xff\xfe\x00progress")
    code, out, _ = run_report(capsys, homes / "ana" / STORE, *paths.values(), binary,
                              tmp_path / "nobody", tmp_path / "binary")
    assert code == 0
    skipped = out.split("Skipped (not read):\n")[1]
    assert skipped == "".join(f"  {path}: {reason}\n" for path, reason in [
        (tmp_path / "nobody", "no such file or folder"),
        (paths["layout"],
         "unexpected layout (lesson '01', exercise 'q1' is not a progress entry)"),
        (paths["newer"],
         "format 9, which this kit does not know (it reads 1 and 2); update the kit"),
        (paths["list"], "not a scopekit progress file (JSON list, not a table)"),
        (paths["table"], 'unexpected layout ("lessons" is not a table)'),
        (binary, "not a text file (not UTF-8)"),
    ])
    assert out.startswith("Class report: 1 progress file read, 6 skipped.\n")
    # Only read: nothing set aside as kit.progress does with its own corrupt store.
    assert all(path.exists() for path in [*paths.values(), binary, homes / "dan" / STORE])
    assert not [path for path in tmp_path.rglob("*") if "corrupt" in path.name]


def test_no_readable_file_exits_2_with_a_friendly_message(homes, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    code, out, err = run_report(capsys, homes / "dan" / STORE, homes / "eve", empty)
    assert (code, out) == (2, "")
    assert err.startswith("No progress file could be read, so there is nothing to report.\n")
    assert f"  {empty}: folder holds no file named progress.json\n" in err
    assert f"  {homes / 'dan' / STORE}: not JSON" in err
    assert "~/.local/share/scopekit/progress.json" in err


def test_a_file_with_no_exercises_is_read(tmp_path, capsys):
    path = write(tmp_path / "progress.json", json.dumps({"version": 2, "lessons": {}}))
    code, out, _ = run_report(capsys, path)
    assert code == 0
    assert out.endswith("No exercise recorded in the files read.\n")


def test_plot_is_a_deterministic_png_of_the_hardest_exercises(homes, tmp_path, capsys):
    first, second = tmp_path / "hard.png", tmp_path / "again.png"
    code, out, _ = run_report(capsys, homes, "--plot", first)
    assert code == 0
    assert out == expected_text(homes) + f"Chart of the 4 hardest exercises written to {first}.\n"
    run_report(capsys, homes, "--plot", second, "--csv")
    data = first.read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5000
    assert data == second.read_bytes()
    assert b"tIME" not in data and b"Software" not in data  # no timestamp, no version
    report = progress_report.build_report([str(homes)])
    assert [(r.lesson, r.exercise) for r in progress_report.hardest(report.rows)] == [
        ("01", "q10"), ("01", "q1"), ("01", "q2"), ("02", "q1")]


def test_unwritable_plot_path_is_reported_not_raised(homes, tmp_path, capsys):
    code, _, err = run_report(capsys, homes, "--plot", tmp_path / "no" / "such" / "x.png")
    assert code == 1
    assert err.startswith(f"The chart could not be written to {tmp_path / 'no'}")


# Root ignores file permissions; a child without these capabilities meets them like any user.
WITHOUT_ROOT_OVERRIDES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def cli(*command, cwd, prefix=()) -> subprocess.CompletedProcess:
    environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "MPLBACKEND": "Agg"}
    return subprocess.run([*prefix, sys.executable, *map(str, command)], cwd=cwd,
                          env=environment, capture_output=True, text=True, timeout=300,
                          check=False)


def test_cli_python_m_kit_progress_report(homes, tmp_path):
    result = cli("-m", "kit.progress", "report", homes, "--plot", tmp_path / "c.png", cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == (expected_text(homes)
                             + f"Chart of the 4 hardest exercises written to {tmp_path / 'c.png'}.\n")
    assert (tmp_path / "c.png").read_bytes().startswith(PNG_SIGNATURE)


def test_cli_run_as_a_file_never_imports_tensorflow(homes, tmp_path):
    script = ROOT / "kit" / "progress_report.py"
    result = cli("-X", "importtime", script, "report", homes, "--csv", cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == EXPECTED_CSV
    imported = {line.rsplit("|", 1)[1].strip() for line in result.stderr.splitlines()
                if line.startswith("import time:")}
    assert "kit.progress" in imported and "kit.render" in imported
    assert not {name for name in imported if name.split(".")[0] in ("tensorflow", "tf_slim")}
    assert "matplotlib" not in imported  # only --plot needs it
    none = cli(script, "report", homes / "eve", tmp_path / "missing", cwd=tmp_path)
    assert (none.returncode, none.stdout) == (2, "")
    assert "No progress file could be read" in none.stderr
    assert f"  {tmp_path / 'missing'}: no such file or folder" in none.stderr


def test_cli_without_a_command_prints_usage_and_exits_2(tmp_path):
    result = cli(ROOT / "kit" / "progress_report.py", cwd=tmp_path)
    assert result.returncode == 2
    assert "report" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/setpriv").exists(),
                    reason="needs root and setpriv to drop the permission overrides")
def test_unreadable_files_and_folders_are_skipped(homes, tmp_path):
    locked_file = write(tmp_path / "locked" / "progress.json", "{}")
    locked_folder = homes / "zoe"
    locked_folder.mkdir()
    try:
        locked_file.chmod(0)
        locked_folder.chmod(0)
        result = cli(ROOT / "kit" / "progress_report.py", "report", homes, locked_file,
                     "--csv", cwd=tmp_path, prefix=WITHOUT_ROOT_OVERRIDES)
    finally:
        locked_file.chmod(0o644)
        locked_folder.chmod(0o755)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout == EXPECTED_CSV
    assert f"skipped {locked_folder}: folder could not be searched (Permission denied)\n" \
        in result.stderr
    assert f"skipped {locked_file}: could not be read (Permission denied)\n" in result.stderr
