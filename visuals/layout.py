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
