"""Lesson 11, the capstone: each step's typical mistakes get their own reason, the checks judge
by running (a checkpoint's contents, restored values, a TF2 port's outputs), and the quiz's
wrong answers say what to look at (solutions and blanks of every lesson:
tests/test_every_exercise.py)."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import numpy as np
import pytest
from learner_code import changed, check_code
from lesson_cells import stored_output_text

import kit  # imports TF quietly first
from kit.checkpoints import checkpoint_variables
from kit.exercise import Outcome, exec_solution
from kit.lessons import lesson11
from kit.lessons.lesson11 import q3, q4, q5, q6, q7, q9, q11, q12

NOTEBOOK = Path(__file__).resolve().parent.parent / "notebooks" / "11_capstone.ipynb"

pytestmark = [
    pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated"),
    pytest.mark.filterwarnings("ignore:`tf.layers.flatten` is deprecated"),
]

BODY_KEYS = [
    "towers/body/conv1/BatchNorm/beta",
    "towers/body/conv1/BatchNorm/moving_mean",
    "towers/body/conv1/BatchNorm/moving_variance",
    "towers/body/conv1/weights",
    "towers/body/conv2/BatchNorm/beta",
    "towers/body/conv2/BatchNorm/moving_mean",
    "towers/body/conv2/BatchNorm/moving_variance",
    "towers/body/conv2/weights",
]


def first_try(exercise, answer):
    exercise.forget_attempts()
    try:
        return exercise.check(answer)
    finally:
        exercise.forget_attempts()


# --- the kit functions the lesson uses --------------------------------------------------------


def test_target_tree_has_one_body_read_by_both_towers():
    tree = lesson11.target_tree()
    assert [v.name for v in tree.variables] == sorted(BODY_KEYS + ["towers/logits/biases",
                                                                  "towers/logits/weights"])
    assert sorted(v.name for v in tree.shared_variables()) == BODY_KEYS
    weights = tree.variable("towers/body/conv1/weights")
    assert set(weights.reader_scopes) == {"towers/body/conv1", "towers/body_1/conv1"}
    assert "regularized" in weights.collections
    assert tree.variable("towers/logits/weights").shape == (256, 2)


def test_towers_checkpoint_holds_the_two_class_model_with_trained_values():
    path = lesson11.towers_checkpoint()
    assert [name for name, _ in checkpoint_variables(path)] == sorted(
        BODY_KEYS + ["towers/logits/biases", "towers/logits/weights"])
    reader = kit.tf.train.load_checkpoint(path)
    assert not np.any(reader.get_tensor("towers/body/conv1/BatchNorm/beta") == 0)
    assert not np.any(reader.get_tensor("towers/body/conv2/BatchNorm/moving_variance") == 1)


def test_towers_checkpoint_lives_outside_the_repository():
    root = str(NOTEBOOK.parent.parent)
    assert not os.path.abspath(lesson11.towers_checkpoint()).startswith(root)


def test_ported_body_loaded_by_the_map_computes_what_the_tf1_body_computes():
    body = lesson11.PortedBody()
    lesson11.load_by_name_map(lesson11.towers_checkpoint(), lesson11.port_name_map(body))
    ported = body(lesson11.SAMPLE_IMAGES).numpy()
    original = lesson11.tf1_body_outputs(lesson11.towers_checkpoint())
    assert ported.shape == original.shape == (4, 128)
    assert np.allclose(ported, original, rtol=1e-4, atol=1e-4)
    assert len(np.unique(np.round(original, 3))) > 50  # the comparison is not between zeros


def test_a_fresh_ported_body_does_not_compute_what_the_trained_one_does():
    assert not lesson11.outputs_match(lesson11.PortedBody()(lesson11.SAMPLE_IMAGES).numpy())


def test_exclude_logits_keeps_the_head_and_restores_it_with_the_wrong_shape():
    with kit.fresh_graph() as graph:
        lesson11.towers_model(*lesson11.towers_inputs(), num_classes=5)
        trapped = kit.slim.get_variables_to_restore(exclude=["logits"])
        values = lesson11.restore_values(graph, trapped, lesson11.towers_checkpoint())
    assert values["towers/logits/weights"][1] == (256, 5)
    assert values["towers/logits/weights"][0].shape == (256, 2)


def test_a_tf2_checkpoint_names_object_attributes():
    assert lesson11.tf2_checkpoint_keys() == [
        "model/hidden/b/.ATTRIBUTES/VARIABLE_VALUE", "model/hidden/w/.ATTRIBUTES/VARIABLE_VALUE",
        "model/out/b/.ATTRIBUTES/VARIABLE_VALUE", "model/out/w/.ATTRIBUTES/VARIABLE_VALUE"]


def test_traceback_quiz_fix_makes_the_two_towers_share_one_kernel():
    with kit.fresh_graph():
        namespace = exec_solution(q12.fixed_code(), "test")
        assert namespace["kernel"] is namespace["kernel2"]
    shown = str(q12.show_error())
    assert "line 9: kernel2 = tf.get_variable(\"kernel\", shape)" in shown
    assert "Variable tower/kernel does not exist, or was not created with tf.get_variable()" in shown


def test_removing_reuse_instead_makes_a_second_kernel():
    with kit.fresh_graph():
        namespace = exec_solution(changed(lesson11.TRACEBACK_CODE, ", reuse=True", ""), "test")
        assert namespace["kernel2"].name == "tower/kernel_1:0"


# --- step 1 (q3): two towers, one body ------------------------------------------------------------

TOWERS = lesson11.TWO_TOWERS_SOLUTION


def test_a_scope_object_shares_the_body_as_well_as_auto_reuse():
    scope_object = '''\
def layers(images):
    net = slim.conv2d(images, 4, [3, 3], scope="conv1")
    net = slim.max_pool2d(net, [2, 2], scope="pool1")
    net = slim.conv2d(net, 8, [3, 3], scope="conv2")
    return slim.flatten(net)


def two_towers(left, right, num_classes=2):
    with tf.variable_scope("towers"):
        with slim.arg_scope([slim.conv2d], normalizer_fn=slim.batch_norm,
                            weights_regularizer=slim.l2_regularizer(0.0005)):
            with tf.variable_scope("body") as scope:
                left_features = layers(left)
            with tf.variable_scope(scope, reuse=True):
                right_features = layers(right)
        net = tf.concat([left_features, right_features], axis=1)
        return slim.fully_connected(net, num_classes, activation_fn=None, scope="logits")
'''
    assert check_code(q3, scope_object).outcome is Outcome.CORRECT


def test_a_body_without_reuse_is_the_already_exists_error():
    feedback = check_code(q3, changed(TOWERS, ", reuse=tf.AUTO_REUSE", ""))
    assert feedback.outcome is Outcome.ERROR
    assert "Variable towers/body/conv1/weights already exists, disallowed" in feedback.to_text()
    assert "reuse=tf.AUTO_REUSE" in feedback.to_text()


def test_a_body_in_its_own_scope_per_tower_is_a_copy_not_a_share():
    copy = changed(TOWERS, 'with tf.variable_scope("body", reuse=tf.AUTO_REUSE):',
                   'with tf.variable_scope(None, default_name="body"):')
    feedback = check_code(q3, copy)
    assert feedback.outcome is Outcome.INCORRECT
    assert "the second tower made its own body (`towers/body_1/" in feedback.to_text()


def test_the_body_run_twice_on_left_leaves_right_unread():
    feedback = check_code(q3, changed(TOWERS, "[body(left), body(right)]", "[body(left), body(left)]"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "nothing reads `right`" in feedback.to_text()


def test_convs_without_batch_norm_keep_their_biases():
    feedback = check_code(q3, changed(TOWERS, "normalizer_fn=slim.batch_norm,", ""))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`towers/body/conv1` has biases and no `BatchNorm/`" in feedback.to_text()


def test_an_arg_scope_without_the_regularizer_is_named():
    no_regularizer = changed(TOWERS, ",\n                            weights_regularizer=slim.l2_regularizer(0.0005)", "")
    feedback = check_code(q3, no_regularizer)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`towers/body/conv1/weights` has no regularizer" in feedback.to_text()


def test_a_head_on_one_tower_reads_half_the_features():
    one_tower = changed(TOWERS, "features = [body(left), body(right)]",
                        "features = [body(left)]\n            body(right)")
    feedback = check_code(q3, one_tower)
    assert feedback.outcome is Outcome.INCORRECT
    assert "the head reads one tower's 128 features" in feedback.to_text()


def test_a_name_scope_for_towers_loses_the_prefix():
    feedback = check_code(q3, changed(TOWERS, 'tf.variable_scope("towers")', 'tf.name_scope("towers")'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`towers/` is missing from 10 names" in feedback.to_text()


# --- step 2 (q4): save it --------------------------------------------------------------------------

SAVE = lesson11.SAVE_SOLUTION


def test_the_correct_save_says_what_the_checkpoint_holds():
    feedback = check_code(q4, SAVE)
    assert feedback.outcome is Outcome.CORRECT
    assert "the checkpoint holds all 10 variables of the model" in feedback.to_text()


def test_a_saver_over_trainable_variables_misses_the_moving_averages():
    feedback = check_code(q4, changed(SAVE, "tf.train.Saver()", "tf.train.Saver(var_list=tf.trainable_variables())"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "the checkpoint lacks `towers/body/conv1/BatchNorm/moving_mean` and 3 more" in feedback.to_text()
    assert "moving averages are not trainable" in feedback.to_text()


def test_a_saver_made_before_the_model_has_nothing_to_save():
    early = changed(SAVE, "    two_towers(left, right)\n    saver = tf.train.Saver()\n",
                    "    saver = tf.train.Saver()\n    two_towers(left, right)\n")
    feedback = check_code(q4, early)
    assert feedback.outcome is Outcome.ERROR
    assert "ValueError: No variables to save" in feedback.to_text()
    assert "takes the variables that exist when it is created" in feedback.to_text()


def test_saving_before_initialising_names_the_uninitialised_variable_without_paths():
    feedback = check_code(q4, changed(SAVE, "        sess.run(tf.global_variables_initializer())\n", ""))
    assert feedback.outcome is Outcome.ERROR
    assert "FailedPreconditionError: Could not find variable towers/" in feedback.to_text()
    assert "run `tf.global_variables_initializer()` in the session" in feedback.to_text()
    assert "site-packages" not in feedback.to_text() and "Original stack trace" not in feedback.to_text()


def test_no_save_call_writes_no_checkpoint():
    feedback = check_code(q4, changed(SAVE, "return saver.save(sess, path)", "pass"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "no checkpoint was written under `path`" in feedback.to_text()


def test_a_saver_over_the_body_only_misses_the_head():
    body_only = changed(SAVE, "tf.train.Saver()", 'tf.train.Saver(var_list=slim.get_variables("towers/body/"))')
    feedback = check_code(q4, body_only)
    assert feedback.outcome is Outcome.INCORRECT
    assert "the checkpoint lacks `towers/logits/biases` and 1 more" in feedback.to_text()


# --- step 3 (q5): the warm start -------------------------------------------------------------------

WARM = lesson11.WARM_START_SOLUTION


def test_the_correct_warm_start_says_what_the_restore_did():
    feedback = check_code(q5, WARM)
    assert feedback.outcome is Outcome.CORRECT
    assert "fills all 8 variables of the body from the checkpoint" in feedback.to_text()


def test_include_of_the_body_scope_is_right_too():
    assert check_code(q5, changed(WARM, 'exclude=["towers/logits/"]', 'include=["towers/body/"]')).outcome \
        is Outcome.CORRECT


@pytest.mark.parametrize("restore", ['exclude=["logits"]', ""], ids=["exclude-logits", "everything"])
def test_the_prefix_trap_restores_the_two_class_head_silently(restore):
    feedback = check_code(q5, changed(WARM, 'exclude=["towers/logits/"]', restore))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`towers/logits/biases` is declared (5,) but now holds the checkpoint's (2,) value" in feedback.to_text()
    assert "does 'logits' start `towers/logits/biases`?" in feedback.to_text()


def test_leaving_out_the_moving_averages_keeps_them_fresh():
    trainable_body = changed(WARM, 'slim.get_variables_to_restore(exclude=["towers/logits/"])',
                             'slim.get_variables_to_restore(include=["towers/body/"], exclude=['
                             '"towers/body/conv1/BatchNorm/moving", "towers/body/conv2/BatchNorm/moving"])')
    feedback = check_code(q5, trainable_body)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`towers/body/conv1/BatchNorm/moving_mean` and 3 more kept a fresh value" in feedback.to_text()
    assert "the moving averages too" in feedback.to_text()


def test_the_old_number_of_classes_is_named():
    feedback = check_code(q5, changed(WARM, "num_classes=5", "num_classes=2"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "the head has 2 outputs; the new task has 5 classes" in feedback.to_text()


def test_returning_only_the_logits_asks_for_the_list():
    feedback = check_code(q5, changed(WARM, "return logits, restore_list", "return logits"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "should return two things, `logits, restore_list`" in feedback.to_text()


# --- step 4 (q6): the TF2 body -------------------------------------------------------------------

BODY = lesson11.BODY_SOLUTION


def test_layers_made_outside_the_name_scope_lose_the_module_name():
    outside = changed(BODY, '        with self.name_scope:\n            self.conv1 = ConvBN(1, 4, name="conv1")\n'
                            '            self.conv2 = ConvBN(4, 8, name="conv2")',
                      '        self.conv1 = ConvBN(1, 4, name="conv1")\n'
                      '        self.conv2 = ConvBN(4, 8, name="conv2")')
    feedback = check_code(q6, outside)
    assert feedback.outcome is Outcome.INCORRECT
    assert "your variables are called `conv1/kernel`..., without the module's name `body/`" in feedback.to_text()
    assert "variable_scope" not in feedback.to_text() and "reuse=" not in feedback.to_text()


def test_a_body_without_the_pool_has_four_times_the_features():
    no_pool = changed(changed(BODY, 'net = tf2.nn.max_pool2d(net, 2, 2, "VALID")', "pass"), "4 * 4 * 8", "8 * 8 * 8")
    feedback = check_code(q6, no_pool)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`Body()(images)` has shape (4, 512) for 4 images; the TF1 body gives (4, 128)" in feedback.to_text()


def test_a_body_without_the_flatten_is_named_by_its_shape():
    feedback = check_code(q6, changed(BODY, "tf2.reshape(net, [-1, 4 * 4 * 8])", "net"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "has shape (4, 4, 4, 8)" in feedback.to_text()


def test_an_average_pool_computes_other_numbers():
    feedback = check_code(q6, changed(BODY, "max_pool2d", "avg_pool2d"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "your Body computes other numbers than the TF1 body" in feedback.to_text()


def test_a_layer_made_in_call_makes_new_variables_every_call():
    feedback = check_code(q6, changed(BODY, "net = self.conv1(images)", 'net = ConvBN(1, 4, name="conv1")(images)'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "calling the object again made new variables" in feedback.to_text()


# --- step 5 (q7): the name map -------------------------------------------------------------------

MAP = lesson11.NAME_MAP_SOLUTION


def test_the_correct_map_says_the_outputs_match():
    feedback = check_code(q7, MAP)
    assert feedback.outcome is Outcome.CORRECT
    assert "computes what the TF1 body computes" in feedback.to_text()


def test_a_map_without_the_outer_scope_names_the_prefix():
    feedback = check_code(q7, changed(MAP, 'f"towers/{layer}', 'f"{layer}'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`body/conv1/weights` is not a name in the checkpoint" in feedback.to_text()
    assert "start with `towers/`" in feedback.to_text()


def test_a_map_with_output_indices_names_the_colon_zero():
    feedback = check_code(q7, changed(MAP, '{slim_names[own]}"', '{slim_names[own]}:0"'))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`towers/body/conv1/weights:0` is not a name in the checkpoint: checkpoint names have no `:0`" \
        in feedback.to_text()


def test_a_map_over_trainable_variables_leaves_the_statistics_fresh():
    feedback = check_code(q7, changed(MAP, "body.variables", "body.trainable_variables"))
    assert feedback.outcome is Outcome.INCORRECT
    assert "`towers/body/conv1/BatchNorm/moving_mean` is not mapped to any variable" in feedback.to_text()
    assert "map `body.variables`" in feedback.to_text()


def test_a_map_that_swaps_mean_and_variance_is_caught_by_the_outputs():
    swapped = changed(MAP, '"mean": "BatchNorm/moving_mean", "variance": "BatchNorm/moving_variance"',
                      '"mean": "BatchNorm/moving_variance", "variance": "BatchNorm/moving_mean"')
    feedback = check_code(q7, swapped)
    assert feedback.outcome is Outcome.INCORRECT
    assert "every name is mapped and every shape fits, but the TF2 body computes other numbers" in feedback.to_text()


def test_a_list_instead_of_a_map_asks_for_a_dict():
    feedback = check_code(q7, "def name_map(body):\n    return list(body.variables)\n")
    assert feedback.outcome is Outcome.INCORRECT
    assert "`name_map` returned a list of 8; return a dict" in feedback.to_text()


# --- recall and quiz: the answer after a second wrong try -----------------------------------------


def test_saved_names_in_either_order_are_correct():
    assert first_try(q11, ["weights", "counter"]).outcome is Outcome.CORRECT


def test_a_second_wrong_choice_shows_the_right_letter_and_why():
    q9.forget_attempts()
    try:
        q9.check("a")
        second = q9.check("b")
        assert second.answer_shown
        assert "The answer is (c): A regularization loss is made when its variable is created" in second.to_text()
    finally:
        q9.forget_attempts()


def test_a_second_wrong_line_shows_the_fix():
    q12.forget_attempts()
    try:
        q12.check(9)
        second = q12.check(8)
        assert second.answer_shown
        assert "Line 6 must change, to `kernel = tf.get_variable(\"kernel\", shape)`" in second.to_text()
    finally:
        q12.forget_attempts()


# --- the notebook ---------------------------------------------------------------------------------


def test_notebook_has_thirteen_exercises_in_order():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    tags = [tag for cell in notebook.cells for tag in cell.metadata.get("tags", [])]
    names = [f"q{n}" for n in range(1, 14)]
    assert [tag.split(":")[1] for tag in tags if tag.startswith("exercise:")] == names
    assert [e.name for e in lesson11.EXERCISES] == names


def test_capstone_steps_start_from_blank_functions():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    sources = {cell.metadata["tags"][0]: cell.source for cell in notebook.cells
               if cell.metadata.get("tags", [""])[0].startswith("exercise:")}
    for name, signature in [("q3", "def two_towers(left, right, num_classes=2):"),
                            ("q4", "def save_towers(left, right, path):"),
                            ("q5", "def warm_start(left, right):"),
                            ("q7", "def name_map(body):")]:
        assert sources[f"exercise:{name}"] == f"{signature}\n    ____"
    assert sources["exercise:q6"] == lesson11.BODY_STARTER.strip()


def test_notebook_outputs_show_no_temporary_paths_or_addresses():
    text = stored_output_text(NOTEBOOK)
    assert "same outputs: True" in text
    assert "head weights declared: (256, 5)  hold: (256, 2)" in text
    for leak in ("/tmp", "scopekit-lesson11-", "Original stack trace", " at 0x", "site-packages"):
        assert leak not in text
