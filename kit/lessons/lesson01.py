"""Lesson 01 exercises: which scopes a name sees (name_scope vs variable_scope).

Each predict exercise computes its expected answer by building the graph it asks about,
so the answer is whatever TensorFlow 2.21 really does.
"""

from __future__ import annotations

from kit.exercise import BuildExercise, FixExercise, PredictExercise
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.runs import Run

tf, _ = import_tensorflow()


def guide_nest_names() -> dict[str, str]:
    """Names from the TensorNets guide's nest: name_scope foo / variable_scope goo /
    name_scope hoo."""
    with fresh_graph(), tf.name_scope("foo"), tf.variable_scope("goo"), tf.name_scope("hoo"):
        w = tf.get_variable("w", [1])
        s = tf.constant(-1.0)
        y = s * w
        v = tf.Variable(1.0, name="v")
        return {"w": w.name, "s": s.name, "y": y.name, "v": v.name}


def reentered_name_scope_constant() -> str:
    """The name of a constant made in the second of two ``name_scope('ns')`` blocks."""
    with fresh_graph():
        with tf.name_scope("ns"):
            tf.constant(1.0)
        with tf.name_scope("ns"):
            return tf.constant(1.0).name


def get_variable_after_tf_variables() -> str:
    """The name ``get_variable('x')`` gets when three ``tf.Variable``s called x exist."""
    with fresh_graph():
        for _ in range(3):
            tf.Variable(1.0, name="x")
        return tf.get_variable("x", [1]).name


def made_by_tf_variable(tree, variable_name: str) -> bool:
    """True when no ``<name>/Initializer/`` ops exist: tf.get_variable always files its
    initializer there (given a shape), tf.Variable never does."""
    prefix = variable_name + "/Initializer/"
    return not any(op.name.startswith(prefix) for op in tree.ops)


def no_tf_variable(reference: Run, run: Run) -> str | None:
    """Reason to reject a tf.Variable where the exercise wants tf.get_variable."""
    for var in run.tree.variables:
        if made_by_tf_variable(run.tree, var.name):
            return (
                f"`{var.name}` was made with tf.Variable (it has no `Initializer/` ops, which "
                "tf.get_variable always adds). tf.Variable takes every name-scope prefix and can "
                "never be fetched again with reuse; use tf.get_variable "
                "inside a variable_scope."
            )
    return None


def outer_scope_is_name_scope(reference: Run, run: Run) -> str | None:
    """Reason for a get_variable name that carries an extra (variable-scope) prefix."""
    for var in run.tree.variables:
        for wanted in reference.tree.variables:
            if var.name.endswith("/" + wanted.name):
                prefix = var.name[: -len(wanted.name) - 1]
                return (
                    f"`{var.name}` where `{wanted.name}` was expected: `{prefix}` is part of "
                    "the variable's name, so you opened it as a variable_scope. Open "
                    f"`{prefix}` with tf.name_scope instead: ops see name scopes, "
                    "tf.get_variable does not."
                )
    return None


def name_scopes_in_order(reference: Run, run: Run) -> str | None:
    """Reason for ops under layer/block/ instead of block/layer/ (scopes nest as opened)."""
    ops = {op.name for op in run.tree.ops if not op.plumbing}
    if "layer/block/MatMul" in ops:
        return (
            "the MatMul op is `layer/block/MatMul`: name scopes nest in the order you open "
            "them, and variable_scope('layer') opens a name scope too. Open "
            "name_scope('block') first (outside), then variable_scope('layer')."
        )
    return None


q1 = PredictExercise(
    name="q1",
    lesson="01",
    title="Name the get_variable in the TensorNets guide's nest",
    answer_name="q1_answer",
    expected=lambda: guide_nest_names()["w"],
    explanation=(
        "tf.get_variable names a variable by the variable scopes only: 'goo'. The name "
        "scopes 'foo' and 'hoo' never reach it."
    ),
    wrong_answers={
        "foo/goo/hoo/w:0": (
            "That is every scope in the nest. Ops (and tf.Variable) get all of them, but "
            "tf.get_variable sees only one kind of scope. Which kind are foo and hoo?"
        ),
        "goo/hoo/w:0": (
            "'hoo' is a name_scope, and tf.get_variable ignores every name_scope, the "
            "inner one too."
        ),
        "foo/goo/w:0": (
            "'foo' is a name_scope opened outside the variable_scope; tf.get_variable "
            "ignores name_scope wherever it is."
        ),
        "w:0": (
            "Not every scope is lost on tf.get_variable: one kind of scope does prefix its "
            "names. Which of the three scopes is of that kind?"
        ),
    },
    hints=[
        "There are two kinds of scope here, and tf.get_variable listens to only one kind.",
        ("Of the three scopes, only the variable_scope prefixes a tf.get_variable name; "
        "name scopes never reach it. The name ends in ':0'."),
    ],
    solution_code='q1_answer = "goo/w:0"',
)

q2 = PredictExercise(
    name="q2",
    lesson="01",
    title="Name the tf.Variable in the same nest",
    answer_name="q2_answer",
    expected=lambda: guide_nest_names()["v"],
    explanation=(
        "tf.Variable is named like an op: it takes the whole name-scope stack, and "
        "variable_scope('goo') opened a name scope 'goo' too. The TensorNets guide's "
        "sentence says tf.Variable sees only name_scope; the name shows it sees goo as well."
    ),
    wrong_answers={
        "foo/hoo/v:0": (
            "That is what the TensorNets guide's sentence predicts ('affected by only "
            "tf.name_scope'). But does variable_scope('goo') open only a variable scope?"
        ),
        "goo/v:0": (
            "That is the get_variable rule (variable_scope only). tf.Variable is named the "
            "way ops are: look at where the Const and mul ops of the nest went."
        ),
        "v:0": "tf.Variable does take scope prefixes: all the name scopes around it.",
    },
    hints=[
        "A tf.Variable is named the way ops are named, not the way tf.get_variable names.",
        ("Ops see every name scope. variable_scope('goo') opens a name_scope called 'goo' "
        "as well, so look at the full name of the nest's Const op."),
    ],
    solution_code='q2_answer = "foo/goo/hoo/v:0"',
)

q3 = PredictExercise(
    name="q3",
    lesson="01",
    title="Enter the same name_scope twice",
    answer_name="q3_answer",
    expected=reentered_name_scope_constant,
    explanation=(
        "A second name_scope('ns') does not re-enter 'ns/': the graph makes the name "
        "unique, 'ns_1/'. Write name_scope('ns/') (trailing slash) to re-enter."
    ),
    wrong_answers={
        "ns/Const:0": (
            "name_scope('ns') never re-enters an existing name scope: the graph picks a "
            "fresh name for the second one, the way it does for two ops with one name."
        ),
        "ns/Const_1:0": (
            "That would be the name if the second block re-entered 'ns/'. A plain "
            "name_scope('ns') opens a new, uniquified scope instead."
        ),
        "ns_1/Const_1:0": (
            "The scope part is right, but the scope is new: how many constants are in it "
            "before this one? The counter starts again inside each name scope."
        ),
    },
    hints=[
        "Name scopes are unique in a graph, like op names.",
        ("Two ops called x become x and x_1. The second scope is renamed the same way, and "
        "the constant inside it is the first one there."),
    ],
    solution_code='q3_answer = "ns_1/Const:0"',
)

q4 = PredictExercise(
    name="q4",
    lesson="01",
    title="get_variable after three tf.Variables called x",
    answer_name="q4_answer",
    expected=get_variable_after_tf_variables,
    explanation=(
        "tf.Variable never complains about a duplicate name: it makes x, x_1, x_2. "
        "tf.get_variable('x') finds no 'x' in its own store (tf.Variable does not register "
        "there), so it creates one, and the graph renames it to the next free name, x_3."
    ),
    wrong_answers={
        "x:0": (
            "'x' is taken by the first tf.Variable. get_variable's store does not know that "
            "variable, but the graph still needs a unique op name, so it renames. Which "
            "names are taken already?"
        ),
        "ValueError": (
            "get_variable raises only for names in its own store, and tf.Variable never "
            "registers there. So this first get_variable('x') does not raise; what name "
            "can the graph give it?"
        ),
        "x_1:0": "x_1 and x_2 are already taken by the second and third tf.Variable.",
    },
    hints=[
        ("tf.get_variable keeps its own store of the variables it made; tf.Variable never "
        "registers there. Does the store contain 'x' yet?"),
        ("If get_variable creates a variable, its op still needs a name nobody has taken: "
        "x, x_1 and x_2 are taken by the three tf.Variables."),
    ],
    solution_code='q4_answer = "x_3:0"',
)

BUILD_SOLUTION = '''\
def scoped_layer(x):
    with tf.name_scope("block"):
        with tf.variable_scope("layer"):
            w = tf.get_variable("w", [3, 2])
            return tf.matmul(x, w)
'''

q5 = BuildExercise(
    name="q5",
    lesson="01",
    title="Variable under 'layer/', op under 'block/layer/'",
    function_name="scoped_layer",
    solution_code=BUILD_SOLUTION,
    make_inputs=lambda tf: (tf.placeholder(tf.float32, [None, 3], name="x"),),
    calls=1,
    compare=("names", "shapes", "collections", "ops"),
    hints=[
        ("You need two scopes, one of each kind: which kind names variables, and which "
        "names only ops?"),
        ("tf.get_variable would ignore a name scope called block, but the MatMul op sees "
        "every name scope, outermost first. So block is the name scope, and it goes outside."),
        ('The first line inside the function is `with tf.name_scope("block"):`; inside it '
        "open the variable scope called layer, then make w and return the matmul there."),
    ],
    extra_checks=[no_tf_variable, outer_scope_is_name_scope, name_scopes_in_order],
    explanation=(
        "name_scope('block') names the MatMul op but not the variable; variable_scope('layer') "
        "names both."
    ),
)

FIX_STARTER = '''\
def two_layers(x):
    with tf.name_scope("layer1"):
        w1 = tf.get_variable("w", [4, 4])
        x = tf.matmul(x, w1)
    with tf.name_scope("layer2"):
        w2 = tf.get_variable("w", [4, 4])
        x = tf.matmul(x, w2)
    return x
'''

FIX_SOLUTION = '''\
def two_layers(x):
    with tf.variable_scope("layer1"):
        w1 = tf.get_variable("w", [4, 4])
        x = tf.matmul(x, w1)
    with tf.variable_scope("layer2"):
        w2 = tf.get_variable("w", [4, 4])
        x = tf.matmul(x, w2)
    return x
'''

q6 = FixExercise(
    name="q6",
    lesson="01",
    title="Two layers, one name 'w'",
    function_name="two_layers",
    starter_code=FIX_STARTER,
    solution_code=FIX_SOLUTION,
    make_inputs=lambda tf: (tf.placeholder(tf.float32, [None, 4], name="x"),),
    calls=1,
    compare=("names", "shapes", "collections", "ops"),
    hints=[
        "Read the error: which name already exists, and why do both layers ask for it?",
        ("tf.get_variable ignores name_scope; which kind of scope does it listen to? That "
        "kind also opens a name scope, so the MatMul ops keep their prefixes."),
        ("Replace `tf.name_scope` by `tf.variable_scope` in both `with` lines; nothing else "
        "changes."),
    ],
    extra_checks=[no_tf_variable],
    explanation=(
        "tf.get_variable ignored both name scopes, so both layers asked for the same 'w'. "
        "A variable_scope prefixes the variable and still names the ops."
    ),
)

EXERCISES = (q1, q2, q3, q4, q5, q6)
