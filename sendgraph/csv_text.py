"""A frame as CSV text, built column by column in Arrow: the bytes of
``neutralise_formulas(display(frame)).to_csv(index=False)``, several times faster on a big frame.

Why: ``gaps fragile`` nationally prints 270k rows. The pandas path turns every cell into a Python
object three times (``display`` casts the frame to object, ``neutralise_formulas`` casts each
column back to strings to look for formula-like text, ``to_csv`` hands each row to the ``csv``
module): ~3.5 s of a command whose analysis takes a few seconds. Here each column becomes one Arrow
string array (ints cast, booleans spelled ``True``/``False``, text with its NA blank, formula-like
text quoted as :func:`graphmodel.cells.neutralise_formulas` quotes it, fields quoted as the ``csv``
module quotes them) and the rows are joined in Arrow's C++ kernels.

Only frames whose columns are all of the kinds below take this path (text, numpy integers and
booleans, nullable integers and booleans); any other column (floats, dates, mixed objects) sends
the whole frame down the pandas path, so every other table's bytes are the pandas bytes by
construction. tests/test_csv_text.py checks the two paths give the same bytes on awkward values.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphmodel.cells import FORMULA_START, display, neutralise_formulas

__all__ = ["csv_text"]


def _csv_line(fields: list[str]) -> str:
    """One row as the ``csv`` module writes it for ``DataFrame.to_csv`` (minimal quoting, ``\\n``)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(fields)
    return buf.getvalue()


def _special_characters() -> str:
    """The ASCII characters that make the ``csv`` module quote a field (asked of the module, so the
    rule follows the Python in use: 3.11 quotes ``,``, ``"`` and ``\\n`` but not ``\\r``). The
    dialect's characters are ASCII, so no other character can make it quote."""
    return "".join(chr(c) for c in range(128) if _csv_line([f"a{chr(c)}b"]).startswith('"'))


_SPECIAL = _special_characters()
_NEEDS_QUOTES = "[" + "".join("\\" + c if c in "\\^]-[" else c for c in _SPECIAL) + "]"


def _s(text: str) -> pa.Scalar:
    """A large_string scalar (Arrow's join kernels want every argument of one string type)."""
    return pa.scalar(text, pa.large_string())


def _any_byte(values: pa.Array, chars: str) -> bool:
    """Whether any of the ASCII ``chars`` occurs in the text of ``values`` (a search of the data
    buffer, ~100x faster than a regular expression per cell; bytes past the array's slice can only
    say yes where no cell has one, which costs a needless check, never a wrong answer)."""
    data = values.buffers()[2]
    if data is None:
        return False
    raw = data.to_pybytes()
    return any(c.encode() in raw for c in chars)


def _text(values: pa.Array) -> pa.Array:
    """Text cells: NA blank, formula-like text that is not a number given a leading quote (as
    :func:`graphmodel.cells.neutralise_formulas`), then quoted where the ``csv`` module quotes."""
    values = pc.fill_null(values.cast(pa.large_string()), "")
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    risky = None
    for start in FORMULA_START:
        hit = pc.starts_with(values, start)
        risky = hit if risky is None else pc.or_(risky, hit)
    if risky is not None and pc.any(risky).as_py():
        at = np.flatnonzero(risky.to_numpy(zero_copy_only=False))
        texts = pd.Series(values.take(pa.array(at)).to_pylist(), dtype="string")
        numeric = pd.to_numeric(texts, errors="coerce").notna().to_numpy(dtype=bool)
        at = at[~numeric]
        if len(at):
            prefix = np.zeros(len(values), dtype=bool)
            prefix[at] = True
            quoted = pc.binary_join_element_wise(_s("'"), values, _s(""))
            values = pc.if_else(pa.array(prefix), quoted, values)
    if _any_byte(values, _SPECIAL):
        needs = pc.match_substring_regex(values, _NEEDS_QUOTES)
        doubled = pc.replace_substring(values, '"', '""')
        quoted = pc.binary_join_element_wise(_s('"'), doubled, _s('"'), _s(""))
        values = pc.if_else(needs, quoted, values)
    return values


def _cells(column: pd.Series) -> pa.Array | None:
    """The column's CSV cells as one Arrow string array, or None when it is not of a kind handled
    here (the caller then takes the pandas path)."""
    dtype = column.dtype
    if isinstance(dtype, pd.StringDtype):
        return _text(pa.array(column.array, type=pa.large_string()))
    if isinstance(dtype, np.dtype) and dtype.kind == "O":
        values = column.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
            return None
        return _text(pa.array(values, type=pa.large_string(), from_pandas=True))
    if isinstance(dtype, np.dtype) and dtype.kind in "iu":
        return pc.cast(pa.array(column.to_numpy()), pa.large_string())
    if isinstance(dtype, np.dtype) and dtype.kind == "b":
        return pc.if_else(pa.array(column.to_numpy()), _s("True"), _s("False"))
    if isinstance(dtype, (pd.Int64Dtype, pd.Int32Dtype, pd.Int16Dtype, pd.Int8Dtype)):
        values = pa.array(column.to_numpy(dtype=object, na_value=None), type=pa.int64())
        return pc.fill_null(pc.cast(values, pa.large_string()), "")
    if isinstance(dtype, pd.BooleanDtype):
        values = pa.array(column.to_numpy(dtype=object, na_value=None), type=pa.bool_())
        return pc.fill_null(pc.if_else(values, _s("True"), _s("False")), "")
    return None


def _pandas_csv(frame: pd.DataFrame) -> str:
    """The reference path: what every CSV output was before this module."""
    return neutralise_formulas(display(frame)).to_csv(index=False)


def csv_text(frame: pd.DataFrame) -> str:
    """``frame`` as CSV text, byte for byte ``neutralise_formulas(display(frame)).to_csv(index=False)``."""
    names = list(frame.columns)
    if not names or not all(isinstance(n, str) for n in names):
        return _pandas_csv(frame)
    columns = []
    for i in range(len(names)):
        cells = _cells(frame.iloc[:, i])
        if cells is None:
            return _pandas_csv(frame)
        columns.append(cells)
    header = _csv_line(names)
    if not len(frame):
        return header
    if len(columns) == 1:
        # the csv module quotes an empty field that is a row's only field (else it is a blank line)
        only = columns[0]
        columns = [pc.if_else(pc.equal(only, ""), _s('""'), only)]
    rows = pc.binary_join_element_wise(*columns, _s(",")) if len(columns) > 1 else columns[0]
    rows = rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows
    # the header row first, then every row with its newline; one UTF-8 decode of the whole buffer
    rows = pa.concat_arrays([pa.array([header[:-1]], type=pa.large_string()), rows])
    lines = pc.binary_join_element_wise(rows, _s("\n"), _s(""))
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int64)[lines.offset : lines.offset + len(lines) + 1]
    return str(memoryview(lines.buffers()[2])[offsets[0] : offsets[-1]], "utf-8")
