"""Failure drills (issue 9): a corpus of bad inputs across every format, each of which must give a
clear error naming the file (and row and column where there is one), exit non-zero, and change
nothing in the workspace."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook

from sendgraph.cli import main
from tests.gias_fixture import gias_row, write_gias

SCHOOL = "urn,name,la_code\n9000001,Elm,E06000001\n"


@dataclass
class Drill:
    """One kind of bad input: how to write it, and what the error must say."""

    name: str
    write: Callable[[Path], Path]
    file: str
    row: int | None
    column: str | None
    says: str


def bundle(**files: str | bytes) -> Callable[[Path], Path]:
    def write(tmp: Path) -> Path:
        d = tmp / "bundle"
        d.mkdir()
        for name, text in files.items():
            data = text if isinstance(text, bytes) else text.encode("utf-8")
            (d / f"{name}.csv").write_bytes(data)
        return d

    return write


def workbook(build: Callable[[Workbook], None], raw: bytes | None = None) -> Callable[[Path], Path]:
    def write(tmp: Path) -> Path:
        path = tmp / "bundle.xlsx"
        if raw is not None:
            path.write_bytes(raw)
            return path
        wb = Workbook()
        wb.remove(wb.active)
        build(wb)
        wb.save(path)
        return path

    return write


def sheet(name: str, *rows: list) -> Callable[[Workbook], None]:
    def build(wb: Workbook) -> None:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)

    return build


def gias(rows: list[dict], header: list[str] | None = None, raw: bytes | None = None):
    def write(tmp: Path) -> Path:
        path = tmp / "edubasealldata20250422.csv"
        if raw is not None:
            path.write_bytes(raw)
            return path
        return write_gias(path, rows, header=header)

    return write


def text_file(name: str, text: str | bytes) -> Callable[[Path], Path]:
    def write(tmp: Path) -> Path:
        path = tmp / name
        path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8-sig"))
        return path

    return write


EHCP_HEAD = (
    "time_period,time_identifier,geographic_level,country_code,country_name,region_code,"
    "region_name,new_la_code,old_la_code,la_name,breakdown_topic,breakdown,ehc_plans,"
    + ",".join(
        f"number_{n}"
        for n in ["asd", "hi", "mld", "msi", "oth", "pd", "pmld", "semh", "slcn", "sld", "spld", "vi"]
    )
    + "\n"
)
EHCP_ROW = (
    "202425,Academic year,Local authority,E92000001,England,E12000001,North East,E06000001,"
    "805,Hartlepool,All EHC plans,All EHC plans,966,{asd},10,143,1,1,85,15,201,141,31,16,10\n"
)
LINKS_HEAD = '"URN","LinkURN","LinkName","LinkType","LinkEstablishedDate"\n'

DRILLS = [
    # ---- CSV bundle
    Drill(
        "missing required column",
        bundle(schools="urn,name\n1,Elm\n"),
        "schools.csv",
        None,
        "la_code",
        "required column is missing",
    ),
    Drill(
        "renamed column",
        bundle(schools="URN_number,name,la_code\n1,Elm,E06000001\n"),
        "schools.csv",
        None,
        "URN_number",
        "unknown column",
    ),
    Drill(
        "text in an integer column",
        bundle(schools="urn,name,la_code\nabc,Elm,E06000001\n"),
        "schools.csv",
        2,
        "urn",
        "not a whole number",
    ),
    Drill(
        "fraction in an integer column",
        bundle(schools="urn,name,la_code\n12.5,Elm,E06000001\n"),
        "schools.csv",
        2,
        "urn",
        "not a whole number",
    ),
    Drill(
        "text in a number column",
        bundle(
            schools=SCHOOL,
            people="person_id\nP1\n",
            posts="person_id,urn,role,start_date,fte\nP1,9000001,TA,2020-01-01,half\n",
        ),
        "posts.csv",
        2,
        "fte",
        "not a number",
    ),
    Drill(
        "bad boolean",
        bundle(schools="urn,name,la_code,synthetic\n1,Elm,E06000001,perhaps\n"),
        "schools.csv",
        2,
        "synthetic",
        "true or false",
    ),
    Drill(
        "unreadable date",
        bundle(schools="urn,name,la_code,open_date\n1,Elm,E06000001,next week\n"),
        "schools.csv",
        2,
        "open_date",
        "not a date",
    ),
    Drill(
        "impossible date",
        bundle(schools="urn,name,la_code,open_date\n1,Elm,E06000001,2021-02-30\n"),
        "schools.csv",
        2,
        "open_date",
        "not a date",
    ),
    Drill(
        "end before start",
        bundle(
            schools=SCHOOL,
            people="person_id\nP1\n",
            posts="person_id,urn,role,start_date,end_date\nP1,9000001,TA,2020-01-01,2019-12-31\n",
        ),
        "posts.csv",
        2,
        "end_date",
        "before start_date",
    ),
    Drill(
        "award in the future",
        bundle(
            people="person_id\nP1\n",
            person_qualifications="person_id,qualification,awarded_date\nP1,QTS,2099-07-01\n",
        ),
        "person_qualifications.csv",
        2,
        "awarded_date",
        "in the future",
    ),
    Drill(
        "date out of range",
        bundle(schools="urn,name,la_code,open_date\n1,Elm,E06000001,2999-09-01\n"),
        "schools.csv",
        2,
        "open_date",
        "not a date from 1800 to 2200",
    ),
    Drill(
        "duplicate key",
        bundle(schools=SCHOOL + "9000001,Elm again,E06000001\n"),
        "schools.csv",
        3,
        "urn",
        "duplicate key",
    ),
    Drill(
        "post at an unknown URN",
        bundle(
            schools=SCHOOL,
            people="person_id\nP1\n",
            posts="person_id,urn,role,start_date\nP1,42,TA,2020-01-01\n",
        ),
        "posts.csv",
        2,
        "urn",
        "dangling reference",
    ),
    Drill(
        "unknown person",
        bundle(schools=SCHOOL, posts="person_id,urn,role,start_date\nP404,9000001,TA,2020-01-01\n"),
        "posts.csv",
        2,
        "person_id",
        "dangling reference",
    ),
    Drill(
        "unknown role code",
        bundle(
            schools=SCHOOL,
            people="person_id\nP1\n",
            posts="person_id,urn,role,start_date\nP1,9000001,WIZARD,2020-01-01\n",
        ),
        "posts.csv",
        2,
        "role",
        "dangling reference",
    ),
    Drill(
        "unknown LA",
        bundle(schools="urn,name,la_code\n1,Elm,W06000010\n"),
        "schools.csv",
        2,
        "la_code",
        "dangling reference",
    ),
    Drill(
        "unknown participation tier",
        bundle(
            schools=SCHOOL,
            networks="network_id,name\nN1,WSS\n",
            school_memberships="urn,network_id,tier\n9000001,N1,fan\n",
        ),
        "school_memberships.csv",
        2,
        "tier",
        "unknown code 'fan'",
    ),
    Drill(
        "below minimum",
        bundle(schools="urn,name,la_code,pupils\n1,Elm,E06000001,-5\n"),
        "schools.csv",
        2,
        "pupils",
        "below the minimum",
    ),
    Drill(
        "above maximum",
        bundle(
            schools=SCHOOL,
            people="person_id\nP1\n",
            posts="person_id,urn,role,start_date,fte\nP1,9000001,TA,2020-01-01,1.5\n",
        ),
        "posts.csv",
        2,
        "fte",
        "above the maximum",
    ),
    Drill(
        "blank required value",
        bundle(schools="urn,name,la_code\n1,,E06000001\n"),
        "schools.csv",
        2,
        "name",
        "a value is required",
    ),
    Drill("empty file", bundle(schools=b""), "schools.csv", None, None, "file is empty"),
    Drill("whitespace-only file", bundle(schools="\n\n  \n"), "schools.csv", None, None, "file is empty"),
    Drill(
        "ragged row",
        bundle(schools=SCHOOL + "9000002,Ash,E06000001,extra\n"),
        "schools.csv",
        3,
        None,
        "malformed CSV",
    ),
    Drill(
        "wrong encoding",
        bundle(schools="urn,name,la_code\n1,Caf\u00e9,E06000001\n".encode("cp1252")),
        "schools.csv",
        2,
        None,
        "not valid utf-8",
    ),
    Drill("unknown table file", bundle(staff="id\n1\n"), "staff.csv", None, None, "unknown table"),
    Drill(
        "duplicate header",
        bundle(schools="urn,name,name,la_code\n1,a,b,E06000001\n"),
        "schools.csv",
        1,
        None,
        "column appears twice",
    ),
    Drill(
        "blank header name",
        bundle(schools="urn,,la_code\n1,a,E06000001\n"),
        "schools.csv",
        1,
        None,
        "blank column name",
    ),
    Drill(
        "same key in two inputs",
        None,
        "schools.csv",
        None,
        "urn",  # type: ignore[arg-type]
        "more than one input",
    ),
    # ---- xlsx bundle
    Drill(
        "not a workbook",
        workbook(lambda wb: None, raw=b"this is not a zip"),
        "bundle.xlsx",
        None,
        None,
        "cannot open as an Excel workbook",
    ),
    Drill(
        "unknown sheet", workbook(sheet("Sheet1", ["a"], [1])), "[sheet Sheet1]", None, None, "unknown table"
    ),
    Drill("empty sheet", workbook(sheet("schools")), "[sheet schools]", None, None, "sheet is empty"),
    Drill(
        "bad value in a sheet",
        workbook(
            sheet(
                "schools",
                ["urn", "name", "la_code"],
                [9000001, "Elm", "E06000001"],
                ["x", "Ash", "E06000001"],
            )
        ),
        "[sheet schools]",
        3,
        "urn",
        "not a whole number",
    ),
    Drill(
        "repeated column in a sheet",
        workbook(sheet("schools", ["urn", "name", "name", "la_code"], [9000001, "Elm", "Ash", "E06000001"])),
        "[sheet schools]",
        1,
        "name",
        "column appears twice",
    ),
    # ---- GIAS establishment extract
    Drill(
        "GIAS without URN",
        gias([{"EstablishmentName": "Elm"}], header=["EstablishmentName", "LA (code)"]),
        "edubasealldata20250422.csv",
        None,
        None,
        "not a format",
    ),
    Drill(
        "GIAS bad date",
        gias([gias_row(100001, "Elm", OpenDate="31-13-2020")]),
        "edubasealldata20250422.csv",
        2,
        "open_date",
        "not a date",
    ),
    Drill(
        "GIAS bad URN",
        gias([gias_row(100001, "Elm"), {**gias_row(100002, "Ash"), "URN": "1000O2"}]),
        "edubasealldata20250422.csv",
        3,
        "urn",
        "not a whole number",
    ),
    Drill(
        "GIAS not cp1252",
        gias([], raw=b"URN,EstablishmentName\n1,\x81bad\n"),
        "edubasealldata20250422.csv",
        2,
        None,
        "not valid cp1252",
    ),
    # ---- DfE EHC plans
    Drill(
        "EHCP count not a number",
        text_file("ehcp.csv", EHCP_HEAD + EHCP_ROW.format(asd="lots")),
        "ehcp.csv",
        2,
        "pupils",
        "not a whole number",
    ),
    Drill(
        "EHCP missing need column",
        text_file(
            "ehcp.csv", EHCP_HEAD.replace(",number_vi", "") + EHCP_ROW.format(asd=1).rsplit(",", 1)[0] + "\n"
        ),
        "ehcp.csv",
        None,
        None,
        "not a format",
    ),
    Drill(
        "EHCP without All EHC plans rows",
        text_file(
            "ehcp.csv", EHCP_HEAD + EHCP_ROW.format(asd=1).replace("All EHC plans,All EHC plans", "Sex,Boys")
        ),
        "ehcp.csv",
        None,
        "breakdown_topic",
        "no 'All EHC plans' rows",
    ),
    Drill(
        "EHCP regional rows without region_code",
        text_file(
            "ehcp.csv",
            (EHCP_HEAD + EHCP_ROW.format(asd=1).replace("Local authority", "Regional"))
            .replace("region_code,", "")
            .replace("E92000001,England,E12000001,", "E92000001,England,"),
        ),
        "ehcp.csv",
        1,
        "region_code",
        "required column is missing",
    ),
    # ---- hostile sizes and values (issue 13)
    Drill(
        "header cell over 128 KiB",
        bundle(schools="urn,name,la_code," + "x" * 140_000 + "\n1,Elm,E06000001,y\n"),
        "schools.csv",
        None,
        None,
        "unknown column",
    ),
    Drill(
        "header cell over the 1 MiB cell limit",
        bundle(schools="urn,name,la_code," + "x" * (1 << 20) + "y\n1,Elm,E06000001,y\n"),
        "schools.csv",
        1,
        None,
        "longer than the limit",
    ),
    Drill(
        "100,000-column header",
        bundle(schools=",".join(f"c{i}" for i in range(100_000)) + "\n"),
        "schools.csv",
        1,
        None,
        "the limit is 1000",
    ),
    Drill(
        "cell over the 1 MiB cell limit",
        bundle(schools="urn,name,la_code\n1," + "x" * (1 << 20) + "y,E06000001\n"),
        "schools.csv",
        2,
        "name",
        "longer than the limit",
    ),
    Drill(
        "1e19 in an unbounded integer column",
        bundle(local_authorities="code,name,old_la_code,region_code\nE06000001,Hartlepool,1e19,E12000001\n"),
        "local_authorities.csv",
        2,
        "old_la_code",
        "outside the range of whole numbers",
    ),
    Drill(
        "20-digit number in an unbounded integer column",
        bundle(
            local_authorities="code,name,old_la_code,region_code\n"
            "E06000001,Hartlepool,12345678901234567890,E12000001\n"
        ),
        "local_authorities.csv",
        2,
        "old_la_code",
        "outside the range of whole numbers",
    ),
    Drill(
        "inf in an integer column",
        bundle(local_authorities="code,name,old_la_code,region_code\nE06000001,Hartlepool,inf,E12000001\n"),
        "local_authorities.csv",
        2,
        "old_la_code",
        "outside the range of whole numbers",
    ),
    Drill(
        "1e19 in a bounded integer column",
        bundle(schools="urn,name,la_code\n1e19,Elm,E06000001\n"),
        "schools.csv",
        2,
        "urn",
        "outside the range of whole numbers",
    ),
    Drill(
        "NUL in a name",
        bundle(schools="urn,name,la_code\n9000001,El\x00m,E06000001\n"),
        "schools.csv",
        2,
        "name",
        "contains a NUL character",
    ),
    Drill(
        "one table in two files differing in case",
        bundle(schools=SCHOOL, Schools=SCHOOL),
        "schools",
        None,
        None,
        "hold table 'schools'",
    ),
    Drill(
        "xlsx shared-strings bomb",
        lambda tmp: _strings_bomb(tmp / "bomb.xlsx"),
        "bomb.xlsx",
        None,
        None,
        "decompression bomb",
    ),
    # ---- GIAS links
    Drill(
        "links bad URN",
        text_file("links.csv", LINKS_HEAD + '"abc","100021","B","Successor",""\n'),
        "links.csv",
        2,
        "urn",
        "not a whole number",
    ),
    Drill(
        "links bad date",
        text_file("links.csv", LINKS_HEAD + '"100012","100021","B","Successor","99-99-2021"\n'),
        "links.csv",
        2,
        "date",
        "not a date",
    ),
]


def _strings_bomb(path: Path) -> Path:
    """A small .xlsx whose shared-strings part unpacks to 200 MB (one string of repeated letters)."""
    import zipfile

    wb = Workbook()
    wb.active.title = "schools"
    wb.active.append(["urn", "name", "la_code"])
    wb.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
        with zf.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>')
            chunk = b"A" * (1 << 20)
            for _ in range(200):
                fh.write(chunk)
            fh.write(b"</t></si></sst>")
    return path


def test_a_workbook_bomb_given_to_match_or_pseudonymise_is_refused_before_opening(tmp_path):
    """``match schools`` / ``pseudonymise`` read the user's own workbook: the same limit applies."""
    from graphmodel.errors import SendgraphError
    from loaders.sheets import read_sheet

    with pytest.raises(SendgraphError, match="decompression bomb"):
        read_sheet(_strings_bomb(tmp_path / "bomb.xlsx"))


def _two_inputs(tmp: Path) -> list[Path]:
    a, b = tmp / "a", tmp / "b"
    for d in (a, b):
        d.mkdir()
        (d / "schools.csv").write_text(SCHOOL)
    return [a, b]


def state(ws: Path) -> dict[str, bytes]:
    if not ws.exists():
        return {}
    return {str(p.relative_to(ws)): p.read_bytes() for p in sorted(ws.rglob("*")) if p.is_file()}


def test_the_corpus_has_at_least_fifty_kinds():
    assert len({d.name for d in DRILLS}) >= 54


@pytest.mark.parametrize("drill", DRILLS, ids=[d.name for d in DRILLS])
def test_bad_input_gives_a_clear_error_and_changes_nothing(drill: Drill, tmp_path: Path):
    ws = tmp_path / "ws"
    seed = tmp_path / "seed"
    seed.mkdir()
    (seed / "schools.csv").write_text("urn,name,la_code\n8000001,Existing,E06000001\n")
    runner = CliRunner()
    assert runner.invoke(main, ["-w", str(ws), "load", str(seed)]).exit_code == 0
    before = state(ws)
    inputs = _two_inputs(tmp_path) if drill.write is None else [drill.write(tmp_path)]
    for command in ("validate", "load"):
        result = runner.invoke(main, ["-w", str(ws), command, *map(str, inputs)])
        assert result.exit_code != 0, result.output
        err = result.stderr
        assert drill.says in err, err
        line = next((ln for ln in err.splitlines() if drill.says in ln), "")
        assert drill.file in line, err
        if drill.row is not None:
            assert f"row {drill.row}" in line, err
        if drill.column is not None:
            assert f"column '{drill.column}'" in line, err
        assert state(ws) == before
    # and the workspace still works
    assert runner.invoke(main, ["-w", str(ws), "info"]).exit_code == 0


def test_one_bad_row_at_the_end_of_a_large_file(tmp_path: Path):
    """A large file (1 GB with SENDGRAPH_DRILL_MB=1024; 40 MB by default to keep CI fast) whose
    only problem is its last row: the error names that row, and nothing is loaded."""
    mb = int(os.environ.get("SENDGRAPH_DRILL_MB", "40"))
    d = tmp_path / "big"
    d.mkdir()
    path = d / "people.csv"
    line_bytes = len("P00000000,1970\n")
    n = mb * 1024 * 1024 // line_bytes
    ids = pd.Series(range(n)).map("P{:08d}".format)
    with open(path, "w") as fh:
        fh.write("person_id,birth_year\n")
        pd.DataFrame({"person_id": ids, "birth_year": 1970}).to_csv(fh, header=False, index=False)
        fh.write("PBAD,nineteen-seventy\n")
    ws = tmp_path / "ws"
    result = CliRunner().invoke(main, ["-w", str(ws), "load", str(d)])
    assert result.exit_code == 2
    assert f"people.csv, row {n + 2}, column 'birth_year'" in result.stderr
    assert not (ws / "CURRENT").exists()
