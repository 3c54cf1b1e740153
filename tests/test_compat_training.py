"""The two fixes for tf-slim's training half (kit/compat.py, fixes 3 and 4).

As in tests/test_compat.py, the upstream tests run TF + tf-slim in a fresh process that
never imports kit: when a release fixes a bug, its test fails and the fix can go.
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

TRAIN_A_TINY_MODEL = textwrap.dedent(
    """
    def train(logdir):
        with tf.Graph().as_default():
            x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
            target = tf.constant([[1.0], [0.0]])
            prediction = slim.fully_connected(x, 1, activation_fn=None, scope="fc")
            tf.losses.mean_squared_error(target, prediction)
            train_op = slim.learning.create_train_op(
                slim.losses.get_total_loss(), tf.train.GradientDescentOptimizer(0.01))
            return float(slim.learning.train(train_op, logdir, number_of_steps=3))
    """
)

WITHOUT_KIT = textwrap.dedent(
    """
    import json, os, sys, tempfile
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
    import tensorflow.compat.v1 as tf
    import tf_slim as slim
    """
) + TRAIN_A_TINY_MODEL + textwrap.dedent(
    """
    def outcome(build):
        try:
            build()
            return ["ok", ""]
        except Exception as error:
            return [type(error).__name__, str(error)[:300]]

    def batch_norm_2d():
        with tf.Graph().as_default():
            x = tf.placeholder(tf.float32, [None, 4])
            slim.fully_connected(x, 3, normalizer_fn=slim.batch_norm)

    import tf_keras.src.legacy_tf_layers as moved  # the keras alias is fix 1, not tested here
    sys.modules.setdefault("tf_keras.legacy_tf_layers", moved)
    for name in ("base", "normalization"):
        sys.modules.setdefault(f"tf_keras.legacy_tf_layers.{name}",
                               __import__(f"tf_keras.src.legacy_tf_layers.{name}", fromlist=["x"]))
    results = {"batch_norm_2d": outcome(batch_norm_2d),
               "train": outcome(lambda: train(tempfile.mkdtemp()))}
    print(json.dumps(results))
    """
)


@pytest.fixture(scope="module")
def upstream() -> dict:
    done = subprocess.run([sys.executable, "-c", WITHOUT_KIT], capture_output=True, text=True,
                          check=False, timeout=300,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_upstream_batch_norm_on_a_2d_input_still_needs_the_moved_names(upstream):
    assert upstream["batch_norm_2d"][0] == "AttributeError"
    assert "has no attribute 'Tensor'" in upstream["batch_norm_2d"][1]


def test_upstream_learning_train_still_stops_outside_its_graph(upstream):
    kind, message = upstream["train"]
    assert kind in {"TypeError", "RuntimeError"}, upstream["train"]
    assert "out of scope" in message or "Graph is finalized" in message


def test_batch_norm_on_a_2d_input_builds_with_kit():
    with kit.fresh_graph():
        x = tf.placeholder(tf.float32, [None, 4])
        net = slim.fully_connected(x, 3, normalizer_fn=slim.batch_norm, scope="fc")
        names = [v.op.name for v in tf.global_variables()]
        updates = tf.get_collection(tf.GraphKeys.UPDATE_OPS)
    assert net.op.name == "fc/Relu"
    assert "fc/BatchNorm/moving_mean" in names and len(updates) == 2


def test_learning_train_runs_and_saves_a_checkpoint_with_kit(tmp_path):
    namespace = {"tf": tf, "slim": slim}
    exec(TRAIN_A_TINY_MODEL, namespace)  # noqa: S102 - the test's own code
    loss = namespace["train"](str(tmp_path))
    assert loss > 0
    checkpoint = tf.train.latest_checkpoint(str(tmp_path))
    assert checkpoint.endswith("model.ckpt-3")
    assert dict(tf.train.list_variables(checkpoint))["global_step"] == []


def test_tf_slim_sees_the_moved_names_and_tensorflow_is_untouched():
    import tf_slim.layers.utils as slim_utils
    from tensorflow.python.framework import ops

    assert slim_utils.ops.Tensor is tf.Tensor
    assert slim_utils.ops.Graph is ops.Graph  # everything else still comes from ops
    assert not hasattr(ops, "Tensor")


def test_applying_the_training_fixes_twice_keeps_one_layer():
    from tensorflow.python.training import supervisor

    compat.apply_fixes()
    compat.apply_fixes()
    original = supervisor.SVStepCounterThread.run.__wrapped_original__
    assert not hasattr(original, "__wrapped_original__")
    from tf_slim import learning
    assert not hasattr(learning.ops.__wrapped_module__, "__wrapped_module__")
