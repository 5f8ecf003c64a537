"""Every Cypher statement sendgraph can send passes Neo4j's own Cypher 5 parser and semantic analyser.

No Neo4j server runs here, so ``@neo4j-cypher/language-support`` (``tools/cypher-lint``, installed by
``scripts/install-system-deps.sh``) is the Neo4j-side check: zero errors and zero unknown-label or
unknown-type warnings over DDL, loads of every table, pulls, counts, load runs, wipes and every native
analysis, at both dialects. Each statement declares its parameters, so an undeclared one is an error.
"""

from __future__ import annotations

import shutil

import pytest

from graphmodel.schema import load_schema
from graphmodel.server import cypher
from graphmodel.server.dialect import DIALECTS
from queries.native import lint
from queries.registry import load_native

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")


@pytest.fixture(scope="module")
def report():
    if not (lint.TOOL / "node_modules").exists():
        pytest.fail("tools/cypher-lint is not installed: run scripts/install-system-deps.sh")
    broken = [
        {"id": "control:syntax", "query": "MATCH (n:School RETURN n", "parameters": {}},
        {"id": "control:param", "query": "MATCH (n:School {urn: $urn}) RETURN n.name", "parameters": {}},
        {"id": "control:label", "query": "MATCH (n:Skool) RETURN n", "parameters": {}},
    ]
    return lint.lint(load_schema(), extra=broken)


def test_the_linter_catches_what_it_should(report):
    by_id = {}
    for d in report["diagnostics"]:
        by_id.setdefault(d["id"], []).append(d)
    assert by_id["control:syntax"][0]["severity"] == 1
    assert by_id["control:param"][0]["message"] == "Parameter $urn is not defined."
    assert "Label Skool is not present" in by_id["control:label"][0]["message"]


def test_every_statement_passes_neo4js_parser(report):
    schema = load_schema()
    statements = lint.collect(schema)
    # DDL + merge/pull/count per table + reference links + load runs + wipes, at both dialects
    per_dialect = len(statements) // len(DIALECTS)
    assert per_dialect >= 3 * len(schema.tables) + len(schema.nodes)
    assert {s["id"].split(":", 1)[1].split(":")[0] for s in statements} >= {
        "ddl",
        "merge",
        "pull",
        "count",
        "ref",
        "refdel",
        "loadrun",
        "wipe",
    }
    assert report["checked"] == len(statements) + 3
    problems = [d for d in report["diagnostics"] if not d["id"].startswith("control:")]
    assert problems == []


def test_every_native_analysis_query_is_linted():
    load_native()
    ids = {s["id"] for s in lint.collect(load_schema())}
    for q in cypher.NATIVE_QUERIES.values():
        for dialect in DIALECTS:
            assert f"{dialect}:native:{q.id}" in ids


def test_labels_and_properties_come_only_from_safe_names():
    with pytest.raises(ValueError):
        cypher.safe_name("School) DETACH DELETE (n")
    with pytest.raises(ValueError):
        cypher.safe_name("`x`")
    schema = load_schema()
    for st in cypher.all_statements(schema, "falkordb"):
        assert "`" not in st.query and "'" not in st.query and '"' not in st.query
