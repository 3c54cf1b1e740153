"""Text and static-HTML views of a scope tree (no ipywidgets).

The text view is deterministic: it is what nbval compares and what a widget shows
where widgets cannot run. The HTML view uses ``<details>`` so it folds on GitHub and
in nbconvert output without JavaScript.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from kit.tree import OpInfo, ScopeNode, ScopeTree, VariableInfo

VIEWS = ("variables", "ops", "both")


class Displayable:
    """One display protocol: ``to_text()`` and ``to_html()`` give ``str()``, ``repr()`` and
    the notebook's MIME bundle. Text comes first (terminals, nbval and GitHub read it), a
    richer form second; ``_rich_forms`` may offer another one (a chart's PNG)."""

    def to_text(self) -> str:
        raise NotImplementedError

    def to_html(self) -> str:
        return f"<pre>{html.escape(self.to_text())}</pre>"

    def _rich_forms(self) -> dict[str, str]:
        return {"text/html": self.to_html()}

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, str]:
        return {"text/plain": self.to_text(), **self._rich_forms()}


def code_html(text: str) -> str:
    """Escape ``text``; `backticked` parts become <code>, newlines <br>."""
    parts = html.escape(text).split("`")
    joined = "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
    return joined.replace("\n", "<br>")


def html_table(rows: list[list[str]]) -> str:
    """Rows of cells as an HTML table, the first row as its header."""
    header, *body = rows
    head = "".join(f"<th>{html.escape(cell)}</th>" for cell in header)
    cells = "".join(
        "<tr>" + "".join(f"<td>{html.escape(cell)}</td>" for cell in row) + "</tr>" for row in body
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{cells}</tbody></table>"


def text_table(rows: list[list[str]], align: str = "", rule_after_header: bool = False) -> list[str]:
    """Rows of cells as aligned text lines: ``align`` has one letter per column, "l" or "r"
    (missing letters mean "l"); trailing spaces are dropped."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def line(row: list[str]) -> str:
        cells = [cell.rjust(w) if align[i:i + 1] == "r" else cell.ljust(w)
                 for i, (cell, w) in enumerate(zip(row, widths))]
        return "  ".join(cells).rstrip()
    lines = [line(row) for row in rows]
    if rule_after_header:
        lines.insert(1, "  ".join("-" * w for w in widths))
    return lines


@dataclass(frozen=True)
class ViewOptions:
    """What to show: which half, how deep, folded or not, filtered how."""

    view: str = "both"
    depth: int | None = None
    fold: bool = True
    collection: str | None = None
    search: str = ""
    hide_plumbing: bool = True

    def __post_init__(self):
        if self.view not in VIEWS:
            raise ValueError(f"view must be one of {', '.join(VIEWS)}; got {self.view!r}")
        whole = isinstance(self.depth, int) and not isinstance(self.depth, bool)
        if self.depth is not None and (not whole or self.depth < 0):
            raise ValueError(f"depth must be a whole number >= 0 or None; got {self.depth!r}")
        for flag in ("fold", "hide_plumbing"):
            if not isinstance(getattr(self, flag), bool):
                raise TypeError(f"{flag} must be True or False; got {getattr(self, flag)!r}")
        if self.collection is not None and not isinstance(self.collection, str):
            raise TypeError(
                "collection must be a collection name such as 'trainable' or None; "
                f"got {self.collection!r}"
            )
        if not isinstance(self.search, str):
            raise TypeError(f"search must be a piece of a name (a string); got {self.search!r}")


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def format_shape(shape: tuple) -> str:
    if len(shape) == 1:
        return f"({'?' if shape[0] is None else shape[0]},)"
    return "(" + ", ".join("?" if d is None else str(d) for d in shape) + ")"


def variable_details(var: VariableInfo) -> str:
    parts = [format_shape(var.shape), var.dtype, "[" + ", ".join(var.collections) + "]"]
    if var.device:
        parts.append(f"@{var.device}")
    if var.shared:
        parts.append("shared: read in " + ", ".join(scope or "(top level)" for scope in var.reader_scopes))
    return "  ".join(parts)


def scope_summary(node: ScopeNode, half: str) -> str:
    if half == "variables":
        return f"{plural(node.variable_count, 'var')}  {plural(node.parameter_count, 'param')}"
    return plural(node.op_count, "op")


def scope_label(node: ScopeNode) -> str:
    """``conv1/``, or ``conv3_1..3/  (×3, same structure)`` for a folded run."""
    if node.is_group:
        return f"{node.name}/  (×{len(node.members)}, same structure)"
    return node.name + "/"


def _leaf(item: VariableInfo | OpInfo) -> tuple[str, str]:
    name = item.name.rsplit("/", 1)[-1]
    if isinstance(item, VariableInfo):
        return name, variable_details(item)
    return name, item.type


def view_roots(tree: ScopeTree, options: ViewOptions) -> list[tuple[str, ScopeNode]]:
    """``(half, root)`` for each half the options show: variables by variable scope, ops by
    name scope, filtered and folded as asked."""
    halves = []
    if options.view in ("variables", "both"):
        halves.append(
            (
                "variables",
                tree.variable_root(options.fold, options.collection, options.search),
            )
        )
    if options.view in ("ops", "both"):
        halves.append(
            ("ops", tree.op_root(options.fold, options.hide_plumbing, options.search))
        )
    return halves


def heading(tree: ScopeTree, half: str, root: ScopeNode, options: ViewOptions) -> str:
    if half == "variables":
        text = (
            f"Variables by variable scope: {plural(root.variable_count, 'variable')}, "
            f"{plural(root.parameter_count, 'parameter')}"
        )
        if options.collection:
            text += f" (collection: {options.collection})"
    else:
        text = f"Ops by name scope: {plural(root.op_count, 'op')}"
        hidden = sum(1 for o in tree.ops if o.plumbing)
        if options.hide_plumbing and hidden:
            text += f" ({plural(hidden, 'plumbing op')} hidden)"
    if options.search:
        text += f" matching {options.search!r}"
    return text


# --- text ----------------------------------------------------------------------------


def _text_rows(node: ScopeNode, half: str, depth: int | None, prefix: str, rows: list) -> None:
    entries: list = list(node.children.values())
    entries += node.variables if half == "variables" else node.ops
    for i, entry in enumerate(entries):
        last = i == len(entries) - 1
        branch = prefix + ("└── " if last else "├── ")
        if isinstance(entry, ScopeNode):
            rows.append((branch + scope_label(entry), scope_summary(entry, half)))
            deeper = prefix + ("    " if last else "│   ")
            if entry.is_group:
                for j, member in enumerate(entry.children.values()):
                    mark = "└── " if j == len(entry.children) - 1 else "├── "
                    rows.append((deeper + mark + member.name + "/", scope_summary(member, half)))
            elif depth is None or depth > 1:
                _text_rows(entry, half, None if depth is None else depth - 1, deeper, rows)
        else:
            name, details = _leaf(entry)
            rows.append((branch + name, details))


def render_text(tree: ScopeTree, options: ViewOptions | None = None) -> str:
    """The tree as aligned plain text with ├──/└── branches."""
    options = options or ViewOptions()
    blocks = []
    for half, root in view_roots(tree, options):
        rows: list[tuple[str, str]] = []
        if options.depth != 0:
            _text_rows(root, half, options.depth, "", rows)
        width = max((len(left) for left, _ in rows), default=0)
        lines = [heading(tree, half, root, options)]
        lines += [f"{left.ljust(width)}  {right}".rstrip() for left, right in rows]
        if not rows:
            lines.append("(nothing)")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# --- HTML ----------------------------------------------------------------------------


def _html_items(node: ScopeNode, half: str, open_depth: int | None, level: int) -> str:
    parts = []
    for child in node.children.values():
        inner = _html_items(child, half, open_depth, level + 1)
        # Open exactly where render_text lists the children (it always lists a group's members).
        shown_levels = level if child.is_group else level + 1
        is_open = " open" if open_depth is None or shown_levels < open_depth else ""
        css = "scopekit-scope scopekit-group" if child.is_group else "scopekit-scope"
        parts.append(
            f'<li><details class="{css}" data-path="{html.escape(child.path)}"{is_open}>'
            f"<summary><code>{html.escape(scope_label(child))}</code> "
            f"<small>{html.escape(scope_summary(child, half))}</small></summary>"
            f"<ul>{inner}</ul></details></li>"
        )
    parts += map(leaf_html, node.variables if half == "variables" else node.ops)
    return "".join(parts)


def leaf_html(leaf: VariableInfo | OpInfo) -> str:
    """One variable or op as the ``<li>`` the HTML view lists under its scope."""
    name, details = _leaf(leaf)
    shared = isinstance(leaf, VariableInfo) and leaf.shared
    css = "scopekit-op" if isinstance(leaf, OpInfo) else "scopekit-variable"
    if shared:
        css += " scopekit-shared"
    return (
        f'<li class="{css}" data-name="{html.escape(leaf.name)}">'
        f"<code>{html.escape(name)}</code>{' ◆' if shared else ''} "
        f"<small>{html.escape(details)}</small></li>"
    )


def render_html(
    tree: ScopeTree, options: ViewOptions | None = None, open_depth: int | None = None
) -> str:
    """Nested ``<details>`` lists, no script or style element, so it reads the same on GitHub.

    Every scope is in the markup. The first ``open_depth`` levels of rows show at first,
    the same rows ``render_text`` shows for that depth (default: ``options.depth``; None
    shows all); deeper scopes are closed ``<details>`` that open with a click.
    """
    options = options or ViewOptions()
    if open_depth is None:
        open_depth = options.depth
    cells = []
    for half, root in view_roots(tree, options):
        title = html.escape(heading(tree, half, root, options))
        body = _html_items(root, half, open_depth, 0) or '<li class="scopekit-empty">(nothing)</li>'
        cells.append(
            f'<div class="scopekit-half" data-half="{half}"><strong>{title}</strong>'
            f"<ul>{body}</ul></div>"
        )
    if len(cells) == 1:
        return f'<div class="scopekit-tree">{cells[0]}</div>'
    row = "".join(f'<td style="vertical-align:top;text-align:left">{c}</td>' for c in cells)
    table = f'<table class="scopekit-columns"><tr>{row}</tr></table>'
    return f'<div class="scopekit-tree">{table}</div>'
