"""The tie graph's definitions (issue 15), each on a small hand-built bundle with hand-worked weights.

As of 2025-01-01, eight Hartlepool schools 1..8 (URNs 301..308):

- network F (senco_forum, SEND): 5 active schools 301-305 (attended_training) add 1/(5-1) = 0.25 to
  each pair (under the old rule a forum above 40 schools linked nobody; now any size ties, weakly),
  and 306 is on its mailing list only (passive: no tie);
- network C (cluster, SEND): 301, 302 active -> +1/(2-1) = 1 to 301-302 (total 1.25);
- group FED (federation): 303, 304, 306 current -> +0.5 each pair; 307 left it on 2024-08-31 (ended);
- peer review 305 -> 306 on 2016-05-01 (expired after 3 years: no tie); 307 -> 308 on 2023-01-01 by
  nobody named (live: weight 1, carried by the school);
- CPD event E1 (conference, 2024-03-01): attended by P5 (in post at 305) and P8 (at 308) -> +1;
  online course E2 attended by P5 and P8 -> no tie (not a meeting);
- school link 301-308 collaboration ended 2024-12-31 -> no tie.

Weights: the ten forum pairs among 301-305 are 0.25, except 301-302 = 0.25 + 1 = 1.25 and 303-304 =
0.25 + 0.5 = 0.75; 303-306, 304-306 0.5 (federation); 305-308 1 (cpd_event); 307-308 1 (peer_review).
Nothing else.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from loaders import ingest
from queries.networks.collaboration import components, isolates
from queries.networks.ties import (
    DEFAULT_MIN_WEIGHT,
    pair_tie_instances,
    school_ties,
    shared_tie_graph,
    tie_graph,
    tie_instances,
    tie_weights,
    weight_graph,
)

AS_OF = dt.date(2025, 1, 1)
URNS = list(range(301, 309))


@pytest.fixture
def store(workspace, bundle_writer):
    schools = [
        {
            "urn": u,
            "name": f"School {u}",
            "la_code": "E06000001",
            "phase": "Primary",
            "type": "Community school",
            "type_group": "Local authority maintained schools",
        }
        for u in URNS
    ]
    sm = [
        {"urn": u, "network_id": "F", "tier": "attended_training", "start_date": "2020-09-01"}
        for u in range(301, 306)
    ]
    sm += [
        {"urn": 306, "network_id": "F", "tier": "mailing_list", "start_date": "2020-09-01"},
        {"urn": 301, "network_id": "C", "tier": "attended_training", "start_date": "2020-09-01"},
        {"urn": 302, "network_id": "C", "tier": "attended_training", "start_date": "2020-09-01"},
    ]
    tables = {
        "schools": schools,
        "networks": [
            {"network_id": "F", "name": "Forum", "kind": "senco_forum", "send": True},
            {"network_id": "C", "name": "Cluster", "kind": "cluster", "send": True},
        ],
        "school_memberships": sm,
        "groups": [{"group_id": "FED", "name": "Federation", "kind": "federation"}],
        "group_memberships": [
            {"urn": 303, "group_id": "FED", "start_date": "2019-09-01"},
            {"urn": 304, "group_id": "FED", "start_date": "2019-09-01"},
            {"urn": 306, "group_id": "FED"},
            {"urn": 307, "group_id": "FED", "start_date": "2019-09-01", "end_date": "2024-08-31"},
        ],
        "peer_reviews": [
            {"reviewer_urn": 305, "reviewed_urn": 306, "date": "2016-05-01"},
            {"reviewer_urn": 307, "reviewed_urn": 308, "date": "2023-01-01"},
        ],
        "people": [{"person_id": "P5"}, {"person_id": "P8"}],
        "posts": [
            {"person_id": "P5", "urn": 305, "role": "SENCO", "start_date": "2020-01-01"},
            {"person_id": "P8", "urn": 308, "role": "SENCO", "start_date": "2020-01-01"},
        ],
        "providers": [{"provider_id": "PR", "name": "Provider"}],
        "cpd_activities": [
            {
                "activity_id": "E1",
                "title": "Summit",
                "provider_id": "PR",
                "format": "conference",
                "date": "2024-03-01",
            },
            {
                "activity_id": "E2",
                "title": "Webinar",
                "provider_id": "PR",
                "format": "online",
                "date": "2024-03-01",
            },
        ],
        "attendance": [
            {"person_id": "P5", "activity_id": "E1", "date": "2024-03-01"},
            {"person_id": "P8", "activity_id": "E1", "date": "2024-03-01"},
            {"person_id": "P5", "activity_id": "E2", "date": "2024-03-01"},
            {"person_id": "P8", "activity_id": "E2", "date": "2024-03-01"},
        ],
        "school_links": [
            {
                "urn": 301,
                "linked_urn": 308,
                "kind": "collaboration",
                "date": "2017-01-01",
                "end_date": "2024-12-31",
            }
        ],
    }
    ingest.load(workspace, [(bundle_writer(tables), "auto")], today=dt.date(2025, 6, 1))
    return workspace


def _weights(frame) -> dict[tuple[int, int], float]:
    return {
        (int(a), int(b)): round(float(w), 6)
        for a, b, w in zip(frame["urn_a"], frame["urn_b"], frame["weight"], strict=True)
    }


def test_newman_weights_and_every_kind_of_tie(store):
    ties = school_ties(store, as_of=AS_OF, min_weight=0)
    forum = {(a, b): 0.25 for a in range(301, 306) for b in range(a + 1, 306)}
    assert _weights(ties) == {
        **forum,
        (301, 302): 1.25,  # forum 0.25 + cluster of 2: 1
        (303, 304): 0.75,  # forum 0.25 + federation of 3: 0.5
        (303, 306): 0.5,
        (304, 306): 0.5,
        (305, 308): 1.0,  # co-attendance at a conference (the online course does not tie)
        (307, 308): 1.0,  # a live peer review with no named reviewer
    }  # no 305-306 (2016 review expired), no 301-308 (link ended), no tie for 307 via FED (left)
    kinds = dict(zip(zip(ties["urn_a"], ties["urn_b"], strict=True), ties["kinds"], strict=True))
    assert kinds[(301, 302)] == "cluster;network" and kinds[(303, 304)] == "federation;network"
    assert kinds[(305, 308)] == "cpd_event"
    people = dict(zip(zip(ties["urn_a"], ties["urn_b"], strict=True), ties["people"], strict=True))
    assert people[(305, 308)] == "P5;P8" and people[(307, 308)] == ""


def test_lifetimes(store):
    before = _weights(school_ties(store, as_of=dt.date(2018, 1, 1), min_weight=0))
    assert before[(305, 306)] == 1.0  # the 2016 review is live until 2019-05-01
    assert (307, 308) not in before  # the 2023 review is in the future
    assert before[(301, 308)] == 1.0  # the collaboration link is in place
    assert _weights(school_ties(store, as_of=dt.date(2027, 3, 1), min_weight=0)).get((305, 308)) is None


def test_threshold_is_an_option_not_a_cliff(store):
    strong = _weights(school_ties(store, as_of=AS_OF, min_weight=0.5))
    assert set(strong) == {(301, 302), (303, 304), (303, 306), (304, 306), (305, 308), (307, 308)}
    # weak forum ties are below the threshold but still ties: no school here is isolated
    assert isolates(store, as_of=AS_OF, min_weight=0.5).empty


def test_carriers_for_fragility(store):
    inst = tie_instances(store, as_of=AS_OF, min_weight=0)
    cpd = inst[inst["kind"] == "cpd_event"].iloc[0]
    assert (cpd["carriers_a"], cpd["carriers_b"]) == (("P5",), ("P8",))
    review = inst[inst["kind"] == "peer_review"].iloc[0]
    assert review["carriers_a"] is None and review["carriers_b"] is None


def test_graph_is_cached_on_the_store(store):
    g1 = shared_tie_graph(store, AS_OF)
    assert shared_tie_graph(store, AS_OF) is g1
    # kept with the store's derived results (main's one cache facility), per date and threshold
    assert store.cache(("tie_graph", AS_OF, float(DEFAULT_MIN_WEIGHT)), lambda: None) is g1
    assert shared_tie_graph(store, AS_OF, min_weight=0) is not g1


@pytest.mark.parametrize("min_weight", [0, 0.02, 0.5])
def test_weights_only_list_is_the_same_ties(store, min_weight):
    # the fast carrier-free tie list must give exactly the pairs and weights of the full one
    full = school_ties(store, as_of=AS_OF, min_weight=min_weight)
    fast = tie_weights(store, as_of=AS_OF, min_weight=min_weight)
    assert _weights(full) == {(a, b): round(w, 6) for a, b, w in fast.itertuples(index=False)}


def test_sparse_components_count_every_school(store):
    comp = components(store, as_of=AS_OF, min_weight=0.5)
    g = tie_graph(store, as_of=AS_OF, min_weight=0.5)
    assert comp["schools"].sum() == g.number_of_nodes()
    assert comp["links"].sum() == g.number_of_edges()
    assert list(comp["component"]) == list(range(1, len(comp) + 1))
    assert comp["schools"].is_monotonic_decreasing


@pytest.mark.parametrize("min_weight", [0, 0.02, 0.5])
def test_weight_graph_is_the_tie_graph_without_carriers(store, min_weight):
    # the structure measures run on weight_graph: same nodes, attributes, edges, weights and order
    full = tie_graph(store, as_of=AS_OF, min_weight=min_weight)
    fast = weight_graph(store, as_of=AS_OF, min_weight=min_weight)
    assert list(fast.nodes(data=True)) == list(full.nodes(data=True))
    assert list(fast.edges) == list(full.edges)
    for a, b, d in full.edges(data=True):
        assert fast.edges[a, b] == {"weight": d["weight"], "distance": d["distance"]}
    assert fast.graph == full.graph


@pytest.mark.parametrize("min_weight", [0, 0.5])
def test_instances_of_some_pairs_are_those_rows_of_the_full_list(store, min_weight):
    # bridges, brokers and regional tables look up carriers for their own ties only
    full = tie_instances(store, as_of=AS_OF, min_weight=min_weight)
    pairs = full[["urn_a", "urn_b"]].drop_duplicates().iloc[::2]
    some = pair_tie_instances(store, AS_OF, pairs, min_weight)
    expected = full.merge(pairs, on=["urn_a", "urn_b"])
    pd.testing.assert_frame_equal(some, expected)
