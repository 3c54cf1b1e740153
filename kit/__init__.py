"""scopekit: see how TensorFlow names and shares variables.

``import kit`` is the first line of every lesson: it imports TensorFlow and tf-slim
quietly, applies the tf-slim fixes for TF 2.21, and offers ``kit.fresh_graph()``.
"""

from kit.quiet_tf import fresh_graph, import_tensorflow

tf, slim = import_tensorflow()

from kit import compat

compat.apply_fixes()

from kit.display import show, show_progress
from kit.render import ViewOptions, render_html, render_text
from kit.tree import ScopeTree

__all__ = ["ScopeTree", "ViewOptions", "fresh_graph", "render_html", "render_text", "show",
           "show_progress", "slim", "tf"]
