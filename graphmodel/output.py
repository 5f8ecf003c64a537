"""One renderer for every command's results: terminal table, CSV, JSON or Markdown.

Every analysis returns a :class:`Result` (a DataFrame plus metadata: title, as-of date, filters,
data source, whether small numbers were suppressed). Users learn the output switches once because
every command uses this module. CSV goes out as tidy data that joins to DfE files; its metadata is
written to a ``.meta.json`` sidecar when writing to a file (and to stderr otherwise), as DfE
publishes metadata beside data rather than inside it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

FORMATS = ("table", "csv", "json", "markdown")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TERMINAL_CELL = 60  # longest cell on the terminal; the other formats keep the full text


@dataclass
class Result:
    """A table with the facts a reader needs to trust it."""

    frame: pd.DataFrame
    title: str
    metadata: dict[str, object] = field(default_factory=dict)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """Prefix text cells that a spreadsheet would run as a formula with a single quote (OWASP).

    Only text columns are touched: a negative number stays a number.
    """
    out = frame.copy()
    for col in out.columns:
        s = out[col]
        if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
            text = s.astype("string")
            risky = text.str.startswith(FORMULA_START).fillna(False).astype(bool)
            numeric = pd.to_numeric(text, errors="coerce").notna()
            risky &= ~numeric
            if risky.any():
                out[col] = s.astype(object)
                out.loc[risky, col] = "'" + text[risky]
    return out


def _jsonable(value: object) -> object:
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


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain-Python dicts (numpy scalars, NA and timestamps converted)."""
    cols = list(frame.columns)
    return [{str(c): _jsonable(v) for c, v in zip(cols, row, strict=False)}
            for row in frame.itertuples(index=False, name=None)]


def _display(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out.astype(object).where(out.notna(), "")


def _meta_lines(result: Result) -> list[str]:
    return [f"{k}: {v}" for k, v in result.metadata.items() if v not in (None, "", [], {})]


def render(result: Result, fmt: str = "table") -> str:
    """The result as text in ``fmt``."""
    frame = result.frame
    if fmt == "json":
        return json.dumps({"title": result.title, "metadata": {k: _jsonable(v) if not isinstance(
            v, (list, dict)) else v for k, v in result.metadata.items()},
            "data": records(frame)}, indent=2, ensure_ascii=False, default=str)
    if fmt == "csv":
        return neutralise_formulas(_display(frame)).to_csv(index=False)
    if fmt == "markdown":
        lines = [f"## {result.title}", ""] + [f"- {m}" for m in _meta_lines(result)] + [""]
        shown = _display(frame)
        header = "| " + " | ".join(map(str, shown.columns)) + " |"
        rule = "| " + " | ".join("---" for _ in shown.columns) + " |"
        body = ["| " + " | ".join(str(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |"
                for row in shown.itertuples(index=False, name=None)]
        return "\n".join(lines + [header, rule] + body) + "\n"
    if fmt == "table":
        head = [result.title, *(f"  {m}" for m in _meta_lines(result)), ""]
        shown = _display(frame).map(
            lambda v: v[: TERMINAL_CELL - 1] + "…" if isinstance(v, str) and len(v) > TERMINAL_CELL else v)
        body = shown.to_string(index=False) if len(frame) else "(no rows)"
        return "\n".join(head) + body + "\n"
    raise ValueError(f"unknown format {fmt}")


def write(result: Result, fmt: str, output: str | Path | None, echo) -> None:
    """Write ``result`` to ``output`` (or print it with ``echo``), with a metadata sidecar for CSV."""
    text = render(result, fmt)
    if output is None:
        echo(text, nl=False)
        if fmt == "csv":
            for line in _meta_lines(result):
                echo(f"# {line}", err=True)
        return
    path = Path(output)
    path.write_text(text, encoding="utf-8")
    if fmt == "csv":
        meta = {"title": result.title, **{k: v for k, v in result.metadata.items()}}
        path.with_suffix(".meta.json").write_text(json.dumps(meta, indent=2, default=str),
                                                  encoding="utf-8")
