"""Capacity against need: qualified sensory FTE against pupils, by hand and on the real DfE EHC file."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from loaders import ingest
from queries.audits.capacity import SHIPPED_LABEL, capacity_against_need
from tests.test_sensory_audit import HARTLEPOOL, LOAD_DAY, MIDDLESBROUGH, sensory_tables

EHC_FILE = "dfe_ehcp_2025_sen_needs_all_plans.csv"  # vendored in tests/fixtures/public
AS_OF = dt.date(2026, 6, 1)
REAL_TOTALS = {"VI": 5280, "HI": 8765, "MSI": 1692}


def _needs(rows: dict[str, dict[str, int]]) -> list[dict]:
    return [
        {"la_code": la, "need": n, "year": 202425, "pupils": v}
        for la, d in rows.items()
        for n, v in d.items()
    ]


@pytest.fixture
def store(workspace, bundle_writer):
    tables = sensory_tables()
    # Real 2024/25 counts for these two LAs (the DfE file's first rows).
    tables["la_needs"] = _needs(
        {HARTLEPOOL: {"VI": 10, "HI": 10, "MSI": 1}, MIDDLESBROUGH: {"VI": 15, "HI": 27, "MSI": 8}}
    )
    ingest.load(workspace, [(bundle_writer(tables), "auto")], today=LOAD_DAY)
    return workspace


def _cell(frame: pd.DataFrame, code: str, need: str, key: str = "new_la_code") -> pd.Series:
    rows = frame[(frame[key] == code) & (frame["need"] == need)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_la_capacity_by_hand(store):
    c = capacity_against_need(store, as_of=AS_OF, level="la")
    assert len(c) == 3 * 153
    # Hartlepool VI: V_Q qualified 1.0 FTE (V_NEW within allowance and V_OLD unqualified don't count)
    h_vi = _cell(c, HARTLEPOOL, "VI")
    assert (h_vi["pupils"], h_vi["qualified_fte"], h_vi["qualified_posts"], h_vi["pupils_per_fte"]) == (
        10,
        1.0,
        1,
        10.0,
    )
    assert h_vi["rank"] == 2 and not h_vi["no_qualified_fte"]
    # Hartlepool HI: H_Q at 0.5 FTE -> 10 / 0.5 = 20 pupils per FTE
    assert _cell(c, HARTLEPOOL, "HI")["pupils_per_fte"] == 20.0
    # Middlesbrough MSI: M_Q has no FTE recorded -> counted as 1.0
    assert _cell(c, MIDDLESBROUGH, "MSI")["pupils_per_fte"] == 8.0
    # LAs with pupils and no qualified FTE rank first
    m_vi = _cell(c, MIDDLESBROUGH, "VI")
    assert m_vi["no_qualified_fte"] and pd.isna(m_vi["pupils_per_fte"]) and m_vi["rank"] == 1
    assert _cell(c, HARTLEPOOL, "MSI")["rank"] == 1 and _cell(c, MIDDLESBROUGH, "MSI")["rank"] == 2
    assert (h_vi["time_period"], h_vi["region_code"], h_vi["la_name"], h_vi["old_la_code"]) == (
        202425,
        "E12000001",
        "Hartlepool",
        805,
    )
    assert list(c["need"].unique()) == ["VI", "HI", "MSI"]


def test_region_capacity_sums_las(store):
    c = capacity_against_need(store, as_of=AS_OF, level="region")
    assert len(c) == 3 * 9
    ne = _cell(c, "E12000001", "HI", key="region_code")
    # North East HI: 10 + 27 pupils over 0.5 FTE
    assert (ne["pupils"], ne["qualified_fte"], ne["pupils_per_fte"]) == (37, 0.5, 74.0)
    assert ne["geographic_level"] == "Regional" and "LAs summed" in ne["pupils_source"]


def test_school_level_counts_win_when_loaded(workspace, bundle_writer):
    tables = sensory_tables()
    tables["school_needs"] = [
        {"urn": 201, "need": "VI", "year": 202425, "pupils": 6},
        {"urn": 202, "need": "HI", "year": 202425, "pupils": 4},
    ]
    ingest.load(workspace, [(bundle_writer(tables), "auto")], today=LOAD_DAY)
    c = capacity_against_need(workspace, as_of=AS_OF)
    assert _cell(c, HARTLEPOOL, "VI")["pupils_per_fte"] == 6.0
    assert _cell(c, HARTLEPOOL, "HI")["pupils_per_fte"] == 8.0
    assert pd.isna(_cell(c, MIDDLESBROUGH, "VI")["pupils"])
    assert c["pupils_source"].str.startswith("school_needs").all()


@pytest.mark.slow
def test_real_ehc_file_all_153_las(workspace, public_file):
    ingest.load(workspace, [(public_file(EHC_FILE), "auto")])
    c = capacity_against_need(workspace, as_of=AS_OF, level="la")
    for need, total in REAL_TOTALS.items():
        part = c[c["need"] == need]
        assert len(part) == 153 and part["new_la_code"].nunique() == 153
        assert int(part["pupils"].sum()) == total
        assert part["no_qualified_fte"].all() and sorted(part["rank"]) == list(range(1, 154))
    assert set(c["time_period"]) == {202425}
    # no staff: ranked by pupils, so the LA with most VI pupils is first
    vi = c[c["need"] == "VI"]
    assert vi.iloc[0]["pupils"] == vi["pupils"].max()
    r = capacity_against_need(workspace, as_of=AS_OF, level="region")
    for need, total in REAL_TOTALS.items():
        part = r[r["need"] == need]
        assert len(part) == 9 and int(part["pupils"].sum()) == total
    assert not r["pupils_source"].str.contains("summed").any()  # DfE regional rows were loaded


def test_shipped_ehc_counts_when_workspace_has_none(workspace):
    c = capacity_against_need(workspace, as_of=AS_OF)
    assert (c["pupils_source"] == SHIPPED_LABEL).all()
    assert {n: int(c.loc[c["need"] == n, "pupils"].sum()) for n in REAL_TOTALS} == REAL_TOTALS
