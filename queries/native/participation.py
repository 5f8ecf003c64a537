"""Participation on a graph server: only the posts that can carry a network membership to a school
(held on the day, by someone who is a member of a network) are fetched, with a pattern predicate;
the participation ladder (WSS §1.6, UCL G10) runs unchanged from ``queries.networks.participation``."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.schema import load_schema
from graphmodel.server.cypher import native_query, pull
from queries.context import Filters
from queries.native._view import NarrowedStore
from queries.networks.participation import participation_summary, school_participation
from queries.registry import implementation

_S = load_schema()
MEMBER_POSTS = native_query(
    "participation.member_posts",
    pull(
        _S,
        "posts",
        "(r.start_date IS NULL OR r.start_date <= date($as_of)) "
        "AND (r.end_date IS NULL OR r.end_date >= date($as_of)) "
        "AND (a)-[:MEMBER_OF]->(:Network)",
    ),
    {"as_of": "2025-01-01"},
)


def _view(store, as_of: dt.date) -> NarrowedStore:
    return NarrowedStore(store, {"posts": (MEMBER_POSTS, {"as_of": as_of.isoformat()})})


@implementation(school_participation, "falkordb", "neo4j")
def school_participation_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters(), network: str | None = None
) -> pd.DataFrame:
    """:func:`queries.networks.participation.school_participation` with member posts fetched server-side."""
    as_of = as_of or dt.date.today()
    return school_participation.embedded(_view(store, as_of), as_of=as_of, filters=filters, network=network)


@implementation(participation_summary, "falkordb", "neo4j")
def participation_summary_native(
    store,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    by: str | None = None,
    network: str | None = None,
) -> pd.DataFrame:
    """:func:`queries.networks.participation.participation_summary` with member posts fetched server-side."""
    as_of = as_of or dt.date.today()
    return participation_summary.embedded(
        _view(store, as_of), as_of=as_of, filters=filters, by=by, network=network
    )
