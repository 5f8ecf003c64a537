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
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphmodel.errors import SendgraphError
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
    """One column (or the id pair) of a chunk encoded: each row's byte count and all bytes in row order."""

    lengths: np.ndarray  # int64, one per row
    data: np.ndarray  # uint8


def _fixed(values: np.ndarray, missing: np.ndarray, code: int, width: int) -> Segment:
    n = len(values)
    block = np.empty((n, 1 + width), dtype=np.uint8)
    block[:, 0] = code
    block[:, 1:] = values.view(np.uint8).reshape(n, width)
    lengths = np.full(n, 1 + width, dtype=np.int64)
    if missing.any():
        block[missing, 0] = _NULL
        keep = np.ones(block.shape, dtype=bool)
        keep[missing, 1:] = False
        lengths[missing] = 1
        return Segment(lengths, block[keep])
    return Segment(lengths, block.reshape(-1))


def _text(values: list, missing: np.ndarray) -> Segment:
    """Strings as type byte + UTF-8 + NUL; a missing value as one null byte."""
    n = len(values)
    filled = ["" if m else v for v, m in zip(values, missing.tolist(), strict=True)]
    blob = np.frombuffer(("\x03" + "\0\x03".join(filled) + "\0").encode(), dtype=np.uint8) if n else None
    if blob is None:
        return Segment(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint8))
    ends = np.flatnonzero(blob == 0)
    if len(ends) != n:  # a NUL inside a value would shift every later one: validation refuses it
        raise SendgraphError("text holding a NUL character cannot be bulk-loaded")
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = (ends - starts + 1).astype(np.int64)
    if missing.any():  # "\x03\0" (an empty string) becomes "\0" (no property)
        blob = blob.copy()
        blob[starts[missing]] = _NULL
        keep = np.ones(len(blob), dtype=bool)
        keep[starts[missing] + 1] = False
        blob = blob[keep]
        lengths[missing] = 1
    return Segment(lengths, blob)


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
    if type_ == "date":
        text = pd.to_datetime(series).dt.strftime("%Y-%m-%d")
        return _text(text.astype(object).where(~missing, "").tolist(), missing)
    text = series.astype("string").astype(object).where(~missing, "")
    return _text([str(v) for v in text.tolist()], missing)


def constant(text: str, n: int) -> Segment:
    """The same string on every row (the ``_table`` marker)."""
    piece = np.frombuffer(b"\x03" + text.encode() + b"\0", dtype=np.uint8)
    return Segment(np.full(n, len(piece), dtype=np.int64), np.tile(piece, n))


def id_pairs(start: np.ndarray, end: np.ndarray) -> Segment:
    pairs = np.empty((len(start), 2), dtype="<u8")
    pairs[:, 0], pairs[:, 1] = start, end
    return Segment(np.full(len(start), 16, dtype=np.int64), pairs.view(np.uint8).reshape(-1))


def records(segments: list[Segment]) -> bytes:
    """Interleave the columns row by row: row i is segment 0's bytes of row i, then segment 1's, ..."""
    lengths = np.vstack([s.lengths for s in segments])  # columns x rows
    row_len = lengths.sum(axis=0)
    out = np.empty(int(row_len.sum()), dtype=np.uint8)
    row_start = np.concatenate(([0], np.cumsum(row_len)[:-1]))
    before = np.concatenate((np.zeros((1, lengths.shape[1]), dtype=np.int64), np.cumsum(lengths, 0)[:-1]))
    for i, seg in enumerate(segments):
        width = seg.lengths
        if len(seg.data) == 0:
            continue
        src_start = np.concatenate(([0], np.cumsum(width)[:-1]))
        shift = np.repeat(row_start + before[i] - src_start, width)
        out[shift + np.arange(len(seg.data))] = seg.data
    return out.tobytes()


@dataclass
class Token:
    """One entity file of a GRAPH.BULK call."""

    kind: str  # "node" or "edge"
    count: int
    data: bytes
    step: str


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
        self.schema, self.new, self.chunk = schema, new, chunk or chunk_rows()
        self.first: dict[str, int] = {}
        self.keys: dict[str, pd.Index] = {}
        top = 0
        for kind, node in schema.nodes.items():
            frame = new.get(node.name)
            keys = frame[node.key_column] if frame is not None else pd.Series([], dtype=object)
            self.first[kind], self.keys[kind] = top, pd.Index(keys)
            top += len(keys)
        self.node_count = top

    def _ids(self, kind: str, keys: pd.Series, what: str) -> np.ndarray:
        pos = self.keys[kind].get_indexer(keys)
        if (pos < 0).any():  # validation checked every reference: this would be a bug, never a load
            raise SendgraphError(f"bulk load: {what} names a {kind} this load does not create")
        return (pos + self.first[kind]).astype("<u8")

    def node_tokens(self) -> Iterator[Token]:
        for node in self.schema.nodes.values():
            name = node.name
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
        schema = self.schema
        for kind, node in schema.nodes.items():  # reference columns: e.g. School.la_code -> IN_LA
            name = node.name
            frame = self.new.get(name)
            if frame is None or frame.empty:
                continue
            for prop in node.references:
                linked = frame[frame[prop.name].notna()]
                head = header(prop.rel, [])
                for i in range(0, len(linked), self.chunk):
                    part = linked.iloc[i : i + self.chunk]
                    start = self._ids(kind, part[node.key_column], f"{name}.{node.key_column}")
                    end = self._ids(prop.ref, part[prop.name], f"{name}.{prop.name}")
                    body = records([id_pairs(start, end)])
                    yield Token("edge", len(part), head + body, f"links {name}.{prop.name}")
        for name, rel in schema.relationships.items():
            frame = self.new.get(name)
            if frame is None or frame.empty:
                continue
            props = _rel_props(rel)
            marker = needs_marker(schema, rel)
            head = header(rel.type, [*(p.name for p in props), *([TABLE_MARKER] if marker else [])])
            for i in range(0, len(frame), self.chunk):
                part = frame.iloc[i : i + self.chunk]
                start = self._ids(rel.start.kind, part[rel.start.column], f"{name}.{rel.start.column}")
                end = self._ids(rel.end.kind, part[rel.end.column], f"{name}.{rel.end.column}")
                segs = [id_pairs(start, end), *(column(part[p.name], p.type) for p in props)]
                if marker:
                    segs.append(constant(name, len(part)))
                yield Token("edge", len(part), head + records(segs), f"relationships {name}")
