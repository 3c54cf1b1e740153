"""``kit.show``: display a graph's scope tree as text and HTML (widget upgrade pending)."""

from __future__ import annotations

from kit.render import ViewOptions, render_html, render_text
from kit.tree import ScopeTree


class StaticTree:
    """A scope tree that displays as HTML where HTML renders and as text elsewhere."""

    def __init__(self, tree: ScopeTree, options: ViewOptions):
        self.tree = tree
        self.options = options

    def __str__(self) -> str:
        return render_text(self.tree, self.options)

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/plain": render_text(self.tree, self.options),
            "text/html": render_html(self.tree, self.options),
        }


def show(graph_or_tree, view: str = "both", depth: int | None = None, fold: bool = True,
         collection: str | None = None, search: str = "", hide_plumbing: bool = True):
    """Show the scope tree of a ``tf.Graph`` (or a ``ScopeTree``)."""
    tree = graph_or_tree if isinstance(graph_or_tree, ScopeTree) else ScopeTree.from_graph(graph_or_tree)
    options = ViewOptions(view, depth, fold, collection, search, hide_plumbing)
    return StaticTree(tree, options)
