"""``python -m kit tree`` and ``python -m kit diff`` on artifacts made here.

Each command runs at least once as a real subprocess (``python -m kit ...``); the options
and every kind of bad input are checked through ``kit.cli.main`` in this process, which
runs the same code.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kit
from kit import cli
from kit.render import ViewOptions, render_html, render_text

tf, slim = kit.tf, kit.slim
ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")


def small_net(images, classes=10, scope="net"):
    with tf.variable_scope(scope):
        net = slim.repeat(images, 2, slim.conv2d, 4, [3, 3], scope="conv1")
        net = slim.flatten(net)
        return slim.fully_connected(net, classes, activation_fn=None, scope="logits")


def save(prefix: Path, **kwargs) -> str:
    with kit.fresh_graph() as graph:
        small_net(tf.placeholder(tf.float32, [None, 4, 4, 3], name="images"), **kwargs)
        with tf.Session() as sess:
            sess.run(tf.global_variables_initializer())
            tf.train.Saver().save(sess, str(prefix))
        tf.io.write_graph(graph.as_graph_def(), str(prefix.parent), "graph.pbtxt")
    return str(prefix)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    a = save(root / "a" / "model.ckpt")
    b = save(root / "b" / "model.ckpt", classes=3, scope="model/net")
    return {"root": root, "a": a, "b": b, "graph": str(root / "a" / "graph.pbtxt")}


def run_module(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kit", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, check=False, env=env)


def main(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


# --- tree -----------------------------------------------------------------------------------

EXPECTED_TREE = """\
checkpoint {prefix}
  note: its graph is in model.ckpt.meta (pass that file to see ops by name scope)

Variables by variable scope: 6 variables, 910 parameters
└── net/                                       6 vars  910 params
    ├── conv1/                                 4 vars  260 params
    │   └── conv1_1..2/  (×2, same structure)  4 vars  260 params
    │       ├── conv1_1/                       2 vars  112 params
    │       └── conv1_2/                       2 vars  148 params
    └── logits/                                2 vars  650 params
        ├── biases                             (10,)  float32  [checkpoint]
        └── weights                            (64, 10)  float32  [checkpoint]
"""


def test_python_m_kit_tree_prints_the_checkpoints_text_tree(files):
    result = run_module("tree", files["a"])
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout == EXPECTED_TREE.format(prefix=files["a"])


def test_tree_depth_search_and_collection(files, capsys):
    code, out, _ = main(capsys, "tree", files["a"], "--depth", "1")
    assert code == 0
    assert out.splitlines()[-1] == "└── net/  6 vars  910 params"
    code, out, _ = main(capsys, "tree", files["a"], "--search", "logits/w")
    assert "matching 'logits/w'" in out and "weights" in out and "conv1" not in out
    code, out, _ = main(capsys, "tree", files["a"], "--collection", "trainable")
    assert "(collection: trainable)" in out and "(nothing)" in out  # a checkpoint has no such flag


def test_tree_of_a_graph_shows_both_halves(files, capsys):
    code, out, _ = main(capsys, "tree", files["graph"], "--depth", "2")
    assert code == 0
    assert out.startswith(f"GraphDef {files['graph']}\n")
    assert "Variables by variable scope: 6 variables, 910 parameters" in out
    assert "Ops by name scope:" in out and "plumbing ops hidden" in out


def test_tree_json_has_names_shapes_dtypes_and_scopes(files, capsys):
    code, out, _ = main(capsys, "tree", files["a"], "--json")
    assert code == 0
    data = json.loads(out)
    assert data["kind"] == "checkpoint" and data["location"] == files["a"]
    assert data["variable_count"] == 6 and data["parameter_count"] == 910
    weights = next(v for v in data["variables"] if v["name"] == "net/logits/weights")
    assert weights == {"name": "net/logits/weights", "key": "net/logits/weights",
                       "scope": "net/logits", "shape": [64, 10], "dtype": "float32",
                       "parameters": 640, "trainable": False, "collections": ["checkpoint"]}
    assert {"scope": "net/logits", "variables": 2, "parameters": 650} in data["scopes"]
    assert '"shape": [64, 10]' in out  # shapes stay on one line
    code, out, _ = main(capsys, "tree", files["a"], "--json", "--search", "biases")
    assert [v["name"] for v in json.loads(out)["variables"]] == [
        "net/conv1/conv1_1/biases", "net/conv1/conv1_2/biases", "net/logits/biases"]


def test_tree_html_writes_a_whole_static_page(files, tmp_path, capsys):
    page = tmp_path / "tree.html"
    code, out, _ = main(capsys, "tree", files["a"], "--html", str(page), "--depth", "2")
    assert code == 0 and out.startswith(f"wrote {page}")
    text = page.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")
    assert '<meta charset="utf-8">' in text and "<script" not in text
    from kit.artifacts import load

    assert render_html(load(files["a"]).tree, ViewOptions(view="variables", depth=2)) in text


def test_tree_text_is_render_text_of_the_same_tree(files, capsys):
    from kit.artifacts import load

    _, out, _ = main(capsys, "tree", files["a"], "--no-fold")
    assert render_text(load(files["a"]).tree, ViewOptions(view="variables", fold=False)) in out


# --- bad input: one line on stderr, exit code 2 -------------------------------------------------


def test_python_m_kit_tree_on_a_missing_path_is_one_line_and_exit_2(tmp_path):
    result = run_module("tree", str(tmp_path / "missing"))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == f"scopekit: {tmp_path / 'missing'}: no such file or directory\n"


def bad_inputs(root: Path, good_prefix: str) -> dict[str, Path]:
    made = {}
    made["missing"] = root / "missing.ckpt"
    (root / "empty_dir").mkdir()
    made["folder without checkpoint"] = root / "empty_dir"
    cut = root / "cut.ckpt"
    for suffix in (".index", ".data-00000-of-00001"):
        data = Path(good_prefix + suffix).read_bytes()
        Path(str(cut) + suffix).write_bytes(data[: len(data) // 2] if suffix == ".index" else data)
    made["truncated index"] = cut
    short = root / "short.ckpt"
    Path(str(short) + ".index").write_bytes(Path(good_prefix + ".index").read_bytes())
    Path(str(short) + ".data-00000-of-00001").write_bytes(b"\0" * 10)
    made["truncated data"] = short
    (root / "random.pb").write_bytes(os.urandom(64))
    made["non-TF .pb"] = root / "random.pb"
    (root / "notes.pbtxt").write_text("node { this is not a graph")
    made["non-TF .pbtxt"] = root / "notes.pbtxt"
    (root / "junk.meta").write_bytes(b"\x08\x96\x01garbage")
    made["non-TF .meta"] = root / "junk.meta"
    (root / "model.h5").write_bytes(b"\x89HDF\r\n")
    made["Keras file"] = root / "model.h5"
    (root / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    made["unknown file"] = root / "photo.jpg"
    return made


def test_every_bad_input_gets_one_clear_line_and_exit_2(files, tmp_path, capsys):
    for label, path in bad_inputs(tmp_path, files["a"]).items():
        code, out, err = main(capsys, "tree", str(path))
        assert code == 2, label
        assert out == "", label
        assert err.startswith("scopekit: ") and err.endswith("\n"), label
        assert err.count("\n") == 1, (label, err)
        assert "Traceback" not in err, label
        assert str(path) in err, (label, err)


def test_bad_options_are_reported_like_argparse_does(files, capsys):
    with pytest.raises(SystemExit) as caught:
        cli.main(["tree", files["a"], "--depth", "-1"])
    assert caught.value.code == 2
    assert "must be 0 or more" in capsys.readouterr().err


def test_html_to_a_folder_is_bad_input(files, tmp_path, capsys):
    code, _, err = main(capsys, "tree", files["a"], "--html", str(tmp_path))
    assert code == 2 and "is a folder" in err


def test_unexpected_errors_are_one_line_unless_debugging(files, capsys, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(cli, "load", broken)
    code, _, err = main(capsys, "tree", files["a"])
    assert code == 2
    assert err == "scopekit: unexpected RuntimeError: boom (set SCOPEKIT_DEBUG=1 to see the traceback)\n"
    monkeypatch.setenv("SCOPEKIT_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["tree", files["a"]])


# --- diff -------------------------------------------------------------------------------------


def test_python_m_kit_diff_shows_the_tree_diff_and_the_name_map(files, tmp_path):
    map_file = tmp_path / "map.json"
    result = run_module("diff", files["a"], files["b"], "--map-out", str(map_file))
    assert result.returncode == 1, result.stderr  # differences found
    assert result.stderr == ""
    out = result.stdout
    assert out.startswith(f"A: checkpoint {files['a']} (6 variables)\n"
                          f"B: checkpoint {files['b']} (6 variables)\n")
    assert "Tree diff (A as expected, B as yours):" in out
    assert ("Name map from A to B: 0 same name, 4 after a rewrite, "
            "2 differ in shape or dtype, 0 only in A, 0 only in B") in out
    assert "  prefix: add prefix `model/`  (6 names)" in out
    assert "  net/logits/weights  ->  model/net/logits/weights  (64, 10) float32 in A, (64, 3) float32 in B" in out
    mapping = json.loads(map_file.read_text())
    assert mapping["assignment_map"] == {
        f"net/conv1/conv1_{i}/{leaf}": f"model/net/conv1/conv1_{i}/{leaf}"
        for i in (1, 2) for leaf in ("biases", "weights")}
    assert [d["from"] for d in mapping["differ"]] == ["net/logits/biases", "net/logits/weights"]
    assert mapping["only_in_from"] == [] and mapping["only_in_to"] == []
    assert f"wrote {map_file}: assignment_map of 4 names" in out


def test_diff_of_a_checkpoint_and_its_own_graph_is_clean(files, capsys):
    code, out, _ = main(capsys, "diff", files["a"], files["graph"])
    assert code == 0
    assert "Same variables as expected (6 variables)." in out
    assert "Name map from A to B: 6 same name, 0 after a rewrite" in out


def test_diff_json_for_tools(files, capsys):
    code, out, _ = main(capsys, "diff", files["a"], files["b"], "--json")
    assert code == 1
    data = json.loads(out)
    assert data["rewrites"]["prefix"] == [{"from": "", "to": "model/", "count": 6}]
    assert [entry["kind"] for entry in data["tree_diff"]] == ["misplaced"]  # the model/ prefix


def test_diff_with_a_bad_side_is_one_line_and_exit_2(files, tmp_path, capsys):
    code, out, err = main(capsys, "diff", files["a"], str(tmp_path / "nope"))
    assert code == 2 and out == ""
    assert err == f"scopekit: {tmp_path / 'nope'}: no such file or directory\n"


# --- a checkpoint's tree needs no TensorFlow ---------------------------------------------------

# Packages a checkpoint's tree must not pay for (seconds of import, most of it TensorFlow).
HEAVY_PACKAGES = ("tensorflow", "tf_slim", "tf_keras", "keras", "IPython", "ipywidgets")
# Loaded at start-up through PYTHONPATH: at exit, the process writes the names of every
# module it imported. (`-X importtime` cannot tell: kit imports TensorFlow with stderr
# pointed at a temporary file, which swallows those lines too.)
MODULE_WATCH = """\
import atexit, json, os, sys

def _write_modules():
    with open(os.environ["SCOPEKIT_TEST_MODULES"], "w") as out:
        json.dump(sorted(sys.modules), out)

atexit.register(_write_modules)
"""


@pytest.fixture
def run_watched(tmp_path):
    """``run_watched(*argv)``: run ``python ARGV...``; the result and the modules it imported."""
    hook = tmp_path / "watch"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(MODULE_WATCH)
    listing = tmp_path / "modules.json"

    def run(*argv: str) -> tuple[subprocess.CompletedProcess, set[str]]:
        env = {**os.environ, "PYTHONPATH": str(hook), "SCOPEKIT_TEST_MODULES": str(listing)}
        result = subprocess.run([sys.executable, *argv], cwd=ROOT, capture_output=True,
                                text=True, timeout=300, check=False, env=env)
        return result, set(json.loads(listing.read_text()))

    return run


def heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY_PACKAGES)


def tree_part(output: str) -> str:
    """The text tree of ``tree``'s output, without the title and notes above it."""
    return output.split("\n\n", 1)[1]


def test_python_m_kit_tree_of_a_checkpoint_imports_no_tensorflow(files, run_watched):
    from kit.checkpoints import checkpoint_tree

    result, modules = run_watched("-m", "kit", "tree", files["a"])
    assert result.returncode == 0, result.stderr
    assert "kit.cli" in modules and "json" in modules  # the listing is the whole process's
    assert heavy(modules) == []
    assert result.stderr == ""
    assert result.stdout == EXPECTED_TREE.format(prefix=files["a"])
    # ... and the tree is the one TensorFlow's own checkpoint reader gives.
    with_tf = render_text(checkpoint_tree(files["a"]), ViewOptions(view="variables"))
    assert tree_part(result.stdout) == with_tf + "\n"


def test_scopekit_script_on_a_checkpoint_imports_no_tensorflow(files, run_watched, tmp_path):
    # The script pip writes for `scopekit = "kit.cli:main"` (the installed one, if any).
    installed = Path(sys.executable).with_name("scopekit")
    script = installed if installed.is_file() else tmp_path / "scopekit"
    if not installed.is_file():
        script.write_text("import sys\nfrom kit.cli import main\n"
                          "if __name__ == '__main__':\n    sys.exit(main())\n")
    result, modules = run_watched(str(script), "tree", files["a"])
    assert result.returncode == 0, result.stderr
    assert heavy(modules) == []
    assert result.stdout == EXPECTED_TREE.format(prefix=files["a"])


def test_python_m_kit_tree_of_a_graph_file_imports_tensorflow_quietly_when_it_needs_it(
        files, run_watched):
    result, modules = run_watched("-m", "kit", "tree", files["graph"], "--depth", "1")
    assert result.returncode == 0, result.stderr
    assert "tensorflow" in modules
    assert result.stderr == ""
    assert "Ops by name scope:" in result.stdout


def test_python_m_kit_diff_imports_tensorflow_only_for_a_graph(files, run_watched):
    alone, alone_modules = run_watched("-m", "kit", "diff", files["a"], files["b"], "--limit", "1")
    assert alone.returncode == 1, alone.stderr
    assert heavy(alone_modules) == []
    with_graph, graph_modules = run_watched("-m", "kit", "diff", files["a"], files["graph"])
    assert with_graph.returncode == 0, with_graph.stderr
    assert "tensorflow" in graph_modules
