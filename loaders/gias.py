"""The GIAS establishment extract (``edubasealldataYYYYMMDD.csv``) from Get Information About Schools.

Columns are read by header name and every one is optional except ``URN`` and ``EstablishmentName``,
because the DfE adds and drops columns between releases. The file is cp1252. By default only open
establishments in English local authorities are loaded; what is left out is counted in the notes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from graphmodel.catalogue import catalogue_frame
from graphmodel.errors import Problem
from graphmodel.schema import Schema
from graphmodel.validate import RawTable
from loaders._read import read_text_csv, sniff_header
from loaders.result import ReadResult

NAME = "gias"
OPEN_STATUSES = ("Open", "Open, but proposed to close")
SEN_COLUMNS = [f"SEN{i} (name)" for i in range(1, 14)]

# schools.csv column <- GIAS header
SCHOOL_COLUMNS = {
    "urn": "URN",
    "name": "EstablishmentName",
    "trust_id": "Trusts (code)",
    "town": "Town",
    "postcode": "Postcode",
    "phase": "PhaseOfEducation (name)",
    "type": "TypeOfEstablishment (name)",
    "type_group": "EstablishmentTypeGroup (name)",
    "status": "EstablishmentStatus (name)",
    "open_date": "OpenDate",
    "close_date": "CloseDate",
    "low_age": "StatutoryLowAge",
    "high_age": "StatutoryHighAge",
    "pupils": "NumberOfPupils",
    "sen_support_pupils": "SENNoStat",
    "ehcp_pupils": "SENStat",
    "resourced_provision": "TypeOfResourcedProvision (name)",
    "resourced_capacity": "ResourcedProvisionCapacity",
    "sen_unit_capacity": "SenUnitCapacity",
    "rsc_region": "RSCRegion (name)",
    "easting": "Easting",
    "northing": "Northing",
}
REQUIRED = ("URN", "EstablishmentName")


def sniff(path: Path) -> bool:
    if not (path.is_file() and path.suffix.lower() == ".csv"):
        return False
    header = sniff_header(path, "cp1252")
    return "URN" in header and "EstablishmentName" in header


def sen_codes(frame: pd.DataFrame) -> pd.Series:
    """SEN1-SEN13 as one ';'-joined code list ('VI - Visual Impairment' -> 'VI').

    All thirteen are read: a school can have 'Not Applicable' in SEN1 and real values later.
    """
    cols = [c for c in SEN_COLUMNS if c in frame.columns]
    if not cols:
        return pd.Series("", index=frame.index)
    codes = []
    for c in cols:
        s = frame[c].str.strip()
        code = s.str.split(" - ", n=1).str[0].str.strip()
        code = code.where(~s.isin(["", "Not Applicable", "Not applicable"]), "")
        codes.append(code)
    stacked = pd.concat(codes, axis=1)
    return stacked.apply(lambda r: ";".join(dict.fromkeys(v for v in r if v)), axis=1)


def read(
    path: Path, schema: Schema, *, encoding: str = "cp1252", all_establishments: bool = False, **_: object
) -> ReadResult:
    frame, problems = read_text_csv(path, encoding=encoding)
    if frame is None:
        return ReadResult([], problems)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        return ReadResult([], [Problem(str(path), 1, c, "required GIAS column is missing") for c in missing])
    rows = np.arange(len(frame)) + 2
    notes: list[str] = []

    keep = pd.Series(True, index=frame.index)
    if not all_establishments and "EstablishmentStatus (name)" in frame.columns:
        closed = ~frame["EstablishmentStatus (name)"].isin(OPEN_STATUSES)
        if closed.any():
            notes.append(
                f"{int(closed.sum())} establishments not open were left out "
                "(use --all-establishments to keep them)"
            )
        keep &= ~closed

    las = catalogue_frame("local_authorities")
    english = set(las["code"])
    by_old = dict(zip(las["old_la_code"].astype(str), las["code"], strict=False))
    la = pd.Series("", index=frame.index)
    if "GSSLACode (name)" in frame.columns:
        la = frame["GSSLACode (name)"].str.strip()
    if "LA (code)" in frame.columns:
        la = la.where(la.isin(english), frame["LA (code)"].str.strip().map(by_old).fillna(""))
    outside = keep & ~la.isin(english)
    if outside.any():
        notes.append(
            f"{int(outside.sum())} establishments outside England's 153 local authorities "
            "(Welsh, offshore or 'Does not apply') were left out"
        )
    keep &= la.isin(english)
    if len(frame) and not keep.any():
        where = [c for c in ("GSSLACode (name)", "LA (code)") if c in frame.columns]
        why = (
            f"no row has an English local authority in {' or '.join(where)}"
            if where
            else "it has neither a 'LA (code)' nor a 'GSSLACode (name)' column, so no school can be placed"
        )
        if not all_establishments and "EstablishmentStatus (name)" in frame.columns and where:
            why += " among its open establishments (try --all-establishments)"
        return ReadResult(
            [], [Problem(str(path), None, where[0] if where else "LA (code)", f"{why}; nothing was loaded")]
        )

    sel = frame[keep]
    sel_rows = rows[keep.to_numpy()]
    out = pd.DataFrame({"urn": sel["URN"], "name": sel["EstablishmentName"], "la_code": la[keep]})
    for col, header in SCHOOL_COLUMNS.items():
        if col in out.columns:
            continue
        out[col] = sel[header] if header in sel.columns else ""
    out["sen_provision"] = sen_codes(sel)
    raws = [RawTable("schools", str(path), out.reset_index(drop=True), sel_rows)]

    if "Trusts (code)" in sel.columns:
        has_trust = (sel["Trusts (code)"].str.strip() != "").to_numpy()
        t = sel[has_trust]
        trusts = pd.DataFrame(
            {
                "trust_id": t["Trusts (code)"].str.strip(),
                "name": t["Trusts (name)"] if "Trusts (name)" in t.columns else t["Trusts (code)"],
                "kind": t["TrustSchoolFlag (name)"] if "TrustSchoolFlag (name)" in t.columns else "",
            }
        )
        first = ~trusts["trust_id"].duplicated()
        raws.append(
            RawTable(
                "trusts",
                str(path),
                trusts[first].reset_index(drop=True),
                sel_rows[has_trust][first.to_numpy()],
            )
        )

    if "Federations (code)" in sel.columns:
        # A federation is stored once, as a group its schools are members of: never as every pair
        # of schools (a 6,000-row federation would be 18M pair rows).
        code = sel["Federations (code)"].str.strip()
        has_fed = (code != "").to_numpy()
        fed_rows = sel_rows[has_fed]
        members = pd.DataFrame({"urn": sel["URN"][has_fed], "group_id": code[has_fed]})
        if len(members):
            names = (
                sel["Federations (name)"][has_fed].str.strip()
                if "Federations (name)" in sel.columns
                else members["group_id"]
            )
            groups = pd.DataFrame({"group_id": members["group_id"], "name": names, "kind": "federation"})
            first = ~groups["group_id"].duplicated()
            raws.append(
                RawTable(
                    "groups",
                    f"{path} (Federations (code))",
                    groups[first.to_numpy()].reset_index(drop=True),
                    fed_rows[first.to_numpy()],
                )
            )
            raws.append(
                RawTable(
                    "group_memberships",
                    f"{path} (Federations (code))",
                    members.reset_index(drop=True),
                    fed_rows,
                )
            )
    return ReadResult(raws, problems, notes)
