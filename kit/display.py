"""``kit.show``: a graph's scope tree as a live explorer in Jupyter, text and HTML elsewhere.

In an IPython kernel with ipywidgets importable, ``show`` returns a ``ScopeExplorer``;
anywhere else (a script, a terminal, CI, a Colab without its custom widget manager) it
returns a ``StaticTree``. On Colab the first ``show`` turns that widget manager on. Both carry the same
``text/plain`` (``render_text``) and ``text/html`` (``render_html``), so stored notebook
outputs read the same on GitHub and compare the same under nbval.

Bad input raises a TypeError or ValueError that says what to pass instead; in IPython it
shows as that one line, without a traceback through kit's internals.
"""

from __future__ import annotations

import glob
import importlib.util
import os
from collections.abc import Callable, Iterable
from typing import Any

from kit.render import Displayable, ViewOptions, render_html, render_text
from kit.tree import ScopeTree

HOW_TO_GET_A_GRAPH = (
    "build inside `with kit.fresh_graph() as g:` and call `kit.show(g)`"
)


class StaticTree(Displayable):
    """A scope tree that displays as HTML where HTML renders and as text elsewhere."""

    def __init__(self, tree: ScopeTree, options: ViewOptions):
        self.tree = tree
        self.options = options

    def to_text(self) -> str:
        return render_text(self.tree, self.options)

    def to_html(self) -> str:
        return render_html(self.tree, self.options)


def _friendly(error: Exception) -> Exception:
    """Make IPython show just ``Type: message`` (no kit frames) for this error."""
    line = f"{type(error).__name__}: {error}"
    error._render_traceback_ = lambda: [line]
    return error


def _describe(value) -> str:
    if value is None:
        return "None"
    kind = type(value).__name__
    return f"an {kind}" if kind[:1].lower() in "aeiou" else f"a {kind}"


def as_scope_tree(graph_or_tree) -> ScopeTree:
    """The ``ScopeTree`` of a ``tf.Graph`` (a ``ScopeTree`` passes through), or a TypeError."""
    if isinstance(graph_or_tree, ScopeTree):
        return graph_or_tree
    if isinstance(graph_or_tree, (str, os.PathLike)):
        prefix = os.fspath(graph_or_tree)
        if not (os.path.exists(prefix) or glob.glob(glob.escape(prefix) + ".*")):  # a prefix too
            raise TypeError(
                f"kit.show got {_describe(graph_or_tree)} ({str(graph_or_tree)!r}), which is no "
                f"file or folder here: pass the path of a checkpoint, SavedModel or graph "
                f"file, or {HOW_TO_GET_A_GRAPH}."
            )
        from kit.artifacts import tree_from_path

        return tree_from_path(graph_or_tree)
    import tensorflow as tf2

    if isinstance(graph_or_tree, tf2.Graph):
        return ScopeTree.from_graph(graph_or_tree)
    if type(graph_or_tree).__name__ == "EagerTensor":
        raise TypeError(
            "kit.show got an eager tensor: it was made outside a graph, so it has no scopes. "
            f"To see names, {HOW_TO_GET_A_GRAPH}."
        )
    try:
        owner = getattr(graph_or_tree, "graph", None)
    except (AttributeError, RuntimeError, ValueError):
        owner = None
    if isinstance(owner, tf2.Graph):
        raise TypeError(
            f"kit.show shows a whole graph, not {_describe(graph_or_tree)}: "
            "pass its graph, `kit.show(x.graph)`, or the `g` from `with kit.fresh_graph() as g:`."
        )
    raise TypeError(
        f"kit.show needs a tf.Graph (or the path of a checkpoint, SavedModel or graph file), "
        f"got {_describe(graph_or_tree)}: {HOW_TO_GET_A_GRAPH}."
    )


_UNKNOWN = object()
_colab_manager: object = _UNKNOWN  # None outside Colab, else whether its manager is on


def colab_widget_manager() -> bool | None:
    """None outside Colab. On Colab, True once its custom widget manager (which ipywidgets 8
    needs there) is on: turned on here, once. False where Colab has none or refuses it."""
    global _colab_manager
    if _colab_manager is _UNKNOWN:
        try:
            from google.colab import output
        except ImportError:
            _colab_manager = None
        else:
            try:
                output.enable_custom_widget_manager()
                _colab_manager = True
            except Exception:  # noqa: BLE001 - an old or odd Colab: the static view still works
                _colab_manager = False
    return _colab_manager


def widgets_available() -> bool:
    """True inside an IPython kernel (Jupyter, nbclient, Colab with its widget manager on)
    where ipywidgets can be imported."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return False
    if importlib.util.find_spec("ipywidgets") is None:
        return False
    return colab_widget_manager() is not False


def live_or_static(make_live: Callable[[], Any], static: Displayable) -> Any:
    """The live widget where widgets run, else the static view (the same text and HTML)."""
    return make_live() if widgets_available() else static


def with_static_forms(widget_bundle: dict | None, static: Displayable) -> dict | None:
    """A live widget's MIME bundle with the static view's text and HTML added, so stored
    outputs, nbval and GitHub read the same as the static view."""
    if widget_bundle is None:
        return None
    return {**widget_bundle, **static._repr_mimebundle_()}


def show(graph_or_tree, view: str = "both", depth: int | None = None, fold: bool = True,
         collection: str | None = None, search: str = "", hide_plumbing: bool = True):
    """Show the scope tree of a ``tf.Graph`` (or a ``ScopeTree``).

    ``view``: "variables" (grouped by variable scope), "ops" (by name scope) or "both"
    side by side; ``depth``: levels shown (None = all); ``fold``: fold numbered runs such
    as conv3_1, conv3_2, conv3_3; ``collection``: only variables in it ("trainable",
    "model", "local", "regularized", a custom name...); ``search``: only names containing
    this text; ``hide_plumbing``: leave out initializer, assign and read ops.
    """
    try:
        options = ViewOptions(view, depth, fold, collection, search, hide_plumbing)
        tree = as_scope_tree(graph_or_tree)
    except (TypeError, ValueError) as error:
        raise _friendly(type(error)(str(error))) from None

    def explorer():
        from kit.widgets import ScopeExplorer

        return ScopeExplorer(tree, options)

    return live_or_static(explorer, StaticTree(tree, options))


def show_progress(lessons: Iterable[Any] | None = None) -> Any:
    """The learner's progress: a live panel with a refresh button where widgets run, else
    a static table (same text). ``lessons`` defaults to the kit's lessons."""
    from kit import progress
    from kit.lessons import exercise_lessons

    chosen = tuple(exercise_lessons() if lessons is None else lessons)

    def panel():
        from kit.progress_widget import ProgressPanel

        return ProgressPanel(chosen)

    return live_or_static(panel, progress.ProgressTable(progress.summary(chosen)))


def register_tree_display() -> bool:
    """Let a bare ``ScopeTree`` at the end of a cell display as its text and HTML views."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters
    formatters["text/plain"].for_type(
        ScopeTree, lambda tree, printer, cycle: printer.text(render_text(tree))
    )
    formatters["text/html"].for_type(ScopeTree, render_html)
    return True


register_tree_display()
