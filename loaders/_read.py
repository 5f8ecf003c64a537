"""Reading delimited text safely: every failure becomes a :class:`Problem` naming the file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from graphmodel.errors import Problem


def read_text_csv(path: Path, encoding: str = "utf-8-sig", label: str | None = None
                  ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Read a CSV with every value as text (blank cells as empty strings).

    Returns the frame, or None with the problems that stopped it: an empty file, a file in another
    encoding than the one expected, or a row with more fields than the header.
    """
    name = label or str(path)
    if path.stat().st_size == 0:
        return None, [Problem(name, None, None, "file is empty (no header row)")]
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
        # A byte-order mark says UTF-8 whatever the format's usual encoding (a GIAS file re-saved
        # from Excel as "CSV UTF-8" starts with one).
        text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode(encoding)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        hint = ("save it as 'CSV UTF-8'" if encoding.startswith("utf") else
                f"expected {encoding}")
        return None, [Problem(name, line, None, f"not valid {encoding} text (byte 0x{raw[exc.start]:02x}"
                              f" at byte {exc.start}); {hint}")]
    if not text.strip():
        return None, [Problem(name, None, None, "file is empty (no header row)")]
    header = [c.strip() for c in next(csv.reader(io.StringIO(text)), [])]
    if "" in header:
        return None, [Problem(name, 1, None, "header has a blank column name")]
    dups = sorted({c for c in header if header.count(c) > 1})
    if dups:
        return None, [Problem(name, 1, dups[0], "column appears twice in the header")]
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False,
                            skip_blank_lines=True, engine="c")
    except pd.errors.ParserError as exc:
        return None, [Problem(name, _parser_error_line(str(exc)), None, f"malformed CSV: {exc}")]
    frame.columns = header
    return frame, []


def _parser_error_line(message: str) -> int | None:
    """pandas reports 'Expected 3 fields in line 7, saw 4'; pull the line number out."""
    import re

    m = re.search(r"line (\d+)", message)
    return int(m.group(1)) if m else None


def sniff_header(path: Path, encoding: str = "utf-8-sig") -> list[str]:
    """The header row of a CSV (for format detection), or [] if unreadable."""
    try:
        with open(path, encoding=encoding, errors="replace", newline="") as fh:
            return [c.strip() for c in next(csv.reader(fh), [])]
    except OSError:
        return []
