"""Calibration: the survey figures measured on a hand-built graph, and on a generated region.

Part 1 checks ``queries.survey_figures`` itself on a graph small enough to work out by hand.
Part 2 generates the North East (the smallest region: about 1,100 schools, 1,050 SENCOs, 50 sensory
and 40 PD specialists) and checks each figure against DOMAIN.md's target.

Tolerances (part 2). The generator assigns each share *exactly* within the population it builds
(stratified, not sampled), so the only expected error is rounding plus people the definitions
count differently (a federation SENCO counted once). The test still uses the margin a simple random
sample of that size would have, 1.96 * sqrt(p(1-p)/n) (95%), which is the honest tolerance for a
survey figure at that n: about +/-3.0 points for 1,050 SENCOs, +/-3.6 for 744 primary SENCOs, +/-6.3
for 150 secondary SENCOs, +/-11 for ~50 sensory and +/-13 for ~40 PD specialists, +/-2.3 for 1,100
schools. Mean tenure uses 1.96 * sd / sqrt(n) from the generated SENCOs (about +/-0.5 years).
At national scale (docs/synthetic-data.md) every figure is within 2 points.

Part 3 checks the progression findings the generator builds in (UCL 2019 KF5, s2.6, s3.1), as
``queries.careers.transitions`` and ``queries.careers.courses`` measure them, and the exemption by
earlier SENCO service (SI 2014/1530 reg. 49) as the SENCO audit classifies it, with tolerances
explained in each test.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from loaders import ingest
from queries.audits.senco import senco_audit
from queries.careers.courses import course_timing
from queries.careers.transitions import direct_to_specialist, observed_transitions
from queries.survey_figures import senco_table, survey_figures

AS_OF = dt.date(2025, 9, 1)


def _years(start: dt.date) -> float:
    return (AS_OF - start).days / 365.25


def test_figures_on_a_hand_built_graph(bundle_writer, workspace):
    schools = [
        {
            "urn": 9000001,
            "name": "A",
            "la_code": "E06000001",
            "phase": "Primary",
            "type": "Community school",
            "type_group": "Local authority maintained schools",
            "status": "Open",
        },
        {
            "urn": 9000002,
            "name": "B",
            "la_code": "E06000001",
            "phase": "Secondary",
            "type": "Academy converter",
            "type_group": "Academies",
            "status": "Open",
        },
        {
            "urn": 9000003,
            "name": "C",
            "la_code": "E06000001",
            "phase": "Not applicable",
            "type": "Community special school",
            "type_group": "Special schools",
            "status": "Open",
        },
    ]
    people = [{"person_id": f"P{i}"} for i in range(1, 8)]
    posts = [
        # P1: SENCO since 2005 (exempt), on the SLT, also a class teacher; no award
        {"person_id": "P1", "urn": 9000001, "role": "SENCO", "start_date": "2005-01-01", "slt": "true"},
        {"person_id": "P1", "urn": 9000001, "role": "CLASS_TEACHER", "start_date": "2000-09-01"},
        # P2: SENCO since 2020 with NASENCO; not on the SLT, no other role
        {"person_id": "P2", "urn": 9000002, "role": "SENCO", "start_date": "2020-01-01", "slt": "false"},
        # P3: six months as SENCO in 2010 (not more than 12 months), SENCO again since 2022, no award
        {
            "person_id": "P3",
            "urn": 9000001,
            "role": "SENCO",
            "start_date": "2010-01-01",
            "end_date": "2010-06-30",
        },
        {"person_id": "P3", "urn": 9000003, "role": "SENCO", "start_date": "2022-09-01"},
        # P4: a head, not a SENCO; P5 a QTVI class teacher; P7 a PD specialist
        {"person_id": "P4", "urn": 9000002, "role": "HEAD", "start_date": "2015-09-01", "slt": "true"},
        {"person_id": "P5", "urn": 9000003, "role": "QTVI_TEACHER", "start_date": "2018-09-01"},
        {"person_id": "P7", "urn": 9000003, "role": "PD_SPECIALIST", "start_date": "2019-09-01"},
    ]
    quals = [
        {"person_id": "P2", "qualification": "NASENCO", "awarded_date": "2021-06-01"},
        {"person_id": "P5", "qualification": "MQ_VI", "awarded_date": "2019-06-01"},
        {"person_id": "P7", "qualification": "PGCERT_SEN", "awarded_date": "2015-06-01"},
    ]
    path = bundle_writer(
        {
            "schools": schools,
            "people": people,
            "posts": posts,
            "person_qualifications": quals,
            "services": [{"service_id": "S1", "name": "Sensory", "la_code": "E06000001", "kind": "sensory"}],
            "service_posts": [
                {"person_id": "P6", "service_id": "S1", "role": "ADVISORY_HI", "start_date": "2016-01-01"}
            ],
            "networks": [{"network_id": "F1", "name": "Forum", "kind": "senco_forum", "send": "true"}],
            "school_memberships": [
                {"urn": 9000001, "network_id": "F1", "tier": "attended_training", "start_date": "2019-01-01"},
                {"urn": 9000003, "network_id": "F1", "tier": "mailing_list", "start_date": "2019-01-01"},
            ],
            "peer_reviews": [{"reviewer_urn": 9000001, "reviewed_urn": 9000002, "date": "2023-05-01"}],
        }
    )
    ingest.load(workspace, [(path, "auto")], today=AS_OF)
    got = survey_figures(workspace, as_of=AS_OF).set_index("figure")

    def share(name: str) -> tuple[int, int]:
        return int(got.loc[name, "numerator"]), int(got.loc[name, "denominator"])

    assert share("senco_award_held_or_studying") == (1, 3)  # P2
    assert share("senco_neither_not_exempt") == (1, 3)  # P3 (181 earlier days, after 2009)
    assert share("senco_on_slt") == (1, 3)  # P1
    assert share("senco_on_slt_primary") == (1, 1)  # P1's main school is primary
    assert share("senco_on_slt_secondary") == (0, 1)  # P2
    assert share("senco_with_another_role") == (1, 3)  # P1 also teaches
    tenure = (_years(dt.date(2005, 1, 1)) + _years(dt.date(2020, 1, 1)) + _years(dt.date(2010, 1, 1))) / 3
    assert got.loc["senco_mean_tenure_years", "value"] == pytest.approx(tenure)
    assert share("sensory_specialists_no_sensory_qualification") == (1, 2)  # P6 holds nothing
    assert share("pd_specialists_no_relevant_qualification") == (0, 1)
    assert share("schools_not_networking") == (1, 3)  # C is only on a mailing list
    assert share("wss_schools_downloaded_or_trained") == (0, 3)
    table = senco_table(workspace, AS_OF)
    assert table.loc["P3", "prior_days"] == 181


@pytest.mark.slow
def test_region_hits_every_target_within_its_sampling_margin(north_east):
    got = survey_figures(north_east, as_of=AS_OF).set_index("figure")
    for figure, row in got.iterrows():
        n = int(row["denominator"])
        assert n > 0, figure
        if figure == "senco_mean_tenure_years":
            sencos = senco_table(north_east, AS_OF)
            years = (np.datetime64(AS_OF) - sencos["first_start"].to_numpy().astype("datetime64[D]")).astype(
                float
            ) / 365.25
            tol = 1.96 * years.std(ddof=1) / math.sqrt(n)
        else:
            p = row["target"]
            tol = 1.96 * math.sqrt(p * (1 - p) / n)
        assert abs(row["value"] - row["target"]) <= tol, (figure, row["value"], row["target"], tol)


@pytest.mark.slow
def test_region_population_is_big_enough_for_the_margins(north_east):
    """The margins above assume these sizes; if the generator shrinks, the test must say so."""
    got = survey_figures(north_east, as_of=AS_OF).set_index("figure")["denominator"]
    assert got["senco_on_slt"] >= 900 and got["senco_on_slt_secondary"] >= 100
    assert got["sensory_specialists_no_sensory_qualification"] >= 30
    assert got["pd_specialists_no_relevant_qualification"] >= 25
    assert got["schools_not_networking"] >= 1000


# --- part 3: progression and the exemption by earlier service ---------------------------------

DIRECT_TARGET = 71 / 685  # UCL 2019 KF5 / s2.6: SENCOs who went straight from ITT into a SEND specialism


@pytest.mark.slow
def test_region_direct_from_itt_share(north_east):
    """Share of specialists whose first specialist post was entered straight from ITT or ECT.

    Assigned exactly (10.4% of each cohort with a recorded earlier role), so the error is rounding;
    the tolerance is still the 95% margin of a sample of that size, 1.96 * sqrt(p(1-p)/n): about
    +/-1.5 points for ~1,680 specialists and ~1,480 whose first specialism is SENCO.
    """
    got = direct_to_specialist(north_east).set_index("specialist_role")
    for role in ("all", "SENCO"):
        n = int(got.loc[role, "with_history"])
        assert n >= 1000, role
        tol = 1.96 * math.sqrt(DIRECT_TARGET * (1 - DIRECT_TARGET) / n)
        assert abs(got.loc[role, "direct_share"] - DIRECT_TARGET) <= tol, (role, got.loc[role].to_dict())


def _median_interval(years: np.ndarray) -> tuple[float, float]:
    """Distribution-free 95% interval for a median: order statistics n/2 -/+ 1.96 * sqrt(n) / 2."""
    y = np.sort(years)
    n = len(y)
    half = 1.96 * math.sqrt(n) / 2
    return float(y[max(int(math.floor(n / 2 - half)), 0)]), float(y[min(int(math.ceil(n / 2 + half)), n - 1)])


def _years_to_course(store, kinds: tuple[str, ...]) -> np.ndarray:
    """Years from each person's first QTS award to their first start of a course of these catalogue
    kinds (held: ``started_date``; being studied: ``start_date``), worked out here from the tables
    so the test does not only trust ``course_timing``."""
    cat = store.table("qualifications")
    codes = set(cat.loc[cat["kind"].isin(kinds), "code"])
    held = store.table("person_qualifications")
    qts = held[held["qualification"] == "QTS"].groupby("person_id")["awarded_date"].min()
    study = store.table("person_studying")
    starts = pd.concat(
        [
            held.loc[held["qualification"].isin(codes), ["person_id", "started_date"]].rename(
                columns={"started_date": "start"}
            ),
            study.loc[study["qualification"].isin(codes), ["person_id", "start_date"]].rename(
                columns={"start_date": "start"}
            ),
        ]
    ).dropna()
    first = starts[starts["start"] <= pd.Timestamp(AS_OF)].groupby("person_id")["start"].min()
    first = first[first.index.isin(qts.index)]
    days = (pd.to_datetime(first) - pd.to_datetime(qts.reindex(first.index))).dt.days
    return (days / 365.25).to_numpy()


@pytest.mark.slow
def test_region_years_from_qts_to_starting_the_senco_award_and_mq(north_east):
    """UCL 2019 s3.1 / s3.2: new teachers had "about 4-5 years of teaching experience before
    starting the NASENCO or another mandatory route" (an MQ).

    The claim is about *starting the course*, counted from QTS (the two ECT induction years are
    teaching experience), so it is checked on ``course_timing``'s QTS -> course-start years, not on
    the CLASS_TEACHER -> SENCO *post* years of ``transitions`` that this test pinned to 4-5 before
    issue 16: that reading put the course about 7 years after QTS. SENCO award (~870 people here):
    the median must lie in 4-5 years, and so must the whole distribution-free 95% interval for it
    (about +/-0.1 years at this n). MQ (~50 people): the interval is wide (about +/-0.5 years), so
    it need only overlap 4-5; the national figures are in docs/synthetic-data.md. The post comes
    first: CLASS_TEACHER -> SENCO (after induction) has a median well under the course's.
    """
    got = course_timing(north_east, as_of=AS_OF).set_index("course")
    for course, kind, strict in (("SENCO award (any)", "statutory", True), ("MQ (any)", "mandatory", False)):
        years = _years_to_course(north_east, (kind,))
        assert len(years) == got.loc[course, "people"] >= (800 if strict else 30), course
        assert got.loc[course, "median_years"] == pytest.approx(float(np.median(years)), abs=0.005)
        lo, hi = _median_interval(years)
        if strict:
            assert 4.0 <= got.loc[course, "median_years"] <= 5.0
            assert 4.0 <= lo and hi <= 5.0, (course, lo, hi)
        else:
            assert lo <= 5.0 and hi >= 4.0, (course, lo, hi)
    table = observed_transitions(north_east)
    ct = table[table["from_role"] == "CLASS_TEACHER"].set_index("to_role")
    assert ct.loc["SENCO", "median_years"] < got.loc["SENCO award (any)", "median_years"] - 1.0


@pytest.mark.slow
def test_region_has_sencos_exempt_by_earlier_service_after_2009(north_east):
    """SI 2014/1530 reg. 49: more than 12 months' earlier SENCO service exempts a SENCO appointed
    after 1 Sep 2009. The generator makes 5% of SENCOs such movers (no award, first appointed after
    2009 elsewhere); the survey table must find that share (95% margin, about +/-1.3 points at
    ~1,050 SENCOs) and the audit must classify every one at a mainstream school as exempt for
    that reason (unless not eligible, having no QTS), not as overdue or within the window."""
    sencos = senco_table(north_east, AS_OF)
    people = north_east.table("person_qualifications")
    award = set(people.loc[people["qualification"].isin(["NASENCO", "NPQ_SENCO"]), "person_id"])
    award |= set(north_east.table("person_studying")["person_id"])
    by_service = sencos[
        (sencos["first_start"] >= pd.Timestamp("2009-09-01"))
        & (sencos["prior_days"] > 365)
        & ~sencos.index.isin(list(award))
    ]
    n = len(sencos)
    share = len(by_service) / n
    assert abs(share - 0.05) <= 1.96 * math.sqrt(0.05 * 0.95 / n), (len(by_service), n)
    audit = senco_audit(north_east, as_of=AS_OF)
    rows = audit[audit["person_id"].isin(list(by_service.index)) & audit["statutory"]]
    # the few who came up the TA route without QTS are not eligible at all (reg. 49 comes first)
    rows = rows[rows["status"] != "not_eligible"]
    assert len(rows) >= 20
    assert (rows["status"] == "exempt").all()
    assert rows["reason"].str.startswith("previously SENCO for more than 12 months").all()
