"""Scope trees of files on disk: checkpoints, SavedModels, MetaGraphs and GraphDefs.

``load(path)`` finds out what ``path`` is and returns an ``Artifact``: its ``ScopeTree``
(``tree_from_path(path)`` returns just that), the SavedModel's signatures, and the real
checkpoint key behind each variable name. Anything that is not a readable TensorFlow
file raises ``ArtifactError`` with one line that says what was wrong and what to pass.

A checkpoint is read without TensorFlow. Its ``.index`` file is a TensorBundle: a table
in LevelDB's format (data blocks of prefix-compressed keys, an index block, a 48-byte
footer; every block followed by a type byte and a masked CRC-32C) whose keys are the
tensor names and whose values are ``BundleEntryProto`` messages (dtype, shape, shard,
offset, size), with a ``BundleHeaderProto`` under the empty key. ``read_checkpoint_index``
decodes exactly that, in pure Python, and checks every block's checksum and that each
data shard is as long as the index says. SavedModels (``saved_model.pb``: signatures and
the object graph's trainable flags) are decoded the same way. Only MetaGraph and GraphDef
files, and a SavedModel written as text, import TensorFlow: they are imported into a fresh
``tf.Graph`` and read by ``ScopeTree.from_graph``.
"""

from __future__ import annotations

import functools
import os
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kit.tree import (
    VARIABLE_OP_TYPES,
    OpInfo,
    ScopeTree,
    VariableInfo,
    in_scopes,
    is_plumbing,
    reader_scopes,
    saver_scopes,
)

CHECKPOINT_COLLECTION = "checkpoint"  # the same name kit.checkpoints gives checkpoint trees
TABLE_MAGIC = 0xDB4775248B80FB57
FOOTER_SIZE = 48
BLOCK_TRAILER_SIZE = 5
MAX_SHARDS = 100_000  # more in a header means a corrupt header
OBJECT_GRAPH_KEY = "_CHECKPOINTABLE_OBJECT_GRAPH"
VALUE_SUFFIX = "/.ATTRIBUTES/VARIABLE_VALUE"
SAVED_MODEL_FILES = ("saved_model.pb", "saved_model.pbtxt")
GRAPH_SUFFIXES = (".pb", ".pbtxt", ".pbtext")
KERAS_SUFFIXES = (".h5", ".hdf5", ".keras")
_DATA_FILE = re.compile(r"^(?P<prefix>.+)\.data-(?P<shard>\d{5})-of-(?P<shards>\d{5})$")

# TensorFlow's DataType enum (tensorflow/core/framework/types.proto) -> tf.DType.name.
DTYPE_NAMES = {
    1: "float32", 2: "float64", 3: "int32", 4: "uint8", 5: "int16", 6: "int8", 7: "string",
    8: "complex64", 9: "int64", 10: "bool", 11: "qint8", 12: "quint8", 13: "qint32",
    14: "bfloat16", 15: "qint16", 16: "quint16", 17: "uint16", 18: "complex128", 19: "float16",
    20: "resource", 21: "variant", 22: "uint32", 23: "uint64", 24: "float8_e5m2",
    25: "float8_e4m3fn", 26: "float8_e4m3fnuz", 27: "float8_e4m3b11fnuz", 28: "float8_e5m2fnuz",
    29: "int4", 30: "uint4", 31: "int2", 32: "uint2", 33: "float4_e2m1fn",
}


class ArtifactError(ValueError):
    """A path that is not a readable checkpoint, SavedModel or graph file (one line)."""


def dtype_name(enum: int) -> str:
    """``tf.as_dtype(enum).name`` without TensorFlow (``*_ref`` for reference dtypes)."""
    if enum > 100 and enum - 100 in DTYPE_NAMES:
        return DTYPE_NAMES[enum - 100] + "_ref"
    return DTYPE_NAMES.get(enum, f"dtype {enum}")


# --- the protobuf wire format: only what the messages below need ---------------------------


class _Corrupt(Exception):
    """Bytes that do not decode; turned into an ArtifactError naming the file."""


def _varint(buf: bytes, pos: int) -> tuple[int, int]:
    if pos < len(buf) and buf[pos] < 0x80:  # most numbers here fit in one byte
        return buf[pos], pos + 1
    result = shift = 0
    while True:
        if pos >= len(buf):
            raise _Corrupt("a number runs past the end of its data")
        byte = buf[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise _Corrupt("a number is longer than 10 bytes")


def _signed(value: int) -> int:
    """A varint read as int64 (protobuf writes -1 as ten bytes)."""
    return value - (1 << 64) if value >= 1 << 63 else value


def _fields(buf: bytes) -> list[tuple[int, int | bytes]]:
    """``(field number, value)`` for each field of one message: an int for varint and fixed
    fields, bytes for length-delimited ones. Unknown wire types are corruption."""
    fields = []
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = _varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos)
        elif wire == 2:
            length, pos = _varint(buf, pos)
            if pos + length > end:
                raise _Corrupt("a field runs past the end of its message")
            value, pos = buf[pos:pos + length], pos + length
        elif wire == 1 or wire == 5:
            size = 8 if wire == 1 else 4
            if pos + size > end:
                raise _Corrupt("a field runs past the end of its message")
            value, pos = int.from_bytes(buf[pos:pos + size], "little"), pos + size
        else:
            raise _Corrupt(f"field {number} has wire type {wire}, which protobuf never writes")
        if number == 0:
            raise _Corrupt("a field numbered 0")
        fields.append((number, value))
    return fields


@functools.lru_cache(maxsize=4096)
def _shape(buf: bytes) -> tuple[int | None, ...] | None:
    """A TensorShapeProto: dims (``None`` for -1), or None when the rank is unknown."""
    dims: list[int | None] = []
    for number, value in _fields(buf):
        if number == 2:
            size = next((_signed(v) for n, v in _fields(value) if n == 1), 0)
            dims.append(None if size < 0 else size)
        elif number == 3 and value:
            return None
    return tuple(dims)


def _text(value: bytes) -> str:
    return bytes(value).decode("utf-8", "replace")


# --- LevelDB tables (tensorflow/tsl/lib/io/table) ---------------------------------------------


def _crc32c_table() -> list[int]:
    table = []
    for n in range(256):
        crc = n
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc32c_table()


def crc32c(data: bytes) -> int:
    """CRC-32C (Castagnoli), the checksum LevelDB tables and TensorBundles use."""
    crc, table = 0xFFFFFFFF, _CRC_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def _unmask(masked: int) -> int:
    rotated = (masked - 0xA282EAD8) & 0xFFFFFFFF
    return ((rotated >> 17) | (rotated << 15)) & 0xFFFFFFFF


def _block(data: bytes, handle: bytes, verify: bool) -> bytes:
    offset, pos = _varint(handle, 0)
    size, _ = _varint(handle, pos)
    end = offset + size
    if end + BLOCK_TRAILER_SIZE > len(data):
        raise _Corrupt("a block runs past the end of the file (is it truncated?)")
    contents = data[offset:end]
    kind = data[end]
    if verify:
        (masked,) = struct.unpack_from("<I", data, end + 1)
        if crc32c(data[offset:end + 1]) != _unmask(masked):
            raise _Corrupt(f"the block at byte {offset:,} fails its checksum")
    if kind == 1:
        raise _Corrupt("its blocks are snappy-compressed, which this reader does not decode")
    if kind != 0:
        raise _Corrupt(f"a block has compression type {kind}")
    return contents


def _block_entries(block: bytes) -> Iterator[tuple[bytes, bytes]]:
    if len(block) < 4:
        raise _Corrupt("a block is too short")
    (restarts,) = struct.unpack_from("<I", block, len(block) - 4)
    limit = len(block) - 4 - 4 * restarts
    if restarts < 1 or limit < 0:
        raise _Corrupt("a block's restart list is broken")
    pos, key = 0, b""
    while pos < limit:
        shared, pos = _varint(block, pos)
        unshared, pos = _varint(block, pos)
        length, pos = _varint(block, pos)
        if shared > len(key) or pos + unshared + length > limit:
            raise _Corrupt("a block entry runs past its block")
        key = key[:shared] + block[pos:pos + unshared]
        pos += unshared
        yield key, block[pos:pos + length]
        pos += length


def read_table(data: bytes, verify: bool = True) -> Iterator[tuple[bytes, bytes]]:
    """Every ``(key, value)`` of a LevelDB-format table held in ``data``, in key order."""
    if len(data) < FOOTER_SIZE:
        raise _Corrupt(f"it has {len(data)} bytes, fewer than a table's {FOOTER_SIZE}-byte footer")
    footer = data[-FOOTER_SIZE:]
    if int.from_bytes(footer[-8:], "little") != TABLE_MAGIC:
        raise _Corrupt("it does not end with a table's magic number (truncated, or not an index)")
    _, pos = _varint(footer, 0)  # the metaindex handle: TensorBundles leave it empty
    _, pos = _varint(footer, pos)
    index = _block(data, footer[pos:], verify)
    for _, handle in _block_entries(index):
        yield from _block_entries(_block(data, handle, verify))


# --- TensorBundle checkpoints ----------------------------------------------------------------


@dataclass(frozen=True)
class IndexEntry:
    """One tensor in a checkpoint index: what ``tf.train.list_variables`` lists, and where."""

    key: str
    dtype: str
    shape: tuple[int | None, ...]
    shard: int = 0
    offset: int = 0
    size: int = 0
    sliced: bool = False  # a partitioned variable: its values are stored as slices


@dataclass(frozen=True)
class CheckpointIndex:
    """A checkpoint's ``.index`` file, decoded."""

    prefix: str
    entries: tuple[IndexEntry, ...]
    num_shards: int

    def data_files(self) -> list[str]:
        return [f"{self.prefix}.data-{i:05d}-of-{self.num_shards:05d}" for i in range(self.num_shards)]


def _entry(key: str, value: bytes) -> IndexEntry:
    dtype, shape, shard, offset, size, sliced = 0, (), 0, 0, 0, False
    for number, field_value in _fields(value):
        if number == 1:
            dtype = field_value
        elif number == 2:
            shape = _shape(field_value) or ()
        elif number == 3:
            shard = field_value
        elif number == 4:
            offset = _signed(field_value)
        elif number == 5:
            size = _signed(field_value)
        elif number == 7:
            sliced = True
    return IndexEntry(key, dtype_name(dtype), shape, shard, offset, size, sliced)


def read_checkpoint_index(prefix: str, verify: bool = True, check_data: bool = True) -> CheckpointIndex:
    """Decode ``prefix + ".index"`` without TensorFlow; ``ArtifactError`` if it does not decode.

    ``verify`` checks every block's CRC-32C; ``check_data`` that every data shard exists and
    holds the bytes its entries point at (a half-copied checkpoint fails here, not at restore).
    """
    index_path = prefix + ".index"
    try:
        data = Path(index_path).read_bytes()
    except FileNotFoundError:
        raise ArtifactError(f"{index_path}: no such file") from None
    except OSError as error:
        raise ArtifactError(f"{index_path}: cannot be read ({error.strerror or error})") from None
    entries, slices, num_shards, saw_header = [], [], 1, False
    try:
        for raw_key, value in read_table(data, verify):
            if raw_key == b"":
                saw_header = True
                for number, field_value in _fields(value):
                    if number == 1:
                        num_shards = field_value
                        if not 0 <= num_shards <= MAX_SHARDS:
                            raise _Corrupt(f"its header says {num_shards:,} data shards")
                    elif number == 2 and field_value == 1:
                        raise _Corrupt("it was written on a big-endian machine")
                continue
            entry = _entry(raw_key.decode("utf-8", "replace"), value)
            if raw_key[:1] == b"\x00":
                slices.append(entry)  # one slice of a partitioned variable, listed whole
            else:
                entries.append(entry)
    except _Corrupt as error:
        raise ArtifactError(f"{index_path} is not a readable checkpoint index: {error}") from None
    if not saw_header:
        raise ArtifactError(
            f"{index_path} is a table but not a TensorBundle checkpoint index (it has no header)"
        )
    index = CheckpointIndex(prefix, tuple(entries), max(num_shards, 1))
    if check_data:
        _check_data_files(index, slices)
    return index


def _check_data_files(index: CheckpointIndex, slices: list[IndexEntry]) -> None:
    files = index.data_files()
    needed = [0] * len(files)
    for entry in (*index.entries, *slices):
        if 0 <= entry.shard < len(files):
            needed[entry.shard] = max(needed[entry.shard], entry.offset + entry.size)
    for path, size in zip(files, needed):
        try:
            have = os.path.getsize(path)
        except OSError:
            raise ArtifactError(
                f"{path} is missing: the checkpoint's values are not all there "
                "(copy every file that starts with the prefix)"
            ) from None
        if have < size:
            raise ArtifactError(
                f"{path} is truncated: it has {have:,} bytes and the index points up to byte "
                f"{size:,} (copy the checkpoint again)"
            )


def variable_name(key: str) -> str | None:
    """The tree name of a checkpoint key: TF2 object keys lose ``/.ATTRIBUTES/VARIABLE_VALUE``;
    the object graph itself is not a variable (None)."""
    if key == OBJECT_GRAPH_KEY:
        return None
    if key.endswith(VALUE_SUFFIX):
        return key[: -len(VALUE_SUFFIX)]
    return key


def checkpoint_variables(index: CheckpointIndex, collections=(CHECKPOINT_COLLECTION,),
                          saved: dict[str, SavedVariable] | None = None,
                          variable_names: bool = False):
    """VariableInfos and ``{tree name: checkpoint key}``. With ``saved`` (a SavedModel's
    object graph), trainable flags come from it, and ``variable_names`` names each variable
    by its own name (its name scopes) instead of its object path."""
    variables, keys = [], {}
    for entry in index.entries:
        path = variable_name(entry.key)
        if path is None:
            continue
        info = (saved or {}).get(path)
        trainable = bool(info and info.trainable)
        name = info.name if (variable_names and info and info.name) else path
        chosen = tuple(collections) + (("trainable",) if trainable else ())
        variables.append(VariableInfo(name, entry.shape, entry.dtype, trainable, "", chosen))
        keys.setdefault(name, entry.key)
    return variables, keys


# --- SavedModels --------------------------------------------------------------------------


@dataclass(frozen=True)
class TensorSpec:
    """One input or output of a signature."""

    key: str
    tensor: str
    dtype: str
    shape: tuple[int | None, ...] | None


@dataclass(frozen=True)
class Signature:
    """One SavedModel signature (``serving_default`` ...): what it takes and returns."""

    name: str
    method: str
    inputs: tuple[TensorSpec, ...]
    outputs: tuple[TensorSpec, ...]


def _map_entry(buf: bytes) -> tuple[str, bytes]:
    key, value = "", b""
    for number, field_value in _fields(buf):
        if number == 1:
            key = _text(field_value)
        elif number == 2:
            value = field_value
    return key, value


def _tensor_spec(key: str, buf: bytes) -> TensorSpec:
    tensor, dtype, shape = "", "", None
    for number, value in _fields(buf):
        if number == 1:
            tensor = _text(value)
        elif number == 2:
            dtype = dtype_name(value)
        elif number == 3:
            shape = _shape(value)
        elif number in (4, 5):
            dtype = dtype or ("sparse" if number == 4 else "composite")
    return TensorSpec(key, tensor, dtype, shape)


def _signature(name: str, buf: bytes) -> Signature:
    inputs, outputs, method = [], [], ""
    for number, value in _fields(buf):
        if number in (1, 2):
            spec = _tensor_spec(*_map_entry(value))
            (inputs if number == 1 else outputs).append(spec)
        elif number == 3:
            method = _text(value)
    return Signature(name, method, tuple(sorted(inputs, key=lambda s: s.key)),
                     tuple(sorted(outputs, key=lambda s: s.key)))


@dataclass(frozen=True)
class SavedVariable:
    """What a SavedModel's object graph says about one variable."""

    name: str
    trainable: bool


@dataclass(frozen=True)
class SavedModelInfo:
    """The parts of ``saved_model.pb`` the tree shows."""

    tags: tuple[str, ...]
    signatures: tuple[Signature, ...]
    variables: dict[str, SavedVariable]  # by object path, as in the checkpoint keys


INTERNAL_SIGNATURES = ("__saved_model_init_op",)  # TF's own, not a function to call


def _saved_variables(object_graph: bytes) -> dict[str, SavedVariable]:
    """Object path -> SavedVariable, from a SavedObjectGraph (breadth first from the root:
    the shortest path, which is the one checkpoint keys use)."""
    nodes = [value for number, value in _fields(object_graph) if number == 1]
    children: list[list[tuple[int, str]]] = []
    found: dict[int, SavedVariable] = {}
    for i, node in enumerate(nodes):
        refs = []
        for number, value in _fields(node):
            if number == 1:
                ref = dict(_fields(value))
                refs.append((ref.get(1, 0), _text(ref.get(2, b""))))
            elif number == 7:
                fields_ = dict(_fields(value))
                name = _text(fields_.get(6, b"")).rsplit(":", 1)[0]
                found[i] = SavedVariable(name, bool(fields_.get(3, 0)))
        children.append(refs)
    paths: dict[str, SavedVariable] = {}
    seen, queue = {0}, [(0, "")]
    for node_id, path in queue:
        if node_id in found:
            paths[path] = found[node_id]
        for child, local_name in children[node_id] if node_id < len(children) else ():
            if child not in seen and child < len(nodes):
                seen.add(child)
                queue.append((child, f"{path}/{local_name}" if path else local_name))
    return paths


def read_saved_model(folder: str) -> SavedModelInfo:
    """Tags, signatures and variables of ``folder/saved_model.pb``, without TensorFlow."""
    path = os.path.join(folder, "saved_model.pb")
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ArtifactError(f"{path}: cannot be read ({error.strerror or error})") from None
    return decode_saved_model(data, path)


def decode_saved_model(data: bytes, path: str = "saved_model.pb") -> SavedModelInfo:
    """The first MetaGraph of a serialized SavedModel: tags, signatures (TF's internal
    ``__saved_model_init_op`` left out) and the object graph's variables."""
    try:
        graphs = [value for number, value in _fields(data) if number == 2]
        if not graphs:
            raise _Corrupt("it holds no MetaGraph")
        tags, signatures, variables = [], [], {}
        for number, value in _fields(graphs[0]):
            if number == 1:
                tags = [_text(v) for n, v in _fields(value) if n == 4]
            elif number == 5:
                signature = _signature(*_map_entry(value))
                if signature.name not in INTERNAL_SIGNATURES:
                    signatures.append(signature)
            elif number == 7:
                variables = _saved_variables(value)
    except (_Corrupt, TypeError) as error:
        raise ArtifactError(f"{path} is not a readable SavedModel: {error}") from None
    return SavedModelInfo(tuple(tags), tuple(sorted(signatures, key=lambda s: s.name)), variables)


def _saved_model_from_text(folder: str) -> SavedModelInfo:
    """A ``saved_model.pbtxt`` (rare): parsed with TensorFlow's protobuf classes."""
    _tensorflow()
    from google.protobuf import text_format
    from tensorflow.core.protobuf import saved_model_pb2

    path = os.path.join(folder, "saved_model.pbtxt")
    proto = saved_model_pb2.SavedModel()
    try:
        text_format.Merge(Path(path).read_text(encoding="utf-8"), proto)
    except (OSError, text_format.ParseError, UnicodeDecodeError) as error:
        raise ArtifactError(f"{path} is not a readable SavedModel: {_first_line(error)}") from None
    return decode_saved_model(proto.SerializeToString(), path)


# --- graphs (these need TensorFlow) ---------------------------------------------------------


def _tensorflow():
    """`tf2` (TensorFlow itself, not compat.v1), imported quietly the first time."""
    from kit.quiet_tf import import_tensorflow

    import_tensorflow()
    import tensorflow as tf2

    return tf2


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    return text[0] if text else type(error).__name__


def graph_tree(graph) -> ScopeTree:
    """``ScopeTree.from_graph``, made right for graphs read from files.

    A GraphDef has no collections, so its variables are found by op type (VarHandleOp,
    VariableV2) with the shape and dtype from their attributes.
    """
    base = ScopeTree.from_graph(graph)
    known = {v.name for v in base.variables}
    found = [op for op in graph.get_operations()
             if op.type in VARIABLE_OP_TYPES and op.name not in known]
    if not found:
        return base
    savers = saver_scopes(graph)
    variables = list(base.variables)
    for op in found:
        shape = op.get_attr("shape")
        dims = () if shape.unknown_rank else tuple(
            None if d.size < 0 else d.size for d in shape.dim)
        variables.append(VariableInfo(op.name, dims, op.get_attr("dtype").name, False,
                                      op.device or "", (), reader_scopes(op, savers)))
    names = known | {op.name for op in found}
    ops = [OpInfo(op.name, op.type,
                  in_scopes(op.name, savers) or is_plumbing(op, names))
           for op in graph.get_operations()]
    return ScopeTree(variables, ops)


def _metagraph_tree(path: str) -> ScopeTree:
    tf2 = _tensorflow()
    from google.protobuf import message, text_format

    graph = tf2.Graph()
    try:
        with graph.as_default():
            tf2.compat.v1.train.import_meta_graph(path, clear_devices=True)
    except (message.DecodeError, text_format.ParseError, UnicodeDecodeError) as error:
        raise ArtifactError(f"{path} is not a readable MetaGraph: {_first_line(error)}") from None
    except (ValueError, KeyError, TypeError, tf2.errors.OpError) as error:
        raise ArtifactError(f"{path}: TensorFlow cannot import this MetaGraph: "
                            f"{_first_line(error)}") from None
    if not graph.get_operations():
        raise ArtifactError(f"{path} is not a MetaGraph with a graph in it (it has no ops)")
    return graph_tree(graph)


def _parse_graph_def(path: str, data: bytes):
    from google.protobuf import message, text_format
    from tensorflow.core.framework import graph_pb2
    from tensorflow.core.protobuf import meta_graph_pb2

    text_first = path.endswith((".pbtxt", ".pbtext"))
    attempts = ("text", "binary") if text_first else ("binary", "text")
    reasons = []
    for how in attempts:
        for proto_class in (graph_pb2.GraphDef, meta_graph_pb2.MetaGraphDef):
            proto = proto_class()
            try:
                if how == "text":
                    text_format.Merge(data.decode("utf-8"), proto)
                else:
                    proto.ParseFromString(data)
            except (message.DecodeError, text_format.ParseError, UnicodeDecodeError,
                    ValueError) as error:
                reasons.append(_first_line(error))
                continue
            graph_def = proto if proto_class is graph_pb2.GraphDef else proto.graph_def
            if graph_def.node and all(node.name and node.op for node in graph_def.node):
                return graph_def
    reason = reasons[0] if reasons else "it holds no nodes"
    raise ArtifactError(f"{path} is not a readable GraphDef ({reason})")


def _graphdef_tree(path: str) -> ScopeTree:
    tf2 = _tensorflow()
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise ArtifactError(f"{path}: cannot be read ({error.strerror or error})") from None
    if not data.strip():
        raise ArtifactError(f"{path} is empty: a GraphDef file holds at least one node")
    graph_def = _parse_graph_def(path, data)
    graph = tf2.Graph()
    try:
        with graph.as_default():
            tf2.graph_util.import_graph_def(graph_def, name="")
    except (ValueError, KeyError, TypeError, tf2.errors.OpError) as error:
        raise ArtifactError(f"{path}: TensorFlow cannot import this graph: {_first_line(error)}") from None
    return graph_tree(graph)


# --- finding out what a path is ------------------------------------------------------------


@dataclass
class Artifact:
    """What a path holds, as a scope tree, with what the CLI prints around it."""

    path: str
    kind: str  # "checkpoint", "savedmodel", "metagraph" or "graphdef"
    location: str
    tree: ScopeTree
    signatures: tuple[Signature, ...] = ()
    tags: tuple[str, ...] = ()
    keys: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        kinds = {"checkpoint": "checkpoint", "savedmodel": "SavedModel",
                 "metagraph": "MetaGraph", "graphdef": "GraphDef"}
        return f"{kinds[self.kind]} {self.location}"

    def key(self, name: str) -> str:
        """The name to use in a checkpoint map for this tree name."""
        return self.keys.get(name, name)


def _state_file_prefix(folder: Path) -> str | None:
    """The prefix the folder's ``checkpoint`` file names (``model_checkpoint_path``)."""
    state = folder / "checkpoint"
    if not state.is_file():
        return None
    try:
        text = state.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        raise ArtifactError(f"{state} is not a checkpoint state file") from None
    match = re.search(r'^\s*model_checkpoint_path:\s*"((?:[^"\\]|\\.)*)"', text, re.MULTILINE)
    if match is None:
        raise ArtifactError(f"{state} names no checkpoint (no model_checkpoint_path line)")
    named = match[1].encode().decode("unicode_escape")
    prefix = named if os.path.isabs(named) else str(folder / named)
    if not os.path.isfile(prefix + ".index"):
        # TF also looks next to the state file when the recorded path is from another machine.
        local = folder / os.path.basename(named)
        if os.path.isfile(str(local) + ".index"):
            return str(local)
        raise ArtifactError(f"{state} names the checkpoint {named}, but {prefix}.index is missing")
    return prefix


def _folder_checkpoint(folder: Path) -> str:
    prefix = _state_file_prefix(folder)
    if prefix is not None:
        return prefix
    indexes = sorted(p for p in folder.glob("*.index") if p.is_file())
    if len(indexes) == 1:
        return str(indexes[0])[: -len(".index")]
    if indexes:
        shown = ", ".join(p.name[: -len(".index")] for p in indexes[:3])
        more = f" and {len(indexes) - 3} more" if len(indexes) > 3 else ""
        raise ArtifactError(
            f"{folder} holds {len(indexes)} checkpoints ({shown}{more}) and no 'checkpoint' "
            "file saying which is the latest: pass one prefix"
        )
    graphs = sorted(p.name for p in folder.iterdir() if p.suffix in (".meta", *GRAPH_SUFFIXES))
    hint = f"; to see a graph, pass one of its files ({', '.join(graphs[:3])})" if graphs else ""
    raise ArtifactError(
        f"{folder} holds no checkpoint (no 'checkpoint' file, no *.index file) and is not a "
        f"SavedModel (no saved_model.pb){hint}"
    )


def _ends_with_table_magic(path: str) -> bool:
    try:
        with open(path, "rb") as handle:
            handle.seek(0, os.SEEK_END)
            if handle.tell() < FOOTER_SIZE:
                return False
            handle.seek(-8, os.SEEK_END)
            return int.from_bytes(handle.read(8), "little") == TABLE_MAGIC
    except OSError:
        return False


def resolve(path: str | os.PathLike) -> tuple[str, str]:
    """``(kind, location)`` for ``path``, or an ArtifactError that says what to pass instead."""
    text = os.fspath(path)
    candidate = Path(text)
    if not candidate.exists():
        if os.path.isfile(text + ".index"):
            return "checkpoint", text
        raise ArtifactError(f"{text}: no such file or directory")
    if candidate.is_dir():
        if any((candidate / name).is_file() for name in SAVED_MODEL_FILES):
            return "savedmodel", text
        return "checkpoint", _folder_checkpoint(candidate)
    name = candidate.name
    if name in SAVED_MODEL_FILES:
        return "savedmodel", str(candidate.parent)
    if name.endswith(".index"):
        return "checkpoint", text[: -len(".index")]
    match = _DATA_FILE.match(text)
    if match:
        return "checkpoint", match["prefix"]
    if name == "checkpoint":
        return "checkpoint", _folder_checkpoint(candidate.parent)
    if name.endswith(".meta"):
        return "metagraph", text
    if name.endswith(GRAPH_SUFFIXES):
        return "graphdef", text
    if name.endswith(KERAS_SUFFIXES):
        raise ArtifactError(
            f"{text} is a Keras file, not a TensorFlow checkpoint or graph: load it with Keras "
            "and pass its weights to kit.show(kit.ScopeTree.from_variables(model.weights))"
        )
    if _ends_with_table_magic(text):
        raise ArtifactError(
            f"{text} is a one-file (V1) checkpoint, a format from before TensorFlow 1.0; "
            "this reader knows V2 checkpoints (.index + .data files): re-save it with a Saver"
        )
    raise ArtifactError(
        f"{text} is not a TensorFlow checkpoint, SavedModel or graph file: pass a checkpoint "
        "prefix, .index file or folder, a SavedModel folder, a .meta, .pb or .pbtxt file"
    )


def _load_checkpoint(path: str, prefix: str) -> Artifact:
    index = read_checkpoint_index(prefix)
    variables, keys = checkpoint_variables(index)
    notes = []
    sliced = sum(1 for e in index.entries if e.sliced)
    if sliced:
        notes.append(f"{sliced} partitioned variable{'s' if sliced != 1 else ''} "
                     "(stored in slices, shown whole)")
    if any(e.key == OBJECT_GRAPH_KEY for e in index.entries):
        notes.append("a TF2 object-based checkpoint: names are object paths "
                     "(without /.ATTRIBUTES/VARIABLE_VALUE)")
    if os.path.isfile(prefix + ".meta"):
        notes.append(f"its graph is in {os.path.basename(prefix)}.meta "
                     "(pass that file to see ops by name scope)")
    return Artifact(path, "checkpoint", prefix, ScopeTree(variables, []), keys=keys,
                    notes=tuple(notes))


def _load_saved_model(path: str, folder: str, variable_names: bool = False) -> Artifact:
    if os.path.isfile(os.path.join(folder, "saved_model.pb")):
        info = read_saved_model(folder)
    else:
        info = _saved_model_from_text(folder)
    prefix = os.path.join(folder, "variables", "variables")
    variables, keys = [], {}
    if os.path.isfile(prefix + ".index"):
        index = read_checkpoint_index(prefix)
        variables, keys = checkpoint_variables(index, (), info.variables, variable_names)
    notes = [f"tags: {', '.join(info.tags)}"] if info.tags else []
    if info.variables and not variable_names:
        notes.append("names are object paths (what a checkpoint restore matches); "
                     "--variable-names shows each variable's own name")
    return Artifact(path, "savedmodel", folder, ScopeTree(variables, []), info.signatures,
                    info.tags, keys, tuple(notes))


def load(path: str | os.PathLike, variable_names: bool = False) -> Artifact:
    """Read ``path`` (checkpoint prefix/folder/.index, SavedModel folder, .meta, .pb, .pbtxt).

    ``variable_names``: name a SavedModel's variables by their own names (the name scopes
    they were made in) rather than by their object paths.
    """
    kind, location = resolve(path)
    text = os.fspath(path)
    if kind == "checkpoint":
        return _load_checkpoint(text, location)
    if kind == "savedmodel":
        return _load_saved_model(text, location, variable_names)
    if kind == "metagraph":
        tree = _metagraph_tree(location)
    else:
        tree = _graphdef_tree(location)
    return Artifact(text, kind, location, tree)


def tree_from_path(path: str | os.PathLike) -> ScopeTree:
    """The scope tree of a checkpoint, SavedModel or graph file (what ``kit.show(path)`` shows)."""
    return load(path).tree


# --- name maps between two trees (what a port from one checkpoint to another model needs) ---

# tf-slim / TF1 leaf names -> their Keras / tf.layers names; both sides are compared by these.
LEAF_SYNONYMS = {
    "weights": "kernel",
    "biases": "bias",
    "depthwise_weights": "depthwise_kernel",
    "pointwise_weights": "pointwise_kernel",
}
MAX_BROAD_RULES = 20  # prefix rules applied to every name they fit (real ports need a few)


def _canonical(name: str) -> tuple[str, ...]:
    parts = name.split("/")
    return (*parts[:-1], LEAF_SYNONYMS.get(parts[-1], parts[-1]))


@dataclass(frozen=True)
class NamePair:
    """A name in A and the name in B it maps to, with both shapes and dtypes."""

    a: VariableInfo
    b: VariableInfo
    prefix: tuple[str, str] = ("", "")  # ("vgg_16/", "model/vgg_16/"): what was rewritten
    leaf: tuple[str, str] | None = None  # ("weights", "kernel") when the last part differs

    @property
    def same_name(self) -> bool:
        return self.a.name == self.b.name

    @property
    def fits(self) -> bool:
        """Same shape and dtype: the tensor can be loaded as it is."""
        return self.a.shape == self.b.shape and self.a.dtype == self.b.dtype


@dataclass
class NameMap:
    """Every pairing between two trees' variables, and what is left on either side."""

    pairs: list[NamePair]
    only_a: list[VariableInfo]
    only_b: list[VariableInfo]

    @property
    def same(self) -> list[NamePair]:
        return [p for p in self.pairs if p.same_name and p.fits]

    @property
    def rewritten(self) -> list[NamePair]:
        return [p for p in self.pairs if not p.same_name and p.fits]

    @property
    def differ(self) -> list[NamePair]:
        """Paired by name (the same or after a rewrite) but with another shape or dtype."""
        return [p for p in self.pairs if not p.fits]

    @property
    def identical(self) -> bool:
        return not (self.rewritten or self.differ or self.only_a or self.only_b)

    def prefix_rules(self) -> list[tuple[str, str, int]]:
        """``(from, to, count)`` for each prefix rewrite, most used first."""
        return _counted(p.prefix for p in self.pairs if p.prefix != ("", ""))

    def leaf_rules(self) -> list[tuple[str, str, int]]:
        return _counted(p.leaf for p in self.pairs if p.leaf is not None)

    def assignment_map(self, key_a=lambda name: name, key_b=lambda name: name) -> dict[str, str]:
        """``{name in A: name in B}`` for every pair whose tensor fits (as
        ``tf.compat.v1.train.init_from_checkpoint(A, assignment_map)`` takes it)."""
        return {key_a(p.a.name): key_b(p.b.name) for p in self.pairs if p.fits}


def _counted(items) -> list[tuple[str, str, int]]:
    counts: dict[tuple[str, str], int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return [(a, b, n) for (a, b), n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def _join(parts: tuple[str, ...]) -> str:
    return "".join(part + "/" for part in parts)


def _pair(a: VariableInfo, b: VariableInfo, k: int, j: int) -> NamePair:
    """``a`` and ``b`` share their canonical parts from ``a[k:]`` and ``b[j:]`` on."""
    a_parts, b_parts = a.name.split("/"), b.name.split("/")
    prefix = (_join(tuple(a_parts[:k])), _join(tuple(b_parts[:j])))
    leaf = None if a_parts[-1] == b_parts[-1] else (a_parts[-1], b_parts[-1])
    return NamePair(a, b, prefix, leaf)


def suggest_name_map(a: ScopeTree, b: ScopeTree) -> NameMap:
    """Pair A's variables with B's: the same name first, then the same name after a prefix
    rewrite (``vgg_16/`` -> ``model/vgg_16/``) and/or a leaf rename (``weights`` <->
    ``kernel``, ``biases`` <-> ``bias``).

    Each leftover A name proposes the B name that shares its longest canonical tail (ties
    broken by shape); the proposals vote for prefix rules, and the rules are then applied
    most-voted first, so every pair made by a rule follows the same rewrite.
    """
    b_by_name = {v.name: v for v in b.variables}
    pairs = [NamePair(v, b_by_name[v.name]) for v in a.variables if v.name in b_by_name]
    taken_a = {p.a.name for p in pairs}
    taken_b = {p.b.name for p in pairs}
    left_a = [v for v in a.variables if v.name not in taken_a]
    left_b = [v for v in b.variables if v.name not in taken_b]
    canonical_b: dict[tuple[str, ...], list[VariableInfo]] = {}
    tails_b: dict[tuple[str, ...], list[VariableInfo]] = {}
    for var in left_b:
        parts = _canonical(var.name)
        canonical_b.setdefault(parts, []).append(var)
        for j in range(len(parts)):
            tails_b.setdefault(parts[j:], []).append(var)

    votes: dict[tuple[tuple[str, ...], tuple[str, ...]], int] = {}
    proposals: list[tuple[VariableInfo, VariableInfo, int, int]] = []
    for var in left_a:
        parts = _canonical(var.name)
        for k in range(len(parts)):
            candidates = tails_b.get(parts[k:])
            if not candidates:
                continue
            if len(candidates) > 1:
                candidates = [c for c in candidates if c.shape == var.shape]
            if len(candidates) == 1:
                target = _canonical(candidates[0].name)
                j = len(target) - (len(parts) - k)
                votes[(parts[:k], target[:j])] = votes.get((parts[:k], target[:j]), 0) + 1
                proposals.append((var, candidates[0], k, j))
            break

    under: dict[tuple[str, ...], list[VariableInfo]] = {}
    for var in left_a:
        parts = _canonical(var.name)
        for k in range(len(parts)):
            under.setdefault(parts[:k], []).append(var)
    matched: set[str] = set()

    def take(var: VariableInfo, target: VariableInfo, k: int, j: int) -> None:
        matched.add(var.name)
        taken_b.add(target.name)
        pairs.append(_pair(var, target, k, j))

    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    for (from_parts, to_parts), count in ranked[:MAX_BROAD_RULES]:
        if count < 2:
            break
        for var in under.get(from_parts, ()):
            if var.name in matched:
                continue
            rest = _canonical(var.name)[len(from_parts):]
            targets = [t for t in canonical_b.get(to_parts + rest, ()) if t.name not in taken_b]
            if len(targets) == 1:
                take(var, targets[0], len(from_parts), len(to_parts))
    for var, target, k, j in proposals:  # rules only one name follows: that name alone
        if var.name not in matched and target.name not in taken_b:
            take(var, target, k, j)
    left_a = [v for v in left_a if v.name not in matched]
    only_b = [v for v in left_b if v.name not in taken_b]
    pairs.sort(key=lambda p: p.a.name)
    return NameMap(pairs, left_a, only_b)
