"""The tables people keep: one CSV or one worksheet of an .xlsx, read as text and written back.

``match schools`` and ``pseudonymise`` work on a user's own spreadsheet, not on a bundle, so the file
may have any columns. Everything is read as text (a URN or an id with leading zeros stays as typed);
an .xlsx is written back into the same workbook, so the user's other sheets, widths and formatting
survive, and each row goes back to the spreadsheet row it came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from graphmodel.errors import SendgraphError
from loaders._read import header_problems, read_text_csv
from loaders.xlsx_bundle import _text

__all__ = ["Sheet", "read_sheet", "write_sheet"]


@dataclass
class Sheet:
    """A user's table: the frame (all text), where it came from, and its spreadsheet row numbers."""

    path: Path
    frame: pd.DataFrame
    sheet: str | None = None  # worksheet title for an .xlsx
    rows: list[int] | None = None  # spreadsheet row of each frame row (xlsx)

    @property
    def is_xlsx(self) -> bool:
        return self.path.suffix.lower() in (".xlsx", ".xlsm")


def read_sheet(path: Path, sheet: str | None = None) -> Sheet:
    """Read a CSV (UTF-8, or cp1252 as Excel on Windows saves it) or one worksheet of an .xlsx."""
    path = Path(path)
    if not path.is_file():
        raise SendgraphError(f"{path}: no such file")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, sheet)
    frame, problems = read_text_csv(path)
    if frame is None and problems and "not valid" in problems[0].message:
        frame, problems = read_text_csv(path, encoding="cp1252")
    if frame is None:
        raise SendgraphError(str(problems[0]))
    frame = frame.astype(object).where(frame.notna(), "")
    return Sheet(path, frame.reset_index(drop=True))


def _read_xlsx(path: Path, sheet: str | None) -> Sheet:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise SendgraphError(f"{path}: cannot open as an Excel workbook: {exc}") from None
    try:
        if sheet is not None and sheet not in wb.sheetnames:
            raise SendgraphError(f"{path}: no sheet '{sheet}'; sheets are: {', '.join(wb.sheetnames)}")
        ws = wb[sheet] if sheet else wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        header = [_text(h).strip() for h in (next(it, None) or [])]
        while header and header[-1] == "":
            header.pop()
        if not header:
            raise SendgraphError(f"{path} [sheet {ws.title}]: sheet is empty (no header row)")
        problems = header_problems(f"{path} [sheet {ws.title}]", header)
        if problems:
            raise SendgraphError(str(problems[0]))
        data, numbers = [], []
        for i, row in enumerate(it, start=2):
            cells = [_text(v) for v in row[: len(header)]]
            if not any(c.strip() for c in cells):
                continue
            data.append(cells + [""] * (len(header) - len(cells)))
            numbers.append(i)
        return Sheet(path, pd.DataFrame(data, columns=header, dtype=object), ws.title, numbers)
    finally:
        wb.close()


def write_sheet(source: Sheet, frame: pd.DataFrame, out: Path) -> Path:
    """Write ``frame`` (the source's rows, columns possibly added or changed) to ``out``.

    CSV in, CSV out (UTF-8). An .xlsx source is rewritten in place of its worksheet: existing
    columns are updated by header name, new ones appended, other sheets untouched.
    """
    out = Path(out)
    if not source.is_xlsx or out.suffix.lower() not in (".xlsx", ".xlsm"):
        frame.to_csv(out, index=False, encoding="utf-8")
        return out
    from openpyxl import load_workbook

    wb = load_workbook(source.path)
    ws = wb[source.sheet] if source.sheet else wb.worksheets[0]
    header = [_text(c.value).strip() for c in ws[1]]
    while header and header[-1] == "":
        header.pop()
    for name in frame.columns:
        if name not in header:
            header.append(name)
            ws.cell(row=1, column=len(header), value=name)
        col = header.index(name) + 1
        for row, value in zip(source.rows or [], frame[name], strict=True):
            ws.cell(row=row, column=col, value=None if value is None or pd.isna(value) else _plain(value))
    wb.save(out)
    return out


def _plain(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return value
