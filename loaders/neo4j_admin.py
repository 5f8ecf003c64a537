"""A ``sendgraph export --format neo4j-admin`` directory read back: the node and relationship CSVs
``neo4j-admin database import full`` takes, turned into the schema's tables again.

Why: the export is for a first load of a national graph into Neo4j; reading it back proves the files
hold the whole graph (``tests/test_neo4j_admin.py`` checks the round trip gives identical tables) and
lets a team move a graph between sendgraph workspaces through the same files.

Headers are mapped back by the schema: ``name:type`` is column ``name``; ``:START_ID(...)`` and
``:END_ID(...)`` are the relationship table's start and end columns; ``:ID(...)``, ``:LABEL``,
``:TYPE`` and the ``_table`` marker carry nothing a table needs. The reference-link files
(``relationships/schools.la_code.csv``) repeat the node's own column and are skipped. Values are
read as text and typed by validation, like every other input.
"""

from __future__ import annotations

from pathlib import Path

from graphmodel.errors import Problem
from graphmodel.schema import Schema
from graphmodel.validate import RawTable
from loaders._read import read_text_csv
from loaders.result import ReadResult

NAME = "neo4j-admin"
COMMAND_FILE = "neo4j-admin-import.txt"  # graphmodel.export.NEO4J_ADMIN_COMMAND
_DROP = (":ID", ":LABEL", ":TYPE")


def sniff(path: Path) -> bool:
    return path.is_dir() and (path / COMMAND_FILE).exists() and (path / "nodes").is_dir()


def _column(header: str, schema: Schema, table: str) -> str | None:
    """The table column a header names, or None for one that carries nothing (ids, labels, types)."""
    if header.startswith(":START_ID") or header.startswith(":END_ID"):
        rel = schema.relationships[table]
        return rel.start.column if header.startswith(":START_ID") else rel.end.column
    if header.startswith(_DROP) or header == "_table":
        return None
    return header.split(":", 1)[0]


def read(path: Path, schema: Schema, **_: object) -> ReadResult:
    raws: list[RawTable] = []
    problems: list[Problem] = []
    files = sorted((path / "nodes").glob("*.csv")) + sorted((path / "relationships").glob("*.csv"))
    for file in files:
        table = file.stem
        if "." in table:  # a node's reference column as links: the node file holds the column
            continue
        if table not in schema.tables:
            problems.append(Problem(str(file), None, None, f"unknown table '{table}'"))
            continue
        frame, probs = read_text_csv(file)
        problems += probs
        if frame is None:
            continue
        names = {h: _column(h, schema, table) for h in frame.columns}
        frame = frame[[h for h, c in names.items() if c]].rename(columns=names)
        raws.append(RawTable(table, str(file), frame))
    if not raws and not problems:
        problems.append(Problem(str(path), None, None, "no node or relationship files in this export"))
    return ReadResult(raws, problems)
