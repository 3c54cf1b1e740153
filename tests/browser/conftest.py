"""Fixtures for the browser tests: one Jupyter server per front end, one Chromium.

The tests are marked ``browser`` (deselect with ``-m "not browser"``). They open copies
of the lessons in a temporary root, so a server can never save over a committed
notebook. On failure a screenshot and the server log go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_app import (
    CHROMIUM,
    FRONT_ENDS,
    JupyterServer,
    NotebookPage,
    copy_notebooks,
    launch_chromium,
)

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ARTIFACTS = REPO / "test-artifacts"

# Fixture notebooks are opened in a browser, not compared by nbval.
collect_ignore_glob = ["fixtures/*"]


def require_chromium() -> None:
    """Skip without Chromium, unless CI asks for the browser tests (then fail)."""
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)"
    if os.environ.get("SCOPEKIT_REQUIRE_BROWSER") == "1":
        pytest.fail(reason, pytrace=False)
    pytest.skip(reason)


def pytest_configure(config: pytest.Config) -> None:
    from playwright.sync_api import expect

    # A widget round trip (browser -> kernel -> browser) can take seconds on a busy machine.
    expect.set_options(timeout=20_000)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def servers(tmp_path_factory) -> Iterator[dict[str, JupyterServer]]:
    """JupyterLab and Notebook 7, each on its own copy of notebooks/ and the fixtures."""
    require_chromium()
    base = tmp_path_factory.mktemp("jupyter")
    started: dict[str, JupyterServer] = {}
    try:
        for front_end in FRONT_ENDS:
            root = base / front_end / "root"
            copy_notebooks(sorted(NOTEBOOKS.glob("*.ipynb")) + sorted(FIXTURES.glob("*.ipynb")), root)
            server = JupyterServer(front_end, root, base / front_end / "state")
            started[front_end] = server.launch()
        for server in started.values():
            server.wait_until_ready()
        yield started
    finally:
        for server in started.values():
            server.stop()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    require_chromium()
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        yield browser
        browser.close()


@pytest.fixture(params=FRONT_ENDS, ids=["lab", "notebook7"])
def front_end(request) -> str:
    return request.param


@pytest.fixture
def open_notebook(request, servers, chromium, front_end):
    """``open_notebook(name)``: a ``NotebookPage`` on the copy of ``name``, kernel ready.

    A name that is in neither notebooks/ nor the fixtures fails the test. Afterwards the
    page closes and the server's kernels shut down; on failure a screenshot is saved.
    """
    server = servers[front_end]
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)

    def opener(name: str) -> NotebookPage:
        if not (server.root_dir / name).exists():
            pytest.fail(f"{name} is in neither notebooks/ nor tests/browser/fixtures/",
                        pytrace=False)
        return NotebookPage(page, server).open(name)

    yield opener
    failed = any(getattr(getattr(request.node, f"report_{when}", None), "failed", False)
                 for when in ("setup", "call"))
    try:
        if failed:
            save_artifacts(request.node.name, page, server)
    finally:
        try:
            context.close()
        finally:
            shut_down_kernels(server)


def save_artifacts(test_name: str, page, server: JupyterServer) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", test_name)
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
    except PlaywrightError as error:  # a crashed page still leaves the log
        (ARTIFACTS / f"{stem}.screenshot-error.txt").write_text(str(error))
    if server.log_path and server.log_path.exists():
        shutil.copy(server.log_path, ARTIFACTS / f"{stem}.server.log")


def shut_down_kernels(server: JupyterServer) -> None:
    """Free each TensorFlow kernel (about 0.7 GB) as soon as its test is over.

    Each DELETE returns once the server has shut the kernel down, so afterwards the
    server must list none: a kernel left over would live on through every later test.
    """
    for session in server.api("/api/sessions"):
        server.api(f"/api/sessions/{session['id']}", method="DELETE")
    for kernel in server.api("/api/kernels"):  # one without a session, if any
        server.api(f"/api/kernels/{kernel['id']}", method="DELETE")
    left = server.api("/api/kernels")
    assert not left, f"kernels still running after shutdown: {left}"
