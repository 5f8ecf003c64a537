"""The .xlsx template: drop-downs for every code list, date and text formats, an explanation sheet,
and a workbook filled in the way Excel saves it validates and loads."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from click.testing import CliRunner
from openpyxl import load_workbook

from graphmodel.schema import load_schema
from graphmodel.workspace import Workspace
from sendgraph.cli import main


def test_template_has_an_explanation_drop_downs_and_formats(tmp_path):
    r = CliRunner().invoke(main, ["template", str(tmp_path / "t"), "--xlsx"])
    assert r.exit_code == 0, r.output
    wb = load_workbook(tmp_path / "t" / "sendgraph-bundle.xlsx")
    schema = load_schema()
    assert wb.sheetnames[0] == "README" and set(schema.tables) <= set(wb.sheetnames)
    readme = [row[0] for row in wb["README"].iter_rows(values_only=True)]
    assert "posts" in readme and "school_memberships" in readme
    assert wb["lists"].sheet_state == "hidden"

    def drop_down(sheet: str, column: str) -> list[str]:
        ws = wb[sheet]
        letter = ws.cell(row=1, column=[c.value for c in ws[1]].index(column) + 1).column_letter
        for dv in ws.data_validations.dataValidation:
            if any(str(rng).startswith(f"{letter}2:") for rng in dv.sqref.ranges):
                ref = dv.formula1.lstrip("=").split("!")[1].replace("$", "")
                return [c[0].value for c in wb["lists"][ref]]
        return []

    assert drop_down("posts", "role")[:1] and "SENCO" in drop_down("posts", "role")
    assert "NASENCO" in drop_down("person_qualifications", "qualification")
    assert drop_down("school_memberships", "tier") == list(schema.participation_tiers)
    assert drop_down("networks", "kind") == list(schema.nodes["Network"].properties["kind"].values)
    assert drop_down("posts", "person_id") == []
    assert wb["posts"].column_dimensions["D"].number_format == "yyyy-mm-dd"  # start_date
    assert wb["people"].column_dimensions["A"].number_format == "@"  # person_id: text keeps zeros


def test_template_filled_the_way_excel_saves_it_validates_and_loads(tmp_path):
    CliRunner().invoke(main, ["template", str(tmp_path / "t"), "--xlsx"])
    book = tmp_path / "t" / "sendgraph-bundle.xlsx"
    wb = load_workbook(book)
    # Excel writes whole numbers as floats, dates typed into a formatted cell as datetimes, dates
    # pasted into a plain cell as serial numbers, and text-formatted ids as text
    wb["schools"].append([9000001.0, "Elm Primary", "E06000001"])
    wb["people"].append(["00123"])
    wb["people"].append(["P2"])
    posts = wb["posts"]
    posts.append(["00123", 9000001.0, "SENCO", 45170.0, None, 1.0, True])  # 2023-09-01
    posts.append(["P2", 9000001.0, "TA", dt.datetime(2019, 9, 1), "45536", 0.5])  # end 2024-09-01
    wb["person_qualifications"].append(["00123", "QTS", 40057, "2008-09-01"])  # 2009-09-01
    wb["networks"].append(["N1", "Forum", "senco_forum", True])
    wb["school_memberships"].append([9000001.0, "N1", "attended_training", 45170])
    wb.save(book)

    ws = tmp_path / "ws"
    r = CliRunner().invoke(main, ["-w", str(ws), "validate", str(book)])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["-w", str(ws), "load", str(book)])
    assert r.exit_code == 0, r.output
    store = Workspace(ws)
    p = store.table("posts").sort_values("person_id").reset_index(drop=True)
    assert p["person_id"].tolist() == ["00123", "P2"] and p["urn"].tolist() == [9000001, 9000001]
    assert p["start_date"].tolist() == [pd.Timestamp("2023-09-01"), pd.Timestamp("2019-09-01")]
    assert pd.isna(p["end_date"][0]) and p["end_date"][1] == pd.Timestamp("2024-09-01")
    assert p["fte"].tolist() == [1.0, 0.5] and p["slt"][0]
    q = store.table("person_qualifications")
    assert q["awarded_date"].tolist() == [pd.Timestamp("2009-09-01")]
    assert store.table("people")["person_id"].tolist() == ["00123", "P2"]
    assert store.table("school_memberships")["start_date"].tolist() == [pd.Timestamp("2023-09-01")]
