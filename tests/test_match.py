"""Matching hand-typed school names to URNs: the normaliser, the decisions, the review loop, the CLI,
and precision / recall on the real register (typed names generated, not hand-picked)."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from openpyxl import Workbook, load_workbook

from loaders.match import Reference, match_schools, normalise, rematch
from loaders.synthetic.typed_names import perturb
from sendgraph.cli import main

# Hartlepool (E06000001) and Middlesbrough (E06000002); 3001 closed and became academy 3002.
SCHOOLS = [
    {"urn": 3001, "name": "Hartside Primary School", "la_code": "E06000001", "town": "Hartlepool",
     "postcode": "TS24 9AB", "status": "Closed", "close_date": "2019-08-31"},
    {"urn": 3002, "name": "Hartside Primary Academy", "la_code": "E06000001", "town": "Hartlepool",
     "postcode": "TS24 9AB", "status": "Open"},
    {"urn": 3003, "name": "St Mary's Roman Catholic Primary School", "la_code": "E06000001",
     "town": "Hartlepool", "postcode": "TS25 1AA", "status": "Open"},
    {"urn": 3004, "name": "St Mary's Church of England Primary School", "la_code": "E06000002",
     "town": "Middlesbrough", "postcode": "TS1 2BB", "status": "Open"},
    {"urn": 3005, "name": "St Mary's Church of England Primary School", "la_code": "E06000001",
     "town": "Hartlepool", "postcode": "TS26 3CC", "status": "Open"},
    {"urn": 3006, "name": "The Oaks Academy", "la_code": "E06000002", "town": "Middlesbrough",
     "postcode": "TS5 4DD", "status": "Open"},
    {"urn": 3007, "name": "Grangefield Infant School", "la_code": "E06000002", "town": "Middlesbrough",
     "postcode": "TS5 9EE", "status": "Closed", "close_date": "2015-08-31"},
    {"urn": 3008, "name": "Grangefield Primary School", "la_code": "E06000002", "town": "Middlesbrough",
     "postcode": "TS5 9EE", "status": "Open"},
]  # fmt: skip
LINKS = [{"urn": 3007, "linked_urn": 3008, "kind": "successor - amalgamated"}]


def reference() -> Reference:
    return Reference(pd.DataFrame(SCHOOLS), pd.DataFrame(LINKS))


def test_normalise_folds_the_usual_variants():
    assert normalise("St. Mary's C of E Pri Sch")[1] == normalise("Saint Marys Church of England Primary")[1]
    assert normalise("ST MARYS R.C. PRIMARY")[1] == normalise("St Mary's Roman Catholic Primary School")[1]
    assert normalise("St Mary's Catholic Primary")[1] == "saint marys rc primary"
    assert normalise("The Oaks Academy")[1] == normalise("Oaks")[1] == "oaks"
    assert normalise("Hartside Jnr & Inf Sch")[1] == "hartside junior infant"


def test_typed_names_find_their_schools_and_ambiguity_goes_to_review():
    rows = pd.DataFrame(
        [
            {"School": "Hartside Pri Sch", "Town": "Hartlepool"},  # open academy, not the closed school
            {"School": "St Marys RC Primary", "Town": "Hartlepool"},
            {"School": "St Mary's C of E Primary", "Town": "Middlesbrough"},
            {"School": "St Marys CE Primary", "Town": ""},  # two in England: the user must choose
            {"School": "Oaks Academy", "Town": "Middlesbrough"},
            {"School": "Grangefield Infants", "Town": "Middlesbrough"},  # closed: successor proposed
            {"School": "Nowhere Grammar", "Town": "Hartlepool"},
            {"School": "", "Town": "Hartlepool"},
        ]
    )
    got = match_schools(rows, reference())
    assert got["urn"].tolist()[:3] == [3002, 3003, 3004]
    assert got["match_status"].tolist()[:3] == ["exact", "exact", "exact"]
    assert got.loc[3, "match_status"] == "review" and {got.loc[3, "urn"], got.loc[3, "runner_up_urn"]} == {
        3004,
        3005,
    }
    assert (got.loc[4, "urn"], got.loc[4, "match_status"]) == (3006, "exact")
    assert (got.loc[5, "urn"], got.loc[5, "match_status"]) == (3008, "review")
    assert "successor" in got.loc[5, "match_note"]
    assert got.loc[6, "match_status"] == "unmatched" and pd.isna(got.loc[6, "urn"])
    assert got.loc[7, "match_status"] == "unmatched"


def test_la_and_postcode_block_and_a_urn_given_wins():
    rows = pd.DataFrame(
        [
            {"name": "St Marys CE Primary", "la": "Hartlepool", "postcode": "", "urn": ""},
            {"name": "St Marys CE Primary", "la": "806", "postcode": "", "urn": ""},  # old LA code
            {"name": "St Marys CE Primary", "la": "", "postcode": "TS26 3CC", "urn": ""},
            {"name": "St Marys", "la": "", "postcode": "", "urn": "3003"},
        ]
    )
    las = pd.DataFrame(
        [
            {"code": "E06000001", "name": "Hartlepool", "old_la_code": 805},
            {"code": "E06000002", "name": "Middlesbrough", "old_la_code": 806},
        ]
    )
    got = match_schools(rows, Reference(pd.DataFrame(SCHOOLS), pd.DataFrame(LINKS), las))
    assert got["urn"].tolist() == [3005, 3004, 3005, 3003]
    assert got["match_status"].tolist() == ["exact", "exact", "exact", "exact"]


def test_accept_threshold_moves_rows_between_confident_and_review():
    rows = pd.DataFrame([{"school": "Hartsid Primry", "town": "Hartlepool"}])
    assert match_schools(rows, reference(), accept=100)["match_status"].iat[0] == "review"
    assert match_schools(rows, reference(), accept=80)["match_status"].iat[0] == "confident"


def test_rerun_keeps_the_users_review_choices():
    rows = pd.DataFrame(
        [{"school": "St Marys CE Primary"}, {"school": "St Marys CE Primary"}, {"school": "Oaks"}]
    )
    first = rematch(rows, reference())
    assert first["match_status"].tolist()[:2] == ["review", "review"]
    saved = first.astype(object).where(first.notna(), "").astype(str)
    saved.loc[0, "urn"] = "3005" if first.loc[0, "urn"] == 3004 else "3004"  # the user picks the other
    saved.loc[1, "match_status"] = "rejected"
    saved.loc[1, "urn"] = ""
    again = rematch(saved, reference())
    assert str(again.loc[0, "urn"]) == saved.loc[0, "urn"] and again.loc[0, "match_status"] == "confirmed"
    assert again.loc[1, "match_status"] == "rejected" and pd.isna(again.loc[1, "urn"])
    assert again.loc[2, "match_status"] == "exact"  # untouched rows are matched afresh
    assert list(again.columns[:1]) == ["school"]


def test_cli_matches_a_csv_in_place_and_an_xlsx_keeping_other_sheets(tmp_path, bundle_writer):
    ws = tmp_path / "ws"
    cols = ["urn", "name", "la_code", "town", "postcode", "status", "close_date"]
    schools = [{c: s.get(c, "") for c in cols} for s in SCHOOLS]
    load = CliRunner().invoke(main, ["-w", str(ws), "load", str(bundle_writer({"schools": schools}))])
    assert load.exit_code == 0, load.output
    members = tmp_path / "members.csv"
    members.write_text("Member,School,Town\nA,Hartside Pri Sch,Hartlepool\nB,St Marys CE Primary,\n")
    r = CliRunner().invoke(main, ["-w", str(ws), "match", "schools", str(members)])
    assert r.exit_code == 0, r.output
    assert "exact" in r.stdout and "review" in r.stdout
    back = pd.read_csv(members, dtype=str, keep_default_na=False)
    assert back["Member"].tolist() == ["A", "B"] and back.loc[0, "urn"] == "3002"
    assert back.loc[1, "match_status"] == "review" and back.loc[1, "runner_up_urn"] != ""

    book = tmp_path / "members.xlsx"
    wb = Workbook()
    wb.active.title = "members"
    wb.active.append(["Member", "School name", "Postcode"])
    wb.active.append(["A", "St Mary's R.C. Primary", "TS25 1AA"])
    wb.active.append([None, None, None])
    wb.active.append(["C", "The Oaks", "TS5"])
    wb.create_sheet("notes").append(["keep me"])
    wb.save(book)
    r = CliRunner().invoke(
        main, ["-w", str(ws), "match", "schools", str(book), "-o", str(tmp_path / "o.xlsx")]
    )
    assert r.exit_code == 0, r.output
    out = load_workbook(tmp_path / "o.xlsx")
    sheet = out["members"]
    header = [c.value for c in sheet[1]]
    urn = header.index("urn") + 1
    assert sheet.cell(2, urn).value == 3003 and sheet.cell(3, urn).value is None
    assert sheet.cell(4, urn).value == 3006 and out["notes"]["A1"].value == "keep me"


def test_cli_without_schools_or_names_is_a_clear_error(tmp_path, bundle_writer):
    f = tmp_path / "m.csv"
    f.write_text("Member,Colour\nA,red\n")
    r = CliRunner().invoke(main, ["-w", str(tmp_path / "ws"), "match", "schools", str(f)])
    assert r.exit_code == 1 and "no schools" in r.stderr
    ws = tmp_path / "ws"
    CliRunner().invoke(main, ["-w", str(ws), "load", str(bundle_writer({"schools": SCHOOLS[1:2]}))])
    r = CliRunner().invoke(main, ["-w", str(ws), "match", "schools", str(f)])
    assert r.exit_code == 1 and "no column with school names" in r.stderr


@pytest.fixture(scope="module")
def register(public_file) -> pd.DataFrame:
    path = public_file("dfe_register_trainee_teachers_schools_20220706.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_precision_and_recall_on_typed_names_from_the_real_register(register, public_file):
    """49,514 real schools (open and closed); 1,000 open ones typed the way people type them."""
    raw = pd.read_csv(
        public_file("gias_links_edubasealldata20250422.csv"),
        dtype=str,
        keep_default_na=False,
        encoding="cp1252",
    )
    links = pd.DataFrame(
        {
            "urn": pd.to_numeric(raw["URN"]),
            "linked_urn": pd.to_numeric(raw["LinkURN"]),
            "kind": raw["LinkType"],
        }
    )
    rows = perturb(register[register["close_date"] == ""], 1000, seed=18)
    assert (
        rows["school"] != register.set_index("urn").loc[rows["true_urn"].astype(str), "name"].values
    ).mean() > 0.7
    got = match_schools(rows, Reference(register, links))
    accepted = got["match_status"].isin(["exact", "confident"])
    right = accepted & (got["urn"] == rows["true_urn"]).fillna(False)
    assert right.sum() / accepted.sum() >= 0.99
    assert right.sum() / len(rows) >= 0.90


def test_the_typed_name_generator_is_seeded(register):
    a = perturb(register, 50, seed=3)
    assert a.equals(perturb(register, 50, seed=3)) and not a.equals(perturb(register, 50, seed=4))


def test_accepted_rows_become_a_bundle_table_and_review_rows_wait(tmp_path, bundle_writer):
    ws = tmp_path / "ws"
    cols = ["urn", "name", "la_code", "town", "postcode", "status", "close_date"]
    schools = [{c: s.get(c, "") for c in cols} for s in SCHOOLS]
    network = [{"network_id": "N1", "name": "Forum", "kind": "senco_forum"}]
    CliRunner().invoke(
        main, ["-w", str(ws), "load", str(bundle_writer({"schools": schools, "networks": network}))]
    )
    members = tmp_path / "members.csv"
    members.write_text(
        "School,Town,network_id,tier\n"
        "Oaks,Middlesbrough,N1,attended_training\n"
        "St Marys CE Primary,,N1,mailing_list\n"
    )
    args = ["-w", str(ws), "match", "schools", str(members), "--table", "school_memberships"]
    r = CliRunner().invoke(main, [*args, "--bundle", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output
    table = pd.read_csv(tmp_path / "b" / "school_memberships.csv")
    assert table.to_dict("records") == [{"urn": 3006, "network_id": "N1", "tier": "attended_training"}]
    assert "1 not yet accepted" in r.stderr

    saved = pd.read_csv(members, dtype=str, keep_default_na=False)
    saved.loc[1, "urn"] = "3005" if saved.loc[1, "urn"] == "3004" else "3004"
    saved.to_csv(members, index=False)
    r = CliRunner().invoke(main, [*args, "--bundle", str(tmp_path / "b")])
    again = pd.read_csv(members, dtype=str, keep_default_na=False)
    assert again.loc[1, "match_status"] == "confirmed" and again.loc[1, "urn"] == saved.loc[1, "urn"]
    assert again.loc[1, "matched_name"] == "St Mary's Church of England Primary School"
    assert len(pd.read_csv(tmp_path / "b" / "school_memberships.csv")) == 2
    r = CliRunner().invoke(main, ["-w", str(ws), "load", str(tmp_path / "b")])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, [*args])
    assert r.exit_code == 1 and "--table and --bundle go together" in r.stderr
