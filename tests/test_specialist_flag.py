"""The ``specialist`` flag on people (schema.toml ``derived = "specialist"``, graphmodel/specialists.py)
and the natives that start from it (queries/native/_specialists.py).

The flag must always equal a fresh recomputation from the stored posts, on the embedded workspace
and on FalkorDB alike (after a first load, after loads of posts only and of people only; a failed
load leaves it as it was; a re-run load changes nothing). A native starts from it only when every
role it asks for is in :data:`SPECIALIST_ROLES` and the graph stores it; otherwise it scans, and
the answer is the same either way.
"""

from __future__ import annotations

import csv
import datetime as dt
from importlib import resources

import falkordb_server as fk
import pandas as pd
import pytest
from derived_checks import assert_a_failed_load_keeps
from derived_checks import assert_fresh as _assert_fresh
from derived_checks import sorted_table as _sorted

from graphmodel.derived import DERIVERS
from graphmodel.errors import SendgraphError
from graphmodel.specialists import FLAG, SPECIALIST_CATEGORIES, SPECIALIST_ROLES, is_specialist_set
from loaders import ingest
from queries.native import _specialists
from queries.native import careers as native_careers
from queries.native import figures as native_figures
from queries.native import senco_audit as native_senco
from queries.native import sensory as native_sensory
from queries.native import transitions as native_transitions

falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store
careers_graph = fk.careers_graph

SPEC = DERIVERS["specialist"]
AS_OF = dt.date(2025, 1, 1)
FLAGGED = {"P01", "P02", "P03", "P04", "P06", "P07", "P10", "P11"}
"""The career fixture's people with a school post in a specialist role (P09 and P13: in a service only)."""


def assert_fresh(store) -> None:
    """The stored flags equal a recomputation from the stored posts, and none is blank."""
    _assert_fresh(store, SPEC, [FLAG])


def _flagged(store) -> set[str]:
    people = store.table("people")
    return set(people.loc[people[FLAG].fillna(False).to_numpy(bool), "person_id"].astype(str))


def test_the_roles_are_the_shipped_catalogues_specialist_categories():
    text = resources.files("graphmodel").joinpath("data/catalogue/roles.csv").read_text()
    rows = list(csv.DictReader(text.splitlines()))
    assert SPECIALIST_ROLES == {r["code"] for r in rows if r["category"] in SPECIALIST_CATEGORIES}
    assert {r["code"] for r in rows if r["need"]} <= SPECIALIST_ROLES  # every role with a need


def test_the_guard_takes_only_sets_inside_the_constant():
    assert is_specialist_set(["SENCO"])
    assert is_specialist_set(["SENCO", "QTVI_TEACHER", "PD_SPECIALIST"])
    assert not is_specialist_set(["SENCO", "HEAD"])
    assert not is_specialist_set(["SENSORY_TA"])
    assert not is_specialist_set([])


STEPS = [
    ({"posts": [{"person_id": "P05", "urn": 100001, "role": "SENCO", "start_date": "2024-09-01"}]}, "P05"),
    ({"people": [{"person_id": "P14"}]}, None),  # a new person, no post: False
    (
        {
            "people": [{"person_id": "P15"}],
            "posts": [
                {"person_id": "P15", "urn": 100002, "role": "QTHI_TEACHER", "start_date": "2020-09-01"}
            ],
        },
        "P15",
    ),
    ({"posts": [{"person_id": "P08", "urn": 100003, "role": "HEAD", "start_date": "2024-09-01"}]}, None),
]


def _load_steps(store, bundle_writer) -> None:
    from career_fixture import TABLES

    ingest.load(store, [(bundle_writer(TABLES), "auto")])
    assert_fresh(store)
    assert _flagged(store) == FLAGGED
    flagged = set(FLAGGED)
    for step, person in STEPS:
        report, _notes = ingest.load(store, [(bundle_writer(step), "auto")])
        flagged |= {person} if person else set()
        assert_fresh(store)
        assert _flagged(store) == flagged, step
        assert report.rederived.get("people", 0) == (1 if person or "people" in step else 0), report
    again, _notes = ingest.load(store, [(bundle_writer(STEPS[0][0]), "auto")])
    assert again.unchanged


def test_embedded_flags_follow_every_load(workspace, bundle_writer):
    _load_steps(workspace, bundle_writer)


def test_falkordb_flags_follow_every_load_and_match_embedded(workspace, falkor_store, bundle_writer):
    _load_steps(falkor_store, bundle_writer)
    _load_steps(workspace, bundle_writer)
    pd.testing.assert_frame_equal(_sorted(falkor_store, "people"), _sorted(workspace, "people"))


def test_a_failed_server_load_changes_no_flag(falkor_store, bundle_writer, monkeypatch):
    from career_fixture import TABLES

    first, second = bundle_writer(TABLES), bundle_writer(STEPS[0][0])
    before = assert_a_failed_load_keeps(falkor_store, SPEC, first, second, monkeypatch)
    assert not before["people"].set_index("person_id").loc["P05", FLAG]


def test_the_server_has_the_node_index(falkor_store, bundle_writer):
    from career_fixture import TABLES

    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto")])
    _c, rows = falkor_store.run_read("CALL db.indexes()", {})
    assert any(r[0] == "Person" and FLAG in r[1] for r in rows), rows
    plan = falkor_store._graph.explain(native_senco.POSTS.indexed.text, native_senco.POSTS.indexed.parameters)
    assert "Node By Index Scan" in str(plan), plan


class Recording:
    """``store`` recording each statement it is asked to run (as ``--show-cypher`` does)."""

    def __init__(self, store):
        self._store, self.texts = store, []

    def __getattr__(self, name):
        return getattr(self._store, name)

    def run_read(self, query, params=None, types=None):
        self.texts.append(query)
        return self._store.run_read(query, params, types)

    def typed_query(self, name, query, params=None):
        self.texts.append(query)
        return self._store.typed_query(name, query, params)


SCANS = {
    read.scan.for_dialect("falkordb")
    for read in (
        native_senco.POSTS,
        native_senco.WITH_SPECIALISTS,
        native_sensory.POSTS,
        native_sensory.PD_POSTS,
        native_figures.POSTS,
        native_careers.POSTS_OF_ROLE_HOLDERS,
    )
} | {native_transitions.SPECIALIST_SPELLS[0].text}
"""The scan forms of every read that may start from the flag."""


def _answers(store) -> dict[str, pd.DataFrame]:
    """What the natives that start from specialists' posts answer on ``store``."""
    roles = native_sensory.sensory_roles(store)
    senco, sensory = native_senco.with_specialists(store, AS_OF, roles)
    return {
        "senco_audit": native_senco.senco_audit_native(store, as_of=AS_OF),
        "sensory_audit": native_sensory.sensory_audit_native(store, as_of=AS_OF),
        "pd_audit": native_sensory.pd_audit_native(store, as_of=AS_OF),
        "figures": native_figures.survey_figures_native(store, as_of=AS_OF),
        "with_specialists.senco": senco,
        "with_specialists.sensory": sensory,
        "steps": native_careers.pathway_steps(store, source="ITT", target="SENCO", as_of=AS_OF),
        "bottlenecks": native_careers.observed_bottlenecks_native(store, as_of=AS_OF),
        "direct": native_transitions.direct_to_specialist_native(store, as_of=AS_OF),
    }


def _assert_same(left: dict[str, pd.DataFrame], right: dict[str, pd.DataFrame]) -> None:
    assert left.keys() == right.keys()
    for name in left:
        pd.testing.assert_frame_equal(left[name], right[name], obj=name)


def test_natives_start_from_the_flag_and_answer_as_the_embedded_rules(careers_graph, careers_ws):
    from graphmodel.workspace import Workspace

    recording = Recording(careers_graph)
    on_server = _answers(recording)
    assert any(_specialists.INDEXED in t for t in recording.texts)
    assert not set(recording.texts) & SCANS, "a specialist read scanned"
    embedded = Workspace(careers_ws)
    assert all(len(on_server[n]) for n in ("senco_audit", "steps", "bottlenecks", "direct"))
    from queries.audits.senco import senco_audit
    from queries.audits.sensory import sensory_audit
    from queries.careers.pathways import pathway_steps
    from queries.careers.transitions import direct_to_specialist

    pd.testing.assert_frame_equal(on_server["senco_audit"], senco_audit.embedded(embedded, as_of=AS_OF))
    pd.testing.assert_frame_equal(on_server["sensory_audit"], sensory_audit.embedded(embedded, as_of=AS_OF))
    pd.testing.assert_frame_equal(
        on_server["steps"], pathway_steps.embedded(embedded, source="ITT", target="SENCO", as_of=AS_OF)
    )
    pd.testing.assert_frame_equal(on_server["direct"], direct_to_specialist.embedded(embedded, as_of=AS_OF))


def test_a_graph_without_the_flag_scans_and_answers_the_same(careers_graph):
    """A graph loaded before the flag existed: one person is asked, and every read scans (starting
    from the flag would find no one: the answer would silently change)."""
    flagged = _answers(careers_graph)
    careers_graph.run_write(f"MATCH (n:Person) SET n.{FLAG} = NULL", {})
    careers_graph._cache.clear()
    recording = Recording(careers_graph)
    assert not _specialists.flag_stored(recording)
    old = _answers(recording)
    assert not any(_specialists.INDEXED in t for t in recording.texts)
    assert set(recording.texts) & SCANS
    _assert_same(old, flagged)


def test_a_posts_load_into_a_graph_without_the_flag_is_refused(careers_graph, bundle_writer):
    careers_graph.run_write(f"MATCH (n:Person) SET n.{FLAG} = NULL", {})
    careers_graph._cache.clear()
    before = _sorted(careers_graph, "posts")
    with pytest.raises(SendgraphError, match="server load --replace"):
        ingest.load(careers_graph, [(bundle_writer(STEPS[0][0]), "auto")])
    careers_graph._cache.clear()
    pd.testing.assert_frame_equal(_sorted(careers_graph, "posts"), before)


def test_a_role_outside_the_constant_is_scanned(falkor_store, bundle_writer):
    """A bundle's own catalogue adds a role with a sensory need: the sensory audit asks for it, so it
    scans (its holder is not flagged: the flag would miss their post), and counts the post."""
    from career_fixture import TABLES

    extra = {
        "roles": [
            {
                "code": "SENSORY_TA",
                "name": "Sensory teaching assistant",
                "category": "support",
                "need": "VI",
                "teacher": "false",
            }
        ],
        "posts": [{"person_id": "P05", "urn": 100002, "role": "SENSORY_TA", "start_date": "2020-09-01"}],
    }
    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto"), (bundle_writer(extra), "auto")])
    assert "SENSORY_TA" in native_sensory.sensory_roles(falkor_store)
    assert "P05" not in _flagged(falkor_store)
    recording = Recording(falkor_store)
    view = native_sensory.sensory_view(recording, AS_OF)
    posts = view.table("posts")
    assert "P05" in set(posts["person_id"].astype(str))
    assert not any(_specialists.INDEXED in t for t in recording.texts)
    indexed = native_sensory.POSTS.indexed.for_dialect("falkordb")
    params = {"roles": native_sensory.sensory_roles(falkor_store), "as_of": AS_OF.isoformat()}
    assert "P05" not in set(falkor_store.typed_query("posts", indexed, params)["person_id"].astype(str))


def test_the_ddl_and_the_neo4j_admin_script_make_the_node_index():
    from graphmodel.schema import load_schema
    from graphmodel.server.dialect import FALKORDB, NEO4J

    schema = load_schema()
    assert ("Person", FLAG) in NEO4J.indexed_node_properties(schema)
    assert f"CREATE INDEX FOR (n:Person) ON (n.{FLAG})" in FALKORDB.property_index_ddl(schema)
    neo4j = f"CREATE INDEX person_{FLAG} IF NOT EXISTS FOR (n:Person) ON (n.{FLAG})"
    assert neo4j in NEO4J.property_index_ddl(schema)
    assert all(key not in NEO4J.indexed_node_properties(schema) for key in NEO4J.keyed_labels(schema))
