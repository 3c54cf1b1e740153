"""Expected-vs-yours comparison of two scope trees, as text and as HTML.

``diff_trees(expected, yours)`` pairs variables by name, then explains what is left:
a uniquified copy (``conv1_1/weights`` next to ``conv1/weights``: sharing is missing),
a name that gained or lost a name_scope prefix (tf.get_variable sees only variable
scopes, tf.Variable every name scope: lesson 01), or the same leaf in another scope.
Matched pairs are compared by shape, dtype and collections. Every entry carries a reason
that names the concept, in the naming the exercise uses: ``naming="tf1"`` (variable scopes,
``tf.get_variable``, reuse) or ``naming="tf2"`` (name scopes and ``tf.Module``, where a
variable is made once and kept: lesson 08).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from kit.render import Displayable, format_shape, plural
from kit.tree import ScopeTree, VariableInfo

COMPARABLE = ("names", "shapes", "dtypes", "collections", "ops")
NAMINGS = ("tf1", "tf2")
KIND_ORDER = ("extra copy", "misplaced", "missing", "extra", "shape", "dtype", "collections", "scope")
_NUMBERED = re.compile(r"^(?P<base>.+)_(?P<index>\d+)$")


@dataclass(frozen=True)
class DiffEntry:
    """One difference: its kind, the names involved and why it matters."""

    kind: str
    name: str
    reason: str
    expected: str = ""
    yours: str = ""


@dataclass(repr=False)
class TreeDiff(Displayable):
    """All differences between an expected tree and the learner's."""

    entries: list[DiffEntry] = field(default_factory=list)
    expected_count: int = 0
    yours_count: int = 0

    @property
    def empty(self) -> bool:
        return not self.entries

    def __bool__(self) -> bool:
        return bool(self.entries)

    def of_kind(self, kind: str) -> list[DiffEntry]:
        return [e for e in self.entries if e.kind == kind]

    @property
    def headline(self) -> str:
        """The most important reason, for the first line of feedback."""
        if not self.entries:
            return ""
        return min(self.entries, key=lambda e: KIND_ORDER.index(e.kind)).reason

    def to_text(self) -> str:
        return diff_text(self)

    def to_html(self) -> str:
        return diff_html(self)


def deuniquify(name: str) -> str:
    """``tower_1/conv_2/w`` -> ``tower/conv/w``: drop TF's ``_N`` uniquifying suffixes."""
    parts = name.split("/")
    return "/".join(_NUMBERED.sub(r"\g<base>", p) for p in parts)


def _is_uniquified_copy(name: str, of: str) -> bool:
    """True when ``name`` is ``of`` with one or more segments given an ``_N`` suffix."""
    a, b = name.split("/"), of.split("/")
    if len(a) != len(b) or name == of:
        return False
    for x, y in zip(a, b):
        if x == y:
            continue
        match = _NUMBERED.match(x)
        if not match or match["base"] != y:
            return False
    return True


def _leaf(name: str) -> str:
    return name.rsplit("/", 1)[-1]


def _scope(name: str) -> str:
    return name.rsplit("/", 1)[0] if "/" in name else ""


def _leaf_uniquified(yours: str, expected: str) -> bool:
    """Only the last segment got ``_N``: a tf.Variable renamed itself (get_variable raises)."""
    return _scope(yours) == _scope(expected) and _is_uniquified_copy(yours, expected)


def _copy_reason(original: str, copy: str, naming: str = "tf1") -> str:
    if naming == "tf2":
        return (
            f"`{original}` exists twice (again as `{copy}`): the variables were made again "
            "instead of reused; make each one once (in `__init__`, or on the first call) and "
            "use it on every call (lesson 08, section 2, shows it)."
        )
    if _leaf_uniquified(copy, original):
        return (
            f"`{original}` exists twice (again as `{copy}`): tf.Variable never shares, it silently "
            "renames a repeated name (lesson 01 shows it). Use tf.get_variable in a scope with "
            "`reuse=True` or `tf.AUTO_REUSE`."
        )
    return (
        f"`{original}` exists twice (again as `{copy}`): the second call needs "
        "`reuse=True` or `tf.AUTO_REUSE` to share it instead of making a new one."
    )


def _explain_misplaced(expected: str, yours: str) -> str:
    if _leaf_uniquified(yours, expected):
        return (
            f"`{yours}` where `{expected}` was expected: the name was taken, so TF renamed this "
            "variable. tf.Variable (and get_variable after a tf.Variable of the same name) does "
            "that silently (lessons 01 and 03 show it)."
        )
    if _is_uniquified_copy(yours, expected):
        return (
            f"`{yours}` where `{expected}` was expected: TF renamed a repeated scope with `_N`; "
            "open the same scope again with `reuse=True`/`tf.AUTO_REUSE`, or pass the scope "
            "object instead of letting TF pick a new name."
        )
    if yours.endswith("/" + expected):
        prefix = yours[: -len(expected) - 1]
        return (
            f"`{yours}` where `{expected}` was expected: the extra `{prefix}/` comes from a "
            "name_scope. tf.Variable takes every name-scope prefix; tf.get_variable (and slim) "
            "see only variable scopes (lesson 01 shows it)."
        )
    if expected.endswith("/" + yours):
        prefix = expected[: -len(yours) - 1]
        return (
            f"`{yours}` where `{expected}` was expected: tf.get_variable ignores "
            f"name_scope, so `{prefix}/` must be a variable_scope (lesson 01 shows it)."
        )
    return (
        f"`{yours}` where `{expected}` was expected: same variable, different scope; "
        f"check the variable_scope names around it (expected scope `{_scope(expected) or '(root)'}`)."
    )


_TF2_SCOPES = "a `tf.name_scope`, or a module's `with self.name_scope:`"
_TF2_LESSON = "lesson 08, section 3, shows how TF2 names variables"


def _explain_misplaced_tf2(expected: str, yours: str) -> str:
    relation = _prefix_relation(expected, yours)
    if relation is None or _is_uniquified_copy(yours, expected):
        return (
            f"`{yours}` where `{expected}` was expected: same variable, different scope; check "
            f"the name scopes and module names around it (expected scope "
            f"`{_scope(expected) or '(root)'}`; {_TF2_LESSON})."
        )
    how, prefix = relation
    if how == "extra":
        return (
            f"`{yours}` where `{expected}` was expected: the extra `{prefix}/` is a name scope "
            f"that was open when the variable was made ({_TF2_SCOPES}); make it outside that "
            f"scope ({_TF2_LESSON})."
        )
    return (
        f"`{yours}` where `{expected}` was expected: `{prefix}/` is missing. A TF2 variable's "
        f"name takes the name scopes open when it is made: make it inside {_TF2_SCOPES} "
        f"({_TF2_LESSON})."
    )


def _prefix_relation(expected: str, yours: str) -> tuple[str, str] | None:
    """('missing', 'p') when yours lacks the prefix 'p/'; ('extra', 'p') when it has one more."""
    if expected.endswith("/" + yours):
        return ("missing", expected[: -len(yours) - 1])
    if yours.endswith("/" + expected):
        return ("extra", yours[: -len(expected) - 1])
    return None


def _grouped_prefix_reason(relation: str, prefix: str, count: int, expected: str, yours: str,
                           naming: str = "tf1") -> str:
    example = f"e.g. `{yours}` where `{expected}` was expected"
    if naming == "tf2" and relation == "missing":
        return (
            f"`{prefix}/` is missing from {count} names ({example}): a TF2 variable's name takes "
            f"the name scopes open when it is made; make them inside {_TF2_SCOPES} "
            f"({_TF2_LESSON})."
        )
    if naming == "tf2":
        return (
            f"{count} names have an extra `{prefix}/` prefix ({example}): a name scope was open "
            f"when they were made ({_TF2_SCOPES}); make them outside it ({_TF2_LESSON})."
        )
    if relation == "missing":
        return (
            f"`{prefix}/` is missing from {count} names ({example}): tf.get_variable ignores "
            f"name_scope, so `{prefix}/` must be a variable_scope; open "
            f"`tf.variable_scope('{prefix}')` around them (lesson 01 shows it)."
        )
    return (
        f"{count} names have an extra `{prefix}/` prefix ({example}). If `{prefix}` is a "
        "name_scope, these were made with tf.Variable, which takes every name-scope prefix; "
        "tf.get_variable and slim see only variable scopes (lesson 01 shows it)."
    )


def _misplaced_entries(pairs: list[tuple[VariableInfo, VariableInfo]],
                       naming: str = "tf1") -> list[DiffEntry]:
    """One entry per misplaced variable, except that a prefix shared by several is one entry."""
    groups: dict[tuple[str, str], list[tuple[VariableInfo, VariableInfo]]] = {}
    for pair in pairs:
        exp, y = pair
        relation = _prefix_relation(exp.name, y.name)
        if relation is not None and not _is_uniquified_copy(y.name, exp.name):
            groups.setdefault(relation, []).append(pair)
    grouped = {id(pair) for members in groups.values() if len(members) > 1 for pair in members}
    entries = []
    for (relation, prefix), members in sorted(groups.items()):
        if len(members) > 1:
            exp, y = min(members, key=lambda pair: pair[1].name)
            reason = _grouped_prefix_reason(relation, prefix, len(members), exp.name, y.name,
                                            naming)
            entries.append(DiffEntry("misplaced", f"{prefix}/", reason, exp.name, y.name))
    for pair in pairs:
        if id(pair) not in grouped:
            exp, y = pair
            explain = _explain_misplaced_tf2 if naming == "tf2" else _explain_misplaced
            entries.append(DiffEntry("misplaced", y.name, explain(exp.name, y.name), exp.name, y.name))
    return entries


def _pair_unmatched(missing: list[VariableInfo], extra: list[VariableInfo]):
    """Pair leftover expected/yours variables that look like the same variable misplaced.

    Closest first: a name that only gained or lost a prefix, then a ``_N`` renamed copy,
    then the same name without ``_N`` suffixes, then the same last segment.
    """
    def closeness(expected: str, yours: str) -> tuple:
        return (
            _prefix_relation(expected, yours) is None,
            not _is_uniquified_copy(yours, expected),
            deuniquify(yours) != deuniquify(expected),
            yours,
        )

    pairs = []
    left = list(extra)
    for exp in missing:
        candidates = [
            y for y in left
            if _leaf(y.name) == _leaf(exp.name) or deuniquify(y.name) == deuniquify(exp.name)
        ]
        if not candidates:
            continue
        best = min(candidates, key=lambda y: closeness(exp.name, y.name))
        pairs.append((exp, best))
        left.remove(best)
    return pairs


# Why a variable may be in the wrong collections: (collection, missing or extra, note).
COLLECTION_REASONS = (
    ("model", "missing", "slim.model_variable and slim layers add to model_variables"),
    ("model", "extra", "slim.variable does not add to model_variables, slim.model_variable does"),
    ("trainable", "extra", "pass trainable=False to keep it out of trainable_variables"),
    ("trainable", "missing", "trainable=False removed it from trainable_variables"),
    ("global", "missing", "collections=[...] replaces the global collection"),
    ("local", "missing", "local variables need collections=[tf.GraphKeys.LOCAL_VARIABLES]"),
    ("regularized", "missing", "it needs a regularizer (weights_regularizer= or regularizer=)"),
    ("regularized", "extra", "this variable should not be regularized"),
)


def _collection_reason(name: str, missing: set[str], extra: set[str]) -> str:
    differs = {"missing": missing, "extra": extra}
    notes = [note for collection, how, note in COLLECTION_REASONS if collection in differs[how]]
    detail = "; ".join(notes) if notes else "check the collections= / trainable= arguments"
    return f"`{name}` is in the wrong collections: {detail} (lesson 04 shows it)."


def diff_trees(
    expected: ScopeTree, yours: ScopeTree, compare: tuple[str, ...] = ("names", "shapes", "collections"),
    naming: str = "tf1",
) -> TreeDiff:
    """Compare two trees' variables (and, with ``"ops"`` in ``compare``, their name scopes);
    ``naming`` (one of NAMINGS) picks the advice the reasons give."""
    if naming not in NAMINGS:
        raise ValueError(f"naming must be one of {NAMINGS}; got {naming!r}")
    result = TreeDiff(expected_count=len(expected.variables), yours_count=len(yours.variables))
    exp_by_name = {v.name: v for v in expected.variables}
    your_by_name = {v.name: v for v in yours.variables}
    missing = [v for n, v in exp_by_name.items() if n not in your_by_name]
    extra = [v for n, v in your_by_name.items() if n not in exp_by_name]
    entries = result.entries

    copies = [y for y in extra if any(_is_uniquified_copy(y.name, n) for n in exp_by_name if n in your_by_name)]
    for y in copies:
        original = next(n for n in sorted(exp_by_name) if n in your_by_name and _is_uniquified_copy(y.name, n))
        entries.append(DiffEntry("extra copy", y.name, _copy_reason(original, y.name, naming),
                                 original, y.name))
    extra = [y for y in extra if y not in copies]
    if "names" in compare:
        pairs = _pair_unmatched(missing, extra)
        entries.extend(_misplaced_entries(pairs, naming))
        paired_expected = {e.name for e, _ in pairs}
        paired_yours = {y.name for _, y in pairs}
        for exp in missing:
            if exp.name not in paired_expected:
                entries.append(
                    DiffEntry("missing", exp.name, f"`{exp.name}` {format_shape(exp.shape)} is missing.", exp.name)
                )
        for y in extra:
            if y.name not in paired_yours:
                entries.append(
                    DiffEntry("extra", y.name, f"`{y.name}` {format_shape(y.shape)} is not expected.", yours=y.name)
                )
    for name in sorted(set(exp_by_name) & set(your_by_name)):
        exp, y = exp_by_name[name], your_by_name[name]
        if "shapes" in compare and exp.shape != y.shape:
            entries.append(
                DiffEntry(
                    "shape",
                    name,
                    f"`{name}` has shape {format_shape(y.shape)}; expected {format_shape(exp.shape)}.",
                    format_shape(exp.shape),
                    format_shape(y.shape),
                )
            )
        if "dtypes" in compare and exp.dtype != y.dtype:
            entries.append(
                DiffEntry("dtype", name, f"`{name}` is {y.dtype}; expected {exp.dtype}.", exp.dtype, y.dtype)
            )
        if "collections" in compare and set(exp.collections) != set(y.collections):
            miss, more = set(exp.collections) - set(y.collections), set(y.collections) - set(exp.collections)
            entries.append(
                DiffEntry(
                    "collections",
                    name,
                    _collection_reason(name, miss, more),
                    ", ".join(exp.collections),
                    ", ".join(y.collections),
                )
            )
    if "ops" in compare:
        entries.extend(_scope_entries(expected, yours))
    return result


def _op_scopes(tree: ScopeTree) -> set[str]:
    return {o.name.rsplit("/", 1)[0] for o in tree.ops if not o.plumbing and "/" in o.name}


def _scope_entries(expected: ScopeTree, yours: ScopeTree) -> list[DiffEntry]:
    exp, got = _op_scopes(expected), _op_scopes(yours)
    entries = []
    for scope in sorted(exp - got):
        entries.append(DiffEntry("scope", scope, f"no ops in name scope `{scope}/`.", scope))
    for scope in sorted(got - exp):
        entries.append(DiffEntry("scope", scope, f"ops in name scope `{scope}/` were not expected.", yours=scope))
    return entries


def summary_line(diff: TreeDiff) -> str:
    return (
        f"Expected {plural(diff.expected_count, 'variable')}, yours has "
        f"{plural(diff.yours_count, 'variable')}; {plural(len(diff.entries), 'difference')}:"
    )


def diff_text(diff: TreeDiff, limit: int = 12) -> str:
    """Plain text: one line per difference, most important first."""
    if diff.empty:
        return f"Same variables as expected ({plural(diff.expected_count, 'variable')})."
    ordered = sorted(diff.entries, key=lambda e: (KIND_ORDER.index(e.kind), e.name))
    lines = [summary_line(diff)]
    for entry in ordered[:limit]:
        lines.append(f"  {entry.kind:<11} {entry.reason}")
    if len(ordered) > limit:
        lines.append(f"  ... and {len(ordered) - limit} more")
    return "\n".join(lines)


KIND_COLOURS = {
    "extra copy": "#b35c00",
    "misplaced": "#b35c00",
    "missing": "#b00020",
    "extra": "#6a1b9a",
    "shape": "#b00020",
    "dtype": "#b00020",
    "collections": "#1565c0",
    "scope": "#555555",
}


def diff_html(diff: TreeDiff, limit: int = 12) -> str:
    """The same lines as a small table, each kind in its own colour."""
    if diff.empty:
        return f"<div class='scopekit-diff'>{html.escape(diff_text(diff))}</div>"
    ordered = sorted(diff.entries, key=lambda e: (KIND_ORDER.index(e.kind), e.name))
    rows = []
    for entry in ordered[:limit]:
        colour = KIND_COLOURS.get(entry.kind, "#333")
        rows.append(
            f"<tr><td style='color:{colour};font-weight:bold;padding-right:1em;white-space:nowrap'>"
            f"{html.escape(entry.kind)}</td><td>{_code_spans(entry.reason)}</td></tr>"
        )
    if len(ordered) > limit:
        rows.append(f"<tr><td></td><td>... and {len(ordered) - limit} more</td></tr>")
    return (
        f"<div class='scopekit-diff'><div>{html.escape(summary_line(diff))}</div>"
        f"<table style='border-collapse:collapse'>{''.join(rows)}</table></div>"
    )


def _code_spans(text: str) -> str:
    """Escape ``text`` and turn `backticked` parts into <code>."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))
