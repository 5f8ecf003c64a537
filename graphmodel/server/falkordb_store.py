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

import json
import os
import re
import time
from urllib.parse import urlsplit

from graphmodel.errors import SendgraphError
from graphmodel.schema import Schema
from graphmodel.server.base import DEFAULT_BATCH_SIZE, ServerStore, batch_size_from_env
from graphmodel.server.dialect import FALKORDB

try:  # the connection errors of the redis client underneath falkordb (absent without the extra)
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    _LOST: tuple[type[Exception], ...] = (_RedisConnectionError, _RedisTimeoutError)
    _TIMEOUT: tuple[type[Exception], ...] = (_RedisTimeoutError,)
except ImportError:  # pragma: no cover
    _LOST = _TIMEOUT = ()

SCHEMES = ("redis", "rediss", "unix")
_GRAPH_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
DEFAULT_GRAPH = "sendgraph"


def params_header(params: dict) -> str | None:
    r"""The ``CYPHER name=value ...`` prefix FalkorDB reads parameters from, built by ``json.dumps``.

    Why: the client builds this text value by value in Python, which was ~45% of a load's time. A
    JSON array / string / number / true / false / null is also a FalkorDB Cypher literal, and
    FalkorDB's lexer decodes JSON's escapes (``\\ \" \n \r \t \b \f``) - but NOT ``\uXXXX``, which
    JSON uses for the other control characters (probed on 4.16.3). So non-ASCII text goes out raw
    (``ensure_ascii=False``, as the client sends it), and if the output holds ``\u`` anywhere (a real
    escape, or merely a backslash followed by ``u`` in the data) this returns None and the caller
    lets the client encode that statement its own, slower way; likewise for values JSON refuses
    (NaN, infinity), for maps (a JSON object's quoted keys are not Cypher; load rows are positional
    lists) and for parameter names that are not plain identifiers.
    """
    parts = ["CYPHER"]
    for name, value in params.items():
        if type(value) is dict or not _PARAM_NAME.match(name):
            return None
        try:
            text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
        except (TypeError, ValueError):
            return None
        if "\\u" in text or ("{" in text and type(value) is list and _has_map(value)):
            return None
        parts.append(f"{name}={text}")
    return " ".join(parts) + " "


_PARAM_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _has_map(value: list) -> bool:
    return any(type(v) is dict or (type(v) is list and _has_map(v)) for v in value)


def check_url(url: str) -> str:
    """Validate a FalkorDB URL; return it as given (credentials are only hidden when displayed)."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError as exc:
        # urlsplit's own message may quote the URL, and a URL may hold a password: never echo it
        why = "an unclosed '[' in an IPv6 host" if "IPv6" in str(exc) else "a malformed port"
        raise SendgraphError(
            f"FALKORDB_URL is not a valid URL ({why}), e.g. redis://127.0.0.1:6379"
        ) from None
    if parts.scheme not in SCHEMES:
        raise SendgraphError(
            f"FALKORDB_URL must start with one of {', '.join(s + '://' for s in SCHEMES)} "
            f"(got '{parts.scheme or url[:20]}')"
        )
    if parts.scheme != "unix" and not parts.hostname:
        raise SendgraphError("FALKORDB_URL has no host, e.g. redis://127.0.0.1:6379")
    try:
        parts.port  # noqa: B018  (raises on a malformed port)
    except ValueError:
        raise SendgraphError("FALKORDB_URL has a malformed port") from None
    return url


def redact(url: str) -> str:
    """The URL without user or password, for output metadata."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018
    except ValueError:
        return "(malformed FALKORDB_URL)"
    if parts.scheme == "unix":
        return f"unix://{parts.path}"
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{f':{parts.port}' if parts.port else ''}"


class FalkorStore(ServerStore):
    """A GraphStore on one FalkorDB graph."""

    backend = "falkordb"
    dialect = FALKORDB
    server_name = "FalkorDB"
    timeout_setting = (
        "FalkorDB's TIMEOUT (milliseconds; e.g. redis-cli GRAPH.CONFIG SET TIMEOUT 0 for none, or the "
        "TIMEOUT / TIMEOUT_MAX module arguments)"
    )

    def __init__(
        self,
        url: str,
        graph: str = DEFAULT_GRAPH,
        schema: Schema | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE,
    ):
        super().__init__(schema, batch_size)
        self.url = check_url(url)
        if not _GRAPH_NAME.match(graph):
            raise SendgraphError(f"FALKORDB_GRAPH must be letters, digits, '_', '-' or '.' (got {graph!r})")
        self.graph_name = graph
        try:
            from falkordb import FalkorDB
        except ImportError:
            raise SendgraphError(
                "the falkordb backend needs the falkordb client: pip install 'sendgraph[falkordb]'"
            ) from None
        try:
            # No client-side socket timeout unless asked for: redis-py's default (5 s, relaxed to
            # 10-15 s) cut off national reads as "lost the connection"; how long a query may run is
            # the server's TIMEOUT setting, and a refused query is reported as such.
            self._db = FalkorDB.from_url(url, socket_timeout=socket_timeout())
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
        except _TIMEOUT as exc:  # the client gave up waiting (FALKORDB_SOCKET_TIMEOUT)
            raise self.timed_out(
                f"no answer within FALKORDB_SOCKET_TIMEOUT={socket_timeout()} s: {exc}",
                "FALKORDB_SOCKET_TIMEOUT (seconds; unset it for no client-side limit)",
            ) from None
        except _LOST as exc:
            raise self._lost(exc) from None
        except Exception as exc:
            if "empty key" in str(exc):  # the graph does not exist yet: nothing loaded, nothing to read
                return [], []
            if "timed out" in str(exc).lower():  # FalkorDB: "Query timed out"
                raise self.timed_out(str(exc)) from None
            raise

    def _write(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        header = params_header(params) if params else None
        try:
            if header is None:
                return self._result(self._graph.query(query, params))
            return self._result(self._graph.query(header + query))
        except _LOST as exc:
            raise self._lost(exc) from None

    def _lost(self, exc: Exception) -> SendgraphError:
        """A dropped or refused connection as one clear line (a load re-run then completes the load)."""
        return SendgraphError(f"lost the connection to FalkorDB at {redact(self.url)}: {exc}")

    def _unique_constraint(self, label: str, key: str) -> None:
        """GRAPH.CONSTRAINT CREATE (needs the range index ``ensure_schema`` made); wait until it is live."""
        try:
            self._graph.create_node_unique_constraint(label, key)
        except Exception as exc:
            if not self.dialect.already_exists(exc):
                raise
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status = [
                c["status"]
                for c in self._graph.list_constraints()
                if c["label"] == label and list(c["properties"]) == [key] and c["type"] == "UNIQUE"
            ]
            if status and status[0] == "OPERATIONAL":
                return
            if status and status[0] == "FAILED":
                raise SendgraphError(
                    f"FalkorDB could not make {label}.{key} unique: the graph already "
                    f"holds duplicate {label} nodes (not written by sendgraph?)"
                )
            time.sleep(0.01)
        raise SendgraphError(f"FalkorDB did not finish building the {label}.{key} constraint in 30 s")


def socket_timeout() -> float | None:
    """``FALKORDB_SOCKET_TIMEOUT`` in seconds, or None (the default): no client-side limit."""
    raw = os.environ.get("FALKORDB_SOCKET_TIMEOUT")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        value = 0.0
    if value <= 0:
        raise SendgraphError(f"FALKORDB_SOCKET_TIMEOUT must be a positive number of seconds (got {raw!r})")
    return value


def open_falkordb(workspace: str | None = None) -> FalkorStore:
    """The ``falkordb`` backend: ``FALKORDB_URL``, ``FALKORDB_GRAPH``, ``SENDGRAPH_BATCH_SIZE``."""
    url = os.environ.get("FALKORDB_URL")
    if not url:
        raise SendgraphError("set FALKORDB_URL (e.g. redis://127.0.0.1:6379) to use the falkordb backend")
    return FalkorStore(
        url, os.environ.get("FALKORDB_GRAPH") or DEFAULT_GRAPH, batch_size=batch_size_from_env()
    )
