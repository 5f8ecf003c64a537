"""Collect every Cypher statement sendgraph can send and check it with Neo4j's own parser.

No Neo4j server can run on the machines this project is built on, so Neo4j's official Cypher 5
parser and semantic analyser (npm ``@neo4j-cypher/language-support``, ``lintCypherQuery``, run by
``tools/cypher-lint/lint.mjs``) is the Neo4j-side check: DDL, load statements for every table,
pulls, counts, load-run bookkeeping and every native analysis query, at every dialect.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from graphmodel.schema import Schema
from graphmodel.server import cypher
from graphmodel.server.dialect import DIALECTS
from queries.registry import load_native

TOOL = Path(__file__).resolve().parents[2] / "tools" / "cypher-lint"


def collect(schema: Schema) -> list[dict]:
    """Every statement at every dialect, as records for the linter (duplicates across dialects kept)."""
    load_native()
    out = []
    for dialect in DIALECTS:
        for st in cypher.all_statements(schema, dialect):
            out.append({"id": f"{dialect}:{st.id}", "query": st.query, "parameters": st.parameters})
    return out


def lint(schema: Schema, extra: list[dict] | None = None, tool: Path = TOOL) -> dict:
    """Run the Neo4j linter over :func:`collect` (plus ``extra`` records); returns its JSON report.

    Time limit 15 minutes: ~600 statements took ~2 minutes of CPU, and on a shared 2-core machine
    under load the wall time has been over 4 (the paged reads added ~180 statements). Half the records
    are the same statement at both dialects, so each distinct (query, parameters) is linted once in
    the one node process and its diagnostics are reported under every id that sends it; ``checked``
    still counts every record."""
    records = collect(schema) + list(extra or [])
    distinct: dict[str, dict] = {}
    ids: dict[str, list[str]] = {}
    for rec in records:
        key = json.dumps([rec["query"], rec.get("parameters") or {}], sort_keys=True, default=str)
        if key not in distinct:
            distinct[key] = {**rec, "id": key}
        ids.setdefault(key, []).append(rec["id"])
    payload = {
        "schema": {
            "labels": [*schema.nodes, cypher.LOADRUN_LABEL],
            "relationshipTypes": sorted(schema.relationship_types),
        },
        "statements": list(distinct.values()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as fh:
        json.dump(payload, fh)
        path = fh.name
    try:
        proc = subprocess.run(
            ["node", str(tool / "lint.mjs"), path], capture_output=True, text=True, timeout=900, cwd=tool
        )
    finally:
        Path(path).unlink(missing_ok=True)
    if not proc.stdout.strip():
        raise RuntimeError(f"cypher linter failed to run: {proc.stderr[-1000:]}")
    report = json.loads(proc.stdout)
    diagnostics = [{**d, "id": i} for d in report["diagnostics"] for i in ids[d["id"]]]
    return {**report, "checked": len(records), "diagnostics": diagnostics}
