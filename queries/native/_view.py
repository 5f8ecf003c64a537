"""A server store seen through native Cypher: some tables narrowed server-side, the rest pulled whole.

Why this shape: the analyses' rules (SI 2014/1530 regs 49-50, participation ladders, ...) are written
once, in pandas, in ``queries/``. What Cypher does better is the data gathering: on a national graph
the SENCO audit needs ~40k SENCO/head posts out of ~1.5M posts, so asking the server for exactly those
rows (``MATCH (a:Person)-[r:WORKS_AT]->(b:School) WHERE r.role IN $roles``) instead of pulling the
whole table is the win. A native implementation registers its narrowing queries with
``native_query`` / ``native_pull`` (so the Neo4j linter checks them), then runs the embedded
implementation against this view. The rows it gets are exactly the rows the embedded implementation
would have kept, so the answer is the same DataFrame (proved by ``tests/test_differential.py``).

A narrowed pull registered with ``native_pull`` is read in keyset pages when its table is large
(``ServerStore.pull_table``), so it never runs into the server's query timeout. A table can also be
given as a function (:meth:`NarrowedStore.set_table`), run the first time it is asked for: that is
how a read that depends on another one's answer (the qualifications of the people of the narrowed
posts, :func:`by_people`) stays lazy.

Prefetch (:meth:`NarrowedStore.prefetch`): the tables every audit reads whole (schools and their
geography) are pulled on a background thread while the main thread waits on the one heavy read,
the scan of WORKS_AT edges. The server runs the two queries on two of its threads, so the schools
(~1.5 s nationally) cost no wall time of their own; the answer is the same, only sooner.

``backend``: by default the view dispatches analyses it is handed to their embedded versions (the
narrowing is done); an analysis built on other analyses (deadlines on the SENCO and sensory audits)
passes the server's backend instead, so the inner analyses run their own native versions on it.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor

import pandas as pd

from graphmodel.server.base import ServerStore
from graphmodel.server.cypher import NativeQuery
from graphmodel.store import DerivedCache

WHOLE_TABLES = ("regions", "local_authorities", "trusts", "schools")
"""What :func:`queries.context.schools_frame` reads: the tables every audit pulls whole, the small
ones first (a prefetch pulls them in this order on one thread: with the 24k schools first, a read
of the 9 regions waited behind them and then behind a long scan in the server's queue, ~3 s)."""

PEOPLE_PER_QUERY = 20_000
"""Person ids per query of :func:`by_people`: each query is an index lookup per id, well under a
second on the server, so a long list never makes one query long enough to meet a timeout."""


class NarrowedStore(DerivedCache):
    """Read-only store: ``table(name)`` runs the native query registered for ``name``, if any."""

    def __init__(self, store, narrowed: dict[str, tuple[NativeQuery, dict]], backend: str = "native-view"):
        self._store = store
        self.schema = store.schema
        self.dialect = store.dialect
        self.backend = backend
        self._narrowed: dict[str, tuple[NativeQuery, dict] | Callable[[], pd.DataFrame]] = dict(narrowed)
        self._cache: dict = {}  # narrowed tables by name, and derived results (DerivedCache)
        self._futures: dict[str, Future] = {}

    def prefetch(self, *names: str) -> None:
        """Start pulling the (un-narrowed) tables ``names`` on a background thread, in order; a later
        ``table(name)`` waits for that pull instead of starting its own."""
        todo = [n for n in names if n not in self._narrowed and n not in self._futures]
        base = self._store
        while isinstance(base, NarrowedStore):
            base = base._store
        if not todo or not isinstance(base, ServerStore):  # e.g. --show-cypher: keep its order
            return
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sendgraph-prefetch")
        for name in todo:
            self._futures[name] = in_background(pool, self._store.table, name)
        pool.shutdown(wait=False)

    def set_table(self, name: str, fetch: Callable[[], pd.DataFrame]) -> None:
        """Table ``name`` is what ``fetch()`` returns (called once, when the table is first read)."""
        self._narrowed[name] = fetch
        self._cache.pop(name, None)

    def table(self, name: str) -> pd.DataFrame:
        if name in self._futures:
            return self._futures[name].result()
        if name not in self._narrowed:
            return self._store.table(name)
        if name not in self._cache:
            how = self._narrowed[name]
            if callable(how):
                self._cache[name] = how()
            else:
                query, params = how
                if query.table == name:
                    self._cache[name] = self._store.pull_table(name, query.where, params)
                else:
                    self._cache[name] = self._store.typed_query(
                        name, query.for_dialect(self.dialect.name), params
                    )
        return self._cache[name]

    # what a nested native implementation asks of the store it is given
    def typed_query(self, name: str, query: str, params: dict | None = None) -> pd.DataFrame:
        return self._store.typed_query(name, query, params)

    def pull_table(self, name: str, where: str | None = None, params: dict | None = None) -> pd.DataFrame:
        return self._store.pull_table(name, where, params)

    def run_read(
        self, query: str, params: dict | None = None, types: dict | None = None
    ) -> tuple[list[str], list[list]]:
        return self._store.run_read(query, params, types)

    def describe(self) -> str:
        return self._store.describe()


def in_background(pool: ThreadPoolExecutor, func: Callable, *args) -> Future:
    """``func(*args)`` on ``pool`` in a copy of this context: the running analysis's name goes with
    it, so a server refusal on that thread names the analysis."""
    return pool.submit(contextvars.copy_context().run, func, *args)


def chunks(values: list, size: int) -> list[list]:
    """``values`` in consecutive lists of at most ``size`` (none when ``values`` is empty): the key lists
    of look-up reads, so no single query grows with the data."""
    return [values[i : i + size] for i in range(0, len(values), size)]


def people_of(*frames: pd.DataFrame) -> list[str]:
    """The distinct person ids of ``frames`` (their ``person_id`` columns), sorted: a ``$people``."""
    ids: set = set()
    for f in frames:
        ids.update(f["person_id"].dropna().tolist())
    return sorted(ids)


def by_people(
    store, name: str, query: NativeQuery, people: Iterable[str], params: dict | None = None
) -> pd.DataFrame:
    """Rows of table ``name`` that ``query`` (with ``a.person_id IN $people``) returns for ``people``,
    asked :data:`PEOPLE_PER_QUERY` ids at a time, typed and ordered by key like ``store.table``."""
    people = list(people)
    text = query.for_dialect(store.dialect.name)
    parts = [
        store.typed_query(name, text, {**(params or {}), "people": part})
        for part in chunks(people, PEOPLE_PER_QUERY) or [[]]  # none: one read, for the typed empty table
    ]
    if len(parts) == 1:
        return parts[0]
    key = list(store.schema.table(name).key)
    return pd.concat(parts, ignore_index=True).sort_values(key, kind="stable", ignore_index=True)
