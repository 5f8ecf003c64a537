"""A small hand-built graph for the map tests (as of 2024-01-01).

North East (E12000001): Hartlepool E06000001 has 100001 (named like an XSS payload, trust T1, SEN 5+40)
and 100002 Bay Primary (trust T1, SEN 2+20); Middlesbrough E06000002 has 100003 Hill Secondary
(SEN 30+100). London: 100004 Far School (City of London E09000001). Network N1 (WSS North East):
100001 trained_reviewer, 100002 mailing_list; person P1 ("Alice Example") trained_reviewer, SENCO
at 100002 since 2019. Peer review 100001 -> 100003; federation 100002 - 100003; service S1 in
Hartlepool.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loaders import ingest

XSS = "<img src=x onerror=alert(1)>"

# Two sensory posts (an unqualified QTVI at a school, an HI advisory teacher in a service), as
# sensory_audit returns them: the audit map tests take this instead of running the audit.
SENSORY = pd.DataFrame(
    {
        "person_id": ["P1", "P2"],
        "role": ["QTVI_TEACHER", "ADVISORY_HI"],
        "need": ["VI", "HI"],
        "urn": [100002, None],
        "service_id": [None, "S1"],
        "la_code": ["E06000001"] * 2,
        "region_code": ["E12000001"] * 2,
        "status": ["unqualified", "within_allowance"],
    }
)


def _school(urn, name, la, sen, ehcp, trust=None, phase="Primary"):
    return {
        "urn": urn,
        "name": name,
        "la_code": la,
        "trust_id": trust,
        "phase": phase,
        "type": "Academy converter" if trust else "Community school",
        "type_group": "Academies" if trust else "Local authority maintained schools",
        "pupils": 300,
        "ehcp_pupils": ehcp,
        "sen_support_pupils": sen,
    }


TABLES = {
    "trusts": [{"trust_id": "T1", "name": "Tees Valley Trust", "kind": "multi-academy trust"}],
    "schools": [
        _school(100001, XSS, "E06000001", 40, 5, "T1"),
        _school(100002, "Bay Primary", "E06000001", 20, 2, "T1"),
        _school(100003, "Hill Secondary", "E06000002", 100, 30, phase="Secondary"),
        _school(100004, "Far School", "E09000001", 5, 1),
    ],
    "networks": [
        {
            "network_id": "N1",
            "name": "WSS North East",
            "kind": "community_of_practice",
            "send": True,
            "region_code": "E12000001",
        }
    ],
    "people": [{"person_id": "P1", "name": "Alice Example"}],
    "posts": [{"person_id": "P1", "urn": 100002, "role": "SENCO", "start_date": "2019-09-01"}],
    "school_memberships": [
        {"urn": 100001, "network_id": "N1", "tier": "trained_reviewer", "start_date": "2020-01-01"},
        {"urn": 100002, "network_id": "N1", "tier": "mailing_list", "start_date": "2020-01-01"},
    ],
    "person_memberships": [
        {"person_id": "P1", "network_id": "N1", "tier": "trained_reviewer", "start_date": "2020-01-01"}
    ],
    "peer_reviews": [
        {"reviewer_urn": 100001, "reviewed_urn": 100003, "date": "2021-03-01", "tool": "SEND Review Guide"}
    ],
    "school_links": [{"urn": 100002, "linked_urn": 100003, "kind": "federation"}],
    "services": [
        {"service_id": "S1", "name": "Hartlepool Sensory Service", "la_code": "E06000001", "kind": "sensory"}
    ],
}


def load_fixture(store, directory: Path, tables: dict | None = None):
    from conftest import write_bundle

    ingest.load(store, [(write_bundle(directory, tables or TABLES), "auto")])
    return store


def map_data(html_text: str) -> dict:
    """The JSON payload a map page carries (what the browser draws)."""
    import json

    start = html_text.index('<script id="map-data" type="application/json">') + len(
        '<script id="map-data" type="application/json">'
    )
    from visuals.render import unpack

    return unpack(json.loads(html_text[start : html_text.index("</script>", start)]))
