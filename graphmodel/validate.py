"""Validation: turn raw text tables into typed tables, or report every problem.

Loaders hand over :class:`RawTable` objects (all values as text, plus the row number each came
from). :func:`coerce_table` types them against the schema and checks required values, code lists,
bounds, dates and duplicate keys; :func:`check_references` checks dangling references against the
graph as it would be after the load. Everything is vectorised with pandas so a million-row bundle
validates in seconds; problems are collected, not raised one at a time, so a user fixes a file once.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphmodel.errors import Problem, escape_controls
from graphmodel.frames import arrow_array, isin, value_set
from graphmodel.schema import Property, Schema, Table, foreign_keys

DTYPES = {"str": "string", "int": "Int64", "float": "Float64", "bool": "boolean", "date": "datetime64[ns]"}
TRUE = {"true", "t", "yes", "y", "1"}
FALSE = {"false", "f", "no", "n", "0"}
DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")
MAX_PROBLEMS_PER_CHECK = 200
DATE_MIN, DATE_MAX = pd.Timestamp("1800-01-01"), pd.Timestamp("2200-12-31")


@dataclass
class RawTable:
    """A table as read from a file: text values, with the row number each row had in its source."""

    table: str
    source: str
    frame: pd.DataFrame
    rows: np.ndarray | None = None  # source row number per frame row; default: CSV line numbers
    drop_dangling: bool = False  # skip rows whose references are unknown instead of failing

    def row_numbers(self) -> np.ndarray:
        if self.rows is not None:
            return self.rows
        return np.arange(len(self.frame)) + 2  # header is line 1


@dataclass
class Checked:
    """The typed result of validating one raw table."""

    table: str
    source: str
    frame: pd.DataFrame
    rows: np.ndarray
    problems: list[Problem] = field(default_factory=list)
    drop_dangling: bool = False


def empty_frame(table: Table) -> pd.DataFrame:
    """An empty frame with the schema's columns and dtypes (what a table with no rows looks like)."""
    return pd.DataFrame({c: pd.Series(dtype=DTYPES[p.type]) for c, p in table.properties.items()})


def conform(table: Table, frame: pd.DataFrame) -> pd.DataFrame:
    """Give an already-typed frame exactly the schema's columns, in order, with the schema's dtypes."""
    out = {}
    for c, p in table.properties.items():
        if c in frame.columns:
            out[c] = frame[c].astype(DTYPES[p.type]) if str(frame[c].dtype) != DTYPES[p.type] else frame[c]
        else:
            out[c] = pd.Series(pd.NA, index=frame.index, dtype=DTYPES[p.type])
    return pd.DataFrame(out, index=frame.index).reset_index(drop=True)


def _problems(
    mask: pd.Series | np.ndarray,
    rows: np.ndarray,
    raw: pd.DataFrame | None,
    source: str,
    column: str,
    message,
) -> list[Problem]:
    """Problems for the rows where ``mask`` is true; ``message`` may be a function of the raw value."""
    idx = np.flatnonzero(np.asarray(mask, dtype=bool))[:MAX_PROBLEMS_PER_CHECK]
    out = []
    for i in idx:
        text = message(raw[column].iat[i]) if callable(message) and raw is not None else message
        out.append(Problem(source, int(rows[i]), column, text))
    return out


def parse_dates(text: pd.Series) -> pd.Series:
    """Parse dates written as ISO (2024-09-01), GIAS (01-09-2024) or UK (01/09/2024)."""
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = text.notna()
    iso = _iso_dates(text)
    if iso is not None:  # every ISO-shaped value read by Arrow; the formats below read the rest
        shaped, days = iso
        ok = (days >= DATE_MIN.to_datetime64()) & (days <= DATE_MAX.to_datetime64())
        where = np.flatnonzero(shaped)[ok]
        result.iloc[where] = days[ok]
        todo.iloc[where] = False
    for fmt in DATE_FORMATS:
        if not todo.any():
            break
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        # outside these years a date is a typo, and cannot be held as datetime64[ns] anyway
        ok = parsed.notna() & (parsed >= DATE_MIN) & (parsed <= DATE_MAX)
        result.loc[ok[ok].index] = parsed[ok].astype("datetime64[ns]")
        todo.loc[ok[ok].index] = False
    return result


_DECIMAL = r"^-?[0-9]+(\.[0-9]+)?$"


def _plain_decimals(text: pd.Series) -> pd.Series | None:
    """``text`` as float64 when every value is a plain decimal of at most 15 digits (``0.6``,
    ``-12``), else None (pandas then reads the column, as before).

    Why: ``pd.to_numeric`` on text costs ~1 us a value (a national posts table's ``fte``: ~2.5 s),
    Arrow's cast reads the column in C++. Up to 15 digits a decimal is an exact integer over an
    exact power of ten, which both parsers round correctly to the same float (checked against
    Python's ``float`` on 300,000 random such decimals); longer ones, exponents and the rest stay
    with pandas."""
    try:
        arr = arrow_array(text, pa.string())
        values = arr.drop_null()
        if not pc.all(pc.match_substring_regex(values, _DECIMAL)).as_py():
            return None
        digits = pc.utf8_length(pc.replace_substring_regex(values, "[-.]", ""))
        if len(values) and pc.max(digits).as_py() > 15:
            return None
        floats = pc.cast(arr, pa.float64()).to_numpy(zero_copy_only=False)
    except (pa.ArrowException, TypeError, ValueError):
        return None
    return pd.Series(floats, index=text.index)


_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"


def _iso_dates(text: pd.Series) -> tuple[np.ndarray, np.ndarray] | None:
    """(mask of the values written YYYY-MM-DD, their dates as datetime64[ns]), or None when one of
    them is not a real date or is out of datetime64's range (then pandas reads the column, and says
    which). Why: ``pd.to_datetime`` with a format costs ~1 us a value (2.6M posts, two date
    columns: ~3 s); Arrow's ISO cast reads them in C++, and gives the same date for each."""
    try:
        arr = arrow_array(text, pa.string())
        shaped = pc.fill_null(pc.match_substring_regex(arr, _ISO_DATE), False)
        days = pc.cast(pc.cast(arr.filter(shaped), pa.date32()), pa.timestamp("ns"))
    except (pa.ArrowException, TypeError, ValueError):
        return None
    return shaped.to_numpy(zero_copy_only=False), days.to_numpy(zero_copy_only=False).astype("datetime64[ns]")


INT_MAX = 2**63 - 1
INT_MIN = -(2**63) + 1  # -2**63 is pandas' own marker for a missing Int64 in some paths: never store it
_DIGITS = r"^[+-]?\d+$"


def _plain_whole_numbers(text: pd.Series) -> pd.Series | None:
    """``text`` as Int64 when Arrow's cast reads every value (digits with an optional "-", in 64
    bits) and none is -2**63 (which sendgraph refuses); else None and the value-by-value rules of
    :func:`_coerce_int` decide. The usual column (2.6M urns of posts) skips the regex entirely."""
    try:
        arr = arrow_array(text, pa.string())
        values = pc.cast(arr, pa.int64())
        lowest = pc.min(values).as_py()
    except (pa.ArrowException, TypeError, ValueError):
        return None
    if lowest is not None and lowest < INT_MIN:
        return None
    missing = pc.is_null(values).to_numpy(zero_copy_only=False)
    numbers = values.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    return pd.Series(pd.arrays.IntegerArray(numbers, missing), index=text.index)


def _coerce_int(text: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """(typed Int64, not-a-whole-number mask, out-of-64-bit-range mask).

    Whole numbers written as digits are read exactly (through float they would lose precision past
    2**53 and wrap past 2**63: 1e19 used to be stored as -9223372036854775808); anything else
    (``1e3``, ``12.0``) through a float, refused if it is not finite and whole or is out of range.

    Why in bulk: digits of at most 18 figures always fit 64 bits, so Arrow's cast reads them all at
    once; only longer ones (and digits Arrow does not read, such as non-ASCII ones) go through
    Python's ``int`` one by one, to be checked against the range exactly. Value by value, this was
    the largest part of validating a national bundle (2.6M posts: ~10 s).
    """
    whole = _plain_whole_numbers(text)
    if whole is not None:
        none = pd.Series(False, index=text.index)
        return whole, none, none.copy()
    n = len(text)
    present = text.notna().to_numpy(dtype=bool)
    digits = text.str.fullmatch(_DIGITS).fillna(False).astype(bool).to_numpy(dtype=bool)
    values = np.zeros(n, dtype=np.int64)
    known = np.zeros(n, dtype=bool)
    bad = np.zeros(n, dtype=bool)
    out_of_range = np.zeros(n, dtype=bool)
    other = np.flatnonzero(present & ~digits)
    if len(other):
        num = pd.to_numeric(text.iloc[other], errors="coerce").astype("Float64")
        sub_bad = num.isna().to_numpy(dtype=bool).copy()
        finite = num.notna().to_numpy(dtype=bool) & np.isfinite(num.fillna(0).to_numpy(dtype=float))
        sub_bad |= num.notna().to_numpy(dtype=bool) & ~finite
        num = num.where(finite)
        frac = (num.notna() & (num != np.floor(num.fillna(0)))).to_numpy(dtype=bool)
        sub_bad |= frac
        num = num.where(~frac)
        sub_out = (num.notna() & ((num > INT_MAX) | (num < INT_MIN))).fillna(False).to_numpy(dtype=bool)
        num = num.where(~sub_out)
        ok = num.notna().to_numpy(dtype=bool)
        values[other[ok]] = num[ok].round().astype("Int64").to_numpy(dtype=np.int64)
        known[other[ok]] = True
        bad[other] = sub_bad & ~sub_out
        out_of_range[other] = sub_out
    where = np.flatnonzero(digits)
    if len(where):
        arr = arrow_array(text.iloc[where], pa.string())
        unsigned = pc.replace_substring_regex(arr, pattern=r"^[+-]", replacement="")
        short = pc.less_equal(pc.utf8_length(unsigned), 18).to_numpy(zero_copy_only=False)
        slow = np.ones(len(where), dtype=bool)
        if short.any():
            try:
                # "+" is not Arrow's: drop it; a leading "-" it reads
                plain = pc.replace_substring_regex(arr.filter(pa.array(short)), r"^\+", "")
                cast = pc.cast(plain, pa.int64())
                values[where[short]] = cast.to_numpy(zero_copy_only=False)
                known[where[short]] = True
                slow[short] = False
            except pa.ArrowInvalid:  # digits Arrow does not read (non-ASCII): Python's int below
                pass
        for i in np.flatnonzero(slow):
            v = int(text.iat[where[i]])
            if v > INT_MAX or v < INT_MIN:
                out_of_range[where[i]] = True
            else:
                values[where[i]] = v
                known[where[i]] = True
    typed = pd.Series(pd.arrays.IntegerArray(values, ~known), index=text.index)
    return typed, pd.Series(bad, index=text.index), pd.Series(out_of_range, index=text.index)


def _coerce_column(prop: Property, text: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Typed column and a mask of values that could not be read as that type."""
    present = text.notna()
    if prop.type == "str":
        return text.astype("string"), pd.Series(False, index=text.index)
    if prop.type == "int":
        values, bad, out_of_range = _coerce_int(text)
        return values, bad | out_of_range
    if prop.type == "float":
        num = _plain_decimals(text)
        if num is None:
            num = pd.to_numeric(text, errors="coerce")
        bad = present & num.isna()
        bad |= num.notna() & ~np.isfinite(num.astype("Float64").fillna(0).to_numpy(dtype=float))
        return num.astype("Float64").where(~bad), bad
    if prop.type == "bool":
        low = text.str.lower()
        val = pd.Series(pd.NA, index=text.index, dtype="boolean")
        val[low.isin(TRUE).fillna(False).astype(bool)] = True
        val[low.isin(FALSE).fillna(False).astype(bool)] = False
        return val, present & val.isna()
    if prop.type == "date":
        val = parse_dates(text)
        return val, present & val.isna()
    raise ValueError(f"unknown type {prop.type}")


TYPE_HINT = {
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "date": "a date from 1800 to 2200 (YYYY-MM-DD or DD-MM-YYYY)",
}


def _type_message(value: str, type_: str) -> str:
    """Why a cell is not of its column's type; for whole numbers, says when it is only too large."""
    shown = printable(value)
    if type_ == "int" and _in_number_form(value):
        return f"'{shown}' is outside the range of whole numbers sendgraph stores (64-bit: about ±9.2e18)"
    return f"'{shown}' is not {TYPE_HINT[type_]}"


def _in_number_form(value: str) -> bool:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    return np.isinf(number) or (number == np.floor(number) and abs(number) >= 2**63 - 1)


def printable(value: object, limit: int = 80) -> str:
    """A value as it may appear in a message: control characters escaped, long text cut short."""
    text = escape_controls(str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def coerce_table(schema: Schema, raw: RawTable, today: dt.date | None = None) -> Checked:
    """Type one raw table against the schema and check everything that needs only this table."""
    table = schema.table(raw.table)
    today = today or dt.date.today()
    rows = raw.row_numbers()
    frame = raw.frame
    src = raw.source
    problems: list[Problem] = []

    derived = set(table.derived_columns)
    if derived & set(frame.columns):  # computed at load time: what a bundle says is ignored
        frame = frame.drop(columns=[c for c in frame.columns if c in derived])
    unknown = [c for c in frame.columns if c not in table.properties]
    for c in unknown:
        problems.append(
            Problem(
                src,
                None,
                str(c),
                f"unknown column for table '{table.name}'; expected some of: "
                + ", ".join(table.input_columns),
            )
        )
    missing = [c for c, p in table.properties.items() if p.required and c not in frame.columns]
    for c in missing:
        problems.append(Problem(src, None, c, f"required column is missing from table '{table.name}'"))
    if unknown or missing:
        return Checked(raw.table, src, empty_frame(table), rows, problems, raw.drop_dangling)

    # Blank cells are missing values; surrounding spaces are never meaningful in these tables.
    text = frame.astype("string").apply(lambda s: s.str.strip()).replace("", pd.NA)
    typed = {}
    for name, prop in table.properties.items():
        if name not in text.columns:
            typed[name] = pd.Series(pd.NA, index=frame.index, dtype=DTYPES[prop.type])
            continue
        col, bad = _coerce_column(prop, text[name])
        problems += _problems(bad, rows, text, src, name, lambda v, t=prop.type: _type_message(v, t))
        if prop.type == "str":
            nul = text[name].str.contains("\x00", regex=False).fillna(False).astype(bool)
            problems += _problems(
                nul, rows, None, src, name, "contains a NUL character (\\x00), which no store can hold"
            )
        typed[name] = col
        if prop.required:
            problems += _problems(text[name].isna(), rows, None, src, name, "a value is required")
        if prop.values:
            outside = col.notna() & ~col.isin(prop.values)
            problems += _problems(
                outside,
                rows,
                text,
                src,
                name,
                lambda v, vals=prop.values: f"unknown code '{v}'; expected one of: " + ", ".join(vals),
            )
        if prop.min is not None:
            problems += _problems(
                (col < prop.min).fillna(False),
                rows,
                text,
                src,
                name,
                lambda v, m=prop.min: f"{v} is below the minimum {m:g}",
            )
        if prop.max is not None:
            problems += _problems(
                (col > prop.max).fillna(False),
                rows,
                text,
                src,
                name,
                lambda v, m=prop.max: f"{v} is above the maximum {m:g}",
            )
        if prop.not_future:
            future = (col > pd.Timestamp(today)).fillna(False)
            problems += _problems(future, rows, text, src, name, lambda v: f"date {v} is in the future")
    out = pd.DataFrame(typed, index=frame.index).reset_index(drop=True)
    for name, prop in table.properties.items():
        if prop.after and prop.after in out.columns:
            before = (out[name] < out[prop.after]).fillna(False)
            problems += _problems(
                before,
                rows,
                text.reset_index(drop=True),
                src,
                name,
                lambda v, a=prop.after: f"date {v} is before {a}",
            )
    key = list(table.key)
    complete = out[key].notna().all(axis=1)
    dup = out[key].duplicated(keep="first") & complete
    if dup.any():
        first_row = {}
        keys = list(out[key].itertuples(index=False, name=None))
        for i, k in enumerate(keys):
            first_row.setdefault(k, rows[i])
        for i in np.flatnonzero(dup.to_numpy())[:MAX_PROBLEMS_PER_CHECK]:
            k = keys[i]
            shown = ", ".join(f"{c}={v}" for c, v in zip(key, k, strict=False))
            problems.append(
                Problem(
                    src, int(rows[i]), key[0], f"duplicate key ({shown}); first seen on row {first_row[k]}"
                )
            )
    return Checked(raw.table, src, out, rows, problems, raw.drop_dangling)


class KeySet:
    """The keys a table will hold after a load, with a fast membership test for a whole column."""

    def __init__(self, values: pd.Series):
        self.values = values.dropna()
        self._sets: dict[str, pa.Array] = {}

    def contains(self, col: pd.Series) -> np.ndarray:
        """Boolean mask: which values of ``col`` are keys (missing values give False).

        Why not ``isin`` with the whole key set each time: Arrow hashes its value set on every
        call, and a national bundle checks seven columns against the million person ids (~0.9 s
        each, even for the 1,172 service posts). The keys are made distinct once; a column with
        far fewer values than there are keys is looked up among the keys it can match only."""
        left = arrow_array(col)
        kind = str(left.type)
        if kind not in self._sets:  # one Arrow set per column type, reused across tables
            self._sets[kind] = value_set(self.values, left.type)
        keys = self._sets[kind]
        try:
            if len(left) * 4 < len(keys):  # few values, many keys: hash the few, scan the keys
                keys = keys.filter(pc.is_in(keys, value_set=pc.unique(left.drop_null())))
            hit = pc.is_in(left, value_set=keys).to_numpy(zero_copy_only=False)
        except (pa.ArrowException, TypeError, ValueError):
            return isin(col, self._sets[kind])
        return hit.astype(bool) & col.notna().to_numpy()


def check_references(
    schema: Schema, checked: list[Checked], available: dict[tuple[str, str], KeySet]
) -> list[Problem]:
    """Dangling references in the incoming rows. ``available`` holds, for each (table, key column),
    the keys that table will have after the load (stored plus incoming)."""
    problems: list[Problem] = []
    for chk in checked:
        table = schema.table(chk.table)
        for column, target, target_key in foreign_keys(schema, table):
            col = chk.frame[column]
            if not col.notna().any():
                continue
            dangling = col.notna().to_numpy() & ~available[(target, target_key)].contains(col)
            if dangling.any():
                problems += _problems(
                    dangling,
                    chk.rows,
                    chk.frame[[column]].astype("string"),
                    chk.source,
                    column,
                    lambda v, t=target: f"'{v}' does not match any {t} (dangling reference)",
                )
    return problems
