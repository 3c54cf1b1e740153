"""Lesson 10 exercises: fine-tuning from a checkpoint with ``init_fn`` and evaluating with
streaming metrics.

The checkpoint comes from lesson 09's ``train_tiny_classifier`` (trained here, in a
temporary folder of the checks' own, so this lesson runs without lesson 09 having been run).
Exercises are judged by running: the learner's ``init_fn`` is called in a session and every
variable compared with the checkpoint; the learner's metrics are run on known batches.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kit.exercise import BuildExercise, PredictExercise, TracebackExercise
from kit.lessons.lesson09 import tiny_classifier, tiny_data, trained_checkpoint
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run

tf, slim = import_tensorflow()

BODY = ("hidden/BatchNorm/beta", "hidden/BatchNorm/moving_mean",
        "hidden/BatchNorm/moving_variance", "hidden/weights")
NEW_CLASSES = 2


def new_task_labels(labels: np.ndarray) -> np.ndarray:
    """The new task: is a point of class 0 (label 1) or not (label 0)? Two classes."""
    return (labels == 0).astype(np.int64)


def fine_tune_inputs(tf1) -> tuple[Any, Any, str]:
    """What the fine-tuning exercise gets: the training points, their new labels, a checkpoint."""
    features, labels = tiny_data("train")
    return tf1.constant(features), tf1.constant(new_task_labels(labels)), trained_checkpoint()


# --- judging an init_fn by the values it restores ---------------------------------------------


def values_after_init(train_op, init_fn) -> dict[str, np.ndarray]:
    """Initialise ``train_op``'s graph, call ``init_fn(sess)``; every global variable's value."""
    graph = train_op.graph
    with graph.as_default():
        variables = tf.global_variables()
        init = tf.global_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            init_fn(sess)
            values = sess.run(variables)
    return {v.op.name: value for v, value in zip(variables, values)}


def first_line(error: BaseException) -> str:
    """``Type: first line`` of a TensorFlow error, whose message goes on with stack traces."""
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0] if text else ''}"


def restores_only_the_body(reference: Run, run: Run) -> str | None:
    """q4: the init_fn restores hidden/ (all four) and leaves global_step and the head fresh."""
    result = run.outputs[0] if run.outputs else None
    if not (isinstance(result, tuple) and len(result) == 2):
        return "`fine_tune` should return two things, `train_op, init_fn`."
    train_op, init_fn = result
    if init_fn is None:
        return (
            "`init_fn` is None: assign_from_checkpoint_fn returns None when none of the variables "
            "it is given is in the checkpoint. Give it the body's variables."
        )
    if not callable(init_fn):
        return "`init_fn` should be the function `slim.assign_from_checkpoint_fn` returns."
    try:
        values = values_after_init(train_op, init_fn)
    except tf.errors.NotFoundError as error:
        missing = str(error).split("Key ", 1)[-1].split(" not found", 1)[0]
        return (
            f"calling `init_fn(sess)` raised NotFoundError: `{missing}` is not in the checkpoint. "
            "The list to restore must leave out what the checkpoint cannot have: the new head."
        )
    reader = tf.train.load_checkpoint(trained_checkpoint())
    if values.get("global_step", 0) != 0:
        return (
            f"`global_step` was restored: it starts at {values['global_step']}, the step the "
            "checkpoint was saved at, so `slim.learning.train(..., number_of_steps=5)` would stop "
            "after a single step. Restore the body only."
        )
    fresh = [name for name in BODY if not np.array_equal(values[name], reader.get_tensor(name))]
    if fresh:
        return (
            f"{', '.join(f'`{name}`' for name in fresh)} kept a fresh value. Batch norm's moving "
            "averages are not trainable, but they belong to the body: restore every variable "
            "under `hidden/`."
        )
    return None


# --- streaming metrics --------------------------------------------------------------------------

BATCH_A = ([0, 1, 2, 1], [0, 1, 2, 1])  # (predictions, labels): 4 of 4 right
BATCH_B = ([0, 1, 2, 1], [1, 1, 1, 1])  # 2 of 4 right


def streaming_accuracy_percent() -> int:
    """``streaming_accuracy`` after its update op ran on batch A, then on batch B (in %)."""
    with fresh_graph():
        predictions = tf.placeholder(tf.int64, [None])
        labels = tf.placeholder(tf.int64, [None])
        accuracy, update = slim.metrics.streaming_accuracy(predictions, labels)
        with tf.Session() as sess:
            sess.run(tf.local_variables_initializer())
            for batch_predictions, batch_labels in (BATCH_A, BATCH_B):
                sess.run(update, {predictions: batch_predictions, labels: batch_labels})
            value = float(sess.run(accuracy))
    return round(100 * value)


# Three batches of logits (3 classes) and labels; what the metrics must give for them.
METRIC_LOGITS = np.array([[3.0, 1.0, 0.0], [0.0, 2.0, 1.0], [1.0, 0.0, 2.0], [2.0, 1.0, 0.0],
                          [0.0, 1.0, 3.0], [1.0, 2.0, 0.0]], np.float32)
METRIC_LABELS = np.array([0, 2, 2, 1, 0, 1], np.int64)


def metric_inputs(tf1) -> tuple[Any, Any]:
    """The logits and labels the metrics exercise gets (placeholders, fed in batches)."""
    return (tf1.placeholder(tf1.float32, [None, 3], name="logits"),
            tf1.placeholder(tf1.int64, [None], name="labels"))


def expected_metric_values() -> dict[str, float]:
    """Accuracy and recall at 2 of METRIC_LOGITS, counted with numpy."""
    top = np.argsort(-METRIC_LOGITS, axis=1)
    return {"accuracy": float(np.mean(top[:, 0] == METRIC_LABELS)),
            "recall_at_2": float(np.mean([label in row[:2] for row, label in zip(top, METRIC_LABELS)]))}


def metrics_count_every_batch(reference: Run, run: Run) -> str | None:
    """q7: two dicts keyed accuracy and recall_at_2 whose values, after three batches, are right."""
    result = run.outputs[0] if run.outputs else None
    if not (isinstance(result, tuple) and len(result) == 2 and all(isinstance(d, dict) for d in result)):
        return ("`eval_metrics` should return what `slim.metrics.aggregate_metric_map` returns: two "
                "dicts, names to value tensors and names to update ops.")
    names_to_values, names_to_updates = result
    wanted = set(expected_metric_values())
    if set(names_to_values) != wanted or set(names_to_updates) != wanted:
        return (f"the metrics are named {sorted(names_to_values)}; the evaluation below reads "
                f"{sorted(wanted)}.")
    graph = next(iter(names_to_values.values())).graph
    with graph.as_default():
        logits = graph.get_tensor_by_name("logits:0")
        labels = graph.get_tensor_by_name("labels:0")
        init = tf.local_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            for start in range(0, len(METRIC_LABELS), 2):
                sess.run(list(names_to_updates.values()),
                         {logits: METRIC_LOGITS[start:start + 2], labels: METRIC_LABELS[start:start + 2]})
            got = sess.run(names_to_values)
    for name, value in sorted(expected_metric_values().items()):
        if not np.isclose(float(got[name]), value):
            return (f"after three batches `{name}` is {float(got[name]):.4f}; counted by hand it is "
                    f"{value:.4f}. Check which tensor goes in: accuracy compares the top class "
                    "(argmax of the logits) with the labels, recall_at_2 takes the logits themselves.")
    return None


# --- the exercises -------------------------------------------------------------------------------


def _saver_lookup_name() -> str:
    """The checkpoint key a ``tf.train.Saver()`` uses for ``hidden/weights`` built in ``student``."""
    from tensorflow.python.training.saving import saveable_object_util

    with fresh_graph():
        with tf.variable_scope("student"):
            tiny_classifier(tf.placeholder(tf.float32, [None, 4]))
        keys = saveable_object_util.op_list_to_dict(tf.global_variables())
        return next(key for key in sorted(keys) if key.endswith("hidden/weights"))


q1 = PredictExercise(
    name="q1",
    lesson="10",
    title="Recall (lesson 07): which name a Saver looks for",
    answer_name="q1_answer",
    expected=_saver_lookup_name,
    explanation=(
        "A Saver made without a var_list looks every variable up under its own full name, scopes "
        "and all: `student/hidden/weights`. A checkpoint that has only `hidden/weights` then "
        "raises NotFoundError, which is why lesson 07 built a name map."
    ),
    wrong_answers={
        "hidden/weights": (
            "That is the checkpoint's name. A Saver without a map does not strip any scope: it "
            "looks for each variable under the name the variable has in this graph."
        ),
        "weights": "A Saver uses whole names, every scope included, never the last part alone.",
    },
    hints=[
        "A checkpoint is a dictionary from names to values; which name of the variable does a Saver use as the key?",
        "Without a name map, the key is the variable's own op name in the new graph.",
    ],
    solution_code='q1_answer = "student/hidden/weights"',
)


def _global_not_model_count() -> int:
    with fresh_graph():
        features, labels = tiny_data("train")
        logits = tiny_classifier(tf.constant(features))
        tf.losses.sparse_softmax_cross_entropy(tf.constant(labels), logits)
        slim.learning.create_train_op(tf.losses.get_total_loss(), tf.train.GradientDescentOptimizer(0.5))
        model = {v.op.name for v in slim.get_model_variables()}
        return len([v for v in tf.global_variables() if v.op.name not in model])


q2 = PredictExercise(
    name="q2",
    lesson="10",
    title="Recall (lesson 09): global variables that are not model variables",
    answer_name="q2_answer",
    expected=_global_not_model_count,
    explanation=(
        "Only `global_step`: create_train_op made it, a Saver saves it, but inference does not "
        "need it, so it is no model variable. Batch norm's moving averages are not trainable, "
        "but they are model variables."
    ),
    wrong_answers={
        0: "create_train_op made a variable of its own, and the model does not need it for inference.",
        3: "Batch norm's moving averages are model variables (inference needs them), although they are not trainable.",
        2: "Batch norm's moving averages are model variables (inference needs them), although they are not trainable.",
    },
    hints=[
        "Model variables are the ones inference needs; which variable of a training graph does inference not need?",
        "Think of what create_train_op adds besides the model.",
    ],
    solution_code="q2_answer = 1",
)


def _restore_list_count() -> int:
    with fresh_graph():
        features, labels, _ = fine_tune_inputs(tf)
        logits = tiny_classifier(features, num_classes=NEW_CLASSES, head="new_logits")
        tf.losses.sparse_softmax_cross_entropy(labels, logits)
        slim.learning.create_train_op(tf.losses.get_total_loss(), tf.train.GradientDescentOptimizer(0.5))
        return len(slim.get_variables_to_restore(exclude=["new_logits/"]))


q3 = PredictExercise(
    name="q3",
    lesson="10",
    title="What exclude=['new_logits/'] keeps in a training graph",
    answer_name="q3_answer",
    expected=_restore_list_count,
    explanation=(
        "get_variables_to_restore starts from every global variable: the four under hidden/, "
        "the new head's two, and global_step, which create_train_op made. Excluding new_logits/ "
        "leaves five, global_step among them."
    ),
    wrong_answers={
        4: (
            "That counts the body. get_variables_to_restore starts from every global variable, and "
            "the training graph has one that no layer made."
        ),
        6: "exclude=['new_logits/'] does drop the new head's two variables.",
        2: "Batch norm's variables are under hidden/ too: hidden/BatchNorm/...",
    },
    hints=[
        "get_variables_to_restore starts from all global variables of the graph, not only the model's.",
        "Besides the model's variables, create_train_op made one.",
    ],
    solution_code="q3_answer = 5",
)

FINE_TUNE_STARTER = '''\
def fine_tune(features, labels, checkpoint):
    logits = tiny_classifier(features, num_classes=2, head="new_logits")
    tf.losses.sparse_softmax_cross_entropy(labels, logits)
    train_op = slim.learning.create_train_op(tf.losses.get_total_loss(),
                                             tf.train.GradientDescentOptimizer(0.5))
    variables_to_restore = ____
    init_fn = slim.assign_from_checkpoint_fn(checkpoint, variables_to_restore)
    return train_op, init_fn
'''

FINE_TUNE_SOLUTION = FINE_TUNE_STARTER.replace(
    "variables_to_restore = ____", 'variables_to_restore = slim.get_variables_to_restore(include=["hidden/"])'
)

q4 = BuildExercise(
    name="q4",
    lesson="10",
    title="An init_fn that restores the body and nothing else",
    function_name="fine_tune",
    solution_code=FINE_TUNE_SOLUTION,
    starter_code=FINE_TUNE_STARTER,
    make_inputs=fine_tune_inputs,
    compare=("names", "shapes", "collections"),
    extra_checks=[restores_only_the_body],
    names={"tiny_classifier": tiny_classifier},
    hints=[
        (
            "Fine-tuning starts the body from the checkpoint and everything else fresh: the new head, "
            "and the step count of the new training run."
        ),
        (
            "Which variables are under the body's scope `hidden/`? Batch norm's moving averages are "
            "among them, although they are not trainable."
        ),
        "Restore what `slim.get_variables_to_restore(include=[...])` keeps for the body's scope, `\"hidden/\"`.",
    ],
    explanation=(
        "`include=[\"hidden/\"]` keeps the four body variables, moving averages included, and "
        "nothing else: the new head is not in the checkpoint, and global_step must start at 0. "
        "`slim.get_model_variables(\"hidden/\")` does the same here. Excluding "
        "`[\"new_logits/\", \"global_step\"]` works too, but it breaks as soon as the graph gets "
        "another variable that is not in the checkpoint."
    ),
)

q5 = PredictExercise(
    name="q5",
    lesson="10",
    title="A streaming accuracy over two batches",
    answer_name="q5_answer",
    expected=streaming_accuracy_percent,
    explanation=(
        "The update op adds each batch to the counters (`total` += right answers, `count` += "
        "answers), and the value is total / count over everything seen since the local variables "
        "were initialized: (4 + 2) / (4 + 4) = 75 %."
    ),
    wrong_answers={
        50: (
            "That is the second batch alone. A streaming metric's counters keep what every update "
            "added since they were initialized."
        ),
        100: "That is the first batch alone; the second batch's update added to the same counters.",
        0: "The value reads the counters, and the two update runs filled them.",
    },
    hints=[
        "The update op adds to the counters; it does not reset them.",
        "Count right answers and answers over both batches together.",
    ],
    solution_code="q5_answer = 75",
)

README_METRICS = '''\
predictions = tf.constant([0, 1, 2, 1])
labels = tf.constant([0, 1, 1, 1])
predicted_one = tf.equal(predictions, 1)
labelled_one = tf.equal(labels, 1)
names_to_values, names_to_updates = slim.metrics.aggregate_metric_map({
    "precision": slim.metrics.streaming_precision(predicted_one, labelled_one),
    "recall": slim.metrics.streaming_recall(predicted_one, labelled_one),
    "accuracy": slim.metrics.accuracy(predictions, labels),
})
'''

q6 = TracebackExercise(
    name="q6",
    lesson="10",
    title="The README's metrics in aggregate_metric_map",
    answer_name="q6_answer",
    broken_code=README_METRICS,
    fix=(8, '"accuracy": slim.metrics.streaming_accuracy(predictions, labels),'),
    wrong_answers={
        5: (
            "aggregate_metric_map is the right call; the error happens inside it, while it takes "
            "apart what one of the entries gives it. Which entry is not a (value, update_op) pair?"
        ),
        6: "`streaming_precision` returns a (value, update_op) pair, as aggregate_metric_map wants.",
        7: "`streaming_recall` returns a (value, update_op) pair, as aggregate_metric_map wants.",
        1: "The constants are fine; the error is about what one metric returned.",
    },
    hints=[
        "aggregate_metric_map splits every entry into a value tensor and an update op.",
        (
            "A streaming metric returns a pair (value, update_op); a plain metric returns one tensor, "
            "which cannot be split. Which entry is a plain metric?"
        ),
        "Give the accuracy entry the streaming version of the metric, on the line that makes it.",
    ],
    explanation=(
        "`slim.metrics.accuracy` is a plain metric: one tensor, the accuracy of this batch. "
        "aggregate_metric_map tries to unpack it into (value, update_op) by iterating over it, "
        "which a graph tensor does not allow. The README's evaluation loop passes it that way; "
        "the streaming version counts over batches and returns the pair."
    ),
)

EVAL_METRICS_STARTER = '''\
def eval_metrics(logits, labels):
    predictions = tf.argmax(logits, 1)
    return ____
'''

EVAL_METRICS_SOLUTION = '''\
def eval_metrics(logits, labels):
    predictions = tf.argmax(logits, 1)
    return slim.metrics.aggregate_metric_map({
        "accuracy": slim.metrics.streaming_accuracy(predictions, labels),
        "recall_at_2": slim.metrics.streaming_sparse_recall_at_k(logits, labels, k=2),
    })
'''

q7 = BuildExercise(
    name="q7",
    lesson="10",
    title="Two streaming metrics, aggregated",
    function_name="eval_metrics",
    solution_code=EVAL_METRICS_SOLUTION,
    starter_code=EVAL_METRICS_STARTER,
    make_inputs=metric_inputs,
    compare=("names", "shapes", "dtypes", "collections"),
    extra_checks=[metrics_count_every_batch],
    hints=[
        (
            "Each streaming metric makes its counters as local variables, and "
            "aggregate_metric_map turns a dict of (value, update_op) pairs into two dicts."
        ),
        (
            "Two entries: `\"accuracy\"` compares `predictions` with `labels`; `\"recall_at_2\"` asks "
            "whether the label is among the two largest logits (a metric `..._recall_at_k`)."
        ),
        (
            "For the second entry call `slim.metrics.streaming_sparse_recall_at_k(logits, labels, k=2)`; "
            "return both entries through aggregate_metric_map."
        ),
    ],
    explanation=(
        "streaming_accuracy makes `accuracy/total` and `accuracy/count`, "
        "streaming_sparse_recall_at_k makes `recall_at_2/true_positive_at_2` and "
        "`recall_at_2/false_negative_at_2`: all local variables, which evaluation initializes "
        "to 0 and never restores from a checkpoint."
    ),
)

EXERCISES = (q1, q2, q3, q4, q5, q6, q7)
