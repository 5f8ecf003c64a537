"""The CSV bundle as one Excel workbook: one sheet per table, named for the table.

Analysts keep these tables in Excel, so the workbook is read directly (openpyxl, read-only mode,
values not formulas). Row numbers in errors are spreadsheet row numbers, header = 1.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from graphmodel.docs import TEMPLATE_SHEETS
from graphmodel.errors import Problem
from graphmodel.schema import Schema
from graphmodel.validate import RawTable
from loaders._read import header_problems
from loaders.result import ReadResult

NAME = "xlsx"


def sniff(path: Path) -> bool:
    return path.is_file() and path.suffix.lower() in (".xlsx", ".xlsm")


def _text(value: object) -> str:
    """Cell value as the text a CSV would have held (dates as ISO, whole floats without '.0')."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01 (Excel's 1900 leap-year bug included)


def _serial_date(value: object) -> str:
    """A date column's cell: a number (or numeric text) is an Excel serial date, as Excel writes a
    date into a cell without a date format; anything else is read as text."""
    if isinstance(value, bool):
        return _text(value)
    number = value
    if isinstance(value, str) and value.strip().replace(".", "", 1).isdigit():
        number = float(value)
    if isinstance(number, int | float) and 1 <= number < 2958466:  # up to 9999-12-31
        day = EXCEL_EPOCH + dt.timedelta(days=int(number))
        return day.isoformat()
    return _text(value)


def read(path: Path, schema: Schema, **_: object) -> ReadResult:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # InvalidFileException, zipfile.BadZipFile...: not a workbook at all
        return ReadResult([], [Problem(str(path), None, None, f"cannot open as an Excel workbook: {exc}")])
    raws: list[RawTable] = []
    problems: list[Problem] = []
    tables = schema.tables
    try:
        for ws in wb.worksheets:
            where = f"{path} [sheet {ws.title}]"
            if ws.title in TEMPLATE_SHEETS:  # the template's explanation and code lists
                continue
            if ws.title not in tables:
                problems.append(
                    Problem(
                        where,
                        None,
                        None,
                        f"unknown table '{ws.title}'; sheets are named for tables: " + ", ".join(tables),
                    )
                )
                continue
            rows = ws.iter_rows(values_only=True)
            header = next(rows, None)
            if header is None:
                problems.append(Problem(where, None, None, "sheet is empty (no header row)"))
                continue
            names = [_text(h).strip() for h in header]
            while names and names[-1] == "":
                names.pop()
            bad_header = header_problems(where, names)
            if bad_header:
                problems += bad_header
                continue
            data, numbers = [], []
            props = tables[ws.title].properties
            dates = [props.get(n) is not None and props[n].type == "date" for n in names]
            for i, row in enumerate(rows, start=2):
                cells = [
                    _serial_date(v) if is_date else _text(v)
                    for v, is_date in zip(row[: len(names)], dates, strict=False)
                ]
                if not any(c.strip() for c in cells):
                    continue
                cells += [""] * (len(names) - len(cells))
                data.append(cells)
                numbers.append(i)
            frame = pd.DataFrame(data, columns=names, dtype=object)
            raws.append(RawTable(ws.title, where, frame, np.asarray(numbers, dtype=int)))
    finally:
        wb.close()
    return ReadResult(raws, problems)
