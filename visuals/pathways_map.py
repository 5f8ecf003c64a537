"""``sendgraph map routes --observed``: the observed pathways as left-to-right flows, widths = people.

Draws the DataFrame :func:`queries.careers.pathways.pathways` returns and nothing else (a map never
works a fact out again). Pathways share their first steps, so they are drawn as a tree of step
sequences: a node is "the first k steps of some pathway" (placed in column k), an edge is one more
step, and its width is the people whose whole pathway passes through it. So a reader can follow
each pathway from the start role on the left to the target on the right, and see where routes split.

Small numbers: pathways whose ``people`` is suppressed (``c``) are drawn as ``threshold`` people
and every count shown that includes one of them is shown as ``c``, as the published table does.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from graphmodel.store import GraphStore
from queries.publish import DEFAULT_THRESHOLD, SYMBOL, is_small
from visuals.legend import LegendItem
from visuals.render import MapGraph, Page, render_page, write_page

__all__ = ["pathways_html", "pathways_map", "role_names"]

SEP = " > "
FLOW = "#6a3d9a"
STEP_COLOUR = "#a6cee3"
TARGET_COLOUR = "#33a02c"
BREAK_COLOUR = "#bdbdbd"
MAX_WIDTH = 12.0


def role_names(store: GraphStore) -> dict[str, str]:
    """Role code -> name from the ``roles`` catalogue (codes without a name are left out)."""
    roles = store.table("roles")
    return {str(c): str(n) for c, n in zip(roles["code"], roles["name"], strict=True) if pd.notna(n)}


def _people(value: object, threshold: int) -> tuple[int, bool]:
    """(people drawn, whether the count is suppressed) for a ``people`` cell."""
    if value == SYMBOL or pd.isna(value):
        return threshold, True
    n = int(value)
    return (threshold, True) if is_small(n, threshold) else (n, False)


def _readable(step: str, names: dict[str, str]) -> str:
    """A step (same-day roles joined with '+') as role names, the way a person reads it."""
    if step == "BREAK":
        return "career break"
    return " + ".join(names.get(code, code) for code in step.split("+"))


def pathways_html(
    frame: pd.DataFrame,
    *,
    source: str,
    target: str,
    described: str,
    as_of: dt.date | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    names: dict[str, str] | None = None,
) -> str:
    """The HTML page for a pathways table (columns ``pathway``, ``people``, ``median_years``...).

    ``names`` (role code -> name, e.g. from the ``roles`` table) turns every step, tooltip and the
    title into role names: a person reads "Qualified teacher of MSI", not QTMSI_TEACHER."""
    names = names or {}

    def say(path: str) -> str:
        return SEP.join(_readable(step, names) for step in path.split(SEP))

    flows: dict[tuple[str, str], list] = {}
    nodes: dict[str, int] = {}
    for row in frame.to_dict("records"):
        steps = str(row["pathway"]).split(SEP)
        n, hidden = _people(row["people"], threshold)
        for k in range(len(steps)):
            prefix = SEP.join(steps[: k + 1])
            nodes[prefix] = k
            if k:
                flow = flows.setdefault((SEP.join(steps[:k]), prefix), [0, False, []])
                flow[0] += n
                flow[1] |= hidden
                flow[2].append(row)
    graph = MapGraph()
    for prefix, k in sorted(nodes.items(), key=lambda kv: (kv[1], kv[0])):
        step = prefix.rsplit(SEP, 1)[-1]
        colour = TARGET_COLOUR if target in step.split("+") else STEP_COLOUR
        colour = BREAK_COLOUR if step == "BREAK" else colour
        graph.add_node(
            prefix,
            _readable(step, names).replace(" + ", " +\n"),
            colour=colour,
            shape="box",
            category="step",
            always_label=True,
            search=f"{say(prefix)} {prefix}",
            title=say(prefix),
        )
        graph.nodes[prefix]["level"] = k
    top = max((f[0] for f in flows.values()), default=1)
    for (a, b), (n, hidden, rows) in flows.items():
        shown = SYMBOL if hidden else str(n)
        ends = [r for r in rows if str(r["pathway"]) == b]
        detail = "".join(
            f"\n{say(str(r['pathway']))}: median {r['median_years']} years "
            f"(quartiles {r['q1_years']}-{r['q3_years']})"
            for r in ends
        )
        graph.add_edge(
            a,
            b,
            "progression",
            colour=FLOW,
            width=1 + (MAX_WIDTH - 1) * n / top,
            title=f"{say(a.rsplit(SEP, 1)[-1])} -> {say(b.rsplit(SEP, 1)[-1])}: {shown} people{detail}",
        )
    items = [
        LegendItem(STEP_COLOUR, "a step on a pathway (column = step number)", "box", category="step"),
        LegendItem(TARGET_COLOUR, f"reached {_readable(target, names)}", "box", category="step"),
        LegendItem(BREAK_COLOUR, "career break (over a year with no post)", "box", category="step"),
        LegendItem(FLOW, "people taking the step (width)", "line", True, category="progression"),
    ]
    notes = [
        "Each path from left to right is an observed pathway (sendgraph pathways); definitions in "
        "docs/routes.md.",
        f"Edge width: people whose pathway takes the step; 1 to {threshold} people are shown as "
        f"'{SYMBOL}' and drawn as {threshold}.",
    ]
    if frame.empty:
        notes.append(
            f"Nobody in the data reached {_readable(target, names)} from {_readable(source, names)}."
        )
    title = f"Observed pathways from {_readable(source, names)} to {_readable(target, names)}"
    return render_page(graph, Page(title, described, as_of, items, notes, hierarchical=True))


def pathways_map(
    frame: pd.DataFrame,
    out: str | Path,
    *,
    source: str,
    target: str,
    described: str,
    as_of: dt.date | None = None,
    threshold: int = DEFAULT_THRESHOLD,
    names: dict[str, str] | None = None,
) -> Path:
    """Write the pathways map to ``out`` and return its path."""
    page = pathways_html(
        frame,
        source=source,
        target=target,
        described=described,
        as_of=as_of,
        threshold=threshold,
        names=names,
    )
    return write_page(page, out)
