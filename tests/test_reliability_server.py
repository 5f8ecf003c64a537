"""Issue 13 on a real FalkorDB server: one load at a time per graph (the LoadRun lease), concurrent
loads at random offsets never duplicating rows, and text with control characters or NUL.

SENDGRAPH_RACE_RUNS sets how many random offsets are tried (default 3)."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphmodel.errors import SendgraphError
from graphmodel.server.base import LoadBusy
from graphmodel.server.falkordb_store import FalkorStore
from graphmodel.workspace import Workspace
from loaders import ingest
from tests.falkordb_server import falkordb_server  # noqa: F401  (fixture)
from tests.test_server_load import assert_same_tables

pytestmark = pytest.mark.server
RUNS = int(os.environ.get("SENDGRAPH_RACE_RUNS", "3"))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    from loaders.synthetic import generate

    out = tmp_path_factory.mktemp("la") / "bundle"
    generate("la", 3, out, la="Darlington")
    return out


def load_proc(url: str, graph: str, bundle: Path) -> subprocess.Popen:
    env = {**os.environ, "SENDGRAPH_BACKEND": "falkordb", "FALKORDB_URL": url, "FALKORDB_GRAPH": graph}
    env["SENDGRAPH_BATCH_SIZE"] = "500"
    return subprocess.Popen(
        [sys.executable, "-m", "sendgraph.cli", "load", str(bundle)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_two_loads_into_one_graph_at_random_offsets_never_duplicate(falkordb_server, bundle, tmp_path):  # noqa: F811
    reference = Workspace(tmp_path / "ref")
    ingest.load(reference, [(bundle, "auto")])
    rng = random.Random(5)
    for i in range(RUNS):
        graph = f"race{i}"
        first = load_proc(falkordb_server.url, graph, bundle)
        time.sleep(rng.uniform(0, 3.0))
        second = load_proc(falkordb_server.url, graph, bundle)
        results = [(p, *p.communicate(timeout=300)) for p in (first, second)]
        for proc, _out, err in results:
            assert "Traceback" not in err, err
            if proc.returncode != 0:
                assert "is being loaded by another sendgraph process" in err, err
        assert any(p.returncode == 0 for p, _o, _e in results)
        store = FalkorStore(falkordb_server.url, graph)
        assert_same_tables(store, reference)  # every table exactly once: nothing doubled
        assert set(store.load_runs()["status"]) == {"complete"}


def test_a_second_load_is_refused_while_the_lease_is_held(falkordb_server, bundle):  # noqa: F811
    holder = FalkorStore(falkordb_server.url, "leased")
    other = FalkorStore(falkordb_server.url, "leased")
    with holder.writing():
        with pytest.raises(LoadBusy, match="is being loaded by another sendgraph process"):
            ingest.load(other, [(bundle, "auto")])
    report, _ = ingest.load(other, [(bundle, "auto")])  # released: now it loads
    assert not report.unchanged


def test_a_stale_lease_is_taken_over_only_when_asked(falkordb_server, bundle, monkeypatch):  # noqa: F811
    dead = FalkorStore(falkordb_server.url, "stale")
    dead._take_lease("deadbeef")  # a load that never finished (its heartbeat then goes old)
    monkeypatch.setenv("SENDGRAPH_LEASE_STALE", "0")
    time.sleep(0.01)
    store = FalkorStore(falkordb_server.url, "stale")
    with pytest.raises(LoadBusy, match="appears to have died.*--take-over"):
        ingest.load(store, [(bundle, "auto")])
    store.take_over = True
    ingest.load(store, [(bundle, "auto")])
    assert store.load_runs()["status"].tolist() == ["complete", "abandoned"]


def test_control_characters_load_into_a_server_and_nul_is_refused_like_embedded(falkordb_server, tmp_path):  # noqa: F811
    d = tmp_path / "b"
    d.mkdir()
    name = "Elm\x1b]0;x\x07\x01\r\n\t\"'\\ Oak"
    (d / "trusts.csv").write_bytes(
        ("trust_id,name\nT1," + '"' + name.replace('"', '""') + '"\n').encode("utf-8")
    )
    store = FalkorStore(falkordb_server.url, "controls")
    ingest.load(store, [(d, "auto")])
    assert (
        FalkorStore(falkordb_server.url, "controls").table("trusts").set_index("trust_id")["name"]["T1"]
        == name
    )
    (d / "trusts.csv").write_bytes(b"trust_id,name\nT2,Ash\x00Trust\n")
    for target in (FalkorStore(falkordb_server.url, "controls"), Workspace(tmp_path / "ws")):
        with pytest.raises(SendgraphError, match=r"trusts.csv, row 2, column 'name': contains a NUL"):
            ingest.load(target, [(d, "auto")])
