"""kit.errors: real TensorFlow errors translate to the concept and what to change."""

from __future__ import annotations

import pytest

import kit
from kit import errors

tf = kit.tf
slim = kit.slim


def raised(build) -> BaseException:
    """Run ``build`` in a fresh graph and return what it raised."""
    with kit.fresh_graph():
        try:
            build()
        except BaseException as error:  # noqa: BLE001 - the point is to catch it
            return error
    raise AssertionError("expected the build to raise")


def get_twice():
    for _ in range(2):
        with tf.variable_scope("goo"):
            tf.get_variable("w", [1])


def reuse_missing():
    with tf.variable_scope("s", reuse=True):
        tf.get_variable("q", [1])


def reuse_tf_variable():
    with tf.variable_scope("t"):
        tf.Variable(1.0, name="z")
    with tf.variable_scope("t", reuse=True):
        tf.get_variable("z", [])


def share_other_shape(reuse):
    def build():
        with tf.variable_scope("s"):
            tf.get_variable("p", [2, 3])
        with tf.variable_scope("s", reuse=reuse):
            tf.get_variable("p", [3, 2])

    return build


def share_other_dtype():
    with tf.variable_scope("s"):
        tf.get_variable("p", [2, 3])
    with tf.variable_scope("s", reuse=True):
        tf.get_variable("p", [2, 3], dtype=tf.int32)


def nested_reuse_false():
    with tf.variable_scope("a", reuse=True), tf.variable_scope("b", reuse=False):
        tf.get_variable("new", [1])


def no_shape():
    tf.get_variable("noshape")


def reuse_without_name():
    with tf.variable_scope(None, default_name="x", reuse=True):
        pass


def no_name_no_default():
    with tf.variable_scope(None):
        pass


def arg_scope_positional_stride():
    images = tf.placeholder(tf.float32, [1, 32, 32, 3])
    with slim.arg_scope([slim.conv2d], stride=1):
        slim.conv2d(images, 64, [11, 11], 4, padding="VALID", stride=2)


def repeat_with_layer_without_scope_parameter():
    images = tf.placeholder(tf.float32, [1, 8, 8, 3])
    slim.repeat(images, 2, lambda x: slim.conv2d(x, 3, [3, 3]), scope="block")


def unknown_argument_through_arg_scope():
    images = tf.placeholder(tf.float32, [1, 8, 8, 3])
    with slim.arg_scope([slim.conv2d], not_an_arg=1):
        slim.conv2d(images, 3, [3, 3])


def repeat_with_lambda():
    images = tf.placeholder(tf.float32, [1, 8, 8, 3])
    slim.repeat(images, 2, lambda x, scope=None: slim.conv2d(x, 3, [3, 3], scope=scope))


GRAPH_CASES = [
    ("create-twice", "02", get_twice, "creating a variable twice without reuse", "goo/w"),
    ("reuse-missing", "02", reuse_missing, "reuse=True only fetches variables that already exist", "s/q"),
    ("reuse-tf-variable", "02", reuse_tf_variable, "reuse=True only fetches variables that already exist", "t/z"),
    ("share-other-shape", "02", share_other_shape(True), "a shared variable has one shape", "(2, 3)"),
    ("auto-reuse-other-shape", "02", share_other_shape(tf.AUTO_REUSE), "a shared variable has one shape", "(3, 2)"),
    ("share-other-dtype", "02", share_other_dtype, "a shared variable has one dtype", "int32"),
    ("no-shape", "02", no_shape, "a new variable needs a shape", "noshape"),
    ("nested-reuse-false", "02", nested_reuse_false, "reuse=True only fetches variables that already exist", "a/b/new"),
    ("reuse-without-name", "02", reuse_without_name, "reuse needs a scope name", "name"),
    ("no-name-no-default", "02", no_name_no_default, "a variable_scope needs a name", "default_name"),
    ("arg-scope-positional", "05", arg_scope_positional_stride, "arg_scope already supplies that argument", "`stride=...`"),
    ("repeat-lambda", "06", repeat_with_lambda, "slim.repeat/stack name scopes after the layer function", "scope="),
    ("repeat-no-scope-parameter", "06", repeat_with_layer_without_scope_parameter, "slim passes scope= to the layer function", "scope=None"),
    ("arg-scope-unknown-argument", "05", unknown_argument_through_arg_scope, "an argument the function does not take", "`not_an_arg`"),
]


@pytest.mark.parametrize(("case", "lesson", "build", "concept", "mentioned"), GRAPH_CASES,
                         ids=[c[0] for c in GRAPH_CASES])
def test_graph_errors_translate_to_their_concept(case, lesson, build, concept, mentioned):
    translation = errors.translate(raised(build))
    assert translation.known
    assert translation.concept == concept
    assert lesson in translation.lessons
    assert mentioned in translation.change


def test_root_reuse_variables_is_named_when_the_root_scope_is_left_reusing():
    def poisoned():
        tf.get_variable_scope().reuse_variables()
        tf.get_variable("b", [1])

    translation = errors.translate(raised(poisoned), root_scope_reusing=True)
    assert translation.lessons == ("02",)
    assert "reuse_variables()" in translation.change


def test_tf2_name_scope_none_is_explained():
    import tensorflow as tf2

    def v2_name_scope_none():
        with tf2.name_scope(None):
            pass

    translation = errors.translate(raised(v2_name_scope_none))
    assert translation.lessons == ("01",)


def test_ref_variable_message_loses_its_traceback_tail():
    message = (
        "Variable goo/w already exists, disallowed. Did you mean to set reuse=True or "
        'reuse=tf.AUTO_REUSE in VarScope? Originally defined at:\n  File "/home/me/nb.py", line 3'
    )
    translation = errors.translate(ValueError(message))
    assert translation.concept == "creating a variable twice without reuse"
    assert "Originally defined" not in translation.message
    assert translation.message.endswith("in VarScope?")


def test_tf2_namespace_lacks_tf1_names():
    import tensorflow as tf2

    with pytest.raises(AttributeError) as info:
        tf2.get_variable  # noqa: B018 - the access is what raises
    translation = errors.translate(info.value)
    assert translation.lessons == ("08",)
    assert "`tf.get_variable` is a TF1 API" in translation.change
    assert "tensorflow.compat.v1" in translation.change


def test_contrib_slim_import_points_to_tf_slim():
    with pytest.raises(ImportError) as info:
        import tensorflow.contrib.slim  # noqa: F401
    translation = errors.translate(info.value)
    assert translation.lessons == ("04", "06")
    assert "import tf_slim as slim" in translation.change


def test_placeholder_outside_a_graph_is_the_eager_trap():
    with pytest.raises(RuntimeError) as info:
        tf.placeholder(tf.float32, [1])
    translation = errors.translate(info.value)
    assert translation.lessons == ("08",)
    assert "kit.fresh_graph()" in translation.change


def test_eager_tensor_name_is_explained():
    with pytest.raises(AttributeError) as info:
        tf.constant(1.0).name  # noqa: B018
    translation = errors.translate(info.value)
    assert translation.lessons == ("08",)
    assert "`.name`" in translation.change


@pytest.mark.parametrize("module", [tf, pytest.importorskip("tensorflow")], ids=["compat.v1", "tf2"])
def test_the_blog_typo_constant_intializer_is_recognised(module):
    with pytest.raises(AttributeError) as info:
        module.constant_intializer  # noqa: B018
    translation = errors.translate(info.value)
    assert translation.lessons == ("03",)
    assert "tf.constant_initializer" in translation.change


def test_other_misspelled_tensorflow_names_get_the_closest_real_name():
    with pytest.raises(AttributeError) as info:
        tf.get_varible  # noqa: B018
    translation = errors.translate(info.value)
    assert "did you mean `get_variable`?" in translation.change


def test_unknown_errors_keep_type_and_text():
    translation = errors.translate(ZeroDivisionError("division by zero"))
    assert not translation.known
    assert translation.original == "ZeroDivisionError: division by zero"
    assert "run its cell, then the check again" in translation.change


def test_variable_cap_and_recursion_and_exit_have_their_own_messages():
    assert "more than 2,000" in errors.translate(errors.VariableCapReached(2000)).change
    assert "calls itself" in errors.translate(RecursionError("maximum recursion depth exceeded")).change
    assert "exit()" in errors.translate(SystemExit(0)).change


def test_messages_lose_machine_paths_and_addresses_but_keep_variable_names():
    text = errors.clean_message("at 0x7f3a2b in /usr/lib/python3.11/site.py: tower/conv1/weights")
    assert text == "in <path>: tower/conv1/weights"


def test_an_exception_with_a_broken_str_still_translates():
    class Weird(Exception):
        def __str__(self):
            raise RuntimeError("no")

    assert errors.translate(Weird()).error_type == "Weird"


def test_every_rule_names_lessons_that_exist():
    from kit.lessons import lesson

    for rule in errors.RULES:
        for number in rule.lessons:
            assert lesson(number).module, f"{rule.concept!r} names lesson {number}"
    note = errors.translate(ValueError("Variable a/w already exists, disallowed.")).lessons_note
    assert note == "Lesson 02 (Reuse modes) and lesson 03 (Sharing weights) show it."

def example_error(rule):
    kind = rule.types[0]
    return errors.VariableCapReached(2000) if kind is errors.VariableCapReached else kind(rule.example)


@pytest.mark.parametrize("rule", errors.RULES, ids=lambda rule: rule.concept)
def test_each_rule_takes_its_own_example_so_no_earlier_rule_shadows_it(rule):
    context = {"root_scope_reusing": rule.when is not None}
    translation = errors.translate(example_error(rule), **context)
    assert translation.concept == rule.concept


def test_rules_are_grouped_by_topic_and_every_group_is_short():
    groups = [errors.SHARING_RULES, errors.GRAPH_AND_TF2_RULES, errors.SLIM_RULES, errors.PYTHON_RULES]
    assert errors.RULES == tuple(rule for group in groups for rule in group)
    assert all(len(group) <= 12 for group in groups)


def test_the_top_level_reuse_trap_needs_its_context():
    missing = ValueError(errors.SHARING_RULES[1].example)
    assert errors.translate(missing).concept == "reuse=True only fetches variables that already exist"
    assert errors.translate(missing, root_scope_reusing=True).concept.startswith("reuse_variables()")
