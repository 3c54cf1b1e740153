"""The ipywidgets explorer and ``kit.show``: every control changes what is shown."""

from __future__ import annotations

import re

import nbformat
import pytest
from nbclient import NotebookClient

import kit
import kit.display
from kit.display import StaticTree, show
from kit.render import ViewOptions, render_html, render_text
from kit.tree import OpInfo, ScopeTree, VariableInfo
from kit.widgets import (
    CHUNK_ROWS,
    FULL_MARKUP_ROWS,
    LazyScope,
    ScopeExplorer,
    collections_present,
    row_count,
)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# pytest resets warning filters per test; kit silences this one at import (kit/quiet_tf.py).
pytestmark = pytest.mark.filterwarnings("ignore:`layer.apply` is deprecated")


def build_towers_graph():
    """Two towers sharing one slim layer, a slim.repeat block, a custom and a local variable."""
    tf, slim = kit.tf, kit.slim
    with kit.fresh_graph() as graph:
        images = tf.placeholder(tf.float32, [None, 8, 8, 3], name="images")
        for tower in ("tower_0", "tower_1"):
            with tf.name_scope(tower), tf.variable_scope("shared", reuse=tf.AUTO_REUSE):
                slim.conv2d(
                    images, 4, [3, 3], scope="conv",
                    weights_regularizer=slim.l2_regularizer(0.1),
                )
        slim.repeat(images, 3, slim.conv2d, 4, [3, 3], scope="conv3")
        tf.get_variable("mine", [2], collections=["custom_things", "variables"])
        tf.get_variable("steps", [], collections=["local_variables"], trainable=False)
    return graph


@pytest.fixture(scope="module")
def tree() -> ScopeTree:
    return ScopeTree.from_graph(build_towers_graph())


@pytest.fixture
def explorer(tree) -> ScopeExplorer:
    return ScopeExplorer(tree)


def shown_names(explorer: ScopeExplorer) -> list[str]:
    return re.findall(r'data-name="([^"]+)"', explorer.tree_output.value)


def test_explorer_starts_with_the_options_it_was_given(tree):
    options = ViewOptions(view="ops", depth=2, fold=False, collection="trainable_variables",
                          search="conv", hide_plumbing=False)
    explorer = ScopeExplorer(tree, options)
    assert explorer.options == ViewOptions(view="ops", depth=2, fold=False, collection="trainable",
                                           search="conv", hide_plumbing=False)
    assert render_html(tree, explorer.options) in explorer.tree_output.value
    assert explorer.collection_control.value == "trainable"
    assert explorer.depth_control.value == "2"


def test_switching_view_changes_which_halves_are_shown(explorer):
    assert re.findall(r'data-half="(\w+)"', explorer.tree_output.value) == ["variables", "ops"]
    explorer.view_control.value = "ops"
    assert re.findall(r'data-half="(\w+)"', explorer.tree_output.value) == ["ops"]
    assert explorer.to_text().startswith("Ops by name scope")
    explorer.view_control.value = "variables"
    assert re.findall(r'data-half="(\w+)"', explorer.tree_output.value) == ["variables"]


def test_collection_dropdown_lists_collections_present_known_ones_first(explorer, tree):
    assert collections_present(tree) == [
        "global", "local", "model", "trainable", "regularized", "custom_things"
    ]
    assert explorer.collection_control.options == ("all variables", *collections_present(tree))
    assert explorer.collection_control.value == "all variables"
    assert explorer.options.collection is None


def test_choosing_a_collection_filters_variables(explorer):
    explorer.view_control.value = "variables"
    explorer.collection_control.value = "local"
    assert shown_names(explorer) == ["steps"]
    explorer.collection_control.value = "custom_things"
    assert shown_names(explorer) == ["mine"]
    explorer.collection_control.value = "regularized"
    assert shown_names(explorer) == ["shared/conv/weights"]


def test_collection_control_is_disabled_for_ops_and_plumbing_for_variables(explorer):
    explorer.view_control.value = "ops"
    assert explorer.collection_control.disabled and not explorer.plumbing_control.disabled
    explorer.view_control.value = "variables"
    assert explorer.plumbing_control.disabled and not explorer.collection_control.disabled


def test_search_keeps_only_matching_names(explorer):
    explorer.search_control.value = "BIASES"
    names = shown_names(explorer)
    assert names and all("biases" in name for name in names)
    assert "matching 'BIASES'" in explorer.to_text()


def test_depth_opens_only_that_many_levels(explorer):
    explorer.view_control.value = "variables"
    assert " open" in explorer.tree_output.value
    assert explorer.depth_control.value == "all" and explorer.options.depth is None
    explorer.depth_control.value = "1"
    assert explorer.options.depth == 1
    assert "<details " in explorer.tree_output.value and " open" not in explorer.tree_output.value


def test_fold_toggle_groups_and_ungroups_numbered_runs(explorer):
    assert "conv3_1..3" in explorer.tree_output.value
    explorer.fold_control.value = False
    assert "conv3_1..3" not in explorer.tree_output.value
    assert "conv3_1..3" not in explorer.to_text()


def test_plumbing_toggle_shows_initializer_ops(explorer):
    explorer.view_control.value = "ops"
    assert "Initializer" not in explorer.tree_output.value
    explorer.plumbing_control.value = False
    assert "Initializer" in explorer.tree_output.value


def test_shared_variables_are_marked_with_their_readers(explorer):
    markup = explorer.tree_output.value
    shared = re.findall(r'class="scopekit-variable scopekit-shared" data-name="([^"]+)"', markup)
    assert shared == ["shared/conv/biases", "shared/conv/weights"]
    assert "shared: read in tower_0/shared/conv, tower_1/shared/conv" in markup


def test_parts_carry_the_documented_css_classes(explorer):
    assert "scopekit-explorer" in explorer._dom_classes
    parts = {
        "scopekit-view": explorer.view_control,
        "scopekit-collection": explorer.collection_control,
        "scopekit-search": explorer.search_control,
        "scopekit-depth": explorer.depth_control,
        "scopekit-fold": explorer.fold_control,
        "scopekit-plumbing": explorer.plumbing_control,
        "scopekit-output": explorer.tree_output,
    }
    for css_class, widget in parts.items():
        assert css_class in widget._dom_classes
        assert css_class in kit.widgets.__doc__
    assert 'class="scopekit-tree"' in explorer.tree_output.value


def test_mimebundle_carries_widget_text_and_html_of_the_current_view(explorer, tree):
    explorer.view_control.value = "variables"
    explorer.search_control.value = "conv3"
    bundle = explorer._repr_mimebundle_()
    assert set(bundle) == {WIDGET_VIEW, "text/plain", "text/html"}
    assert bundle["text/plain"] == render_text(tree, explorer.options)
    assert bundle["text/html"] == render_html(tree, explorer.options)
    assert bundle[WIDGET_VIEW]["model_id"] == explorer.model_id


def test_text_and_html_are_the_same_for_two_builds_of_the_same_graph():
    first = ScopeExplorer(ScopeTree.from_graph(build_towers_graph()))._repr_mimebundle_()
    second = ScopeExplorer(ScopeTree.from_graph(build_towers_graph()))._repr_mimebundle_()
    assert first[WIDGET_VIEW] != second[WIDGET_VIEW]
    assert first["text/plain"] == second["text/plain"]
    assert first["text/html"] == second["text/html"]


def test_show_gives_static_text_and_html_outside_a_kernel(tree):
    shown = show(tree, view="variables", depth=2)
    assert isinstance(shown, StaticTree)
    options = ViewOptions(view="variables", depth=2)
    assert shown._repr_mimebundle_() == {
        "text/plain": render_text(tree, options),
        "text/html": render_html(tree, options),
    }
    assert repr(shown) == render_text(tree, options)


def test_show_gives_the_explorer_where_widgets_run(tree, monkeypatch):
    monkeypatch.setattr(kit.display, "widgets_available", lambda: True)
    shown = show(tree, view="ops", search="conv", fold=False)
    assert isinstance(shown, ScopeExplorer)
    assert shown.options == ViewOptions(view="ops", search="conv", fold=False)


def test_show_reads_a_graph_like_its_tree():
    graph = build_towers_graph()
    assert show(graph).to_text() == render_text(ScopeTree.from_graph(graph))


@pytest.mark.parametrize(
    ("bad_input", "error", "advice"),
    [
        (None, TypeError, "kit.fresh_graph()"),
        ("my_graph", TypeError, "kit.fresh_graph()"),
        ("eager tensor", TypeError, "eager tensor"),
        ("graph tensor", TypeError, "kit.show(x.graph)"),
    ],
)
def test_show_explains_what_to_pass_instead_of_a_non_graph(bad_input, error, advice):
    if bad_input == "eager tensor":
        bad_input = kit.tf.constant(1.0)
    elif bad_input == "graph tensor":
        with kit.fresh_graph():
            bad_input = kit.tf.constant(1.0)
    with pytest.raises(error) as caught:
        show(bad_input)
    assert advice in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert caught.value._render_traceback_() == [f"{error.__name__}: {caught.value}"]


@pytest.mark.parametrize(
    ("options", "error", "advice"),
    [
        ({"view": "vars"}, ValueError, "variables, ops, both"),
        ({"depth": -1}, ValueError, "whole number >= 0 or None"),
        ({"fold": "no"}, TypeError, "True or False"),
        ({"collection": ["trainable"]}, TypeError, "collection name"),
    ],
)
def test_show_explains_bad_options(tree, options, error, advice):
    with pytest.raises(error, match=re.escape(advice)) as caught:
        show(tree, **options)
    assert caught.value._render_traceback_() == [f"{error.__name__}: {caught.value}"]


def test_a_bare_scope_tree_displays_as_text_and_html_in_ipython(tree):
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    try:
        assert kit.display.register_tree_display()
        data, _ = shell.display_formatter.format(tree)
    finally:
        InteractiveShell.clear_instance()
    assert data["text/plain"] == render_text(tree)
    assert data["text/html"] == render_html(tree)


def test_in_a_kernel_show_returns_the_explorer_with_all_three_forms(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import kit\n"
            "with kit.fresh_graph() as g:\n"
            "    kit.tf.get_variable('w', [2])\n"
            "explorer = kit.show(g, view='variables')\n"
            "explorer"
        ),
        nbformat.v4.new_code_cell("print(type(explorer).__name__)"),
        nbformat.v4.new_code_cell("kit.show(None)"),
    ]
    NotebookClient(notebook, timeout=180, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    shown = notebook.cells[0].outputs[-1]["data"]
    assert set(shown) == {WIDGET_VIEW, "text/plain", "text/html"}
    assert shown["text/plain"] == (
        "Variables by variable scope: 1 variable, 2 parameters\n"
        "└── w  (2,)  float32  [global, trainable]"
    )
    assert notebook.cells[1].outputs[0]["text"] == "ScopeExplorer\n"
    error = notebook.cells[2].outputs[0]
    assert error["ename"] == "TypeError"
    assert error["traceback"] == [f"TypeError: {error['evalue']}"]  # one line, no kit frames


# --- a tree too big for one piece of markup -----------------------------------------------------

def big_tree(layers: int = 600) -> ScopeTree:
    """``net/layerN/{weights,biases}`` (names that do not fold) and a local ``net/steps``."""
    variables = [
        VariableInfo(f"net/layer{i}/{leaf}", (3, 2) if leaf == "weights" else (2,), "float32",
                     True, "", ("global", "trainable"))
        for i in range(layers) for leaf in ("weights", "biases")
    ]
    variables.append(VariableInfo("net/steps", (), "int64", False, "", ("local",)))
    return ScopeTree(variables, [])


@pytest.fixture(scope="module")
def big() -> ScopeTree:
    return big_tree()


def scopes_made(explorer: ScopeExplorer) -> list[LazyScope]:
    return [w for w in explorer._lazy_parts.made if isinstance(w, LazyScope)]


def top_scopes(explorer: ScopeExplorer) -> list[LazyScope]:
    return [scope for half in explorer.lazy_output.children[0].children for scope in half.scopes]


def leaf_markup(explorer: ScopeExplorer) -> str:
    return "".join(w.value for w in explorer._lazy_parts.made if "scopekit-leaves" in w._dom_classes)


def test_a_big_tree_shows_its_first_rows_and_not_its_whole_markup(big):
    explorer = ScopeExplorer(big, ViewOptions(view="variables"))
    assert row_count(big.variable_root(), "variables") > FULL_MARKUP_ROWS
    assert explorer.lazy and "data-name" not in explorer.tree_output.value
    (net,) = top_scopes(explorer)
    assert net.expanded and net.description == "▾ net/  1,201 vars  4,801 params"
    # Its first chunk of rows, then a button for the rest; no row below them is made yet.
    assert [s.node.name for s in net.scopes] == sorted(f"layer{i}" for i in range(600))[:CHUNK_ROWS]
    assert not any(s.expanded for s in net.scopes)
    assert len(scopes_made(explorer)) == 1 + CHUNK_ROWS
    assert net.body.children[-1].description == "show 100 more (of 501)"
    # The static forms of the output are still the whole tree.
    bundle = explorer._repr_mimebundle_()
    assert bundle["text/html"] == render_html(big, explorer.options)
    assert bundle["text/plain"] == render_text(big, explorer.options)


def test_expanding_a_scope_of_a_big_tree_makes_its_rows_then_keeps_them(big):
    explorer = ScopeExplorer(big, ViewOptions(view="variables"))
    net = top_scopes(explorer)[0]
    layer, after = net.scopes[0], net.scopes[1]
    assert layer.body is None
    layer.value = True  # a click
    body = layer.body
    rows = net.body.children
    assert rows[rows.index(layer) + 1] is body and rows[rows.index(body) + 1] is after
    assert 'data-name="net/layer0/biases"' in body.children[0].value
    assert body.children[0].value.count("<li") == 2
    layer.value = False
    assert body not in net.body.children and layer.description.startswith("▸ layer0/")
    layer.value = True
    assert layer.body is body and body in net.body.children


def test_show_more_adds_the_next_rows_and_then_the_leaves(big):
    explorer = ScopeExplorer(big, ViewOptions(view="variables"))
    net = top_scopes(explorer)[0]
    for _ in range(6):
        net.body.children[-1].click()
    assert len(net.scopes) == 600
    assert "scopekit-more" not in net.body.children[-1]._dom_classes
    assert 'data-name="net/steps"' in net.body.children[-1].value  # leaves after the scopes


def test_depth_search_and_collection_apply_to_a_big_tree(big):
    explorer = ScopeExplorer(big, ViewOptions(view="variables", depth=1))
    assert explorer.lazy and not any(s.expanded for s in scopes_made(explorer))
    explorer.collection_control.value = "local"  # one variable: small enough for markup
    assert not explorer.lazy and shown_names(explorer) == ["net/steps"]
    explorer.collection_control.value = "all variables"
    explorer.search_control.value = "layer1"  # layer1, layer10..19, layer100..199: 222 names
    assert not explorer.lazy
    explorer.search_control.value = "s"
    assert explorer.lazy
    assert "matching &#x27;s&#x27;" in explorer.lazy_output.children[0].children[0].children[0].value


def test_a_new_view_of_a_big_tree_closes_the_widgets_of_the_old_one(big):
    explorer = ScopeExplorer(big, ViewOptions(view="variables"))
    old = list(explorer._lazy_parts.made)
    explorer.fold_control.value = False
    assert old and all(widget.comm is None for widget in old)
    assert all(widget.comm is not None for widget in explorer._lazy_parts.made)


def test_a_big_tree_shows_both_halves_side_by_side():
    tree = ScopeTree(big_tree().variables, [OpInfo(f"net/layer{i}/MatMul", "MatMul", False)
                                            for i in range(1100)])
    explorer = ScopeExplorer(tree)
    halves = explorer.lazy_output.children[0].children
    assert [h._dom_classes[-1] for h in halves] == ["scopekit-half-variables", "scopekit-half-ops"]
    assert halves[1].children[0].value == "<strong>Ops by name scope: 1,100 ops</strong>"


def test_a_folded_run_in_a_big_tree_always_shows_its_members():
    variables = [VariableInfo(f"net/block_{b}/unit_{u}/weights", (2,), "float32", True, "",
                              ("global",)) for b in range(1, 4) for u in range(1, 400)]
    explorer = ScopeExplorer(ScopeTree(variables, []), ViewOptions(view="variables", depth=1))
    (net,) = top_scopes(explorer)
    assert not net.expanded
    net.value = True
    (run,) = net.scopes
    assert "scopekit-group" in run._dom_classes and run.node.name == "block_1..3"
