"""``sendgraph map network ID``: one community of practice and its members, rung by rung.

Participation is a ladder, not a flag (WSS evaluation: wider community -> ... -> strategic partner),
so member schools and people are coloured by their rung and their link to the network is wider the
higher the rung. People appear by pseudonymous ``person_id``; names only with ``show_names`` (staff
are personal data). A member's current posts link them to their schools, which shows where a
network reaches a school only through one person.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.context import schools_frame
from queries.posts import current_mask, current_posts
from visuals import legend
from visuals.facts import fmt, node_size, school_tooltip, sen_pupils
from visuals.region_map import la_places, school_id, school_place
from visuals.render import MapGraph, Page, render_page, write_page


def _best_tier(frame: pd.DataFrame, key: str, ranks: dict[str, int]) -> pd.Series:
    ranked = frame.assign(_r=frame["tier"].map(ranks).fillna(0)).sort_values("_r", ascending=False)
    return ranked.drop_duplicates(key).set_index(key)["tier"].astype(str)


def network_html(
    store: GraphStore, network_id: str, *, as_of: dt.date | None = None, show_names: bool = False
) -> str:
    """The HTML of one network's map."""
    as_of = as_of or dt.date.today()
    nets = store.table("networks")
    hit = nets[nets["network_id"].astype(str) == network_id]
    if not len(hit):
        raise SendgraphError(f"no network with id '{network_id}'")
    net = hit.iloc[0].to_dict()
    schema = store.schema
    kinds = legend.kind_colours(schema)
    ranks = {t: i for i, t in enumerate(legend.tier_names(schema))}
    graph = MapGraph()
    nid = f"Network:{network_id}"
    graph.add_node(
        nid,
        fmt(net["name"]),
        colour=kinds["Network"],
        shape="star",
        size=34,
        category="Network",
        always_label=True,
        title=f"Network {fmt(net['name'])} ({network_id})\nkind: "
        f"{fmt(net.get('kind'))}\nSEND network: {fmt(net.get('send'))}",
    )
    # End dates are the last day (inclusive) and a blank membership start is open, as in
    # queries.networks.participation, so this map and the participation colouring agree on every day.
    sm = store.table("school_memberships")
    sm = sm[current_mask(sm, as_of, open_start=True)]
    sm = sm[sm["network_id"].astype(str) == network_id]
    pm = store.table("person_memberships")
    pm = pm[current_mask(pm, as_of, open_start=True)]
    pm = pm[pm["network_id"].astype(str) == network_id]
    school_tier = _best_tier(sm, "urn", ranks)
    person_tier = _best_tier(pm, "person_id", ranks)
    posts = current_posts(store, as_of)
    posts = posts[posts["person_id"].isin(person_tier.index)]
    schools = schools_frame(store)
    schools = schools[schools["urn"].isin(set(school_tier.index) | set(posts["urn"]))]
    schools = schools.assign(sen=sen_pupils(schools))
    places = la_places(store)
    for row in schools.to_dict("records"):
        tier = school_tier.get(row["urn"], legend.NO_TIER)
        graph.add_node(
            school_id(row["urn"]),
            fmt(row["name"])[:32],
            colour=legend.tier_colour(schema, tier),
            size=node_size(row["sen"]),
            category=f"tier:{tier}",
            search=f"{row['name']} {row['urn']}",
            title=school_tooltip(row, [f"School's rung in this network: {tier.replace('_', ' ')}"]),
            # where the school is (GIAS Easting / Northing): the map is geographic like the region
            # maps, people sit by the schools they work at; without positions, schools cluster by LA
            place=school_place(row, places),
            cluster=fmt(row.get("la_code")),
        )
        if tier != legend.NO_TIER:
            graph.add_edge(
                school_id(row["urn"]),
                nid,
                "network",
                width=0.5 + ranks[tier] / 2,
                title=f"school member: {tier.replace('_', ' ')}",
            )
    pairs = zip(schools["la_code"].astype(str), schools["la_name"].map(fmt), strict=True)
    for code, la_name in sorted(set(pairs)):
        if code in places:  # the LA's name where it is, so a reader knows which cluster is which
            graph.add_node(
                f"LocalAuthority:{code}",
                la_name,
                colour=kinds["LocalAuthority"],
                shape="diamond",
                size=10,
                category="LocalAuthority",
                always_label=True,
                place=places[code],
                search=f"{la_name} {code}",
                title=f"Local authority {la_name} ({code})",
            )
    names = store.table("people").set_index("person_id")["name"] if show_names else pd.Series(dtype="string")
    role_names = store.table("roles").set_index("code")["name"].astype(str).to_dict()
    posts = posts.assign(role_name=posts["role"].map(lambda r: role_names.get(r, str(r))))
    roles = posts.groupby("person_id")["role_name"].apply(lambda s: ", ".join(sorted(set(map(str, s)))))
    for pid, tier in person_tier.items():
        label = fmt(names.get(pid)) if show_names and pid in names.index else str(pid)
        pnode = f"Person:{pid}"
        graph.add_node(
            pnode,
            label,
            colour=legend.tier_colour(schema, tier),
            shape="triangleDown",
            size=12,
            category=f"tier:{tier}",
            search=f"{label} {pid}",
            title=f"Person {label}"
            + (f" ({pid})" if label != pid else "")
            + f"\nRung: {tier.replace('_', ' ')}\nCurrent roles: {roles.get(pid, 'none recorded')}",
        )
        graph.add_edge(
            pnode,
            nid,
            "network",
            width=0.5 + ranks.get(tier, 0) / 2,
            title=f"person member: {tier.replace('_', ' ')}",
        )
    for row in posts.to_dict("records"):
        graph.add_edge(
            f"Person:{row['person_id']}", school_id(row["urn"]), "works_at", title=str(row["role_name"])
        )
    items = (
        legend.tier_items(schema, "member")
        + legend.kind_items(schema, ["Network", "LocalAuthority"])
        + [
            # shape rows: white, since the fill of every member is its rung (the kind colour was a
            # swatch no node on this map has)
            legend.LegendItem("#dddddd", "school (circle; fill = rung)", category="-school"),
            legend.LegendItem(
                "#dddddd", "person (triangle; fill = rung)", "triangleDown", category="-person"
            ),
        ]
        + legend.edge_items(["network", "works_at"])
    )
    notes = [
        f"{len(school_tier)} member schools and {len(person_tier)} member people on {as_of.isoformat()}.",
        "People are shown by pseudonymous id"
        + (" and name (--show-names)." if show_names else "; names only with --show-names."),
    ]
    return render_page(
        graph, Page(f"Network {fmt(net['name'])}: members by rung", store.describe(), as_of, items, notes)
    )


def network_map(
    store: GraphStore,
    network_id: str,
    out: str | Path,
    *,
    as_of: dt.date | None = None,
    show_names: bool = False,
) -> Path:
    """Write one network's map to ``out`` and return its path."""
    return write_page(network_html(store, network_id, as_of=as_of, show_names=show_names), out)
