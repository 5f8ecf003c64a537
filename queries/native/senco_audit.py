"""SENCO audit on a graph server: the posts and qualifications of the people who are a SENCO on the
day are gathered with Cypher; the rules (SI 2014/1530 regs 49-50 as amended by SI 2024/535) run
unchanged from ``queries.audits.senco``.

What the rules read, and so what is fetched (nationally ~25k people, not the 617k QTS holders):

* every row of the audit is a SENCO post current on ``as_of`` (or a school without one), so
  eligibility (QTS, or head of the same school), earlier SENCO service, awards and courses are
  only ever looked up for the people holding such a post;
* one query scans the SENCO posts once, keeps those current on the day, and expands from their
  people to all their SENCO and HEAD posts (earlier SENCO service counts at any school);
* QTS and SENCO awards made by ``as_of``, and SENCO courses started by then, are then fetched for
  those people by key (``a.person_id IN $people``: the Person key index answers it), in chunks.

A superset of the rows the embedded audit keeps is fine (it filters again); a subset is not, and
``tests/test_differential.py`` checks the answers are the same DataFrame.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.schema import load_schema
from graphmodel.server.cypher import native_query, pull
from queries.audits.senco import AWARDS, senco_audit
from queries.context import Filters
from queries.native._view import WHOLE_TABLES, NarrowedStore, by_people, people_of
from queries.posts import current_mask
from queries.registry import implementation

_S = load_schema()
ROLES = ["SENCO", "HEAD"]
QUALS = ["QTS", *AWARDS]
_DAY = "2025-01-01"
_CURRENT = "r.start_date <= date($as_of) AND (r.end_date IS NULL OR r.end_date >= date($as_of))"

POSTS = native_query(
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


def senco_view(store, as_of: dt.date) -> NarrowedStore:
    """``store`` narrowed to what the SENCO audit of ``as_of`` reads."""
    day = as_of.isoformat()
    view = NarrowedStore(store, {"posts": (POSTS, {"senco": "SENCO", "roles": ROLES, "as_of": day})})
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
