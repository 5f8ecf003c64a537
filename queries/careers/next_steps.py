"""Next steps for one person: what stands between them and a target role, and where to get it.

UCL 2019 KF5 / §3.1: there is little "systematic progression preparation" between ITT and a
specialist role; this answers one member of staff's question ("what do I need to become a QTVI?")
from the reference route graph (:mod:`queries.careers.routes`) and the person's own record: their
current roles, the qualifications they hold or are studying for, and how long they have been in
their current role. Keyed by the pseudonymous person_id; no names are read.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries import posts as _posts
from queries.careers.routes import (
    providers_by_qualification,
    ranked_paths,
    reference_graph,
    resolve_region,
    resolve_role,
    step_qualifications,
)
from queries.careers.transitions import DAYS_PER_YEAR, OPEN_DAY, career_arrays, spell_arrays
from queries.context import Filters, refuse_filters, schools_frame
from queries.posts import current_mask, services_frame, ts
from queries.registry import analysis

__all__ = [
    "next_steps",
]

COLUMNS = [
    "step",
    "to_role",
    "kind",
    "item",
    "name",
    "status",
    "typical_years",
    "have_years",
    "years_below_typical",
    "providers",
]


def _person_posts(store: GraphStore, person_id: str) -> pd.DataFrame:
    """The person's school and service posts with the region of each setting."""
    cols = ["person_id", "role", "start_date", "end_date"]
    posts = store.table("posts")
    posts = posts[(posts["person_id"] == person_id).fillna(False).to_numpy(dtype=bool)]
    spost = store.table("service_posts")
    spost = spost[(spost["person_id"] == person_id).fillna(False).to_numpy(dtype=bool)]
    a = posts[[*cols, "urn"]].merge(schools_frame(store)[["urn", "region_code"]], on="urn", how="left")
    b = spost[[*cols, "service_id"]].merge(
        services_frame(store)[["service_id", "region_code"]], on="service_id", how="left"
    )
    return pd.concat([a[[*cols, "region_code"]], b[[*cols, "region_code"]]], ignore_index=True)


def _best_route(graph, starts: list[str], target: str) -> tuple[str | None, list[str], float]:
    """The shortest reference route (total typical years, then steps, then role code) from any start."""
    best: tuple[float, int, str, list[str]] | None = None
    for start in starts:
        found = ranked_paths(graph, start, target, 1)
        if found:
            weight, path = found[0]
            cand = (weight, len(path), start, path)
            if best is None or cand[:3] < best[:3]:
                best = cand
    if best is None:
        return None, [], 0.0
    return best[2], best[3], best[0]


@analysis
def next_steps(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    person_id: str,
    target: str,
) -> pd.DataFrame:
    """What ``person_id`` lacks for ``target`` on ``as_of``: experience and qualifications, step by step.

    The route is the shortest reference route (by typical years) from any role the person holds on
    ``as_of`` (or, if none, their most recent role) to the target. For each step: an ``experience``
    row (``typical_years`` in the from-role from the catalogue; for the first step, the years the
    person has been in it so far, counted from the start of their spell in that role), whose
    status is ``below typical`` or ``typical reached`` - never ``missing``, because no law requires
    years of experience before these roles and people do go from ITT straight to SENCO (UCL 2019
    KF5) - and a ``qualification`` row for each qualification the step needs (its via-qualification
    and the destination role's requirements on ``as_of``: legal or catalogue requirements) that
    the person does not hold: ``missing``, or ``studying`` when a course has started. Providers
    offering it are listed, national ones and those in the region of
    the person's current post, or with ``filters.region`` those in that region instead. One person
    is not a set of schools: any other filter is refused. ``frame.attrs`` carries ``route`` (role
    codes) and ``start_role``.

    >>> next_steps(store, as_of=dt.date(2025, 9, 1), person_id="P08", target="QTVI")  # doctest: +SKIP
    """
    refuse_filters(filters, "one person's next steps", allowed=("region",))
    as_of = as_of or dt.date.today()
    people = store.table("people")
    posts = _person_posts(store, person_id)
    if posts.empty and not people["person_id"].eq(person_id).any():
        raise SendgraphError(f"no person with id '{person_id}' in the graph")
    dst = resolve_role(store, target)
    graph = reference_graph(store, as_of=as_of)
    t = ts(as_of)
    posts = posts[(posts["start_date"] <= t).fillna(False).astype(bool)]

    current = posts[current_mask(posts, as_of)]
    if not current.empty:
        starts = sorted(set(current["role"].astype(str)))
        region = current["region_code"].dropna()
    elif not posts.empty:
        last = posts.sort_values("start_date").iloc[-1]
        starts = [str(last["role"])]
        region = posts.loc[posts["start_date"] == last["start_date"], "region_code"].dropna()
    else:
        starts, region = [], pd.Series(dtype="string")
    region_code = str(region.iloc[0]) if len(region) else None
    if filters.region:
        region_code = resolve_region(store, filters.region)
    offered = providers_by_qualification(store, region_code)

    quals = _posts.held(store, as_of)
    quals = quals[(quals["person_id"] == person_id).fillna(False).astype(bool)]
    have = set(quals["qualification"].astype(str))
    study = _posts.studying(store, as_of)
    study = study[(study["person_id"] == person_id).fillna(False).astype(bool)]
    studying = {str(q): d for q, d in zip(study["qualification"], study["expected_date"], strict=True)}

    if dst in starts:
        start, path = dst, [dst]
    else:
        start, path, _ = _best_route(graph, starts, dst)
        if start is None:
            path = [dst]  # no reference route: still list what the target role requires
    sp = spell_arrays(career_arrays(store, person_id=person_id))
    day = (t - pd.Timestamp("1970-01-01")).days
    live = (sp.start <= day) & ((sp.end >= day) | (sp.end >= OPEN_DAY))
    spell_start = pd.Series(
        pd.to_datetime(sp.start[live].astype("datetime64[D]")),
        index=[str(r) for r in sp.roles.take(sp.role[live])] if live.any() else [],
    )
    spell_start = spell_start.groupby(level=0).min()

    rows: list[dict] = []
    listed: set[str] = set()
    qual_names = store.table("qualifications").set_index("code")["name"]

    def qual_rows(step: int, to_role: str, needed: list[str]) -> None:
        for q in needed:
            if q in have or q in listed:
                continue
            listed.add(q)
            name = qual_names.get(q)
            status = "missing"
            if q in studying:
                exp = studying[q]
                status = "studying" + (f" (expected {pd.Timestamp(exp).date()})" if pd.notna(exp) else "")
            rows.append(
                {
                    "step": step,
                    "to_role": to_role,
                    "kind": "qualification",
                    "item": q,
                    "name": name,
                    "status": status,
                    "providers": offered.get(q, "no provider recorded"),
                }
            )

    for step, (a, b) in enumerate(zip(path, path[1:], strict=False), start=1):
        need_years = float(graph.edges[a, b]["typical_years"])
        so_far = 0.0
        if step == 1 and a in spell_start.index:
            so_far = round((t - spell_start[a]).days / DAYS_PER_YEAR, 2)
        below = round(max(0.0, need_years - so_far), 2)
        rows.append(
            {
                "step": step,
                "to_role": b,
                "kind": "experience",
                "item": a,
                "name": graph.nodes[a].get("name"),
                # typical, not required: the law sets no years before these roles (issue 16)
                "status": "below typical" if below > 0 else "typical reached",
                "typical_years": need_years,
                "have_years": so_far,
                "years_below_typical": below,
            }
        )
        qual_rows(step, b, step_qualifications(graph, [a, b], held=set())[0])
    if len(path) == 1:
        qual_rows(0, dst, list(graph.nodes[dst].get("requires", [])))

    out = pd.DataFrame(rows, columns=COLUMNS)
    out.attrs["route"] = path if start is not None else []
    out.attrs["start_role"] = start
    out.attrs["current_roles"] = starts
    return out
