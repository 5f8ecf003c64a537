"""The graph store interface every backend implements.

Analyses are written against this protocol. A store can always hand back a whole table as a typed
DataFrame (the embedded store reads it from Parquet; a server store pulls it with one Cypher query),
so every analysis runs on every backend; a server backend may also register native Cypher versions
of analyses (see ``queries/registry.py``), and the differential tests prove both give the same answer.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from contextlib import AbstractContextManager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Protocol, TypeVar, runtime_checkable

import pandas as pd

from graphmodel.schema import Schema
from graphmodel.validate import Checked

CURRENT_ANALYSIS: ContextVar[str | None] = ContextVar("sendgraph_current_analysis", default=None)
"""The analysis being run (set by ``queries.registry``), so a server that refuses a query can be
reported as "audit X needs more time than the server allows", not as a bare driver error."""

Progress = Callable[[str, int], None]
"""Called with a step description and a row count as a load advances."""


@dataclass
class LoadReport:
    """What a load did, per table: rows in the input, rows added and rows changed."""

    sources: list[str]
    incoming: dict[str, int] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)
    changed: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    rederived: dict[str, int] = field(default_factory=dict)
    """Rows whose derived columns (schema.toml ``derived``) were set or changed, per table: not
    counted as added or changed (no input row changed them), but written."""

    @property
    def unchanged(self) -> bool:
        return not any(self.added.values()) and not any(self.changed.values())

    def frame(self) -> pd.DataFrame:
        names = sorted(self.incoming)
        return pd.DataFrame(
            {
                "table": names,
                "incoming": [self.incoming[n] for n in names],
                "added": [self.added.get(n, 0) for n in names],
                "changed": [self.changed.get(n, 0) for n in names],
            }
        )


T = TypeVar("T")


class DerivedCache:
    """Results derived from a store's tables, kept on the store (not in module globals).

    An entry lives as long as the store object and is dropped with the store's table cache when a
    load changes the data, so an analysis never sees a result built from data that has gone.
    """

    _cache: dict

    def cache(self, key: Hashable, build: Callable[[], T]) -> T:
        """The value cached under ``key``, built with ``build()`` the first time it is asked for."""
        full = ("derived", key)
        if full not in self._cache:
            self._cache[full] = build()
        return self._cache[full]


@runtime_checkable
class GraphStore(Protocol):
    """What analyses, loaders and maps may ask of a store."""

    backend: str
    schema: Schema

    def table(self, name: str) -> pd.DataFrame:
        """The whole table, typed per the schema (an empty frame with the right columns if none)."""
        ...

    def counts(self) -> dict[str, int]:
        """Row counts by table name."""
        ...

    def load(self, checked: list[Checked], progress: Progress | None = None) -> LoadReport:
        """Merge validated tables into the graph: all or nothing, idempotent."""
        ...

    def writing(self) -> AbstractContextManager:
        """Hold the store's writer lock (workspace lock / server lease) from reading to committing;
        raises a :class:`~graphmodel.errors.SendgraphError` at once if another load holds it."""
        ...

    def describe(self) -> str:
        """Where the data lives, for output metadata (a path or a server URI without secrets)."""
        ...

    def cache(self, key: Hashable, build: Callable[[], T]) -> T:
        """A derived result kept on the store until its data changes (:class:`DerivedCache`)."""
        ...
