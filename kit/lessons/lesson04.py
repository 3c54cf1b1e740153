"""Lesson 04 exercises: tf-slim variables, model variables and the collections they join.

Predict exercises compute their expected answer by building the graph they ask about,
so the answer is whatever TensorFlow 2.21 + tf-slim 1.1.0 really do.

``r1``-``r3`` open the lesson: recall questions on earlier lessons, checked and recorded like
the rest, with answers computed by building the graph they ask about.
"""

from __future__ import annotations

from itertools import permutations

from kit.exercise import BuildExercise, FixExercise, PredictExercise, TracebackExercise
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run

tf, slim = import_tensorflow()


def _op_names(variables) -> list[str]:
    return [v.op.name for v in variables]


def model_variables_after_mixed_build() -> list[str]:
    """``get_model_variables()`` after a slim.variable, a model_variable, a conv and a get_variable."""
    with fresh_graph():
        images = tf.placeholder(tf.float32, [None, 8, 8, 3], name="images")
        slim.variable("step_size", shape=[])
        slim.model_variable("scale", shape=[3])
        slim.conv2d(images, 4, [3, 3], scope="conv1")
        tf.get_variable("offset", shape=[3])
        return _op_names(slim.get_model_variables())


def global_variables_with_custom_collection() -> list[str]:
    """``tf.global_variables()`` when one of two variables names its own collections."""
    with fresh_graph():
        slim.variable("kept", shape=[2])
        slim.variable("mine", shape=[2], collections=["my_collection"])
        return _op_names(tf.global_variables())


def _restore_candidates() -> None:
    for scope in ("conv1", "conv10", "conv1_1", "fc8"):
        slim.model_variable(scope + "/weights", shape=[1])


def restore_list_include_conv1() -> list[str]:
    """``get_variables_to_restore(include=['conv1'])`` next to conv10 and conv1_1."""
    with fresh_graph():
        _restore_candidates()
        return _op_names(slim.get_variables_to_restore(include=["conv1"]))


def device_with_empty_string() -> str:
    """The device of ``slim.variable(..., device='')`` built inside ``tf.device('/GPU:0')``."""
    with fresh_graph(), tf.device("/GPU:0"):
        return slim.variable("v", shape=[1], device="").device


q1 = PredictExercise(
    name="q1",
    lesson="04",
    title="Which variables are model variables?",
    answer_name="q1_answer",
    expected=model_variables_after_mixed_build,
    explanation=(
        "slim.model_variable and every slim layer (conv1/weights, conv1/biases) add their "
        "variables to MODEL_VARIABLES; slim.variable and tf.get_variable do not. The "
        "list keeps creation order."
    ),
    wrong_answers={
        ("scale",): (
            "slim layers create model variables too. What does "
            "slim.conv2d(..., scope='conv1') create, and with which helper?"
        ),
        ("step_size", "scale", "conv1/weights", "conv1/biases"): (
            "slim.variable makes a regular variable: it joins GLOBAL_VARIABLES and "
            "TRAINABLE_VARIABLES, not MODEL_VARIABLES."
        ),
        ("scale", "conv1/weights", "conv1/biases", "offset"): (
            "tf.get_variable knows nothing about slim's model variables; only "
            "slim.add_model_variable would put 'offset' there."
        ),
        ("step_size", "scale", "conv1/weights", "conv1/biases", "offset"): (
            "That is every variable (what slim.get_variables() returns). MODEL_VARIABLES "
            "holds only what went through slim.model_variable: which of the four calls do?"
        ),
    },
    hints=[
        (
            "get_model_variables() reads the MODEL_VARIABLES collection, and only "
            "slim.model_variable (or slim.add_model_variable) puts variables there."
        ),
        "Two of the four calls go through slim.model_variable (one of them inside conv2d).",
        "A conv layer makes 'weights' and 'biases' under its scope; write op names, no ':0'.",
    ],
    solution_code='q1_answer = ["scale", "conv1/weights", "conv1/biases"]',
    also_correct=permutations(["scale", "conv1/weights", "conv1/biases"]),
)

FIX_STARTER = '''\
def scaled_layer(x):
    scale = tf.get_variable("scale", shape=[4], initializer=tf.ones_initializer())
    return x * scale
'''

FIX_SOLUTION = '''\
def scaled_layer(x):
    scale = tf.get_variable("scale", shape=[4], initializer=tf.ones_initializer())
    slim.add_model_variable(scale)
    return x * scale
'''


def _model_variable_reason(reference: Run, run: Run) -> str | None:
    """Say why 'scale' is not a model variable yet, or why it stopped being trainable."""
    mine = run.tree.variable("scale")
    if mine is None:
        return None
    if "model" not in mine.collections:
        return (
            "scale is still not in MODEL_VARIABLES, so slim.get_model_variables() misses it. "
            "tf-slim has a helper that tells it about a variable your code made (section 5)."
        )
    if "trainable" not in mine.collections:
        return "scale is a model parameter, so it should stay trainable."
    return None


q2 = FixExercise(
    name="q2",
    lesson="04",
    title="Let tf-slim know about a custom variable",
    function_name="scaled_layer",
    starter_code=FIX_STARTER,
    solution_code=FIX_SOLUTION,
    make_inputs=lambda tf: (tf.placeholder(tf.float32, [None, 4], name="x"),),
    calls=1,
    compare=("names", "shapes", "collections"),
    extra_checks=[_model_variable_reason],
    hints=[
        "The variable is fine; what is missing is its membership of one collection.",
        (
            "slim.get_model_variables() reads MODEL_VARIABLES. Section 5 shows the helper "
            "that adds a variable your own code made to that collection."
        ),
        "After the get_variable line, call `slim.add_model_variable(scale)`.",
    ],
)

q3 = PredictExercise(
    name="q3",
    lesson="04",
    title="collections= replaces the global collection",
    answer_name="q3_answer",
    expected=global_variables_with_custom_collection,
    explanation=(
        "collections=['my_collection'] is the whole list, not an addition: the variable "
        "leaves GLOBAL_VARIABLES, so get_variables(), the global initializer and a default "
        "Saver all miss it. Add tf.GraphKeys.GLOBAL_VARIABLES to keep it."
    ),
    wrong_answers={
        ("kept", "mine"): (
            "'mine' would be global if collections= were added to the default list "
            "[GLOBAL_VARIABLES]. It is not added: it takes that list's place. Which "
            "collections is 'mine' in, then?"
        ),
        ("mine",): "'kept' uses the default collections, so it is a global variable.",
        (): "'kept' uses the default collections, so it is a global variable.",
    },
    hints=[
        "tf.global_variables() reads the GLOBAL_VARIABLES collection.",
        "Does collections=[...] add to the defaults or replace them?",
        (
            "collections= replaces the default [GLOBAL_VARIABLES]; trainable=True still "
            "adds TRAINABLE_VARIABLES. Which of the two variables is left in GLOBAL_VARIABLES?"
        ),
    ],
    solution_code='q3_answer = ["kept"]',
)

LOCAL_SOLUTION = '''\
def streaming_counter():
    return slim.local_variable(0.0, name="examples_seen")
'''


def _local_only_reason(reference: Run, run: Run) -> str | None:
    """Name what is wrong with the learner's 'examples_seen' collections."""
    mine = run.tree.variable("examples_seen")
    if mine is None:
        return None
    if "global" in mine.collections:
        return (
            "examples_seen is a global variable: a Saver would write it to every checkpoint. "
            "A local variable belongs to LOCAL_VARIABLES only."
        )
    if "trainable" in mine.collections:
        return (
            "examples_seen is trainable, so an optimizer would try to train your counter. "
            "Pass trainable=False (slim.local_variable does that for you)."
        )
    return None


q4 = BuildExercise(
    name="q4",
    lesson="04",
    title="A local counter",
    function_name="streaming_counter",
    solution_code=LOCAL_SOLUTION,
    make_inputs=lambda tf: (),
    calls=1,
    compare=("names", "shapes", "collections"),
    extra_checks=[_local_only_reason],
    hints=[
        (
            "A local variable is in LOCAL_VARIABLES only: not global (no Saver writes it) "
            "and not trainable (no optimizer changes it)."
        ),
        "tf-slim has a helper for local variables (section 7); `import kit` makes it work.",
        "slim.local_variable(initial_value, name=...) with a float scalar 0.0.",
    ],
)

q5 = PredictExercise(
    name="q5",
    lesson="04",
    title="device='' inside tf.device('/GPU:0')",
    answer_name="q5_answer",
    expected=device_with_empty_string,
    explanation=(
        "tf-slim 1.1.0 opens tf.device(device or ''), and an empty device string changes "
        "nothing: the variable inherits '/device:GPU:0' from the block around it. Only a "
        "non-empty device= overrides."
    ),
    wrong_answers={
        "": (
            "An empty device string does not clear the placement: the surrounding "
            "tf.device('/GPU:0') still applies."
        ),
        "/device:CPU:0": "Nothing asked for the CPU: device='' adds no placement of its own.",
        "/GPU:0": (
            "Right device, but TensorFlow stores a device in canonical form: look how "
            "device='/CPU:0' printed in section 2."
        ),
    },
    hints=[
        "Does device='' override the surrounding block, or add nothing?",
        "Devices print in canonical form, like '/device:CPU:0'.",
    ],
    solution_code='q5_answer = "/device:GPU:0"',
)

q6 = PredictExercise(
    name="q6",
    lesson="04",
    title="The conv1 prefix trap",
    answer_name="q6_answer",
    expected=restore_list_include_conv1,
    explanation=(
        "Each include= entry goes to get_variables(scope=...), that is to "
        "tf.get_collection, which matches it as a regular expression at the start of the "
        "full variable name (re.match). So 'conv1' also matches 'conv10/weights:0' and "
        "'conv1_1/weights:0'. Write 'conv1/' to keep only what is inside the conv1 scope."
    ),
    wrong_answers={
        ("conv1/weights",): (
            "'conv1' is matched as a prefix of the name, not as a whole scope name. Which "
            "other names start with those five characters?"
        ),
        ("conv1/weights", "conv1_1/weights"): (
            "You caught one of the look-alikes. The match is on characters, not on scope "
            "names: read the other names character by character."
        ),
        ("conv1/weights", "conv10/weights"): (
            "You caught one of the look-alikes. The match is on characters, not on scope "
            "names: read the other names character by character."
        ),
    },
    hints=[
        "include= entries are regular expressions, not scope names.",
        (
            "get_variables_to_restore hands each entry to get_variables(scope=...), which "
            "uses re.match: the pattern must match at the start of the name, and may stop "
            "anywhere."
        ),
        "Which of the four names start with the five characters 'conv1'?",
    ],
    solution_code='q6_answer = ["conv1/weights", "conv10/weights", "conv1_1/weights"]',
    also_correct=permutations(["conv1/weights", "conv10/weights", "conv1_1/weights"]),
)

# --- recall: three questions on lessons 01 to 03 that open this lesson ------------------


def recall_second_clone_output() -> str:
    """The second clone's output: name_scope('clone1') > variable_scope('model', AUTO_REUSE)."""
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, 2], name="x")
        for clone in ("clone0", "clone1"):
            with tf.name_scope(clone), tf.variable_scope("model", reuse=tf.AUTO_REUSE):
                y = tf.matmul(x, tf.get_variable("w", [2, 2]), name="y")
        return y.name


RECALL_REUSE_TRUE_CODE = '''\
x = tf.placeholder(tf.float32, [None, 4])
with tf.variable_scope("tower"):
    w = tf.get_variable("w", [4, 4])
    left = tf.matmul(x, w)
with tf.variable_scope("tower", reuse=True):
    w_again = tf.get_variable("w", [4, 4])
    b = tf.get_variable("b", [4], initializer=tf.zeros_initializer())
    right = tf.matmul(x, w_again) + b
'''


def recall_regularization_losses_after_three_builds() -> int:
    """Regularization losses after three builds of one regularized weight under AUTO_REUSE."""
    with fresh_graph():
        x = tf.placeholder(tf.float32, [None, 3], name="x")
        for _ in range(3):
            with tf.variable_scope("dense", reuse=tf.AUTO_REUSE):
                w = tf.get_variable("w", [3, 3], regularizer=tf.nn.l2_loss)
                x = tf.matmul(x, w)
        return len(tf.losses.get_regularization_losses())


r1 = PredictExercise(
    name="r1",
    lesson="04",
    title="Recall (lessons 01 and 03): the second clone's output",
    recall_of="lessons 01 and 03",
    answer_name="r1_answer",
    expected=recall_second_clone_output,
    explanation=(
        "Ops take every open name scope: `clone1`, then the name scope that "
        "`variable_scope(\"model\")` opens inside it, so `clone1/model/y:0`. There is no "
        "`model` name scope inside `clone1` yet, so it needs no suffix. The variable is "
        "`model/w`, made once by the first clone and reused by the second."
    ),
    wrong_answers={
        "model_1/y:0": (
            "That is the name the second build gets without the clone name scopes. Here each "
            "build runs inside a name scope of its own: where does the variable scope's name "
            "scope open?"
        ),
        "clone1/y:0": (
            "variable_scope('model') opens a name scope of the same name too, inside the name "
            "scope that is open."
        ),
        "model/y:0": (
            "That would leave out the clone's name scope. An op takes every name scope that is "
            "open, and only the variable ignores them."
        ),
    },
    hints=[
        (
            "An op is named by every name scope that is open. Which name scopes are open in the "
            "second pass, and in what order?"
        ),
        (
            "`variable_scope(\"model\")` opens its name scope inside `clone1` this time. Is there "
            "already a name scope called `model` inside `clone1`? (lesson 03, section 7)"
        ),
    ],
    solution_code='r1_answer = "clone1/model/y:0"',
)

r2 = TracebackExercise(
    name="r2",
    lesson="04",
    title="Recall (lesson 02): a second tower that needs one more variable",
    recall_of="lesson 02",
    answer_name="r2_answer",
    broken_code=RECALL_REUSE_TRUE_CODE,
    fix=(5, 'with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):'),
    wrong_answers={
        7: (
            "Line 7 only asks for `tower/b`. Whether tf.get_variable may create it is decided by "
            "the scope it runs in."
        ),
        6: (
            "Line 6 finds `tower/w`: it exists. The message is about the other variable."
        ),
        2: (
            "The first scope creates `tower/w`, as it should. The error comes from the second "
            "scope."
        ),
    },
    hints=[
        "Under reuse=True, what may tf.get_variable do with a variable that does not exist?",
        (
            "reuse=True only fetches; one reuse mode creates what is missing and reuses what "
            "exists (lesson 02, section 3). Which line sets the mode of the second scope?"
        ),
    ],
    explanation=(
        "reuse=True only fetches: `tower/w` exists, `tower/b` does not. With "
        "`reuse=tf.AUTO_REUSE` the second scope reuses `tower/w` and creates `tower/b`."
    ),
)

r3 = PredictExercise(
    name="r3",
    lesson="04",
    title="Recall (lesson 03): regularization losses of a shared layer",
    recall_of="lesson 03",
    answer_name="r3_answer",
    expected=recall_regularization_losses_after_three_builds,
    explanation=(
        "tf.get_variable calls the regularizer when it creates the variable, and adds the "
        "result to the REGULARIZATION_LOSSES collection then. The two later passes reuse "
        "`dense/w`, so they add nothing: one loss, as for the clones of lesson 03."
    ),
    wrong_answers={
        3: (
            "One per build? A regularizer runs at one moment in a variable's life, and this "
            "variable is not made three times."
        ),
        0: (
            "regularizer= is not ignored: tf.get_variable puts the loss in the "
            "REGULARIZATION_LOSSES collection, which tf.losses.get_regularization_losses() "
            "reads."
        ),
    },
    hints=[
        (
            "When does tf.get_variable call its regularizer: at every call, or only when it "
            "creates the variable?"
        ),
        (
            "Lesson 03, section 7 counted a ResNet's regularization losses for two clones: the "
            "clone that reuses adds none."
        ),
    ],
    solution_code="r3_answer = 1",
)


EXERCISES = (r1, r2, r3, q1, q2, q3, q4, q5, q6)
