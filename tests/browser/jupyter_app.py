"""Start a real Jupyter server and drive its notebook page in Chromium.

Used by the browser tests (through ``conftest.py``) and by ``tools/screenshot.py``.
What it takes to be reliable here: a token, 127.0.0.1, private config/runtime/data dirs,
Debian's Chromium, a connected idle kernel before anything runs, one JupyterLab workspace
per page.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from kit.progress import ENV_VAR as PROGRESS_ENV_VAR

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage",
]
FRONT_ENDS = ("lab", "notebook")
RAISES_TAG = "raises-exception"  # a cell that raises on purpose (nbval and nbclient honour it)

# User settings shared by JupyterLab and Notebook 7: no news pop-up, and every cell
# kept in the DOM (windowed notebooks drop off-screen cells, hiding their outputs).
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false", "checkForUpdates": False,
    },
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

# Text a front end shows when a widget cannot be displayed ("Loading widget..." counts
# once the widgets have had time to settle).
WIDGET_FAILURES = (
    "Failed to load model", "Error displaying widget", "model not found", "Loading widget...",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_user_settings(config_dir: Path) -> None:
    for relative, values in USER_SETTINGS.items():
        path = config_dir / "lab" / "user-settings" / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@dataclass
class JupyterServer:
    """One ``jupyter lab`` or ``jupyter notebook`` process serving ``root_dir``."""

    front_end: str
    root_dir: Path
    state_dir: Path
    port: int = field(default_factory=free_port)
    token: str = field(default_factory=lambda: secrets.token_hex(24))
    process: subprocess.Popen | None = None
    log_path: Path | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def progress_path(self) -> Path:
        """The learner progress store the server's kernels write (``SCOPEKIT_PROGRESS``)."""
        return self.state_dir / "progress.json"

    def environment(self) -> dict[str, str]:
        """Private Jupyter dirs, and a private progress store for exercise checks."""
        env = dict(os.environ)
        dirs = {
            "JUPYTER_CONFIG_DIR": self.state_dir / "config",
            "JUPYTER_RUNTIME_DIR": self.state_dir / "runtime",
            "JUPYTER_DATA_DIR": self.state_dir / "data",
            "IPYTHONDIR": self.state_dir / "ipython",
        }
        for name, path in dirs.items():
            path.mkdir(parents=True, exist_ok=True)
            env[name] = str(path)
        env[PROGRESS_ENV_VAR] = str(self.progress_path)
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        env.pop("JUPYTER_TOKEN", None)
        return env

    def start(self, timeout: float = 90) -> JupyterServer:
        """Launch and wait until the REST API answers."""
        self.launch()
        self.wait_until_ready(timeout)
        return self

    def launch(self) -> JupyterServer:
        """Start the process without waiting (start several, then wait for each)."""
        if self.front_end not in FRONT_ENDS:
            raise ValueError(f"front_end must be one of {FRONT_ENDS}; got {self.front_end!r}")
        env = self.environment()
        write_user_settings(Path(env["JUPYTER_CONFIG_DIR"]))
        self.log_path = self.state_dir / f"{self.front_end}-server.log"
        command = [
            sys.executable, "-m", "jupyter", self.front_end,
            "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root_dir}",
        ]
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, cwd=self.root_dir,
            )
        return self

    def wait_until_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        url = f"{self.base_url}/api/status?token={self.token}"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyter {self.front_end} exited:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise TimeoutError(f"jupyter {self.front_end} not ready after {timeout} s:\n{self.log_text()}")

    def api(self, path: str, method: str = "GET", timeout: float = 30):
        """Call the server's REST API (``path`` like ``/api/sessions``); the JSON answer."""
        request = urllib.request.Request(
            f"{self.base_url}{path}", method=method,
            headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def wait_for_connected_kernel(self, relative_path: str, timeout: float = 60) -> None:
        """Wait until the server runs an idle kernel for ``relative_path`` that a page is
        connected to (a websocket is open), so the page's session has its kernel."""
        deadline = time.monotonic() + timeout
        seen = []
        while time.monotonic() < deadline:
            seen = [session["kernel"] for session in self.api("/api/sessions")
                    if session.get("path") == relative_path and session.get("kernel")]
            if any(kernel.get("execution_state") == "idle" and kernel.get("connections", 0) >= 1
                   for kernel in seen):
                return
            time.sleep(0.2)
        raise TimeoutError(
            f"no connected idle kernel for {relative_path} after {timeout} s: {seen}")

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path else ""

    def notebook_url(self, relative_path: str) -> str:
        """URL opening one notebook; each JupyterLab page gets its own workspace."""
        if self.front_end == "lab":
            workspace = secrets.token_hex(6)
            return f"{self.base_url}/lab/workspaces/{workspace}/tree/{relative_path}?token={self.token}"
        return f"{self.base_url}/notebooks/{relative_path}?token={self.token}"

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def copy_notebooks(sources: list[Path], root_dir: Path) -> None:
    """Copy notebooks into the server's root so the server never saves over originals."""
    root_dir.mkdir(parents=True, exist_ok=True)
    for source in sources:
        shutil.copy2(source, root_dir / source.name)


def launch_chromium(playwright, **options):
    """Debian's Chromium through Playwright (``playwright install`` cannot download here)."""
    if not CHROMIUM.exists():
        raise FileNotFoundError(f"{CHROMIUM} is missing: apt-get install -y chromium")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, **options)


# A run (Run All, Run All Above) is over when the notebook's execution indicator is idle,
# no prompt reads "[*]:" and some cell has a number (Clear Outputs removed the old ones).
# The indicator is what makes this sound: it tracks every execute_request the page sent
# (by msg_id) until the kernel's idle status for it, and stays "busy" until the last one
# is answered. The prompts alone are not enough: when a cell raises, JupyterLab (and
# Notebook 7, which shares its notebook code) resets every later cell that has no number
# yet from "[*]:" to "[ ]:" at once, while their execute_requests are still queued at the
# kernel, which may yet abort or run them. So a missing indicator never counts as idle.
_RUN_FINISHED = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')];
  const indicator = document.querySelector('.jp-Notebook-ExecutionIndicator');
  const idle = indicator !== null && indicator.dataset.status === 'idle';
  const busy = prompts.some(p => p.textContent.includes('*'));
  return idle && !busy && prompts.some(p => /\\[\\d+\\]/.test(p.textContent));
}"""

_CLEARED = """() => !document.querySelector('.jp-Notebook .jp-OutputArea-output') &&
  ![...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .some(p => /\\[\\d+\\]/.test(p.textContent))"""

# Widget outputs (rendered by the widget manager, so without data-mime-type) that are not
# showing a view or a failure yet: still "Loading widget..." or an empty box. The wait for
# widgets waits for these to go; the problem detector reports any that stay.
_UNSETTLED_WIDGETS = """
  const unsettled = (cell) => [
    ...cell.querySelectorAll('.jp-OutputArea-output:not([data-mime-type])')
  ].filter(out => out.innerText.includes('Loading widget...') ||
      (out.innerText.trim() === '' && !out.querySelector('input, select, img, svg, canvas')));
"""

_WIDGETS_SETTLED = """() => {""" + _UNSETTLED_WIDGETS + """
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  return cells.every(cell => unsettled(cell).length === 0);
}"""

# ``raising``: for each code cell, whether it is tagged raises-exception. Such a cell raises
# on purpose, so its traceback is no problem; anything else it writes to stderr still is.
_OUTPUT_PROBLEMS = """([failures, raising]) => {""" + _UNSETTLED_WIDGETS + """
  const found = [];
  const cells = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell')];
  cells.forEach((cell, index) => {
    const where = `code cell ${index + 1}`;
    for (const out of cell.querySelectorAll('.jp-OutputArea-output')) {
      const mime = out.dataset.mimeType || '';
      // A traceback names the exception last: keep its start and its end.
      const all = out.innerText.trim();
      const text = all.length > 400 ? `${all.slice(0, 120)} [...] ${all.slice(-280)}` : all;
      const traceback = all.includes('Traceback (most recent call last)');
      if ((mime.includes('stderr') || mime.includes('error')) && !(raising[index] && traceback)) {
        found.push(`${where}: ${mime}: ${text}`);
      }
    }
    for (const out of unsettled(cell)) {
      if (!out.innerText.includes('Loading widget...')) found.push(`${where}: a blank widget box`);
    }
    const text = cell.innerText;
    for (const failure of failures) {
      if (text.includes(failure)) found.push(`${where}: shows "${failure}"`);
    }
  });
  return found;
}"""


def _exactly(label: str) -> re.Pattern:
    return re.compile(rf"^\s*{re.escape(label)}\s*$")


class NotebookPage:
    """One notebook open in a front end: wait for its kernel, run it, read its outputs."""

    def __init__(self, page, server: JupyterServer):
        self.page = page
        self.server = server

    def open(self, relative_path: str, timeout_ms: int = 60_000) -> NotebookPage:
        """Open the notebook and wait until its kernel is connected and idle.

        The page alone cannot say so: its execution indicator reads "idle" by default,
        before the session exists, and a cell run while the page has no kernel yet is
        silently skipped. So the server is asked too: it must have an idle kernel for
        this notebook with the page's websocket connected to it.
        """
        self.relative_path = relative_path
        self.page.goto(self.server.notebook_url(relative_path))
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout_ms)
        kernel_name = self.page.locator(".jp-NotebookPanel-toolbar .jp-KernelName").first
        kernel_name.filter(has_text="Python 3").wait_for(timeout=timeout_ms)
        self.server.wait_for_connected_kernel(relative_path, timeout=timeout_ms / 1000)
        self.page.wait_for_function(
            "() => document.querySelector('.jp-Notebook-ExecutionIndicator')"
            "?.dataset.status === 'idle'",
            timeout=timeout_ms, polling=250,
        )
        return self

    def menu(self, menu: str, item: str) -> None:
        """Click ``menu`` in the menu bar, then its entry labelled exactly ``item``
        ("Run All Cells", not "Restart Kernel and Run All Cells...")."""
        self.page.locator(".lm-MenuBar-itemLabel").filter(has_text=_exactly(menu)).click()
        entry = self.page.locator(".lm-Menu-content .lm-Menu-itemLabel")
        entry.filter(has_text=_exactly(item)).click()

    def run_all(self, timeout_ms: int = 150_000) -> None:
        """Clear the committed outputs, Run All Cells, wait until the run is over."""
        self._clear_and_run("Run All Cells", timeout_ms)

    def run_all_above(self, cell, timeout_ms: int = 150_000) -> None:
        """Clear the outputs, select ``cell``, Run All Above Selected Cell, wait until the
        run is over. ``cell`` and those below it are never sent to the kernel, so they stay
        unexecuted whatever the cells above do (after an error in Run All, whether a later
        cell runs depends on when its request reaches the kernel)."""
        self._clear_and_run("Run All Above Selected Cell", timeout_ms, select=cell)

    def _clear_and_run(self, item: str, timeout_ms: int, select=None) -> None:
        self.menu("Edit", "Clear Outputs of All Cells")
        self.page.wait_for_function(_CLEARED, polling=250)
        if select is not None:
            self.select_cell(select)
        # The menu command marks every cell it runs "[*]:" before the click returns.
        self.menu("Run", item)
        # Poll 4 times a second, not every frame: the page shares 2 cores with the kernel.
        self.page.wait_for_function(_RUN_FINISHED, timeout=timeout_ms, polling=250)
        self.wait_for_widgets()

    def select_cell(self, cell) -> None:
        """Make ``cell`` the active cell, in command mode (a click on its prompt)."""
        cell.locator(".jp-InputPrompt").click()
        self.page.wait_for_function(
            "(cell) => cell.classList.contains('jp-mod-active')",
            arg=cell.element_handle(), polling=250)

    def wait_for_widgets(self, timeout_ms: int = 20_000) -> None:
        """Wait until every widget output shows its view or a failure, not "Loading
        widget..." or an empty box. If some are still loading after ``timeout_ms``, return
        anyway: the problem detector then reports them, as a learner would see them."""
        from playwright.sync_api import TimeoutError as PlaywrightTimeout

        try:
            self.page.wait_for_function(_WIDGETS_SETTLED, timeout=timeout_ms, polling=250)
        except PlaywrightTimeout:
            pass

    def raising_cells(self) -> list[bool]:
        """For each code cell in order: is it tagged ``raises-exception`` (in its file)?"""
        notebook = json.loads((self.server.root_dir / self.relative_path).read_text())
        return [RAISES_TAG in cell.get("metadata", {}).get("tags", [])
                for cell in notebook["cells"] if cell["cell_type"] == "code"]

    def output_problems(self) -> list[str]:
        """Errors, stderr and widget failures shown anywhere in the notebook (not the
        traceback of a cell tagged ``raises-exception``)."""
        return self.page.evaluate(_OUTPUT_PROBLEMS, [list(WIDGET_FAILURES), self.raising_cells()])

    def unexecuted_cells(self) -> list[int]:
        """1-based numbers of code cells the last run did not reach."""
        prompts = self.page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").all_inner_texts()
        return [number for number, text in enumerate(prompts, 1) if not re.search(r"\[\d+\]", text)]

    def problems(self) -> list[str]:
        """Everything the detector finds: ``output_problems()``, then the code cells left
        unexecuted ("code cell 5: not executed", "code cells 3-37: not executed")."""
        runs: list[list[int]] = []
        for number in self.unexecuted_cells():
            if runs and runs[-1][-1] == number - 1:
                runs[-1].append(number)
            else:
                runs.append([number])
        return self.output_problems() + [
            f"code cell {run[0]}: not executed" if len(run) == 1
            else f"code cells {run[0]}-{run[-1]}: not executed" for run in runs]

    def code_cell(self, source_start: str):
        """The first code cell whose source begins with ``source_start`` (by position,
        so the locator stays valid after the source is edited)."""
        cells = self.page.locator(".jp-Notebook .jp-CodeCell")
        sources = cells.locator(".jp-InputArea-editor").all_inner_texts()
        for index, source in enumerate(sources):
            if source.strip().startswith(source_start):
                return cells.nth(index)
        raise LookupError(f"no code cell starts with {source_start!r}")

    def replace_source(self, cell, text: str) -> None:
        """Type ``text`` over the cell's source, as a learner would (no auto-closing)."""
        cell.locator(".cm-content").click()
        self.page.keyboard.press("ControlOrMeta+a")
        self.page.keyboard.insert_text(text)
        self.page.keyboard.press("Escape")

    def run_cell(self, cell, timeout_ms: int = 60_000) -> None:
        """Shift+Enter in the cell, then wait for its new execution number (the page sets
        it once the kernel's reply and idle status for the request are in, so after every
        output) and for its widgets."""
        prompt = cell.locator(".jp-InputPrompt")
        handle = prompt.element_handle()
        before = handle.evaluate("element => element.textContent")
        cell.locator(".cm-content").click()
        self.page.keyboard.press("Shift+Enter")
        self.page.wait_for_function(
            """([element, before]) => {
                const now = element.textContent;
                return now !== before && /\\[\\d+\\]/.test(now);
            }""",
            arg=[handle, before], timeout=timeout_ms, polling=250,
        )
        self.wait_for_widgets()
