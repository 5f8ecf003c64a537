"""The native ``pipeline`` (queries/native/pipeline.py) gives the embedded answer on a generated region.

Why these cases: the native version counts most people in Cypher from the career columns a load
stores, and the exceptions (people whose awards, courses or other posts change their answer, and
people whose moves depend on ``as_of``) by the embedded rules on their own rows. Each part can go
wrong on its own: an ``as_of`` before the newest posts makes ``career_check`` people (their stored
moves do not hold, so the feeder steps must be recomputed for them), both levels group people
differently (a person counts once per LA, once per region), and the place filters pick rows of the
result. The thresholds cross the wire as whole days (:func:`ready_days`), which must round exactly
as the embedded float comparison does. A graph loaded before the columns existed is refused with
the command that fixes it.
"""

from __future__ import annotations

import datetime as dt
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import falkordb_server as fk
import numpy as np
import pandas as pd
import pytest

from graphmodel.careers import DAYS_PER_YEAR
from graphmodel.errors import SendgraphError
from loaders import ingest
from queries.careers.pipeline import pipeline
from queries.context import Filters
from queries.native import pipeline as native
from queries.native.pipeline import ready_days

pytestmark = pytest.mark.server
falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store

LATE = dt.date(2025, 9, 1)
EARLY = dt.date(2022, 3, 15)


@pytest.fixture(scope="module")
def ne_server(falkordb_server, north_east):
    """The session's generated North East, loaded into a FalkorDB graph of its own."""
    from graphmodel.server.falkordb_store import FalkorStore

    store = FalkorStore(falkordb_server.url, f"pipe_{uuid.uuid4().hex[:10]}")
    bundle = Path(north_east.path).parent / "bundle"
    ingest.load(store, [(bundle, "auto")], today=dt.date(2025, 9, 1))
    yield store
    store._graph.delete()


@pytest.mark.parametrize("as_of", [LATE, EARLY], ids=str)
@pytest.mark.parametrize("level", ["la", "region"])
def test_native_pipeline_equals_embedded(north_east, ne_server, level, as_of):
    want = pipeline(north_east, as_of=as_of, level=level)
    got = pipeline(ne_server, as_of=as_of, level=level)
    pd.testing.assert_frame_equal(got, want)
    # real answers: every people count has someone in it somewhere
    columns = ["teachers_not_senco", "likely_senco", "likely_sensory"]
    columns += ["senco_in_training"] if as_of == LATE else []  # no one studies for it yet in 2022
    for column in columns:
        assert want[column].sum() > 0, column


def test_early_as_of_has_people_whose_moves_are_recomputed(north_east):
    """The EARLY case above exercises the career_check path: people whose stored moves do not hold."""
    posts = north_east.table("posts")
    late = posts.loc[posts["career_check"] > pd.Timestamp(EARLY), "person_id"].nunique()
    assert late > 100


@pytest.mark.parametrize(
    "filters", [Filters(la="Gateshead"), Filters(region="North East"), Filters(la="E06000001")], ids=repr
)
def test_native_pipeline_filters(north_east, ne_server, filters):
    want = pipeline(north_east, as_of=LATE, filters=filters)
    got = pipeline(ne_server, as_of=LATE, filters=filters)
    assert len(want) >= 1
    pd.testing.assert_frame_equal(got, want)


def test_ready_days_round_as_the_embedded_comparison():
    rng = np.random.default_rng(7)
    thresholds = [*rng.uniform(0, 12, 500), 0.0, 1.0, 1.582478, 365 / DAYS_PER_YEAR, 730.5 / DAYS_PER_YEAR]
    for t in thresholds:
        n = ready_days(float(t))
        assert n / DAYS_PER_YEAR >= t - 1e-9, t
        assert n == 0 or (n - 1) / DAYS_PER_YEAR < t - 1e-9, t


def test_a_graph_without_career_columns_is_refused(falkor_store, bundle_writer):
    from career_fixture import TABLES

    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto")])
    falkor_store._graph.query("MATCH (:Person)-[r:WORKS_AT]->(:School) SET r.spell_start = NULL")
    with pytest.raises(SendgraphError, match="server load --replace"):
        pipeline(falkor_store, as_of=LATE)


def _statements(store, monkeypatch) -> list[str]:
    """Record the text of every read ``store`` runs from now on."""
    seen: list[str] = []
    run = store.run_read

    def recording(text, params=None, types=None):
        seen.append(text)
        return run(text, params, types)

    monkeypatch.setattr(store, "run_read", recording)
    return seen


def test_native_pipeline_reads_specialists_by_the_flag(north_east, ne_server, monkeypatch):
    """A graph with the flag: the feeder moves and the exceptions' current posts start from the
    flagged people (the reads that would otherwise scan every post or look 35k people up by key)."""
    seen = _statements(ne_server, monkeypatch)
    pd.testing.assert_frame_equal(
        pipeline(ne_server, as_of=EARLY, level="la"), pipeline(north_east, as_of=EARLY, level="la")
    )
    assert native.FEEDER_MOVES_BY_FLAG.text in seen and native.FEEDER_MOVES["WORKS_AT"].text not in seen
    assert native.SPECIALISTS_POSTS.text in seen


@pytest.mark.parametrize("level", ["la", "region"])
@pytest.mark.parametrize("as_of", [LATE, EARLY], ids=str)
def test_native_pipeline_by_the_scans_and_in_three_parts_is_the_same(
    north_east, ne_server, monkeypatch, level, as_of
):
    """Without the flag (a graph loaded before it, or a bundle's own target roles), the scans;
    and the counts' scan in three parts, not the default number: the same answer either way."""
    monkeypatch.setattr(native, "use_index", lambda store, roles: False)
    monkeypatch.setattr(native, "COUNT_PARTS", 3)
    seen = _statements(ne_server, monkeypatch)
    want = pipeline(north_east, as_of=as_of, level=level)
    pd.testing.assert_frame_equal(pipeline(ne_server, as_of=as_of, level=level), want)
    assert native.FEEDER_MOVES["WORKS_AT"].text in seen and native.SPECIALISTS_POSTS.text not in seen
    parts = [t for t in seen if t == native.COUNTS[level].text]
    assert len(parts) == (3 if level == "la" else 1)  # the North East is one region


class _Geography:
    """A store with only the geography tables :func:`native._parts` reads."""

    def table(self, name):
        assert name == "local_authorities"
        return pd.DataFrame(
            {
                "code": ["L1", "L2", "L3", "L4", "L5", "L6"],
                "region_code": ["R1", "R1", "R2", "R3", "R3", "R4"],
            }
        )


@pytest.mark.parametrize("level", ["la", "region"])
def test_count_parts_hold_every_area_once_and_whole(monkeypatch, level):
    monkeypatch.setattr(native, "COUNT_PARTS", 2)
    schools = [["L1", 50], ["L2", 10], ["L3", 40], ["L4", 5], ["L5", 30], ["ELSEWHERE", 99], [None, 3]]
    parts = native._parts(_Geography(), schools, level)
    # every LA with schools once (L6 has none: nothing to count there)
    assert sorted(c for p in parts for c in p) == ["L1", "L2", "L3", "L4", "L5"]
    assert len(parts) == native.COUNT_PARTS
    if level == "region":  # a region's LAs together
        assert any({"L1", "L2"} <= set(p) for p in parts) and any({"L4", "L5"} <= set(p) for p in parts)
    weight = {la: n for la, n in schools}
    loads = [sum(weight[c] for c in p) for p in parts]
    assert loads == ([75, 60] if level == "region" else [70, 65])  # the largest first


class _CountingStore:
    """A server store that answers the counts' scan with one row per LA code asked for. Its first two
    reads wait for each other: they pass only if two threads hold a part at once."""

    dialect = type("D", (), {"name": "falkordb"})()

    def __init__(self):
        self.asked: list[str] = []
        self._both = threading.Barrier(2, timeout=10)
        self._lock = threading.Lock()

    def run_read(self, query, params=None, types=None):
        with self._lock:
            first_two = len(self.asked) < 4  # two parts of two codes
            self.asked += params["las"]
        if first_two:
            self._both.wait()
        return ["area"], [[la, 1, 0, 0] for la in params["las"]]


def test_the_counts_queue_hands_each_part_to_one_thread_once():
    store = _CountingStore()
    parts = [[f"L{i}a", f"L{i}b"] for i in range(12)]
    queue = native._Queue(store, native.COUNTS["la"])
    queue.put({"as_of": "2025-01-01"}, parts)
    with ThreadPoolExecutor(max_workers=1) as pool:
        other = pool.submit(queue.drain)
        mine = queue.drain()
        theirs = other.result()
    assert mine and theirs  # both threads read parts
    assert sorted(r[0] for r in mine + theirs) == sorted(la for p in parts for la in p)
    assert sorted(store.asked) == sorted(la for p in parts for la in p)  # each part read once
    assert queue.drain() == []  # nothing left


class _FailingStore:
    """A server store whose read of part ``L0`` fails; it records every part asked for."""

    dialect = _CountingStore.dialect

    def __init__(self):
        self.asked: list[str] = []

    def run_read(self, query, params=None, types=None):
        self.asked += params["las"]
        if params["las"] == ["L0"]:
            raise SendgraphError("the server stopped the analysis pipeline")
        return ["area"], [[la, 1, 0, 0] for la in params["las"]]


def test_a_failed_part_stops_the_counts_queue():
    store = _FailingStore()
    queue = native._Queue(store, native.COUNTS["la"])
    queue.put({}, [[f"L{i}"] for i in range(9)])
    with pytest.raises(SendgraphError, match="stopped"):
        queue.drain()
    assert store.asked == ["L0"] and queue.drain() == []  # the other parts are not read after it


def test_an_error_in_the_block_empties_the_counts_queue():
    store = _CountingStore()
    with pytest.raises(KeyError), native._Queue(store, native.COUNTS["la"]) as queue:
        queue.put({}, [[f"L{i}"] for i in range(9)])
        raise KeyError("something else went wrong")
    assert queue.drain() == [] and store.asked == []


# Two careers on top of the hand-built ones (tests/career_fixture.py), for the paths the generated
# region leaves empty:
#   P20 CT 2012-09-01 S1 (open), NASENCO 2019: an exception (award holder) with a current school post
#       who is not flagged a specialist, so their current post is read by key, not by the flag.
#   P21 CT 2010-09-01..2016-08-31 S2 -> ADVISORY_VI 2016-09-01..2019-08-31 SV1 -> CT 2019-09-01 S2
#       (open): never in a specialist school post (not flagged), a move into a sensory target on a
#       service post, and late on 2017-06-01 (a post starts after it): only the service posts' scan
#       lists them for the recheck.
def _post(person: str, urn: int, start: str, end: str = "") -> dict:
    return {"person_id": person, "urn": urn, "role": "CLASS_TEACHER", "start_date": start, "end_date": end}


EXTRA = {
    "people": [{"person_id": "P20"}, {"person_id": "P21"}],
    "posts": [
        _post("P20", 100001, "2012-09-01"),
        _post("P21", 100002, "2010-09-01", "2016-08-31"),
        _post("P21", 100002, "2019-09-01"),
    ],
    "service_posts": [
        {
            "person_id": "P21",
            "service_id": "SV1",
            "role": "ADVISORY_VI",
            "start_date": "2016-09-01",
            "end_date": "2019-08-31",
            "fte": 1.0,
        },
    ],
    "person_qualifications": [
        {"person_id": "P20", "qualification": "QTS", "awarded_date": "2012-07-01"},
        {"person_id": "P20", "qualification": "NASENCO", "awarded_date": "2019-07-01"},
        {"person_id": "P21", "qualification": "QTS", "awarded_date": "2010-07-01"},
    ],
}


@pytest.mark.parametrize("as_of", [dt.date(2017, 6, 1), LATE], ids=str)
def test_unflagged_exceptions_and_late_service_movers(
    workspace, falkor_store, bundle_writer, monkeypatch, as_of
):
    from career_fixture import load_careers

    for store in (workspace, falkor_store):
        load_careers(store, bundle_writer)
        ingest.load(store, [(bundle_writer(EXTRA), "auto")])
    seen: list[tuple[str, dict]] = []
    run = falkor_store.run_read

    def recording(text, params=None, types=None):
        seen.append((text, params))
        return run(text, params, types)

    monkeypatch.setattr(falkor_store, "run_read", recording)
    for level in ("la", "region"):
        pd.testing.assert_frame_equal(
            pipeline(falkor_store, as_of=as_of, level=level), pipeline(workspace, as_of=as_of, level=level)
        )
    by_key = {p for text, params in seen if text == native.POSTS_OF_PEOPLE.text for p in params["people"]}
    assert ("P20" in by_key) == (as_of == LATE)  # an exception once awarded; the flag does not cover them
    late = {
        str(row[0])
        for text, params in seen
        if text == native.FEEDER_MOVES["WORKS_IN"].text
        for row in run(text, params)[1]
        if row[0] is not None
    }
    flagged_late = {
        str(row[0])
        for text, params in seen
        if text == native.FEEDER_MOVES_BY_FLAG.text
        for row in run(text, params)[1]
        if row[0] is not None
    }
    if as_of < LATE:
        assert "P21" in late and "P21" not in flagged_late
