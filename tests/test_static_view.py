"""Lessons read well without a kernel: GitHub, nbviewer and ``jupyter nbconvert --to html``.

Widgets need a live kernel. Where there is none, every widget output must fall back
to something a reader can use (its ``text/html`` or ``text/plain`` form, not a bare
``VBox(children=...)`` repr), and no output may render as an empty box.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
# ipywidgets' own repr ("VBox(children=(...))"), or Python's default object repr.
DEFAULT_REPR = re.compile(
    r"^\s*(<[\w.]+ object at 0x[0-9a-fA-F]+>"
    r"|[A-Z]\w*\((children|value|options|layout|description|style|tooltip)=)"
)
# Elements that show something even without text.
VISIBLE_WITHOUT_TEXT = {"img", "svg", "canvas", "video", "iframe", "input", "select"}


def fallback_problems(notebook: nbformat.NotebookNode) -> list[str]:
    """Widget outputs whose kernel-free forms are missing, empty or a default repr."""
    problems = []
    for number, cell in enumerate(notebook.cells, 1):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_MIME not in data:
                continue
            plain = data.get("text/plain", "")
            html_text = visible_text(data.get("text/html", ""))
            where = f"cell {number}"
            if not plain.strip() and not html_text:
                problems.append(f"{where}: widget with no text/plain or text/html fallback")
            if DEFAULT_REPR.match(plain):
                problems.append(f"{where}: text/plain is the default repr {plain[:60]!r}")
            if "text/html" in data and not html_text:
                problems.append(f"{where}: text/html fallback shows no text")
    return problems


class _OutputCollector(HTMLParser):
    """Collects each output area's visible text and whether it holds an image or control."""

    def __init__(self):
        super().__init__()
        self.outputs: list[dict] = []
        self._depth_stack: list[int] = []  # div depth at which each open output began
        self._div_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag == "div":
            self._div_depth += 1
            classes = (dict(attrs).get("class") or "").split()
            if "jp-OutputArea-output" in classes:
                mime = dict(attrs).get("data-mime-type", "")
                self.outputs.append({"mime": mime, "text": "", "media": False})
                self._depth_stack.append(self._div_depth)
        if self._depth_stack and tag in VISIBLE_WITHOUT_TEXT:
            self.outputs[-1]["media"] = True

    def handle_endtag(self, tag):
        if tag == "div":
            if self._depth_stack and self._depth_stack[-1] == self._div_depth:
                self._depth_stack.pop()
            self._div_depth -= 1

    def handle_data(self, data):
        if self._depth_stack:
            self.outputs[-1]["text"] += data


def visible_text(html_source: str) -> str:
    collector = _TextCollector()
    collector.feed(html_source)
    return " ".join(collector.parts).strip()


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style") and self._skip > 0

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.parts.append(data.strip())


def static_html(notebook: nbformat.NotebookNode) -> str:
    """The page ``jupyter nbconvert --to html`` makes (nothing is executed)."""
    body, _ = HTMLExporter().from_notebook_node(notebook)
    return body


def squeeze(text: str) -> str:
    return " ".join(text.split())


def static_html_problems(notebook: nbformat.NotebookNode, body: str | None = None) -> list[str]:
    """Empty output boxes, widget-only outputs, and widget fallbacks missing from the page
    (``body``: the exported page, made from ``notebook`` when not given)."""
    body = static_html(notebook) if body is None else body
    collector = _OutputCollector()
    collector.feed(body)
    problems = []
    for number, output in enumerate(collector.outputs, 1):
        if not output["text"].strip() and not output["media"]:
            problems.append(f"output {number} ({output['mime'] or 'no mime'}) renders as an empty box")
        if output["mime"] == WIDGET_MIME:
            problems.append(f"output {number} renders only as a widget (needs a kernel)")
    page_text = squeeze(visible_text(body))
    for number, cell in enumerate(notebook.cells, 1):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_MIME in data:
                shown = squeeze(visible_text(data.get("text/html", "")) or data.get("text/plain", ""))
                if shown[:80] not in page_text:
                    problems.append(f"cell {number}: widget fallback {shown[:40]!r} not on the page")
    return problems


def widget_output(plain: str, html_source: str | None) -> nbformat.NotebookNode:
    data = {WIDGET_MIME: {"model_id": "f" * 32, "version_major": 2, "version_minor": 0},
            "text/plain": plain}
    if html_source is not None:
        data["text/html"] = html_source
    return nbformat.v4.new_output("display_data", data=data)


def notebook_with(*outputs) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("show()")
    cell.outputs = list(outputs)
    notebook.cells = [cell]
    return notebook


def test_checker_flags_a_widget_whose_only_fallback_is_its_repr():
    notebook = notebook_with(widget_output("VBox(children=(HBox(children=(...)),))", None))
    assert fallback_problems(notebook) == [
        "cell 1: text/plain is the default repr 'VBox(children=(HBox(children=(...)),))'"
    ]


def test_checker_flags_an_html_fallback_with_nothing_to_read():
    notebook = notebook_with(widget_output("", "<div class='scopekit-tree'></div>"))
    assert "cell 1: text/html fallback shows no text" in fallback_problems(notebook)
    assert any("empty box" in problem for problem in static_html_problems(notebook))


def test_checker_flags_a_widget_fallback_missing_from_the_page():
    notebook = notebook_with(widget_output("└── goo/  1 var", "<p>goo/ 1 var</p>"))
    page_without_it = static_html(notebook_with())
    assert static_html_problems(notebook, page_without_it) == [
        "cell 1: widget fallback 'goo/ 1 var' not on the page"
    ]


def test_checker_accepts_a_widget_with_a_readable_fallback():
    notebook = notebook_with(widget_output("└── goo/  1 var", "<ul><li>goo/ 1 var</li></ul>"))
    assert fallback_problems(notebook) == []
    assert static_html_problems(notebook) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_every_widget_output_has_a_readable_fallback(path):
    notebook = nbformat.read(path, as_version=4)
    assert fallback_problems(notebook) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[path.stem for path in NOTEBOOKS])
def test_static_html_shows_each_widget_fallback_and_no_blank_box(path):
    notebook = nbformat.read(path, as_version=4)
    assert static_html_problems(notebook) == []


def test_show_takes_the_path_of_a_checkpoint(tmp_path):
    import kit

    tf = kit.tf
    with kit.fresh_graph():
        with tf.variable_scope("layer"):
            tf.get_variable("w", [3, 2])
        with tf.Session() as session:
            session.run(tf.global_variables_initializer())
            prefix = tf.train.Saver().save(session, str(tmp_path / "model.ckpt"))
    text = str(kit.show(prefix))
    assert "layer/" in text and "(3, 2)" in text
