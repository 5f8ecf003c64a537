"""A hand-built bundle of whole careers from ITT to QTVI, for the pathways tests.

Every figure the tests assert is worked out by hand below (years = days / 365.25; end dates are the
last day in post; 2012, 2016 and 2020 are leap years, so a year containing 29 February is 366 days).

Schools: S1 100001 Hartlepool primary, S2 100002 Hartlepool secondary, S3 100003 Manchester primary.

Reached QTVI from ITT (6 people; entry = ITT start, target = QTVI start):
  A1 ITT 2010-09-01 S1 -> ECT 2011-09-01 -> CT 2012-09-01 -> QTVI 2016-09-01 S2 (open).
     Steps 365 d (0.9993), 366 d (1.0021), 1461 d (4.0); total 2192 d (6.0014). QTS 2011-07-01 on the
     way (MQ_VI awarded 2018, after the target: not on the way). No SEND CPD.
  A2 ITT 2011-09-01 S1 -> ECT 2012-09-01 S2 -> CT 2013-09-01 S2, CT 2015-10-01 S3 (another school
     a month later: the same spell) -> QTVI 2018-09-01 S2. Steps 366 d (1.0021), 365 d (0.9993),
     1826 d (4.9993); total 2557 d (7.0007). QTS 2012. SEND CPD 2017-03-01 (VI activity).
  A3 ITT 2012-09-01 -> ECT 2013-09-01 -> CT 2014-09-01..2016-08-31 -> no post for two years (a
     BREAK from 2016-09-01) -> back to CT 2018-09-01 S1 (a return: a new spell) -> QTVI 2020-09-01
     S2. Steps 365, 365, 731 (2.0014), 730 (1.9986), 731 (2.0014); total 2922 d (8.0). QTS 2013.
  A4 ITT 2009-09-01 -> ECT 2010-09-01 -> CT 2011-09-01..2019-08-31 S1, and SENCO 2015-09-01..
     2019-08-31 S1 alongside (overlapping posts, two roles) -> QTVI 2019-09-01 S2. Steps 365, 365,
     1461 (4.0), 1461 (4.0); total 3652 d (9.9986). QTS 2010, NASENCO 2017 (course started
     2015-09-01). SEND CPD 2014-03-01 (ASD activity, undated attendance: the activity's date).
  A5 ITT 2015-09-01 -> ECT 2016-09-01 -> QTVI 2017-09-01 S2 (straight after the ECT year). Steps 366
     (1.0021), 365 (0.9993); total 731 d (2.0014). QTS 2016. SEND CPD 2019 (after the target: none
     between).
  A6 ITT 2016-09-01 S3 -> ECT 2017-09-01 S3 -> QTVI 2018-09-01 S3 (Manchester). Steps 365, 365; total
     730 d (1.9986). QTS 2017; studying MQ_VI since 2023-09-01.
No ITT on record:
  A7 CT 2005-09-01 S2 -> QTVI 2012-09-01 S2: first recorded role CLASS_TEACHER, 2557 d (7.0007).
  A13 QTVI 2019-09-01 S1, nothing before: first recorded role QTVI_TEACHER, 0 years.
Entered ITT, not (yet) QTVI (5 people):
  A8 ITT 2014 -> ECT 2015 -> CT 2016-09-01 (open): left after ITT > ECT > CLASS_TEACHER, still in post.
  A9 ITT 2013 -> ECT 2014 -> CT 2015..2018-08-31 -> SENCO 2018-09-01 (open): ITT > ECT > CT > SENCO is
     on the route (A4's pathway starts so): left after it, still in post.
  A10 ITT 2018-09-01..2019-08-31, nothing after: left after ITT_TRAINEE, record ended.
  A11 ITT 2017 -> ECT 2018 -> CT 2019-09-01..2021-08-31: left after ITT > ECT > CT, record ended.
  A12 ITT 2012 -> ECT 2013 -> CT 2014..2019-08-31 -> HEAD 2019-09-01 (open): left after ITT > ECT > CT,
     moved off the route to HEAD.
Course starts (years from QTS award to the course start; the UCL figure is about 4-5 years):
  MQ_VI: A1 2011-07-01 -> 2016-09-01 (1889 d), A2 2012-07-01 -> 2018-09-01 (2253 d), A3 2013-07-01 ->
  2020-09-01 (2619 d), A4 2010-07-01 -> 2019-09-01 (3349 d), A5 2016-07-01 -> 2018-09-01 (792 d), A6
  studying from 2023-09-01 (2017-07-01: 2253 d), A7 2004-07-01 -> 2012-09-01 (2984 d).
  NASENCO: A4 2010-07-01 -> 2015-09-01 (1888 d). A13 holds MQ_VI with no course start date.
"""

from __future__ import annotations

from pathlib import Path

from career_fixture import SCHOOLS as CAREER_SCHOOLS
from career_fixture import _p, load_tables

AS_OF = "2025-01-01"

SCHOOLS = CAREER_SCHOOLS[:3]
"""S1, S2 (Hartlepool) and S3 (Manchester): the careers fixture's first three schools."""


ITT, ECT, CT, QTVI = "ITT_TRAINEE", "ECT", "CLASS_TEACHER", "QTVI_TEACHER"

POSTS = [
    _p("A1", 100001, ITT, "2010-09-01", "2011-08-31"),
    _p("A1", 100001, ECT, "2011-09-01", "2012-08-31"),
    _p("A1", 100001, CT, "2012-09-01", "2016-08-31"),
    _p("A1", 100002, QTVI, "2016-09-01"),
    _p("A2", 100001, ITT, "2011-09-01", "2012-08-31"),
    _p("A2", 100002, ECT, "2012-09-01", "2013-08-31"),
    _p("A2", 100002, CT, "2013-09-01", "2015-08-31"),
    _p("A2", 100003, CT, "2015-10-01", "2018-08-31"),
    _p("A2", 100002, QTVI, "2018-09-01"),
    _p("A3", 100001, ITT, "2012-09-01", "2013-08-31"),
    _p("A3", 100001, ECT, "2013-09-01", "2014-08-31"),
    _p("A3", 100001, CT, "2014-09-01", "2016-08-31"),
    _p("A3", 100001, CT, "2018-09-01", "2020-08-31"),
    _p("A3", 100002, QTVI, "2020-09-01"),
    _p("A4", 100001, ITT, "2009-09-01", "2010-08-31"),
    _p("A4", 100001, ECT, "2010-09-01", "2011-08-31"),
    _p("A4", 100001, CT, "2011-09-01", "2019-08-31"),
    _p("A4", 100001, "SENCO", "2015-09-01", "2019-08-31"),
    _p("A4", 100002, QTVI, "2019-09-01"),
    _p("A5", 100001, ITT, "2015-09-01", "2016-08-31"),
    _p("A5", 100001, ECT, "2016-09-01", "2017-08-31"),
    _p("A5", 100002, QTVI, "2017-09-01"),
    _p("A6", 100003, ITT, "2016-09-01", "2017-08-31"),
    _p("A6", 100003, ECT, "2017-09-01", "2018-08-31"),
    _p("A6", 100003, QTVI, "2018-09-01"),
    _p("A7", 100002, CT, "2005-09-01", "2012-08-31"),
    _p("A7", 100002, QTVI, "2012-09-01"),
    _p("A13", 100001, QTVI, "2019-09-01"),
    _p("A8", 100001, ITT, "2014-09-01", "2015-08-31"),
    _p("A8", 100001, ECT, "2015-09-01", "2016-08-31"),
    _p("A8", 100001, CT, "2016-09-01"),
    _p("A9", 100001, ITT, "2013-09-01", "2014-08-31"),
    _p("A9", 100001, ECT, "2014-09-01", "2015-08-31"),
    _p("A9", 100001, CT, "2015-09-01", "2018-08-31"),
    _p("A9", 100001, "SENCO", "2018-09-01"),
    _p("A10", 100001, ITT, "2018-09-01", "2019-08-31"),
    _p("A11", 100001, ITT, "2017-09-01", "2018-08-31"),
    _p("A11", 100001, ECT, "2018-09-01", "2019-08-31"),
    _p("A11", 100001, CT, "2019-09-01", "2021-08-31"),
    _p("A12", 100002, ITT, "2012-09-01", "2013-08-31"),
    _p("A12", 100002, ECT, "2013-09-01", "2014-08-31"),
    _p("A12", 100002, CT, "2014-09-01", "2019-08-31"),
    _p("A12", 100002, "HEAD", "2019-09-01"),
]


def _q(person, qual, awarded, started=""):
    return {"person_id": person, "qualification": qual, "awarded_date": awarded, "started_date": started}


QUALIFICATIONS = [
    _q("A1", "QTS", "2011-07-01"),
    _q("A1", "MQ_VI", "2018-07-01", "2016-09-01"),
    _q("A2", "QTS", "2012-07-01"),
    _q("A2", "MQ_VI", "2020-07-01", "2018-09-01"),
    _q("A3", "QTS", "2013-07-01"),
    _q("A3", "MQ_VI", "2022-07-01", "2020-09-01"),
    _q("A4", "QTS", "2010-07-01"),
    _q("A4", "NASENCO", "2017-07-01", "2015-09-01"),
    _q("A4", "MQ_VI", "2021-07-01", "2019-09-01"),
    _q("A5", "QTS", "2016-07-01"),
    _q("A5", "MQ_VI", "2020-07-01", "2018-09-01"),
    _q("A6", "QTS", "2017-07-01"),
    _q("A7", "QTS", "2004-07-01"),
    _q("A7", "MQ_VI", "2014-07-01", "2012-09-01"),
    _q("A13", "QTS", "2015-07-01"),
    _q("A13", "MQ_VI", "2019-07-01"),
    _q("A8", "QTS", "2015-07-01"),
    _q("A9", "QTS", "2014-07-01"),
    _q("A11", "QTS", "2018-07-01"),
    _q("A12", "QTS", "2013-07-01"),
]

PEOPLE = ["A1", "A2", "A3", "A4", "A5", "A6", "A7", "A8", "A9", "A10", "A11", "A12", "A13"]

TABLES: dict[str, list[dict]] = {
    "schools": SCHOOLS,
    "people": [{"person_id": p} for p in PEOPLE],
    "posts": POSTS,
    "person_qualifications": QUALIFICATIONS,
    "person_studying": [
        {
            "person_id": "A6",
            "qualification": "MQ_VI",
            "start_date": "2023-09-01",
            "expected_date": "2025-07-31",
        }
    ],
    "cpd_activities": [
        {"activity_id": "VI1", "title": "Vision impairment awareness", "date": "2017-03-01"},
        {"activity_id": "ASD1", "title": "Autism in the classroom", "date": "2014-03-01"},
        {"activity_id": "VI2", "title": "Braille basics", "date": "2019-03-01"},
    ],
    "activity_needs": [
        {"activity_id": "VI1", "need": "VI"},
        {"activity_id": "ASD1", "need": "ASD"},
        {"activity_id": "VI2", "need": "VI"},
    ],
    "attendance": [
        {"person_id": "A2", "activity_id": "VI1", "date": "2017-03-01"},
        {"person_id": "A4", "activity_id": "ASD1", "date": ""},
        {"person_id": "A5", "activity_id": "VI2", "date": "2019-03-01"},
    ],
}


def load_pathways(store, bundle_writer) -> Path:
    """Write the bundle and load it into ``store``; returns the bundle directory."""
    return load_tables(store, bundle_writer, TABLES)
