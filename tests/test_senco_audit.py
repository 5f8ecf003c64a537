"""SENCO award audit (SI 2014/1530 regs 49-50; SI 2024/535): every rule boundary, classes by hand.

One hand-built area: each school's SENCO sits on exactly one boundary of the rules, and the
expected class (and deadline) for each is worked out here from the regulation, not from the code.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from loaders import ingest
from queries.audits.senco import STATUSES, senco_audit, senco_summary
from queries.context import Filters

LOAD_DAY = dt.date(2030, 1, 1)  # awards up to 2028 are "in the past" for the loader's checks
AS_OF = dt.date(2026, 6, 1)
HARTLEPOOL, MIDDLESBROUGH = "E06000001", "E06000002"
MAINTAINED = {"type": "Community school", "type_group": "Local authority maintained schools"}
ACADEMY = {"type": "Academy converter", "type_group": "Academies", "trust_id": "T1"}
SPECIAL = {"type": "Community special school", "type_group": "Special schools"}
INDEPENDENT = {"type": "Other independent school", "type_group": "Independent schools"}

# urn -> (person, what the school's SENCO illustrates)
SCHOOLS = {
    101: ("P_A31", MAINTAINED),
    102: ("P_S01", MAINTAINED),
    103: ("P_12M", MAINTAINED),
    104: ("P_12M1", MAINTAINED),
    105: ("P_N31", ACADEMY),
    106: ("P_N01", ACADEMY),
    107: ("P_ON", ACADEMY),
    108: ("P_AFTER", ACADEMY),
    109: ("P_DL", MAINTAINED),
    110: ("P_FED", MAINTAINED),
    111: ("P_FED", MAINTAINED),
    112: ("P_HEAD", MAINTAINED),
    113: ("P_NOQTS", MAINTAINED),
    114: (None, MAINTAINED),
    115: ("P_SP", SPECIAL),
    116: (None, INDEPENDENT),
    117: ("P_EARLY", MAINTAINED),
    118: ("P_OLD", MAINTAINED),
}
APPOINTED = {
    "P_A31": "2009-08-31",
    "P_S01": "2009-09-01",
    "P_12M": "2024-01-01",
    "P_12M1": "2024-01-01",
    "P_N31": "2023-09-01",
    "P_N01": "2023-09-01",
    "P_ON": "2025-01-01",
    "P_AFTER": "2025-01-01",
    "P_DL": "2023-06-01",
    "P_FED": "2020-01-01",
    "P_HEAD": "2021-01-01",
    "P_NOQTS": "2022-01-01",
    "P_SP": "2022-01-01",
    "P_EARLY": "2022-01-01",
    "P_OLD": "2012-05-01",
}


def senco_tables() -> dict[str, list[dict]]:
    """The fixture bundle (also used by the CLI tests)."""
    schools = []
    for urn, (_, kind) in SCHOOLS.items():
        la = MIDDLESBROUGH if urn >= 113 else HARTLEPOOL
        phase = "Secondary" if urn in (105, 106, 107, 108) else "Primary"
        schools.append(
            {
                "urn": urn,
                "name": f"Synthetic School {urn}",
                "la_code": la,
                "phase": phase,
                "status": "Open",
                **kind,
            }
        )
    posts = [
        {"person_id": p, "urn": urn, "role": "SENCO", "start_date": APPOINTED[p], "fte": 1.0}
        for urn, (p, _) in SCHOOLS.items()
        if p
    ]
    posts += [
        # exactly 12 months of earlier SENCO service (1 Sep 2018 - 31 Aug 2019 inclusive) at 114
        {
            "person_id": "P_12M",
            "urn": 114,
            "role": "SENCO",
            "start_date": "2018-09-01",
            "end_date": "2019-08-31",
        },
        # 12 months and a day (1 Sep 2018 - 1 Sep 2019), split over two overlapping spells
        {
            "person_id": "P_12M1",
            "urn": 114,
            "role": "SENCO",
            "start_date": "2018-09-01",
            "end_date": "2019-03-31",
        },
        {
            "person_id": "P_12M1",
            "urn": 101,
            "role": "SENCO",
            "start_date": "2019-03-01",
            "end_date": "2019-09-01",
        },
        {"person_id": "P_HEAD", "urn": 112, "role": "HEAD", "start_date": "2019-01-01"},
        {"person_id": "P_NOQTS", "urn": 114, "role": "HEAD", "start_date": "2019-01-01"},  # head elsewhere
    ]
    quals = [
        {"person_id": p, "qualification": "QTS", "awarded_date": "2005-07-01"}
        for p in APPOINTED
        if p not in ("P_HEAD", "P_NOQTS")
    ]
    quals += [
        {
            "person_id": "P_N31",
            "qualification": "NASENCO",
            "started_date": "2024-08-31",
            "awarded_date": "2025-06-01",
        },
        {
            "person_id": "P_N01",
            "qualification": "NASENCO",
            "started_date": "2024-09-01",
            "awarded_date": "2025-06-01",
        },
        {
            "person_id": "P_ON",
            "qualification": "NASENCO",
            "started_date": "2023-01-01",
            "awarded_date": "2027-09-01",
        },
        {
            "person_id": "P_AFTER",
            "qualification": "NASENCO",
            "started_date": "2023-01-01",
            "awarded_date": "2027-09-02",
        },
        {"person_id": "P_FED", "qualification": "NPQ_SENCO", "awarded_date": "2022-01-01"},
        {"person_id": "P_HEAD", "qualification": "NPQ_SENCO", "awarded_date": "2023-07-01"},
        {"person_id": "P_OLD", "qualification": "NASENCO", "awarded_date": "2015-07-01"},  # no start date
    ]
    study = [
        {"person_id": "P_ON", "qualification": "NASENCO", "start_date": "2023-01-01"},
        {"person_id": "P_AFTER", "qualification": "NASENCO", "start_date": "2023-01-01"},
        {"person_id": "P_DL", "qualification": "NPQ_SENCO", "start_date": "2025-01-01"},
        {"person_id": "P_EARLY", "qualification": "NASENCO", "start_date": "2024-03-01"},
    ]
    people = [{"person_id": p} for p in APPOINTED]
    return {
        "trusts": [{"trust_id": "T1", "name": "Synthetic Trust"}],
        "schools": schools,
        "people": people,
        "posts": posts,
        "person_qualifications": quals,
        "person_studying": study,
        "school_links": [{"urn": 110, "linked_urn": 111, "kind": "federation"}],
    }


@pytest.fixture
def store(workspace, bundle_writer):
    ingest.load(workspace, [(bundle_writer(senco_tables()), "auto")], today=LOAD_DAY)
    return workspace


def _by_urn(frame: pd.DataFrame) -> dict[int, str]:
    return dict(zip(frame["urn"].astype(int), frame["status"], strict=True))


def _row(frame: pd.DataFrame, urn: int) -> pd.Series:
    rows = frame[frame["urn"] == urn]
    assert len(rows) == 1
    return rows.iloc[0]


def test_every_boundary_classified_as_of_1_june_2026(store):
    d = senco_audit(store, as_of=AS_OF)
    assert _by_urn(d) == {
        101: "exempt",  # appointed 31 Aug 2009: before 1 Sep 2009
        102: "overdue",  # appointed 1 Sep 2009: in the regime, deadline 1 Sep 2012 long past
        103: "within_window",  # exactly 12 months' earlier service is not "more than": deadline 2027-01-01
        104: "exempt",  # 12 months + 1 day (overlapping spells counted once)
        105: "compliant",  # NASENCO started 31 Aug 2024: counts
        106: "within_window",  # NASENCO started 1 Sep 2024: does not count; deadline 2026-09-01
        107: "within_window",  # NASENCO not yet awarded (2027), deadline 2028-01-01
        108: "within_window",
        109: "within_window",  # deadline 1 Jun 2026 == as_of: still inside the window
        110: "compliant",
        111: "compliant",  # federation SENCO counts at both schools
        112: "compliant",  # head teacher as SENCO, no QTS, holds the NPQ
        113: "not_eligible",  # no QTS, head of a different school
        114: "no_senco",  # mainstream, earlier SENCOs all left
        115: "no_duty",  # special school: reg. 49 does not apply (no duty, not an exemption)
        117: "overdue",  # deadline 1 Jan 2025 passed, though still studying NASENCO
        118: "compliant",  # NASENCO awarded 2015, no start date recorded: started before 2024
    }
    assert 116 not in set(d["urn"])  # independent school without a SENCO is out of scope


def test_regime_columns_and_deadlines(store):
    d = senco_audit(store, as_of=AS_OF)
    assert pd.isna(_row(d, 101)["deadline"])
    assert _row(d, 102)["deadline"] == pd.Timestamp("2012-09-01")
    assert _row(d, 103)["deadline"] == pd.Timestamp("2027-01-01")
    assert _row(d, 106)["deadline"] == pd.Timestamp("2026-09-01")
    assert "does not count" in _row(d, 106)["reason"]
    r104 = _row(d, 104)
    assert "366 days" in r104["reason"] and pd.isna(r104["deadline"])
    no = _row(d, 114)
    assert pd.isna(no["person_id"]) and not no["studying"] and no["la_name"] == "Middlesbrough"
    sp = _row(d, 115)
    assert not sp["statutory"] and not sp["holds_award"]
    assert _row(d, 112)["award"] == "NPQ_SENCO"
    assert _row(d, 105)["trust_id"] == "T1" and _row(d, 105)["region_name"] == "North East"


@pytest.mark.parametrize(
    "as_of,status,studying",
    [
        (dt.date(2026, 5, 31), "within_window", True),
        (dt.date(2026, 6, 1), "within_window", True),
        (dt.date(2026, 6, 2), "overdue", True),
    ],
)
def test_as_of_around_deadline(store, as_of, status, studying):
    r = _row(senco_audit(store, as_of=as_of), 109)
    assert r["deadline"] == pd.Timestamp("2026-06-01")
    assert (r["status"], bool(r["studying"])) == (status, studying)


def test_nasenco_started_before_2024_still_studying(store):
    # Appointed 1 Jan 2022 -> deadline 1 Jan 2025; studying NASENCO started 1 Mar 2024.
    r = _row(senco_audit(store, as_of=dt.date(2024, 6, 1)), 117)
    assert r["status"] == "within_window" and r["studying"]
    assert r["deadline"] == pd.Timestamp("2025-01-01")
    assert r["nasenco_by"] == pd.Timestamp("2025-01-01")  # min(deadline, 1 Sep 2027)
    # P_ON: appointed 1 Jan 2025 -> deadline 1 Jan 2028; NASENCO route closes 1 Sep 2027.
    r = _row(senco_audit(store, as_of=dt.date(2027, 8, 31)), 107)
    assert (r["status"], bool(r["studying"])) == ("within_window", True)
    assert r["deadline"] == pd.Timestamp("2028-01-01")
    assert r["nasenco_by"] == pd.Timestamp("2027-09-01")
    assert "NASENCO counts only if awarded by 2027-09-01" in r["reason"]


def test_nasenco_completed_on_and_after_1_sep_2027(store):
    d = senco_audit(store, as_of=dt.date(2027, 9, 2))
    assert _row(d, 107)["status"] == "compliant"  # awarded on 1 Sep 2027: counts
    late = _row(d, 108)  # awarded 2 Sep 2027: does not count
    # still enrolled on a NASENCO that can no longer count: at risk, and the reason says why
    assert late["status"] == "at_risk" and not late["studying"]
    assert "does not count" in late["reason"] and "NASENCO not awarded by 1 Sep 2027" in late["reason"]
    assert _row(senco_audit(store, as_of=dt.date(2028, 1, 2)), 108)["status"] == "overdue"
    # The day before the award, P_ON is within the window (studying), not yet compliant.
    assert _row(senco_audit(store, as_of=dt.date(2027, 8, 31)), 107)["status"] == "within_window"


def test_nasenco_started_1_sep_2024_overdue_after_deadline(store):
    assert _row(senco_audit(store, as_of=dt.date(2026, 9, 2)), 106)["status"] == "overdue"
    assert _row(senco_audit(store, as_of=dt.date(2026, 9, 2)), 105)["status"] == "compliant"


def test_before_appointment_school_has_no_senco(store):
    d = senco_audit(store, as_of=dt.date(2023, 12, 31))  # P_12M starts at 103 on 1 Jan 2024
    assert _row(d, 103)["status"] == "no_senco"
    assert _row(d, 114)["status"] == "no_senco"


def test_filters_and_summary(store):
    d = senco_audit(store, as_of=AS_OF, filters=Filters(la="Middlesbrough"))
    assert sorted(d["urn"].astype(int)) == [113, 114, 115, 117, 118]
    s = senco_summary(senco_audit(store, as_of=AS_OF), "la")
    hart = s[s["la_code"] == HARTLEPOOL].iloc[0]
    # Hartlepool: 101-112 = 12 schools; 11 SENCOs (P_FED serves 110 and 111), 12 rows
    assert (hart["schools"], hart["sencos"], hart["rows"]) == (12, 11, 12)
    assert (
        hart["schools_compliant"],
        hart["schools_within_window"],
        hart["schools_overdue"],
        hart["schools_exempt"],
    ) == (4, 5, 1, 2)
    assert hart["pct_schools_compliant"] == 33.3  # 100 * 4 schools / 12 schools
    # people: P_N31, P_FED (once), P_HEAD compliant -> 3 of 11 SENCOs
    assert hart["sencos_compliant"] == 3 and hart["pct_sencos_compliant"] == 27.3
    mid = s[s["la_code"] == MIDDLESBROUGH].iloc[0]
    assert (
        mid["schools_not_eligible"],
        mid["schools_no_senco"],
        mid["schools_no_duty"],
        mid["schools_compliant"],
        mid["schools_overdue"],
    ) == (1, 1, 1, 1, 1)
    assert (mid["schools"], mid["sencos"], mid["schools_exempt"]) == (5, 4, 0)
    nat = senco_summary(senco_audit(store, as_of=AS_OF), None)
    assert nat[["schools", "sencos", "rows"]].values.tolist() == [[17, 15, 17]]
    by_trust = senco_summary(senco_audit(store, as_of=AS_OF), "trust")
    assert by_trust.loc[by_trust["trust_id"] == "T1", "schools"].tolist() == [4]


def test_unknown_filter_is_a_user_error(store):
    from graphmodel.errors import SendgraphError

    with pytest.raises(SendgraphError, match="no schools match"):
        senco_audit(store, as_of=AS_OF, filters=Filters(region="Atlantis"))


@pytest.mark.slow
def test_reproduces_domain_figures_on_a_generated_region(north_east):
    """The calibrated generator (issue 3) builds the North East to DOMAIN.md's survey figures; the
    audits, measuring independently, must find them within the 95% margin of a sample that size,
    1.96 * sqrt(p(1-p)/n) (national-scale figures are in docs/audits.md)."""
    import math

    from queries.audits.pd import pd_audit
    from queries.audits.sensory import sensory_audit

    ws = north_east  # the session's generated North East (conftest.py)
    as_of = dt.date(2025, 9, 1)

    def close(share: float, target: float, n: int) -> bool:
        return abs(share - target) <= 1.96 * math.sqrt(target * (1 - target) / n)

    d = senco_audit(ws, as_of=as_of)
    assert set(d["status"]) <= set(STATUSES)
    people = d[d["person_id"].notna()].drop_duplicates("person_id")
    n = len(people)
    assert n > 800
    assert close((people["holds_award"] | people["studying"]).mean(), 365 / 685, n)  # 53%
    # "exempt" as the audit used to say it: reg. 50 exemptions and schools with no reg. 49 duty
    neither = ~people["holds_award"] & ~people["studying"] & ~people["status"].isin(["exempt", "no_duty"])
    assert close(neither.mean(), 93 / 685, n)  # 13.6%
    s = sensory_audit(ws, as_of=as_of)
    assert close((s["status"] != "qualified").mean(), 14 / 78, len(s))  # 18%
    p = pd_audit(ws, as_of=as_of)
    assert close((p["status"] == "no relevant qualification").mean(), 17 / 70, len(p))  # 24%
