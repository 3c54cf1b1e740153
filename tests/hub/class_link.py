"""The class link as docs/classroom.md documents it, filled in for a test hub.

The test follows the documented example link, not a link of its own: it takes that line
from the guide and changes only what the guide says a course changes (the hub's address,
the repository URL and the notebook at the end of ``urlpath``). A change to the guide's
link format is therefore tested too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "classroom.md"
EXAMPLE = re.compile(r"^https://<hub address>/hub/user-redirect/git-pull\?repo=https%3A\S+$",
                     re.MULTILINE)


@dataclass(frozen=True)
class ClassLink:
    """An nbgitpuller link: where it goes, then its query in the guide's order."""

    base: str
    query: tuple[tuple[str, str], ...]

    @classmethod
    def from_guide(cls, guide: Path = GUIDE) -> ClassLink:
        found = EXAMPLE.findall(guide.read_text())
        if not found:
            raise LookupError(f"{guide} shows no example link starting "
                              "https://<hub address>/hub/user-redirect/git-pull?repo=https%3A")
        base, query = found[0].split("?", 1)
        return cls(base, tuple(parse_qsl(query, keep_blank_values=True)))

    def value(self, name: str) -> str:
        return dict(self.query)[name]

    @property
    def opens(self) -> str:
        """The notebook the link opens, relative to the learner's home."""
        return self.value("urlpath").removeprefix("lab/tree/")

    def filled_in(self, hub_url: str, repo_url: str, notebook: str) -> ClassLink:
        """This link for another hub and repository, opening ``notebook`` (a file name in
        the same folder as the guide's example notebook)."""
        urlpath = self.value("urlpath").rsplit("/", 1)[0] + "/" + notebook
        replaced = {"repo": repo_url, "urlpath": urlpath}
        query = tuple((name, replaced.get(name, value)) for name, value in self.query)
        return ClassLink(hub_url.rstrip("/") + urlsplit(self.base).path, query)

    def __str__(self) -> str:
        safe = {"repo": "", "urlpath": "/"}
        return self.base + "?" + "&".join(
            f"{name}={quote(value, safe=safe.get(name, '/'))}" for name, value in self.query)
