"""Upserting incoming rows into a table by its key: the one rule every backend follows.

A row whose key is new is added; a row whose key exists replaces the old row (and counts as changed
only if a value differs). Re-running the same load therefore changes nothing. A merge into existing
rows sorts by key so the stored table is the same whatever order the loads came in.

Keys and rows are compared through pandas' vectorised 64-bit row hashes rather than string
MultiIndexes: an idempotent re-load of 1.5M posts compares in about a second instead of a minute.
"""

from __future__ import annotations

import pandas as pd

from graphmodel.schema import Table
from graphmodel.validate import conform


def _hash(frame: pd.DataFrame) -> pd.Index:
    return pd.Index(pd.util.hash_pandas_object(frame, index=False).to_numpy())


def upsert(table: Table, existing: pd.DataFrame, incoming: pd.DataFrame
           ) -> tuple[pd.DataFrame, int, int]:
    """Return (merged table, rows added, rows changed)."""
    key = list(table.key)
    incoming = conform(table, incoming)
    if existing.empty:
        # A first load keeps the input's order (sorting 1.5M posts by a four-column key costs
        # seconds); merging into existing rows sorts by key so the result is order-independent.
        return incoming, len(incoming), 0
    ex_keys, in_keys = _hash(existing[key]), _hash(incoming[key])
    hit = in_keys.isin(ex_keys)
    added = int((~hit).sum())
    same_row = _hash(incoming).isin(_hash(existing))
    changed = int((hit & ~same_row).sum())
    if added == 0 and changed == 0:
        return existing, 0, 0
    keep = existing[~ex_keys.isin(in_keys)]
    merged = pd.concat([keep, incoming], ignore_index=True)
    merged = merged.sort_values(key, kind="stable", ignore_index=True)
    return conform(table, merged), added, changed
