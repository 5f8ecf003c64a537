"""The GIAS links extract (``links_edubasealldataYYYYMMDD.csv``): predecessor and successor URNs.

Links let a school's history survive academy conversion (the academy gets a new URN; the link
records the predecessor). The national file links every school in England, so links whose URNs are
not in the graph are skipped (and counted) rather than treated as errors.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from graphmodel.errors import Problem
from graphmodel.schema import Schema
from graphmodel.validate import RawTable
from loaders._read import read_text_csv, sniff_header
from loaders.result import ReadResult

NAME = "gias-links"
REQUIRED = ["URN", "LinkURN", "LinkType"]


def sniff(path: Path) -> bool:
    header = sniff_header(path, "cp1252") if path.is_file() else []
    return "LinkURN" in header and "LinkType" in header


def read(path: Path, schema: Schema, *, encoding: str = "cp1252", **_: object) -> ReadResult:
    frame, problems = read_text_csv(path, encoding=encoding)
    if frame is None:
        return ReadResult([], problems)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        return ReadResult([], [Problem(str(path), 1, c, "required column is missing") for c in missing])
    out = pd.DataFrame(
        {
            "urn": frame["URN"],
            "linked_urn": frame["LinkURN"],
            "kind": frame["LinkType"].str.strip().str.lower(),
            "date": frame["LinkEstablishedDate"] if "LinkEstablishedDate" in frame.columns else "",
        }
    )
    return ReadResult([RawTable("school_links", str(path), out, drop_dangling=True)], problems)
