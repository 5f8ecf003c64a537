"""The specialist pipeline on the hand-built careers (career_fixture.py), as of 1 Jan 2025."""

from __future__ import annotations

import datetime as dt

import pytest
from career_fixture import load_careers, load_likely

from graphmodel.errors import SendgraphError
from queries.careers.pipeline import feeder_steps, pipeline

AS_OF = dt.date(2025, 1, 1)
COUNTS = [
    "teachers_not_senco",
    "likely_senco",
    "senco_in_training",
    "likely_sensory",
    "sensory_posts_without_mq",
    "mainstream_schools",
    "schools_no_senco",
    "schools_overdue_senco",
]
CAPACITY = [
    "vi_pupils",
    "vi_qualified_fte",
    "hi_pupils",
    "hi_qualified_fte",
    "msi_pupils",
    "msi_qualified_fte",
]

# Hartlepool (E06000001) on 1 Jan 2025:
#   teachers not SENCO: P04 (ADVISORY_VI, SV1), P06 (HEAD), P09 (ADVISORY_HI, SV1), P10 (CT + ASENCO),
#     P11 (CT), P12 (CT), P13 (CT in SV1) = 7; P01 and P03 are SENCOs, P05 a TA, P07 not a teaching role
#   likely_senco 0: P12 has SEND CPD but 853 days in CT, below the CT -> SENCO threshold (1727 days,
#     worked out below); P10 only non-SEND CPD (and is studying); P11 holds NASENCO; the others have
#     no SEND CPD
#   senco_in_training 1: P10 studying NPQ_SENCO since 2024-09-01
#   likely_sensory 1: P11 (CT, 4474 days in CT >= the CT -> sensory threshold 1826.25, VI CPD 2023, no
#     MQ); P08 and P12 have only autism CPD
#   sensory_posts_without_mq 2 (a gap, not a pipeline): P09 ADVISORY_HI without MQ_HI; P13 class teacher
#     in the sensory service with no MQ (P04 holds MQ_VI)
#   mainstream schools S1, S2 (S4 is special): S2 has no SENCO since 2016; S1's SENCO P01 holds NASENCO
#   VI pupils 10 (latest year 202425, not 7 from 202324), HI 6; VI qualified FTE 1.0 (P04 with MQ_VI;
#     P09's 0.6 FTE lacks MQ_HI)
# Manchester (E08000003): P08 CT since 2017-09-01 (2679 days >= 1727), SEND CPD, no award: likely_senco 1;
#   P02 is the SENCO of S3 since 2021-09-01 without an award: overdue since 2024-09-01; VI pupils 40,
#   no qualified FTE
HARTLEPOOL = [7, 0, 1, 1, 2, 2, 1, 0]
MANCHESTER = [1, 1, 0, 0, 0, 1, 0, 1]
HARTLEPOOL_CAP = [10, 1.0, 6, 0.0, 0, 0.0]
MANCHESTER_CAP = [40, 0.0, 0, 0.0, 0, 0.0]


@pytest.fixture
def store(workspace, bundle_writer):
    load_careers(workspace, bundle_writer)
    return workspace


def test_pipeline_per_la(store):
    frame = pipeline(store, as_of=AS_OF, level="la")
    assert frame["la_code"].tolist() == ["E06000001", "E08000003"]
    assert frame["la_name"].tolist() == ["Hartlepool", "Manchester"]
    assert frame[COUNTS].values.tolist() == [HARTLEPOOL, MANCHESTER]
    assert frame[CAPACITY].values.tolist() == [HARTLEPOOL_CAP, MANCHESTER_CAP]


def test_pipeline_per_region(store):
    frame = pipeline(store, as_of=AS_OF, level="region")
    assert frame["region_name"].tolist() == ["North East", "North West"]
    assert "la_code" not in frame.columns
    assert frame[COUNTS].values.tolist() == [HARTLEPOOL, MANCHESTER]
    assert frame[CAPACITY].values.tolist() == [HARTLEPOOL_CAP, MANCHESTER_CAP]
    # one LA of each region is in the graph (North East has 12 LAs, North West 24)
    assert frame[["las_in_graph", "las_in_region"]].values.tolist() == [[1, 12], [1, 24]]


def test_region_pupils_are_only_those_of_the_las_in_the_graph(store, workspace, bundle_writer):
    # a DfE region figure for the whole North East must not be set against Hartlepool's staff alone
    from loaders import ingest

    path = bundle_writer(
        {"region_needs": [{"region_code": "E12000001", "need": "VI", "year": 202425, "pupils": 500}]}
    )
    ingest.load(workspace, [(path, "auto")])
    frame = pipeline(workspace, as_of=AS_OF, level="region").set_index("region_name")
    assert frame.loc["North East", "vi_pupils"] == 10


def test_pipeline_depends_on_the_date(store):
    # 1 Sep 2020: P08 has 1096 days in CT (2017-09-01..2020-09-01) and his SEND CPD is in 2022;
    # P02 is not yet SENCO (2021), so S3 has none; P12 has not started.
    frame = pipeline(store, as_of=dt.date(2020, 9, 1), level="la").set_index("la_code")
    assert frame.loc["E08000003", ["likely_senco", "schools_no_senco", "schools_overdue_senco"]].tolist() == [
        0,
        1,
        0,
    ]
    assert frame.loc["E06000001", "teachers_not_senco"] == 6  # P12 not yet in post


def test_pipeline_rejects_unknown_level(store):
    with pytest.raises(SendgraphError, match="level"):
        pipeline(store, as_of=AS_OF, level="trust")


# Issue 16: "likely to move into the role" by observed pathways, not a fixed 4 years of teaching.
# Observed moves into SENCO as of 1 Jan 2025 (years in the from-role, spells.Moves.years):
#   CLASS_TEACHER: P11 1430 days (CT 2010-09-01..2014-07-31, one spell across two schools), P01 1826,
#     P06 1826, P02 2192 -> lower quartile 1430 + 0.75 * (1826 - 1430) = 1727 days (4.7283 years)
#   ASSISTANT_SENCO: P15 731 days (2019-09-01..2021-08-31) -> 731 days (2.0014 years)
#   ITT_TRAINEE: P03 365 days (straight from ITT) -> 0.9993 years
# Observed moves into a sensory role (category sensory / advisory), from outside one:
#   CLASS_TEACHER: P04 1461 days (-> QTVI 2012), P09 2922 days (-> ADVISORY_HI 2023)
#     -> 1461 + 0.25 * 1461 = 1826.25 days (5.0 years); P04's QTVI -> ADVISORY_VI stays inside
FEEDERS = [
    ["senco", "ASSISTANT_SENCO", 1, 731 / 365.25],
    ["senco", "CLASS_TEACHER", 4, 1727 / 365.25],
    ["senco", "ITT_TRAINEE", 1, 365 / 365.25],
    ["sensory", "CLASS_TEACHER", 2, 1826.25 / 365.25],
]


@pytest.fixture
def likely_store(workspace, bundle_writer):
    load_likely(workspace, bundle_writer)
    return workspace


def test_feeder_steps_are_the_observed_moves_and_their_lower_quartile(likely_store):
    frame = feeder_steps(likely_store, as_of=AS_OF)
    assert frame.columns.tolist() == ["target", "from_role", "moves", "threshold_years"]
    assert frame[["target", "from_role", "moves"]].values.tolist() == [row[:3] for row in FEEDERS]
    assert frame["threshold_years"].tolist() == pytest.approx([row[3] for row in FEEDERS], abs=1e-9)


def test_likely_is_time_in_an_observed_feeder_step_not_years_since_first_post(likely_store):
    frame = pipeline(likely_store, as_of=AS_OF, level="la").set_index("la_code")
    hartlepool = frame.loc["E06000001"]
    # teachers not SENCO: the 7 above + P14, P16, P17 (P15 is a SENCO)
    assert hartlepool["teachers_not_senco"] == 10
    # likely SENCO: only P16 (853 days as assistant SENCO >= 731, autism CPD). Not P14 (1218 days in
    # CT < 1727, though 5.3 years since the ECT post), not P17 (DEPUTY_HEAD: nobody observed moving
    # from it into SENCO, though 16 years of teaching). The old 4-year rule gave P14 and P17, not P16.
    assert hartlepool["likely_senco"] == 1
    # likely sensory: P11 (4474 days in CT: 1430 in the first spell + 3044 in the current one >=
    # 1826.25, VI CPD); not P14 (1218 days in CT, VI CPD). The old rule counted P14 too.
    assert hartlepool["likely_sensory"] == 1
    assert frame.loc["E08000003", "likely_senco"] == 1  # P08: 2679 days in CT >= 1727, SEND CPD


@pytest.mark.parametrize(("as_of", "likely"), [(dt.date(2024, 8, 31), 0), (dt.date(2024, 9, 1), 1)])
def test_likely_from_the_day_the_threshold_is_reached(likely_store, as_of, likely):
    # P16 has been assistant SENCO since 2022-09-01: 730 days on 31 Aug 2024, 731 (the threshold) on
    # 1 Sep 2024; the observed moves (all before 2022) are the same on both days
    frame = pipeline(likely_store, as_of=as_of, level="la").set_index("la_code")
    assert frame.loc["E06000001", "likely_senco"] == likely
