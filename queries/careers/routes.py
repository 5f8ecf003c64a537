"""Progression routes as they are meant to be: the reference route graph and ranked routes.

The UCL study's fifth key finding is that there is "no common pathway from ITT to specialist
practitioner status" (UCL 2019 KF5; digest §2.6, §3, G7). The reference graph written down in the
catalogue (``roles``, ``role_progressions`` with typical years and the qualification a step needs,
``role_requirements``, ``provider_offers``) is the route *on paper*; :mod:`queries.careers.transitions`
sets the routes people actually travel against it. Everything here is editable data: a user who
loads their own ``role_progressions`` or ``provider_offers`` rows changes the answers.
"""

from __future__ import annotations

import datetime as dt
from itertools import islice
from typing import TYPE_CHECKING

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.specialists import SPECIALIST_CATEGORIES
from graphmodel.store import GraphStore
from queries.context import Filters, refuse_filters
from queries.registry import analysis

if TYPE_CHECKING:  # networkx costs ~0.4 s to import; only the route graph needs it at run time
    import networkx as nx

__all__ = [
    "reference_graph",
    "resolve_region",
    "resolve_role",
    "routes",
]

# Short names people type, mapped to role codes (the codes and full names are accepted too).
ROLE_ALIASES: dict[str, str] = {
    "ITT": "ITT_TRAINEE",
    "TRAINEE": "ITT_TRAINEE",
    "NQT": "ECT",
    "TEACHER": "CLASS_TEACHER",
    "CT": "CLASS_TEACHER",
    "ASSISTANT SENCO": "ASSISTANT_SENCO",
    "ASENCO": "ASSISTANT_SENCO",
    "DEPUTY": "DEPUTY_HEAD",
    "HEADTEACHER": "HEAD",
    "HEAD TEACHER": "HEAD",
    "QTVI": "QTVI_TEACHER",
    "QTHI": "QTHI_TEACHER",
    "QTMSI": "QTMSI_TEACHER",
    "PD": "PD_SPECIALIST",
    "SEND LEAD TA": "SEND_LEAD_TA",
    "SEND-LEAD TA": "SEND_LEAD_TA",
}
# Categories whose roles count as a SEND specialism (UCL 2019 §2.6: SENCO, sensory, PD specialists):
# graphmodel.specialists.SPECIALIST_CATEGORIES, the one definition (the stored Person.specialist flag)


def _today(as_of: dt.date | None) -> pd.Timestamp:
    return pd.Timestamp(as_of or dt.date.today())


def resolve_role(store: GraphStore, text: str) -> str:
    """The role code for a code, a full name or a common short name (ITT, QTVI, SENCO, TA...).

    Raises :class:`SendgraphError` listing the choices when nothing matches, so a user can correct
    the command in one go.
    """
    roles = store.table("roles")
    codes = roles["code"].astype(str).tolist()
    want = " ".join(text.strip().replace("_", " ").split()).upper()
    by_code = {c.replace("_", " ").upper(): c for c in codes}
    by_name = {str(n).strip().upper(): c for c, n in zip(codes, roles["name"], strict=True)}
    for table in (by_code, by_name):
        if want in table:
            return table[want]
    alias = ROLE_ALIASES.get(want)
    if alias in codes:
        return alias
    shorts = sorted(k for k, v in ROLE_ALIASES.items() if v in codes and " " not in k)
    raise SendgraphError(
        f"unknown role '{text}'; choose a role code ({', '.join(sorted(codes))}) "
        f"or a short name ({', '.join(shorts)})"
    )


def resolve_region(store: GraphStore, text: str | None) -> str | None:
    """The region code for a region code or name (case-insensitive); None stays None."""
    if text is None:
        return None
    regions = store.table("regions")
    want = text.strip().casefold()
    hit = regions[regions["code"].str.casefold().eq(want) | regions["name"].str.casefold().eq(want)]
    if hit.empty:
        raise SendgraphError(
            f"unknown region '{text}'; choose one of: {', '.join(regions['name'].astype(str))}"
        )
    return str(hit["code"].iloc[0])


def current_requirements(store: GraphStore, as_of: dt.date | None = None) -> dict[str, list[str]]:
    """Qualifications each role requires of someone appointed on ``as_of`` (default today).

    Requirements carry a date range: a SENCO appointed from 1 Sep 2024 needs the NPQ for SENCOs,
    not the NASENCO (SI 2024/535), so the answer depends on the date.
    """
    req = store.table("role_requirements")
    day = _today(as_of)
    live = req[(req["from_date"] <= day) & (req["to_date"].isna() | (req["to_date"] >= day))]
    out: dict[str, list[str]] = {}
    for role, qual in zip(live["role"], live["qualification"], strict=True):
        out.setdefault(str(role), [])
        if str(qual) not in out[str(role)]:
            out[str(role)].append(str(qual))
    return {k: sorted(v) for k, v in out.items()}


def _none(value: object) -> object:
    return None if value is None or value is pd.NA or (isinstance(value, float) and value != value) else value


@analysis
def reference_graph(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> nx.DiGraph:
    """The reference route graph: role nodes and PROGRESSES_TO edges.

    Nodes carry the roles-table attributes (name, category, need, teacher) plus ``requires``, the
    qualifications a new appointee needs on ``as_of`` (from role_requirements), and
    ``requires_ever``, those required in any period. Edges carry
    ``typical_years`` (years in the first role before the step) and ``via_qualification``.
    A catalogue, not an observation: no filter applies (a non-empty one is refused).

    >>> reference_graph(store, as_of=dt.date(2025, 1, 1)).nodes["SENCO"]["requires"]  # doctest: +SKIP
    ['NASENCO', 'NPQ_SENCO', 'QTS']
    """
    import networkx as nx

    refuse_filters(filters, "the reference route graph")
    g = nx.DiGraph()
    requires = current_requirements(store, as_of)
    req = store.table("role_requirements")
    ever = req.groupby("role")["qualification"].agg(lambda s: sorted(set(s.astype(str)))).to_dict()
    for row in store.table("roles").to_dict("records"):
        code = str(row["code"])
        g.add_node(
            code,
            name=_none(row["name"]),
            category=_none(row["category"]),
            need=_none(row["need"]),
            teacher=bool(row["teacher"]) if _none(row["teacher"]) is not None else False,
            requires=requires.get(code, []),
            requires_ever=ever.get(code, []),
        )
    for row in store.table("role_progressions").to_dict("records"):
        years = _none(row["typical_years"])
        g.add_edge(
            str(row["from_role"]),
            str(row["to_role"]),
            typical_years=float(years) if years is not None else 0.0,
            via_qualification=_none(row["via_qualification"]),
        )
    return g


def qualification_providers(store: GraphStore, region: str | None = None) -> pd.DataFrame:
    """Who offers each qualification: provider_offers joined to providers.

    With ``region`` (a region code) only national providers (no region_code) and those based in the
    region are kept: the places a person in that region can reach.
    """
    offers = store.table("provider_offers")
    providers = store.table("providers")[["provider_id", "name", "kind", "region_code"]]
    out = offers.merge(providers, on="provider_id", how="left")
    if region is not None:
        out = out[out["region_code"].isna() | out["region_code"].eq(region)]
    return out.sort_values(
        ["qualification", "region_code", "name"], na_position="first", kind="stable"
    ).reset_index(drop=True)


def providers_by_qualification(store: GraphStore, region: str | None = None) -> dict[str, str]:
    """``{qualification: "name; name"}`` for :func:`qualification_providers` (national first)."""
    offers = qualification_providers(store, region)
    return {str(q): "; ".join(str(n) for n in grp["name"]) for q, grp in offers.groupby("qualification")}


def held_at_start(graph: nx.DiGraph, role: str) -> set[str]:
    """Qualifications someone in ``role`` can be taken to hold: its requirements, and QTS for teachers."""
    node = graph.nodes[role]
    held = set(node.get("requires", []))
    if node.get("teacher"):
        held.add("QTS")
    return held


def step_qualifications(graph: nx.DiGraph, path: list[str], held: set[str] | None = None) -> list[list[str]]:
    """For each step of ``path``, the qualifications it needs that the route has not yet given.

    A step needs its ``via_qualification`` and whatever the destination role requires; what the
    starting role implies (its requirements, QTS for a teaching role) or an earlier step gained is
    not asked for again (pass ``held`` to start from a person's own qualifications instead). A
    via-qualification that the destination role required only in another period is replaced by the
    one in force (CT -> SENCO is via NPQ_SENCO from 1 Sep 2024, via NASENCO before; SI 2024/535).
    """
    held = held_at_start(graph, path[0]) if held is None else set(held)
    out = []
    for a, b in zip(path, path[1:], strict=False):
        need = []
        via = graph.edges[a, b].get("via_qualification")
        node = graph.nodes[b]
        if via and not (via in node.get("requires_ever", []) and via not in node.get("requires", [])):
            need.append(via)
        need += [q for q in node.get("requires", []) if q not in need]
        need = [q for q in need if q not in held]
        held.update(need)
        out.append(need)
    return out


def ranked_paths(
    graph: nx.DiGraph, source: str, target: str, limit: int = 10
) -> list[tuple[float, list[str]]]:
    """Up to ``limit`` simple paths from source to target, shortest in total typical years first.

    Ties are ordered by number of steps, then by role codes, so the ranking is reproducible.
    Uses Yen's algorithm (``nx.shortest_simple_paths``); paths are collected until the weight
    passes that of the ``limit``-th, so ties at the cut are decided by the rule above, not by
    generator order.
    """
    import networkx as nx

    if source == target:
        return [(0.0, [source])]
    try:
        gen = nx.shortest_simple_paths(graph, source, target, weight="typical_years")
        found: list[tuple[float, list[str]]] = []
        for path in gen:
            steps = zip(path, path[1:], strict=False)
            weight = float(sum(graph.edges[a, b]["typical_years"] for a, b in steps))
            if len(found) >= limit and weight > found[limit - 1][0] + 1e-9:
                break
            found.append((weight, path))
            found.sort(key=lambda wp: (round(wp[0], 9), len(wp[1]), wp[1]))
    except nx.NetworkXNoPath:
        return []
    return list(islice(found, limit))


ROUTE_COLUMNS = [
    "route",
    "total_years",
    "step",
    "from_role",
    "to_role",
    "to_name",
    "years",
    "qualification",
    "providers",
]


@analysis
def routes(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    source: str,
    target: str,
    limit: int = 10,
) -> pd.DataFrame:
    """Reference routes from ``source`` to ``target`` ranked by total typical years; one row per step.

    ``source`` and ``target`` are role codes, names or short names (ITT, QTVI, SENCO, TA...). Each
    step lists the qualifications it needs (see :func:`step_qualifications`) and the providers that
    offer them, nationally or, with ``filters.region``, in that region. UCL 2019 §3 / G7: the route
    on paper, for comparison with :func:`queries.careers.transitions.observed_transitions`. The routes
    are a catalogue: the region filter narrows the providers listed; any other filter is refused.

    >>> routes(store, source="ITT", target="QTVI", filters=Filters(region="North East"))  # doctest: +SKIP
    """
    refuse_filters(filters, "reference routes", allowed=("region",))
    src, dst = resolve_role(store, source), resolve_role(store, target)
    region_code = resolve_region(store, filters.region)
    graph = reference_graph(store, as_of=as_of)
    offered = providers_by_qualification(store, region_code)
    rows = []
    for rank, (total, path) in enumerate(ranked_paths(graph, src, dst, limit), start=1):
        quals = step_qualifications(graph, path)
        for step, ((a, b), need) in enumerate(
            zip(zip(path, path[1:], strict=False), quals, strict=True), start=1
        ):
            rows.append(
                {
                    "route": rank,
                    "total_years": total,
                    "step": step,
                    "from_role": a,
                    "to_role": b,
                    "to_name": graph.nodes[b].get("name"),
                    "years": graph.edges[a, b]["typical_years"],
                    "qualification": "; ".join(need),
                    "providers": " | ".join(f"{q}: {offered.get(q, 'no provider recorded')}" for q in need),
                }
            )
    return pd.DataFrame(rows, columns=ROUTE_COLUMNS)


def specialist_roles(graph: nx.DiGraph) -> list[str]:
    """Roles that are a SEND specialism (SENCO, sensory, advisory, PD): the route ends G7 asks about."""
    return sorted(n for n, d in graph.nodes(data=True) if d.get("category") in SPECIALIST_CATEGORIES)


def entry_roles(graph: nx.DiGraph) -> list[str]:
    """Where careers start: training roles and roles nothing progresses into (e.g. TA)."""
    return sorted(
        n
        for n, d in graph.nodes(data=True)
        if d.get("category") == "training" or (graph.in_degree(n) == 0 and graph.out_degree(n) > 0)
    )
