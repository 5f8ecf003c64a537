"""The school collaboration graph and its structure: components, isolates, communities, brokers,
bridges and articulation points.

Schools are linked (WSS digest §6.1; UCL digest G10–G12) by:

- ``network``/``cluster``/``hub``/``trust_network``: active membership (rung "attended training" or
  above) of the same small SEND network, named after the network's kind;
- ``peer_review``: a school-to-school peer review (reviewer school → reviewed school);
- ``trust``: the same multi-academy trust;
- ``federation``, ``cluster``, ...: a ``school_links`` row, except GIAS history links
  (predecessor, successor, merged, amalgamated, split), which record one school's past, not a tie;
- ``shared_staff``: one person in post at both schools (a federation SENCO supporting a new SENCO).

**Large networks do not make school–school edges.** Only networks with at most
``max_network_size`` active member schools (40 by default: a cluster, an LA SENCO forum, a hub
cohort) link every pair of their members. Two reasons: a national community of practice with 4,000
member schools would add 8 million pairs and swamp every other tie (each school would be one hop
from every other, so isolates, brokers and communities would all vanish); and being on the same
national mailing list is not collaborating (UCL G10 counts schools that "do not network with
others"). Large networks still count for participation (``queries.networks.participation``). Passive rungs
(mailing list, downloads) never make edges for the same reason.

**Who carries a link.** Each reason two schools are linked (an *instance*) records, for each end,
either ``None`` (the school is linked as an institution: trust, federation, the school's own
membership) or the people through whom it takes part (its staff who are members of the network,
a peer review's ``reviewer_person_id``, the person in post at both). An instance is lost when
every carrier of either end leaves; an edge is lost when all its instances are (UCL G11: "links
are informal and personal, with little succession planning"). ``queries.networks.fragility`` uses this.

Edges are built with pandas self-joins (members of one network, schools of one trust, posts of
one person), never by looping over pairs.
"""

from __future__ import annotations

import datetime as dt
import functools

import networkx as nx
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, schools_frame
from queries.networks.participation import (
    ACTIVE_FROM,
    active_on,
    school_network_memberships,
    send_networks,
    tier_ranks,
)
from queries.posts import in_operation
from queries.registry import analysis

DEFAULT_MAX_NETWORK_SIZE = 40
EXACT_BETWEENNESS_LIMIT = 2000
"""Graphs with more linked schools than this get sampled (approximate) betweenness."""
BETWEENNESS_SAMPLES = 150
DEFAULT_SEED = 42
HISTORY_LINKS = r"predecessor|successor|merged|amalgamat|split|closure|expansion|result of|change in age"
NETWORK_LINK_KIND = {"cluster": "cluster", "teaching_school_hub": "hub", "trust_network": "trust_network"}
NODE_ATTRIBUTES = [
    "name",
    "la_code",
    "la_name",
    "region_code",
    "region_name",
    "phase",
    "type",
    "kind",
    "trust_id",
    "low_age",
    "high_age",
]
INSTANCE_COLUMNS = ["urn_a", "urn_b", "kind", "carriers_a", "carriers_b"]


def _ordered(frame: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Rows with urn_a < urn_b (ends swapped where needed) and self-links dropped."""
    x, y = frame[a].astype("int64"), frame[b].astype("int64")
    out = frame.assign(urn_a=x.where(x < y, y), urn_b=y.where(x < y, x))
    return out[out["urn_a"] != out["urn_b"]]


def _swap_carriers(frame: pd.DataFrame, a: str, b: str, x: pd.Series, y: pd.Series) -> pd.DataFrame:
    swap = (x > y).to_numpy()
    ca, cb = frame[a].to_numpy(copy=True), frame[b].to_numpy(copy=True)
    ca[swap], cb[swap] = frame[b].to_numpy()[swap], frame[a].to_numpy()[swap]
    return frame.assign(carriers_a=ca, carriers_b=cb)


def _network_instances(store: GraphStore, as_of: dt.date, max_size: int) -> pd.DataFrame:
    ranks = tier_ranks(store)
    m = school_network_memberships(store, as_of)
    m = m[m["rank"] >= ranks[ACTIVE_FROM]]
    size = m.groupby("network_id")["urn"].nunique()
    m = m[m["network_id"].isin(size[(size >= 2) & (size <= max_size)].index)]
    if m.empty:
        return pd.DataFrame(columns=INSTANCE_COLUMNS)
    institutional = m["person_id"].isna().groupby([m["network_id"], m["urn"]]).any()
    people = (
        m.dropna(subset=["person_id"])
        .groupby(["network_id", "urn"])["person_id"]
        .agg(lambda s: tuple(sorted(set(s))))
    )
    ends = institutional.rename("institutional").to_frame().join(people.rename("carriers")).reset_index()
    ends["carriers"] = ends["carriers"].where(~ends["institutional"], None)
    ends = ends[["network_id", "urn", "carriers"]]
    pairs = ends.merge(ends, on="network_id", suffixes=("_x", "_y"))
    pairs = pairs[pairs["urn_x"] < pairs["urn_y"]]
    kinds = send_networks(store).set_index("network_id")["kind"].map(NETWORK_LINK_KIND)
    return pd.DataFrame(
        {
            "urn_a": pairs["urn_x"].astype("int64"),
            "urn_b": pairs["urn_y"].astype("int64"),
            "kind": pairs["network_id"].map(kinds).fillna("network").astype(object),
            "carriers_a": pairs["carriers_x"],
            "carriers_b": pairs["carriers_y"],
        }
    )


def _trust_instances(schools: pd.DataFrame) -> pd.DataFrame:
    t = schools[["urn", "trust_id"]].dropna()
    pairs = t.merge(t, on="trust_id", suffixes=("_x", "_y"))
    pairs = pairs[pairs["urn_x"] < pairs["urn_y"]]
    return pd.DataFrame(
        {
            "urn_a": pairs["urn_x"].astype("int64"),
            "urn_b": pairs["urn_y"].astype("int64"),
            "kind": "trust",
            "carriers_a": None,
            "carriers_b": None,
        }
    )


def _link_instances(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    links = store.table("school_links")
    links = links[
        ~links["kind"].str.contains(HISTORY_LINKS, case=False, regex=True).fillna(False).astype(bool)
    ]
    links = links[(links["date"].isna() | (links["date"] <= pd.Timestamp(as_of))).astype(bool)]
    links = _ordered(links, "urn", "linked_urn")
    return pd.DataFrame(
        {
            "urn_a": links["urn_a"],
            "urn_b": links["urn_b"],
            "kind": links["kind"].str.strip().str.lower().astype(object),
            "carriers_a": None,
            "carriers_b": None,
        }
    )


def _review_instances(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    r = store.table("peer_reviews")
    r = r[(r["date"] <= pd.Timestamp(as_of)).fillna(False).astype(bool)]
    carriers = r["reviewer_person_id"].map(lambda p: None if pd.isna(p) else (p,))
    r = r.assign(c_reviewer=carriers, c_reviewed=None)
    x, y = r["reviewer_urn"].astype("int64"), r["reviewed_urn"].astype("int64")
    r = _swap_carriers(r, "c_reviewer", "c_reviewed", x, y)
    r = _ordered(r, "reviewer_urn", "reviewed_urn")
    return pd.DataFrame(
        {
            "urn_a": r["urn_a"],
            "urn_b": r["urn_b"],
            "kind": "peer_review",
            "carriers_a": r["carriers_a"],
            "carriers_b": r["carriers_b"],
        }
    )


def _shared_staff_instances(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """People in post at two or more schools on ``as_of``: people with two or more live posts are found
    with Arrow's value_counts first, because the national posts table has millions of rows and only a
    few thousand people hold more than one post."""
    posts = store.table("posts")
    posts = posts[active_on(posts, as_of).to_numpy()]
    counts = pc.value_counts(pa.array(posts["person_id"]))
    several = pc.filter(counts.field("values"), pc.greater_equal(counts.field("counts"), 2))
    posts = posts.loc[isin(posts["person_id"], several), ["person_id", "urn"]].drop_duplicates()
    pairs = posts.merge(posts, on="person_id", suffixes=("_x", "_y"))
    pairs = pairs[pairs["urn_x"] < pairs["urn_y"]]
    return pd.DataFrame(
        {
            "urn_a": pairs["urn_x"].astype("int64"),
            "urn_b": pairs["urn_y"].astype("int64"),
            "kind": "shared_staff",
            "carriers_a": pairs["person_id"].map(lambda p: (p,)),
            "carriers_b": None,
        }
    )


@analysis
def collaboration_links(
    store: GraphStore, as_of: dt.date | None = None, max_network_size: int = DEFAULT_MAX_NETWORK_SIZE
) -> pd.DataFrame:
    """Every reason two schools are linked on ``as_of``: one row per link instance.

    Columns ``urn_a < urn_b``, ``kind``, and ``carriers_a`` / ``carriers_b``: ``None`` where that
    end is linked as an institution, else the tuple of person_ids through whom it is linked.
    Links to schools that are not in the graph or not open on ``as_of`` are dropped.
    """
    as_of = as_of or dt.date.today()
    schools = in_operation(schools_frame(store), as_of)
    parts = [
        _network_instances(store, as_of, max_network_size),
        _trust_instances(schools),
        _link_instances(store, as_of),
        _review_instances(store, as_of),
        _shared_staff_instances(store, as_of),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=INSTANCE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[INSTANCE_COLUMNS]
    known = set(schools["urn"].astype("int64"))
    out = out[out["urn_a"].isin(known) & out["urn_b"].isin(known)].reset_index(drop=True)
    out["urn_a"], out["urn_b"] = out["urn_a"].astype("int64"), out["urn_b"].astype("int64")
    for col in ("carriers_a", "carriers_b"):
        out[col] = pd.Series([_carrier_tuple(c) for c in out[col]], dtype=object)
    return out


def _carrier_tuple(value: object) -> tuple[str, ...] | None:
    """Carriers as a sorted tuple of person_ids, or None (institutional). pandas may hand back the
    tuples built above as lists or arrays, and None as NA, depending on its version."""
    if value is None or value is pd.NA or isinstance(value, float):
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(sorted(str(v) for v in value))


def _plain(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


@analysis
def collaboration_graph(
    store: GraphStore, as_of: dt.date | None = None, max_network_size: int = DEFAULT_MAX_NETWORK_SIZE
) -> nx.Graph:
    """The undirected school–school collaboration graph on ``as_of`` (see the module docstring).

    Nodes are URNs (ints) for every school open on ``as_of``, with attributes name, la_code,
    la_name, region_code, region_name, phase, type, kind, trust_id, low_age, high_age (missing
    values left out). Edges carry ``kinds`` (sorted list of link kinds), ``people`` (sorted
    person_ids carrying person-level links), ``weight`` (number of link instances, used by
    community detection) and ``support`` (list of ``(kind, carriers_a, carriers_b)`` for the edge's
    ``(min urn, max urn)`` ends; see :mod:`queries.networks.fragility`).
    """
    as_of = as_of or dt.date.today()
    g = nx.Graph()
    schools = in_operation(schools_frame(store), as_of)
    attrs = schools[["urn", *NODE_ATTRIBUTES]].astype(object)
    attrs = attrs.where(attrs.notna(), None)
    g.add_nodes_from(
        (int(row[0]), {k: _plain(v) for k, v in zip(NODE_ATTRIBUTES, row[1:], strict=True) if v is not None})
        for row in attrs.itertuples(index=False, name=None)
    )
    edges: dict[tuple[int, int], dict] = {}
    links = collaboration_links(store, as_of, max_network_size)
    for a, b, kind, ca, cb in links.itertuples(index=False, name=None):
        d = edges.get((a, b))
        if d is None:
            edges[(a, b)] = d = {"kinds": [kind], "people": [], "weight": 1, "support": [(kind, ca, cb)]}
        else:
            if kind not in d["kinds"]:
                d["kinds"].append(kind)
            d["weight"] += 1
            d["support"].append((kind, ca, cb))
        if ca:
            d["people"].extend(ca)
        if cb:
            d["people"].extend(cb)
    for d in edges.values():
        if len(d["kinds"]) > 1:
            d["kinds"].sort()
        if len(d["people"]) > 1:
            d["people"] = sorted(set(d["people"]))
    g.add_edges_from((a, b, d) for (a, b), d in edges.items())
    g.graph.update({"as_of": as_of.isoformat(), "max_network_size": max_network_size})
    return g


def shared_graph(store: GraphStore, as_of: dt.date, max_network_size: int) -> nx.Graph:
    """:func:`collaboration_graph`, built once per store, date and size limit and reused by the
    structure, gap and fragility analyses (cached on the store, so a new load or a new store gets a
    new graph). Read-only: callers copy before changing it. The public :func:`collaboration_graph`
    always builds afresh.
    """
    build = functools.partial(collaboration_graph, store, as_of, max_network_size)
    cache = getattr(store, "cache", None)
    if cache is None:  # a minimal store (tests) without the cache facility
        return build()
    return cache(("collaboration_graph", as_of, max_network_size), build)


# ------------------------------------------------------------------------------------------ structure


def scope(
    store: GraphStore,
    filters: Filters,
    as_of: dt.date | None,
    max_network_size: int = DEFAULT_MAX_NETWORK_SIZE,
) -> tuple[nx.Graph, nx.Graph]:
    """The national graph and the subgraph induced on the schools matching ``filters``.

    Structure (components, communities, brokers, bridges) is computed on the subgraph, so a
    regional lead sees their region's own structure; isolates use the national graph, so a school
    linked only across the boundary is not called isolated.
    """
    g = shared_graph(store, as_of or dt.date.today(), max_network_size)
    if not filters.describe():
        return g, g
    urns = set(apply_filters(schools_frame(store), filters)["urn"].astype("int64")) & set(g.nodes)
    return g, g.subgraph(urns).copy()


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
    filters: Filters = Filters(),
    as_of: dt.date | None = None,
    max_network_size: int = DEFAULT_MAX_NETWORK_SIZE,
) -> pd.DataFrame:
    """One row per connected component of the collaboration graph in scope, largest first.

    A single-school component is an isolate in scope. ``special_or_ap`` counts the special schools,
    PRUs and AP settings in it: a component of mainstream schools only has no route to specialist
    expertise (UCL G12, WSS G10).
    """
    _, sub = scope(store, filters, as_of, max_network_size)
    label = {v: i for i, comp in enumerate(_components(sub), start=1) for v in comp}
    nodes = pd.DataFrame(
        {
            "urn": list(label),
            "component": list(label.values()),
            "kind": [sub.nodes[v].get("kind") for v in label],
            "la_code": [sub.nodes[v].get("la_code") for v in label],
        }
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
    links = pd.Series([label[a] for a, _ in sub.edges()], dtype="int64").value_counts()
    out["links"] = out.index.map(links).fillna(0).astype("int64")
    out = out.reset_index()
    out[["mainstream", "special_or_ap"]] = out[["mainstream", "special_or_ap"]].astype("int64")
    return out[["component", "schools", "links", "mainstream", "special_or_ap", "las", "first_urn"]]


@analysis
def isolates(
    store: GraphStore,
    filters: Filters = Filters(),
    as_of: dt.date | None = None,
    max_network_size: int = DEFAULT_MAX_NETWORK_SIZE,
) -> pd.DataFrame:
    """Schools in scope with no collaboration link at all (degree 0 nationally; UCL G10, 19%)."""
    g, sub = scope(store, filters, as_of, max_network_size)
    nodes = sorted(n for n in sub.nodes if g.degree(n) == 0)
    return _school_rows(g, nodes)


@analysis
def communities(
    store: GraphStore,
    filters: Filters = Filters(),
    as_of: dt.date | None = None,
    seed: int = DEFAULT_SEED,
    resolution: float = 1.0,
    max_network_size: int = DEFAULT_MAX_NETWORK_SIZE,
) -> pd.DataFrame:
    """Communities of practice by Louvain modularity (networkx, fixed ``seed``: reproducible).

    One row per linked school with its ``community`` number (1 = largest; isolates are left out:
    they belong to no community, see :func:`isolates`). WSS §6.2 asks whether reviewers form local
    clusters or a star around one hub; UCL G10 asks for community detection and isolates. Edges
    are weighted by the number of reasons two schools are linked. The modularity is in
    ``attrs["modularity"]``.
    """
    _, sub = scope(store, filters, as_of, max_network_size)
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
            "method": f"Louvain (networkx), seed {seed}, resolution {resolution}, weight = link instances",
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
    filters: Filters = Filters(),
    as_of: dt.date | None = None,
    top: int | None = 20,
    exact_limit: int = EXACT_BETWEENNESS_LIMIT,
    samples: int = BETWEENNESS_SAMPLES,
    seed: int = DEFAULT_SEED,
    max_network_size: int = DEFAULT_MAX_NETWORK_SIZE,
) -> pd.DataFrame:
    """Schools that hold the network together: normalised betweenness centrality, highest first.

    Exact (Brandes) when at most ``exact_limit`` schools are linked; above that, sampled from
    ``samples`` source schools with a fixed ``seed`` (networkx's ``k``), stated in
    ``attrs["method"]``. Normalised over all schools in scope (isolates score 0). ``people`` lists
    the person_ids carrying the broker's person-level links: who a regional lead would talk to
    (WSS §6.2 brokerage; UCL G11).
    """
    _, sub = scope(store, filters, as_of, max_network_size)
    n = sub.number_of_nodes()
    linked = sum(1 for v in sub.nodes if sub.degree(v) > 0)
    if linked <= exact_limit:
        bc = nx.betweenness_centrality(sub, normalized=True)
        method = "exact betweenness (Brandes), normalised"
    else:
        k = min(samples, n)
        bc = nx.betweenness_centrality(sub, k=k, normalized=True, seed=seed)
        method = f"approximate betweenness from {k} sampled sources (seed {seed}), normalised"
    ranked = sorted((v for v in bc if bc[v] > 0), key=lambda v: (-bc[v], v))
    if top:
        ranked = ranked[:top]
    out = _school_rows(sub, ranked)
    out.insert(1, "betweenness", [round(bc[v], 6) for v in ranked])
    out["degree"] = [sub.degree(v) for v in ranked]
    out["people"] = [";".join(sorted({p for u in sub[v] for p in sub.edges[v, u]["people"]})) for v in ranked]
    out.attrs["method"] = method
    return out


@analysis
def bridges(
    store: GraphStore,
    filters: Filters = Filters(),
    as_of: dt.date | None = None,
    max_network_size: int = DEFAULT_MAX_NETWORK_SIZE,
) -> pd.DataFrame:
    """Links whose loss splits a component: the only tie between two groups of schools (UCL G11)."""
    _, sub = scope(store, filters, as_of, max_network_size)
    rows = []
    for a, b in nx.bridges(sub):
        a, b = min(a, b), max(a, b)
        d = sub.edges[a, b]
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
    filters: Filters = Filters(),
    as_of: dt.date | None = None,
    max_network_size: int = DEFAULT_MAX_NETWORK_SIZE,
) -> pd.DataFrame:
    """Schools whose loss from the graph would split their component (UCL G11).

    ``pieces_if_removed`` is how many parts the component falls into; ``schools_cut_off`` is how many
    schools would lose their connection to the largest remaining part.
    """
    _, sub = scope(store, filters, as_of, max_network_size)
    pieces = cut_pieces(sub)
    nodes = sorted(pieces, key=lambda v: (-(sum(pieces[v]) - pieces[v][0]), v))
    out = _school_rows(sub, nodes)
    out.insert(1, "pieces_if_removed", [len(pieces[v]) for v in nodes])
    out.insert(2, "schools_cut_off", [sum(pieces[v]) - pieces[v][0] for v in nodes])
    out["degree"] = [sub.degree(v) for v in nodes]
    return out
