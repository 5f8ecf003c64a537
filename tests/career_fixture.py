"""A hand-built career-history bundle for the progression tests (routes, transitions, pipeline,
next steps). Every figure the tests assert is worked out by hand from the careers below.

Schools: S1 100001 Hartlepool primary, S2 100002 Hartlepool secondary, S3 100003 Manchester
primary academy, S4 100004 Hartlepool special school. Service SV1: Hartlepool sensory service.

Careers (open = still in post; years = days / 365.25):
  P01 ITT 2010-09-01 S1 -> ECT 2011-09-01 S1 -> CT 2013-09-01 S1 (open) + SENCO 2018-09-01 S1 (open,
      concurrent); QTS 2011, NASENCO 2020.
  P02 ITT 2012-09-01 S1 -> ECT 2013-09-01 S2 -> CT 2015-09-01 S2, CT 2017-09-01 S3 (same role, another
      school: no transition) -> SENCO 2021-09-01 S3 (open); QTS 2013; no award -> S3 overdue.
  P03 ITT 2014-09-01 -> SENCO 2015-09-01 S4 (special school; straight from ITT).
  P04 CT 2008-09-01 S1 -> QTVI_TEACHER 2012-09-01 S2 -> ADVISORY_VI 2016-09-01 SV1 (open, fte 1.0);
      QTS, MQ_VI 2014.
  P05 TA 2015-09-01 S1 (open): no onward move.
  P06 CT 2005-09-01 S2 -> SENCO 2010-09-01 S2 -> HEAD 2016-09-01 S2 (open).
  P07 PD_SPECIALIST 2015-09-01 S4 (open): no earlier role recorded.
  P08 ECT 2016-09-01 S3 -> CT 2017-09-01 S3 (open); SEND CPD 2022 -> SENCO-ready in Manchester.
  P09 CT 2015-09-01 S2 -> ADVISORY_HI 2023-09-01 SV1 (open), no MQ_HI -> sensory-ready.
  P10 ITT 2017-09-01 S1 -> CT and ASSISTANT_SENCO both 2018-09-01 S1 (open; same day: no move between
      them); non-SEND CPD only; studying NPQ_SENCO since 2024-09-01.
  P11 CT 2010-09-01 S1, CT 2012-10-01 S2 (31-day gap: same spell) -> SENCO 2014-09-01 S2 -> back to
      CT 2016-09-01 S2 (open; two years after the CT spell ended: a new spell); NASENCO 2015;
      vision-impairment CPD 2023, no MQ -> likely to move into a sensory post.
  P12 CT 2022-09-01 S1 (open), SEND CPD: under 4 years, not ready.
  P13 CLASS_TEACHER in the sensory service SV1 2020-09-01 (open), no MQ -> sensory-ready.
"""

from __future__ import annotations

from pathlib import Path

from loaders import ingest

AS_OF = "2025-01-01"

SCHOOLS = [
    {
        "urn": 100001,
        "name": "S1 Primary",
        "la_code": "E06000001",
        "phase": "Primary",
        "type": "Community school",
        "type_group": "Local authority maintained schools",
    },
    {
        "urn": 100002,
        "name": "S2 Secondary",
        "la_code": "E06000001",
        "phase": "Secondary",
        "type": "Community school",
        "type_group": "Local authority maintained schools",
    },
    {
        "urn": 100003,
        "name": "S3 Academy",
        "la_code": "E08000003",
        "phase": "Primary",
        "type": "Academy converter",
        "type_group": "Academies",
    },
    {
        "urn": 100004,
        "name": "S4 Special",
        "la_code": "E06000001",
        "phase": "Not applicable",
        "type": "Community special school",
        "type_group": "Special schools",
    },
]


def _p(person, urn, role, start, end=""):
    return {"person_id": person, "urn": urn, "role": role, "start_date": start, "end_date": end}


POSTS = [
    _p("P01", 100001, "ITT_TRAINEE", "2010-09-01", "2011-08-31"),
    _p("P01", 100001, "ECT", "2011-09-01", "2013-08-31"),
    _p("P01", 100001, "CLASS_TEACHER", "2013-09-01"),
    _p("P01", 100001, "SENCO", "2018-09-01"),
    _p("P02", 100001, "ITT_TRAINEE", "2012-09-01", "2013-08-31"),
    _p("P02", 100002, "ECT", "2013-09-01", "2015-08-31"),
    _p("P02", 100002, "CLASS_TEACHER", "2015-09-01", "2017-08-31"),
    _p("P02", 100003, "CLASS_TEACHER", "2017-09-01"),
    _p("P02", 100003, "SENCO", "2021-09-01"),
    _p("P03", 100001, "ITT_TRAINEE", "2014-09-01", "2015-08-31"),
    _p("P03", 100004, "SENCO", "2015-09-01"),
    _p("P04", 100001, "CLASS_TEACHER", "2008-09-01", "2012-08-31"),
    _p("P04", 100002, "QTVI_TEACHER", "2012-09-01", "2016-08-31"),
    _p("P05", 100001, "TA", "2015-09-01"),
    _p("P06", 100002, "CLASS_TEACHER", "2005-09-01", "2010-08-31"),
    _p("P06", 100002, "SENCO", "2010-09-01", "2016-08-31"),
    _p("P06", 100002, "HEAD", "2016-09-01"),
    _p("P07", 100004, "PD_SPECIALIST", "2015-09-01"),
    _p("P08", 100003, "ECT", "2016-09-01", "2017-08-31"),
    _p("P08", 100003, "CLASS_TEACHER", "2017-09-01"),
    _p("P09", 100002, "CLASS_TEACHER", "2015-09-01", "2023-08-31"),
    _p("P10", 100001, "ITT_TRAINEE", "2017-09-01", "2018-08-31"),
    _p("P10", 100001, "CLASS_TEACHER", "2018-09-01"),
    _p("P10", 100001, "ASSISTANT_SENCO", "2018-09-01"),
    _p("P11", 100001, "CLASS_TEACHER", "2010-09-01", "2012-08-31"),
    _p("P11", 100002, "CLASS_TEACHER", "2012-10-01", "2014-07-31"),
    _p("P11", 100002, "SENCO", "2014-09-01", "2016-08-31"),
    _p("P11", 100002, "CLASS_TEACHER", "2016-09-01"),
    _p("P12", 100001, "CLASS_TEACHER", "2022-09-01"),
]

SERVICE_POSTS = [
    {
        "person_id": "P04",
        "service_id": "SV1",
        "role": "ADVISORY_VI",
        "start_date": "2016-09-01",
        "end_date": "",
        "fte": 1.0,
    },
    {
        "person_id": "P09",
        "service_id": "SV1",
        "role": "ADVISORY_HI",
        "start_date": "2023-09-01",
        "end_date": "",
        "fte": 0.6,
    },
    {
        "person_id": "P13",
        "service_id": "SV1",
        "role": "CLASS_TEACHER",
        "start_date": "2020-09-01",
        "end_date": "",
        "fte": 1.0,
    },
]


def _q(person, qual, awarded):
    return {"person_id": person, "qualification": qual, "awarded_date": awarded}


QUALIFICATIONS = [
    _q("P01", "QTS", "2011-07-01"),
    _q("P01", "NASENCO", "2020-07-01"),
    _q("P02", "QTS", "2013-07-01"),
    _q("P03", "QTS", "2015-07-01"),
    _q("P04", "QTS", "2008-07-01"),
    _q("P04", "MQ_VI", "2014-07-01"),
    _q("P06", "QTS", "2005-07-01"),
    _q("P08", "QTS", "2016-07-01"),
    _q("P09", "QTS", "2015-07-01"),
    _q("P10", "QTS", "2018-07-01"),
    _q("P11", "QTS", "2010-07-01"),
    _q("P11", "NASENCO", "2015-07-01"),
    _q("P12", "QTS", "2022-07-01"),
    _q("P13", "QTS", "2019-07-01"),
]

TABLES: dict[str, list[dict]] = {
    "schools": SCHOOLS,
    "services": [
        {
            "service_id": "SV1",
            "name": "Hartlepool sensory support service",
            "la_code": "E06000001",
            "kind": "sensory",
        }
    ],
    "people": [{"person_id": f"P{i:02d}"} for i in range(1, 14)],
    "posts": POSTS,
    "service_posts": SERVICE_POSTS,
    "person_qualifications": QUALIFICATIONS,
    "person_studying": [
        {
            "person_id": "P10",
            "qualification": "NPQ_SENCO",
            "start_date": "2024-09-01",
            "expected_date": "2026-07-31",
        }
    ],
    "cpd_activities": [
        {"activity_id": "A1", "title": "Autism in the classroom", "date": "2022-03-01"},
        {"activity_id": "A2", "title": "Assessment for learning", "date": "2022-03-01"},
        {"activity_id": "A3", "title": "Teaching pupils with vision impairment", "date": "2023-03-01"},
    ],
    "activity_needs": [{"activity_id": "A1", "need": "ASD"}, {"activity_id": "A3", "need": "VI"}],
    "attendance": [
        {"person_id": "P08", "activity_id": "A1", "date": "2022-03-01"},
        {"person_id": "P12", "activity_id": "A1", "date": "2022-03-01"},
        {"person_id": "P10", "activity_id": "A2", "date": "2022-03-01"},
        {"person_id": "P11", "activity_id": "A3", "date": "2023-03-01"},
    ],
    "la_needs": [
        {"la_code": "E06000001", "need": "VI", "year": 202324, "pupils": 7},
        {"la_code": "E06000001", "need": "VI", "year": 202425, "pupils": 10},
        {"la_code": "E06000001", "need": "HI", "year": 202425, "pupils": 6},
        {"la_code": "E08000003", "need": "VI", "year": 202425, "pupils": 40},
    ],
    # a regional provider in the North East, to test --region
    "providers": [
        {
            "provider_id": "NE_MQ",
            "name": "North East MQ centre",
            "kind": "university",
            "region_code": "E12000001",
        }
    ],
    "provider_offers": [{"provider_id": "NE_MQ", "qualification": "MQ_VI", "places_per_year": 12}],
}


def load_tables(store, bundle_writer, tables: dict[str, list[dict]]) -> Path:
    """Write ``tables`` as a bundle and load it into ``store``; returns the bundle directory."""
    path = bundle_writer(tables)
    ingest.load(store, [(path, "auto")])
    return path


def load_careers(store, bundle_writer) -> Path:
    """Write the careers bundle and load it into ``store``; returns the bundle directory."""
    return load_tables(store, bundle_writer, TABLES)


# Extra careers for the observed "likely to move" rule of ``pipeline`` (issue 16), loaded on top of
# TABLES by ``load_likely`` only (the other tests see TABLES unchanged). Days are worked out by hand.
#   P14 ECT 2019-09-01..2021-08-31 S1 -> CT 2021-09-01 S1 (open); VI CPD (A3, 2023): 5.3 years since
#       the first teaching post (the old 4-year rule counted them twice), but 1218 days in CT, below
#       both CT thresholds -> not likely.
#   P15 ITT 2017-09-01 S4 -> CT 2018-09-01 S4 (open) + ASSISTANT_SENCO 2019-09-01..2021-08-31 S4 ->
#       SENCO 2021-09-01 S4 (open), NASENCO 2023: an observed ASSISTANT_SENCO -> SENCO move after
#       731 days (2.0014 years).
#   P16 ITT 2020-09-01..2021-08-31 S1 -> CT 2021-09-01 S1 (open) + ASSISTANT_SENCO 2022-09-01 S1
#       (open); autism CPD (A1, 2022): 853 days as assistant SENCO >= 731 -> likely SENCO (only 3.3
#       years of teaching: the old rule missed them).
#   P17 CT 2008-09-01..2012-08-31 S2 -> DEPUTY_HEAD 2012-09-01 S2 (open); autism CPD (A1): no one is
#       observed moving from DEPUTY_HEAD into SENCO -> not likely (16 years of teaching: the old rule
#       counted them).
LIKELY_POSTS = [
    _p("P14", 100001, "ECT", "2019-09-01", "2021-08-31"),
    _p("P14", 100001, "CLASS_TEACHER", "2021-09-01"),
    _p("P15", 100004, "ITT_TRAINEE", "2017-09-01", "2018-08-31"),
    _p("P15", 100004, "CLASS_TEACHER", "2018-09-01"),
    _p("P15", 100004, "ASSISTANT_SENCO", "2019-09-01", "2021-08-31"),
    _p("P15", 100004, "SENCO", "2021-09-01"),
    _p("P16", 100001, "ITT_TRAINEE", "2020-09-01", "2021-08-31"),
    _p("P16", 100001, "CLASS_TEACHER", "2021-09-01"),
    _p("P16", 100001, "ASSISTANT_SENCO", "2022-09-01"),
    _p("P17", 100002, "CLASS_TEACHER", "2008-09-01", "2012-08-31"),
    _p("P17", 100002, "DEPUTY_HEAD", "2012-09-01"),
]
LIKELY_TABLES: dict[str, list[dict]] = {
    "people": [{"person_id": f"P{i}"} for i in range(14, 18)],
    "posts": LIKELY_POSTS,
    "person_qualifications": [
        _q("P14", "QTS", "2019-07-01"),
        _q("P15", "QTS", "2018-07-01"),
        _q("P15", "NASENCO", "2023-07-01"),
        _q("P16", "QTS", "2021-07-01"),
        _q("P17", "QTS", "2008-07-01"),
    ],
    "attendance": [
        {"person_id": "P14", "activity_id": "A3", "date": "2023-03-01"},
        {"person_id": "P16", "activity_id": "A1", "date": "2022-03-01"},
        {"person_id": "P17", "activity_id": "A1", "date": "2022-03-01"},
    ],
}


def load_likely(store, bundle_writer) -> None:
    """Load TABLES, then the extra careers of LIKELY_TABLES on top."""
    load_careers(store, bundle_writer)
    ingest.load(store, [(bundle_writer(LIKELY_TABLES), "auto")])
