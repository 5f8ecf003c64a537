"""The native audits, participation and figures read only the rows their rules use, and the answer
does not depend on how the reads are cut up.

Why: on a national graph the difference between pulling a table and asking for its narrowed rows is
minutes against seconds (617k QTS rows against 30k for the SENCO audit), so a change that quietly
falls back to a whole-table read is a regression a user feels, though every answer stays right.
These tests fail on such a change: they record every statement the analyses send and refuse any
unfiltered or paged read of the per-person tables. They also cut the person-key reads into chunks
of one person, so the chunked path (a national run asks 20k ids a query) gives the embedded answer.
"""

from __future__ import annotations

import datetime as dt

import falkordb_server as fk
import pytest
from test_differential import assert_same

from loaders import ingest
from queries.audits.deadlines import deadlines
from queries.audits.pd import pd_audit
from queries.audits.senco import senco_audit
from queries.audits.sensory import sensory_audit
from queries.networks.participation import participation_summary
from queries.survey_figures import survey_figures

pytestmark = pytest.mark.server
falkordb_server = fk.falkordb_server
falkor_store = fk.falkor_store

CALLS = [
    (senco_audit, {}),
    (sensory_audit, {}),
    (pd_audit, {}),
    (deadlines, {"within": "3y", "include_overdue": True}),
    (participation_summary, {"by": "region"}),
    (survey_figures, {}),
]
PER_PERSON = ("WORKS_AT", "HOLDS", "STUDYING")


@pytest.fixture
def both(workspace, falkor_store, bundle_writer):
    from career_fixture import AS_OF, TABLES

    path = bundle_writer(TABLES)
    ingest.load(workspace, [(path, "auto")])
    ingest.load(falkor_store, [(path, "auto")])
    return workspace, falkor_store, dt.date.fromisoformat(AS_OF)


def test_person_reads_in_chunks_of_one_give_the_embedded_answer(both, monkeypatch):
    workspace, server, as_of = both
    monkeypatch.setattr("queries.native._view.PEOPLE_PER_QUERY", 1)
    server.statements = sent = []
    for analysis, kwargs in CALLS:
        expected = analysis.embedded(workspace, as_of=as_of, **kwargs)
        assert len(expected), analysis.__name__
        assert_same(expected, analysis(server, as_of=as_of, **kwargs), analysis.__name__)
    by_key = [p["people"] for q, p in sent if "a.person_id IN $people" in q]
    assert len(by_key) > 10 and all(len(ids) <= 1 for ids in by_key)


def test_no_per_person_table_is_read_whole_or_in_pages(both):
    workspace, server, as_of = both
    server.statements = sent = []
    for analysis, kwargs in CALLS:
        analysis(server, as_of=as_of, **kwargs)
    reads = [q for q, _p in sent if any(f":{t}]" in q for t in PER_PERSON)]
    assert reads
    for q in reads:
        assert " WHERE " in q, f"whole-table read: {q}"
        assert "$skip" not in q, f"paged scan of a narrowed read: {q}"
        assert "count(" not in q, f"a count only a paged read needs: {q}"
