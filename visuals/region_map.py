"""``sendgraph map region NAME``: the schools, LAs, trusts, networks and LA services of one region.

For a regional lead asking "which schools in my region are outside every SEND network, and where is
participation shallow?" (DOMAIN.md, users). Schools are coloured by their highest rung on the WSS
participation ladder, or by SENCO award status (SI 2014/1530 reg. 49), sized by SEN pupils, and
linked by kind: LA, trust, network membership, peer review, federation and other GIAS links.
"England" (or "all") maps the whole country, which is aggregated to LA super-nodes.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, schools_frame
from queries.posts import current_mask, in_operation
from visuals import aggregate, legend
from visuals.facts import (
    broker_scores,
    fmt,
    node_size,
    school_tiers,
    school_ties,
    school_tooltip,
    sen_pupils,
    senco_statuses,
)
from visuals.render import MapGraph, Page, render_page, write_page

NATIONAL = {"england", "all", "national"}
NETWORK_TIES = {"trust", "cluster", "hub", "trust_network", "network"}
"""Tie kinds of the collaboration analysis that a region map draws as a trust or network node."""
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
    worst, rows = senco_statuses(store, filters, as_of, frame)
    status = schools["urn"].map(worst).astype("string")
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


def la_places(store: GraphStore) -> dict[str, tuple[float, float]]:
    """LA code -> OSGB36 (easting, northing) from the catalogue (graphmodel/data/catalogue/README.md)."""
    las = store.table("local_authorities")
    if "easting" not in las.columns:
        return {}
    las = las.dropna(subset=["easting", "northing"])
    return {
        str(c): (float(e), float(n))
        for c, e, n in zip(las["code"], las["easting"], las["northing"], strict=True)
    }


def school_place(row: dict, las: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    """A school's own GIAS Easting / Northing; without one, None (it is drawn beside its LA)."""
    e, n = row.get("easting"), row.get("northing")
    if e is None or n is None or pd.isna(e) or pd.isna(n):
        return None
    return float(e), float(n)


def la_summary(schools: pd.DataFrame, gap: pd.Series, status: pd.Series, what: str) -> dict[str, str]:
    """LA code -> tooltip lines with the LA's gap figures, counted from the analysis' statuses."""
    las = aggregate.by_la(schools, gap, status)
    return {
        str(r["la_code"]): f"{int(r['schools'])} schools on the map · SEN pupils: {int(r['sen'])}\n"
        f"{what}: {int(r['gaps'])} of {int(r['schools'])} ({r['gap_share']:.0%})\n{r['status_counts']}"
        for r in las.to_dict("records")
    }


def add_schools(
    store: GraphStore,
    graph: MapGraph,
    schools: pd.DataFrame,
    colours: list[tuple[str, str]],
    lines: list[str],
    *,
    statuses: list[str] | None = None,
    gaps: list[bool] | None = None,
    summary: dict[str, str] | None = None,
) -> None:
    """School nodes where they are (GIAS Easting / Northing), their LA node at the LA's position and
    the LA edge. ``statuses`` (readable rung / status per school) feed the sidebar filter, ``gaps`` the
    list of gap schools, ``summary`` (LA code -> gap figures) the LA tooltips."""
    kinds = legend.kind_colours(store.schema)
    places = la_places(store)
    statuses = statuses or [""] * len(schools)
    gaps = gaps or [False] * len(schools)
    for row, (fill, cat), extra, st, is_gap in zip(
        schools.to_dict("records"), colours, lines, statuses, gaps, strict=True
    ):
        code = str(row["la_code"])
        la = f"LocalAuthority:{code}"
        la_name = fmt(row.get("la_name"))
        graph.add_node(
            la,
            la_name,
            colour=kinds["LocalAuthority"],
            shape="diamond",
            size=22,
            title=f"Local authority {la_name} ({code})"
            + (f"\n{summary[code]}" if summary and code in summary else ""),
            category="LocalAuthority",
            centre_of=code,
            always_label=True,
            place=places.get(code),
            facets={"la": la_name},
            search=f"{la_name} {code}",
        )
        sid = school_id(row["urn"])
        facets = {"la": la_name, "phase": fmt(row.get("phase")), "type": fmt(row.get("type"))}
        if st:
            facets["status"] = st
        graph.add_node(
            sid,
            fmt(row.get("name"))[:32],
            colour=fill,
            size=node_size(row["sen"]),
            title=school_tooltip(row, [extra]),
            category=cat,
            cluster=code,
            search=f"{fmt(row.get('name'))} {row['urn']}",
            place=school_place(row, places),
            facets=facets,
            gap={"name": fmt(row.get("name")), "urn": fmt(row.get("urn")), "la": la_name} if is_gap else None,
        )
        graph.add_edge(sid, la, "la")


def school_level(
    store: GraphStore,
    graph: MapGraph,
    schools: pd.DataFrame,
    as_of: dt.date,
    filters: Filters = Filters(),
) -> set[str]:
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
        la_of = schools.set_index("urn")["la_code"]
        spread = members.assign(_la=members["urn"].map(la_of)).groupby("network_id")["_la"].nunique()
        for row in members.to_dict("records"):
            nid = f"Network:{row['network_id']}"
            net = nets.loc[row["network_id"]] if row["network_id"] in nets.index else {}
            wide = int(spread.get(row["network_id"], 1)) > 1
            graph.add_node(
                nid,
                fmt(net.get("name", row["network_id"])),
                colour=kinds["Network"],
                shape="star",
                size=24,
                category="Network",
                always_label=True,
                on_ring=wide,
                search=f"{fmt(net.get('name', row['network_id']))} {row['network_id']}",
                title=f"Network {fmt(net.get('name'))} ({row['network_id']})\nkind: "
                f"{legend.readable(fmt(net.get('kind')))}"
                + (
                    f"\nmembers in {int(spread[row['network_id']])} LAs: click to show its links"
                    if wide
                    else ""
                ),
            )
            graph.add_edge(
                school_id(row["urn"]),
                nid,
                "network",
                width=0.5 + ranks.get(row["tier"], 0) / 2,
                title=f"rung: {legend.readable(str(row['tier']))}",
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
    ties = school_ties(store, as_of, filters)
    ties = ties[ties["urn_a"].isin(urns) & ties["urn_b"].isin(urns)]
    for row in ties.to_dict("records"):
        kind = str(row["kind"])
        if kind in ("peer_review", "shared_staff"):
            edge = kind
        elif "federation" in kind:
            edge = "federation"
        elif kind in NETWORK_TIES:
            continue  # drawn as membership of the network or trust node
        else:
            edge = "link"
        graph.add_edge(
            school_id(row["urn_a"]),
            school_id(row["urn_b"]),
            edge,
            width=min(6.0, float(row["weight"])),
            title=f"{legend.readable(kind)}" + (f" ({int(row['weight'])})" if row["weight"] > 1 else ""),
        )
        used.add(edge)
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
    places = la_places(store)
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
            place=places.get(str(row["la_code"])),
            facets={"region": fmt(row["region_name"])},
            gap=None,
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
                title=f"Network {fmt(name)} ({net_id}): click to show its links",
                always_label=True,
                on_ring=True,
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
    what = (
        "schools outside every network" if colour == "tier" else "schools with no SENCO or an overdue award"
    )
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
        readable = [legend.readable(fmt(x)) for x in status]
        add_schools(
            store,
            graph,
            schools,
            [_status_colour(store, colour, s) for s in status],
            lines,
            statuses=readable,
            gaps=[bool(g) for g in gap],
            summary=la_summary(schools, gap, status, what),
        )
        used = school_level(store, graph, schools, as_of, filters)
        _size_choices(store, graph, schools, filters, as_of)
        items = palette + legend.kind_items(store.schema, ["LocalAuthority", "Trust", "Network", "Service"])
        if colour == "senco":
            items.append(
                legend.LegendItem("#ffffff", "school: not in the SENCO audit", category="status:unaudited")
            )
    items += legend.edge_items([k for k in legend.EDGE_COLOURS if k in used])
    title = f"SEND map of {place}: " + ("participation in networks" if colour == "tier" else "SENCO award")
    page = Page(
        title,
        store.describe(),
        as_of,
        items,
        notes,
        facets={"la": "Local authority", "phase": "Phase", "type": "Type", "status": STATUS_HEADING[colour]},
        gap_label=what,
    )
    return render_page(graph, page)


STATUS_HEADING = {"tier": "Highest rung", "senco": "SENCO status"}
SIZE_BY = ("SEN pupils", "networks (current memberships)", "betweenness (brokers)")
"""The "size by" choices of a school-level region map; the first is the default."""


def _size_choices(
    store: GraphStore, graph: MapGraph, schools: pd.DataFrame, filters: Filters, as_of: dt.date
) -> None:
    """Node sizes for each SIZE_BY choice: SEN pupils (GIAS), current network memberships (as the
    participation analysis counts them), betweenness from the collaboration analysis' ``brokers``."""
    ids = [school_id(u) for u in schools["urn"]]
    members = _memberships(store, as_of).drop_duplicates(["urn", "network_id"])
    count = members.groupby("urn").size()
    try:
        bc = broker_scores(store, filters, as_of)
    except SendgraphError:
        bc = pd.Series(dtype=float)
    top = float(bc.max()) if len(bc) and bc.max() > 0 else 1.0
    graph.sizes = {
        SIZE_BY[0]: {i: node_size(s) for i, s in zip(ids, schools["sen"], strict=True)},
        SIZE_BY[1]: {
            i: 6 + 6 * math.sqrt(float(count.get(u, 0))) for i, u in zip(ids, schools["urn"], strict=True)
        },
        SIZE_BY[2]: {
            i: 5 + 40 * math.sqrt(float(bc.get(u, 0.0)) / top)
            for i, u in zip(ids, schools["urn"], strict=True)
        },
    }


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
