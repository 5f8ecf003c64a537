"""The network analyses' inputs read once per command (issue 14, session 7): the shared builds, the
meeting variants cut from one read, and the tie weights summed without a whole-list groupby.

Each shortcut must give exactly what the long way gave: the tests compare the frames to the bit.
"""

from __future__ import annotations

import datetime as dt
import threading
import time

import numpy as np
import pandas as pd
import pytest

from graphmodel.store import DerivedCache
from queries.networks.memo import shared
from queries.networks.ties import (
    MEETING_COLUMNS,
    _national_ends,
    _pair_instances,
    _summed,
    live_meetings,
    meeting_schools,
)

DAY = dt.date(2025, 9, 1)


class _Cached(DerivedCache):
    def __init__(self) -> None:
        self._cache: dict = {}


def test_shared_builds_once_per_store_and_key():
    store, other = _Cached(), _Cached()
    calls: list[str] = []

    def build(tag: str):
        calls.append(tag)
        return tag

    assert shared(store, ("k", 1), lambda: build("a")) == "a"
    assert shared(store, ("k", 1), lambda: build("b")) == "a"  # kept
    assert shared(store, ("k", 2), lambda: build("c")) == "c"  # another key
    assert shared(other, ("k", 1), lambda: build("d")) == "d"  # another store
    assert calls == ["a", "c", "d"]


def test_shared_waits_for_a_build_under_way_on_another_thread():
    """Two threads asking at once get one build (the tie list's background thread and the main one)."""
    store = _Cached()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        time.sleep(0.2)
        return 42

    got: list[int] = []
    threads = [threading.Thread(target=lambda: got.append(shared(store, "slow", slow))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert got == [42, 42, 42] and calls == [1]


def test_shared_keeps_its_locks_on_the_store():
    """The review leftover of session 7: a lock per key in a module-level dict grew with every key
    (the keys hold dates) for the life of the process. The locks now go with the store."""
    import gc
    import weakref

    from queries.networks import memo

    assert not hasattr(memo, "_LOCKS")
    store = _Cached()
    for day in range(5):
        shared(store, ("day", day), lambda: 0)
    locks = [k for k in store._cache if k[1][0] == "memo.lock"]
    assert len(locks) == 5
    gone = weakref.ref(store)
    del store
    gc.collect()
    assert gone() is None  # nothing outside the store holds it (or its locks)


def test_shared_without_a_cache_builds_each_time():
    class Bare:
        pass

    n = iter(range(10))
    assert shared(Bare(), "k", lambda: next(n)) == 0
    assert shared(Bare(), "k", lambda: next(n)) == 1


def _groupby_sum(projected: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """What tie_weights did before :func:`_summed`."""
    total = pd.concat([projected, pairs[["urn_a", "urn_b", "weight"]]], ignore_index=True).astype(
        {"urn_a": "int64", "urn_b": "int64", "weight": "float64"}
    )
    return total.groupby(["urn_a", "urn_b"], as_index=False, sort=True)["weight"].sum()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_summed_is_the_groupby_to_the_bit(seed):
    """Projected pairs (one row each, in no order) plus pairwise ties that hit some of them, some
    twice, and some pairs of their own: the same frame, the same float bits."""
    rng = np.random.default_rng(seed)
    a = rng.integers(100_000, 100_300, 5_000)
    b = rng.integers(100_000, 100_300, 5_000)
    keep = a < b
    proj = pd.DataFrame({"urn_a": a[keep], "urn_b": b[keep]}).drop_duplicates()
    proj = proj.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    proj["weight"] = 1.0 / rng.integers(1, 400, len(proj))
    hit = proj.sample(40, random_state=seed)[["urn_a", "urn_b"]]
    own = pd.DataFrame({"urn_a": [100_001, 100_001], "urn_b": [100_299, 100_299]})
    pairs = pd.concat([hit, hit.head(10), own], ignore_index=True).assign(weight=1.0, kind="peer_review")
    got = _summed(proj, pairs)
    want = _groupby_sum(proj, pairs)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_summed_with_nothing_on_one_side():
    empty = pd.DataFrame({"urn_a": [], "urn_b": [], "weight": []})
    one = pd.DataFrame({"urn_a": [2, 1], "urn_b": [3, 5], "weight": [0.5, 1.0]})
    for proj, pairs in ((one, empty), (empty, one), (empty, empty)):
        got = _summed(proj, pairs)
        want = _groupby_sum(proj, pairs)
        assert got["urn_a"].tolist() == want["urn_a"].tolist()
        assert got["weight"].tolist() == want["weight"].tolist()


def test_live_meetings_are_meeting_schools_cut_from_one_read(north_east):
    """Without people, for some schools, both: each variant equals meeting_schools' own answer."""
    full = meeting_schools(north_east, as_of=DAY, people=True)
    assert len(full) > 100
    urns = pd.Index(sorted(full["urn"].dropna().astype("int64").unique()[::7]))
    for people in (False, True):
        for some in (None, urns):
            want = meeting_schools(north_east, as_of=DAY, people=people, urns=some)
            got = live_meetings(north_east, DAY, people=people, urns=some)
            pd.testing.assert_frame_equal(got, want, check_exact=True)
            cols = MEETING_COLUMNS if people else MEETING_COLUMNS[:2]
            assert list(got.columns) == cols


def test_national_inputs_are_read_once(north_east):
    """The national ends are one object per store and date (the tie weights, the isolates and a
    table's carriers share them), and the pairwise ties are the long way's."""
    first = _national_ends(north_east, DAY)
    assert _national_ends(north_east, DAY) is first
    from queries.context import schools_frame
    from queries.networks.ties import _national_pairs
    from queries.posts import in_operation

    want = _pair_instances(north_east, DAY, in_operation(schools_frame(north_east), DAY))
    pd.testing.assert_frame_equal(_national_pairs(north_east, DAY), want)


def test_collector_paused_while_any_read_runs_and_restored_after():
    """The FalkorDB reads pause the cyclic collector; two reads at once keep it off until the last
    ends, and a collector the caller had turned off stays off."""
    import gc

    pytest.importorskip("falkordb")
    from graphmodel.collector import collector_paused as _collector_paused

    assert gc.isenabled()
    outer = _collector_paused()
    outer.__enter__()
    assert not gc.isenabled()
    with _collector_paused():  # a second read on another thread
        assert not gc.isenabled()
    assert not gc.isenabled()  # the first is still parsing
    outer.__exit__(None, None, None)
    assert gc.isenabled()
    gc.disable()
    try:
        with _collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
    try:
        with _collector_paused():
            raise ValueError("a failed read")
    except ValueError:
        pass
    assert gc.isenabled()


def _frame_the_long_way(rows, columns, types, order):
    """What queries.native.networks._frame did before it ranked on integer codes."""
    frame = pd.DataFrame(rows, columns=columns) if rows else pd.DataFrame({c: [] for c in columns})
    frame = frame.astype({c: ("object" if t == "string" else "float64") for c, t in types.items()})
    frame = frame.astype(types)
    return frame.drop_duplicates().sort_values(order, kind="stable").reset_index(drop=True)


@pytest.mark.parametrize("missing", [False, True])
def test_native_rows_framed_as_drop_duplicates_then_a_stable_sort(missing):
    """The natives' rows (repeats included: the meetings read has no DISTINCT) framed, de-duplicated
    and sorted exactly as before, for strings whose order is not ASCII's (accents, case, spaces)."""
    pytest.importorskip("falkordb")
    from queries.native.networks import _frame

    rng = np.random.default_rng(7)
    columns = ["activity_id", "urn", "person_id"]
    types = {"activity_id": "string", "urn": "Int64", "person_id": "string"}
    texts = ["b", "a", "é", "a b", "B", "ab", "Z", "ä", *([None] if missing else [])]
    numbers = [3, 1, 2, 10, *([None] if missing else [])]
    for _ in range(150):
        rows = [
            [rng.choice(texts), rng.choice(numbers), rng.choice(texts[:3] + texts[-1:])]
            for _ in range(int(rng.integers(0, 60)))
        ]
        plain = [
            [None if v is None else (int(v) if i == 1 else str(v)) for i, v in enumerate(r)] for r in rows
        ]
        for order in (columns, ["person_id", "urn", "activity_id"], ["urn", "activity_id"]):
            got = _frame(plain, columns, types, order)
            want = _frame_the_long_way(plain, columns, types, order)
            pd.testing.assert_frame_equal(got, want)


def _carriers_the_long_way(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """What queries.networks.ties._carriers did before it cut the tuples from one sorted array."""
    institutional = frame["person_id"].isna().groupby([frame[k] for k in keys]).any().rename("inst")
    named = frame.dropna(subset=["person_id"])
    named = named[keys].assign(person_id=named["person_id"].astype(str))
    named = named.drop_duplicates().sort_values([*keys, "person_id"], kind="stable")
    people = named.groupby(keys)["person_id"].agg(tuple).rename("carriers")
    out = institutional.to_frame().join(people).reset_index()
    out["carriers"] = out["carriers"].where(~out["inst"], None)
    return out.drop(columns="inst")


@pytest.mark.parametrize("keys", [["network_id", "urn"], ["urn"]])
def test_carriers_cut_from_one_sorted_array_as_grouped_tuples(keys):
    """Who carries each membership: None where the school takes part as an institution, else its
    people sorted; repeats, groups of one and schools in several groups included."""
    from queries.networks.ties import _carriers

    rng = np.random.default_rng(3)
    for n in (1, 2, 7, 60, 400):  # never empty: the callers return before (the old way gave str)
        frame = pd.DataFrame(
            {
                "network_id": pd.array(rng.choice(["N2", "N10", "N1", "é"], n), dtype="string"),
                "urn": pd.array(rng.choice([5, 1, 3, 20], n), dtype="Int64"),
                "person_id": pd.array(
                    [None if rng.random() < 0.15 else f"P{int(x)}" for x in rng.integers(0, 12, n)],
                    dtype="string",
                ),
            }
        )
        got, want = _carriers(frame, keys), _carriers_the_long_way(frame, keys)
        pd.testing.assert_frame_equal(got, want)
