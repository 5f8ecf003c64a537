"""Each person's first SEND-CPD and sensory-CPD day (schema.toml ``derived = "cpd_days"``,
graphmodel/cpd_days.py): a derived set whose inputs (attendance, activities, their needs) are not
its output (people).

They must always equal a fresh recomputation from the stored CPD rows, on the embedded workspace
and on FalkorDB alike: after a first load, and after loads that change only CPD (new attendance, an
activity's date, an activity's needs: every attendee of it is recomputed, though no attendance or
person row was loaded); a failed load leaves them as they were, and a graph loaded before they
existed is refused.
"""

from __future__ import annotations

import datetime as dt

import falkordb_server as fk
import pandas as pd
import pytest
from derived_checks import assert_a_failed_load_keeps
from derived_checks import assert_fresh as _assert_fresh
from derived_checks import sorted_table as _sorted

from graphmodel.cpd_days import ANY_DAY, NEVER, SEND_DAY, SENSORY_DAY, SENSORY_NEEDS
from graphmodel.derived import DERIVERS
from graphmodel.errors import SendgraphError
from loaders import ingest

falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store

CPD = DERIVERS["cpd_days"]


def assert_fresh(store) -> None:
    """The stored days equal a recomputation from the stored CPD rows, and none is blank."""
    _assert_fresh(store, CPD, [SEND_DAY, SENSORY_DAY])


def _days(store, person: str) -> tuple[int, int]:
    people = store.table("people").set_index("person_id")
    return int(people.loc[person, SEND_DAY]), int(people.loc[person, SENSORY_DAY])


def _day(iso: str) -> int:
    return dt.date.fromisoformat(iso).toordinal()


# only CPD: P01 attends A3 (VI, 2023-03-01) undated; A3 moves to 2021-06-01 (P01's day follows it,
# P11 attended it on a date of their own, so keeps that); A2 (no need yet) gets HI: P10's first SEND
# and sensory day become the day they attended A2
A3 = "Teaching pupils with vision impairment"
STEPS = [
    {"attendance": [{"person_id": "P01", "activity_id": "A3"}]},
    {"cpd_activities": [{"activity_id": "A3", "title": A3, "date": "2021-06-01"}]},
    {"activity_needs": [{"activity_id": "A2", "need": "HI"}]},
]


def _load_steps(store, bundle_writer) -> None:
    from career_fixture import TABLES

    ingest.load(store, [(bundle_writer(TABLES), "auto")])
    assert_fresh(store)
    assert _days(store, "P08") == (_day("2022-03-01"), NEVER)  # ASD only
    assert _days(store, "P11") == (_day("2023-03-01"), _day("2023-03-01"))  # VI
    assert _days(store, "P10") == (NEVER, NEVER)  # A2 addresses no need
    assert _days(store, "P01") == (NEVER, NEVER)

    expected = [
        {"P01": (_day("2023-03-01"),) * 2},  # the activity's date
        {"P01": (_day("2021-06-01"),) * 2, "P11": (_day("2023-03-01"),) * 2},
        {"P10": (_day("2022-03-01"),) * 2},  # A2 now addresses HI
    ]
    for step, days in zip(STEPS, expected, strict=True):
        report, _notes = ingest.load(store, [(bundle_writer(step), "auto")])
        assert report.rederived.get("people", 0) == 1, (step, report.rederived)
        assert_fresh(store)
        assert {p: _days(store, p) for p in days} == days

    undated = {"cpd_activities": [{"activity_id": "A3", "title": A3}]}
    report, _notes = ingest.load(store, [(bundle_writer(undated), "auto")])
    assert report.rederived.get("people", 0) == 1  # P01: undated attendance of an undated activity
    assert _days(store, "P01") == (ANY_DAY, ANY_DAY)
    assert _days(store, "P11") == (_day("2023-03-01"), _day("2023-03-01"))  # dated attendance
    assert_fresh(store)

    again, _notes = ingest.load(store, [(bundle_writer(STEPS[0]), "auto")])
    assert again.unchanged


def test_sensory_needs_are_the_audits_senses():
    from queries.audits.sensory import SENSES

    assert tuple(SENSORY_NEEDS) == tuple(SENSES)


def test_embedded_days_follow_every_load(workspace, bundle_writer):
    _load_steps(workspace, bundle_writer)


def test_falkordb_days_follow_every_load_and_match_embedded(workspace, falkor_store, bundle_writer):
    _load_steps(falkor_store, bundle_writer)
    _load_steps(workspace, bundle_writer)
    pd.testing.assert_frame_equal(_sorted(falkor_store, "people"), _sorted(workspace, "people"))


def test_a_failed_server_load_changes_no_day(falkor_store, bundle_writer, monkeypatch):
    from career_fixture import TABLES

    assert_a_failed_load_keeps(falkor_store, CPD, bundle_writer(TABLES), bundle_writer(STEPS[2]), monkeypatch)


def test_a_cpd_load_into_a_graph_from_before_the_days_is_refused(falkor_store, bundle_writer):
    """Only attendance is loaded (people are not read whole): the server is asked for one person
    without the days, and the load refused before anything is written."""
    from career_fixture import TABLES

    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto")])
    falkor_store.run_write(f"MATCH (n:Person) SET n.{SEND_DAY} = NULL, n.{SENSORY_DAY} = NULL", {})
    falkor_store._cache.clear()
    before = _sorted(falkor_store, "attendance")
    with pytest.raises(SendgraphError, match="server load --replace"):
        ingest.load(falkor_store, [(bundle_writer(STEPS[0]), "auto")])
    falkor_store._cache.clear()
    pd.testing.assert_frame_equal(_sorted(falkor_store, "attendance"), before)


class _WithoutDays:
    """A store as a workspace loaded before the days existed shows it: people without them."""

    def __init__(self, store):
        self.store = store

    def table(self, name: str) -> pd.DataFrame:
        frame = self.store.table(name)
        return frame.drop(columns=[SEND_DAY, SENSORY_DAY]) if name == "people" else frame


@pytest.mark.parametrize("as_of", ["2021-01-01", "2022-03-01", "2023-02-28", "2025-09-01"])
def test_embedded_cpd_people_from_the_days_equal_those_from_the_attendance(workspace, bundle_writer, as_of):
    from career_fixture import TABLES

    from queries.careers.pipeline import _send_cpd_people

    ingest.load(workspace, [(bundle_writer(TABLES), "auto")])
    for step in STEPS:
        ingest.load(workspace, [(bundle_writer(step), "auto")])
    day = dt.date.fromisoformat(as_of)
    for needs in (None, tuple(SENSORY_NEEDS)):
        got = sorted(_send_cpd_people(workspace, day, needs))
        expected = sorted(_send_cpd_people(_WithoutDays(workspace), day, needs))
        assert got == expected, (as_of, needs)
    assert sorted(_send_cpd_people(workspace, dt.date(2025, 9, 1))) == ["P01", "P08", "P10", "P11", "P12"]
