"""Lesson 07 exercises: checkpoints, partial restores and warm starts by scope.

The checks use a real checkpoint: ``lesson_checkpoint()`` saves ``small_model`` once per
process into a temporary folder (removed when the process ends). Restore exercises are
judged by values, not by reading code: the check runs the learner's graph, restores or
initialises it, and compares every variable with the checkpoint.

``r1``-``r3`` open the lesson: recall questions on earlier lessons, checked and recorded like
the rest, with answers computed by building the graph they ask about.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from kit.checkpoints import checkpoint_variables, restore_error_line, stand_in_checkpoint
from kit.exercise import BuildExercise, FixExercise, Outcome, PredictExercise, TracebackExercise
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run

tf, slim = import_tensorflow()

IMAGE_SHAPE = (None, 8, 8, 1)
BODY_KEYS = ("conv1/biases", "conv1/weights", "conv2/biases", "conv2/weights")


def small_model(images, num_classes=10):
    """The 'pretrained' model: two conv layers and a linear head called logits."""
    net = slim.conv2d(images, 4, [3, 3], scope="conv1")
    net = slim.max_pool2d(net, [2, 2], scope="pool1")
    net = slim.conv2d(net, 4, [3, 3], scope="conv2")
    net = slim.flatten(net)
    return slim.fully_connected(net, num_classes, activation_fn=None, scope="logits")


def images_placeholder(tf1) -> Any:
    """The input every exercise gets: a batch of 8x8 grey images."""
    return tf1.placeholder(tf1.float32, IMAGE_SHAPE, name="images")


def lesson_checkpoint() -> str:
    """The checks' checkpoint of ``small_model`` ("trained"), saved once per process in a
    folder removed at exit."""
    return stand_in_checkpoint("small_model", lambda: small_model(images_placeholder(tf)))


def ten_conv_layers_kept(exclude: list[str]) -> list[str]:
    """Names ``get_variables_to_restore(exclude=...)`` keeps from layers conv1 ... conv10."""
    with fresh_graph():
        net = images_placeholder(tf)
        for i in range(1, 11):
            net = slim.conv2d(net, 2, [1, 1], scope=f"conv{i}")
        return [v.op.name for v in slim.get_variables_to_restore(exclude=exclude)]


# --- judging a warm start by its values ------------------------------------------------


def warm_values(graph, saver=None) -> dict[str, tuple[np.ndarray, tuple]]:
    """Initialise ``graph`` (running any init_from_checkpoint), restore with ``saver``.

    Returns ``{variable name: (value, static shape)}`` for every global variable.
    """
    with graph.as_default():
        variables = tf.global_variables()
        init = tf.global_variables_initializer()
        with tf.Session(graph=graph) as sess:
            sess.run(init)
            if saver is not None:
                saver.restore(sess, lesson_checkpoint())
            values = sess.run(variables)
    return {v.op.name: (value, tuple(v.shape.as_list())) for v, value in zip(variables, values)}


def loading_problem(values: dict[str, tuple[np.ndarray, tuple]], wanted: dict[str, str]) -> str | None:
    """Why these values are not 'exactly ``wanted`` (variable <- key) came from the checkpoint'."""
    reader = tf.train.load_checkpoint(lesson_checkpoint())
    saved = dict(checkpoint_variables(lesson_checkpoint()))
    for name, (value, static_shape) in sorted(values.items()):
        if name in wanted:
            continue
        if value.shape != static_shape:
            return (
                f"`{name}` is declared {static_shape} but now holds the checkpoint's "
                f"{value.shape} value: a resource variable takes a checkpoint tensor of another "
                "shape without any error. Keep the new head out of what you restore."
            )
        for key, shape in saved.items():
            if shape == value.shape and np.array_equal(value, reader.get_tensor(key)):
                return (
                    f"`{name}` was loaded from the checkpoint's `{key}`; only the body "
                    f"({', '.join(sorted({w.rsplit('/', 1)[0] for w in wanted}))}) should be."
                )
    cold = [
        name
        for name, key in sorted(wanted.items())
        if name not in values or not np.array_equal(values[name][0], reader.get_tensor(key))
    ]
    if cold:
        shown = ", ".join(f"`{name}`" for name in cold)
        return (
            f"{shown} kept a fresh value: {'it was' if len(cold) == 1 else 'they were'} not "
            "restored from the checkpoint, so the body does not start from the trained "
            "weights. Restore every body variable."
        )
    return None


def _logits_and_var_list(result: Any) -> tuple[Any, Any]:
    """Split ``logits, var_list`` (a var_list is a list of variables or a name map)."""
    parts = result if isinstance(result, tuple) else (result,)
    logits = next((p for p in parts if hasattr(p, "graph") and hasattr(p, "op")), None)
    var_list = next((p for p in parts if isinstance(p, (list, dict))), None)
    return logits, var_list


def body_restored_by_saver(reference: Run, run: Run) -> str | None:
    """q4: a Saver over the returned var_list restores conv1/conv2 and leaves the head fresh."""
    logits, var_list = _logits_and_var_list(run.outputs[0] if run.outputs else None)
    if logits is None or var_list is None:
        return (
            "`fine_tune` should return two things, `logits, restore_list`: the logits tensor and "
            "the variables to restore."
        )
    try:
        with logits.graph.as_default():
            saver = tf.train.Saver(var_list=var_list)
        values = warm_values(logits.graph, saver)
    except Exception as error:  # noqa: BLE001 - the restore error is the learner's lesson
        return (
            f"restoring raised {restore_error_line(error)}. The list to restore holds a "
            "variable the checkpoint does not have. `exclude` drops only the names that start "
            "with one of its patterns: does your pattern start the new head's names?"
        )
    return loading_problem(values, {key: key for key in BODY_KEYS})


def student_body_initialised_from_checkpoint(reference: Run, run: Run) -> str | None:
    """q5: init_from_checkpoint puts conv1/conv2 into student/ and leaves the head fresh."""
    logits, _ = _logits_and_var_list(run.outputs[0] if run.outputs else None)
    if logits is None:
        return "`warm_student` should return the logits tensor."
    values = warm_values(logits.graph)
    return loading_problem(values, {f"student/{key}": key for key in BODY_KEYS})


def head_keeps_checkpoint_name(reference: Run, run: Run) -> str | None:
    """q3: a head called logits with 5 classes collides with the checkpoint's 10-class logits."""
    saved = dict(checkpoint_variables(lesson_checkpoint()))
    for var in run.tree.variables:
        if var.name in saved and var.name.startswith("logits/") and tuple(var.shape) != saved[var.name]:
            return (
                f"the new head is called `logits`, so `{var.name}` {var.shape} has the same name "
                f"as the checkpoint's {saved[var.name]} tensor. Restoring by name would load it "
                "(resource variables do not even check the shape). Give the new head its own "
                "scope, `new_logits`."
            )
    return None


def body_uses_checkpoint_names(reference: Run, run: Run) -> str | None:
    """q3: the body must carry the checkpoint's scope names, or a Saver finds nothing."""
    saved = dict(checkpoint_variables(lesson_checkpoint()))
    strangers = [
        v.name for v in run.tree.variables if v.name not in saved and not v.name.startswith("new_logits/")
    ]
    if strangers:
        return (
            f"`{strangers[0]}` is not a name in the checkpoint. A Saver restores by name, so the "
            "body must use the checkpoint's scopes: `conv1`, `conv2` (with `pool1` between)."
        )
    return None


class WarmStartBuild(BuildExercise):
    """A build exercise whose checkpoint errors are explained by the restore rules."""

    def _error_feedback(self, run):
        line = restore_error_line(run.error)
        reason = _restore_error_reason(line)
        if reason is None:
            return super()._error_feedback(run)
        return self._feedback(
            Outcome.ERROR,
            f"{self._what()} raised {line}",
            details=f"What to change: {reason}" + self._hint_suggestion(),
        )


def _restore_error_reason(line: str) -> str | None:
    if "is not found in the checkpoint" in line:
        return (
            "an entry 'a/': 'b/' loads every variable under graph scope `b/` from `a/` in the "
            "checkpoint, and the checkpoint has no tensor by the name in the message. Map only "
            "scopes the checkpoint has (the body), with '/' at the end of both sides."
        )
    if "Assignment map with" in line:
        return "write both sides of each entry as scopes ending in '/', e.g. 'conv1/': 'student/conv1/'."
    return None


# --- the exercises -----------------------------------------------------------------------

q1 = PredictExercise(
    name="q1",
    lesson="07",
    title="How many names in the checkpoint?",
    answer_name="q1_answer",
    expected=lambda: len(checkpoint_variables(lesson_checkpoint())),
    explanation=(
        "The Saver writes one entry per variable: conv1, conv2 and logits each have `weights` "
        "and `biases`. Pooling and flatten have no variables, so nothing of them is saved."
    ),
    wrong_answers={
        3: "That is one per layer with variables, but each slim layer makes two: weights and biases.",
        5: "pool1 and flatten have no variables, so they add nothing to the checkpoint.",
        10: "pool1 and flatten have no variables, so they add nothing to the checkpoint.",
        4: "The head `logits` (slim.fully_connected) has weights and biases too.",
    },
    hints=[
        "Which of the five layers make variables?",
        "conv2d and fully_connected each make `weights` and `biases`.",
    ],
    solution_code="q1_answer = 6",
)

q2 = PredictExercise(
    name="q2",
    lesson="07",
    title="exclude=['conv1'] in a ten-layer net",
    answer_name="q2_answer",
    expected=lambda: len(ten_conv_layers_kept(["conv1"])),
    explanation=(
        "`exclude` (like `include` and `slim.get_variables(scope)`) matches a regular "
        "expression against the start of each name, so 'conv1' also catches `conv10/...`: 4 "
        "variables go, 16 stay. Write 'conv1/' to mean exactly the scope conv1."
    ),
    wrong_answers={
        18: (
            "That drops only conv1's two variables. But exclude matches names that *start* "
            "with 'conv1', and `conv10/weights` starts with 'conv1' too."
        ),
        20: "exclude does drop variables: every name that starts with 'conv1'.",
        4: "Read the question again: it asks how many variables the list keeps, not how many it leaves out.",
        2: "The question asks how many are kept, and conv10 starts with 'conv1' as well.",
    },
    hints=[
        (
            "`exclude` takes patterns, not scope names: it drops every variable whose name starts "
            "with the text of a pattern."
        ),
        "Of the names conv1/weights ... conv10/biases, which start with the text 'conv1'?",
        (
            "'conv10/weights' starts with 'conv1' too: take conv1's and conv10's variables away "
            "from the 20."
        ),
    ],
    solution_code="q2_answer = 16",
)

FINE_TUNE_STARTER = '''\
def fine_tune_model(images):
    net = slim.conv2d(images, 4, [3, 3], scope="conv1")
    net = slim.max_pool2d(net, [2, 2], scope="pool1")
    net = slim.conv2d(net, 4, [3, 3], scope="conv2")
    net = slim.flatten(net)
    return ____
'''

FINE_TUNE_SOLUTION = FINE_TUNE_STARTER.replace(
    "____", 'slim.fully_connected(net, 5, activation_fn=None, scope="new_logits")'
)

q3 = BuildExercise(
    name="q3",
    lesson="07",
    title="A 5-class model whose body matches the checkpoint",
    function_name="fine_tune_model",
    solution_code=FINE_TUNE_SOLUTION,
    starter_code=FINE_TUNE_STARTER,
    make_inputs=lambda tf: (images_placeholder(tf),),
    compare=("names", "shapes", "collections"),
    extra_checks=[head_keeps_checkpoint_name, body_uses_checkpoint_names],
    hints=[
        (
            "A Saver restores by name: the body keeps the checkpoint's names so that it is found, "
            "and the head needs names the checkpoint does not have."
        ),
        "The head is a linear layer like small_model's `logits`, with 5 outputs and a new scope.",
        (
            "Return `slim.fully_connected(net, ...)` with 5 outputs, `activation_fn=None` and "
            "`scope=\"new_logits\"`."
        ),
    ],
    explanation=(
        "The body's variables have the checkpoint's names, so a Saver can find them; the head "
        "has a new name, so nothing in the checkpoint collides with it."
    ),
)

FIX_STARTER = '''\
def fine_tune(images):
    net = slim.conv2d(images, 4, [3, 3], scope="conv1")
    net = slim.max_pool2d(net, [2, 2], scope="pool1")
    net = slim.conv2d(net, 4, [3, 3], scope="conv2")
    net = slim.flatten(net)
    logits = slim.fully_connected(net, 5, activation_fn=None, scope="new_logits")
    restore_list = slim.get_variables_to_restore(exclude=["logits"])
    return logits, restore_list
'''

FIX_SOLUTION = FIX_STARTER.replace('exclude=["logits"]', 'exclude=["new_logits"]')

q4 = FixExercise(
    name="q4",
    lesson="07",
    title="Restore the body, not the new head",
    function_name="fine_tune",
    starter_code=FIX_STARTER,
    solution_code=FIX_SOLUTION,
    make_inputs=lambda tf: (images_placeholder(tf),),
    compare=("names", "shapes", "collections"),
    extra_checks=[body_restored_by_saver],
    hints=[
        (
            "A Saver restores exactly its var_list: which variable in `restore_list` is not in "
            "the checkpoint? The error names it."
        ),
        (
            "`exclude` patterns match the start of each name: does 'logits' start "
            "`new_logits/weights`?"
        ),
        "Exclude the new head by its own scope: the pattern is the head's scope name.",
    ],
    explanation=(
        "A Saver restores exactly its var_list. `exclude=[\"new_logits\"]` drops the new head "
        "(its names start with 'new_logits') and leaves conv1 and conv2, which the checkpoint has."
    ),
)

STUDENT_STARTER = '''\
def warm_student(images, checkpoint):
    with tf.variable_scope("student"):
        net = slim.conv2d(images, 4, [3, 3], scope="conv1")
        net = slim.max_pool2d(net, [2, 2], scope="pool1")
        net = slim.conv2d(net, 4, [3, 3], scope="conv2")
        net = slim.flatten(net)
        logits = slim.fully_connected(net, 5, activation_fn=None, scope="new_logits")
    tf.train.init_from_checkpoint(checkpoint, ____)
    return logits
'''

q5 = WarmStartBuild(
    name="q5",
    lesson="07",
    title="Warm-start a student scope with init_from_checkpoint",
    function_name="warm_student",
    solution_code=STUDENT_STARTER.replace(
        "____", '{"conv1/": "student/conv1/", "conv2/": "student/conv2/"}'
    ),
    starter_code=STUDENT_STARTER,
    make_inputs=lambda tf: (images_placeholder(tf), lesson_checkpoint()),
    compare=("names", "shapes", "collections"),
    extra_checks=[student_body_initialised_from_checkpoint],
    hints=[
        "The assignment map goes {checkpoint scope: graph scope}, both ending in '/'.",
        "Two entries: one for conv1/, one for conv2/. Leave the head out.",
        "The conv1 entry is `\"conv1/\": \"student/conv1/\"`; write the conv2 entry the same way.",
    ],
    explanation=(
        "Each 'scope/': 'other_scope/' entry points a graph scope's initializers at the "
        "checkpoint's tensors; global_variables_initializer() then loads them."
    ),
)

# --- recall: three questions on lessons 04 to 06 that open this lesson ------------------


def recall_second_repeated_layer_weights() -> str:
    """The weights of the second layer of slim.repeat(x, 2, slim.conv2d, ..., scope='block')."""
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, 8, 8, 3], name="x")
        slim.repeat(x, 2, slim.conv2d, 8, [3, 3], scope="block")
        return tf.global_variables()[2].name


def recall_global_variables_of_four_calls() -> list[str]:
    """tf.global_variables() after model_variable, two slim.variable calls and local_variable."""
    with fresh_graph():
        slim.model_variable("w", [2])
        slim.variable("step", [], trainable=False)
        slim.variable("kept", [], collections=["mine"])
        slim.local_variable(0, name="count")
        return [v.op.name for v in tf.global_variables()]


RECALL_MISSPELT_DEFAULT_CODE = '''\
x = tf.placeholder(tf.float32, [None, 8, 8, 3])
with slim.arg_scope([slim.conv2d], padding="SAME",
                    weights_regularizer=slim.l2_regularizer(0.0005),
                    normaliser_fn=None):
    net = slim.conv2d(x, 8, [3, 3], scope="conv1")
    net = slim.conv2d(net, 32, [3, 3], scope="conv2")
'''


r1 = PredictExercise(
    name="r1",
    lesson="07",
    title="Recall (lesson 06): the names slim.repeat gives",
    recall_of="lesson 06",
    answer_name="r1_answer",
    expected=recall_second_repeated_layer_weights,
    explanation=(
        "slim.repeat opens the scope `block` and calls the layer once per repetition, each in "
        "a scope of its own named after it and counted from 1: `block/block_1/`, "
        "`block/block_2/`. So the second layer's weights are `block/block_2/weights:0`, and "
        "that (without `:0`) is their name in a checkpoint."
    ),
    wrong_answers={
        "block/block_1/weights:0": (
            "slim.repeat counts its layers from 1, so that is the first layer's weights."
        ),
        "block_2/weights:0": (
            "slim.repeat also opens the outer scope you pass, and numbers the layers inside it."
        ),
        "block/Conv_1/weights:0": (
            "With scope=, slim.repeat names the inner scopes after that scope, not after the "
            "layer function."
        ),
    },
    hints=[
        (
            "slim.repeat opens a scope and gives each layer a scope of its own inside it. How are "
            "the inner scopes named?"
        ),
        (
            "The inner scopes take the outer scope's name plus `_N`, and N starts at 1 "
            "(lesson 06, section 2)."
        ),
    ],
    solution_code='r1_answer = "block/block_2/weights:0"',
)

r2 = PredictExercise(
    name="r2",
    lesson="07",
    title="Recall (lesson 04): which variables are global",
    recall_of="lesson 04",
    answer_name="r2_answer",
    expected=recall_global_variables_of_four_calls,
    explanation=(
        "`trainable=False` only keeps `step` out of the trainable collection: it stays global. "
        "`collections=[\"mine\"]` replaces the default list, which held the global collection, "
        "so `kept` is in `mine` (and, being trainable, in trainable_variables) only; a local "
        "variable joins `local_variables` only. That leaves `['w', 'step']`, and a default "
        "`tf.train.Saver()` saves exactly the global variables (this lesson starts there)."
    ),
    wrong_answers={
        ("w",): (
            "trainable=False takes a variable out of the trainable collection only; it stays "
            "in the default list of collections otherwise."
        ),
        ("w", "step", "kept"): (
            "collections= is not added to the default list: it takes that list's place (the "
            "trainable collection aside)."
        ),
        ("w", "step", "kept", "count"): (
            "A local variable joins a collection of its own, not the global one; and "
            "collections= replaces the default list."
        ),
        ("w", "step", "count"): (
            "slim.local_variable puts its variable in the local collection only."
        ),
    },
    hints=[
        (
            "tf.global_variables() reads one collection. Which of the four calls put their "
            "variable in it?"
        ),
        (
            "trainable=False drops only the trainable collection; collections=[...] replaces the "
            "default list, which holds the global collection; slim.local_variable joins the local "
            "collection only (lesson 04, sections 6 and 7)."
        ),
    ],
    solution_code='r2_answer = ["w", "step"]',
)

r3 = TracebackExercise(
    name="r3",
    lesson="07",
    title="Recall (lesson 05): an error from an arg_scope",
    recall_of="lesson 05",
    answer_name="r3_answer",
    broken_code=RECALL_MISSPELT_DEFAULT_CODE,
    fix=(4, "normalizer_fn=None):"),
    wrong_answers={
        5: (
            "Line 5 passes nothing wrong itself: the keyword the message names is not in that "
            "call. Where does conv1 get its other keywords from?"
        ),
        6: "The error stops the cell at the first conv; line 6 never runs.",
        2: (
            "The right statement, but it spans three lines: which of them holds the keyword "
            "the message names?"
        ),
    },
    hints=[
        (
            "The message names a keyword that the failing call does not pass itself. Where else "
            "can a slim layer get keywords from?"
        ),
        (
            "slim.arg_scope does not check the names of its defaults; a misspelt one fails only "
            "when a listed layer is called (lesson 05, section 11)."
        ),
    ],
    explanation=(
        "The arg_scope hands `normaliser_fn=None` to every slim.conv2d inside it, and conv2d has "
        "no argument of that name: the error appears at the first call, although the typo is "
        "in the arg_scope, spelt `normalizer_fn`."
    ),
)


EXERCISES = (r1, r2, r3, q1, q2, q3, q4, q5)
