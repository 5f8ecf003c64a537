"""Observed transitions from the hand-built career histories in career_fixture.py.

Years = days / 365.25, medians rounded to 2 decimals. Every number below is worked out in the
comments from the careers listed in the fixture's docstring.
"""

from __future__ import annotations

import pytest
from career_fixture import load_careers

from loaders import ingest
from queries.careers.transitions import (
    compare_with_reference,
    dead_ends,
    direct_to_specialist,
    moves,
    observed_transitions,
)
from queries.context import Filters


@pytest.fixture
def store(workspace, bundle_writer):
    load_careers(workspace, bundle_writer)
    return workspace


def _rows(frame, cols):
    return [tuple(r) for r in frame[cols].itertuples(index=False, name=None)]


def test_observed_transitions_counts_rates_and_medians(store):
    frame = observed_transitions(store)
    # CLASS_TEACHER leavers: P01, P02, P04, P06, P09, P11 = 6.
    #   -> SENCO: P01 (2013-09-01..2018-09-01, 1826 d = 4.9993), P02 (2015-09-01..2021-09-01, 2192 d =
    #      6.0014), P06 (1826 d = 4.9993), P11 (2010-09-01..2014-09-01, 1461 d = 4.0): median 4.9993 -> 5.0
    #   -> QTVI_TEACHER: P04 1461 d = 4.0; -> ADVISORY_HI: P09 2922 d = 8.0
    # ECT leavers P01 (731 d), P02 (730 d), P08 (365 d): all to CT, median 1.9986 -> 2.0
    # ITT leavers P01, P02, P03, P10 = 4: ECT x2 (365 d), SENCO (P03), CT and ASSISTANT_SENCO (P10, both
    #   taken up the same day: one move each from ITT, none between them)
    # SENCO leavers P06 (-> HEAD, 2192 d = 6.0014) and P11 (-> back to CT, 731 d = 2.0014)
    assert _rows(frame, ["from_role", "to_role", "people", "leavers", "rate", "median_years"]) == [
        ("CLASS_TEACHER", "SENCO", 4, 6, 0.6667, 5.0),
        ("CLASS_TEACHER", "ADVISORY_HI", 1, 6, 0.1667, 8.0),
        ("CLASS_TEACHER", "QTVI_TEACHER", 1, 6, 0.1667, 4.0),
        ("ECT", "CLASS_TEACHER", 3, 3, 1.0, 2.0),
        ("ITT_TRAINEE", "ECT", 2, 4, 0.5, 1.0),
        ("ITT_TRAINEE", "ASSISTANT_SENCO", 1, 4, 0.25, 1.0),
        ("ITT_TRAINEE", "CLASS_TEACHER", 1, 4, 0.25, 1.0),
        ("ITT_TRAINEE", "SENCO", 1, 4, 0.25, 1.0),
        ("QTVI_TEACHER", "ADVISORY_VI", 1, 1, 1.0, 4.0),
        ("SENCO", "CLASS_TEACHER", 1, 2, 0.5, 2.0),
        ("SENCO", "HEAD", 1, 2, 0.5, 6.0),
    ]


def test_spell_rules_same_role_other_school_concurrent_and_return(store):
    mv = moves(store)
    # P02 moved school as a class teacher in 2017: not a move; CT years count from 2015-09-01
    assert _rows(mv[mv["person_id"] == "P02"], ["from_role", "to_role"]) == [
        ("ITT_TRAINEE", "ECT"),
        ("ECT", "CLASS_TEACHER"),
        ("CLASS_TEACHER", "SENCO"),
    ]
    # P01 became SENCO while still teaching: a move from CT (concurrent new role)
    assert ("CLASS_TEACHER", "SENCO") in _rows(mv[mv["person_id"] == "P01"], ["from_role", "to_role"])
    # P11: a 31-day gap between CT posts is one spell; back to CT two years after it ended is a new one
    assert _rows(mv[mv["person_id"] == "P11"], ["from_role", "to_role"]) == [
        ("CLASS_TEACHER", "SENCO"),
        ("SENCO", "CLASS_TEACHER"),
    ]
    # P05 (TA only), P07 (PD only), P12, P13 (one role) make no move
    assert not mv["person_id"].isin(["P05", "P07", "P12", "P13"]).any()
    # P01 3 + P02 3 + P03 1 + P04 2 + P06 2 + P08 1 + P09 1 + P10 2 + P11 2 = 17 moves
    assert len(mv) == 17


def test_filters_place_a_move_where_its_destination_is(store):
    # Manchester (North West) holds only S3: P02's move into SENCO there (and his CT post at S3 is a
    # continuation, not a move), and P08's ECT -> CT
    frame = observed_transitions(store, filters=Filters(region="North West"))
    assert _rows(frame, ["from_role", "to_role", "people", "leavers", "median_years"]) == [
        ("CLASS_TEACHER", "SENCO", 1, 1, 6.0),
        ("ECT", "CLASS_TEACHER", 1, 1, 1.0),
    ]
    # moves into S2 (secondary): P02 ITT -> ECT and ECT -> CT, P04 CT -> QTVI, P06 CT -> SENCO -> HEAD,
    # P11 CT -> SENCO -> CT; a phase filter leaves services out, so P04's and P09's moves into SV1 go
    secondary = observed_transitions(store, filters=Filters(phase="Secondary"))
    assert _rows(secondary, ["from_role", "to_role", "people", "leavers"]) == [
        ("CLASS_TEACHER", "SENCO", 2, 3),
        ("CLASS_TEACHER", "QTVI_TEACHER", 1, 3),
        ("ECT", "CLASS_TEACHER", 1, 1),
        ("ITT_TRAINEE", "ECT", 1, 1),
        ("SENCO", "CLASS_TEACHER", 1, 2),
        ("SENCO", "HEAD", 1, 2),
    ]


def test_direct_from_itt_or_ect_into_a_specialism(store):
    # First specialist spells: SENCO for P01, P02, P06, P11 (from CT) and P03 (from ITT: direct);
    # QTVI P04 (from CT); ADVISORY_HI P09 (from CT); ASSISTANT_SENCO P10 (from ITT: direct);
    # PD_SPECIALIST P07 (no earlier role recorded: cannot be judged)
    frame = direct_to_specialist(store)
    assert _rows(frame, ["specialist_role", "specialists", "with_history", "direct"]) == [
        ("ADVISORY_HI", 1, 1, 0),
        ("ASSISTANT_SENCO", 1, 1, 1),
        ("PD_SPECIALIST", 1, 0, 0),
        ("QTVI_TEACHER", 1, 1, 0),
        ("SENCO", 5, 5, 1),
        ("all", 9, 8, 2),
    ]
    shares = dict(zip(frame["specialist_role"], frame["direct_share"], strict=True))
    assert shares["SENCO"] == 0.2 and shares["all"] == 0.25
    assert shares["PD_SPECIALIST"] != shares["PD_SPECIALIST"]  # NaN: 0 with history


def test_dead_ends_are_roles_nobody_moves_on_from(store):
    frame = dead_ends(store)
    # held by one person each, no onward move observed; TA and ASSISTANT_SENCO have a reference step
    assert _rows(frame, ["role", "people", "leavers", "reference_onward"]) == [
        ("ADVISORY_HI", 1, 0, 0),
        ("ADVISORY_VI", 1, 0, 0),
        ("ASSISTANT_SENCO", 1, 0, 1),
        ("HEAD", 1, 0, 0),
        ("PD_SPECIALIST", 1, 0, 0),
        ("TA", 1, 0, 1),
    ]


def test_compare_with_reference(store):
    frame = compare_with_reference(store)
    by = {s: set(zip(g["from_role"], g["to_role"], strict=True)) for s, g in frame.groupby("status")}
    # moves people make that the catalogue's role_progressions lacks
    assert by["observed_only"] == {
        ("CLASS_TEACHER", "ADVISORY_HI"),
        ("ITT_TRAINEE", "ASSISTANT_SENCO"),
        ("ITT_TRAINEE", "CLASS_TEACHER"),
        ("ITT_TRAINEE", "SENCO"),
        ("SENCO", "CLASS_TEACHER"),
    }
    assert by["both"] == {
        ("ITT_TRAINEE", "ECT"),
        ("ECT", "CLASS_TEACHER"),
        ("CLASS_TEACHER", "SENCO"),
        ("CLASS_TEACHER", "QTVI_TEACHER"),
        ("QTVI_TEACHER", "ADVISORY_VI"),
        ("SENCO", "HEAD"),
    }
    # the catalogue has 23 steps: 6 taken, 17 on paper only (e.g. TA -> HLTA, SENCO -> QTVI_TEACHER)
    assert len(by["reference_only"]) == 17
    assert {("TA", "HLTA"), ("SENCO", "QTVI_TEACHER")} <= by["reference_only"]
    row = frame[(frame["from_role"] == "CLASS_TEACHER") & (frame["to_role"] == "SENCO")].iloc[0]
    assert (row["typical_years"], row["people"], row["median_years"]) == (4.5, 4, 5.0)


def test_empty_graph_gives_empty_tables(workspace, bundle_writer):
    path = bundle_writer({"schools": [{"urn": 1, "name": "S", "la_code": "E06000001"}]})
    ingest.load(workspace, [(path, "auto")])
    assert observed_transitions(workspace).empty
    assert dead_ends(workspace).empty
    assert direct_to_specialist(workspace)["specialists"].tolist() == [0]
