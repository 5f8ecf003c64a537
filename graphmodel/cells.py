"""Cell values made safe and plain for the world outside: spreadsheets, JSON, display.

These live in the model because every writer needs them, the exporter as much as the command
line: a text cell that a spreadsheet would run as a formula is neutralised, a NA or timestamp
becomes a plain JSON value, and dates print as ISO dates.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote (OWASP).

    Only text columns are touched: a negative number stays a number. Only the cells that start like
    a formula are tried as numbers (a national table has millions of text cells and a handful of
    such cells; parsing every cell as a number took seconds).
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            text = s.astype("string")
            risky = text.str.startswith(FORMULA_START).fillna(False).to_numpy(dtype=bool)
            if not risky.any():
                continue
            numeric = pd.to_numeric(text[risky], errors="coerce").notna().to_numpy(dtype=bool)
            risky[np.flatnonzero(risky)[numeric]] = False
            if risky.any():
                out[col] = s.astype(object)
                out.loc[risky, col] = "'" + text[risky]
    return out


def jsonable(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def display(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), "")
