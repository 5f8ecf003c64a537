"""The shared body of the server stores: pull tables, count, load in batches, record and wipe loads.

A subclass only says how to run one statement (``_read`` / ``_write``) and how to make a uniqueness
constraint its Cypher cannot express; everything else is here so Neo4j and FalkorDB behave the same.

What a load guarantees (written honestly, because neither route gives one transaction for a whole
national load: FalkorDB's native client has no multi-statement transactions at all, and a
multi-million-row Neo4j transaction would exhaust the server's heap):

1. Everything is validated before the first write (``ingest.prepare``: types, keys, references).
2. Schema constraints / indexes are created before any MERGE.
3. A load-run record (``LoadRun`` node: sources, started, status "running") is written first; data is
   then written in batches, each batch one statement (atomic on both servers: one managed
   transaction on Neo4j, one GRAPH.QUERY on FalkorDB); the record is set to "complete" (or "failed"
   with the error) at the end.
4. Rows whose key the graph does not hold (diffed against a pull of what it holds) are written with
   CREATE; every other write is a MERGE on the schema key. So re-running the same load after a failure
   completes it with nothing duplicated: what the failed load wrote is now "existing" and MERGEd,
   what it did not write is still new and CREATEd (each batch is atomic, so there is no half-written
   row). While the last load-run is not "complete", the next load re-sends every existing row too
   (repair: e.g. reference links of nodes written before the failure); otherwise only rows that are
   new or differ from what the server holds are sent, which is what makes an unchanged re-run write
   nothing.

So a failed load can leave the graph partly updated, never duplicated, and says so in its LoadRun
record; running it again makes it whole.

One load at a time per graph: the "running" LoadRun is a lease, taken in one statement that
creates it only if no other LoadRun is running (:meth:`ServerStore.writing`), before the load reads
what the graph holds. It carries the host, PID and a heartbeat refreshed as batches go out; a
second load is refused with a clear message. A lease whose process is gone (same host, PID not
running) or whose heartbeat is older than ``SENDGRAPH_LEASE_STALE`` seconds (default 300) is stale:
``--take-over`` marks it "abandoned" and takes the lease, and the load then runs as a repair.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import json
import os
import queue
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphmodel import derived
from graphmodel.errors import SendgraphError
from graphmodel.merge import diff
from graphmodel.schema import PropType, Schema, load_schema
from graphmodel.server import cypher
from graphmodel.server.convert import columns_of, is_plain, plain, typed_column
from graphmodel.server.dialect import Dialect
from graphmodel.server.settings import whole_number
from graphmodel.store import CURRENT_ANALYSIS, DerivedCache, LoadReport, Progress
from graphmodel.validate import Checked, conform, empty_frame

DEFAULT_BATCH_SIZE = 5000
WIPE_BATCH = 10000
PIPELINE_DEPTH = 3
"""Write statements a load may build ahead of the one the server runs (:meth:`ServerStore._pipeline`)."""
HEARTBEAT_EVERY = 5.0  # seconds between lease heartbeats while a load writes
DEFAULT_LEASE_STALE = 300.0


class LoadBusy(SendgraphError):
    """Another load holds the graph's lease."""

    exit_code = 4


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lease_stale_after() -> float:
    raw = os.environ.get("SENDGRAPH_LEASE_STALE")
    try:
        return float(raw) if raw else DEFAULT_LEASE_STALE
    except ValueError:
        raise SendgraphError(f"SENDGRAPH_LEASE_STALE must be a number of seconds (got {raw!r})") from None


ROWS_OF_PEOPLE_CHUNK = 5000
"""Person ids per read of :meth:`ServerStore.rows_of_people`: a few thousand index lookups."""


def _batches(rows: list, size: int) -> Iterator[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class ServerStore(DerivedCache):
    """A GraphStore on a graph server; subclasses provide the connection."""

    backend = "server"
    dialect: Dialect
    server_name = "the graph server"
    timeout_setting = "its query timeout"
    """What to raise when the server refuses a query for taking too long (named in the error)."""

    def __init__(self, schema: Schema | None = None, batch_size: int = DEFAULT_BATCH_SIZE):
        self.schema = schema or load_schema()
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        self.batch_size = batch_size
        self._cache: dict = {}  # tables by name, and derived results (DerivedCache)
        self._table_locks: dict[str, threading.Lock] = {}
        self._table_locks_guard = threading.Lock()
        self.take_over = False  # set by --take-over: a stale lease may be taken
        self._run_id: str | None = None
        self._lease_depth = 0
        self._wrote = False
        self._beat = 0.0
        self._sizes: dict[str, int] = {}
        self._queue: queue.Queue | None = None
        self._pipe_state: dict = {}
        self.page_rows = cypher.PAGE_ROWS
        self.statements: list[tuple[str, dict]] | None = None
        """When a list, every read statement and its parameters are appended (``--show-cypher``)."""

    # ---------------------------------------------------------------- what a subclass provides
    def _read(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        """Run a read statement; return (column names, rows)."""
        raise NotImplementedError

    def _read_typed(
        self, query: str, params: dict, types: Mapping[str, PropType]
    ) -> tuple[list[str], list[list]]:
        """:meth:`_read` of a statement whose every result column the caller has typed (``types``:
        column name -> schema type). A server may use the types to receive the rows more cheaply;
        the rows must be what :meth:`_read` gives for values of those types. By default, :meth:`_read`."""
        return self._read(query, params)

    def _write(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        """Run one write statement atomically; return (column names, rows) like ``_read``."""
        raise NotImplementedError

    def _unique_constraint(self, label: str, key: str) -> None:
        """Create a uniqueness constraint Cypher cannot express on this server (FalkorDB)."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    # ---------------------------------------------------------------- running statements
    def run_read(
        self, query: str, params: dict | None = None, types: Mapping[str, PropType] | None = None
    ) -> tuple[list[str], list[list]]:
        """Run a read statement; (column names, rows). ``types`` (column name -> schema type of every
        result column, when the caller knows them) lets a server send the rows more cheaply
        (:meth:`_read_typed`); the rows are the same for values of those types."""
        params = plain(params or {})
        assert is_plain(params)
        if self.statements is not None:
            self.statements.append((query, params))
        if types is not None:
            return self._read_typed(query, params, types)
        return self._read(query, params)

    def timed_out(self, detail: str) -> SendgraphError:
        """The error for a query the server stopped (or the connection gave up on) for taking too
        long: it names the analysis being run and the server setting to raise."""
        what = CURRENT_ANALYSIS.get()
        doing = f"the analysis {what}" if what else "a read"
        return SendgraphError(
            f"{self.server_name} stopped {doing} for taking longer than it allows ({detail}); "
            f"raise {self.timeout_setting} and run the command again"
        )

    def run_write(self, query: str, params: dict | None = None) -> tuple[list[str], list[list]]:
        params = plain(params or {})
        assert is_plain(params)
        return self._write(query, params)

    def query_frame(
        self, query: str, params: dict | None = None, columns: list[str] | None = None
    ) -> pd.DataFrame:
        """A read query's result as a DataFrame (untyped: callers give columns their dtypes).

        ``columns`` names the result columns for the case where the server returns no header (an
        empty FalkorDB graph answers reads without one).
        """
        names, rows = self.run_read(query, params)
        if not names and columns is not None:
            return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
        return pd.DataFrame(rows, columns=names)

    # ---------------------------------------------------------------- GraphStore: reading
    def table(self, name: str) -> pd.DataFrame:
        """The whole table (in pages if large), typed and ordered by key like the embedded store."""
        if name in self._cache:
            return self._cache[name]
        with self._table_lock(name):  # two threads asking for one table: one pull, the other waits
            if name in self._cache:
                return self._cache[name]
            frame = self.pull_table(name)
            self._cache[name] = frame
            return frame

    def _table_lock(self, name: str) -> threading.Lock:
        """The lock of table ``name``'s first pull. Why: an analysis may read on two threads (the
        network analyses read CPD meetings and build the tie list while the main thread works out
        participation), and both want ``schools``. Held only around :meth:`pull_table`, which takes
        no other lock, so no two threads can wait on each other."""
        with self._table_locks_guard:
            return self._table_locks.setdefault(name, threading.Lock())

    def _size(self, what: str, query: str, params: dict) -> int:
        if what not in self._sizes:
            _c, rows = self.run_read(query, params)
            self._sizes[what] = int(rows[0][0]) if rows else 0
        return self._sizes[what]

    def page_plan(self, name: str) -> tuple[str, int] | None:
        """How to page a read of table ``name``: None (small: one query), or (side, nodes per page).

        Node tables page over their own key. Relationship tables page over the end with fewer nodes,
        so few pages come back nearly blank, with as many nodes per page as make ``page_rows``
        relationships on average.
        """
        schema, params = self.schema, cypher.table_params(self.schema, name)
        if name in schema.relationships:
            rows = self._size(name, cypher.count(schema, name), params)
            if rows <= self.page_rows:
                return None
            rel = schema.relationships[name]
            ends = {
                side: self._size(kind, cypher.label_count(schema.nodes[kind]), {})
                for side, kind in (("start", rel.start.kind), ("end", rel.end.kind))
            }
            # the end with fewer nodes, unless its nodes have so many relationships each (a
            # qualification held by 300k people) that one node's rows would overflow a page
            pages = rows / self.page_rows
            side = min(ends, key=lambda s: (ends[s] < 4 * pages, ends[s]))
            return side, max(1, self.page_rows * ends[side] // rows)
        node = schema.node_by_table(name)
        if self._size(node.name, cypher.label_count(node), {}) <= self.page_rows:
            return None
        return "start", self.page_rows

    def pull_table(self, name: str, where: str | None = None, params: dict | None = None) -> pd.DataFrame:
        """Rows of table ``name`` (narrowed by ``where``, as in :func:`cypher.pull`), typed and ordered
        by key. A large table is read in pages (:func:`cypher.pull_page`), so no single query
        runs long enough to meet a server's timeout; the pages' rows are gathered, then typed once."""
        schema = self.schema
        params = {**cypher.table_params(schema, name), **(params or {})}
        plan = self.page_plan(name)
        if plan is None:
            return self.typed_query(name, cypher.pull(schema, name, where), params)
        side, per_page = plan
        query = cypher.pull_page(schema, name, where, side)
        rel = schema.relationships.get(name)
        key = cypher.page_side(schema, name, side)
        types = {**self._column_types(name), cypher.PAGE_KEY: key.properties[key.key_column].type}
        columns: list[str] = []
        gathered: list[list] = []
        skip = 0
        while True:
            columns, rows = self.run_read(query, {**params, "skip": skip, "page": per_page}, types)
            if not rows:
                break
            keys = [r[0] for r in rows]
            if rel is None:
                gathered.extend(r[1:] for r in rows)
                nodes = len(rows)
            else:  # a node of the page without relationships comes back as one blank row: drop it
                other = columns.index(rel.end.column if side == "start" else rel.start.column)
                gathered.extend(r[1:] for r in rows if r[other] is not None)
                nodes = len(set(keys))
            skip += nodes
            if nodes < per_page:
                break
        return self._typed(name, columns[1:], gathered)

    def typed_query(self, name: str, query: str, params: dict | None = None) -> pd.DataFrame:
        """Rows of table ``name`` returned by ``query`` (a :func:`cypher.pull`, maybe narrowed), typed
        and ordered by key exactly as :meth:`table` gives them."""
        columns, rows = self.run_read(query, params, self._column_types(name))
        return self._typed(name, columns, rows)

    def _column_types(self, name: str) -> dict[str, PropType]:
        """Each column of table ``name`` and its schema type (what a pull of it returns)."""
        return {c: p.type for c, p in self.schema.table(name).properties.items()}

    def _typed(self, name: str, columns: list[str], rows: list[list]) -> pd.DataFrame:
        spec = self.schema.table(name)
        if not rows:
            frame = empty_frame(spec)
        else:
            data = columns_of(rows, len(columns))
            frame = pd.DataFrame(
                {c: typed_column(data[i], spec.properties[c].type) for i, c in enumerate(columns)}
            )
            frame = conform(spec, frame).sort_values(list(spec.key), kind="stable", ignore_index=True)
        return frame

    def counts(self) -> dict[str, int]:
        out = {}
        for name in self.schema.tables:
            params = cypher.table_params(self.schema, name)
            _cols, rows = self.run_read(cypher.count(self.schema, name), params)
            out[name] = int(rows[0][0]) if rows else 0
        return out

    def load_runs(self) -> pd.DataFrame:
        """Every recorded load, newest first."""
        return self.query_frame(cypher.LOADRUN_LIST, columns=cypher.LOADRUN_COLUMNS)

    # ---------------------------------------------------------------- GraphStore: writing
    def ensure_schema(self, property_indexes: bool = True) -> None:
        """Constraints and indexes from the schema; run before any MERGE, harmless to repeat.

        ``property_indexes=False`` leaves out the relationship-property indexes
        (:meth:`property_indexes`): a bulk load makes them after its graph is in place."""
        self._run_ddl(self.dialect.schema_ddl(self.schema))
        for label, key in self.dialect.unique_constraints(self.schema):
            self._unique_constraint(label, key)
        if property_indexes:
            self.property_indexes()

    def property_indexes(self) -> None:
        """The indexes on the properties marked ``index = true`` (natives look rows up by them).

        FalkorDB fills a new index in the background and holds writes to the graph until it is full
        (national, the WORKS_AT edge index: ~17 s), so a bulk load makes them last, after recording
        the load as complete; reads meanwhile still answer, by a scan."""
        self._run_ddl(self.dialect.property_index_ddl(self.schema))

    def _run_ddl(self, statements: list[str]) -> None:
        """Run schema statements; one the server already has is not an error (so repeating is harmless)."""
        for stmt in statements:
            try:
                self.run_write(stmt)
            except Exception as exc:
                if not self.dialect.already_exists(exc):
                    raise

    def _last_run_complete(self) -> bool:
        runs = self.load_runs()
        if self._run_id is not None:
            runs = runs[runs["run_id"] != self._run_id]
        return runs.empty or runs["status"].iloc[0] == "complete"

    # ---------------------------------------------------------------- the load lease
    @contextlib.contextmanager
    def writing(self):
        """Hold the graph's load lease (a "running" LoadRun) from the first read of a load to its end.

        Re-entrant. Refuses at once (:class:`LoadBusy`) while another load holds it. On leaving, a
        lease whose load wrote nothing is deleted (a refused or no-op load leaves no record); one
        whose load wrote but did not finish is marked "failed".
        """
        if self._lease_depth:
            self._lease_depth += 1
            try:
                yield self
            finally:
                self._lease_depth -= 1
            return
        run_id = uuid.uuid4().hex
        self._take_lease(run_id)
        self._run_id, self._lease_depth, self._wrote, self._beat = run_id, 1, False, time.monotonic()
        self._cache.clear()  # read the graph as it is now that no other load can change it
        try:
            yield self
        except BaseException as exc:
            self._release(run_id, f"{type(exc).__name__}: {exc}"[:500])
            raise
        else:
            self._release(run_id, "the load ended without finishing")
        finally:
            self._run_id, self._lease_depth = None, 0

    def _take_lease(self, run_id: str) -> None:
        params = {
            "run_id": run_id,
            "tool": "sendgraph",
            "started": _now(),
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "schema_version": self.schema.version,
        }
        for _attempt in range(2):
            _c, rows = self.run_write(cypher.LEASE_TAKE, {**params, **cypher.LEASE_STATES})
            if rows:
                return
            holders = self.query_frame(cypher.LEASE_HOLDERS, cypher.LEASE_STATES)
            if holders.empty:
                continue  # it finished between the two statements
            holder = holders.iloc[0]
            stale = self._stale_reason(holder)
            who = (
                f"run {str(holder['run_id'])[:12]}, pid {holder['pid']} on host {holder['host']}, "
                f"started {holder['started']}"
            )
            if stale is None:
                raise LoadBusy(
                    f"{self.describe()} is being loaded by another sendgraph process ({who}); "
                    f"nothing was loaded: try again when it has finished"
                )
            if not self.take_over:
                raise LoadBusy(
                    f"{self.describe()} holds the load lease of a load that appears to have died ({who}; "
                    f"{stale}); nothing was loaded: run the load again with --take-over to take its "
                    f"lease (the load then repairs whatever it left half-written)"
                )
            self.run_write(
                cypher.LEASE_ABANDON,
                {
                    "run_id": holder["run_id"],
                    "now": _now(),
                    "error": f"lease taken over by run {run_id}",
                    **cypher.LEASE_STATES,
                },
            )
        raise LoadBusy(f"{self.describe()}: could not take the load lease; try again")

    @staticmethod
    def _stale_reason(holder: pd.Series) -> str | None:
        """Why a running lease is stale (its process is gone, or no heartbeat lately), or None."""
        host, pid = holder.get("host"), holder.get("pid")
        if host == socket.gethostname() and pid is not None and not pd.isna(pid) and not _pid_alive(int(pid)):
            return "its process is gone"
        beat = holder.get("heartbeat") or holder.get("started")
        try:
            age = (dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(str(beat))).total_seconds()
        except ValueError:
            return "it has no readable heartbeat"
        if age > lease_stale_after():
            return f"no heartbeat for {age:.0f} s"
        return None

    def _heartbeat(self) -> None:
        if self._run_id is not None and time.monotonic() - self._beat >= HEARTBEAT_EVERY:
            self._beat = time.monotonic()
            self._submit(cypher.LEASE_BEAT, {"run_id": self._run_id, "now": _now()})

    # ---------------------------------------------------------------- the write pipeline
    @contextlib.contextmanager
    def _pipeline(self):
        """Send a load's write statements from one background thread, in order, while this thread
        builds the next batches.

        Why: without it the server sat idle while Python turned the next batch into rows and text,
        and Python sat idle while the server ran the batch: about a third of a national load's wall
        time. One thread and one queue keep the statements in exactly the order they were built
        (nodes before the relationships that MATCH them), each still one atomic statement. The
        first statement that fails stops the pipeline: nothing queued after it is sent, and its
        error is raised here, in the load, as if it had been sent directly (so the load is marked
        failed exactly as before). At most ``PIPELINE_DEPTH`` built statements wait in memory.
        """
        if self._queue is not None:  # re-entrant: already piping
            yield
            return
        todo: queue.Queue = queue.Queue(maxsize=PIPELINE_DEPTH)
        state: dict = {"error": None, "stop": False}

        def work() -> None:
            while True:
                item = todo.get()
                if item is None:
                    return
                if state["error"] is not None or state["stop"]:
                    continue  # after a failure (or an interrupted load) send nothing more
                try:
                    self._write(*item)
                except BaseException as exc:  # handed to the load's thread, raised there
                    state["error"] = exc

        worker = threading.Thread(target=work, name="sendgraph-writer", daemon=True)
        worker.start()
        self._queue, self._pipe_state = todo, state
        try:
            yield
        except BaseException:
            state["stop"] = True
            raise
        finally:
            todo.put(None)
            worker.join()
            self._queue = None
        if state["error"] is not None:
            raise state["error"]

    def _submit(self, query: str, params: dict) -> None:
        """Send one write statement: through the pipeline while a load writes, else at once."""
        if self._queue is None:
            self._write(query, params)
            return
        if self._pipe_state["error"] is not None:
            raise self._pipe_state["error"]
        self._queue.put((query, params))

    def _release(self, run_id: str, error: str) -> None:
        with contextlib.suppress(Exception):  # the load's own outcome matters more than the bookkeeping
            if self._wrote:
                params = {"run_id": run_id, "now": _now(), "error": error, **cypher.LEASE_STATES}
                self.run_write(cypher.LEASE_ABANDON, params)
            else:
                self.run_write(cypher.LEASE_DROP, {"run_id": run_id, **cypher.LEASE_STATES})

    # ---------------------------------------------------------------- loading
    def load(self, checked: list[Checked], progress: Progress | None = None) -> LoadReport:
        """Merge validated tables into the server in batches; see the module docstring for guarantees."""
        with self.writing():
            return self._load(checked, progress)

    def _load(self, checked: list[Checked], progress: Progress | None) -> LoadReport:
        start = time.perf_counter()
        run_id = self._run_id
        assert run_id is not None
        report = LoadReport(sources=sorted({c.source for c in checked}))
        by_table: dict[str, list[pd.DataFrame]] = {}
        for c in checked:
            by_table.setdefault(c.table, []).append(c.frame)
        repair = not self._last_run_complete()
        if repair:
            self._cache.clear()  # diff a repair against what the server holds now, never a stale pull
        todo: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}
        for name, spec in self.schema.tables.items():
            if name not in by_table:
                continue
            incoming = conform(spec, pd.concat(by_table[name], ignore_index=True))
            added, changed = diff(spec, self.table(name), incoming)
            report.incoming[name] = len(incoming)
            report.added[name] = int(added.sum())
            report.changed[name] = int(changed.sum())
            upsert = ~added if repair else changed
            todo[name] = (incoming[added].reset_index(drop=True), incoming[upsert].reset_index(drop=True))
        if self._bulk_wanted(todo):  # an empty graph: every row is new (so is every derived row)
            self._wrote = True

            def derive(sets: list[derived.DerivedSet]) -> dict[str, pd.DataFrame]:
                self._rederive(todo, report, repair, sets)
                if any(len(upsert) for _new, upsert in todo.values()):  # nothing stored to change
                    raise SendgraphError("bulk load: deriving the columns changed rows of an empty graph")
                return {name: new for name, (new, _upsert) in todo.items()}

            # sets writing nodes first (a bulk load numbers the nodes up front; cpd_days: <1 s
            # nationally), the rest while the server takes the tables they do not change
            sets = derived.sets_touching(self.schema, todo)
            early = [d for d in sets if any(t not in self.schema.relationships for t in d.tables)]
            rest = [d for d in sets if d not in early]
            later = {t for dset in rest for t in dset.tables}
            try:
                if early:
                    derive(early)
                self._bulk_load(
                    {name: new for name, (new, _upsert) in todo.items()},
                    progress,
                    lambda: derive(rest),
                    later,
                )
            except BaseException as exc:
                self._cache.clear()
                self._sizes.clear()
                self._finish(run_id, "failed", report, f"{type(exc).__name__}: {exc}"[:500])
                raise
            self._cache.clear()
            self._sizes.clear()
            self._finish(run_id, "complete", report, None)
            self.property_indexes()
            report.seconds = time.perf_counter() - start
            return report
        self._rederive(todo, report, repair)
        report.seconds = time.perf_counter() - start
        if report.unchanged and not repair:
            return report
        self.ensure_schema()
        self._wrote = True
        collecting = gc.isenabled()
        gc.disable()  # millions of short-lived row lists, no cycles: the collector only cost time (~10 s)
        try:
            with self._pipeline():
                self._write_tables(todo, progress)
        except BaseException as exc:
            self._cache.clear()
            self._sizes.clear()
            self._finish(run_id, "failed", report, f"{type(exc).__name__}: {exc}"[:500])
            raise
        finally:
            if collecting:
                gc.enable()
        self._cache.clear()
        self._sizes.clear()
        self._finish(run_id, "complete", report, None)
        report.seconds = time.perf_counter() - start
        return report

    def _rederive(
        self,
        todo: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
        report: LoadReport,
        repair: bool,
        sets: list[derived.DerivedSet] | None = None,
    ) -> None:
        """Fill the derived columns (:mod:`graphmodel.derived`) of what ``todo`` writes: every row of
        exactly the people (groups) the load adds or changes, recomputed from their rows on the
        server merged with the incoming ones; rows of theirs whose values change join ``todo`` (a
        new school post can change a service post's move). Nothing is written here, so a failed
        load still changes nothing, and both write routes (MERGE, bulk) carry the columns.
        ``sets``: only these (default: every set reading a table of ``todo``). A set with inputs
        (``cpd_days``) recomputes the people of the rows it reads, and every attendee of an
        activity whose row (or need) the load adds or changes."""
        for dset in derived.sets_touching(self.schema, todo) if sets is None else sets:
            self._refuse_underived(dset)
            linked = {t: (c, via) for t, c, via in dset.links}
            keys = [f[dset.group].dropna() for t in dset.reads if t not in linked for f in todo.get(t, ())]
            stored = {t: self._cache.get(t) for t in dset.reads}
            if all(f is not None and f.empty for f in stored.values()):
                # nothing stored to merge with (a first load): no groups to look up. Why: the distinct
                # keys of a national load's 2.6M posts alone took ~2 s, for lookups that find nothing
                if not any(len(k) for k in keys):
                    continue
                existing = {t: f.reset_index(drop=True) for t, f in stored.items()}
            else:
                existing = self._stored_groups(dset, todo, keys, linked)
                if existing is None:
                    continue
            incoming = {t: pd.concat(todo[t], ignore_index=True) for t in dset.reads if t in todo}
            for t, (column, via) in linked.items():  # the rows of what the groups' rows link to
                if stored[t] is not None and stored[t].empty:  # none stored: nothing to look up
                    existing[t] = stored[t].reset_index(drop=True)
                    continue
                ids = _distinct(
                    [f[column].dropna() for f in (existing[via], incoming.get(via)) if f is not None]
                )
                existing[t] = self.rows_by(t, column, ids)
            rows = derived.merged_groups(self.schema, dset, existing, incoming)
            for t in dset.tables:
                spec = self.schema.table(t)
                added, changed = diff(list(spec.key), existing[t], rows[t])  # every column
                upsert = ~added if repair else changed
                todo[t] = (rows[t][added].reset_index(drop=True), rows[t][upsert].reset_index(drop=True))
                report.rederived[t] = derived.rederived_rows(spec, existing[t], rows[t])

    def _stored_groups(
        self,
        dset: derived.DerivedSet,
        todo: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
        keys: list[pd.Series],
        linked: dict[str, tuple[str, str]],
    ) -> dict[str, pd.DataFrame] | None:
        """The stored rows of the groups (people) the incoming rows of ``dset``'s reads touch, by
        read table (not the linked tables: the caller looks up their rows); None if they touch none."""
        for t, (column, via) in linked.items():  # an activity changed: every stored attendee of it
            ids = _distinct([f[column].dropna() for f in todo.get(t, ())])
            if len(ids):  # (the incoming attendees are in ``keys`` already: ``via`` is a read)
                keys = [*keys, self.rows_by(via, column, ids)[dset.group]]
        people = _distinct(keys)
        if not len(people):
            return None
        return {t: self.rows_by(t, dset.group, people) for t in dset.reads if t not in linked}

    def _refuse_underived(self, dset: derived.DerivedSet) -> None:
        """Refuse to add to a graph whose rows lack the columns of ``dset``: one loaded by a sendgraph
        from before that set existed. Why: this load would fill them for the people it touches only,
        and the natives that read them (which refuse a graph without them, judging by one row) would
        then count everyone else wrongly. Every row a load writes has at least one of the set's
        columns filled, so a row with all of them blank is an older load's; and the set's ``marker``
        (its newest column, always filled) is looked for on one stored row, so a graph from before a
        column was added to an existing set (posts' ``spell_day``) is refused too; nothing is written."""
        for t in dset.tables:
            props = self.schema.table(t).properties.values()
            cols = [p.name for p in props if p.derived == dset.name]
            if dset.marker in cols:  # one row says whether the graph predates the set's newest column
                _c, rows = self.run_read(
                    cypher.unmarked(self.schema, t, dset.marker), cypher.table_params(self.schema, t)
                )
                if rows and rows[0][0]:
                    raise SendgraphError(
                        f"{self.describe()}: stored {t} rows have no {dset.marker} (derived, "
                        f"{dset.name}): the graph was loaded by an older sendgraph. Nothing was loaded; "
                        f"reload it whole with 'sendgraph server load --replace <bundle>'"
                    )
            stored = self._cache.get(t)
            if stored is None and dset.inputs:  # a load of the inputs only: ask the server for one
                _c, rows = self.run_read(
                    cypher.underived(self.schema, t, cols), cypher.table_params(self.schema, t)
                )
                if rows and int(rows[0][0]):
                    raise SendgraphError(
                        f"{self.describe()}: stored {t} rows have no {dset.name} columns "
                        f"({', '.join(cols)}): the graph was loaded by an older sendgraph. Nothing was "
                        f"loaded; reload it whole with 'sendgraph server load --replace <bundle>'"
                    )
            if stored is None or stored.empty:
                continue
            blank = stored[cols].isna().all(axis=1).to_numpy()
            if blank.any():
                raise SendgraphError(
                    f"{self.describe()}: {int(blank.sum()):,} of the {len(stored):,} stored {t} rows have no "
                    f"{dset.name} columns ({', '.join(cols)}): the graph was loaded by an older sendgraph. "
                    f"Nothing was loaded; reload it whole with 'sendgraph server load --replace <bundle>'"
                )

    def rows_of_people(self, name: str, people: list[str] | pa.Array) -> pd.DataFrame:
        """Every row (derived columns included) of relationship table ``name`` whose start node is
        one of ``people`` (keys of the start kind), typed and ordered by key; from the table already
        read by this load if there is one, else by key lookups in chunks."""
        return self.rows_by(name, self.schema.relationships[name].start.column, people)

    def rows_by(self, name: str, column: str, people: list[str] | pa.Array) -> pd.DataFrame:
        """Every row (derived columns included) of table ``name`` whose ``column`` (a node key, or a
        relationship's start or end column: :func:`cypher.rows_by`) is one of ``people``, typed and
        ordered by key; from the table already read by this load if there is one, else by key
        lookups in chunks."""
        if name in self._cache:
            frame = self._cache[name]
            if frame.empty:  # a first load: nothing to look people up in
                return frame.reset_index(drop=True)
            # Arrow's is_in, not pandas' ``isin``: nationally (1M people, 2.6M posts) pandas took 11-18 s
            # (a Python scalar per person, or an object hash table), Arrow about 1 s
            starts = pa.array(frame[column].astype(str), type=pa.string(), from_pandas=True)
            wanted = people if isinstance(people, pa.Array) else pa.array(people, type=pa.string())
            kept = pc.is_in(starts, value_set=wanted)
            return frame[kept.to_numpy(zero_copy_only=False)].reset_index(drop=True)
        query = cypher.rows_by(self.schema, name, column)
        params = cypher.table_params(self.schema, name)
        chunks = (
            _plain_list(people[i : i + ROWS_OF_PEOPLE_CHUNK])
            for i in range(0, len(people), ROWS_OF_PEOPLE_CHUNK)
        )
        parts = [self.typed_query(name, query, {**params, "ids": ids}) for ids in chunks]
        if not parts:
            return empty_frame(self.schema.table(name))
        spec = self.schema.table(name)
        out = pd.concat(parts, ignore_index=True)
        return out.sort_values(list(spec.key), kind="stable", ignore_index=True)

    # ---------------------------------------------------------------- a first load in bulk
    bulk_min_rows: int | None = None
    """Rows from which a load into a graph holding no data takes the server's bulk route
    (:meth:`_bulk_load`); None: this server has none (Neo4j: ``export --to neo4j-admin``)."""

    def _bulk_wanted(self, todo: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> bool:
        """True if this load may build the graph in bulk: the server has a bulk route, the load is big
        enough for it to pay, every row is new, and the graph holds nothing but load records."""
        if self.bulk_min_rows is None:
            return False
        if any(len(upsert) for _new, upsert in todo.values()):
            return False
        if sum(len(new) for new, _upsert in todo.values()) < max(1, self.bulk_min_rows):
            return False
        _c, rows = self.run_read(cypher.BULK_DATA_PRESENT, {})
        return not rows or int(rows[0][0]) == 0

    def _bulk_load(
        self,
        new: dict[str, pd.DataFrame],
        progress: Progress | None,
        derive: Callable[[], dict[str, pd.DataFrame]],
        later: set[str],
    ) -> None:
        """Write ``new`` (every row new, the graph empty) by the server's bulk route; all or nothing.

        The derived columns are not filled yet: ``derive()`` fills them (on ``todo`` and the load
        report) and returns every table as it is to be written; only the relationship tables in
        ``later`` change. Why a callback: the server can take the other tables while the client
        derives (national: ~10 s of client time, which the server otherwise waited through)."""
        raise NotImplementedError

    def _finish(self, run_id: str, status: str, report: LoadReport, error: str | None) -> None:
        counts = {"incoming": report.incoming, "added": report.added, "changed": report.changed}
        try:
            self.run_write(
                cypher.LOADRUN_FINISH,
                {
                    "run_id": run_id,
                    "status": status,
                    "finished": _now(),
                    "rows": sum(report.incoming.values()),
                    "counts": json.dumps(counts, sort_keys=True),
                    "error": error,
                    "sources": report.sources,
                },
            )
        except Exception:
            if status == "complete":
                raise  # a failed load's own error matters more than its bookkeeping

    def _send(self, query: str, rows: list[dict], extra: dict, step: str, progress: Progress | None) -> None:
        """Write ``rows`` in batches. The rows come from ``cypher.*_rows``, which build them from
        ``convert.column_values`` (plain values by construction), so only ``extra`` is converted here:
        re-walking every value cost more than the server's own work (tests check every call is plain)."""
        extra = plain(extra)
        for batch in _batches(rows, self.batch_size):
            self._heartbeat()
            self._submit(query, {"rows": batch, **extra})
            if progress:
                progress(step, len(batch))

    def _send_batches(
        self, query: str, batches: Iterator[list[list]], extra: dict, step: str, progress: Progress | None
    ) -> None:
        """Like :meth:`_send` for grouped batches (``[[key, rows], ...]``, see ``cypher.grouped_batches``)."""
        extra = plain(extra)
        for batch in batches:
            self._heartbeat()
            self._submit(query, {"rows": batch, **extra})
            if progress:
                progress(step, sum(len(g[1]) for g in batch))

    def _write_tables(
        self, todo: dict[str, tuple[pd.DataFrame, pd.DataFrame]], progress: Progress | None
    ) -> None:
        """Nodes of every table first, then reference relationships, then relationship tables.

        ``todo[table] = (new, upsert)``: ``new`` rows have keys the graph does not hold (diffed against
        a fresh pull) and go in with CREATE, which skips the per-row lookup a MERGE makes; ``upsert``
        rows (changed, or every existing row in a repair) go in with MERGE. A new node cannot have a
        reference link yet, so only upserted nodes get the stale-link DELETE.
        """
        schema = self.schema
        nodes = {n.name: n for n in schema.nodes.values()}
        for name, (new, upsert) in todo.items():
            if name in nodes:
                node = nodes[name]
                step = f"nodes {name}"
                self._send(cypher.node_create(node), cypher.node_rows(node, new), {}, step, progress)
                self._send(cypher.node_merge(node), cypher.node_rows(node, upsert), {}, step, progress)
        for name, (new, upsert) in todo.items():
            if name not in nodes:
                continue
            node = nodes[name]
            for prop in node.references:
                step = f"links {name}.{prop.name}"
                rows = cypher.ref_rows(node, prop, new)
                self._send(
                    cypher.ref_create(schema, node, prop),
                    [r for r in rows if r[1] is not None],
                    {},
                    step,
                    progress,
                )
                rows = cypher.ref_rows(node, prop, upsert)
                self._send(cypher.ref_delete(schema, node, prop), rows, {}, step, None)
                self._send(
                    cypher.ref_merge(schema, node, prop),
                    [r for r in rows if r[1] is not None],
                    {},
                    step,
                    progress,
                )
        for name, (new, upsert) in todo.items():
            if name in schema.relationships:
                rel, extra = schema.relationships[name], cypher.table_params(schema, name)
                for frame, statement in ((new, cypher.rel_create), (upsert, cypher.rel_merge)):
                    outer = cypher.group_side(schema, rel, frame)
                    batches = cypher.grouped_batches(cypher.rel_rows(rel, frame), outer, self.batch_size)
                    self._send_batches(
                        statement(schema, rel, outer), batches, extra, f"relationships {name}", progress
                    )

    def wipe(self) -> dict[str, int]:
        """Delete what this tool wrote (nodes with schema labels, and LoadRun records), nothing else."""
        deleted = {}
        for label in cypher.wipe_labels(self.schema):
            total = 0
            while True:
                params = (
                    {"limit": WIPE_BATCH, "keep": self._run_id}
                    if label == cypher.LOADRUN_LABEL
                    else {"limit": WIPE_BATCH}
                )
                _c, rows = self.run_write(cypher.wipe(label), params)
                n = int(rows[0][0]) if rows else 0
                total += n
                if n == 0:
                    break
            deleted[label] = total
        self._cache.clear()
        self._sizes.clear()
        return deleted


def _distinct(columns: list[pd.Series]) -> pa.Array:
    """The distinct values of ``columns`` as text, in the order they first appear.

    Why Arrow, and unsorted: ``sorted(pd.unique(...astype(str)))`` of a national load's million
    person ids made and sorted a million Python strings (~2-5 s); their order matters nowhere
    (:meth:`ServerStore.rows_of_people` returns its rows ordered by key whatever the order asked)."""
    if not columns:
        return pa.array([], type=pa.string())
    arrays = [pa.array(c.array) for c in columns]
    chunks = [
        a.cast(pa.string())
        for arr in arrays
        for a in (arr.chunks if isinstance(arr, pa.ChunkedArray) else [arr])
    ]
    return pc.unique(pa.chunked_array(chunks, type=pa.string()))


def _plain_list(values: list | pa.Array) -> list:
    return values.to_pylist() if isinstance(values, pa.Array) else list(values)


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def batch_size_from_env() -> int:
    """``SENDGRAPH_BATCH_SIZE`` (rows per UNWIND statement), default 5000."""
    return whole_number("SENDGRAPH_BATCH_SIZE", DEFAULT_BATCH_SIZE)
