"""Bottlenecks on the routes to specialist roles: the roles and qualifications most routes pass
through, and how much provider capacity stands behind each qualification.

UCL 2019 KF5 / G7 (no common pathway; the NASENCO or an MQ after 4–5 years) and §3.2 (a handful of
universities offer the sensory MQs): if every route to a QTVI post passes through MQ_VI, the
number of places offered for MQ_VI caps the supply of QTVIs, however many teachers are ready.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from graphmodel.store import GraphStore
from queries.careers.routes import (
    SPECIALIST_CATEGORIES,
    current_requirements,
    entry_roles,
    qualification_providers,
    ranked_paths,
    reference_graph,
    specialist_roles,
    step_qualifications,
)
from queries.careers.spells import OPEN_DAY, career_arrays, move_arrays, spell_arrays
from queries.context import Filters, refuse_filters
from queries.posts import current_posts, current_service_posts, held, studying
from queries.publish import Publishes
from queries.registry import analysis

if TYPE_CHECKING:  # imported where used: a new process for another command skips networkx
    import networkx as nx

__all__ = [
    "OBSERVED",
    "bottlenecks",
    "observed_bottlenecks",
]

COLUMNS = [
    "kind",
    "code",
    "name",
    "routes",
    "route_share",
    "betweenness",
    "providers",
    "national_providers",
    "places_per_year",
    "providers_with_places",
]


def route_set(
    store: GraphStore, limit: int = 10, graph: nx.DiGraph | None = None
) -> list[tuple[str, str, list[str], list[list[str]]]]:
    """The ranked reference routes (up to ``limit`` per pair) from every entry role (ITT, TA) to every
    specialist role: (source, target, path, qualifications per step). ``graph`` is the store's
    :func:`~queries.careers.routes.reference_graph` when the caller has already built it."""
    if graph is None:
        graph = reference_graph(store)
    out = []
    for source in entry_roles(graph):
        for target in specialist_roles(graph):
            if source == target:
                continue
            for _w, path in ranked_paths(graph, source, target, limit):
                out.append((source, target, path, step_qualifications(graph, path)))
    return out


@analysis
def bottlenecks(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters(), limit: int = 10
) -> pd.DataFrame:
    """Roles and qualifications ranked by the number of entry-to-specialist routes through them.

    ``routes`` counts the ranked routes (:func:`route_set`) whose intermediate roles include the
    role (not its start or end), or one of whose steps needs the qualification; ``route_share`` =
    routes / all routes. ``betweenness`` is the roles' betweenness centrality on the reference graph
    weighted by typical years (blank for qualifications). For qualifications: ``providers`` offering
    it, how many are national, and ``places_per_year`` summed over the ``providers_with_places``
    that report places (blank when none does: capacity unknown, not zero). With ``as_of``, steps
    need the qualifications role requirements name on that date. Routes on paper: no filter applies
    (a non-empty one is refused; :func:`observed_bottlenecks` takes them).

    >>> bottlenecks(store, limit=5)  # doctest: +SKIP
    """
    refuse_filters(filters, "bottlenecks on reference routes (use --view observed to filter)")
    graph = reference_graph(store, as_of=as_of)
    routes = route_set(store, limit, graph)
    total = len(routes)
    role_count: dict[str, int] = {}
    qual_count: dict[str, int] = {}
    for _s, _t, path, quals in routes:
        for role in set(path[1:-1]):
            role_count[role] = role_count.get(role, 0) + 1
        for q in {q for step in quals for q in step}:
            qual_count[q] = qual_count.get(q, 0) + 1
    import networkx as nx

    between = nx.betweenness_centrality(graph, weight="typical_years", normalized=True)
    rows = [
        {
            "kind": "role",
            "code": r,
            "name": graph.nodes[r].get("name"),
            "routes": n,
            "betweenness": round(between.get(r, 0.0), 4),
        }
        for r, n in role_count.items()
    ]

    offers = qualification_providers(store)
    names = store.table("qualifications").set_index("code")["name"]
    for q, n in qual_count.items():
        mine = offers[offers["qualification"] == q]
        places = mine["places_per_year"].dropna()
        rows.append(
            {
                "kind": "qualification",
                "code": q,
                "name": names.get(q),
                "routes": n,
                "providers": len(mine),
                "national_providers": int(mine["region_code"].isna().sum()),
                "places_per_year": int(places.sum()) if len(places) else pd.NA,
                "providers_with_places": len(places),
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    out["route_share"] = (out["routes"] / total).round(4) if total else 0.0
    for c in ("providers", "national_providers", "places_per_year", "providers_with_places"):
        out[c] = out[c].astype("Int64")
    out["routes"] = out["routes"].astype("int64")
    out = out.sort_values(["routes", "kind", "code"], ascending=[False, True, True], kind="stable")
    return out.reset_index(drop=True)


OBSERVED_COLUMNS = [
    "kind",
    "code",
    "name",
    "people",
    "share",
    "need",
    "in_training",
    "providers",
    "places_per_year",
    "providers_with_places",
    "places_per_need",
]
OBSERVED = Publishes(
    counts=("people", "need", "in_training"),
    rates={"share": ("people",), "places_per_need": ("need",)},
    additive=False,  # a person held several roles and made several steps on the way
)
"""What :func:`observed_bottlenecks` publishes through :func:`queries.publish.publish`."""
AWARD_KIND = "statutory"
"""Qualifications of this catalogue kind stand in for each other (NASENCO or the NPQ for SENCOs)."""


@analysis
def observed_bottlenecks(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """Bottlenecks weighed by people, not by routes on paper (issue 16).

    ``role`` rows: the roles people held before entering their first SEND specialism (roles of
    categories senco, sensory, advisory, pd), counted once per person (``people``), with ``share`` =
    people / everyone entering a specialism with an earlier role on record. ``step`` rows: the moves
    (``FROM -> TO``, :mod:`queries.careers.spells`) people made up to and including that entry.
    People are placed where they entered the specialism (``filters``).

    ``qualification`` rows: each qualification a specialist role requires on ``as_of``, with the
    ``need`` it serves = people in a current post of such a role (in scope) who hold neither it nor
    (for the SENCO awards) the other award, ``in_training`` = those of them studying it, and the
    providers' ``places_per_year`` summed over the ``providers_with_places`` that publish places.
    No published source gives places (the shipped catalogue leaves ``places_per_year`` blank), so
    ``places_per_need`` is blank unless you load ``provider_offers`` rows with places.

    >>> observed_bottlenecks(store, filters=Filters(region="North East"))  # doctest: +SKIP
    """
    day = as_of or dt.date.today()
    sp = spell_arrays(career_arrays(store, filters, as_of=as_of))
    roles_t = store.table("roles")
    special = set(roles_t.loc[roles_t["category"].isin(SPECIALIST_CATEGORIES), "code"].astype(str))
    names = dict(zip(roles_t["code"].astype(str), roles_t["name"], strict=True))
    is_special = np.isin(np.asarray(sp.roles, dtype=object), list(special))
    rows: list[dict] = []
    if len(sp):
        order = np.lexsort((sp.start, sp.person))
        c = sp.take(order)
        spec = is_special[c.role]
        first = np.full(len(c.people), OPEN_DAY, dtype=np.int64)
        scope = np.zeros(len(c.people), dtype=bool)
        idx = np.flatnonzero(spec)[::-1]  # reversed: the earliest write wins
        first[c.person[idx]] = c.start[idx]
        scope[c.person[idx]] = c.in_scope[idx]
        before = (c.start < first[c.person]) & scope[c.person]
        held_before = pd.DataFrame({"p": c.person[before], "r": c.role[before]}).drop_duplicates()
        entrants = held_before["p"].nunique()
        for r, n in held_before.groupby("r").size().items():
            code = str(sp.roles[r])
            rows.append({"kind": "role", "code": code, "name": names.get(code), "people": int(n)})
        mv = move_arrays(sp)
        on_way = (mv.start <= first[mv.person]) & scope[mv.person]
        steps = pd.DataFrame({"p": mv.person[on_way], "f": mv.from_role[on_way], "t": mv.to_role[on_way]})
        for (f, t), n in steps.drop_duplicates().groupby(["f", "t"]).size().items():
            rows.append({"kind": "step", "code": f"{sp.roles[f]} -> {sp.roles[t]}", "people": int(n)})
    else:
        entrants = 0
    required = current_requirements(store, day)
    cat = store.table("qualifications").set_index("code")
    kind = cat["kind"].astype(str).to_dict()
    have = held(store, day)[["person_id", "qualification"]].astype(str)
    study = studying(store, day)[["person_id", "qualification"]].astype(str)
    posts = pd.concat(
        [
            current_posts(store, day)[["person_id", "role", "urn"]],
            current_service_posts(store, day)[["person_id", "role", "service_id"]],
        ],
        ignore_index=True,
    )
    if filters.describe():
        c2 = career_arrays(store, filters, as_of=as_of)
        keep = set(c2.people.take(np.unique(c2.person[c2.in_scope])).astype(str))
        posts = posts[posts["person_id"].astype(str).isin(keep).to_numpy(bool)]
    offers = qualification_providers(store)
    quals = sorted({q for r, qs in required.items() if r in special for q in qs})
    for q in quals:
        equivalent = {x for x, k in kind.items() if k == AWARD_KIND} if kind.get(q) == AWARD_KIND else {q}
        roles_needing = [r for r, qs in required.items() if r in special and q in qs]
        in_post = set(posts.loc[posts["role"].isin(roles_needing).to_numpy(bool), "person_id"].astype(str))
        holders = set(have.loc[have["qualification"].isin(equivalent).to_numpy(bool), "person_id"])
        lacking = in_post - holders
        training = lacking & set(
            study.loc[study["qualification"].isin(equivalent).to_numpy(bool), "person_id"]
        )
        mine = offers[offers["qualification"] == q]
        places = mine["places_per_year"].dropna()
        rows.append(
            {
                "kind": "qualification",
                "code": q,
                "name": cat["name"].get(q),
                "need": len(lacking),
                "in_training": len(training),
                "providers": len(mine),
                "places_per_year": int(places.sum()) if len(places) else pd.NA,
                "providers_with_places": len(places),
            }
        )
    out = pd.DataFrame(rows, columns=OBSERVED_COLUMNS)
    out["share"] = (out["people"] / entrants).round(4) if entrants else np.nan
    out["share"] = out["share"].astype("float64")
    for col in ("people", "need", "in_training", "providers", "places_per_year", "providers_with_places"):
        out[col] = out[col].astype("Int64")
    need = out["need"].astype("Float64")
    out["places_per_need"] = (out["places_per_year"].astype("Float64") / need.where(need > 0)).round(3)
    order = {"role": 0, "step": 1, "qualification": 2}
    out = out.assign(_o=out["kind"].map(order), _p=out["people"].fillna(-1))
    out = out.sort_values(["_o", "_p", "code"], ascending=[True, False, True], kind="stable")
    return out[OBSERVED_COLUMNS].reset_index(drop=True)
