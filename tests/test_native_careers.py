"""The career analyses' native versions (``queries/native/careers.py``) read only the people an answer
is about, never a whole person-level table.

Why: nationally ``posts`` is 2.6M rows, ``person_qualifications`` 915k and ``attendance`` 553k; pulling
any of them whole takes minutes on a server (issue 14). The differential test proves the narrowed
answers equal the embedded ones; these prove the narrowing is there (the reads a user would see with
``--show-cypher``) and that the compact dates the reads return come back as the same dates.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest
from click.testing import CliRunner

from queries.native.careers import _dates, compact_pull
from sendgraph.cli import main

WHOLE = re.compile(r"MATCH \(a:Person\)-\[r:(WORKS_AT|WORKS_IN|HOLDS|STUDYING|ATTENDED)\]->\(b:\w+\) RETURN")


@pytest.mark.parametrize(
    "command",
    [
        ["pathways", "--from", "ITT", "--to", "QTVI"],
        ["pathways", "--from", "ITT", "--to", "SENCO", "--view", "steps"],
        ["pathways", "--from", "ITT", "--to", "QTVI", "--view", "no-start"],
        ["course-timing"],
        ["next-steps", "--person", "P08", "--target", "SENCO"],
        ["bottlenecks", "--view", "observed"],
    ],
    ids=" ".join,
)
def test_career_commands_read_only_their_people(careers_ws, command):
    result = CliRunner().invoke(
        main, ["-w", careers_ws, *command, "--as-of", "2025-01-01", "--show-cypher"], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    script = result.output
    assert script.startswith("// statement 1 of ")
    assert not WHOLE.search(script), "a career command pulls a whole person-level table"
    assert "MATCH (n:Person) RETURN" not in script
    assert "MATCH (n:CPDActivity) RETURN" not in script


def test_dates_travel_as_integers_and_come_back_the_same():
    text = compact_pull("posts", "a.person_id IN $people", ["person_id", "start_date", "end_date"])
    assert "r.start_date.year * 10000 + r.start_date.month * 100 + r.start_date.day AS start_date" in text
    got = _dates([20240229, None, 19991231, 18000101, 20260101])
    want = pd.Series(pd.to_datetime(["2024-02-29", None, "1999-12-31", "1800-01-01", "2026-01-01"])).astype(
        "datetime64[ns]"
    )
    pd.testing.assert_series_equal(got, want)


def test_integers_that_are_no_date_come_back_blank():
    # what pd.to_datetime(errors="coerce") made of them: no 29 February 2023, no month 13, no day 0
    got = _dates([20230229, 20251301, 20250100, 20250431, 20250430])
    assert got.isna().tolist() == [True, True, True, True, False]
    assert got.iloc[4] == pd.Timestamp("2025-04-30")
