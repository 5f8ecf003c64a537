"""A fast, deterministic layout for maps too big for the browser's physics simulation.

vis-network's physics settles a few hundred nodes in seconds (render.PHYSICS_LIMIT); a region of
England has up to ~4,000 schools. Force layouts in Python (networkx ``spring_layout``) are O(n^2)
per iteration and take minutes at that size, so big maps use the structure the graph already has:
every school sits in its local authority, so each LA becomes a cluster (its schools on a sunflower
spiral around it, which spaces n points evenly in O(n)), clusters are shelf-packed in rows, and the
remaining nodes (trusts, networks, services) sit at the mean position of their neighbours.
Positions are fixed and physics is switched off in the page.
"""

from __future__ import annotations

import math
from collections import defaultdict

GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
SPACING = 28.0
"""Pixels between neighbouring points of a spiral at zoom 1 (a dot is ~10-25 px across)."""


def spiral(n: int, spacing: float = SPACING) -> list[tuple[float, float]]:
    """n points on a sunflower (Vogel) spiral: the k-th at radius ~sqrt(k), evenly spread."""
    c = spacing / math.sqrt(math.pi) * 1.2
    return [
        (c * math.sqrt(k + 1) * math.cos(k * GOLDEN_ANGLE), c * math.sqrt(k + 1) * math.sin(k * GOLDEN_ANGLE))
        for k in range(n)
    ]


def cluster_layout(
    clusters: dict[str, list[str]],
    centres: dict[str, str] | None = None,
    edges: list[tuple[str, str]] | None = None,
    others: list[str] | None = None,
) -> dict[str, tuple[float, float]]:
    """Positions for ``clusters`` (key -> member node ids), the cluster ``centres`` (key -> node id
    placed in the middle) and ``others`` (placed at the mean of their neighbours along ``edges``)."""
    centres = centres or {}
    pos: dict[str, tuple[float, float]] = {}
    keys = sorted(clusters, key=lambda k: (-len(clusters[k]), str(k)))
    radii = {
        k: SPACING * 1.2 * math.sqrt(len(clusters[k]) + 1) / math.sqrt(math.pi) + 2 * SPACING for k in keys
    }
    total = sum((2 * r) ** 2 for r in radii.values()) or 1.0
    row_width = max(math.sqrt(total) * 1.3, max((2 * r for r in radii.values()), default=0))
    x = y = row_h = 0.0
    for k in keys:
        d = 2 * radii[k]
        if x + d > row_width and x > 0:
            x, y, row_h = 0.0, y + row_h, 0.0
        cx, cy = x + radii[k], y + radii[k]
        if k in centres:
            pos[centres[k]] = (cx, cy)
        members = [m for m in clusters[k] if m != centres.get(k)]
        for m, (dx, dy) in zip(members, spiral(len(members)), strict=True):
            pos[m] = (cx + dx, cy + dy)
        x += d
        row_h = max(row_h, d)
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in edges or []:
        neighbours[a].append(b)
        neighbours[b].append(a)
    stray: list[str] = []
    for i, node in enumerate(others or []):
        known = [pos[n] for n in neighbours.get(node, []) if n in pos]
        if not known:
            stray.append(node)
            continue
        mx = sum(p[0] for p in known) / len(known)
        my = sum(p[1] for p in known) / len(known)
        angle = i * GOLDEN_ANGLE  # nudge apart nodes that share a mean
        pos[node] = (mx + 12 * math.cos(angle), my + 12 * math.sin(angle))
    bottom = y + row_h + 3 * SPACING
    for i, node in enumerate(stray):
        pos[node] = ((i % 40) * SPACING * 1.5, bottom + (i // 40) * SPACING * 1.5)
    return pos


METRES_PER_PIXEL = 40.0
"""Geographic maps draw 1 px per 40 m at zoom 1: a region (~150 km) is ~3,750 px, so schools a few
hundred metres apart are still apart when zoomed in, and the page fits it all at first view."""


def geo_layout(
    placed: dict[str, tuple[float, float]],
    edges: list[tuple[str, str]],
    others: list[str],
    ring: list[str],
) -> dict[str, tuple[float, float]]:
    """Positions for a map whose ``placed`` nodes have OSGB36 (easting, northing) in metres.

    North is up (screen y grows downwards, so y = -northing). ``others`` (trusts, services, networks
    within one LA) sit at the mean of their placed neighbours; ``ring`` nodes (networks spanning several
    LAs) go on a ring outside the map's bounding box, in the direction of their members' mean, so a
    315-member hub does not pull a line from every cluster into the middle.
    """
    pos = {n: (e / METRES_PER_PIXEL, -nn / METRES_PER_PIXEL) for n, (e, nn) in placed.items()}
    if pos:
        xs, ys = [p[0] for p in pos.values()], [p[1] for p in pos.values()]
        cx, cy = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        radius = max(max(xs) - min(xs), max(ys) - min(ys), 400.0) / 2 * 1.25
    else:
        cx = cy = 0.0
        radius = 400.0
    neighbours: dict[str, list[str]] = defaultdict(list)
    for a, b in edges:
        neighbours[a].append(b)
        neighbours[b].append(a)
    ring_set = set(ring)
    crowd: dict[tuple[int, int], int] = defaultdict(int)
    for node in others:
        # the mean of neighbours that are where they really are; only a node with none of those sits
        # by a placed "other" (a network member with no post, beside its network), so an unplaced
        # hub's position never drags the nodes around it to the middle
        known = [pos[n] for n in neighbours.get(node, []) if n in placed] or [
            pos[n] for n in neighbours.get(node, []) if n in pos
        ]
        if node in ring_set:
            continue
        if not known:
            ring.append(node)
            continue
        mx = sum(p[0] for p in known) / len(known)
        my = sum(p[1] for p in known) / len(known)
        k = crowd[(round(mx), round(my))] = crowd[(round(mx), round(my))] + 1
        angle = k * GOLDEN_ANGLE  # nodes sharing a mean (unplaced schools of one LA) on a spiral
        pos[node] = (mx + 30 * math.sqrt(k) * math.cos(angle), my + 30 * math.sqrt(k) * math.sin(angle))
    wanted = []
    for node in dict.fromkeys(ring):
        known = [pos[n] for n in neighbours.get(node, []) if n in pos]
        mx = sum(p[0] for p in known) / len(known) if known else cx
        my = sum(p[1] for p in known) / len(known) if known else cy
        wanted.append((math.atan2(my - cy, mx - cx) if (mx, my) != (cx, cy) else 0.0, node))
    wanted.sort()
    n = len(wanted)
    for k, (_angle, node) in enumerate(wanted):
        # evenly spaced around the ring, in the order of their members' directions
        a = wanted[0][0] + 2 * math.pi * k / n if n else 0.0
        pos[node] = (cx + radius * math.cos(a), cy + radius * math.sin(a))
    return pos
