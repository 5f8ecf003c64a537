"""Column accumulators: generators append whole arrays of rows, never one row at a time.

At national scale there are about a million people and several million rows; building them as
numpy arrays per cohort and concatenating once keeps generation inside the 60-second budget.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.synthetic.dates import NAT


def _col(value, n: int, dtype=object) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    return np.full(n, value, dtype=dtype)


class Rows:
    """Accumulates rows of one table as arrays; ``frame()`` concatenates them once."""

    def __init__(self, columns: dict[str, object]):
        self.columns = columns  # name -> default value for a missing column (None, NAT, nan...)
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, mask: np.ndarray | None = None, **cols) -> None:
        n = next(len(v) for v in cols.values() if isinstance(v, np.ndarray))
        keep = np.ones(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
        if not keep.any():
            return
        part = {}
        for name, default in self.columns.items():
            value = cols.get(name, default)
            arr = _col(
                value,
                n,
                dtype=np.asarray(default).dtype
                if not isinstance(default, str) and default is not None
                else object,
            )
            part[name] = arr[keep]
        self.parts.append(part)

    def frame(self) -> pd.DataFrame:
        if not self.parts:
            return pd.DataFrame({c: [] for c in self.columns})
        return pd.DataFrame({c: np.concatenate([p[c] for p in self.parts]) for c in self.columns})


class PostRows(Rows):
    """School posts. Generators pass ``end_date`` as the *changeover*: the day the next post starts
    (or the person leaves). The table records the last day in post, the day before, so a person's
    consecutive posts never overlap by a day (a post ending 31 Aug, the next starting 1 Sep).

    A changeover on or before the start would be a post that never lasted a day: a generator bug,
    so it raises instead of writing a post that ends before it starts.
    """

    def add(self, mask: np.ndarray | None = None, **cols) -> None:
        end = cols.get("end_date")
        if isinstance(end, np.ndarray):
            start = cols["start_date"]
            n = len(end)
            keep = np.ones(n, dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
            bad = keep & ~np.isnat(end) & (end <= start)
            if bad.any():
                raise ValueError(f"{int(bad.sum())} {cols.get('role')} posts end on or before their start")
            cols["end_date"] = end - np.timedelta64(1, "D")
        super().add(mask, **cols)


def posts_rows() -> Rows:
    return PostRows(
        {
            "person": np.int64(-1),
            "urn": np.int64(-1),
            "role": None,
            "start_date": NAT,
            "end_date": NAT,
            "fte": np.float64(1.0),
            "slt": False,
        }
    )


def qual_rows() -> Rows:
    return Rows(
        {
            "person": np.int64(-1),
            "qualification": None,
            "awarded_date": NAT,
            "started_date": NAT,
            "provider_id": None,
        }
    )


def study_rows() -> Rows:
    return Rows(
        {
            "person": np.int64(-1),
            "qualification": None,
            "start_date": NAT,
            "expected_date": NAT,
            "provider_id": None,
        }
    )
