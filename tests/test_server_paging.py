"""Large server reads come back in keyset pages, and a server that refuses a slow query is reported
with the analysis and the setting to raise, never as a lost connection.

Why: a national graph has ~1.5M posts and 1M people; one query that returns a whole table can run
past a server's query timeout (FalkorDB ``TIMEOUT``, Neo4j ``db.transaction.timeout``). Pages of
``page_rows`` rows each keep every query short. Here the page size is made tiny, so the hand-built
careers graph is read in many pages, and every table and narrowed read must equal the one-query read.
"""

from __future__ import annotations

import datetime as dt
import uuid

import falkordb_server as fk
import pandas as pd
import pytest

from loaders import ingest

pytestmark = pytest.mark.server
falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store

careers_graph = fk.careers_graph


def test_every_table_read_in_pages_equals_one_read(careers_graph):
    store = careers_graph
    whole = {name: store.pull_table(name) for name in store.schema.tables}
    assert sum(len(f) for f in whole.values()) > 100
    store.page_rows = 3
    store._sizes.clear()
    pages = []
    store.statements = pages
    for name, frame in whole.items():
        pd.testing.assert_frame_equal(store.pull_table(name), frame, obj=name)
    paged = [q for q, _p in pages if "$skip" in q]
    assert len(paged) > 30  # really paged: posts alone is ~60 rows in pages of 3 nodes' worth
    assert all("ORDER BY" in q and "LIMIT $page" in q for q in paged)


def test_narrowed_reads_are_paged_too(careers_graph):
    from queries.native.sensory import _HELD, _STARTED

    store = careers_graph
    params = {"roles": ["SENCO", "CLASS_TEACHER"], "as_of": "2025-01-01"}
    one = store.pull_table("posts", _STARTED, params)
    held = {"people": ["P01", "P02", "P08"], "quals": ["QTS", "NASENCO"], "as_of": "2025-01-01"}
    one_held = store.pull_table("person_qualifications", _HELD, held)
    assert len(one) > 5 and len(one_held) >= 3
    store.page_rows = 2
    store._sizes.clear()
    pd.testing.assert_frame_equal(store.pull_table("posts", _STARTED, params), one)
    pd.testing.assert_frame_equal(store.pull_table("person_qualifications", _HELD, held), one_held)


def test_a_refused_query_names_the_analysis_and_the_setting(bundle_writer, tmp_path):
    """A FalkorDB whose TIMEOUT is 1 ms refuses the audit's reads: the error says which analysis and
    which setting to raise (and the CLI prints it as one line, exit code 1)."""
    from career_fixture import AS_OF, TABLES

    from graphmodel.errors import SendgraphError
    from graphmodel.server.falkordb_store import FalkorStore
    from queries.audits.sensory import sensory_audit

    server = fk.start_falkordb()
    try:
        store = FalkorStore(server.url, f"t_{uuid.uuid4().hex[:8]}")
        # enough rows that a read takes more than a millisecond
        tables = {**TABLES, "people": TABLES["people"] + [{"person_id": f"X{i:05d}"} for i in range(20000)]}
        ingest.load(store, [(bundle_writer(tables), "auto")])
        store._graph.execute_command("GRAPH.CONFIG", "SET", "TIMEOUT", 1)
        fresh = FalkorStore(server.url, store.graph_name)
        with pytest.raises(SendgraphError) as err:
            for _ in range(20):  # a read might squeeze under 1 ms on a quiet machine; the pull cannot
                fresh._cache.clear()
                fresh.table("people")
                sensory_audit(fresh, as_of=dt.date.fromisoformat(AS_OF))
        text = str(err.value)
        assert "lost the connection" not in text
        assert "TIMEOUT" in text and "FalkorDB" in text
        assert "sensory_audit" in text or "a read" in text
    finally:
        server.stop()


def test_no_client_side_socket_timeout_unless_asked(falkordb_server, monkeypatch):
    """redis-py's default socket timeout (5 s) cut national reads off as "lost the connection"; how
    long a query may run is the server's TIMEOUT, unless FALKORDB_SOCKET_TIMEOUT says otherwise."""
    from graphmodel.errors import SendgraphError
    from graphmodel.server.falkordb_store import FalkorStore

    monkeypatch.delenv("FALKORDB_SOCKET_TIMEOUT", raising=False)
    kwargs = FalkorStore(falkordb_server.url, "t")._db.connection.connection_pool.connection_kwargs
    assert kwargs.get("socket_timeout") is None
    monkeypatch.setenv("FALKORDB_SOCKET_TIMEOUT", "120")
    kwargs = FalkorStore(falkordb_server.url, "t")._db.connection.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == 120.0
    monkeypatch.setenv("FALKORDB_SOCKET_TIMEOUT", "soon")
    with pytest.raises(SendgraphError, match="FALKORDB_SOCKET_TIMEOUT"):
        FalkorStore(falkordb_server.url, "t")
