"""Lesson 02 exercises: reuse=None/False/True/AUTO_REUSE, inheritance and scope re-entry.

Predict exercises compute their answers by running TF (through ``kit.reuse_lab`` or a
small graph here), so they always agree with TF 2.21 (FACTS RU01-RU09, DUP04-DUP11,
SC01-SC05).
"""

from __future__ import annotations

from kit.exercise import BuildExercise, FixExercise, PredictExercise
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.reuse_lab import ReuseCase, effective_reuse, run_case

tf, _ = import_tensorflow()


def verdict(mode: str, exists: bool, request: str) -> str:
    """'creates', 'reuses' or 'raises': what TF does for one reuse-lab case."""
    return run_case(ReuseCase(mode, exists, request)).verdict


def root_trap_verdict() -> str:
    """What a new variable in a new scope does after the ROOT scope's reuse_variables()."""
    with fresh_graph():
        tf.get_variable("a", [1])
        tf.get_variable_scope().reuse_variables()
        try:
            with tf.variable_scope("fresh"):
                tf.get_variable("b", [1])
        except ValueError:
            return "raises"
        return "creates"


def reopened_by_object_op_name() -> str:
    """The name of a constant made after re-opening variable scope 'obj' by its object."""
    with fresh_graph():
        with tf.variable_scope("obj") as scope:
            tf.constant(1.0, name="c")
        with tf.variable_scope(scope):
            return tf.constant(1.0, name="c").name


q1 = PredictExercise(
    name="q1",
    lesson="02",
    title="AUTO_REUSE meets a different shape",
    answer_name="q1_answer",
    expected=lambda: verdict("tf.AUTO_REUSE", True, "other shape"),
    explanation=(
        "AUTO_REUSE decides between creating and reusing by name only, then checks the "
        "shape like reuse=True does: 'Trying to share variable s/p, but specified shape "
        "(3, 2) and found shape (2, 3).' (FACTS DUP07, DUP11)."
    ),
    wrong_answers={
        "reuses": (
            "AUTO_REUSE finds s/p, but sharing is only allowed with a compatible shape: "
            "[3, 2] is not [2, 3], so TF refuses."
        ),
        "creates": (
            "One name means one variable: AUTO_REUSE creates only when s/p is missing. "
            "Here it exists, so TF tries to share it."
        ),
    },
    also_correct=("raise", "raises ValueError", "ValueError"),
    hints=[
        "AUTO_REUSE picks 'create' or 'reuse' by looking up the name s/p. Does it exist?",
        "When TF reuses a variable, it compares the shape you ask for with the stored one.",
    ],
    solution_code='q1_answer = "raises"',
)

q2 = PredictExercise(
    name="q2",
    lesson="02",
    title="Can a nested scope switch reuse off?",
    answer_name="q2_answer",
    expected=lambda: effective_reuse("True", "False") == "True",
    explanation=(
        "reuse=False (like None) in a nested scope means 'inherit': once a scope reuses, "
        "every scope inside it reuses too (FACTS RU04)."
    ),
    wrong_answers={
        False: (
            "reuse=False cannot switch reuse off inside a reusing scope: it means 'inherit "
            "from the parent', and the parent says True."
        ),
        None: (
            "Inside a scope, .reuse is always settled: True, False or tf.AUTO_REUSE. None "
            "only means 'inherit' when you pass it."
        ),
    },
    hints=[
        "What does reuse=None mean when you open a scope?",
        "reuse=False behaves exactly like reuse=None: the child takes the parent's setting.",
    ],
    solution_code="q2_answer = True",
)

q3 = PredictExercise(
    name="q3",
    lesson="02",
    title="The root-scope reuse_variables() trap",
    answer_name="q3_answer",
    expected=root_trap_verdict,
    explanation=(
        "tf.get_variable_scope() at the top level is the ROOT scope. reuse_variables() on it "
        "makes the whole graph reuse, and every scope opened later inherits that, so a new "
        "variable anywhere fails with 'does not exist'. Only a new graph resets it (FACTS "
        "RU07). Seed 001 recommends this call without the warning."
    ),
    wrong_answers={
        "creates": (
            "'fresh' is a new scope, but it inherits reuse=True from the root scope that "
            "reuse_variables() switched on, so it can only fetch existing variables."
        ),
        "reuses": (
            "There is no variable fresh/b to reuse. With reuse=True that is an error, not a "
            "creation."
        ),
    },
    also_correct=("raise", "raises ValueError", "ValueError"),
    hints=[
        "Which scope does tf.get_variable_scope() return at the top level of a graph?",
        "A scope opened with the default reuse inherits its parent's reuse.",
    ],
    solution_code='q3_answer = "raises"',
)

q4 = PredictExercise(
    name="q4",
    lesson="02",
    title="Re-open a scope by its object: where do ops go?",
    answer_name="q4_answer",
    expected=reopened_by_object_op_name,
    explanation=(
        "Re-opening by object keeps the VARIABLE scope 'obj' (variables are still "
        "obj/...), but it opens a new, uniquified NAME scope for ops: 'obj_1/'. The TF "
        "r0.12 guide said the name scope stays; on TF 2.21 it does not (FACTS SC01)."
    ),
    wrong_answers={
        "obj/c:0": (
            "That is what the old TF r0.12 guide promised. On TF 2.21 re-opening by object "
            "opens a new name scope for ops, 'obj_1/'; only variables keep 'obj/'."
        ),
        "obj/c_1:0": (
            "Ops land back in 'obj/' only if you pass auxiliary_name_scope=False and enter "
            "tf.name_scope(scope.original_name_scope) yourself (FACTS SC03)."
        ),
        "obj_1/c_1:0": (
            "'obj_1/' is a brand-new name scope, so the first op named c in it is plain 'c'."
        ),
    },
    hints=[
        "Ops are named by name scopes. Does re-opening a variable scope re-enter its name scope?",
        "A second name scope called 'obj' in one graph gets a suffix.",
    ],
    solution_code='q4_answer = "obj_1/c:0"',
)

SHARED_DENSE_SOLUTION = '''\
def shared_dense(x):
    with tf.variable_scope("dense", reuse=tf.AUTO_REUSE):
        w = tf.get_variable("w", [4, 2])
        b = tf.get_variable("b", [2], initializer=tf.zeros_initializer())
        return tf.matmul(x, w) + b
'''


def _second_call_made_copies(expected_tree, learner_tree, run) -> str | None:
    copies = [v.name for v in learner_tree.variables if v.name.startswith("dense_1/")]
    if copies:
        return (
            f"the second call made new variables ({', '.join(copies)}) instead of sharing "
            "dense/w and dense/b: tf.Variable never shares; use tf.get_variable in a scope "
            "opened with reuse=tf.AUTO_REUSE."
        )
    return None


q5 = BuildExercise(
    name="q5",
    lesson="02",
    title="One dense layer, called twice, one set of weights",
    function_name="shared_dense",
    solution_code=SHARED_DENSE_SOLUTION,
    make_inputs=lambda tf: (tf.placeholder(tf.float32, [None, 4], name="x"),),
    calls=2,
    compare=("names", "shapes", "collections"),
    extra_checks=[_second_call_made_copies],
    explanation=(
        "reuse=tf.AUTO_REUSE creates dense/w and dense/b on the first call and returns the "
        "same variables on the second (FACTS RU03)."
    ),
    hints=[
        "The check calls shared_dense twice. The first call must create, the second reuse.",
        "Which reuse mode creates when missing and reuses when present?",
    ],
)

ROOT_TRAP_STARTER = '''\
def encode_twice(x):
    with tf.variable_scope("encoder"):
        h = tf.matmul(x, tf.get_variable("w", [4, 4]))
    tf.get_variable_scope().reuse_variables()
    with tf.variable_scope("encoder"):
        h = tf.matmul(h, tf.get_variable("w", [4, 4]))
    with tf.variable_scope("decoder"):
        return tf.matmul(h, tf.get_variable("w", [4, 2]))
'''

ROOT_TRAP_SOLUTION = '''\
def encode_twice(x):
    with tf.variable_scope("encoder"):
        h = tf.matmul(x, tf.get_variable("w", [4, 4]))
    with tf.variable_scope("encoder", reuse=True):
        h = tf.matmul(h, tf.get_variable("w", [4, 4]))
    with tf.variable_scope("decoder"):
        return tf.matmul(h, tf.get_variable("w", [4, 2]))
'''


def _decoder_borrowed_encoder(expected_tree, learner_tree, run) -> str | None:
    if learner_tree.variable("decoder/w") is None and learner_tree.variable("encoder/w"):
        return (
            "decoder/w is missing: the decoder needs its own [4, 2] weights. Keep the "
            "encoder's reuse inside the second encoder block only."
        )
    return None


def _encoder_not_shared(expected_tree, learner_tree, run) -> str | None:
    extra = [
        v.name for v in learner_tree.variables
        if v.name.split("/")[0].startswith("encoder") and v.name != "encoder/w"
    ]
    if extra:
        return (
            f"the encoder's weights are not shared ({', '.join(extra)} is a second copy): "
            'open the second variable_scope("encoder") with reuse=True.'
        )
    return None


q6 = FixExercise(
    name="q6",
    lesson="02",
    title="Fix the root-scope trap",
    function_name="encode_twice",
    starter_code=ROOT_TRAP_STARTER,
    solution_code=ROOT_TRAP_SOLUTION,
    make_inputs=lambda tf: (tf.placeholder(tf.float32, [None, 4], name="x"),),
    calls=1,
    compare=("names", "shapes", "collections"),
    extra_checks=[_encoder_not_shared, _decoder_borrowed_encoder],
    explanation=(
        "reuse=True on the second encoder scope shares encoder/w for that block only; the "
        "decoder, opened afterwards, starts with reuse=False again (FACTS RU06, RU07)."
    ),
    hints=[
        (
            "Read the error: which variable 'does not exist', and why is TF looking it up "
            "instead of creating it?"
        ),
        (
            "tf.get_variable_scope() at the top level is the root scope: its reuse flag "
            "never goes back. Ask for reuse only on the scope that needs it."
        ),
    ],
)

EXERCISES = (q1, q2, q3, q4, q5, q6)
