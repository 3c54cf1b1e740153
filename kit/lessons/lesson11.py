"""Lesson 11 exercises: the capstone, step by step, and a mixed quiz across lessons 01-08.

The capstone is one model built in five checked steps: two towers that share one slim
body inside an arg_scope (q3), a checkpoint of it (q4), a warm start of a 5-class model
from that checkpoint (q5), and a TF2 port of the body (q6, the module; q7, the name map).
Later steps call the learner's earlier functions by name, as the notebook does; the
reference solutions call the reference functions.

The checks judge by running: the tree diff compares variables, the save check reads the
checkpoint the learner's function wrote, the warm-start check restores with the learner's
list and compares every value with the checkpoint's, and the port checks compare the TF2
body's outputs with the TF1 body's on the same images. Their checkpoint,
``towers_checkpoint()``, is saved once per process in a folder removed at exit.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np
import tensorflow as tf2

from kit.answers import describe
from kit.checkpoints import (
    checkpoint_variables,
    plan_restore,
    restore_error_line,
    stand_in_checkpoint,
)
from kit.exercise import (
    BuildExercise,
    ChoiceExercise,
    Outcome,
    PredictExercise,
    TracebackExercise,
    exec_solution,
)
from kit.lessons.lesson08 import load_by_name_map
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run, eager, run_eagerly, run_in_graph
from kit.tf2_exercise import ModelExercise
from kit.tree import ScopeTree

tf, slim = import_tensorflow()

IMAGE_SHAPE = (None, 8, 8, 1)
NEW_CLASSES = 5
#: four 8x8 grey images, the same every run
SAMPLE_IMAGES = np.random.default_rng(8).normal(size=(4, 8, 8, 1)).astype(np.float32)
TF2_NAMES = {"tf2": tf2}


def towers_inputs(tf1=tf) -> tuple[Any, Any]:
    """The two inputs every capstone step gets: batches of 8x8 grey images."""
    return (tf1.placeholder(tf1.float32, IMAGE_SHAPE, name="left"),
            tf1.placeholder(tf1.float32, IMAGE_SHAPE, name="right"))


# --- step 1: two towers, one slim body, one arg_scope ----------------------------------------

TWO_TOWERS_SOLUTION = '''\
def body(images):
    with tf.variable_scope("body", reuse=tf.AUTO_REUSE):
        net = slim.conv2d(images, 4, [3, 3], scope="conv1")
        net = slim.max_pool2d(net, [2, 2], scope="pool1")
        net = slim.conv2d(net, 8, [3, 3], scope="conv2")
        return slim.flatten(net)


def two_towers(left, right, num_classes=2):
    with tf.variable_scope("towers"):
        with slim.arg_scope([slim.conv2d], normalizer_fn=slim.batch_norm,
                            weights_regularizer=slim.l2_regularizer(0.0005)):
            features = [body(left), body(right)]
        net = tf.concat(features, axis=1)
        return slim.fully_connected(net, num_classes, activation_fn=None, scope="logits")
'''

_REFERENCE = exec_solution(TWO_TOWERS_SOLUTION, "lesson11 two_towers")
#: the reference model (q3's solution), for the cells after q3 and for later steps' checks
towers_model = _REFERENCE["two_towers"]
_reference_body = _REFERENCE["body"]
REFERENCE_NAMES = {"two_towers": towers_model}


def target_tree() -> ScopeTree:
    """The scope tree of the model q3 asks for: what the check compares yours with."""
    with fresh_graph() as graph:
        towers_model(*towers_inputs())
    return ScopeTree.from_graph(graph)


def _body_variables(tree: ScopeTree) -> list:
    return [v for v in tree.variables if v.name.startswith("towers/body/")]


def body_copied(reference: Run, run: Run) -> str | None:
    """q3: a second copy of the body (``towers/body_1/...``): the towers do not share."""
    expected = {v.name for v in reference.tree.variables}
    copies = sorted(v.name for v in run.tree.variables
                    if v.name not in expected and "_1/" in v.name)
    if not copies:
        return None
    return (
        f"the second tower made its own body (`{copies[0]}` and {len(copies) - 1} more): the "
        "towers do not share it. The second call of the body must find the first call's "
        "variables by name: open the body's variable scope with `reuse=tf.AUTO_REUSE`, or "
        "reuse the scope object (lessons 02 and 03)."
    )


def both_inputs_used(reference: Run, run: Run) -> str | None:
    """q3: both placeholders feed the model (a body called twice on ``left`` shares, but wrongly)."""
    output = next((o for o in run.outputs if hasattr(o, "graph")), None)
    if output is None:
        return None
    unused = [name for name in ("left", "right")
              if not output.graph.get_operation_by_name(name).outputs[0].consumers()]
    if not unused:
        return None
    return (
        f"nothing reads `{unused[0]}`: each tower runs the body on its own input, the left "
        "tower on `left` and the right tower on `right`."
    )


def body_read_by_one_tower(reference: Run, run: Run) -> str | None:
    """q3: the body's variables exist once but only one tower's ops read them."""
    expected = {v.name for v in _body_variables(reference.tree)}
    mine = [v for v in _body_variables(run.tree) if v.name in expected]
    if len(mine) != len(expected):
        return None
    lonely = [v for v in mine if not v.shared]
    if not lonely:
        return None
    return (
        f"`{lonely[0].name}` is read in one name scope only "
        f"(`{lonely[0].reader_scopes[0] if lonely[0].reader_scopes else 'none'}`): only one "
        "tower runs through the body. Call the body once for `left` and once for `right`, so "
        "that both towers read the same variables."
    )


def conv_without_batch_norm(reference: Run, run: Run) -> str | None:
    """q3: conv layers that kept their biases got no batch norm."""
    layers = [v.name.rsplit("/", 1)[0] for v in run.tree.variables
              if v.name.startswith("towers/body") and v.name.endswith("/biases")]
    if not layers:
        return None
    return (
        f"`{layers[0]}` has biases and no `BatchNorm/`: every conv of the body needs "
        "`normalizer_fn=slim.batch_norm` (which replaces the biases). One `slim.arg_scope` over "
        "`slim.conv2d` gives it to both convs (lesson 05)."
    )


def weights_not_regularized(reference: Run, run: Run) -> str | None:
    """q3: the body's weights carry no L2 regularizer."""
    bare = [v.name for v in run.tree.variables
            if v.name.startswith("towers/body") and v.name.endswith("/weights")
            and "regularized" not in v.collections]
    if not bare:
        return None
    return (
        f"`{bare[0]}` has no regularizer: put "
        "`weights_regularizer=slim.l2_regularizer(0.0005)` in the arg_scope, beside the "
        "normalizer, so that both convs get it."
    )


def head_sees_one_tower(reference: Run, run: Run) -> str | None:
    """q3: the head's weights take one tower's 128 features instead of both towers' 256."""
    head = run.tree.variable("towers/logits/weights")
    wanted = reference.tree.variable("towers/logits/weights")
    if head is None or wanted is None or head.shape == wanted.shape or not head.shape:
        return None
    if head.shape[0] == wanted.shape[0] // 2:
        return (
            f"`towers/logits/weights` is {head.shape}: the head reads one tower's "
            f"{head.shape[0]} features. Join both towers' features along axis 1 "
            "(`tf.concat`, left first) and put the head on that."
        )
    return None


q3 = BuildExercise(
    name="q3",
    lesson="11",
    title="Step 1: two towers, one body",
    function_name="two_towers",
    solution_code=TWO_TOWERS_SOLUTION,
    make_inputs=towers_inputs,
    compare=("names", "shapes", "collections"),
    extra_checks=[body_copied, both_inputs_used, body_read_by_one_tower, conv_without_batch_norm,
                  weights_not_regularized, head_sees_one_tower],
    hints=[
        (
            "Two towers share a body when the second call of the body finds the first call's "
            "variables by name: a variable scope that reuses (lessons 02 and 03). Batch norm and "
            "a regularizer are keyword arguments of `slim.conv2d` that one `slim.arg_scope` can "
            "give to every conv (lesson 05)."
        ),
        (
            "Write the body as its own function: conv1, pool1, conv2 and a flatten inside "
            "variable scope `body`, with a reuse mode that creates on the first call and reuses "
            "on the second. `two_towers` opens variable scope `towers`, calls the body on `left` "
            "and on `right` inside the arg_scope, then puts the head on both towers' features "
            "joined by `tf.concat` along axis 1."
        ),
        (
            "The body's first line is `with tf.variable_scope(\"body\", reuse=tf.AUTO_REUSE):`. "
            "`two_towers` calls it twice inside an arg_scope over slim.conv2d that sets the "
            "normalizer and an L2 regularizer of 0.0005; the head is a fully connected layer "
            "with no activation and scope `logits`."
        ),
    ],
    explanation=(
        "With `reuse=tf.AUTO_REUSE` inside the body, the first call creates its variables and "
        "the second finds them by name: one body, read by both towers (their ops are in name "
        "scopes `towers/body/` and `towers/body_1/`). Re-opening a scope object with "
        "`scope.reuse_variables()` does the same. The arg_scope gives both convs batch norm "
        "and the regularizer."
    ),
)


# --- step 2: save it ----------------------------------------------------------------------------

SAVE_SOLUTION = '''\
def save_towers(left, right, path):
    two_towers(left, right)
    saver = tf.train.Saver()
    with tf.Session() as sess:
        sess.run(tf.global_variables_initializer())
        return saver.save(sess, path)
'''


def latest_checkpoint_contents(folder: str) -> list[tuple[str, tuple[int, ...]]] | None:
    """``(name, shape)`` of the newest checkpoint in ``folder``, or None if there is none."""
    path = tf.train.latest_checkpoint(folder)
    return checkpoint_variables(path) if path else None


class SaveExercise(BuildExercise):
    """Each run gets a new temporary folder; the check reads the checkpoint written there."""

    def _run(self, fn, cap: int) -> Run:
        folder = tempfile.mkdtemp(prefix="scopekit-lesson11-save-")
        try:
            prefix = os.path.join(folder, "towers")
            run = run_in_graph(fn, lambda tf1: (*towers_inputs(tf1), prefix), self.calls, cap)
            run.saved = latest_checkpoint_contents(folder) if run.error is None else None
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return run

    def _correct(self, run: Run):
        saved = getattr(run, "saved", None) or []
        return self._feedback(
            Outcome.CORRECT,
            f"the checkpoint holds all {len(saved)} variables of the model, the moving averages "
            "included, each with its shape.",
            details=self.explanation,
        )

    def _error_feedback(self, run: Run):
        reason = _save_error_reason(run.error)
        if reason is None:
            return super()._error_feedback(run)
        return self._feedback(
            Outcome.ERROR,
            f"{self._what()} raised {_save_error_line(run.error)}",
            details=f"What to change: {reason}" + self._hint_suggestion(),
        )


def _save_error_line(error: BaseException) -> str:
    """``Type: the line that matters`` (a session error's message is a long stack trace)."""
    match = re.search(r"Could not find variable \S+?\.(?=\s)", str(error))
    if match:
        return f"{type(error).__name__}: {match.group(0)}"
    return restore_error_line(error)


def _save_error_reason(error: BaseException) -> str | None:
    text = str(error)
    if "No variables to save" in text:
        return (
            "when the Saver was made, the graph held no variables. `tf.train.Saver()` takes the "
            "variables that exist when it is created: build the model with your `two_towers` "
            "(q3) first, then make the Saver."
        )
    if type(error).__name__ == "FailedPreconditionError" or "uninitialized" in text.lower():
        return (
            "a variable had no value yet. A variable gets its first value when its initializer "
            "runs: run `tf.global_variables_initializer()` in the session before saving."
        )
    if "closed Session" in text:
        return "save inside the `with tf.Session() as sess:` block, while the session is open."
    return None


def checkpoint_holds_the_model(reference: Run, run: Run) -> str | None:
    """q4: the checkpoint written under ``path`` holds every variable of the model."""
    saved = getattr(run, "saved", None)
    if saved is None:
        return (
            "no checkpoint was written under `path`. Inside the session, after initialising, "
            "call `saver.save(sess, path)` with the `path` the check passes in."
        )
    wanted = {v.name: tuple(v.shape) for v in reference.tree.variables}
    holds = dict(saved)
    missing = sorted(set(wanted) - set(holds))
    if missing:
        averages = [name for name in missing if "/moving_" in name]
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        if len(averages) == len(missing):
            return (
                f"the checkpoint lacks `{missing[0]}`{more}: batch norm's moving averages are not "
                "trainable, so a Saver over `tf.trainable_variables()` leaves them out, and a "
                "restored model would normalise with fresh statistics. `tf.train.Saver()` with "
                "no var_list saves every global variable."
            )
        return (
            f"the checkpoint lacks `{missing[0]}`{more}: a Saver saves exactly its var_list. "
            "`tf.train.Saver()` with no var_list saves every global variable."
        )
    extra = sorted(set(holds) - set(wanted))
    if extra:
        return (
            f"the checkpoint holds `{extra[0]}`, which the model does not have: build the model "
            "once, with your `two_towers`, and save only that."
        )
    differs = [name for name in wanted if tuple(holds[name]) != wanted[name]]
    if differs:
        return f"`{differs[0]}` is saved as {holds[differs[0]]}; the model's is {wanted[differs[0]]}."
    return None


q4 = SaveExercise(
    name="q4",
    lesson="11",
    title="Step 2: save the model",
    function_name="save_towers",
    solution_code=SAVE_SOLUTION,
    names=REFERENCE_NAMES,
    compare=("names", "shapes", "collections"),
    extra_checks=[checkpoint_holds_the_model],
    hints=[
        (
            "A checkpoint holds the values of the variables a `tf.train.Saver` was given, and "
            "values exist only in a session, after the initializers ran (lesson 07)."
        ),
        (
            "Build the model first, then make the Saver with no var_list (so that it takes "
            "every global variable, batch norm's moving averages too), then open a session, "
            "initialise and save to `path`."
        ),
        (
            "In the session, run the initializer of every global variable, then "
            "`return saver.save(sess, path)`."
        ),
    ],
    explanation=(
        "`tf.train.Saver()` made after the model saves every global variable: the trainable "
        "ones and the moving averages, which the trained model needs at inference. "
        "`saver.save` returns the checkpoint's prefix."
    ),
)


# --- the checks' own checkpoint: the reference model after a stand-in for training -------------


def seeded_training(seed: int = 11) -> Callable[[Any], Any]:
    """A stand-in for training: each variable gets seeded random values (moving variances
    between 0.5 and 1.5), so every value differs from a fresh initialisation (biases and
    beta start at 0, moving variances at 1) and a check can tell a restored variable from
    a fresh one."""
    rng = np.random.default_rng(seed)

    def update(variable: Any) -> Any:
        shape = variable.shape.as_list()
        if variable.op.name.endswith("moving_variance"):
            value = rng.uniform(0.5, 1.5, shape)
        else:
            value = rng.normal(0.0, 0.5, shape)
        return variable.assign(value.astype(np.float32))

    return update


def towers_checkpoint() -> str:
    """The checks' checkpoint of the 2-class model, saved once per process (removed at exit)."""
    return stand_in_checkpoint("lesson11-towers", lambda: towers_model(*towers_inputs()),
                               update=seeded_training())


def restore_values(graph, var_list, path: str) -> dict[str, tuple[np.ndarray, tuple]]:
    """Initialise ``graph``, restore ``var_list`` from ``path``; ``{name: (value, declared shape)}``."""
    with graph.as_default():
        variables = tf.global_variables()
        init = tf.global_variables_initializer()
        saver = tf.train.Saver(var_list=var_list)
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            saver.restore(sess, path)
            values = sess.run(variables)
    return {v.op.name: (value, tuple(v.shape.as_list())) for v, value in zip(variables, values)}


def warm_start_problem(values: dict[str, tuple[np.ndarray, tuple]], path: str) -> str | None:
    """Why these values are not 'the body from the checkpoint, the head fresh'."""
    reader = tf.train.load_checkpoint(path)
    saved = dict(checkpoint_variables(path))
    for name, (value, declared) in sorted(values.items()):
        if name.startswith("towers/body/"):
            continue
        if value.shape != declared:
            return (
                f"`{name}` is declared {declared} but now holds the checkpoint's {value.shape} "
                "value: it was restored, and a resource variable takes a tensor of another shape "
                "without an error (lesson 07, section 7). Your list still holds the head. "
                "`exclude` patterns match the start of each name: does 'logits' start "
                f"`{name}`?"
            )
        if name in saved and value.shape == tuple(saved[name]) and np.array_equal(value, reader.get_tensor(name)):
            return f"`{name}` was restored from the checkpoint; only the body (`towers/body/`) should be."
    cold = [name for name in sorted(values) if name.startswith("towers/body/")
            and not np.array_equal(values[name][0], reader.get_tensor(name))]
    if cold:
        averages = " (the moving averages too: they are not trainable, but the trained body needs them)" \
            if any("/moving_" in name for name in cold) else ""
        return (
            f"`{cold[0]}`{f' and {len(cold) - 1} more' if len(cold) > 1 else ''} kept a fresh "
            f"value: restore every variable of the body{averages}."
        )
    return None


# --- step 3: warm-start a new head ----------------------------------------------------------------

WARM_START_SOLUTION = '''\
def warm_start(left, right):
    logits = two_towers(left, right, num_classes=5)
    restore_list = slim.get_variables_to_restore(exclude=["towers/logits/"])
    return logits, restore_list
'''


def _logits_and_list(result: Any) -> tuple[Any, Any]:
    parts = result if isinstance(result, tuple) else (result,)
    logits = next((p for p in parts if hasattr(p, "graph") and hasattr(p, "op")), None)
    var_list = next((p for p in parts if isinstance(p, (list, dict))), None)
    return logits, var_list


def new_head_has_five_classes(reference: Run, run: Run) -> str | None:
    """q5: the new task's head needs 5 outputs."""
    head = run.tree.variable("towers/logits/biases")
    if head is None or head.shape == (NEW_CLASSES,):
        return None
    return (
        f"the head has {head.shape[0] if head.shape else '?'} outputs; the new task has "
        f"{NEW_CLASSES} classes. Build the model with `num_classes={NEW_CLASSES}`."
    )


def body_restored_head_fresh(reference: Run, run: Run) -> str | None:
    """q5: a Saver over the returned list restores the whole body and leaves the head fresh."""
    logits, var_list = _logits_and_list(run.outputs[0] if run.outputs else None)
    if logits is None or var_list is None:
        return (
            "`warm_start` should return two things, `logits, restore_list`: the new model's "
            "logits and the variables to restore from the checkpoint."
        )
    if not var_list:
        return "`restore_list` is empty: it should hold every variable of the body."
    try:
        values = restore_values(logits.graph, var_list, towers_checkpoint())
    except Exception as error:  # noqa: BLE001 - the restore error is the learner's lesson
        return (
            f"restoring your list raised {restore_error_line(error)}. The list must hold only "
            "variables the checkpoint has."
        )
    return warm_start_problem(values, towers_checkpoint())


class WarmStartExercise(BuildExercise):
    """A build whose correct message says what the restore did."""

    def _correct(self, run: Run):
        body = [v for v in run.tree.variables if v.name.startswith("towers/body/")]
        return self._feedback(
            Outcome.CORRECT,
            f"restoring your list fills all {len(body)} variables of the body from the checkpoint "
            f"and leaves the {NEW_CLASSES}-class head to its initializer.",
            details=self.explanation,
        )


q5 = WarmStartExercise(
    name="q5",
    lesson="11",
    title="Step 3: warm-start a 5-class model",
    function_name="warm_start",
    solution_code=WARM_START_SOLUTION,
    names=REFERENCE_NAMES,
    make_inputs=towers_inputs,
    compare=("names", "shapes", "collections"),
    extra_checks=[new_head_has_five_classes, body_restored_head_fresh],
    hints=[
        (
            "A warm start restores the pieces that fit the new task (the body) and lets the new "
            "head start from its initializer. tf-slim's `get_variables_to_restore` lists "
            "the model's variables, minus those whose names match an `exclude` pattern."
        ),
        (
            "The patterns are matched against the start of each full name (lesson 07's prefix "
            "trap): the head's names start with the outer scope, `towers/`, so a pattern that "
            "starts with the head's own scope matches nothing."
        ),
        (
            "Exclude the head by its full scope, with the slash: "
            "`slim.get_variables_to_restore(exclude=[\"towers/logits/\"])`."
        ),
    ],
    explanation=(
        "`exclude=[\"towers/logits/\"]` drops the head, whose names start with `towers/logits/`, "
        "and keeps all 8 body variables, the moving averages included. `exclude=[\"logits\"]` "
        "would drop nothing: no name starts with 'logits', so the 2-class head would be "
        "restored into the 5-class one, silently. `include=[\"towers/body/\"]` works too."
    ),
)


# --- step 4a: the body as a TF2 module ------------------------------------------------------------

CONV_BN_CODE = '''\
class ConvBN(tf2.Module):
    """A 3x3 conv, batch norm and relu, as slim.conv2d with normalizer_fn=slim.batch_norm
    computes them at inference (is_training=False)."""

    def __init__(self, channels_in, channels_out, name=None):
        super().__init__(name=name)
        with self.name_scope:
            self.kernel = tf2.Variable(
                tf2.random.normal([3, 3, channels_in, channels_out], stddev=0.3), name="kernel")
            self.offset = tf2.Variable(tf2.zeros([channels_out]), name="offset")
            self.mean = tf2.Variable(tf2.zeros([channels_out]), trainable=False, name="mean")
            self.variance = tf2.Variable(tf2.ones([channels_out]), trainable=False, name="variance")

    def __call__(self, x):
        x = tf2.nn.conv2d(x, self.kernel, strides=1, padding="SAME")
        x = tf2.nn.batch_normalization(x, self.mean, self.variance, self.offset, None,
                                       variance_epsilon=0.001)
        return tf2.nn.relu(x)
'''

ConvBN = exec_solution(CONV_BN_CODE, "lesson11 ConvBN", TF2_NAMES)["ConvBN"]
PORT_NAMES = {**TF2_NAMES, "ConvBN": ConvBN}

BODY_STARTER = '''\
class Body(tf2.Module):
    def __init__(self, name="body"):
        super().__init__(name=name)
        ____

    def __call__(self, images):
        ____
'''

BODY_SOLUTION = '''\
class Body(tf2.Module):
    def __init__(self, name="body"):
        super().__init__(name=name)
        with self.name_scope:
            self.conv1 = ConvBN(1, 4, name="conv1")
            self.conv2 = ConvBN(4, 8, name="conv2")

    def __call__(self, images):
        net = self.conv1(images)
        net = tf2.nn.max_pool2d(net, 2, 2, "VALID")
        net = self.conv2(net)
        return tf2.reshape(net, [-1, 4 * 4 * 8])
'''

#: the reference TF2 body (q6's solution), for the cells after q6 and for q7's check
PortedBody = exec_solution(BODY_SOLUTION, "lesson11 Body", PORT_NAMES)["Body"]

NAME_MAP_SOLUTION = '''\
def name_map(body):
    slim_names = {"kernel": "weights", "offset": "BatchNorm/beta",
                  "mean": "BatchNorm/moving_mean", "variance": "BatchNorm/moving_variance"}
    mapping = {}
    for v in body.variables:
        layer, own = v.name[:-2].rsplit("/", 1)
        mapping[f"towers/{layer}/{slim_names[own]}"] = v
    return mapping
'''

#: the reference name map (q7's solution), for the cells after q7 and for q6's check
port_name_map = exec_solution(NAME_MAP_SOLUTION, "lesson11 name_map", TF2_NAMES)["name_map"]


@functools.lru_cache(maxsize=4)
def tf1_body_outputs(path: str) -> np.ndarray:
    """What the TF1 body restored from ``path`` computes on SAMPLE_IMAGES (inference mode)."""
    with fresh_graph():
        images = tf.placeholder(tf.float32, IMAGE_SHAPE)
        inference = slim.arg_scope([slim.batch_norm], is_training=False)
        as_in_two_towers = slim.arg_scope([slim.conv2d], normalizer_fn=slim.batch_norm,
                                          weights_regularizer=slim.l2_regularizer(0.0005))
        with tf.variable_scope("towers"), inference, as_in_two_towers:
            features = _reference_body(images)
        body_variables = slim.get_variables("towers/body/")
        with tf.Session() as sess:
            tf.train.Saver(var_list=body_variables).restore(sess, path)
            return sess.run(features, {images: SAMPLE_IMAGES})


def outputs_match(ported: Any) -> bool:
    return (tuple(getattr(ported, "shape", ())) == tf1_body_outputs(towers_checkpoint()).shape
            and np.allclose(ported, tf1_body_outputs(towers_checkpoint()), rtol=1e-4, atol=1e-4))


def body_names_lack_module(reference: Run, run: Run) -> str | None:
    """q6: ``conv1/kernel`` instead of ``body/conv1/kernel``: no name scope in ``__init__``."""
    expected = {v.name for v in reference.tree.variables}
    lost = sorted(v.name for v in run.tree.variables
                  if v.name not in expected and f"body/{v.name}" in expected)
    if not lost:
        return None
    return (
        f"your variables are called `{lost[0]}`..., without the module's name `body/`. A "
        "variable is named when it is made, and a tf.Module's name applies only inside its "
        "`with self.name_scope:` block: make the ConvBN layers inside it, in `__init__` "
        "(lesson 08)."
    )


def body_computes_like_tf1(reference: Run, run: Run) -> str | None:
    """q6: loaded with the checkpoint's body, the module computes what the TF1 body computes."""
    if {v.name for v in run.tree.variables} != {v.name for v in reference.tree.variables}:
        return None  # the tree diff says what differs
    output = run.outputs[-1] if run.outputs else None
    shape = tuple(getattr(output, "shape", ()) or ())
    wanted = tf1_body_outputs(towers_checkpoint()).shape
    if shape != wanted:
        return (
            f"`Body()(images)` has shape {shape} for {len(SAMPLE_IMAGES)} images; the TF1 body "
            f"gives {wanted}: pool once between the convs (2x2, stride 2) and flatten at the "
            "end, as `slim.flatten` does, to (batch, 128)."
        )
    with eager():
        load_by_name_map(towers_checkpoint(), port_name_map(run.model))
        ported = run.model(tf2.constant(SAMPLE_IMAGES)).numpy()
    if not outputs_match(ported):
        return (
            "with the checkpoint's values loaded, your Body computes other numbers than the TF1 "
            "body. Compare the order: conv1, a 2x2 max pool with stride 2 ('VALID'), conv2, then "
            "a flatten that keeps the (height, width, channel) order."
        )
    return None


q6 = ModelExercise(
    name="q6",
    lesson="11",
    title="Step 4: the body as a TF2 module",
    function_name="Body",
    starter_code=BODY_STARTER,
    solution_code=BODY_SOLUTION,
    names=PORT_NAMES,
    make_model=lambda body_class: body_class(),
    make_inputs=lambda tf_: (tf_.constant(SAMPLE_IMAGES),),
    calls=2,
    extra_checks=[body_names_lack_module, body_computes_like_tf1],
    hints=[
        (
            "In TF2 a layer is an object made once, in `__init__`, and called in `__call__`; "
            "its variables are named after the name scopes open when they are made (lesson 08)."
        ),
        (
            "In `__init__`, inside the module's own name scope, make two ConvBN layers called "
            "conv1 (1 to 4 channels) and conv2 (4 to 8). `__call__` runs conv1, a 2x2 max pool "
            "with stride 2, conv2, and flattens to (batch, 128)."
        ),
        (
            "The pool is `net = tf2.nn.max_pool2d(net, 2, 2, \"VALID\")`, and the flatten a "
            "`tf2.reshape` to `[-1, 4 * 4 * 8]`."
        ),
    ],
    explanation=(
        "`with self.name_scope:` in `__init__` names the layers' variables `body/conv1/kernel` "
        "and so on; calling the same object twice reads the same eight variables. ConvBN keeps "
        "TF2 names (`kernel`, `offset`, `mean`, `variance`), so the checkpoint's slim names "
        "still need a map: the next step."
    ),
)


# --- step 4b: the name map, judged by the outputs --------------------------------------------------


def map_problem(mapping: Any, body: Any) -> str | None:
    """Why loading the checks' checkpoint by ``mapping`` does not make ``body`` compute like TF1."""
    if not isinstance(mapping, dict):
        return (
            f"`name_map` returned {describe(mapping)}; return a dict "
            "`{checkpoint name: variable}`."
        )
    strangers = [value for value in mapping.values() if not isinstance(value, tf2.Variable)]
    if strangers:
        return "each value of the map should be one of `body`'s variables (from `body.variables`)."
    checkpoint = towers_checkpoint()
    plan = plan_restore(checkpoint, mapping)
    if plan.missing:
        key = next(entry.key for entry in plan.with_status("not in checkpoint"))
        if key.endswith(":0"):
            why = "checkpoint names have no `:0` (that is the tensor's output index)"
        elif not key.startswith("towers/"):
            why = "the checkpoint's names start with `towers/`, the TF1 model's outer scope"
        else:
            why = ("slim calls the tensors `weights`, `BatchNorm/beta`, `BatchNorm/moving_mean` "
                   "and `BatchNorm/moving_variance`")
        return (
            f"`{key}` is not a name in the checkpoint: {why}. `tf.train.list_variables` lists "
            "the names a map may use."
        )
    shape_problem = plan.with_status("shape differs")
    if shape_problem:
        entry = shape_problem[0]
        return (
            f"`{entry.key}` {entry.checkpoint_shape} would go into `{entry.variable}` "
            f"{entry.graph_shape}: map each slim tensor to the TF2 variable that plays its part."
        )
    unused = [key for key in plan.unused if key.startswith("towers/body/")]
    if unused:
        averages = unused[0].rsplit("/", 1)[-1].startswith("moving_")
        extra = (" `body.trainable_variables` leaves out the mean and variance, which are not "
                 "trainable; map `body.variables`.") if averages else ""
        return (
            f"the checkpoint's `{unused[0]}` is not mapped to any variable, so its TF2 variable "
            f"keeps a fresh value.{extra}"
        )
    with eager():
        load_by_name_map(checkpoint, mapping)
        ported = body(tf2.constant(SAMPLE_IMAGES)).numpy()
    if not outputs_match(ported):
        return (
            "every name is mapped and every shape fits, but the TF2 body computes other numbers "
            "than the TF1 body: two tensors of the same shape went into each other's variables. "
            "beta, moving_mean and moving_variance all hold one value per channel: check which "
            "TF2 variable each of them goes to."
        )
    return None


def port_outputs_match(reference: Run, run: Run) -> str | None:
    """q7: the map loads the whole body and the TF2 outputs equal the TF1 outputs."""
    return map_problem(run.outputs[0] if run.outputs else None, run.model)


class PortMapExercise(BuildExercise):
    """The learner's ``name_map(body)`` is called on a fresh reference body, eagerly."""

    how_to_make_variables = "Return a dict of the body's own variables."

    def _run(self, fn, cap: int) -> Run:
        run = run_eagerly(PortedBody, None, 1, cap, call=lambda model, _inputs: fn(model),
                          variables_of=lambda model: model.variables)
        run.input_count = 1
        return run

    def _correct(self, run: Run):
        return self._feedback(
            Outcome.CORRECT,
            f"your map loads all {len(run.tree.variables)} variables of the body, and the TF2 body "
            "then computes what the TF1 body computes on the same images.",
            details=self.explanation,
        )


q7 = PortMapExercise(
    name="q7",
    lesson="11",
    title="Step 5: the name map, and the outputs match",
    function_name="name_map",
    solution_code=NAME_MAP_SOLUTION,
    names=TF2_NAMES,
    compare=("names", "shapes"),
    extra_checks=[port_outputs_match],
    hints=[
        (
            "Put `tf.train.list_variables(...)` of the checkpoint beside "
            "`[v.name for v in Body().variables]`: which parts of the names differ?"
        ),
        (
            "Three differences: the checkpoint's names start with `towers/`, have no `:0`, and "
            "use slim's words: `weights` for kernel, and `BatchNorm/` followed by `beta`, "
            "`moving_mean` and `moving_variance` for offset, mean and variance. "
            "Map every variable, the two that are not trainable too."
        ),
        (
            "Split each TF2 name with `v.name[:-2].rsplit(\"/\", 1)` into the layer path and its "
            "own name, and look the own name up in a dict of slim names."
        ),
    ],
    explanation=(
        "The map pairs every slim name with the TF2 variable that plays its part, the moving "
        "averages included; loaded by it, the TF2 body computes what the TF1 body computes "
        "on the same images, which is the test of a port."
    ),
)


# --- recall: two questions from earlier lessons ------------------------------------------------------


def second_call_output_name() -> str:
    """A function with variable_scope('body', reuse=AUTO_REUSE) and one conv, called twice."""
    with fresh_graph():
        images = tf.placeholder(tf.float32, IMAGE_SHAPE)
        outputs = []
        for _ in range(2):
            with tf.variable_scope("body", reuse=tf.AUTO_REUSE):
                outputs.append(slim.conv2d(images, 4, [3, 3], scope="conv1"))
        return outputs[1].name


def trainable_count_conv_bn() -> int:
    """Trainable variables of one conv2d given batch norm by an arg_scope."""
    with fresh_graph():
        images = tf.placeholder(tf.float32, IMAGE_SHAPE)
        with slim.arg_scope([slim.conv2d], normalizer_fn=slim.batch_norm):
            slim.conv2d(images, 4, [3, 3], scope="conv1")
        return len(tf.trainable_variables())


q1 = PredictExercise(
    name="q1",
    lesson="11",
    title="Recall: the second call's op",
    answer_name="q1_answer",
    expected=second_call_output_name,
    explanation=(
        "Each entry into `tf.variable_scope(\"body\")` opens a new name scope, and a taken "
        "name scope gets a suffix: the second call's ops go to `body_1/`. The variables stay "
        "`body/conv1/...`: AUTO_REUSE found them by name."
    ),
    wrong_answers={
        "body/conv1/Relu:0": (
            "That is the first call's output. Variables are shared, but ops never are: the "
            "second call makes new ops, in a name scope of its own."
        ),
        "body/conv1/Relu_1:0": (
            "Relu_1 would mean both Relus sit in one name scope. Each entry into a "
            "variable_scope opens a new name scope; when its name is taken, what does TF do?"
        ),
        "body/conv1_1/Relu:0": (
            "That is what re-entering only the layer's scope gives (lesson 03's method 2). Here "
            "the second call enters `body` again, from outside: which scope gets the new name?"
        ),
    },
    hints=[
        "Variables can be shared; ops are always new. Which name scope holds the second call's ops?",
        (
            "Entering `tf.variable_scope(\"body\")` again opens a new name scope, and a name "
            "scope whose name is taken gets a numbered suffix (lessons 01 and 03)."
        ),
    ],
    solution_code='q1_answer = "body_1/conv1/Relu:0"',
)

q2 = PredictExercise(
    name="q2",
    lesson="11",
    title="Recall: what batch norm adds to training",
    answer_name="q2_answer",
    expected=trainable_count_conv_bn,
    explanation=(
        "conv1/weights and conv1/BatchNorm/beta are trainable. With a normalizer the conv "
        "has no biases, slim.batch_norm has no gamma unless `scale=True`, and the moving mean "
        "and variance are variables that training does not change by gradients, so they are "
        "not trainable (lessons 04 and 05)."
    ),
    wrong_answers={
        4: (
            "That counts every variable. The moving mean and variance are updated by batch "
            "norm's own ops, not by the optimizer: are they trainable?"
        ),
        3: (
            "With a normalizer_fn, conv2d makes no biases (beta replaces them), and "
            "slim.batch_norm makes no gamma unless `scale=True`."
        ),
        1: "Batch norm's offset, beta, is learned by the optimizer like the weights.",
    },
    hints=[
        (
            "Trainable means in `tf.trainable_variables()`: the variables an optimizer changes. "
            "Which of the conv's and batch norm's variables does training change by gradients?"
        ),
        (
            "List them: the conv's weights (no biases with a normalizer), batch norm's beta (no "
            "gamma by default), and two moving averages that batch norm updates itself."
        ),
    ],
    solution_code="q2_answer = 2",
)


# --- the mixed quiz ----------------------------------------------------------------------------------


def nest_names() -> list[str]:
    """get_variable and an op inside variable_scope('model') / name_scope('tower_0')."""
    with fresh_graph():
        with tf.variable_scope("model"), tf.name_scope("tower_0"):
            w = tf.get_variable("w", [1])
            y = tf.multiply(w, 2.0, name="y")
        return [w.name, y.name]


def stack_second_weights() -> str:
    """slim.stack of three fully_connected layers with scope='fc': the second layer's weights."""
    with fresh_graph():
        features = tf.placeholder(tf.float32, [None, 16])
        slim.stack(features, slim.fully_connected, [32, 64, 128], scope="fc")
        return tf.global_variables()[2].name


def saved_names() -> list[str]:
    """The names tf.train.Saver() writes for a model, a plain and a local variable, sorted."""
    folder = tempfile.mkdtemp(prefix="scopekit-lesson11-quiz-")
    try:
        with fresh_graph():
            slim.model_variable("weights", [2])
            slim.variable("counter", [1], trainable=False)
            slim.local_variable(0.0, name="total")
            with tf.Session() as sess:
                sess.run([tf.global_variables_initializer(), tf.local_variables_initializer()])
                path = tf.train.Saver().save(sess, os.path.join(folder, "quiz"))
            return sorted(name for name, _ in tf.train.list_variables(path))
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def tf2_checkpoint_keys() -> list[str]:
    """The value keys tf.train.Checkpoint writes for lesson 08's MLP (its Dense names are slim's)."""
    from kit.lessons.lesson08 import MLP

    folder = tempfile.mkdtemp(prefix="scopekit-lesson11-tf2-")
    try:
        with eager():
            path = tf2.train.Checkpoint(model=MLP()).write(os.path.join(folder, "mlp"))
            return [name for name, _ in tf2.train.list_variables(path) if name.startswith("model/")]
    finally:
        shutil.rmtree(folder, ignore_errors=True)


q8 = PredictExercise(
    name="q8",
    lesson="11",
    title="Quiz (lesson 01): a variable and an op in one nest",
    answer_name="q8_answer",
    expected=nest_names,
    explanation=(
        "tf.get_variable sees only variable scopes, so `w` is `model/w:0`; ops see every name "
        "scope, so `y` is `model/tower_0/y:0` (`variable_scope(\"model\")` opened name scope "
        "`model/` too)."
    ),
    wrong_answers=[
        (["model/tower_0/w:0", "model/tower_0/y:0"],
         "The op is right, but tf.get_variable ignores name scopes: which scopes does it see?"),
        (["model/w:0", "model/y:0"],
         "The variable is right, but an op takes every name scope that is open, tower_0 too."),
        (["tower_0/w:0", "tower_0/y:0"],
         "A variable_scope opens a name scope of the same name as well, so `model` is in both."),
    ],
    hints=[
        "Which kind of scope does tf.get_variable read, and which kinds does an op's name take?",
        (
            "tf.get_variable reads only variable scopes; an op's name takes every open name "
            "scope, and `variable_scope(\"model\")` opened a name scope `model/` too."
        ),
    ],
    solution_code='q8_answer = ["model/w:0", "model/tower_0/y:0"]',
)

q9 = ChoiceExercise(
    name="q9",
    lesson="11",
    title="Quiz (lesson 03): two towers, update ops and regularization losses",
    answer_name="q9_answer",
    question=(
        "Your `two_towers` runs one body with batch norm (training mode) and an L2 regularizer "
        "twice, sharing it with AUTO_REUSE. The graph then has twice as many batch-norm update "
        "ops as one tower makes, but only one tower's regularization losses. Why?"
    ),
    options={
        "a": "AUTO_REUSE shares ops as well as variables, except the update ops.",
        "b": "The arg_scope gives the regularizer to the first call of the body only.",
        "c": ("A regularization loss is made when its variable is created, and only the first "
              "tower creates; an update op is made each time batch norm runs in training mode."),
        "d": "UPDATE_OPS holds the moving averages themselves, and each tower adds them again.",
    },
    correct="c",
    why_not={
        "a": "Ops are never shared: the second tower makes all its ops anew, in a name scope of its own.",
        "b": "An arg_scope gives its defaults to every call inside it, both towers' convs included.",
        "d": (
            "UPDATE_OPS holds ops (the assignments that move the averages), not variables; the "
            "moving averages themselves exist once."
        ),
    },
    hints=[
        "What does reuse share: variables, ops, or both?",
        (
            "tf.get_variable calls a regularizer at one moment in a variable's life; batch norm "
            "adds its update ops every time it is built in training mode."
        ),
    ],
    explanation=(
        "The regularizer runs inside tf.get_variable when the variable is created, so the "
        "reusing tower adds no loss; batch norm adds its two update ops every time it runs in "
        "training mode, in each tower (lesson 03 counts both for two ResNet-50 clones)."
    ),
)

q10 = PredictExercise(
    name="q10",
    lesson="11",
    title="Quiz (lesson 06): slim.stack with a scope",
    answer_name="q10_answer",
    expected=stack_second_weights,
    explanation=(
        "slim.stack opens the scope `fc` and calls the layer once per list entry, each in its "
        "own scope `fc_1`, `fc_2`, `fc_3` (counted from 1), so the second layer's weights are "
        "`fc/fc_2/weights:0`."
    ),
    wrong_answers={
        "fc/fc_1/weights:0": "slim.stack counts its layers from 1: `fc_1` is the first layer.",
        "fc_1/weights:0": (
            "slim.stack keeps the outer scope you pass and puts each layer in a numbered scope "
            "inside it."
        ),
        "fc/weights_1:0": "Each layer gets a scope of its own, so no variable needs a `_1` suffix.",
        "fc/fully_connected_1/weights:0": (
            "That is how the layers are named when slim.stack has no scope (then `Stack/`). "
            "With scope='fc' the inner scopes are named after it."
        ),
    },
    hints=[
        "slim.stack, like slim.repeat, opens the outer scope and numbers the layers inside it.",
        "The inner scopes are the outer scope's name plus `_N`, and N starts at 1.",
    ],
    solution_code='q10_answer = "fc/fc_2/weights:0"',
)

q11 = PredictExercise(
    name="q11",
    lesson="11",
    title="Quiz (lessons 04 and 07): what a default Saver writes",
    answer_name="q11_answer",
    expected=saved_names,
    also_correct=[["weights", "counter"]],
    explanation=(
        "`tf.train.Saver()` saves the global variables: the model variable `weights` and the "
        "non-trainable `counter` (slim.variable makes a global variable). The local variable "
        "`total` is not saved: local variables, like a metric's counters, are meant to start "
        "again every run."
    ),
    wrong_answers=[
        (["counter", "total", "weights"],
         ("One of the three is a local variable, and a default Saver saves the global variables "
          "only.")),
        (["weights"],
         ("`trainable=False` keeps `counter` out of training, not out of the global collection, "
          "and a Saver saves global variables.")),
        (["total", "weights"],
         "`total` is the local one. Which collection does a default Saver save?"),
    ],
    hints=[
        "A Saver made with no var_list saves one collection of variables: which one?",
        (
            "slim.model_variable and slim.variable make global variables, trainable or not; "
            "slim.local_variable makes a local one."
        ),
    ],
    solution_code='q11_answer = ["counter", "weights"]',
)

TRACEBACK_CODE = '''\
images = tf.placeholder(tf.float32, [4, 8, 8, 1])
left = images[:2]
right = images[2:]
shape = [3, 3, 1, 4]
with tf.variable_scope("tower"):
    kernel = tf.Variable(tf.zeros(shape), name="kernel")
    left_out = tf.nn.conv2d(left, kernel, 1, "SAME")
with tf.variable_scope("tower", reuse=True):
    kernel2 = tf.get_variable("kernel", shape)
    right_out = tf.nn.conv2d(right, kernel2, 1, "SAME")
'''

q12 = TracebackExercise(
    name="q12",
    lesson="11",
    title="Quiz (lessons 02 and 03): a kernel reuse cannot find",
    answer_name="q12_answer",
    broken_code=TRACEBACK_CODE,
    fix=(6, 'kernel = tf.get_variable("kernel", shape)'),
    wrong_answers={
        9: (
            "Line 9 asks for the right name in the right scope. The message says the variable "
            "was not created the way reuse can find it: which line created it?"
        ),
        8: (
            "Without `reuse=True` the error goes away, but get_variable then creates a second "
            "kernel (TF renames it `tower/kernel_1`): the towers share nothing. The second scope "
            "is right to reuse."
        ),
        5: "The first scope is the right one; what matters is how the kernel in it is made.",
    },
    hints=[
        "Reuse looks variables up in the store of variables that tf.get_variable made.",
        (
            "tf.Variable never enters that store (lessons 01 and 03), so reuse cannot find what "
            "it made, even under the right name."
        ),
    ],
    explanation=(
        "`tf.Variable` makes `tower/kernel` outside the variable store, so `reuse=True` finds "
        "nothing there. Made with `tf.get_variable`, the first kernel is found, and `kernel2` "
        "is `kernel`: the two towers share it."
    ),
)

q13 = ChoiceExercise(
    name="q13",
    lesson="11",
    title="Quiz (lesson 08): the keys of a TF2 checkpoint",
    answer_name="q13_answer",
    question=(
        "Lesson 08's `MLP` owns two Dense layers, `self.hidden` and `self.out`; each Dense keeps "
        "its variables as `self.w` (named `weights`) and `self.b` (named `biases`), so "
        "`model.hidden.w.name` is `mlp/hidden/weights:0`. "
        "`tf.train.Checkpoint(model=model).write(path)` stores that value under the key "
        "`model/hidden/w/.ATTRIBUTES/VARIABLE_VALUE`, with no `weights` in it. Why?"
    ),
    options={
        "a": "TF2 drops the name scopes from variable names when it saves them.",
        "b": "The name scope `mlp/` was not open while the variables were made.",
        "c": "tf.train.Checkpoint only writes Keras paths, and `w` is a Keras path.",
        "d": ("A TF2 checkpoint keys each value by the path of attributes from the object you "
              "save (`model` -> `hidden` -> `w`); the variable's name plays no part."),
    },
    correct="d",
    why_not={
        "a": "The key holds no name scope and no variable name: neither `mlp/` nor `weights` is in it.",
        "b": "The name is `mlp/hidden/weights:0`, so the scopes were open; the key ignores it anyway.",
        "c": "MLP is a plain tf.Module, not Keras, and `w` is the attribute the Dense stores it in.",
    },
    hints=[
        "Compare the key with the two ways of reaching the variable: its name, and `model.hidden.w`.",
        (
            "Which parts of the key (`model`, `hidden`, `w`) are names of Python attributes, "
            "and which would come from the variable's name?"
        ),
    ],
    explanation=(
        "tf.train.Checkpoint walks the objects from the one you pass (`model=`) through their "
        "attributes, so the key is `model/hidden/w`. That is why a TF1 checkpoint, keyed by "
        "variable names, needs a name map to reach TF2 variables (lesson 08, section 6)."
    ),
)

EXERCISES = (q1, q2, q3, q4, q5, q6, q7, q8, q9, q10, q11, q12, q13)
