"""SENCO audit on a graph server: SENCO and head posts, SENCO awards, QTS and SENCO courses are
gathered with Cypher; the rules (SI 2014/1530 regs 49-50 as amended by SI 2024/535) run unchanged
from ``queries.audits.senco``."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.schema import load_schema
from graphmodel.server.cypher import native_query, pull
from queries.audits.senco import AWARDS, senco_audit
from queries.context import Filters
from queries.native._view import NarrowedStore
from queries.registry import implementation

_S = load_schema()
ROLES = ["SENCO", "HEAD"]
QUALS = ["QTS", *AWARDS]

POSTS = native_query("senco_audit.posts", pull(_S, "posts", "r.role IN $roles"), {"roles": ROLES})
HELD = native_query(
    "senco_audit.held",
    pull(_S, "person_qualifications", "b.code IN $quals AND r.awarded_date <= date($as_of)"),
    {"quals": QUALS, "as_of": "2025-01-01"},
)
STUDYING = native_query(
    "senco_audit.studying",
    pull(_S, "person_studying", "b.code IN $quals AND r.start_date <= date($as_of)"),
    {"quals": list(AWARDS), "as_of": "2025-01-01"},
)


@implementation(senco_audit, "falkordb", "neo4j")
def senco_audit_native(store, *, as_of: dt.date | None = None, filters: Filters = Filters()) -> pd.DataFrame:
    """:func:`queries.audits.senco.senco_audit`, with its posts and qualifications fetched server-side."""
    as_of = as_of or dt.date.today()
    day = as_of.isoformat()
    view = NarrowedStore(
        store,
        {
            "posts": (POSTS, {"roles": ROLES}),
            "person_qualifications": (HELD, {"quals": QUALS, "as_of": day}),
            "person_studying": (STUDYING, {"quals": list(AWARDS), "as_of": day}),
        },
    )
    return senco_audit.embedded(view, as_of=as_of, filters=filters)
