"""Reads that start from specialists' posts: by the ``Person.specialist`` index when they may.

Why: a native that wants the posts of a few specialist roles (current SENCOs, the survey figures'
bases, the holders of a target role) otherwise scans every WORKS_AT edge for the role (2.6M
nationally: 2.4-4.3 s of server time per read). Each load stores ``specialist`` on every person
(:mod:`graphmodel.specialists`: holds or held a school post in a specialist role) with a node
index, so the same read can start ``MATCH (a:Person) WHERE a.specialist = true`` (an index lookup
of 33k people) and walk only their posts: the same rows, several times faster.

The indexed read is used only when it gives exactly the rows of the scan:

* every role the read starts from is in :data:`graphmodel.specialists.SPECIALIST_ROLES` (a bundle
  may bring its own roles catalogue, and the flag means the shipped set only): otherwise the scan;
* the graph stores the flag (one person is asked; every load writes it on every person, and a
  graph from before it cannot be added to, so one row tells): otherwise the scan. A graph loaded
  by an older sendgraph still answers, the same, only as slowly as before.

Both statements of a read are registered with ``native_query`` (the Neo4j linter checks both).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from graphmodel.server.cypher import NativeQuery, native_query
from graphmodel.specialists import FLAG, is_specialist_set

__all__ = ["HAS_FLAG", "SpecialistRead", "flag_stored", "specialist_read", "use_index"]

SCAN = "MATCH (a:Person)-[r:WORKS_AT]->(b:School) WHERE "
"""How every read this module serves starts: a scan of the school posts, filtered by role."""
INDEXED = f"MATCH (a:Person) WHERE a.{FLAG} = true MATCH (a)-[r:WORKS_AT]->(b:School) WHERE "
"""The same start from the flagged people. ``= true``, not a bare ``a.specialist``: FalkorDB 4.16
plans "Node By Index Scan" only for the comparison."""

HAS_FLAG = native_query(
    "specialists.flag_stored",
    f"MATCH (a:Person) WITH a LIMIT 1 RETURN a.{FLAG} IS NOT NULL AS stored",
    {},
)


def flag_stored(store) -> bool:
    """True if ``store``'s people carry the flag (or it has no people: either read gives nothing).
    Asked once per store object (kept with its derived results, dropped when a load changes it)."""

    def ask() -> bool:
        _cols, rows = store.run_read(HAS_FLAG.for_dialect(store.dialect.name), {})
        return not rows or bool(rows[0][0])

    cache = getattr(store, "cache", None)
    return bool(cache(("specialists", "flag_stored"), ask)) if cache is not None else ask()


def use_index(store, roles: Iterable[str]) -> bool:
    """True if a read starting from the posts in ``roles`` may start from the flagged people."""
    return is_specialist_set(roles) and flag_stored(store)


@dataclass(frozen=True)
class SpecialistRead:
    """One read in two forms: the scan of every school post, and the start from the flag."""

    scan: NativeQuery
    indexed: NativeQuery

    def pick(self, store, roles: Iterable[str]) -> NativeQuery:
        """The form to run for a read starting from the posts in ``roles`` (:func:`use_index`)."""
        return self.indexed if use_index(store, roles) else self.scan


def specialist_read(id: str, text: str, parameters: dict) -> SpecialistRead:
    """Register ``text`` (starting with :data:`SCAN`) as ``id`` and its indexed form as
    ``id.by_flag``. The WHERE after the scan must keep only posts in the roles the caller passes
    to :meth:`SpecialistRead.pick` (anything else would be missed by the indexed form)."""
    text = " ".join(text.split())
    if not text.startswith(SCAN):
        raise ValueError(f"{id}: a specialist read starts with {SCAN!r}")
    rest = text[len(SCAN) :]
    return SpecialistRead(
        native_query(id, text, parameters), native_query(f"{id}.by_flag", INDEXED + rest, parameters)
    )
