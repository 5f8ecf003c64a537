"""``sendgraph participation`` and ``sendgraph gaps ...`` as a user runs them, on the hand-built bundle
in ``participation_fixture`` (figures worked out there and in the query tests)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from sendgraph.cli import main
from tests.participation_fixture import NAMES, load_world

DAY = "2025-01-01"


@pytest.fixture
def ws(workspace, bundle_writer):
    load_world(workspace, bundle_writer)
    return workspace.path


def run(ws, *args: str, ok: bool = True):
    r = CliRunner().invoke(main, ["-w", str(ws), *args])
    if ok:
        assert r.exit_code == 0, r.output
    for name in NAMES:  # people's names never appear, whatever the command
        assert name not in r.output
    return r


def data(r) -> list[dict]:
    return json.loads(r.stdout)["data"]


def test_participation_ladder_is_suppressed_unless_asked(ws):
    rows = data(run(ws, "participation", "--as-of", DAY, "--format", "json"))
    assert [d["schools_at_or_above"] for d in rows] == [11, 8, 7, 6, 5, "c", "c", "c"]
    assert rows[1]["pct_at_or_above"] == 72.7 and rows[5]["pct_at_or_above"] == "c"
    raw = run(ws, "participation", "--as-of", DAY, "--format", "json", "--no-suppress")
    assert [d["schools_at_or_above"] for d in data(raw)] == [11, 8, 7, 6, 5, 3, 2, 1]
    assert "NONE" in json.loads(raw.stdout)["metadata"]["suppression"]
    low = data(run(ws, "participation", "--as-of", DAY, "--format", "json", "--threshold", "1"))
    assert [d["schools_at_or_above"] for d in low] == [11, 8, 7, 6, 5, 3, 2, "c"]


def test_participation_by_region_per_school_and_over_time(ws):
    rows = data(
        run(ws, "participation", "--as-of", DAY, "--by", "region", "--format", "json", "--no-suppress")
    )
    ne = [d for d in rows if d["region_name"] == "North East"]
    assert ne[1]["diff_from_national_pp"] == -2.7
    schools = data(
        run(ws, "participation", "--as-of", DAY, "--view", "schools", "--network", "N1", "--format", "json")
    )
    assert {d["urn"]: d["tier_rank"] for d in schools if d["tier_rank"]} == {1001: 4, 1002: 5, 1003: 4}
    r = run(
        ws, "participation", "--view", "over-time", "--years", "2019,2024", "--format", "csv", "--no-suppress"
    )
    lines = r.stdout.splitlines()
    assert lines[1].startswith("2019,2019-08-31,11,1,9.1")
    assert lines[2].startswith("2024,2024-08-31,11,8,72.7,5,45.5,3,27.3,5")


def test_gaps_network_rows_and_summary(ws):
    rows = data(run(ws, "gaps", "network", "--as-of", DAY, "--format", "json"))
    assert sorted(d["urn"] for d in rows if d["gap"] == "outside_every_network") == [1006, 1008, 1010]
    areas = sorted(d["new_la_code"] for d in rows if d["gap"] == "no_trained_reviewer")
    assert areas == ["E06000003", "E08000001"]
    summary = data(
        run(ws, "gaps", "network", "--as-of", DAY, "--view", "summary", "--by", "la", "--format", "json")
    )
    redcar = next(d for d in summary if d["new_la_code"] == "E06000003")
    assert redcar["schools"] == "c" and redcar["trained_reviewers"] == 0  # zero is shown, 4 is not


def test_structure_views(ws):
    comm = run(ws, "gaps", "structure", "--view", "communities", "--as-of", DAY, "--format", "json")
    body = json.loads(comm.stdout)
    assert body["metadata"]["modularity"] == 0.5234 and body["metadata"]["communities"] == 3
    b = data(
        run(ws, "gaps", "structure", "--view", "brokers", "--as-of", DAY, "--top", "1", "--format", "json")
    )
    assert [(d["urn"], d["betweenness"]) for d in b] == [(1003, round(6 / 45, 6))]
    ap = data(
        run(ws, "gaps", "structure", "--view", "articulation-points", "--as-of", DAY, "--format", "json")
    )
    assert [d["urn"] for d in ap] == [1003, 1004, 1005, 1007]
    iso = run(ws, "gaps", "structure", "--view", "isolates", "--as-of", DAY, "--region", "North West")
    assert "1009" in iso.stdout and "Iota Primary" in iso.stdout


def test_fragile_and_what_if(ws):
    f = data(run(ws, "gaps", "fragile", "--as-of", DAY, "--format", "json"))
    assert [(d["urn_a"], d["urn_b"], d["person_id"]) for d in f] == [
        (1001, 1002, "P2"),
        (1001, 1003, "P3"),
        (1002, 1003, "P2;P3"),
        (1003, 1004, "P4"),
        (1005, 1006, "P5"),
    ]
    w = run(ws, "gaps", "what-if", "--person", "P4", "--as-of", DAY, "--format", "json")
    body = json.loads(w.stdout)
    assert {d["measure"]: d["after"] for d in body["data"]}["largest_component"] == 3
    assert body["metadata"]["people_removed"] == "c"
    lost = data(
        run(
            ws,
            "gaps",
            "what-if",
            "--retiring-within",
            "5",
            "--view",
            "lost-links",
            "--as-of",
            DAY,
            "--format",
            "json",
        )
    )
    assert [(d["urn_a"], d["urn_b"]) for d in lost] == [(1001, 1002), (1002, 1003), (1003, 1004)]


def test_user_errors_are_one_line_and_non_zero(ws):
    r = run(ws, "gaps", "what-if", "--person", "P99", ok=False)
    assert r.exit_code == 1 and "unknown person_id(s): P99" in r.stderr
    r = run(ws, "participation", "--network", "nope", ok=False)
    assert r.exit_code == 1 and "no SEND network matches 'nope'" in r.stderr
    r = run(ws, "participation", "--region", "Atlantis", ok=False)
    assert r.exit_code == 1 and "no schools match region 'Atlantis'" in r.stderr
