"""The progression commands through click's CliRunner: routes, transitions, pipeline, next-steps,
bottlenecks, on the hand-built careers (career_fixture.py)."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from career_fixture import load_careers
from click.testing import CliRunner

from graphmodel.workspace import Workspace
from sendgraph.cli import main


@pytest.fixture
def ws(tmp_path, bundle_writer):
    path = tmp_path / "ws"
    load_careers(Workspace(path), bundle_writer)
    return str(path)


def run(ws, *args):
    return CliRunner().invoke(main, ["-w", ws, *args])


def _csv(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


def test_routes_command(ws):
    res = run(
        ws,
        "routes",
        "--from",
        "ITT",
        "--to",
        "QTVI",
        "--region",
        "North East",
        "--limit",
        "1",
        "--as-of",
        "2025-01-01",
        "--format",
        "csv",
    )
    assert res.exit_code == 0, res.output
    frame = _csv(res.stdout)
    assert frame[["step", "from_role", "to_role", "years", "qualification"]].values.tolist() == [
        ["1", "ITT_TRAINEE", "ECT", "1.0", "QTS"],
        ["2", "ECT", "CLASS_TEACHER", "2.0", ""],
        ["3", "CLASS_TEACHER", "QTVI_TEACHER", "4.5", "MQ_VI"],
    ]
    assert frame["providers"].iloc[2] == "MQ_VI: Universities offering the MQ (vision); North East MQ centre"


def test_routes_unknown_role_is_one_clear_error(ws):
    res = run(ws, "routes", "--from", "ITT", "--to", "QTXX")
    assert res.exit_code == 1
    assert res.stderr.startswith("Error: unknown role 'QTXX'; choose a role code (ADVISORY_HI")
    assert "Traceback" not in res.output


def test_transitions_suppressed_by_default(ws):
    res = run(ws, "transitions", "--format", "csv")
    assert res.exit_code == 0, res.output
    frame = _csv(res.stdout)
    ct = frame[(frame["from_role"] == "CLASS_TEACHER") & (frame["to_role"] == "SENCO")].iloc[0]
    # 4 people is within 1..4: suppressed with the rate and median derived from it; 6 leavers shown
    assert (ct["people"], ct["leavers"], ct["rate"], ct["median_years"]) == ("c", "6", "c", "c")
    assert "suppression: counts from 1 to 4" in res.stderr


def test_transitions_views_unsuppressed(ws):
    res = run(ws, "transitions", "--view", "direct", "--no-suppress", "--format", "json")
    data = json.loads(res.stdout)
    assert data["metadata"]["suppression"].startswith("NONE")
    last = data["data"][-1]
    assert (
        last["specialist_role"],
        last["specialists"],
        last["with_history"],
        last["direct"],
        last["direct_share"],
    ) == ("all", 9, 8, 2, 0.25)
    res = run(ws, "transitions", "--view", "dead-ends", "--no-suppress", "--format", "csv")
    assert _csv(res.stdout)["role"].tolist() == [
        "ADVISORY_HI",
        "ADVISORY_VI",
        "ASSISTANT_SENCO",
        "HEAD",
        "PD_SPECIALIST",
        "TA",
    ]
    res = run(ws, "transitions", "--view", "compare", "--threshold", "0", "--format", "csv")
    frame = _csv(res.stdout)
    assert (frame["status"] == "observed_only").sum() == 5
    res = run(ws, "transitions", "--la", "Manchester", "--no-suppress", "--format", "csv")
    assert _csv(res.stdout)[["from_role", "to_role", "people"]].values.tolist() == [
        ["CLASS_TEACHER", "SENCO", "1"],
        ["ECT", "CLASS_TEACHER", "1"],
    ]


def test_pipeline_command(ws):
    res = run(ws, "pipeline", "--as-of", "2025-01-01", "--format", "csv")
    assert res.exit_code == 0, res.output
    frame = _csv(res.stdout)
    # every count here is small: suppressed, except 7 teachers in Hartlepool and zeros
    cols = ["new_la_code", "teachers_not_senco", "likely_senco", "sensory_posts_without_mq", "vi_pupils"]
    assert frame[cols].values.tolist() == [
        ["E06000001", "7", "0", "c", "10"],
        ["E08000003", "c", "c", "0", "40"],
    ]
    res = run(ws, "pipeline", "--as-of", "2025-01-01", "--by", "region", "--no-suppress", "--format", "csv")
    frame = _csv(res.stdout)
    assert frame[["region_name", "likely_senco", "schools_overdue_senco"]].values.tolist() == [
        ["North East", "0", "0"],
        ["North West", "1", "1"],
    ]


def test_next_steps_command(ws):
    res = run(
        ws, "next-steps", "--person", "P08", "--target", "QTVI", "--as-of", "2025-01-01", "--format", "json"
    )
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["metadata"]["route"] == "CLASS_TEACHER -> QTVI_TEACHER"
    assert [(r["kind"], r["item"], r["status"]) for r in data["data"]] == [
        ("experience", "CLASS_TEACHER", "typical reached"),
        ("qualification", "MQ_VI", "missing"),
    ]
    res = run(ws, "next-steps", "--person", "nobody", "--target", "QTVI")
    assert res.exit_code == 1 and "no person with id 'nobody'" in res.stderr


def test_bottlenecks_command(ws):
    res = run(ws, "bottlenecks", "--format", "csv")
    assert res.exit_code == 0, res.output
    frame = _csv(res.stdout).set_index("code")
    assert frame.loc["MQ_VI", ["routes", "providers", "places_per_year"]].tolist() == ["18", "2", "12"]
    assert frame.loc["MQ_HI", "places_per_year"] == ""
