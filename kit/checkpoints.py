"""What a checkpoint holds, and what restoring it into a graph would do.

``checkpoint_tree(path)`` turns a checkpoint's variable list into a ``ScopeTree``, so
``kit.show`` draws it like a graph. ``plan_restore(path, var_list)`` pairs the
checkpoint's names with the variables a ``tf.train.Saver(var_list=...)`` would restore
and says, for each, whether it is restored, missing from the checkpoint (restoring
raises NotFoundError), or restored with a different shape. ``restore_error_line``
keeps the one meaningful line of TF's long restore errors (no stack trace, no paths).
``stand_in_checkpoint`` saves the "trained" model an exercise check restores from.
"""

from __future__ import annotations

import atexit
import html
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kit.errors import clean_message
from kit.quiet_tf import fresh_graph, import_tensorflow
from kit.render import Displayable, format_shape
from kit.tree import ScopeTree, VariableInfo, variable_label

CHECKPOINT_COLLECTION = "checkpoint"
RESTORED = "restored"
NOT_IN_CHECKPOINT = "not in checkpoint"
SHAPE_DIFFERS = "shape differs"
UNUSED = "unused"
STATUS_ORDER = (NOT_IN_CHECKPOINT, SHAPE_DIFFERS, RESTORED, UNUSED)
STATUS_PHRASES = {
    RESTORED: "restored",
    NOT_IN_CHECKPOINT: "not in checkpoint",
    SHAPE_DIFFERS: "with a different shape",
    UNUSED: "unused in checkpoint",
}
STATUS_COLOURS = {
    RESTORED: "#1b7d32",
    NOT_IN_CHECKPOINT: "#b00020",
    SHAPE_DIFFERS: "#b35c00",
    UNUSED: "#555555",
}


_saved_folders: dict[str, tempfile.TemporaryDirectory] = {}


def saved_once(name: str, save: Callable[[str], str]) -> str:
    """``save(prefix)`` once per process into a temporary folder removed at exit; the prefix.

    Exercise checks compare against a checkpoint of their own, never the learner's files.
    """
    if name not in _saved_folders:
        folder = tempfile.TemporaryDirectory(prefix=f"scopekit-{name}-")
        atexit.register(folder.cleanup)
        save(os.path.join(folder.name, name))
        _saved_folders[name] = folder
    return os.path.join(_saved_folders[name].name, name)


def stand_in_checkpoint(name: str, build: Callable[[], Any],
                        update: Callable[[Any], Any] | None = None) -> str:
    """The checkpoint of the model ``build()`` makes, after a stand-in for training.

    Saved once per process (``saved_once``), without a meta graph. Each variable is first
    initialised, then changed by the op ``update(variable)`` returns; by default every
    value + 1, which makes every saved value differ from a fresh initialisation (biases
    start at 0), so a check can tell a restored variable from a fresh one.
    """

    def save(path: str) -> str:
        tf1, _ = import_tensorflow()
        with fresh_graph():
            build()
            variables = tf1.global_variables()
            with tf1.Session() as sess:
                sess.run(tf1.global_variables_initializer())
                sess.run([update(v) if update else v.assign_add(tf1.ones_like(v))
                          for v in variables])
                return tf1.train.Saver().save(sess, path, write_meta_graph=False)

    return saved_once(name, save)


def checkpoint_variables(path: str) -> list[tuple[str, tuple[int, ...]]]:
    """``(name, shape)`` for every variable saved in the checkpoint at ``path``, sorted."""
    import tensorflow.compat.v1 as tf1

    return sorted((name, tuple(shape)) for name, shape in tf1.train.list_variables(path))


def checkpoint_tree(path: str) -> ScopeTree:
    """The checkpoint's names as a scope tree (no ops); each variable is in 'checkpoint'."""
    import tensorflow.compat.v1 as tf1

    dtypes = tf1.train.load_checkpoint(path).get_variable_to_dtype_map()
    variables = [
        VariableInfo(
            name=name,
            shape=shape,
            dtype=dtypes[name].name,
            trainable=False,
            device="",
            collections=(CHECKPOINT_COLLECTION,),
        )
        for name, shape in checkpoint_variables(path)
    ]
    return ScopeTree(variables, [])


@dataclass(frozen=True)
class RestoreEntry:
    """One checkpoint name and the graph variable it would fill (either may be empty)."""

    status: str
    key: str
    variable: str
    checkpoint_shape: tuple[int, ...] | None
    graph_shape: tuple[int | None, ...] | None

    @property
    def label(self) -> str:
        """``variable <- key`` when the names differ, else the one name."""
        if not self.variable:
            return self.key
        if self.key != self.variable:
            return f"{self.variable} <- {self.key}"
        return self.variable

    @property
    def note(self) -> str:
        if self.status == RESTORED:
            return format_shape(self.graph_shape or ())
        if self.status == NOT_IN_CHECKPOINT:
            return f"{format_shape(self.graph_shape or ())}: no such key, restoring raises NotFoundError"
        if self.status == SHAPE_DIFFERS:
            return (
                f"graph {format_shape(self.graph_shape or ())}, checkpoint "
                f"{format_shape(self.checkpoint_shape or ())}"
            )
        return f"{format_shape(self.checkpoint_shape or ())}: not restored"


@dataclass(frozen=True, repr=False)
class RestorePlan(Displayable):
    """Every pairing between a checkpoint and a var_list, most urgent first."""

    entries: tuple[RestoreEntry, ...]

    def with_status(self, status: str) -> list[RestoreEntry]:
        return [e for e in self.entries if e.status == status]

    @property
    def restored(self) -> list[str]:
        """Graph names that get a value (with the right or a wrong shape)."""
        return [e.variable for e in self.entries if e.status in (RESTORED, SHAPE_DIFFERS)]

    @property
    def missing(self) -> list[str]:
        return [e.variable for e in self.with_status(NOT_IN_CHECKPOINT)]

    @property
    def unused(self) -> list[str]:
        return [e.key for e in self.with_status(UNUSED)]

    @property
    def ok(self) -> bool:
        """True when every variable asked for is in the checkpoint with the same shape."""
        return not self.with_status(NOT_IN_CHECKPOINT) and not self.with_status(SHAPE_DIFFERS)

    def headline(self) -> str:
        counts = [
            f"{len(self.with_status(s))} {STATUS_PHRASES[s]}" for s in STATUS_ORDER if self.with_status(s)
        ]
        return "Restore plan: " + (", ".join(counts) if counts else "nothing to restore")

    def to_text(self) -> str:
        rows = [(e.status, e.label, e.note) for e in self.entries]
        width = max((len(label) for _, label, _ in rows), default=0)
        lines = [self.headline()]
        lines += [f"  {status:<17} {label.ljust(width)}  {note}" for status, label, note in rows]
        return "\n".join(lines)

    def to_html(self) -> str:
        rows = "".join(
            f"<tr><td style='color:{STATUS_COLOURS[e.status]};font-weight:bold;padding-right:1em'>"
            f"{html.escape(e.status)}</td><td><code>{html.escape(e.label)}</code></td>"
            f"<td style='padding-left:1em'>{html.escape(e.note)}</td></tr>"
            for e in self.entries
        )
        return (
            f"<div class='scopekit-restore-plan'><div>{html.escape(self.headline())}</div>"
            f"<table style='border-collapse:collapse'>{rows}</table></div>"
        )

    def tree(self) -> ScopeTree:
        """The plan as a scope tree: each name filed under its status as its collection."""
        variables = [
            VariableInfo(
                name=e.variable or e.key,
                shape=tuple(e.graph_shape if e.variable else e.checkpoint_shape or ()),
                dtype="float32",
                trainable=False,
                device="",
                collections=(e.status,),
            )
            for e in self.entries
        ]
        return ScopeTree(variables, [])





def _static_shape(variable: Any) -> tuple[int | None, ...]:
    return tuple(variable.shape.as_list())


def _as_name_map(var_list: Mapping[str, Any] | Iterable[Any]) -> dict[str, Any]:
    """``{checkpoint key: variable}``, the way tf.train.Saver reads a list or a dict."""
    if isinstance(var_list, Mapping):
        return dict(var_list)
    return {variable_label(v): v for v in var_list}


def plan_restore(path: str, var_list: Mapping[str, Any] | Iterable[Any]) -> RestorePlan:
    """What ``tf.train.Saver(var_list=var_list).restore(sess, path)`` would do, name by name.

    ``var_list`` is a list of variables (each restored from the key equal to its name) or
    a dict ``{checkpoint key: variable}``, exactly as the Saver takes it.
    """
    saved = dict(checkpoint_variables(path))
    entries = []
    wanted = _as_name_map(var_list)
    for key, variable in wanted.items():
        graph_shape = _static_shape(variable)
        if key not in saved:
            status, checkpoint_shape = NOT_IN_CHECKPOINT, None
        else:
            checkpoint_shape = saved[key]
            status = RESTORED if tuple(checkpoint_shape) == graph_shape else SHAPE_DIFFERS
        entries.append(RestoreEntry(status, key, variable_label(variable), checkpoint_shape, graph_shape))
    for key in sorted(set(saved) - set(wanted)):
        entries.append(RestoreEntry(UNUSED, key, "", saved[key], None))
    entries.sort(key=lambda e: (STATUS_ORDER.index(e.status), e.variable or e.key))
    return RestorePlan(tuple(entries))


# TF's restore errors: the one line that says what went wrong.
_MEANINGFUL_LINES = (
    re.compile(r"Key \S+ not found in checkpoint"),
    re.compile(r"Assign requires shapes of both tensors to match\..*"),
    re.compile(r"Tensor \S+ \(.*?\) is not found in .* checkpoint"),
    re.compile(r"Assignment map with .*"),
)
_PATH_BEFORE_CHECKPOINT = re.compile(r"is not found in .* checkpoint")


def restore_error_line(error: BaseException) -> str:
    """``Type: the meaningful line`` of a restore error, without stack trace or file paths."""
    text = str(error)
    for pattern in _MEANINGFUL_LINES:
        match = pattern.search(text)
        if match:
            line = _PATH_BEFORE_CHECKPOINT.sub("is not found in the checkpoint", match.group(0))
            return f"{type(error).__name__}: {line.strip()}"
    first = text.strip().splitlines()[0] if text.strip() else ""
    return f"{type(error).__name__}: {clean_message(first)}" if first else type(error).__name__
