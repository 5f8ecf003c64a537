"""``sendgraph map audit senco|sensory [--region]``: where the qualification gaps are.

SENCO: every school coloured by its SENCO award status (SEND Regulations 2014, SI 2014/1530 reg. 49,
as amended by SI 2024/535), sized by SEN pupils; nationally, LA super-nodes coloured by the share of
schools with no SENCO or an overdue one. Sensory: the schools and LA services employing teachers of
pupils with vision, hearing or multi-sensory impairment, coloured by their worst post (SI 2003/1662
regs 6-9: MQ held, within the 3-year allowance, or not held); each tooltip lists the posts by
pseudonymous id (names only with ``show_names``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.careers.routes import resolve_region
from queries.context import Filters, schools_frame
from visuals import aggregate, legend
from visuals.facts import count_text, fmt, node_size, school_tooltip, sen_pupils, sensory_frame, worst_sensory
from visuals.region_map import _status_colour, add_schools, la_level, la_places, select_schools
from visuals.region_map import school_place as place_of_school
from visuals.render import MapGraph, Page, render_page, write_page

AUDITS = ("senco", "sensory")


def _senco(
    store: GraphStore, region: str | None, as_of: dt.date, frame: pd.DataFrame | None, limit: int
) -> tuple[MapGraph, list, list[str], str]:
    from visuals.facts import senco_statuses

    schools, filters, place = select_schools(store, region or "England", as_of)
    worst, rows = senco_statuses(store, filters, as_of, frame)
    schools = schools[schools["urn"].isin(worst.index)].reset_index(drop=True)
    schools = schools.assign(sen=sen_pupils(schools))
    status = schools["urn"].map(worst).astype("string")
    gap = status.isin(legend.SENCO_GAPS)
    graph = MapGraph()
    what = "schools with no SENCO or an overdue award"
    notes = [
        f"{int(gap.sum())} of {len(schools)} audited schools have no SENCO or an overdue award.",
        "Node size: SEN pupils (EHC plans + SEN support).",
    ]
    if len(schools) > limit:
        used = la_level(store, graph, schools, gap, status, what, as_of)
        items = legend.gap_items("LA (aggregated)") + legend.kind_items(store.schema, ["Region", "Network"])
        notes.insert(
            0,
            f"Each hexagon aggregates one local authority's {len(schools):,} audited schools "
            f"(more than {limit:,}); colour = share of {what}. Use --region for schools.",
        )
    else:
        per = rows.groupby("urn")["status"].apply(lambda s: count_text(s.astype(str)))
        lines = [
            f"SENCO status: {fmt(s)} (SENCO rows: {per.get(u, 'none')})"
            for u, s in zip(schools["urn"], status, strict=True)
        ]
        add_schools(
            store,
            graph,
            schools,
            [_status_colour(store, "senco", s) for s in status],
            lines,
            statuses=[legend.readable(fmt(x)) for x in status],
            gaps=[bool(g) for g in gap],
        )
        _la_summaries(graph, schools, gap, what)
        used = {"la"}
        items = legend.status_items(legend.SENCO_STATUS_COLOURS, "school SENCO") + legend.kind_items(
            store.schema, ["LocalAuthority"]
        )
    items += legend.edge_items([k for k in legend.EDGE_COLOURS if k in used])
    return graph, items, notes, f"SENCO award audit: {place}"


def _la_summaries(graph: MapGraph, schools: pd.DataFrame, gap: pd.Series, what: str) -> None:
    """Append the LA's gap count to each LA node's tooltip (the number a lead quotes)."""
    frame = pd.DataFrame({"la": schools["la_code"].to_numpy(), "gap": gap.to_numpy(dtype=bool)})
    for la, g in frame.groupby("la"):
        node = graph.nodes.get(f"LocalAuthority:{la}")
        if node:
            node["title"] += f"\n{what}: {int(g['gap'].sum())} of {len(g)}"


def _sensory(
    store: GraphStore,
    region: str | None,
    as_of: dt.date,
    frame: pd.DataFrame | None,
    show_names: bool,
    limit: int,
) -> tuple[MapGraph, list, list[str], str]:
    if frame is not None and region:
        # A frame handed in (tests, a precomputed national audit) has not been through the audit's
        # Filters(region=...), which the audit run by sensory_frame applies itself.
        frame = frame[frame["region_code"] == resolve_region(store, region)]
    posts = sensory_frame(store, Filters(region=region), as_of, frame)
    place = region or "England"
    schema = store.schema
    kinds = legend.kind_colours(schema)
    las = store.table("local_authorities").set_index("code")["name"]
    names = store.table("people").set_index("person_id")["name"] if show_names else pd.Series(dtype="string")
    graph = MapGraph()
    gaps = int((posts["status"] == "unqualified").sum())
    notes = [
        f"{gaps} of {len(posts)} sensory posts are held by teachers without the mandatory qualification "
        f"and past the 3-year allowance (SI 2003/1662).",
        "Node size: sensory posts. Posts are listed by pseudonymous id"
        + (" and name." if show_names else "; names only with --show-names."),
    ]
    schools = schools_frame(store).set_index("urn")
    # Built as plain text: when every post is in a service, the URN column is all-missing Int64 and
    # a fillna with service ids would be refused.
    school_place = "School:" + pd.to_numeric(posts["urn"]).astype("Int64").astype("string")
    service_place = "Service:" + posts["service_id"].astype("string")
    places = posts.assign(place=school_place.fillna(service_place).astype(object))
    places = places.dropna(subset=["place"])
    if places["place"].nunique() > limit:
        raise SendgraphError(f"more than {limit:,} workplaces: use --region")
    geo = la_places(store)
    for la in sorted(places["la_code"].dropna().unique()):
        sub = places[places["la_code"] == la]
        graph.add_node(
            f"LocalAuthority:{la}",
            fmt(las.get(la, la)),
            colour=kinds["LocalAuthority"],
            shape="diamond",
            size=22,
            category="LocalAuthority",
            centre_of=str(la),
            always_label=True,
            place=geo.get(str(la)),
            title=f"Local authority {fmt(las.get(la, la))} ({la})\nsensory posts: "
            f"{count_text(sub['status'].astype(str))}",
        )
    for place_id, sub in places.groupby("place"):
        worst = worst_sensory(sub["status"])
        lines = []
        for r in sub.to_dict("records"):
            who = str(r["person_id"]) + (f" {fmt(names.get(r['person_id']))}" if show_names else "")
            lines.append(f"{who}: {r['role']} ({fmt(r.get('need'))}) - {str(r['status']).replace('_', ' ')}")
        la = sub["la_code"].iloc[0]
        size = node_size(len(sub), base=10, scale=4)
        colour = legend.SENSORY_STATUS_COLOURS.get(worst, "#ffffff")
        if place_id.startswith("School:"):
            urn = int(sub["urn"].iloc[0])
            row = {"urn": urn, **(schools.loc[urn].to_dict() if urn in schools.index else {})}
            graph.add_node(
                place_id,
                fmt(row.get("name"))[:32],
                colour=colour,
                size=size,
                category=f"status:{worst}",
                cluster=str(la),
                place=place_of_school(row, geo),
                search=f"{fmt(row.get('name'))} {urn}",
                title=school_tooltip(row, ["Sensory posts:", *lines]),
            )
        else:
            graph.add_node(
                place_id,
                str(sub["service_id"].iloc[0]),
                colour=colour,
                shape="square",
                size=size,
                category=f"status:{worst}",
                cluster=str(la),
                title="\n".join([f"Service {sub['service_id'].iloc[0]}", "Sensory posts:", *lines]),
            )
        graph.add_edge(place_id, f"LocalAuthority:{la}", "la")
    items = (
        legend.status_items(legend.SENSORY_STATUS_COLOURS, "worst post")
        + [legend.LegendItem("#999999", "school (circle) / LA service (square)", category="-places")]
        + legend.kind_items(schema, ["LocalAuthority"])
        + legend.edge_items(["la"])
    )
    return graph, items, notes, f"Sensory mandatory qualification audit: {place}"


def audit_html(
    store: GraphStore,
    which: str,
    *,
    region: str | None = None,
    as_of: dt.date | None = None,
    show_names: bool = False,
    frame: pd.DataFrame | None = None,
    aggregate_limit: int = aggregate.AGGREGATE_LIMIT,
) -> str:
    """The HTML of an audit map; ``frame`` replaces the audit analysis (tests, precomputed audits)."""
    if which not in AUDITS:
        raise SendgraphError(f"audit must be one of: {', '.join(AUDITS)}")
    as_of = as_of or dt.date.today()
    if which == "senco":
        graph, items, notes, title = _senco(store, region, as_of, frame, aggregate_limit)
    else:
        graph, items, notes, title = _sensory(store, region, as_of, frame, show_names, aggregate_limit)
    facets = {"la": "Local authority", "phase": "Phase", "type": "Type", "status": "SENCO status"}
    page = Page(title, store.describe(), as_of, items, notes, facets=facets, gap_label=GAP_LABEL[which])
    return render_page(graph, page)


GAP_LABEL = {"senco": "schools with no SENCO or an overdue award", "sensory": "gaps"}


def audit_map(
    store: GraphStore,
    which: str,
    out: str | Path,
    *,
    region: str | None = None,
    as_of: dt.date | None = None,
    show_names: bool = False,
    **kwargs,
) -> Path:
    """Write an audit map to ``out`` and return its path."""
    return write_page(
        audit_html(store, which, region=region, as_of=as_of, show_names=show_names, **kwargs), out
    )
