"""SENCO audit on a graph server: the posts and qualifications of the people who are a SENCO on the
day are gathered with Cypher; the rules (SI 2014/1530 regs 49-50 as amended by SI 2024/535) run
unchanged from ``queries.audits.senco``.

What the rules read, and so what is fetched (nationally ~25k people, not the 617k QTS holders):

* every row of the audit is a SENCO post current on ``as_of`` (or a school without one), so
  eligibility (QTS, or head of the same school), earlier SENCO service, awards and courses are
  only ever looked up for the people holding such a post;
* one query scans the SENCO posts once, keeps those current on the day, and expands from their
  people to all their SENCO and HEAD posts (earlier SENCO service counts at any school); on a graph
  storing ``Person.specialist`` it starts from the flagged people instead of every post
  (:mod:`queries.native._specialists`: 2.4 s -> 0.3 s of server time nationally);
* QTS and SENCO awards made by ``as_of``, and SENCO courses started by then, are then fetched for
  those people by key (``a.person_id IN $people``: the Person key index answers it), in chunks.

A superset of the rows the embedded audit keeps is fine (it filters again); a subset is not, and
``tests/test_differential.py`` checks the answers are the same DataFrame.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.frames import isin
from graphmodel.schema import load_schema
from graphmodel.server.cypher import native_query, pull, returned_names
from graphmodel.validate import conform
from queries.audits.senco import AWARDS, senco_audit
from queries.context import Filters
from queries.native._specialists import specialist_read
from queries.native._view import WHOLE_TABLES, NarrowedStore, by_people, people_of
from queries.posts import current_mask
from queries.registry import implementation

_S = load_schema()
ROLES = ["SENCO", "HEAD"]
QUALS = ["QTS", *AWARDS]
_DAY = "2025-01-01"
_CURRENT = "r.start_date <= date($as_of) AND (r.end_date IS NULL OR r.end_date >= date($as_of))"

POSTS = specialist_read(
    "senco_audit.posts",
    f"MATCH (a:Person)-[r:WORKS_AT]->(b:School) WHERE r.role = $senco AND {_CURRENT} "
    "WITH DISTINCT a MATCH (a)-[r:WORKS_AT]->(b:School) WHERE r.role IN $roles "
    f"RETURN {pull(_S, 'posts').split(' RETURN ', 1)[1]}",
    {"senco": "SENCO", "roles": ROLES, "as_of": _DAY},
)
HELD = native_query(
    "senco_audit.held",
    pull(
        _S,
        "person_qualifications",
        "a.person_id IN $people AND b.code IN $quals AND r.awarded_date <= date($as_of)",
    ),
    {"people": ["P1"], "quals": QUALS, "as_of": _DAY},
)
STUDYING = native_query(
    "senco_audit.studying",
    pull(
        _S, "person_studying", "a.person_id IN $people AND b.code IN $quals AND r.start_date <= date($as_of)"
    ),
    {"people": ["P1"], "quals": list(AWARDS), "as_of": _DAY},
)
_STARTED = "r.role IN $roles AND r.start_date <= date($as_of)"
WITH_SPECIALISTS = specialist_read(
    "senco_audit.posts_with_specialists",
    f"MATCH (a:Person)-[r:WORKS_AT]->(b:School) WHERE (r.role = $senco AND {_CURRENT}) OR ({_STARTED}) "
    f"WITH a, max(CASE WHEN r.role = $senco AND {_CURRENT} THEN 1 ELSE 0 END) AS senco "
    f"MATCH (a)-[r:WORKS_AT]->(b:School) WHERE (senco = 1 AND r.role IN $senco_roles) OR ({_STARTED}) "
    f"RETURN {pull(_S, 'posts', 'true').split(' RETURN ', 1)[1]}",
    {"senco": "SENCO", "senco_roles": ROLES, "roles": ["QTVI_TEACHER"], "as_of": _DAY},
)
""":data:`POSTS` and the posts in ``$roles`` started by ``as_of`` (the sensory audit's), in one scan
of the posts: an analysis that runs both audits (deadlines; pipeline's SENCO and capacity columns)
scans the 2.6M posts once, not twice (~3 s of server time each nationally)."""


def with_specialists(store, as_of: dt.date, roles: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(the posts :data:`POSTS` reads, the school posts in ``roles`` started by ``as_of``), from one
    read of :data:`WITH_SPECIALISTS`, split here by the two reads' own predicates."""
    day = as_of.isoformat()
    params = {"senco": "SENCO", "senco_roles": ROLES, "roles": roles, "as_of": day}
    query = WITH_SPECIALISTS.pick(store, ["SENCO", *roles])
    return split_specialists(
        store.typed_query("posts", query.for_dialect(store.dialect.name), params), as_of, roles
    )


POST_COLUMNS = returned_names(WITH_SPECIALISTS.scan.text)
"""The columns of posts :data:`POSTS` and :data:`WITH_SPECIALISTS` read (the bundle's own; no derived
column): what :func:`split_specialists` keeps of a wider read."""


def split_specialists(
    posts: pd.DataFrame, as_of: dt.date, roles: list[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`with_specialists`' two frames from ``posts``: the rows of :data:`WITH_SPECIALISTS`, or
    any read holding at least them (every post of the current SENCOs in :data:`ROLES`, and the
    posts in ``roles`` started by ``as_of``; more rows are dropped here, and columns other than
    :data:`POST_COLUMNS` blanked), so a caller that reads the specialists' posts anyway need not
    walk them twice."""
    posts = conform(_S.table("posts"), posts[POST_COLUMNS])
    role = posts["role"].astype("string")
    senco = people_of(posts[(role == "SENCO").fillna(False).to_numpy() & current_mask(posts, as_of)])
    mine = isin(posts["person_id"], senco) & role.isin(ROLES).fillna(False).to_numpy()
    started = (posts["start_date"] <= pd.Timestamp(as_of)).fillna(False).to_numpy()
    theirs = role.isin(roles).fillna(False).to_numpy() & started
    return posts[mine].reset_index(drop=True), posts[theirs].reset_index(drop=True)


def senco_view(store, as_of: dt.date, posts: pd.DataFrame | None = None) -> NarrowedStore:
    """``store`` narrowed to what the SENCO audit of ``as_of`` reads (``posts``: what :data:`POSTS`
    gives, already read by :func:`with_specialists`)."""
    day = as_of.isoformat()
    posts_query = POSTS.scan if posts is not None else POSTS.pick(store, ["SENCO"])
    view = NarrowedStore(store, {"posts": (posts_query, {"senco": "SENCO", "roles": ROLES, "as_of": day})})
    if posts is not None:
        view.set_table("posts", lambda: posts)
    view.prefetch(*WHOLE_TABLES)
    posts = view.table("posts")  # on a server: all current SENCOs' posts; --show-cypher: every post
    people = people_of(
        posts[(posts["role"] == "SENCO").fillna(False).to_numpy() & current_mask(posts, as_of)]
    )
    view.set_table(
        "person_qualifications",
        lambda: by_people(store, "person_qualifications", HELD, people, {"quals": QUALS, "as_of": day}),
    )
    view.set_table(
        "person_studying",
        lambda: by_people(store, "person_studying", STUDYING, people, {"quals": list(AWARDS), "as_of": day}),
    )
    return view


@implementation(senco_audit, "falkordb", "neo4j")
def senco_audit_native(store, *, as_of: dt.date | None = None, filters: Filters = Filters()) -> pd.DataFrame:
    """:func:`queries.audits.senco.senco_audit`, with its posts and qualifications fetched server-side."""
    as_of = as_of or dt.date.today()
    return senco_audit.embedded(senco_view(store, as_of), as_of=as_of, filters=filters)
