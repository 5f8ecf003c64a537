"""The survey figures on a graph server: each base's people are found server-side and only their
rows come back; the figure definitions run unchanged from ``queries.survey_figures``.

What the definitions read, and so what is fetched (nationally ~100k rows, not the 2.6M posts and
915k qualifications the DataFrame version pulls):

* posts: every figure about people starts from a post current on ``as_of`` in a SENCO, VI / HI /
  MSI or PD_SPECIALIST role. One query scans those roles' posts once, keeps the current ones and
  expands from their people to the posts the figures look at: their current posts in any role
  (SLT, another role) and their SENCO posts of any date that had started (first appointment and
  earlier service, SI 2014/1530 reg. 50); on a graph storing ``Person.specialist`` the scan starts
  from the flagged people (:mod:`queries.native._specialists`);
* person_qualifications and person_studying: the awards, MQs and relevant qualifications of those
  people only, asked by person key (``a.person_id IN $people``), since each figure only asks
  whether one of its own base holds one;
* school_memberships: only memberships at ``downloaded_tool`` or a higher rung that had started by
  ``as_of`` (or carry no start date): the two school figures never look at lower rungs or later
  starts.

Schools, service posts and the small network tables (links, reviews, groups) are pulled whole.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.schema import load_schema
from graphmodel.server.cypher import native_query, pull
from queries.audits.senco import AWARDS
from queries.audits.sensory import SENSES, matching_mq
from queries.context import Filters
from queries.native._specialists import specialist_read
from queries.native._view import NarrowedStore, by_people, people_of
from queries.posts import current_mask, roles_for_needs
from queries.registry import implementation
from queries.survey_figures import DEFAULT_AS_OF, OTHER_SENSORY_QUALS, PD_QUALS, survey_figures

_S = load_schema()
_DAY = "2025-01-01"
_CURRENT = "r.start_date <= date($as_of) AND (r.end_date IS NULL OR r.end_date >= date($as_of))"
_POST_COLUMNS = pull(_S, "posts").split(" RETURN ", 1)[1]
LOWEST_RUNG = "downloaded_tool"
"""The lowest rung either school figure counts (``wss_schools_downloaded_or_trained``)."""

POSTS = specialist_read(
    "figures.posts",
    f"MATCH (a:Person)-[r:WORKS_AT]->(b:School) WHERE r.role IN $roles AND {_CURRENT} "
    "WITH DISTINCT a MATCH (a)-[r:WORKS_AT]->(b:School) WHERE r.start_date <= date($as_of) "
    "AND (r.role = $senco OR r.end_date IS NULL OR r.end_date >= date($as_of)) "
    f"RETURN {_POST_COLUMNS}",
    {"roles": ["SENCO"], "senco": "SENCO", "as_of": _DAY},
)
HELD = native_query(
    "figures.held",
    pull(
        _S,
        "person_qualifications",
        "a.person_id IN $people AND b.code IN $quals AND r.awarded_date <= date($as_of)",
    ),
    {"people": ["P1"], "quals": list(AWARDS), "as_of": _DAY},
)
STUDYING = native_query(
    "figures.studying",
    pull(
        _S, "person_studying", "a.person_id IN $people AND b.code IN $quals AND r.start_date <= date($as_of)"
    ),
    {"people": ["P1"], "quals": list(AWARDS), "as_of": _DAY},
)
MEMBERSHIPS = native_query(
    "figures.school_memberships",
    pull(
        _S,
        "school_memberships",
        "r.tier IN $tiers AND (r.start_date IS NULL OR r.start_date <= date($as_of))",
    ),
    {"tiers": ["attended_training"], "as_of": _DAY},
)


@implementation(survey_figures, "falkordb", "neo4j")
def survey_figures_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """:func:`queries.survey_figures.survey_figures` with each base's posts and qualifications
    fetched server-side (see the module docstring for why these rows are enough)."""
    as_of = as_of or DEFAULT_AS_OF
    day = as_of.isoformat()
    roles = ["SENCO", *roles_for_needs(store, SENSES)["role"], "PD_SPECIALIST"]
    ladder = list(store.schema.participation_tiers)
    tiers = ladder[ladder.index(LOWEST_RUNG) :]
    view = NarrowedStore(
        store,
        {
            "posts": (POSTS.pick(store, roles), {"roles": roles, "senco": "SENCO", "as_of": day}),
            "school_memberships": (MEMBERSHIPS, {"tiers": tiers, "as_of": day}),
        },
    )
    view.prefetch("schools", "service_posts", "school_links", "peer_reviews", "group_memberships", "networks")
    # the bases' people (on a server the posts read holds only them and their other posts)
    posts, svc = view.table("posts"), view.table("service_posts")
    people = people_of(
        *(p[p["role"].isin(roles).fillna(False).to_numpy() & current_mask(p, as_of)] for p in (posts, svc))
    )
    quals = sorted({*AWARDS, *matching_mq(store)["required"], *OTHER_SENSORY_QUALS, *PD_QUALS})
    held = {"quals": quals, "as_of": day}
    view.set_table(
        "person_qualifications", lambda: by_people(store, "person_qualifications", HELD, people, held)
    )
    study = {"quals": list(AWARDS), "as_of": day}
    view.set_table("person_studying", lambda: by_people(store, "person_studying", STUDYING, people, study))
    return survey_figures.embedded(view, as_of=as_of, filters=filters)
