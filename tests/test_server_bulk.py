"""A first load into an empty FalkorDB graph goes by GRAPH.BULK (issue 14), and keeps every load rule.

The encoder is checked byte by byte against the format FalkorDB reads (hand-worked bytes); then, on a
real server, a bulk-loaded graph must read back exactly like a graph loaded with CREATE statements
and like the embedded store, keep its indexes and constraints, take the MERGE path on the next load,
and leave the graph exactly as it was when it fails, is refused at the swap, or is killed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import subprocess
import sys
import time
import uuid

import falkordb_server as fk
import pandas as pd
import pytest
import redis

from graphmodel.errors import SendgraphError
from graphmodel.server import bulk, cypher
from graphmodel.server.falkordb_store import FalkorStore
from graphmodel.validate import empty_frame
from graphmodel.workspace import Workspace
from loaders import ingest
from tests.test_server_load import BUNDLE, TODAY, assert_same_tables

pytestmark = pytest.mark.server
falkordb_server = fk.falkordb_server


# ------------------------------------------------------------------------------ the encoder, by hand
def test_a_header_is_the_name_the_property_count_and_the_names():
    assert bulk.header("School", ["urn", "name"]) == b"School\0" + struct.pack("<I", 2) + b"urn\0name\0"
    assert bulk.header("IN_LA", []) == b"IN_LA\0\0\0\0\0"


def test_each_value_type_is_a_type_byte_and_its_bytes_and_a_blank_is_one_null_byte():
    ints = bulk.column(pd.Series([7, None, -1], dtype="Int64"), "int")
    assert ints.lengths.tolist() == [9, 1, 9]
    assert bytes(ints.data) == b"\x04" + struct.pack("<q", 7) + b"\x00" + b"\x04" + struct.pack("<q", -1)
    floats = bulk.column(pd.Series([0.5, None], dtype="Float64"), "float")
    assert bytes(floats.data) == b"\x02" + struct.pack("<d", 0.5) + b"\x00"
    bools = bulk.column(pd.Series([True, None, False], dtype="boolean"), "bool")
    assert bytes(bools.data) == b"\x01\x01" + b"\x00" + b"\x01\x00"
    text = bulk.column(pd.Series(["Łódź", None, "a\nb"], dtype="string"), "str")
    assert bytes(text.data) == b"\x03" + "Łódź".encode() + b"\0" + b"\x00" + b"\x03a\nb\0"
    assert text.lengths.tolist() == [len("Łódź".encode()) + 2, 1, 5]
    dates = bulk.column(pd.Series(pd.to_datetime(["2024-09-01", None])), "date")
    assert bytes(dates.data) == b"\x032024-09-01\0" + b"\x00"  # ISO text: made a date on the server


def test_records_interleave_the_columns_row_by_row():
    ids = bulk.id_pairs(pd.Series([0, 1]).to_numpy(), pd.Series([2, 2]).to_numpy())
    role = bulk.column(pd.Series(["TA", None], dtype="string"), "str")
    out = bulk.records([ids, role])
    assert out == struct.pack("<QQ", 0, 2) + b"\x03TA\0" + struct.pack("<QQ", 1, 2) + b"\x00"


def test_text_holding_a_nul_is_refused_not_shifted():
    with pytest.raises(SendgraphError, match="NUL"):
        bulk.column(pd.Series(["a\0b"], dtype="string"), "str")


def test_a_tables_calls_go_in_start_node_order_and_their_ranges_cover_every_node_once():
    from graphmodel.schema import load_schema

    schema = load_schema()
    people = pd.DataFrame({"person_id": ["P1", "P2", "P3", "P4"]})
    schools = pd.DataFrame({"urn": pd.array([100, 200], dtype="Int64")})
    order = ["P3", "P2", "P1", "P2", "P4", "P2"]  # out of order; P2's three posts span two calls
    posts = empty_frame(schema.table("posts")).reindex(range(len(order)))
    posts["person_id"] = pd.array(order, dtype="string")
    posts["urn"] = pd.array([100, 100, 200, 200, 100, 200], dtype="Int64")
    plan = bulk.Plan(schema, {"people": people, "schools": schools, "posts": posts}, chunk=2)
    tokens = list(plan.table_tokens("posts"))
    head = bulk.header("WORKS_AT", [p.name for p in bulk._rel_props(schema.relationships["posts"])])
    first = plan.first["Person"]
    p1, p2, p3 = first, first + 1, first + 2
    # in start-node order (P1 P2 | P2 P2 | P3 P4): each call's first record starts at that person
    assert [struct.unpack_from("<Q", t.data, len(head))[0] for t in tokens] == [p1, p2, p3]
    # the first call completes P1's edges only, the second P2's; together every node id once
    assert [t.starts for t in tokens] == [(0, p2), (p2, p3), (p3, plan.node_count)]


def test_the_bulk_settings_are_read_and_checked(monkeypatch):
    from graphmodel.server.falkordb_store import DEFAULT_BULK_MIN_ROWS, bulk_min_rows_from_env

    monkeypatch.delenv("SENDGRAPH_BULK_MIN_ROWS", raising=False)
    assert bulk_min_rows_from_env() == DEFAULT_BULK_MIN_ROWS
    for raw, value in (("off", None), ("OFF", None), ("0", 0), ("250000", 250000)):
        monkeypatch.setenv("SENDGRAPH_BULK_MIN_ROWS", raw)
        assert bulk_min_rows_from_env() == value
    for raw in ("-1", "lots"):
        monkeypatch.setenv("SENDGRAPH_BULK_MIN_ROWS", raw)
        with pytest.raises(SendgraphError, match="SENDGRAPH_BULK_MIN_ROWS"):
            bulk_min_rows_from_env()
    monkeypatch.setenv("SENDGRAPH_BULK_CHUNK_ROWS", "0")
    with pytest.raises(SendgraphError, match="SENDGRAPH_BULK_CHUNK_ROWS"):
        bulk.chunk_rows()


# ------------------------------------------------------------------------------ on a real server
def store_on(server, graph: str | None = None, *, bulk_rows: int | None = 0) -> FalkorStore:
    store = FalkorStore(server.url, graph or f"bulk_{uuid.uuid4().hex[:10]}")
    store.bulk_min_rows = bulk_rows
    return store


def keys(server) -> set[str]:
    return {k.decode() for k in redis.Redis.from_url(server.url).keys("*") if not k.startswith(b"telemetry")}


def careers(bundle_writer):
    from career_fixture import TABLES

    return bundle_writer(TABLES)


def spy_statements(store: FalkorStore, monkeypatch) -> list[str]:
    sent: list[str] = []
    original = store._write

    def spy(query, params):
        sent.append(query)
        return original(query, params)

    monkeypatch.setattr(store, "_write", spy)
    return sent


@pytest.mark.parametrize("which", ["careers", "hostile text, blanks, two MEMBER_OF tables"])
def test_a_bulk_load_reads_back_exactly_like_a_create_load_and_the_embedded_store(
    which, falkordb_server, workspace, bundle_writer, monkeypatch
):
    path = careers(bundle_writer) if which == "careers" else bundle_writer(BUNDLE)
    ingest.load(workspace, [(path, "auto")], today=TODAY)
    by_bulk, by_create = store_on(falkordb_server), store_on(falkordb_server, bulk_rows=None)
    sent = spy_statements(by_bulk, monkeypatch)
    ingest.load(by_bulk, [(path, "auto")], today=TODAY)
    ingest.load(by_create, [(path, "auto")], today=TODAY)
    assert not any(q.startswith("UNWIND $rows") for q in sent)  # really built by GRAPH.BULK
    assert_same_tables(by_bulk, by_create)
    assert_same_tables(by_bulk, workspace)
    assert by_bulk.counts() == by_create.counts() == workspace.counts()
    # dates are native dates, as CREATE ... date(row[i]) writes them, not text
    kinds = by_bulk.query_frame("MATCH ()-[r:WORKS_AT]->() RETURN DISTINCT typeOf(r.start_date) AS t")
    assert kinds["t"].tolist() == ["Date"]

    # the same indexes and uniqueness constraints as a CREATE load, all live
    def schema_of(store):
        idx = sorted((r[0], tuple(r[1])) for r in store._graph.list_indices().result_set)
        cons = sorted(
            (c["label"], tuple(c["properties"]), c["type"], c["status"])
            for c in store._graph.list_constraints()
        )
        return idx, cons

    assert schema_of(by_bulk) == schema_of(by_create)
    assert {c[0] for c in schema_of(by_bulk)[1]} == set(by_bulk.schema.nodes)
    runs = by_bulk.load_runs()
    assert runs["status"].tolist() == ["complete"] and runs["rows"].iloc[0] == sum(
        workspace.counts().values()
    )
    assert not any(".bulk-" in k for k in keys(falkordb_server))  # the temporary graph became the graph


def test_after_a_bulk_load_the_next_loads_take_the_merge_path(
    falkordb_server, workspace, bundle_writer, monkeypatch
):
    path = bundle_writer(BUNDLE)
    store = store_on(falkordb_server)
    ingest.load(store, [(path, "auto")], today=TODAY)
    monkeypatch.setattr(store, "_bulk_load", lambda *a: pytest.fail("a non-empty graph was bulk-loaded"))
    again, _ = ingest.load(store, [(path, "auto")], today=TODAY)
    assert again.unchanged and len(store.load_runs()) == 1  # idempotent: nothing written
    moved = {"schools": [{**BUNDLE["schools"][0], "la_code": "E08000003", "pupils": 215}]}
    report, _ = ingest.load(store, [(bundle_writer(moved), "auto")], today=TODAY)
    assert report.changed["schools"] == 1
    for p in (path, bundle_writer(moved)):
        ingest.load(workspace, [(p, "auto")], today=TODAY)
    assert_same_tables(store, workspace)
    links = store.query_frame("MATCH (:School {urn: 100001})-[:IN_LA]->(l) RETURN l.code AS c")
    assert links["c"].tolist() == ["E08000003"]  # the bulk-made link was moved, not doubled


def test_a_failed_bulk_load_leaves_the_graph_as_it_was_and_a_rerun_completes_it(
    falkordb_server, workspace, bundle_writer, monkeypatch
):
    path = careers(bundle_writer)
    store = store_on(falkordb_server)
    monkeypatch.setenv("SENDGRAPH_BULK_CHUNK_ROWS", "5")
    conn = store._db.connection
    original = conn.execute_command
    calls = {"bulk": 0}

    def failing(*args, **kw):
        if args and args[0] == "GRAPH.BULK":
            calls["bulk"] += 1
            if calls["bulk"] == 4:
                raise redis.exceptions.ResponseError("disk full (drill)")
        return original(*args, **kw)

    monkeypatch.setattr(conn, "execute_command", failing)
    with pytest.raises(redis.exceptions.ResponseError, match="drill"):
        ingest.load(store, [(path, "auto")], today=TODAY)
    assert calls["bulk"] == 4
    assert sum(store.counts().values()) == 0  # no data reached the graph
    assert store.load_runs()["status"].tolist() == ["failed"]
    assert not any(".bulk-" in k for k in keys(falkordb_server))
    monkeypatch.setattr(conn, "execute_command", original)
    ingest.load(store, [(path, "auto")], today=TODAY)
    ingest.load(workspace, [(path, "auto")], today=TODAY)
    assert_same_tables(store, workspace)
    assert store.load_runs()["status"].tolist() == ["complete", "failed"]


def spy_sender(store: FalkorStore, monkeypatch, params: list[dict] | None = None) -> list[str]:
    """What the bulk sender is handed, in order ("bulk <step>", "dates <query>"), and "derive" when
    the derivation runs; ``params`` (if given) gets each date statement's parameters, in order."""
    seen: list[str] = []
    original_sender, original_rederive = store._bulk_sender, store._rederive

    @contextlib.contextmanager
    def sender(target):
        with original_sender(target) as send:

            def logged(item):
                seen.append(
                    f"dates {item.query}" if isinstance(item, bulk.Statement) else f"bulk {item.step}"
                )
                if params is not None and isinstance(item, bulk.Statement):
                    params.append(item.params)
                send(item)

            yield logged

    def rederive(*args):
        seen.append("derive")
        return original_rederive(*args)

    monkeypatch.setattr(store, "_bulk_sender", sender)
    monkeypatch.setattr(store, "_rederive", rederive)
    return seen


def test_each_tables_dates_follow_its_bulk_calls_and_the_derived_tables_go_after_the_rest(
    falkordb_server, workspace, bundle_writer, monkeypatch
):
    path = careers(bundle_writer)
    store = store_on(falkordb_server)
    monkeypatch.setenv("SENDGRAPH_BULK_CHUNK_ROWS", "3")
    given: list[dict] = []
    seen = spy_sender(store, monkeypatch, given)
    ingest.load(store, [(path, "auto")], today=TODAY)
    ingest.load(workspace, [(path, "auto")], today=TODAY)
    assert_same_tables(store, workspace)  # the derived columns included
    # the sets writing nodes (people's CPD days) are derived before anything is sent (a bulk load
    # numbers the nodes up front); the careers, on relationships, while the server takes the rest
    assert seen[0] == "derive" and seen.count("derive") == 2
    derive = len(seen) - 1 - seen[::-1].index("derive")
    steps = [s for s in seen if s.startswith("bulk ")]
    # every table whose rows are final went out before the derivation; the derived ones after it
    assert {"bulk relationships posts", "bulk relationships service_posts"} & set(seen[:derive]) == set()
    assert "bulk relationships posts" in seen[derive:] and "bulk nodes people" in seen[:derive]
    assert any(s.startswith("bulk relationships ") for s in seen[:derive])
    # the key indexes are made once the nodes are in, before any edge: filled while the edges come in
    ddl = [i for i, s in enumerate(seen) if s.startswith("dates CREATE INDEX")]
    nodes_sent = [i for i, s in enumerate(seen) if s.startswith("bulk nodes ")]
    edges_sent = [i for i, s in enumerate(seen) if s.startswith(("bulk relationships ", "bulk links "))]
    assert len(ddl) == len(store.dialect.schema_ddl(store.schema))
    assert max(nodes_sent) < min(ddl) and max(ddl) < min(edges_sent)
    counts, nodes = store.counts(), {n.name for n in store.schema.nodes.values()}
    sizes = {kind: counts[node.name] for kind, node in store.schema.nodes.items()}
    for table, statements in cypher.bulk_dates_by_table(store.schema, sizes).items():
        step = f"bulk {'nodes' if table in nodes else 'relationships'} {table}"
        if step not in steps:
            continue
        calls = [i for i, s in enumerate(seen) if s == step]
        if table == "posts":  # 2+ posts a person, several calls: converted call by call
            (query, _params), lo, hi = (
                cypher.bulk_dates_ranged(store.schema)[table][0],
                *cypher.BULK_DATE_RANGE,
            )
            at = [i for i, s in enumerate(seen) if s == f"dates {query}"]
            assert len(calls) > 1 and at == [i + 1 for i in calls]  # right after each call
            dates = [given[sum(s.startswith("dates ") for s in seen[:i])] for i in at]
            # each converts the start nodes whose edges are all in by then; together every node once
            assert dates[0][lo] == 0 and dates[-1][hi] == sum(counts[n] for n in nodes)
            assert all(a[hi] == b[lo] for a, b in zip(dates, dates[1:], strict=False))
            continue
        for query, _params in statements:
            at = [i for i, s in enumerate(seen) if s == f"dates {query}"]
            assert len(at) == 1 and at[0] > calls[-1], (table, query)  # once, after the table is in
    kinds = store.query_frame("MATCH ()-[r:WORKS_AT]->() RETURN DISTINCT typeOf(r.spell_start) AS t")
    assert kinds["t"].tolist() == ["Date"]


@pytest.mark.parametrize("where", ["derivation", "date statement"])
def test_a_bulk_load_failing_after_the_first_tables_went_out_leaves_the_graph_as_it_was(
    where, falkordb_server, workspace, bundle_writer, monkeypatch
):
    path = careers(bundle_writer)
    store = store_on(falkordb_server)
    monkeypatch.setenv("SENDGRAPH_BULK_CHUNK_ROWS", "3")
    seen = spy_sender(store, monkeypatch)
    if where == "derivation":
        original_rederive = store._rederive

        def broken(*args):
            seen.append("derive")
            if all(d.name != "careers" for d in args[3]):  # people's CPD days, before any table
                return original_rederive(*args)
            raise RuntimeError("derivation failed (drill)")

        monkeypatch.setattr(store, "_rederive", broken)
    else:
        original = cypher.bulk_dates_by_table

        def dates(schema, sizes=None):  # the posts' date statement refused by the server
            return {**original(schema, sizes), "posts": [("MATCH (n) RETURN n.x + (drill", {})]}

        def ranged(schema):  # (however the load converts them)
            return {**original_ranged(schema), "posts": [("MATCH (n) RETURN n.x + (drill", {})]}

        original_ranged = cypher.bulk_dates_ranged
        monkeypatch.setattr(cypher, "bulk_dates_by_table", dates)
        monkeypatch.setattr(cypher, "bulk_dates_ranged", ranged)
    with pytest.raises(Exception, match="drill"):
        ingest.load(store, [(path, "auto")], today=TODAY)
    assert sum(1 for s in seen if s.startswith("bulk ")) > 3  # tables had gone to the server
    assert sum(store.counts().values()) == 0  # none reached the graph
    assert store.load_runs()["status"].tolist() == ["failed"]
    assert not any(".bulk-" in k for k in keys(falkordb_server))
    monkeypatch.undo()
    ingest.load(store, [(path, "auto")], today=TODAY)
    ingest.load(workspace, [(path, "auto")], today=TODAY)
    assert_same_tables(store, workspace)


def test_the_swap_is_refused_when_another_program_wrote_to_the_graph_meanwhile(
    falkordb_server, bundle_writer, monkeypatch
):
    store = store_on(falkordb_server)
    other = FalkorStore(falkordb_server.url, store.graph_name)
    original = store._check_bulk_ids

    def meanwhile(plan):
        other.run_write("CREATE (:Foreign {x: 1})")  # someone else's node lands in the target graph
        return original(plan)

    monkeypatch.setattr(store, "_check_bulk_ids", meanwhile)
    with pytest.raises(SendgraphError, match="written by another program"):
        ingest.load(store, [(bundle_writer(BUNDLE), "auto")], today=TODAY)
    left = store.query_frame("MATCH (n) WHERE NOT n:LoadRun RETURN labels(n)[0] AS l")
    assert left["l"].tolist() == ["Foreign"]  # their node kept, none of ours
    assert store.load_runs()["status"].tolist() == ["failed"]
    assert not any(".bulk-" in k for k in keys(falkordb_server))


def test_the_swap_is_retried_when_the_graph_is_only_touched(
    falkordb_server, workspace, bundle_writer, monkeypatch
):
    """A refused lease attempt by a second load is a write (that changes nothing): the swap retries."""
    store = store_on(falkordb_server)
    other = FalkorStore(falkordb_server.url, store.graph_name)
    original = store._swap_in
    touched = {"n": 0}
    real_read = store.run_read

    def read_then_touch(query, params=None, types=None):
        out = real_read(query, params, types)
        if query == cypher.LOADRUN_PROPERTIES and touched["n"] == 0:
            touched["n"] += 1
            other.run_write("MATCH (n:Nothing) SET n.x = 1")  # signals the WATCHed key
        return out

    monkeypatch.setattr(store, "run_read", read_then_touch)
    monkeypatch.setattr(store, "_swap_in", original)
    path = bundle_writer(BUNDLE)
    ingest.load(store, [(path, "auto")], today=TODAY)
    ingest.load(workspace, [(path, "auto")], today=TODAY)
    assert touched["n"] == 1
    assert_same_tables(store, workspace)
    assert store.load_runs()["status"].tolist() == ["complete"]


def test_small_loads_and_non_empty_graphs_keep_the_create_path(falkordb_server, bundle_writer, monkeypatch):
    store = store_on(falkordb_server, bulk_rows=10_000)
    monkeypatch.setattr(store, "_bulk_load", lambda *a: pytest.fail("a small load was bulk-loaded"))
    ingest.load(store, [(bundle_writer(BUNDLE), "auto")], today=TODAY)
    assert store.counts()["schools"] == 3


def test_an_orphan_of_a_killed_bulk_load_is_removed_by_the_next_load(falkordb_server, bundle_writer):
    store = store_on(falkordb_server)
    orphan = f"{store.graph_name}.bulk-deadbeef0000"
    FalkorStore(falkordb_server.url, orphan).run_write("CREATE (:School {urn: 1})")
    unrelated = f"x{store.graph_name}.bulk-keep"
    FalkorStore(falkordb_server.url, unrelated).run_write("CREATE (:School {urn: 1})")
    ingest.load(store, [(bundle_writer(BUNDLE), "auto")], today=TODAY)
    assert orphan not in keys(falkordb_server) and unrelated in keys(falkordb_server)


def test_a_bulk_load_killed_half_way_leaves_the_graph_empty_and_a_rerun_completes_it(tmp_path):
    from loaders.synthetic import generate

    bundle_dir = tmp_path / "bundle"
    generate("la", 5, bundle_dir, la="Darlington")
    server = fk.start_falkordb()
    try:
        env = {
            **os.environ,
            "SENDGRAPH_BACKEND": "falkordb",
            "FALKORDB_URL": server.url,
            "FALKORDB_GRAPH": "killed",
            "SENDGRAPH_BULK_MIN_ROWS": "0",
            "SENDGRAPH_BULK_CHUNK_ROWS": "20",
        }
        load = subprocess.Popen(
            [sys.executable, "-m", "sendgraph.cli", "load", str(bundle_dir)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        conn = redis.Redis.from_url(server.url)
        deadline = time.monotonic() + 60
        while not conn.keys("killed.bulk-*"):
            assert load.poll() is None and time.monotonic() < deadline, "the bulk load was not caught"
            time.sleep(0.005)
        load.send_signal(signal.SIGKILL)
        load.wait(30)
        store = FalkorStore(server.url, "killed")
        assert sum(store.counts().values()) == 0  # the target graph holds none of it
        run = [sys.executable, "-m", "sendgraph.cli", "load", "--take-over", str(bundle_dir)]
        rerun = subprocess.run(run, capture_output=True, text=True, env=env, timeout=300)
        assert rerun.returncode == 0, rerun.stderr
        assert not conn.keys("killed.bulk-*")  # the killed load's graph was removed
        assert store.load_runs()["status"].tolist() == ["complete", "abandoned"]
        workspace = Workspace(tmp_path / "ws")
        ingest.load(workspace, [(bundle_dir, "auto")])
        assert_same_tables(store, workspace)
    finally:
        server.stop()
