"""One renderer for every command's results: terminal table, CSV, JSON or Markdown.

Every analysis returns a :class:`Result` (a DataFrame plus metadata: title, as-of date, filters,
data source, whether small numbers were suppressed). Users learn the output switches once because
every command uses this module. CSV goes out as tidy data that joins to DfE files; its metadata is
written to a ``.meta.json`` sidecar when writing to a file (and to stderr otherwise), as DfE
publishes metadata beside data rather than inside it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from graphmodel.cells import display, jsonable
from graphmodel.errors import escape_controls
from queries.publish import Published
from sendgraph.csv_text import csv_text

Result = Published
"""Every command's result: made by :func:`queries.publish.publish` for published tables."""

FORMATS = ("table", "csv", "json", "markdown")
TERMINAL_CELL = 60  # longest cell on the terminal; the other formats keep the full text


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain-Python dicts (numpy scalars, NA and timestamps converted)."""
    cols = list(frame.columns)
    return [
        {str(c): jsonable(v) for c, v in zip(cols, row, strict=False)}
        for row in frame.itertuples(index=False, name=None)
    ]


def _shown(value: object) -> object:
    if isinstance(value, dict):
        return ", ".join(f"{k}={v}" for k, v in value.items())
    return value


def _meta_lines(result: Result) -> list[str]:
    shown = [(k, v) for k, v in result.metadata.items() if v not in (None, "", [], {})]
    return [escape_controls(f"{k}: {_shown(v)}") for k, v in shown]


def _md_cell(value: object) -> str:
    """A Markdown table cell: one line whatever the text (CR, LF, the other controls escaped)."""
    text = str(value).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    return escape_controls(text).replace("|", "\\|")


def _term_cell(value: object) -> object:
    """A terminal cell: controls escaped (no ESC / OSC sequence reaches the terminal), cut to fit."""
    if not isinstance(value, str):
        return value
    value = escape_controls(value)
    return value[: TERMINAL_CELL - 1] + "…" if len(value) > TERMINAL_CELL else value


def _document(result: Result) -> dict:
    """The one metadata shape (``Published.document``), made JSON-safe."""
    doc = result.document()
    doc["metadata"] = {
        k: jsonable(v) if not isinstance(v, (list, dict)) else v for k, v in result.metadata.items()
    }
    return doc


def render(result: Result, fmt: str = "table") -> str:
    """The result as text in ``fmt``."""
    frame = result.frame
    if fmt == "json":
        return json.dumps(
            {**_document(result), "data": records(frame)},
            indent=2,
            ensure_ascii=False,
            default=str,
        )
    if fmt == "csv":
        return csv_text(frame)  # the bytes of neutralise_formulas(display(frame)).to_csv(index=False)
    if fmt == "markdown":
        lines = [f"## {_md_cell(result.title)}", ""] + [f"- {m}" for m in _meta_lines(result)] + [""]
        shown = display(frame)
        header = "| " + " | ".join(map(_md_cell, shown.columns)) + " |"
        rule = "| " + " | ".join("---" for _ in shown.columns) + " |"
        body = [
            "| " + " | ".join(_md_cell(v) for v in row) + " |"
            for row in shown.itertuples(index=False, name=None)
        ]
        return "\n".join(lines + [header, rule] + body) + "\n"
    if fmt == "table":
        head = [escape_controls(result.title), *(f"  {m}" for m in _meta_lines(result)), ""]
        shown = display(frame).map(_term_cell)
        shown.columns = [escape_controls(str(c)) for c in shown.columns]
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
        path.with_suffix(".meta.json").write_text(
            json.dumps(_document(result), indent=2, default=str), encoding="utf-8"
        )
