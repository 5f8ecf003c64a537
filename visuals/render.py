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

from visuals.layout import cluster_layout, geo_layout
from visuals.legend import EDGE_COLOURS, LegendItem
from visuals.offline import inlined_assets

PHYSICS_LIMIT = 400
"""Above this many nodes, positions are precomputed and physics is off. vis-network can settle ~1,500
nodes on a desktop GPU, but headless Chromium on 2 cores took 31 s for a 1,306-node region (bench/maps.py),
so the browser simulates only small maps and everything bigger opens from fixed positions."""
LABEL_LIMIT = 250  # above this many nodes labels overlap into a smear: hover or search instead
"""Above this many nodes, school and person labels are left to tooltips and search (drawing speed)."""
LAZY_EDGE_LIMIT = 5000
"""Above this many nodes on a geographic map, no link is handed to vis-network when the page opens:
the links of the node you click are added when you click it (and removed when you clear it). At
national scale (28,000 nodes, 75,000 links) vis-network spent ~100 us per link building its objects
(3-4 s of a 10 s open on 2 cores, bench/maps.py), and 24,000 school-to-LA lines drawn at once are a
smear; schools already sit in their LA, so the picture loses nothing."""
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
    places: dict[str, tuple[float, float]] = field(default_factory=dict)
    """node id -> OSGB36 (easting, northing): when any node has one, the map is laid out geographically."""
    ring: list[str] = field(default_factory=list)
    """Nodes drawn on a ring outside a geographic map (networks spanning LAs); their edges show on focus."""
    facets: dict[str, dict[str, str]] = field(default_factory=dict)
    """node id -> {facet: value} for the sidebar filters (LA, phase, type, rung / status)."""
    gaps: dict[str, dict[str, str]] = field(default_factory=dict)
    """node id -> the row (name, URN, LA) listed and downloaded as a visible gap school."""
    sizes: dict[str, dict[str, float]] = field(default_factory=dict)
    """"size by" choice -> node id -> size; the first choice is the nodes' own size."""

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
        place: tuple[float, float] | None = None,
        facets: dict[str, str] | None = None,
        gap: dict[str, str] | None = None,
        on_ring: bool = False,
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
        if place is not None:
            self.places[node_id] = (float(place[0]), float(place[1]))
        if facets:
            self.facets[node_id] = {k: str(v) for k, v in facets.items()}
        if gap is not None:
            self.gaps[node_id] = {k: str(v) for k, v in gap.items()}
        if on_ring:
            self.ring.append(node_id)

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
            "color": {"color": _colour(colour or EDGE_COLOURS[kind]), "opacity": 0.7},
            "_cat": kind,
        }
        if dashes:
            edge["dashes"] = True
        if title:
            edge["title"] = str(title)
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
    facets: dict[str, str] = field(default_factory=dict)
    """Sidebar filters: facet key (as in MapGraph.facets) -> its heading, e.g. {"la": "Local authority"}."""
    gap_label: str = ""
    """What a gap school is on this map, e.g. "schools outside every network" (heads the gap list)."""


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


LABEL_NODE_KINDS = ("LocalAuthority:", "Region:")
"""Place-name nodes: drawn last (on top), with big, outlined labels readable at the first view."""


def _geo_positions(graph: MapGraph) -> dict[str, tuple[float, float]]:
    others = [k for k in graph.nodes if k not in graph.places]
    return geo_layout(graph.places, [(a, b) for a, b, _k in graph.edges], others, list(graph.ring))


def _payload(graph: MapGraph, hierarchical: bool = False) -> tuple[dict, bool]:
    n = len(graph.nodes)
    preset = bool(graph.nodes) and all("x" in v for v in graph.nodes.values())
    # preset: the map module placed every node itself (routes: fixed columns)
    hierarchical = hierarchical and not preset
    geo = bool(graph.places) and not hierarchical and not preset
    physics = n <= PHYSICS_LIMIT and not hierarchical and not geo and not preset
    # place names last, so they are drawn over the schools around them and can be hovered
    order = sorted(graph.nodes, key=lambda k: k.startswith(LABEL_NODE_KINDS))
    nodes = [dict(graph.nodes[k]) for k in order]
    labels = [v["label"] for v in nodes]
    if n > LABEL_LIMIT:
        for v in nodes:
            if v["id"] not in graph.labelled:
                v["label"] = ""
    pos: dict[str, tuple[float, float]] = {}
    if geo:
        pos = _geo_positions(graph)
    elif not physics and not hierarchical and not preset:
        clustered = {m for members in graph.clusters.values() for m in members} | set(graph.centres.values())
        others = [v["id"] for v in nodes if v["id"] not in clustered]
        pos = cluster_layout(graph.clusters, graph.centres, [(a, b) for a, b, _k in graph.edges], others)
    for v in nodes:
        if v["id"] in pos:
            v["x"], v["y"] = (round(c, 1) for c in pos[v["id"]])
    if pos:
        xs = [p[0] for p in pos.values()]
        ys = [p[1] for p in pos.values()]
        extent = max(max(xs) - min(xs), max(ys) - min(ys), 300.0)
        big = round(max(14.0, extent / 70), 1)  # ~20 px once the whole map is fitted to the window
        for v in nodes:
            if v["id"].startswith(LABEL_NODE_KINDS):
                v["font"] = {
                    "size": big,
                    "strokeWidth": max(3.0, big / 5),
                    "strokeColor": "#ffffff",
                    "color": "#111111",
                    "face": "sans-serif",
                }
                v["size"] = max(v["size"], big * 0.7)
    cats = [v.pop("_cat") for v in nodes]
    search = [v.pop("_search") for v in nodes]
    ring = set(graph.ring)
    edges = [dict(e) for e in graph.edges.values()]
    hub = [1 if (geo and (a in ring or b in ring)) else 0 for a, b, _k in graph.edges]
    if geo and n > LABEL_LIMIT:  # on a big map, membership fans are drawn when their network is focused
        hub = [1 if (h or k == "network") else 0 for h, (_a, _b, k) in zip(hub, graph.edges, strict=True)]
    for e, h in zip(edges, hub, strict=True):
        if h:
            e["hidden"] = True
    ecats = [e.pop("_cat") for e in edges]
    options = _options(n, physics)
    if geo:
        options["interaction"]["hover"] = n <= 5000
    if preset:
        options["interaction"]["hover"] = True
        options["edges"]["smooth"] = {"enabled": True, "type": "cubicBezier", "forceDirection": "horizontal"}
    if hierarchical:
        options["layout"] = {
            "hierarchical": {
                "enabled": True,
                "direction": "LR",
                "sortMethod": "directed",  # used only where nodes carry no "level"
                "levelSeparation": 190,
                "nodeSpacing": 60,
            }
        }
        options["nodes"]["font"]["size"] = 16
        options["nodes"]["widthConstraint"] = {"maximum": 170}
        options["edges"]["smooth"] = {"enabled": True, "type": "cubicBezier", "roundness": 0.4}
    sizes = {
        name: [round(float(by.get(v["id"], v["size"])), 1) for v in nodes] for name, by in graph.sizes.items()
    }
    return {
        "nodes": nodes,
        "edges": edges,
        "nodeCats": cats,
        "edgeCats": ecats,
        "hubEdges": hub,
        "search": search,
        "labels": labels,
        "labelLimit": LABEL_LIMIT,
        "facets": [graph.facets.get(v["id"], {}) for v in nodes],
        "gaps": [graph.gaps.get(v["id"]) for v in nodes],
        "sizeBy": sizes,
        "physics": physics,
        "geo": geo,
        "lazyEdges": geo and n > LAZY_EDGE_LIMIT,
        "options": options,
    }, physics


STYLE = """
body{margin:0;font:14px/1.35 sans-serif;color:#222;background:#fff}
header{padding:6px 14px;border-bottom:1px solid #ddd;display:flex;align-items:center;gap:10px;min-height:52px;
box-sizing:border-box}
header .titles{flex:1;min-width:0}
h1{font-size:18px;margin:0 0 2px}
.meta{color:#555;font-size:12px}
header button,aside button{font:inherit;font-size:12px;padding:3px 8px;cursor:pointer}
#panel-toggle{display:none}
main{display:flex;height:calc(100vh - 53px)}
#map{flex:1;min-width:0;height:100%;background:#fff}
aside{width:300px;overflow:auto;border-left:1px solid #ddd;padding:6px 10px;font-size:12px;
box-sizing:border-box}
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
aside select{width:100%;box-sizing:border-box;margin:1px 0 4px}
aside label{display:block;color:#444}
.note{color:#444;margin:4px 0}
#count{font-weight:bold}
#focus-list,#gap-list{margin:2px 0;padding-left:16px;max-height:180px;overflow:auto}
@media (max-width:700px){
  header{flex-wrap:wrap;padding:4px 8px;min-height:0}
  h1{font-size:15px}
  .meta{font-size:11px}
  #panel-toggle{display:inline-block}
  main{display:block;height:auto}
  #map{width:100%;height:calc(100vh - 90px)}
  aside{width:100%;border-left:0;border-top:1px solid #ddd;display:none}
  body.panel-open aside{display:block}
}
"""

SCRIPT = """
(function () {
  "use strict";
  var times = window.sendgraphTimes = {start: performance.now()};
  var data = JSON.parse(document.getElementById("map-data").textContent);
  if (data.packed) {  // big maps: edges and facets come as columns (render.pack); rebuild the objects
    var pk = data.packed, ids = data.nodes.map(function (v) { return v.id; });
    data.edges = pk.from.map(function (a, i) {
      var more = pk.extra[i] || {};
      var e = {from: ids[a], to: ids[pk.to[i]], width: pk.width[i],
        color: {color: pk.colours[pk.colour[i]], opacity: more.opacity !== undefined ? more.opacity : 0.7}};
      if (pk.title[i]) { e.title = pk.title[i]; }
      ["dashes", "arrows", "label"].forEach(function (k) { if (more[k] !== undefined) { e[k] = more[k]; } });
      if (data.hubEdges[i]) { e.hidden = true; }
      return e;
    });
    var fk = Object.keys(pk.facets);
    data.facets = ids.map(function (_id, i) {
      var f = {};
      fk.forEach(function (k) {
        var c = pk.facets[k].codes[i];
        if (c >= 0) { f[k] = pk.facets[k].values[c]; }
      });
      return f;
    });
    delete data.packed;
  }
  times.parsed = performance.now();
  var n = data.nodes.length;
  var lazy = !!data.lazyEdges;
  var adj = {};
  data.edges.forEach(function (e, i) {
    e.id = i;
    (adj[e.from] = adj[e.from] || []).push(i);
    (adj[e.to] = adj[e.to] || []).push(i);
  });
  function linked(id) {  // neighbours from the data, whether or not their links are drawn now
    var seen = {}, out = [];
    (adj[id] || []).forEach(function (i) {
      var e = data.edges[i], m = e.from === id ? e.to : e.from;
      if (!seen[m]) { seen[m] = true; out.push(m); }
    });
    return out;
  }
  var nodes = new vis.DataSet(data.nodes);
  var edges = new vis.DataSet(lazy ? [] : data.edges);
  times.datasets = performance.now();
  var container = document.getElementById("map");
  var network = new vis.Network(container, {nodes: nodes, edges: edges}, data.options);
  times.network = performance.now();
  var index = {};
  data.nodes.forEach(function (v, i) { index[v.id] = i; });
  var settled = !data.physics;
  function markReady() {
    if (settled && !times.drawn) { times.drawn = performance.now(); }
    if (settled) { document.body.setAttribute("data-ready", "1"); }
  }
  network.on("afterDrawing", markReady);
  if (!n) { settled = true; markReady(); }
  var fitScale = 1;
  function fit() { network.fit({animation: false}); fitScale = network.getScale(); }
  if (data.physics) {
    network.once("stabilizationIterationsDone", function () {
      network.setOptions({physics: {enabled: false}});
      settled = true;
      fit();
      network.redraw();
    });
  } else {
    fit();
  }
  // the container only has its final size (and a hierarchical layout its positions) once drawn
  network.once("afterDrawing", function () { fit(); });

  var $ = function (id) { return document.getElementById(id); };
  var status = $("search-status");
  var hiddenCats = {};
  var facetValue = {};
  var focusId = null;
  var visible = new Array(n);
  var labelsOn = n <= data.labelLimit;
  var sizeName = null;

  function passes(i) {
    if (hiddenCats[data.nodeCats[i]]) { return false; }
    var f = data.facets[i];
    for (var k in facetValue) {
      if (facetValue[k] && f[k] !== undefined && f[k] !== facetValue[k]) { return false; }
    }
    return true;
  }
  function neighbourSet(id) {
    var set = {};
    set[id] = true;
    linked(id).forEach(function (m) { set[m] = true; });
    return set;
  }
  function apply(initial) {
    var near = focusId !== null ? neighbourSet(focusId) : null;
    var shown = 0, gapRows = [], schools = 0;
    for (var i = 0; i < n; i++) {
      visible[i] = passes(i);
      if (visible[i]) { shown++; if (data.facets[i].la !== undefined) { schools++; } }
      if (visible[i] && data.gaps[i]) { gapRows.push(data.gaps[i]); }
    }
    var showLabels = labelsOn || shown <= data.labelLimit;
    if (!initial) { update(near, showLabels); }
    summarise(shown, schools, gapRows);
  }
  function update(near, showLabels) {
    nodes.update(data.nodes.map(function (v, i) {
      var u = {id: v.id, hidden: !visible[i], opacity: near && !near[v.id] ? 0.12 : 1};
      if (!v.label || showLabels !== window.sendgraphMap.labelsShown) {
        u.label = showLabels || v.label ? data.labels[i] : "";
        if (!showLabels && !v.label) { u.label = ""; }
      }
      return u;
    }));
    window.sendgraphMap.labelsShown = showLabels;
    if (lazy) {  // only the focused node's links exist in the network
      edges.clear();
      if (focusId === null) { return; }
      edges.add((adj[focusId] || []).filter(function (i) {
        var e = data.edges[i];
        return !hiddenCats[data.edgeCats[i]] && visible[index[e.from]] && visible[index[e.to]];
      }).map(function (i) { return Object.assign({}, data.edges[i], {hidden: false}); }));
      return;
    }
    edges.update(data.edges.map(function (e, i) {
      var a = index[e.from], b = index[e.to];
      var hide = !!hiddenCats[data.edgeCats[i]] || !visible[a] || !visible[b];
      var touches = focusId !== null && (e.from === focusId || e.to === focusId);
      if (data.hubEdges[i] && !touches) { hide = true; }
      var dim = near && !(e.from === focusId || e.to === focusId);
      return {id: i, hidden: hide, color: {color: e.color.color, opacity: dim ? 0.08 : e.color.opacity}};
    }));
  }
  function summarise(shown, schools, gapRows) {
    $("count").textContent = shown + " of " + n + " nodes shown" +
      (schools ? " (" + schools + " with a place in the filters)" : "");
    var list = $("gap-list");
    if (list) {
      list.textContent = "";
      $("gap-count").textContent = gapRows.length + " shown";
      gapRows.slice(0, 300).forEach(function (r) {
        var li = document.createElement("li");
        li.textContent = r.name + " (URN " + r.urn + ", " + r.la + ")";
        list.appendChild(li);
      });
    }
    window.sendgraphMap.visibleGaps = gapRows;
    window.sendgraphMap.shown = shown;
  }
  function setFocus(id) {
    focusId = id;
    var box = $("focus"), list = $("focus-list");
    list.textContent = "";
    if (id === null) { box.hidden = true; apply(); return; }
    var i = index[id];
    $("focus-name").textContent = data.labels[i] || id;
    linked(id).map(function (m) { return data.labels[index[m]] || m; }).sort()
      .forEach(function (t) {
        var li = document.createElement("li"); li.textContent = t; list.appendChild(li);
      });
    box.hidden = false;
    apply();
  }
  network.on("click", function (p) { setFocus(p.nodes.length ? p.nodes[0] : null); });
  network.on("zoom", function () {
    var want = network.getScale() >= fitScale * 3;
    if (n > data.labelLimit && want !== labelsOn) { labelsOn = want; apply(); }
  });
  Array.prototype.forEach.call(document.querySelectorAll("input[data-cat]"), function (box) {
    box.addEventListener("change", function () {
      hiddenCats[box.getAttribute("data-cat")] = !box.checked;
      apply();
    });
  });
  Array.prototype.forEach.call(document.querySelectorAll("select[data-facet]"), function (sel) {
    sel.addEventListener("change", function () {
      facetValue[sel.getAttribute("data-facet")] = sel.value; apply();
    });
  });
  var sizeSel = $("size-by");
  if (sizeSel) {
    sizeSel.addEventListener("change", function () {
      var sizes = data.sizeBy[sizeSel.value];
      nodes.update(data.nodes.map(function (v, i) { return {id: v.id, size: sizes[i]}; }));
      sizeName = sizeSel.value;
    });
  }
  function find(text) {
    var q = text.trim().toLowerCase();
    if (!q) { network.unselectAll(); setFocus(null); status.textContent = ""; return; }
    var ids = [];
    data.search.forEach(function (s, i) {
      if (visible[i] !== false && s.toLowerCase().indexOf(q) >= 0) { ids.push(data.nodes[i].id); }
    });
    status.textContent = ids.length ? ids.length + " found" : "0 found: nothing selected";
    network.unselectAll();
    setFocus(null);
    if (ids.length) {
      network.selectNodes(ids.slice(0, 500));
      network.focus(ids[0], {scale: Math.max(fitScale * 4, 1.2), animation: false});
    }
  }
  var box = $("search");
  box.addEventListener("change", function () { find(box.value); });
  box.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { find(box.value); } });
  $("fit").addEventListener("click", function () {
    box.value = ""; status.textContent = ""; network.unselectAll();
    hiddenCats = {}; facetValue = {};
    var all = function (q, f) { Array.prototype.forEach.call(document.querySelectorAll(q), f); };
    all("input[data-cat]", function (b) { b.checked = true; });
    all("select[data-facet]", function (s) { s.value = ""; });
    labelsOn = n <= data.labelLimit;
    setFocus(null);
    fit();
  });
  $("panel-toggle").addEventListener("click", function () {
    document.body.classList.toggle("panel-open");
    setTimeout(function () { network.redraw(); }, 0);
  });
  function save(name, href) {
    var a = document.createElement("a");
    a.href = href; a.download = name; document.body.appendChild(a); a.click(); a.remove();
  }
  function csvCell(v) { v = String(v); return /[",\\n]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v; }
  var csvButton = $("gap-csv");
  if (csvButton) {
    csvButton.addEventListener("click", function () {
      var rows = [["name", "urn", "la"]].concat(window.sendgraphMap.visibleGaps.map(function (r) {
        return [r.name, r.urn, r.la];
      }));
      var text = rows.map(function (r) { return r.map(csvCell).join(","); }).join("\\r\\n") + "\\r\\n";
      var url = URL.createObjectURL(new Blob([text], {type: "text/csv"}));
      save("visible-gap-schools.csv", url);
      setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
    });
  }
  $("png").addEventListener("click", function () {
    var src = container.querySelector("canvas");
    var ratio = src.width / src.clientWidth || 1;
    var legendW = 300 * ratio, headH = 56 * ratio, rowH = 18 * ratio;
    var rows = data.legend.length;
    var out = document.createElement("canvas");
    out.width = src.width + legendW;
    out.height = Math.max(src.height + headH, headH + (rows + 2) * rowH + 20 * ratio);
    var g = out.getContext("2d");
    g.fillStyle = "#fff"; g.fillRect(0, 0, out.width, out.height);
    g.drawImage(src, 0, headH);
    g.fillStyle = "#222"; g.font = "bold " + 18 * ratio + "px sans-serif";
    g.fillText(data.title, 12 * ratio, 22 * ratio);
    g.fillStyle = "#555"; g.font = 12 * ratio + "px sans-serif";
    g.fillText(data.meta, 12 * ratio, 42 * ratio);
    var x0 = src.width + 10 * ratio, y = headH + 16 * ratio;
    g.fillStyle = "#222"; g.font = "bold " + 13 * ratio + "px sans-serif"; g.fillText("Legend", x0, y);
    g.font = 12 * ratio + "px sans-serif";
    data.legend.forEach(function (it) {
      y += rowH;
      g.fillStyle = it.colour; g.strokeStyle = it.colour;
      if (it.edge) {
        g.lineWidth = 3 * ratio; g.beginPath();
        g.moveTo(x0, y - 4 * ratio); g.lineTo(x0 + 16 * ratio, y - 4 * ratio); g.stroke();
      } else {
        g.fillRect(x0, y - 10 * ratio, 12 * ratio, 12 * ratio);
        g.strokeStyle = "#666"; g.lineWidth = 1;
        g.strokeRect(x0, y - 10 * ratio, 12 * ratio, 12 * ratio);
      }
      g.fillStyle = "#222"; g.fillText(it.label, x0 + 22 * ratio, y);
    });
    save("map.png", out.toDataURL("image/png"));
  });
  window.sendgraphMap = {network: network, nodes: nodes, edges: edges, data: data,
    labelsShown: n <= data.labelLimit,
    setFocus: setFocus, apply: apply, visibleGaps: [], shown: n};
  apply(true);  // the page opens in its initial state: count and list only, no redraw of every node
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


def _facet_html(payload: dict, facets: dict[str, str]) -> list[str]:
    out = []
    for key, heading in facets.items():
        values = sorted({f[key] for f in payload["facets"] if key in f})
        if len(values) < 2:
            continue
        opts = "".join(f'<option value="{html.escape(v)}">{html.escape(v)}</option>' for v in values)
        out.append(
            f'<label>{html.escape(heading)}<select data-facet="{html.escape(key)}">'
            f'<option value="">all</option>{opts}</select></label>'
        )
    return out


def pack(payload: dict) -> dict:
    """The wire form of a big (lazy-links) map: edges and facets as columns, not one object each.

    A national map's 75,000 links as objects were 13 MB of repeated keys and ids; as columns of node
    indexes they are a fraction, and the page's HTML parse and JSON.parse shrink with them. The page
    script (``unpack`` in SCRIPT) and :func:`unpack` rebuild the same objects, so everything after
    the first line of the script sees one format."""
    if not payload.get("lazyEdges"):
        return payload
    index = {v["id"]: i for i, v in enumerate(payload["nodes"])}
    edges = payload["edges"]
    colours = sorted({e["color"]["color"] for e in edges})
    cix = {c: i for i, c in enumerate(colours)}
    extra = {}
    for i, e in enumerate(edges):
        more = {k: e[k] for k in ("dashes", "arrows", "label") if e.get(k)}
        if e["color"]["opacity"] != 0.7:
            more["opacity"] = e["color"]["opacity"]
        if more:
            extra[str(i)] = more
    keys = sorted({k for f in payload["facets"] for k in f})
    facets = {}
    for k in keys:
        values = sorted({f[k] for f in payload["facets"] if k in f})
        vix = {v: i for i, v in enumerate(values)}
        facets[k] = {"values": values, "codes": [vix.get(f.get(k), -1) for f in payload["facets"]]}
    out = dict(payload)
    out["edges"] = []
    out["facets"] = []
    out["packed"] = {
        "from": [index[e["from"]] for e in edges],
        "to": [index[e["to"]] for e in edges],
        "width": [e["width"] for e in edges],
        "colours": colours,
        "colour": [cix[e["color"]["color"]] for e in edges],
        "title": [e.get("title", "") for e in edges],
        "extra": extra,
        "facets": facets,
    }
    return out


def unpack(payload: dict) -> dict:
    """The objects :func:`pack` packed (for tests and benchmarks; the page does the same in JS)."""
    packed = payload.get("packed")
    if not packed:
        return payload
    ids = [v["id"] for v in payload["nodes"]]
    edges = []
    for i, (a, b) in enumerate(zip(packed["from"], packed["to"], strict=True)):
        more = packed["extra"].get(str(i), {})
        e = {
            "from": ids[a],
            "to": ids[b],
            "width": packed["width"][i],
            "color": {"color": packed["colours"][packed["colour"][i]], "opacity": more.get("opacity", 0.7)},
        }
        if packed["title"][i]:
            e["title"] = packed["title"][i]
        e.update({k: v for k, v in more.items() if k != "opacity"})
        if payload["hubEdges"][i]:
            e["hidden"] = True
        edges.append(e)
    facets = [
        {k: f["values"][f["codes"][i]] for k, f in packed["facets"].items() if f["codes"][i] >= 0}
        for i in range(len(ids))
    ]
    out = {k: v for k, v in payload.items() if k != "packed"}
    out["edges"], out["facets"] = edges, facets
    return out


def render_page(graph: MapGraph, page: Page) -> str:
    """The complete, self-contained HTML of one map."""
    payload, physics = _payload(graph, page.hierarchical)
    n, m = len(graph.nodes), len(graph.edges)
    mode = (
        "laid out in the browser (physics), then frozen"
        if physics
        else "levels from left to right (hierarchical)"
        if page.hierarchical
        else "geographic (OSGB36 easting / northing, north up); networks spanning LAs on the outer ring, "
        "their links shown when one is clicked"
        + (
            f"; with more than {LAZY_EDGE_LIMIT:,} nodes, links are drawn for the node you click"
            if payload["lazyEdges"]
            else ""
        )
        if payload["geo"]
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
        notes.append(
            "School and person labels show when you zoom in or filter to 250 nodes or fewer; hover a node "
            "or search by name, URN or id."
        )
    legend = _legend_html(page.legend, set(payload["nodeCats"]), set(payload["edgeCats"]))
    payload["title"] = page.title
    payload["meta"] = " · ".join(x for x in meta if x)
    payload["legend"] = [{"colour": it.colour, "label": it.label, "edge": it.edge} for it in page.legend]
    title = html.escape(page.title)
    filters = _facet_html(payload, page.facets)
    size_by = (
        [
            '<h2>Size by</h2><select id="size-by" aria-label="size by">'
            + "".join(f'<option value="{html.escape(k)}">{html.escape(k)}</option>' for k in graph.sizes)
            + "</select>"
        ]
        if len(graph.sizes) > 1
        else []
    )
    gap_list = (
        [
            f'<h2>Visible {html.escape(page.gap_label)} (<span id="gap-count"></span>)</h2>',
            '<button id="gap-csv" type="button">Download CSV</button>',
            '<ol id="gap-list"></ol>',
        ]
        if graph.gaps
        else []
    )
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{title}</title>",
            inlined_assets(),
            f"<style>{STYLE}</style>",
            "</head><body>",
            f'<header><div class="titles"><h1>{title}</h1><div class="meta">'
            f"{html.escape(payload['meta'])}</div></div>"
            '<button id="fit" type="button" title="show everything, clear focus and filters">'
            "Fit / reset</button>"
            '<button id="png" type="button" title="save the map with its title and legend">PNG</button>'
            '<button id="panel-toggle" type="button" aria-controls="panel">Panel</button></header>',
            '<main><div id="map" role="img" aria-label="network map"></div><aside id="panel">',
            '<h2>Search</h2><input id="search" type="search" placeholder="name, URN or id, then Enter">'
            '<div id="search-status" class="note"></div>',
            '<div id="focus" hidden><h2>Focus: <span id="focus-name"></span></h2>'
            '<p class="note">Click empty space to clear. Linked to:</p><ul id="focus-list"></ul></div>',
            '<p id="count" class="note"></p>',
            *(["<h2>Filter</h2>", *filters] if filters else []),
            *size_by,
            "<h2>Legend (untick to hide)</h2>",
            legend,
            *gap_list,
            "<h2>Notes</h2>",
            *[f'<p class="note">{html.escape(x)}</p>' for x in notes],
            "</aside></main>",
            f'<script id="map-data" type="application/json">{json_for_script(pack(payload))}</script>',
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
