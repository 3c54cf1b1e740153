"""The scope-tree explorer: ipywidgets controls around ``kit.render``'s views.

Thin on purpose: each control sets one field of a ``ViewOptions``, and what the
explorer shows is ``render_html(tree, options)`` (a bigger tree: the same rows, made as
they are opened; see the end); its ``text/plain`` form is ``render_text(tree, options)``.
Filtering, folding and counting live in ``kit.tree``.

Stable CSS classes, for browser tests (an ipywidgets class sits on the control's outer
element: type into ``.scopekit-search input``, pick in ``.scopekit-collection select``):

=======================  =====================================================
``scopekit-explorer``    the whole explorer (a VBox)
``scopekit-controls``    the box holding the controls
``scopekit-view``        ToggleButtons: variables / ops / both
``scopekit-collection``  Dropdown: all variables or one collection
``scopekit-search``      Text: part of a name (case-insensitive)
``scopekit-depth``       Dropdown: levels shown at first ("all" or 1, 2, ...)
``scopekit-fold``        Checkbox: fold numbered sibling runs (conv3_1..3)
``scopekit-plumbing``    Checkbox: hide plumbing ops (initializers, reads, ...)
``scopekit-output``      HTML widget that holds the tree (up to 1,000 rows)
``scopekit-lazy``        VBox that holds a bigger tree, made as it is opened
=======================  =====================================================

Inside ``scopekit-output`` is ``render_html``'s markup: ``div.scopekit-tree`` holding one
``div.scopekit-half[data-half=variables|ops]`` per half (side by side in
``table.scopekit-columns`` for "both"); each scope is ``details.scopekit-scope`` with
``data-path`` (folded runs add ``scopekit-group``), a click on its summary opens it; each
leaf is ``li.scopekit-variable`` or ``li.scopekit-op`` with ``data-name``; variables read
from several name scopes add ``scopekit-shared`` (marked ◆, "shared: read in ...").

A tree with more rows than ``FULL_MARKUP_ROWS`` would take seconds to send and lay out,
so ``scopekit-lazy`` shows it instead: ``.scopekit-tree`` holding a ``.scopekit-half``
(plus ``scopekit-half-variables`` or ``scopekit-half-ops``) per half; each scope is a
toggle button ``.scopekit-scope.scopekit-summary`` (``scopekit-group`` for a folded run)
that puts its rows in a ``.scopekit-body`` box just below it. The first levels are
expanded, as far as ``depth`` asks and ``FIRST_ROWS`` rows allow; the rest of a scope is
made when it is first expanded, ``CHUNK_ROWS`` rows at a time (a ``.scopekit-more`` button
adds the next ones). Leaves are the same ``li`` elements as above. Every widget is a
model the front end must make before it paints, so the first paint makes few. The text
and HTML forms of the notebook output stay the whole static view.
"""

from __future__ import annotations

import html
from collections import deque

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import ToggleButtonStyle

from kit.display import StaticTree, with_static_forms
from kit.render import (
    VIEWS,
    ViewOptions,
    heading,
    leaf_html,
    render_html,
    scope_label,
    scope_summary,
    view_roots,
)
from kit.tree import COLLECTION_NAMES, REGULARIZED, ScopeNode, ScopeTree

ALL_VARIABLES = "all variables"
ALL_LEVELS = "all"
FULL_MARKUP_ROWS = 1_000  # up to this many rows, the explorer holds render_html's markup
FIRST_ROWS = 30  # a bigger tree first expands scopes while this many rows or fewer show
CHUNK_ROWS = 100  # rows an expanded scope of a bigger tree shows at a time
LAZY_STYLE = """<style>
.scopekit-lazy .scopekit-summary.jupyter-button {
  background: none; box-shadow: none; border: none; height: auto; margin: 0; padding: 0 0.2em;
  text-align: left; line-height: 1.45; color: inherit; cursor: pointer;
  font-family: var(--jp-code-font-family, monospace); font-size: var(--jp-code-font-size, 13px);
}
.scopekit-lazy .scopekit-summary.jupyter-button.mod-active { background: none; box-shadow: none; }
.scopekit-lazy .scopekit-body { padding-left: 1.2em; }
.scopekit-lazy .scopekit-half { margin-right: 2em; }
.scopekit-lazy .widget-html-content { line-height: 1.45; }
.scopekit-lazy ul { list-style: none; padding-left: 1.2em; margin: 0; }
</style>"""
# The order a learner meets the collections in; custom ones follow alphabetically.
KNOWN_COLLECTIONS = (*COLLECTION_NAMES.values(), REGULARIZED)


def collections_present(tree: ScopeTree) -> list[str]:
    """Short names of the collections the tree's variables belong to, known ones first."""
    present = {name for var in tree.variables for name in var.collections}
    known = [name for name in KNOWN_COLLECTIONS if name in present]
    return known + sorted(present - set(known))


def deepest_level(tree: ScopeTree) -> int:
    """How many levels of rows the fully open tree has (``render_text`` depth for all)."""
    names = [v.name for v in tree.variables] + [o.name for o in tree.ops]
    return max((name.count("/") + 1 for name in names), default=1)


def _classed(widget: widgets.Widget, css_class: str) -> widgets.Widget:
    widget.add_class(css_class)
    style = getattr(widget, "style", None)
    if style is not None and "description_width" in style.keys:
        widget.style.description_width = "initial"  # labels in full, not cut to 80px
    return widget


class ScopeExplorer(widgets.VBox):
    """Browse a ``ScopeTree``: pick the half, a collection, a name, a depth, folding."""

    def __init__(self, tree: ScopeTree, options: ViewOptions | None = None):
        super().__init__()
        options = options or ViewOptions()
        self.tree = tree
        self.view_control = _classed(
            widgets.ToggleButtons(options=list(VIEWS), value=options.view, description="show"),
            "scopekit-view",
        )
        self.collection_control = _classed(
            widgets.Dropdown(
                options=self._collection_choices(options.collection),
                value=_short_collection(options.collection) or ALL_VARIABLES,
                description="collection",
            ),
            "scopekit-collection",
        )
        self.search_control = _classed(
            widgets.Text(value=options.search, description="search", placeholder="part of a name"),
            "scopekit-search",
        )
        self.depth_control = _classed(
            widgets.Dropdown(
                options=self._depth_choices(options.depth),
                value=ALL_LEVELS if options.depth is None else str(options.depth),
                description="depth",
            ),
            "scopekit-depth",
        )
        self.fold_control = _classed(
            widgets.Checkbox(value=options.fold, description="fold numbered runs", indent=False),
            "scopekit-fold",
        )
        self.plumbing_control = _classed(
            widgets.Checkbox(
                value=options.hide_plumbing, description="hide plumbing ops", indent=False
            ),
            "scopekit-plumbing",
        )
        self.tree_output = _classed(widgets.HTML(), "scopekit-output")
        self.lazy_output = _classed(widgets.VBox(), "scopekit-lazy")
        self._lazy_parts = LazyParts()
        controls = [
            self.view_control,
            self.collection_control,
            self.search_control,
            self.depth_control,
            self.fold_control,
            self.plumbing_control,
        ]
        rows = widgets.VBox(
            [
                widgets.HBox(controls[:1]),
                widgets.HBox(controls[1:4]),
                widgets.HBox(controls[4:]),
            ]
        )
        self.children = [_classed(rows, "scopekit-controls"), self.tree_output, self.lazy_output]
        self.add_class("scopekit-explorer")
        for control in controls:
            control.observe(self._refresh, names="value")
        self._refresh()

    @property
    def options(self) -> ViewOptions:
        """The view the controls describe right now."""
        return ViewOptions(
            view=self.view_control.value,
            depth=None if self.depth_control.value == ALL_LEVELS else int(self.depth_control.value),
            fold=self.fold_control.value,
            collection=(
                None
                if self.collection_control.value == ALL_VARIABLES
                else self.collection_control.value
            ),
            search=self.search_control.value,
            hide_plumbing=self.plumbing_control.value,
        )

    def static(self) -> StaticTree:
        """What the explorer shows now, as a static view (text and HTML)."""
        return StaticTree(self.tree, self.options)

    def to_text(self) -> str:
        return self.static().to_text()

    def to_html(self) -> str:
        return self.static().to_html()

    @property
    def lazy(self) -> bool:
        """True while the tree is too big for one piece of markup (see the module's doc)."""
        return bool(self.lazy_output.children)

    def _refresh(self, change=None) -> None:
        options = self.options
        self.collection_control.disabled = options.view == "ops"
        self.plumbing_control.disabled = options.view == "variables"
        self._lazy_parts.close_all()
        halves = view_roots(self.tree, options)
        if sum(row_count(root, half) for half, root in halves) <= FULL_MARKUP_ROWS:
            self.lazy_output.children = ()
            # The widget's HTML area sets a tall line height for one-line labels; undo it.
            markup = render_html(self.tree, options)
            self.tree_output.value = f'<div style="line-height:1.45">{markup}</div>'
            return
        self.tree_output.value = LAZY_STYLE
        parts = self._lazy_parts
        expanded = first_expanded(halves, options.depth)
        columns = [LazyHalf(heading(self.tree, half, root, options), root, half, parts, expanded)
                   for half, root in halves]
        tree_box = widgets.HBox(columns, layout=widgets.Layout(align_items="flex-start"))
        self.lazy_output.children = (parts.add(tree_box, "scopekit-tree"),)

    # Choices are plain strings: a Dropdown whose value is None shows as empty.
    def _collection_choices(self, requested: str | None) -> list[str]:
        names = collections_present(self.tree)
        short = _short_collection(requested)
        if short is not None and short not in names:
            names.append(short)
        return [ALL_VARIABLES, *names]

    def _depth_choices(self, requested: int | None) -> list[str]:
        levels = set(range(1, deepest_level(self.tree)))
        if requested is not None:
            levels.add(requested)
        return [ALL_LEVELS, *(str(level) for level in sorted(levels))]

    def _repr_mimebundle_(self, **kwargs) -> dict | None:
        """The live widget where a front end runs it; text and HTML everywhere else."""
        return with_static_forms(super()._repr_mimebundle_(**kwargs), self.static())


def _short_collection(name: str | None) -> str | None:
    return None if name is None else COLLECTION_NAMES.get(name, name)


# --- a big tree, made as it is opened ----------------------------------------------------------


def row_count(node: ScopeNode, half: str) -> int:
    """Rows ``render_html`` writes under ``node``: every scope and every leaf, open or not."""
    leaves = len(node.variables) if half == "variables" else len(node.ops)
    return leaves + sum(1 + row_count(child, half) for child in node.children.values())


def _leaves(node: ScopeNode, half: str) -> list:
    return node.variables if half == "variables" else node.ops


class LazyParts:
    """What a big tree's widgets share. Each widget is a model the front end must make, and
    by default every one brings its own layout (and a button its own style), so the rows
    share one of each; ``made`` lists the widgets of the view shown now, to close."""

    def __init__(self) -> None:
        self.row_layout = widgets.Layout(width="auto")
        self.box_layout = widgets.Layout()
        self.toggle_style = ToggleButtonStyle()
        self.made: list[widgets.Widget] = []

    def add(self, widget: widgets.Widget, css_class: str) -> widgets.Widget:
        widget.add_class(css_class)
        self.made.append(widget)
        return widget

    def box(self, css_class: str, children=()) -> widgets.VBox:
        return self.add(widgets.VBox(children, layout=self.box_layout), css_class)

    def html(self, markup: str, css_class: str) -> widgets.HTML:
        return self.add(widgets.HTML(markup, layout=self.row_layout), css_class)

    def close_all(self) -> None:
        for widget in self.made:
            widget.close()
        self.made = []


def _first_rows(node: ScopeNode, half: str) -> int:
    """How many rows expanding ``node`` shows (its first chunk)."""
    return min(len(node.children) + len(_leaves(node, half)), CHUNK_ROWS)


def first_expanded(halves: list[tuple[str, ScopeNode]], depth: int | None) -> set[int]:
    """Ids of the scopes a big tree shows expanded at first: breadth first, where
    ``render_html`` opens them for ``depth`` (a folded run always shows its members), while
    the rows shown stay within FIRST_ROWS (the first one in any case, so a tree under one
    big scope does not start closed). Decided before any widget exists, so each is made
    in its final state: fewer messages for the front end before its first paint."""
    queue = deque((child, half, 0) for half, root in halves
                  for child in list(root.children.values())[:CHUNK_ROWS])
    shown, chosen = len(queue), set()
    while queue:
        node, half, level = queue.popleft()
        wanted = node.is_group or depth is None or level + 1 < depth
        if not wanted or (chosen and shown + _first_rows(node, half) > FIRST_ROWS):
            continue
        chosen.add(id(node))
        shown += _first_rows(node, half)
        queue.extend((child, half, level + 1)
                     for child in list(node.children.values())[:CHUNK_ROWS])
    return chosen


def _fill(holder: widgets.Box, node: ScopeNode, half: str, parts: LazyParts, scopes: list,
          expanded: set[int] = frozenset(), start: int = 0) -> None:
    """Add up to CHUNK_ROWS rows of ``node``'s contents, from row ``start`` on, to the end
    of ``holder``: a LazyScope per child scope (followed by its rows if it is one of the
    ``expanded``), one HTML list for the leaves among them, and a button for the rest."""
    children, leaves = list(node.children.values()), _leaves(node, half)
    end = start + CHUNK_ROWS
    shown: list[widgets.Widget] = []
    for child in children[start:end]:
        scope = LazyScope(child, half, parts, holder, expanded)
        scopes.append(scope)
        shown += [scope] if scope.body is None else [scope, scope.body]
    chunk = leaves[max(start - len(children), 0):max(end - len(children), 0)]
    if chunk:
        shown.append(parts.html(f"<ul>{''.join(map(leaf_html, chunk))}</ul>", "scopekit-leaves"))
    if not children and not leaves:
        shown.append(parts.html('<ul><li class="scopekit-empty">(nothing)</li></ul>',
                                "scopekit-leaves"))
    rest = len(children) + len(leaves) - end
    if rest > 0:
        label = f"show {min(rest, CHUNK_ROWS):,} more (of {rest:,})"
        more = parts.add(widgets.Button(description=label, layout=parts.row_layout),
                         "scopekit-more")

        def show_more(_button) -> None:
            holder.children = tuple(w for w in holder.children if w is not more)
            more.close()
            _fill(holder, node, half, parts, scopes, start=end)

        more.on_click(show_more)
        shown.append(more)
    holder.children = (*holder.children, *shown)


class LazyHalf(widgets.VBox):
    """One half of a big tree: its heading, then its top-level scopes."""

    def __init__(self, title: str, root: ScopeNode, half: str, parts: LazyParts,
                 expanded: set[int] = frozenset()):
        heading_html = parts.html(f"<strong>{html.escape(title)}</strong>", "scopekit-heading")
        super().__init__([heading_html], layout=parts.box_layout)
        self.add_class("scopekit-half")
        parts.add(self, f"scopekit-half-{half}")
        self.scopes: list[LazyScope] = []
        _fill(self, root, half, parts, self.scopes, expanded)


class LazyScope(widgets.ToggleButton):
    """A scope row of a big tree: a toggle with its name and counts. Expanding it puts a box
    with its rows just below it, made the first time and kept while it is collapsed."""

    def __init__(self, node: ScopeNode, half: str, parts: LazyParts, holder: widgets.Box,
                 expanded: set[int] = frozenset()):
        self.node, self.half, self._parts, self._holder = node, half, parts, holder
        self.body: widgets.VBox | None = None
        self.scopes: list[LazyScope] = []  # its child rows made so far
        is_expanded = id(node) in expanded
        super().__init__(value=is_expanded, description=self._description(is_expanded),
                         layout=parts.row_layout, style=parts.toggle_style)
        self.add_class("scopekit-summary")
        if node.is_group:
            self.add_class("scopekit-group")
        parts.add(self, "scopekit-scope")
        if is_expanded:
            self._make_body(expanded)
        self.observe(self._toggled, names="value")

    def _description(self, expanded: bool) -> str:
        label, counts = scope_label(self.node), scope_summary(self.node, self.half)
        return f"{'▾' if expanded else '▸'} {label}  {counts}"

    @property
    def expanded(self) -> bool:
        return self.value

    def _make_body(self, expanded: set[int] = frozenset()) -> None:
        self.body = self._parts.box("scopekit-body")
        _fill(self.body, self.node, self.half, self._parts, self.scopes, expanded)

    def _toggled(self, change) -> None:
        if change["new"] and self.body is None:
            self._make_body()
        self.description = self._description(change["new"])
        rows = [row for row in self._holder.children if row is not self.body]
        if change["new"]:
            rows.insert(rows.index(self) + 1, self.body)
        self._holder.children = tuple(rows)
