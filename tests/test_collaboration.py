"""The school collaboration graph and its structure on the hand-built bundle in
``participation_fixture`` (edges listed there). Betweenness by hand: with n schools in scope,
normalised betweenness = (pairs whose shortest paths pass through the school) / C(n-1, 2)."""

from __future__ import annotations

import pytest

from queries.context import Filters
from queries.networks.collaboration import (
    articulation_points,
    bridges,
    brokers,
    collaboration_graph,
    communities,
    components,
    isolates,
)
from tests.participation_fixture import AS_OF, load_world


@pytest.fixture
def world(workspace, bundle_writer):
    return load_world(workspace, bundle_writer)


def test_graph_edges_kinds_and_people(world):
    g = collaboration_graph(world, as_of=AS_OF)
    assert sorted(g.nodes) == list(range(1001, 1012))
    assert g.nodes[1006]["kind"] == "special" and g.nodes[1007]["low_age"] == 5
    edges = {(a, b): (d["kinds"], d["people"], d["weight"]) for a, b, d in g.edges(data=True)}
    edges = {tuple(sorted(k)): v for k, v in edges.items()}
    # N1 has 3 active member schools: 1/(3-1) = 0.5 a pair (Newman); T1 has 2 schools: 1/(2-1) = 1
    assert edges == {
        (1001, 1002): (["network"], ["P2"], 0.5),
        (1001, 1003): (["network"], ["P3"], 0.5),
        (1002, 1003): (["network"], ["P2", "P3"], 0.5),
        (1003, 1004): (["shared_staff"], ["P4"], 1.0),
        (1004, 1005): (["trust"], [], 1.0),
        (1005, 1006): (["peer_review"], ["P5"], 1.0),
        (1007, 1010): (["federation"], [], 1.0),
        (1007, 1011): (["cluster"], [], 1.0),
    }  # no 1001-1008 edge: a GIAS predecessor link is history, not a tie


def test_threshold_drops_weak_ties_from_structure_but_not_from_isolation(world):
    g = collaboration_graph(world, as_of=AS_OF, min_weight=0.6)  # N1's 0.5 ties fall below
    assert g.number_of_edges() == 5
    assert not g.has_edge(1001, 1002) and g.has_edge(1003, 1004)
    # 1001 and 1002 have no strong tie, yet they are tied: not isolates
    assert isolates(world, as_of=AS_OF, min_weight=0.6)["urn"].tolist() == [1008, 1009]


def test_components_and_isolates(world):
    c = components(world, as_of=AS_OF)
    assert c[["schools", "links", "mainstream", "special_or_ap", "las", "first_urn"]].values.tolist() == [
        [6, 6, 5, 1, 2, 1001],
        [3, 2, 2, 1, 1, 1007],
        [1, 0, 1, 0, 1, 1008],
        [1, 0, 1, 0, 1, 1009],
    ]
    assert isolates(world, as_of=AS_OF)["urn"].tolist() == [1008, 1009]
    assert isolates(world, as_of=AS_OF, filters=Filters(region="North West"))["urn"].tolist() == [1009]


def test_louvain_on_tie_weights(world):
    c = communities(world, as_of=AS_OF)
    groups = c.groupby("community")["urn"].apply(list).to_dict()
    # the best partition (checked exhaustively over all 21147 partitions of the 9 linked schools):
    # N1's 0.5 triangle, 1004-1005-1006 on their strong ties, and the 1007 star
    assert groups == {1: [1001, 1002, 1003], 2: [1004, 1005, 1006], 3: [1007, 1010, 1011]}
    # weighted Q = sum(W_c/m - (s_c/2m)^2), m = 3*0.5 + 5*1 = 6.5, strengths s: 4, 5, 4 (2m = 13):
    # 1.5/6.5-(4/13)^2 + 2/6.5-(5/13)^2 + 2/6.5-(4/13)^2 = 0.5089
    # (networkx's Louvain stopped at 0.4852, with 1004 in the triangle's group)
    assert c.attrs["modularity"] == pytest.approx(0.5089, abs=1e-4)
    assert c.attrs["method"].startswith("Louvain (igraph multilevel), seed 42")
    again = communities(world, as_of=AS_OF, seed=42)
    assert again.equals(c)  # the same seed gives the same partition
    assert c.attrs["communities"] == 3


def test_brokers_exact_betweenness(world):
    b = brokers(world, as_of=AS_OF)
    # n = 11, C(10,2) = 45. 1003 and 1004 each sit on 3 x 2 = 6 pairs, 1005 on 4, 1007 on 1.
    assert b["urn"].tolist() == [1003, 1004, 1005, 1007]
    assert b["betweenness"].tolist() == [round(x / 45, 6) for x in (6, 6, 4, 1)]
    assert b.loc[0, "people"] == "P2;P3;P4"
    assert b.attrs["method"].startswith("exact")
    ne = brokers(world, as_of=AS_OF, filters=Filters(region="North East"))  # n = 10: C(9,2) = 36
    assert ne.loc[0, "betweenness"] == round(6 / 36, 6)


def test_brokers_sampled_above_the_size_limit(world):
    b = brokers(world, as_of=AS_OF, exact_limit=0, samples=11, seed=7)
    assert "11 sampled sources (seed 7)" in b.attrs["method"]
    # Sampling every node as a source gives the exact answer.
    assert b["betweenness"].tolist()[:2] == [round(6 / 45, 6)] * 2


def test_bridges_and_articulation_points(world):
    br = bridges(world, as_of=AS_OF)
    assert br[["urn_a", "urn_b"]].values.tolist() == [
        [1003, 1004],
        [1004, 1005],
        [1005, 1006],
        [1007, 1010],
        [1007, 1011],
    ]
    assert br["smaller_side"].tolist() == [3, 2, 1, 1, 1]
    assert br.loc[0, "people"] == "P4" and br.loc[1, "kinds"] == "trust"
    ap = articulation_points(world, as_of=AS_OF)
    assert ap["urn"].tolist() == [1003, 1004, 1005, 1007]
    assert ap["schools_cut_off"].tolist() == [2, 2, 1, 1]
    assert ap["pieces_if_removed"].tolist() == [2, 2, 2, 2]


def test_cut_pieces_from_the_block_cut_tree():
    import networkx as nx

    from queries.networks.collaboration import cut_pieces

    assert cut_pieces(nx.star_graph(3)) == {0: [1, 1, 1]}
    assert cut_pieces(nx.path_graph(5)) == {1: [3, 1], 2: [2, 2], 3: [3, 1]}
    g = nx.complete_graph(4)  # 0..3 biconnected, then a tail 3-4-5
    g.add_edges_from([(3, 4), (4, 5)])
    assert cut_pieces(g) == {3: [3, 2], 4: [4, 1]}


def test_sampled_brokers_match_networkx_sampling(world):
    """The sampled estimate takes networkx's sources (random.Random(seed).sample of the schools in
    scope) and its normalisation, so it equals networkx's ``betweenness_centrality(k=...)``."""
    import networkx as nx

    g = collaboration_graph(world, as_of=AS_OF)
    for k, seed in [(4, 42), (6, 7), (10, 1)]:
        b = brokers(world, as_of=AS_OF, top=None, exact_limit=0, samples=k, seed=seed)
        expected = nx.betweenness_centrality(g, k=k, normalized=True, seed=seed, weight="distance")
        expected = {v: round(x, 6) for v, x in expected.items() if x > 0}
        assert expected
        assert dict(zip(b["urn"], b["betweenness"], strict=True)) == expected
        assert b.attrs["method"].startswith(f"approximate weighted betweenness from {k} sampled")


def test_structure_of_a_scope_without_ties_is_empty(world):
    # the North West holds one school, 1009, with no tie
    nw = Filters(region="North West")
    assert communities(world, as_of=AS_OF, filters=nw).empty
    assert brokers(world, as_of=AS_OF, filters=nw).empty
    assert bridges(world, as_of=AS_OF, filters=nw).empty
    assert articulation_points(world, as_of=AS_OF, filters=nw).empty


@pytest.mark.parametrize("linked", [3, 49, 50, 51, 97])
def test_the_linked_graph_is_the_induced_subgraph_edge_for_edge(linked):
    """communities builds the graph of the linked schools straight from the tie list when they are
    more than half the schools (igraph then copies and deletes, keeping the edge order), and asks
    igraph otherwise (it then builds afresh, in another order): either way the graph is igraph's own
    induced subgraph, vertex for vertex, edge for edge, weight for weight, so Louvain answers alike."""
    import random

    import igraph
    import numpy as np

    from queries.networks.collaboration import _igraph, _linked_graph

    rng = random.Random(linked)
    n = 100
    ends = sorted(rng.sample(range(n), linked))
    pairs = list(dict.fromkeys(tuple(sorted(rng.sample(ends, 2))) for _ in range(4 * linked)))
    rng.shuffle(pairs)
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    weight = np.array([rng.random() for _ in pairs])
    linked_idx = np.flatnonzero(np.bincount(np.concatenate([a, b]), minlength=n) > 0)
    want = _igraph(n, a, b, weight).induced_subgraph(linked_idx.tolist())
    got = _linked_graph(n, linked_idx, a, b, weight)
    assert got.vcount() == want.vcount() == len(linked_idx)
    assert got.get_edgelist() == want.get_edgelist() and got.es["weight"] == want.es["weight"]
    igraph.set_random_number_generator(random.Random(1))
    mine = got.community_multilevel(weights="weight").membership
    igraph.set_random_number_generator(random.Random(1))
    assert mine == want.community_multilevel(weights="weight").membership
    igraph.set_random_number_generator(random)
