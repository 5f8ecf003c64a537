"""The Neo4j backend without a Neo4j server: configuration, URI checks, the password rule, and (through
a fake driver that records every call) that it sends exactly the statements the Neo4j linter checked,
with parameters of plain Python types only.
"""

from __future__ import annotations

import datetime as dt
import io

import click
import pytest

from graphmodel.backends import open_store
from graphmodel.errors import SendgraphError
from graphmodel.server import cypher
from graphmodel.server.convert import is_plain
from graphmodel.server.neo4j_store import Neo4jStore, check_uri, neo4j_password, open_neo4j
from loaders import ingest

TODAY = dt.date(2025, 1, 1)


class FakeRecord:
    def __init__(self, values):
        self._values = values

    def values(self):
        return list(self._values)


class FakeDriver:
    """Records (query, parameters, database, routing) and answers like an empty database."""

    def __init__(self):
        self.calls: list[tuple[str, dict, str | None, str]] = []
        self.closed = False

    def execute_query(self, query, parameters_=None, database_=None, routing_=None):
        self.calls.append((query, parameters_, database_, routing_))
        if "count(" in query and query.startswith("MATCH") and "DETACH" not in query:
            return [FakeRecord([0])], None, ["n"]
        if "DETACH DELETE" in query:
            return [FakeRecord([0])], None, ["deleted"]
        if query == cypher.LEASE_TAKE:  # no other load holds the lease
            return [FakeRecord([parameters_["run_id"]])], None, ["run_id"]
        return [], None, []

    def close(self):
        self.closed = True


@pytest.mark.parametrize(
    "uri",
    [
        "bolt://localhost:7687",
        "neo4j://db.example.org",
        "neo4j+s://x.databases.neo4j.io",
        "bolt+ssc://10.0.0.5:7687",
        "neo4j+ssc://h:1/",
        "neo4j://h:7687?policy=eu",
    ],
)
def test_accepted_uris(uri):
    assert check_uri(uri) == uri


@pytest.mark.parametrize(
    "uri,message",
    [
        ("http://localhost:7474", "must start with one of bolt://"),
        ("localhost:7687", "must start with one of"),
        ("neo4j://neo4j:secret@localhost:7687", "must not contain a user or password"),
        ("bolt://", "no host"),
        ("bolt://localhost:port", "malformed port"),
        ("neo4j://localhost:7687/mydb", "NEO4J_DATABASE"),
    ],
)
def test_rejected_uris(uri, message):
    with pytest.raises(SendgraphError, match=message):
        check_uri(uri)


def test_password_comes_from_the_environment_or_a_prompt_never_an_option(monkeypatch):
    assert neo4j_password({"NEO4J_PASSWORD": "s3cret"}, io.StringIO()) == "s3cret"
    with pytest.raises(SendgraphError, match="set NEO4J_PASSWORD"):
        neo4j_password({}, io.StringIO())  # not a terminal: no prompt, a clear error

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr("getpass.getpass", lambda prompt: "typed")
    assert neo4j_password({}, Tty()) == "typed"

    from sendgraph.cli import main

    def params(cmd):
        yield from cmd.params
        for sub in getattr(cmd, "commands", {}).values():
            yield from params(sub)

    names = [o for p in params(main) for o in [p.name or "", *getattr(p, "opts", [])]]
    assert not [n for n in names if "pass" in n.lower() or "secret" in n.lower()]
    from click.testing import CliRunner

    res = CliRunner().invoke(main, ["--backend", "neo4j", "--password", "x", "info"])
    assert res.exit_code != 0 and "No such option" in res.output
    assert isinstance(main, click.Group)


def test_open_store_reads_the_standard_variables(monkeypatch):
    monkeypatch.delenv("NEO4J_URI", raising=False)
    with pytest.raises(SendgraphError, match="set NEO4J_URI"):
        open_store("neo4j")
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://user:pw@h")
    with pytest.raises(SendgraphError, match="must not contain"):
        open_neo4j()
    made = {}

    class GD:
        @staticmethod
        def driver(uri, auth):
            made.update(uri=uri, auth=auth)
            return FakeDriver()

    monkeypatch.setattr("neo4j.GraphDatabase", GD)
    monkeypatch.setenv("NEO4J_URI", "neo4j+s://graph.example.org:7687")
    monkeypatch.setenv("NEO4J_USERNAME", "analyst")
    monkeypatch.setenv("NEO4J_PASSWORD", "pw")
    monkeypatch.setenv("NEO4J_DATABASE", "send")
    monkeypatch.setenv("SENDGRAPH_BATCH_SIZE", "123")
    store = open_store("neo4j")
    assert made == {"uri": "neo4j+s://graph.example.org:7687", "auth": ("analyst", "pw")}
    assert store.backend == "neo4j" and store.batch_size == 123
    assert store.describe() == "neo4j neo4j+s://graph.example.org:7687 database send"
    assert "pw" not in store.describe()


def test_neo4j_sends_only_linted_statements_with_plain_parameters(bundle_writer):
    from test_server_load import BUNDLE

    driver = FakeDriver()
    store = Neo4jStore("bolt://localhost:7687", "neo4j", "pw", "send", driver=driver, batch_size=2)
    ingest.load(store, [(bundle_writer(BUNDLE), "auto")], today=TODAY)
    store.counts()
    store.wipe()
    linted = {s.query for s in cypher.all_statements(store.schema, "neo4j")}
    sent = [c[0] for c in driver.calls]
    assert set(sent) <= linted
    assert all(is_plain(c[1]) for c in driver.calls)
    assert {c[2] for c in driver.calls} == {"send"}
    # DDL (constraints) strictly before the first data write; every write routed to the writer
    first_write = next(i for i, q in enumerate(sent) if q.startswith("UNWIND"))
    ddl = [i for i, q in enumerate(sent) if q.startswith("CREATE CONSTRAINT")]
    assert len(ddl) == len(store.schema.nodes) + 1 and max(ddl) < first_write
    writes = [c for c in driver.calls if c[0].startswith(("UNWIND", "CREATE")) or "DELETE" in c[0]]
    assert len(writes) > len(ddl) and all(c[3] == "w" for c in writes)
    assert all(
        c[3] == "r"
        for c in driver.calls
        if c[0].startswith("MATCH") and "RETURN" in c[0] and "DELETE" not in c[0]
    )
    # a first load: every row is new, so every data write is a CREATE (no MERGE probe for an existing key)
    assert not any("MERGE" in q for q in sent)
    # batching: 3 posts in batches of 2 -> two statements, grouped by school (2 schools: cheaper than
    # looking up 3 rows' integer urns); rows are positional, dates travel as ISO strings
    create_posts = cypher.rel_create(store.schema, store.schema.relationships["posts"], "end")
    posts = [c[1]["rows"] for c in driver.calls if c[0] == create_posts]
    assert [[(g[0], len(g[1])) for g in batch] for batch in posts] == [[(100001, 2)], [(100002, 1)]]
    row = posts[0][0][1][0]
    assert row[:2] == ["P1", 100001] and row[2] in ("SENCO", "CLASS_TEACHER") and row[3] == "2019-09-01"
    # load run: opened "running", closed "complete"
    runs = [c[1] for c in driver.calls if c[0] in (cypher.LEASE_TAKE, cypher.LOADRUN_FINISH)]
    assert [r.get("status", "running") for r in runs] == ["running", "complete"]
