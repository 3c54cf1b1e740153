"""kit.errors: real TensorFlow errors translate to the concept and what to change."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import kit
from kit import errors

tf = kit.tf
slim = kit.slim
FACTS = Path(__file__).resolve().parents[2] / "shared" / "FACTS.md"


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
    ("DUP04", get_twice, "creating a variable twice without reuse", "goo/w"),
    ("DUP05", reuse_missing, "reuse=True only fetches variables that already exist", "s/q"),
    ("DUP06", reuse_tf_variable, "reuse=True only fetches variables that already exist", "t/z"),
    ("DUP07", share_other_shape(True), "a shared variable has one shape", "(2, 3)"),
    ("DUP11", share_other_shape(tf.AUTO_REUSE), "a shared variable has one shape", "(3, 2)"),
    ("DUP08", share_other_dtype, "a shared variable has one dtype", "int32"),
    ("DUP10", no_shape, "a new variable needs a shape", "noshape"),
    ("RU04", nested_reuse_false, "reuse=True only fetches variables that already exist", "a/b/new"),
    ("RU09", reuse_without_name, "reuse needs a scope name", "name"),
    ("RU09", no_name_no_default, "a variable_scope needs a name", "default_name"),
    ("AS02", arg_scope_positional_stride, "arg_scope already supplies that argument", "`stride=...`"),
    ("RP07", repeat_with_lambda, "slim.repeat/stack name scopes after the layer function", "scope="),
    ("RP02", repeat_with_layer_without_scope_parameter, "slim passes scope= to the layer function", "scope=None"),
    ("AS06", unknown_argument_through_arg_scope, "an argument the function does not take", "`not_an_arg`"),
]


@pytest.mark.parametrize(("fact", "build", "concept", "mentioned"), GRAPH_CASES, ids=[c[0] for c in GRAPH_CASES])
def test_graph_errors_translate_to_their_concept(fact, build, concept, mentioned):
    translation = errors.translate(raised(build))
    assert translation.known
    assert translation.concept == concept
    assert fact in translation.facts
    assert mentioned in translation.change


def test_root_reuse_variables_is_named_when_the_root_scope_is_left_reusing():
    def poisoned():
        tf.get_variable_scope().reuse_variables()
        tf.get_variable("b", [1])

    translation = errors.translate(raised(poisoned), root_scope_reusing=True)
    assert translation.facts[0] == "RU07"
    assert "reuse_variables()" in translation.change


def test_tf2_name_scope_none_is_explained():
    import tensorflow as tf2

    def v2_name_scope_none():
        with tf2.name_scope(None):
            pass

    translation = errors.translate(raised(v2_name_scope_none))
    assert translation.facts[0] == "NS12"


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
    assert translation.facts == ("TF2-01",)
    assert "`tf.get_variable` is a TF1 API" in translation.change
    assert "tensorflow.compat.v1" in translation.change


def test_contrib_slim_import_points_to_tf_slim():
    with pytest.raises(ImportError) as info:
        import tensorflow.contrib.slim  # noqa: F401
    translation = errors.translate(info.value)
    assert translation.facts == ("TF2-02",)
    assert "import tf_slim as slim" in translation.change


def test_placeholder_outside_a_graph_is_the_eager_trap():
    with pytest.raises(RuntimeError) as info:
        tf.placeholder(tf.float32, [1])
    translation = errors.translate(info.value)
    assert "TF2-03" in translation.facts
    assert "kit.fresh_graph()" in translation.change


def test_eager_tensor_name_is_explained():
    with pytest.raises(AttributeError) as info:
        tf.constant(1.0).name  # noqa: B018
    translation = errors.translate(info.value)
    assert "TF2-05" in translation.facts
    assert "`.name`" in translation.change


@pytest.mark.parametrize("module", [tf, pytest.importorskip("tensorflow")], ids=["compat.v1", "tf2"])
def test_seed_typo_constant_intializer_is_recognised(module):
    with pytest.raises(AttributeError) as info:
        module.constant_intializer  # noqa: B018
    translation = errors.translate(info.value)
    assert translation.facts == ("SH02", "TF2-11")
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


@pytest.mark.skipif(not FACTS.exists(), reason="shared/FACTS.md is not next to this checkout")
def test_every_cited_fact_exists():
    ids = set(re.findall(r"^\| ([A-Z0-9-]+) \|", FACTS.read_text(), flags=re.MULTILINE))
    cited = {fact for rule in errors.RULES for fact in rule.facts}
    assert cited <= ids, cited - ids
