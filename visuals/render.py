"""Shared page building for every map: a small graph builder and one offline, escaped HTML page.

Why not ``pyvis.Network.write_html``: its template links bootstrap and vis-network from CDNs (maps
must work offline, issue 7), writes the heading into HTML unescaped (a school name is input data),
and ``add_node`` checks membership in a list, which is O(n^2) for a region's 4,000 schools. We keep
pyvis for what it is good at - it ships the vis-network build (:mod:`visuals.offline`) - and write
the page ourselves:

* data goes in a ``<script type="application/json">`` block, JSON-encoded with ``<``, ``>``, ``&``
  and the JS line separators escaped (``\\u003c`` ...), and is read with ``JSON.parse``: nothing
  from the data is ever parsed as HTML or code;
* every text in HTML context (title, legend, notes) goes through :func:`html.escape`;
* tooltips are plain strings, which vis-network 9 shows with ``innerText`` (never as HTML).

Scale: up to :data:`PHYSICS_LIMIT` nodes the browser lays the map out with physics, then freezes it;
above it the positions come from :func:`visuals.layout.cluster_layout` and physics is off. Callers
aggregate schools into super-nodes above :data:`visuals.aggregate.AGGREGATE_LIMIT`.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from visuals.layout import cluster_layout
from visuals.legend import EDGE_COLOURS, LegendItem
from visuals.offline import inlined_assets

PHYSICS_LIMIT = 400
"""Above this many nodes, positions are precomputed and physics is off. vis-network can settle ~1,500
nodes on a desktop GPU, but headless Chromium on 2 cores took 31 s for a 1,306-node region (bench/maps.py),
so the browser simulates only small maps and everything bigger opens from fixed positions."""
LABEL_LIMIT = 250  # above this many nodes labels overlap into a smear: hover or search instead
"""Above this many nodes, school and person labels are left to tooltips and search (drawing speed)."""
COLOUR = re.compile(r"^#[0-9a-fA-F]{3,8}$")
_JS_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def json_for_script(value: object) -> str:
    """JSON that is safe inside a ``<script>`` element whatever strings it holds."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return re.sub("[<>&\u2028\u2029]", lambda m: _JS_ESCAPES[m.group(0)], text)


def _colour(value: str) -> str:
    if not COLOUR.match(value):
        raise ValueError(f"not a colour: {value!r}")
    return value


@dataclass
class MapGraph:
    """Nodes and edges of one map, in vis-network's terms, plus what the page needs around them.

    ``category`` is the legend row a node or edge belongs to: the filter checkboxes hide by it.
    ``cluster`` / ``centre_of`` feed the precomputed layout of big maps (e.g. schools by LA).
    """

    nodes: dict[str, dict] = field(default_factory=dict)
    edges: dict[tuple[str, str, str], dict] = field(default_factory=dict)
    clusters: dict[str, list[str]] = field(default_factory=dict)
    centres: dict[str, str] = field(default_factory=dict)
    labelled: set[str] = field(default_factory=set)

    def add_node(
        self,
        node_id: str,
        label: str,
        *,
        colour: str,
        shape: str = "dot",
        size: float = 12,
        title: str = "",
        category: str = "",
        search: str | None = None,
        cluster: str | None = None,
        centre_of: str | None = None,
        always_label: bool = False,
    ) -> None:
        if node_id in self.nodes:
            return
        self.nodes[node_id] = {
            "id": node_id,
            "label": str(label),
            "title": str(title),
            "color": _colour(colour),
            "shape": shape,
            "size": round(float(size), 1),
            "_cat": category,
            "_search": search if search is not None else str(label),
        }
        if cluster is not None:
            self.clusters.setdefault(cluster, []).append(node_id)
        if centre_of is not None:
            self.centres[centre_of] = node_id
        if always_label:
            self.labelled.add(node_id)

    def add_edge(
        self,
        a: str,
        b: str,
        kind: str,
        *,
        width: float = 1.0,
        title: str = "",
        dashes: bool = False,
        arrows: bool = False,
        colour: str | None = None,
        label: str | None = None,
    ) -> None:
        """An edge of ``kind`` (a key of legend.EDGE_COLOURS); repeats of the same edge add width."""
        if a not in self.nodes or b not in self.nodes:
            return
        key = (a, b, kind)
        if key in self.edges:
            self.edges[key]["width"] = round(self.edges[key]["width"] + width, 2)
            return
        edge = {
            "from": a,
            "to": b,
            "width": round(float(width), 2),
            "dashes": dashes,
            "color": {"color": _colour(colour or EDGE_COLOURS[kind]), "opacity": 0.7},
            "title": str(title),
            "_cat": kind,
        }
        if arrows:
            edge["arrows"] = "to"
        if label:
            edge["label"] = str(label)
        self.edges[key] = edge


@dataclass
class Page:
    """Everything around the graph: title, source, date, legend and notes."""

    title: str
    source: str
    as_of: dt.date | None
    legend: list[LegendItem]
    notes: list[str] = field(default_factory=list)
    hierarchical: bool = False
    """Lay the map out left to right by levels (vis-network's hierarchical layout): for routes."""


def _options(n: int, physics: bool) -> dict:
    opts: dict = {
        "autoResize": True,
        "nodes": {"borderWidth": 1, "font": {"size": 12, "face": "sans-serif"}},
        "edges": {"smooth": False, "selectionWidth": 2},
        "interaction": {
            "hover": n <= PHYSICS_LIMIT,
            "tooltipDelay": 120,
            "navigationButtons": False,
            "hideEdgesOnDrag": n > PHYSICS_LIMIT,
            "hideEdgesOnZoom": n > PHYSICS_LIMIT,
        },
        "layout": {"improvedLayout": False, "randomSeed": 7},
    }
    if physics:
        opts["physics"] = {
            "enabled": True,
            "solver": "barnesHut",
            "barnesHut": {
                "gravitationalConstant": -4000,
                "springLength": 110,
                "springConstant": 0.03,
                "damping": 0.3,
                "avoidOverlap": 0.1,
            },
            "stabilization": {"enabled": True, "iterations": 300, "updateInterval": 50, "fit": True},
            "minVelocity": 1.0,
        }
    else:
        opts["physics"] = {"enabled": False}
    return opts


def _payload(graph: MapGraph, hierarchical: bool = False) -> tuple[dict, bool]:
    n = len(graph.nodes)
    physics = n <= PHYSICS_LIMIT and not hierarchical
    nodes = [dict(v) for v in graph.nodes.values()]
    if n > LABEL_LIMIT:
        for v in nodes:
            if v["id"] not in graph.labelled:
                v["label"] = ""
    if not physics and not hierarchical:
        clustered = {m for members in graph.clusters.values() for m in members} | set(graph.centres.values())
        others = [v["id"] for v in nodes if v["id"] not in clustered]
        pos = cluster_layout(graph.clusters, graph.centres, [(a, b) for a, b, _k in graph.edges], others)
        for v in nodes:
            v["x"], v["y"] = (round(c, 1) for c in pos[v["id"]])
    cats = [v.pop("_cat") for v in nodes]
    search = [v.pop("_search") for v in nodes]
    edges = [dict(e) for e in graph.edges.values()]
    ecats = [e.pop("_cat") for e in edges]
    options = _options(n, physics)
    if hierarchical:
        options["layout"] = {
            "hierarchical": {
                "enabled": True,
                "direction": "LR",
                "sortMethod": "directed",  # used only where nodes carry no "level"
                "levelSeparation": 120,
                "nodeSpacing": 110,
            }
        }
        options["nodes"]["font"]["size"] = 16
    return {
        "nodes": nodes,
        "edges": edges,
        "nodeCats": cats,
        "edgeCats": ecats,
        "search": search,
        "physics": physics,
        "options": options,
    }, physics


STYLE = """
body{margin:0;font:14px/1.35 sans-serif;color:#222;background:#fff}
header{padding:8px 14px;border-bottom:1px solid #ddd}
h1{font-size:18px;margin:0 0 2px}
.meta{color:#555;font-size:12px}
main{display:flex;height:calc(100vh - 64px)}
#map{flex:1;min-width:0;height:100%;background:#fff}
aside{width:290px;overflow:auto;border-left:1px solid #ddd;padding:8px 10px;font-size:12px}
aside h2{font-size:13px;margin:10px 0 4px}
.row{display:flex;align-items:center;gap:6px;margin:2px 0}
.sw{display:inline-block;width:12px;height:12px;border:1px solid #666;flex:none}
.sw.dot,.sw.ellipse{border-radius:50%}.sw.diamond{transform:rotate(45deg) scale(.8)}
.sw.line{height:0;border:0;border-top:3px solid;width:18px}
.sw.triangle,.sw.triangleDown,.sw.star,.sw.hexagon{border:0;width:14px;height:14px}
.sw.triangle{clip-path:polygon(50% 0,100% 100%,0 100%)}
.sw.triangleDown{clip-path:polygon(0 0,100% 0,50% 100%)}
.sw.star{clip-path:polygon(50% 0,61% 35%,98% 35%,68% 57%,79% 91%,50% 70%,21% 91%,32% 57%,2% 35%,39% 35%)}
.sw.hexagon{clip-path:polygon(25% 0,75% 0,100% 50%,75% 100%,25% 100%,0 50%)}
.row input{margin:0}.row .nobox{display:inline-block;width:13px}
#search{width:100%;box-sizing:border-box;padding:3px}
.note{color:#444;margin:4px 0}
"""

SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("map-data").textContent);
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(data.edges.map(function (e, i) { e.id = i; return e; }));
  var container = document.getElementById("map");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, data.options);
  window.sendgraphMap = {network: network, nodes: nodes, edges: edges, data: data};
  var settled = !data.physics;
  function markReady() { if (settled) { document.body.setAttribute("data-ready", "1"); } }
  network.on("afterDrawing", markReady);
  if (!data.nodes.length) { settled = true; markReady(); }
  if (data.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({physics: {enabled: false}});
      settled = true;
      network.fit();
      network.redraw();
    });
  } else {
    network.fit();
  }
  // the container only has its final size (and a hierarchical layout its positions) once drawn
  network.once("afterDrawing", function () { network.fit(); });
  var status = document.getElementById("search-status");
  var hiddenCats = {};
  function applyFilters() {
    nodes.update(data.nodes.map(function (n, i) {
      return {id: n.id, hidden: !!hiddenCats[data.nodeCats[i]]};
    }));
    edges.update(data.edges.map(function (e, i) { return {id: i, hidden: !!hiddenCats[data.edgeCats[i]]}; }));
  }
  Array.prototype.forEach.call(document.querySelectorAll("input[data-cat]"), function (box) {
    box.addEventListener("change", function () {
      hiddenCats[box.getAttribute("data-cat")] = !box.checked;
      applyFilters();
    });
  });
  function find(text) {
    var q = text.trim().toLowerCase();
    if (!q) { network.unselectAll(); status.textContent = ""; return; }
    var ids = [];
    data.search.forEach(function (s, i) {
      if (s.toLowerCase().indexOf(q) >= 0) { ids.push(data.nodes[i].id); }
    });
    status.textContent = ids.length + " found";
    if (ids.length) {
      network.selectNodes(ids.slice(0, 500));
      network.focus(ids[0], {scale: 1.2, animation: false});
    }
  }
  var box = document.getElementById("search");
  box.addEventListener("change", function () { find(box.value); });
  box.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { find(box.value); } });
})();
"""


def _legend_html(items: list[LegendItem], node_cats: set[str], edge_cats: set[str]) -> str:
    rows = []
    for it in items:
        shape = "line" if it.edge else it.shape
        style = f"border-top-color:{_colour(it.colour)}" if it.edge else f"background:{_colour(it.colour)}"
        cats = edge_cats if it.edge else node_cats
        key = it.category or it.label
        box = (
            f'<input type="checkbox" checked data-cat="{html.escape(key)}" '
            f'aria-label="show {html.escape(it.label)}">'
            if key in cats
            else '<span class="nobox"></span>'
        )
        rows.append(
            f'<div class="row">{box}<span class="sw {html.escape(shape)}" style="{style}"></span>'
            f"<span>{html.escape(it.label)}</span></div>"
        )
    return "\n".join(rows)


def render_page(graph: MapGraph, page: Page) -> str:
    """The complete, self-contained HTML of one map."""
    payload, physics = _payload(graph, page.hierarchical)
    n, m = len(graph.nodes), len(graph.edges)
    mode = (
        "laid out in the browser (physics), then frozen"
        if physics
        else "levels from left to right (hierarchical)"
        if page.hierarchical
        else f"positions precomputed (more than {PHYSICS_LIMIT:,} nodes), physics off"
    )
    meta = [
        f"Data: {page.source}",
        f"as of {page.as_of.isoformat()}" if page.as_of else None,
        f"{n:,} nodes, {m:,} links",
    ]
    notes = [*page.notes, f"Layout: {mode}."]
    if not n:
        notes.insert(0, "Nothing to map: no rows match (check the region, the date and what is loaded).")
    if n > LABEL_LIMIT:
        notes.append("Labels are hidden at this size: hover a node or search by name, URN or id.")
    legend = _legend_html(page.legend, set(payload["nodeCats"]), set(payload["edgeCats"]))
    title = html.escape(page.title)
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            inlined_assets(),
            f"<style>{STYLE}</style>",
            "</head><body>",
            f'<header><h1>{title}</h1><div class="meta">'
            f"{html.escape(' · '.join(x for x in meta if x))}</div></header>",
            '<main><div id="map" role="img" aria-label="network map"></div><aside>',
            '<h2>Search</h2><input id="search" type="search" placeholder="name, URN or id, then Enter">'
            '<div id="search-status" class="note"></div>',
            "<h2>Legend (untick to hide)</h2>",
            legend,
            "<h2>Notes</h2>",
            *[f'<p class="note">{html.escape(x)}</p>' for x in notes],
            "</aside></main>",
            f'<script id="map-data" type="application/json">{json_for_script(payload)}</script>',
            f"<script>{SCRIPT}</script>",
            "</body></html>",
        ]
    )


def write_page(html_text: str, out: str | Path) -> Path:
    """Write a map and return its path (parent folders are created)."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_text, encoding="utf-8")
    return path
