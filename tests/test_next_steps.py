"""Next steps for one person, on the hand-built careers (career_fixture.py), as of 1 Jan 2025."""

from __future__ import annotations

import datetime as dt

import pytest
from career_fixture import load_careers

from graphmodel.errors import SendgraphError
from queries.careers.next_steps import next_steps

AS_OF = dt.date(2025, 1, 1)
COLS = ["step", "to_role", "kind", "item", "status", "typical_years", "have_years", "years_below_typical"]


@pytest.fixture
def store(workspace, bundle_writer):
    load_careers(workspace, bundle_writer)
    return workspace


def _rows(frame, cols=COLS):
    out = []
    for row in frame[cols].itertuples(index=False, name=None):
        out.append(tuple(None if v != v else v for v in row))  # NaN -> None
    return out


def test_class_teacher_to_qtvi_needs_only_the_mq(store):
    # P08: class teacher at S3 (Manchester) since 2017-09-01: 2679 days = 7.33 years >= 4.5 typical;
    # holds QTS; lacks MQ_VI. North West: only the national MQ provider (the NE centre is not listed).
    frame = next_steps(store, as_of=AS_OF, person_id="P08", target="QTVI")
    assert frame.attrs["route"] == ["CLASS_TEACHER", "QTVI_TEACHER"]
    assert _rows(frame) == [
        (1, "QTVI_TEACHER", "experience", "CLASS_TEACHER", "typical reached", 4.5, 7.33, 0.0),
        (1, "QTVI_TEACHER", "qualification", "MQ_VI", "missing", None, None, None),
    ]
    assert frame["providers"].iloc[1] == "Universities offering the MQ (vision)"


def test_shortest_route_from_any_current_role_and_studying(store):
    # P10 is CT and ASSISTANT_SENCO since 2018-09-01; ASENCO -> SENCO (1.5 years) beats CT -> SENCO
    # (4.5); 2314 days = 6.34 years in the role; studying NPQ_SENCO, expected 2026-07-31
    frame = next_steps(store, as_of=AS_OF, person_id="P10", target="SENCO")
    assert frame.attrs["route"] == ["ASSISTANT_SENCO", "SENCO"]
    assert frame.attrs["current_roles"] == ["ASSISTANT_SENCO", "CLASS_TEACHER"]
    assert _rows(frame) == [
        (1, "SENCO", "experience", "ASSISTANT_SENCO", "typical reached", 1.5, 6.34, 0.0),
        (1, "SENCO", "qualification", "NPQ_SENCO", "studying (expected 2026-07-31)", None, None, None),
    ]
    assert frame["providers"].iloc[1] == "NPQ lead providers (NPQ for SENCOs)"


def test_long_route_lists_every_step_and_regional_providers(store):
    # P05: TA at S1 (Hartlepool, North East) since 2015-09-01 = 3410 days = 9.34 years; no qualifications.
    # Shortest route TA -3-> HLTA -3-> CT -4.5-> QTVI (10.5 years; via SEND_LEAD_TA and ITT is 15.5)
    frame = next_steps(store, as_of=AS_OF, person_id="P05", target="QTVI")
    assert frame.attrs["route"] == ["TA", "HLTA", "CLASS_TEACHER", "QTVI_TEACHER"]
    assert _rows(frame) == [
        (1, "HLTA", "experience", "TA", "typical reached", 3.0, 9.34, 0.0),
        (1, "HLTA", "qualification", "HLTA_STATUS", "missing", None, None, None),
        (2, "CLASS_TEACHER", "experience", "HLTA", "below typical", 3.0, 0.0, 3.0),
        (2, "CLASS_TEACHER", "qualification", "QTS", "missing", None, None, None),
        (3, "QTVI_TEACHER", "experience", "CLASS_TEACHER", "below typical", 4.5, 0.0, 4.5),
        (3, "QTVI_TEACHER", "qualification", "MQ_VI", "missing", None, None, None),
    ]
    assert frame["providers"].iloc[5] == "Universities offering the MQ (vision); North East MQ centre"


def test_already_in_the_role_lists_the_missing_award(store):
    # P02 is SENCO of S3 since 2021 without an award: SENCO requires QTS (held) and, for an appointment
    # on 1 Jan 2025, the NPQ for SENCOs
    frame = next_steps(store, as_of=AS_OF, person_id="P02", target="SENCO")
    assert frame.attrs["route"] == ["SENCO"]
    assert _rows(frame, ["step", "kind", "item", "status"]) == [(0, "qualification", "NPQ_SENCO", "missing")]


def test_no_reference_route_still_lists_target_requirements(store):
    # P04 is an advisory teacher (VI): nothing in the reference graph leads from ADVISORY_VI to SENCO
    frame = next_steps(store, as_of=AS_OF, person_id="P04", target="SENCO")
    assert frame.attrs["route"] == []
    assert _rows(frame, ["kind", "item", "status"]) == [("qualification", "NPQ_SENCO", "missing")]


def test_past_dates_and_unknown_people(store):
    # as of 2020 P08 had 3.0 years as a class teacher (2017-09-01..2020-09-01 = 1096 days = 3.0)
    frame = next_steps(store, as_of=dt.date(2020, 9, 1), person_id="P08", target="QTVI")
    first = (1, "QTVI_TEACHER", "experience", "CLASS_TEACHER", "below typical", 4.5, 3.0, 1.5)
    assert _rows(frame)[0] == first
    with pytest.raises(SendgraphError, match="no person with id 'P99'"):
        next_steps(store, as_of=AS_OF, person_id="P99", target="QTVI")
    with pytest.raises(SendgraphError, match="unknown role"):
        next_steps(store, as_of=AS_OF, person_id="P08", target="astronaut")
