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


def csv_files(path: Path) -> list[Path]:
    """The bundle's CSV files: any case of ``.csv`` (``Schools.CSV`` from Windows counts), skipping
    hidden files such as macOS's ``._people.csv`` resource forks, which are not tables."""
    return sorted(
        p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".csv" and not p.name.startswith(".")
    )


def sniff(path: Path) -> bool:
    return path.is_dir() and bool(csv_files(path))


def read(path: Path, schema: Schema, **_: object) -> ReadResult:
    raws: list[RawTable] = []
    problems: list[Problem] = []
    files = csv_files(path)
    if not files:
        return ReadResult([], [Problem(str(path), None, None, "no .csv files in this directory")])
    tables = schema.tables
    seen: dict[str, Path] = {}
    for file in files:
        table = file.stem.lower()
        if table in seen:
            problems.append(
                Problem(
                    str(file), None, None, f"both {seen[table].name} and {file.name} hold table '{table}'"
                )
            )
            continue
        seen[table] = file
        if table not in tables:
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
            raws.append(RawTable(table, str(file), frame))
    return ReadResult(raws, problems)
