"""Writing the generated tables as a CSV bundle, byte for byte the same for the same seed.

Columns follow ``schema.toml`` order; dates are ISO, booleans ``true``/``false``, blanks are empty.
pyarrow's CSV writer is used because it is several times faster than ``DataFrame.to_csv`` on the
national bundle's millions of rows, and its output depends only on the values.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from graphmodel.schema import Schema

ARROW = {
    "str": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.date32(),
}


def _array(values: pd.Series | np.ndarray, kind: str) -> pa.Array:
    if isinstance(values, pd.Series):
        if kind == "date":
            values = values.to_numpy(dtype="datetime64[D]")
        elif kind in ("int", "float", "bool") and values.dtype == object:
            values = values.astype({"int": "Int64", "float": "Float64", "bool": "boolean"}[kind])
    if kind == "date":
        arr = np.asarray(values, dtype="datetime64[D]")
        return pa.array(arr, type=pa.date32(), mask=np.isnat(arr))
    if kind == "str":
        obj = pd.Series(values, dtype=object)
        return pa.array(
            obj.where(obj.notna(), None).to_numpy(dtype=object), type=pa.string(), from_pandas=True
        )
    return pa.array(values, type=ARROW[kind], from_pandas=True)


def dedupe(schema: Schema, table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Drop rows repeating a key (rare coincidences of random draws); the first row wins."""
    key = list(schema.table(table).key)
    dup = frame.duplicated(key, keep="first")
    return frame[~dup.to_numpy()] if dup.any() else frame


def write_table(schema: Schema, table: str, frame: pd.DataFrame, out: Path) -> tuple[int, int]:
    """Write one table; returns (rows, bytes)."""
    spec = schema.table(table)
    frame = dedupe(schema, table, frame)
    arrays, names = [], []
    for col, prop in spec.properties.items():
        if col not in frame.columns:
            continue
        arrays.append(_array(frame[col], prop.type))
        names.append(col)
    path = out / f"{table}.csv"
    with pa.OSFile(str(path), "wb") as sink:
        sink.write((",".join(names) + "\n").encode("utf-8"))
        pacsv.write_csv(
            pa.Table.from_arrays(arrays, names=names),
            sink,
            pacsv.WriteOptions(include_header=False, quoting_style="needed"),
        )
    return len(frame), path.stat().st_size
