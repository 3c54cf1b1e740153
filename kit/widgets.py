"""The scope-tree explorer: ipywidgets controls around ``kit.render``'s views.

Thin on purpose: each control sets one field of a ``ViewOptions``, and what the
explorer shows is always ``render_html(tree, options)``; its ``text/plain`` form is
``render_text(tree, options)``. Filtering, folding and counting live in ``kit.tree``.

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
``scopekit-output``      HTML widget that holds the tree
=======================  =====================================================

Inside ``scopekit-output`` is ``render_html``'s markup: ``div.scopekit-tree`` holding one
``div.scopekit-half[data-half=variables|ops]`` per half (side by side in
``table.scopekit-columns`` for "both"); each scope is ``details.scopekit-scope`` with
``data-path`` (folded runs add ``scopekit-group``), a click on its summary opens it; each
leaf is ``li.scopekit-variable`` or ``li.scopekit-op`` with ``data-name``; variables read
from several name scopes add ``scopekit-shared`` (marked ◆, "shared: read in ...").
"""

from __future__ import annotations

import ipywidgets as widgets

from kit.display import StaticTree, with_static_forms
from kit.render import VIEWS, ViewOptions
from kit.tree import COLLECTION_NAMES, REGULARIZED, ScopeTree

ALL_VARIABLES = "all variables"
ALL_LEVELS = "all"
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
        self.children = [_classed(rows, "scopekit-controls"), self.tree_output]
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

    def _refresh(self, change=None) -> None:
        view = self.view_control.value
        self.collection_control.disabled = view == "ops"
        self.plumbing_control.disabled = view == "variables"
        # The widget's HTML area sets a tall line height for one-line labels; undo it.
        self.tree_output.value = f'<div style="line-height:1.45">{self.to_html()}</div>'

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
