"""Derive the shipped geography and need tables from the real DfE EHC plan file.

Run from the repository root::

    python scripts/derive_reference.py ../shared/data/dfe_ehcp_2025_sen_needs_all_plans.csv \
        ../shared/data/la_positions.csv

It writes ``graphmodel/data/catalogue/{countries,regions,local_authorities}.csv`` (loaded into every
workspace, so a bundle can refer to LAs by new_la_code without listing them) and
``graphmodel/data/la_needs_202425.csv`` (each LA's EHC plans by primary need, which the
synthetic generator calibrates against). Kept so the derivation can be re-run on a new release.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

NEEDS = ["ASD", "HI", "MLD", "MSI", "OTH", "PD", "PMLD", "SEMH", "SLCN", "SLD", "SPLD", "VI"]


POSITIONS = ["easting", "northing", "area_km2"]
"""Columns of ``la_positions.csv`` (graphmodel/data/catalogue/README.md gives its provenance) kept
in ``local_authorities.csv``: they place LAs on maps and scatter synthetic schools inside their LA."""


def main(path: str, positions: str | None = None) -> None:
    raw = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    allp = raw[raw["breakdown_topic"] == "All EHC plans"]
    root = Path(__file__).resolve().parents[1] / "graphmodel"
    nat = allp[allp["geographic_level"] == "National"]
    pd.DataFrame({"code": nat["country_code"], "name": nat["country_name"]}).to_csv(
        root / "data" / "catalogue" / "countries.csv", index=False
    )
    reg = allp[allp["geographic_level"] == "Regional"].sort_values("region_code")
    pd.DataFrame(
        {"code": reg["region_code"], "name": reg["region_name"], "country_code": reg["country_code"]}
    ).to_csv(root / "data" / "catalogue" / "regions.csv", index=False)
    la = allp[allp["geographic_level"] == "Local authority"].sort_values("new_la_code")
    las = pd.DataFrame(
        {
            "code": la["new_la_code"],
            "name": la["la_name"],
            "old_la_code": la["old_la_code"],
            "region_code": la["region_code"],
        }
    )
    if positions:
        pos = pd.read_csv(positions, dtype=str, keep_default_na=False)
        pos = pos[["new_la_code", *POSITIONS]].rename(columns={"new_la_code": "code"})
        las = las.merge(pos, on="code", how="left", validate="one_to_one")
    las.to_csv(root / "data" / "catalogue" / "local_authorities.csv", index=False)
    cols = {f"number_{n.lower()}": n for n in NEEDS}
    needs = la[["time_period", "new_la_code", "ehc_plans", *cols]].rename(
        columns={"new_la_code": "la_code", **cols}
    )
    needs.to_csv(root / "data" / "la_needs_202425.csv", index=False)
    print(f"{len(nat)} country, {len(reg)} regions, {len(la)} LAs")


if __name__ == "__main__":
    main(
        sys.argv[1] if len(sys.argv) > 1 else "../shared/data/dfe_ehcp_2025_sen_needs_all_plans.csv",
        sys.argv[2] if len(sys.argv) > 2 else "../shared/data/la_positions.csv",
    )
