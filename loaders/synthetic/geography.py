"""Which local authorities are in scope, and their real EHC plans by primary need.

Geography and need are real (the 9 regions and 153 LAs of the shipped catalogue, and each LA's
DfE EHC plan counts for 2024/25 in ``graphmodel/data/la_needs_202425.csv``, derived from the DfE file
by ``scripts/derive_reference.py``); only schools and people are invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import pandas as pd

from graphmodel.catalogue import catalogue_frame
from graphmodel.errors import SendgraphError
from loaders.synthetic.params import DEFAULT_LA, DEFAULT_REGION, NEEDS_YEAR

NEED_CODES = ["ASD", "HI", "MLD", "MSI", "OTH", "PD", "PMLD", "SEMH", "SLCN", "SLD", "SPLD", "VI"]
SCALES = ("la", "region", "national")


@dataclass
class Scope:
    """The LAs to generate, in catalogue order, with their need counts (one row per LA)."""

    scale: str
    las: pd.DataFrame  # code, name, old_la_code, region_code, position, ehc_plans, needs...
    national: pd.DataFrame  # the same for all 153 LAs (allocations are national, then subset)


def la_needs_frame() -> pd.DataFrame:
    """The shipped EHC-plan counts by LA and primary need (all 153 LAs)."""
    path = resources.files("graphmodel").joinpath("data/la_needs_202425.csv")
    with path.open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype={"la_code": str})
    return frame


def _pick(frame: pd.DataFrame, value: str, code_col: str, name_col: str, what: str) -> pd.DataFrame:
    want = value.strip().casefold()
    hit = frame[(frame[code_col].str.casefold() == want) | (frame[name_col].str.casefold() == want)]
    if hit.empty:
        raise SendgraphError(f"unknown {what} '{value}'; use a name or code from the catalogue")
    return hit


def resolve_scope(scale: str, region: str | None = None, la: str | None = None) -> Scope:
    """The LAs for ``scale``: all of England, one region (default North East) or one LA."""
    if scale not in SCALES:
        raise SendgraphError(f"--scale must be one of: {', '.join(SCALES)}")
    las = catalogue_frame("local_authorities")
    las["position"] = range(len(las))
    needs = la_needs_frame().drop(columns=["time_period"]).rename(columns={"la_code": "code"})
    las = las.merge(needs, on="code", how="left", validate="one_to_one")
    for col in ["ehc_plans", *NEED_CODES]:
        las[col] = las[col].fillna(0).astype("int64")
    regions = catalogue_frame("regions")
    if scale == "national":
        chosen = las
    elif scale == "region":
        reg = _pick(regions, region or DEFAULT_REGION, "code", "name", "region")
        chosen = las[las["region_code"] == reg["code"].iloc[0]]
    else:
        pool = las
        if region and not la:
            reg = _pick(regions, region, "code", "name", "region")
            pool = las[las["region_code"] == reg["code"].iloc[0]]
            chosen = pool.iloc[:1]
        else:
            chosen = _pick(pool, la or DEFAULT_LA, "code", "name", "local authority").iloc[:1]
    return Scope(scale, chosen.reset_index(drop=True), las)


def need_tables(scope: Scope) -> dict[str, pd.DataFrame]:
    """la_needs for the LAs in scope; region_needs / country_needs when whole regions are in scope."""
    long = scope.las.melt(
        id_vars=["code", "region_code"], value_vars=NEED_CODES, var_name="need", value_name="pupils"
    )
    long = long.sort_values(["code", "need"], kind="stable")
    out = {
        "la_needs": pd.DataFrame(
            {
                "la_code": long["code"].to_numpy(),
                "need": long["need"].to_numpy(),
                "year": NEEDS_YEAR,
                "pupils": long["pupils"].to_numpy(),
            }
        )
    }
    if scope.scale in ("region", "national"):
        reg = long.groupby(["region_code", "need"], sort=True)["pupils"].sum().reset_index()
        reg.insert(2, "year", NEEDS_YEAR)
        out["region_needs"] = reg
    if scope.scale == "national":
        nat = long.groupby("need", sort=True)["pupils"].sum().reset_index()
        out["country_needs"] = pd.DataFrame(
            {"country_code": "E92000001", "need": nat["need"], "year": NEEDS_YEAR, "pupils": nat["pupils"]}
        )
    return out
