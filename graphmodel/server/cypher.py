"""Every Cypher statement sendgraph sends to a server, derived from the schema, with the row shapes they take.

Why derived: the schema (``schema.toml``) is the one declaration of labels, types, keys and columns,
so loading, pulling and counting statements are generated from it rather than written per table. Labels,
relationship types and property names are interpolated ONLY from the schema and each is asserted to
be a plain identifier (:func:`safe_name`); every value, from any input, travels as a parameter.

Statement shapes (the same text on Neo4j and FalkorDB; differences are in ``dialect.py``):

* node table ``UNWIND $rows AS row MERGE (n:Label {key: row[0]}) SET n.a = row[1], n.d = date(row[2])``;
* a node table's reference column (schema ``rel``, e.g. School.la_code -> IN_LA) also becomes a
  relationship: stale ones are deleted, the current one MERGEd between the two MATCHed ends;
* relationship table ``UNWIND $rows AS g MATCH (b:End {k: g[0]}) UNWIND g[1] AS row MATCH (a:Start
  {k: row[0]}) MERGE (a)-[r:TYPE {key columns: row[2], ...}]->(b) SET r.x = row[i], ...`` with label
  and key on both ends, rows grouped by one end so it is looked up once per group (either end:
  :func:`group_side`);
* every load statement also has a CREATE twin, used for rows whose key the graph does not hold yet
  (the load diffs against a fresh pull first): no per-row lookup of an existing node or edge, which
  is most of what a MERGE costs the server. MERGE stays for everything else, so re-runs and repairs
  are idempotent;

Rows are positional lists (``row[0]``, ``row[1]``, ...), not maps: half the bytes to send and to parse.
* pulls ``MATCH ... RETURN n.col AS col, ...`` give back whole tables.

Relationship tables that share a type (MEMBER_OF for school and person memberships, HAS_NEED for
four tables) are told apart by their end labels; if two tables ever shared start label, type AND end
label, a ``_table`` property is stored on the relationship and matched on (:func:`needs_marker`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter

import pandas as pd

from graphmodel import derived
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


def _value(prop: Property, index: int) -> str:
    """``row[i]``, or ``date(row[i])`` for a date column (dates travel as ISO strings)."""
    return f"date(row[{index}])" if prop.type == "date" else f"row[{index}]"


def _set_clause(var: str, props: list[Property], first: int) -> str:
    """`` SET var.a = row[first], var.d = date(row[first + 1])`` for the non-key columns.

    Property by property, not ``SET var += map``: a null leaves (or makes) the property absent on both
    servers, exactly like a blank cell in the embedded store, and rows stay positional lists.
    """
    parts = [f"{var}.{safe_name(p.name)} = {_value(p, i)}" for i, p in enumerate(props, first)]
    return f" SET {', '.join(parts)}" if parts else ""


def _rows(columns: list[list]) -> list[list]:
    """Column lists to row lists (positional rows: what the statements index as ``row[i]``)."""
    return [list(r) for r in zip(*columns, strict=True)]


def _values(props: list[Property], frame: pd.DataFrame) -> list[list]:
    return [column_values(frame[p.name], p.type) for p in props]


# ---------------------------------------------------------------------------------------------- nodes
def _node_rest(node: NodeKind) -> list[Property]:
    return [p for p in node.properties.values() if p.name != node.key_column]


def node_merge(node: NodeKind) -> str:
    """Upsert on the key: for rows whose key the graph may already hold (changed rows, repairs)."""
    label, key = safe_name(node.label), safe_name(node.key_column)
    return f"UNWIND $rows AS row MERGE (n:{label} {{{key}: row[0]}}){_set_clause('n', _node_rest(node), 1)}"


def _inline(props: list[Property], first: int) -> str:
    """``a: row[first], d: date(row[first + 1])``: properties written inside a CREATE pattern.

    Why inline and not ``SET``: FalkorDB then builds each node or relationship with its properties in
    one step instead of creating it bare and updating it (measured: node CREATE twice as fast). A
    null in a CREATE map makes no property on both servers, exactly like a blank cell."""
    return ", ".join(f"{safe_name(p.name)}: {_value(p, i)}" for i, p in enumerate(props, first))


def node_create(node: NodeKind) -> str:
    """Plain CREATE for rows whose key the graph does not hold (the load diffed against a fresh pull):
    no per-row index probe for an existing node. The key's uniqueness constraint still refuses a
    duplicate if that ever went wrong."""
    label = safe_name(node.label)
    props = _inline([node.properties[node.key_column], *_node_rest(node)], 0)
    return f"UNWIND $rows AS row CREATE (n:{label} {{{props}}})"


def node_rows(node: NodeKind, frame: pd.DataFrame) -> list[list]:
    """``[key, *other columns in schema order]`` per row."""
    return _rows(_values([node.properties[node.key_column], *_node_rest(node)], frame))


def _ref_ends(schema: Schema, node: NodeKind, prop: Property) -> str:
    target = schema.nodes[prop.ref]
    return (
        f"MATCH (a:{safe_name(node.label)} {{{safe_name(node.key_column)}: row[0]}}) "
        f"MATCH (b:{safe_name(target.label)} {{{safe_name(target.key_column)}: row[1]}})"
    )


def ref_delete(schema: Schema, node: NodeKind, prop: Property) -> str:
    """Delete the reference relationship where the column now names another node (or none)."""
    target = schema.nodes[prop.ref]
    return (
        f"UNWIND $rows AS row MATCH (a:{safe_name(node.label)} {{{safe_name(node.key_column)}: row[0]}})"
        f"-[old:{safe_name(prop.rel)}]->(x:{safe_name(target.label)}) "
        f"WHERE row[1] IS NULL OR x.{safe_name(target.key_column)} <> row[1] DELETE old"
    )


def ref_merge(schema: Schema, node: NodeKind, prop: Property) -> str:
    return f"UNWIND $rows AS row {_ref_ends(schema, node, prop)} MERGE (a)-[:{safe_name(prop.rel)}]->(b)"


def ref_create(schema: Schema, node: NodeKind, prop: Property) -> str:
    """The reference link of a node this load created (it cannot have one yet)."""
    return f"UNWIND $rows AS row {_ref_ends(schema, node, prop)} CREATE (a)-[:{safe_name(prop.rel)}]->(b)"


def ref_rows(node: NodeKind, prop: Property, frame: pd.DataFrame) -> list[list]:
    """``[node key, referenced key or None]`` per row."""
    return _rows(_values([node.properties[node.key_column], prop], frame))


# -------------------------------------------------------------------------------------- relationships
def _rel_key_props(rel: RelTable) -> list[Property]:
    props = [rel.properties[k] for k in rel.key if k not in (rel.start.column, rel.end.column)]
    for p in props:
        if not p.required:  # MERGE cannot match on a null property value
            raise ValueError(f"relationship table {rel.name}: key column {p.name} must be required")
    return props


def _rel_rest(rel: RelTable) -> list[Property]:
    keyed = {p.name for p in _rel_key_props(rel)}
    return [rel.properties[c] for c in rel.property_columns if c not in keyed]


def rel_pattern(
    schema: Schema, rel: RelTable, var: str = "r", *, write: str | None = None, outer: str = "end"
) -> str:
    """``(a:Start)-[r:TYPE]->(b:End)``; with ``write`` (MERGE or CREATE), the write of a batch of groups.

    The batch is ``[[outer key, [row, ...]], ...]``: the ``outer`` end ("end" or "start") is looked up
    once per group (``g[0]``), the other end once per row; each row is ``[start key, end key, *key
    properties, *other columns]`` and the relationship is written with its key properties (row[2], ...).
    Why groups: most tables hang many rows off few nodes (120k posts on 1,100 schools), so this halves
    the index lookups, and FalkorDB's lookups on an integer key (School.urn) cost ~6x a string's.
    """
    start, end = schema.nodes[rel.start.kind], schema.nodes[rel.end.kind]
    if write is None:
        return f"(a:{safe_name(start.label)})-[{var}:{safe_name(rel.type)}]->(b:{safe_name(end.label)})"
    assert write in ("MERGE", "CREATE") and outer in GROUP_SIDES
    keyed = _rel_key_props(rel) + (_rel_rest(rel) if write == "CREATE" else [])  # CREATE: all inline
    keys = [f"{safe_name(p.name)}: {_value(p, i)}" for i, p in enumerate(keyed, 2)]
    if needs_marker(schema, rel):
        keys.insert(0, f"{TABLE_MARKER}: $table")
    props = f" {{{', '.join(keys)}}}" if keys else ""
    a_key = f"{{{safe_name(start.key_column)}: {'g[0]' if outer == 'start' else 'row[0]'}}}"
    b_key = f"{{{safe_name(end.key_column)}: {'g[0]' if outer == 'end' else 'row[1]'}}}"
    match_a = f"MATCH (a:{safe_name(start.label)} {a_key})"
    match_b = f"MATCH (b:{safe_name(end.label)} {b_key})"
    first, second = (match_b, match_a) if outer == "end" else (match_a, match_b)
    return f"{first} UNWIND g[1] AS row {second} {write} (a)-[{var}:{safe_name(rel.type)}{props}]->(b)"


GROUP_SIDES = ("end", "start")


def _rel_write(schema: Schema, rel: RelTable, write: str, outer: str) -> str:
    rest = "" if write == "CREATE" else _set_clause("r", _rel_rest(rel), 2 + len(_rel_key_props(rel)))
    return f"UNWIND $rows AS g {rel_pattern(schema, rel, write=write, outer=outer)}{rest}"


def rel_merge(schema: Schema, rel: RelTable, outer: str = "end") -> str:
    """Upsert on (start, end, key properties): for rows the graph may already hold."""
    return _rel_write(schema, rel, "MERGE", outer)


def rel_create(schema: Schema, rel: RelTable, outer: str = "end") -> str:
    """Plain CREATE for rows whose key the graph does not hold: no scan of the start node's edges."""
    return _rel_write(schema, rel, "CREATE", outer)


def rel_rows(rel: RelTable, frame: pd.DataFrame) -> list[list]:
    """``[start key, end key, *key properties, *other columns]`` per row."""
    ends = [rel.properties[rel.start.column], rel.properties[rel.end.column]]
    return _rows(_values([*ends, *_rel_key_props(rel), *_rel_rest(rel)], frame))


def group_side(schema: Schema, rel: RelTable, frame: pd.DataFrame) -> str:
    """Which end to look up once per group: the one that makes fewer, cheaper index lookups.

    Lookups = groups on the outer end + one per row on the other; an integer key counts 6 (measured
    on FalkorDB 4.16: a range-index probe on School.urn ~16 us, on a string key ~3 us)."""

    def cost(kind: str) -> int:
        node = schema.nodes[kind]
        return 6 if node.properties[node.key_column].type == "int" else 1

    start, end = rel.start, rel.end
    by_end = frame[end.column].nunique() * cost(end.kind) + len(frame) * cost(start.kind)
    by_start = frame[start.column].nunique() * cost(start.kind) + len(frame) * cost(end.kind)
    return "start" if by_start < by_end else "end"


def grouped_batches(rows: list[list], outer: str, size: int) -> Iterator[list[list]]:
    """Batches of at most ``size`` rows as ``[[outer key, [row, ...]], ...]`` (rows sorted by that key,
    so a node's rows sit in as few groups as the batch size allows)."""
    col = 1 if outer == "end" else 0
    ordered = sorted(rows, key=itemgetter(col))
    for i in range(0, len(ordered), size):
        yield [[k, list(g)] for k, g in groupby(ordered[i : i + size], key=itemgetter(col))]


# ------------------------------------------------------------------------------------ pulls and counts
def _where_marker(schema: Schema, rel: RelTable) -> str:
    return f" WHERE r.{TABLE_MARKER} = $table" if needs_marker(schema, rel) else ""


def pull(schema: Schema, table: str, where: str | None = None, derived: bool | None = None) -> str:
    """The whole table, one column per schema property, in schema order.

    ``where`` (a predicate over ``n``, or ``a``, ``r``, ``b`` for a relationship table, with values only
    as parameters) narrows it: native analyses use that to fetch only the rows they need. Derived
    columns (schema.toml ``derived``) come with a whole-table pull; a narrowed pull leaves them out
    (they read back blank) unless ``derived`` asks for them, so natives fetch what they use only.
    """
    if derived is None:
        derived = where is None
    if table in schema.relationships:
        rel = schema.relationships[table]
        start, end = schema.nodes[rel.start.kind], schema.nodes[rel.end.kind]
        cols = []
        for c in rel.properties:
            if rel.properties[c].derived and not derived:
                continue
            src = (
                f"a.{safe_name(start.key_column)}"
                if c == rel.start.column
                else f"b.{safe_name(end.key_column)}"
                if c == rel.end.column
                else f"r.{safe_name(c)}"
            )
            cols.append(f"{src} AS {safe_name(c)}")
        cond = " AND ".join(c for c in (_where_marker(schema, rel)[7:], where) if c)
        cond = f" WHERE {cond}" if cond else ""
        return f"MATCH {rel_pattern(schema, rel)}{cond} RETURN {', '.join(cols)}"
    node = schema.node_by_table(table)
    cols = ", ".join(
        f"n.{safe_name(c)} AS {safe_name(c)}" for c, p in node.properties.items() if derived or not p.derived
    )
    cond = f" WHERE {where}" if where else ""
    return f"MATCH (n:{safe_name(node.label)}){cond} RETURN {cols}"


PAGE_KEY = "_page_key"
PAGE_ROWS = 50_000
"""Rows per page of a paged read: well under a second of server time on 2 cores, so far below any
server's default query timeout (FalkorDB ``TIMEOUT``, Neo4j ``db.transaction.timeout``)."""


def returned_names(text: str) -> list[str]:
    """The names a statement's last RETURN gives its columns (the ``AS`` aliases; an expression
    without one is its own name), the expressions split on top-level commas only: what a caller
    names the rows of a read by when the server sends no header (an empty FalkorDB graph)."""
    body, depth, part, parts = text.rsplit(" RETURN ", 1)[1], 0, "", []
    for ch in body:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append(part)
            part = ""
        else:
            part += ch
    return [p.rsplit(" AS ", 1)[-1].strip() for p in [*parts, part]]


def page_side(schema: Schema, table: str, side: str = "start") -> NodeKind:
    """The node kind a paged read of ``table`` walks in key order (the table's own, or one end)."""
    if table in schema.relationships:
        rel = schema.relationships[table]
        return schema.nodes[rel.start.kind if side == "start" else rel.end.kind]
    return schema.node_by_table(table)


def pull_page(schema: Schema, table: str, where: str | None = None, side: str = "start") -> str:
    """One page of :func:`pull`: the same columns plus ``_page_key``, for the nodes at positions
    ``$skip`` to ``$skip + $page`` in key order (a stable order on both servers: keys are unique).

    A node table's page is its rows (filter, then order and page: a short page is the last). A
    relationship table is paged over the nodes of one end (``side``): ``$page`` of them, then an
    OPTIONAL MATCH of their relationships, so every node of the page returns at least one row (blank
    apart from ``_page_key`` when it has none) and the caller can count the page's nodes.

    Why SKIP / LIMIT and not a keyset (``WHERE key > $after``): FalkorDB 4.16's range index answers
    ``>`` on strings in a different order from its ORDER BY (``n.k > 'UNIS_MQ_VI'`` skips
    ``UNIS_PGCERT_SEN``: found by tests/test_server_paging.py), so a keyset silently loses rows there.
    """
    if table in schema.relationships:
        node = page_side(schema, table, side)
        var = "a" if side == "start" else "b"
        key = f"{var}.{safe_name(node.key_column)}"
        body = pull(schema, table, where).split(" RETURN ", 1)
        match = body[0][len("MATCH ") :]
        return (
            f"MATCH ({var}:{safe_name(node.label)}) WITH {var} ORDER BY {key} SKIP $skip LIMIT $page "
            f"OPTIONAL MATCH {match} RETURN {key} AS {PAGE_KEY}, {body[1]}"
        )
    node = schema.node_by_table(table)
    key = f"n.{safe_name(node.key_column)}"
    cond = f" WHERE {where}" if where else ""
    cols = ", ".join(f"n.{safe_name(c)} AS {safe_name(c)}" for c in node.properties)
    return (
        f"MATCH (n:{safe_name(node.label)}){cond} RETURN {key} AS {PAGE_KEY}, {cols} "
        f"ORDER BY {key} SKIP $skip LIMIT $page"
    )


def derived_tables(schema: Schema) -> list[str]:
    """Relationship tables with derived columns: a load reads the stored rows of the people it touches."""
    return [n for n, rel in schema.relationships.items() if rel.derived_columns]


def rows_of_people(schema: Schema, name: str) -> str:
    """Every row of relationship table ``name`` (derived columns included) whose start node's key is
    in ``$ids``: what a load reads to recompute the derived columns of the people it touches."""
    return rows_by(schema, name, schema.relationships[name].start.column)


def rows_by(schema: Schema, name: str, column: str) -> str:
    """Every row of table ``name`` (derived columns included) whose ``column`` is in ``$ids``:
    ``column`` is a node table's key or a relationship table's start or end column (a node key,
    looked up by the node's index). What a load reads of the rows a derived set recomputes from."""
    if name in schema.relationships:
        rel = schema.relationships[name]
        if column not in (rel.start.column, rel.end.column):
            raise ValueError(f"{name}.{column} is neither end of the relationship")
        side, kind = ("a", rel.start.kind) if column == rel.start.column else ("b", rel.end.kind)
        key = schema.nodes[kind].key_column
        return pull(schema, name, f"{side}.{safe_name(key)} IN $ids", derived=True)
    node = schema.node_by_table(name)
    if column != node.key_column:
        raise ValueError(f"{name}.{column} is not the key of {node.label}")
    return pull(schema, name, f"n.{safe_name(column)} IN $ids", derived=True)


def underived(schema: Schema, table: str, columns: list[str]) -> str:
    """``1`` if a stored row of node table ``table`` has none of ``columns`` (derived: a graph loaded
    before they existed), else ``0``; stops at the first such row."""
    node = schema.node_by_table(table)
    blank = " AND ".join(f"n.{safe_name(c)} IS NULL" for c in columns)
    return f"MATCH (n:{safe_name(node.label)}) WHERE {blank} WITH n LIMIT 1 RETURN count(n) AS n"


def unmarked(schema: Schema, table: str, column: str) -> str:
    """Whether one stored row of ``table`` (any: a graph's rows are all from one sendgraph, since a
    load into an older graph is refused) lacks derived ``column``; no row when the table is empty."""
    if table in schema.relationships:
        rel = schema.relationships[table]
        return (
            f"MATCH {rel_pattern(schema, rel)}{_where_marker(schema, rel)} WITH r LIMIT 1 "
            f"RETURN r.{safe_name(column)} IS NULL AS old"
        )
    label = safe_name(schema.node_by_table(table).label)
    return f"MATCH (n:{label}) WITH n LIMIT 1 RETURN n.{safe_name(column)} IS NULL AS old"


def derived_lookups(schema: Schema) -> list[tuple[str, str]]:
    """``(table, column)`` of every :func:`rows_by` a load may run for the derived sets ``schema``
    declares beyond :func:`rows_of_people` (sets with inputs: their output nodes by key, their
    inputs by group or by link column)."""
    names = {p.derived for t in schema.tables.values() for p in t.properties.values() if p.derived}
    out: list[tuple[str, str]] = []
    for dset in (derived.DERIVERS[n] for n in sorted(names)):
        if not dset.inputs:
            continue
        linked = {t: c for t, c, _via in dset.links}
        out += [(t, dset.group) for t in dset.reads if t not in linked]
        out += [(t, c) for t, c in linked.items()]
        out += [(via, c) for _t, c, via in dset.links]
    return list(dict.fromkeys(out))


def label_count(node: NodeKind) -> str:
    return f"MATCH (n:{safe_name(node.label)}) RETURN count(n) AS n"


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
LOADRUN_START = (
    f"CREATE (r:{LOADRUN_LABEL} {{{LOADRUN_KEY}: $run_id, tool: $tool, status: $status, "
    "started: $started, sources: $sources, schema_version: $schema_version})"
)
LEASE_STATES = {"running": "running", "abandoned": "abandoned"}
"""Parameters every lease statement takes (statements carry no string literals)."""
LEASE_TAKE = (
    f"OPTIONAL MATCH (o:{LOADRUN_LABEL} {{status: $running}}) WITH count(o) AS busy WHERE busy = 0 "
    f"CREATE (r:{LOADRUN_LABEL} {{{LOADRUN_KEY}: $run_id, tool: $tool, status: $running, "
    "started: $started, heartbeat: $started, host: $host, pid: $pid, sources: [], "
    f"schema_version: $schema_version}}) RETURN r.{LOADRUN_KEY} AS run_id"
)
"""The load lease, taken in one statement (atomic on FalkorDB, one transaction on Neo4j): a new
"running" LoadRun is created only if no other LoadRun is running."""
LEASE_HOLDERS = (
    f"MATCH (r:{LOADRUN_LABEL} {{status: $running}}) RETURN r.{LOADRUN_KEY} AS run_id, "
    "r.started AS started, r.heartbeat AS heartbeat, r.host AS host, r.pid AS pid"
)
LEASE_BEAT = f"MATCH (r:{LOADRUN_LABEL} {{{LOADRUN_KEY}: $run_id}}) SET r.heartbeat = $now"
LEASE_ABANDON = (
    f"MATCH (r:{LOADRUN_LABEL} {{{LOADRUN_KEY}: $run_id, status: $running}}) "
    "SET r.status = $abandoned, r.finished = $now, r.error = $error"
)
LEASE_DROP = f"MATCH (r:{LOADRUN_LABEL} {{{LOADRUN_KEY}: $run_id, status: $running}}) DELETE r"
LOADRUN_FINISH = (
    f"MATCH (r:{LOADRUN_LABEL} {{{LOADRUN_KEY}: $run_id}}) SET r.status = $status, "
    "r.finished = $finished, r.rows = $rows, r.counts = $counts, r.error = $error, r.sources = $sources"
)
LOADRUN_COLUMNS = ["run_id", "status", "started", "finished", "sources", "rows", "counts", "error"]
LOADRUN_LIST = (
    f"MATCH (r:{LOADRUN_LABEL}) RETURN r.{LOADRUN_KEY} AS run_id, r.status AS status, "
    "r.started AS started, r.finished AS finished, r.sources AS sources, r.rows AS rows, "
    "r.counts AS counts, r.error AS error ORDER BY started DESC"
)


# ------------------------------------------------------------------- a first load by GRAPH.BULK
BULK_DATA_PRESENT = f"MATCH (n) WHERE NOT n:{LOADRUN_LABEL} WITH n LIMIT 1 RETURN count(n) AS n"
"""1 if the graph holds any node besides LoadRun records (then a load never takes the bulk route)."""
BULK_LEASE_HELD = (
    f"MATCH (r:{LOADRUN_LABEL} {{{LOADRUN_KEY}: $run_id, status: $running}}) RETURN count(r) AS n"
)
LOADRUN_PROPERTIES = f"MATCH (r:{LOADRUN_LABEL}) RETURN properties(r) AS p"
LOADRUN_COPY = f"UNWIND $runs AS p CREATE (r:{LOADRUN_LABEL}) SET r += p"
"""The load records (and the running lease) copied into the bulk-built graph before it is swapped in."""
BULK_IDS = "MATCH (n) WHERE id(n) IN $ids RETURN id(n) AS id, labels(n) AS labels"
"""FalkorDB only (never sent to Neo4j, so not in :func:`all_statements`: Neo4j 5 deprecates ``id()``):
the labels of the nodes at given internal ids, to check a bulk build gave each node the id its
relationships were encoded with."""


def bulk_dates(schema: Schema, sizes: dict[str, int] | None = None) -> list[tuple[str, dict]]:
    """Statements (with parameters) turning the ISO strings a bulk load stores into native dates.

    GRAPH.BULK has no date type; after it, one SET per label / relationship pattern with date
    properties makes the graph hold exactly what ``CREATE ... date(row[i])`` writes (``date(null)`` is
    null, and setting null on an absent property leaves it absent).

    ``sizes`` (nodes per node kind): where only one table makes a relationship type, only its end
    with fewer nodes is labelled, so FalkorDB scans that label and follows the edges without
    checking the other end's label (both labelled, it checked 2.6M Person ends of posts; none
    labelled, it scanned every node of the graph for 14 role requirements)."""
    by_table = bulk_dates_by_table(schema, sizes)
    return [statement for statements in by_table.values() for statement in statements]


def bulk_dates_by_table(
    schema: Schema, sizes: dict[str, int] | None = None
) -> dict[str, list[tuple[str, dict]]]:
    """:func:`bulk_dates` by the table whose rows each statement converts (each matches exactly
    that table's nodes or relationships), so a bulk load can run one as soon as its table is in."""
    sizes = sizes or {}

    def side(rel: RelTable) -> str:
        return "start" if sizes.get(rel.start.kind, 0) <= sizes.get(rel.end.kind, 0) else "end"

    out: dict[str, list[tuple[str, dict]]] = {}
    for table, query, params in _bulk_dates(schema, side):
        out.setdefault(table, []).append((query, params))
    return out


def _bulk_dates(schema: Schema, side) -> list[tuple[str, str, dict]]:
    out = []
    for node in schema.nodes.values():
        dates = [safe_name(p.name) for p in node.properties.values() if p.type == "date"]
        if dates:
            sets = ", ".join(f"n.{d} = date(n.{d})" for d in dates)
            out.append((node.name, f"MATCH (n:{safe_name(node.label)}) SET {sets}", {}))
    types = _type_makers(schema)
    for name, rel in schema.relationships.items():
        sets = _date_sets(rel)
        if not sets:
            continue
        pattern = rel_pattern(schema, rel)
        if types[rel.type] == 1:
            start, end = schema.nodes[rel.start.kind], schema.nodes[rel.end.kind]
            kind = safe_name(rel.type)
            if side(rel) == "start":
                pattern = f"(a:{safe_name(start.label)})-[r:{kind}]->(b)"
            else:
                pattern = f"(a)-[r:{kind}]->(b:{safe_name(end.label)})"
        out.append(
            (name, f"MATCH {pattern}{_where_marker(schema, rel)} SET {sets}", table_params(schema, name))
        )
    return out


BULK_DATE_RANGE = ("start_lo", "start_hi")
"""The parameters of :func:`bulk_dates_ranged`: the start nodes' ids, lo <= id < hi."""


def bulk_dates_ranged(schema: Schema) -> dict[str, list[tuple[str, dict]]]:
    """A relationship table's :func:`bulk_dates` for the edges from a range of start-node ids
    (:data:`BULK_DATE_RANGE`), scanning the start label by id ("Node By Label and ID Scan" on
    FalkorDB), by table.

    Why: a bulk load sending a big table in many calls can convert each call's edges while the client
    builds the next (:meth:`graphmodel.server.bulk.Plan.table_tokens` sends them in start-node order
    and gives each call its range). The posts' one SET over 2.6M edges took ~21 s of the server's
    time at the end of a national load, the client idle; in ranges of ~100k edges the server
    converts each while the client encodes the next, and all of them cost less (~18 s: smaller
    pending-update tables). Worth it only where a start node has several edges (posts: 2.6 per
    person); for sparser tables the scan of every start node costs more than it saves (attendance:
    3.7 s in ranges vs 2.8 s once from the activities' side). FalkorDB only: the bulk route is
    FalkorDB's, and ``id()`` is deprecated in Neo4j 5, so the linter leaves these out."""
    types = _type_makers(schema)
    lo, hi = BULK_DATE_RANGE
    out: dict[str, list[tuple[str, dict]]] = {}
    for name, rel in schema.relationships.items():
        sets = _date_sets(rel)
        if not sets:
            continue
        pattern = rel_pattern(schema, rel)
        if types[rel.type] == 1:  # only this table makes the type: the end's label need not be checked
            pattern = f"(a:{safe_name(schema.nodes[rel.start.kind].label)})-[r:{safe_name(rel.type)}]->(b)"
        where = f" WHERE id(a) >= ${lo} AND id(a) < ${hi}"
        if needs_marker(schema, rel):
            where += f" AND r.{TABLE_MARKER} = $table"
        out[name] = [(f"MATCH {pattern}{where} SET {sets}", table_params(schema, name))]
    return out


def _type_makers(schema: Schema) -> Counter:
    """How many tables or reference columns make each relationship type: where only one does, a
    date statement need not check the other end's label."""
    types: Counter = Counter(r.type for r in schema.relationships.values())
    types.update(p.rel for n in schema.nodes.values() for p in n.references)
    return types


def _date_sets(rel: RelTable) -> str:
    """``r.d = date(r.d), ...`` for the date properties of ``rel`` (blank: it has none)."""
    ends = (rel.start.column, rel.end.column)
    dates = [safe_name(c) for c, p in rel.properties.items() if p.type == "date" and c not in ends]
    return ", ".join(f"r.{d} = date(r.{d})" for d in dates)


def wipe(label: str) -> str:
    """Delete up to $limit nodes of one label (and their relationships); repeat until it returns 0.

    LoadRun records are all deleted except ``$keep``, the lease of the load doing the wipe."""
    if label == LOADRUN_LABEL:
        return (
            f"MATCH (n:{LOADRUN_LABEL}) WHERE $keep IS NULL OR n.{LOADRUN_KEY} <> $keep "
            "WITH n LIMIT $limit DETACH DELETE n RETURN count(*) AS deleted"
        )
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
    table: str | None = None
    where: str | None = None

    def for_dialect(self, dialect: str) -> str:
        return self.texts.get(dialect, self.text)


NATIVE_QUERIES: dict[str, NativeQuery] = {}


def native_query(id: str, text: str, parameters: dict, texts: dict | None = None) -> NativeQuery:
    """Register a native analysis query so the linter checks exactly the text that runs."""
    overrides = {k: " ".join(v.split()) for k, v in (texts or {}).items()}
    q = NativeQuery(id, " ".join(text.split()), parameters, overrides)
    NATIVE_QUERIES[id] = q
    return q


def native_pull(id: str, schema: Schema, table: str, where: str, parameters: dict) -> NativeQuery:
    """Register a narrowed pull of ``table`` (``where`` as in :func:`pull`): the server store runs it
    in keyset pages (:func:`pull_page`) when the table is large, and the linter checks both texts."""
    where = " ".join(where.split())
    q = NativeQuery(id, " ".join(pull(schema, table, where).split()), parameters, {}, table, where)
    NATIVE_QUERIES[id] = q
    return q


# --------------------------------------------------------------------------------- the full catalogue
def _example(prop: Property):
    return {"str": "x", "int": 1, "float": 0.5, "bool": True, "date": "2024-09-01"}[prop.type]


def all_statements(schema: Schema, dialect: str) -> list[Statement]:
    """Every statement sendgraph can send for ``schema`` at ``dialect`` (for the linter and fake driver)."""
    from graphmodel.server.dialect import DIALECTS

    ddl = DIALECTS[dialect].schema_ddl(schema) + DIALECTS[dialect].property_index_ddl(schema)
    out = [Statement(f"ddl:{i}", q) for i, q in enumerate(ddl)]
    for node in schema.nodes.values():
        row = [_example(p) for p in [node.properties[node.key_column], *_node_rest(node)]]
        out.append(Statement(f"merge:{node.name}", node_merge(node), {"rows": [row]}))
        out.append(Statement(f"create:{node.name}", node_create(node), {"rows": [row]}))
        for prop in node.references:
            ref = [row[0], "x"]
            name = f"{node.name}.{prop.name}"
            out.append(Statement(f"refdel:{name}", ref_delete(schema, node, prop), {"rows": [ref]}))
            out.append(Statement(f"ref:{name}", ref_merge(schema, node, prop), {"rows": [ref]}))
            out.append(Statement(f"refnew:{name}", ref_create(schema, node, prop), {"rows": [ref]}))
    for name, rel in schema.relationships.items():
        extra = table_params(schema, name)
        for outer in GROUP_SIDES:
            for kind, build in (("merge", rel_merge), ("create", rel_create)):
                query = build(schema, rel, outer)
                out.append(Statement(f"{kind}:{name}:{outer}", query, {"rows": [], **extra}))
    for name in schema.tables:
        out.append(Statement(f"pull:{name}", pull(schema, name), table_params(schema, name)))
        page = {"skip": 0, "page": 10, **table_params(schema, name)}
        sides = ["start", "end"] if name in schema.relationships else ["start"]
        for side in sides:
            out.append(Statement(f"page:{name}:{side}", pull_page(schema, name, side=side), page))
        out.append(Statement(f"count:{name}", count(schema, name), table_params(schema, name)))
    for name in derived_tables(schema):
        params = {**table_params(schema, name), "ids": ["x"]}
        out.append(Statement(f"of-people:{name}", rows_of_people(schema, name), params))
    for dset in derived.DERIVERS.values():
        for name in (t for t in dset.tables if dset.inputs and t in schema.tables):
            cols = [p.name for p in schema.table(name).properties.values() if p.derived == dset.name]
            out.append(Statement(f"underived:{name}", underived(schema, name, cols), {}))
        for name in (t for t in dset.tables if dset.marker and t in schema.tables):
            params = table_params(schema, name)
            out.append(Statement(f"unmarked:{name}:{dset.name}", unmarked(schema, name, dset.marker), params))
    for name, column in derived_lookups(schema):
        params = {**table_params(schema, name), "ids": ["x"]}
        out.append(Statement(f"by:{name}:{column}", rows_by(schema, name, column), params))
    out.append(
        Statement(
            "loadrun:start",
            LOADRUN_START,
            {
                "run_id": "x",
                "tool": "sendgraph",
                "status": "running",
                "started": "x",
                "sources": ["x"],
                "schema_version": 1,
            },
        )
    )
    out.append(
        Statement(
            "loadrun:finish",
            LOADRUN_FINISH,
            {
                "run_id": "x",
                "status": "complete",
                "finished": "x",
                "rows": 1,
                "counts": "{}",
                "error": None,
                "sources": ["x"],
            },
        )
    )
    lease = {"run_id": "x", "tool": "sendgraph", "started": "x", "host": "h", "pid": 1, "schema_version": 1}
    out.append(Statement("lease:take", LEASE_TAKE, {**lease, **LEASE_STATES}))
    out.append(Statement("lease:holders", LEASE_HOLDERS, LEASE_STATES))
    out.append(Statement("lease:beat", LEASE_BEAT, {"run_id": "x", "now": "x"}))
    out.append(
        Statement("lease:abandon", LEASE_ABANDON, {"run_id": "x", "now": "x", "error": "x", **LEASE_STATES})
    )
    out.append(Statement("lease:drop", LEASE_DROP, {"run_id": "x", **LEASE_STATES}))
    out.append(Statement("loadrun:list", LOADRUN_LIST))
    out.append(Statement("bulk:present", BULK_DATA_PRESENT))
    out.append(Statement("bulk:lease", BULK_LEASE_HELD, {"run_id": "x", **LEASE_STATES}))
    out.append(Statement("bulk:runs", LOADRUN_PROPERTIES))
    out.append(Statement("bulk:copy", LOADRUN_COPY, {"runs": [{"run_id": "x", "status": "running"}]}))
    # BULK_IDS and bulk_dates_ranged are left out: FalkorDB-only (the one checks FalkorDB's internal
    # numbering, the other scans by it), and Neo4j's linter flags id() as deprecated; their texts
    # are fixed, with the ids as parameters
    for side in GROUP_SIDES:
        for i, (_table, query, params) in enumerate(_bulk_dates(schema, lambda _rel, side=side: side)):
            out.append(Statement(f"bulk:dates:{side}:{i}", query, params))
    for label in wipe_labels(schema):
        out.append(Statement(f"wipe:{label}", wipe(label), {"limit": 10000, "keep": None}))
    for node in schema.nodes.values():
        out.append(Statement(f"labelcount:{node.name}", label_count(node)))
    for q in NATIVE_QUERIES.values():
        out.append(Statement(f"native:{q.id}", q.for_dialect(dialect), q.parameters))
        if q.table is not None:
            page = {"skip": 0, "page": 10, **q.parameters, **table_params(schema, q.table)}
            for side in ["start", "end"] if q.table in schema.relationships else ["start"]:
                text = pull_page(schema, q.table, q.where, side)
                out.append(Statement(f"native:{q.id}:page:{side}", text, page))
    return out
