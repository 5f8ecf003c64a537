"""``sendgraph map routes [--to ROLE]``: the reference progression graph, and what people really did.

DOMAIN.md: "no common route exists: that is the finding to make visible" (UCL 2019: 71 of 685
SENCOs went straight from ITT into a SEND specialism). The reference steps and the qualifications
each role requires come from the catalogue tables ``role_progressions`` and ``role_requirements``;
when career histories (``posts``) are loaded, observed moves (``queries.careers.transitions``) set the edge
widths, and moves the reference does not know are drawn in grey.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import networkx as nx
import pandas as pd

from graphmodel.store import GraphStore
from queries.careers.routes import current_requirements, resolve_role
from queries.publish import DEFAULT_THRESHOLD, SYMBOL, is_small
from visuals import legend
from visuals.facts import fmt
from visuals.render import MapGraph, Page, render_page, write_page


def _observed(store: GraphStore, frame: pd.DataFrame | None) -> pd.DataFrame | None:
    if frame is not None:
        return frame
    if not len(store.table("posts")):
        return None
    try:
        from queries.careers.transitions import observed_transitions
    except ImportError:  # pragma: no cover - the analysis ships with the package
        return None
    return observed_transitions(store)


def _shown_count(n: int, threshold: int) -> str:
    """People making a move, as ``sendgraph transitions`` publishes it: 1..threshold as ``c``."""
    return SYMBOL if is_small(n, threshold) else str(n)


def _shown_weight(n: int, threshold: int) -> int:
    """The count an edge's width is drawn from: a suppressed count is drawn as the threshold, so a
    width cannot be measured to recover the number the title hides (DfE small-number suppression)."""
    return threshold if is_small(n, threshold) else n


def _requirement_rows(store: GraphStore, required: dict[str, list[str]], as_of: dt.date) -> pd.DataFrame:
    """The ``role_requirements`` rows behind ``current_requirements`` (for within_years and note).

    Which (role, qualification) pairs are in force is decided by ``current_requirements``; of a
    pair's rows, the one in force is the latest that started on or before ``as_of``.
    """
    reqs = store.table("role_requirements")
    pairs = {(r, q) for r, qs in required.items() for q in qs}
    mine = [(r, q) in pairs for r, q in zip(reqs["role"], reqs["qualification"], strict=True)]
    reqs = reqs[pd.Series(mine, index=reqs.index, dtype=bool) & reqs["from_date"].le(pd.Timestamp(as_of))]
    latest = reqs.sort_values("from_date", kind="stable")
    return latest.drop_duplicates(["role", "qualification"], keep="last")


def _set_levels(graph: MapGraph, steps: pd.DataFrame) -> None:
    """Columns from left to right by the reference steps alone (longest path from an entry role).

    Observed moves can run backwards (SENCO back to class teacher) and would make vis-network's own
    level sort loop; the reference decides the columns, observed moves are drawn across them. Each
    qualification sits in the column just right of the first role that requires it.
    """
    ref = nx.DiGraph(list(zip(steps["from_role"], steps["to_role"], strict=True)))
    dag = nx.condensation(ref)  # robust to a cyclic reference table
    depth: dict[int, int] = {}
    for c in nx.topological_sort(dag):
        depth[c] = max((depth[p] + 1 for p in dag.predecessors(c)), default=0)
    level = {role: 2 * depth[dag.graph["mapping"][role]] for role in ref}
    for node_id, node in graph.nodes.items():
        kind, code = node_id.split(":", 1)
        if kind == "Role":
            node["level"] = level.get(code, 0)
    for a, b, kind in graph.edges:
        if kind == "requires":
            q = graph.nodes[b]
            q["level"] = min(q.get("level", 10**6), graph.nodes[a]["level"] + 1)


COLUMN = 200.0
"""Canvas units between columns. The full reference graph has 10 columns: ~1,970 units wide, fitted
into the 1,290 px map of a 1600x1000 window at zoom ~0.65, where FONT is drawn at ~13 px (a person
reads labels >= 12 px at first view) and a BOX of 175 units wraps a long role name onto 3-4 lines."""
ROW = 150.0
FONT = 20
BOX = 175


def _name(table: pd.DataFrame, code: object) -> str:
    """A role's or qualification's name (what a person reads), its code when the catalogue has none."""
    if code in table.index and pd.notna(table.loc[code].get("name")):
        return str(table.loc[code]["name"])
    return str(code)


def _place_columns(graph: MapGraph) -> None:
    """Fixed positions: one column per reference step depth, each qualification in the column of the
    first role requiring it, under the roles. vis-network's own hierarchical layout gave every
    qualification its own column (13 in all), fitted at zoom 0.52 into a thin strip with 8 px labels."""
    columns: dict[int, list[tuple[int, str, str]]] = {}
    for node_id, node in graph.nodes.items():
        level = int(node.get("level", 0))
        kind = 0 if node_id.startswith("Role:") else 1
        columns.setdefault(level // 2, []).append((kind, node["label"], node_id))
    for col, members in columns.items():
        members.sort()
        for i, (_k, _label, node_id) in enumerate(members):
            node = graph.nodes[node_id]
            node["x"] = round(col * COLUMN, 1)
            node["y"] = round((i - (len(members) - 1) / 2) * ROW, 1)
            white = node_id.startswith("Qualification:")  # dark text on the red fill was unreadable
            node["font"] = {"size": FONT, "face": "sans-serif", "color": "#ffffff" if white else "#111111"}
            node["widthConstraint"] = {"maximum": BOX}
            node["shape"] = "box"  # an ellipse around a wrapped name is twice as tall
            node.pop("level", None)


def routes_html(
    store: GraphStore,
    *,
    to: str | None = None,
    as_of: dt.date | None = None,
    show_names: bool = False,
    transitions: pd.DataFrame | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> str:
    """The HTML of the progression map. ``transitions`` (from_role, to_role, people) replaces the
    analysis; ``show_names`` has no effect (the map shows roles, never people). Observed counts
    from 1 to ``threshold`` are suppressed as ``sendgraph transitions`` suppresses them."""
    as_of = as_of or dt.date.today()
    schema = store.schema
    kinds = legend.kind_colours(schema)
    roles = store.table("roles").set_index("code")
    quals = store.table("qualifications").set_index("code")
    steps = store.table("role_progressions")
    required = current_requirements(store, as_of)
    reqs = _requirement_rows(store, required, as_of)
    observed = _observed(store, transitions)
    g = nx.DiGraph()
    g.add_nodes_from(roles.index)
    g.add_edges_from(zip(steps["from_role"], steps["to_role"], strict=True))
    if observed is not None:
        g.add_edges_from(zip(observed["from_role"], observed["to_role"], strict=True))
    keep = set(roles.index)
    if to:
        to = resolve_role(store, to)  # the codes, names and short names `sendgraph routes` takes
        keep = nx.ancestors(g, to) | {to}
    graph = MapGraph()
    for code in sorted(keep):
        r = roles.loc[code] if code in roles.index else {}
        graph.add_node(
            f"Role:{code}",
            fmt(r.get("name")) if pd.notna(r.get("name")) else code,
            colour=kinds["Role"],
            shape="box",
            category="Role",
            always_label=True,
            search=f"{code} {fmt(r.get('name'))}",
            title=f"{fmt(r.get('name'))} ({code})\ncategory: {fmt(r.get('category'))}"
            + (f"\nneed: {fmt(r.get('need'))}" if pd.notna(r.get("need")) else ""),
        )
    volume = {}
    if observed is not None and len(observed):
        volume = {
            (a, b): int(n)
            for a, b, n in observed[["from_role", "to_role", "people"]].itertuples(index=False, name=None)
        }
    weight = {k: _shown_weight(n, threshold) for k, n in volume.items()}
    top = max(weight.values(), default=1)
    reference = set()
    for row in steps.to_dict("records"):
        a, b = row["from_role"], row["to_role"]
        reference.add((a, b))
        n = volume.get((a, b))
        graph.add_edge(
            f"Role:{a}",
            f"Role:{b}",
            "progression",
            arrows=True,
            width=1 + 9 * weight[(a, b)] / top if n else 1.5,
            title=f"{_name(roles, a)} -> {_name(roles, b)}: typically {fmt(row.get('typical_years'))} years"
            + (
                f" via {_name(quals, row['via_qualification'])}"
                if pd.notna(row.get("via_qualification"))
                else ""
            )
            + (f"\nobserved: {_shown_count(n, threshold)} people" if n is not None else ""),
        )
    for (a, b), n in volume.items():
        if (a, b) not in reference:
            graph.add_edge(
                f"Role:{a}",
                f"Role:{b}",
                "observed",
                arrows=True,
                width=1 + 9 * weight[(a, b)] / top,
                dashes=True,
                title=f"{_name(roles, a)} -> {_name(roles, b)}: {_shown_count(n, threshold)} people "
                "(not a reference step)",
            )
    used_quals = {q for role in keep for q in required.get(role, [])}
    for code in sorted(used_quals):
        q = quals.loc[code] if code in quals.index else {}
        graph.add_node(
            f"Qualification:{code}",
            fmt(q.get("name")) if pd.notna(q.get("name")) else code,
            colour=kinds["Qualification"],
            shape="ellipse",
            category="Qualification",
            always_label=True,
            search=f"{code} {fmt(q.get('name'))}",
            title=f"{fmt(q.get('name'))} ({code})\nkind: {fmt(q.get('kind'))}, level {fmt(q.get('level'))}",
        )
    for row in reqs[reqs["role"].isin(keep)].to_dict("records"):
        graph.add_edge(
            f"Role:{row['role']}",
            f"Qualification:{row['qualification']}",
            "requires",
            dashes=True,
            arrows=True,
            title=f"{_name(roles, row['role'])} requires {_name(quals, row['qualification'])} within "
            f"{fmt(row.get('within_years'))} "
            f"years\n{fmt(row.get('note'))}",
        )
    _set_levels(graph, steps)
    _place_columns(graph)
    kinds_used = ["progression", "requires"] + (
        ["observed"] if any(k not in reference for k in volume) else []
    )
    items = legend.kind_items(schema, ["Role", "Qualification"]) + legend.edge_items(kinds_used)
    notes = [
        "Reference steps: role_progressions; requirements in force on the as-of date: role_requirements."
    ]
    notes.append(
        f"Edge width: people observed making the move (career histories); 1 to {threshold} people "
        f"are shown as '{SYMBOL}' and drawn as {threshold}."
        if volume
        else "No career histories loaded: widths are uniform."
    )
    title = "Progression routes" + (f" into {_name(roles, to)}" if to else "")
    return render_page(graph, Page(title, store.describe(), as_of, items, notes, hierarchical=True))


def routes_map(
    store: GraphStore,
    out: str | Path,
    *,
    to: str | None = None,
    as_of: dt.date | None = None,
    show_names: bool = False,
    transitions: pd.DataFrame | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> Path:
    """Write the progression map to ``out`` and return its path."""
    page = routes_html(
        store, to=to, as_of=as_of, show_names=show_names, transitions=transitions, threshold=threshold
    )
    return write_page(page, out)
