"""Date columns read from a server come back exactly as the embedded store holds them, by either route.

``typed_column`` converts a column of ``datetime.date`` (FalkorDB's client) in one pandas call and
anything else (Neo4j's ``neo4j.time.Date``, or a mix) value by value; both must give the same
datetime64[ns] column, with NaT for a missing date.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.server.convert import typed_column


class DriverDate:
    """Stands in for neo4j.time.Date: converted through its ``to_native``."""

    def __init__(self, day: dt.date):
        self.day = day

    def to_native(self) -> dt.date:
        return self.day


def test_date_columns_are_the_same_whichever_route_converts_them():
    days = [dt.date(1957, 2, 1), None, dt.date(2024, 2, 29), dt.date(2025, 9, 1), None]
    fast = typed_column(days, "date")
    slow = typed_column([None if d is None else DriverDate(d) for d in days], "date")
    expected = pd.Series(pd.to_datetime(["1957-02-01", None, "2024-02-29", "2025-09-01", None])).astype(
        "datetime64[ns]"
    )
    assert fast.dtype == slow.dtype == "datetime64[ns]"
    pd.testing.assert_series_equal(fast, expected)
    pd.testing.assert_series_equal(slow, expected)
    assert typed_column([None, None], "date").isna().all()
    assert typed_column([], "date").dtype == "datetime64[ns]"


def test_columns_of_rows_narrow_and_wide():
    """Both ways of turning rows into columns (one column at a time below WIDE columns, row by
    row from there on) give each column's values in row order, for no rows as well."""
    import gc

    from graphmodel.server.convert import WIDE, columns_of

    for width in (1, 3, WIDE - 1, WIDE, 25):
        rows = [[f"r{r}c{c}" if (r + c) % 3 else None for c in range(width)] for r in range(50)]
        want = [[row[c] for row in rows] for c in range(width)]
        assert columns_of(rows, width) == want
        assert all(type(col) is list for col in columns_of(rows, width))
        assert columns_of([], width) == [[] for _ in range(width)]
    assert gc.isenabled()
