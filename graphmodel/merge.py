"""Upserting incoming rows into a table by its key: the one rule every backend follows.

A row whose key is new is added; a row whose key exists replaces the old row (and counts as changed
only if a value differs). Re-running the same load therefore changes nothing. A merge into existing
rows sorts by key so the stored table is the same whatever order the loads came in.

Keys and rows are compared through pandas' vectorised 64-bit row hashes rather than string
MultiIndexes: an idempotent re-load of 1.5M posts compares in about a second instead of a minute.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from graphmodel.schema import Table
from graphmodel.validate import conform


def _hash(frame: pd.DataFrame) -> pd.Index:
    return pd.Index(pd.util.hash_pandas_object(frame, index=False).to_numpy())


def _compare(
    key: list[str], existing: pd.DataFrame, incoming: pd.DataFrame, values: list[str] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(added, changed) masks over ``incoming`` and the mask of ``existing`` rows it replaces; rows
    are compared on ``values`` (default all columns: derived columns are left out by the callers,
    since a load never supplies them and they are recomputed after the merge)."""
    if existing.empty:
        return (
            np.ones(len(incoming), dtype=bool),
            np.zeros(len(incoming), dtype=bool),
            np.zeros(len(existing), dtype=bool),
        )
    ex_keys, in_keys = _hash(existing[key]), _hash(incoming[key])
    hit = in_keys.isin(ex_keys)
    if values is not None:
        existing, incoming = existing[values], incoming[values]
    same_row = _hash(incoming).isin(_hash(existing))
    return ~hit, hit & ~same_row, ex_keys.isin(in_keys)


def _inputs(table: Table) -> list[str] | None:
    """The columns a load compares: all but the derived ones (None: all columns)."""
    return table.input_columns if table.derived_columns else None


def diff(
    table_or_key: Table | Sequence[str], existing: pd.DataFrame, incoming: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Masks over ``incoming``: rows whose key is new, and rows whose key exists with other values.

    Both frames must have the same columns and dtypes (``validate.conform`` them to the table). This
    is the one change test every store uses: ``upsert`` for the workspace, the server stores to pick
    what to CREATE and MERGE, so both report the same added / changed counts for the same load.
    """
    if isinstance(table_or_key, Table):
        key, values = list(table_or_key.key), _inputs(table_or_key)
    else:
        key, values = list(table_or_key), None
    added, changed, _replaced = _compare(key, existing, incoming, values)
    return added, changed


def upsert(table: Table, existing: pd.DataFrame, incoming: pd.DataFrame) -> tuple[pd.DataFrame, int, int]:
    """Return (merged table, rows added, rows changed)."""
    key = list(table.key)
    incoming = conform(table, incoming)
    if existing.empty:
        # A first load keeps the input's order (sorting 1.5M posts by a four-column key costs
        # seconds); merging into existing rows sorts by key so the result is order-independent.
        return incoming, len(incoming), 0
    added_mask, changed_mask, replaced = _compare(key, existing, incoming, _inputs(table))
    added, changed = int(added_mask.sum()), int(changed_mask.sum())
    if added == 0 and changed == 0:
        return existing, 0, 0
    merged = pd.concat([existing[~replaced], incoming], ignore_index=True)
    merged = merged.sort_values(key, kind="stable", ignore_index=True)
    return conform(table, merged), added, changed
