"""Issue 15: SENCO audit definitions that mean what a regional lead means, each on a hand-worked case.

One small Hartlepool area, as of 1 Sep 2025. Every school illustrates one definition:

  201 P_RISK_N    appointed 2025-01-01 (deadline 2028-01-01), studying a NASENCO started 2024-10-01:
                  it cannot count (SI 2024/535: start before 1 Sep 2024)          -> at_risk
  202 P_RISK_LATE appointed 2025-01-01, NASENCO started 2024-01-01, expected 2027-12-01: after
                  1 Sep 2027                                                      -> at_risk
  203 P_RISK_DL   appointed 2023-06-01 (deadline 2026-06-01), NASENCO started 2023-09-01, expected
                  2026-09-01: after their own deadline                            -> at_risk
  204 P_NPQ_LATE  appointed 2023-06-01, NPQ started 2025-01-01, expected 2026-07-01: after deadline
                                                                                  -> at_risk
  205 P_OK        appointed 2025-01-01, NPQ expected 2026-07-01 (deadline 2028)   -> within_window
  206 P_NOSTART   appointed 2024-01-01, holds a NASENCO awarded 2025-03-01 with no start date: its
                  start is unknown, so it cannot be shown to count                -> within_window
  207 P_SPG       special school known only by its type group, appointed 2022     -> no_duty
  208 (nobody)    no type and no type group                                       -> kind_unknown
  209 P_TWO_A     holds the NPQ (compliant) and P_TWO_B appointed 2020, no award (overdue): the
                  school is overdue (worst SENCO)
  210 P_LEAP      appointed 2024-01-01; earlier SENCO 1 Mar 2019 - 29 Feb 2020 = 366 days, exactly the
                  12 calendar months from 1 Mar 2019, so not "more than 12 months" -> within_window
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from loaders import ingest
from queries.audits.deadlines import deadlines
from queries.audits.senco import more_than_twelve_months, senco_audit, senco_summary
from queries.context import school_kind
from queries.survey_figures import survey_figures

AS_OF = dt.date(2025, 9, 1)
MAINTAINED = {"type": "Community school", "type_group": "Local authority maintained schools"}
SCHOOLS = {
    201: MAINTAINED,
    202: MAINTAINED,
    203: MAINTAINED,
    204: MAINTAINED,
    205: MAINTAINED,
    206: MAINTAINED,
    207: {"type": "", "type_group": "Special schools"},
    208: {"type": "", "type_group": ""},
    209: MAINTAINED,
    210: MAINTAINED,
}
SENCOS = [
    ("P_RISK_N", 201, "2025-01-01"),
    ("P_RISK_LATE", 202, "2025-01-01"),
    ("P_RISK_DL", 203, "2023-06-01"),
    ("P_NPQ_LATE", 204, "2023-06-01"),
    ("P_OK", 205, "2025-01-01"),
    ("P_NOSTART", 206, "2024-01-01"),
    ("P_SPG", 207, "2022-01-01"),
    ("P_TWO_A", 209, "2021-01-01"),
    ("P_TWO_B", 209, "2020-01-01"),
    ("P_LEAP", 210, "2024-01-01"),
]


@pytest.fixture
def store(workspace, bundle_writer):
    schools = [
        {"urn": u, "name": f"School {u}", "la_code": "E06000001", "phase": "Primary", **k}
        for u, k in SCHOOLS.items()
    ]
    posts = [{"person_id": p, "urn": u, "role": "SENCO", "start_date": d} for p, u, d in SENCOS]
    posts.append(
        {
            "person_id": "P_LEAP",
            "urn": 209,
            "role": "SENCO",
            "start_date": "2019-03-01",
            "end_date": "2020-02-29",
        }
    )
    quals = [{"person_id": p, "qualification": "QTS", "awarded_date": "2005-07-01"} for p, _, _ in SENCOS]
    quals += [
        {"person_id": "P_NOSTART", "qualification": "NASENCO", "awarded_date": "2025-03-01"},
        {"person_id": "P_TWO_A", "qualification": "NPQ_SENCO", "awarded_date": "2022-07-01"},
    ]
    study = [
        {"person_id": "P_RISK_N", "qualification": "NASENCO", "start_date": "2024-10-01"},
        {
            "person_id": "P_RISK_LATE",
            "qualification": "NASENCO",
            "start_date": "2024-01-01",
            "expected_date": "2027-12-01",
        },
        {
            "person_id": "P_RISK_DL",
            "qualification": "NASENCO",
            "start_date": "2023-09-01",
            "expected_date": "2026-09-01",
        },
        {
            "person_id": "P_NPQ_LATE",
            "qualification": "NPQ_SENCO",
            "start_date": "2025-01-01",
            "expected_date": "2026-07-01",
        },
        {
            "person_id": "P_OK",
            "qualification": "NPQ_SENCO",
            "start_date": "2025-01-01",
            "expected_date": "2026-07-01",
        },
    ]
    tables = {
        "schools": schools,
        "people": [{"person_id": p} for p, _, _ in SENCOS],
        "posts": posts,
        "person_qualifications": quals,
        "person_studying": study,
    }
    ingest.load(workspace, [(bundle_writer(tables), "auto")], today=dt.date(2030, 1, 1))
    return workspace


def _by(frame: pd.DataFrame, key: str = "person_id") -> dict:
    return {r[key]: r for r in frame.to_dict("records")}


def test_statuses_each_definition(store):
    d = senco_audit(store, as_of=AS_OF)
    people = _by(d[d["person_id"].notna()])
    assert {p: r["status"] for p, r in people.items()} == {
        "P_RISK_N": "at_risk",
        "P_RISK_LATE": "at_risk",
        "P_RISK_DL": "at_risk",
        "P_NPQ_LATE": "at_risk",
        "P_OK": "within_window",
        "P_NOSTART": "within_window",
        "P_SPG": "no_duty",
        "P_TWO_A": "compliant",
        "P_TWO_B": "overdue",
        "P_LEAP": "within_window",
    }
    unknown = d[d["urn"] == 208]
    assert unknown["status"].tolist() == ["kind_unknown"] and unknown["kind"].tolist() == ["unknown"]


def test_at_risk_says_what_and_why(store):
    people = _by(senco_audit(store, as_of=AS_OF))
    r = people["P_RISK_N"]
    assert r["enrolled_on"] == "NASENCO (started 2024-10-01)" and not r["studying"]
    assert "a NASENCO must have started before 1 Sep 2024" in r["reason"]
    assert "expected 2027-12-01, after 1 Sep 2027" in people["P_RISK_LATE"]["reason"]
    assert "after this SENCO's deadline for it 2026-06-01" in people["P_RISK_DL"]["reason"]
    assert (
        "NPQ_SENCO expected 2026-07-01, after this SENCO's deadline 2026-06-01"
        in people["P_NPQ_LATE"]["reason"]
    )
    ok = people["P_OK"]
    assert ok["studying"] and ok["enrolled_on"] == "NPQ_SENCO (started 2025-01-01, expected 2026-07-01)"


def test_deadlines_list_at_risk_with_enrolment_and_note(store):
    due = _by(deadlines(store, as_of=AS_OF, within="1y"))  # deadlines up to 1 Sep 2026
    assert set(due) == {"P_RISK_DL", "P_NPQ_LATE"}
    r = due["P_RISK_DL"]
    assert r["status"] == "at_risk" and r["enrolled_on"].startswith("NASENCO (started 2023-09-01")
    assert r["note"] == "NASENCO expected 2026-09-01, after this SENCO's deadline for it 2026-06-01"
    la = deadlines(store, as_of=AS_OF, within="1y", by="la")
    assert la[["due", "at_risk"]].values.tolist() == [[2, 2]]


def test_nasenco_without_start_date_says_unknown_not_from_2024(store):
    r = _by(senco_audit(store, as_of=AS_OF))["P_NOSTART"]
    assert not r["holds_award"]
    assert "course start date unknown" in r["reason"]
    assert "started from 1 Sep 2024" not in r["reason"]


def test_special_by_type_group_and_unknown_kind():
    kinds = school_kind(
        pd.Series(["", "", "Community school", "Community special school"]),
        pd.Series(["Special schools", "", "Local authority maintained schools", "Special schools"]),
    )
    assert kinds.tolist() == ["special", "unknown", "mainstream", "special"]


def test_summary_school_rates_use_the_worst_senco_and_name_denominators(store):
    s = senco_summary(senco_audit(store, as_of=AS_OF), None).iloc[0]
    # 10 schools; 10 SENCOs; 11 rows (209 has two SENCOs; 208 has none)
    assert (s["schools"], s["sencos"], s["rows"]) == (10, 10, 11)
    assert s["schools_overdue"] == 1 and s["schools_compliant"] == 0  # 209: worst of compliant, overdue
    assert (s["sencos_compliant"], s["sencos_overdue"]) == (1, 1)
    assert (s["schools_at_risk"], s["schools_within_window"], s["schools_kind_unknown"]) == (4, 3, 1)
    assert s["schools_no_duty"] == 1 and s["schools_exempt"] == 0
    assert s["pct_schools_at_risk"] == 40.0 and s["pct_sencos_overdue"] == 10.0


def test_reg_50_twelve_months_is_one_rule_for_audit_and_figures(store):
    # 1 Mar 2019 - 29 Feb 2020 inclusive = 366 days = the 12 calendar months from 1 Mar 2019
    first = pd.Series(pd.to_datetime(["2019-03-01", "2019-03-01", "2018-09-01"]))
    assert more_than_twelve_months(first, pd.Series([366, 367, 366])).tolist() == [False, True, True]
    assert _by(senco_audit(store, as_of=AS_OF))["P_LEAP"]["status"] == "within_window"
    fig = survey_figures(store, as_of=AS_OF).set_index("figure")
    # neither holds nor studies an award and not exempt (figures count SENCOs in every setting):
    # P_TWO_B, P_SPG and P_LEAP; the old 365-day rule called P_LEAP exempt and found 2
    assert fig.loc["senco_neither_not_exempt", ["numerator", "denominator"]].tolist() == [3, 10]
