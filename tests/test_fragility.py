"""Fragile links and the what-if on the hand-built bundle in ``participation_fixture``.

Links carried by one person: 1001-1002 (P2 is 1002's only member of N1), 1001-1003 (P3),
1002-1003 (P2 or P3), 1003-1004 (P4 holds posts at both), 1005-1006 (P5 carried the review).
Institutional, never fragile: 1004-1005 trust, 1007-1010 federation, 1007-1011 cluster.
Birth years: P2 1960 (65 in 2025), P4 1968 (57 in 2025, 62 in 2030), P3 1990, P5 1985, P1 blank.
"""

from __future__ import annotations

import datetime as dt

import pytest

from graphmodel.errors import SendgraphError
from queries.context import Filters
from queries.networks.fragility import (
    edge_lost,
    fragile_links,
    single_carriers,
    what_if_lost_links,
    what_if_remove,
)
from queries.networks.ties import tie_graph
from tests.participation_fixture import AS_OF, load_world


@pytest.fixture
def world(workspace, bundle_writer):
    return load_world(workspace, bundle_writer)


def test_single_carriers_and_loss_rules():
    assert single_carriers([("network", None, ("P2",))]) == {"P2"}
    assert single_carriers([("network", ("P2",), ("P3",))]) == {"P2", "P3"}
    assert single_carriers([("network", ("P2", "P7"), None)]) == set()  # two carriers: no single point
    assert single_carriers([("peer_review", ("P5",), None), ("trust", None, None)]) == set()
    assert edge_lost([("network", ("P2", "P7"), None)], {"P2"}) is False
    assert edge_lost([("network", ("P2", "P7"), None)], {"P2", "P7"}) is True
    assert edge_lost([("trust", None, None)], {"P2"}) is False


def test_fragile_links(world):
    f = fragile_links(world, as_of=AS_OF)
    assert f[["urn_a", "urn_b", "person_id", "bridge"]].values.tolist() == [
        [1001, 1002, "P2", False],
        [1001, 1003, "P3", False],
        [1002, 1003, "P2;P3", False],
        [1003, 1004, "P4", True],
        [1005, 1006, "P5", True],
    ]
    assert f.attrs["links_in_scope"] == 8
    # Scope: only Middlesbrough schools, so just the review link (1005-1006) remains inside it.
    assert fragile_links(world, as_of=AS_OF, filters=Filters(la="E06000002"))["person_id"].tolist() == ["P5"]


def _table(frame):
    return {m: (b, a) for m, b, a in frame[["measure", "before", "after"]].itertuples(index=False)}


def test_removing_the_shared_senco_splits_the_big_component(world):
    t = _table(what_if_remove(world, person_ids=["P4"], as_of=AS_OF))
    assert t == {
        "links": (8, 7),
        "linked_schools": (9, 9),
        "isolated_schools": (2, 2),
        "components_of_2_or_more": (2, 3),
        "largest_component": (6, 3),
    }


def test_removing_both_forum_members_isolates_two_schools(world):
    frame = what_if_remove(world, person_ids=["P2", "P3"], as_of=AS_OF)
    assert _table(frame) == {
        "links": (8, 5),
        "linked_schools": (9, 7),
        "isolated_schools": (2, 4),
        "components_of_2_or_more": (2, 2),
        "largest_component": (6, 4),
    }
    assert frame["change"].tolist() == [-3, -2, 2, 0, -2]
    assert frame.attrs["people_removed"] == 2 and frame.attrs["people_removed_carrying_links"] == 2


def test_retirement_from_birth_year(world):
    now = what_if_remove(world, retiring_within_years=0, as_of=AS_OF)  # P2 only (65)
    assert now.attrs["people_removed"] == 1
    assert _table(now)["links"] == (8, 6)  # 1001-1002 and 1002-1003 both hang on P2
    five = what_if_lost_links(world, retiring_within_years=5, as_of=AS_OF)  # P2 and P4 (62 by 2030)
    assert five[["urn_a", "urn_b", "person_id", "a_isolated", "b_isolated"]].values.tolist() == [
        [1001, 1002, "P2", False, True],
        [1002, 1003, "P2", True, False],
        [1003, 1004, "P4", False, False],
    ]
    older = what_if_remove(world, retiring_within_years=0, as_of=AS_OF, retirement_age=66)
    assert older.attrs["people_removed"] == 0 and older["change"].tolist() == [0, 0, 0, 0, 0]


def test_what_if_errors(world):
    with pytest.raises(SendgraphError, match="unknown person_id"):
        what_if_remove(world, person_ids=["P99"], as_of=AS_OF)
    with pytest.raises(SendgraphError, match="--person"):
        what_if_remove(world, as_of=AS_OF)


@pytest.mark.parametrize("removed", [{"P2"}, {"P4"}, {"P2", "P3"}, {"P5", "P4"}, {"P1"}])
def test_what_if_examines_only_the_ties_the_removed_carry(world, removed):
    # the fast path looks at the ties one of the removed carries; the definition checks every edge
    g = tie_graph(world, as_of=AS_OF)
    expected = sorted(
        (min(a, b), max(a, b))
        for a, b, d in g.edges(data=True)
        if removed & set(d["people"]) and edge_lost(d["support"], removed)
    )
    lost = what_if_lost_links(world, person_ids=sorted(removed), as_of=AS_OF)
    assert list(zip(lost["urn_a"], lost["urn_b"], strict=True)) == expected
    t = _table(what_if_remove(world, person_ids=sorted(removed), as_of=AS_OF))
    assert t["links"] == (g.number_of_edges(), g.number_of_edges() - len(expected))


def test_fragile_links_match_single_carriers_on_every_edge(world):
    g = tie_graph(world, as_of=AS_OF, min_weight=0)
    expected = {
        (min(a, b), max(a, b)): ";".join(sorted(single_carriers(d["support"])))
        for a, b, d in g.edges(data=True)
        if single_carriers(d["support"])
    }
    f = fragile_links(world, as_of=AS_OF, min_weight=0)
    assert dict(zip(zip(f["urn_a"], f["urn_b"], strict=True), f["person_id"], strict=True)) == expected


def test_tie_carriers_hand_worked(world):
    """The carriers as arrays of the fixture's ties (module docstring of participation_fixture):
    P4 alone carries 1003-1004 (shared staff); P2 and P3 are each the only member of the forum N1
    at their school, so each is a single carrier of 1002-1003; the trust tie has none."""
    from queries.networks.carriers import pair_key, tie_carriers
    from queries.networks.ties import tie_weights

    ties = tie_weights(world, as_of=AS_OF, min_weight=0)
    c = tie_carriers(world, AS_OF, ties, subset=False)
    assert sorted(set(c.keys.tolist())) == sorted(pair_key(ties["urn_a"], ties["urn_b"]).tolist())
    sole = c.single_carriers()
    found = {
        (k >> 32, k & 0xFFFFFFFF, p) for k, p in zip(sole["key"].tolist(), sole["person_id"], strict=True)
    }
    assert (1003, 1004, "P4") in found and (1002, 1003, "P2") in found and (1002, 1003, "P3") in found
    assert not any(a == 1004 and b == 1005 for a, b, _p in found)  # the trust: institutional
    lost, carrying, who = c.losses({"P4"})
    assert [(k >> 32, k & 0xFFFFFFFF) for k in lost.tolist()] == [(1003, 1004)]
    assert carrying.tolist() == ["P4"] and who["person_id"].tolist() == ["P4"]
    assert c.kinds_of(lost).tolist() == ["shared_staff"]
    nobody, no_one, none = c.losses({"P99"})
    assert len(nobody) == 0 and len(no_one) == 0 and none.empty


def _ne_definitions(store, removed_sets):
    """What the tuple rules (single_carriers, edge_lost) say on every edge of the national tie graph."""
    day = dt.date(2025, 9, 1)
    g = tie_graph(store, as_of=day)
    sole = {
        (min(a, b), max(a, b)): ";".join(sorted(single_carriers(d["support"])))
        for a, b, d in g.edges(data=True)
        if single_carriers(d["support"])
    }
    lost = [
        sorted((min(a, b), max(a, b)) for a, b, d in g.edges(data=True) if edge_lost(d["support"], removed))
        for removed in removed_sets
    ]
    return day, sole, lost


def test_fast_rules_match_their_definitions_on_the_north_east(north_east):
    """fragile_links and what_if_lost_links (carriers as arrays) against the tuple rules applied to
    every edge of the generated North East's tie graph: the same ties, the same people."""
    from queries.networks.fragility import people_to_remove

    day = dt.date(2025, 9, 1)
    retiring = people_to_remove(north_east, None, 5, day)
    named = {"SYN-P0000001", "SYN-P0000002"} & set(north_east.table("people")["person_id"])
    sets = [retiring, named or set(list(retiring)[:3])]
    day, sole, lost = _ne_definitions(north_east, sets)
    f = fragile_links(north_east, as_of=day)
    assert len(f) > 100
    assert dict(zip(zip(f["urn_a"], f["urn_b"], strict=True), f["person_id"], strict=True)) == sole
    for removed, expected in zip(sets, lost, strict=True):
        got = what_if_lost_links(north_east, person_ids=sorted(removed), as_of=day)
        assert list(zip(got["urn_a"], got["urn_b"], strict=True)) == expected
        g = tie_graph(north_east, as_of=day)
        for a, b, people in zip(got["urn_a"], got["urn_b"], got["person_id"], strict=True):
            assert people == ";".join(sorted(removed & set(g.edges[a, b]["people"])))
    assert len(lost[0]) > 10


def test_array_helpers_match_numpy_and_the_python_join():
    """distinct / in_sorted are np.unique / np.isin without numpy 2.4's hashing; joined_text gives
    what joined gives (one ';'-joined string per key) as Arrow."""
    import numpy as np
    import pyarrow as pa

    from queries.networks.carriers import distinct, in_sorted, joined, joined_text

    rng = np.random.default_rng(7)
    values = rng.integers(-(2**40), 2**40, 5_000)
    values = np.concatenate([values, values[:1000]])
    assert np.array_equal(distinct(values), np.unique(values))
    assert len(distinct(np.array([], dtype=np.int64))) == 0
    probe = np.concatenate([values[:300], rng.integers(-(2**40), 2**40, 300), [-(2**62), 2**62]])
    assert np.array_equal(in_sorted(probe, distinct(values)), np.isin(probe, values))
    assert not in_sorted(probe, np.array([], dtype=np.int64)).any()
    keys = np.array([3, 3, 3, 8, 9, 9], dtype=np.int64)
    codes = np.array([0, 2, 1, 1, 2, 2], dtype=np.int64)
    names = np.array(["P1", "P2", "Ü3"], dtype=object)
    found, text = joined_text(keys, codes, pa.array(names.tolist(), type=pa.large_string()))
    expected = joined(keys, names[codes])
    assert found.tolist() == expected.index.tolist() == [3, 8, 9]
    assert text.to_pylist() == expected.tolist() == ["P1;Ü3;P2", "P2", "Ü3;Ü3"]
    none, empty = joined_text(keys[:0], codes[:0], pa.array([], type=pa.large_string()))
    assert len(none) == 0 and len(empty) == 0


def test_open_schools_are_those_of_the_schools_frame(world):
    """carriers reads which schools are open from the schools table, not the merged schools frame."""
    from queries.context import schools_frame
    from queries.networks.carriers import _open_schools
    from queries.posts import in_operation

    framed = in_operation(schools_frame(world), AS_OF)[["urn", "trust_id"]].reset_index(drop=True)
    assert _open_schools(world, AS_OF)[["urn", "trust_id"]].reset_index(drop=True).equals(framed)


def test_tie_scope_is_the_scope_graph_without_its_graph(world):
    """what-if reads the schools and ties of scope_graph (tie_scope skips the igraph graph), and
    fragile_links reads a bridge's schools off row i of the ties for edge i of the graph."""
    import numpy as np

    from queries.networks.collaboration import scope_graph
    from queries.networks.fragility import tie_scope

    for filters in (Filters(), Filters(la="E06000002")):
        graph = scope_graph(world, filters, AS_OF, 0)
        scope = tie_scope(world, filters, AS_OF, 0)
        assert scope.nodes.equals(graph.nodes) and scope.ties.equals(graph.ties)
        assert np.array_equal(scope.urns, graph.urns) and scope.national == graph.national
        edges = np.asarray(graph.graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
        rows = np.column_stack(
            [graph.ties["urn_a"].to_numpy(np.int64), graph.ties["urn_b"].to_numpy(np.int64)]
        )
        assert np.array_equal(np.sort(graph.urns[edges], axis=1), rows)


def test_group_instances_are_every_shared_source_of_every_pair():
    """_group_instances against a brute force on random memberships, with schools that belong to
    nothing and with no memberships at all."""
    import numpy as np

    from queries.networks.carriers import _group_instances

    rng = np.random.default_rng(3)
    source = rng.integers(0, 12, 80)
    urn = rng.integers(100, 130, 80)
    keys = np.unique((source << 32) | urn)
    source, urn = keys >> 32, keys & 0xFFFFFFFF
    pairs = sorted({(x, y) for x in range(95, 135) for y in range(95, 135) if x < y and rng.random() < 0.2})
    a = np.array([p[0] for p in pairs], dtype=np.int64)
    b = np.array([p[1] for p in pairs], dtype=np.int64)
    got = _group_instances(a, b, source, urn)
    end = {(int(s), int(u)): e for e, (s, u) in enumerate(zip(source, urn, strict=True))}
    expected = sorted(
        (x, y, s, end[s, x], end[s, y])
        for x, y in pairs
        for s in range(12)
        if (s, x) in end and (s, y) in end
    )
    assert len(expected) > 20
    assert (
        sorted(map(tuple, got[["urn_a", "urn_b", "source", "end_a", "end_b"]].to_numpy().tolist()))
        == expected
    )
    none = np.array([], dtype=np.int64)
    assert _group_instances(a, b, none, none).empty


def test_no_ties_give_empty_tables(world):
    """Above every tie's weight nothing is fragile or lost: empty tables with the usual columns."""
    f = fragile_links(world, as_of=AS_OF, min_weight=1e9)
    assert f.empty and list(f.columns)[:2] == ["urn_a", "school_a"] and f.attrs["links_in_scope"] == 0
    lost = what_if_lost_links(world, as_of=AS_OF, person_ids=["P4"], min_weight=1e9)
    assert lost.empty and "a_isolated" in lost.columns
    table = what_if_remove(world, as_of=AS_OF, person_ids=["P4"], min_weight=1e9)
    assert table.set_index("measure").loc["links", "before"] == 0
