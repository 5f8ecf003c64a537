"""The career columns stored at load time (schema.toml ``derived = "careers"``, graphmodel/derived.py).

They must always equal a fresh recomputation from the posts as stored: after a first load, after
loads that add or end some people's posts (the server recomputes exactly those people), on the
embedded workspace and on FalkorDB alike; a failed load leaves them as they were, a re-run load
changes nothing, and a bundle cannot set them.
"""

from __future__ import annotations

import falkordb_server as fk
import pandas as pd
import pytest
from derived_checks import assert_a_failed_load_keeps
from derived_checks import assert_fresh as _assert_fresh
from derived_checks import sorted_table as _sorted

from graphmodel.derived import DERIVERS
from graphmodel.errors import SendgraphError
from loaders import ingest

falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store

CAREERS = DERIVERS["careers"]


def assert_fresh(store) -> None:
    """The stored derived columns equal a recomputation from the stored input columns."""
    _assert_fresh(store, CAREERS, ["career_check"])


def _post(person, urn, role, start, end=""):
    return {"person_id": person, "urn": urn, "role": role, "start_date": start, "end_date": end}


# P02 gets a new school post as an SEN teacher at S4, P01's SENCO post ends, P13 (a service post
# only) gets a school post: so the service post's move must be recomputed though no service post
# was loaded
MORE_POSTS = [
    _post("P02", 100004, "SENCO", "2023-09-01"),
    _post("P01", 100001, "SENCO", "2018-09-01", "2024-08-31"),
    _post("P13", 100002, "ECT", "2018-09-01", "2020-08-31"),
]


def _load_steps(store, bundle_writer) -> None:
    from career_fixture import TABLES

    ingest.load(store, [(bundle_writer(TABLES), "auto")])
    assert_fresh(store)
    first = _sorted(store, "posts")
    p11 = first[first["person_id"] == "P11"].set_index(["role", "start_date"])
    # P11: CT (two schools, one spell) -> SENCO -> back to CT after two years: a return
    back = p11.loc[("CLASS_TEACHER", pd.Timestamp("2016-09-01"))]
    assert back["move_from"] == "SENCO" and bool(back["spell_first"])
    same_spell = p11.loc[("CLASS_TEACHER", pd.Timestamp("2012-10-01"))]
    assert not bool(same_spell["spell_first"]) and pd.isna(same_spell["move_from"])
    assert same_spell["spell_start"] == pd.Timestamp("2010-09-01")

    report, _notes = ingest.load(store, [(bundle_writer({"posts": MORE_POSTS}), "auto")])
    assert report.added.get("posts") == 2 and report.changed.get("posts") == 1
    assert report.rederived.get("service_posts", 0) >= 1  # P13's service post: entered from ECT now
    assert_fresh(store)
    spost = _sorted(store, "service_posts")
    assert spost.loc[spost["person_id"] == "P13", "move_from"].tolist() == ["ECT"]

    again, _notes = ingest.load(store, [(bundle_writer({"posts": MORE_POSTS}), "auto")])
    assert again.unchanged
    assert_fresh(store)


def test_embedded_columns_follow_every_load(workspace, bundle_writer):
    _load_steps(workspace, bundle_writer)


def test_falkordb_columns_follow_every_load_and_match_embedded(workspace, falkor_store, bundle_writer):
    _load_steps(falkor_store, bundle_writer)
    _load_steps(workspace, bundle_writer)
    for t in CAREERS.tables:
        pd.testing.assert_frame_equal(_sorted(falkor_store, t), _sorted(workspace, t), obj=t)


def test_a_failed_server_load_changes_no_column(falkor_store, bundle_writer, monkeypatch):
    from career_fixture import TABLES

    first, second = bundle_writer(TABLES), bundle_writer({"posts": MORE_POSTS})
    assert_a_failed_load_keeps(falkor_store, CAREERS, first, second, monkeypatch)


def test_a_bundle_cannot_set_derived_columns(workspace, bundle_writer):
    from career_fixture import TABLES

    rows = [{**r, "move_from": "HEAD", "move_days": 1, "spell_first": "false"} for r in TABLES["posts"]]
    ingest.load(workspace, [(bundle_writer({**TABLES, "posts": rows}), "auto")])
    assert "HEAD" not in set(workspace.table("posts")["move_from"].dropna())
    assert_fresh(workspace)


def test_templates_and_dictionary_mark_derived_columns(tmp_path):
    from graphmodel.docs import data_dictionary, write_templates

    write_templates(tmp_path)
    header = (tmp_path / "posts.csv").read_text(encoding="utf-8").strip().split(",")
    assert "move_from" not in header and "start_date" in header
    assert "*derived* (careers)" in data_dictionary()


VIEWS = ("observed_transitions", "direct_to_specialist", "dead_ends", "compare_with_reference")


@pytest.mark.parametrize("parts", [1, 3])
@pytest.mark.parametrize("as_of", [None, "2016-01-01", "2025-01-01"])
def test_native_transitions_give_the_embedded_answer(
    workspace, falkor_store, bundle_writer, monkeypatch, as_of, parts
):
    """All four views, with and without a place filter, on a date before some careers started (their
    people are rechecked by the embedded rules) and after all of them; the school posts' grouped scan
    in one part and in three (the default two run in the differential test): the parts add up."""
    import datetime as dt

    from career_fixture import TABLES

    from queries.careers import transitions
    from queries.context import Filters
    from queries.native import transitions as native

    monkeypatch.setattr(native, "SPELL_PARTS", parts)

    path = bundle_writer(TABLES)
    ingest.load(workspace, [(path, "auto")])
    ingest.load(falkor_store, [(path, "auto")])
    day = dt.date.fromisoformat(as_of) if as_of else None
    _grouped, recheck = native._spells(falkor_store, day)
    assert bool(recheck) == (as_of == "2016-01-01")
    for filters in (Filters(), Filters(la="Hartlepool")):
        for name in VIEWS:
            func = getattr(transitions, name)
            expected = func(workspace, as_of=day, filters=filters)
            got = func(falkor_store, as_of=day, filters=filters)
            assert len(expected), (name, filters)
            pd.testing.assert_frame_equal(got, expected, obj=f"{name} {filters}")


def test_native_transitions_refuse_a_graph_loaded_without_the_columns(falkor_store, bundle_writer):
    from career_fixture import TABLES

    from queries.careers.transitions import observed_transitions

    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto")])
    falkor_store.run_write("MATCH ()-[r:WORKS_AT]->() SET r.career_check = NULL, r.spell_first = NULL", {})
    with pytest.raises(SendgraphError, match="server load --replace"):
        observed_transitions(falkor_store)


def test_a_load_into_a_graph_from_before_the_newest_column_is_refused(falkor_store, bundle_writer):
    """A graph loaded before ``spell_day`` joined the career columns has the others filled: adding to
    it would give ``spell_day`` to the touched people only, and the pipeline's counts (which judge a
    graph by one row) would drop everyone else. The set's marker column is looked for: refused."""
    from career_fixture import TABLES

    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto")])
    falkor_store.run_write("MATCH ()-[r:WORKS_AT]->() SET r.spell_day = NULL", {})  # as 291c50c left it
    falkor_store.run_write("MATCH ()-[r:WORKS_IN]->() SET r.spell_day = NULL", {})
    falkor_store._cache.clear()
    before = _sorted(falkor_store, "posts")
    assert before["spell_start"].notna().all()  # the other career columns are there
    with pytest.raises(SendgraphError, match="spell_day.*server load --replace"):
        ingest.load(falkor_store, [(bundle_writer({"posts": MORE_POSTS}), "auto")])
    falkor_store._cache.clear()
    pd.testing.assert_frame_equal(_sorted(falkor_store, "posts"), before)


def test_a_load_into_a_graph_from_before_the_columns_is_refused(falkor_store, bundle_writer):
    """Adding to a graph an older sendgraph loaded would fill the columns of the touched people only,
    and the natives (which judge a graph by one row) would count everyone else wrongly: refused."""
    from career_fixture import TABLES

    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto")])
    careers = ", ".join(f"r.{c} = NULL" for c in falkor_store.schema.table("posts").derived_columns)
    falkor_store.run_write(f"MATCH ()-[r:WORKS_AT]->() SET {careers}", {})  # as an older version left it
    falkor_store._cache.clear()
    before = _sorted(falkor_store, "posts")
    with pytest.raises(SendgraphError, match="server load --replace"):
        ingest.load(falkor_store, [(bundle_writer({"posts": MORE_POSTS}), "auto")])
    falkor_store._cache.clear()
    pd.testing.assert_frame_equal(_sorted(falkor_store, "posts"), before)
