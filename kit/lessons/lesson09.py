"""Lesson 09 exercises: losses, regularization losses, the train op, UPDATE_OPS, global_step
and a real ``slim.learning.train`` run.

The lesson trains one tiny model on tiny data it makes itself: ``tiny_data`` (three
clusters of 4-D points), ``tiny_classifier`` (a hidden layer with batch norm and a linear
head) and ``train_tiny_classifier(logdir, steps)``, which runs ``slim.learning.train`` and
leaves its checkpoint in ``logdir``. Lesson 10 calls the same function to make the
checkpoint it fine-tunes and evaluates, so it runs without this lesson having been run.

Predictions compute their answers by running TensorFlow; the fix exercise is judged by
running the learner's train op and reading the moving mean.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import tempfile
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np

from kit.exercise import ChoiceExercise, FixExercise, PredictExercise, TracebackExercise
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run

tf, slim = import_tensorflow()

CLASSES = 3
FEATURES = 4
TRAIN_STEPS = 20
# What slim.learning.train warns when it closes its event file a second time (the
# Supervisor's stop() runs twice); the warning carries a path into site-packages.
CLOSED_WRITER_WARNING = r"Attempting to use a closed FileWriter"


# --- tiny data, a tiny model, a real training run -------------------------------------------


def tiny_data(split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Points around three centres in 4-D, 8 per class to train on, 4 per class to test.

    Fixed seeds and values rounded to 2 decimals: the same arrays on every machine.
    """
    seeds = {"train": 0, "test": 1}
    if split not in seeds:
        raise ValueError(f"split is 'train' or 'test', not {split!r}")
    per_class = 8 if split == "train" else 4
    rng = np.random.RandomState(seeds[split])
    labels = np.repeat(np.arange(CLASSES), per_class)
    centres = 1.5 * np.eye(CLASSES, FEATURES)
    features = centres[labels] + rng.normal(size=(len(labels), FEATURES))
    return np.round(features, 2).astype(np.float32), labels.astype(np.int64)


def tiny_classifier(inputs, num_classes: int = CLASSES, is_training: bool = True,
                    head: str = "logits"):
    """A hidden layer of 8 units with batch norm, then a linear head; both regularized."""
    with slim.arg_scope([slim.fully_connected], weights_regularizer=slim.l2_regularizer(0.01)):
        net = slim.fully_connected(inputs, 8, normalizer_fn=slim.batch_norm,
                                   normalizer_params={"is_training": is_training, "decay": 0.9},
                                   scope="hidden")
        return slim.fully_connected(net, num_classes, activation_fn=None, scope=head)


@contextlib.contextmanager
def quiet_logs() -> Iterator[None]:
    """Keep TensorFlow's log at errors only while the block runs, then restore it.

    ``slim.learning.train`` and ``slim.evaluation.evaluate_once`` log INFO lines with times
    and paths ("global step 3: loss = ... (0.004 sec/step)", "Saving checkpoint to path
    ..."), and train warns that it closes its event file twice. Neither says anything about
    the model, and both would change from run to run.
    """
    logger = tf.get_logger()
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=CLOSED_WRITER_WARNING)
            yield
    finally:
        logger.setLevel(level)


def train_tiny_classifier(logdir: str, steps: int = TRAIN_STEPS) -> float:
    """Train ``tiny_classifier`` on ``tiny_data()`` with ``slim.learning.train``; the last loss.

    The checkpoint ``model.ckpt-<steps>`` is left in ``logdir``. The graph has its own seed,
    so every run gives the same weights and the same loss.
    """
    with fresh_graph():
        tf.set_random_seed(0)
        features, labels = tiny_data("train")
        logits = tiny_classifier(tf.constant(features))
        tf.losses.sparse_softmax_cross_entropy(tf.constant(labels), logits)
        total_loss = tf.losses.get_total_loss()
        optimizer = tf.train.GradientDescentOptimizer(0.5)
        train_op = slim.learning.create_train_op(total_loss, optimizer)
        with quiet_logs():
            loss = slim.learning.train(train_op, logdir, number_of_steps=steps,
                                       save_interval_secs=0)
    return float(loss)


_trained: dict[str, Any] = {}


def trained_checkpoint() -> str:
    """The checks' own checkpoint of ``train_tiny_classifier``: trained once per process in a
    temporary folder removed at exit (never the learner's files)."""
    if "path" not in _trained:
        folder = tempfile.TemporaryDirectory(prefix="scopekit-tiny-classifier-")
        atexit.register(folder.cleanup)
        train_tiny_classifier(folder.name)
        _trained["folder"] = folder
        _trained["path"] = tf.train.latest_checkpoint(folder.name)
    return _trained["path"]


# --- the multi-task model of the losses section ----------------------------------------------


def multi_task_losses():
    """The README's multi-task case in small: a body, two heads, two losses, one of our own."""
    x = tf.placeholder(tf.float32, [None, FEATURES], name="x")
    classes = tf.placeholder(tf.int64, [None], name="classes")
    depth = tf.placeholder(tf.float32, [None, 1], name="depth")
    regularizer = slim.l2_regularizer(0.01)
    net = slim.fully_connected(x, 8, weights_regularizer=regularizer, scope="body")
    class_logits = slim.fully_connected(net, CLASSES, activation_fn=None,
                                        weights_regularizer=regularizer, scope="class_head")
    depth_pred = slim.fully_connected(net, 1, activation_fn=None, scope="depth_head")
    tf.losses.sparse_softmax_cross_entropy(classes, class_logits)
    tf.losses.mean_squared_error(depth, depth_pred)
    smoothness = tf.reduce_mean(tf.abs(depth_pred), name="smoothness")
    tf.losses.add_loss(smoothness)
    return class_logits, depth_pred


def collection_size(key: str) -> int:
    """How many items ``multi_task_losses`` puts in the collection ``key``."""
    with fresh_graph():
        multi_task_losses()
        return len(tf.get_collection(key))


# --- batch norm's moving mean ---------------------------------------------------------------

# A batch whose first column has mean 16 and second column mean 2.
BN_INPUTS = [[10.0, 1.0], [22.0, 2.0], [13.0, 3.0], [19.0, 2.0]]
BN_LABELS = [0, 1, 0, 1]
BN_DECAY = 0.5


def batch_norm_model():
    """Batch norm right on the inputs, then a 2-class head; returns ``(loss, optimizer)``."""
    net = slim.batch_norm(tf.constant(BN_INPUTS), decay=BN_DECAY, scope="bn")
    logits = slim.fully_connected(net, 2, activation_fn=None, scope="logits")
    loss = tf.losses.sparse_softmax_cross_entropy(tf.constant(BN_LABELS), logits)
    return loss, tf.train.GradientDescentOptimizer(0.1)


def run_train_op(train_op, steps: int = 3) -> dict[str, Any]:
    """Run ``train_op`` ``steps`` times in a new session on its graph; what changed.

    Returns the moving mean before and after, whether any trainable variable changed, and
    the global step after (None if the graph has none).
    """
    graph = train_op.graph
    with graph.as_default():
        moving_mean = next(v for v in tf.global_variables() if v.op.name == "bn/moving_mean")
        trainable = tf.trainable_variables()
        step = tf.train.get_global_step()
        init = tf.global_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            before, weights_before = sess.run([moving_mean, trainable])
            for _ in range(steps):
                sess.run(train_op)
            after, weights_after = sess.run([moving_mean, trainable])
            step_after = int(sess.run(step)) if step is not None else None
    changed = any(not np.array_equal(a, b) for a, b in zip(weights_before, weights_after))
    return {"before": before, "after": after, "weights_changed": changed, "global_step": step_after}


def moving_mean_after_three_steps() -> int:
    """The first entry of ``bn/moving_mean`` after 3 steps of ``create_train_op``'s op."""
    with fresh_graph():
        loss, optimizer = batch_norm_model()
        result = run_train_op(slim.learning.create_train_op(loss, optimizer))
    value = float(result["after"][0])
    if not value.is_integer():
        raise ValueError(f"the moving mean is {value}, not a whole number: change BN_INPUTS")
    return int(value)


def moving_averages_move(reference: Run, run: Run) -> str | None:
    """q6: three runs of the learner's train op move the moving mean and train the weights."""
    train_op = run.outputs[0] if run.outputs else None
    if not (hasattr(train_op, "graph") and hasattr(train_op, "name")):
        return "`make_train_op` should return the train op (an op or a tensor), the thing `sess.run` runs each step."
    result = run_train_op(train_op)
    if not result["weights_changed"]:
        return (
            "three runs of your train op left every trainable variable as it was: it no longer "
            "applies the gradients. The train op must still do the optimizer's step."
        )
    if np.array_equal(result["after"], result["before"]):
        return (
            f"after three runs of your train op, `bn/moving_mean` is still {result['before'].tolist()}: "
            "the ops that move it were never run. They are in `tf.GraphKeys.UPDATE_OPS`, and "
            "`sess.run(train_op)` runs only what the train op depends on."
        )
    if result["global_step"] != 3:
        return (
            f"after three runs of your train op, global_step is {result['global_step']}: each run "
            "should add 1 to it."
        )
    return None


# --- global_step and the checkpoint -------------------------------------------------------------


def checkpoint_entry_count() -> int:
    """How many names the checkpoint of ``train_tiny_classifier`` holds."""
    return len(tf.train.list_variables(trained_checkpoint()))


# --- the exercises -----------------------------------------------------------------------------

q1 = PredictExercise(
    name="q1",
    lesson="09",
    title="Recall (lesson 05): the name of a regularization loss",
    recall_of="lesson 05",
    answer_name="q1_answer",
    expected=lambda: _regularization_loss_name(),
    explanation=(
        "slim.fully_connected is built on the old tf.layers Dense layer, which calls its weights "
        "`kernel`. tf-slim renames the variable to `weights`, but the regularizer's loss is made "
        "under the layer's own name for it: `hidden/kernel/Regularizer/l2_regularizer:0`."
    ),
    wrong_answers={
        "hidden/weights/Regularizer/l2_regularizer:0": (
            "That is where the loss would be if it were named after the variable slim shows you. "
            "It is named by the layer underneath slim's, which has its own word for the weights."
        ),
        "hidden/weights:0": "That is the variable itself; the loss is a tensor computed from it, with a name of its own.",
        "hidden/Regularizer/l2_regularizer:0": (
            "The loss sits under the variable's scope inside the layer, not right under the layer."
        ),
    },
    hints=[
        "The loss is created under the name the layer gives its weights, not the name slim shows.",
        "slim.fully_connected builds a tf.layers Dense layer, and Dense calls its weights `kernel`.",
    ],
    solution_code='q1_answer = "hidden/kernel/Regularizer/l2_regularizer:0"',
)


def _regularization_loss_name() -> str:
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, FEATURES], name="x")
        slim.fully_connected(x, 8, weights_regularizer=slim.l2_regularizer(0.01), scope="hidden")
        return tf.get_collection(tf.GraphKeys.REGULARIZATION_LOSSES)[0].name


def _update_op_count() -> int:
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, FEATURES], name="x")
        slim.fully_connected(x, 8, normalizer_fn=slim.batch_norm, scope="hidden")
        return len(tf.get_collection(tf.GraphKeys.UPDATE_OPS))


q2 = PredictExercise(
    name="q2",
    lesson="09",
    title="Recall (lesson 05): what batch norm adds to UPDATE_OPS",
    recall_of="lesson 05",
    answer_name="q2_answer",
    expected=_update_op_count,
    explanation=(
        "Batch norm keeps two running statistics, the moving mean and the moving variance, and "
        "each has its own update op (`AssignMovingAvg` and `AssignMovingAvg_1`). beta and gamma "
        "are trained by the optimizer, not by update ops."
    ),
    wrong_answers={
        1: "Batch norm keeps more than one running statistic, and each gets its own update op.",
        4: "beta (and gamma, with scale=True) are trainable: the optimizer's gradient step changes them, not an update op.",
        3: "beta is trainable: the optimizer changes it. Count only the statistics batch norm keeps for inference.",
        0: "While training (is_training=True, the default), batch norm does add update ops: they keep its running statistics.",
    },
    hints=[
        "Update ops keep the statistics batch norm uses at inference time, the ones no gradient changes.",
        "Which batch norm variables are not trainable? Each has one update op.",
    ],
    solution_code="q2_answer = 2",
)

q3 = PredictExercise(
    name="q3",
    lesson="09",
    title="How many losses in the LOSSES collection?",
    answer_name="q3_answer",
    expected=lambda: collection_size(tf.GraphKeys.LOSSES),
    explanation=(
        "Each tf.losses function (and each slim.losses one) adds its loss to "
        "`tf.GraphKeys.LOSSES`, and `tf.losses.add_loss` adds a loss you computed yourself: "
        "cross entropy, mean squared error and smoothness. The two regularization losses are "
        "in a collection of their own, `REGULARIZATION_LOSSES`."
    ),
    wrong_answers={
        5: (
            "That counts the regularization losses too. A regularizer's loss goes to a collection "
            "of its own; get_total_loss adds that one separately."
        ),
        4: (
            "That counts a regularization loss too. A regularizer's loss goes to a collection of "
            "its own; get_total_loss adds that one separately."
        ),
        2: "`tf.losses.add_loss(smoothness)` puts the loss you computed yourself in the same collection.",
        1: "Every tf.losses function adds the loss it returns, so each head's loss is in the collection.",
    },
    hints=[
        "Which calls add to `tf.GraphKeys.LOSSES`, and where do regularizers put their losses?",
        "Count the tf.losses calls (add_loss is one of them); the regularizers' losses are kept elsewhere.",
    ],
    solution_code="q3_answer = 3",
)

q4 = PredictExercise(
    name="q4",
    lesson="09",
    title="The moving mean after three training steps",
    answer_name="q4_answer",
    expected=moving_mean_after_three_steps,
    explanation=(
        "create_train_op makes the train op depend on every op in UPDATE_OPS, so each run moves "
        "the moving mean halfway (1 - decay = 0.5) from where it is to the batch mean 16: "
        "0 -> 8 -> 12 -> 14."
    ),
    wrong_answers={
        16: (
            "16 is the batch mean it moves towards. With decay=0.5 each step goes only half of the "
            "remaining way, starting from 0."
        ),
        0: (
            "create_train_op does run the update ops: unless you pass update_ops=, it makes the "
            "train op depend on everything in UPDATE_OPS."
        ),
        8: "That is where it is after one step. Each of the three steps goes half of the remaining way.",
        12: "That is where it is after two steps. Take one more half step towards 16.",
    },
    hints=[
        "Does a train op made by create_train_op run the ops in UPDATE_OPS?",
        "Each step: moving_mean = decay * moving_mean + (1 - decay) * batch_mean, starting at 0.",
    ],
    solution_code="q4_answer = 14",
)

q5 = ChoiceExercise(
    name="q5",
    lesson="09",
    title="Why update_ops=[] leaves the moving mean where it was",
    answer_name="q5_answer",
    question=(
        "With `create_train_op(loss, optimizer, update_ops=[])`, three runs of the train op apply "
        "three gradient steps, yet `bn/moving_mean` stays at 0. Why?"
    ),
    options={
        "a": "The moving mean is not trainable, so no gradient step can change it.",
        "b": ("Only its own assign op changes it; that op is in UPDATE_OPS, and the train op "
              "no longer depends on it."),
        "c": ("With `update_ops=[]`, batch norm normalizes with the moving mean, so it computes "
              "no batch mean to average."),
        "d": "With decay=0.5, the moving mean needs more than three steps to leave 0.",
    },
    correct="b",
    why_not={
        "a": (
            "True, but it is not trainable with the default update_ops either, and then it moves. "
            "No gradient ever changes it; something else does."
        ),
        "c": (
            "Which statistics batch norm normalizes with is decided by `is_training`, not by "
            "`update_ops`; `update_ops` only says which ops the train op waits for."
        ),
        "d": "The cell above moved it a long way in the same three steps, with the default update_ops.",
    },
    hints=[
        "What changes the moving mean, if no gradient does?",
        "Which ops does `sess.run` run: every op in the graph, or only those the fetched op depends on?",
    ],
    explanation=(
        "Batch norm's moving averages are updated by assign ops that tf-slim puts in UPDATE_OPS "
        "instead of running them. `sess.run` runs only what the fetched op depends on, so the "
        "train op must depend on them: create_train_op adds that dependency unless `update_ops=[]`."
    ),
)

FIX_STARTER = '''\
def make_train_op(loss, optimizer):
    global_step = tf.train.get_or_create_global_step()
    return optimizer.minimize(loss, global_step=global_step)
'''

FIX_SOLUTION = FIX_STARTER.replace(
    "return optimizer.minimize(loss, global_step=global_step)",
    "return slim.learning.create_train_op(loss, optimizer, global_step=global_step)",
)

q6 = FixExercise(
    name="q6",
    lesson="09",
    title="A train op that also moves the moving averages",
    function_name="make_train_op",
    starter_code=FIX_STARTER,
    solution_code=FIX_SOLUTION,
    make_inputs=lambda tf1: batch_norm_model(),
    compare=("names", "shapes", "collections"),
    extra_checks=[moving_averages_move],
    hints=[
        (
            "Batch norm's moving averages are changed by separate assign ops, and "
            "`sess.run(train_op)` runs only what the train op depends on."
        ),
        (
            "Those assign ops are in `tf.GraphKeys.UPDATE_OPS`: make the gradient step depend on "
            "them, or let tf-slim's helper for train ops do it (it does so by default)."
        ),
        (
            "Return `slim.learning.create_train_op(loss, optimizer, global_step=global_step)` "
            "instead of `optimizer.minimize(...)`."
        ),
    ],
    explanation=(
        "`optimizer.minimize` builds only the gradient step. create_train_op also makes it depend "
        "on the ops in UPDATE_OPS (`update_ops=None` means all of them), so every step moves the "
        "moving mean and variance. Writing `with tf.control_dependencies(tf.get_collection("
        "tf.GraphKeys.UPDATE_OPS)):` around `optimizer.minimize` does the same by hand."
    ),
)

GLOBAL_STEP_BROKEN = '''\
step = tf.Variable(0, trainable=False, name="global_step")
x = tf.constant([[1.0, 2.0], [3.0, 4.0]])
target = tf.constant([[1.0], [0.0]])
prediction = slim.fully_connected(x, 1, activation_fn=None, scope="fc")
loss = tf.losses.mean_squared_error(target, prediction)
train_op = slim.learning.create_train_op(loss, tf.train.GradientDescentOptimizer(0.1))
'''

q7 = TracebackExercise(
    name="q7",
    lesson="09",
    title="A global step made by hand",
    answer_name="q7_answer",
    broken_code=GLOBAL_STEP_BROKEN,
    fix=(1, "step = tf.train.get_or_create_global_step()"),
    wrong_answers={
        6: (
            "create_train_op only looks the global step up, and the message says what is wrong "
            "with the `global_step` it found. Which line made that one?"
        ),
        5: "The loss builds without trouble; the message is about `global_step`.",
        4: "The layer builds without trouble; the message is about `global_step`.",
    },
    hints=[
        (
            "create_train_op looks for the global step: first in the GLOBAL_STEP collection, then "
            "by the tensor name `global_step:0`."
        ),
        (
            "A resource variable's tensor `global_step:0` is its handle (dtype resource), not its "
            "value, and this variable is in no GLOBAL_STEP collection. Which line made it?"
        ),
        "Make the step with the function that puts it in the GLOBAL_STEP collection, on the line that makes it now.",
    ],
    explanation=(
        "`tf.Variable(..., name=\"global_step\")` is not in the GLOBAL_STEP collection, so "
        "create_train_op falls back to the tensor `global_step:0`, which for a resource variable "
        "is its handle. `tf.train.get_or_create_global_step()` makes an int64 variable in both "
        "GLOBAL_VARIABLES and GLOBAL_STEP."
    ),
)

q8 = PredictExercise(
    name="q8",
    lesson="09",
    title="How many names in the checkpoint slim.learning.train writes?",
    answer_name="q8_answer",
    expected=checkpoint_entry_count,
    explanation=(
        "The Saver that slim.learning.train makes saves every global variable: the four trainable "
        "ones (hidden/weights, hidden/BatchNorm/beta, logits/weights, logits/biases), the two "
        "moving averages (not trainable, but global) and global_step (global, not a model "
        "variable). Gradient descent keeps no slots, so there is nothing else."
    ),
    wrong_answers={
        6: (
            "That leaves one global variable out. The Saver saves every global variable, "
            "including the one training counts with, although it is not a model variable."
        ),
        4: (
            "That counts only the trainable variables. A Saver saves every global variable: "
            "think of batch norm's statistics, and of what training counts with."
        ),
        5: (
            "That leaves out variables that are not trainable. A Saver saves every global "
            "variable, trainable or not."
        ),
    },
    hints=[
        "A Saver made without arguments saves every global variable, trainable or not.",
        "List the variables of tiny_classifier (with batch norm's statistics), then add what create_train_op made.",
    ],
    solution_code="q8_answer = 7",
)

EXERCISES = (q1, q2, q3, q4, q5, q6, q7, q8)
