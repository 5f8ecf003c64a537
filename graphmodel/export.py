"""Exports: GraphML (Gephi, yEd, networkx), node-link JSON (networkx, d3) and the CSV bundle.

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
from graphmodel.store import GraphStore

EXPORT_FORMATS = ("graphml", "json", "csv")


def export(store: GraphStore, fmt: str, out: Path, include_personal: bool = False) -> list[Path]:
    """Write the graph to ``out`` (a file for graphml/json, a directory for csv); return the paths."""
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
