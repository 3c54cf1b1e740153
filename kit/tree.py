"""The scope-tree model: what a ``tf.Graph`` holds, grouped by scope path.

Pure data, no UI. Variables are grouped by their variable-scope path (their name),
ops by their name-scope path. Each variable also records the name scopes whose ops
read it, which is how two towers sharing one variable become visible.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

# Short names for the collections a learner meets, keyed by the GraphKeys string.
COLLECTION_NAMES = {
    "variables": "global",
    "local_variables": "local",
    "model_variables": "model",
    "trainable_variables": "trainable",
}
REGULARIZED = "regularized"

VARIABLE_OP_TYPES = frozenset({"VarHandleOp", "VariableV2", "Variable"})
READ_OP_TYPES = frozenset({"ReadVariableOp", "Identity"})
# Name segments that belong to a variable's or a layer's plumbing, not its computation.
PLUMBING_SEGMENTS = frozenset(
    {"Initializer", "Assign", "read", "Read", "IsInitialized", "Regularizer"}
)
PLUMBING_OP_TYPES = frozenset(
    {"ReadVariableOp", "AssignVariableOp", "VarIsInitializedOp", "Assign", "IsVariableInitialized"}
)

# A tf.train.Saver's save and restore ops. Its name scope (``save/``, ``save_1/``) reads
# every variable to write it to a checkpoint: that is not the variable being shared, and
# its ops are plumbing (hidden with the initializers and reads).
SAVER_OP_TYPES = frozenset({"SaveV2", "RestoreV2", "MergeV2Checkpoints", "ShardedFilename",
                            "Save", "SaveSlices", "Restore", "RestoreSlice"})

_NUMBERED = re.compile(r"^(?P<base>.+)_(?P<index>\d+)$")
# tf.get_variable calls a regularizer once at the root to see whether it returns None;
# that probe (``l2_regularizer/L2Loss``) reads the variable but computes nothing used.
_REGULARIZER_PROBE = re.compile(r"^(l1_l2|l1|l2|sum)_regularizer(_\d+)?(/|$)")


@dataclass(frozen=True)
class VariableInfo:
    """One variable as a learner sees it."""

    name: str
    shape: tuple[int | None, ...]
    dtype: str
    trainable: bool
    device: str
    collections: tuple[str, ...]
    reader_scopes: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        """Number of parameters (0 while any dimension is unknown)."""
        if any(d is None for d in self.shape):
            return 0
        return math.prod(self.shape)

    @property
    def shared(self) -> bool:
        """Read from more than one name scope: one variable, several towers."""
        return len(self.reader_scopes) > 1


@dataclass(frozen=True)
class OpInfo:
    """One op: its full name-scope path and type."""

    name: str
    type: str
    plumbing: bool


@dataclass
class ScopeNode:
    """A scope (or a folded group of numbered sibling scopes) and what it holds.

    Its counts are taken once, when first asked: a tree is built, then read.
    """

    name: str
    path: str
    children: dict[str, ScopeNode] = field(default_factory=dict)
    variables: list[VariableInfo] = field(default_factory=list)
    ops: list[OpInfo] = field(default_factory=list)
    members: tuple[str, ...] = ()

    @property
    def is_group(self) -> bool:
        return bool(self.members)

    def walk_variables(self) -> Iterable[VariableInfo]:
        yield from self.variables
        for child in self.children.values():
            yield from child.walk_variables()

    def walk_ops(self) -> Iterable[OpInfo]:
        yield from self.ops
        for child in self.children.values():
            yield from child.walk_ops()

    @functools.cached_property
    def variable_count(self) -> int:
        return len(self.variables) + sum(c.variable_count for c in self.children.values())

    @functools.cached_property
    def parameter_count(self) -> int:
        return (sum(v.size for v in self.variables)
                + sum(c.parameter_count for c in self.children.values()))

    @functools.cached_property
    def op_count(self) -> int:
        return len(self.ops) + sum(c.op_count for c in self.children.values())

    def find(self, path: str) -> ScopeNode | None:
        """The descendant scope at ``path`` ('a/b'), or None."""
        node = self
        for part in path.strip("/").split("/"):
            if not part:
                continue
            node = node.children.get(part)
            if node is None:
                return None
        return node


def _short_collections(keys: Iterable[str]) -> tuple[str, ...]:
    order = list(COLLECTION_NAMES.values()) + [REGULARIZED]
    short = {COLLECTION_NAMES.get(k, k) for k in keys}
    known = [c for c in order if c in short]
    return tuple(known + sorted(short - set(order)))


def variable_label(var) -> str:
    """A variable's name without ``:0``: the op name in a graph, Keras 3's ``path``, or ``name``."""
    try:
        return var.op.name
    except (AttributeError, ValueError):
        pass
    path = getattr(var, "path", None)
    if isinstance(path, str) and path:
        return path
    return _strip_output_index(str(getattr(var, "name", var)))


def _is_variable(item) -> bool:
    """A variable, not just something variable-like: fused batch norm files its moving-average
    updates (``_UnreadVariable``, whose op is an ``AssignSubVariableOp``) in collections too."""
    return (hasattr(item, "initializer") and hasattr(item, "op") and hasattr(item, "dtype")
            and getattr(item.op, "type", None) in VARIABLE_OP_TYPES)


def _base_dtype_name(dtype) -> str:
    return getattr(getattr(dtype, "base_dtype", dtype), "name", str(dtype))


def _shape_tuple(shape) -> tuple[int | None, ...]:
    dims = getattr(shape, "dims", None)
    if dims is None:
        return ()
    return tuple(d if isinstance(d, int) or d is None else getattr(d, "value", d) for d in shape.as_list())


def _strip_output_index(name: str) -> str:
    return name.rsplit(":", 1)[0]


def parent_scope(op_name: str) -> str:
    """The name scope an op (or variable) was made in: ``a/b`` for ``a/b/c``, ``""`` at the top."""
    return op_name.rsplit("/", 1)[0] if "/" in op_name else ""


def reader_ops(variable_op) -> list:
    """Ops that use a variable's value, looking through its read op (Identity/ReadVariableOp)."""
    own_prefix = variable_op.name + "/"
    readers = []
    for consumer in variable_op.outputs[0].consumers():
        if consumer.type in READ_OP_TYPES:
            readers.extend(consumer.outputs[0].consumers())
        else:
            readers.append(consumer)
    return [
        op
        for op in readers
        if not op.name.startswith(own_prefix)
        and op.type not in PLUMBING_OP_TYPES
        and not PLUMBING_SEGMENTS.intersection(op.name.split("/"))
        and not _REGULARIZER_PROBE.match(op.name)
    ]


def saver_scopes(graph) -> set[str]:
    """Name scopes a ``tf.train.Saver`` built (``save/``, ``save_1/``...): where its save and
    restore ops live."""
    return {op.name.rsplit("/", 1)[0] for op in graph.get_operations()
            if op.type in SAVER_OP_TYPES and "/" in op.name}


def in_scopes(name: str, scopes: set[str]) -> bool:
    """True if ``name`` is one of ``scopes`` or inside one of them."""
    return any(name == scope or name.startswith(scope + "/") for scope in scopes)


def reader_scopes(variable_op, savers: set[str] = frozenset()) -> tuple[str, ...]:
    """The name scopes whose ops read a variable, a Saver's scopes (``savers``) left out."""
    scopes = {parent_scope(op.name) for op in reader_ops(variable_op)}
    return tuple(sorted(scope for scope in scopes if not in_scopes(scope, savers)))


def _regularized_variable_ops(graph) -> set[str]:
    """Names of variable ops that a REGULARIZATION_LOSSES tensor depends on."""
    found: set[str] = set()
    for loss in graph.get_collection("regularization_losses"):
        op = getattr(loss, "op", None)
        stack, seen = ([op] if op is not None else []), set()
        while stack:
            current = stack.pop()
            if current.name in seen:
                continue
            seen.add(current.name)
            if current.type in VARIABLE_OP_TYPES:
                found.add(current.name)
                continue
            stack.extend(t.op for t in current.inputs)
    return found


def is_plumbing(op, variable_op_names: set[str]) -> bool:
    """An op that is a variable's or a layer's plumbing (initializer, assign, read, a
    regularizer's probe), or lives inside a variable's own name scope."""
    if op.type in PLUMBING_OP_TYPES or _REGULARIZER_PROBE.match(op.name):
        return True
    parts = op.name.split("/")
    if PLUMBING_SEGMENTS.intersection(parts[:-1]) or parts[-1] in PLUMBING_SEGMENTS:
        return True
    for i in range(1, len(parts)):
        if "/".join(parts[:i]) in variable_op_names:
            return True
    return False


class ScopeTree:
    """Variables and ops of one graph, grouped by scope, with sharing links."""

    def __init__(self, variables: list[VariableInfo], ops: list[OpInfo]):
        self.variables = sorted(variables, key=lambda v: v.name)
        self.ops = sorted(ops, key=lambda o: o.name)

    @classmethod
    def from_graph(cls, graph) -> ScopeTree:
        """Read a ``tf.Graph`` (ref or resource variables; any collections)."""
        by_op: dict[str, object] = {}
        membership: dict[str, set[str]] = {}
        for key in graph.get_all_collection_keys():
            for item in graph.get_collection(key):
                if _is_variable(item):
                    by_op.setdefault(item.op.name, item)
                    membership.setdefault(item.op.name, set()).add(key)
        regularized = _regularized_variable_ops(graph)
        savers = saver_scopes(graph)
        variables = []
        for op_name, var in by_op.items():
            keys = set(membership[op_name])
            if op_name in regularized:
                keys.add(REGULARIZED)
            variables.append(
                VariableInfo(
                    name=op_name,
                    shape=_shape_tuple(var.shape),
                    dtype=_base_dtype_name(var.dtype),
                    trainable="trainable_variables" in keys,
                    device=var.device or "",
                    collections=_short_collections(keys),
                    reader_scopes=reader_scopes(var.op, savers),
                )
            )
        variable_op_names = set(by_op)
        ops = [
            OpInfo(op.name, op.type,
                   in_scopes(op.name, savers) or is_plumbing(op, variable_op_names))
            for op in graph.get_operations()
        ]
        return cls(variables, ops)

    @classmethod
    def from_variables(cls, variables: Iterable) -> ScopeTree:
        """Read TF2 variables (a ``tf.Module``'s or a Keras layer's), which have no graph.

        There are no collections and no ops in TF2: a variable is only marked
        ``trainable`` or not, and grouped by its name (Keras 3: by its ``path``).
        """
        infos = {}
        for var in variables:
            name = variable_label(var)
            infos.setdefault(
                (name, id(var)),
                VariableInfo(
                    name=name,
                    shape=_shape_tuple(var.shape),
                    dtype=_base_dtype_name(var.dtype),
                    trainable=bool(var.trainable),
                    device="",
                    collections=("trainable",) if var.trainable else (),
                ),
            )
        return cls(list(infos.values()), [])

    # --- totals -----------------------------------------------------------------
    @property
    def parameter_count(self) -> int:
        return sum(v.size for v in self.variables)

    def variable(self, name: str) -> VariableInfo | None:
        name = _strip_output_index(name)
        return next((v for v in self.variables if v.name == name), None)

    def shared_variables(self) -> list[VariableInfo]:
        return [v for v in self.variables if v.shared]

    def in_collection(self, collection: str) -> list[VariableInfo]:
        short = COLLECTION_NAMES.get(collection, collection)
        return [v for v in self.variables if short in v.collections]

    # --- hierarchies --------------------------------------------------------------
    def variable_root(
        self, fold: bool = True, collection: str | None = None, search: str = ""
    ) -> ScopeNode:
        """Variables nested by variable-scope path."""
        chosen = self.in_collection(collection) if collection else self.variables
        return _nest(chosen, "variables", fold, search)

    def op_root(self, fold: bool = True, hide_plumbing: bool = True, search: str = "") -> ScopeNode:
        """Ops nested by name-scope path."""
        chosen = [o for o in self.ops if not (hide_plumbing and o.plumbing)]
        return _nest(chosen, "ops", fold, search)


def _nest(items: list, half: str, fold: bool, search: str) -> ScopeNode:
    """File ``items`` (variables or ops) under their scope paths; ``search`` keeps only
    names containing it (any case); ``fold`` folds numbered runs."""
    if search:
        items = [item for item in items if search.lower() in item.name.lower()]
    root = ScopeNode("", "")
    for item in items:
        getattr(_parent_node(root, item.name), half).append(item)
    return fold_numbered_runs(root) if fold else root


def _parent_node(root: ScopeNode, full_name: str) -> ScopeNode:
    node = root
    for part in full_name.split("/")[:-1]:
        child = node.children.get(part)
        if child is None:
            path = f"{node.path}/{part}" if node.path else part
            child = node.children[part] = ScopeNode(part, path)
        node = child
    return node


def _leaf_name(full_name: str) -> str:
    return full_name.rsplit("/", 1)[-1]


def _signature(node: ScopeNode, known: dict[int, tuple]) -> tuple:
    """The shape of a subtree by names only, so repeated blocks compare equal (``known``:
    the signatures already taken, by node id, so each subtree is walked once)."""
    signature = known.get(id(node))
    if signature is None:
        signature = known[id(node)] = (
            tuple(sorted(_leaf_name(v.name) for v in node.variables)),
            tuple(sorted(_leaf_name(o.name) + ":" + o.type for o in node.ops)),
            tuple(sorted((name, _signature(c, known)) for name, c in node.children.items())),
        )
    return signature


def fold_numbered_runs(node: ScopeNode) -> ScopeNode:
    """Fold sibling scopes ``base_1``, ``base_2``... with the same structure into one group.

    This is how TensorBoard folds series; ``slim.repeat(..., scope='conv3')`` then reads
    as one block ``conv3_1..3``. Returns a new tree; the input is left as it was.
    """
    return _fold(node, {})


def _fold(node: ScopeNode, known: dict[int, tuple]) -> ScopeNode:
    folded = ScopeNode(node.name, node.path, variables=list(node.variables), ops=list(node.ops))
    runs: dict[str, list[tuple[int, str]]] = {}
    for name in node.children:
        match = _NUMBERED.match(name)
        if match:
            runs.setdefault(match["base"], []).append((int(match["index"]), name))
    grouped: dict[str, str] = {}
    for base, entries in runs.items():
        entries.sort()
        if len(entries) < 2:
            continue
        signatures = {_signature(node.children[name], known) for _, name in entries}
        indexes = [i for i, _ in entries]
        if len(signatures) == 1 and indexes == list(range(indexes[0], indexes[0] + len(indexes))):
            label = f"{base}_{indexes[0]}..{indexes[-1]}"
            for _, name in entries:
                grouped[name] = label
    for name, child in node.children.items():
        label = grouped.get(name)
        if label is None:
            folded.children[name] = _fold(child, known)
            continue
        if label in folded.children:
            continue
        members = tuple(n for n in node.children if grouped.get(n) == label)
        path = f"{node.path}/{label}" if node.path else label
        group = ScopeNode(label, path, members=members)
        for member in members:
            group.children[member] = _fold(node.children[member], known)
        folded.children[label] = group
    return folded
