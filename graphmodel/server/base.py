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
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import uuid
from collections.abc import Iterator

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.merge import diff
from graphmodel.schema import Schema, load_schema
from graphmodel.server import cypher
from graphmodel.server.convert import is_plain, plain, typed_column
from graphmodel.server.dialect import Dialect
from graphmodel.store import DerivedCache, LoadReport, Progress
from graphmodel.validate import Checked, conform, empty_frame

DEFAULT_BATCH_SIZE = 5000
WIPE_BATCH = 10000


def _batches(rows: list, size: int) -> Iterator[list]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


class ServerStore(DerivedCache):
    """A GraphStore on a graph server; subclasses provide the connection."""

    backend = "server"
    dialect: Dialect

    def __init__(self, schema: Schema | None = None, batch_size: int = DEFAULT_BATCH_SIZE):
        self.schema = schema or load_schema()
        if batch_size < 1:
            raise ValueError("batch size must be at least 1")
        self.batch_size = batch_size
        self._cache: dict = {}  # tables by name, and derived results (DerivedCache)

    # ---------------------------------------------------------------- what a subclass provides
    def _read(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        """Run a read statement; return (column names, rows)."""
        raise NotImplementedError

    def _write(self, query: str, params: dict) -> tuple[list[str], list[list]]:
        """Run one write statement atomically; return (column names, rows) like ``_read``."""
        raise NotImplementedError

    def _unique_constraint(self, label: str, key: str) -> None:
        """Create a uniqueness constraint Cypher cannot express on this server (FalkorDB)."""
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    # ---------------------------------------------------------------- running statements
    def run_read(self, query: str, params: dict | None = None) -> tuple[list[str], list[list]]:
        params = plain(params or {})
        assert is_plain(params)
        return self._read(query, params)

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
        """The whole table pulled with one query, typed and ordered by key like the embedded store."""
        if name in self._cache:
            return self._cache[name]
        frame = self.typed_query(name, cypher.pull(self.schema, name), cypher.table_params(self.schema, name))
        self._cache[name] = frame
        return frame

    def typed_query(self, name: str, query: str, params: dict | None = None) -> pd.DataFrame:
        """Rows of table ``name`` returned by ``query`` (a :func:`cypher.pull`, maybe narrowed), typed
        and ordered by key exactly as :meth:`table` gives them."""
        spec = self.schema.table(name)
        columns, rows = self.run_read(query, params)
        if not rows:
            frame = empty_frame(spec)
        else:
            data = list(zip(*rows, strict=True))
            frame = pd.DataFrame(
                {c: typed_column(list(data[i]), spec.properties[c].type) for i, c in enumerate(columns)}
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
    def ensure_schema(self) -> None:
        """Constraints and indexes from the schema; run before any MERGE, harmless to repeat."""
        for stmt in self.dialect.schema_ddl(self.schema):
            try:
                self.run_write(stmt)
            except Exception as exc:
                if not self.dialect.already_exists(exc):
                    raise
        for label, key in self.dialect.unique_constraints(self.schema):
            self._unique_constraint(label, key)

    def _last_run_complete(self) -> bool:
        runs = self.load_runs()
        return runs.empty or runs["status"].iloc[0] == "complete"

    def load(self, checked: list[Checked], progress: Progress | None = None) -> LoadReport:
        """Merge validated tables into the server in batches; see the module docstring for guarantees."""
        start = time.perf_counter()
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
        report.seconds = time.perf_counter() - start
        if report.unchanged and not repair:
            return report
        self.ensure_schema()
        run_id = uuid.uuid4().hex
        self.run_write(
            cypher.LOADRUN_START,
            {
                "run_id": run_id,
                "tool": "sendgraph",
                "status": "running",
                "started": _now(),
                "sources": report.sources,
                "schema_version": self.schema.version,
            },
        )
        try:
            self._write_tables(todo, progress)
        except BaseException as exc:
            self._cache.clear()
            self._finish(run_id, "failed", report, f"{type(exc).__name__}: {exc}"[:500])
            raise
        self._cache.clear()
        self._finish(run_id, "complete", report, None)
        report.seconds = time.perf_counter() - start
        return report

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
            self._write(query, {"rows": batch, **extra})
            if progress:
                progress(step, len(batch))

    def _send_batches(
        self, query: str, batches: Iterator[list[list]], extra: dict, step: str, progress: Progress | None
    ) -> None:
        """Like :meth:`_send` for grouped batches (``[[key, rows], ...]``, see ``cypher.grouped_batches``)."""
        extra = plain(extra)
        for batch in batches:
            self._write(query, {"rows": batch, **extra})
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
                _c, rows = self.run_write(cypher.wipe(label), {"limit": WIPE_BATCH})
                n = int(rows[0][0]) if rows else 0
                total += n
                if n == 0:
                    break
            deleted[label] = total
        self._cache.clear()
        return deleted


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def batch_size_from_env() -> int:
    """``SENDGRAPH_BATCH_SIZE`` (rows per UNWIND statement), default 5000."""
    raw = os.environ.get("SENDGRAPH_BATCH_SIZE")
    if not raw:
        return DEFAULT_BATCH_SIZE
    try:
        size = int(raw)
    except ValueError:
        size = 0
    if size < 1:
        raise SendgraphError(f"SENDGRAPH_BATCH_SIZE must be a positive whole number (got {raw!r})")
    return size
