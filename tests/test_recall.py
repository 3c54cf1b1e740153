"""The recall questions that open lessons 02-08 (``r1``...``r3``, on earlier lessons): each
typical wrong answer is Incorrect and its feedback names the concept behind the mistake,
without giving the answer on a first try.

Same shape as tests/test_wrong_predictions.py (whose ``exercise`` helper this reuses); the
rest (solution correct, placeholder not attempted, spoilers, hints) is checked for every
exercise by the shared tests.
"""

from __future__ import annotations

import importlib

import pytest
from test_wrong_predictions import assert_first_wrong_try_names

import kit  # noqa: F401  (imports TF quietly first)
from kit.lessons import lesson

# (lesson, exercise, a typical wrong answer, what its feedback must say)
WRONG_RECALLS = [
    ('02', 'r1', 'encoder/block/kernel:0', 'how an op or a tf.Variable would be named'),
    ('02', 'r1', 'kernel:0', 'One kind of scope does prefix'),
    ('02', 'r1', 'block/kernel:0', '`block` is the other kind'),
    ('02', 'r2', 'train/bias:0', 'opens a name scope of the same name'),
    ('02', 'r2', 'encoder/bias:0', 'That is the tf.get_variable rule'),
    ('02', 'r3', ['w:0', 'k:0'], 'resets the name scope only'),
    ('02', 'r3', ['net/w:0', 'net/k:0'], 'drops ops back to the root name scope'),
    ('02', 'r3', ['w:0', 'net/k:0'], 'The two rules are swapped'),
    ('03', 'r1', 'dense/MatMul_2:0', 'each opening opens a new name scope'),
    ('03', 'r1', 'dense/MatMul:0', 'shares the variable, not the ops'),
    ('03', 'r1', 'dense_3/MatMul:0', 'the first opening gets the plain name'),
    ('03', 'r2', 2, 'does not switch reuse off'),
    ('03', 'r2', 'ValueError', 'comes from a scope that does not reuse'),
    ('03', 'r3', 'head/w:0', 'two ops cannot share one name'),
    ('03', 'r3', 'ValueError', 'in its own store of variables'),
    ('04', 'r1', 'model_1/y:0', 'without the clone name scopes'),
    ('04', 'r1', 'clone1/y:0', 'opens a name scope of the same name too'),
    ('04', 'r1', 'model/y:0', 'takes every name scope that is open'),
    ('04', 'r2', 7, 'decided by the scope it runs in'),
    ('04', 'r2', 6, 'The message is about the other variable'),
    ('04', 'r2', 2, 'The first scope creates `tower/w`'),
    ('04', 'r3', 3, "one moment in a variable's life"),
    ('04', 'r3', 0, 'regularizer= is not ignored'),
    ('05', 'r1', ['weights'], 'not out of the model variables'),
    ('05', 'r1', ['counter', 'weights', 'scale'], 'slim.variable makes a regular variable'),
    ('05', 'r1', ['weights', 'bias', 'scale'], "knows nothing of tf-slim's collections"),
    ('05', 'r1', ['counter', 'weights', 'bias', 'scale'], 'reads one collection'),
    ('05', 'r2', ['enc/w'], 'matched against the start of each full name'),
    ('05', 'r2', ['enc/w', 'enc_2/w', 'dec/w'], 'scope= does filter'),
    ('05', 'r3', 2, 'Does tf.Variable look in the variable store'),
    ('05', 'r3', 4, 'AUTO_REUSE does share `layer/w`'),
    ('06', 'r1', 'fully_connected/weights_1:0', 'what gets a number is the scope'),
    ('06', 'r1', 'fully_connected/weights:0', "That is the first layer's weights"),
    ('06', 'r1', 'fully_connected_2/weights:0', "first layer's scope carries no number"),
    ('06', 'r2', 1728, 'makes biases too'),
    ('06', 'r2', 640, 'spans every input channel'),
    ('06', 'r2', 65536, 'does not depend on the image size'),
    ('06', 'r3', 'conv1/Relu_1:0', 'a re-opened scope gets a name scope of its own'),
    ('06', 'r3', 'conv1/Relu:0', 'Reuse shares variables, not ops'),
    ('06', 'r3', 'ValueError', 'this second call passes reuse=True'),
    ('07', 'r1', 'block/block_1/weights:0', 'counts its layers from 1'),
    ('07', 'r1', 'block_2/weights:0', 'also opens the outer scope you pass'),
    ('07', 'r1', 'block/Conv_1/weights:0', 'not after the layer function'),
    ('07', 'r2', ['w'], 'out of the trainable collection only'),
    ('07', 'r2', ['w', 'step', 'kept'], "it takes that list's place"),
    ('07', 'r2', ['w', 'step', 'kept', 'count'], 'A local variable joins a collection of its own'),
    ('07', 'r2', ['w', 'step', 'count'], 'in the local collection only'),
    ('07', 'r3', 5, 'Where does conv1 get its other keywords from?'),
    ('07', 'r3', 6, 'line 6 never runs'),
    ('07', 'r3', 2, 'which of them holds the keyword'),
    ('08', 'r1', 'fc8/weights:0', "how the README's vgg16() names it"),
    ('08', 'r1', 'vgg_16/logits/weights:0', 'keeps the layer names of the paper'),
    ('08', 'r1', 'vgg_16/fc8/weights_1:0', 'no variable inside needs a `_1`'),
    ('08', 'r2', 2, 'That counts the trainable variables'),
    ('08', 'r2', 6, 'slim.conv2d makes no biases'),
    ('08', 'r2', 5, 'One of the variables you counted is not made'),
    ('08', 'r3', 8, 'when the function runs a second time'),
    ('08', 'r3', 5, 'decided by the scope it runs in'),
    ('08', 'r3', 7, 'the error comes from the second'),
]

RECALL_LESSONS = ['02', '03', '04', '05', '06', '07', '08']


def as_key(answer):
    """A list answer and the tuple that lists it among wrong answers are the same answer."""
    return repr(tuple(answer) if isinstance(answer, list) else answer)


@pytest.mark.parametrize(("number", "name", "answer", "concept"), WRONG_RECALLS,
                         ids=[f"{n}-{q}-{a!r}"[:60] for n, q, a, _ in WRONG_RECALLS])
def test_a_typical_wrong_recall_is_incorrect_and_names_the_concept(number, name, answer, concept):
    assert_first_wrong_try_names(number, name, answer, concept)


@pytest.mark.parametrize("number", RECALL_LESSONS)
def test_each_lesson_opens_with_three_recall_questions_listed_here(number):
    module = importlib.import_module(lesson(number).module)
    assert [e.name for e in module.EXERCISES[:3]] == ["r1", "r2", "r3"]
    assert all(e.kind != "build" and e.kind != "fix" for e in module.EXERCISES[:3])
    for recall in module.EXERCISES[:3]:
        rows = [row for row in WRONG_RECALLS if row[:2] == (number, recall.name)]
        assert len(rows) >= 2, f"{number} {recall.name} needs two typical wrong answers here"
        assert {as_key(a) for _, _, a, _ in rows} <= {as_key(w) for w, _ in recall.wrong_answers}
        assert len(recall.hints) >= 2
