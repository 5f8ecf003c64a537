"""The GIAS establishment extract (``edubasealldataYYYYMMDD.csv``) from Get Information About Schools.

Columns are read by header name and every one is optional except ``URN`` and ``EstablishmentName``,
because the DfE adds and drops columns between releases. The file is cp1252. By default only open
establishments in English local authorities are loaded; what is left out is counted in the notes.
"""

from __future__ import annotations

import itertools
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
        code = sel["Federations (code)"].str.strip()
        has_fed = (code != "").to_numpy()
        fed = pd.DataFrame({"urn": sel["URN"][has_fed], "row": sel_rows[has_fed], "code": code[has_fed]})
        pairs, link_rows = [], []
        for _code, group in fed.groupby("code"):
            # a link is reported at the line of its first school, so a problem names a real line
            members = sorted(zip(group["urn"], group["row"], strict=True))
            for (a, row), (b, _row) in itertools.combinations(members, 2):
                pairs.append((a, b, "federation"))
                link_rows.append(row)
        if pairs:
            links = pd.DataFrame(pairs, columns=["urn", "linked_urn", "kind"])
            raws.append(
                RawTable(
                    "school_links", f"{path} (Federations (code))", links, np.array(link_rows, dtype=int)
                )
            )
    return ReadResult(raws, problems, notes)
