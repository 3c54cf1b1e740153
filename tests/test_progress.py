"""The progress store: what it keeps, where, and how it survives bad files and races.

These tests load ``kit/progress.py`` from its file, so each test gets a fresh module
(fresh warn-once state, nothing unsaved from an earlier test).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import stat
import subprocess
import sys
import textwrap
import time
import warnings
from pathlib import Path
from types import SimpleNamespace

import platformdirs
import pytest

from kit.progress import ENV_VAR

PROGRESS_FILE = Path(__file__).resolve().parent.parent / "kit" / "progress.py"


def load_progress_module():
    spec = importlib.util.spec_from_file_location("scopekit_progress_under_test", PROGRESS_FILE)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def progress():
    return load_progress_module()


@pytest.fixture
def store(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "store" / "progress.json"
    monkeypatch.setenv(ENV_VAR, str(path))
    return path


# Root ignores folder permissions through CAP_DAC_OVERRIDE and friends. A child started
# by setpriv without them in its bounding set meets the permissions like any user.
WITHOUT_ROOT_OVERRIDES = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]

LOCKED_CHILD = textwrap.dedent(
    """
    import importlib.util, json, sys, warnings
    spec = importlib.util.spec_from_file_location("progress_child", sys.argv[1])
    progress = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = progress
    spec.loader.exec_module(progress)
    question, outcome, times = sys.argv[2], sys.argv[3], int(sys.argv[4])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(times):
            progress.record("01", question, outcome)
    print(json.dumps({"warnings": [str(w.message) for w in caught],
                      "loaded": progress.load()}))
    """
)


@pytest.fixture
def read_only_dir(tmp_path):
    """A folder that cannot take new files, and ``record`` run by a process that sees it so.

    ``lock()`` makes the folder read-only (chmod 500); ``record_in_child(store, question,
    outcome, times)`` records in a new process (as root: one without the capabilities that
    override folder permissions) and returns its warnings and what it then loads.
    """
    folder = tmp_path / "locked"
    folder.mkdir()
    prefix: list[str] = []

    def lock():
        folder.chmod(stat.S_IRUSR | stat.S_IXUSR)
        if _can_create_file_in(folder):  # root
            if shutil.which("setpriv") is None:
                pytest.skip("root, and no setpriv to drop the permission override")
            prefix[:] = WITHOUT_ROOT_OVERRIDES
            if _child_can_create_file_in(folder, prefix):
                pytest.skip("cannot make a read-only folder here (setpriv kept root's override)")

    def record_in_child(store: Path, question: str, outcome: str, times: int) -> dict:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", LOCKED_CHILD, str(PROGRESS_FILE), question,
             outcome, str(times)],
            env={**os.environ, ENV_VAR: str(store)},
            capture_output=True, text=True, check=True,
        )
        return json.loads(done.stdout)

    yield SimpleNamespace(path=folder, lock=lock, record_in_child=record_in_child)
    folder.chmod(stat.S_IRWXU)


def _can_create_file_in(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_text("x")
    except OSError:
        return False
    probe.unlink()
    return True


def _child_can_create_file_in(folder: Path, prefix: list[str]) -> bool:
    probe = folder / ".probe"
    code = "import sys; open(sys.argv[1], 'w').close()"
    made = subprocess.run([*prefix, sys.executable, "-c", code, str(probe)],
                          capture_output=True, check=False).returncode == 0
    probe.unlink(missing_ok=True)
    return made


def caught_warnings(action) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        action()
    return caught


# -- what is kept ---------------------------------------------------------------------

def test_record_keeps_latest_outcome_ever_correct_attempts_and_time(progress, store):
    progress.record("01", "q1", "incorrect")
    progress.record("01", "q1", "correct")
    progress.record("01", "q1", "error")
    entry = progress.load()["01"]["q1"]
    assert entry["outcome"] == "error"
    assert entry["ever_correct"] is True
    assert entry["attempts"] == 3
    assert entry["updated"].startswith(time.strftime("%Y-", time.gmtime()))
    assert json.loads(store.read_text())["lessons"]["01"]["q1"]["attempts"] == 3


def test_a_fresh_module_reads_what_another_one_recorded(progress, store):
    progress.record("02", "q4", "correct")
    assert load_progress_module().load() == {"02": {"q4": progress.load()["02"]["q4"]}}


def test_not_attempted_is_not_an_attempt(progress, store):
    progress.record("01", "q1", "not_attempted")
    assert progress.load() == {}
    assert not store.exists()


def test_enum_outcomes_are_recorded_by_value(progress, store):
    progress.record("01", "q2", SimpleNamespace(value="correct"))
    assert progress.load()["01"]["q2"]["outcome"] == "correct"


def test_unknown_outcome_warns_once_and_records_nothing(progress, store):
    caught = caught_warnings(lambda: [progress.record("01", "q1", "maybe") for _ in range(3)])
    assert len(caught) == 1 and "unknown outcome 'maybe'" in str(caught[0].message)
    assert progress.load() == {}


def test_record_never_raises_even_when_saving_breaks_unexpectedly(progress, store, monkeypatch):
    def explode():
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(progress, "_save_unsaved", explode)
    caught = caught_warnings(lambda: progress.record("01", "q1", "correct"))
    assert len(caught) == 1 and "disk on fire" in str(caught[0].message)


def test_summary_counts_tried_and_correct_exercises_per_lesson(progress, store):
    lessons = [SimpleNamespace(number=n, title=f"Lesson {n}", notebook=f"{n}.ipynb")
               for n in ("01", "02")]
    progress.record("01", "q1", "correct")
    progress.record("01", "q1", "incorrect")
    progress.record("01", "q2", "incorrect")
    rows = progress.summary(lessons)
    assert [(r.number, r.tried, r.correct) for r in rows] == [("01", 2, 1), ("02", 0, 0)]
    assert rows[0].last_checked == progress.load()["01"]["q2"]["updated"]
    assert rows[1].last_checked is None


# -- where ----------------------------------------------------------------------------

def test_env_var_chooses_the_store_file(progress, tmp_path, monkeypatch):
    target = tmp_path / "elsewhere" / "mine.json"
    monkeypatch.setenv(ENV_VAR, str(target))
    assert progress.store_path() == target
    progress.record("03", "q1", "correct")
    assert json.loads(target.read_text())["lessons"]["03"]["q1"]["outcome"] == "correct"


def test_default_store_is_progress_json_in_the_user_data_dir(progress, tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    expected = Path(platformdirs.user_data_dir("scopekit", appauthor=False)) / "progress.json"
    assert progress.store_path() == expected
    if sys.platform.startswith("linux"):
        monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
        assert progress.store_path() == tmp_path / "data" / "scopekit" / "progress.json"


# -- bad files --------------------------------------------------------------------------

def test_corrupt_file_is_moved_aside_with_one_warning_and_a_new_store_starts(progress, store):
    store.parent.mkdir(parents=True)
    store.write_text("{ this is not json")
    caught = caught_warnings(lambda: [progress.record("01", f"q{i}", "correct")
                                      for i in range(3)])
    assert len(caught) == 1
    message = str(caught[0].message)
    assert "moved to progress.json.corrupt-1" in message
    assert (store.parent / "progress.json.corrupt-1").read_text() == "{ this is not json"
    assert sorted(progress.load()["01"]) == ["q0", "q1", "q2"]


def test_a_second_corrupt_file_does_not_overwrite_the_first_one_set_aside(progress, store):
    store.parent.mkdir(parents=True)
    (store.parent / "progress.json.corrupt-1").write_text("older")
    store.write_text('{"lessons": ["wrong shape"]}')
    caught = caught_warnings(lambda: progress.record("01", "q1", "correct"))
    assert "moved to progress.json.corrupt-2" in str(caught[0].message)
    assert (store.parent / "progress.json.corrupt-1").read_text() == "older"
    assert (store.parent / "progress.json.corrupt-2").read_text() == '{"lessons": ["wrong shape"]}'


def test_corrupt_file_that_cannot_be_moved_is_left_untouched(read_only_dir):
    store = read_only_dir.path / "progress.json"
    store.write_text("garbage")
    read_only_dir.lock()
    child = read_only_dir.record_in_child(store, "q1", "correct", times=2)
    assert len(child["warnings"]) == 1 and "left untouched" in child["warnings"][0]
    assert store.read_text() == "garbage"
    assert child["loaded"]["01"]["q1"]["attempts"] == 2  # kept in memory


def test_read_only_folder_keeps_progress_in_memory_with_one_warning(progress, read_only_dir,
                                                                   monkeypatch):
    store = read_only_dir.path / "progress.json"
    monkeypatch.setenv(ENV_VAR, str(store))
    progress.record("01", "q1", "correct")  # saved while the folder is writable
    read_only_dir.lock()
    before = store.read_text()
    child = read_only_dir.record_in_child(store, "q2", "incorrect", times=5)
    assert len(child["warnings"]) == 1
    assert "kept in memory" in child["warnings"][0]
    assert ENV_VAR in child["warnings"][0]
    assert store.read_text() == before
    loaded = child["loaded"]["01"]
    assert loaded["q1"]["ever_correct"] and loaded["q2"]["attempts"] == 5


def test_unsaved_progress_is_written_once_the_store_is_writable_again(progress, tmp_path,
                                                                      monkeypatch):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the store's folder should be")
    monkeypatch.setenv(ENV_VAR, str(blocker / "progress.json"))
    caught = caught_warnings(lambda: progress.record("01", "q1", "incorrect"))
    assert len(caught) == 1 and "could not save" in str(caught[0].message)
    monkeypatch.setenv(ENV_VAR, str(tmp_path / "ok" / "progress.json"))
    progress.record("01", "q1", "correct")
    saved = json.loads((tmp_path / "ok" / "progress.json").read_text())["lessons"]["01"]["q1"]
    assert saved["attempts"] == 2 and saved["outcome"] == "correct"


# -- races and atomic writes ----------------------------------------------------------

CHILD = textwrap.dedent("""
    import importlib.util, os, sys, time
    spec = importlib.util.spec_from_file_location("p", sys.argv[1])
    progress = sys.modules["p"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(progress)
    while not os.path.exists(sys.argv[2]):
        time.sleep(0.001)
    for i in range(int(sys.argv[4])):
        progress.record("01", f"{sys.argv[3]}-{i}", "correct" if i % 2 else "incorrect")
        progress.record("02", "shared", "correct")
""")


def start_writer(name: str, go_file: Path, count: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", CHILD, str(PROGRESS_FILE), str(go_file),
                             name, str(count)], env=dict(os.environ), stderr=subprocess.PIPE)


def test_two_processes_recording_at_once_lose_no_update(progress, store, tmp_path):
    go = tmp_path / "go"
    writers = [start_writer(name, go, 50) for name in ("a", "b")]
    time.sleep(0.3)  # let both interpreters start, then release them together
    go.touch()
    for writer in writers:
        assert writer.wait(timeout=120) == 0, writer.stderr.read().decode()
    stored = progress.load()
    assert len(stored["01"]) == 100
    assert {f"{n}-{i}" for n in "ab" for i in range(50)} == set(stored["01"])
    assert stored["02"]["shared"]["attempts"] == 100


def test_readers_never_see_a_partial_file_while_another_process_writes(progress, store,
                                                                       tmp_path):
    progress.record("00", "seed", "correct")
    go = tmp_path / "go"
    go.touch()
    writer = start_writer("w", go, 150)
    reads = 0
    while writer.poll() is None:
        json.loads(store.read_text())  # raises if a half-written file were visible
        reads += 1
    assert writer.returncode == 0, writer.stderr.read().decode()
    assert reads > 10
    assert len(progress.load()["01"]) == 150


def test_a_write_that_fails_halfway_leaves_the_old_file_and_no_temporary(progress, store,
                                                                         monkeypatch):
    progress.record("01", "q1", "correct")
    before = store.read_text()

    def half_dump(data, handle, **kwargs):
        handle.write('{"lessons": {"01"')
        raise OSError("No space left on device")

    monkeypatch.setattr(progress.json, "dump", half_dump)
    caught = caught_warnings(lambda: progress.record("01", "q2", "correct"))
    assert len(caught) == 1 and "No space left" in str(caught[0].message)
    assert store.read_text() == before
    assert sorted(p.name for p in store.parent.iterdir()) == ["progress.json",
                                                              "progress.json.lock"]


# -- the table a learner sees ----------------------------------------------------------

def sample_lessons():
    return [SimpleNamespace(number="01", title="Scopes", notebook="01_scopes.ipynb"),
            SimpleNamespace(number="02", title="Reuse & <share>", notebook="02_reuse.ipynb")]


def test_empty_store_table_lists_every_lesson_and_says_nothing_checked_yet(progress, store):
    text = progress.summary_text(progress.summary(sample_lessons()))
    lines = text.splitlines()
    assert lines[1].split() == ["lesson", "title", "correct", "first", "try", "with", "help",
                                "tried", "last", "checked"]
    assert lines[2].split() == ["01", "Scopes", "0", "0", "0", "0", "-"]
    assert lines[-1].startswith("Nothing checked yet")


def test_table_counts_checks_and_shows_when_in_utc_minutes(progress, store):
    progress.record("02", "q1", "correct")
    progress.record("02", "q3", "error")
    text = progress.summary_text(progress.summary(sample_lessons()))
    row = next(line for line in text.splitlines() if line.startswith("02"))
    # correct, first try, with help, tried, date
    assert row.split()[-7:-2] == ["1", "1", "0", "2", time.strftime("%Y-%m-%d", time.gmtime())]
    assert row.endswith("UTC")
    assert text.splitlines()[-1].startswith(
        "1 of the 2 exercises you tried are correct so far, 1 of them at the first try")


# --- what the store records about help ------------------------------------------------


def test_first_try_is_the_first_check_whatever_follows(progress, store):
    progress.record("01", "q1", "incorrect")
    progress.record("01", "q1", "correct")
    progress.record("01", "q2", "correct")
    progress.record("01", "q2", "incorrect")
    entries = progress.load()["01"]
    assert entries["q1"]["first_try_correct"] is False and entries["q1"]["ever_correct"]
    assert entries["q2"]["first_try_correct"] is True
    assert entries["q1"]["attempts"] == 2


def test_correct_after_a_hint_counts_as_with_help(progress, store):
    progress.record_help("01", "q1", hint=1)
    progress.record_help("01", "q1", hint=2)
    assert progress.load()["01"]["q1"]["attempts"] == 0  # hints are not tries
    progress.record("01", "q1", "correct")
    entry = progress.load()["01"]["q1"]
    assert entry["hints_seen"] == 2 and entry["first_try_correct"] is True
    assert entry["correct_with_help"] and not entry["correct_after_shown"]
    row = progress.summary(sample_lessons())[0]
    assert (row.correct, row.first_try, row.with_help, row.tried) == (1, 1, 1, 1)


def test_correct_after_the_answer_was_shown_is_recorded(progress, store):
    progress.record("01", "q1", "incorrect")
    progress.record("01", "q1", "incorrect", answer_shown=True)
    progress.record("01", "q1", "correct")
    entry = progress.load()["01"]["q1"]
    assert entry["answer_shown"] and entry["correct_after_shown"] and entry["correct_with_help"]
    progress.record_help("01", "q2", solution=True)
    progress.record("01", "q2", "correct")
    assert progress.load()["01"]["q2"]["correct_after_shown"]


def test_only_hints_seen_is_not_a_try(progress, store):
    progress.record_help("01", "q3", hint=1)
    row = progress.summary(sample_lessons())[0]
    assert row.tried == 0


def test_a_progress_file_of_the_first_format_still_loads(progress, store):
    old = {"version": 1, "lessons": {"01": {"q1": {
        "outcome": "correct", "ever_correct": True, "attempts": 3,
        "updated": "2026-12-02T10:00:00.000000+00:00"}}}}
    store.parent.mkdir(parents=True)
    store.write_text(json.dumps(old))
    entry = progress.load()["01"]["q1"]
    assert entry["attempts"] == 3 and entry["ever_correct"]
    assert entry["first_try_correct"] is None  # never recorded: unknown, not "wrong"
    progress.record("01", "q1", "incorrect")
    stored = json.loads(store.read_text())
    assert stored["version"] == 2
    assert stored["lessons"]["01"]["q1"]["attempts"] == 4
    assert stored["lessons"]["01"]["q1"]["first_try_correct"] is None
    assert not list(store.parent.glob("*.corrupt-*"))


def test_table_html_links_lessons_and_escapes_titles(progress, store):
    html = progress.summary_html(progress.summary(sample_lessons()))
    assert '<a href="01_scopes.ipynb">Scopes</a>' in html
    assert "Reuse &amp; &lt;share&gt;" in html


def test_show_outside_a_kernel_is_a_static_table_with_text_and_html(store):
    from kit import progress
    from kit.display import show_progress

    shown = show_progress(sample_lessons())
    bundle = shown._repr_mimebundle_()
    assert bundle["text/plain"] == str(shown) == progress.summary_text(
        progress.summary(sample_lessons()))
    assert bundle["text/html"].startswith('<div class="scopekit-progress">')


def test_progress_panel_shows_the_same_table_and_refresh_rereads_the_store(store):
    from kit import progress
    from kit.progress_widget import ProgressPanel

    panel = ProgressPanel(sample_lessons())
    assert "Nothing checked yet" in panel.table.value
    progress.record("01", "q1", "correct")
    assert "Nothing checked yet" in panel.table.value  # until refreshed
    panel.refresh_button.click()
    assert panel.table.value == progress.summary_html(progress.summary(sample_lessons()))
    assert "1 of the 1 exercises" in panel.table.value


def test_exercise_checks_are_recorded_with_outcomes_the_store_accepts(store):
    from kit import progress
    from kit.exercise import PredictExercise

    exercise = PredictExercise(name="q9", lesson="07", answer_name="q9_answer", expected=3,
                               solution_code="q9_answer = 3")
    exercise.check(2)
    exercise.check(3)
    entry = progress.load()["07"]["q9"]
    assert (entry["outcome"], entry["ever_correct"], entry["attempts"]) == ("correct", True, 2)


def test_a_file_with_a_malformed_entry_counts_as_corrupt(progress, store):
    store.parent.mkdir(parents=True)
    bad = {"version": 1, "lessons": {"01": {"q1": {"outcome": "correct", "attempts": "many",
                                                   "ever_correct": True, "updated": "x"}}}}
    store.write_text(json.dumps(bad))
    caught = caught_warnings(lambda: progress.record("01", "q2", "correct"))
    assert len(caught) == 1 and "corrupt-1" in str(caught[0].message)
    assert list(progress.load()["01"]) == ["q2"]
