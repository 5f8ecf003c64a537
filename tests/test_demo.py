"""The demo end to end at LA scale: files exist and their numbers agree with the bundle."""

from __future__ import annotations

import pandas as pd

from sendgraph.demo import DEMO_STEPS, run_demo


def test_demo_writes_every_file_and_the_numbers_agree(tmp_path):
    messages: list[str] = []
    report = run_demo(
        tmp_path / "demo", seed=3, region=None, progress=messages.append, scale="la", la="Darlington"
    )
    out = tmp_path / "demo"
    for name in ("graph_counts", "survey_figures"):
        for suffix in (".csv", ".md", ".meta.json"):
            assert (out / "tables" / f"{name}{suffix}").exists()
    assert (out / "workspace" / "CURRENT").exists()
    for name in ("senco_audit_by_la", "sensory_audit_by_la", "pd_specialists_by_la", "capacity_against_need"):
        assert (out / "tables" / f"{name}.csv").exists(), name
    for name in (
        "region_participation",
        "region_senco_audit",
        "audit_senco",
        "audit_sensory",
        "network_wss",
        "routes",
    ):
        html = (out / "maps" / f"{name}.html").read_text(encoding="utf-8")
        assert "<canvas" in html or "vis-network" in html, name
    # the SENCO audit table counts every school the survey figures count as mainstream-or-with-a-SENCO
    senco = pd.read_csv(out / "tables" / "senco_audit_by_la.csv", dtype=str)
    assert senco["la_name"].tolist() == ["Darlington"]
    assert "DfE" not in senco.columns  # tidy table, metadata in the sidecar
    capacity = pd.read_csv(out / "tables" / "capacity_against_need.csv", dtype=str)
    assert set(capacity["new_la_code"]) >= {"E06000005"}
    index = (out / "index.md").read_text()
    assert "tables/survey_figures.csv" in index
    assert [s.name for s in DEMO_STEPS][:2] == ["graph_counts", "survey_figures"]
    # progress names every step and every file written
    assert any("survey_figures" in m for m in messages)
    assert all(any(str(f) in m for m in messages) for f in report.files[:-1])

    bundle_schools = pd.read_csv(out / "bundle" / "schools.csv")
    counts = pd.read_csv(out / "tables" / "graph_counts.csv").set_index("table")["rows"]
    assert counts["schools"] == len(bundle_schools) == report.counts["schools"]
    assert counts["people"] == report.counts["people"]
    figures = pd.read_csv(out / "tables" / "survey_figures.csv").set_index("figure")
    # every school is in the networking base (all are open on the reference date)
    assert int(figures.loc["schools_not_networking", "denominator"]) == len(bundle_schools)
    # the SENCO base is the number of distinct people in current SENCO posts in the bundle
    posts = pd.read_csv(out / "bundle" / "posts.csv")
    current_sencos = posts[(posts["role"] == "SENCO") & posts["end_date"].isna()]["person_id"].nunique()
    assert int(figures.loc["senco_on_slt", "denominator"]) == current_sencos


def test_demo_rerun_replaces_its_workspace(tmp_path):
    first = run_demo(
        tmp_path / "d", seed=1, region=None, progress=lambda m: None, scale="la", la="Hartlepool"
    )
    second = run_demo(
        tmp_path / "d", seed=1, region=None, progress=lambda m: None, scale="la", la="Hartlepool"
    )
    a = pd.read_csv(first.out_dir / "tables" / "graph_counts.csv")
    assert a.equals(pd.read_csv(second.out_dir / "tables" / "graph_counts.csv"))
