"""Each input format loads into the graph with the values a user expects."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import Workbook

from graphmodel.errors import ValidationFailed
from loaders import gias, ingest
from tests.gias_fixture import gias_row, write_gias

MINI = {
    "schools": [
        {
            "urn": 9000001,
            "name": "Elm Primary",
            "la_code": "E06000001",
            "phase": "Primary",
            "type": "Community school",
            "type_group": "Local authority maintained schools",
        },
        {
            "urn": 9000002,
            "name": "Ash Secondary",
            "la_code": "E06000002",
            "phase": "Secondary",
            "type": "Academy converter",
            "type_group": "Academies",
            "trust_id": "T1",
        },
    ],
    "trusts": [{"trust_id": "T1", "name": "Oak Learning Trust"}],
    "people": [{"person_id": "P1", "name": "A. Person", "birth_year": 1970}, {"person_id": "P2"}],
    "posts": [
        {"person_id": "P1", "urn": 9000001, "role": "SENCO", "start_date": "2015-09-01", "slt": "true"},
        {"person_id": "P1", "urn": 9000001, "role": "CLASS_TEACHER", "start_date": "2010-09-01", "fte": 0.5},
        {
            "person_id": "P2",
            "urn": 9000002,
            "role": "TA",
            "start_date": "01/09/2019",
            "end_date": "31-08-2022",
        },
    ],
    "person_qualifications": [{"person_id": "P1", "qualification": "QTS", "awarded_date": "2010-07-01"}],
}


def test_csv_bundle_loads_typed_values(workspace, bundle_writer):
    report, _ = ingest.load(workspace, [(bundle_writer(MINI), "auto")])
    assert report.added["schools"] == 2 and report.added["posts"] == 3
    posts = workspace.table("posts")
    ta = posts[posts["role"] == "TA"].iloc[0]
    # ISO, UK and GIAS date styles all read as the same kind of date
    assert ta["start_date"] == pd.Timestamp("2019-09-01")
    assert ta["end_date"] == pd.Timestamp("2022-08-31")
    assert str(posts["urn"].dtype) == "Int64"
    senco = posts[posts["role"] == "SENCO"].iloc[0]
    assert bool(senco["slt"]) is True
    # the catalogue came with the load, so the graph knows roles and LAs
    assert workspace.counts()["roles"] >= 17 and workspace.counts()["local_authorities"] == 153


def test_xlsx_workbook_loads_like_the_csv_bundle(workspace, tmp_path):
    wb = Workbook()
    wb.remove(wb.active)
    for table, rows in MINI.items():
        ws = wb.create_sheet(table)
        cols = list(dict.fromkeys(k for r in rows for k in r))
        ws.append(cols)
        for r in rows:
            value = [r.get(c) for c in cols]
            ws.append(value)
    # Excel stores typed cells: a real date and an integer URN must read the same as CSV text
    wb["person_qualifications"]["C2"] = dt.datetime(2010, 7, 1)
    path = tmp_path / "bundle.xlsx"
    wb.save(path)
    ingest.load(workspace, [(path, "auto")])
    q = workspace.table("person_qualifications").iloc[0]
    assert q["awarded_date"] == pd.Timestamp("2010-07-01")
    assert sorted(workspace.table("schools")["urn"].tolist()) == [9000001, 9000002]


def test_xlsx_errors_name_sheet_and_spreadsheet_row(workspace, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.title = "schools"
    ws.append(["urn", "name", "la_code"])
    ws.append([9000001, "Elm", "E06000001"])
    ws.append([None, None, None])  # a blank row in the middle is skipped, not an error
    ws.append(["not-a-urn", "Ash", "E06000001"])
    path = tmp_path / "b.xlsx"
    wb.save(path)
    with pytest.raises(ValidationFailed) as err:
        ingest.load(workspace, [(path, "auto")])
    p = err.value.problems[0]
    assert "[sheet schools]" in p.file and p.row == 4 and p.column == "urn"


def test_gias_extract_reads_by_header_name_and_keeps_open_english_schools(workspace, tmp_path):
    rows = [
        gias_row(
            100001,
            "St Mary's C of E Primary",
            **{
                "SEN1 (name)": "Not Applicable",
                "SEN3 (name)": "VI - Visual Impairment",
                "SEN7 (name)": "HI - Hearing Impairment",
                "Trusts (code)": "5001",
                "Trusts (name)": "Coast Academies Trust",
                "TrustSchoolFlag (name)": "Supported by a multi-academy trust",
                "TypeOfEstablishment (name)": "Academy converter",
                "EstablishmentTypeGroup (name)": "Academies",
                "OpenDate": "01-09-2012",
                "Federations (code)": "F1",
                "Easting": "450123",
                "Northing": "532456",
            },
        ),
        gias_row(
            100002, "Ysgol Gymraeg Bro Dinefwr", **{"LA (code)": "669", "GSSLACode (name)": "W06000010"}
        ),
        gias_row(
            100003,
            "Closed Infant School",
            **{"EstablishmentStatus (name)": "Closed", "CloseDate": "31-08-2020"},
        ),
        gias_row(
            100004,
            "Caf\u00e9 Lane Primary",
            **{"GSSLACode (name)": "", "LA (code)": "806", "Federations (code)": "F1"},
        ),
    ]
    path = write_gias(tmp_path / "edubasealldata20250422.csv", rows)
    report, notes = ingest.load(workspace, [(path, "auto")])
    schools = workspace.table("schools").set_index("urn")
    assert sorted(schools.index) == [100001, 100004]
    s = schools.loc[100001]
    assert s["name"] == "St Mary's C of E Primary"
    assert s["sen_provision"] == "VI;HI"  # SEN3 and SEN7 read although SEN1 is 'Not Applicable'
    assert s["trust_id"] == "5001" and s["open_date"] == pd.Timestamp("2012-09-01")
    assert (s["easting"], s["northing"]) == (450123, 532456)  # where the school is, for maps
    assert pd.isna(schools.loc[100004, "easting"])  # a blank Easting is unknown, not an error
    assert schools.loc[100004, "name"] == "Caf\u00e9 Lane Primary"  # cp1252 decoded
    assert schools.loc[100004, "la_code"] == "E06000002"  # from the old LA number when GSS code is blank
    assert workspace.table("trusts")["name"].tolist() == ["Coast Academies Trust"]
    # a federation is one group with a membership per school, never a pair of schools
    assert workspace.table("school_links").empty
    assert workspace.table("groups")[["group_id", "kind"]].values.tolist() == [["F1", "federation"]]
    members = workspace.table("group_memberships").sort_values("urn")
    assert members[["urn", "group_id"]].values.tolist() == [[100001, "F1"], [100004, "F1"]]
    assert any("not open" in n for n in notes) and any("outside England" in n for n in notes)
    # each membership is reported at its school's line (100001 is line 2; the header is line 1)
    read = gias.read(path, workspace.schema)
    assert [r.rows.tolist() for r in read.raws if r.table == "group_memberships"] == [[2, 5]]


def test_a_6000_school_federation_is_6000_memberships_not_18m_pairs(workspace, tmp_path):
    """Issue 13 item 7: one Federations (code) shared by 6,000 rows made 18M school_links rows (48 s,
    4.7 GB). Stored as membership it is 6,000 rows and one group; the load must stay small and quick."""
    import time

    n = 6000
    rows = [
        gias_row(200000 + i, f"School {i}", **{"Federations (code)": "BIG", "Federations (name)": "Big Fed"})
        for i in range(n)
    ]
    path = write_gias(tmp_path / "edubasealldata20250422.csv", rows)
    started = time.perf_counter()
    report, _ = ingest.load(workspace, [(path, "gias")])
    elapsed = time.perf_counter() - started
    counts = workspace.counts()
    assert counts["group_memberships"] == n and counts["groups"] == 1
    assert counts.get("school_links", 0) == 0
    assert sum(counts.values()) < 3 * n + 1000  # bounded rows: linear in schools, plus the catalogue
    assert elapsed < 60  # generous: was 48 s and 4.7 GB as pairs; a few seconds as membership


def test_gias_extract_with_no_english_rows_is_refused_and_nothing_loads(workspace, tmp_path):
    """A GIAS extract without an 'LA (code)' (or GSS code) column places no school in England: it is
    refused with what was missing, instead of loading 0 schools and exiting 0."""
    path = tmp_path / "edubasealldata20250422.csv"
    pd.DataFrame({"URN": ["100001"], "EstablishmentName": ["A"]}).to_csv(path, index=False, encoding="cp1252")
    with pytest.raises(ValidationFailed) as err:
        ingest.load(workspace, [(path, "gias")])
    message = str(err.value)
    assert "LA (code)" in message and "nothing was loaded" in message
    assert workspace.table("schools").empty


def test_gias_extract_with_columns_missing_from_an_older_release(workspace, tmp_path):
    header = ["URN", "EstablishmentName", "GSSLACode (name)", "OfstedRating (name)"]
    path = write_gias(
        tmp_path / "edubasealldata20190101.csv",
        [
            {
                "URN": "100001",
                "EstablishmentName": "Elm",
                "GSSLACode (name)": "E06000001",
                "OfstedRating (name)": "Good",
            }
        ],
        header=header,
    )
    ingest.load(workspace, [(path, "gias")])
    assert workspace.table("schools")["name"].tolist() == ["Elm"]


def test_real_school_register_loads_through_the_gias_reader(workspace, tmp_path, public_file):
    """49,514 real schools (apostrophes, accents, closed schools) load without a problem."""
    reg = pd.read_csv(
        public_file("dfe_register_trainee_teachers_schools_20220706.csv"), dtype=str, keep_default_na=False
    )
    las = pd.read_csv("graphmodel/data/catalogue/local_authorities.csv", dtype=str)
    codes = las["code"].tolist()
    rows = pd.DataFrame(
        {
            "URN": reg["urn"],
            "EstablishmentName": reg["name"],
            "GSSLACode (name)": [codes[i % len(codes)] for i in range(len(reg))],
            "EstablishmentStatus (name)": reg["close_date"].map(lambda d: "Closed" if d else "Open"),
            "OpenDate": reg["open_date"],
            "CloseDate": reg["close_date"],
        }
    )
    path = tmp_path / "register.csv"
    rows.to_csv(path, index=False, encoding="cp1252", errors="replace")
    report, notes = ingest.load(workspace, [(path, "gias")], options={"all_establishments": True})
    assert report.added["schools"] == len(reg)
    names = workspace.table("schools").set_index("urn")["name"]
    assert names.loc[100002] == "St Paul's Cathedral School"


def test_real_ehcp_file_loads_national_regional_and_153_la_rows(workspace, public_file):
    ingest.load(workspace, [(public_file("dfe_ehcp_2025_sen_needs_all_plans.csv"), "auto")])
    la = workspace.table("la_needs")
    assert la["la_code"].nunique() == 153
    nat = workspace.table("country_needs").set_index("need")["pupils"]
    assert (nat["VI"], nat["HI"], nat["MSI"]) == (5280, 8765, 1692)
    assert int(la[la["need"] == "VI"]["pupils"].sum()) == 5280
    assert workspace.table("region_needs")["region_code"].nunique() == 9


def test_real_gias_links_keep_only_links_between_known_schools(workspace, bundle_writer, public_file):
    # 100012 -> 100021 is a real 'Successor - merged' link in the 2025-04-22 extract
    bundle = bundle_writer(
        {
            "schools": [
                {"urn": 100012, "name": "A", "la_code": "E09000001"},
                {"urn": 100021, "name": "B", "la_code": "E09000001"},
            ]
        }
    )
    ingest.load(workspace, [(bundle, "auto")])
    _, notes = ingest.load(workspace, [(public_file("gias_links_edubasealldata20250422.csv"), "auto")])
    links = workspace.table("school_links")
    hit = links[(links["urn"] == 100012) & (links["linked_urn"] == 100021)]
    assert hit["kind"].tolist() == ["successor - merged"]
    assert hit["date"].iloc[0] == pd.Timestamp("2021-08-31")
    assert any("skipped" in n for n in notes)
