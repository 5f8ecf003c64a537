"""The participation ladder on the hand-built bundle in ``participation_fixture`` (answers worked out
there and below). Rungs: 1 wider_community .. 7 strategic_partner; 0 = in no SEND network."""

from __future__ import annotations

import datetime as dt

import pytest

from graphmodel.errors import SendgraphError
from loaders import ingest
from queries.context import Filters
from queries.networks.participation import (
    participation_over_time,
    participation_summary,
    school_participation,
)
from tests.participation_fixture import AS_OF, load_world, tables


@pytest.fixture
def world(workspace, bundle_writer):
    return load_world(workspace, bundle_writer)


def test_each_school_gets_its_highest_rung(world):
    per = school_participation(world, as_of=AS_OF).set_index("urn")
    # 1001 own membership (4); 1002 via P2 (5); 1003 via P3 (4) and P4 (2); 1004 own download (3) and P4 (2);
    # 1005 host (6); 1006 none; 1007 strategic partner (7); 1008 membership ended 2020; 1009 mailing list;
    # 1010 only in N4, which is not a SEND network; 1011 wider community.
    assert per["tier_rank"].to_dict() == {
        1001: 4,
        1002: 5,
        1003: 4,
        1004: 3,
        1005: 6,
        1006: 0,
        1007: 7,
        1008: 0,
        1009: 2,
        1010: 0,
        1011: 1,
    }
    assert per.loc[1002, "highest_tier"] == "trained_reviewer"
    assert per["highest_tier"].isna().sum() == 3
    assert sorted(per.index[per["passive_only"]]) == [1004, 1009, 1011]
    # P4 is in post at both 1003 and 1004, so counts at each.
    assert per["staff_participants"].to_dict() == {
        1001: 0,
        1002: 1,
        1003: 2,
        1004: 1,
        1005: 1,
        1006: 0,
        1007: 0,
        1008: 0,
        1009: 0,
        1010: 0,
        1011: 0,
    }
    assert per.loc[1003, "networks"] == 2 and per.loc[1004, "networks"] == 1
    assert list(per.reset_index().columns) == [
        "urn",
        "school_name",
        "la_code",
        "la_name",
        "region_code",
        "region_name",
        "phase",
        "type",
        "kind",
        "highest_tier",
        "tier_rank",
        "networks",
        "staff_participants",
        "passive_only",
    ]


def test_dates_decide_who_takes_part(world):
    per = school_participation(world, as_of=dt.date(2019, 1, 1)).set_index("urn")
    # Only 1008's 2018-2020 membership is live in 2019.
    assert per.index[per["tier_rank"] > 0].tolist() == [1008]


def test_one_network_and_filters(world):
    per = school_participation(world, as_of=AS_OF, network="Hartlepool SENCO forum").set_index("urn")
    assert per["tier_rank"][per["tier_rank"] > 0].to_dict() == {1001: 4, 1002: 5, 1003: 4}
    ne = school_participation(world, as_of=AS_OF, filters=Filters(region="North East"))
    assert 1009 not in set(ne["urn"]) and len(ne) == 10
    with pytest.raises(SendgraphError, match="no SEND network matches 'N4'"):
        school_participation(world, as_of=AS_OF, network="N4")


def test_ladder_shares_and_funnel(world):
    s = participation_summary(world, as_of=AS_OF).set_index("rung")
    # Rungs 0..7 hold 3,1,1,1,2,1,1,1 of 11 schools; at-or-above 11,8,7,6,5,3,2,1.
    assert s["schools_at_rung"].tolist() == [3, 1, 1, 1, 2, 1, 1, 1]
    assert s["schools_at_or_above"].tolist() == [11, 8, 7, 6, 5, 3, 2, 1]
    assert s["pct_at_or_above"].tolist() == [100.0, 72.7, 63.6, 54.5, 45.5, 27.3, 18.2, 9.1]
    # funnel: 8/11, 7/8, 6/7, 5/6, 3/5, 2/3, 1/2
    assert s["funnel_pct"].iloc[1:].tolist() == [72.7, 87.5, 85.7, 83.3, 60.0, 66.7, 50.0]
    assert s["funnel_pct"].isna().iloc[0]
    # rung 4 = 1001 (0 staff) and 1003 (2 staff): 1 per school.
    assert s.loc[4, "staff_participants"] == 2 and s.loc[4, "staff_per_school"] == 1.0
    assert s.loc[0, "tier"] == "none" and s.loc[7, "tier"] == "strategic_partner"


def test_regions_against_the_national_figure(world):
    s = participation_summary(world, by="region", as_of=AS_OF)
    ne = s[s["region_name"] == "North East"].set_index("rung")
    # North East: 10 schools, 7 at rung 1 or above (70.0%) against 8/11 = 72.7% nationally.
    assert ne.loc[1, "schools"] == 10 and ne.loc[1, "schools_at_or_above"] == 7
    assert ne.loc[1, "national_pct_at_or_above"] == 72.7
    assert ne.loc[1, "diff_from_national_pp"] == -2.7
    assert ne.loc[4, "diff_from_national_pp"] == 4.5  # 5/10 = 50.0 against 5/11 = 45.5
    nw = s[s["region_name"] == "North West"].set_index("rung")
    assert nw["schools_at_rung"].tolist() == [0, 0, 1, 0, 0, 0, 0, 0]


def test_change_over_time(world):
    t = participation_over_time(world, years=[2024, 2019]).set_index("year")
    assert t.loc[2019, ["participating", "active", "passive_only"]].tolist() == [1, 1, 0]
    cols = ["participating", "active", "passive_only", "staff_participants"]
    # staff: P2, P3, P4, P5 - P4 (SENCO at 1003 and 1004) counts once, not per school
    assert t.loc[2024, cols].tolist() == [8, 5, 3, 4]
    assert t.loc[2024, "pct_participating"] == 72.7


def test_over_time_needs_membership_dates(workspace, bundle_writer):
    data = tables()
    for table in ("school_memberships", "person_memberships"):
        for row in data[table]:
            row.pop("start_date", None)
            row.pop("end_date", None)
    ingest.load(workspace, [(bundle_writer(data), "auto")])
    with pytest.raises(SendgraphError, match="start_date"):
        participation_over_time(workspace, years=[2020])
