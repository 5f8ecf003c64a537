"""The specialist pipeline on the hand-built careers (career_fixture.py), as of 1 Jan 2025."""

from __future__ import annotations

import datetime as dt

import pytest
from career_fixture import load_careers

from graphmodel.errors import SendgraphError
from queries.careers.pipeline import pipeline

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
#   likely_senco 0: P12 has SEND CPD but 2.3 years; P10 only non-SEND CPD (and is studying); P11 holds
#     NASENCO; the others have no SEND CPD
#   senco_in_training 1: P10 studying NPQ_SENCO since 2024-09-01
#   likely_sensory 1: P11 (CT, 14 years since 2010, VI CPD 2023, no MQ); P08 and P12 have only autism CPD
#   sensory_posts_without_mq 2 (a gap, not a pipeline): P09 ADVISORY_HI without MQ_HI; P13 class teacher
#     in the sensory service with no MQ (P04 holds MQ_VI)
#   mainstream schools S1, S2 (S4 is special): S2 has no SENCO since 2016; S1's SENCO P01 holds NASENCO
#   VI pupils 10 (latest year 202425, not 7 from 202324), HI 6; VI qualified FTE 1.0 (P04 with MQ_VI;
#     P09's 0.6 FTE lacks MQ_HI)
# Manchester (E08000003): P08 CT since ECT 2016-09-01 (8.3 years), SEND CPD, no award: likely_senco 1;
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
    # 1 Sep 2020: P08 has 4.0 years (2016-09-01..2020-09-01, 1461 days) but his SEND CPD is in 2022;
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
