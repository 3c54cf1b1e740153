"""Lesson 04 exercises: tf-slim variables, model variables and the collections they join.

Predict exercises compute their expected answer by building the graph they ask about,
so the answer is whatever TensorFlow 2.21 + tf-slim 1.1.0 really do.
"""

from __future__ import annotations

from itertools import permutations

from kit.exercise import BuildExercise, FixExercise, PredictExercise
from kit.quiet_tf import fresh_graph, import_tensorflow

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


def _model_variable_reason(expected_tree, learner_tree, result):
    """Say why 'scale' is not a model variable yet, or why it stopped being trainable."""
    mine = learner_tree.variable("scale")
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


def _local_only_reason(expected_tree, learner_tree, result):
    """Name what is wrong with the learner's 'examples_seen' collections."""
    mine = learner_tree.variable("examples_seen")
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

EXERCISES = (q1, q2, q3, q4, q5, q6)
