"""The schema, read from ``schema.toml`` and exposed as plain data.

Everything that needs to know the shape of the graph asks this module: validation, the workspace,
the server backends (constraints), bundle templates, the data dictionary and map legends. That is
why the declaration lives in one TOML file and this module only reads and derives from it.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Literal

PropType = Literal["str", "int", "float", "bool", "date"]


@dataclass(frozen=True)
class Property:
    """One column of a table: its type and the checks validation applies to it."""

    name: str
    type: PropType
    required: bool = False
    personal: bool = False
    values: tuple[str, ...] | None = None
    ref: str | None = None
    rel: str | None = None
    min: float | None = None
    max: float | None = None
    not_future: bool = False
    after: str | None = None
    doc: str = ""
    derived: str | None = None
    index: bool = False
    """A property (of a node or a relationship) a server indexes (``index = true``): a native looks
    rows up by it."""
    """The derived column set (``graphmodel.derived.DERIVERS``) that computes this column at load
    time from other rows; users never supply it (input values are ignored)."""


@dataclass(frozen=True)
class Table:
    """A table of the CSV bundle: either a node kind or a relationship table."""

    name: str
    properties: dict[str, Property]
    key: tuple[str, ...]
    doc: str

    @property
    def columns(self) -> list[str]:
        return list(self.properties)

    @property
    def input_columns(self) -> list[str]:
        """The columns a bundle supplies: every column but the derived ones."""
        return [p.name for p in self.properties.values() if not p.derived]

    @property
    def derived_columns(self) -> list[str]:
        """Columns computed at load time (``derived = "<set>"`` in schema.toml)."""
        return [p.name for p in self.properties.values() if p.derived]

    @property
    def personal_columns(self) -> list[str]:
        return [p.name for p in self.properties.values() if p.personal]


@dataclass(frozen=True)
class NodeKind(Table):
    """A node label. ``key`` holds one column, unique across the label."""

    label: str = ""
    color: str = "#999999"

    @property
    def key_column(self) -> str:
        return self.key[0]

    @property
    def references(self) -> list[Property]:
        """Columns that point at another node: each becomes a relationship in a graph database."""
        return [p for p in self.properties.values() if p.ref and p.rel]


@dataclass(frozen=True)
class End:
    """One end of a relationship table: the node kind and the column that holds its key."""

    kind: str
    column: str


@dataclass(frozen=True)
class RelTable(Table):
    """A relationship table: each row is one relationship of ``type`` from ``start`` to ``end``."""

    type: str = ""
    start: End = field(default_factory=lambda: End("", ""))
    end: End = field(default_factory=lambda: End("", ""))

    @property
    def property_columns(self) -> list[str]:
        """The columns stored on the relationship itself (everything but the two end keys)."""
        return [c for c in self.properties if c not in (self.start.column, self.end.column)]


@dataclass(frozen=True)
class Schema:
    """The whole schema: node kinds by label, relationship tables by table name."""

    nodes: dict[str, NodeKind]
    relationships: dict[str, RelTable]
    participation_tiers: tuple[str, ...]
    version: int

    @property
    def tables(self) -> dict[str, Table]:
        """Every bundle table by its file name (without ``.csv``), nodes first: the load order."""
        out: dict[str, Table] = {n.name: n for n in self.nodes.values()}
        out.update(self.relationships)
        return out

    def node_by_table(self, table: str) -> NodeKind:
        for n in self.nodes.values():
            if n.name == table:
                return n
        raise KeyError(table)

    def table(self, name: str) -> Table:
        return self.tables[name]

    @property
    def relationship_types(self) -> set[str]:
        types = {r.type for r in self.relationships.values()}
        types |= {p.rel for n in self.nodes.values() for p in n.references if p.rel}
        return types


def _property(name: str, raw: dict, tiers: tuple[str, ...]) -> Property:
    values = raw.get("values")
    if raw.get("values_from") == "participation_tiers":
        values = list(tiers)
    return Property(
        name=name,
        type=raw["type"],
        required=bool(raw.get("required", False)),
        personal=bool(raw.get("personal", False)),
        values=tuple(values) if values else None,
        ref=raw.get("ref"),
        rel=raw.get("rel"),
        min=raw.get("min"),
        max=raw.get("max"),
        not_future=bool(raw.get("not_future", False)),
        after=raw.get("after"),
        doc=raw.get("doc", ""),
        derived=raw.get("derived"),
        index=bool(raw.get("index", False)),
    )


def parse_schema(text: str) -> Schema:
    """Build a :class:`Schema` from TOML text (the packaged file, or a test's own)."""
    raw = tomllib.loads(text)
    tiers = tuple(raw["meta"]["participation_tiers"])
    nodes: dict[str, NodeKind] = {}
    for label, spec in raw["nodes"].items():
        props = {k: _property(k, v, tiers) for k, v in spec["properties"].items()}
        if spec["key"] not in props:
            raise ValueError(f"node {label}: key {spec['key']} is not a property")
        nodes[label] = NodeKind(
            name=spec["table"],
            properties=props,
            key=(spec["key"],),
            doc=spec.get("doc", ""),
            label=label,
            color=spec.get("color", "#999999"),
        )
    rels: dict[str, RelTable] = {}
    for table, spec in raw["relationships"].items():
        props = {k: _property(k, v, tiers) for k, v in spec["properties"].items()}
        start, end = End(**spec["from"]), End(**spec["to"])
        for e in (start, end):
            if e.kind not in nodes or e.column not in props:
                raise ValueError(f"relationship table {table}: bad end {e}")
        missing = [k for k in spec["key"] if k not in props]
        if missing:
            raise ValueError(f"relationship table {table}: key columns {missing} are not properties")
        rels[table] = RelTable(
            name=table,
            properties=props,
            key=tuple(spec["key"]),
            doc=spec.get("doc", ""),
            type=spec["type"],
            start=start,
            end=end,
        )
    return Schema(
        nodes=nodes, relationships=rels, participation_tiers=tiers, version=int(raw["meta"]["version"])
    )


@cache
def load_schema() -> Schema:
    """The packaged schema (cached: it is read once per process)."""
    text = resources.files("graphmodel").joinpath("schema.toml").read_text(encoding="utf-8")
    return parse_schema(text)


def ref_target_column(schema: Schema, prop: Property) -> tuple[str, str]:
    """For a column that references a node kind, the (table, key column) it must match."""
    assert prop.ref is not None
    node = schema.nodes[prop.ref]
    return node.name, node.key_column


def foreign_keys(schema: Schema, table: Table) -> list[tuple[str, str, str]]:
    """Every (column, target table, target key column) a table refers to, ends included."""
    out = []
    for p in table.properties.values():
        if p.ref:
            out.append((p.name, *ref_target_column(schema, p)))
    if isinstance(table, RelTable):
        for e in (table.start, table.end):
            node = schema.nodes[e.kind]
            out.append((e.column, node.name, node.key_column))
    return out
