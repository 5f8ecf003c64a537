"""The data commands as a user runs them: load, validate, info, export, template, docs."""

from __future__ import annotations

import json
from pathlib import Path

import click
import networkx as nx
import pandas as pd
from click.testing import CliRunner

from graphmodel.docs import data_dictionary
from sendgraph.cli import main
from tests.test_load_formats import MINI


def run(*args: str, ws: Path) -> object:
    return CliRunner().invoke(main, ["-w", str(ws), *args], catch_exceptions=False)


def test_load_then_info_counts_by_kind(tmp_path, bundle_writer):
    ws = tmp_path / "ws"
    r = run("load", str(bundle_writer(MINI)), ws=ws)
    assert r.exit_code == 0 and "loaded into embedded workspace" in r.output
    r = run("info", "--format", "json", ws=ws)
    rows = {d["table"]: d["rows"] for d in json.loads(r.output)["data"]}
    assert rows["schools"] == 2 and rows["posts"] == 3 and rows["local_authorities"] == 153
    r = run("load", str(bundle_writer(MINI)), ws=ws)
    assert "nothing changed" in r.output


def test_invalid_input_exits_non_zero_with_errors_on_stderr(tmp_path, bundle_writer):
    ws = tmp_path / "ws"
    bad = bundle_writer({"schools": [{"urn": "x", "name": "A", "la_code": "E06000001"}]})
    r = CliRunner().invoke(main, ["-w", str(ws), "validate", str(bad)])
    assert r.exit_code == 2
    assert "schools.csv, row 2, column 'urn'" in r.stderr and r.stdout == ""
    r = CliRunner().invoke(main, ["-w", str(ws), "load", str(bad)])
    assert r.exit_code == 2 and "nothing was loaded" in r.stderr
    assert not (ws / "CURRENT").exists()


def test_unknown_path_and_format_are_clear_errors(tmp_path):
    r = CliRunner().invoke(main, ["-w", str(tmp_path / "ws"), "load", str(tmp_path / "nope.csv")])
    assert r.exit_code == 1 and "no such file" in r.stderr
    odd = tmp_path / "odd.txt"
    odd.write_text("hello")
    r = CliRunner().invoke(main, ["-w", str(tmp_path / "ws"), "load", str(odd)])
    assert r.exit_code == 1 and "not a format sendgraph reads" in r.stderr


def test_export_graphml_json_and_csv_leave_out_names_unless_asked(tmp_path, bundle_writer):
    ws = tmp_path / "ws"
    run("load", str(bundle_writer(MINI)), ws=ws)
    run("export", "--to", "graphml", "-o", str(tmp_path / "g.graphml"), ws=ws)
    g = nx.read_graphml(tmp_path / "g.graphml")
    assert g.nodes["Person:P1"]["label"] == "Person" and "name" not in g.nodes["Person:P1"]
    assert g.has_edge("School:9000001", "LocalAuthority:E06000001")  # IN_LA from the la_code column
    assert any(d["type"] == "WORKS_AT" for _, _, d in g.edges("Person:P1", data=True))
    run("export", "--to", "json", "--show-names", "-o", str(tmp_path / "g.json"), ws=ws)
    data = json.loads((tmp_path / "g.json").read_text())
    person = next(n for n in data["nodes"] if n["id"] == "Person:P1")
    assert person["name"] == "A. Person"
    run("export", "--to", "csv", "-o", str(tmp_path / "out"), ws=ws)
    people = pd.read_csv(tmp_path / "out" / "people.csv")
    assert "name" not in people.columns and "birth_year" not in people.columns


def test_exported_bundle_reloads_into_an_identical_graph(tmp_path, bundle_writer):
    ws = tmp_path / "ws"
    run("load", str(bundle_writer(MINI)), ws=ws)
    run("export", "--to", "csv", "--show-names", "-o", str(tmp_path / "out"), ws=ws)
    ws2 = tmp_path / "ws2"
    r = run("load", str(tmp_path / "out"), ws=ws2)
    assert r.exit_code == 0, r.output
    a = json.loads(run("info", "--format", "json", ws=ws).output)["data"]
    b = json.loads(run("info", "--format", "json", ws=ws2).output)["data"]
    assert a == b


def test_csv_export_neutralises_formula_injection(tmp_path, bundle_writer):
    ws = tmp_path / "ws"
    evil = {"schools": [{"urn": 9000001, "name": '=HYPERLINK("http://x","y")', "la_code": "E06000001"}]}
    run("load", str(bundle_writer(evil)), ws=ws)
    run("export", "--to", "csv", "-o", str(tmp_path / "out"), ws=ws)
    text = (tmp_path / "out" / "schools.csv").read_text()
    assert "'=HYPERLINK" in text


def test_template_writes_a_loadable_empty_bundle_and_workbook(tmp_path):
    r = CliRunner().invoke(main, ["template", "--xlsx", str(tmp_path / "t")])
    assert r.exit_code == 0
    header = (tmp_path / "t" / "posts.csv").read_text().strip().split(",")
    assert header[:4] == ["person_id", "urn", "role", "start_date"]
    assert (tmp_path / "t" / "sendgraph-bundle.xlsx").exists()
    r = run("validate", str(tmp_path / "t"), ws=tmp_path / "ws")
    assert r.exit_code == 0, r.output


def test_committed_data_dictionary_matches_the_schema():
    """Like sqlite-utils' test_docs: the docs fail the build when they drift from the schema."""
    committed = (Path(__file__).parents[1] / "docs" / "data-dictionary.md").read_text(encoding="utf-8")
    assert committed == data_dictionary(), "run: sendgraph docs --output docs/data-dictionary.md"


def test_every_command_is_in_the_readme():
    """A command missing from the README is a command users will not find."""
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [
        name
        for name in main.list_commands(click.Context(main))
        if f"sendgraph {name}" not in readme and f"`{name}`" not in readme
    ]
    assert not missing, f"document these in README.md: {missing}"


def test_terminal_table_shortens_long_cells_but_csv_keeps_them():
    from sendgraph.output import Result, render

    long = "University of Somewhere; " * 10
    result = Result(pd.DataFrame({"providers": [long.strip()]}), "t")
    table = render(result, "table")
    assert "…" in table and long.strip() not in table
    assert long.strip() in render(result, "csv")


def test_an_unwritable_output_file_is_one_clear_error(tmp_path, bundle_writer):
    ws = tmp_path / "ws"
    run("load", str(bundle_writer(MINI)), ws=ws)
    r = CliRunner().invoke(
        main,
        [
            "-w",
            str(ws),
            "info",
            "--format",
            "csv",
            "--output",
            str(tmp_path / "no" / "such" / "dir" / "x.csv"),
        ],
    )
    assert r.exit_code == 1
    assert r.stderr.startswith("Error: ") and "No such file or directory" in r.stderr
    assert "Traceback" not in r.stderr


def test_neutralise_formulas_only_formula_like_text():
    """Text starting like a formula gets a quote unless it is a number; numbers, other text and
    blanks are left as they are (only the formula-like cells are tried as numbers)."""
    import pandas as pd

    from graphmodel.cells import neutralise_formulas

    frame = pd.DataFrame(
        {
            "a": ["=1+2", "-3", "+4.5", "@x", "ok", None, "-x"],
            "n": [1, -2, 3, 4, 5, 6, 7],
            "s": pd.array(["-1e3", "=A1", "a", "b", "c", None, "\tz"], dtype="string"),
        }
    )
    out = neutralise_formulas(frame)
    assert out["a"].tolist()[:5] == ["'=1+2", "-3", "+4.5", "'@x", "ok"] and out["a"][6] == "'-x"
    assert out["a"].isna().tolist()[5] and out["n"].tolist() == [1, -2, 3, 4, 5, 6, 7]
    assert out["s"].tolist()[:5] == ["-1e3", "'=A1", "a", "b", "c"] and out["s"][6] == "'\tz"
    plain = pd.DataFrame({"t": ["x", "y"]})
    assert neutralise_formulas(plain).equals(plain)
