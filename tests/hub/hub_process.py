"""A real JupyterHub on 127.0.0.1 for the class test: start it, talk to it, stop it.

Everything it writes (database, cookie secret, settings with the proxy's and the test's
tokens, the learners' homes, its log) stays in one folder it is given. ``stop()`` ends the
hub, which stops the learners' servers and the proxy; any process of the hub's tree that
is still alive after that (a kernel, a server, the proxy) is killed, so no process and no
port outlives the test.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from jupyter_app import JupyterServer, free_port, write_user_settings

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "jupyterhub_config.py"


@dataclass
class Hub:
    """One ``jupyterhub`` process with its proxy, serving ``learners``."""

    state_dir: Path
    proxy_command: Path
    learners: tuple[str, ...]
    clone_folder: str
    port: int = field(default_factory=free_port)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    service_token: str = field(default_factory=lambda: secrets.token_hex(24))
    process: subprocess.Popen | None = None
    killed: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.state_dir / "jupyterhub.log"

    def home(self, learner: str) -> Path:
        return self.state_dir / "homes" / learner

    def start(self, timeout: float = 120) -> Hub:
        """Write the settings, start the hub, wait until its API answers through the proxy."""
        self.state_dir.mkdir(parents=True, exist_ok=True)
        for learner in self.learners:
            # JupyterLab's user settings in each home: no news pop-up, every cell in the DOM.
            write_user_settings(self.home(learner) / ".jupyter")
        settings = self.state_dir / "settings.json"
        settings.touch(mode=0o600)
        settings.write_text(json.dumps({
            "state_dir": str(self.state_dir),
            "port": self.port,
            "hub_port": free_port(),
            "proxy_api_port": free_port(),
            "proxy_command": str(self.proxy_command),
            "proxy_token": secrets.token_hex(24),
            "service_token": self.service_token,
            "learner_password": self.password,
            "learners": list(self.learners),
            "home_dir_template": str(self.state_dir / "homes" / "{username}"),
            "clone_folder": self.clone_folder,
            "python": sys.executable,
            "allow_root": os.geteuid() == 0,
        }))
        env = dict(os.environ, SCOPEKIT_HUB_SETTINGS=str(settings))
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
                cwd=self.state_dir, env=env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL)
        self._wait_until_ready(timeout)
        return self

    def _wait_until_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"jupyterhub exited with {self.process.returncode}:\n"
                                   + self.log_text())
            try:
                self.api("/hub/api/", timeout=2)
                return
            except (OSError, urllib.error.HTTPError):
                time.sleep(0.3)
        raise TimeoutError(f"jupyterhub not ready after {timeout} s:\n{self.log_text()}")

    def api(self, path: str, method: str = "GET", timeout: float = 30):
        """Call the hub (``/hub/api/...``) or a learner's server (``/user/NAME/api/...``)
        with the test service's token; the JSON answer."""
        request = urllib.request.Request(
            f"{self.url}{path}", method=method,
            headers={"Authorization": f"token {self.service_token}"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_text(self, tail: int = 6000) -> str:
        return self.log_path.read_text(errors="replace")[-tail:] if self.log_path.exists() else ""

    def stop(self, timeout: float = 60) -> None:
        """Stop the hub (it stops the learners' servers and the proxy), then kill whatever
        of its process tree is left; ``killed`` names what had to be killed. Raises if a
        process outlives that."""
        if self.process is None:
            return
        try:
            tree = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            tree = []
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        _, alive = psutil.wait_procs(tree, timeout=10)
        for process in alive:
            try:
                self.killed.append(f"{process.pid} {' '.join(process.cmdline())[:120]}")
                process.kill()
            except psutil.NoSuchProcess:
                pass
        _, survivors = psutil.wait_procs(alive, timeout=10)
        if survivors:
            raise RuntimeError(f"processes of the hub still running after SIGKILL: {survivors}")


@dataclass
class LearnerServer(JupyterServer):
    """A learner's single-user server behind the hub, as ``NotebookPage`` sees a server.

    ``NotebookPage.open(path)`` opens ``notebook_url(path)``: here the class link, which
    spawns the server if needed, pulls the lessons and then opens ``path``. The REST calls
    ``NotebookPage`` makes (to wait for a connected idle kernel) go to the learner's server
    through the hub's proxy, with the test service's token.
    """

    hub_url: str = ""
    learner: str = ""
    link: str = ""
    link_opens: str = ""

    @property
    def base_url(self) -> str:
        return f"{self.hub_url}/user/{self.learner}"

    def notebook_url(self, relative_path: str) -> str:
        if relative_path != self.link_opens:
            raise ValueError(f"the class link opens {self.link_opens}, not {relative_path}")
        return self.link
