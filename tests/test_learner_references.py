"""Every reference a learner, teacher or contributor meets resolves inside the repository
or to a public page.

A learner has only the repository (or Binder, or Colab). So no text they read may lean on
notes kept elsewhere: no behaviour ids that this repository does not define, no table of
facts kept outside it, no numbered source files, no paths outside the repository, and no
relative link that leads nowhere. (The words searched for are spelled in pieces below, so
that this file does not contain them itself.) The articles the lessons build on are cited by title and link
(docs/sources.md).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from lesson_cells import REPO, read_cells

# Families of behaviour ids the lessons once cited from notes outside the repository.
NOTES_TABLE = "FA" + "CTS"
NUMBERED_SOURCE = "se" + "ed"
OUTSIDE = "../" + "shared"
ID_FAMILIES = ["NS", "DUP", "RU", "SC", "SH", "RN", "SV", "DV", "RS", "LY", "AS", "RP", "VG", "WN", "NB", "PF", "ENV"]
UNRESOLVED = {
    "a behaviour id this repository does not define": re.compile(
        r"\b(?:" + "|".join(ID_FAMILIES) + r")\d{2}\b|\bTF2-\d{2}\b"),
    "a table of facts outside the repository": re.compile(rf"\b{NOTES_TABLE}\b"),
    "a numbered source file (cite the article by title)": re.compile(
        rf"\b{NUMBERED_SOURCE}s?[ _-]?0\d\d\b|{NUMBERED_SOURCE}-vs-reality", re.IGNORECASE),
    "a path outside the repository": re.compile(
        rf"{re.escape(OUTSIDE)}\b|/work/{OUTSIDE[3:]}"),
}
THIS_FILE = Path(__file__).resolve()


def scanned_files() -> list[Path]:
    patterns = ["notebooks/*.ipynb", "kit/**/*.py", "docs/**/*.md", "tests/**/*.py",
                "tests/**/*.ipynb", "tools/*.py", "README.md", "binder/*", "Makefile",
                ".ci/run", "pyproject.toml", "environment.yml"]
    found = {path for pattern in patterns for path in REPO.glob(pattern) if path.is_file()}
    return sorted(found - {THIS_FILE})


def readable_text(path: Path) -> str:
    """What a reader sees of a file: a notebook's sources and stored outputs, else the text."""
    if path.suffix == ".ipynb":
        return "\n".join(cell.text for cell in read_cells(path))
    return path.read_text(encoding="utf-8")


def unresolved_references(text: str) -> list[str]:
    found = []
    for why, pattern in UNRESOLVED.items():
        for match in pattern.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.append(f"line {line}: {match.group(0)!r} is {why}")
    return found


@pytest.mark.parametrize("path", scanned_files(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_reference_a_reader_cannot_follow(path):
    problems = unresolved_references(readable_text(path))
    assert not problems, f"{path.relative_to(REPO)}:\n" + "\n".join(problems[:40])


# --- relative links in markdown (docs, README, notebook markdown cells) -------------------

LINK = re.compile(r"\[[^\]]*\]\((?P<target>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a markdown heading."""
    text = re.sub(r"[`*_]", lambda m: "_" if m.group(0) == "_" else "", heading.strip().lower())
    text = "".join(ch for ch in text if ch in "-_ " or unicodedata.category(ch)[0] in "LN")
    return text.replace(" ", "-")


def jupyter_slug(heading: str) -> str:
    """The anchor JupyterLab and Notebook 7 give a markdown heading."""
    return re.sub(r"[`*]", "", heading.strip()).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    if path.suffix == ".ipynb":
        markdown = "\n".join(c.source for c in read_cells(path) if c.kind == "markdown")
    else:
        markdown = path.read_text(encoding="utf-8")
    markdown = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", markdown, flags=re.MULTILINE)
    explicit = re.findall(r"<a\s+(?:name|id)=\"([^\"]+)\"", markdown)
    return {slug(h) for h in headings for slug in (github_slug, jupyter_slug)} | set(explicit)


def markdown_of(path: Path) -> str:
    if path.suffix == ".ipynb":
        return "\n".join(c.source for c in read_cells(path) if c.kind == "markdown")
    return path.read_text(encoding="utf-8")


def broken_links(path: Path) -> list[str]:
    problems = []
    for match in LINK.finditer(markdown_of(path)):
        target = match["target"]
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto:, ...
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        if not linked.exists():
            problems.append(f"{target}: no such file")
        elif REPO not in linked.parents and linked != REPO:
            problems.append(f"{target}: outside the repository")
        elif anchor and linked.suffix in {".md", ".ipynb"} and anchor not in anchors(linked):
            problems.append(f"{target}: no heading with anchor #{anchor}")
    return problems


MARKDOWN_FILES = sorted(
    [*REPO.glob("docs/**/*.md"), REPO / "README.md", *REPO.glob("notebooks/*.ipynb")])


@pytest.mark.parametrize("path", MARKDOWN_FILES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(path):
    problems = broken_links(path)
    assert not problems, f"{path.relative_to(REPO)}:\n" + "\n".join(problems)


def test_the_scanner_finds_what_it_must():
    text = (f"as shown ({NOTES_TABLE} NS04), see RU04 and TF2-06; {NUMBERED_SOURCE} 000 says; "
            f"{OUTSIDE}/{NOTES_TABLE}.md")
    found = "\n".join(unresolved_references(text))
    for piece in ("'NS04'", "'RU04'", "'TF2-06'", f"'{NOTES_TABLE}'", f"'{NUMBERED_SOURCE} 000'",
                  f"'{OUTSIDE}'"):
        assert piece in found
    assert not unresolved_references("vgg_16 has conv5/conv5_3; resnet_v2_152; tf2; VGG16")


def test_the_link_checker_finds_a_broken_link(tmp_path, monkeypatch):
    page = REPO / "docs" / "sources.md"
    assert page.exists(), "docs/sources.md lists the articles the lessons cite"
    sample = tmp_path / "sample.md"
    sample.write_text("[ok](https://example.org) [bad](missing.md) [anchor](#nowhere)\n# Here\n")
    problems = "\n".join(broken_links(sample))
    assert "missing.md: no such file" in problems and "#nowhere" in problems
    assert "example.org" not in problems
    assert json.dumps(github_slug("The blog post on `name_scope` and variable_scope")) == \
        '"the-blog-post-on-name_scope-and-variable_scope"'
