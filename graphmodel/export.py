"""Exports: GraphML (Gephi, yEd, networkx), node-link JSON (networkx, d3), the CSV bundle, and the
CSV files ``neo4j-admin database import full`` reads (the fast first load of a national graph).

Personal columns are left out unless the user asks for them, and text cells in the CSV bundle are
protected against spreadsheet formula injection.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx

from graphmodel.cells import display, neutralise_formulas
from graphmodel.errors import escape_controls
from graphmodel.graphview import full_graph
from graphmodel.server.convert import column_values
from graphmodel.server.cypher import TABLE_MARKER, needs_marker
from graphmodel.store import GraphStore

EXPORT_FORMATS = ("graphml", "json", "csv", "neo4j-admin")


def export(store: GraphStore, fmt: str, out: Path, include_personal: bool = False) -> list[Path]:
    """Write the graph to ``out`` (a file for graphml/json, a directory for csv and neo4j-admin);
    return the paths."""
    if fmt == "neo4j-admin":
        return write_neo4j_admin(store, out, include_personal)
    if fmt == "csv":
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for name, table in store.schema.tables.items():
            frame = store.table(name)
            if not include_personal:
                frame = frame.drop(columns=table.personal_columns)
            path = out / f"{name}.csv"
            neutralise_formulas(display(frame)).to_csv(path, index=False)
            written.append(path)
        return written
    graph = full_graph(store, include_personal=include_personal)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "graphml":
        nx.write_graphml(xml_safe(graph), out)
    elif fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        out.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    else:
        raise ValueError(fmt)
    return [out]


_XML_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def _xml_text(value: object) -> object:
    """Text XML 1.0 can hold: characters it forbids (NUL, ESC, other controls) as ``\\xNN`` escapes."""
    if isinstance(value, str) and _XML_BAD.search(value):
        return _XML_BAD.sub(
            lambda m: escape_controls(m.group()) if ord(m.group()) < 0xA0 else "\ufffd", value
        )
    return value


def xml_safe(graph: nx.Graph) -> nx.Graph:
    """A copy of ``graph`` whose ids and string attributes are all legal XML 1.0 text, so a GraphML
    export is always well-formed whatever a name holds."""
    out = graph.__class__()
    out.graph.update({k: _xml_text(v) for k, v in graph.graph.items()})
    for node, data in graph.nodes(data=True):
        out.add_node(_xml_text(node), **{k: _xml_text(v) for k, v in data.items()})
    for edge in graph.edges(data=True, keys=True) if graph.is_multigraph() else graph.edges(data=True):
        *ends, data = edge
        ends = [_xml_text(e) for e in ends]
        out.add_edge(*ends, **{k: _xml_text(v) for k, v in data.items()})
    return out


# ------------------------------------------------------------------------------ neo4j-admin import
# Header format as documented in the Neo4j Operations Manual, "Import" (neo4j-admin database import,
# CSV header format): a node file has an ``:ID(<id space>)`` column and a ``:LABEL`` column, a
# relationship file ``:START_ID(<id space>)``, ``:END_ID(<id space>)`` and ``:TYPE``; other columns
# are ``name:type`` with type one of int, long, float, double, boolean, byte, short, char, string,
# date, ... (string when omitted). An ``:ID`` column without a property name is not stored, so each
# node's key is stored by its own typed column (``urn:int``), and the id spaces are the labels.
NEO4J_TYPES = {"str": "string", "int": "int", "float": "double", "bool": "boolean", "date": "date"}
NEO4J_ADMIN_COMMAND = "neo4j-admin-import.txt"
NEO4J_ADMIN_CONSTRAINTS = "constraints.cypher"


def _typed_header(name: str, type_: str) -> str:
    return f"{name}:{NEO4J_TYPES[type_]}"


def _admin_values(frame, props) -> dict[str, list]:
    """Plain values per column: ISO dates, true/false, integers without a decimal point, blank = null."""
    out = {}
    for p in props:
        values = column_values(frame[p.name], p.type)
        if p.type == "bool":
            values = [None if v is None else ("true" if v else "false") for v in values]
        out[p.name] = values
    return out


def neo4j_admin_command(nodes: list[str], relationships: list[str], database: str = "neo4j") -> str:
    """The ``neo4j-admin database import full`` command for files written by :func:`write_neo4j_admin`
    (paths relative to the export directory; run it there, with Neo4j stopped and the database absent).
    Multi-line text cells are quoted, hence ``--multiline-fields=true``."""
    args = [f"--nodes={n}" for n in nodes] + [f"--relationships={r}" for r in relationships]
    return " ".join(["neo4j-admin database import full", database, "--multiline-fields=true", *args])


def write_neo4j_admin(store: GraphStore, out: Path, include_personal: bool = False) -> list[Path]:
    """Node and relationship CSVs for ``neo4j-admin database import full``, all derived from the schema.

    ``nodes/<table>.csv``: ``:ID(<Label>)``, the key and every property typed (``urn:int``,
    ``open_date:date``), ``:LABEL``. ``relationships/<table>.csv``: ``:START_ID(<Label>)``,
    ``:END_ID(<Label>)``, the table's other columns typed, ``:TYPE`` (plus ``_table`` where two
    tables share start label, type and end label, as the server stores write it). A node's reference
    column (School.la_code) also becomes ``relationships/<table>.<column>.csv`` (IN_LA), as a load
    would link it. Personal columns are left out unless ``include_personal``. The uniqueness
    constraints sendgraph's loads create go to ``constraints.cypher`` (run after the import), and
    the exact import command to ``neo4j-admin-import.txt`` (returned last).
    """
    import pandas as pd

    schema = store.schema
    (out / "nodes").mkdir(parents=True, exist_ok=True)
    (out / "relationships").mkdir(parents=True, exist_ok=True)
    written, node_files, rel_files = [], [], []

    def keep(table, props):
        return [p for p in props if include_personal or p.name not in table.personal_columns]

    def write(path: Path, columns: dict[str, list]) -> None:
        pd.DataFrame(columns).to_csv(path, index=False)
        written.append(path)

    for node in schema.nodes.values():
        frame = store.table(node.name)
        props = keep(node, list(node.properties.values()))
        values = _admin_values(frame, props)
        columns = {f":ID({node.label})": values[node.key_column]}
        columns.update({_typed_header(p.name, p.type): values[p.name] for p in props})
        columns[":LABEL"] = [node.label] * len(frame)
        path = out / "nodes" / f"{node.name}.csv"
        write(path, columns)
        node_files.append(f"nodes/{node.name}.csv")
        for prop in node.references:
            target = schema.nodes[prop.ref]
            linked = [(k, r) for k, r in zip(values[node.key_column], values[prop.name], strict=True) if r]
            columns = {
                f":START_ID({node.label})": [k for k, _ in linked],
                f":END_ID({target.label})": [r for _, r in linked],
                ":TYPE": [prop.rel] * len(linked),
            }
            path = out / "relationships" / f"{node.name}.{prop.name}.csv"
            write(path, columns)
            rel_files.append(f"relationships/{node.name}.{prop.name}.csv")
    for name, rel in schema.relationships.items():
        frame = store.table(name)
        start, end = schema.nodes[rel.start.kind], schema.nodes[rel.end.kind]
        ends = [rel.properties[rel.start.column], rel.properties[rel.end.column]]
        rest = keep(rel, [rel.properties[c] for c in rel.property_columns])
        values = _admin_values(frame, [*ends, *rest])
        columns = {
            f":START_ID({start.label})": values[rel.start.column],
            f":END_ID({end.label})": values[rel.end.column],
        }
        columns.update({_typed_header(p.name, p.type): values[p.name] for p in rest})
        if needs_marker(schema, rel):
            columns[TABLE_MARKER] = [name] * len(frame)
        columns[":TYPE"] = [rel.type] * len(frame)
        write(out / "relationships" / f"{name}.csv", columns)
        rel_files.append(f"relationships/{name}.csv")
    from graphmodel.server.dialect import NEO4J

    ddl = out / NEO4J_ADMIN_CONSTRAINTS  # the importer makes no constraints: run these after it
    ddl.write_text(
        "".join(f"{q};\n" for q in NEO4J.schema_ddl(schema) + NEO4J.property_index_ddl(schema)),
        encoding="utf-8",
    )
    written.append(ddl)
    command = out / NEO4J_ADMIN_COMMAND
    command.write_text(neo4j_admin_command(node_files, rel_files) + "\n", encoding="utf-8")
    written.append(command)
    return written
