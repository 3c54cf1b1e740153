"""``python -m kit`` (and the ``scopekit`` command): scope trees of files on disk.

    python -m kit tree PATH [--depth N] [--search TEXT] [--collection NAME]
                            [--view variables|ops|both] [--no-fold] [--plumbing]
                            [--json | --html FILE]
    python -m kit diff A B [--map-out FILE.json] [--json] [--limit N]

``tree`` prints the scope tree of a TF1 checkpoint (a prefix, its ``.index`` file or its
folder), a SavedModel folder (variables by scope, and its signatures), a MetaGraph
``.meta`` or a GraphDef ``.pb``/``.pbtxt`` (variables and ops by scope, plumbing hidden,
numbered runs folded, as ``kit.show`` does). ``diff`` compares two of them: the tree diff
the exercises use (A as expected, B as yours), then a name map from A to B.

Exit codes: 0 done (``diff``: no differences), 1 ``diff`` found differences, 2 bad input:
one line on stderr that says what was wrong, never a traceback.
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from kit.artifacts import Artifact, ArtifactError, NameMap, Signature, load, suggest_name_map
from kit.render import ViewOptions, format_shape, plural, render_html, render_text
from kit.tree import ScopeNode, parent_scope


def _prog() -> str:
    """``scopekit`` when run as the console script, else ``python -m kit``."""
    return "scopekit" if Path(sys.argv[0]).name == "scopekit" else "python -m kit"


VARIABLE_NAMES_HELP = ("SavedModels: name variables by their own names (their name scopes) "
                       "instead of their object paths")
DEBUG_ENV = "SCOPEKIT_DEBUG"  # set to 1 to see the traceback of an unexpected error

PAGE_STYLE = """\
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
.scopekit-tree ul { list-style: none; padding-left: 1.2em; margin: 0; }
.scopekit-tree summary { cursor: pointer; }
.scopekit-tree small { color: #666; }
.scopekit-shared code { color: #b35c00; }
table.scopekit-signatures { border-collapse: collapse; margin-bottom: 1.5em; }
table.scopekit-signatures td, table.scopekit-signatures th {
  border-bottom: 1px solid #ddd; padding: 0.2em 0.8em; text-align: left; }
"""


# --- tree ---------------------------------------------------------------------------------


def _options(args: argparse.Namespace, artifact: Artifact) -> ViewOptions:
    view = args.view or ("both" if artifact.tree.ops else "variables")
    return ViewOptions(view=view, depth=args.depth, fold=not args.no_fold,
                       collection=args.collection, search=args.search or "",
                       hide_plumbing=not args.plumbing)


def _shape_list(shape) -> list | None:
    return None if shape is None else list(shape)


def signatures_text(signatures: Sequence[Signature]) -> str:
    """The signatures as aligned text: each input and output with dtype, shape and tensor."""
    lines = [f"Signatures: {len(signatures)}"]
    for signature in signatures:
        method = f"  ({signature.method})" if signature.method else ""
        lines.append(f"  {signature.name}{method}")
        for label, specs in (("inputs", signature.inputs), ("outputs", signature.outputs)):
            if not specs:
                lines.append(f"    {label}: (none)")
            for i, spec in enumerate(specs):
                shape = "(unknown rank)" if spec.shape is None else format_shape(spec.shape)
                tensor = f"  {spec.tensor}" if spec.tensor else ""
                head = f"{label}:" if i == 0 else ""
                lines.append(f"    {head:<8} {spec.key}  {spec.dtype}  {shape}{tensor}".rstrip())
    return "\n".join(lines)


def signatures_html(signatures: Sequence[Signature]) -> str:
    header = ("<tr><th>signature</th><th></th><th>name</th><th>dtype</th><th>shape</th>"
              "<th>tensor</th></tr>")
    rows = [header]
    for signature in signatures:
        for label, specs in (("input", signature.inputs), ("output", signature.outputs)):
            for spec in specs:
                shape = "(unknown rank)" if spec.shape is None else format_shape(spec.shape)
                cells = [signature.name, label, spec.key, spec.dtype, shape, spec.tensor]
                rows.append("<tr>" + "".join(f"<td><code>{html.escape(c)}</code></td>"
                                             for c in cells) + "</tr>")
    return f'<table class="scopekit-signatures">{"".join(rows)}</table>'


def tree_text(artifact: Artifact, options: ViewOptions) -> str:
    parts = [artifact.title + "".join(f"\n  note: {note}" for note in artifact.notes),
             render_text(artifact.tree, options)]
    if artifact.kind == "savedmodel":
        parts.append(signatures_text(artifact.signatures))
    return "\n\n".join(parts)


def tree_page(artifact: Artifact, options: ViewOptions) -> str:
    """A whole HTML document: title, notes, signatures and the static tree (no script)."""
    title = html.escape(artifact.title)
    notes = "".join(f"<p><small>{html.escape(note)}</small></p>" for note in artifact.notes)
    signatures = ""
    if artifact.kind == "savedmodel":
        signatures = (f"<h2>Signatures: {len(artifact.signatures)}</h2>"
                      + signatures_html(artifact.signatures))
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<title>scopekit: {title}</title>\n<style>\n{PAGE_STYLE}</style>\n</head>\n<body>\n"
        f"<h1>{title}</h1>\n{notes}\n{signatures}\n"
        f"{render_html(artifact.tree, options)}\n</body>\n</html>\n"
    )


def _scope_rows(node: ScopeNode, depth: int | None, level: int, rows: list) -> None:
    for child in node.children.values():
        rows.append({"scope": child.path, "variables": child.variable_count,
                     "parameters": child.parameter_count})
        if not child.is_group and (depth is None or level + 1 < depth):
            _scope_rows(child, depth, level + 1, rows)


def tree_json(artifact: Artifact, options: ViewOptions) -> dict:
    """Names, shapes, dtypes and scopes for tools; --search and --collection apply."""
    root = artifact.tree.variable_root(False, options.collection, options.search)
    variables = sorted(root.walk_variables(), key=lambda v: v.name)
    scopes: list[dict] = []
    _scope_rows(artifact.tree.variable_root(options.fold, options.collection, options.search),
                options.depth, 0, scopes)
    ops = artifact.tree.op_root(False, options.hide_plumbing, options.search).walk_ops()
    return {
        "path": artifact.path,
        "kind": artifact.kind,
        "location": artifact.location,
        "variable_count": len(variables),
        "parameter_count": sum(v.size for v in variables),
        "variables": [
            {"name": v.name, "key": artifact.key(v.name),
             "scope": parent_scope(v.name),
             "shape": _shape_list(v.shape), "dtype": v.dtype, "parameters": v.size,
             "trainable": v.trainable, "collections": list(v.collections)}
            for v in variables
        ],
        "scopes": scopes,
        "ops": [{"name": o.name, "type": o.type,
                 "scope": parent_scope(o.name)}
                for o in sorted(ops, key=lambda o: o.name)],
        "signatures": [
            {"name": s.name, "method": s.method,
             **{label: [{"name": t.key, "tensor": t.tensor, "dtype": t.dtype,
                         "shape": _shape_list(t.shape)} for t in specs]
                for label, specs in (("inputs", s.inputs), ("outputs", s.outputs))}}
            for s in artifact.signatures
        ],
        "notes": list(artifact.notes),
    }


def run_tree(args: argparse.Namespace) -> int:
    artifact = load(args.path, variable_names=args.variable_names)
    options = _options(args, artifact)
    if args.json:
        print(to_json(tree_json(artifact, options)))
    elif args.html:
        _write(args.html, tree_page(artifact, options))
        print(f"wrote {args.html}: {artifact.title}, "
              f"{plural(len(artifact.tree.variables), 'variable')}")
    else:
        print(tree_text(artifact, options))
    return 0


# --- diff ---------------------------------------------------------------------------------


def _listed(lines: list[str], limit: int) -> list[str]:
    if limit and len(lines) > limit:
        return [*lines[:limit], f"  ... and {len(lines) - limit} more"]
    return lines


def _prefix_text(old: str, new: str) -> str:
    if not old:
        return f"add prefix `{new}`"
    if not new:
        return f"drop prefix `{old}`"
    return f"`{old}` -> `{new}`"


def name_map_text(name_map: NameMap, limit: int) -> str:
    counts = [
        f"{len(name_map.same)} same name",
        f"{len(name_map.rewritten)} after a rewrite",
        f"{len(name_map.differ)} differ in shape or dtype",
        f"{len(name_map.only_a)} only in A",
        f"{len(name_map.only_b)} only in B",
    ]
    lines = ["Name map from A to B: " + ", ".join(counts)]
    rules = [f"  prefix: {_prefix_text(a, b)}  ({plural(n, 'name')})"
             for a, b, n in name_map.prefix_rules()]
    rules += [f"  leaf: `{a}` -> `{b}`  ({plural(n, 'name')})" for a, b, n in name_map.leaf_rules()]
    if rules:
        lines += ["Rewrites:", *rules]
    if name_map.rewritten:
        lines.append("After a rewrite:")
        lines += _listed([f"  {p.a.name}  ->  {p.b.name}" for p in name_map.rewritten], limit)
    if name_map.differ:
        lines.append("Different shape or dtype:")
        lines += _listed([
            f"  {p.a.name}{'' if p.same_name else '  ->  ' + p.b.name}  "
            f"{format_shape(p.a.shape)} {p.a.dtype} in A, {format_shape(p.b.shape)} {p.b.dtype} in B"
            for p in name_map.differ], limit)
    for label, only in (("Only in A:", name_map.only_a), ("Only in B:", name_map.only_b)):
        if only:
            lines.append(label)
            lines += _listed([f"  {v.name}  {format_shape(v.shape)}  {v.dtype}" for v in only],
                             limit)
    return "\n".join(lines)


def name_map_json(name_map: NameMap, a: Artifact, b: Artifact) -> dict:
    """What ``--map-out`` writes: ``assignment_map`` is ``{key in A: name in B}`` for every
    tensor that fits, ready for ``tf.compat.v1.train.init_from_checkpoint(A, ...)``."""
    return {
        "from": a.location,
        "to": b.location,
        "assignment_map": name_map.assignment_map(a.key, b.key),
        "rewrites": {
            "prefix": [{"from": x, "to": y, "count": n} for x, y, n in name_map.prefix_rules()],
            "leaf": [{"from": x, "to": y, "count": n} for x, y, n in name_map.leaf_rules()],
        },
        "differ": [
            {"from": a.key(p.a.name), "to": b.key(p.b.name),
             "from_shape": list(p.a.shape), "to_shape": list(p.b.shape),
             "from_dtype": p.a.dtype, "to_dtype": p.b.dtype}
            for p in name_map.differ
        ],
        "only_in_from": [a.key(v.name) for v in name_map.only_a],
        "only_in_to": [b.key(v.name) for v in name_map.only_b],
    }


def run_diff(args: argparse.Namespace) -> int:
    from kit.diff import diff_text, diff_trees

    a = load(args.a, variable_names=args.variable_names)
    b = load(args.b, variable_names=args.variable_names)
    diff = diff_trees(a.tree, b.tree, compare=("names", "shapes", "dtypes"))
    name_map = suggest_name_map(a.tree, b.tree)
    mapping = name_map_json(name_map, a, b)
    if args.map_out:
        _write(args.map_out, to_json(mapping) + "\n")
    if args.json:
        print(to_json({**mapping, "tree_diff": [
            {"kind": e.kind, "name": e.name, "reason": e.reason} for e in diff.entries]}))
    else:
        limit = args.limit if args.limit > 0 else len(diff.entries) + 1
        print(f"A: {a.title} ({plural(len(a.tree.variables), 'variable')})")
        print(f"B: {b.title} ({plural(len(b.tree.variables), 'variable')})")
        print()
        print("Tree diff (A as expected, B as yours):")
        print(diff_text(diff, limit=limit))
        print()
        print(name_map_text(name_map, args.limit))
        if args.map_out:
            print(f"\nwrote {args.map_out}: assignment_map of "
                  f"{plural(len(mapping['assignment_map']), 'name')}")
    return 0 if diff.empty and name_map.identical else 1


# --- plumbing -------------------------------------------------------------------------------

_SCALAR_LIST = re.compile(r"\[\s*((?:-?\d+|null)(?:,\s*(?:-?\d+|null))*)\s*\]")


def to_json(value) -> str:
    """Indented JSON with lists of numbers (shapes) kept on one line."""
    text = json.dumps(value, indent=1)
    return _SCALAR_LIST.sub(lambda m: "[" + ", ".join(re.split(r",\s*", m[1])) + "]", text)



def _write(path: str, text: str) -> None:
    target = Path(path)
    if target.is_dir():
        raise ArtifactError(f"{path} is a folder: give a file name to write to")
    try:
        target.write_text(text, encoding="utf-8")
    except OSError as error:
        raise ArtifactError(f"{path}: cannot be written ({error.strerror or error})") from None


def _depth(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=_prog(), description="Scope trees of TensorFlow checkpoints, SavedModels and graph files.",
        epilog="Exit codes: 0 ok, 1 diff found differences, 2 bad input.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="{tree,diff}")
    tree = commands.add_parser(
        "tree", help="print the scope tree of a checkpoint, SavedModel or graph file",
        description="Print the scope tree of a TF1 checkpoint (prefix, .index file or folder), "
                    "a SavedModel folder, a MetaGraph .meta or a GraphDef .pb/.pbtxt.")
    tree.add_argument("path")
    tree.add_argument("--depth", type=_depth, help="levels of scopes shown (default: all)")
    tree.add_argument("--search", help="only names containing this text")
    tree.add_argument("--collection", help="only variables in this collection (e.g. trainable)")
    tree.add_argument("--view", choices=("variables", "ops", "both"),
                      help="which half (default: both for graphs, variables otherwise)")
    tree.add_argument("--no-fold", action="store_true", help="do not fold numbered runs")
    tree.add_argument("--plumbing", action="store_true",
                      help="show initializer/assign/read ops and a Saver's save/ ops")
    tree.add_argument("--variable-names", action="store_true", help=VARIABLE_NAMES_HELP)
    out = tree.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="names, shapes, dtypes and scopes as JSON")
    out.add_argument("--html", metavar="FILE", help="write a static HTML page to FILE")
    diff = commands.add_parser(
        "diff", help="compare two checkpoints (or a checkpoint and a graph) and suggest a name map",
        description="Tree diff of A (as expected) against B (as yours), then a name map from A "
                    "to B: names that match after a prefix or leaf rewrite, names whose shape "
                    "differs, names on one side only.")
    diff.add_argument("a")
    diff.add_argument("b")
    diff.add_argument("--map-out", metavar="FILE.json",
                      help="write the suggested name map (assignment_map) as JSON")
    diff.add_argument("--json", action="store_true", help="print the name map and diff as JSON")
    diff.add_argument("--variable-names", action="store_true", help=VARIABLE_NAMES_HELP)
    diff.add_argument("--limit", type=_depth, default=30,
                      help="names listed per section (default 30; 0 = all)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code (bad input: one line on stderr, 2)."""
    args = build_parser().parse_args(argv)
    try:
        return run_tree(args) if args.command == "tree" else run_diff(args)
    except ArtifactError as error:
        print(f"scopekit: {error}", file=sys.stderr)
        return 2
    except (ValueError, TypeError) as error:  # ViewOptions and friends
        print(f"scopekit: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `python -m kit tree X | head`
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the interpreter's flush
        return 0
    except Exception as error:  # a user sees one line, not a traceback
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"scopekit: unexpected {type(error).__name__}: {error} "
              f"(set {DEBUG_ENV}=1 to see the traceback)", file=sys.stderr)
        return 2
