"""How fast the scope-tree explorer paints a 20,000-variable tree in a browser (not a test).

    python -m tools.bench_explorer [--front-end lab|notebook] [--repeats 5] [--keep DIR]

Starts a private Jupyter server and Chromium the way the browser tests do
(``tests/browser/jupyter_app.py``), opens a generated notebook whose first cell reads the
synthetic checkpoint of ``tools/bench_cli.py`` (20,000 variables in nested scopes; made here
unless ``--keep DIR`` already holds it) into ``tree``, then runs, ``--repeats`` times each:

* ``kit.show(tree)``: the live explorer (a widget);
* ``kit.show(small)``: the explorer of the tree's first 100 variables, for comparison (its
  controls and a small tree's markup: the least any explorer costs);
* ``StaticTree(tree, ViewOptions())``: the static HTML view that stored outputs, GitHub and
  nbconvert show.

In the page, a MutationObserver notes three moments: the Shift+Enter that sends the execute
request, the cell's output element appearing (the kernel's display message has arrived and
the front end has started rendering it), and the first paint of the tree's top level (its
first scope row laid out, then one animation frame and a task later). Reported: median and
spread of "request to paint" and "output to paint" (the target: under 300 ms), and, measured
in this process, what the kernel does before it sends anything (building the view and its
MIME bundle) and how many bytes it sends.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
# The browser tests' Jupyter driver is a plain module in their folder, not a package.
sys.path.insert(0, str(ROOT / "tests" / "browser"))

from jupyter_app import JupyterServer, NotebookPage, launch_chromium

from tools.bench_cli import MAKE_SYNTHETIC, SYNTHETIC_VARIABLES

TARGET_MS = 300
NOTEBOOK = "bench_explorer.ipynb"
FIRST_ROW = ".scopekit-tree .scopekit-scope"  # a top-level scope: in both views
VIEWS = ("explorer", "small", "static")  # the timed cells, in order

# Installed before each run: times the request, the output and the first paint of a top row.
WATCH_CELL = """(cell, firstRow) => {
  const bench = window.__scopekitBench = {request: null, output: null, paint: null};
  document.addEventListener('keydown', (event) => {
    if (bench.request === null && event.key === 'Enter' && event.shiftKey) {
      bench.request = performance.now();
    }
  }, {capture: true});
  const check = () => {
    if (bench.output === null && cell.querySelector('.jp-OutputArea-output')) {
      bench.output = performance.now();
    }
    const row = cell.querySelector('.jp-OutputArea-output ' + firstRow);
    if (row && row.getBoundingClientRect().height > 0) {
      observer.disconnect();
      requestAnimationFrame(() => setTimeout(() => { bench.paint = performance.now(); }, 0));
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(cell, {childList: true, subtree: true, attributes: true});
}"""

# What the kernel does before the display message leaves: measured in this process.
KERNEL_SIDE = """\
import json, statistics, sys, time
sys.argv[0] = "scopekit"  # no TensorFlow needed for a checkpoint's tree
import kit
from kit.artifacts import tree_from_path
from kit.display import StaticTree
from kit.widgets import ScopeExplorer
tree = tree_from_path({prefix!r})

def timed(make):
    times = []
    for _ in range({repeats}):
        started = time.perf_counter()
        made = make()
        times.append(time.perf_counter() - started)
    return times, made

def state_bytes(widget):  # the widget models the front end receives (comm messages)
    own = len(json.dumps(widget.get_state(), default=str))
    return own + sum(state_bytes(child) for child in getattr(widget, "children", ()))

explorer_times, (explorer, explorer_bundle) = timed(
    lambda: (lambda e: (e, e._repr_mimebundle_()))(ScopeExplorer(tree)))
static_times, static_bundle = timed(lambda: StaticTree(tree, kit.ViewOptions())._repr_mimebundle_())
print(json.dumps({{
    "variables": len(tree.variables),
    "explorer_seconds": explorer_times,
    "static_seconds": static_times,
    "explorer_bundle_bytes": sum(len(json.dumps(v)) for v in explorer_bundle.values()),
    "explorer_model_bytes": state_bytes(explorer),
    "static_html_bytes": len(static_bundle["text/html"].encode()),
    "static_text_bytes": len(static_bundle["text/plain"].encode()),
}}))
"""


def make_checkpoint(folder: Path, count: int) -> str:
    prefix = folder / "synthetic" / "model.ckpt"
    if not Path(str(prefix) + ".index").is_file():
        prefix.parent.mkdir(parents=True, exist_ok=True)
        print(f"making a checkpoint of {count:,} variables in {prefix.parent} ...", flush=True)
        subprocess.run([sys.executable, "-c", MAKE_SYNTHETIC.format(prefix=str(prefix), count=count)],
                       cwd=ROOT, check=True, capture_output=True, timeout=3600)
    return str(prefix)


def write_notebook(path: Path, prefix: str) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import kit\nfrom kit.artifacts import tree_from_path\nfrom kit.display import StaticTree\n"
            f"tree = tree_from_path({prefix!r})\n"
            "small = kit.ScopeTree(tree.variables[:100], [])\nlen(tree.variables)"),
        nbformat.v4.new_code_cell("kit.show(tree)"),
        nbformat.v4.new_code_cell("kit.show(small)"),
        nbformat.v4.new_code_cell("StaticTree(tree, kit.ViewOptions())"),
    ]
    nbformat.write(notebook, path)


def paint_times(notebook: NotebookPage, cell, repeats: int) -> list[dict]:
    """Run ``cell`` ``repeats`` times; per run the page's request, output and paint times."""
    runs = []
    for _ in range(repeats):
        notebook.menu("Edit", "Clear Outputs of All Cells")
        notebook.page.wait_for_function(
            "(cell) => !cell.querySelector('.jp-OutputArea-output')",
            arg=cell.element_handle(), polling=100)
        cell.element_handle().evaluate(WATCH_CELL, FIRST_ROW)
        notebook.run_cell(cell, timeout_ms=600_000)
        notebook.page.wait_for_function(
            "() => window.__scopekitBench.paint !== null", timeout=120_000, polling=100)
        runs.append(notebook.page.evaluate("() => window.__scopekitBench"))
    return runs


def summary(values: list[float], unit: str = "ms") -> str:
    return (f"{statistics.median(values):,.0f} {unit} "
            f"({min(values):,.0f}-{max(values):,.0f})")


def run_browser(prefix: str, front_end: str, repeats: int) -> dict[str, list[dict]]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="scopekit-bench-explorer-") as temp:
        root = Path(temp) / "root"
        root.mkdir()
        write_notebook(root / NOTEBOOK, prefix)
        server = JupyterServer(front_end, root, Path(temp) / "state").start()
        try:
            with sync_playwright() as playwright:
                browser = launch_chromium(playwright)
                try:
                    page = browser.new_page(viewport={"width": 1280, "height": 900})
                    page.set_default_timeout(120_000)
                    notebook = NotebookPage(page, server).open(NOTEBOOK)
                    cells = page.locator(".jp-Notebook .jp-CodeCell")
                    notebook.run_cell(cells.nth(0), timeout_ms=600_000)
                    results = {view: paint_times(notebook, cells.nth(i), repeats)
                               for i, view in enumerate(VIEWS, 1)}
                finally:
                    browser.close()
        finally:
            server.stop()
    return results


def kernel_side(prefix: str, repeats: int) -> dict:
    done = subprocess.run([sys.executable, "-c", KERNEL_SIDE.format(prefix=prefix, repeats=repeats)],
                          cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False)
    if done.returncode != 0:
        raise SystemExit(f"kernel-side step failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--front-end", choices=("lab", "notebook"), default="lab")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variables", type=int, default=SYNTHETIC_VARIABLES)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the checkpoint here")
    parser.add_argument("--json", action="store_true", help="also print the raw numbers")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scopekit-bench-explorer-ckpt-") as scratch:
        folder = args.keep or Path(scratch)
        prefix = make_checkpoint(folder, args.variables)
        kernel = kernel_side(prefix, args.repeats)
        started = time.perf_counter()
        browser = run_browser(prefix, args.front_end, args.repeats)
        print(f"(browser runs took {time.perf_counter() - started:.0f} s)")
    if args.json:
        print(json.dumps({"kernel": kernel, "browser": browser}, indent=1))
    print(f"\n## First paint of a {kernel['variables']:,}-variable tree in "
          f"{'JupyterLab' if args.front_end == 'lab' else 'Notebook 7'}, "
          f"median (fastest-slowest) of {args.repeats}\n")
    rows = [["", "explorer (kit.show)", "explorer, 100 variables", "static HTML view"]]
    for label, start in (("Shift+Enter to first paint", "request"),
                         ("output shown to first paint", "output")):
        rows.append([label] + [summary([run["paint"] - run[start] for run in browser[view]])
                               for view in VIEWS])
    rows.append(["kernel: view and MIME bundle built",
                 summary([1000 * s for s in kernel["explorer_seconds"]]), "",
                 summary([1000 * s for s in kernel["static_seconds"]])])
    rows.append(["bytes sent: widget models + display message",
                 f"{kernel['explorer_model_bytes']:,} + {kernel['explorer_bundle_bytes']:,}", "",
                 f"{kernel['static_html_bytes'] + kernel['static_text_bytes']:,}"])
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for i, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    output_to_paint = statistics.median(run["paint"] - run["output"] for run in browser["explorer"])
    verdict = "ok" if output_to_paint < TARGET_MS else "OVER"
    print(f"\nexplorer, output shown to first paint: {output_to_paint:,.0f} ms "
          f"(target < {TARGET_MS} ms: {verdict})")
    print(f"static HTML view: {kernel['static_html_bytes']:,} bytes of HTML")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
