"""Bad input never escapes as a traceback from kit internals: each gets a friendly message.

Each case names the input, the outcome it must give and a phrase that tells the learner
what to do next. Out of scope: an infinite loop without recursion (the learner interrupts
the kernel; KeyboardInterrupt is deliberately not caught, see the last tests).
"""

from __future__ import annotations

import sys
import types

import pytest

import kit
from kit.exercise import BuildExercise, Feedback, Message, Outcome, PredictExercise, ____

tf = kit.tf
slim = kit.slim
PREFIXES = ("Correct: ", "Not attempted: ", "Incorrect: ", "Error: ")

SOLUTION = '''def towers(images):
    with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):
        return slim.conv2d(images, 4, [3, 3], scope="conv1")
'''


@pytest.fixture(scope="module")
def q3() -> BuildExercise:
    return BuildExercise(
        name="q3",
        lesson="02",
        function_name="towers",
        solution_code=SOLUTION,
        make_inputs=lambda tf: (tf.placeholder(tf.float32, [None, 8, 8, 3]),),
        calls=2,
        hints=["Open the scope with reuse=tf.AUTO_REUSE."],
    )


@pytest.fixture(scope="module")
def q1() -> PredictExercise:
    return PredictExercise(
        name="q1", lesson="01", answer_name="q1_answer", expected="goo/w:0", hints=["a", "b"]
    )


@pytest.fixture(autouse=True)
def no_progress_file(monkeypatch):
    from kit import progress

    monkeypatch.setattr(progress, "record", lambda *args, **kwargs: None)
    monkeypatch.setattr(progress, "record_help", lambda *args, **kwargs: None, raising=False)


# --- learner functions, one per bad input ----------------------------------------------

EAGER_CONSTANT = tf.constant([1.0])


def conv(images, scope="conv1", reuse=None):
    with tf.variable_scope("tower", reuse=reuse):
        return slim.conv2d(images, 4, [3, 3], scope=scope)


def already_exists(images):
    return conv(images)


def does_not_exist(images):
    return conv(images, reuse=True)


def shape_mismatch(images):
    with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):
        tf.get_variable("w", [3, 3])
        tf.get_variable("w", [2, 3])


def dtype_mismatch(images):
    with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):
        tf.get_variable("w", [3])
        tf.get_variable("w", [3], dtype=tf.int32)


def no_shape(images):
    tf.get_variable("w")


def reuse_without_name(images):
    with tf.variable_scope(None, default_name="tower", reuse=True):
        pass


def nested_reuse_false(images):
    with tf.variable_scope("tower", reuse=True), tf.variable_scope("conv1", reuse=False):
        tf.get_variable("weights", [3, 3, 3, 4])


def root_reuse_variables(images):
    tf.get_variable_scope().reuse_variables()
    return conv(images)


def tf2_namespace(images):
    import tensorflow as tf2

    return tf2.get_variable("w", [1])


def contrib_import(images):
    import tensorflow.contrib.slim as old_slim  # noqa: F401


def article_typo(images):
    # The blog post on name_scope and variable_scope spells it this way (docs/sources.md).
    with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):
        tf.get_variable("weights", [3], initializer=tf.constant_intializer(0.0))


def positional_stride(images):
    with slim.arg_scope([slim.conv2d], stride=1):
        return slim.conv2d(images, 4, [3, 3], 2, stride=1)


def repeat_lambda(images):
    return slim.repeat(images, 2, lambda x, scope=None: slim.conv2d(x, 3, [3, 3], scope=scope))


def eager_placeholder(images):
    from tensorflow.python.eager import context

    with context.eager_mode():
        return tf.placeholder(tf.float32, [1])


def eager_name(images):
    from tensorflow.python.eager import context

    with context.eager_mode():
        return tf.constant(1.0).name


def returns_eager_tensor(images):
    return EAGER_CONSTANT


def builds_eagerly(images):
    from tensorflow.python.eager import context

    with context.eager_mode(), tf.variable_scope("tower"):
        return tf.get_variable("w", [1])


def builds_in_another_graph(images):
    with tf.Graph().as_default():
        return tf.get_variable("w", [1])


def recurses_forever(images):
    return recurses_forever(images)


def ten_thousand_variables(images):
    return [tf.get_variable(f"v{i}", [1]) for i in range(10_000)]


def calls_exit(images):
    sys.exit(1)


def builds_nothing(images):
    return images


def undefined_name(images):
    return conv(undefined_thing)  # noqa: F821 - the bad input


class BrokenMessage(Exception):
    def __str__(self):
        raise RuntimeError("cannot show myself")


def raises_unprintable(images):
    raise BrokenMessage


def raises_plain_error(images):
    return images / "text"


def generator(images):
    yield conv(images)


async def coroutine(images):
    return conv(images)


class TowerClass:
    def __init__(self, images):
        self.images = images


def uses_placeholder(images):
    return conv(images, scope=____)


BUILD_CASES = [
    ("None", None, Outcome.INCORRECT, "write `def towers(images): ...`"),
    ("a number", 42, Outcome.INCORRECT, "not a function"),
    ("a string of code", "def towers(images): pass", Outcome.INCORRECT, "pass the function itself"),
    ("a class", TowerClass, Outcome.INCORRECT, "write a function"),
    ("a module", types, Outcome.INCORRECT, "not a function"),
    ("a generator", generator, Outcome.INCORRECT, "Use `return`"),
    ("a coroutine", coroutine, Outcome.INCORRECT, "Use `return`"),
    ("no parameters", lambda: tf.no_op(), Outcome.INCORRECT, "cannot be called like the reference"),
    ("three parameters", lambda a, b, c: a, Outcome.INCORRECT, "cannot be called like the reference"),
    ("the placeholder itself", ____, Outcome.NOT_ATTEMPTED, "replace each `____`"),
    ("a body with ____", uses_placeholder, Outcome.NOT_ATTEMPTED, "replace each `____`"),
    ("an empty stub", lambda images: None, Outcome.NOT_ATTEMPTED, "still an empty stub"),
    ("already exists", already_exists, Outcome.ERROR, "reuse=True"),
    ("does not exist", does_not_exist, Outcome.ERROR, "Create it first"),
    ("shape mismatch", shape_mismatch, Outcome.ERROR, "same shape"),
    ("dtype mismatch", dtype_mismatch, Outcome.ERROR, "same `dtype=`"),
    ("no shape", no_shape, Outcome.ERROR, "needs `shape=[...]`"),
    ("reuse without a name", reuse_without_name, Outcome.ERROR, "Give the scope a name"),
    ("nested reuse=False", nested_reuse_false, Outcome.ERROR, "stays reusing"),
    ("root reuse_variables", root_reuse_variables, Outcome.ERROR, "poisons the whole graph"),
    ("tf.get_variable in the TF2 namespace", tf2_namespace, Outcome.ERROR, "import tensorflow.compat.v1 as tf"),
    ("tf.contrib import", contrib_import, Outcome.ERROR, "import tf_slim as slim"),
    ("an old article's typo", article_typo, Outcome.ERROR, "tf.constant_initializer"),
    ("positional stride", positional_stride, Outcome.ERROR, "by keyword"),
    ("repeat with a lambda", repeat_lambda, Outcome.ERROR, "Pass `scope='block'`"),
    ("eager placeholder", eager_placeholder, Outcome.ERROR, "kit.fresh_graph()"),
    ("eager name", eager_name, Outcome.ERROR, "kit.fresh_graph()"),
    ("returns an eager tensor", returns_eager_tensor, Outcome.INCORRECT, "never shares"),
    ("builds eagerly", builds_eagerly, Outcome.INCORRECT, "never shares"),
    ("another graph", builds_in_another_graph, Outcome.INCORRECT, "no `tf.Graph().as_default()`"),
    ("infinite recursion", recurses_forever, Outcome.ERROR, "calls itself"),
    ("10,000 variables", ten_thousand_variables, Outcome.ERROR, "more than 100 variables"),
    ("sys.exit()", calls_exit, Outcome.ERROR, "return from the function instead"),
    ("builds nothing", builds_nothing, Outcome.INCORRECT, "Use tf.get_variable or a slim layer"),
    ("undefined name", undefined_name, Outcome.ERROR, "Define or import it"),
    ("unprintable exception", raises_unprintable, Outcome.ERROR, "BrokenMessage"),
    ("unknown TypeError", raises_plain_error, Outcome.ERROR, "run its cell, then the check again"),
]


def assert_friendly(shown, exercise_name: str) -> str:
    assert isinstance(shown, (Feedback, Message))
    bundle = shown._repr_mimebundle_()
    text = bundle["text/plain"]
    assert "Traceback" not in text and " at 0x" not in text
    assert bundle["text/html"].startswith("<div")
    return text


@pytest.mark.parametrize(("label", "answer", "outcome", "phrase"), BUILD_CASES, ids=[c[0] for c in BUILD_CASES])
def test_bad_build_answers_give_friendly_feedback(q3, label, answer, outcome, phrase):
    feedback = q3.check(answer)
    text = assert_friendly(feedback, "q3")
    assert feedback.outcome is outcome, text
    assert text.startswith(PREFIXES)
    assert phrase in text, text
    if outcome is not Outcome.NOT_ATTEMPTED:
        assert "`q3.hint()`" in text


LESSON_POINTERS = [
    # The translated errors end by naming the lesson that shows the same error running.
    ("already exists", already_exists, "Lesson 02 (Reuse modes) and lesson 03 (Sharing weights) show it."),
    ("root reuse_variables", root_reuse_variables, "Lesson 02 (Reuse modes) shows it."),
    ("an old article's typo", article_typo, "Lesson 03 (Sharing weights) shows it."),
]


@pytest.mark.parametrize(("label", "answer", "pointer"), LESSON_POINTERS, ids=[c[0] for c in LESSON_POINTERS])
def test_translated_errors_point_at_the_lesson_that_shows_them(q3, label, answer, pointer):
    text = assert_friendly(q3.check(answer), "q3")
    assert pointer in text, text


PREDICT_CASES = [
    ("None", None, Outcome.INCORRECT, "should be a string"),
    ("a function", print, Outcome.INCORRECT, "should be a string"),
    ("a list", ["goo/w:0"], Outcome.INCORRECT, "should be a string"),
    ("bytes", b"goo/w:0", Outcome.INCORRECT, "should be a string"),
    ("a nested placeholder", {"name": ____}, Outcome.NOT_ATTEMPTED, "replace `____`"),
    ("a very long string", "x" * 500, Outcome.INCORRECT, "you predicted"),
]


@pytest.mark.parametrize(("label", "answer", "outcome", "phrase"), PREDICT_CASES, ids=[c[0] for c in PREDICT_CASES])
def test_bad_predict_answers_give_friendly_feedback(q1, label, answer, outcome, phrase):
    feedback = q1.check(answer)
    text = assert_friendly(feedback, "q1")
    assert feedback.outcome is outcome
    assert phrase in text


def test_an_answer_whose_equality_raises_is_just_incorrect():
    class Hostile:
        def __eq__(self, other):
            raise RuntimeError("no comparing")

        __hash__ = object.__hash__

    feedback = PredictExercise(name="q2", lesson="01", answer_name="a", expected={"a": 1}).check(Hostile())
    assert feedback.outcome is Outcome.INCORRECT


def test_check_before_the_exercise_cell_ran(q3, monkeypatch):
    monkeypatch.setitem(sys.modules, "__main__", types.ModuleType("__main__"))
    feedback = q3.check()
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "run the exercise cell that defines `def towers(...)`" in str(feedback)


@pytest.mark.parametrize("n", [99, 0, -1, "two", None, 1.5, True, [1]])
def test_bad_hint_numbers_list_the_hints_that_exist(q1, n):
    text = assert_friendly(q1.hint(n), "q1")
    assert text == "`q1` has 2 hints: try `q1.hint(1)`, `q1.hint(2)`."


def test_hint_number_as_text_or_whole_float_is_accepted(q1):
    assert str(q1.hint("2")).startswith("Hint 2 of 2")
    assert str(q1.hint(2.0)).startswith("Hint 2 of 2")


def test_exercise_without_hints_or_solution_code_still_answers():
    bare = PredictExercise(name="q7", lesson="01", answer_name="a", expected=1)
    first = str(bare.check(2))
    assert "See `q7.solution()`" in first and "TensorFlow gives 1" not in first
    assert str(bare.hint()) == "`q7` has no hints; `q7.solution()` shows the answer."
    assert str(bare.solution()) == "Solution for `q7`:"
    assert str(bare.check(2)).endswith("TensorFlow gives 1.")


def test_a_broken_reference_solution_is_reported_as_a_kit_problem():
    broken = BuildExercise(name="q8", lesson="02", function_name="f", solution_code="def f():\n    1 / 0\n")
    feedback = broken.check(lambda: tf.no_op())
    assert feedback.outcome is Outcome.ERROR
    assert "problem in the kit, not in your answer" in str(feedback)


def test_keyboard_interrupt_is_not_swallowed_and_leaves_the_exercise_usable(q3):
    def interrupted(images):
        raise KeyboardInterrupt

    default_graph = tf.get_default_graph()
    with pytest.raises(KeyboardInterrupt):
        q3.check(interrupted)
    assert tf.get_default_graph() is default_graph
    assert tf.executing_eagerly()
    assert q3.check(q3.reference_function).correct


def test_failed_builds_leave_eager_mode_and_the_default_graph_as_they_were(q3):
    default_graph = tf.get_default_graph()
    for bad in (recurses_forever, builds_eagerly, root_reuse_variables, calls_exit):
        q3.check(bad)
    assert tf.get_default_graph() is default_graph
    assert tf.executing_eagerly()
    assert q3.check(q3.reference_function).correct
