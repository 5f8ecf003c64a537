"""FalkorDB's bulk-insert format (``GRAPH.BULK``), encoded from validated tables with numpy.

Why: a first load into an empty graph spent most of its server time on index lookups, matching both
ends of every relationship by key. ``GRAPH.BULK`` builds a new graph from binary "entity files":
nodes get internal ids in the order they are sent (0, 1, 2, ... in a new graph), and each
relationship names its two ends by those ids, so there is nothing to look up. FalkorDB's own
``falkordb-bulk-loader`` package speaks the same protocol, but it reads CSV files, encodes value by
value in Python and depends on click (which only the app layer may import) and pathos; this module
encodes the tables sendgraph has already validated, a column at a time.

The format (FalkorDB ``src/bulk_insert/bulk_insert.c``, probed on 4.16.3): a command
``GRAPH.BULK graph [BEGIN] node_count edge_count node_tokens edge_tokens token...``; ``BEGIN``
(first call only) refuses an existing key. A token is a header (label or type, NUL-terminated; a
uint32 property count; the property names, NUL-terminated) then one record per entity: for a
relationship, the start and end node ids (uint64 each), then for both one value per property: a
type byte (0 null: no property, 1 bool + 1 byte, 2 double + 8 bytes, 3 string + UTF-8 + NUL,
4 long + 8 bytes; little-endian). There is no date type: dates go as ISO strings and the store
turns them into native dates with one ``SET x.d = date(x.d)`` per label / relationship pattern
(:func:`graphmodel.server.cypher.bulk_dates`), so a bulk-loaded graph reads back exactly like one
loaded with ``CREATE ... date(row[i])``. Text can hold no NUL, which validation already refuses.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphmodel.errors import SendgraphError
from graphmodel.frames import arrow_array
from graphmodel.schema import NodeKind, Property, RelTable, Schema
from graphmodel.server.cypher import TABLE_MARKER, needs_marker
from graphmodel.server.settings import whole_number

CHUNK_ROWS = 100_000
"""Entities per GRAPH.BULK call: a few MB, far below redis's 512 MB argument limit, and short
enough for progress and lease heartbeats between calls."""

_NULL, _BOOL, _DOUBLE, _STRING, _LONG = 0, 1, 2, 3, 4


def chunk_rows() -> int:
    """``SENDGRAPH_BULK_CHUNK_ROWS`` (entities per GRAPH.BULK call), default :data:`CHUNK_ROWS`."""
    return whole_number("SENDGRAPH_BULK_CHUNK_ROWS", CHUNK_ROWS)


def header(name: str, props: list[str]) -> bytes:
    """A token's header: label or type, property count, property names."""
    out = name.encode() + b"\0" + struct.pack("<I", len(props))
    return out + b"".join(p.encode() + b"\0" for p in props)


@dataclass
class Segment:
    """One column (or the id pair) of a chunk encoded: one binary value per row, its bytes in the format.

    Why Arrow binary arrays: a row's bytes are built for a whole column at once by Arrow's kernels
    (type byte and NUL joined onto each string, the fixed-width values viewed as bytes), and
    :func:`records` joins the columns row by row with one more kernel, so no Python object is made
    per value. Value by value in Python (``tolist``, ``strftime``, a numpy scatter per byte) this
    was ~16 s of a national load's client time.
    """

    values: pa.Array  # binary, no nulls: row i's bytes

    @property
    def lengths(self) -> np.ndarray:
        """Each row's byte count (int64)."""
        return np.diff(_offsets(self.values)).astype(np.int64)

    @property
    def data(self) -> np.ndarray:
        """All bytes in row order (uint8)."""
        return np.frombuffer(_blob(self.values), dtype=np.uint8)


def _offsets(arr: pa.Array) -> np.ndarray:
    width = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
    offsets = np.frombuffer(arr.buffers()[1], dtype=width)
    return offsets[arr.offset : arr.offset + len(arr) + 1]


def _blob(arr: pa.Array) -> bytes:
    """The bytes of every value of a binary array without nulls, in order, as one string."""
    if len(arr) == 0:
        return b""
    offsets = _offsets(arr)
    return arr.buffers()[2].to_pybytes()[int(offsets[0]) : int(offsets[-1])]


_NULL_BYTE = pa.scalar(b"\0", pa.large_binary())
_NO_SEPARATOR = pa.scalar(b"", pa.large_binary())


def _fixed(values: np.ndarray, missing: np.ndarray, code: int, width: int) -> Segment:
    n = len(values)
    block = np.empty((n, 1 + width), dtype=np.uint8)
    block[:, 0] = code
    block[:, 1:] = np.ascontiguousarray(values).view(np.uint8).reshape(n, width)
    arr = pa.FixedSizeBinaryArray.from_buffers(pa.binary(1 + width), n, [None, pa.py_buffer(block)])
    out = arr.cast(pa.large_binary())
    if missing.any():
        out = pc.if_else(pa.array(missing, type=pa.bool_()), _NULL_BYTE, out)
    return Segment(out)


def _text(values: pa.Array) -> Segment:
    """Strings as type byte + UTF-8 + NUL; a missing value as one null byte."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    joined = pc.binary_join_element_wise(
        pa.scalar(b"\x03", pa.large_binary()),
        values.cast(pa.large_binary()),
        _NULL_BYTE,
        _NO_SEPARATOR,
    )
    out = pc.fill_null(joined, _NULL_BYTE)
    # each value ends in one NUL: a NUL inside a value would shift every later one (validation refuses it)
    if np.count_nonzero(np.frombuffer(_blob(out), dtype=np.uint8) == 0) != len(out):
        raise SendgraphError("text holding a NUL character cannot be bulk-loaded")
    return Segment(out)


def column(series: pd.Series, type_: str) -> Segment:
    """One schema-typed column as bulk values (the types ``convert.column_values`` sends)."""
    missing = series.isna().to_numpy(dtype=bool)
    if type_ == "int":
        return _fixed(series.astype("Int64").to_numpy(dtype="<i8", na_value=0), missing, _LONG, 8)
    if type_ == "float":
        values = series.astype("Float64").to_numpy(dtype="<f8", na_value=np.nan)
        return _fixed(values, missing | np.isnan(values), _DOUBLE, 8)
    if type_ == "bool":
        values = series.astype("boolean").to_numpy(dtype=np.uint8, na_value=0)
        return _fixed(values, missing, _BOOL, 1)
    if type_ == "date":  # ISO text: the server makes it a date (cypher.bulk_dates)
        # day numbers cast to text (ISO); Arrow's strftime took ~10 us a value
        days = pd.to_datetime(series).to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
        return _text(pa.array(days, type=pa.date32(), from_pandas=True).cast(pa.string()))
    return _text(arrow_array(series.astype("string"), pa.string(), from_pandas=True))


def constant(text: str, n: int) -> Segment:
    """The same string on every row (the ``_table`` marker)."""
    piece = b"\x03" + text.encode() + b"\0"
    offsets = np.arange(n + 1, dtype=np.int64) * len(piece)
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(piece * n)]
    return Segment(pa.LargeBinaryArray.from_buffers(pa.large_binary(), n, buffers))


def id_pairs(start: np.ndarray, end: np.ndarray) -> Segment:
    pairs = np.empty((len(start), 2), dtype="<u8")
    pairs[:, 0], pairs[:, 1] = start, end
    arr = pa.FixedSizeBinaryArray.from_buffers(pa.binary(16), len(start), [None, pa.py_buffer(pairs)])
    return Segment(arr.cast(pa.large_binary()))


def records(segments: list[Segment]) -> bytes:
    """Join the columns row by row: row i is segment 0's bytes of row i, then segment 1's, ..."""
    if len(segments) == 1:
        return _blob(segments[0].values)
    return _blob(pc.binary_join_element_wise(*(s.values for s in segments), _NO_SEPARATOR))


@dataclass
class Statement:
    """A Cypher write a bulk load runs on the graph it builds, in order between its tokens (the
    date conversions of :func:`graphmodel.server.cypher.bulk_dates_by_table` and
    :func:`~graphmodel.server.cypher.bulk_dates_ranged`, and the key indexes' DDL)."""

    query: str
    params: dict


@dataclass
class Token:
    """One entity file of a GRAPH.BULK call."""

    kind: str  # "node" or "edge"
    count: int
    data: bytes
    step: str
    starts: tuple[int, int] | None = None
    """A relationship table's call: the start-node ids (lo <= id < hi) whose edges of the table are
    all in once this call is (the range its date statement converts next)."""


def _props_of(node: NodeKind) -> list[Property]:
    rest = (p for p in node.properties.values() if p.name != node.key_column)
    return [node.properties[node.key_column], *rest]


def _rel_props(rel: RelTable) -> list[Property]:
    return [rel.properties[c] for c in rel.properties if c not in (rel.start.column, rel.end.column)]


class Plan:
    """The bulk tokens of a first load: nodes of every table (ids assigned here), then relationships.

    ``keys[kind]`` holds the keys of that node kind's nodes in the order sent; node ``i`` of kind K
    gets id ``first[K] + i``.
    """

    def __init__(self, schema: Schema, new: dict[str, pd.DataFrame], chunk: int | None = None):
        self.schema, self.new, self.chunk = schema, dict(new), chunk or chunk_rows()
        self.first: dict[str, int] = {}
        self.keys: dict[str, pd.Index] = {}
        self._key_sets: dict[str, pa.Array] = {}
        top = 0
        for kind, node in schema.nodes.items():
            frame = new.get(node.name)
            keys = frame[node.key_column] if frame is not None else pd.Series([], dtype=object)
            self.first[kind], self.keys[kind] = top, pd.Index(keys)
            top += len(keys)
        self.node_count = top

    def _ids(self, kind: str, keys: pd.Series, what: str) -> np.ndarray:
        """The node ids of ``keys`` (keys of ``kind``), for a whole table column at once.

        Why Arrow's ``index_in`` on the whole column: pandas' ``get_indexer`` per chunk cost ~5 s
        nationally (2.6M post ends looked up among 1M person keys, hashed again for every chunk)."""
        if len(keys) == 0:
            return np.zeros(0, dtype="<u8")
        if kind not in self._key_sets:
            self._key_sets[kind] = arrow_array(pd.Series(self.keys[kind]), from_pandas=True)
        key_set = self._key_sets[kind]
        if len(key_set) == 0:
            raise SendgraphError(f"bulk load: {what} names a {kind} this load does not create")
        values = arrow_array(keys, from_pandas=True)
        if values.type != key_set.type:
            values = values.cast(key_set.type)
        pos = pc.index_in(values, value_set=key_set)
        if pos.null_count:  # validation checked every reference: this would be a bug, never a load
            raise SendgraphError(f"bulk load: {what} names a {kind} this load does not create")
        return pos.to_numpy(zero_copy_only=False).astype("<u8") + np.uint64(self.first[kind])

    def node_tokens(self, names: Iterable[str] | None = None) -> Iterator[Token]:
        """The nodes of every node table (or of ``names``), in the order their ids were assigned."""
        wanted = None if names is None else set(names)
        for node in self.schema.nodes.values():
            name = node.name
            if wanted is not None and name not in wanted:
                continue
            frame = self.new.get(name)
            if frame is None or frame.empty:
                continue
            props = _props_of(node)
            head = header(node.label, [p.name for p in props])
            for i in range(0, len(frame), self.chunk):
                part = frame.iloc[i : i + self.chunk]
                body = records([column(part[p.name], p.type) for p in props])
                yield Token("node", len(part), head + body, f"nodes {name}")

    def edge_tokens(self) -> Iterator[Token]:
        """Every relationship: the reference links, then each relationship table."""
        yield from self.link_tokens()
        for name in self.schema.relationships:
            yield from self.table_tokens(name)

    def link_tokens(self) -> Iterator[Token]:
        """The relationships of reference columns: e.g. School.la_code -> IN_LA."""
        for kind, node in self.schema.nodes.items():
            name = node.name
            frame = self.new.get(name)
            if frame is None or frame.empty:
                continue
            for prop in node.references:
                linked = frame[frame[prop.name].notna()]
                head = header(prop.rel, [])
                starts = self._ids(kind, linked[node.key_column], f"{name}.{node.key_column}")
                ends = self._ids(prop.ref, linked[prop.name], f"{name}.{prop.name}")
                for i in range(0, len(linked), self.chunk):
                    body = records([id_pairs(starts[i : i + self.chunk], ends[i : i + self.chunk])])
                    yield Token("edge", len(body) // 16, head + body, f"links {name}.{prop.name}")

    def table_tokens(self, name: str) -> Iterator[Token]:
        """The relationships of relationship table ``name``."""
        schema = self.schema
        rel = schema.relationships[name]
        frame = self.new.get(name)
        if frame is None or frame.empty:
            return
        props = _rel_props(rel)
        marker = needs_marker(schema, rel)
        head = header(rel.type, [*(p.name for p in props), *([TABLE_MARKER] if marker else [])])
        starts = self._ids(rel.start.kind, frame[rel.start.column], f"{name}.{rel.start.column}")
        ends = self._ids(rel.end.kind, frame[rel.end.column], f"{name}.{rel.end.column}")
        if len(starts) > 1 and bool((starts[1:] < starts[:-1]).any()):  # by start node: see below
            order = np.argsort(starts, kind="stable")
            frame, starts, ends = frame.iloc[order], starts[order], ends[order]
        for i in range(0, len(frame), self.chunk):
            part = frame.iloc[i : i + self.chunk]
            ids = id_pairs(starts[i : i + self.chunk], ends[i : i + self.chunk])
            segs = [ids, *(column(part[p.name], p.type) for p in props)]
            if marker:
                segs.append(constant(name, len(part)))
            # sent in start-node order, every edge from a node below the next call's first start is
            # in once this call is: the calls' ranges cover every node id once
            lo = 0 if i == 0 else int(starts[i])
            hi = int(starts[i + self.chunk]) if i + self.chunk < len(frame) else self.node_count
            yield Token("edge", len(part), head + records(segs), f"relationships {name}", (lo, hi))

    def replace_table(self, name: str, frame: pd.DataFrame) -> None:
        """Send ``frame`` as relationship table ``name`` (its rows once derived; node tables cannot
        change: the node ids are assigned when the plan is made)."""
        if name not in self.schema.relationships:
            raise ValueError(f"{name} is not a relationship table: its node ids are already assigned")
        self.new[name] = frame
