"""publish(): small-number suppression that holds against an attacker's arithmetic, DfE leading
columns, and the one metadata shape (docs/publishing.md)."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from click.testing import CliRunner

from graphmodel.errors import SendgraphError
from queries.audits import senco, sensory
from queries.networks import participation
from queries.publish import Publishes, dfe_time_period, publish, suppression_mask
from sendgraph.cli import main

AS_OF = dt.date(2025, 9, 1)
SPEC = Publishes(
    counts=("total", "a", "b", "c"), rates={"pct_a": ("a", "total")}, totals={"total": ("a", "b", "c")}
)


def _table() -> pd.DataFrame:
    # two LAs of one region; row 1 has one small cell (a=2), row 2 has none
    return pd.DataFrame(
        {
            "region_code": ["E12000001", "E12000001"],
            "la_code": ["E06000001", "E06000002"],
            "total": [30, 40],
            "a": [2, 10],
            "b": [8, 12],
            "c": [20, 18],
            "pct_a": [6.7, 25.0],
        }
    )


def test_secondary_suppression_worked_by_hand():
    # primary: (0, a). Row 0 then has one hidden cell -> smallest other part b=8 hidden.
    # Column a (region group) has one hidden -> row 1's a=10 hidden; column b likewise -> row 1's b=12.
    # Row 1 now has a and b hidden (two): stable.
    mask = suppression_mask(_table(), SPEC, threshold=4)
    assert mask.to_dict("list") == {
        "total": [False, False],
        "a": [True, True],
        "b": [True, True],
        "c": [False, False],
    }
    out = publish(_table(), SPEC, title="t", source="s", as_of=AS_OF).frame
    assert out["pct_a"].tolist() == ["c", "c"]  # a rate goes with its hidden count
    assert out["c"].tolist() == [20, 18] and out["total"].tolist() == [30, 40]


def test_zero_is_shown_and_a_lone_row_keeps_its_numbers():
    frame = pd.DataFrame({"phase": ["Primary"], "total": [5], "a": [0], "b": [5], "c": [0], "pct_a": [0.0]})
    out = publish(frame, SPEC, title="t", source="s").frame
    assert out.iloc[0][["total", "a", "b", "c"]].tolist() == [5, 0, 5, 0]


def test_threshold_below_zero_is_refused_and_zero_says_not_for_publication():
    with pytest.raises(SendgraphError, match="threshold"):
        publish(_table(), SPEC, title="t", source="s", threshold=-1)
    out = publish(_table(), SPEC, title="t", source="s", threshold=0)
    assert out.frame["a"].tolist() == [2, 10]
    assert "do not publish" in out.metadata["suppression"]


def test_la_and_region_tables_get_the_dfe_leading_columns():
    out = publish(_table(), SPEC, title="t", source="s", as_of=AS_OF).frame
    assert list(out.columns[:8]) == [
        "time_period",
        "geographic_level",
        "country_code",
        "region_code",
        "region_name",
        "new_la_code",
        "old_la_code",
        "la_name",
    ]
    assert out.iloc[0][
        ["time_period", "geographic_level", "old_la_code", "la_name", "region_name"]
    ].tolist() == [
        202526,
        "Local authority",
        805,
        "Hartlepool",
        "North East",
    ]
    region = publish(_table().drop(columns="la_code").head(1), SPEC, title="t", source="s", as_of=AS_OF).frame
    assert list(region.columns[:5]) == LEADING_REGION and region["geographic_level"].iloc[0] == "Regional"
    assert dfe_time_period(dt.date(2025, 8, 31)) == 202425


LEADING_REGION = ["time_period", "geographic_level", "country_code", "region_code", "region_name"]


def test_json_and_sidecar_share_one_metadata_shape(tmp_path):
    from sendgraph.output import render, write

    result = publish(_table(), SPEC, title="t", source="s", as_of=AS_OF)
    doc = json.loads(render(result, "json"))
    write(result, "csv", tmp_path / "x.csv", lambda *a, **k: None)
    sidecar = json.loads((tmp_path / "x.meta.json").read_text())
    assert sidecar == {k: doc[k] for k in ("title", "metadata")}
    assert set(doc["metadata"]) >= {"as_of", "filters", "source", "suppression"}


# --- the attacker: every linear recovery on real command outputs --------------------------------


@pytest.fixture(scope="module")
def region_ws(north_east) -> str:
    return str(north_east.path)  # the session's generated North East (conftest.py)


def _data(ws: str, *args: str) -> pd.DataFrame:
    res = CliRunner().invoke(main, ["-w", ws, *args, "--as-of", AS_OF.isoformat(), "--format", "json"])
    assert res.exit_code == 0, res.output
    return pd.DataFrame(json.loads(res.stdout)["data"])


def _attack(la: pd.DataFrame, region: pd.DataFrame, spec: Publishes, categories: list[str]) -> list[str]:
    """Every cell an attacker can work out as total minus the others, by row and by column."""
    found = []
    for i, row in la.iterrows():  # by row: a declared total minus its other parts
        for total, parts in spec.totals.items():
            cells = [row[p] for p in parts]
            if row[total] != "c" and cells.count("c") == 1:
                found.append(f"row {i}: {total} minus the others")
    keys = ["region_code", *categories]
    for key, group in la.groupby(keys):  # by column: the region's published figure minus the LAs'
        key = key if isinstance(key, tuple) else (key,)
        match = region
        for k, v in zip(keys, key, strict=True):
            match = match[match[k] == v]
        for col in spec.counts:
            if col not in group or match.empty or match.iloc[0][col] == "c":
                continue
            if list(group[col]).count("c") == 1:
                found.append(f"{key} {col}: region total minus the other LAs")
    return found


@pytest.mark.parametrize(
    ("command", "spec", "categories", "primary_leaks"),
    [
        (["audit", "senco"], senco.PUBLISHES, [], True),
        (["audit", "sensory"], sensory.PUBLISHES, ["need"], None),
    ],
)
def test_no_suppressed_cell_can_be_recovered(region_ws, command, spec, categories, primary_leaks):
    """``primary_leaks``: whether primary suppression alone must leak here (the attacker's power).
    The senco audit's ~1,000 posts always give a row or column with one small cell; the sensory
    audit's ~50 posts in the North East are nearly all small, so whether primary suppression alone
    leaks there depends on the generator's draw (None: not asserted; issue 16's MQ timing changed
    which cells are small)."""
    la = _data(region_ws, *command, "--by", "la")
    region = _data(region_ws, *command, "--by", "region")
    assert (la == "c").any().any(), "the region must have small numbers for this test to mean anything"
    assert _attack(la, region, spec, categories) == []
    if primary_leaks is None:
        return
    # and without secondary suppression the same attack succeeds (the test can see a leak)
    raw = _data(region_ws, *command, "--by", "la", "--no-suppress")
    primary = raw.copy()
    for col in spec.counts:
        small = pd.to_numeric(primary[col]).between(1, 4)
        primary[col] = primary[col].astype(object).where(~small, "c")
    assert _attack(primary, region, spec, categories) != []


def _ladder_attack(la: pd.DataFrame) -> list[str]:
    """Every rung count an attacker can work out from one LA's ladder rows: ``schools`` minus the other
    rungs, a difference of two "at or above" figures, or the next rung's ``reached_rung_below``."""
    found = []
    for code, rows in la.groupby("new_la_code"):
        rows = rows.sort_values("rung").reset_index(drop=True)
        at, above, below = rows["schools_at_rung"], rows["schools_at_or_above"], rows["reached_rung_below"]
        relations = [[rows["schools"].iloc[0], *at]]  # schools = the sum of the rungs
        relations += [[above[r], at[r], above[r + 1]] for r in range(len(rows) - 1)]  # running sums
        relations += [[above[len(rows) - 1], at[len(rows) - 1]]]
        relations += [[below[r + 1], above[r]] for r in range(len(rows) - 1)]  # copied from the rung below
        found += [f"{code}: {cells}" for cells in relations if list(cells).count("c") == 1]
    return found


def test_no_rung_of_the_participation_ladder_can_be_recovered(region_ws):
    la = _data(region_ws, "participation", "--by", "la")
    region = _data(region_ws, "participation", "--by", "region")
    assert (la["schools_at_rung"] == "c").any(), (
        "the region must have small rungs for this test to mean anything"
    )
    assert _ladder_attack(la) == []
    assert _attack(la, region, participation.SUMMARY, ["rung"]) == []
    # with primary suppression alone, a lone small rung is schools minus the other rungs
    raw = _data(region_ws, "participation", "--by", "la", "--no-suppress")
    primary = raw.copy()
    for col in participation.SUMMARY.counts:
        small = pd.to_numeric(primary[col]).between(1, 4)
        primary[col] = primary[col].astype(object).where(~small, "c")
    assert _ladder_attack(primary) != []


def test_capacity_filters_inside_the_query(region_ws):
    frame = _data(region_ws, "audit", "capacity", "--la", "Darlington")
    assert set(frame["la_name"]) == {"Darlington"} and sorted(frame["need"]) == ["HI", "MSI", "VI"]
    national = _data(region_ws, "audit", "capacity")
    ranks = national[national["la_name"] == "Darlington"].set_index("need")["rank"]
    assert frame.set_index("need")["rank"].to_dict() == ranks.to_dict()  # ranks stay national


def test_pipeline_la_filter(region_ws):
    frame = _data(region_ws, "pipeline", "--la", "Darlington")
    assert frame["new_la_code"].tolist() == ["E06000005"]
