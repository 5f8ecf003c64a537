"""Sensory-specialist audit and capacity against need on a graph server: only posts in roles that
serve a need (QTVI, QTHI, QTMSI, advisory and PD roles: catalogue ``roles.need``) are fetched, at
schools and in LA services; the mandatory-qualification rules (SI 2003/1662 regs 6-9) and the
capacity arithmetic run unchanged from ``queries.audits.sensory`` and ``queries.audits.capacity``."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.schema import load_schema
from graphmodel.server.cypher import native_query, pull
from queries.audits.capacity import capacity_against_need
from queries.audits.sensory import sensory_audit
from queries.context import Filters
from queries.native._view import NarrowedStore
from queries.registry import implementation

_S = load_schema()
POSTS = native_query("sensory.posts", pull(_S, "posts", "r.role IN $roles"), {"roles": ["QTVI_TEACHER"]})
SERVICE_POSTS = native_query(
    "sensory.service_posts", pull(_S, "service_posts", "r.role IN $roles"), {"roles": ["ADVISORY_VI"]}
)


def _view(store) -> NarrowedStore:
    roles = store.table("roles")
    codes = roles.loc[roles["need"].notna().to_numpy(dtype=bool), "code"].tolist()
    return NarrowedStore(
        store, {"posts": (POSTS, {"roles": codes}), "service_posts": (SERVICE_POSTS, {"roles": codes})}
    )


@implementation(sensory_audit, "falkordb", "neo4j")
def sensory_audit_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """:func:`queries.audits.sensory.sensory_audit` with specialist posts fetched server-side."""
    return sensory_audit.embedded(_view(store), as_of=as_of, filters=filters)


@implementation(capacity_against_need, "falkordb", "neo4j")
def capacity_against_need_native(store, **kwargs) -> pd.DataFrame:
    """:func:`queries.audits.capacity.capacity_against_need` with specialist posts fetched server-side
    (the same keyword arguments)."""
    return capacity_against_need.embedded(_view(store), **kwargs)
