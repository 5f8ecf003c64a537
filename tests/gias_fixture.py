"""Writing GIAS establishment extracts in the exact 2025 header format, cp1252-encoded, for tests."""

from __future__ import annotations

import csv
from pathlib import Path

HEADER = (
    (Path(__file__).parent / "fixtures" / "gias_header_20250422.txt").read_text(encoding="utf-8").splitlines()
)


def gias_row(urn: int, name: str, **values: str) -> dict[str, str]:
    """A row with sensible defaults for an open primary school in Hartlepool (E06000001, LA 805)."""
    row = {h: "" for h in HEADER}
    row.update(
        {
            "URN": str(urn),
            "EstablishmentName": name,
            "LA (code)": "805",
            "LA (name)": "Hartlepool",
            "GSSLACode (name)": "E06000001",
            "TypeOfEstablishment (name)": "Community school",
            "EstablishmentTypeGroup (name)": "Local authority maintained schools",
            "EstablishmentStatus (name)": "Open",
            "PhaseOfEducation (name)": "Primary",
            "StatutoryLowAge": "4",
            "StatutoryHighAge": "11",
            "NumberOfPupils": "210",
            "SENStat": "5",
            "SENNoStat": "30",
            "OpenDate": "",
            "GOR (name)": "North East",
            "RSCRegion (name)": "North",
            "SEN1 (name)": "Not Applicable",
        }
    )
    for k, v in values.items():
        key = k if k in row else k.replace("_", " ")
        if key not in row:
            raise KeyError(f"not a GIAS column: {k}")
        row[key] = v
    return row


def write_gias(
    path: Path, rows: list[dict[str, str]], header: list[str] | None = None, encoding: str = "cp1252"
) -> Path:
    header = header or HEADER
    with open(path, "w", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, extrasaction="ignore", quoting=csv.QUOTE_MINIMAL)
        w.writeheader()
        for r in rows:
            w.writerow(r)
    return path
