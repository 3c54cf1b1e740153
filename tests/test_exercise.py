"""The exercise engine: each kind gives correct / not attempted / incorrect with a reason."""

from __future__ import annotations

import sys
import types

import pytest

import kit
from kit import exercise as ex
from kit.exercise import BuildExercise, FixExercise, Outcome, PredictExercise, ____

tf = kit.tf


def notebook_globals(monkeypatch, code: str = "") -> dict:
    """Make a fake ``__main__`` (the notebook), run ``code`` in it and return its globals."""
    main = types.ModuleType("__main__")
    main.__dict__.update({"tf": kit.tf, "slim": kit.slim, "kit": kit, "____": ____})
    if code:
        exec(code, main.__dict__)  # noqa: S102 - test notebook cells
    monkeypatch.setitem(sys.modules, "__main__", main)
    return main.__dict__


@pytest.fixture(autouse=True)
def recorded(monkeypatch):
    """Capture progress records instead of writing a file."""
    calls = []
    from kit import progress

    monkeypatch.setattr(progress, "record",
                        lambda lesson, name, outcome, **_: calls.append((lesson, name, outcome)))
    monkeypatch.setattr(progress, "record_help", lambda *args, **kwargs: None)
    return calls


def get_variable_name_in_nest() -> str:
    with kit.fresh_graph(), tf.name_scope("foo"), tf.variable_scope("goo"):
        return tf.get_variable("w", [1]).name


def make_predict() -> PredictExercise:
    return PredictExercise(
        name="q1",
        lesson="01",
        title="Name the get_variable",
        answer_name="q1_answer",
        expected=get_variable_name_in_nest,
        explanation="tf.get_variable sees variable scopes only.",
        wrong_answers={"foo/goo/w:0": "`foo` is a name_scope, and tf.get_variable ignores name_scope."},
        hints=["Which scope is a variable_scope?", "Only `goo` counts."],
        solution_code='q1_answer = "goo/w:0"',
    )


# --- predict -----------------------------------------------------------------------------


def test_predict_solution_code_is_correct(monkeypatch, recorded):
    q1 = make_predict()
    notebook_globals(monkeypatch, q1.solution_code)
    feedback = q1.check()
    assert feedback.outcome is Outcome.CORRECT
    assert str(feedback).startswith("Correct: 'goo/w:0'.")
    assert "sees variable scopes only" in str(feedback)
    assert recorded == [("01", "q1", "correct")]


def test_predict_placeholder_is_not_attempted_and_not_recorded(monkeypatch, recorded):
    q1 = make_predict()
    notebook_globals(monkeypatch, "q1_answer = ____")
    feedback = q1.check()
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert str(feedback).startswith("Not attempted: replace `____` in `q1_answer = ____`")
    assert "`q1.hint()`" in str(feedback)
    assert recorded == []


def test_predict_first_wrong_try_gives_the_reason_and_a_nudge_not_the_answer(monkeypatch, recorded):
    q1 = make_predict()
    notebook_globals(monkeypatch, 'q1_answer = "foo/goo/w:0"')
    feedback = q1.check()
    assert feedback.outcome is Outcome.INCORRECT
    assert str(feedback).startswith("Incorrect: `foo` is a name_scope, and tf.get_variable ignores name_scope.")
    assert "goo/w:0" not in str(feedback).replace("foo/goo/w:0", "")
    assert "run the next cell and compare" in str(feedback)
    assert not feedback.answer_shown
    assert recorded == [("01", "q1", "incorrect")]


def test_predict_second_wrong_try_shows_the_answer():
    q1 = make_predict()
    q1.check("foo/goo/w:0")
    feedback = q1.check("w:0")
    assert "TensorFlow gives 'goo/w:0'. tf.get_variable sees variable scopes only." in str(feedback)
    assert feedback.answer_shown


def test_predict_answer_is_shown_after_the_last_hint_or_the_solution():
    after_hints = make_predict()
    after_hints.hint(1)
    assert "TensorFlow gives" not in str(after_hints.check("w:0"))
    after_hints.forget_attempts()
    after_hints.hint(1)
    after_hints.hint(2)
    assert "TensorFlow gives 'goo/w:0'" in str(after_hints.check("w:0"))
    after_solution = make_predict()
    after_solution.solution()
    assert "TensorFlow gives 'goo/w:0'" in str(after_solution.check("w:0"))


def test_predict_answer_of_the_wrong_type_is_not_counted_as_a_try():
    q1 = make_predict()
    q1.check(3)
    q1.check(4)
    assert "TensorFlow gives" not in str(q1.check("w:0"))


def test_predict_suggests_the_next_hint_not_seen_yet():
    q1 = make_predict()
    assert "Try `q1.hint()`." in str(q1.check("w:0"))
    q1.hint()
    assert "Try `q1.hint(2)`." in str(q1.check(3))  # a wrong kind of answer: no try counted


def test_hints_and_solution_are_recorded_as_help(monkeypatch):
    from kit import progress

    seen = []
    monkeypatch.setattr(progress, "record_help", lambda *args, **kwargs: seen.append((args, kwargs)))
    q1 = make_predict()
    q1.hint(2)
    q1.hint(7)  # no such hint: nothing recorded
    q1.solution()
    assert seen == [(("01", "q1"), {"hint": 2}), (("01", "q1"), {"solution": True})]


def test_predict_unknown_wrong_answer_repeats_the_prediction():
    feedback = make_predict().check("foo/w:0")
    assert feedback.outcome is Outcome.INCORRECT
    assert str(feedback).startswith(
        "Incorrect: you predicted 'foo/w:0', which is not what TensorFlow does here. Try `q1.hint()`.")


def test_predict_wrong_type_says_what_kind_of_answer_is_expected():
    feedback = make_predict().check(3)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`q1_answer` should be a string (in quotes); yours is int 3" in str(feedback)


def test_predict_accepts_op_name_without_output_index_and_explains_it():
    feedback = make_predict().check("  goo/w ")
    assert feedback.outcome is Outcome.CORRECT
    assert "its first output, the tensor, is `goo/w:0`" in str(feedback)


def test_predict_missing_global_means_cell_not_run(monkeypatch):
    notebook_globals(monkeypatch)
    feedback = make_predict().check()
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "`q1_answer` is not defined yet" in str(feedback)


def test_predict_counts_accept_numbers_written_as_text():
    q = PredictExercise(name="q2", lesson="01", answer_name="n", expected=138_357_544)
    assert q.check("138,357,544").correct
    assert q.check(138357544.0).correct
    assert not q.check(True).correct
    assert q.check(4).outcome is Outcome.INCORRECT


def test_predict_lists_compare_in_order_and_placeholders_inside_lists_count_as_not_attempted():
    q = PredictExercise(name="q3", lesson="01", answer_name="names", expected=["x:0", "x_1:0"])
    assert q.check(["x:0", "x_1:0"]).correct
    assert q.check(("x:0", "x_1:0")).correct
    assert q.check(["x_1:0", "x:0"]).outcome is Outcome.INCORRECT
    assert q.check(["x:0", ____]).outcome is Outcome.NOT_ATTEMPTED


def test_predict_broken_expected_is_reported_as_a_kit_problem():
    def broken():
        raise ValueError("boom")

    feedback = PredictExercise(name="q9", lesson="01", answer_name="a", expected=broken).check("x")
    assert feedback.outcome is Outcome.ERROR
    assert "problem in the kit, not in your prediction" in str(feedback)


def test_hints_know_the_exercise_name_and_how_many_there_are():
    q1 = make_predict()
    assert str(q1.hint()) == "Hint 1 of 2 for `q1`: Which scope is a variable_scope? More: `q1.hint(2)`."
    assert str(q1.hint(2)) == "Hint 2 of 2 for `q1`: Only `goo` counts."
    assert str(q1.hint("2")) == str(q1.hint(2))
    assert str(q1.hint(3)) == "`q1` has 2 hints: try `q1.hint(1)`, `q1.hint(2)`."


def test_solution_shows_the_code_and_explanation_as_text_and_html():
    shown = make_predict().solution()
    bundle = shown._repr_mimebundle_()
    assert bundle["text/plain"].endswith('q1_answer = "goo/w:0"')
    assert "sees variable scopes only" in bundle["text/plain"]
    assert "<pre><code>q1_answer = &quot;goo/w:0&quot;</code></pre>" in bundle["text/html"]


def test_feedback_html_is_coloured_and_text_is_plain():
    bundle = make_predict().check("foo/goo/w:0")._repr_mimebundle_()
    assert bundle["text/plain"].startswith("Incorrect: ")
    assert "<" not in bundle["text/plain"]
    assert "color:#b35c00" in bundle["text/html"]
    assert "<code>foo</code>" in bundle["text/html"]


# --- build ---------------------------------------------------------------------------------

TOWER_SOLUTION = '''def towers(images):
    with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):
        return slim.conv2d(images, 4, [3, 3], scope="conv1")
'''


def make_build(**overrides) -> BuildExercise:
    fields = {
        "name": "q3",
        "lesson": "02",
        "title": "Two towers, one set of weights",
        "function_name": "towers",
        "solution_code": TOWER_SOLUTION,
        "make_inputs": lambda tf: (tf.placeholder(tf.float32, [None, 8, 8, 3]),),
        "calls": 2,
        "hints": ["Open the scope with reuse=tf.AUTO_REUSE."],
    }
    fields.update(overrides)
    return BuildExercise(**fields)


def test_build_solution_is_correct_and_reports_sharing(monkeypatch, recorded):
    q3 = make_build()
    notebook_globals(monkeypatch, q3.solution_code)
    feedback = q3.check()
    assert feedback.outcome is Outcome.CORRECT, str(feedback)
    assert str(feedback) == (
        "Correct: `towers` builds the expected 2 variables over 2 calls, 2 shared by several name scopes."
    )
    assert recorded == [("02", "q3", "correct")]


def test_build_placeholder_body_is_not_attempted(monkeypatch):
    q3 = make_build()
    notebook_globals(monkeypatch, "def towers(images):\n    with tf.variable_scope(____):\n        pass\n")
    feedback = q3.check()
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "`towers` still contains `____`" in str(feedback)


@pytest.mark.parametrize(
    "stub",
    [
        "def towers(images):\n    pass\n",
        "def towers(images):\n    ...\n",
        'def towers(images):\n    """Build two towers."""\n',
    ],
)
def test_build_empty_stub_is_not_attempted(monkeypatch, stub):
    notebook_globals(monkeypatch, stub)
    feedback = make_build().check()
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "`towers` is still an empty stub" in str(feedback)


def test_build_returning_none_is_not_mistaken_for_a_stub():
    assert not ex.is_empty_stub(lambda images: images)
    assert not ex.is_empty_stub(ex.exec_solution("def f(x):\n    print(x)\n", "t")["f"])


def test_a_progress_store_that_cannot_be_written_never_breaks_a_check(monkeypatch):
    from kit import progress

    monkeypatch.undo()  # the real recorder, not the autouse capture
    monkeypatch.setenv(progress.ENV_VAR, "/dev/null/progress.json")  # no folder can be made
    monkeypatch.setattr(progress, "_warned", set())
    monkeypatch.setattr(progress, "_unsaved", {})
    with pytest.warns(progress.ProgressWarning, match="could not save"):
        assert make_predict().check("goo/w:0").correct


def test_build_without_reuse_raises_and_is_translated(monkeypatch, recorded):
    notebook_globals(
        monkeypatch,
        'def towers(images):\n    with tf.variable_scope("tower"):\n'
        '        return slim.conv2d(images, 4, [3, 3], scope="conv1")\n',
    )
    feedback = make_build().check()
    assert feedback.outcome is Outcome.ERROR
    text = str(feedback)
    assert text.startswith("Error: `towers` raised ValueError: Variable tower/conv1/weights already exists")
    assert "What it means: creating a variable twice without reuse." in text
    assert "reuse=True" in text and "Lesson 02 (Reuse modes) and lesson 03 (Sharing weights) show it." in text
    assert recorded == [("02", "q3", "error")]


def test_build_default_name_scopes_make_copies_and_the_reason_names_reuse(monkeypatch):
    notebook_globals(
        monkeypatch,
        'def towers(images):\n    with tf.variable_scope(None, default_name="tower"):\n'
        '        return slim.conv2d(images, 4, [3, 3], scope="conv1")\n',
    )
    feedback = make_build().check()
    assert feedback.outcome is Outcome.INCORRECT
    assert str(feedback).startswith(
        "Incorrect: `tower/conv1/biases` exists twice (again as `tower_1/conv1/biases`): the second "
        "call needs `reuse=True` or `tf.AUTO_REUSE`"
    )
    assert feedback.diff is not None and len(feedback.diff.of_kind("extra copy")) == 2
    assert "Expected 2 variables, yours has 4 variables" in str(feedback)


def test_build_name_scope_instead_of_variable_scope_is_explained(monkeypatch):
    notebook_globals(
        monkeypatch,
        'def towers(images):\n    with tf.name_scope("tower"):\n'
        '        with tf.variable_scope("conv1", reuse=tf.AUTO_REUSE):\n'
        '            w = tf.get_variable("weights", [3, 3, 3, 4])\n'
        '            b = tf.get_variable("biases", [4])\n'
        '            return tf.nn.conv2d(images, w, 1, "SAME") + b\n',
    )
    feedback = make_build(compare=("names", "shapes")).check()
    assert feedback.outcome is Outcome.INCORRECT
    assert str(feedback).startswith("Incorrect: `tower/` is missing from 2 names")
    assert "tf.get_variable ignores name_scope, so `tower/` must be a variable_scope" in str(feedback)


def test_build_wrong_kernel_shape_is_a_shape_difference(monkeypatch):
    notebook_globals(
        monkeypatch,
        'def towers(images):\n    with tf.variable_scope("tower", reuse=tf.AUTO_REUSE):\n'
        '        return slim.conv2d(images, 4, [5, 5], scope="conv1")\n',
    )
    feedback = make_build().check()
    assert feedback.outcome is Outcome.INCORRECT
    assert "`tower/conv1/weights` has shape (5, 5, 3, 4); expected (3, 3, 3, 4)." in str(feedback)


def test_build_extra_check_reason_comes_first():
    def needs_three_outputs(reference, run):
        return "return the output of every call" if len(run.outputs) != 3 else None

    q3 = make_build(extra_checks=[needs_three_outputs])
    feedback = q3.check(q3.reference_function)
    assert feedback.outcome is Outcome.INCORRECT
    assert str(feedback).startswith("Incorrect: return the output of every call")


def test_build_extra_check_compares_with_the_reference_run():
    def same_output_shape(reference, run):
        wanted, got = reference.outputs[-1].shape.as_list(), run.outputs[-1].shape.as_list()
        return None if got == wanted else f"the output is {got}; the reference gives {wanted}"

    q3 = make_build(compare=("names",), extra_checks=[same_output_shape])
    assert q3.check(q3.reference_function).outcome is Outcome.CORRECT
    strided = ex.exec_solution(TOWER_SOLUTION.replace("[3, 3]", "[3, 3], stride=2"), "a")["towers"]
    feedback = q3.check(strided)
    assert feedback.outcome is Outcome.INCORRECT
    assert str(feedback).startswith("Incorrect: the output is [None, 4, 4, 4]; the reference gives "
                                    "[None, 8, 8, 4]")


def test_build_function_that_builds_nothing_says_so():
    feedback = make_build().check(lambda images: images)
    assert feedback.outcome is Outcome.INCORRECT
    assert "`towers` created no variables; the reference creates 2" in str(feedback)


def test_check_is_deterministic_and_leaves_notebook_globals_alone(monkeypatch):
    namespace = notebook_globals(monkeypatch, "def towers(images):\n    return images\nx = [1]\n")
    before = dict(namespace)
    q3 = make_build()
    first, second = str(q3.check()), str(q3.check())
    assert first == second
    assert namespace == before and namespace["x"] == [1]


# --- fix ------------------------------------------------------------------------------------

FIX_STARTER = '''def build(x):
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [3, 2])
    with tf.variable_scope("layer"):
        w2 = tf.get_variable("w", [3, 2])
    return tf.matmul(x, w) + tf.matmul(x, w2)
'''
FIX_SOLUTION = '''def build(x):
    with tf.variable_scope("layer"):
        w = tf.get_variable("w", [3, 2])
    with tf.variable_scope("layer", reuse=True):
        w2 = tf.get_variable("w", [3, 2])
    return tf.matmul(x, w) + tf.matmul(x, w2)
'''


def make_fix() -> FixExercise:
    return FixExercise(
        name="q6",
        lesson="02",
        title="Share the layer",
        function_name="build",
        solution_code=FIX_SOLUTION,
        starter_code=FIX_STARTER,
        make_inputs=lambda tf: (tf.placeholder(tf.float32, [None, 3]),),
        hints=["The second scope must fetch, not create."],
    )


def test_fix_untouched_starter_is_not_attempted(monkeypatch):
    notebook_globals(monkeypatch, "\n\n# the learner's cell\n" + FIX_STARTER)
    feedback = make_fix().check()
    assert feedback.outcome is Outcome.NOT_ATTEMPTED
    assert "`build` is still the starter code" in str(feedback)


def test_fix_solution_is_correct(monkeypatch):
    q6 = make_fix()
    notebook_globals(monkeypatch, q6.solution_code)
    assert q6.check().outcome is Outcome.CORRECT


def test_fix_with_a_new_scope_name_keeps_two_copies_and_is_incorrect(monkeypatch):
    notebook_globals(monkeypatch, FIX_STARTER.replace('variable_scope("layer"):\n        w2', 'variable_scope("layer2"):\n        w2'))
    feedback = make_fix().check()
    assert feedback.outcome is Outcome.INCORRECT
    assert "`layer2/w` (3, 2) is not expected." in str(feedback)


def test_fix_with_reuse_on_both_scopes_is_translated_as_missing_variable(monkeypatch):
    notebook_globals(monkeypatch, FIX_STARTER.replace('variable_scope("layer")', 'variable_scope("layer", reuse=True)'))
    feedback = make_fix().check()
    assert feedback.outcome is Outcome.ERROR
    assert "reuse=True only fetches variables that already exist" in str(feedback)
    assert "Lesson 02 (Reuse modes) shows it." in str(feedback)


def test_fix_with_root_reuse_variables_names_the_top_level_trap(monkeypatch):
    notebook_globals(
        monkeypatch,
        "def build(x):\n    tf.get_variable_scope().reuse_variables()\n"
        '    with tf.variable_scope("layer"):\n        w = tf.get_variable("w", [3, 2])\n'
        "    return tf.matmul(x, w)\n",
    )
    feedback = make_fix().check()
    assert feedback.outcome is Outcome.ERROR
    assert "reuse_variables() at the top level poisons the whole graph" in str(feedback)
    assert "Lesson 02 (Reuse modes) shows it." in str(feedback)


def test_same_code_ignores_where_a_function_was_defined():
    first = ex.exec_solution(FIX_STARTER, "a")["build"]
    moved = ex.exec_solution("\n\n\n" + FIX_STARTER, "b")["build"]
    fixed = ex.exec_solution(FIX_SOLUTION, "c")["build"]
    assert ex.same_code(first, moved)
    assert not ex.same_code(first, fixed)


def test_learner_variable_cap_scales_with_the_reference_within_bounds():
    assert make_build().learner_variable_cap() == ex.MIN_VARIABLE_CAP
    assert make_build(variable_cap=50).learner_variable_cap() == 50


def test_exercise_authors_get_early_errors_for_unknown_options():
    with pytest.raises(ValueError, match="compare may hold"):
        make_build(compare=("names", "colour"))
    with pytest.raises(ValueError, match="calls must be"):
        make_build(calls=0)


def test_an_exercise_shown_in_a_cell_says_how_to_use_it():
    assert repr(make_predict()) == (
        "q1 (lesson 01, predict): Name the get_variable. Check with `q1.check()`, get help with "
        "`q1.hint()`, see the answer with `q1.solution()`."
    )


def test_build_feedback_html_carries_the_diff_table(monkeypatch):
    notebook_globals(
        monkeypatch,
        'def towers(images):\n    with tf.variable_scope(None, default_name="tower"):\n'
        '        return slim.conv2d(images, 4, [3, 3], scope="conv1")\n',
    )
    markup = make_build().check()._repr_mimebundle_()["text/html"]
    assert "scopekit-incorrect" in markup
    assert "<table" in markup and "extra copy" in markup


def test_a_recall_question_nudges_back_to_its_lesson_not_to_the_next_cell():
    recall = make_predict()
    recall.recall_of = "lesson 01"
    feedback = recall.check("w:0")
    assert "Think back to lesson 01" in feedback.to_text()
    assert "next cell" not in feedback.to_text()
