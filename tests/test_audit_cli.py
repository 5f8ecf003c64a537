"""``sendgraph audit ...`` through click's CliRunner: formats, metadata, filters and suppression."""

from __future__ import annotations

import csv
import io
import json

import pytest
from click.testing import CliRunner

from graphmodel.workspace import Workspace
from loaders import ingest
from sendgraph.cli import main
from tests.test_senco_audit import senco_tables
from tests.test_sensory_audit import LOAD_DAY, sensory_tables

AS_OF = "2026-06-01"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("audit_cli")
    from tests.conftest import write_bundle

    store = Workspace(root / "ws")
    ingest.load(
        store,
        [
            (write_bundle(root / "b1", senco_tables()), "auto"),
            (write_bundle(root / "b2", sensory_tables()), "auto"),
        ],
        today=LOAD_DAY,
    )
    return str(root / "ws")


def run(ws: str, *args: str):
    result = CliRunner().invoke(main, ["-w", ws, "audit", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _json(ws: str, *args: str) -> dict:
    return json.loads(run(ws, *args, "--format", "json").stdout)


def test_senco_summary_suppressed_by_default(ws):
    out = _json(ws, "senco", "--as-of", AS_OF, "--by", "la")
    rows = {r["new_la_code"]: r for r in out["data"]}
    hart = rows["E06000001"]  # 13 schools: 101-112 plus 202 (no SENCO)
    assert (hart["total"], hart["within_window"], hart["compliant"], hart["no_senco"]) == (13, 5, "c", "c")
    assert hart["pct_within_window"] == 38.5 and hart["pct_compliant"] == "c"
    # secondary suppression: Middlesbrough's not_eligible (1) is hidden, so Hartlepool's 0 in the same
    # column and region is hidden too (else region total minus 0 gives Middlesbrough's 1 back)
    assert hart["not_eligible"] == "c" and hart["pct_not_eligible"] == "c"
    meta = out["metadata"]
    assert meta["as_of"] == AS_OF and "SI 2014/1530" in meta["rule"]
    assert "embedded workspace" in meta["source"]
    assert meta["suppression"].startswith("counts from 1 to 4")


def test_no_suppress_says_so(ws):
    out = _json(ws, "senco", "--as-of", AS_OF, "--by", "la", "--no-suppress")
    hart = {r["new_la_code"]: r for r in out["data"]}["E06000001"]
    assert (hart["compliant"], hart["no_senco"], hart["pct_compliant"]) == (4, 1, 30.8)
    assert out["metadata"]["suppression"].startswith("NONE")


def test_threshold_option(ws):
    hart = {
        r["new_la_code"]: r
        for r in _json(ws, "senco", "--as-of", AS_OF, "--by", "la", "--threshold", "1")["data"]
    }["E06000001"]
    # 1 is primary-suppressed; Hartlepool's compliant 4 is hidden only because Middlesbrough's
    # compliant (1) is, and the two make the region total (secondary suppression)
    assert (hart["compliant"], hart["overdue"], hart["within_window"]) == ("c", "c", 5)


def test_detail_has_no_names_and_filters(ws):
    out = _json(ws, "senco", "--as-of", AS_OF, "--view", "detail", "--la", "Middlesbrough")
    assert [r["urn"] for r in out["data"]] == [113, 114, 115, 117, 118]
    assert all("name" not in r for r in out["data"])
    assert out["metadata"]["filters"] == {"la": "Middlesbrough"}
    assert "person-level" in out["metadata"]["suppression"]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_every_format(ws, fmt):
    r = run(ws, "senco", "--as-of", AS_OF, "--by", "region", "--format", fmt)
    text = r.stdout
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(text)))
        assert rows[0]["region_code"] == "E12000001" and rows[0]["total"] == "18"
        assert "# as_of: 2026-06-01" in r.stderr
    elif fmt == "json":
        assert json.loads(text)["data"][0]["schools"] == 18
    elif fmt == "markdown":
        assert text.startswith("## SENCO award audit as of 2026-06-01, by region")
        assert "- as_of: 2026-06-01" in text and "| E12000001 | North East | 18 | 18 |" in text
    else:
        assert "as_of: 2026-06-01" in text and "North East" in text


def test_output_file_with_sidecar(ws, tmp_path):
    target = tmp_path / "senco.csv"
    run(ws, "senco", "--as-of", AS_OF, "--format", "csv", "--output", str(target))
    meta = json.loads(target.with_suffix(".meta.json").read_text())
    assert meta["metadata"]["as_of"] == AS_OF and target.read_text().startswith("area,schools,total")


def test_sensory_pd_capacity_deadlines(ws):
    s = _json(ws, "sensory", "--as-of", AS_OF, "--no-suppress")
    vi = {r["need"]: r for r in s["data"]}["VI"]
    assert (vi["posts"], vi["unqualified"], vi["pct_without_mq"]) == (3, 1, 66.7)
    p = _json(ws, "pd", "--as-of", AS_OF, "--no-suppress")
    assert p["data"] == [
        {"area": "England", "posts": 4, "no_relevant_qualification": 2, "pct_no_relevant_qualification": 50.0}
    ]
    assert "not non-compliance" in p["metadata"]["rule"]
    c = _json(ws, "capacity", "--as-of", AS_OF, "--la", "Hartlepool", "--need", "HI")
    assert c["data"][0]["new_la_code"] == "E06000001"
    assert (c["data"][0]["qualified_posts"], c["data"][0]["pupils_per_fte"]) == ("c", "c")
    assert "EHC plans" in c["metadata"]["pupils"]
    d = _json(ws, "deadlines", "--as-of", AS_OF, "--within", "6m")
    assert sorted(r["person_id"] for r in d["data"]) == ["H_BOUND", "P_DL", "P_N01"]
    la = _json(ws, "deadlines", "--as-of", AS_OF, "--by", "la")
    assert la["data"][0]["due"] == "c" and la["metadata"]["suppression"].startswith("counts from 1")


def test_user_errors(ws):
    r = CliRunner().invoke(main, ["-w", ws, "audit", "senco", "--region", "Atlantis"])
    assert r.exit_code != 0 and "no schools match region 'Atlantis'" in r.stderr
    r = CliRunner().invoke(main, ["-w", ws, "audit", "deadlines", "--within", "soon"])
    assert r.exit_code != 0 and "--within" in r.stderr
