"""Measuring the school tie graph: components, isolates, communities, brokers, bridges and
articulation points (UCL digest G10–G12; WSS §6.2).

The graph itself (which ties, their Newman 1/(n−1) weights, lifetimes and carriers) is built in
:mod:`queries.networks.ties`; this module only measures it. Measures use the weights: communities
maximise weighted modularity, brokers use weighted shortest paths (distance = 1/weight), and
``min_weight`` (a documented option, default :data:`queries.networks.ties.DEFAULT_MIN_WEIGHT`) says
which ties are strong enough to count for components, bridges and cut points. Isolates are schools
with no tie of any weight.
"""

from __future__ import annotations

import datetime as dt

import networkx as nx
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, schools_frame
from queries.networks.ties import (
    DEFAULT_MIN_WEIGHT,
    pair_tie_instances,
    shared_tie_instances,
    shared_tie_weights,
    shared_weight_graph,
    tie_graph,
    tied_schools,
    weight_graph,
)
from queries.posts import in_operation
from queries.registry import analysis

__all__ = [
    "DEFAULT_MIN_WEIGHT",
    "articulation_points",
    "bridges",
    "brokers",
    "collaboration_graph",
    "communities",
    "components",
    "cut_pieces",
    "edge_details",
    "isolates",
    "pair_keys",
    "scope",
    "scope_instances",
    "scope_ties",
]

EXACT_BETWEENNESS_LIMIT = 2000
"""Graphs with more linked schools than this get sampled (approximate) betweenness."""
BETWEENNESS_SAMPLES = 150
DEFAULT_SEED = 42


def collaboration_graph(
    store: GraphStore, *, as_of: dt.date | None = None, min_weight: float = DEFAULT_MIN_WEIGHT
) -> nx.Graph:
    """The national tie graph on ``as_of`` (:func:`queries.networks.ties.tie_graph`), built afresh."""
    return tie_graph(store, as_of=as_of, min_weight=min_weight)


# ------------------------------------------------------------------------------------------ structure


def scope(
    store: GraphStore,
    filters: Filters,
    as_of: dt.date | None,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> tuple[nx.Graph, nx.Graph]:
    """The national graph (with filters, only its ties inside the scope) and the subgraph induced
    on the schools matching ``filters``.

    Structure (components, communities, brokers, bridges) is computed on the subgraph, so a
    regional lead sees their region's own structure; isolates use the national graph, so a school
    linked only across the boundary is not called isolated. Edges carry ``weight`` and ``distance``
    only (:func:`queries.networks.ties.weight_graph`): who carries a tie comes from
    :func:`edge_details`, for the edges a table shows.
    """
    as_of = as_of or dt.date.today()
    if not filters.describe():
        g = shared_weight_graph(store, as_of, min_weight)
        return g, g
    # the national nodes, but only the ties inside the scope: the induced subgraph is the same
    wanted = pd.Index(apply_filters(schools_frame(store), filters)["urn"].astype("int64").unique())
    g = weight_graph(store, as_of=as_of, min_weight=min_weight, within=wanted)
    urns = set(wanted) & set(g.nodes)
    return g, g.subgraph(urns).copy()


def pair_keys(a: object, b: object) -> np.ndarray:
    """One int64 key per (urn_a, urn_b) pair (URNs are well below 2**31)."""
    return (np.asarray(a, dtype=np.int64) << 32) | np.asarray(b, dtype=np.int64)


def scope_instances(
    store: GraphStore, as_of: dt.date | None, min_weight: float, g: nx.Graph, sub: nx.Graph
) -> pd.DataFrame:
    """The tie contributions (:func:`queries.networks.ties.tie_instances`, national threshold) of
    the edges of ``sub`` (:func:`scope`'s subgraph of the national graph ``g``): the carriers of
    every national tie when ``sub`` is ``g``, else those of ``sub``'s edges only."""
    as_of = as_of or dt.date.today()
    if sub is g:
        return shared_tie_instances(store, as_of, min_weight)
    pairs = pd.DataFrame([(min(a, b), max(a, b)) for a, b in sub.edges], columns=["urn_a", "urn_b"])
    return pair_tie_instances(store, as_of, pairs, min_weight)


def edge_details(
    store: GraphStore, as_of: dt.date | None, min_weight: float, pairs: list[tuple[int, int]]
) -> dict[tuple[int, int], dict]:
    """``kinds``, ``people`` and ``support`` (as :func:`queries.networks.ties.tie_graph` puts them on
    its edges) for the given tied pairs ``(min urn, max urn)`` only: looking them up for the few
    edges a table shows is far cheaper than putting them on every national edge."""
    out: dict[tuple[int, int], dict] = {
        (int(a), int(b)): {"kinds": [], "people": [], "support": []} for a, b in pairs
    }
    if not out:
        return out
    frame = pd.DataFrame(list(out), columns=["urn_a", "urn_b"])
    sel = pair_tie_instances(store, as_of or dt.date.today(), frame, min_weight)
    for a, b, kind, _w, ca, cb in sel.itertuples(index=False, name=None):
        d = out[(a, b)]
        if kind not in d["kinds"]:
            d["kinds"].append(kind)
        d["support"].append((kind, ca, cb))
        if ca:
            d["people"].extend(ca)
        if cb:
            d["people"].extend(cb)
    for d in out.values():
        d["kinds"].sort()
        d["people"] = sorted(set(d["people"]))
    return out


def scope_ties(
    store: GraphStore,
    filters: Filters,
    as_of: dt.date | None,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`scope` as frames: the schools in scope (open on ``as_of``, matching ``filters``) and
    the national ties (national weights and threshold) with both ends among them.

    Why: components and isolates need no weights, carriers or networkx graph; a sparse routine on
    this tie list answers them nationally in seconds where building the graph takes far longer.
    """
    as_of = as_of or dt.date.today()
    ties = shared_tie_weights(store, as_of, min_weight)
    nodes = in_operation(schools_frame(store), as_of)
    if filters.describe():
        nodes = nodes[isin(nodes["urn"], apply_filters(schools_frame(store), filters)["urn"])]
    nodes = nodes.assign(urn=nodes["urn"].astype("int64")).reset_index(drop=True)
    ties = ties[isin(ties["urn_a"], nodes["urn"]) & isin(ties["urn_b"], nodes["urn"])]
    return nodes, ties.reset_index(drop=True)


def _frame_rows(schools: pd.DataFrame, nodes: list[int]) -> pd.DataFrame:
    """:func:`_school_rows` from the schools frame (missing values as None, like a graph node's
    missing attribute)."""
    cols = ["name", "la_code", "la_name", "region_code", "region_name", "phase", "kind"]
    frame = schools.drop_duplicates("urn").set_index("urn").loc[nodes, cols].astype(object)
    frame = frame.where(frame.notna(), None).reset_index().rename(columns={"name": "school_name"})
    return frame[["urn", "school_name", *cols[1:]]].reset_index(drop=True)


def _school_rows(g: nx.Graph, nodes: list[int]) -> pd.DataFrame:
    cols = ["name", "la_code", "la_name", "region_code", "region_name", "phase", "kind"]
    rows = [
        {"urn": n, **{("school_name" if c == "name" else c): g.nodes[n].get(c) for c in cols}} for n in nodes
    ]
    return pd.DataFrame(rows, columns=["urn", "school_name", *cols[1:]])


def _components(g: nx.Graph) -> list[set[int]]:
    """Connected components, largest first, ties by smallest URN (a stable numbering)."""
    return sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))


@analysis
def components(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """One row per connected component of the collaboration graph in scope, largest first.

    A single-school component is an isolate in scope. ``special_or_ap`` counts the special schools,
    PRUs and AP settings in it: a component of mainstream schools only has no route to specialist
    expertise (UCL G12, WSS G10).
    """
    nodes, ties = scope_ties(store, filters, as_of, min_weight)
    urns = nodes["urn"].to_numpy()
    index = pd.Index(urns)
    a_i, b_i = index.get_indexer(ties["urn_a"]), index.get_indexer(ties["urn_b"])
    n = len(urns)
    adj = sp.csr_matrix((np.ones(len(a_i), dtype=np.int8), (a_i, b_i)), shape=(n, n))
    _, raw = connected_components(adj, directed=False)
    # number components largest first, ties by smallest URN (as _components does)
    sizes = np.bincount(raw) if n else np.array([], dtype=np.int64)
    first = pd.Series(urns).groupby(raw).min().to_numpy() if n else np.array([], dtype=np.int64)
    order = np.lexsort((first, -sizes))
    number = np.empty(len(order), dtype=np.int64)
    number[order] = np.arange(1, len(order) + 1)
    comp = number[raw] if n else np.array([], dtype=np.int64)
    nodes = pd.DataFrame(
        {"urn": urns, "component": comp, "kind": nodes["kind"].to_numpy(), "la_code": nodes["la_code"]}
    )
    nodes["mainstream"] = nodes["kind"] == "mainstream"
    nodes["special_or_ap"] = nodes["kind"].isin(["special", "ap"])
    out = nodes.groupby("component").agg(
        schools=("urn", "size"),
        mainstream=("mainstream", "sum"),
        special_or_ap=("special_or_ap", "sum"),
        las=("la_code", "nunique"),
        first_urn=("urn", "min"),
    )
    links = pd.Series(comp[a_i] if len(a_i) else [], dtype="int64").value_counts()
    out["links"] = out.index.map(links).fillna(0).astype("int64")
    out = out.reset_index()
    out[["mainstream", "special_or_ap"]] = out[["mainstream", "special_or_ap"]].astype("int64")
    return out[["component", "schools", "links", "mainstream", "special_or_ap", "las", "first_urn"]]


@analysis
def isolates(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Schools in scope with no tie of any weight to any school nationally (UCL G10, 19%): a school
    whose only tie is a weak one (a county forum) is not isolated, whatever ``min_weight`` is."""
    schools, _ = scope_ties(store, filters, as_of, min_weight)
    tied = tied_schools(store, as_of=as_of or dt.date.today())
    nodes = sorted(int(u) for u in schools["urn"][~isin(schools["urn"], tied)])
    return _frame_rows(schools, nodes)


@analysis
def communities(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    seed: int = DEFAULT_SEED,
    resolution: float = 1.0,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Communities of practice by Louvain modularity (networkx, fixed ``seed``: reproducible).

    One row per linked school with its ``community`` number (1 = largest; isolates are left out:
    they belong to no community, see :func:`isolates`). WSS §6.2 asks whether reviewers form local
    clusters or a star around one hub; UCL G10 asks for community detection and isolates. Edges
    are weighted by tie strength (Newman 1/(n−1) per shared group, 1 per pairwise tie). The
    modularity is in ``attrs["modularity"]``.
    """
    _, sub = scope(store, filters, as_of, min_weight)
    linked = sub.subgraph([n for n in sub.nodes if sub.degree(n) > 0])
    found = (
        nx.community.louvain_communities(linked, weight="weight", resolution=resolution, seed=seed)
        if linked.number_of_edges()
        else []
    )
    found = sorted(found, key=lambda c: (-len(c), min(c)))
    number = {n: i for i, comp in enumerate(found, start=1) for n in comp}
    out = _school_rows(sub, sorted(number))
    out.insert(1, "community", out["urn"].map(number).astype("int64"))
    out["community_size"] = out["community"].map({i: len(c) for i, c in enumerate(found, start=1)})
    out = out.sort_values(["community", "urn"]).reset_index(drop=True)
    out.attrs.update(
        {
            "method": f"Louvain (networkx), seed {seed}, resolution {resolution}, weight = tie strength",
            "communities": len(found),
            "modularity": round(nx.community.modularity(linked, found, weight="weight"), 4)
            if found
            else None,
        }
    )
    return out


@analysis
def brokers(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    top: int | None = 20,
    exact_limit: int = EXACT_BETWEENNESS_LIMIT,
    samples: int = BETWEENNESS_SAMPLES,
    seed: int = DEFAULT_SEED,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Schools that hold the network together: normalised betweenness centrality, highest first.

    Exact (Brandes) when at most ``exact_limit`` schools are linked; above that, sampled from
    ``samples`` source schools with a fixed ``seed`` (networkx's ``k``); shortest paths use
    distance = 1/tie weight, so a path through strong ties is shorter. Stated in
    ``attrs["method"]``. Normalised over all schools in scope (isolates score 0). ``people`` lists
    the person_ids carrying the broker's person-level links: who a regional lead would talk to
    (WSS §6.2 brokerage; UCL G11).
    """
    _, sub = scope(store, filters, as_of, min_weight)
    n = sub.number_of_nodes()
    linked = sum(1 for v in sub.nodes if sub.degree(v) > 0)
    if linked <= exact_limit:
        bc = nx.betweenness_centrality(sub, normalized=True, weight="distance")
        method = "exact weighted betweenness (Brandes; distance = 1/tie weight), normalised"
    else:
        k = min(samples, n)
        bc = nx.betweenness_centrality(sub, k=k, normalized=True, seed=seed, weight="distance")
        method = f"approximate weighted betweenness from {k} sampled sources (seed {seed}), normalised"
    ranked = sorted((v for v in bc if bc[v] > 0), key=lambda v: (-bc[v], v))
    if top:
        ranked = ranked[:top]
    out = _school_rows(sub, ranked)
    out.insert(1, "betweenness", [round(bc[v], 6) for v in ranked])
    out["degree"] = [sub.degree(v) for v in ranked]
    details = edge_details(
        store, as_of, min_weight, sorted({(min(v, u), max(v, u)) for v in ranked for u in sub[v]})
    )
    out["people"] = [
        ";".join(sorted({p for u in sub[v] for p in details[min(v, u), max(v, u)]["people"]})) for v in ranked
    ]
    out.attrs["method"] = method
    return out


@analysis
def bridges(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Links whose loss splits a component: the only tie between two groups of schools (UCL G11)."""
    _, sub = scope(store, filters, as_of, min_weight)
    rows = []
    found = [(min(a, b), max(a, b)) for a, b in nx.bridges(sub)]
    details = edge_details(store, as_of, min_weight, found)
    for a, b in found:
        d = details[a, b]
        side = (
            nx.node_connected_component(sub.subgraph(set(sub.nodes) - {b}).copy(), a)
            if sub.number_of_nodes() <= EXACT_BETWEENNESS_LIMIT
            else None
        )
        comp = len(nx.node_connected_component(sub, a))
        rows.append(
            {
                "urn_a": a,
                "school_a": sub.nodes[a].get("name"),
                "urn_b": b,
                "school_b": sub.nodes[b].get("name"),
                "kinds": ";".join(d["kinds"]),
                "people": ";".join(d["people"]),
                "smaller_side": None if side is None else min(len(side), comp - len(side)),
            }
        )
    out = pd.DataFrame(
        rows, columns=["urn_a", "school_a", "urn_b", "school_b", "kinds", "people", "smaller_side"]
    )
    out["smaller_side"] = out["smaller_side"].astype("Int64")
    return out.sort_values(["urn_a", "urn_b"]).reset_index(drop=True)


def cut_pieces(g: nx.Graph) -> dict[int, list[int]]:
    """For each articulation point, the sizes of the pieces its component splits into without it.

    Uses the block–cut tree (linear time): removing a cut vertex v leaves one piece per block that
    contains v, so no graph is rebuilt per vertex (national graphs have thousands of them).
    """
    blocks = [set(b) for b in nx.biconnected_components(g)]
    cuts = set(nx.articulation_points(g))
    tree = nx.Graph()
    weight: dict[tuple[str, int], int] = {}
    for i, block in enumerate(blocks):
        weight[("b", i)] = sum(1 for v in block if v not in cuts)
        tree.add_node(("b", i))
        for v in block & cuts:
            tree.add_edge(("b", i), ("c", v))
    for v in cuts:
        weight[("c", v)] = 1
    out: dict[int, list[int]] = {}
    for comp in nx.connected_components(tree):
        root = next(iter(comp))
        total = sum(weight[x] for x in comp)
        order = list(nx.dfs_preorder_nodes(tree, root))
        parent = {root: None, **{child: par for par, child in nx.dfs_edges(tree, root)}}
        below = {x: weight[x] for x in comp}
        for x in reversed(order):
            if parent[x] is not None:
                below[parent[x]] += below[x]
        for x in comp:
            if x[0] != "c":
                continue
            pieces = [below[c] for c in tree[x] if parent.get(c) == x]
            if parent[x] is not None:
                pieces.append(total - below[x])
            out[x[1]] = sorted(pieces, reverse=True)
    return out


@analysis
def articulation_points(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Schools whose loss from the graph would split their component (UCL G11).

    ``pieces_if_removed`` is how many parts the component falls into; ``schools_cut_off`` is how many
    schools would lose their connection to the largest remaining part.
    """
    _, sub = scope(store, filters, as_of, min_weight)
    pieces = cut_pieces(sub)
    nodes = sorted(pieces, key=lambda v: (-(sum(pieces[v]) - pieces[v][0]), v))
    out = _school_rows(sub, nodes)
    out.insert(1, "pieces_if_removed", [len(pieces[v]) for v in nodes])
    out.insert(2, "schools_cut_off", [sum(pieces[v]) - pieces[v][0] for v in nodes])
    out["degree"] = [sub.degree(v) for v in nodes]
    return out
