"""The bulk (Arrow) paths of reading, validation and GRAPH.BULK encoding give exactly what the value-by-value
paths they replaced gave, and hand every unusual input back to the careful path, which still names
file, row and column.

Each fast path is compared with a plain reference written here (pandas format by format, Python's
``float``, ``isin``, a per-value encoder), on inputs chosen to sit on its edges.
"""

from __future__ import annotations

import struct

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graphmodel.frames import isin
from graphmodel.schema import load_schema
from graphmodel.server import bulk
from graphmodel.validate import (
    DATE_FORMATS,
    DATE_MAX,
    DATE_MIN,
    INT_MAX,
    INT_MIN,
    KeySet,
    _coerce_int,
    _plain_decimals,
    parse_dates,
)
from loaders import ingest
from loaders._read import _read_sound_utf8, _read_text, read_text_csv

SCHEMA = load_schema()
FAST = settings(max_examples=60, deadline=None)
TEXT_CHARACTERS = st.characters(codec="utf-8", exclude_characters="\x00")
"""Text a UTF-8 file can hold (no lone surrogate: no input decodes to one) and a store can (no NUL)."""


def reference_dates(text: pd.Series) -> pd.Series:
    """parse_dates as it was: pandas, one format after another."""
    result = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = text.notna()
    for fmt in DATE_FORMATS:
        parsed = pd.to_datetime(text[todo], format=fmt, errors="coerce")
        ok = parsed.notna() & (parsed >= DATE_MIN) & (parsed <= DATE_MAX)
        result.loc[ok[ok].index] = parsed[ok].astype("datetime64[ns]")
        todo.loc[ok[ok].index] = False
    return result


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
@pytest.mark.parametrize(
    "values",
    [
        ["2024-02-29", "1800-01-01", "2200-12-31", None, "2019-05-06"],  # all ISO, all real
        ["2024-01-01", "01/02/2020", "01-09-2024", None, "2024-9-1", "2024-09-01 10:00:00"],  # mixed
        ["1700-01-01", "2201-01-01", "1799-12-31", "2024-01-01"],  # ISO but out of sendgraph's range
        ["2023-02-29", "2024-01-01"],  # not a real date: pandas reads the column
        ["0000-01-01", "9999-12-31", "2024-01-01"],  # outside datetime64: pandas reads the column
    ],
)
def test_dates_read_in_bulk_equal_pandas_format_by_format(values, storage):
    text = pd.Series(values, dtype=pd.StringDtype(storage), index=range(100, 100 + len(values)))
    pd.testing.assert_series_equal(parse_dates(text), reference_dates(text))


def test_a_date_that_does_not_exist_is_still_named_with_file_row_and_column(workspace, bundle_writer):
    school = {"urn": 100001, "name": "A", "la_code": "E06000001", "open_date": "2023-02-29"}
    other = {"urn": 100002, "name": "B", "la_code": "E06000001", "open_date": "2020-01-01"}
    path = bundle_writer({"schools": [other, school]})
    probs = ingest.prepare(workspace, [(path, "auto")]).problems
    bad = [p for p in probs if p.column == "open_date"]
    assert len(bad) == 1 and bad[0].row == 3 and "2023-02-29" in bad[0].message


@FAST
@given(
    st.lists(
        st.decimals(allow_nan=False, allow_infinity=False, places=3, min_value=-(10**9), max_value=10**9)
    )
)
def test_plain_decimals_read_in_bulk_are_the_floats_python_reads(numbers):
    text = pd.Series([str(n) for n in numbers], dtype=pd.StringDtype("pyarrow"))
    got = _plain_decimals(text)
    if got is None:  # none, or not plain decimals of 15 digits (e.g. "1E+3"): pandas reads them
        assert not numbers or any(
            "E" in str(n) or len(str(n).replace("-", "").replace(".", "")) > 15 for n in numbers
        )
        return
    assert got.tolist() == [float(str(n)) for n in numbers]
    assert got.tolist() == pd.to_numeric(text).astype(float).tolist()


@pytest.mark.parametrize("values", [["1e3", "0.5"], ["+5"], [".5"], ["1234567890123456"], ["inf"], ["abc"]])
def test_anything_but_a_plain_short_decimal_is_left_to_pandas(values):
    assert _plain_decimals(pd.Series(values, dtype=pd.StringDtype("pyarrow"))) is None


@pytest.mark.parametrize("storage", ["python", "pyarrow"])
@pytest.mark.parametrize(
    "values",
    [
        ["5", "-7", "007", None, "-0"],  # every value Arrow reads: one cast
        ["9223372036854775807", "-9223372036854775807", "-9223372036854775808"],  # -2**63: refused
        ["+5", "1e3", "12.5", "abc", "99999999999999999999", None],  # the value-by-value rules
    ],
)
def test_whole_numbers_read_in_bulk_keep_their_rows_and_the_range_rule(values, storage):
    text = pd.Series(values, dtype=pd.StringDtype(storage), index=range(40, 40 + len(values)))
    typed, bad, out_of_range = _coerce_int(text)
    assert list(typed.index) == list(text.index) and str(typed.dtype) == "Int64"
    for v, got, b, o in zip(values, typed, bad, out_of_range, strict=True):
        if v is None:
            assert got is pd.NA and not b and not o
        elif v.lstrip("+-").isdigit():
            fits = INT_MIN <= int(v) <= INT_MAX
            assert (got == int(v) and not o) if fits else (got is pd.NA and o)
        else:
            assert got == float(v) if not b and not o else got is pd.NA


def test_reference_lookups_agree_with_isin_for_few_and_many_values():
    keys = KeySet(pd.Series([f"P{i:06d}" for i in range(5000)] + [None], dtype=pd.StringDtype("pyarrow")))
    few = pd.Series(["P000007", "nobody", None, "P004999"], dtype=pd.StringDtype("pyarrow"))
    many = pd.Series([f"P{i:06d}" for i in range(0, 30000, 3)] + [None], dtype=pd.StringDtype("pyarrow"))
    for col in (few, many, few.astype("string[python]")):
        got = keys.contains(col)
        assert got.dtype == bool and got.tolist() == isin(col, keys.values).tolist()
    assert keys.contains(few).tolist() == [True, False, False, True]


CSV_CASES = {
    "plain": b"urn,name\n1,A\n2,B\n",
    "bom, quotes, a newline in a cell": b'\xef\xbb\xbfurn,name\r\n1,"A, the ""first""\nschool"\r\n'
    + "2,\u0141\u00f3d\u017a\r\n".encode(),
    "blank cells and a blank line": b"urn,name,la\n1,,\n\n2,B,x\n",
}


@pytest.mark.parametrize("case", CSV_CASES)
def test_a_sound_file_reads_the_same_by_arrow_as_by_the_careful_path(case):
    raw = CSV_CASES[case]
    fast = _read_sound_utf8(raw, "utf-8-sig")
    careful, problems = _read_text(raw, "f.csv", "utf-8-sig")
    assert fast is not None and not problems
    pd.testing.assert_frame_equal(fast, careful)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"urn,name\n1,A\n2,\xff\n", "not valid utf-8"),  # bad bytes after the header
        (b"urn,urn\n1,2\n", "twice"),
        (b"urn,name\n1,A\n2,B,extra\n", "malformed"),
        (b"   \n\t\n", "empty"),
        (b"urn,name\n1," + b"x" * ((1 << 20) + 1) + b"\n", "longer than the limit"),
    ],
)
def test_a_file_with_something_wrong_goes_to_the_careful_path_and_says_where(tmp_path, raw, message):
    assert _read_sound_utf8(raw, "utf-8-sig") is None
    path = tmp_path / "f.csv"
    path.write_bytes(raw)
    frame, problems = read_text_csv(path)
    assert frame is None and problems and message in problems[0].message
    assert (frame, problems) == _read_text(raw, str(path), "utf-8-sig")


def reference_record(values: list, types: list[str]) -> bytes:
    """One row in GRAPH.BULK's format, value by value."""
    out = b""
    for v, t in zip(values, types, strict=True):
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            out += b"\x00"
        elif t == "int":
            out += b"\x04" + struct.pack("<q", int(v))
        elif t == "float":
            out += b"\x02" + struct.pack("<d", float(v))
        elif t == "bool":
            out += b"\x01" + bytes([1 if v else 0])
        elif t == "date":
            out += b"\x03" + pd.Timestamp(v).strftime("%Y-%m-%d").encode() + b"\x00"
        else:
            out += b"\x03" + str(v).encode() + b"\x00"
    return out


@FAST
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.integers(-(2**63) + 1, 2**63 - 1)),
            st.one_of(st.none(), st.floats(allow_nan=False, allow_infinity=False)),
            st.one_of(st.none(), st.booleans()),
            st.one_of(st.none(), st.dates(min_value=DATE_MIN.date(), max_value=DATE_MAX.date())),
            st.one_of(st.none(), st.text(alphabet=TEXT_CHARACTERS, max_size=8)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_the_bulk_encoder_writes_what_a_value_by_value_encoder_writes(rows):
    types = ["int", "float", "bool", "date", "str"]
    frame = pd.DataFrame(
        {
            "i": pd.array([r[0] for r in rows], dtype="Int64"),
            "f": pd.array([r[1] for r in rows], dtype="Float64"),
            "b": pd.array([r[2] for r in rows], dtype="boolean"),
            "d": pd.Series(pd.to_datetime([r[3] for r in rows]), dtype="datetime64[ns]"),
            "s": pd.array([r[4] for r in rows], dtype=pd.StringDtype("pyarrow")),
        }
    )
    ids = bulk.id_pairs(np.arange(len(rows), dtype="<u8"), np.full(len(rows), 7, dtype="<u8"))
    segs = [ids, *(bulk.column(frame[c], t) for c, t in zip(frame.columns, types, strict=True))]
    segs.append(bulk.constant("posts", len(rows)))
    want = b"".join(
        struct.pack("<QQ", i, 7) + reference_record(list(r), types) + b"\x03posts\x00"
        for i, r in enumerate(rows)
    )
    assert bulk.records(segs) == want
