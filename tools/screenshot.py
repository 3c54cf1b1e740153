"""Refresh ``docs/images/explorer.png``: the scope-tree explorer as JupyterLab shows it.

    python tools/screenshot.py                       # lesson 01's first explorer
    python tools/screenshot.py --explorer 3 --output /tmp/other.png

Runs a copy of the notebook top to bottom in a private JupyterLab (the browser tests'
harness, ``tests/browser/jupyter_app.py``) and screenshots the cell holding the chosen
explorer, code and output. Needs ``/usr/bin/chromium``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from jupyter_app import JupyterServer, NotebookPage, copy_notebooks, launch_chromium

DEFAULT_NOTEBOOK = ROOT / "notebooks" / "01_name_scope_vs_variable_scope.ipynb"
DEFAULT_OUTPUT = ROOT / "docs" / "images" / "explorer.png"
# Quiet the chrome around the cell: no active-cell toolbar, no blinking cursor.
CALM_CELL_CSS = """
.jp-cell-toolbar, .jp-toolbar-overlay { display: none !important; }
.jp-Cell.jp-mod-selected .jp-Collapser { background: transparent !important; }
* { caret-color: transparent !important; }
"""


def capture(notebook: Path, explorer_index: int, output: Path) -> Path:
    """Run ``notebook`` in JupyterLab and save the cell holding explorer ``explorer_index``."""
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="scopekit-screenshot-") as temp:
        root = Path(temp) / "root"
        copy_notebooks([notebook], root)
        server = JupyterServer("lab", root, Path(temp) / "state").start()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                page = browser.new_page(viewport={"width": 1040, "height": 900},
                                        device_scale_factor=2)
                lab = NotebookPage(page, server).open(notebook.name)
                page.keyboard.press("ControlOrMeta+b")  # close the file browser: wider cells
                lab.run_all()
                page.add_style_tag(content=CALM_CELL_CSS)
                explorer = page.locator(".scopekit-explorer").nth(explorer_index)
                cell = explorer.locator("xpath=ancestor::div[contains(@class, 'jp-CodeCell')]")
                cell.scroll_into_view_if_needed()
                page.mouse.move(0, 0)
                time.sleep(0.5)  # let the layout settle after the style change
                output.parent.mkdir(parents=True, exist_ok=True)
                cell.screenshot(path=str(output), animations="disabled")
                browser.close()
        finally:
            server.stop()
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebook", type=Path, default=DEFAULT_NOTEBOOK)
    parser.add_argument("--explorer", type=int, default=0,
                        help="which explorer in the notebook, counting from 0")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    path = capture(args.notebook.resolve(), args.explorer, args.output.resolve())
    print(f"saved {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
