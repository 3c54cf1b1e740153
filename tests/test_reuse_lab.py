"""The reuse lab runs TF for every reuse combination; these tests pin what TF 2.21 does."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import kit  # noqa: F401  (quiet TF import first)
from kit import reuse_lab
from kit.reuse_lab import CREATES, RAISES, REUSES, ReuseCase, run_case

ROOT = Path(__file__).resolve().parent.parent
ALREADY_EXISTS = (
    "ValueError: Variable s/p already exists, disallowed. "
    "Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?"
)
DOES_NOT_EXIST = (
    "ValueError: Variable s/p does not exist, or was not created with tf.get_variable(). "
    "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
)


@pytest.fixture(scope="module")
def table():
    return reuse_lab.reuse_table()


def test_default_reuse_creates_a_missing_variable():
    outcome = run_case(ReuseCase("None", False, "same shape"))
    assert (outcome.verdict, outcome.variable, outcome.shape) == (CREATES, "s/p:0", (2, 3))


def test_default_reuse_refuses_an_existing_variable_without_traceback():
    outcome = run_case(ReuseCase("None", True, "same shape"))
    assert outcome.verdict == RAISES
    assert outcome.error == ALREADY_EXISTS  # resource variables: no "Originally defined at"


def test_reuse_true_on_a_missing_variable_raises_does_not_exist():
    outcome = run_case(ReuseCase("True", False, "same shape"))
    assert outcome.error == DOES_NOT_EXIST
    assert outcome.variable_count == 0


def test_reuse_true_returns_the_existing_object_even_without_a_shape():
    assert run_case(ReuseCase("True", True, "same shape")).verdict == REUSES
    omitted = run_case(ReuseCase("True", True, "no shape"))  # the stored shape is used
    assert (omitted.verdict, omitted.shape, omitted.variable_count) == (REUSES, (2, 3), 1)


def test_auto_reuse_creates_when_missing_and_reuses_when_present():
    assert run_case(ReuseCase("tf.AUTO_REUSE", False, "same shape")).verdict == CREATES
    assert run_case(ReuseCase("tf.AUTO_REUSE", True, "same shape")).verdict == REUSES


def test_auto_reuse_still_checks_the_shape():
    outcome = run_case(ReuseCase("tf.AUTO_REUSE", True, "other shape"))
    assert outcome.error == (
        "ValueError: Trying to share variable s/p, but specified shape (3, 2) "
        "and found shape (2, 3)."
    )


def test_dtype_mismatch_uses_the_resource_variable_text():
    outcome = run_case(ReuseCase("True", True, "other dtype"))
    assert outcome.error.endswith("specified dtype int32 and found dtype float32.")
    assert "_ref" not in outcome.error


def test_missing_shape_without_initializer_cannot_create():
    outcome = run_case(ReuseCase("tf.AUTO_REUSE", False, "no shape"))
    assert outcome.verdict == RAISES
    assert "did not get an initializer" in outcome.error


def test_none_and_false_behave_the_same(table):
    for exists in (False, True):
        for request in reuse_lab.REQUESTS:
            none = table.outcomes[ReuseCase("None", exists, request)]
            false = table.outcomes[ReuseCase("False", exists, request)]
            assert none == false


def test_reuse_variables_behaves_like_reuse_true(table):
    for exists in (False, True):
        for request in reuse_lab.REQUESTS:
            method = table.outcomes[ReuseCase("scope.reuse_variables()", exists, request)]
            assert method == table.outcomes[ReuseCase("True", exists, request)]


def test_case_code_is_runnable_tf_and_names_the_mode():
    code = ReuseCase("scope.reuse_variables()", True, "other dtype").code()
    assert "scope.reuse_variables()" in code
    assert "old = " in code and "dtype=tf.int32" in code
    assert "old = " not in ReuseCase("True", False, "same shape").code()


def test_unknown_mode_or_request_is_rejected():
    with pytest.raises(ValueError, match="mode must be one of"):
        ReuseCase("sometimes", True, "same shape")
    with pytest.raises(ValueError, match="request must be one of"):
        ReuseCase("True", True, "bigger")


def test_table_lists_every_combination_and_spells_out_each_error(table):
    text = table.to_text()
    rows = [line for line in text.splitlines() if line.split("  ")[0].strip() in
            reuse_lab.REUSE_MODES]
    assert len(rows) == len(reuse_lab.REUSE_MODES) * 2
    assert len(table.outcomes) == 40
    assert f"E2: {ALREADY_EXISTS}" in text
    assert f"E3: {DOES_NOT_EXIST}" in text
    assert text.count("\nE") == 5
    assert "<table>" in table.to_html() and "already exists" in table.to_html()


def test_nested_scope_cannot_switch_reuse_off():
    assert reuse_lab.effective_reuse("True", "False") == "True"
    assert reuse_lab.effective_reuse("True", "None") == "True"


def test_auto_reuse_inheritance_rules():
    assert reuse_lab.effective_reuse("tf.AUTO_REUSE", "False") == "tf.AUTO_REUSE"
    assert reuse_lab.effective_reuse("tf.AUTO_REUSE", "True") == "True"
    assert reuse_lab.effective_reuse("True", "tf.AUTO_REUSE") == "tf.AUTO_REUSE"
    assert reuse_lab.effective_reuse("None", "None") == "False"


def test_inheritance_table_has_sixteen_cells():
    table = reuse_lab.inheritance_table()
    assert len(table.cells) == 16
    assert "reuse=tf.AUTO_REUSE" in table.to_text()


def test_reuse_lab_never_imports_ipywidgets():
    """Core module: building the whole table in a plain process loads no ipywidgets."""
    script = (
        "import sys\n"
        "from kit import reuse_lab\n"
        "reuse_lab.reuse_table(); reuse_lab.inheritance_table()\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'ipywidgets'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "[]"


def test_explorer_text_fallback_is_the_full_table(table):
    from kit.reuse_widget import ReuseExplorer

    bundle = ReuseExplorer(table)._repr_mimebundle_()
    assert bundle["text/plain"] == table.to_text()
    assert bundle["text/html"] == table.to_html()


def test_explorer_panel_shows_the_code_and_the_error_tf_raised():
    from kit.reuse_widget import outcome_html

    panel = outcome_html(ReuseCase("True", False, "same shape"))
    assert "reuse=True" in panel
    assert "does not exist, or was not created with tf.get_variable()" in panel
    assert "TF raises" in panel


def test_explorer_controls_rerun_tf_when_changed(table):
    from kit.reuse_widget import ReuseExplorer

    box = ReuseExplorer(table)._build()
    mode, exists, request, result = box.children
    assert "TF reuses" in result.value  # defaults: reuse=True, s/p exists, same shape
    exists.value = False
    assert "does not exist" in result.value
    mode.value = "tf.AUTO_REUSE"
    assert "TF creates" in result.value
    exists.value, request.value = True, "other dtype"
    assert "specified dtype int32 and found dtype float32" in result.value
