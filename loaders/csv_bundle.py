"""The documented CSV bundle: a directory with one ``<table>.csv`` per schema table.

File names are the table names in the data dictionary (``docs/data-dictionary.md``); columns are
the table's properties. Any subset of tables may be present: a bundle of only ``posts.csv`` adds
posts to schools and people already in the workspace.
"""

from __future__ import annotations

from pathlib import Path

from graphmodel.errors import Problem
from graphmodel.schema import Schema
from graphmodel.validate import RawTable
from loaders._read import read_text_csv
from loaders.result import ReadResult

NAME = "bundle"


def sniff(path: Path) -> bool:
    return path.is_dir() and any(path.glob("*.csv"))


def read(path: Path, schema: Schema, **_: object) -> ReadResult:
    raws: list[RawTable] = []
    problems: list[Problem] = []
    files = sorted(path.glob("*.csv"))
    if not files:
        return ReadResult([], [Problem(str(path), None, None, "no .csv files in this directory")])
    tables = schema.tables
    for file in files:
        if file.stem not in tables:
            problems.append(
                Problem(
                    str(file),
                    None,
                    None,
                    f"unknown table '{file.stem}'; bundle files are named for tables: " + ", ".join(tables),
                )
            )
            continue
        frame, probs = read_text_csv(file)
        problems += probs
        if frame is not None:
            raws.append(RawTable(file.stem, str(file), frame))
    return ReadResult(raws, problems)
