"""Rebuild the golden scope-tree texts in tests/golden/ from the real code.

The golden files are never typed by hand: this script builds each graph from the articles
the lessons start from (docs/sources.md), renders it with ``kit.render_text`` and writes
the result. ``tests/test_tree.py`` rebuilds the same
graphs with the same recipes and compares the text exactly. After an intended change to
``kit/tree.py`` or ``kit/render.py``, run

    .venv/bin/python -m tools.regen_golden

and review ``git diff tests/golden`` before committing.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import kit
from kit import ScopeTree, ViewOptions, render_text

tf, slim = kit.tf, kit.slim

ROOT = Path(__file__).resolve().parent.parent
GOLDEN_DIR = ROOT / "tests" / "golden"

SHARING_METHODS = ("reopen_by_name", "reuse_variables", "reopen_by_object")


def tensornets_nest():
    """The TensorNets guide's nest: name_scope('foo') / variable_scope('goo') / name_scope('hoo').

    Plus a ``tf.Variable`` beside the guide's ``tf.get_variable``: it takes the variable
    scope's prefix too (``foo/goo/hoo/v``), not only the name scopes as the guide says.
    """
    with (
        kit.fresh_graph() as graph,
        tf.name_scope("foo"),
        tf.variable_scope("goo"),
        tf.name_scope("hoo"),
    ):
        w = tf.get_variable("w", [1])
        s = tf.constant(-1.0)
        _ = s * w
        tf.Variable(1.0, name="v")
    return graph


def vgg16():
    """``tf_slim.nets.vgg.vgg_16`` on a 224x224 placeholder (graph only, never initialised)."""
    from tf_slim.nets import vgg

    with kit.fresh_graph() as graph:
        images = tf.placeholder(tf.float32, [None, 224, 224, 3], name="images")
        vgg.vgg_16(images)
    return graph


def _conv_relu(inputs, kernel_shape, bias_shape):
    # The conv layer of the blog post on name_scope and variable_scope, with its typo
    # `constant_intializer` corrected (as printed it raises AttributeError; lesson 03 shows it).
    weights = tf.get_variable(
        "weights", kernel_shape, initializer=tf.random_normal_initializer(seed=1)
    )
    biases = tf.get_variable("biases", bias_shape, initializer=tf.constant_initializer(0.0))
    conv = tf.nn.conv2d(inputs, weights, strides=[1, 1, 1, 1], padding="SAME")
    return tf.nn.relu(conv + biases)


def _my_image_filter(input_images):
    with tf.variable_scope("conv1"):
        relu1 = _conv_relu(input_images, [5, 5, 32, 32], [32])
    with tf.variable_scope("conv2"):
        return _conv_relu(relu1, [5, 5, 32, 32], [32])


def image_filter_sharing(method: str):
    """The blog post's ``my_image_filter`` applied to two images, sharing weights by one of
    its 3 methods."""
    if method not in SHARING_METHODS:
        raise ValueError(f"method must be one of {SHARING_METHODS}; got {method!r}")
    with kit.fresh_graph() as graph:
        image1 = tf.placeholder(tf.float32, [None, 16, 16, 32], name="image1")
        image2 = tf.placeholder(tf.float32, [None, 16, 16, 32], name="image2")
        if method == "reopen_by_name":
            with tf.variable_scope("image_filters"):
                _my_image_filter(image1)
            with tf.variable_scope("image_filters", reuse=True):
                _my_image_filter(image2)
        elif method == "reuse_variables":
            with tf.variable_scope("image_filters") as scope:
                _my_image_filter(image1)
                scope.reuse_variables()
                _my_image_filter(image2)
        else:
            with tf.variable_scope("image_filters") as scope:
                _my_image_filter(image1)
            with tf.variable_scope(scope, reuse=True):
                _my_image_filter(image2)
    return graph


# file name -> (graph recipe, how to render it)
GOLDEN: dict[str, tuple[Callable[[], object], ViewOptions]] = {
    "tensornets_nest.txt": (tensornets_nest, ViewOptions(view="both")),
    "vgg16_variables.txt": (vgg16, ViewOptions(view="variables")),
    "image_filter_sharing_reuse_variables.txt": (
        lambda: image_filter_sharing("reuse_variables"),
        ViewOptions(view="both"),
    ),
}


def render_golden(file_name: str) -> str:
    """The text a golden file must hold, computed now from the real code."""
    build, options = GOLDEN[file_name]
    return render_text(ScopeTree.from_graph(build()), options) + "\n"


def main() -> int:
    GOLDEN_DIR.mkdir(parents=True, exist_ok=True)
    for file_name in GOLDEN:
        path = GOLDEN_DIR / file_name
        text = render_golden(file_name)
        old = path.read_text(encoding="utf-8") if path.exists() else None
        path.write_text(text, encoding="utf-8")
        status = "unchanged" if old == text else ("created" if old is None else "UPDATED")
        print(f"{status:9}  {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
