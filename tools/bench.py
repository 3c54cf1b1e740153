"""How fast and how big: the numbers behind the README (``make bench``; not a test).

Sections (all by default; pick some with ``--only imports,tree``):

* imports    ``import tensorflow`` and ``import kit`` in fresh processes: seconds, peak
             RSS, lines printed on stderr. ``--compare-python PATH`` adds another
             interpreter (for example a venv holding ``tensorflow-cpu``).
* tree       ScopeTree build + text render for the largest net in ``tf_slim.nets``
             (by op count), against that graph's own build time (floor: <= 5 %).
* synthetic  the same for a synthetic graph of 20,000 ops.
* notebooks  every lesson in notebooks/: wall time and kernel peak RSS against the floor
             of a kernel that only runs ``import kit``; flags any kernel over 1 GB.
* exercises  ``tools/bench_exercises.py``'s ``main()``.

Small timings are the median of ``--repeats`` runs (default 3). Timings on a shared
2-core machine swing by 2x; peak RSS is stable to about 1 MiB.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
SECTIONS = ("imports", "tree", "synthetic", "notebooks", "exercises")
KERNEL_LIMIT_BYTES = 1_000_000_000  # 1 GB: mybinder.org guarantees this much
TREE_FLOOR = 0.05  # tree build + render may cost at most 5 % of the graph build
SYNTHETIC_OPS = 20_000
# The kernel's own high-water mark. Not getrusage: Linux keeps ru_maxrss across fork and
# exec, so a kernel started by this (large) process would report this process's peak.
PEAK_RSS_KIB_EXPR = "re.search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read())[1]"
RSS_PROBE = f"import re\nprint('PEAK_RSS_KIB', {PEAK_RSS_KIB_EXPR})"


def median_seconds(action: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Median wall seconds of ``repeats`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n## {title}\n")
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


# --- imports ---------------------------------------------------------------------------

IMPORT_CHILD = (
    "import re, sys, time\n"
    "started = time.perf_counter()\n"
    "exec(sys.argv[1])\n"
    "seconds = time.perf_counter() - started\n"
    f"print('IMPORT', seconds, {PEAK_RSS_KIB_EXPR})\n"
)


def time_import(python: str, statement: str) -> tuple[float, int, int]:
    """(seconds, peak RSS KiB, stderr lines) of one ``statement`` in a new process."""
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(
        [python, "-c", IMPORT_CHILD, statement],
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
    )
    _, seconds, rss = done.stdout.split()[-3:]
    return float(seconds), int(rss), len([line for line in done.stderr.splitlines() if line])


def bench_imports(repeats: int, other_pythons: list[str]) -> None:
    cases = [(sys.executable, "import tensorflow"), (sys.executable, "import kit")]
    cases += [(python, "import tensorflow") for python in other_pythons]
    samples: dict[tuple[str, str], list[tuple[float, int, int]]] = {case: [] for case in cases}
    for _ in range(repeats):  # interleaved, so load swings hit every case alike
        for case in cases:
            samples[case].append(time_import(*case))
    rows = []
    for (python, statement), runs in samples.items():
        rows.append(
            [
                python,
                statement,
                f"{statistics.median(r[0] for r in runs):.1f} s",
                mib(statistics.median(r[1] for r in runs)),
                str(max(r[2] for r in runs)),
            ]
        )
    print_table(
        f"Imports in a fresh process, TF_CPP_MIN_LOG_LEVEL=3 (median of {repeats})",
        ["python", "statement", "seconds", "peak RSS", "stderr lines"],
        rows,
    )


# --- tree cost against graph cost ------------------------------------------------------

NET_CANDIDATES = [
    # (module, function, arg_scope function)
    ("vgg", "vgg_19", "vgg_arg_scope"),
    ("inception_v3", "inception_v3", "inception_v3_arg_scope"),
    ("resnet_v1", "resnet_v1_152", "resnet_arg_scope"),
    ("resnet_v1", "resnet_v1_200", "resnet_arg_scope"),
    ("resnet_v2", "resnet_v2_152", "resnet_arg_scope"),
    ("resnet_v2", "resnet_v2_200", "resnet_arg_scope"),
]


def net_builder(module_name: str, function_name: str, arg_scope_name: str):
    """A function that builds one tf_slim net (with its arg scope) in a fresh graph."""
    import importlib

    import kit

    tf, slim = kit.tf, kit.slim
    module = importlib.import_module(f"tf_slim.nets.{module_name}")
    size = 299 if module_name.startswith("inception") else 224

    def build():
        with kit.fresh_graph() as graph:
            images = tf.placeholder(tf.float32, [None, size, size, 3], name="images")
            with slim.arg_scope(getattr(module, arg_scope_name)()):
                getattr(module, function_name)(images, num_classes=1000, is_training=False)
        return graph

    return build


def synthetic_builder(target_ops: int = SYNTHETIC_OPS):
    """A graph of nested scopes and repeated blocks, each block with one variable."""
    import kit

    tf = kit.tf

    def build():
        with kit.fresh_graph() as graph:
            net = tf.placeholder(tf.float32, [None, 8], name="x")
            stage = 0
            while len(graph.get_operations()) < target_ops:
                stage += 1
                with tf.variable_scope(f"stage{stage}"):
                    for block in range(1, 11):
                        with tf.variable_scope(f"block_{block}"):
                            w = tf.get_variable("w", [8, 8])
                            with tf.name_scope("compute"):
                                for step in range(4):
                                    net = tf.nn.relu(tf.matmul(net, w) + float(step))
        return graph

    return build


def tree_cost(build, repeats: int) -> list[str]:
    """[ops, variables, graph build s, tree+render s, ratio] for one graph recipe."""
    from kit import ScopeTree, render_text

    build_seconds, graph = median_seconds(build, repeats)
    tree_seconds, text = median_seconds(lambda: render_text(ScopeTree.from_graph(graph)), repeats)
    ratio = tree_seconds / build_seconds
    verdict = "ok" if ratio <= TREE_FLOOR else f"OVER {TREE_FLOOR:.0%}"
    tree = ScopeTree.from_graph(graph)
    return [
        f"{len(graph.get_operations()):,}",
        f"{len(tree.variables):,}",
        f"{build_seconds:.2f} s",
        f"{tree_seconds:.3f} s",
        f"{ratio:.1%} ({verdict})",
        f"{len(text.splitlines()):,}",
    ]


TREE_HEADER = ["graph", "ops", "variables", "graph build", "tree + text", "tree/build", "lines"]


def bench_largest_net(repeats: int) -> None:
    sizes = []
    for candidate in NET_CANDIDATES:
        label = candidate[1]
        try:
            graph = net_builder(*candidate)()
        except (ImportError, AttributeError, TypeError, ValueError) as error:  # not a candidate
            print(f"  {label}: does not build ({type(error).__name__}: {error})")
            continue
        sizes.append((len(graph.get_operations()), label, candidate))
        print(f"  {label}: {len(graph.get_operations()):,} ops")
    _, label, candidate = max(sizes)
    row = tree_cost(net_builder(*candidate), repeats)
    print_table(
        f"Largest tf_slim net by op count: {label} (median of {repeats})",
        TREE_HEADER,
        [[label, *row]],
    )


def bench_synthetic(repeats: int) -> None:
    row = tree_cost(synthetic_builder(), repeats)
    print_table(
        f"Synthetic graph, >= {SYNTHETIC_OPS:,} ops (median of {repeats})",
        TREE_HEADER,
        [["synthetic", *row]],
    )


# --- notebooks -------------------------------------------------------------------------


def run_with_rss_probe(notebook, cwd: Path) -> tuple[float, int, int]:
    """(wall seconds, kernel peak RSS KiB, cells with errors) of a fresh-kernel run."""
    import nbformat

    from tools.execute_notebooks import run_notebook, unexpected_errors

    notebook.cells.append(nbformat.v4.new_code_cell(RSS_PROBE))
    seconds = run_notebook(notebook, cwd, allow_errors=True)
    probe_text = "".join(o.get("text", "") for o in notebook.cells[-1].outputs)
    match = re.search(r"PEAK_RSS_KIB (\d+)", probe_text)
    if match is None:
        raise RuntimeError(f"the RSS probe printed nothing usable: {probe_text!r}")
    errors = len({line.split(":", 1)[0] for line in unexpected_errors(notebook)})
    return seconds, int(match[1]), errors


def bench_notebooks() -> None:
    import nbformat

    floor = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("import kit")])
    with tempfile.TemporaryDirectory() as folder:
        floor_seconds, floor_kib, _ = run_with_rss_probe(floor, Path(folder))
    rows = [["(floor: import kit)", f"{floor_seconds:.1f} s", mib(floor_kib), "", "", ""]]
    over = []
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        try:
            notebook = nbformat.read(path, as_version=4)
            seconds, kib, errors = run_with_rss_probe(notebook, path.parent)
        except (OSError, ValueError, RuntimeError, TimeoutError) as error:
            rows.append([path.name, "", "", "", "", f"COULD NOT RUN: {type(error).__name__}"])
            continue
        flag = "OVER 1 GB" if kib * 1024 > KERNEL_LIMIT_BYTES else ""
        if flag:
            over.append(path.name)
        rows.append(
            [
                path.name,
                f"{seconds:.1f} s",
                mib(kib),
                f"+{mib(kib - floor_kib)}",
                str(errors) if errors else "",
                flag,
            ]
        )
    print_table(
        "Lessons, each in a fresh kernel (outputs are not saved)",
        ["notebook", "wall", "kernel peak RSS", "above floor", "error cells", "flag"],
        rows,
    )
    if over:
        print(f"\nOver 1 GB: {', '.join(over)}")


def bench_exercises() -> None:
    from tools import bench_exercises

    print("\n## Exercises (tools/bench_exercises.py)\n")
    bench_exercises.main()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--compare-python",
        action="append",
        default=[],
        metavar="PATH",
        help="another interpreter to time `import tensorflow` in (repeatable)",
    )
    args = parser.parse_args(argv)
    chosen = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    started = time.perf_counter()
    print(f"scopekit bench: python {sys.version.split()[0]}, {os.cpu_count()} cores")
    if "imports" in chosen:
        bench_imports(args.repeats, args.compare_python)
    if "tree" in chosen:
        print("\nBuilding candidate nets to find the largest:")
        bench_largest_net(args.repeats)
    if "synthetic" in chosen:
        bench_synthetic(args.repeats)
    if "notebooks" in chosen:
        bench_notebooks()
    if "exercises" in chosen:
        bench_exercises()
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"\nbench finished in {time.perf_counter() - started:.0f} s (own peak RSS {mib(own)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
