"""The Arrow CSV writer (sendgraph/csv_text.py) gives the pandas path's bytes, on awkward values."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from sendgraph import csv_text as ct

AWKWARD = [
    "plain",
    None,
    "",
    "comma, inside",
    'a "quoted" word',
    "line\nbreak",
    "carriage\rreturn",
    "crlf\r\nend",
    " leading space",
    "tab\tinside",
    "Ünïcødé ✓ 学校",
    "=1+2",
    "+44 20",
    "-5",
    "-1.5e3",
    "-inf",
    "-nan",
    "@SUM(A1)",
    "\tstarts with tab",
    "\rstarts with CR",
    "-",
    "'already quoted",
    '"',
    ",",
    '=HYPERLINK("x","y")',
    "a;b;c",
]


def _frames() -> dict[str, pd.DataFrame]:
    n = len(AWKWARD)
    ints = np.array([0, -1, 2**62, -(2**62), 7] * n, dtype=np.int64)[:n]
    return {
        "object text": pd.DataFrame({"text": pd.Series(AWKWARD, dtype=object), "n": ints}),
        "str text": pd.DataFrame(
            {"text": pd.Series(AWKWARD, dtype="str"), "flag": [i % 2 == 0 for i in range(n)]}
        ),
        "string text": pd.DataFrame({"text": pd.Series(AWKWARD, dtype="string"), "m": ints.astype(np.int32)}),
        "nan and NA as missing": pd.DataFrame(
            {
                "text": pd.Series(["a", np.nan, pd.NA, None, "b"], dtype=object),
                "u": np.arange(5, dtype=np.uint16),
            }
        ),
        "nullable ints and bools": pd.DataFrame(
            {
                "i": pd.array([1, None, -3, 2**40, None], dtype="Int64"),
                "b": pd.array([True, None, False, True, None], dtype="boolean"),
                "s": ["x", "y", "z", "w", "v"],
            }
        ),
        "python-stored strings": pd.DataFrame(
            {"text": pd.Series(AWKWARD, dtype=pd.StringDtype("python")), "n": ints}
        ),
        "numpy str objects": pd.DataFrame(
            {"text": pd.Series([np.str_("x"), np.str_("=1"), None, 'q"q'], dtype=object)}
        ),
        "one column with blanks": pd.DataFrame({"only": pd.Series(["", None, "a", "=b", ""], dtype=object)}),
        "awkward header": pd.DataFrame({'we"ird, name': ["a"], "line\nname": [1], "": [True]}),
        "no rows": pd.DataFrame({"a": pd.Series([], dtype="str"), "b": pd.Series([], dtype=np.int64)}),
        "all missing text": pd.DataFrame({"a": pd.Series([None, None], dtype=object), "b": [1, 2]}),
        "fragile-like": pd.DataFrame(
            {
                "urn_a": np.array([100001, 100002], dtype=np.int64),
                "school_a": pd.Series(["St Mary's, Leeds", None], dtype="str"),
                "kinds": ["cpd_event;trust", "network"],
                "person_id": ["SYN-P1;SYN-P2", "SYN-P3"],
                "bridge": np.array([True, False]),
            }
        ),
    }


FALLBACK = {
    "floats": pd.DataFrame({"x": [0.1, np.nan, 1e16, -0.0, 1 / 3], "s": list("abcde")}),
    "dates": pd.DataFrame({"d": pd.to_datetime(["2025-09-01", None]), "s": ["a", "=b"]}),
    "python dates": pd.DataFrame({"d": [dt.date(2025, 9, 1), None], "s": ["a", "b"]}),
    "mixed objects": pd.DataFrame({"x": pd.Series([1, "a", None, 2.5, True], dtype=object)}),
    "int column names": pd.DataFrame({0: ["a"], 1: [2]}),
    "no columns": pd.DataFrame(index=range(3)),
    "categories": pd.DataFrame({"c": pd.Categorical(["x", "=y", None]), "b": [True, False, True]}),
    "unsigned nullable": pd.DataFrame({"u": pd.array([1, None, 3], dtype="UInt8")}),
}


@pytest.mark.parametrize("name", sorted(_frames()))
def test_arrow_path_gives_the_pandas_bytes(name, monkeypatch):
    frame = _frames()[name]
    expected = ct._pandas_csv(frame)

    def refuse(_frame):
        raise AssertionError("took the pandas path")

    monkeypatch.setattr(ct, "_pandas_csv", refuse)
    assert ct.csv_text(frame) == expected


@pytest.mark.parametrize("name", sorted(FALLBACK))
def test_other_columns_take_the_pandas_path(name):
    frame = FALLBACK[name]
    assert ct.csv_text(frame) == ct._pandas_csv(frame)


def test_formula_cells_are_neutralised_and_quoting_is_minimal():
    text = ct.csv_text(pd.DataFrame({"a": ["=1+2", "-5", "x,y", 'q"q'], "b": [1, 2, 3, 4]}))
    assert text == 'a,b\n\'=1+2,1\n-5,2\n"x,y",3\n"q""q",4\n'


def test_special_characters_are_those_of_the_csv_module():
    assert set(ct._SPECIAL) >= {",", '"', "\n"}
