"""Every analysis command takes --as-of and the shared filters and passes them down (issue 12):
``routes``, ``next-steps``, ``figures`` and ``bottlenecks`` on the hand-built careers
(career_fixture.py: S1, S2, S4 in Hartlepool, North East; S3 in Manchester, North West; one
North East provider of the MQ_VI). A filter either changes the answer or is refused with a clear
error; none is ignored."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from career_fixture import TABLES
from click.testing import CliRunner
from conftest import write_bundle

from graphmodel.workspace import Workspace
from loaders import ingest
from sendgraph.cli import main

NE_CENTRE = "North East MQ centre"


@pytest.fixture(scope="module")
def ws(tmp_path_factory) -> str:
    root = tmp_path_factory.mktemp("filters")
    ingest.load(Workspace(root / "ws"), [(write_bundle(root / "bundle", TABLES), "auto")])
    return str(root / "ws")


def run(ws: str, *args: str):
    return CliRunner().invoke(main, ["-w", ws, *args, "--as-of", "2025-01-01"])


def csv(ws: str, *args: str) -> pd.DataFrame:
    res = run(ws, *args, "--format", "csv")
    assert res.exit_code == 0, res.output
    return pd.read_csv(io.StringIO(res.stdout), dtype=str, keep_default_na=False)


def test_routes_region_narrows_the_providers_and_other_filters_are_refused(ws):
    # with no region every provider is listed; with one, the national ones and those in it
    every = csv(ws, "routes", "--from", "CT", "--to", "QTVI", "--limit", "1")
    north_west = csv(ws, "routes", "--from", "CT", "--to", "QTVI", "--limit", "1", "--region", "North West")
    assert NE_CENTRE in " ".join(every["providers"])
    assert NE_CENTRE not in " ".join(north_west["providers"])
    assert every["qualification"].tolist() == north_west["qualification"].tolist()
    res = run(ws, "routes", "--from", "CT", "--to", "QTVI", "--la", "Hartlepool")
    assert res.exit_code == 1
    assert "--la cannot apply to reference routes" in res.stderr and "only --region applies" in res.stderr


def test_next_steps_region_picks_the_providers_instead_of_the_persons_region(ws):
    # P08 works at S3 in Manchester (North West): the North East centre is not listed by default
    own = csv(ws, "next-steps", "--person", "P08", "--target", "QTVI")
    north_east = csv(ws, "next-steps", "--person", "P08", "--target", "QTVI", "--region", "E12000001")
    assert own["item"].tolist() == north_east["item"].tolist() == ["CLASS_TEACHER", "MQ_VI"]
    assert NE_CENTRE not in " ".join(own["providers"])
    assert NE_CENTRE in " ".join(north_east["providers"])
    res = run(ws, "next-steps", "--person", "P08", "--target", "QTVI", "--phase", "Primary")
    assert res.exit_code == 1 and "--phase cannot apply to one person's next steps" in res.stderr


def test_figures_filters_narrow_every_base(ws):
    every = csv(ws, "figures", "--no-suppress").set_index("figure")
    north_west = csv(ws, "figures", "--region", "North West", "--no-suppress").set_index("figure")
    primary = csv(ws, "figures", "--phase", "Primary", "--no-suppress").set_index("figure")
    # current SENCOs on 2025-01-01: P01 (S1), P02 (S3, Manchester), P03 (S4); P06 and P11 moved on
    assert every.loc["senco_on_slt", "denominator"] == "3"
    assert north_west.loc["senco_on_slt", "denominator"] == "1"  # P02 only
    assert primary.loc["senco_on_slt", "denominator"] == "2"  # P01 at S1, P02 at S3
    # schools in operation: four; in the North West one (S3)
    assert every.loc["schools_not_networking", "denominator"] == "4"
    assert north_west.loc["schools_not_networking", "denominator"] == "1"
    # the sensory service SV1 is in Hartlepool: its specialists are out of a North West scope
    assert int(every.loc["sensory_specialists_no_sensory_qualification", "denominator"]) > 0
    assert north_west.loc["sensory_specialists_no_sensory_qualification", "denominator"] == "0"


def test_bottlenecks_filters_apply_to_the_observed_view_and_the_reference_view_refuses_them(ws):
    every = csv(ws, "bottlenecks", "--view", "observed", "--no-suppress")
    hartlepool = csv(ws, "bottlenecks", "--view", "observed", "--no-suppress", "--la", "Hartlepool")
    assert not every.equals(hartlepool)
    res = run(ws, "bottlenecks", "--region", "North East")
    assert res.exit_code == 1
    assert "cannot apply to bottlenecks on reference routes" in res.stderr
