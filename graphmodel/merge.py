"""Upserting incoming rows into a table by its key: the one rule every backend follows.

A row whose key is new is added; a row whose key exists replaces the old row (and counts as changed
only if a value differs). Re-running the same load therefore changes nothing. The result is sorted
by key so the stored table is the same whatever order the loads came in.
"""

from __future__ import annotations

import pandas as pd

from graphmodel.schema import Table
from graphmodel.validate import conform


def _key_frame(frame: pd.DataFrame, key: list[str]) -> pd.MultiIndex:
    return pd.MultiIndex.from_frame(frame[key].astype("string").fillna(""))


def upsert(table: Table, existing: pd.DataFrame, incoming: pd.DataFrame
           ) -> tuple[pd.DataFrame, int, int]:
    """Return (merged table, rows added, rows changed)."""
    key = list(table.key)
    incoming = conform(table, incoming)
    if existing.empty:
        merged = incoming.sort_values(key, kind="stable", ignore_index=True)
        return merged, len(incoming), 0
    ex_keys = _key_frame(existing, key)
    in_keys = _key_frame(incoming, key)
    hit = in_keys.isin(ex_keys)
    added = int((~hit).sum())
    changed = 0
    if hit.any():
        # Compare replaced rows with the rows they replace, aligned on key.
        old = existing.set_axis(ex_keys).loc[in_keys[hit]]
        new = incoming[hit].set_axis(in_keys[hit])
        same = (old.astype("string").fillna("\x00") == new.astype("string").fillna("\x00")).all(axis=1)
        changed = int((~same).sum())
        if added == 0 and changed == 0:
            return existing, 0, 0
    keep = existing[~ex_keys.isin(in_keys)]
    merged = pd.concat([keep, incoming], ignore_index=True)
    merged = merged.sort_values(key, kind="stable", ignore_index=True)
    return conform(table, merged), added, changed
