"""Specialist capacity against need: qualified sensory FTE per LA / region against real pupil numbers.

Answers the policy analyst's question "where is specialist capacity short of pupils' needs?"
(issue 4; DOMAIN.md rule 2 and the real EHC plan figures; UCL 2019 digest §4.6). For each local
authority (or region) and sense (VI, HI, MSI):

- ``qualified_fte``: FTE of current posts in VI/HI/MSI roles (school classes and LA services, see
  :mod:`queries.audits.sensory`) whose holder has the matching MQ on ``as_of`` (SI 2003/1662). A post
  with no FTE recorded counts as 1.0. Teachers still within their 3-year allowance are not counted:
  they are not yet qualified.
- ``pupils``: pupils with that primary need. ``source="ehcp"``: DfE EHC plans (``la_needs`` /
  ``region_needs``, as loaded from the DfE file); ``source="school"``: the school-level counts in
  ``school_needs`` summed to LA / region; ``"auto"`` (default) uses school-level counts when any are
  loaded, else EHC plans. With neither loaded, the real 2024/25 EHC plan counts shipped with
  sendgraph (graphmodel/data/la_needs_202425.csv) are used and ``pupils_source`` says so.
- ``pupils_per_fte``; ``no_qualified_fte`` flags areas with none; ``rank`` within each need, 1 = most
  stretched: areas with pupils but no qualified FTE first (most pupils first), then by pupils per FTE,
  highest first; areas with no pupils last.

Rows cover every LA (153) or region (9) in the workspace, whether or not staff are loaded, and carry
DfE tidy-data columns (``time_period``, ``geographic_level``, ``country_code``, ``region_code``,
``region_name``, ``new_la_code``, ``old_la_code``, ``la_name``) so they join to DfE files.
"""

from __future__ import annotations

import datetime as dt
from importlib import resources

import numpy as np
import pandas as pd

from graphmodel.catalogue import catalogue_frame
from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.audits.sensory import SENSES, sensory_audit
from queries.context import Filters, match_rows
from queries.publish import Publishes
from queries.registry import analysis

__all__ = [
    "PUBLISHES",
    "capacity_against_need",
]

SHIPPED = "data/la_needs_202425.csv"
SHIPPED_LABEL = "DfE EHC plans 2024/25 by primary need (copy shipped with sendgraph)"
COUNTRY = "E92000001"


def _shipped_la_needs() -> pd.DataFrame:
    path = resources.files("graphmodel").joinpath(SHIPPED)
    with path.open("r", encoding="utf-8") as fh:
        wide = pd.read_csv(fh, dtype={"la_code": "string"})
    long = wide.melt(
        id_vars=["time_period", "la_code"], value_vars=list(SENSES), var_name="need", value_name="pupils"
    )
    return long.rename(columns={"time_period": "year"}).astype({"pupils": "Int64", "year": "Int64"})


def _latest(frame: pd.DataFrame, year: int | None) -> tuple[pd.DataFrame, int | None]:
    frame = frame[frame["need"].isin(SENSES).fillna(False).astype(bool)]
    if frame.empty:
        return frame, year
    chosen = int(frame["year"].max()) if year is None else year
    return frame[frame["year"] == chosen], chosen


def _pupils(
    store: GraphStore, level: str, source: str, year: int | None
) -> tuple[pd.DataFrame, int | None, str]:
    """Pupils per area code ('code') and need, the year used and a label for the source."""
    if source not in ("auto", "ehcp", "school"):
        raise SendgraphError("--source must be auto, ehcp or school")
    las = _geography(store, "local_authorities")[["code", "region_code"]]
    school, school_year = _latest(store.table("school_needs"), year)
    if source == "school" or (source == "auto" and len(school)):
        if school.empty:
            raise SendgraphError("no school-level need counts (school_needs) are loaded")
        s = school.merge(store.table("schools")[["urn", "la_code"]], on="urn")
        s = s.merge(las.rename(columns={"code": "la_code"}), on="la_code")
        key = "la_code" if level == "la" else "region_code"
        out = s.groupby([key, "need"], as_index=False)["pupils"].sum().rename(columns={key: "code"})
        return out, school_year, f"school_needs {school_year} (pupils with SEN by primary need)"
    la, la_year = _latest(store.table("la_needs"), year)
    label = f"DfE EHC plans by primary need, time_period {la_year}"
    if la.empty and year in (None, 202425):
        la, la_year, label = _shipped_la_needs(), 202425, SHIPPED_LABEL
    if la.empty:
        raise SendgraphError("no EHC plan counts (la_needs) are loaded: load the DfE EHC plan file")
    if level == "la":
        return la.rename(columns={"la_code": "code"})[["code", "need", "pupils"]], la_year, label
    reg, _ = _latest(store.table("region_needs"), la_year)
    if len(reg):
        return reg.rename(columns={"region_code": "code"})[["code", "need", "pupils"]], la_year, label
    summed = la.merge(las.rename(columns={"code": "la_code"}), on="la_code")
    out = summed.groupby(["region_code", "need"], as_index=False)["pupils"].sum()
    return out.rename(columns={"region_code": "code"}), la_year, label + " (LAs summed)"


def _geography(store: GraphStore, table: str) -> pd.DataFrame:
    """A geography table from the workspace, or from the shipped catalogue in an empty one."""
    frame = store.table(table)
    if len(frame):
        return frame
    frame = catalogue_frame(table).replace("", pd.NA).astype("string")
    if "old_la_code" in frame:
        frame["old_la_code"] = pd.to_numeric(frame["old_la_code"]).astype("Int64")
    return frame


def _areas(store: GraphStore, level: str) -> pd.DataFrame:
    regions = _geography(store, "regions")[["code", "name"]].rename(columns={"name": "region_name"})
    if level == "region":
        out = regions.assign(region_code=regions["code"])
        return out[["code", "region_code", "region_name"]]
    las = _geography(store, "local_authorities")[["code", "name", "old_la_code", "region_code"]]
    las = las.merge(regions.rename(columns={"code": "region_code"}), on="region_code", how="left")
    return las.assign(new_la_code=las["code"]).rename(columns={"name": "la_name"})


@analysis
def capacity_against_need(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    level: str = "la",
    source: str = "auto",
    year: int | None = None,
    needs: tuple[str, ...] | list[str] = (),
) -> pd.DataFrame:
    """Qualified sensory FTE against pupils with that primary need, per LA or region and need,
    ranked from most stretched (SI 2003/1662 regs 6-9; real DfE EHC plan counts).

    ``filters`` (region, LA) and ``needs`` choose the rows shown; ranks stay national, so an LA's
    rank reads the same in a filtered table. Pupils are counted per LA, so trust, phase and type
    filters do not apply and are refused.

    >>> capacity_against_need(store, as_of=dt.date(2025, 9, 1), level="region")  # doctest: +SKIP
    """
    if level not in ("la", "region"):
        raise SendgraphError("--by must be la or region")
    if filters.trust or filters.phase or filters.type:
        raise SendgraphError("audit capacity counts pupils per LA: --trust, --phase and --type do not apply")
    as_of = as_of or dt.date.today()
    staff = sensory_audit(store, as_of=as_of)
    staff = staff[(staff["status"] == "qualified").fillna(False).astype(bool)]
    key = "la_code" if level == "la" else "region_code"
    fte = (
        staff.assign(fte=staff["fte"].astype("Float64").fillna(1.0), _one=1)
        .groupby([key, "need"], as_index=False)
        .agg(qualified_fte=("fte", "sum"), qualified_posts=("_one", "sum"))
    )
    fte = fte.rename(columns={key: "code"})
    pupils, chosen_year, label = _pupils(store, level, source, year)

    areas = _areas(store, level)
    grid = areas.merge(pd.DataFrame({"need": list(SENSES)}), how="cross")
    out = grid.merge(pupils, on=["code", "need"], how="left").merge(fte, on=["code", "need"], how="left")
    out["qualified_fte"] = out["qualified_fte"].astype("Float64").fillna(0.0).round(2)
    out["qualified_posts"] = out["qualified_posts"].astype("Int64").fillna(0)
    out["pupils"] = out["pupils"].astype("Int64")
    has_fte = (out["qualified_fte"] > 0).to_numpy(dtype=bool)
    ratio = (out["pupils"].astype("Float64") / out["qualified_fte"].where(has_fte)).round(1)
    out["pupils_per_fte"] = ratio
    out["no_qualified_fte"] = ~has_fte
    has_pupils = (out["pupils"] > 0).fillna(False).to_numpy(dtype=bool)
    pressure = np.where(has_pupils & ~has_fte, np.inf, ratio.astype("float64").to_numpy(na_value=np.nan))
    pressure = np.where(has_pupils, pressure, np.nan)
    out["_pressure"] = pressure
    out = out.sort_values(
        ["need", "_pressure", "pupils"], ascending=[True, False, False], na_position="last", kind="stable"
    )
    out["rank"] = out.groupby("need").cumcount() + 1
    out["time_period"] = chosen_year
    out["geographic_level"] = "Local authority" if level == "la" else "Regional"
    out["country_code"] = COUNTRY
    out["pupils_source"] = label
    lead = ["time_period", "geographic_level", "country_code", "region_code", "region_name"]
    if level == "la":
        lead += ["new_la_code", "old_la_code", "la_name"]
    cols = lead + [
        "need",
        "pupils",
        "qualified_fte",
        "qualified_posts",
        "pupils_per_fte",
        "no_qualified_fte",
        "rank",
        "pupils_source",
    ]
    order = {n: i for i, n in enumerate(SENSES)}
    out = out.sort_values(["need", "rank"], key=lambda c: c.map(order) if c.name == "need" else c)
    out = out[cols].reset_index(drop=True)
    if needs:
        out = out[out["need"].isin(list(needs))]
    for value, columns, what in (
        (filters.region, ["region_code", "region_name"], "region"),
        (filters.la, ["new_la_code", "la_name"], "local authority"),
    ):
        if value and columns[0] in out:
            out = out[match_rows(out, value, columns, what, allow_empty=True)]
    return out.reset_index(drop=True)


PUBLISHES = Publishes(
    counts=("qualified_posts",),
    rates={"qualified_fte": ("qualified_posts",), "pupils_per_fte": ("qualified_posts",)},
    categories=("need",),
)
"""What :func:`capacity_against_need` publishes: pupils are DfE's own published counts, not ours."""
