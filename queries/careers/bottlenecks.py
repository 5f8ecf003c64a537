"""Bottlenecks on the routes to specialist roles: the roles and qualifications most routes pass
through, and how much provider capacity stands behind each qualification.

UCL 2019 KF5 / G7 (no common pathway; the NASENCO or an MQ after 4–5 years) and §3.2 (a handful of
universities offer the sensory MQs): if every route to a QTVI post passes through MQ_VI, the
number of places offered for MQ_VI caps the supply of QTVIs, however many teachers are ready.
"""

from __future__ import annotations

import datetime as dt

import networkx as nx
import pandas as pd

from graphmodel.store import GraphStore
from queries.careers.routes import (
    entry_roles,
    qualification_providers,
    ranked_paths,
    reference_graph,
    specialist_roles,
    step_qualifications,
)
from queries.registry import analysis

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
def bottlenecks(store: GraphStore, *, as_of: dt.date | None = None, limit: int = 10) -> pd.DataFrame:
    """Roles and qualifications ranked by the number of entry-to-specialist routes through them.

    ``routes`` counts the ranked routes (:func:`route_set`) whose intermediate roles include the
    role (not its start or end), or one of whose steps needs the qualification; ``route_share`` =
    routes / all routes. ``betweenness`` is the roles' betweenness centrality on the reference graph
    weighted by typical years (blank for qualifications). For qualifications: ``providers`` offering
    it, how many are national, and ``places_per_year`` summed over the ``providers_with_places``
    that report places (blank when none does: capacity unknown, not zero). With ``as_of``, steps
    need the qualifications role requirements name on that date.

    >>> bottlenecks(store, limit=5)  # doctest: +SKIP
    """
    graph = reference_graph(store, as_of)
    routes = route_set(store, limit, graph)
    total = len(routes)
    role_count: dict[str, int] = {}
    qual_count: dict[str, int] = {}
    for _s, _t, path, quals in routes:
        for role in set(path[1:-1]):
            role_count[role] = role_count.get(role, 0) + 1
        for q in {q for step in quals for q in step}:
            qual_count[q] = qual_count.get(q, 0) + 1
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
