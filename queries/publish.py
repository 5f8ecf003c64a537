"""One way to publish a table: :func:`publish` (the only place suppression and metadata are made).

Every analysis that publishes an aggregate declares, as data next to it, a :class:`Publishes`: its
count columns, its rate columns with the counts each is computed from (the rate -> counts rule), the
row totals (a column that is the sum of others) and the categories it crosses (e.g. ``need``). The
CLI, the demo and the maps then call :func:`publish`, which

* applies DfE small-number suppression: counts from 1 to the threshold (4 by default) shown as ``c``
  (primary), then **secondary suppression** so no suppressed cell can be worked back out from the
  other cells and totals of its row or column (see ``docs/publishing.md``), then every rate computed
  from a suppressed count;
* renames the LA key to DfE's ``new_la_code`` and adds the DfE leading columns (``time_period``,
  ``geographic_level``, ``country_code``, ``region_code``, ``region_name``, ``new_la_code``,
  ``old_la_code``, ``la_name``) to every LA and region table, from the shipped geography catalogue;
* builds the one metadata shape every output uses (JSON output and the ``.meta.json`` sidecar).

Zero is shown (it identifies nobody). A threshold of 0 suppresses nothing and the metadata says
plainly the table is not for publication; a negative threshold is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphmodel.catalogue import catalogue_frame
from graphmodel.errors import SendgraphError
from queries.context import BY_COLUMNS, Filters

__all__ = [
    "DEFAULT_THRESHOLD",
    "DETAIL",
    "SYMBOL",
    "Publishes",
    "Published",
    "dfe_time_period",
    "is_small",
    "publish",
    "suppression_mask",
]

DEFAULT_THRESHOLD = 4
SYMBOL = "c"
LEADING = [
    "time_period",
    "geographic_level",
    "country_code",
    "region_code",
    "region_name",
    "new_la_code",
    "old_la_code",
    "la_name",
]
"""The DfE leading columns of an LA table (a region table has the first five)."""
COUNTRY = "E92000001"
GROUP_COLUMNS = {"new_la_code", *(c for cols in BY_COLUMNS.values() for c in cols)}
"""Columns that name a row's area or group (``--by``): rows sharing them form one group."""


@dataclass(frozen=True)
class Publishes:
    """What a table publishes, declared once next to the analysis that makes it.

    ``counts``: columns of people / schools / posts counted (suppressed when small).
    ``rates``: rate column -> the counts it is computed from (suppressed when any of them is).
    ``totals``: total column -> the count columns that sum to it in the same row (so a single
    suppressed part would be recoverable as total minus the others).
    ``categories``: columns that cross the geography (e.g. ``need``, ``rung``): rows of the same
    category within the same parent area add up to a total published elsewhere.
    ``additive``: the rows partition what is counted (each school, post or person in one row of a
    column), so a column's rows add up to a figure published elsewhere (the coarser table or the
    national one). False where one person counts in several rows (career moves) or rows are unrelated
    figures: then only the declared row totals link cells.
    ``detail``: set for a detail listing (one row per school / person): nothing is suppressed and
    the metadata carries this note instead.

    Relations across the rows of one group (rows with the same area / grouping columns, e.g. the
    participation ladder's eight rung rows of one LA), in row order:
    ``group_totals``: total column -> part column whose rows sum to it (the total repeated on every
    row: ``schools`` = the sum of ``schools_at_rung``). ``running_totals``: column -> part column,
    where the column is the part plus the column's value on the next row ("at or above" = "at" +
    "at or above the next rung"). ``lagged``: column -> column it copies from the previous row
    (``reached_rung_below`` is the previous rung's ``schools_at_or_above``).
    """

    counts: tuple[str, ...] = ()
    rates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    totals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    categories: tuple[str, ...] = ()
    additive: bool = True
    detail: str | None = None
    group_totals: Mapping[str, str] = field(default_factory=dict)
    running_totals: Mapping[str, str] = field(default_factory=dict)
    lagged: Mapping[str, str] = field(default_factory=dict)


DETAIL = Publishes(detail="detail table (one row per school or post): internal use, not suppressed")


@dataclass
class Published:
    """A table with the facts a reader needs to trust it (``sendgraph.output.Result`` is this)."""

    frame: pd.DataFrame
    title: str
    metadata: dict[str, object] = field(default_factory=dict)

    def document(self) -> dict[str, object]:
        """The one metadata shape: JSON output adds ``data``; the ``.meta.json`` sidecar is this."""
        return {"title": self.title, "metadata": self.metadata}


def is_small(n: object, threshold: int = DEFAULT_THRESHOLD) -> bool:
    """The small-number rule, coded once: a count from 1 to ``threshold`` identifies people."""
    try:
        value = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return 1 <= value <= threshold


def dfe_time_period(as_of: dt.date) -> int:
    """The DfE academic-year ``time_period`` (e.g. 202526) containing ``as_of`` (years start 1 Sept)."""
    start = as_of.year if as_of.month >= 9 else as_of.year - 1
    return start * 100 + (start + 1) % 100


def _numeric(frame: pd.DataFrame, cols: list[str]) -> np.ndarray:
    return (
        np.column_stack([pd.to_numeric(frame[c], errors="coerce").astype("float64").to_numpy() for c in cols])
        if cols
        else np.zeros((len(frame), 0))
    )


def _equations(frame: pd.DataFrame, spec: Publishes, counts: list[str], groups: list[str]) -> list[list]:
    """Every linear relation an attacker knows: lists of (row, col) cells summing to a known total."""
    idx = {c: i for i, c in enumerate(counts)}
    eqs: list[list[tuple[int, int]]] = []
    for total, parts in spec.totals.items():
        cols = [c for c in (total, *parts) if c in idx]
        if len(cols) == len(parts) + 1:
            eqs.extend([(r, idx[c]) for c in cols] for r in range(len(frame)))
    eqs.extend(_row_relations(frame, spec, idx))
    if not spec.additive:
        return eqs
    keys = [g for g in groups if g in frame.columns]
    positions = (
        frame.reset_index(drop=True).groupby(keys, dropna=False, sort=False).indices.values()
        if keys
        else [np.arange(len(frame))]
    )
    for rows in positions:
        if len(rows) > 1:
            eqs.extend([(int(r), j) for r in rows] for j in range(len(counts)))
    return eqs


def _row_relations(frame: pd.DataFrame, spec: Publishes, idx: dict[str, int]) -> list[list]:
    """The declared relations across the rows of one group (see :class:`Publishes`), as cell lists."""
    if not (spec.group_totals or spec.running_totals or spec.lagged):
        return []
    keys = [c for c in frame.columns if c in GROUP_COLUMNS and c not in spec.categories]
    positions = (
        frame.reset_index(drop=True).groupby(keys, dropna=False, sort=False).indices.values()
        if keys
        else [np.arange(len(frame))]
    )
    eqs: list[list[tuple[int, int]]] = []
    for rows in positions:
        rows = [int(r) for r in rows]
        for total, part in spec.group_totals.items():
            if total in idx and part in idx:
                eqs.append([(r, idx[part]) for r in rows] + [(rows[0], idx[total])])
                eqs.extend(
                    [(a, idx[total]), (b, idx[total])] for a, b in zip(rows, rows[1:], strict=False)
                )  # one value
        for running, part in spec.running_totals.items():
            if running in idx and part in idx:
                for a, b in zip(rows, [*rows[1:], None], strict=True):
                    cells = [(a, idx[running]), (a, idx[part])]
                    eqs.append(cells + ([(b, idx[running])] if b is not None else []))
        for col, source in spec.lagged.items():
            if col in idx and source in idx:
                eqs.extend([(b, idx[col]), (a, idx[source])] for a, b in zip(rows, rows[1:], strict=False))
    return eqs


def suppression_mask(
    frame: pd.DataFrame, spec: Publishes, threshold: int = DEFAULT_THRESHOLD, groups: list[str] | None = None
) -> pd.DataFrame:
    """Which count cells to suppress: primary (1..threshold), then secondary until stable.

    Secondary (complementary) suppression, DfE / ONS practice: in every relation an attacker knows
    (a row total and its parts; the rows of one column within the same parent area and category,
    whose sum is published in the coarser table), a relation holding exactly one suppressed cell
    gets a second one: the smallest shown cell of that relation (a non-zero one when there is one).
    Repeat until no relation has exactly one suppressed cell.
    """
    counts = [c for c in spec.counts if c in frame.columns]
    values = _numeric(frame, counts)
    mask = (values >= 1) & (values <= threshold)
    groups = groups if groups is not None else _column_groups(frame, spec)
    eqs = _equations(frame, spec, counts, groups)
    changed = True
    while changed:
        changed = False
        for cells in eqs:
            hidden = [cell for cell in cells if mask[cell]]
            if len(hidden) != 1:
                continue
            shown = [cell for cell in cells if not mask[cell] and not np.isnan(values[cell])]
            if not shown:
                continue
            # smallest non-zero first (a zero hides little), then zeros
            pick = min(shown, key=lambda cell: (values[cell] == 0, values[cell]))
            mask[pick] = True
            changed = True
    return pd.DataFrame(mask, columns=counts, index=frame.index)


def _column_groups(frame: pd.DataFrame, spec: Publishes) -> list[str]:
    """Rows whose column sums are published elsewhere: the same parent area and the same category."""
    parent = ["region_code"] if ("la_code" in frame or "new_la_code" in frame) else []
    return [*parent, *[c for c in spec.categories if c in frame.columns]]


def _apply(frame: pd.DataFrame, spec: Publishes, threshold: int) -> pd.DataFrame:
    mask = suppression_mask(frame, spec, threshold)
    out = frame.copy()
    for col in mask.columns:
        out[col] = out[col].astype(object)
        out.loc[mask[col].to_numpy(), col] = SYMBOL
    for rate, sources in spec.rates.items():
        if rate not in out.columns:
            continue
        hit = np.zeros(len(out), dtype=bool)
        for src in sources:
            if src in mask.columns:
                hit |= mask[src].to_numpy()
        out[rate] = out[rate].astype(object)
        out.loc[hit, rate] = SYMBOL
    return out


def _geography(frame: pd.DataFrame, as_of: dt.date | None) -> pd.DataFrame:
    """``la_code`` renamed ``new_la_code`` and the DfE leading columns first (LA and region tables)."""
    if "la_code" in frame.columns and "new_la_code" not in frame.columns:
        frame = frame.rename(columns={"la_code": "new_la_code"})
    if "new_la_code" in frame.columns:
        level, lead = "Local authority", LEADING
    elif "region_code" in frame.columns:
        level, lead = "Regional", LEADING[:5]
    else:
        return frame
    out = frame.copy()
    if "time_period" not in out.columns:
        out["time_period"] = dfe_time_period(as_of) if as_of else pd.NA
    if "geographic_level" not in out.columns:
        out["geographic_level"] = level
    if "country_code" not in out.columns:
        out["country_code"] = COUNTRY
    if level == "Local authority":
        las = catalogue_frame("local_authorities").rename(
            columns={"code": "new_la_code", "name": "_la_name", "region_code": "_region_code"}
        )
        las["old_la_code"] = pd.to_numeric(las["old_la_code"], errors="coerce").astype("Int64")
        have = [c for c in ("old_la_code",) if c in out.columns]
        out = out.merge(las.drop(columns=have), on="new_la_code", how="left")
        for col in ("la_name", "region_code"):
            if col not in out.columns:
                out[col] = out[f"_{col}"]
        out = out.drop(columns=["_la_name", "_region_code"])
    if "region_name" not in out.columns:
        regions = catalogue_frame("regions")[["code", "name"]]
        out = out.merge(regions.rename(columns={"code": "region_code", "name": "region_name"}), how="left")
    rest = [c for c in out.columns if c not in lead]
    return out[[*lead, *rest]]


def publish(
    frame: pd.DataFrame,
    spec: Publishes,
    *,
    title: str,
    source: str,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    threshold: int = DEFAULT_THRESHOLD,
    suppress: bool = True,
    **extra: object,
) -> Published:
    """``frame`` as a published table: suppressed, with DfE leading columns and the one metadata shape.

    ``suppress=False`` (the CLI's ``--no-suppress``) or ``threshold=0`` shows every number and the
    metadata says the table is not for publication. Extra keyword arguments go into the metadata
    (``None`` values are left out).

    >>> from queries.publish import Publishes, publish
    >>> import pandas as pd
    >>> t = publish(pd.DataFrame({"phase": ["A", "B", "C"], "n": [2, 9, 12]}),
    ...             Publishes(counts=("n",)), title="t", source="s")
    >>> t.frame["n"].tolist()
    ['c', 'c', 12]
    """
    if threshold < 0:
        raise SendgraphError(f"--threshold must be 0 or more (got {threshold})")
    if spec.detail:
        out = frame.rename(columns={"la_code": "new_la_code"}) if "new_la_code" not in frame else frame
    else:
        out = _geography(frame, as_of)
    if spec.detail:
        note = spec.detail
    elif suppress and threshold > 0:
        out = _apply(out, spec, threshold)
        note = (
            f"counts from 1 to {threshold} shown as '{SYMBOL}', with further cells suppressed so none "
            "can be worked out from totals, and rates derived from them"
        )
    else:
        note = "NONE: small numbers are not suppressed (internal use only, do not publish)"
    meta: dict[str, object] = {}
    if as_of is not None:
        meta["as_of"] = as_of.isoformat()
    meta["filters"] = filters.describe() or "none"
    meta["source"] = source
    meta.update({k: v for k, v in extra.items() if v is not None})
    meta["suppression"] = note
    return Published(out.reset_index(drop=True), title, meta)
