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

import contextlib
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import igraph
import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from graphmodel.collector import collector_paused
from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters
from queries.networks.ties import (
    DEFAULT_MIN_WEIGHT,
    open_schools,
    pair_tie_instances,
    school_rows,
    shared_tie_instances,
    shared_tie_weights,
    tie_graph,
    tied_schools,
)
from queries.registry import analysis

if TYPE_CHECKING:  # networkx is imported where a graph is built (~0.4 s a command otherwise)
    import networkx as nx

__all__ = [
    "DEFAULT_MIN_WEIGHT",
    "ScopeGraph",
    "articulation_points",
    "betweenness",
    "bridges",
    "brokers",
    "collaboration_graph",
    "communities",
    "components",
    "cut_pieces",
    "edge_details",
    "isolates",
    "pair_keys",
    "scope_graph",
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


def pair_keys(a: object, b: object) -> np.ndarray:
    """One int64 key per (urn_a, urn_b) pair (URNs are well below 2**31)."""
    return (np.asarray(a, dtype=np.int64) << 32) | np.asarray(b, dtype=np.int64)


def scope_instances(
    store: GraphStore, as_of: dt.date | None, min_weight: float, graph: ScopeGraph
) -> pd.DataFrame:
    """The tie contributions (:func:`queries.networks.ties.tie_instances`, national threshold) of
    the ties of ``graph`` (:func:`scope_graph`): the carriers of every national tie when the scope
    is national, else those of the scope's ties only."""
    as_of = as_of or dt.date.today()
    if graph.national:
        return shared_tie_instances(store, as_of, min_weight)
    return pair_tie_instances(store, as_of, graph.ties[["urn_a", "urn_b"]], min_weight)


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
    """The schools in scope (open on ``as_of``, matching ``filters``) and the national ties
    (national weights and threshold) with both ends among them.

    Structure (components, communities, brokers, bridges) is computed on these ties, so a regional
    lead sees their region's own structure; isolates use the national ties, so a school linked only
    across the boundary is not called isolated. Why frames: components and isolates need no weights,
    carriers or graph object; a sparse routine on this tie list answers them nationally in seconds.
    """
    as_of = as_of or dt.date.today()
    ties = shared_tie_weights(store, as_of, min_weight)
    nodes = open_schools(store, as_of)
    if filters.describe():
        nodes = nodes[isin(nodes["urn"], apply_filters(school_rows(store), filters)["urn"])]
    nodes = nodes.assign(urn=nodes["urn"].astype("int64")).reset_index(drop=True)
    ties = ties[isin(ties["urn_a"], nodes["urn"]) & isin(ties["urn_b"], nodes["urn"])]
    return nodes, ties.reset_index(drop=True)


@dataclass(frozen=True)
class ScopeGraph:
    """The tie graph in scope as arrays and an igraph graph: vertex ``i`` is the school
    ``urns[i]`` (row ``i`` of ``nodes``, the schools in scope); edges
    carry ``weight`` and ``distance`` (1/weight)."""

    nodes: pd.DataFrame
    urns: np.ndarray
    ties: pd.DataFrame
    graph: igraph.Graph
    national: bool


def scope_graph(
    store: GraphStore,
    filters: Filters,
    as_of: dt.date | None,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> ScopeGraph:
    """The tie graph in scope, built from :func:`scope_ties` as an igraph graph.

    Why: communities, betweenness, bridges and cut points run in igraph's C core (seconds
    nationally where networkx took tens of seconds), and building the igraph graph from the tie
    list takes well under a second where the networkx graph took several.
    """
    nodes, ties = scope_ties(store, filters, as_of, min_weight)
    nodes = nodes.drop_duplicates("urn").reset_index(drop=True)
    urns = nodes["urn"].to_numpy(dtype=np.int64)
    index = pd.Index(urns)
    weight = ties["weight"].to_numpy(dtype=np.float64)
    g = _igraph(len(urns), index.get_indexer(ties["urn_a"]), index.get_indexer(ties["urn_b"]), weight)
    g.es["distance"] = (1.0 / weight).tolist()
    return ScopeGraph(nodes=nodes, urns=urns, ties=ties, graph=g, national=not filters.describe())


def _linked_graph(
    n: int, linked_idx: np.ndarray, a: np.ndarray, b: np.ndarray, weight: np.ndarray
) -> igraph.Graph:
    """The graph of :func:`_igraph` (``n`` vertices, edges ``a``-``b``) induced on the vertices
    ``linked_idx`` (sorted; every edge's ends among them), vertex ``i`` being ``linked_idx[i]``:
    exactly what igraph's ``induced_subgraph(linked_idx)`` gives, edges in the same order.

    Why: Louvain's answer depends on the edge order, and igraph induces a subgraph by copying the
    graph and deleting the other vertices when they are at most half (which keeps the edges in
    order) but builds it afresh otherwise (which does not). In the first case, nationally (23.3k of
    24k schools linked), the subgraph is built here straight from the tie list, without building
    the whole graph first (~0.5 s less); in the second, the way igraph does it."""
    if 2 * len(linked_idx) <= n:  # igraph's rule (kept share > 1/2: copy and delete)
        return _igraph(n, a, b, weight).induced_subgraph(linked_idx.tolist())
    number_of = np.full(n, -1, dtype=np.int64)
    number_of[linked_idx] = np.arange(len(linked_idx), dtype=np.int64)
    return _igraph(len(linked_idx), number_of[a], number_of[b], weight)


def _igraph(n: int, a: np.ndarray, b: np.ndarray, weight: np.ndarray) -> igraph.Graph:
    """An igraph graph of ``n`` vertices and the edges ``a[i]``-``b[i]`` in that order, with ``weight``.

    The pairs go in as Python int tuples, which igraph reads in C, where rows of a NumPy array go
    through its generic sequence path (~830k national ties: ~0.8 s -> ~0.55 s); the tuples are
    made as igraph reads them (a zip, not a list of them all: ~0.1 s less), and with the cyclic
    collector paused (~0.45 -> ~0.25 s)."""
    with collector_paused():
        g = igraph.Graph(n=n, edges=zip(a.tolist(), b.tolist(), strict=True))
        g.es["weight"] = weight.tolist()  # set even with no edges: the attribute must exist
    return g


@contextlib.contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """igraph draws from ``random.Random(seed)`` inside the block (then from :mod:`random` again):
    a randomised algorithm gives the same answer for the same seed."""
    igraph.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        igraph.set_random_number_generator(random)


def _names(graph: ScopeGraph) -> dict[int, object]:
    """urn -> school name (None where missing), as a graph node's ``name`` attribute."""
    names = graph.nodes["name"].astype(object)
    return dict(zip(graph.urns.tolist(), names.where(names.notna(), None).tolist(), strict=True))


def _frame_rows(schools: pd.DataFrame, nodes: list[int]) -> pd.DataFrame:
    """School rows (urn, school_name, la and region codes and names, phase, kind) for ``nodes``
    from the schools frame (missing values as None, like a graph node's missing attribute)."""
    cols = ["name", "la_code", "la_name", "region_code", "region_name", "phase", "kind"]
    frame = schools.drop_duplicates("urn").set_index("urn").loc[nodes, cols].astype(object)
    frame = frame.where(frame.notna(), None).reset_index().rename(columns={"name": "school_name"})
    return frame[["urn", "school_name", *cols[1:]]].reset_index(drop=True)


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
    # number components largest first, ties by smallest URN (a stable numbering)
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


def _vertex_rows(graph: ScopeGraph, idx: list[int] | np.ndarray) -> pd.DataFrame:
    """:func:`_frame_rows` for vertex indices of ``graph``."""
    return _frame_rows(graph.nodes, [int(u) for u in graph.urns[np.asarray(idx, dtype=np.int64)]])


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
    """Communities of practice by Louvain modularity (igraph's multilevel algorithm of Blondel et
    al., its random order drawn from a ``random.Random(seed)``: reproducible).

    One row per linked school with its ``community`` number (1 = largest; isolates are left out:
    they belong to no community, see :func:`isolates`). WSS §6.2 asks whether reviewers form local
    clusters or a star around one hub; UCL G10 asks for community detection and isolates. Edges
    are weighted by tie strength (Newman 1/(n−1) per shared group, 1 per pairwise tie). The
    modularity (at resolution 1) is in ``attrs["modularity"]``.

    Why igraph: networkx's pure-Python Louvain took ~28 s of CPU on the national graph (24k
    schools, 834k ties), igraph's C one about 1 s, with a modularity as high (issue 14).
    """
    nodes, ties = scope_ties(store, filters, as_of, min_weight)
    nodes = nodes.drop_duplicates("urn").reset_index(drop=True)
    all_urns = nodes["urn"].to_numpy(dtype=np.int64)
    index = pd.Index(all_urns)
    a, b = index.get_indexer(ties["urn_a"]), index.get_indexer(ties["urn_b"])
    # the linked schools (an end of some tie), in the order of the schools in scope
    linked_idx = np.flatnonzero(np.bincount(np.concatenate([a, b]), minlength=len(all_urns)) > 0)
    found: list[list[int]] = []
    modularity = None
    if len(linked_idx):
        linked = _linked_graph(len(all_urns), linked_idx, a, b, ties["weight"].to_numpy(dtype=np.float64))
        with _seeded(seed):
            clusters = linked.community_multilevel(weights="weight", resolution=resolution)
        membership = clusters.membership
        modularity = linked.modularity(membership, weights="weight")
        urns = all_urns[linked_idx]
        groups = pd.Series(urns).groupby(np.asarray(membership)).agg(list)
        found = [sorted(int(u) for u in c) for c in groups]
    found = sorted(found, key=lambda c: (-len(c), c[0]))
    number = {n: i for i, comp in enumerate(found, start=1) for n in comp}
    out = _frame_rows(nodes, sorted(number))
    out.insert(1, "community", out["urn"].map(number).astype("int64"))
    out["community_size"] = out["community"].map({i: len(c) for i, c in enumerate(found, start=1)})
    out = out.sort_values(["community", "urn"]).reset_index(drop=True)
    out.attrs.update(
        {
            "method": f"Louvain (igraph multilevel), seed {seed}, resolution {resolution}, "
            "weight = tie strength",
            "communities": len(found),
            "modularity": round(modularity, 4) if found else None,
        }
    )
    return out


def betweenness(graph: ScopeGraph, sources: list[int] | None = None) -> np.ndarray:
    """Normalised weighted betweenness of every vertex of ``graph`` (distance = 1/weight), from all
    sources or from the vertex indices ``sources`` (a sample), as networkx's
    ``betweenness_centrality(G, k, normalized=True, weight="distance")`` scales it (networkx 3.6
    ``_rescale``, endpoints excluded): igraph counts each unordered pair once, networkx each ordered
    pair, hence the 2; sampled sources divide by (k−1)(n−2), other vertices by k(n−2)."""
    n = graph.graph.vcount()
    raw = np.asarray(
        graph.graph.betweenness(weights="distance", sources=sources) if n else [], dtype=np.float64
    )
    raw = 2.0 * raw
    big_n = n - 1
    if big_n < 2:
        return raw
    if sources is None:
        return raw * (1.0 / (big_n * (big_n - 1)))
    k = len(sources)
    scale = np.full(n, 1.0 / (k * (big_n - 1)))
    scale[np.asarray(sources, dtype=np.int64)] = 1.0 / ((k - 1) * (big_n - 1)) if k > 1 else np.nan
    return raw * scale


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
    ``samples`` source schools with a fixed ``seed`` (networkx's ``k``: the same sources as
    ``random.Random(seed).sample(schools in scope, k)``); shortest paths use distance = 1/tie
    weight, so a path through strong ties is shorter. Stated in ``attrs["method"]``. Normalised
    over all schools in scope (isolates score 0), as networkx normalises. ``people`` lists the
    person_ids carrying the broker's person-level links: who a regional lead would talk to (WSS
    §6.2 brokerage; UCL G11). Computed by igraph (C): networkx took ~60 s of CPU for 150 sampled
    sources nationally and a minute for the North East's exact betweenness (issue 14).
    """
    graph = scope_graph(store, filters, as_of, min_weight)
    n = graph.graph.vcount()
    degree = np.asarray(graph.graph.degree(), dtype=np.int64)
    linked = int((degree > 0).sum())
    if linked <= exact_limit or min(samples, n) == n:
        bc = betweenness(graph)
        if linked <= exact_limit:
            method = "exact weighted betweenness (Brandes; distance = 1/tie weight), normalised"
        else:
            method = f"approximate weighted betweenness from {n} sampled sources (seed {seed}), normalised"
    else:
        k = min(samples, n)
        sources = random.Random(seed).sample(range(n), k)
        bc = betweenness(graph, sources)
        method = f"approximate weighted betweenness from {k} sampled sources (seed {seed}), normalised"
    hit = np.flatnonzero(bc > 0)
    ranked = hit[np.lexsort((graph.urns[hit], -bc[hit]))]
    if top:
        ranked = ranked[:top]
    out = _vertex_rows(graph, ranked)
    out.insert(1, "betweenness", [round(float(bc[v]), 6) for v in ranked])
    out["degree"] = degree[ranked].astype("int64") if len(ranked) else pd.Series([], dtype="int64")
    neighbours = {int(v): [int(graph.urns[u]) for u in graph.graph.neighbors(int(v))] for v in ranked}
    pairs = sorted(
        {(min(int(graph.urns[v]), u), max(int(graph.urns[v]), u)) for v in ranked for u in neighbours[int(v)]}
    )
    details = edge_details(store, as_of, min_weight, pairs)
    people = []
    for v in ranked:
        urn = int(graph.urns[v])
        people.append(
            ";".join(
                sorted({p for u in neighbours[int(v)] for p in details[min(urn, u), max(urn, u)]["people"]})
            )
        )
    out["people"] = people
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
    """Links whose loss splits a component: the only tie between two groups of schools (UCL G11).

    ``smaller_side`` (for graphs of at most :data:`EXACT_BETWEENNESS_LIMIT` schools) is the number
    of schools on the smaller side of the split.
    """
    graph = scope_graph(store, filters, as_of, min_weight)
    g = graph.graph
    eids = g.bridges()
    found = sorted(
        (min(int(graph.urns[x]), int(graph.urns[y])), max(int(graph.urns[x]), int(graph.urns[y])), e)
        for e in eids
        for x, y in [g.es[e].tuple]
    )
    details = edge_details(store, as_of, min_weight, [(a, b) for a, b, _ in found])
    names = _names(graph)
    small = g.vcount() <= EXACT_BETWEENNESS_LIMIT
    index = pd.Index(graph.urns)
    rows = []
    for a, b, e in found:
        d = details[a, b]
        side = None
        if small:
            # the bridge's a side: a's component once the bridge is gone
            cut = g.copy()
            cut.delete_edges([e])
            ia = int(index.get_loc(a))
            part = len(cut.subcomponent(ia))
            comp = len(g.subcomponent(ia))
            side = min(part, comp - part)
        rows.append(
            {
                "urn_a": a,
                "school_a": names.get(a),
                "urn_b": b,
                "school_b": names.get(b),
                "kinds": ";".join(d["kinds"]),
                "people": ";".join(d["people"]),
                "smaller_side": side,
            }
        )
    out = pd.DataFrame(
        rows, columns=["urn_a", "school_a", "urn_b", "school_b", "kinds", "people", "smaller_side"]
    )
    out["smaller_side"] = out["smaller_side"].astype("Int64")
    return out.sort_values(["urn_a", "urn_b"]).reset_index(drop=True)


def _pieces(n: int, edges: list[tuple[int, int]]) -> dict[int, list[int]]:
    """:func:`cut_pieces` on vertices ``0..n-1`` and an edge list, with igraph."""
    g = igraph.Graph(n=n, edges=edges)
    blocks, cuts = g.biconnected_components(return_articulation_points=True)
    if not cuts:
        return {}
    cut_set = set(cuts)
    nb = len(blocks)
    # block–cut tree: blocks are 0..nb-1, cut vertex c is nb + position
    slot = {c: nb + i for i, c in enumerate(cuts)}
    weight = [sum(1 for v in block if v not in cut_set) for block in blocks] + [1] * len(cuts)
    tree_edges = [(i, slot[v]) for i, block in enumerate(blocks) for v in block if v in cut_set]
    tree = igraph.Graph(n=nb + len(cuts), edges=tree_edges)
    below = np.asarray(weight, dtype=np.int64)
    parent = np.full(tree.vcount(), -1, dtype=np.int64)
    total = np.zeros(tree.vcount(), dtype=np.int64)
    seen = np.zeros(tree.vcount(), dtype=bool)
    for root in range(nb, tree.vcount()):  # every tree component holds a cut vertex
        if seen[root]:
            continue
        order, _layers, parents = tree.bfs(root)
        order = [v for v in order if v >= 0]
        seen[order] = True
        for x in order:
            parent[x] = parents[x] if x != root else -1
        for x in reversed(order):
            if parent[x] >= 0:
                below[parent[x]] += below[x]
        total[order] = below[root]
    out: dict[int, list[int]] = {}
    for c in cuts:
        x = slot[c]
        pieces = [int(below[y]) for y in tree.neighbors(x) if parent[y] == x]
        if parent[x] >= 0:
            pieces.append(int(total[x] - below[x]))
        out[c] = sorted(pieces, reverse=True)
    return out


def cut_pieces(g: nx.Graph) -> dict[int, list[int]]:
    """For each articulation point of the networkx graph ``g``, the sizes of the pieces its
    component splits into without it.

    Uses the block–cut tree (linear time): removing a cut vertex v leaves one piece per block that
    contains v, so no graph is rebuilt per vertex (national graphs have thousands of them).
    """
    nodes = list(g.nodes)
    index = {v: i for i, v in enumerate(nodes)}
    found = _pieces(len(nodes), [(index[a], index[b]) for a, b in g.edges])
    return {nodes[i]: p for i, p in found.items()}


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
    graph = scope_graph(store, filters, as_of, min_weight)
    found = _pieces(graph.graph.vcount(), graph.graph.get_edgelist())
    pieces = {int(graph.urns[i]): p for i, p in found.items()}
    degree = dict(zip(graph.urns.tolist(), graph.graph.degree(), strict=True))
    nodes = sorted(pieces, key=lambda v: (-(sum(pieces[v]) - pieces[v][0]), v))
    out = _frame_rows(graph.nodes, nodes)
    out.insert(1, "pieces_if_removed", [len(pieces[v]) for v in nodes])
    out.insert(2, "schools_cut_off", [sum(pieces[v]) - pieces[v][0] for v in nodes])
    out["degree"] = [degree[v] for v in nodes]
    return out
