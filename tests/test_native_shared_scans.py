"""Reads shared between analyses on a server give each analysis exactly the rows its own read gives.

Why: nationally each scan of the 2.6M posts costs ~3 s of server time, so analyses that run the SENCO
and the sensory audit together (deadlines; pipeline's SENCO and capacity columns) read both audits'
posts in one scan (:func:`queries.native.senco_audit.with_specialists`), and observed bottlenecks
reads its specialists' posts in one scan-and-walk instead of looking 36k people up by key. A wider
read split in pandas is only right if each part is the very rows the narrow read returned: these
tests compare them row for row (the differential test compares the final answers).
"""

from __future__ import annotations

import datetime as dt

import falkordb_server as fk
import pandas as pd
import pytest

from queries.careers.routes import SPECIALIST_CATEGORIES
from queries.native import careers as native_careers
from queries.native import senco_audit as native_senco
from queries.native import sensory as native_sensory

pytestmark = pytest.mark.server
falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store

careers_graph = fk.careers_graph


def _read(store, query, params: dict) -> pd.DataFrame:
    return store.typed_query("posts", query.for_dialect(store.dialect.name), params)


def _inputs(frame: pd.DataFrame, store) -> pd.DataFrame:
    """The columns a load is given (the SENCO audit's own read also returns the derived ones, which
    neither audit reads)."""
    return frame[store.schema.table("posts").input_columns].reset_index(drop=True)


# as_of dates around the fixture's posts: SENCOs current or not, sensory posts started or not
@pytest.mark.parametrize("as_of", ["2019-09-01", "2022-01-01", "2025-01-01"])
def test_one_scan_gives_each_audit_the_posts_of_its_own_read(careers_graph, as_of):
    server = careers_graph
    day = dt.date.fromisoformat(as_of)
    roles = native_sensory.sensory_roles(server)
    senco, sensory = native_senco.with_specialists(server, day, roles)
    for form in ("scan", "indexed"):  # the scan of every post, and the start from Person.specialist
        own_senco = _read(
            server,
            getattr(native_senco.POSTS, form),
            {"senco": "SENCO", "roles": native_senco.ROLES, "as_of": as_of},
        )
        own_sensory = _read(server, getattr(native_sensory.POSTS, form), {"roles": roles, "as_of": as_of})
        if as_of == "2025-01-01":
            assert len(own_senco) and len(own_sensory), "the fixture must give both reads rows"
        pd.testing.assert_frame_equal(_inputs(senco, server), _inputs(own_senco, server))
        pd.testing.assert_frame_equal(_inputs(sensory, server), _inputs(own_sensory, server))


def test_specialists_careers_in_one_walk_equal_their_careers_by_key(careers_graph):
    server = careers_graph
    table = server.table("roles")
    roles = sorted(table.loc[table["category"].isin(SPECIALIST_CATEGORIES), "code"].astype(str))
    day = "2025-01-01"
    walked = native_careers._specialist_careers(server, roles, day)
    people = native_careers._target_people(server, roles, dt.date.fromisoformat(day))
    assert people and len(walked["posts"]) and len(walked["service_posts"])
    by_key = native_careers._career_view(server, people)
    pd.testing.assert_frame_equal(walked["posts"], by_key["posts"])
    started = by_key["service_posts"]["start_date"] <= pd.Timestamp(day)  # what the rules read of them
    pd.testing.assert_frame_equal(
        walked["service_posts"], by_key["service_posts"][started].reset_index(drop=True)
    )
