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
(``ServerStore.pull_table``), so it never runs into the server's query timeout.

``backend``: by default the view dispatches analyses it is handed to their embedded versions (the
narrowing is done); an analysis built on other analyses (deadlines on the SENCO and sensory audits)
passes the server's backend instead, so the inner analyses run their own native versions on it.
"""

from __future__ import annotations

import pandas as pd

from graphmodel.server.cypher import NativeQuery
from graphmodel.store import DerivedCache


class NarrowedStore(DerivedCache):
    """Read-only store: ``table(name)`` runs the native query registered for ``name``, if any."""

    def __init__(self, store, narrowed: dict[str, tuple[NativeQuery, dict]], backend: str = "native-view"):
        self._store = store
        self.schema = store.schema
        self.dialect = store.dialect
        self.backend = backend
        self._narrowed = narrowed
        self._cache: dict = {}  # narrowed tables by name, and derived results (DerivedCache)

    def table(self, name: str) -> pd.DataFrame:
        if name not in self._narrowed:
            return self._store.table(name)
        if name not in self._cache:
            query, params = self._narrowed[name]
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

    def describe(self) -> str:
        return self._store.describe()
