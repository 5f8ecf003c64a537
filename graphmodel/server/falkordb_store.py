"""FalkorDB through its native Python client (GRAPH.QUERY over the redis protocol), never Bolt.

Why native: FalkorDB 4.16's Bolt listener crashes on date values and on parameters over ~4 KiB,
mangles quoted strings and floats, and does not roll back (probe note section 1); the native client
was stable in every test and loads 100k nodes + 300k relationships in ~11 s.

Configured by ``FALKORDB_URL`` (``redis://host:port``, ``rediss://`` for TLS, ``unix:///path``; a
password may sit in the URL and is never shown) and ``FALKORDB_GRAPH`` (the graph name, default
``sendgraph``). Each statement is one GRAPH.QUERY, which FalkorDB executes atomically; there are no
multi-statement transactions (see ``base.py`` for what a load guarantees).
"""

from __future__ import annotations

import os
import re
import time
from urllib.parse import urlsplit

from graphmodel.errors import SendgraphError
from graphmodel.schema import Schema
from graphmodel.server.base import DEFAULT_BATCH_SIZE, ServerStore, batch_size_from_env
from graphmodel.server.dialect import FALKORDB

SCHEMES = ("redis", "rediss", "unix")
_GRAPH_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
DEFAULT_GRAPH = "sendgraph"


def check_url(url: str) -> str:
    """Validate a FalkorDB URL; return it as given (credentials are only hidden when displayed)."""
    parts = urlsplit(url)
    if parts.scheme not in SCHEMES:
        raise SendgraphError(f"FALKORDB_URL must start with one of {', '.join(s + '://' for s in SCHEMES)} "
                             f"(got '{parts.scheme or url[:20]}')")
    if parts.scheme != "unix" and not parts.hostname:
        raise SendgraphError("FALKORDB_URL has no host, e.g. redis://127.0.0.1:6379")
    try:
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise SendgraphError("FALKORDB_URL has a malformed port") from None
    return url


def redact(url: str) -> str:
    """The URL without user or password, for output metadata."""
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


class FalkorStore(ServerStore):
    """A GraphStore on one FalkorDB graph."""

    backend = "falkordb"
    dialect = FALKORDB

    def __init__(self, url: str, graph: str = DEFAULT_GRAPH, schema: Schema | None = None,
                 batch_size: int = DEFAULT_BATCH_SIZE):
        super().__init__(schema, batch_size)
        self.url = check_url(url)
        if not _GRAPH_NAME.match(graph):
            raise SendgraphError(f"FALKORDB_GRAPH must be letters, digits, '_', '-' or '.' (got {graph!r})")
        self.graph_name = graph
        try:
            from falkordb import FalkorDB
        except ImportError:
            raise SendgraphError("the falkordb backend needs the falkordb client: "
                                 "pip install 'sendgraph[falkordb]'") from None
        try:
            self._db = FalkorDB.from_url(url)
            self._graph = self._db.select_graph(graph)
        except Exception as exc:
            raise SendgraphError(f"cannot connect to FalkorDB at {redact(url)}: {exc}") from None

    def describe(self) -> str:
        return f"falkordb {redact(self.url)} graph {self.graph_name}"

    def _result(self, result) -> tuple[list[str], list[list]]:
        header = [h[1] if isinstance(h, list | tuple) else h for h in (result.header or [])]
        return header, result.result_set or []

    def _read(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        try:
            return self._result(self._graph.ro_query(query, params))
        except Exception as exc:
            if "empty key" in str(exc):  # the graph does not exist yet: nothing loaded, nothing to read
                return [], []
            raise

    def _write(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        return self._result(self._graph.query(query, params))

    def _unique_constraint(self, label: str, key: str) -> None:
        """GRAPH.CONSTRAINT CREATE (needs the range index ``ensure_schema`` made); wait until it is live."""
        try:
            self._graph.create_node_unique_constraint(label, key)
        except Exception as exc:
            if not self.dialect.already_exists(exc):
                raise
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = [c["status"] for c in self._graph.list_constraints()
                      if c["label"] == label and list(c["properties"]) == [key] and c["type"] == "UNIQUE"]
            if status and status[0] == "OPERATIONAL":
                return
            if status and status[0] == "FAILED":
                raise SendgraphError(f"FalkorDB could not make {label}.{key} unique: the graph already "
                                     f"holds duplicate {label} nodes (not written by sendgraph?)")
            time.sleep(0.01)
        raise SendgraphError(f"FalkorDB did not finish building the {label}.{key} constraint in 30 s")


def open_falkordb(workspace: str | None = None) -> FalkorStore:
    """The ``falkordb`` backend: ``FALKORDB_URL``, ``FALKORDB_GRAPH``, ``SENDGRAPH_BATCH_SIZE``."""
    url = os.environ.get("FALKORDB_URL")
    if not url:
        raise SendgraphError("set FALKORDB_URL (e.g. redis://127.0.0.1:6379) to use the falkordb backend")
    return FalkorStore(url, os.environ.get("FALKORDB_GRAPH") or DEFAULT_GRAPH,
                       batch_size=batch_size_from_env())

