"""Sensory MQ audit (SI 2003/1662 regs 6-9) and PD specialists (DOMAIN.md rule 3), worked by hand."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from loaders import ingest
from queries.audits.pd import pd_audit, pd_summary
from queries.audits.sensory import sensory_audit, sensory_summary
from queries.context import Filters

LOAD_DAY = dt.date(2030, 1, 1)
AS_OF = dt.date(2026, 6, 1)
HARTLEPOOL, MIDDLESBROUGH = "E06000001", "E06000002"


def sensory_tables() -> dict[str, list[dict]]:
    """Two schools and a sensory service in Hartlepool, a service in Middlesbrough."""
    schools = [
        {
            "urn": 201,
            "name": "Synthetic Special 201",
            "la_code": HARTLEPOOL,
            "phase": "Not applicable",
            "type": "Community special school",
            "type_group": "Special schools",
        },
        {
            "urn": 202,
            "name": "Synthetic Primary 202",
            "la_code": HARTLEPOOL,
            "phase": "Primary",
            "type": "Community school",
            "type_group": "Local authority maintained schools",
        },
    ]
    services = [
        {"service_id": "SV1", "name": "Hartlepool sensory service", "la_code": HARTLEPOOL, "kind": "sensory"},
        {
            "service_id": "SV2",
            "name": "Middlesbrough sensory service",
            "la_code": MIDDLESBROUGH,
            "kind": "sensory",
        },
    ]

    def post(p, urn, role, start, end=None, fte=1.0):
        return {"person_id": p, "urn": urn, "role": role, "start_date": start, "end_date": end, "fte": fte}

    def spost(p, sid, role, start, end=None, fte=1.0):
        return {
            "person_id": p,
            "service_id": sid,
            "role": role,
            "start_date": start,
            "end_date": end,
            "fte": fte,
        }

    posts = [
        post("V_Q", 201, "QTVI_TEACHER", "2015-01-01"),
        post("V_NEW", 201, "QTVI_TEACHER", "2024-01-01"),
        post("V_OLD", 202, "QTVI_TEACHER", "2020-01-01", "2022-08-31"),
        post("H_BOUND", 202, "QTHI_TEACHER", "2023-06-01"),
        post("V_GONE", 201, "QTVI_TEACHER", "2010-01-01", "2020-07-31"),
        post("P1", 202, "PD_SPECIALIST", "2018-01-01"),
        post("P3", 201, "PD_SPECIALIST", "2019-01-01"),
        post("P4", 201, "PD_SPECIALIST", "2021-01-01", fte=0.6),
    ]
    service_posts = [
        spost("V_OLD", "SV1", "ADVISORY_VI", "2022-09-01"),
        spost("H_WRONG", "SV1", "ADVISORY_HI", "2010-01-01"),
        spost("H_Q", "SV1", "ADVISORY_HI", "2018-01-01", fte=0.5),
        spost("M_Q", "SV2", "ADVISORY_MSI", "2019-01-01", fte=None),
        spost("M_LATE", "SV2", "ADVISORY_MSI", "2025-01-01"),
        spost("P2", "SV1", "PD_SPECIALIST", "2016-01-01"),
    ]
    people = sorted({r["person_id"] for r in posts + service_posts})
    quals = [{"person_id": p, "qualification": "QTS", "awarded_date": "2005-07-01"} for p in people]
    quals += [
        {"person_id": "V_Q", "qualification": "MQ_VI", "awarded_date": "2017-07-01"},
        {"person_id": "H_WRONG", "qualification": "MQ_VI", "awarded_date": "2012-07-01"},
        {"person_id": "H_Q", "qualification": "MQ_HI", "awarded_date": "2019-07-01"},
        {"person_id": "M_Q", "qualification": "MQ_MSI", "awarded_date": "2020-01-01"},
        {"person_id": "M_LATE", "qualification": "MQ_MSI", "awarded_date": "2026-07-01"},
        {"person_id": "V_GONE", "qualification": "MQ_VI", "awarded_date": "2012-07-01"},
        {"person_id": "P1", "qualification": "PD_CERT", "awarded_date": "2017-07-01"},
        {"person_id": "P3", "qualification": "MA_SEN", "awarded_date": "2015-07-01"},
        {"person_id": "P4", "qualification": "PGCERT_SEN", "awarded_date": "2026-07-01"},
    ]
    study = [{"person_id": "V_NEW", "qualification": "MQ_VI", "start_date": "2025-09-01"}]
    return {
        "schools": schools,
        "services": services,
        "people": [{"person_id": p} for p in people],
        "posts": posts,
        "service_posts": service_posts,
        "person_qualifications": quals,
        "person_studying": study,
    }


@pytest.fixture
def store(workspace, bundle_writer):
    ingest.load(workspace, [(bundle_writer(sensory_tables()), "auto")], today=LOAD_DAY)
    return workspace


def _status(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    return {(p, r): s for p, r, s in zip(frame["person_id"], frame["role"], frame["status"], strict=True)}


def test_sensory_classes_as_of_1_june_2026(store):
    d = sensory_audit(store, as_of=AS_OF)
    assert _status(d) == {
        ("V_Q", "QTVI_TEACHER"): "qualified",
        ("V_NEW", "QTVI_TEACHER"): "within_allowance",  # appointed 2024-01-01, allowance to 2027-01-01
        ("V_OLD", "ADVISORY_VI"): "unqualified",  # first VI post 2020-01-01: allowance ended 2023
        ("H_BOUND", "QTHI_TEACHER"): "within_allowance",  # allowance ends today
        ("H_WRONG", "ADVISORY_HI"): "unqualified",  # holds the VI MQ, not the HI one
        ("H_Q", "ADVISORY_HI"): "qualified",
        ("M_Q", "ADVISORY_MSI"): "qualified",
        ("M_LATE", "ADVISORY_MSI"): "within_allowance",  # MQ awarded after as_of
    }
    row = d[d["person_id"] == "V_NEW"].iloc[0]
    assert row["allowance_end"] == pd.Timestamp("2027-01-01") and row["required"] == "MQ_VI"
    assert (row["urn"], row["setting"], row["la_name"]) == (201, "school", "Hartlepool")
    old = d[d["person_id"] == "V_OLD"].iloc[0]
    assert old["allowance_end"] == pd.Timestamp("2023-01-01") and pd.isna(old["urn"])
    assert (old["service_id"], old["appointed"]) == ("SV1", pd.Timestamp("2022-09-01"))
    assert "name" not in d.columns


@pytest.mark.parametrize(
    "as_of,status",
    [
        (dt.date(2026, 5, 31), "within_allowance"),
        (dt.date(2026, 6, 1), "within_allowance"),
        (dt.date(2026, 6, 2), "unqualified"),
    ],
)
def test_allowance_boundary(store, as_of, status):
    d = sensory_audit(store, as_of=as_of)
    assert d.loc[d["person_id"] == "H_BOUND", "status"].tolist() == [status]


def test_sensory_filters_and_summary(store):
    mid = sensory_audit(store, as_of=AS_OF, filters=Filters(la="Middlesbrough"))
    assert sorted(mid["person_id"]) == ["M_LATE", "M_Q"]
    # a school-only filter (phase) leaves services out
    prim = sensory_audit(store, as_of=AS_OF, filters=Filters(phase="Primary"))
    assert prim["person_id"].tolist() == ["H_BOUND"]
    s = sensory_summary(sensory_audit(store, as_of=AS_OF), None).set_index("need")
    assert s.loc["VI", ["posts", "qualified", "within_allowance", "unqualified"]].tolist() == [3, 1, 1, 1]
    assert s.loc["VI", "pct_without_mq"] == 66.7 and s.loc["HI", "pct_unqualified"] == 33.3
    assert s.loc["MSI", "without_mq"] == 1


def test_pd_relevant_qualification_is_a_gap_not_compliance(store):
    d = pd_audit(store, as_of=AS_OF)
    assert dict(zip(d["person_id"], d["status"], strict=True)) == {
        "P1": "relevant qualification",
        "P2": "no relevant qualification",
        "P3": "relevant qualification",
        "P4": "no relevant qualification",
    }  # PGCert only later
    assert d.loc[d["person_id"] == "P1", "qualifications"].tolist() == ["PD_CERT"]
    assert not d["status"].str.contains("compliant").any()
    s = pd_summary(d, None)
    assert s[["posts", "no_relevant_qualification", "pct_no_relevant_qualification"]].values.tolist() == [
        [4, 2, 50.0]
    ]
    later = pd_audit(store, as_of=dt.date(2026, 7, 1))
    assert later.loc[later["person_id"] == "P4", "qualifications"].tolist() == ["PGCERT_SEN"]
