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
    # schools at each rung 3,1,1,1,2,1,1,1 (all small: hidden); at-or-above 11,8,7,6,5,3,2,1.
    # at or above r = at r + at or above r+1, so with rung 0 hidden 11 and 8 would give it: 8 is hidden
    # too (the smallest shown cell of that relation); likewise 6 (7 = rung 2 + 6), and 3, 2, 1 are small.
    rows = data(run(ws, "participation", "--as-of", DAY, "--format", "json"))
    assert [d["schools_at_or_above"] for d in rows] == [11, "c", 7, "c", 5, "c", "c", "c"]
    assert rows[2]["pct_at_or_above"] == 63.6 and rows[1]["pct_at_or_above"] == "c"
    raw = run(ws, "participation", "--as-of", DAY, "--format", "json", "--no-suppress")
    assert [d["schools_at_or_above"] for d in data(raw)] == [11, 8, 7, 6, 5, 3, 2, 1]
    assert "NONE" in json.loads(raw.stdout)["metadata"]["suppression"]
    low = data(run(ws, "participation", "--as-of", DAY, "--format", "json", "--threshold", "1"))
    # threshold 1: rungs 1, 2, 3, 5, 6, 7 (one school each) hidden; 8 = rung 1 + 7 -> 7 hidden;
    # 6 = rung 3 + 5 -> 5; then 5 = rung 4 (2) + 3 -> rung 4; 3 = rung 5 + 2 -> 2; 1 is small
    assert [d["schools_at_or_above"] for d in low] == [11, 8, "c", 6, "c", 3, "c", "c"]


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
    assert lines[2].startswith("2024,2024-08-31,11,8,72.7,5,45.5,3,27.3,4")  # P4 counted once
    # every 2024 membership started 2020-09-01 at its rung: nobody climbed, so no median time
    header = lines[0].split(",")
    assert "median_days_to_attended_training" in header and "schools_climbed_to_trained_reviewer" in header


def test_gaps_network_rows_and_summary(ws):
    rows = data(run(ws, "gaps", "network", "--as-of", DAY, "--format", "json"))
    assert sorted(d["urn"] for d in rows if d["gap"] == "outside_every_network") == [1006, 1008, 1010]
    areas = sorted(d["new_la_code"] for d in rows if d["gap"] == "no_trained_reviewer")
    # Redcar's 1007 is a strategic partner (rung 7): at or above trained reviewer, so not a gap
    assert areas == ["E08000001"]
    summary = data(
        run(ws, "gaps", "network", "--as-of", DAY, "--view", "summary", "--by", "la", "--format", "json")
    )
    bolton = next(d for d in summary if d["new_la_code"] == "E08000001")
    redcar = next(d for d in summary if d["new_la_code"] == "E06000003")
    assert bolton["trained_reviewers"] == 0  # zero is shown: the one LA listed as a gap
    assert redcar["schools"] == "c" and redcar["trained_reviewers"] == "c"  # 1 (school 1007), suppressed


def test_structure_views(ws):
    comm = run(ws, "gaps", "structure", "--view", "communities", "--as-of", DAY, "--format", "json")
    body = json.loads(comm.stdout)
    # tie weights: N1's three members 0.5 a pair, every pairwise tie 1 (see participation_fixture);
    # the best partition's modularity, worked in test_collaboration.test_louvain_on_tie_weights
    assert body["metadata"]["modularity"] == 0.5089 and body["metadata"]["communities"] == 3
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
