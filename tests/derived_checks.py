"""Checks shared by the tests of the derived column sets (graphmodel/derived.py: ``careers``,
``cpd_days``, ``specialist``): each set's stored columns must equal a fresh recomputation, and a
load that fails on a server must leave them as they were."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphmodel.derived import DerivedSet, rederive
from graphmodel.errors import SendgraphError
from loaders import ingest


def sorted_table(store, table: str) -> pd.DataFrame:
    """``table`` in key order (both stores then compare row for row)."""
    key = list(store.schema.table(table).key)
    return store.table(table).sort_values(key, kind="stable", ignore_index=True)


def assert_fresh(store, dset: DerivedSet, filled: list[str]) -> None:
    """The set's stored columns equal a recomputation from the stored rows it reads, and the
    ``filled`` columns are blank on no row of its tables."""
    stored = {t: sorted_table(store, t) for t in dset.reads}
    fresh = rederive(store.schema, dset, stored)
    for t in dset.tables:
        pd.testing.assert_frame_equal(stored[t], fresh[t], obj=t)
        assert stored[t][filled].notna().all().all(), t


def assert_a_failed_load_keeps(
    store, dset: DerivedSet, first: Path, second: Path, monkeypatch
) -> dict[str, pd.DataFrame]:
    """Load ``first``, then ``second`` with the server's writes failing: the set's tables are
    unchanged. Returns them as ``first`` left them."""
    ingest.load(store, [(first, "auto")])
    before = {t: sorted_table(store, t) for t in dset.tables}

    def broken(*_a, **_k):
        raise SendgraphError("the server went away")

    monkeypatch.setattr(type(store), "_write_tables", broken)
    with pytest.raises(SendgraphError):
        ingest.load(store, [(second, "auto")])
    monkeypatch.undo()
    store._cache.clear()
    for t in dset.tables:
        pd.testing.assert_frame_equal(sorted_table(store, t), before[t], obj=t)
    return before
