"""Typical wrong predictions of every lesson, in one table: each is Incorrect and its
feedback names the concept behind the mistake (without giving the answer on a first try;
tests/test_every_exercise.py checks that part for every exercise).

Lesson files keep only what is specific to them (wrong builds and fixes, kit helpers).
"""

from __future__ import annotations

import importlib

import pytest

import kit  # noqa: F401  (imports TF quietly first)
from kit.exercise import Outcome
from kit.lessons import lesson

# (lesson, exercise, a typical wrong prediction, what its feedback must say)
WRONG_PREDICTIONS = [
    ('01', 'q1', 'foo/goo/hoo/w:0', 'tf.get_variable sees only one kind of scope'),
    ('01', 'q1', 'goo/hoo/w:0', 'ignores every name_scope'),
    ('01', 'q1', 'w:0', 'one kind of scope does prefix its'),
    ('01', 'q2', 'foo/hoo/v:0', "does variable_scope('goo') open only a variable scope"),
    ('01', 'q2', 'goo/v:0', 'That is the get_variable rule'),
    ('01', 'q3', 'ns/Const:0', 'never re-enters an existing name scope'),
    ('01', 'q3', 'ns_1/Const_1:0', 'counter starts again inside each name scope'),
    ('01', 'q4', 'ValueError', 'tf.Variable never registers there'),
    ('01', 'q4', 'x:0', 'the graph still needs a unique op name'),
    ('02', 'q1', 'reuses', 'sharing is only allowed with a compatible shape'),
    ('02', 'q1', 'creates', 'AUTO_REUSE creates only when s/p is missing'),
    ('02', 'q2', False, "reuse=False does not mean 'off' in a nested scope"),
    ('02', 'q2', None, "None only means 'inherit' when you pass it"),
    ('02', 'q3', 'creates', "inherits its parent's setting"),
    ('02', 'q3', 'reuses', 'There is no variable fresh/b to reuse'),
    ('02', 'q4', 'obj/c:0', 'ops get a name scope of their own'),
    ('02', 'q4', 'obj/c_1:0', 'auxiliary_name_scope=False'),
    ('03', 'q1', 'image_filters_1/conv2/Relu:0', 'That is methods 1 and 3'),
    ('03', 'q1', 'image_filters/conv2/Relu_1:0', 'opens a new name scope every time'),
    ('03', 'q1', 'image_filters/conv2/Relu:0', "That is the FIRST call's output"),
    ('03', 'q4', 'raises', "In a graph it would raise 'already exists'"),
    ('03', 'q4', 'reuses', 'Is there such a store while TF executes eagerly?'),
    ('03', 'q5', 106, "106 is clone0's count alone"),
    ('03', 'q5', '53', 'each layer adds two update ops'),
    ('03', 'q6', 108, 'a second loss for every weight'),
    ('03', 'q6', 53, 'The logits layer is a regularized conv too'),
    ('04', 'q1', ['scale'], 'slim layers create model variables too'),
    ('04', 'q1', ['step_size', 'scale', 'conv1/weights', 'conv1/biases'], 'regular variable'),
    ('04', 'q1', ['scale', 'conv1/weights', 'conv1/biases', 'offset'], 'tf.get_variable knows nothing'),
    ('04', 'q3', ['kept', 'mine'], "it takes that list's place"),
    ('04', 'q3', [], "'kept' uses the default collections"),
    ('04', 'q5', '', 'does not clear the placement'),
    ('04', 'q5', '/device:CPU:0', 'Nothing asked for the CPU'),
    ('04', 'q6', ['conv1/weights'], 'matched as a prefix'),
    ('04', 'q6', ['conv1/weights', 'conv1_1/weights'], 'You caught one of the look-alikes'),
    ('05', 'q1', 'Conv/weights_1:0', 'names inside it start over'),
    ('05', 'q1', 'Conv/weights:0', 'never reuses'),
    ('05', 'q2', 'logits/Relu:0', 'activation_fn=None removes the Relu'),
    ('05', 'q2', 'logits/MatMul:0', 'biases are still added'),
    ('05', 'q3', 5, 'conv2d creates no biases'),
    ('05', 'q3', 6, 'scale=False'),
    ('05', 'q6', 8, 'innermost value wins'),
    ('05', 'q6', 14, 'nested arg_scopes merge'),
    ('06', 'q1', 'conv3_3/Relu:0', 'also opens an outer scope'),
    ('06', 'q1', 'conv3/conv3_2/Relu:0', 'numbering starts at 1'),
    ('06', 'q2', 'fully_connected_2/Relu:0', "with no scope= it is called 'Stack'"),
    ('06', 'q2', 'fc/fc_3/Relu:0', 'this call passes no scope'),
    ('06', 'q4', '102,760,448', 'fc6 also has 4096 biases'),
    ('06', 'q4', 2101248, 'fully_connected layer on the last axis only'),
    ('07', 'q1', 3, 'each slim layer makes two: weights and biases'),
    ('07', 'q1', 10, 'pool1 and flatten have no variables'),
    ('07', 'q2', 18, "`conv10/weights` starts with 'conv1' too"),
    ('07', 'q2', 4, 'not how many it leaves out'),
    ('08', 'q1', 8, 'The second call makes nothing new'),
    ('08', 'q2', 'mlp/hidden/weights:0', 'MyDense opens it only in `__call__`'),
    ('08', 'q2', 'hidden/weights:0', 'that block is in `__call__`'),
    ('08', 'q3', 'hidden/kernel', 'That is its `.path`'),
    ('08', 'q3', 'hidden/kernel:0', 'Keras 2 (tf_keras)'),
    ('09', 'q1', 'hidden/weights/Regularizer/l2_regularizer:0', 'has its own word for the weights'),
    ('09', 'q1', 'hidden/weights:0', 'That is the variable itself'),
    ('09', 'q2', 1, 'more than one running statistic'),
    ('09', 'q2', 4, "the optimizer's gradient step changes them"),
    ('09', 'q3', 5, "A regularizer's loss goes to a collection of its own"),
    ('09', 'q3', 2, '`tf.losses.add_loss(smoothness)`'),
    ('09', 'q4', 16, 'the batch mean it moves towards'),
    ('09', 'q4', 0, 'create_train_op does run the update ops'),
    ('09', 'q4', 8, 'after one step'),
    ('09', 'q5', 'a', 'it is not trainable with the default update_ops either'),
    ('09', 'q5', 'c', 'decided by `is_training`, not by'),
    ('09', 'q5', 'd', 'moved it a long way in the same three steps'),
    ('09', 'q7', 6, 'create_train_op only looks the global step up'),
    ('09', 'q7', 5, 'the message is about `global_step`'),
    ('09', 'q8', 6, 'including the one training counts with'),
    ('09', 'q8', 4, 'only the trainable variables'),
    ('10', 'q1', 'hidden/weights', 'does not strip any scope'),
    ('10', 'q1', 'weights', 'whole names'),
    ('10', 'q2', 0, 'create_train_op made a variable of its own'),
    ('10', 'q2', 3, 'moving averages are model variables'),
    ('10', 'q3', 4, 'the training graph has one that no layer made'),
    ('10', 'q3', 6, "does drop the new head's two variables"),
    ('10', 'q5', 50, 'the second batch alone'),
    ('10', 'q5', 100, 'the first batch alone'),
    ('10', 'q6', 5, 'Which entry is not a (value, update_op) pair?'),
    ('10', 'q6', 7, '`streaming_recall` returns a (value, update_op) pair'),
    ('11', 'q1', 'body/conv1/Relu:0', "That is the first call's output"),
    ('11', 'q1', 'body/conv1/Relu_1:0', 'Each entry into a variable_scope opens a new name scope'),
    ('11', 'q1', 'body/conv1_1/Relu:0', "lesson 03's method 2"),
    ('11', 'q2', 4, 'That counts every variable'),
    ('11', 'q2', 3, 'conv2d makes no biases'),
    ('11', 'q8', ['model/tower_0/w:0', 'model/tower_0/y:0'], 'tf.get_variable ignores name scopes'),
    ('11', 'q8', ['model/w:0', 'model/y:0'], 'an op takes every name scope that is open'),
    ('11', 'q9', 'a', 'Ops are never shared'),
    ('11', 'q9', 'd', 'UPDATE_OPS holds ops'),
    ('11', 'q10', 'fc/fc_1/weights:0', 'counts its layers from 1'),
    ('11', 'q10', 'fc/fully_connected_1/weights:0', 'when slim.stack has no scope'),
    ('11', 'q11', ['counter', 'total', 'weights'], 'One of the three is a local variable'),
    ('11', 'q11', ['weights'], '`trainable=False` keeps `counter` out of training'),
    ('11', 'q12', 9, 'Line 9 asks for the right name in the right scope'),
    ('11', 'q12', 8, 'Without `reuse=True` the error goes away'),
    ('11', 'q13', 'a', 'neither `mlp/` nor `weights` is in it'),
    ('11', 'q13', 'c', 'MLP is a plain tf.Module, not Keras'),
]


def exercise(number: str, name: str):
    module = importlib.import_module(lesson(number).module)
    return next(e for e in module.EXERCISES if e.name == name)


@pytest.mark.parametrize(("number", "name", "answer", "concept"), WRONG_PREDICTIONS,
                         ids=[f"{n}-{q}-{a!r}"[:60] for n, q, a, _ in WRONG_PREDICTIONS])
def test_a_typical_wrong_prediction_is_incorrect_and_names_the_concept(number, name, answer, concept):
    assert_first_wrong_try_names(number, name, answer, concept)


def assert_first_wrong_try_names(number: str, name: str, answer, concept: str) -> None:
    """A first wrong try with ``answer`` is Incorrect, says ``concept`` and not the answer."""
    checked = exercise(number, name)
    checked.forget_attempts()
    try:
        feedback = checked.check(answer)
        assert feedback.outcome is Outcome.INCORRECT
        assert concept in feedback.to_text()
        assert not feedback.answer_shown
    finally:
        checked.forget_attempts()
