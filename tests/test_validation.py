"""Every kind of bad input is reported with file, row and column, and nothing is loaded."""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path

import pytest

from graphmodel.errors import ValidationFailed
from loaders import ingest

SCHOOL = {"urn": 9000001, "name": "Elm Primary", "la_code": "E06000001"}


def problems_for(workspace, bundle) -> list:
    before = workspace.counts()
    with pytest.raises(ValidationFailed) as err:
        ingest.load(workspace, [(bundle, "auto")], today=dt.date(2025, 1, 1))
    assert workspace.counts() == before, "a failed load must change nothing"
    return err.value.problems


def only(problems, column=None):
    hits = [p for p in problems if column is None or p.column == column]
    assert hits, problems
    return hits[0]


@pytest.mark.parametrize(
    "rows, column, row, text",
    [
        ([{**SCHOOL, "urn": "12a"}], "urn", 2, "not a whole number"),
        ([{**SCHOOL, "pupils": "2.5"}], "pupils", 2, "not a whole number"),
        ([{**SCHOOL, "pupils": "-3"}], "pupils", 2, "below the minimum"),
        ([{**SCHOOL, "open_date": "31/02/2020"}], "open_date", 2, "not a date"),
        ([{**SCHOOL, "synthetic": "maybe"}], "synthetic", 2, "true or false"),
        ([{**SCHOOL, "name": ""}], "name", 2, "required"),
        ([SCHOOL, {**SCHOOL, "name": "Again"}], "urn", 3, "duplicate key"),
        ([{**SCHOOL, "la_code": "E99999999"}], "la_code", 2, "dangling reference"),
        (
            [{**SCHOOL, "open_date": "2020-09-01", "close_date": "2019-08-31"}],
            "close_date",
            2,
            "before open_date",
        ),
    ],
)
def test_school_problems_name_file_row_and_column(workspace, bundle_writer, rows, column, row, text):
    bundle = bundle_writer({"schools": rows})
    p = only(problems_for(workspace, bundle), column)
    assert p.file.endswith("schools.csv") and p.row == row and text in p.message


def test_unknown_code_and_future_dates_and_post_at_unknown_urn(workspace, bundle_writer):
    bundle = bundle_writer(
        {
            "schools": [SCHOOL],
            "people": [{"person_id": "P1"}],
            "posts": [
                {"person_id": "P1", "urn": 9000001, "role": "WIZARD", "start_date": "2020-01-01"},
                {"person_id": "P1", "urn": 9999999, "role": "SENCO", "start_date": "2020-01-01"},
            ],
            "person_qualifications": [
                {"person_id": "P1", "qualification": "QTS", "awarded_date": "2030-07-01"}
            ],
            "school_memberships": [{"urn": 9000001, "network_id": "N1", "tier": "lurker"}],
            "networks": [{"network_id": "N1", "name": "WSS"}],
        }
    )
    probs = problems_for(workspace, bundle)
    msgs = {(p.file.rsplit("/", 1)[-1], p.row, p.column): p.message for p in probs}
    assert "WIZARD" in msgs[("posts.csv", 2, "role")] and "dangling" in msgs[("posts.csv", 2, "role")]
    assert "dangling" in msgs[("posts.csv", 3, "urn")]
    assert "in the future" in msgs[("person_qualifications.csv", 2, "awarded_date")]
    assert "unknown code 'lurker'" in msgs[("school_memberships.csv", 2, "tier")]


def test_missing_required_column_unknown_column_and_unknown_table(workspace, bundle_writer):
    bundle = bundle_writer(
        {"schools": [{"urn": 1, "name": "x", "la_cod": "E06000001"}], "staff": [{"id": 1}]}
    )
    probs = problems_for(workspace, bundle)
    assert any(p.column == "la_code" and "required column is missing" in p.message for p in probs)
    assert any(p.column == "la_cod" and "unknown column" in p.message for p in probs)
    assert any(p.file.endswith("staff.csv") and "unknown table" in p.message for p in probs)


def test_wrong_encoding_and_empty_file_and_ragged_row(workspace, tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "schools.csv").write_bytes("urn,name,la_code\n1,Caf\u00e9,E06000001\n".encode("cp1252"))
    (d / "people.csv").write_bytes(b"")
    (d / "trusts.csv").write_text("trust_id,name\nT1,One\nT2,Two,extra\n", encoding="utf-8")
    probs = problems_for(workspace, d)
    enc = only([p for p in probs if p.file.endswith("schools.csv")])
    assert "not valid utf-8-sig" in enc.message and enc.row == 2
    assert any(p.file.endswith("people.csv") and "empty" in p.message for p in probs)
    ragged = only([p for p in probs if p.file.endswith("trusts.csv")])
    assert ragged.row == 3 and "malformed" in ragged.message


def test_every_problem_is_reported_not_just_the_first(workspace, bundle_writer):
    rows = [{**SCHOOL, "urn": 9000000 + i, "pupils": "many"} for i in range(1, 8)]
    probs = problems_for(workspace, bundle_writer({"schools": rows}))
    assert [p.row for p in probs] == [2, 3, 4, 5, 6, 7, 8]


def test_error_message_is_capped_but_counts_everything(workspace, bundle_writer):
    rows = [{**SCHOOL, "urn": 9000000 + i, "pupils": "many"} for i in range(1, 121)]
    with pytest.raises(ValidationFailed) as err:
        ingest.load(workspace, [(bundle_writer({"schools": rows}), "auto")])
    text = str(err.value)
    assert text.startswith("120 problem(s) found; nothing was loaded.")
    assert "... and 70 more" in text


def test_hostile_text_is_data_not_code(workspace, bundle_writer):
    name = '<img src=x onerror=alert(1)> O\'Brien "{$x}" `ticks`\nnewline \u0645\u062f\u0631\u0633\u0629'
    bundle = bundle_writer({"schools": [{**SCHOOL, "name": name}]})
    ingest.load(workspace, [(bundle, "auto")])
    assert workspace.table("schools")["name"].iloc[0] == name.strip()


def test_tables_are_typed_side_by_side_and_their_problems_keep_the_input_order(
    workspace, bundle_writer, monkeypatch
):
    # three tables with a problem each, the files' order (people, posts, schools) the reverse of
    # their sizes (the biggest is typed first); typed on two threads at once (a barrier makes the
    # first two wait for each other: it breaks, failing the test, unless two threads type together)
    schools = [{**SCHOOL, "urn": 9000001 + i} for i in range(6)]
    bundle = bundle_writer(
        {
            "schools": [*schools[:5], {**schools[5], "pupils": "many"}],
            "people": [{"person_id": "P1", "birth_year": "old"}],
            "posts": [
                {"person_id": "P1", "urn": 9000001, "role": "TA", "start_date": "2020-09-01"},
                {"person_id": "P1", "urn": 9000002, "role": "TA", "start_date": "someday"},
            ],
        }
    )
    meet, original, threads, calls = threading.Barrier(2, timeout=10), ingest.coerce_table, set(), []

    def typed(*args):
        threads.add(threading.current_thread().name)
        calls.append(args[1].table)
        if len(calls) <= 2:  # the first two tables, each on its own thread
            meet.wait()
        return original(*args)

    monkeypatch.setattr(ingest, "coerce_table", typed)
    monkeypatch.setattr(ingest, "COERCE_THREADS", 2)
    probs = problems_for(workspace, bundle)
    assert len({t for t in threads if t.startswith("sendgraph-coerce")}) == 2
    assert calls[:3] == ["schools", "posts", "people"]  # typed biggest first...
    calls.clear()
    calls += ["", ""]  # no more waiting
    monkeypatch.setattr(ingest, "COERCE_THREADS", 1)  # one at a time: the same problems, same order
    assert [(p.file, p.row, p.column) for p in problems_for(workspace, bundle)] == [
        (p.file, p.row, p.column) for p in probs
    ]
    # ...and reported in the files' order
    assert [(p.column, p.row) for p in probs] == [("birth_year", 2), ("start_date", 3), ("pupils", 7)]


def test_each_inputs_problems_come_before_the_next_inputs(workspace, bundle_writer, tmp_path):
    # one input's reading and typing problems, then the next input's: the first 50 a user sees
    first = bundle_writer({"people": [{"person_id": "P1", "birth_year": "old"}]})
    second = bundle_writer({"schools": [SCHOOL]})
    (second / "nosuchtable.csv").write_text("a\n1\n", encoding="utf-8")
    before = workspace.counts()
    with pytest.raises(ValidationFailed) as err:
        ingest.load(workspace, [(first, "auto"), (second, "auto")], today=dt.date(2025, 1, 1))
    assert workspace.counts() == before
    files = [Path(p.file).parent.name for p in err.value.problems]
    assert files[:2] == [first.name, second.name], err.value.problems
