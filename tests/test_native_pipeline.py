"""The native ``pipeline`` (queries/native/pipeline.py) gives the embedded answer on a generated region.

Why these cases: the native version counts most people in Cypher from the career columns a load
stores, and the exceptions (people whose awards, courses or other posts change their answer, and
people whose moves depend on ``as_of``) by the embedded rules on their own rows. Each part can go
wrong on its own: an ``as_of`` before the newest posts makes ``career_check`` people (their stored
moves do not hold, so the feeder steps must be recomputed for them), both levels group people
differently (a person counts once per LA, once per region), and the place filters pick rows of the
result. The thresholds cross the wire as whole days (:func:`ready_days`), which must round exactly
as the embedded float comparison does. A graph loaded before the columns existed is refused with
the command that fixes it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import falkordb_server as fk
import numpy as np
import pandas as pd
import pytest

from graphmodel.careers import DAYS_PER_YEAR
from graphmodel.errors import SendgraphError
from loaders import ingest
from queries.careers.pipeline import pipeline
from queries.context import Filters
from queries.native.pipeline import ready_days

pytestmark = pytest.mark.server
falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store

LATE = dt.date(2025, 9, 1)
EARLY = dt.date(2022, 3, 15)


@pytest.fixture(scope="module")
def ne_server(falkordb_server, north_east):
    """The session's generated North East, loaded into a FalkorDB graph of its own."""
    from graphmodel.server.falkordb_store import FalkorStore

    store = FalkorStore(falkordb_server.url, f"pipe_{uuid.uuid4().hex[:10]}")
    bundle = Path(north_east.path).parent / "bundle"
    ingest.load(store, [(bundle, "auto")], today=dt.date(2025, 9, 1))
    yield store
    store._graph.delete()


@pytest.mark.parametrize("as_of", [LATE, EARLY], ids=str)
@pytest.mark.parametrize("level", ["la", "region"])
def test_native_pipeline_equals_embedded(north_east, ne_server, level, as_of):
    want = pipeline(north_east, as_of=as_of, level=level)
    got = pipeline(ne_server, as_of=as_of, level=level)
    pd.testing.assert_frame_equal(got, want)
    # real answers: every people count has someone in it somewhere
    columns = ["teachers_not_senco", "likely_senco", "likely_sensory"]
    columns += ["senco_in_training"] if as_of == LATE else []  # no one studies for it yet in 2022
    for column in columns:
        assert want[column].sum() > 0, column


def test_early_as_of_has_people_whose_moves_are_recomputed(north_east):
    """The EARLY case above exercises the career_check path: people whose stored moves do not hold."""
    posts = north_east.table("posts")
    late = posts.loc[posts["career_check"] > pd.Timestamp(EARLY), "person_id"].nunique()
    assert late > 100


@pytest.mark.parametrize(
    "filters", [Filters(la="Gateshead"), Filters(region="North East"), Filters(la="E06000001")], ids=repr
)
def test_native_pipeline_filters(north_east, ne_server, filters):
    want = pipeline(north_east, as_of=LATE, filters=filters)
    got = pipeline(ne_server, as_of=LATE, filters=filters)
    assert len(want) >= 1
    pd.testing.assert_frame_equal(got, want)


def test_ready_days_round_as_the_embedded_comparison():
    rng = np.random.default_rng(7)
    thresholds = [*rng.uniform(0, 12, 500), 0.0, 1.0, 1.582478, 365 / DAYS_PER_YEAR, 730.5 / DAYS_PER_YEAR]
    for t in thresholds:
        n = ready_days(float(t))
        assert n / DAYS_PER_YEAR >= t - 1e-9, t
        assert n == 0 or (n - 1) / DAYS_PER_YEAR < t - 1e-9, t


def test_a_graph_without_career_columns_is_refused(falkor_store, bundle_writer):
    from career_fixture import TABLES

    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto")])
    falkor_store._graph.query("MATCH (:Person)-[r:WORKS_AT]->(:School) SET r.spell_start = NULL")
    with pytest.raises(SendgraphError, match="server load --replace"):
        pipeline(falkor_store, as_of=LATE)
