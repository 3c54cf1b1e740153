"""Lesson 02 exercises: reuse=None/False/True/AUTO_REUSE, inheritance and scope re-entry.

Predict exercises compute their answers by running TF (through ``kit.reuse_lab`` or a
small graph here), so they always agree with TF 2.21.

``r1``-``r3`` open the lesson: recall questions on earlier lessons, checked and recorded like
the rest, with answers computed by building the graph they ask about.
"""

from __future__ import annotations

from kit.exercise import BuildExercise, FixExercise, PredictExercise
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.reuse_lab import ReuseCase, effective_reuse, run_case
from kit.runs import Run

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
        "(3, 2) and found shape (2, 3).'"
    ),
    wrong_answers={
        "reuses": (
            "AUTO_REUSE does find s/p and tries to share it, but sharing is only allowed with "
            "a compatible shape, and [3, 2] is not [2, 3]. What did reuse=True do with a "
            "different shape in section 2?"
        ),
        "creates": (
            "One name means one variable: AUTO_REUSE creates only when s/p is missing. "
            "Here it exists, so TF tries to share it."
        ),
    },
    also_correct=("raise", "raises ValueError", "ValueError"),
    hints=[
        "AUTO_REUSE picks 'create' or 'reuse' by looking up the name s/p. Does it exist?",
        ("When TF reuses a variable, it compares the shape you ask for with the stored one, "
        "whichever reuse mode sent it there. Section 2 shows what a mismatch does."),
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
        "every scope inside it reuses too."
    ),
    wrong_answers={
        False: (
            "reuse=False does not mean 'off' in a nested scope: like reuse=None, it means "
            "'inherit from the parent'. What is the parent's setting here?"
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
    title="reuse_variables() on the top-level scope",
    answer_name="q3_answer",
    expected=root_trap_verdict,
    explanation=(
        "tf.get_variable_scope() at the top level is the ROOT scope. reuse_variables() on it "
        "makes the whole graph reuse, and every scope opened later with the default reuse "
        "inherits that, so a new variable there fails with 'does not exist' (only "
        "reuse=tf.AUTO_REUSE still creates). A new graph starts again at False. The "
        "Chinese blog post on name_scope and variable_scope recommends this call without "
        "the warning."
    ),
    wrong_answers={
        "creates": (
            "'fresh' is a new scope, but a scope opened with the default reuse inherits its "
            "parent's setting. Which scope is its parent here, and what did "
            "reuse_variables() do to it?"
        ),
        "reuses": (
            "There is no variable fresh/b to reuse: reusing needs a variable that exists. "
            "What does get_variable do when it is told to reuse a variable that is missing?"
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
        "r0.12 guide 'Sharing Variables' said a captured scope object does not alter the "
        "current name scope for ops; on TF 2.21 it opens a new one."
    ),
    wrong_answers={
        "obj/c:0": (
            "That would put the op back in the name scope 'obj/'. On TF 2.21 re-opening by "
            "object keeps only the variable scope 'obj'; ops get a name scope of their own. "
            "What happens when a name scope called 'obj' is opened a second time?"
        ),
        "obj/c_1:0": (
            "Ops land back in 'obj/' only if you pass auxiliary_name_scope=False and enter "
            "tf.name_scope(scope.original_name_scope) yourself. Plain re-opening opens a "
            "name scope again."
        ),
        "obj_1/c_1:0": (
            "The name scope part is right, but that scope is brand new: is there already an "
            "op called c inside it?"
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


def _second_call_made_copies(reference: Run, run: Run) -> str | None:
    copies = [v.name for v in run.tree.variables if v.name.startswith("dense_1/")]
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
        "same variables on the second."
    ),
    hints=[
        "The check calls shared_dense twice. The first call must create, the second reuse.",
        ("Which reuse mode creates when missing and reuses when present? Use it on the "
        "variable scope, and make w and b with tf.get_variable inside it."),
        ('Open `with tf.variable_scope("dense", reuse=tf.AUTO_REUSE):`, then get w [4, 2] '
        "and b [2] (zeros_initializer) and return matmul(x, w) + b."),
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


def _decoder_borrowed_encoder(reference: Run, run: Run) -> str | None:
    if run.tree.variable("decoder/w") is None and run.tree.variable("encoder/w"):
        return (
            "decoder/w is missing: the decoder needs its own [4, 2] weights. Keep the "
            "encoder's reuse inside the second encoder block only."
        )
    return None


def _encoder_not_shared(reference: Run, run: Run) -> str | None:
    extra = [
        v.name for v in run.tree.variables
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
        "decoder, opened afterwards, starts with reuse=False again."
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
        (
            "Delete the reuse_variables() line and open the second encoder block as "
            '`with tf.variable_scope("encoder", reuse=True):`.'
        ),
    ],
)

# --- recall: three questions on lesson 01 that open this lesson ------------------------


def recall_get_variable_under_name_scope() -> str:
    """The name tf.get_variable gives inside variable_scope('encoder') > name_scope('block')."""
    with fresh_graph(), tf.variable_scope("encoder"), tf.name_scope("block"):
        return tf.get_variable("kernel", [2]).name


def recall_tf_variable_in_both_scopes() -> str:
    """The name of a tf.Variable inside name_scope('train') > variable_scope('encoder')."""
    with fresh_graph(), tf.name_scope("train"), tf.variable_scope("encoder"):
        return tf.Variable(0.0, name="bias").name


def recall_name_scope_none() -> list[str]:
    """[variable, constant] made under name_scope(None) inside variable_scope('net')."""
    with fresh_graph():
        with tf.variable_scope("net"), tf.name_scope(None):
            w = tf.get_variable("w", [1])
            k = tf.constant(1.0, name="k")
        return [w.name, k.name]


r1 = PredictExercise(
    name="r1",
    lesson="02",
    title="Recall (lesson 01): tf.get_variable under a name scope",
    recall_of="lesson 01",
    answer_name="r1_answer",
    expected=recall_get_variable_under_name_scope,
    explanation=(
        "tf.get_variable sees only variable scopes, so the name scope `block` adds nothing: "
        "the variable is `encoder/kernel:0`. An op made at the same place would be named "
        "`encoder/block/...`."
    ),
    wrong_answers={
        "encoder/block/kernel:0": (
            "That is how an op or a tf.Variable would be named here. tf.get_variable sees only "
            "one kind of scope: which kind is `block`?"
        ),
        "kernel:0": (
            "One kind of scope does prefix what tf.get_variable makes: which kind is `encoder`?"
        ),
        "block/kernel:0": (
            "tf.get_variable sees only one kind of scope, and `block` is the other kind."
        ),
    },
    hints=[
        "Which kind of scope does tf.get_variable read, and which kinds does an op's name take?",
        (
            "tf.get_variable reads variable scopes only; a tf.name_scope is invisible to it "
            "(lesson 01, section 3)."
        ),
    ],
    solution_code='r1_answer = "encoder/kernel:0"',
)

r2 = PredictExercise(
    name="r2",
    lesson="02",
    title="Recall (lesson 01): a tf.Variable in both kinds of scope",
    recall_of="lesson 01",
    answer_name="r2_answer",
    expected=recall_tf_variable_in_both_scopes,
    explanation=(
        "A tf.Variable is named like an op, by every name scope that is open, and "
        "`variable_scope(\"encoder\")` opens a name scope `encoder` too: `train/encoder/bias:0`. "
        "This is why the TensorNets guide's sentence about tf.Variable has it backwards."
    ),
    wrong_answers={
        "train/bias:0": (
            "A tf.Variable does take the name scopes, but a variable_scope opens a name scope of "
            "the same name as well as a variable scope."
        ),
        "encoder/bias:0": (
            "That is the tf.get_variable rule. A tf.Variable is named like an op: which scopes "
            "does an op's name take?"
        ),
    },
    hints=[
        "A tf.Variable is named like an op. Which scopes does an op's name take?",
        (
            "Every open name scope counts, and `tf.variable_scope(...)` opens a name scope of its "
            "own name as well (lesson 01, section 2)."
        ),
    ],
    solution_code='r2_answer = "train/encoder/bias:0"',
)

r3 = PredictExercise(
    name="r3",
    lesson="02",
    title="Recall (lesson 01): name_scope(None) inside a variable scope",
    recall_of="lesson 01",
    answer_name="r3_answer",
    expected=recall_name_scope_none,
    explanation=(
        "`tf.name_scope(None)` drops you back to the root name scope, so the constant is "
        "`k:0`; the variable scope `net` is still open, so tf.get_variable gives `net/w:0`."
    ),
    wrong_answers={
        ("w:0", "k:0"): (
            "name_scope(None) resets the name scope only. The variable scope `net` is still "
            "open, and tf.get_variable reads that one."
        ),
        ("net/w:0", "net/k:0"): (
            "That leaves out name_scope(None): it drops ops back to the root name scope, "
            "whatever variable scope is open."
        ),
        ("w:0", "net/k:0"): (
            "The two rules are swapped: name_scope(None) resets one kind of scope, and only ops "
            "read that kind."
        ),
    },
    hints=[
        (
            "name_scope(None) resets one kind of scope. Which kind, and which of the two names "
            "reads it?"
        ),
        (
            "The constant is an op, named by name scopes; tf.get_variable reads only the variable "
            "scope, which is still open (lesson 01, section 5)."
        ),
    ],
    solution_code='r3_answer = ["net/w:0", "k:0"]',
)


EXERCISES = (r1, r2, r3, q1, q2, q3, q4, q5, q6)
