"""DfE "EHC plans" tidy CSV (explore-education-statistics): pupils with an EHC plan by primary need.

Only the ``All EHC plans`` breakdown is read, at national, regional and local authority level, into
``country_needs``, ``region_needs`` and ``la_needs``. Counts shown as DfE symbols (``c``
suppressed, ``z`` not applicable, ``x`` unavailable) are left out and counted in the notes.
The file is UTF-8 with a byte-order mark.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from graphmodel.errors import Problem
from graphmodel.schema import Schema
from graphmodel.validate import RawTable
from loaders._read import read_text_csv, sniff_header
from loaders.result import ReadResult

NAME = "ehcp"
NEEDS = ["ASD", "HI", "MLD", "MSI", "OTH", "PD", "PMLD", "SEMH", "SLCN", "SLD", "SPLD", "VI"]
REQUIRED = ["time_period", "geographic_level", "breakdown_topic", "country_code"]
SYMBOLS = {"c", "z", "x", "low", "u", ":"}
LEVELS = {
    "National": ("country_needs", "country_code", "countries", "country_code", "country_name"),
    "Regional": ("region_needs", "region_code", "regions", "region_code", "region_name"),
    "Local authority": ("la_needs", "la_code", "local_authorities", "new_la_code", "la_name"),
}


def sniff(path: Path) -> bool:
    header = sniff_header(path) if path.is_file() else []
    return "geographic_level" in header and "number_vi" in header


def read(path: Path, schema: Schema, **_: object) -> ReadResult:
    frame, problems = read_text_csv(path)
    if frame is None:
        return ReadResult([], problems)
    need_cols = [f"number_{n.lower()}" for n in NEEDS]
    missing = [c for c in REQUIRED + need_cols if c not in frame.columns]
    if missing:
        return ReadResult([], [Problem(str(path), 1, c, "required column is missing") for c in missing])
    rows = np.arange(len(frame)) + 2
    sel = (frame["breakdown_topic"] == "All EHC plans") & frame["geographic_level"].isin(LEVELS)
    # each level present needs its own code and name columns (an LA row also its region)
    level_cols = {
        "National": ["country_name"],
        "Regional": ["region_code", "region_name"],
        "Local authority": ["new_la_code", "la_name", "region_code"],
    }
    needed = sorted(
        {
            c
            for lvl, cols in level_cols.items()
            if (sel & (frame["geographic_level"] == lvl)).any()
            for c in cols
            if c not in frame.columns
        }
    )
    if needed:
        return ReadResult([], [Problem(str(path), 1, c, "required column is missing") for c in needed])
    if not sel.any():
        return ReadResult(
            [],
            [
                Problem(
                    str(path),
                    None,
                    "breakdown_topic",
                    "no 'All EHC plans' rows at national, regional or LA level",
                )
            ],
        )
    raws: list[RawTable] = []
    notes: list[str] = []
    suppressed = 0
    for level, (table, code_col, node_table, src_code, src_name) in LEVELS.items():
        part = frame[sel & (frame["geographic_level"] == level)]
        if part.empty:
            continue
        prow = rows[part.index.to_numpy()]
        long = part[[src_code, "time_period", *need_cols]].melt(
            id_vars=[src_code, "time_period"], var_name="need", value_name="pupils", ignore_index=False
        )
        long["row"] = np.tile(prow, len(need_cols))
        symbol = long["pupils"].str.strip().str.lower().isin(SYMBOLS)
        suppressed += int(symbol.sum())
        long = long[~symbol]
        out = pd.DataFrame(
            {
                code_col: long[src_code],
                "need": long["need"].str[7:].str.upper(),
                "year": long["time_period"],
                "pupils": long["pupils"],
            }
        )
        raws.append(RawTable(table, str(path), out.reset_index(drop=True), long["row"].to_numpy()))
        nodes = pd.DataFrame({"code": part[src_code], "name": part[src_name]})
        if level == "Regional":
            nodes["country_code"] = part["country_code"]
        if level == "Local authority":
            nodes["old_la_code"] = part.get("old_la_code", "")
            nodes["region_code"] = part["region_code"]
        first = ~nodes["code"].duplicated()
        raws.append(
            RawTable(node_table, str(path), nodes[first].reset_index(drop=True), prow[first.to_numpy()])
        )
    if suppressed:
        notes.append(f"{suppressed} counts shown as DfE symbols (c, z, x) were left out")
    return ReadResult(raws, problems, notes)
