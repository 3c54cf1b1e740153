"""Lesson 08 exercises: typical TF2-port mistakes get their reason (solutions and blanks of
every lesson: tests/test_every_exercise.py)."""

from __future__ import annotations

import numpy as np
import pytest
from learner_code import answer_from, changed

import kit
from kit.checkpoints import checkpoint_variables
from kit.exercise import Outcome
from kit.lessons import lesson08
from kit.lessons.lesson08 import q2, q4, q5, q6

pytestmark = [
    pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated"),
]


def test_a_class_with_only_empty_methods_is_not_attempted():
    code = "class MyDense(tf.Module):\n    def __init__(self, *args, **kwargs):\n        pass\n"
    feedback = q4.check(answer_from(q4, code))
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "`MyDense` has only empty methods" in feedback.to_text()


# --- what the lesson shows, computed by TensorFlow -----------------------------------------


def test_tf1_and_tf2_models_have_the_same_variable_names():
    with kit.fresh_graph() as graph:
        lesson08.tf1_mlp(kit.tf.placeholder(kit.tf.float32, [None, 3]))
    tf1_names = [v.name for v in kit.ScopeTree.from_graph(graph).variables]
    tf2_names = [v.name for v in kit.ScopeTree.from_variables(lesson08.MLP().variables).variables]
    assert tf1_names == tf2_names == list(lesson08.CHECKPOINT_KEYS)


def test_checkpoint_holds_the_tf1_names():
    assert [name for name, _ in checkpoint_variables(lesson08.tf1_checkpoint())] == list(
        lesson08.CHECKPOINT_KEYS)


def test_q2_feedback_names_the_notebook_class():
    texts = [q2.explanation, *q2.hints, *(reason for _, reason in q2.wrong_answers)]
    assert all("PlainDense" not in text for text in texts)
    assert any("MyDense" in text for text in texts)


def test_tf1_duplicate_names_depend_on_the_api():
    """The summary's row: tf.Variable renames, get_variable raises (no 'Originally defined at')."""
    tf1 = kit.tf
    with kit.fresh_graph():
        with tf1.variable_scope("mlp"):
            first = tf1.Variable(tf1.zeros([3, 4]), name="weights")
            second = tf1.Variable(tf1.zeros([4, 2]), name="weights")
        assert (first.name, second.name) == ("mlp/weights:0", "mlp/weights_1:0")
    with kit.fresh_graph(), tf1.variable_scope("mlp"):
        tf1.get_variable("weights", [3, 4])
        with pytest.raises(ValueError) as raised:
            tf1.get_variable("weights", [4, 2])
    assert str(raised.value) == (
        "Variable mlp/weights already exists, disallowed. Did you mean to set reuse=True or "
        "reuse=tf.AUTO_REUSE in VarScope?")


def test_tf2_variables_may_share_one_name():
    with lesson08.eager():
        model = lesson08.MLP(layer=lesson08.MyDense)
        names = [v.name for v in model.variables]
    assert names.count("mlp/weights:0") == 2


def test_dense_with_its_name_scope_in_call_is_told_where_names_are_given():
    # A real edit that keeps the bug: another initial scale.
    code = changed(q4.starter_code, "stddev=0.5", "stddev=0.1")
    feedback = q4.check(answer_from(q4, code))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`mlp/biases`, `mlp/weights`, without the layer's name" in feedback.to_text()
    assert "A variable is named when it is made" in feedback.to_text()


def test_dense_without_any_name_scope_gets_the_same_reason():
    code = changed(q4.starter_code, "        with self.name_scope:\n", "        if True:\n")
    feedback = q4.check(answer_from(q4, code))
    assert feedback.outcome is Outcome.INCORRECT
    assert "without the layer's name" in feedback.to_text()
    # The tree diff under it speaks TF2 too: no variable_scope or reuse advice for a tf.Module.
    assert "variable_scope" not in feedback.to_text() and "reuse=" not in feedback.to_text()
    assert "lesson 08, section 3" in feedback.to_text()


def test_name_scope_around_only_the_weights_leaves_the_biases_unnamed():
    code = changed(
        q4.starter_code,
        "        self.w = tf.Variable(",
        "        with self.name_scope:\n            self.w = tf.Variable(",
    )
    feedback = q4.check(answer_from(q4, code))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`mlp/biases`" in feedback.to_text() and "`mlp/weights`" not in feedback.to_text()


def test_variables_made_in_call_are_new_on_every_call():
    code = '''\
class MyDense(tf.Module):
    def __init__(self, units_in, units_out, activation=tf.nn.relu, name=None):
        super().__init__(name=name)
        self.shape = [units_in, units_out]
        self.activation = activation

    def __call__(self, x):
        with self.name_scope:
            w = tf.Variable(tf.random.normal(self.shape), name="weights")
            b = tf.Variable(tf.zeros(self.shape[1:]), name="biases")
        y = tf.matmul(x, w) + b
        return self.activation(y) if self.activation else y
'''
    feedback = q4.check(answer_from(q4, code))
    assert feedback.outcome is Outcome.INCORRECT
    assert "calling the object again made new variables" in feedback.to_text()


def test_a_function_is_not_a_module_class():
    def make_dense():
        return lesson08.Dense(3, 4)

    feedback = q4.check(make_dense)
    assert feedback.outcome is Outcome.INCORRECT
    assert "define it as a class" in feedback.to_text()


def test_a_class_that_owns_no_variables_is_explained():
    code = "class MyDense:\n    def __init__(self, *args, **kwargs):\n        self.args = args\n"
    feedback = q4.check(answer_from(q4, code))
    assert feedback.outcome is Outcome.ERROR
    assert "`MyDense` needs a method `def __call__(self, ...)`" in feedback.to_text()


def test_a_class_that_makes_variables_without_end_is_stopped():
    code = (
        "class MyDense(tf.Module):\n"
        "    def __init__(self, *args, **kwargs):\n"
        "        super().__init__(name='hidden')\n"
        "        self.weights = [tf.Variable(0.0) for _ in range(10_000)]\n"
    )
    feedback = q4.check(answer_from(q4, code))
    assert feedback.outcome is Outcome.ERROR
    assert "more than" in feedback.to_text() and "variables, so the check stopped it" in feedback.to_text()


def test_two_tower_objects_are_two_sets_of_weights():
    code = changed(q5.starter_code, "return self.left_tower(left)", "return self.left_tower(left + 0.0)")
    feedback = q5.check(answer_from(q5, code))
    assert feedback.outcome is Outcome.INCORRECT
    assert "two variables are both called `towers/tower/biases`" in feedback.to_text()
    assert "Make one Dense and call that object on both inputs" in feedback.to_text()


def test_keras_paths_are_not_checkpoint_names():
    code = changed(q6.starter_code, "model.weights", "model.trainable_variables")
    feedback = q6.check(answer_from(q6, code))
    assert feedback.outcome is Outcome.INCORRECT
    assert "is not a name in the checkpoint" in feedback.to_text()
    assert "mlp/hidden/weights" in feedback.to_text()


def test_a_map_that_swaps_weights_and_biases_is_a_shape_problem():
    code = changed(q6.solution_code, '{"kernel": "weights", "bias": "biases"}',
                   '{"kernel": "biases", "bias": "weights"}')
    feedback = q6.check(answer_from(q6, code))
    assert feedback.outcome is Outcome.INCORRECT
    assert "map weights to kernels and biases to biases" in feedback.to_text()


def test_a_map_of_only_the_hidden_layer_leaves_names_unused():
    code = changed(q6.solution_code, "for v in model.weights:", "for v in model.weights[:2]:")
    feedback = q6.check(answer_from(q6, code))
    assert feedback.outcome is Outcome.INCORRECT
    assert "is not mapped to any variable" in feedback.to_text()


def test_a_map_that_is_a_list_is_explained():
    feedback = q6.check(answer_from(q6, "def name_map(model):\n    return list(model.weights)\n"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "return a dict" in feedback.to_text()


def test_a_map_that_raises_is_translated():
    code = "def name_map(model):\n    return {v.path: v for v in model.layers[5].weights}\n"
    feedback = q6.check(answer_from(q6, code))
    assert feedback.outcome is Outcome.ERROR
    assert feedback.to_text().startswith("Error: `name_map` raised IndexError")


def test_model_checks_run_eagerly_even_inside_a_graph_block():
    with kit.fresh_graph():
        assert q4.check(answer_from(q4, q4.solution_code)).outcome is Outcome.CORRECT


def test_ported_keras_model_computes_what_the_tf1_model_computes():
    model = lesson08.keras_mlp()
    mapping = answer_from(q6, q6.solution_code)(model)
    lesson08.load_by_name_map(lesson08.tf1_checkpoint(), mapping)
    expected = lesson08.tf1_outputs(lesson08.tf1_checkpoint())
    assert np.allclose(model(lesson08.SAMPLE).numpy(), expected, atol=1e-5)
