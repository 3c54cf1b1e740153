"""A class on a real JupyterHub: two learners follow the class link from docs/classroom.md.

The hub (jupyterhub from PyPI, configurable-http-proxy from npm, one local process per
learner, a shared-password login) runs on 127.0.0.1 from a temporary folder; the course
repository is a throwaway clone of this repository's HEAD. Each learner logs in in
Chromium, follows the link (nbgitpuller clones the lessons into their home and opens lesson
01), runs the setup cell and answers q1. Then the course gets a new commit, each learner
follows the link again, and their answer must survive the merge next to the update. Last,
the instructor's class report reads both homes. What this proves, and what it does not, is
in docs/classroom.md ("The class test").

Without Chromium, jupyterhub, nbgitpuller, git or npm it skips, unless CI=true or
SCOPEKIT_REQUIRE_BROWSER=1 (then it fails).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
# The hub helpers are plain modules in tests/hub (this folder's are importable already).
HUB_HELPERS = HERE.parent / "hub"
if str(HUB_HELPERS) not in sys.path:
    sys.path.insert(0, str(HUB_HELPERS))

from class_link import ClassLink
from course_repo import CourseRepository
from hub_process import Hub, LearnerServer
from jupyter_app import CHROMIUM, NotebookPage
from proxy_install import ProxyUnavailable, proxy_command
from test_browser_lessons import solution_code

pytestmark = [pytest.mark.main_env_only, pytest.mark.timeout(900)]

REPO = HERE.parent.parent
ARTIFACTS = REPO / "test-artifacts"
LESSON_01 = "01_name_scope_vs_variable_scope.ipynb"
LEARNERS = ("ada", "grace")
# ada is right at once; grace is wrong first (a reason and a nudge), then right.
FIRST_WRONG = 'q1_answer = "foo/goo/w:0"'
UPDATE_LINE = "*Update from your instructor: lesson 02 opens on Monday.*"
NEW_FILE = "notebooks/ANNOUNCEMENTS.md"
# The instructor also rewords q1's placeholder comment: the line each learner replaced.
PLACEHOLDER_COMMENT = ('# e.g. "something/w:0"', '# a name such as "scope/w:0"')
# Where kit.progress keeps a learner's progress when nothing overrides it: the user data
# directory, which on a hub is in the learner's home.
PROGRESS_IN_HOME = Path(".local/share/scopekit/progress.json")


def require(reason: str) -> None:
    """Skip with ``reason``; in CI, or when the browser tests are required, fail."""
    if os.environ.get("CI") == "true" or os.environ.get("SCOPEKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def missing_tools() -> list[str]:
    missing = [] if CHROMIUM.exists() else [f"{CHROMIUM} (apt-get install -y chromium)"]
    missing += [f"the Python package {name} (pip install {name})"
                for name in ("jupyterhub", "nbgitpuller", "playwright")
                if importlib.util.find_spec(name) is None]
    if shutil.which("git") is None:
        missing.append("git (apt-get install -y git)")
    elif not (REPO / ".git").exists():
        missing.append(f"a git clone: {REPO} has no .git to make the course repository from")
    return missing


def wait_until(condition: Callable[[], object], what: str, timeout: float = 60) -> object:
    """Poll ``condition`` until it returns something true; fail saying ``what`` never came."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise TimeoutError(f"after {timeout} s still waiting for {what}")


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def tagged_source(notebook: dict, tag: str) -> str:
    for cell in notebook["cells"]:
        if tag in cell.get("metadata", {}).get("tags", []):
            return "".join(cell["source"])
    raise LookupError(f"no cell tagged {tag}")


def saved_q1_is(lesson: Path, source: str) -> bool:
    """Whether the lesson file on disk holds ``source`` as q1's answer cell."""
    notebook = read_json(lesson)
    return bool(notebook) and tagged_source(notebook, "exercise:q1") == source


def tagged_index(notebook_path: Path, tag: str) -> int:
    cells = json.loads(notebook_path.read_text())["cells"]
    return next(index for index, cell in enumerate(cells)
                if tag in cell.get("metadata", {}).get("tags", []))


def middle_markdown_cell(notebook_path: Path) -> int:
    """A markdown cell in the middle of the lesson, far from the cells a learner edits
    at the top (setup, q1), so the instructor's change and the learner's do not touch."""
    cells = json.loads(notebook_path.read_text())["cells"]
    return next(index for index in range(len(cells) // 2, len(cells))
                if cells[index]["cell_type"] == "markdown")


@pytest.fixture
def course(tmp_path) -> Iterator[CourseRepository]:
    repository = CourseRepository.clone_head(REPO, tmp_path / "course")
    yield repository
    shutil.rmtree(repository.path.parent, ignore_errors=True)


@pytest.fixture
def hub(tmp_path) -> Iterator[Hub]:
    missing = missing_tools()
    if missing:
        require("the hub test needs " + "; ".join(missing))
    try:
        proxy = proxy_command()
    except ProxyUnavailable as error:
        require(str(error))
    hub = Hub(tmp_path / "hub", proxy, LEARNERS, clone_folder="scopekit")
    try:
        yield hub.start()
    finally:
        hub.stop()
        if hub.killed:
            print("killed after the hub stopped:", *hub.killed, sep="\n  ")
        shutil.rmtree(hub.state_dir, ignore_errors=True)


@contextlib.contextmanager
def artifacts_on_failure(hub: Hub, pages: dict) -> Iterator[None]:
    """On any failure: a screenshot of each learner's page and the hub's log (which holds
    the learners' servers' logs too) in test-artifacts/."""
    try:
        yield
    except BaseException:
        ARTIFACTS.mkdir(exist_ok=True)
        for learner, page in pages.items():
            with contextlib.suppress(Exception):
                page.screenshot(path=str(ARTIFACTS / f"hub-{learner}.png"), full_page=True)
        if hub.log_path.exists():
            shutil.copy(hub.log_path, ARTIFACTS / "hub-jupyterhub.log")
        raise


def log_in(page, hub: Hub, learner: str) -> None:
    page.goto(f"{hub.url}/hub/login?next=%2Fhub%2Fhome")
    page.locator("#username_input").fill(learner)
    page.locator("#password_input").fill(hub.password)
    page.locator("#login_submit").click()
    page.wait_for_url(re.compile(r"/hub/home"))


def follow_link(page, hub: Hub, learner: str, link: ClassLink) -> NotebookPage:
    """Open the class link in ``page`` and wait for lesson 01 with an idle kernel."""
    server = LearnerServer("lab", hub.home(learner), hub.home(learner), token=hub.service_token,
                           hub_url=hub.url, learner=learner, link=str(link),
                           link_opens=link.opens)
    return NotebookPage(page, server).open(link.opens, timeout_ms=240_000)


def clear_outputs(notebook: NotebookPage) -> None:
    """Clear the stored outputs, so a cell's new run number differs from its stored one
    (the stored ones come from a top-to-bottom run, which a learner repeats)."""
    from playwright.sync_api import expect

    notebook.menu("Edit", "Clear Outputs of All Cells")
    prompts = notebook.page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt")
    expect(prompts.filter(has_text=re.compile(r"\d"))).to_have_count(0, timeout=30_000)


def start_run(notebook: NotebookPage, cell) -> None:
    """Run ``cell`` (select it, Shift+Enter) without waiting for the kernel's answer."""
    notebook.select_cell(cell)
    notebook.page.keyboard.press("Shift+Enter")


def wait_for_run(cell, timeout_ms: int = 240_000) -> None:
    """Wait until a cell started after ``clear_outputs`` has its run number: the page sets
    it once the kernel has answered and gone idle."""
    from playwright.sync_api import expect

    prompt = cell.locator(".jp-InputPrompt")
    expect(prompt).to_have_text(re.compile(r"\[\d+\]"), timeout=timeout_ms)


def answer_q1(notebook: NotebookPage, sources: list[str]) -> list[str]:
    """Type each answer into q1's cell, run it and q1's check; the check's outputs."""
    exercise = notebook.code_cell("q1_answer =")
    check = notebook.code_cell("q1.check()")
    outputs = []
    for source in sources:
        notebook.replace_source(exercise, source)
        notebook.run_cell(exercise)
        notebook.run_cell(check)
        outputs.append(check.locator(".jp-OutputArea-output").first.inner_text().strip())
    return outputs


def class_report(*folders: Path) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "kit.progress", "report", *map(str, folders)],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


class Stopwatch:
    """Wall time per phase of the test, printed at its end (pytest shows it with -rP)."""

    def __init__(self) -> None:
        self.start = self.last = time.monotonic()
        self.laps: list[str] = []

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.laps.append(f"{now - self.last:6.1f} s  {phase}")
        self.last = now

    def __str__(self) -> str:
        return "\n".join([*self.laps, f"{self.last - self.start:6.1f} s  in all"])


def report_row(report: str, lesson: str, exercise: str) -> dict[str, int]:
    """One exercise's counts from the report's table (columns as docs/classroom.md lists)."""
    columns = ("tried", "first_try", "later", "with_help", "never", "unknown")
    for line in report.splitlines():
        fields = line.split()
        if fields[:2] == [lesson, exercise]:
            return dict(zip(columns, map(int, fields[2:]), strict=True))
    raise LookupError(f"no row for lesson {lesson} {exercise} in:\n{report}")


def test_class_link_is_the_guides_example_with_hub_repository_and_lesson_filled_in():
    link = ClassLink.from_guide().filled_in("http://127.0.0.1:8000", "file:///srv/course/scopekit",
                                            LESSON_01)
    assert str(link) == (
        "http://127.0.0.1:8000/hub/user-redirect/git-pull?repo=file%3A%2F%2F%2Fsrv%2Fcourse"
        f"%2Fscopekit&branch=main&urlpath=lab/tree/scopekit/notebooks/{LESSON_01}")
    assert link.opens == f"scopekit/notebooks/{LESSON_01}"


def test_two_learners_follow_the_class_link_keep_their_work_and_are_counted(
        hub, course, chromium):
    link = ClassLink.from_guide().filled_in(hub.url, course.url, LESSON_01)
    right = solution_code(course.path / "kit" / "lessons" / "lesson01.py", "q1")
    tries = {"ada": [right], "grace": [FIRST_WRONG, right]}
    contexts = {learner: chromium.new_context(viewport={"width": 1280, "height": 900})
                for learner in LEARNERS}
    pages: dict = {}
    test_store = os.environ.get("SCOPEKIT_PROGRESS")  # the test process's own, if any
    stopwatch = Stopwatch()

    with artifacts_on_failure(hub, pages):
        # First click: log in, follow the link, start the setup cell. Its TensorFlow
        # import runs while the next learner logs in.
        notebooks = {}
        for learner in LEARNERS:
            page = pages[learner] = contexts[learner].new_page()
            page.set_default_timeout(60_000)
            log_in(page, hub, learner)
            notebook = notebooks[learner] = follow_link(page, hub, learner, link)
            clear_outputs(notebook)
            start_run(notebook, notebook.code_cell("import kit"))
            stopwatch.lap(f"{learner}: log in, first click (server start, clone, JupyterLab)")

        # Each learner answers q1 (grace needs two tries) and saves the lesson.
        for learner, notebook in notebooks.items():
            wait_for_run(notebook.code_cell("import kit"))
            stopwatch.lap(f"{learner}: rest of the setup cell (import kit, TensorFlow)")
            outputs = answer_q1(notebook, tries[learner])
            assert outputs[-1].startswith("Correct"), outputs
            assert all(not output.startswith("Correct") for output in outputs[:-1]), outputs
            notebook.page.keyboard.press("ControlOrMeta+s")
            lesson = hub.home(learner) / "scopekit" / "notebooks" / LESSON_01
            wait_until(partial(saved_q1_is, lesson, right), f"{learner}'s saved answer in {lesson}")
            notebook.page.close()
            stopwatch.lap(f"{learner}: q1 answered and checked, lesson saved")

        # Each learner's progress is in their own home, and only there.
        for learner in LEARNERS:
            clone = hub.home(learner) / "scopekit"
            assert list((clone / "kit" / "__pycache__").glob("__init__.*.pyc")), (
                f"{learner}'s kernel did not import kit from their clone (PYTHONPATH)")
            store = read_json(hub.home(learner) / PROGRESS_IN_HOME)
            assert store, f"no progress file at ~/{PROGRESS_IN_HOME} in {learner}'s home"
            entry = store["lessons"]["01"]["q1"]
            assert entry["ever_correct"] is True
            assert entry["attempts"] == len(tries[learner])
            assert entry["first_try_correct"] is (learner == "ada")
        if test_store:
            assert not Path(test_store).exists(), "a learner's kernel wrote the test's store"

        # The instructor updates lesson 01: a markdown line far from the learners' edits,
        # and the very line they replaced (a conflict); and adds a file.
        lesson_in_course = course.path / "notebooks" / LESSON_01
        course.edit_cell(f"notebooks/{LESSON_01}", middle_markdown_cell(lesson_in_course),
                         lambda source: source.rstrip("\n") + "\n\n" + UPDATE_LINE)
        course.edit_cell(f"notebooks/{LESSON_01}", tagged_index(lesson_in_course, "exercise:q1"),
                         lambda source: source.replace(*PLACEHOLDER_COMMENT))
        (course.path / NEW_FILE).write_text("# Announcements\n\nLesson 02 opens on Monday.\n")
        update = course.commit_all("Lesson 01: an announcement")

        # Second click: the update arrives and each learner's answer stays.
        for learner in LEARNERS:
            page = pages[learner] = contexts[learner].new_page()
            page.set_default_timeout(60_000)
            notebook = follow_link(page, hub, learner, link)
            stopwatch.lap(f"{learner}: second click (pull, merge, JupyterLab)")
            clone = hub.home(learner) / "scopekit"
            is_ancestor = subprocess.run(["git", "merge-base", "--is-ancestor", update, "HEAD"],
                                         cwd=clone, check=False).returncode
            assert is_ancestor == 0, f"{learner}'s clone does not have the update {update}"
            assert (clone / NEW_FILE).exists()
            merged = read_json(clone / "notebooks" / LESSON_01)
            assert merged, "lesson 01 is no longer valid JSON after the merge"
            assert tagged_source(merged, "exercise:q1") == right  # theirs, not the update
            assert any(UPDATE_LINE in "".join(cell["source"]) for cell in merged["cells"])
            exercise = notebook.code_cell("q1_answer =")
            assert exercise.locator(".jp-InputArea-editor").inner_text().strip() == right
            assert page.locator(".jp-MarkdownCell", has_text="lesson 02 opens on Monday").count() == 1

        # The instructor's report over both homes counts both learners for q1.
        report = class_report(*(hub.home(learner) for learner in LEARNERS))
        stopwatch.lap("class report (python -m kit.progress report)")
        assert "Class report: 2 progress files read, 0 skipped." in report, report
        assert report_row(report, "01", "q1") == {
            "tried": 2, "first_try": 1, "later": 1, "with_help": 0, "never": 0, "unknown": 0}

    for context in contexts.values():
        context.close()
    print(stopwatch)
