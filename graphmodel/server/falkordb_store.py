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

import contextlib
import datetime as dt
import json
import os
import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from urllib.parse import urlsplit

import pandas as pd

from graphmodel.collector import collector_paused
from graphmodel.errors import SendgraphError
from graphmodel.schema import PropType, Schema
from graphmodel.server import bulk, cypher
from graphmodel.server.base import DEFAULT_BATCH_SIZE, LoadBusy, ServerStore, batch_size_from_env
from graphmodel.server.dialect import FALKORDB
from graphmodel.server.settings import whole_number
from graphmodel.store import Progress

try:  # the connection errors of the redis client underneath falkordb (absent without the extra)
    from redis.exceptions import ConnectionError as _RedisConnectionError
    from redis.exceptions import TimeoutError as _RedisTimeoutError

    _LOST: tuple[type[Exception], ...] = (_RedisConnectionError, _RedisTimeoutError)
    _TIMEOUT: tuple[type[Exception], ...] = (_RedisTimeoutError,)
except ImportError:  # pragma: no cover
    _LOST = _TIMEOUT = ()

SCHEMES = ("redis", "rediss", "unix")
DEFAULT_BULK_MIN_ROWS = 50_000
"""A first load of at least this many rows into an empty graph goes by GRAPH.BULK (see
:meth:`FalkorStore._bulk_load`); below it the CREATE statements are as quick and simpler."""
BULK_SUFFIX = ".bulk-"
"""``<graph>.bulk-<run>``: the key a bulk load builds its graph under before swapping it in."""
SWAP_ATTEMPTS = 5
RANGED_DATES_DENSITY = 2
"""Edges per start node from which a bulk load converts a table's dates call by call
(:func:`cypher.bulk_dates_ranged`): the posts (2.6 per person) gain, sparser tables lose."""
SENDER_BYTES = 512 << 20
"""About the most bytes of encoded GRAPH.BULK tokens a bulk load keeps waiting for the server."""
_PLAIN_CELLS = frozenset((1, 2, 3))
"""Compact result cell types (null, string, integer) whose raw value is already the Python value."""
_TEXT_DECODERS: dict[str, Callable[[str], object]] = {
    "bool": {"true": True, "false": False}.__getitem__,
    "float": float,
    "date": dt.date.fromisoformat,
}
"""How a verbose (not ``--compact``) reply spells the schema types that are not already Python
values: booleans as ``true`` / ``false``, floats as the text the compact reply also sends, dates
as ISO text (:meth:`FalkorStore._plain_read`). Each raises on anything else."""
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

    bulk_min_rows: int | None = DEFAULT_BULK_MIN_ROWS
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
        return self._guarded(lambda: self._fast_read(query, params))

    def _read_typed(
        self, query: str, params: dict, types: Mapping[str, PropType]
    ) -> tuple[list[str], list[list]]:
        return self._guarded(lambda: self._plain_read(query, params, types))

    def _guarded(self, read: Callable[[], tuple[list[str], list[list]]]) -> tuple[list[str], list[list]]:
        """``read()`` with the collector paused and the server's refusals as clear errors."""
        try:
            with collector_paused():
                return read()
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

    def _fast_read(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        """GRAPH.RO_QUERY (compact) sent and its cells converted here, not by the client's QueryResult.

        Why: the client converts each cell through a generic dispatch (``parse_scalar``), ~1 us a
        cell: ~3 s of a national network command's ~1.5M cells. With ``decode_responses`` (the
        client's default) a null, string or integer cell already holds its Python value, so those
        are taken as they are; any other type (float, bool, date, list, node, ...) goes through the
        client's own ``parse_scalar``, so every value is exactly what ``ro_query`` would give.
        Parameters go in the JSON header of :func:`params_header` (the client's own encoding when
        that refuses them)."""
        from falkordb.query_result import QueryResult, parse_scalar

        header = params_header(params) if params else ""
        if header is None:
            return self._result(self._graph.ro_query(query, params))
        raw = self._db.connection.execute_command(
            "GRAPH.RO_QUERY", self._graph.name, header + query, "--compact"
        )
        if not isinstance(raw, list) or len(raw) < 3 or not isinstance(raw[0], list) or not raw[0]:
            return self._result(QueryResult(self._graph, raw))  # errors, statistics only: the client's way
        if isinstance(raw[-1], Exception):
            raise raw[-1]
        names = [h[1] if isinstance(h, list | tuple) else h for h in raw[0]]
        plain, graph = _PLAIN_CELLS, self._graph
        rows = [[c[1] if c[0] in plain else parse_scalar(c, graph) for c in row] for row in raw[1]]
        return names, rows

    def _plain_read(
        self, query: str, params: dict, types: Mapping[str, PropType]
    ) -> tuple[list[str], list[list]]:
        """GRAPH.RO_QUERY without ``--compact``, each column decoded by its declared type.

        Why: a compact reply wraps every cell in a [type, value] pair, and building those pairs
        (and the server writing them) was most of a wide read's time: the national schools pull
        (24k rows x 25 columns) took ~0.9 s there, ~0.25 s this way. Without the pair, a null,
        string or integer still arrives as its Python value, but a boolean, float or date arrives
        as text (``true``, ``0.5`` as the compact reply also spells it, ``2025-01-02``), so the
        caller must name each column's schema type; those columns are decoded here to what
        :meth:`_fast_read` gives (bool, float, datetime.date) for values of the declared type. A
        result with a column not in ``types``, a value that does not decode, or no rows in the
        usual shape is read again the compact way (same answer, slower)."""
        header = params_header(params) if params else ""
        if header is None:
            return self._fast_read(query, params)
        raw = self._db.connection.execute_command("GRAPH.RO_QUERY", self._graph.name, header + query)
        if not isinstance(raw, list) or len(raw) < 3 or not isinstance(raw[0], list) or not raw[0]:
            return self._fast_read(query, params)
        if isinstance(raw[-1], Exception):
            raise raw[-1]
        names = [h[1] if isinstance(h, list | tuple) else h for h in raw[0]]
        if any(n not in types for n in names):
            return self._fast_read(query, params)
        rows = raw[1]
        try:
            for i, name in enumerate(names):
                decode = _TEXT_DECODERS.get(types[name])
                if decode is not None:
                    for row in rows:
                        v = row[i]
                        if v is not None:
                            row[i] = decode(v)
        except (TypeError, ValueError, KeyError):
            return self._fast_read(query, params)
        return names, rows

    def _write(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        header = params_header(params) if params else None
        try:
            if header is None:
                return self._result(self._graph.query(query, params))
            return self._result(self._graph.query(header + query))
        except _LOST as exc:
            raise self._lost(exc) from None

    # ---------------------------------------------------------------- a first load by GRAPH.BULK
    @contextlib.contextmanager
    def _graph_as(self, name: str):
        """Run this store's statements on graph ``name`` for a while (the bulk load's own graph)."""
        saved = self._graph
        self._graph = self._db.select_graph(name)
        try:
            yield
        finally:
            self._graph = saved

    def _bulk_load(
        self,
        new: dict[str, pd.DataFrame],
        progress: Progress | None,
        derive: Callable[[], dict[str, pd.DataFrame]],
        later: set[str],
    ) -> None:
        """Build the whole graph with GRAPH.BULK under a temporary key, then swap it in atomically.

        Why: in a first load most of the server's time went on index lookups matching the ends of
        each relationship by key; GRAPH.BULK links nodes by internal id instead. It can only build
        a graph under a key that does not exist yet, while the load lease lives in the target graph,
        so (all under the lease this load holds in the target graph):

        1. keys ``<graph>.bulk-*`` left by a killed bulk load of this graph are deleted;
        2. the tables go to ``<graph>.bulk-<run>`` (the first call with BEGIN, which refuses an
           existing key), the lease's heartbeat kept up in the target between calls; each table's
           ISO date strings become dates (:func:`cypher.bulk_dates_by_table`) as soon as its last
           call is in, or, for a big table with several edges per start node (the posts), after
           each call, for the edges that call completed (:func:`cypher.bulk_dates_ranged`).
           First every table whose rows are final, then, while the server takes those, this thread
           derives the columns of the tables in ``later`` (``derive``) and sends them;
        3. there: the node ids are checked and the uniqueness constraints are built
           (:meth:`ensure_schema`) on the key indexes made as soon as the nodes were in (FalkorDB
           fills an index in the background: national, the people's ~5 s, at the end with nothing
           else to do; so it fills while the edges come in and the client derives);
        4. the swap: WATCH the target; check it still holds no data and our lease is running; copy
           its LoadRun records (ours included) into the new graph; ``MULTI; RENAME new target;
           EXEC``. Any write to the target after the WATCH (FalkorDB signals every write query,
           even one that changes nothing) makes EXEC refuse the swap; it is tried again
           (``SWAP_ATTEMPTS``), then the load fails.

        Until the RENAME the target is untouched, apart from the lease's heartbeat; the RENAME
        replaces it whole in one step. On any failure the temporary key is deleted (a SIGKILL
        leaves it for step 1 of the next load; ``server wipe`` removes it too), and the load is
        recorded as failed exactly as before.

        Why the dates go table by table and the derivation in the middle: the date SETs are most of
        the server's work (national: ~28 s, 20 of them the posts'), and they, the bulk calls and the
        client's derivation and encoding then overlap instead of following one another.
        """
        run_id = self._run_id
        assert run_id is not None
        target = f"{self.graph_name}{BULK_SUFFIX}{run_id[:12]}"
        conn = self._db.connection
        self._drop_bulk_orphans()
        if any(t not in self.schema.relationships for t in later):  # node ids are assigned up front
            new, later = derive(), set()
        plan = bulk.Plan(self.schema, new)
        sizes = {kind: len(keys) for kind, keys in plan.keys.items()}
        dates = cypher.bulk_dates_by_table(self.schema, sizes)
        ranged = cypher.bulk_dates_ranged(self.schema)
        lo, hi = cypher.BULK_DATE_RANGE
        swapped = False

        def send_table(send: Callable, name: str, tokens: Iterator[bulk.Token]) -> None:
            rows = len(plan.new[name]) if name in plan.new else 0
            by_range = (
                name in ranged
                and rows > plan.chunk
                and rows >= RANGED_DATES_DENSITY * sizes.get(self.schema.relationships[name].start.kind, 0)
            )
            for token in tokens:
                self._heartbeat()
                send(token)
                if progress:
                    progress(token.step, token.count)
                if by_range and token.starts is not None:  # the edges this call completed
                    for query, params in ranged[name]:
                        send(bulk.Statement(query, {**params, lo: token.starts[0], hi: token.starts[1]}))
            if rows and not by_range:
                for query, params in dates.get(name, ()):
                    send(bulk.Statement(query, params))

        try:
            with self._bulk_sender(target) as send:
                for node in self.schema.nodes.values():
                    send_table(send, node.name, plan.node_tokens([node.name]))
                for statement in self.dialect.schema_ddl(self.schema) if plan.node_count else ():
                    send(bulk.Statement(statement, {}))  # the key indexes (step 3), once the graph exists
                send_table(send, "", plan.link_tokens())
                for name in self.schema.relationships:
                    if name not in later:
                        send_table(send, name, plan.table_tokens(name))
                if later:
                    final = derive()
                    for name in self.schema.relationships:
                        if name in later and name in final:
                            plan.replace_table(name, final[name])
                            send_table(send, name, plan.table_tokens(name))
            with self._graph_as(target):
                self._check_bulk_ids(plan)
                self.ensure_schema(property_indexes=False)  # made after the swap: see property_indexes
            swapped = self._swap_in(target, run_id)
        finally:
            if not swapped:
                with contextlib.suppress(Exception):
                    conn.delete(target)

    @contextlib.contextmanager
    def _bulk_sender(self, target: str):
        """``send(token)``: GRAPH.BULK calls (and the date statements, :class:`bulk.Statement`) made
        from one background thread, in order, while this thread encodes the next token or derives
        columns (encoding and the server's work then overlap, as in :meth:`ServerStore._pipeline`).
        The first failure stops the sending; it is raised here.

        Up to :data:`SENDER_BYTES` of encoded tokens may wait: enough for every table sent before
        the derivation (national: ~200 MB), so the server has work while this thread derives."""
        conn = self._db.connection
        graph = self._db.select_graph(target)
        todo: queue.Queue = queue.Queue()
        budget = max(1, SENDER_BYTES >> 20)  # in MB
        room = threading.Semaphore(budget)
        state: dict = {"error": None, "first": True}

        def units(item: bulk.Token | bulk.Statement) -> int:
            return 0 if isinstance(item, bulk.Statement) else min(budget, 1 + (len(item.data) >> 20))

        def work() -> None:
            while True:
                item = todo.get()
                if item is None:
                    return
                try:
                    if state["error"] is not None:
                        continue
                    if isinstance(item, bulk.Statement):
                        graph.query(item.query, item.params)
                        continue
                    nodes, edges = (item.count, 0) if item.kind == "node" else (0, item.count)
                    files = (1, 0) if item.kind == "node" else (0, 1)
                    begin = ["BEGIN"] if state["first"] else []
                    state["first"] = False
                    conn.execute_command("GRAPH.BULK", target, *begin, nodes, edges, *files, item.data)
                except _LOST as exc:
                    state["error"] = self._lost(exc)
                except BaseException as exc:  # handed to the load's thread, raised there
                    state["error"] = exc
                finally:
                    for _ in range(units(item)):
                        room.release()

        def send(item: bulk.Token | bulk.Statement) -> None:
            if state["error"] is not None:
                raise state["error"]
            for _ in range(units(item)):
                room.acquire()
            todo.put(item)

        worker = threading.Thread(target=work, name="sendgraph-bulk", daemon=True)
        worker.start()
        try:
            yield send
        except BaseException:
            state["error"] = state["error"] or SendgraphError("the load stopped")
            raise
        finally:
            todo.put(None)
            worker.join()
        if state["error"] is not None:
            raise state["error"]

    def _check_bulk_ids(self, plan: bulk.Plan) -> None:
        """Each label's first and last node sit at the ids the relationships were encoded with (a new
        graph numbers nodes 0, 1, 2, ... in the order they are sent; checked, not assumed)."""
        expect: dict[int, str] = {}
        for kind, node in self.schema.nodes.items():
            n = len(plan.keys[kind])
            if n:
                expect[plan.first[kind]] = expect[plan.first[kind] + n - 1] = node.label
        _c, rows = self.run_read(cypher.BULK_IDS, {"ids": sorted(expect)})
        found = {int(r[0]): list(r[1]) for r in rows}
        for node_id, label in expect.items():
            if found.get(node_id) != [label]:
                raise SendgraphError(
                    f"FalkorDB numbered the bulk-loaded nodes differently from what sendgraph expects "
                    f"(node {node_id}: {found.get(node_id)}, expected {label}); nothing was loaded: "
                    f"set SENDGRAPH_BULK_MIN_ROWS=0 to load with CREATE statements instead"
                )

    def _swap_in(self, built: str, run_id: str) -> bool:
        """Replace the target graph by ``built`` in one RENAME, only if the target still holds no data
        and this load's lease; see :meth:`_bulk_load` step 4."""
        import redis

        conn = self._db.connection
        states = {"run_id": run_id, **cypher.LEASE_STATES}
        for _attempt in range(SWAP_ATTEMPTS):
            with conn.pipeline() as pipe:
                pipe.watch(self.graph_name)
                _c, held = self.run_read(cypher.BULK_LEASE_HELD, states)
                if not held or int(held[0][0]) != 1:
                    raise LoadBusy(
                        f"{self.describe()}: this load lost its lease while building the graph in bulk "
                        f"(taken over by another load?); nothing was loaded"
                    )
                _c, present = self.run_read(cypher.BULK_DATA_PRESENT, {})
                if present and int(present[0][0]):
                    raise SendgraphError(
                        f"{self.describe()} was written by another program while this load built the "
                        f"graph in bulk; nothing was loaded: run the load again"
                    )
                _c, runs = self.run_read(cypher.LOADRUN_PROPERTIES, {})
                with self._graph_as(built):
                    self.run_write(cypher.wipe(cypher.LOADRUN_LABEL), {"limit": 1_000_000, "keep": None})
                    self.run_write(cypher.LOADRUN_COPY, {"runs": [dict(r[0]) for r in runs]})
                pipe.multi()
                pipe.rename(built, self.graph_name)
                try:
                    pipe.execute()
                except redis.WatchError:
                    continue
                return True
        raise SendgraphError(
            f"{self.describe()} kept being written by another program while this load tried to swap in "
            f"the graph it built in bulk; nothing was loaded: run the load again"
        )

    def _drop_bulk_orphans(self) -> None:
        """Delete ``<graph>.bulk-*`` keys: graphs of bulk loads of this graph that were killed (only
        called under this graph's lease, so no live load is building one)."""
        conn = self._db.connection
        for key in conn.scan_iter(match=f"{self.graph_name}{BULK_SUFFIX}*", count=1000):
            conn.delete(key)

    def wipe(self) -> dict[str, int]:
        deleted = super().wipe()
        with contextlib.suppress(Exception):
            self._drop_bulk_orphans()
        return deleted

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
    store = FalkorStore(
        url, os.environ.get("FALKORDB_GRAPH") or DEFAULT_GRAPH, batch_size=batch_size_from_env()
    )
    store.bulk_min_rows = bulk_min_rows_from_env()
    return store


def bulk_min_rows_from_env() -> int | None:
    """``SENDGRAPH_BULK_MIN_ROWS``: a first load of at least this many rows into an empty graph goes by
    GRAPH.BULK (default 50,000; 0: every first load; ``off``: never)."""
    if os.environ.get("SENDGRAPH_BULK_MIN_ROWS", "").strip().lower() == "off":
        return None
    what = "a whole number of rows or 'off'"
    return whole_number("SENDGRAPH_BULK_MIN_ROWS", DEFAULT_BULK_MIN_ROWS, minimum=0, what=what)
