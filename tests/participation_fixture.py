"""A hand-built community-of-practice bundle for the participation, gap, collaboration and fragility
tests. Every figure the tests assert is worked out by hand from the picture below (as of 2025-01-01).

Schools (NE = North East E12000001, NW = North West E12000002; ages = statutory low-high):
  1001 Alpha Primary      Hartlepool E06000001  mainstream 4-11
  1002 Beta Primary       Hartlepool            mainstream 4-11
  1003 Gamma Primary      Hartlepool            mainstream 4-11
  1004 Delta Academy      Middlesbrough E06000002 mainstream 11-16, trust T1
  1005 Epsilon Academy    Middlesbrough         mainstream 11-18, trust T1
  1006 Zeta Special       Middlesbrough         special 11-19
  1007 Eta PRU            Redcar E06000003      ap (pupil referral unit) 5-10
  1008 Theta Primary      Redcar                mainstream 4-11
  1009 Iota Primary       Bolton E08000001 (NW) mainstream 4-11
  1010 Kappa Infant       Redcar                mainstream 3-7
  1011 Lambda Academy     Redcar                mainstream 11-16

Networks: N1 Hartlepool SENCO forum (senco_forum, SEND), N2 Whole School SEND (community of
practice, SEND), N3 Tees AP cluster (cluster, SEND), N4 Maths hub (send = false: never counts).

Memberships (start 2020-09-01 unless stated; rung numbers 1..7):
  school: 1001 N1 attended_training (4); 1008 N1 attended_training 2018-09-01..2020-07-31 (ended);
          1004 N2 downloaded_tool (3); 1005 N2 host_deliverer (6); 1009 N2 mailing_list (2);
          1007 N3 strategic_partner (7); 1011 N3 wider_community (1); 1010 N4 attended_training.
  person: P2 N1 trained_reviewer (5); P3 N1 attended_training (4); P4 N2 mailing_list (2);
          P5 N2 trained_reviewer (5).
Posts (from 2015-09-01, open): P1 HEAD 1001; P2 SENCO 1002; P3 SENCO 1003; P4 SENCO at both 1003 and
  1004; P5 SENCO 1005. Birth years: P1 blank, P2 1960, P3 1990, P4 1968, P5 1985.
Peer review: 1005 reviewed 1006 on 2023-03-01, carried by P5.
School links: 1007-1010 federation, 1007-1011 cluster, 1008-1001 predecessor (history: no tie).

Collaboration graph (N1 is small, so its active members are pairwise linked; N2 has one active
member, 1005, so it links nobody; passive rungs never link):
  1001-1002 network (carried at 1002's end by P2 alone)
  1001-1003 network (P3 alone)
  1002-1003 network (P2 at one end, P3 at the other: either leaving breaks it)
  1003-1004 shared_staff (P4)          1004-1005 trust (institutional)
  1005-1006 peer_review (P5)           1007-1010 federation, 1007-1011 cluster (institutional)
  Isolated: 1008, 1009.
"""

from __future__ import annotations

import datetime as dt

from loaders import ingest

AS_OF = dt.date(2025, 1, 1)

SCHOOLS = [
    (
        1001,
        "Alpha Primary",
        "E06000001",
        None,
        "Primary",
        "Community school",
        "Local authority maintained schools",
        4,
        11,
    ),
    (
        1002,
        "Beta Primary",
        "E06000001",
        None,
        "Primary",
        "Community school",
        "Local authority maintained schools",
        4,
        11,
    ),
    (
        1003,
        "Gamma Primary",
        "E06000001",
        None,
        "Primary",
        "Voluntary aided school",
        "Local authority maintained schools",
        4,
        11,
    ),
    (1004, "Delta Academy", "E06000002", "T1", "Secondary", "Academy converter", "Academies", 11, 16),
    (1005, "Epsilon Academy", "E06000002", "T1", "Secondary", "Academy converter", "Academies", 11, 18),
    (
        1006,
        "Zeta Special",
        "E06000002",
        None,
        "Not applicable",
        "Community special school",
        "Special schools",
        11,
        19,
    ),
    (
        1007,
        "Eta PRU",
        "E06000003",
        None,
        "Not applicable",
        "Pupil referral unit",
        "Local authority maintained schools",
        5,
        10,
    ),
    (
        1008,
        "Theta Primary",
        "E06000003",
        None,
        "Primary",
        "Community school",
        "Local authority maintained schools",
        4,
        11,
    ),
    (
        1009,
        "Iota Primary",
        "E08000001",
        None,
        "Primary",
        "Community school",
        "Local authority maintained schools",
        4,
        11,
    ),
    (
        1010,
        "Kappa Infant",
        "E06000003",
        None,
        "Primary",
        "Community school",
        "Local authority maintained schools",
        3,
        7,
    ),
    (1011, "Lambda Academy", "E06000003", None, "Secondary", "Academy converter", "Academies", 11, 16),
]
NAMES = ["Ann Archer", "Bea Baker", "Cal Cooper", "Dee Draper", "Eve Evans"]


def tables() -> dict[str, list[dict]]:
    cols = ["urn", "name", "la_code", "trust_id", "phase", "type", "type_group", "low_age", "high_age"]
    start = "2020-09-01"
    return {
        "trusts": [{"trust_id": "T1", "name": "Tees Valley Trust", "kind": "multi-academy trust"}],
        "schools": [dict(zip(cols, row, strict=True)) for row in SCHOOLS],
        "people": [
            {"person_id": f"P{i}", "name": NAMES[i - 1], "birth_year": by}
            for i, by in ((1, None), (2, 1960), (3, 1990), (4, 1968), (5, 1985))
        ],
        "networks": [
            {"network_id": "N1", "name": "Hartlepool SENCO forum", "kind": "senco_forum", "send": True},
            {"network_id": "N2", "name": "Whole School SEND", "kind": "community_of_practice", "send": True},
            {"network_id": "N3", "name": "Tees AP cluster", "kind": "cluster", "send": True},
            {"network_id": "N4", "name": "Maths hub", "kind": "other", "send": False},
        ],
        "school_memberships": [
            {"urn": 1001, "network_id": "N1", "tier": "attended_training", "start_date": start},
            {
                "urn": 1008,
                "network_id": "N1",
                "tier": "attended_training",
                "start_date": "2018-09-01",
                "end_date": "2020-07-31",
            },
            {"urn": 1004, "network_id": "N2", "tier": "downloaded_tool", "start_date": start},
            {"urn": 1005, "network_id": "N2", "tier": "host_deliverer", "start_date": start},
            {"urn": 1009, "network_id": "N2", "tier": "mailing_list", "start_date": start},
            {"urn": 1007, "network_id": "N3", "tier": "strategic_partner", "start_date": start},
            {"urn": 1011, "network_id": "N3", "tier": "wider_community", "start_date": start},
            {"urn": 1010, "network_id": "N4", "tier": "attended_training", "start_date": start},
        ],
        "person_memberships": [
            {"person_id": "P2", "network_id": "N1", "tier": "trained_reviewer", "start_date": start},
            {"person_id": "P3", "network_id": "N1", "tier": "attended_training", "start_date": start},
            {"person_id": "P4", "network_id": "N2", "tier": "mailing_list", "start_date": start},
            {"person_id": "P5", "network_id": "N2", "tier": "trained_reviewer", "start_date": start},
        ],
        "posts": [
            {"person_id": p, "urn": u, "role": r, "start_date": "2015-09-01", "fte": f}
            for p, u, r, f in (
                ("P1", 1001, "HEAD", 1.0),
                ("P2", 1002, "SENCO", 1.0),
                ("P3", 1003, "SENCO", 1.0),
                ("P4", 1003, "SENCO", 0.5),
                ("P4", 1004, "SENCO", 0.5),
                ("P5", 1005, "SENCO", 1.0),
            )
        ],
        "peer_reviews": [
            {
                "reviewer_urn": 1005,
                "reviewed_urn": 1006,
                "date": "2023-03-01",
                "tool": "SEND Review Guide",
                "reviewer_person_id": "P5",
            }
        ],
        "school_links": [
            {"urn": 1007, "linked_urn": 1010, "kind": "federation"},
            {"urn": 1007, "linked_urn": 1011, "kind": "cluster"},
            {"urn": 1008, "linked_urn": 1001, "kind": "predecessor"},
        ],
    }


def load_world(workspace, bundle_writer):
    """Load the bundle above into ``workspace`` and return it."""
    ingest.load(workspace, [(bundle_writer(tables()), "auto")])
    return workspace
