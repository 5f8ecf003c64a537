"""Exports: GraphML (Gephi, yEd, networkx), node-link JSON (networkx, d3) and the CSV bundle.

Personal columns are left out unless the user asks for them, and text cells in the CSV bundle are
protected against spreadsheet formula injection.
"""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx

from graphmodel.cells import display, neutralise_formulas
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
        nx.write_graphml(graph, out)
    elif fmt == "json":
        data = nx.node_link_data(graph, edges="edges")
        out.write_text(json.dumps(data, ensure_ascii=False, default=str), encoding="utf-8")
    else:
        raise ValueError(fmt)
    return [out]
