"""What Cypher an analysis runs on a graph server, with its parameters (``--show-cypher``).

Why: an analyst who keeps the graph in Neo4j wants to see, check and re-run in Neo4j Browser the
statements behind a figure. :class:`ExplainStore` wraps any store: analyses dispatch on it as on a
server (so native implementations run, ``queries.registry``), and every read is recorded. On a
server store the reads really run; on the embedded workspace each read is answered with the whole
table, which the analysis then narrows itself (the native narrowing only ever drops rows the rules
would drop), so the statements are those a server would be sent. A read whose parameters depend on
an earlier answer (e.g. the people holding PD posts) shows the value the recorded store gave.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from graphmodel.server import cypher
from graphmodel.server.convert import plain
from graphmodel.server.dialect import DIALECTS

Statement = tuple[str, dict]


class ExplainStore:
    """A read-only store that records every statement a server would run for the analyses given it."""

    def __init__(self, store, dialect: str = "neo4j"):
        self._store = store
        self.schema = store.schema
        self._server = hasattr(store, "typed_query")
        self.backend = store.backend if self._server else dialect
        self.dialect = store.dialect if self._server else DIALECTS[dialect]
        self.statements: list[Statement] = []

    def _record(self, query: str, params: dict | None) -> None:
        item = (" ".join(query.split()), plain(params or {}))
        if item not in self.statements:
            self.statements.append(item)

    def table(self, name: str) -> pd.DataFrame:
        self._record(cypher.pull(self.schema, name), cypher.table_params(self.schema, name))
        return self._store.table(name)

    def pull_table(self, name: str, where: str | None = None, params: dict | None = None) -> pd.DataFrame:
        params = {**cypher.table_params(self.schema, name), **(params or {})}
        self._record(cypher.pull(self.schema, name, where), params)
        return self._store.pull_table(name, where, params) if self._server else self._store.table(name)

    def typed_query(self, name: str, query: str, params: dict | None = None) -> pd.DataFrame:
        self._record(query, params)
        return self._store.typed_query(name, query, params) if self._server else self._store.table(name)

    def run_read(
        self, query: str, params: dict | None = None, types: dict | None = None
    ) -> tuple[list[str], list[list]]:
        self._record(query, params)
        return self._store.run_read(query, params, types) if self._server else ([], [])

    def counts(self) -> dict[str, int]:
        return self._store.counts()

    def describe(self) -> str:
        return self._store.describe()


def statements(run: Callable[[Any], Any], store, dialect: str = "neo4j") -> list[Statement]:
    """The statements ``run(store)`` sends (``run`` calls one or more public analyses on its argument)."""
    explain = ExplainStore(store, dialect)
    run(explain)
    return explain.statements


def _literal(value: Any) -> str:
    """A Cypher literal: JSON's strings, numbers, lists, true/false/null are Cypher; maps get bare keys."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_literal(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def as_browser_script(found: list[Statement]) -> str:
    """Statements as a Neo4j Browser script: ``:params {...}`` then the statement, for each."""
    parts = []
    for i, (query, params) in enumerate(found, 1):
        parts.append(f"// statement {i} of {len(found)}")
        if params:
            parts.append(f":params {_literal(params)}")
        parts.append(f"{query};")
        parts.append("")
    return "\n".join(parts)
