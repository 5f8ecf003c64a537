"""networkx views of a store, built on demand from its tables.

The store keeps tables; graph algorithms and graph exports need a graph. These functions build one
from the schema alone (every node table becomes nodes, every reference column and relationship table
becomes edges), so a new table in ``schema.toml`` appears in exports with no code change here.
Node ids are ``"Label:key"`` strings, which GraphML and node-link JSON both accept.
"""

from __future__ import annotations

import networkx as nx

from graphmodel.cells import jsonable
from graphmodel.store import GraphStore


def node_id(label: str, key: object) -> str:
    return f"{label}:{key}"


def _clean(row: dict) -> dict:
    """Attributes without missing values, as plain Python values (GraphML rejects None)."""
    out = {}
    for k, v in row.items():
        v = jsonable(v)
        if v is not None:
            out[k] = v
    return out


def full_graph(store: GraphStore, include_personal: bool = False) -> nx.MultiDiGraph:
    """The whole graph as a MultiDiGraph with typed edges.

    Personal columns (names, birth years) are left out unless ``include_personal`` is set.
    """
    schema = store.schema
    g = nx.MultiDiGraph()
    for label, node in schema.nodes.items():
        frame = store.table(node.name)
        drop = [] if include_personal else node.personal_columns
        frame = frame.drop(columns=drop)
        key = node.key_column
        for row in frame.to_dict("records"):
            g.add_node(node_id(label, row[key]), label=label, **_clean(row))
        for prop in node.references:
            sub = frame[[key, prop.name]].dropna()
            for a, b in sub.itertuples(index=False, name=None):
                g.add_edge(node_id(label, a), node_id(prop.ref, b), key=prop.rel, type=prop.rel)
    for name, rel in schema.relationships.items():
        frame = store.table(name)
        props = rel.property_columns
        for row in frame.to_dict("records"):
            a = node_id(rel.start.kind, row[rel.start.column])
            b = node_id(rel.end.kind, row[rel.end.column])
            g.add_edge(a, b, type=rel.type, table=name, **_clean({p: row[p] for p in props}))
    return g
