"""The tf-slim fixes in kit/compat.py: the upstream bugs still exist, and the fixes work.

The "upstream" tests run TF + tf-slim in a subprocess that never imports kit. When a
tf-slim (or tf_keras) release fixes a bug, its test here fails: that is the signal to
drop the matching fix from kit/compat.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest

import kit
from kit import compat

tf, slim = kit.tf, kit.slim

WITHOUT_KIT = textwrap.dedent(
    """
    import json, os, sys
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow.compat.v1 as tf
    import tf_slim as slim

    def outcome(build):
        try:
            with tf.Graph().as_default():
                return ["ok", build()]
        except Exception as error:
            return [type(error).__name__, str(error)]

    results = {
        "batch_norm": outcome(
            lambda: slim.batch_norm(tf.placeholder(tf.float32, [None, 4, 4, 3]), scope="b").name
        ),
        "local_variable": outcome(lambda: slim.local_variable([0.0], name="lv").name),
        "global_variable": outcome(lambda: slim.global_variable([0.0], name="gv").name),
    }
    sys.stdout.write("RESULTS " + json.dumps(results) + "\\n")
    """
)


@pytest.fixture(scope="module")
def upstream() -> dict[str, list[str]]:
    """What tf-slim 1.1.0 does on TF 2.21 without kit's fixes (one subprocess)."""
    done = subprocess.run(
        [sys.executable, "-c", WITHOUT_KIT],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("RESULTS ")]
    assert lines, f"subprocess failed:\n{done.stderr[-3000:]}"
    return json.loads(lines[-1].removeprefix("RESULTS "))


def test_upstream_batch_norm_still_needs_the_keras_module_alias(upstream):
    # What tf-slim 1.1.0 does on TF 2.21 + tf_keras 2.21 without kit's alias.
    assert upstream["batch_norm"] == [
        "ModuleNotFoundError",
        "No module named 'tf_keras.legacy_tf_layers'",
    ]


@pytest.mark.parametrize("function", ["local_variable", "global_variable"])
def test_upstream_local_and_global_variable_still_broken(upstream, function):
    # tf-slim 1.1.0 still calls variable_scope.variable, which TF 2.21 no longer has.
    assert upstream[function] == [
        "AttributeError",
        "module 'tensorflow.python.ops.variable_scope' has no attribute 'variable'",
    ]


def test_batch_norm_builds_with_kit():
    with kit.fresh_graph():
        images = tf.placeholder(tf.float32, [None, 4, 4, 3])
        out = slim.batch_norm(images, scope="b")
    assert out.name == "b/FusedBatchNormV3:0"


def test_local_variable_lands_only_in_local_variables():
    with kit.fresh_graph() as graph:
        variable = slim.local_variable([0.0, 0.0], name="counter")
    assert variable.name == "counter:0"
    assert graph.get_collection(tf.GraphKeys.LOCAL_VARIABLES) == [variable]
    assert graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES) == []
    assert graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES) == []


def test_global_variable_lands_only_in_global_variables():
    with kit.fresh_graph() as graph:
        variable = slim.global_variable(7, name="step")
    assert variable.name == "step:0"
    assert graph.get_collection(tf.GraphKeys.GLOBAL_VARIABLES) == [variable]
    assert graph.get_collection(tf.GraphKeys.LOCAL_VARIABLES) == []
    assert graph.get_collection(tf.GraphKeys.TRAINABLE_VARIABLES) == []


def test_fixed_functions_are_reachable_from_both_slim_namespaces():
    from tf_slim.ops import variables as slim_variables

    assert slim.local_variable is slim_variables.local_variable
    assert slim.global_variable is slim_variables.global_variable
    assert slim.local_variable.__name__ == "local_variable"


def test_applying_the_fixes_twice_still_works():
    compat.apply_fixes()
    compat.apply_fixes()
    with kit.fresh_graph() as graph:
        slim.local_variable([0.0], name="again")
    assert [v.op.name for v in graph.get_collection(tf.GraphKeys.LOCAL_VARIABLES)] == ["again"]


def test_applying_the_fixes_twice_keeps_the_upstream_original():
    compat.apply_fixes()
    compat.apply_fixes()
    original = slim.local_variable.__wrapped_original__
    assert original.__module__ == "tf_slim.ops.variables"
    assert not hasattr(original, "__wrapped_original__")
