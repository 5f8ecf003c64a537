"""DataFrame helpers that every layer needs and pandas gets slow at.

pandas' ``isin`` on Arrow-backed strings builds one pyarrow scalar per value in Python: seconds for
the million person ids of a national workspace (28 s in the first SENCO audit, 20 s in the first
load). Validation, the audits and the network analyses all test membership of large id sets, so
they share this one implementation, which hands both sides to ``pyarrow.compute.is_in``.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_array(series: pd.Series, type_: pa.DataType | None = None, from_pandas: bool = False) -> pa.Array:
    """``series`` as one contiguous Arrow array (pyarrow may hand back a chunked one for an
    Arrow-backed column; the compute kernels and buffers used on it want one piece)."""
    arr = pa.array(series.array, type=type_, from_pandas=from_pandas)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def value_set(
    values: Iterable | pd.Series | pd.Index | pa.Array, like: pa.DataType | None = None
) -> pa.Array:
    """The distinct non-missing ``values`` as one Arrow array (of type ``like`` when given)."""
    if isinstance(values, pa.ChunkedArray):
        arr = values.combine_chunks()
    elif isinstance(values, pa.Array):
        arr = values
    elif isinstance(values, (pd.Series, pd.Index)):
        arr = pa.array(pd.Series(values).array) if len(values) else pa.array([], type=like or pa.string())
    else:
        arr = pa.array([v for v in values if v is not None and v is not pd.NA])
    if like is not None and arr.type != like:
        arr = arr.cast(like)
    arr = pc.unique(arr.drop_null())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def isin(series: pd.Series, values: Iterable | pd.Series | pd.Index | pa.Array) -> np.ndarray:
    """``series.isin(values)`` as a plain bool array; missing values in ``series`` give False."""
    try:
        left = pa.array(series.array)
        hit = pc.is_in(left, value_set=value_set(values, left.type)).to_numpy(zero_copy_only=False)
        return hit.astype(bool) & series.notna().to_numpy()
    except (pa.ArrowException, TypeError, ValueError):
        vals = (
            values.to_numpy(dtype=object, na_value=None)
            if isinstance(values, (pd.Series, pd.Index))
            else np.asarray(list(values), dtype=object)
        )
        left_obj = pd.Series(series.to_numpy(dtype=object, na_value=None), dtype=object)
        return left_obj.isin(vals).to_numpy(dtype=bool) & series.notna().to_numpy()


def string_series(values: pa.Array) -> pd.Series:
    """An Arrow string array as a pandas ``"string"`` column without a Python step per value (pandas'
    own list -> ``"string"`` checks each value: ~3x slower on 100k ids). Through ``pd.array(...,
    dtype="string")``, so the column has pandas' default string storage, whatever its version: the
    dtype every store's tables use."""
    return pd.Series(pd.array(values, dtype="string"))
