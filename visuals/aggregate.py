"""Super-nodes for maps too big to draw school by school.

A national map has ~24,000 schools. vis-network draws that many points with physics off, but each
redraw (pan, zoom, hover) then takes seconds on a laptop, and nobody can read 24,000 dots. Above
:data:`AGGREGATE_LIMIT` schools a map draws one super-node per local authority instead: its size is
the LA's SEN pupils, its colour the share of its schools with a gap (legend.GAP_BANDS), and its
tooltip the counts behind both. The legend says so; ``--region`` gives the school-level map.
"""

from __future__ import annotations

import pandas as pd

from visuals.facts import count_text

AGGREGATE_LIMIT = 5000
"""Above this many schools a map shows LA super-nodes (measured in bench/maps.py)."""


def by_la(schools: pd.DataFrame, gap: pd.Series, status: pd.Series) -> pd.DataFrame:
    """One row per LA: schools, SEN pupils, schools with a gap, gap share and status counts text.

    ``schools`` is a schools frame (queries.context.schools_frame) with a ``sen`` column; ``gap``
    and ``status`` are aligned to it.
    """
    frame = schools.assign(_gap=gap.astype(bool).to_numpy(), _status=status.astype("string").to_numpy())
    grouped = frame.groupby(["la_code", "la_name", "region_code", "region_name"], dropna=False)
    out = grouped.agg(schools=("urn", "size"), sen=("sen", "sum"), gaps=("_gap", "sum")).reset_index()
    out["gap_share"] = out["gaps"] / out["schools"]
    counts = grouped["_status"].apply(count_text).reset_index(name="status_counts")
    return out.merge(counts, on=["la_code", "la_name", "region_code", "region_name"], how="left")
