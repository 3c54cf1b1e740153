"""Small, deterministic charts of a scope tree (parameters per block).

Notebook outputs must not change between runs, so a chart is drawn with matplotlib's Agg
renderer on a ``Figure`` of fixed size and dpi (no pyplot, no global state), and saved as
PNG with no metadata (matplotlib would otherwise write a ``Software`` text chunk). The
same numbers also come as a text table: that is what nbval compares (it skips PNG data)
and what a reader without images sees.
"""

from __future__ import annotations

import base64
import io
import logging
from dataclasses import dataclass

from kit.render import Displayable
from kit.tree import ScopeTree

FIGURE_SIZE = (6.4, 3.6)
DPI = 100
BAR_COLOUR = "#4c72b0"
HIGHLIGHT_COLOUR = "#dd8452"


def block_parameters(tree: ScopeTree, under: str = "") -> dict[str, int]:
    """Parameters per direct child scope of ``under`` ('' = the root), in name order.

    Variables directly in ``under`` (not in a child scope) are counted under their own name.
    """
    prefix = under.strip("/") + "/" if under.strip("/") else ""
    counts: dict[str, int] = {}
    for var in tree.variables:
        if not var.name.startswith(prefix):
            continue
        block = var.name[len(prefix):].split("/", 1)[0]
        counts[block] = counts.get(block, 0) + var.size
    return counts


def _share(count: int, total: int) -> str:
    return f"{100 * count / total:.1f}%" if total else "-"


def parameter_table(counts: dict[str, int], title: str) -> str:
    """The counts as aligned text: block, parameters, share of the total."""
    total = sum(counts.values())
    width = max([len(name) for name in counts] + [len("total")])
    digits = len(f"{total:,}")
    lines = [title]
    for name, count in counts.items():
        lines.append(f"{name.ljust(width)}  {count:>{digits},}  {_share(count, total):>6}")
    lines.append(f"{'total'.ljust(width)}  {total:>{digits},}  {_share(total, total):>6}")
    return "\n".join(lines)


def bar_chart_png(counts: dict[str, int], title: str) -> bytes:
    """A horizontal bar chart of ``counts`` as PNG bytes; identical bytes on every run."""
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    names = list(counts)
    values = [counts[n] for n in names]
    biggest = max(values, default=0)
    figure = Figure(figsize=FIGURE_SIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    colours = [HIGHLIGHT_COLOUR if v == biggest and v else BAR_COLOUR for v in values]
    positions = range(len(names))
    axes.barh(positions, [v / 1e6 for v in values], color=colours)
    axes.set_yticks(list(positions), names)
    axes.invert_yaxis()
    axes.set_xlabel("parameters (millions)")
    axes.set_title(title)
    total = sum(values)
    for y, value in zip(positions, values):
        axes.text(value / 1e6, y, f" {value / 1e6:.2f}M ({_share(value, total)})",
                  va="center", fontsize=8)
    axes.set_xlim(0, biggest / 1e6 * 1.35 if biggest else 1)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


@dataclass(frozen=True, repr=False)
class ParameterChart(Displayable):
    """A bar chart that displays as PNG where images render and as a table elsewhere."""

    counts: dict[str, int]
    title: str

    @property
    def png(self) -> bytes:
        return bar_chart_png(self.counts, self.title)

    def to_text(self) -> str:
        return parameter_table(self.counts, self.title)

    def _rich_forms(self) -> dict[str, str]:
        return {"image/png": base64.b64encode(self.png).decode("ascii")}


def parameter_chart(tree: ScopeTree, under: str = "", title: str = "") -> ParameterChart:
    """Chart the parameters per block of ``tree`` below scope ``under``."""
    label = title or f"Parameters per block{' of ' + under if under else ''}"
    return ParameterChart(block_parameters(tree, under), label)
