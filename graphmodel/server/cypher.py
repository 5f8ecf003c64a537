"""Every Cypher statement sendgraph sends to a server, derived from the schema, with the row shapes they take.

Why derived: the schema (``schema.toml``) is the one declaration of labels, types, keys and columns,
so loading, pulling and counting statements are generated from it rather than written per table. Labels,
relationship types and property names are interpolated ONLY from the schema and each is asserted to
be a plain identifier (:func:`safe_name`); every value, from any input, travels as a parameter.

Statement shapes (the same text on Neo4j and FalkorDB; differences are in ``dialect.py``):

* node table ``UNWIND $rows AS row MERGE (n:Label {key: row.k}) SET n += row.p, n.d = date(row.d.d)``;
* a node table's reference column (schema ``rel``, e.g. School.la_code -> IN_LA) also becomes a
  relationship: stale ones are deleted, the current one MERGEd between the two MATCHed ends;
* relationship table ``UNWIND $rows AS row MATCH (a:Start {k: row.a}) MATCH (b:End {k: row.b})
  MERGE (a)-[r:TYPE {key columns}]->(b) SET r += row.p`` with label and key on both ends;
* pulls ``MATCH ... RETURN n.col AS col, ...`` give back whole tables.

Relationship tables that share a type (MEMBER_OF for school and person memberships, HAS_NEED for
four tables) are told apart by their end labels; if two tables ever shared start label, type AND end
label, a ``_table`` property is stored on the relationship and matched on (:func:`needs_marker`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from graphmodel.schema import NodeKind, Property, RelTable, Schema
from graphmodel.server.convert import column_values

LOADRUN_LABEL = "LoadRun"
LOADRUN_KEY = "run_id"
TABLE_MARKER = "_table"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def safe_name(name: str) -> str:
    """Return ``name`` if it is a plain identifier safe to interpolate into Cypher; else raise."""
    if not isinstance(name, str) or not _IDENT.match(name):
        raise ValueError(f"not a safe Cypher identifier: {name!r}")
    return name


@dataclass(frozen=True)
class Statement:
    """A statement with example parameters (for the linter: every parameter it uses is declared)."""

    id: str
    query: str
    parameters: dict = field(default_factory=dict)


def needs_marker(schema: Schema, rel: RelTable) -> bool:
    """True if another table or reference column makes the same (start, TYPE, end) relationships."""
    triples: Counter = Counter((r.start.kind, r.type, r.end.kind) for r in schema.relationships.values())
    triples.update((label, p.rel, p.ref) for label, n in schema.nodes.items() for p in n.references)
    return triples[(rel.start.kind, rel.type, rel.end.kind)] > 1


def _set_clause(var: str, props: list[Property]) -> str:
    """``SET var += row.p, var.d = date(row.d.d)`` for the non-key columns (dates need ``date()``)."""
    parts = []
    if any(p.type != "date" for p in props):
        parts.append(f"{var} += row.p")
    parts += [f"{var}.{safe_name(p.name)} = date(row.d.{safe_name(p.name)})"
              for p in props if p.type == "date"]
    return f" SET {', '.join(parts)}" if parts else ""


def _split(props: list[Property], frame: pd.DataFrame) -> list[dict]:
    """Per row: {"p": non-date values, "d": ISO dates} for the given columns."""
    plain = [(p.name, column_values(frame[p.name], p.type)) for p in props if p.type != "date"]
    dates = [(p.name, column_values(frame[p.name], p.type)) for p in props if p.type == "date"]
    out = []
    for i in range(len(frame)):
        out.append({"p": {name: vals[i] for name, vals in plain},
                    "d": {name: vals[i] for name, vals in dates}})
    return out


# ---------------------------------------------------------------------------------------------- nodes
def node_merge(node: NodeKind) -> str:
    label, key = safe_name(node.label), safe_name(node.key_column)
    rest = [p for p in node.properties.values() if p.name != node.key_column]
    return f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row.k}}){_set_clause('n', rest)}"


def node_rows(node: NodeKind, frame: pd.DataFrame) -> list[dict]:
    keys = column_values(frame[node.key_column], node.properties[node.key_column].type)
    rest = [p for p in node.properties.values() if p.name != node.key_column]
    return [{"k": k, **pd_} for k, pd_ in zip(keys, _split(rest, frame), strict=True)]


def ref_delete(schema: Schema, node: NodeKind, prop: Property) -> str:
    """Delete the reference relationship where the column now names another node (or none)."""
    target = schema.nodes[prop.ref]
    return (f"UNWIND $rows AS row MATCH (a:{safe_name(node.label)} {{{safe_name(node.key_column)}: row.a}})"
            f"-[old:{safe_name(prop.rel)}]->(x:{safe_name(target.label)}) "
            f"WHERE row.b IS NULL OR x.{safe_name(target.key_column)} <> row.b DELETE old")


def ref_merge(schema: Schema, node: NodeKind, prop: Property) -> str:
    target = schema.nodes[prop.ref]
    return (f"UNWIND $rows AS row MATCH (a:{safe_name(node.label)} {{{safe_name(node.key_column)}: row.a}}) "
            f"MATCH (b:{safe_name(target.label)} {{{safe_name(target.key_column)}: row.b}}) "
            f"MERGE (a)-[:{safe_name(prop.rel)}]->(b)")


def ref_rows(node: NodeKind, prop: Property, frame: pd.DataFrame) -> list[dict]:
    keys = column_values(frame[node.key_column], node.properties[node.key_column].type)
    refs = column_values(frame[prop.name], prop.type)
    return [{"a": a, "b": b} for a, b in zip(keys, refs, strict=True)]


# -------------------------------------------------------------------------------------- relationships
def _rel_key_props(rel: RelTable) -> list[Property]:
    props = [rel.properties[k] for k in rel.key if k not in (rel.start.column, rel.end.column)]
    for p in props:
        if not p.required:  # MERGE cannot match on a null property value
            raise ValueError(f"relationship table {rel.name}: key column {p.name} must be required")
    return props


def rel_pattern(schema: Schema, rel: RelTable, var: str = "r", *, merge: bool = False) -> str:
    """``(a:Start)-[r:TYPE]->(b:End)``; with ``merge``, ends keyed by row.a / row.b and key properties."""
    start, end = schema.nodes[rel.start.kind], schema.nodes[rel.end.kind]
    if not merge:
        return (f"(a:{safe_name(start.label)})-[{var}:{safe_name(rel.type)}]->(b:{safe_name(end.label)})")
    keys = [f"{safe_name(p.name)}: date(row.kd.{p.name})" if p.type == "date" else
            f"{safe_name(p.name)}: row.kp.{p.name}" for p in _rel_key_props(rel)]
    if needs_marker(schema, rel):
        keys.insert(0, f"{TABLE_MARKER}: $table")
    props = f" {{{', '.join(keys)}}}" if keys else ""
    return (f"MATCH (a:{safe_name(start.label)} {{{safe_name(start.key_column)}: row.a}}) "
            f"MATCH (b:{safe_name(end.label)} {{{safe_name(end.key_column)}: row.b}}) "
            f"MERGE (a)-[{var}:{safe_name(rel.type)}{props}]->(b)")


def rel_merge(schema: Schema, rel: RelTable) -> str:
    keyed = {p.name for p in _rel_key_props(rel)}
    rest = [rel.properties[c] for c in rel.property_columns if c not in keyed]
    return f"UNWIND $rows AS row {rel_pattern(schema, rel, merge=True)}{_set_clause('r', rest)}"


def rel_rows(rel: RelTable, frame: pd.DataFrame) -> list[dict]:
    a = column_values(frame[rel.start.column], rel.properties[rel.start.column].type)
    b = column_values(frame[rel.end.column], rel.properties[rel.end.column].type)
    keyprops = _rel_key_props(rel)
    keyed = {p.name for p in keyprops}
    rest = [rel.properties[c] for c in rel.property_columns if c not in keyed]
    kp = _split(keyprops, frame)
    body = _split(rest, frame)
    return [{"a": a[i], "b": b[i], "kp": kp[i]["p"], "kd": kp[i]["d"], **body[i]} for i in range(len(frame))]


# ------------------------------------------------------------------------------------ pulls and counts
def _where_marker(schema: Schema, rel: RelTable) -> str:
    return f" WHERE r.{TABLE_MARKER} = $table" if needs_marker(schema, rel) else ""


def pull(schema: Schema, table: str, where: str | None = None) -> str:
    """The whole table, one column per schema property, in schema order.

    ``where`` (a predicate over ``n``, or ``a``, ``r``, ``b`` for a relationship table, with values only
    as parameters) narrows it: native analyses use that to fetch only the rows they need.
    """
    if table in schema.relationships:
        rel = schema.relationships[table]
        start, end = schema.nodes[rel.start.kind], schema.nodes[rel.end.kind]
        cols = []
        for c in rel.properties:
            src = (f"a.{safe_name(start.key_column)}" if c == rel.start.column else
                   f"b.{safe_name(end.key_column)}" if c == rel.end.column else f"r.{safe_name(c)}")
            cols.append(f"{src} AS {safe_name(c)}")
        cond = " AND ".join(c for c in (_where_marker(schema, rel)[7:], where) if c)
        cond = f" WHERE {cond}" if cond else ""
        return f"MATCH {rel_pattern(schema, rel)}{cond} RETURN {', '.join(cols)}"
    node = schema.node_by_table(table)
    cols = ", ".join(f"n.{safe_name(c)} AS {safe_name(c)}" for c in node.properties)
    cond = f" WHERE {where}" if where else ""
    return f"MATCH (n:{safe_name(node.label)}){cond} RETURN {cols}"


def count(schema: Schema, table: str) -> str:
    if table in schema.relationships:
        rel = schema.relationships[table]
        return f"MATCH {rel_pattern(schema, rel)}{_where_marker(schema, rel)} RETURN count(r) AS n"
    return f"MATCH (n:{safe_name(schema.node_by_table(table).label)}) RETURN count(n) AS n"


def table_params(schema: Schema, table: str) -> dict:
    """Parameters a pull / count / merge of ``table`` needs besides ``rows``."""
    rel = schema.relationships.get(table)
    return {"table": table} if rel is not None and needs_marker(schema, rel) else {}


# ------------------------------------------------------------------------------ load runs and wiping
LOADRUN_START = (f"CREATE (r:{LOADRUN_LABEL} {{{LOADRUN_KEY}: $run_id, tool: $tool, status: $status, "
                 "started: $started, sources: $sources, schema_version: $schema_version})")
LOADRUN_FINISH = (f"MATCH (r:{LOADRUN_LABEL} {{{LOADRUN_KEY}: $run_id}}) SET r.status = $status, "
                  "r.finished = $finished, r.rows = $rows, r.counts = $counts, r.error = $error")
LOADRUN_COLUMNS = ["run_id", "status", "started", "finished", "sources", "rows", "counts", "error"]
LOADRUN_LIST = (f"MATCH (r:{LOADRUN_LABEL}) RETURN r.{LOADRUN_KEY} AS run_id, r.status AS status, "
                "r.started AS started, r.finished AS finished, r.sources AS sources, r.rows AS rows, "
                "r.counts AS counts, r.error AS error ORDER BY started DESC")


def wipe(label: str) -> str:
    """Delete up to $limit nodes of one label (and their relationships); repeat until it returns 0."""
    return f"MATCH (n:{safe_name(label)}) WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"


def wipe_labels(schema: Schema) -> list[str]:
    """Labels this tool writes: the schema's node labels and its load-run records, nothing else."""
    return [*schema.nodes, LOADRUN_LABEL]


# ------------------------------------------------------------------------------------ native analyses
@dataclass(frozen=True)
class NativeQuery:
    """A read query of a native analysis: one text for every dialect unless ``texts`` overrides one."""

    id: str
    text: str
    parameters: dict
    texts: dict = field(default_factory=dict)

    def for_dialect(self, dialect: str) -> str:
        return self.texts.get(dialect, self.text)


NATIVE_QUERIES: dict[str, NativeQuery] = {}


def native_query(id: str, text: str, parameters: dict, texts: dict | None = None) -> NativeQuery:
    """Register a native analysis query so the linter checks exactly the text that runs."""
    overrides = {k: " ".join(v.split()) for k, v in (texts or {}).items()}
    q = NativeQuery(id, " ".join(text.split()), parameters, overrides)
    NATIVE_QUERIES[id] = q
    return q


# --------------------------------------------------------------------------------- the full catalogue
def _example(prop: Property):
    return {"str": "x", "int": 1, "float": 0.5, "bool": True, "date": "2024-09-01"}[prop.type]


def all_statements(schema: Schema, dialect: str) -> list[Statement]:
    """Every statement sendgraph can send for ``schema`` at ``dialect`` (for the linter and fake driver)."""
    from graphmodel.server.dialect import DIALECTS

    out = [Statement(f"ddl:{i}", q) for i, q in enumerate(DIALECTS[dialect].schema_ddl(schema))]
    for node in schema.nodes.values():
        row = {"k": _example(node.properties[node.key_column]), "p": {}, "d": {}}
        out.append(Statement(f"merge:{node.name}", node_merge(node), {"rows": [row]}))
        for prop in node.references:
            ref = {"a": row["k"], "b": "x"}
            name = f"{node.name}.{prop.name}"
            out.append(Statement(f"refdel:{name}", ref_delete(schema, node, prop), {"rows": [ref]}))
            out.append(Statement(f"ref:{name}", ref_merge(schema, node, prop), {"rows": [ref]}))
    for name, rel in schema.relationships.items():
        extra = table_params(schema, name)
        out.append(Statement(f"merge:{name}", rel_merge(schema, rel), {"rows": [], **extra}))
    for name in schema.tables:
        out.append(Statement(f"pull:{name}", pull(schema, name), table_params(schema, name)))
        out.append(Statement(f"count:{name}", count(schema, name), table_params(schema, name)))
    out.append(Statement("loadrun:start", LOADRUN_START,
                         {"run_id": "x", "tool": "sendgraph", "status": "running", "started": "x",
                          "sources": ["x"], "schema_version": 1}))
    out.append(Statement("loadrun:finish", LOADRUN_FINISH, {
        "run_id": "x", "status": "complete", "finished": "x", "rows": 1, "counts": "{}", "error": None}))
    out.append(Statement("loadrun:list", LOADRUN_LIST))
    for label in wipe_labels(schema):
        out.append(Statement(f"wipe:{label}", wipe(label), {"limit": 10000}))
    for q in NATIVE_QUERIES.values():
        out.append(Statement(f"native:{q.id}", q.for_dialect(dialect), q.parameters))
    return out
