"""Participation on a graph server: only the posts that can carry a person's network membership to
a school are fetched; the participation ladder (WSS §1.6, UCL G10) runs unchanged from
``queries.networks.participation``.

A person's membership counts for a school only through a post they hold there on the day
(``active_posts``: blank start or end = open), and only people with a network membership matter.
So the members (``person_memberships``, one row per membership: ~26k nationally) are read first,
then the posts of those people held on the day are fetched by key (``a.person_id IN $people``: the
Person key index answers it, so the 2.6M WORKS_AT edges are never scanned). For participation over
time, the posts held at any time between the first and the last 31 August asked about (a superset:
the embedded rules pick each year's posts from them).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from graphmodel.schema import load_schema
from graphmodel.server.cypher import native_query, pull
from queries.context import Filters
from queries.native._view import WHOLE_TABLES, NarrowedStore, by_people, people_of
from queries.networks.participation import (
    participation_over_time,
    participation_summary,
    school_participation,
)
from queries.registry import implementation

_S = load_schema()
MEMBER_POSTS = native_query(
    "participation.member_posts",
    pull(
        _S,
        "posts",
        "a.person_id IN $people AND (r.start_date IS NULL OR r.start_date <= date($last)) "
        "AND (r.end_date IS NULL OR r.end_date >= date($first))",
    ),
    {"people": ["P1"], "first": "2025-01-01", "last": "2025-01-01"},
)


def _view(store, first: dt.date, last: dt.date | None = None) -> NarrowedStore:
    """``store`` with ``posts`` narrowed to members' posts held at some time from ``first`` to ``last``."""
    view = NarrowedStore(store, {})
    view.prefetch(*WHOLE_TABLES, "networks", "school_memberships")
    people = people_of(store.table("person_memberships"))
    days = {"first": first.isoformat(), "last": (last or first).isoformat()}
    view.set_table("posts", lambda: by_people(store, "posts", MEMBER_POSTS, people, days))
    return view


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


@implementation(participation_over_time, "falkordb", "neo4j")
def participation_over_time_native(
    store,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    years: Iterable[int] | None = None,
    network: str | None = None,
) -> pd.DataFrame:
    """:func:`queries.networks.participation.participation_over_time` with the members' posts of the
    years asked about fetched server-side (each year is judged on 31 August, as the embedded rule does)."""
    chosen = sorted(set(years)) if years is not None else [(as_of or dt.date.today()).year]
    days = [dt.date(y, 8, 31) for y in chosen] or [as_of or dt.date.today()]
    view = _view(store, days[0], days[-1])
    return participation_over_time.embedded(view, as_of=as_of, filters=filters, years=chosen, network=network)
