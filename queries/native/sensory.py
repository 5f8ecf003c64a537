"""Sensory, PD, capacity and deadline audits on a graph server: the rows each needs are fetched
with parameterised Cypher, filtered to the as-of date server-side; the rules run unchanged from
``queries.audits`` (SI 2003/1662 regs 6-9 for the sensory MQ, DOMAIN.md rule 3 for PD, the capacity
arithmetic, SI 2014/1530 reg. 50 for SENCO deadlines), so the answer is the embedded DataFrame.

What each fetches (nationally: a few thousand rows, never a whole ``posts``, ``service_posts``,
``person_qualifications`` or ``person_studying``):

* sensory: posts and service posts in a VI / HI / MSI role that had started by ``as_of`` (past posts
  too: the 3-year allowance runs from the first appointment for that sense), and awards of the
  matching MQ made by ``as_of``;
* PD: posts and service posts in a PD role current on ``as_of``, then the relevant awards made by
  then to the people holding them (their ids as a parameter: the many NASENCO holders who are not PD
  specialists stay on the server; FalkorDB cannot filter a pattern comprehension inside WHERE);
* capacity: the sensory rows, and pupil counts for VI / HI / MSI in the one year the table uses;
* deadlines: the SENCO and sensory audits' own native fetches, their posts in one scan of the posts
  (each audit alone scans them; ~3 s of server time nationally), and courses being studied towards
  an MQ by ``as_of``.

What is still pulled whole: schools, trusts, services and the catalogue and geography tables (one
row per place or code, not per person), because locations join to every row and the place filters
match codes or names case-insensitively in pandas. Place filters are applied there, not server-side:
the sensory allowance needs a person's posts everywhere, so narrowing by place would change answers.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.schema import load_schema
from graphmodel.server.cypher import NativeQuery, native_pull, native_query, pull
from queries.audits.capacity import capacity_against_need
from queries.audits.deadlines import check_arguments, deadlines, from_audits
from queries.audits.pd import pd_audit, relevant_qualifications
from queries.audits.senco import senco_audit
from queries.audits.sensory import SENSES, matching_mq, sensory_audit
from queries.context import Filters
from queries.native._specialists import SpecialistRead, specialist_read
from queries.native._view import WHOLE_TABLES, NarrowedStore, by_people, people_of
from queries.native.senco_audit import senco_view, with_specialists
from queries.posts import roles_for_needs
from queries.registry import implementation

_S = load_schema()
_DAY = "2025-01-01"
_STARTED = "r.role IN $roles AND r.start_date <= date($as_of)"
_CURRENT = f"{_STARTED} AND (r.end_date IS NULL OR r.end_date >= date($as_of))"
_ROLES = {"roles": ["QTVI_TEACHER"], "as_of": _DAY}

POSTS = specialist_read("sensory.posts", pull(_S, "posts", _STARTED), _ROLES)
SERVICE_POSTS = native_query("sensory.service_posts", pull(_S, "service_posts", _STARTED), _ROLES)
_HELD = "a.person_id IN $people AND b.code IN $quals AND r.awarded_date <= date($as_of)"
MQ_HELD = native_query(
    "sensory.mq_held",
    pull(_S, "person_qualifications", _HELD),
    {"people": ["P1"], "quals": ["MQ_VI"], "as_of": _DAY},
)
PD_POSTS = specialist_read("pd.posts", pull(_S, "posts", _CURRENT), _ROLES)
PD_SERVICE_POSTS = native_query("pd.service_posts", pull(_S, "service_posts", _CURRENT), _ROLES)
PD_HELD = native_query(
    "pd.held",
    pull(_S, "person_qualifications", _HELD),
    {"people": ["P1"], "quals": ["NASENCO"], "as_of": _DAY},
)
NEEDS_YEAR = native_query(
    "capacity.school_needs_year",
    "MATCH (a:School)-[r:HAS_NEED]->(b:NeedArea) WHERE b.code IN $needs RETURN max(r.year) AS year",
    {"needs": list(SENSES)},
)
_IN_YEAR = "b.code IN $needs AND r.year = $year"
SCHOOL_NEEDS = native_pull(
    "capacity.school_needs", _S, "school_needs", _IN_YEAR, {"needs": ["VI"], "year": 1}
)
LA_NEEDS = native_pull("capacity.la_needs", _S, "la_needs", "b.code IN $needs", {"needs": ["VI"]})
REGION_NEEDS = native_pull("capacity.region_needs", _S, "region_needs", "b.code IN $needs", {"needs": ["VI"]})
STUDYING = native_query(
    "deadlines.studying",
    pull(_S, "person_studying", "b.code IN $quals AND r.start_date <= date($as_of)"),
    {"quals": ["MQ_VI"], "as_of": _DAY},
)


def _specialists(
    store,
    as_of: dt.date,
    needs: list[str],
    posts: SpecialistRead,
    service_posts: NativeQuery,
    read: pd.DataFrame | None = None,
) -> NarrowedStore:
    """``store`` with ``posts`` and ``service_posts`` narrowed to the roles serving ``needs`` (one
    read each: a few thousand rows nationally, so not paged; the posts from the flagged specialists
    when the roles allow it); ``read``: the posts, already read."""
    roles = {"roles": sensory_roles(store, needs), "as_of": as_of.isoformat()}
    posts_query = posts.scan if read is not None else posts.pick(store, roles["roles"])
    view = NarrowedStore(store, {"posts": (posts_query, roles), "service_posts": (service_posts, roles)})
    if read is not None:
        view.set_table("posts", lambda: read)
    view.prefetch(*WHOLE_TABLES, "services")
    return view


def sensory_roles(store, needs: list[str] = SENSES) -> list[str]:
    """The role codes serving ``needs`` (by default the senses): the ``$roles`` of the posts read."""
    return roles_for_needs(store, needs)["role"].tolist()


def _held_by(
    view: NarrowedStore, store, as_of: dt.date, query: NativeQuery, quals: list[str], needs: list[str]
) -> None:
    """Narrow ``person_qualifications`` to ``quals`` awarded by ``as_of`` to the people of the view's
    posts and service posts (the rules only ever look up those people's awards)."""
    roles = sensory_roles(store, needs)
    people = people_of(*(_in_roles(view.table(t), roles) for t in ("posts", "service_posts")))
    params = {"quals": quals, "as_of": as_of.isoformat()}
    view.set_table(
        "person_qualifications", lambda: by_people(store, "person_qualifications", query, people, params)
    )


def _in_roles(posts: pd.DataFrame, roles: list[str]) -> pd.DataFrame:
    """``posts`` in ``roles`` (on a server the read already kept only those; ``--show-cypher`` on the
    embedded store answers with every post, and its people list should be the server's)."""
    return posts[posts["role"].isin(roles).fillna(False).to_numpy()]


def sensory_view(store, as_of: dt.date, posts: pd.DataFrame | None = None) -> NarrowedStore:
    """``store`` narrowed to what the sensory audit of ``as_of`` reads (``posts``: what :data:`POSTS`
    gives, already read by :func:`queries.native.senco_audit.with_specialists`)."""
    view = _specialists(store, as_of, SENSES, POSTS, SERVICE_POSTS, posts)
    _held_by(view, store, as_of, MQ_HELD, matching_mq(store)["required"].tolist(), SENSES)
    return view


@implementation(sensory_audit, "falkordb", "neo4j")
def sensory_audit_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """:func:`queries.audits.sensory.sensory_audit` with specialist posts and MQs fetched server-side."""
    as_of = as_of or dt.date.today()
    return sensory_audit.embedded(sensory_view(store, as_of), as_of=as_of, filters=filters)


@implementation(pd_audit, "falkordb", "neo4j")
def pd_audit_native(store, *, as_of: dt.date | None = None, filters: Filters = Filters()) -> pd.DataFrame:
    """:func:`queries.audits.pd.pd_audit` with current PD posts and their holders' awards fetched
    server-side."""
    as_of = as_of or dt.date.today()
    view = _specialists(store, as_of, ["PD"], PD_POSTS, PD_SERVICE_POSTS)
    _held_by(view, store, as_of, PD_HELD, relevant_qualifications(store), ["PD"])
    return pd_audit.embedded(view, as_of=as_of, filters=filters)


@implementation(capacity_against_need, "falkordb", "neo4j")
def capacity_against_need_native(
    store, *, as_of: dt.date | None = None, year: int | None = None, **kwargs
) -> pd.DataFrame:
    """:func:`queries.audits.capacity.capacity_against_need` with specialist posts, MQs and the pupil
    counts of one year fetched server-side (the same keyword arguments)."""
    as_of = as_of or dt.date.today()
    return capacity_of_view(sensory_view(store, as_of), store, as_of=as_of, year=year, **kwargs)


def capacity_of_view(
    view: NarrowedStore, store, *, as_of: dt.date, year: int | None = None, **kwargs
) -> pd.DataFrame:
    """:func:`capacity_against_need_native` on a sensory audit's ``view`` (pipeline reads its posts
    in one scan with the SENCO audit's)."""
    needs = {"needs": list(SENSES)}
    chosen = year
    if chosen is None:
        _c, rows = store.run_read(NEEDS_YEAR.for_dialect(store.dialect.name), needs)
        chosen = rows[0][0] if rows and rows[0][0] is not None else -1
    view._narrowed.update(
        {
            "school_needs": (SCHOOL_NEEDS, {**needs, "year": int(chosen)}),
            "la_needs": (LA_NEEDS, needs),
            "region_needs": (REGION_NEEDS, needs),
        }
    )
    return capacity_against_need.embedded(view, as_of=as_of, year=year, **kwargs)


@implementation(deadlines, "falkordb", "neo4j")
def deadlines_native(
    store,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    within: str = "6m",
    by: str = "school",
    include_overdue: bool = False,
) -> pd.DataFrame:
    """:func:`queries.audits.deadlines.deadlines` on the SENCO and sensory audits' native reads, their
    posts in one scan (:func:`queries.native.senco_audit.with_specialists`), with courses towards an
    MQ fetched server-side."""
    as_of = as_of or dt.date.today()
    check_arguments(within, by)
    quals = {"quals": matching_mq(store)["required"].tolist(), "as_of": as_of.isoformat()}
    view = NarrowedStore(store, {"person_studying": (STUDYING, quals)}, backend=store.backend)
    # the two audits' posts in one scan (each audit alone scans the 2.6M posts), the tables both
    # read whole (schools, geography) meanwhile
    warm = NarrowedStore(store, {})
    warm.prefetch(*WHOLE_TABLES, "services")
    posts, specialist = with_specialists(store, as_of, sensory_roles(store))
    senco = senco_audit.embedded(senco_view(view, as_of, posts), as_of=as_of, filters=filters)
    sensory = sensory_audit.embedded(sensory_view(view, as_of, specialist), as_of=as_of, filters=filters)
    return from_audits(
        view, senco, sensory, as_of=as_of, within=within, by=by, include_overdue=include_overdue
    )
