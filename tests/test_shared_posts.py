"""The ``multi_school`` flag on posts (graphmodel/shared_posts.py, derived set ``shared_staff``).

It must be the hand-worked answer on small cases, equal a fresh recomputation after every load
(first and incremental, embedded and FalkorDB alike), and the FalkorDB shared-staff native that
reads it must give exactly the embedded answer, as must the walk it replaces on graphs loaded
before the flag existed.
"""

from __future__ import annotations

import datetime as dt

import falkordb_server as fk
import pandas as pd
import pytest

from graphmodel.derived import DERIVERS, rederive
from graphmodel.shared_posts import multi_school
from loaders import ingest
from queries.networks.ties import shared_staff
from queries.registry import load_native
from tests.participation_fixture import AS_OF, tables

falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store

SHARED = DERIVERS["shared_staff"]


def _posts(rows):
    frame = pd.DataFrame(rows, columns=["person_id", "urn", "start_date", "end_date"])
    frame["start_date"] = pd.to_datetime(frame["start_date"])
    frame["end_date"] = pd.to_datetime(frame["end_date"])
    return frame


def test_multi_school_hand_worked():
    frame = _posts(
        [
            ("A", 1, "2015-09-01", None),  # A: two open posts at two schools: both flagged
            ("A", 2, "2020-09-01", None),
            ("B", 1, "2015-09-01", "2018-08-31"),  # B moved school: no overlap, no flag
            ("B", 2, "2018-09-01", None),
            ("C", 1, "2015-09-01", "2018-09-01"),  # C: the end day is the other's start: overlap
            ("C", 2, "2018-09-01", None),
            ("D", 1, "2015-09-01", None),  # D: two posts at one school: no flag
            ("D", 1, "2016-09-01", None),
            ("E", 3, "2010-01-01", "2011-01-01"),  # E: overlap long ago (still flagged: any time)
            ("E", 4, "2010-06-01", "2010-07-01"),
            ("E", 5, "2020-01-01", None),  # E's third school overlaps nothing
        ]
    )
    got = multi_school(frame)["multi_school"].tolist()
    assert got == [True, True, False, False, True, True, False, False, True, True, False]
    assert multi_school(frame.iloc[:0])["multi_school"].tolist() == []


def _fresh(store) -> None:
    key = list(store.schema.table("posts").key)
    stored = store.table("posts").sort_values(key, kind="stable", ignore_index=True)
    fresh = rederive(store.schema, SHARED, {"posts": stored})["posts"]
    pd.testing.assert_frame_equal(stored, fresh)
    assert stored["multi_school"].notna().all()


MORE = [  # P3 takes a second post at 1004 (now shared with P4's school), P4's post at 1003 ends
    {"person_id": "P3", "urn": 1004, "role": "SENCO", "start_date": "2021-09-01", "fte": 0.2},
    {"person_id": "P4", "urn": 1003, "role": "SENCO", "start_date": "2015-09-01", "end_date": "2016-08-31"},
]


def _steps(store, bundle_writer) -> list[pd.DataFrame]:
    """A first load, then an incremental one; the flag checked after each, shared staff returned."""
    out = []
    ingest.load(store, [(bundle_writer(tables()), "auto")])
    _fresh(store)
    out.append(shared_staff(store, as_of=AS_OF))
    ingest.load(store, [(bundle_writer({"posts": MORE}), "auto")])
    _fresh(store)
    out.append(shared_staff(store, as_of=AS_OF))
    again, _notes = ingest.load(store, [(bundle_writer({"posts": MORE}), "auto")])
    assert again.unchanged
    return out


def test_embedded_flag_follows_every_load(workspace, bundle_writer):
    first, second = _steps(workspace, bundle_writer)
    assert first.values.tolist() == [["P4", 1003], ["P4", 1004]]
    assert second.values.tolist() == [["P3", 1003], ["P3", 1004]]  # P4's 1003 post ended in 2016
    flags = workspace.table("posts").set_index(["person_id", "urn"])["multi_school"]
    assert bool(flags.loc[("P4", 1003)]) and not bool(flags.loc[("P1", 1001)])  # P4 overlapped until 2016


def test_falkordb_flag_and_native_match_embedded(workspace, falkor_store, bundle_writer, monkeypatch):
    load_native()
    native = _steps(falkor_store, bundle_writer)
    embedded = _steps(workspace, bundle_writer)
    for got, want in zip(native, embedded, strict=True):
        pd.testing.assert_frame_equal(got, want)
    key = list(workspace.schema.table("posts").key)
    pd.testing.assert_frame_equal(
        falkor_store.table("posts").sort_values(key, ignore_index=True),
        workspace.table("posts").sort_values(key, ignore_index=True),
    )
    # a graph without the flag is answered by walking the posts: the same answer
    from queries.native import networks

    real = networks._rows

    def unflagged(store, query, params):
        return [[False]] if query is networks.POSTS_FLAGGED else real(store, query, params)

    monkeypatch.setattr(networks, "_rows", unflagged)
    falkor_store._cache.clear()
    for day in (AS_OF, dt.date(2016, 1, 1)):
        walked = networks.shared_staff_native(falkor_store, as_of=day)
        pd.testing.assert_frame_equal(walked, shared_staff.embedded(workspace, as_of=day))
    monkeypatch.undo()
    falkor_store._cache.clear()
    pd.testing.assert_frame_equal(
        shared_staff(falkor_store, as_of=dt.date(2016, 1, 1)),
        shared_staff(workspace, as_of=dt.date(2016, 1, 1)),
    )


@pytest.mark.parametrize("day", [dt.date(2010, 1, 1), dt.date(2015, 9, 1), dt.date(2030, 1, 1)])
def test_flagged_posts_hold_shared_staff_on_any_day(workspace, bundle_writer, day):
    """The flag is a superset for every as_of: shared staff found among flagged posts only equal
    shared staff found among all posts."""
    ingest.load(workspace, [(bundle_writer(tables()), "auto")])
    ingest.load(workspace, [(bundle_writer({"posts": MORE}), "auto")])
    every = shared_staff.embedded(workspace, as_of=day)
    posts = workspace.table("posts")
    flagged = posts[posts["multi_school"].fillna(False).to_numpy(dtype=bool)]
    assert set(map(tuple, every.values.tolist())) <= set(
        zip(flagged["person_id"], flagged["urn"], strict=True)
    )
