"""Deadlines: who must qualify by when, from the SENCO and sensory fixtures (dates worked by hand)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from graphmodel.errors import SendgraphError
from loaders import ingest
from queries.audits.deadlines import deadlines
from tests.test_senco_audit import senco_tables
from tests.test_sensory_audit import LOAD_DAY, sensory_tables

AS_OF = dt.date(2026, 6, 1)


@pytest.fixture
def store(workspace, bundle_writer):
    ingest.load(
        workspace,
        [(bundle_writer(senco_tables()), "auto"), (bundle_writer(sensory_tables()), "auto")],
        today=LOAD_DAY,
    )
    return workspace


def _who(frame: pd.DataFrame) -> list[str]:
    return sorted(frame["person_id"])


def test_six_months(store):
    d = deadlines(store, as_of=AS_OF, within="6m")  # horizon 2026-12-01
    # P_N01: NASENCO started 1 Sep 2024 does not count, deadline 2026-09-01; P_DL and H_BOUND: today
    assert _who(d) == ["H_BOUND", "P_DL", "P_N01"]
    dl = d.set_index("person_id")
    assert dl.loc["P_DL", "days_left"] == 0 and dl.loc["P_DL", "studying"]
    assert dl.loc["P_N01", "days_left"] == 92 and dl.loc["P_N01", "qualification"] == "NPQ_SENCO"
    assert (dl.loc["H_BOUND", "duty"], dl.loc["H_BOUND", "qualification"]) == ("sensory MQ", "MQ_HI")
    assert dl.loc["H_BOUND", "school_name"] == "Synthetic Primary 202"


@pytest.mark.parametrize(
    "within,who",
    [
        ("90d", ["H_BOUND", "P_DL"]),
        ("7m", ["H_BOUND", "P_12M", "P_DL", "P_N01", "V_NEW"]),  # horizon 2027-01-01 inclusive
        ("1y", ["H_BOUND", "P_12M", "P_DL", "P_N01", "V_NEW"]),  # P_ON / P_AFTER are due 2028
    ],
)
def test_horizons(store, within, who):
    assert _who(deadlines(store, as_of=AS_OF, within=within)) == who


def test_studying_mq_and_nasenco_route(store):
    d = deadlines(store, as_of=AS_OF, within="7m").set_index("person_id")
    assert d.loc["V_NEW", "studying"] and d.loc["V_NEW", "deadline"] == pd.Timestamp("2027-01-01")
    late = deadlines(store, as_of=dt.date(2027, 8, 1), within="6m").set_index("person_id")
    assert late.loc["P_ON", "qualification"] == "NPQ_SENCO or NASENCO"
    assert late.loc["P_ON", "nasenco_by"] == pd.Timestamp("2027-09-01")


def test_include_overdue(store):
    d = deadlines(store, as_of=AS_OF, within="6m", include_overdue=True)
    assert _who(d) == ["H_BOUND", "H_WRONG", "P_DL", "P_EARLY", "P_N01", "P_S01", "V_OLD"]
    assert d.set_index("person_id").loc["V_OLD", "days_left"] == -1247  # 2023-01-01 to 2026-06-01


def test_by_la(store):
    d = deadlines(store, as_of=AS_OF, within="6m", by="la")
    assert d[["new_la_code", "due", "senco_award", "sensory_mq", "studying"]].values.tolist() == [
        ["E06000001", 3, 2, 1, 1]
    ]
    assert d["earliest_deadline"].tolist() == [pd.Timestamp("2026-06-01")]


def test_bad_within(store):
    with pytest.raises(SendgraphError, match="--within"):
        deadlines(store, as_of=AS_OF, within="soon")
