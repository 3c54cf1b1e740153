"""Text and static-HTML views of a scope tree (built from hand-made records, no graph)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from kit.render import ViewOptions, render_html, render_text
from kit.tree import OpInfo, ScopeTree, VariableInfo


def variable(
    name: str, shape=(2,), collections=("global", "trainable"), readers=()
) -> VariableInfo:
    return VariableInfo(
        name=name,
        shape=shape,
        dtype="float32",
        trainable="trainable" in collections,
        device="",
        collections=collections,
        reader_scopes=readers,
    )


def op(name: str, type_: str = "MatMul", plumbing: bool = False) -> OpInfo:
    return OpInfo(name, type_, plumbing)


@pytest.fixture
def tree() -> ScopeTree:
    """A repeat block (conv3_1..3), a shared layer read from two towers, plumbing ops."""
    variables = [
        variable(f"net/conv3/conv3_{i}/{leaf}", (3,))
        for i in (1, 2, 3)
        for leaf in ("weights", "biases")
    ]
    variables.append(
        variable("shared/fc/weights", (4, 3), readers=("tower_0/shared/fc", "tower_1/shared/fc"))
    )
    variables.append(variable("steps", (), collections=("local",)))
    ops = [op(f"net/conv3/conv3_{i}/Conv2D", "Conv2D") for i in (1, 2, 3)]
    ops += [op(f"tower_{i}/shared/fc/MatMul") for i in (0, 1)]
    ops.append(op("shared/fc/weights/Initializer/zeros", "Const", plumbing=True))
    ops.append(op("Placeholder", "Placeholder"))
    return ScopeTree(variables, ops)


class TagChecker(HTMLParser):
    """Records every start tag and fails on a close tag that does not match the open one."""

    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.starts: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.max_details_nesting = 0

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        self.starts.append((tag, dict(attrs)))
        self.max_details_nesting = max(self.max_details_nesting, self.stack.count("details"))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes <{self.stack[-1:]}>"
        self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(markup: str) -> TagChecker:
    checker = TagChecker()
    checker.feed(markup)
    checker.close()
    assert checker.stack == [], f"unclosed tags: {checker.stack}"
    return checker


def details(markup: str) -> list[dict]:
    return [attrs for tag, attrs in parse(markup).starts if tag == "details"]


@pytest.mark.parametrize("view", ["variables", "ops", "both"])
def test_html_is_well_formed_with_no_script_or_style(tree, view):
    markup = render_html(tree, ViewOptions(view=view, fold=False))
    tags = {tag for tag, _ in parse(markup).starts}
    assert "script" not in tags and "style" not in tags
    assert "details" in tags


def test_scopes_nest_as_details_inside_details(tree):
    markup = render_html(tree, ViewOptions(view="variables", fold=False))
    assert parse(markup).max_details_nesting == 3  # net / conv3 / conv3_1
    paths = [attrs["data-path"] for attrs in details(markup)]
    assert paths.index("net") < paths.index("net/conv3") < paths.index("net/conv3/conv3_1")


def test_odd_names_are_escaped_in_html_and_kept_in_text():
    odd = ScopeTree([variable('a<b>/w&"x\'')], [op("<script>/Add", "Add")])
    markup = render_html(odd)
    assert "<b>" not in markup and "<script>" not in markup
    checker = parse(markup)
    assert "a<b>/" in "".join(checker.text)
    assert 'w&"x\'' in [attrs.get("data-name", "").split("/")[-1] for _, attrs in checker.starts]
    text = render_text(odd)
    assert "a<b>/" in text and "<script>/" in text


def test_both_views_sit_side_by_side_in_one_table_row(tree):
    checker = parse(render_html(tree, ViewOptions(view="both")))
    halves = [attrs["data-half"] for tag, attrs in checker.starts if "data-half" in attrs]
    assert halves == ["variables", "ops"]
    assert [tag for tag, _ in checker.starts].count("td") == 2


def test_a_single_view_has_no_table(tree):
    checker = parse(render_html(tree, ViewOptions(view="ops")))
    assert "table" not in {tag for tag, _ in checker.starts}


def test_text_depth_limits_the_rows(tree):
    shallow = render_text(tree, ViewOptions(view="variables", depth=1, fold=False))
    deep = render_text(tree, ViewOptions(view="variables", depth=2, fold=False))
    assert "net/" in shallow and "conv3/" not in shallow
    assert "conv3/" in deep and "conv3_1/" not in deep
    assert "(nothing)" in render_text(tree, ViewOptions(view="variables", depth=0))


def test_html_keeps_every_scope_but_opens_only_down_to_depth(tree):
    options = ViewOptions(view="variables", depth=2, fold=False)
    opened = {attrs["data-path"]: "open" in attrs for attrs in details(render_html(tree, options))}
    assert opened == {
        "net": True,
        "net/conv3": False,
        "net/conv3/conv3_1": False,
        "net/conv3/conv3_2": False,
        "net/conv3/conv3_3": False,
        "shared": True,
        "shared/fc": False,
    }
    everything = details(render_html(tree, ViewOptions(view="variables", fold=False)))
    assert all("open" in attrs for attrs in everything)


def text_scope_rows(text: str) -> list[str]:
    return [m[1] for m in re.finditer(r"── (\S+)/(?:  |$)", text, re.MULTILINE)]


def visible_html_scopes(markup: str) -> list[str]:
    """Scopes a reader sees before clicking: every enclosing <details> is open."""
    opened = {a["data-path"]: "open" in a for a in details(markup)}
    visible = []
    for path in opened:
        parts = path.split("/")
        if all(opened["/".join(parts[:i])] for i in range(1, len(parts))):
            visible.append(parts[-1])
    return visible


@pytest.mark.parametrize("depth", [1, 2, 3, None])
def test_html_shows_at_first_the_scopes_text_shows_at_that_depth(tree, depth):
    options = ViewOptions(view="variables", depth=depth, fold=False)
    assert visible_html_scopes(render_html(tree, options)) == text_scope_rows(
        render_text(tree, options)
    )


def test_fold_groups_numbered_runs_and_unfold_lists_them(tree):
    folded_text = render_text(tree, ViewOptions(view="variables"))
    plain_text = render_text(tree, ViewOptions(view="variables", fold=False))
    assert "conv3_1..3/  (×3, same structure)" in folded_text
    assert "conv3_1..3" not in plain_text and "conv3_2/" in plain_text
    def groups(fold: bool) -> list[str]:
        markup = render_html(tree, ViewOptions(view="variables", fold=fold))
        return [a["data-path"] for a in details(markup) if "scopekit-group" in a["class"]]

    assert groups(fold=True) == ["net/conv3/conv3_1..3"]
    assert groups(fold=False) == []


def test_shared_variable_is_marked_with_the_scopes_that_read_it(tree):
    checker = parse(render_html(tree, ViewOptions(view="variables")))
    shared = [a["data-name"] for _, a in checker.starts if "scopekit-shared" in a.get("class", "")]
    assert shared == ["shared/fc/weights"]
    assert "shared: read in tower_0/shared/fc, tower_1/shared/fc" in "".join(checker.text)
    assert "shared: read in tower_0/shared/fc, tower_1/shared/fc" in render_text(tree)


def test_plumbing_ops_are_hidden_and_counted(tree):
    hidden = render_text(tree, ViewOptions(view="ops"))
    shown = render_text(tree, ViewOptions(view="ops", hide_plumbing=False))
    assert "(1 plumbing op hidden)" in hidden and "zeros" not in hidden
    assert "zeros" in shown and "hidden" not in shown


def test_collection_filter_keeps_only_its_variables(tree):
    local = render_text(tree, ViewOptions(view="variables", collection="local"))
    assert local.splitlines()[0].endswith("(collection: local)")
    assert "steps" in local and "weights" not in local
    markup = render_html(tree, ViewOptions(view="variables", collection="local"))
    names = [a["data-name"] for tag, a in parse(markup).starts if "data-name" in a]
    assert names == ["steps"]


def test_empty_result_says_nothing_in_both_forms(tree):
    options = ViewOptions(view="variables", search="no-such-name")
    assert render_text(tree, options).splitlines()[-1] == "(nothing)"
    assert "(nothing)" in "".join(parse(render_html(tree, options)).text)


@pytest.mark.parametrize(
    ("field", "value", "error"),
    [
        ("view", "var", ValueError),
        ("depth", -1, ValueError),
        ("depth", 1.5, ValueError),
        ("depth", True, ValueError),
        ("fold", "yes", TypeError),
        ("hide_plumbing", None, TypeError),
        ("collection", 3, TypeError),
        ("search", None, TypeError),
    ],
)
def test_view_options_reject_bad_values_naming_the_field(field, value, error):
    with pytest.raises(error, match=field):
        ViewOptions(**{field: value})
