"""Values to and from a graph server: plain Python types out, schema-typed columns back.

Why: both drivers reject (or silently mangle) numpy and pandas scalars, and FalkorDB's native client
cannot send a Python date at all (it prints ``2024-01-15`` into the query header, where it parses as
arithmetic; probe note section 2.1). So every value leaves as str / int / float / bool / None (lists
and maps of those), dates leave as ISO strings that the statement wraps in ``date(...)`` (which
works on both servers), and missing values (NaN, NA, NaT) leave as null, which ``SET n += map``
turns into "no property", exactly like a blank cell in the embedded store.
"""

from __future__ import annotations

import datetime as dt
import math
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from graphmodel.collector import collector_paused
from graphmodel.frames import string_series
from graphmodel.schema import PropType
from graphmodel.validate import DTYPES


def column_values(series: pd.Series, type_: PropType) -> list:
    """One typed column as a list of plain Python values (dates as ISO strings, missing as None)."""
    if type_ == "date":
        values = pd.to_datetime(series).dt.strftime("%Y-%m-%d")
        return values.astype(object).where(series.notna(), None).tolist()
    if type_ == "float":
        out = series.astype("Float64").to_numpy(dtype=object, na_value=None).tolist()
        return [None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v) for v in out]
    if type_ == "int":
        return [
            None if v is None else int(v)
            for v in series.astype("Int64").to_numpy(dtype=object, na_value=None).tolist()
        ]
    if type_ == "bool":
        return [
            None if v is None else bool(v)
            for v in series.astype("boolean").to_numpy(dtype=object, na_value=None).tolist()
        ]
    return [
        None if v is None else str(v)
        for v in series.astype("string").to_numpy(dtype=object, na_value=None).tolist()
    ]


def plain(value: Any) -> Any:
    """Any scalar or container to plain Python; dates become ISO strings (send them as ``date($x)``)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | np.ndarray | pd.Series | pd.Index):
        return [plain(v) for v in value]
    raise TypeError(f"cannot send a {type(value).__name__} to a graph server")


def is_plain(value: Any) -> bool:
    """True if ``value`` is made only of str / int / float / bool / None, lists and str-keyed maps."""
    if value is None or type(value) in (str, int, float, bool):
        return True
    if type(value) is list:
        return all(is_plain(v) for v in value)
    if type(value) is dict:
        return all(type(k) is str and is_plain(v) for k, v in value.items())
    return False


def native_value(value: Any) -> Any:
    """A value from a driver result as plain Python (neo4j.time.Date has ``to_native``)."""
    to_native = getattr(value, "to_native", None)
    return to_native() if callable(to_native) else value


_TEXT_OR_NONE = frozenset((str, type(None)))
WIDE = 8
"""From this many columns on, :func:`columns_of` transposes row by row (see there)."""


def columns_of(rows: list[list], width: int) -> list[list]:
    """The ``width`` columns of ``rows`` (lists of equal length), each as a list.

    Why two ways: cutting one column at a time (an ``itemgetter`` over every row) walks all the
    rows once per column, which is quick for a few columns (the 197k national meeting rows x 3:
    ~0.06 s) and slow for many (24k schools x 25: ~0.12 s, the rows' cells scattered in memory);
    ``zip(*rows)`` walks each row once (schools: ~0.04 s) but makes an iterator per row (meetings:
    ~0.08 s), and only with the cyclic collector paused (with it on, ~0.2 s for the schools and
    ~0.7 s for the meetings)."""
    if width >= WIDE:
        with collector_paused():
            return [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
    return [list(map(itemgetter(i), rows)) for i in range(width)]


def typed_column(values: list, type_: PropType) -> pd.Series:
    """A list of values from the server as a column with the embedded store's dtype."""
    if type_ == "date":
        if all(v is None or type(v) is dt.date for v in values):
            # FalkorDB's client already gives datetime.date: pandas converts the whole column in C
            # (a Timestamp made per value took ~0.6 s of a national network command)
            return pd.Series(pd.to_datetime(pd.Series(values, dtype="object")), dtype="datetime64[ns]")
        stamps = [pd.NaT if v is None else pd.Timestamp(native_value(v)) for v in values]
        return pd.Series(pd.to_datetime(pd.Series(stamps, dtype="object")), dtype="datetime64[ns]")
    if type_ == "str":
        if set(map(type, values)) <= _TEXT_OR_NONE:  # as a server sends text: no Python step per value
            return string_series(pa.array(values, type=pa.large_string()))
        return pd.Series([None if v is None else str(v) for v in values], dtype="string")
    if type_ == "bool":
        return pd.Series(values, dtype="object").astype("boolean")
    return pd.Series(pd.array([None if v is None else v for v in values], dtype=DTYPES[type_]))
