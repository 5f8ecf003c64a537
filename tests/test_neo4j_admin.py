"""``sendgraph export --to neo4j-admin``: files ``neo4j-admin database import full`` reads, and
they round-trip back into sendgraph.

Why: a team's first load of national data into Neo4j should use Neo4j's offline importer, which only
works if every header follows its documented format (Neo4j Operations Manual, "Import", CSV header
format: ``:ID(<id space>)``, ``:LABEL``, ``:START_ID(<id space>)``, ``:END_ID(<id space>)``, ``:TYPE``,
other columns ``name:type``) and the files hold the whole graph.
"""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from graphmodel.export import NEO4J_ADMIN_COMMAND, export
from graphmodel.schema import load_schema
from graphmodel.workspace import Workspace
from loaders import ingest
from loaders.registry import detect
from sendgraph.cli import main

TYPES = (
    "int|long|float|double|boolean|byte|short|char|string|date|localtime|time|localdatetime|datetime|duration"
)
PROPERTY = re.compile(rf"^[A-Za-z_][A-Za-z0-9_]*:({TYPES})$")
SPACE = re.compile(r"^:(ID|START_ID|END_ID)\(([A-Za-z]+)\)$")


@pytest.fixture
def careers(tmp_path, bundle_writer):
    from career_fixture import TABLES

    ws = Workspace(tmp_path / "ws")
    ingest.load(ws, [(bundle_writer(TABLES), "auto")])
    return ws


def _header(path) -> list[str]:
    with open(path, newline="", encoding="utf-8") as fh:
        return next(csv.reader(fh))


def test_headers_follow_the_documented_format(careers, tmp_path):
    out = tmp_path / "admin"
    export(careers, "neo4j-admin", out)
    schema = load_schema()
    spaces = {}
    for path in (out / "nodes").glob("*.csv"):
        header = _header(path)
        ids = [h for h in header if h.startswith(":ID")]
        assert len(ids) == 1 and header.count(":LABEL") == 1, path.name
        space = SPACE.match(ids[0]).group(2)
        assert space in schema.nodes
        spaces[space] = path
        rest = [h for h in header if h not in (ids[0], ":LABEL")]
        assert all(PROPERTY.match(h) for h in rest), (path.name, rest)
    assert set(spaces) == set(schema.nodes)
    assert "urn:int" in _header(out / "nodes" / "schools.csv")
    assert "start_date:date" in _header(out / "relationships" / "posts.csv")
    for path in (out / "relationships").glob("*.csv"):
        header = _header(path)
        start = [SPACE.match(h) for h in header if h.startswith(":START_ID")]
        end = [SPACE.match(h) for h in header if h.startswith(":END_ID")]
        assert len(start) == len(end) == 1 and header.count(":TYPE") == 1, path.name
        assert start[0].group(2) in spaces and end[0].group(2) in spaces
        rest = [h for h in header if not h.startswith((":START_ID", ":END_ID", ":TYPE"))]
        assert all(PROPERTY.match(h) or h == "_table" for h in rest), (path.name, rest)
    # the command names every file, nodes and relationships, and nothing else
    command = (out / NEO4J_ADMIN_COMMAND).read_text().split()
    assert command[:5] == ["neo4j-admin", "database", "import", "full", "neo4j"]
    named = {a.split("=", 1)[1] for a in command if a.startswith(("--nodes=", "--relationships="))}
    on_disk = {str(p.relative_to(out)) for p in out.rglob("*.csv")}
    assert named == on_disk
    ddl = (out / "constraints.cypher").read_text()
    assert "CREATE CONSTRAINT school_urn_unique IF NOT EXISTS FOR (n:School) REQUIRE n.urn IS UNIQUE;" in ddl


def test_every_table_round_trips(careers, tmp_path):
    out = tmp_path / "admin"
    export(careers, "neo4j-admin", out, include_personal=True)
    assert detect(out).NAME == "neo4j-admin"
    back = Workspace(tmp_path / "back")
    ingest.load(back, [(out, "auto")])
    for name in careers.schema.tables:
        pd.testing.assert_frame_equal(back.table(name), careers.table(name), obj=name)
    assert len(back.table("posts")) > 20


def test_no_personal_columns_without_show_names(careers, tmp_path):
    out = tmp_path / "admin"
    result = CliRunner().invoke(
        main,
        ["-w", str(tmp_path / "ws"), "export", "--to", "neo4j-admin", "-o", str(out)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "neo4j-admin database import full neo4j" in result.output
    tables = careers.schema.tables
    assert any(t.personal_columns for t in tables.values())  # names, birth years
    for path in out.rglob("*.csv"):
        personal = set(tables[path.stem].personal_columns) if path.stem in tables else set()
        assert not {h.split(":", 1)[0] for h in _header(path)} & personal, path.name
