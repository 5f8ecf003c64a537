"""``sendgraph map region NAME``: the schools, LAs, trusts, networks and LA services of one region.

For a regional lead asking "which schools in my region are outside every SEND network, and where is
participation shallow?" (DOMAIN.md, users). Schools are coloured by their highest rung on the WSS
participation ladder, or by SENCO award status (SI 2014/1530 reg. 49), sized by SEN pupils, and
linked by kind: LA, trust, network membership, peer review, federation and other GIAS links.
"England" (or "all") maps the whole country, which is aggregated to LA super-nodes.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, schools_frame
from queries.posts import current_mask, in_operation
from visuals import aggregate, legend
from visuals.facts import fmt, node_size, school_tiers, school_tooltip, sen_pupils, senco_statuses
from visuals.render import MapGraph, Page, render_page, write_page

NATIONAL = {"england", "all", "national"}
COLOURS = ("tier", "senco")


def school_id(urn: object) -> str:
    return f"School:{urn}"


def _memberships(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """School memberships current on ``as_of``, as ``queries.networks.participation`` counts them: the end
    date is the last day of membership (inclusive) and a blank start date is open (start is
    optional in schema.toml), so the map and the participation colouring agree on the same day."""
    members = store.table("school_memberships")
    return members[current_mask(members, as_of, open_start=True)]


def _colouring(
    store: GraphStore,
    schools: pd.DataFrame,
    colour: str,
    filters: Filters,
    as_of: dt.date,
    frame: pd.DataFrame | None,
) -> tuple[pd.Series, pd.Series, list[str]]:
    """(status per school, gap flag per school, extra tooltip line per school), aligned to schools."""
    if colour == "tier":
        tiers = school_tiers(store, filters, as_of, frame)
        status = schools["urn"].map(tiers).fillna(legend.NO_TIER).astype("string")
        lines = ["Highest participation rung: " + s.replace("_", " ") for s in status]
        return status, status == legend.NO_TIER, lines
    best, rows = senco_statuses(store, filters, as_of, frame)
    status = schools["urn"].map(best).astype("string")
    per_school = rows.groupby("urn")["status"].apply(lambda s: ", ".join(sorted(map(str, s))))
    lines = [
        f"SENCO status: {fmt(s)}"
        + (f" (SENCOs: {per_school[u]})" if u in per_school.index and "," in per_school[u] else "")
        for u, s in zip(schools["urn"], status, strict=True)
    ]
    return status, status.isin(legend.SENCO_GAPS).fillna(False), lines


def _status_colour(store: GraphStore, colour: str, status: str | None) -> tuple[str, str]:
    """(fill colour, legend category) of one school."""
    if colour == "tier":
        return legend.tier_colour(store.schema, status), f"tier:{status}"
    if status is None or status is pd.NA or status not in legend.SENCO_STATUS_COLOURS:
        return "#ffffff", "status:unaudited"
    return legend.SENCO_STATUS_COLOURS[status], f"status:{status}"


def add_schools(
    store: GraphStore,
    graph: MapGraph,
    schools: pd.DataFrame,
    colours: list[tuple[str, str]],
    lines: list[str],
) -> None:
    """School nodes clustered by LA, plus their LA node and LA edge."""
    kinds = legend.kind_colours(store.schema)
    for row, (fill, cat), extra in zip(schools.to_dict("records"), colours, lines, strict=True):
        la = f"LocalAuthority:{row['la_code']}"
        graph.add_node(
            la,
            fmt(row.get("la_name")),
            colour=kinds["LocalAuthority"],
            shape="diamond",
            size=22,
            title=f"Local authority {fmt(row.get('la_name'))} ({row['la_code']})",
            category="LocalAuthority",
            centre_of=str(row["la_code"]),
            always_label=True,
        )
        sid = school_id(row["urn"])
        graph.add_node(
            sid,
            fmt(row.get("name"))[:32],
            colour=fill,
            size=node_size(row["sen"]),
            title=school_tooltip(row, [extra]),
            category=cat,
            cluster=str(row["la_code"]),
            search=f"{fmt(row.get('name'))} {row['urn']}",
        )
        graph.add_edge(sid, la, "la")


def school_level(store: GraphStore, graph: MapGraph, schools: pd.DataFrame, as_of: dt.date) -> set[str]:
    """Trusts, networks, services and school-to-school links around the schools already in ``graph``.

    Returns the edge kinds used (for the legend)."""
    kinds = legend.kind_colours(store.schema)
    used = {"la"}
    urns = set(schools["urn"].astype(int))
    for row in schools.dropna(subset=["trust_id"]).to_dict("records"):
        tid = f"Trust:{row['trust_id']}"
        graph.add_node(
            tid,
            fmt(row.get("trust_name")),
            colour=kinds["Trust"],
            shape="triangle",
            size=16,
            title=f"Trust {fmt(row.get('trust_name'))} ({row['trust_id']})",
            category="Trust",
            always_label=True,
        )
        graph.add_edge(school_id(row["urn"]), tid, "trust")
        used.add("trust")
    members = _memberships(store, as_of)
    members = members[members["urn"].isin(urns)]
    if len(members):
        nets = store.table("networks").set_index("network_id")
        ranks = {t: i for i, t in enumerate(legend.tier_names(store.schema))}
        for row in members.to_dict("records"):
            nid = f"Network:{row['network_id']}"
            net = nets.loc[row["network_id"]] if row["network_id"] in nets.index else {}
            graph.add_node(
                nid,
                fmt(net.get("name", row["network_id"])),
                colour=kinds["Network"],
                shape="star",
                size=24,
                category="Network",
                always_label=True,
                title=f"Network {fmt(net.get('name'))} ({row['network_id']})\nkind: {fmt(net.get('kind'))}",
            )
            graph.add_edge(
                school_id(row["urn"]),
                nid,
                "network",
                width=0.5 + ranks.get(row["tier"], 0) / 2,
                title=f"rung: {str(row['tier']).replace('_', ' ')}",
            )
            used.add("network")
    services = store.table("services")
    for row in services[services["la_code"].isin(schools["la_code"])].to_dict("records"):
        sid = f"Service:{row['service_id']}"
        graph.add_node(
            sid,
            fmt(row.get("name")),
            colour=kinds["Service"],
            shape="square",
            size=14,
            title=f"Service {fmt(row.get('name'))} ({row['service_id']})\nkind: {fmt(row.get('kind'))}",
            category="Service",
            cluster=str(row["la_code"]),
            always_label=True,
        )
        graph.add_edge(sid, f"LocalAuthority:{row['la_code']}", "la")
    reviews = store.table("peer_reviews")
    reviews = reviews[reviews["reviewer_urn"].isin(urns) & reviews["reviewed_urn"].isin(urns)]
    for row in reviews.to_dict("records"):
        graph.add_edge(
            school_id(row["reviewer_urn"]),
            school_id(row["reviewed_urn"]),
            "peer_review",
            arrows=True,
            title=f"peer review {fmt(row.get('date'))}: {fmt(row.get('tool'))}",
        )
        used.add("peer_review")
    links = store.table("school_links")
    links = links[links["urn"].isin(urns) & links["linked_urn"].isin(urns)]
    for row in links.to_dict("records"):
        kind = "federation" if "federation" in str(row["kind"]).lower() else "link"
        graph.add_edge(
            school_id(row["urn"]),
            school_id(row["linked_urn"]),
            kind,
            title=f"{fmt(row['kind'])} {fmt(row.get('date'))}".strip(),
        )
        used.add(kind)
    return used


def la_level(
    store: GraphStore,
    graph: MapGraph,
    schools: pd.DataFrame,
    gap: pd.Series,
    status: pd.Series,
    gap_what: str,
    as_of: dt.date,
) -> set[str]:
    """LA super-nodes under their regions, with networks and peer reviews aggregated between them."""
    kinds = legend.kind_colours(store.schema)
    las = aggregate.by_la(schools, gap, status)
    for row in las.to_dict("records"):
        rid = f"Region:{row['region_code']}"
        graph.add_node(
            rid,
            fmt(row["region_name"]),
            colour=kinds["Region"],
            shape="hexagon",
            size=30,
            title=f"Region {fmt(row['region_name'])} ({row['region_code']})",
            category="Region",
            centre_of=str(row["region_code"]),
            always_label=True,
        )
        lid = f"LocalAuthority:{row['la_code']}"
        graph.add_node(
            lid,
            fmt(row["la_name"]),
            colour=legend.gap_colour(row["gap_share"]),
            shape="hexagon",
            size=node_size(row["sen"], base=10, scale=0.25, cap=70),
            category=legend.gap_category(row["gap_share"]),
            cluster=str(row["region_code"]),
            always_label=True,
            search=f"{fmt(row['la_name'])} {row['la_code']}",
            title=(
                f"{fmt(row['la_name'])} ({row['la_code']}): {int(row['schools'])} schools "
                f"aggregated\nSEN pupils: {int(row['sen'])}\n{gap_what}: {int(row['gaps'])} "
                f"({row['gap_share']:.0%})\n{row['status_counts']}"
            ),
        )
        graph.add_edge(lid, rid, "region")
    used = {"region"}
    la_of = schools.set_index("urn")["la_code"]
    members = _memberships(store, as_of)
    members = members[members["urn"].isin(la_of.index)].drop_duplicates(["urn", "network_id"])
    if len(members):
        nets = store.table("networks").set_index("network_id")
        for (net_id, la), n in (
            members.groupby([members["network_id"], members["urn"].map(la_of)]).size().items()
        ):
            nid = f"Network:{net_id}"
            name = nets["name"].get(net_id, net_id) if len(nets) else net_id
            graph.add_node(
                nid,
                fmt(name),
                colour=kinds["Network"],
                shape="star",
                size=24,
                category="Network",
                title=f"Network {fmt(name)} ({net_id})",
                always_label=True,
            )
            graph.add_edge(
                nid,
                f"LocalAuthority:{la}",
                "network",
                width=min(12.0, 0.5 + n / 5),
                title=f"{int(n)} member schools",
            )
        used.add("network")
    reviews = store.table("peer_reviews")
    a = reviews["reviewer_urn"].map(la_of)
    b = reviews["reviewed_urn"].map(la_of)
    pairs = pd.DataFrame({"a": a, "b": b}).dropna()
    pairs = pairs[pairs["a"] != pairs["b"]]
    for (x, y), n in pairs.groupby(["a", "b"]).size().items():
        graph.add_edge(
            f"LocalAuthority:{x}",
            f"LocalAuthority:{y}",
            "peer_review",
            arrows=True,
            width=min(10.0, float(n)),
            title=f"{int(n)} peer reviews across LAs",
        )
        used.add("peer_review")
    return used


def select_schools(store: GraphStore, region: str, as_of: dt.date) -> tuple[pd.DataFrame, Filters, str]:
    """(schools of ``region`` open on ``as_of``, their filters, the place name for the title).

    Only schools in operation on ``as_of`` (``queries.posts.in_operation``, the rule the
    participation analysis uses): a closed or not-yet-open school has no row in the analysis, so
    drawing it would show it as "outside every network" when it is simply not there.
    """
    schools = schools_frame(store)
    if region.strip().casefold() in NATIONAL:
        return in_operation(schools, as_of), Filters(), "England"
    filters = Filters(region=region)
    chosen = apply_filters(schools, filters)
    if not len(chosen):
        raise SendgraphError(f"no schools in region '{region}'")
    place = str(chosen["region_name"].dropna().iloc[0]) if chosen["region_name"].notna().any() else region
    chosen = in_operation(chosen, as_of)
    if not len(chosen):
        raise SendgraphError(f"no schools open in region '{region}' on {as_of.isoformat()}")
    return chosen, filters, place


def region_html(
    store: GraphStore,
    region: str,
    *,
    colour: str = "tier",
    as_of: dt.date | None = None,
    show_names: bool = False,
    status_frame: pd.DataFrame | None = None,
    aggregate_limit: int = aggregate.AGGREGATE_LIMIT,
) -> str:
    """The HTML of the region map. ``status_frame`` replaces the analysis (participation or SENCO
    audit frame, per ``colour``); ``show_names`` has no effect here (the map shows no people)."""
    if colour not in COLOURS:
        raise SendgraphError(f"--colour must be one of: {', '.join(COLOURS)}")
    as_of = as_of or dt.date.today()
    schools, filters, place = select_schools(store, region, as_of)
    schools = schools.assign(sen=sen_pupils(schools)).reset_index(drop=True)
    status, gap, lines = _colouring(store, schools, colour, filters, as_of, status_frame)
    graph = MapGraph()
    palette = (
        legend.tier_items(store.schema)
        if colour == "tier"
        else legend.status_items(legend.SENCO_STATUS_COLOURS, "school SENCO")
    )
    what = "schools outside every network" if colour == "tier" else "schools with no or an overdue SENCO"
    notes = ["Node size: SEN pupils (EHC plans + SEN support)."]
    if len(schools) > aggregate_limit:
        used = la_level(store, graph, schools, gap, status, what, as_of)
        items = legend.gap_items("LA (aggregated)") + legend.kind_items(store.schema, ["Region", "Network"])
        notes.insert(
            0,
            f"{len(schools):,} schools are more than {aggregate_limit:,}: each hexagon is one "
            f"local authority's schools aggregated; its colour is the share of {what}. "
            f"Map one region for school-level detail. Trusts and services are not drawn.",
        )
    else:
        add_schools(store, graph, schools, [_status_colour(store, colour, s) for s in status], lines)
        used = school_level(store, graph, schools, as_of)
        items = palette + legend.kind_items(store.schema, ["LocalAuthority", "Trust", "Network", "Service"])
        if colour == "senco":
            items.append(
                legend.LegendItem("#ffffff", "school: not in the SENCO audit", category="status:unaudited")
            )
    items += legend.edge_items([k for k in legend.EDGE_COLOURS if k in used])
    title = f"SEND map of {place}: " + ("participation in networks" if colour == "tier" else "SENCO award")
    return render_page(graph, Page(title, store.describe(), as_of, items, notes))


def region_map(
    store: GraphStore,
    region: str,
    out: str | Path,
    *,
    colour: str = "tier",
    as_of: dt.date | None = None,
    show_names: bool = False,
    **kwargs,
) -> Path:
    """Write the region map to ``out`` and return its path."""
    return write_page(
        region_html(store, region, colour=colour, as_of=as_of, show_names=show_names, **kwargs), out
    )
