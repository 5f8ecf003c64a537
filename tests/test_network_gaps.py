"""Network gaps on the hand-built bundle in ``participation_fixture`` (as of 2025-01-01).

Specialist settings: 1006 special 11-19 (one hop from 1005, two from 1004), 1007 PRU 5-10 (one hop
from 1010, ages 3-7, and from 1011, ages 11-16, which does not overlap). Age ranges overlap only if
they share a year: 4-11 and 11-19 do not (exclusive boundary). Trained reviewers, at the
trained_reviewer rung or above: P2 in Hartlepool; P5 and school 1005 (host_deliverer) in
Middlesbrough; school 1007 (strategic_partner) in Redcar; none in Bolton.
"""

from __future__ import annotations

import pandas as pd
import pytest

from queries.context import Filters, schools_frame
from queries.networks.gaps import (
    network_gaps,
    network_gaps_summary,
    specialist_reach,
    specialist_reach_from_ties,
)
from queries.networks.ties import tie_graph, tie_weights
from queries.posts import in_operation
from tests.participation_fixture import AS_OF, load_world


@pytest.fixture
def world(workspace, bundle_writer):
    return load_world(workspace, bundle_writer)


def _keys(frame):
    """{gap: sorted URNs, or LA codes for area rows}."""
    out: dict[str, list[str]] = {}
    for gap, urn, la in zip(frame["gap"], frame["urn"], frame["la_code"], strict=True):
        out.setdefault(gap, []).append(la if urn is None or urn is pd.NA else str(urn))
    return {g: sorted(v) for g, v in out.items()}


def test_every_gap_kind(world):
    gaps = network_gaps(world, as_of=AS_OF)
    got = _keys(gaps)
    assert got == {
        "outside_every_network": ["1006", "1008", "1010"],
        "passive_only": ["1004", "1009", "1011"],
        # 1010 (an infant school) is matched to the PRU on age, whatever its phase; 1011 is one hop from
        # the PRU but its pupils (11-16) are older than the PRU's (5-10).
        "no_specialist_link": ["1001", "1002", "1003", "1008", "1009", "1011"],
        "no_trained_reviewer": ["E08000001"],  # Redcar has 1007, a strategic partner (rung 7 >= 5)
    }
    assert gaps["gap"].unique().tolist() == [
        "outside_every_network",
        "passive_only",
        "no_specialist_link",
        "no_trained_reviewer",
    ]
    area = gaps[gaps["gap"] == "no_trained_reviewer"].set_index("la_code")
    assert area.loc["E08000001", "detail"] == "1 school(s), no trained peer reviewer"
    assert area["urn"].isna().all()
    row = gaps[(gaps["gap"] == "no_specialist_link") & (gaps["urn"] == 1011)].iloc[0]
    assert row["detail"] == "no special school, PRU or AP setting for ages 11-16 within 2 link(s)"


def test_hops_widen_the_reach(world):
    def missing(hops):
        g = network_gaps(world, hops=hops, as_of=AS_OF)
        return sorted(g.loc[g["gap"] == "no_specialist_link", "urn"].astype(int))

    assert missing(1) == [1001, 1002, 1003, 1004, 1008, 1009, 1011]  # 1004 is two hops from 1006
    # 1003 is 3 hops from 1006, but 4-11 and 11-19 share no year of age (exclusive boundary)
    assert missing(3) == [1001, 1002, 1003, 1008, 1009, 1011]


def test_filters_limit_rows_not_reach(world):
    gaps = network_gaps(world, as_of=AS_OF, filters=Filters(la="Redcar and Cleveland"))
    assert sorted(
        zip(gaps["gap"], gaps["urn"].astype(object).where(gaps["urn"].notna(), None), strict=True), key=str
    ) == sorted(
        [
            ("outside_every_network", 1008),
            ("outside_every_network", 1010),
            ("passive_only", 1011),
            ("no_specialist_link", 1008),
            ("no_specialist_link", 1011),
        ],
        key=str,
    )


def test_summary_by_la(world):
    s = network_gaps_summary(world, by="la", as_of=AS_OF).set_index("la_code")
    cols = [
        "schools",
        "outside_every_network",
        "passive_only",
        "mainstream",
        "no_specialist_link",
        "trained_reviewers",
    ]
    assert s[cols].to_dict("index") == {
        "E06000001": dict(zip(cols, [3, 0, 0, 3, 3, 1], strict=True)),
        "E06000002": dict(zip(cols, [3, 1, 1, 2, 0, 2], strict=True)),  # P5 and school 1005
        "E06000003": dict(zip(cols, [4, 2, 1, 3, 2, 1], strict=True)),  # school 1007
        "E08000001": dict(zip(cols, [1, 0, 1, 1, 1, 0], strict=True)),
    }
    assert s.loc["E06000003", "pct_no_specialist_link"] == 66.7  # 2 of 3 mainstream schools
    assert s.loc["E06000001", "reviewers_per_100_schools"] == 33.3


@pytest.mark.parametrize("hops", [1, 2, 3])
def test_sparse_reach_matches_breadth_first_search(world, hops):
    # gaps uses the sparse frontier on the tie list; it must agree with a BFS on the graph
    schools = in_operation(schools_frame(world), AS_OF)
    slow = specialist_reach(tie_graph(world, as_of=AS_OF), schools, hops)
    fast = specialist_reach_from_ties(tie_weights(world, as_of=AS_OF), schools, hops)
    assert fast.equals(slow)
    assert fast["nearest_hops"].notna().any()
