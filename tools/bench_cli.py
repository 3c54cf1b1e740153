"""How fast ``python -m kit tree`` reads big checkpoints (numbers for the README; not a test).

Sections (both by default; pick one with ``--only synthetic`` or ``--only resnet``):

* synthetic  a checkpoint of 20,000 tiny variables in nested scopes (``block_B/unit_U/convC/
             weights``...), saved by a ``tf.compat.v1.train.Saver`` over eager ``tf.Variable``s in
             a temporary folder. Times reading its index (TensorFlow's reader:
             ``tf.train.list_variables`` plus ``get_variable_to_dtype_map``; kit's pure-Python
             reader, with and without checking every block's CRC-32C) against kit's own work:
             building the ``ScopeTree`` and its text view (target: under 1 s beyond reading).
* resnet     a ``resnet_v2_152`` checkpoint from ``tf_slim.nets.resnet_v2`` (variables initialised,
             saved with a Saver; ``--resnet 50`` for ``resnet_v2_50``): the peak RSS of making it,
             then ``python -m kit tree`` on it (which imports no TensorFlow for a checkpoint):
             wall time and its parts, against the same command after a lesson's ``import kit``
             (TensorFlow, tf-slim and the fixes first: what the command cost before it left
             TensorFlow out), with the share of that spent importing TensorFlow.

Every measurement runs in a fresh process; times are medians of ``--repeats`` runs (default 3),
with the fastest and slowest run in brackets.
Peak RSS is the process's own high-water mark (VmHWM). ``--keep DIR`` keeps the checkpoints in
DIR and reuses them on the next run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SYNTHETIC_VARIABLES = 20_000
TREE_TARGET_SECONDS = 1.0
HWM = "int(__import__('re').search(r'VmHWM:\\s+(\\d+) kB', open('/proc/self/status').read())[1])"
# `import kit` as the `scopekit` command's process does it (TensorFlow left out until used),
# and as a lesson does it (TensorFlow, tf-slim and the fixes at once).
COMMAND_KIT = "import sys\nsys.argv[0] = 'scopekit'\nimport kit\n"
LESSON_KIT = "import kit\n"

MAKE_SYNTHETIC = """\
import json, os, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import kit
import tensorflow as tf
started = time.perf_counter()
names = [f"block_{{b}}/unit_{{u}}/conv{{c}}/{{leaf}}" for b in range(1, 11) for u in range(1, 51)
         for c in range(1, 11) for leaf in ("weights", "biases", "gamma", "beta")][:{count}]
value = np.zeros([2], np.float32)
variables = {{name: tf.Variable(value, name=f"v{{i}}") for i, name in enumerate(names)}}
made = time.perf_counter()
tf.compat.v1.train.Saver(var_list=variables).save(None, {prefix!r}, write_meta_graph=False)
print(json.dumps({{"variables": len(names), "create": made - started,
                   "save": time.perf_counter() - made}}))
"""

MEASURE_SYNTHETIC = """\
import json, statistics, time
import kit
import tensorflow as tf
from kit.artifacts import checkpoint_variables, read_checkpoint_index
from kit.render import ViewOptions, render_text
from kit.tree import ScopeTree
prefix, repeats = {prefix!r}, {repeats}

def median(action):
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = action()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result

def tf_read():
    reader = tf.train.load_checkpoint(prefix)
    return tf.train.list_variables(prefix), reader.get_variable_to_dtype_map()

tf_seconds, _ = median(tf_read)
verified, index = median(lambda: read_checkpoint_index(prefix))
unverified, _ = median(lambda: read_checkpoint_index(prefix, verify=False))
tree_seconds, tree = median(lambda: ScopeTree(checkpoint_variables(index)[0], []))
text_seconds, text = median(lambda: render_text(tree, ViewOptions(view="variables")))
shallow_seconds, _ = median(lambda: render_text(tree, ViewOptions(view="variables", depth=2)))
print(json.dumps({{"tf_read": tf_seconds, "kit_read": verified, "kit_read_unverified": unverified,
                   "tree": tree_seconds, "text": text_seconds, "text_depth2": shallow_seconds,
                   "lines": len(text.splitlines()), "entries": len(index.entries),
                   "index_bytes": __import__("os").path.getsize(prefix + ".index")}}))
"""

MAKE_RESNET = """\
import json, os, re, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import kit
from tf_slim.nets import resnet_v2
tf, slim = kit.tf, kit.slim
started = time.perf_counter()
with kit.fresh_graph():
    images = tf.placeholder(tf.float32, [None, 224, 224, 3])
    with slim.arg_scope(resnet_v2.resnet_arg_scope()):
        resnet_v2.{net}(images, num_classes=1000, is_training=False)
    built = time.perf_counter()
    variables = tf.global_variables()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        tf.train.Saver().save(sess, {prefix!r}, write_meta_graph=False)
print(json.dumps({{"build": built - started, "init_save": time.perf_counter() - built,
                   "variables": len(variables),
                   "parameters": sum(v.shape.num_elements() for v in variables),
                   "peak_rss_kib": {hwm}}}))
"""

# What `python -m kit tree PREFIX` does (kit/__init__.py first, then the CLI), timed inside.
TIME_CLI = """\
import contextlib, io, json, time
started = time.perf_counter()
{setup}
imported = time.perf_counter()
from kit.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(["tree", {prefix!r}])
done = time.perf_counter()
tf_loaded = "tensorflow" in __import__("sys").modules
print(json.dumps({{"code": code, "import_kit": imported - started, "tree": done - imported,
                   "tensorflow_imported": tf_loaded, "peak_rss_kib": {hwm}}}))
"""


def python(code: str, timeout: int = 3600) -> dict:
    """Run ``code`` in a fresh interpreter; the JSON object it prints last."""
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise SystemExit(f"benchmark step failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def wall(argv: list[str], repeats: int) -> list[float]:
    """Wall seconds of each of ``repeats`` runs of ``argv`` (stdout discarded)."""
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        subprocess.run(argv, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True, timeout=600)
        times.append(time.perf_counter() - started)
    return times


def timed_cli(prefix: str, with_tensorflow: bool, repeats: int) -> dict:
    setup = LESSON_KIT if with_tensorflow else COMMAND_KIT
    runs = [python(TIME_CLI.format(setup=setup, prefix=prefix, hwm=HWM)) for _ in range(repeats)]
    return {key: [run[key] for run in runs] for key in ("import_kit", "tree", "peak_rss_kib")} | {
        "tensorflow_imported": runs[0]["tensorflow_imported"]}


def cli_after_lesson_import(prefix: str) -> str:
    """``python -m kit tree PREFIX`` after a lesson's ``import kit`` (TensorFlow first)."""
    return LESSON_KIT + f"from kit.cli import main\nraise SystemExit(main(['tree', {prefix!r}]))\n"


def print_table(title: str, header: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    print(f"\n## {title}\n")
    for row in [header, ["-" * w for w in widths], *rows]:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())


def seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 10 else f"{value:.1f} s"


def spread(times: list[float]) -> str:
    """The median, and the lowest and highest run: the machine's noise shows."""
    low, high = min(times), max(times)
    return f"{seconds(statistics.median(times))} ({low:.2f}-{high:.2f})"


def mib(kib: float) -> str:
    return f"{kib / 1024:,.0f} MiB"


def bench_synthetic(folder: Path, repeats: int, count: int) -> None:
    prefix = str(folder / "synthetic" / "model.ckpt")
    if not os.path.isfile(prefix + ".index"):
        made = python(MAKE_SYNTHETIC.format(prefix=prefix, count=count))
        print(f"made {made['variables']:,} variables in {seconds(made['create'])}, "
              f"saved in {seconds(made['save'])}")
    measured = python(MEASURE_SYNTHETIC.format(prefix=prefix, repeats=repeats))
    kit_work = measured["tree"] + measured["text"]
    print_table(
        f"A checkpoint of {measured['entries']:,} variables "
        f"(index {measured['index_bytes']:,} bytes), in one process, median of {repeats}",
        ["step", "seconds"],
        [
            ["read the index: TensorFlow (list_variables + dtype map)", seconds(measured["tf_read"])],
            ["read the index: kit, pure Python, CRC-32C checked", seconds(measured["kit_read"])],
            ["read the index: kit, pure Python, no CRC check",
             seconds(measured["kit_read_unverified"])],
            ["kit: ScopeTree from the entries", seconds(measured["tree"])],
            [f"kit: text view ({measured['lines']:,} lines, numbered runs folded)",
             seconds(measured["text"])],
            ["kit: text view, --depth 2", seconds(measured["text_depth2"])],
            [f"kit time beyond reading (target < {TREE_TARGET_SECONDS:.0f} s)",
             f"{seconds(kit_work)} ({'ok' if kit_work < TREE_TARGET_SECONDS else 'OVER'})"],
        ],
    )
    command = wall([sys.executable, "-m", "kit", "tree", prefix], repeats)
    with_tf = wall([sys.executable, "-c", cli_after_lesson_import(prefix)], repeats)
    print_table(f"`python -m kit tree` on it, process start to exit, median of {repeats}",
                ["run", "wall"], [
        ["python -m kit tree (no TensorFlow)", spread(command)],
        ["the same CLI after a lesson's `import kit` (TensorFlow first)", spread(with_tf)],
    ])


def bench_resnet(folder: Path, repeats: int, depth: int) -> None:
    net = f"resnet_v2_{depth}"
    prefix = str(folder / net / "model.ckpt")
    if not os.path.isfile(prefix + ".index"):
        made = python(MAKE_RESNET.format(net=net, prefix=prefix, hwm=HWM))
        print_table(f"Making the {net} checkpoint (one process)", ["", ""], [
            ["variables", f"{made['variables']:,}"],
            ["parameters", f"{made['parameters']:,}"],
            ["graph build", seconds(made["build"])],
            ["initialise + save", seconds(made["init_save"])],
            ["peak RSS", mib(made["peak_rss_kib"])],
        ])
    size = sum(p.stat().st_size for p in Path(prefix).parent.glob("model.ckpt.*"))
    startup = wall([sys.executable, "-c", "pass"], repeats)
    total = wall([sys.executable, "-m", "kit", "tree", prefix], repeats)
    command = timed_cli(prefix, with_tensorflow=False, repeats=repeats)
    lesson = timed_cli(prefix, with_tensorflow=True, repeats=repeats)
    lesson_total = wall([sys.executable, "-c", cli_after_lesson_import(prefix)], repeats)
    # From the same runs: the import against everything the process does after start-up.
    share = statistics.median(lesson["import_kit"]) / (
        statistics.median(lesson["import_kit"]) + statistics.median(lesson["tree"]))
    print_table(
        f"`python -m kit tree` on {net} ({size / 1e6:,.0f} MB on disk), median of {repeats}",
        ["", "python -m kit tree", "after a lesson's `import kit`"],
        [
            ["wall time, process start to exit", spread(total), spread(lesson_total)],
            ["  of which `import kit`", spread(command["import_kit"]),
             f"{spread(lesson['import_kit'])}, {share:.0%}: TensorFlow, tf-slim, fixes"],
            ["  of which the CLI (kit modules, index, tree, text)", spread(command["tree"]),
             spread(lesson["tree"])],
            ["  of which interpreter start-up (`python -c pass`)", spread(startup),
             spread(startup)],
            ["TensorFlow imported", str(command["tensorflow_imported"]),
             str(lesson["tensorflow_imported"])],
            ["peak RSS", mib(statistics.median(command["peak_rss_kib"])),
             mib(statistics.median(lesson["peak_rss_kib"]))],
        ],
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("synthetic", "resnet"))
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variables", type=int, default=SYNTHETIC_VARIABLES)
    parser.add_argument("--resnet", type=int, choices=(50, 101, 152, 200), default=152)
    parser.add_argument("--keep", type=Path, help="keep (and reuse) the checkpoints here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="scopekit-bench-cli-") as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        if args.only in (None, "synthetic"):
            bench_synthetic(folder, args.repeats, args.variables)
        if args.only in (None, "resnet"):
            bench_resnet(folder, args.repeats, args.resnet)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
