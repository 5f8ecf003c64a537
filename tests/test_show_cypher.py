"""``--show-cypher`` prints the parameterised statements an analysis runs on a graph server.

Why: an analyst with the graph in Neo4j must be able to paste exactly those statements, with their
parameters, into Neo4j Browser. The printed script must hold the narrowed reads (no whole ``posts``
or ``person_qualifications`` pull for the audits), the values of the parameters, and run as printed
on a real server.
"""

from __future__ import annotations

import datetime as dt
import re

import falkordb_server as fk
import pytest
from click.testing import CliRunner

from loaders import ingest
from sendgraph.cli import main

falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store
WHOLE = re.compile(r"MATCH \(a:Person\)-\[r:(WORKS_AT|HOLDS|STUDYING)\]->\(b:\w+\) RETURN")


def _script(ws: str, *args: str) -> str:
    result = CliRunner().invoke(main, ["-w", ws, "audit", *args, "--show-cypher"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("command", ["sensory", "pd", "capacity", "deadlines"])
def test_audits_show_only_narrowed_reads_of_the_large_tables(careers_ws, command):
    script = _script(careers_ws, command, "--as-of", "2025-01-01")
    assert script.startswith("// statement 1 of ")
    assert "as of 2025-01-01" not in script  # the statements replace the table, title and metadata
    assert ':params {roles: ["' in script and 'as_of: "2025-01-01"' in script
    assert not WHOLE.search(script), "an audit pulls a whole person-level table"
    assert "MATCH (n:Person)" not in script


OTHER_ANALYSES = [
    ["participation"],
    ["gaps", "network"],
    ["gaps", "structure"],
    ["gaps", "fragile"],
    ["gaps", "what-if", "--person", "P08"],
    ["transitions"],
    ["pipeline"],
    ["routes", "--from", "CT", "--to", "SENCO"],
    ["next-steps", "--person", "P08", "--target", "SENCO"],
    ["bottlenecks"],
    ["figures"],
]


@pytest.mark.parametrize("command", OTHER_ANALYSES, ids=" ".join)
def test_every_analysis_command_shows_its_cypher_instead_of_the_table(careers_ws, command):
    """--show-cypher is on every analysis command (not only the audits): the output is a Browser
    script of the reads it makes (whole-table pulls where no native version exists), with no table."""
    result = CliRunner().invoke(
        main, ["-w", careers_ws, *command, "--as-of", "2025-01-01", "--show-cypher"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("// statement 1 of "), result.output[:300]
    assert "MATCH (" in result.output
    body = [line for line in result.output.splitlines() if line and not line.startswith(("//", ":params"))]
    assert all(line.endswith(";") for line in body), "a line that is not a statement was printed"


def test_the_printed_statements_run_on_a_server(falkor_store, bundle_writer):
    """Each statement of the script, with its :params, runs on FalkorDB (the subset Neo4j shares)."""
    from career_fixture import AS_OF, TABLES

    from queries.audits.sensory import sensory_audit
    from queries.native.explain import as_browser_script, statements

    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto")])
    found = statements(lambda s: sensory_audit(s, as_of=dt.date.fromisoformat(AS_OF)), falkor_store)
    assert any("$roles" in q for q, _ in found)
    for query, params in found:
        falkor_store.run_read(query, params)  # raises if the text or a parameter is wrong
    script = as_browser_script(found)
    assert script.count(";\n") == len(found)


WHOLE_NETWORK_INPUT = re.compile(
    r"MATCH \(a:Person\)-\[r:(WORKS_AT|ATTENDED)\]->\(b:\w+\) RETURN|MATCH \(n:Person\) RETURN"
)


@pytest.mark.parametrize(
    "command",
    [
        ["gaps", "network"],
        ["gaps", "structure", "--view", "bridges"],
        ["gaps", "fragile"],
        ["gaps", "what-if", "--person", "P08"],
        ["gaps", "what-if", "--retiring-within", "5"],
    ],
    ids=" ".join,
)
def test_network_analyses_read_no_person_level_table_whole(careers_ws, command):
    """Issue 14: the network analyses ask a server for the tie list's inputs narrowed and joined
    (meetings x schools, shared staff, members' posts, the what-if people), never for posts,
    attendance or people whole."""
    result = CliRunner().invoke(
        main, ["-w", careers_ws, *command, "--as-of", "2025-01-01", "--show-cypher"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    script = result.output
    assert "MATCH (c:CPDActivity) RETURN c.activity_id AS activity_id, c.format AS format" in script
    assert "MATCH (s:School)<-[r:WORKS_AT]-(p:Person) WHERE s.urn IN $urns" in script  # shared staff
    assert not WHOLE_NETWORK_INPUT.search(script), "a network analysis pulls a whole person-level table"


@pytest.mark.parametrize("by", ["la", "region"])
def test_pipeline_shows_its_counts_statement(careers_ws, by):
    """The pipeline's longest read, the counts (run in parts of whole areas on a server), is in the
    script on a workspace too, where no read answers with rows to share the areas out by."""
    result = CliRunner().invoke(
        main, ["-w", careers_ws, "pipeline", "--by", by, "--as-of", "2025-01-01", "--show-cypher"]
    )
    assert result.exit_code == 0, result.output
    assert "count(DISTINCT CASE WHEN r.role IN $teachers" in result.output
    assert "las: [" in result.output
