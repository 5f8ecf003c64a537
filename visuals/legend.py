"""Colours, shapes and legend entries for every map, derived from the schema and the audit palettes.

Node kinds take their colour from ``graphmodel/schema.toml`` (``color = ...`` on each node kind) so a
school is the same blue on every map and in every export; schools coloured by an analysis use the
palettes below instead, whose order follows the analysis (the participation ladder from the WSS
evaluation, least to most active; SENCO status per SI 2014/1530 reg. 49; sensory MQ status per
SI 2003/1662 regs 6-9). Shapes separate the kinds when the fill colour is a status.
"""

from __future__ import annotations

from dataclasses import dataclass

from graphmodel.schema import Schema

SHAPES = {
    "School": "dot",
    "LocalAuthority": "diamond",
    "Trust": "triangle",
    "Network": "star",
    "Service": "square",
    "Region": "hexagon",
    "Person": "dot",
    "Role": "box",
    "Qualification": "ellipse",
    "Aggregate": "hexagon",
}

NO_TIER = "none"
TIER_COLOURS = ["#bdbdbd", "#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d"]
"""Grey for no network, then a red ramp up the seven rungs of the ladder (ColorBrewer Reds)."""

SENCO_STATUS_COLOURS = {
    "no_senco": "#000000",
    "overdue": "#d7191c",
    "at_risk": "#f46d43",
    "within_window": "#fdae61",
    "compliant": "#1a9641",
    "exempt": "#a6d96a",
    "no_duty": "#d9ef8b",
    "kind_unknown": "#e0e0e0",
    "not_eligible": "#bababa",
}
SENCO_GAPS = ("no_senco", "overdue")
"""A school is a gap when it has no SENCO or its SENCO is past the 3-year window (reg. 49)."""

SENSORY_STATUS_COLOURS = {
    "unqualified": "#d7191c",
    "within_allowance": "#fdae61",
    "qualified": "#1a9641",
}
SENSORY_GAPS = ("unqualified",)

GAP_BANDS = [
    (0.0, "#1a9641", "no gaps"),
    (0.1, "#a6d96a", "under 10%"),
    (0.25, "#fdae61", "10-25%"),
    (0.5, "#f46d43", "25-50%"),
    (1.01, "#d7191c", "50% or more"),
]
"""Bands of the share of schools with a gap, for aggregated super-nodes (upper bounds, exclusive)."""

EDGE_COLOURS = {
    "la": "#cab2d6",
    "trust": "#fdbf6f",
    "network": "#fb9a99",
    "peer_review": "#1f78b4",
    "federation": "#33a02c",
    "link": "#999999",
    "progression": "#6a3d9a",
    "requires": "#e31a1c",
    "observed": "#525252",
    "works_at": "#b2df8a",
    "region": "#6a3d9a",
    "shared_staff": "#ff7f00",
}
EDGE_LABELS = {
    "la": "in local authority",
    "trust": "in trust",
    "network": "network member (width = rung)",
    "peer_review": "peer review (reviewer to reviewed)",
    "federation": "federation link",
    "link": "other school link (GIAS)",
    "progression": "reference progression step",
    "requires": "role requires qualification (dashed)",
    "observed": "observed move not in the reference",
    "works_at": "works at",
    "region": "in region",
    "shared_staff": "staff in post at both schools",
}


def readable(code: str) -> str:
    """A code as words a person reads: ``trained_reviewer`` -> ``trained reviewer``."""
    return str(code).replace("_", " ")


@dataclass(frozen=True)
class LegendItem:
    """One legend row: a swatch (colour and shape) and what it means."""

    colour: str
    label: str
    shape: str = "dot"
    edge: bool = False
    category: str | None = None
    """The filter key nodes / edges of this row carry (defaults to the label)."""


def kind_colours(schema: Schema) -> dict[str, str]:
    """Node kind label -> colour, as declared in schema.toml."""
    return {label: node.color for label, node in schema.nodes.items()}


def tier_names(schema: Schema) -> list[str]:
    """``none`` then the participation ladder, least to most active (schema meta.participation_tiers)."""
    return [NO_TIER, *schema.participation_tiers]


def tier_colour(schema: Schema, tier: str | None) -> str:
    names = tier_names(schema)
    rank = names.index(tier) if tier in names else 0
    return TIER_COLOURS[min(rank, len(TIER_COLOURS) - 1)]


def _band(share: float) -> int:
    if share <= 0:
        return 0
    for i, (upper, _colour, _label) in enumerate(GAP_BANDS[1:], start=1):
        if share < upper:
            return i
    return len(GAP_BANDS) - 1


def gap_colour(share: float) -> str:
    """The colour of a super-node whose schools have a gap in ``share`` of cases (0 = none)."""
    return GAP_BANDS[_band(share)][1]


def gap_category(share: float) -> str:
    return f"gap:{_band(share)}"


def kind_items(schema: Schema, labels: list[str]) -> list[LegendItem]:
    colours = kind_colours(schema)
    names = {
        "LocalAuthority": "local authority",
        "Network": "network / community of practice",
        "Service": "LA service",
        "Qualification": "qualification",
        "Person": "person (pseudonymous id)",
    }
    return [LegendItem(colours[k], names.get(k, k.lower()), SHAPES.get(k, "dot"), category=k) for k in labels]


def tier_items(schema: Schema, what: str = "school") -> list[LegendItem]:
    return [
        LegendItem(TIER_COLOURS[i], f"{what}: {t.replace('_', ' ')}", category=f"tier:{t}")
        for i, t in enumerate(tier_names(schema))
    ]


def status_items(palette: dict[str, str], what: str = "school") -> list[LegendItem]:
    return [
        LegendItem(c, f"{what}: {s.replace('_', ' ')}", category=f"status:{s}") for s, c in palette.items()
    ]


def gap_items(what: str) -> list[LegendItem]:
    out = [LegendItem(GAP_BANDS[0][1], f"{what}: no gaps", "hexagon", category=gap_category(0.0))]
    out += [
        LegendItem(c, f"{what}: gaps in {label} of schools", "hexagon", category=f"gap:{i}")
        for i, (_u, c, label) in enumerate(GAP_BANDS[1:], start=1)
    ]
    return out


def edge_items(kinds: list[str]) -> list[LegendItem]:
    return [LegendItem(EDGE_COLOURS[k], EDGE_LABELS[k], "line", True, category=k) for k in kinds]
