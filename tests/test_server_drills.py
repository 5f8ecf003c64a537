"""Server failure drills (issue 9): an unreachable server, a wrong password, a server stopped in the
middle of a load, and a load killed half-way. Each gives one clear error line and a non-zero exit,
never a traceback or a password; a re-run completes the load with nothing duplicated."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphmodel.server.falkordb_store import FalkorStore
from graphmodel.workspace import Workspace
from loaders import ingest
from tests.falkordb_server import free_port, start_falkordb
from tests.test_server_load import assert_same_tables

pytestmark = pytest.mark.server


def sendgraph(*args: str, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sendgraph.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "SENDGRAPH_BACKEND": "falkordb", **env},
        timeout=timeout,
    )


def assert_clear_error(proc: subprocess.CompletedProcess, says: str) -> None:
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr, proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and says in errors[0], proc.stderr  # one line (after any progress output)


@pytest.fixture(scope="module")
def region_bundle(tmp_path_factory) -> Path:
    from loaders.synthetic import generate

    out = tmp_path_factory.mktemp("la") / "bundle"
    generate("la", 5, out, la="Darlington")
    return out


def test_unreachable_server(tmp_path):
    proc = sendgraph("info", env={"FALKORDB_URL": f"redis://127.0.0.1:{free_port()}"})
    assert_clear_error(proc, "cannot connect to FalkorDB")


def test_wrong_password_is_a_clear_error_that_never_echoes_the_password():
    server = start_falkordb(extra_args=("--requirepass", "right-horse-battery"))
    try:
        bad = f"redis://:wrong-horse@127.0.0.1:{server.port}"
        proc = sendgraph("info", env={"FALKORDB_URL": bad})
        assert_clear_error(proc, "FalkorDB")
        assert "wrong-horse" not in proc.stderr + proc.stdout
        good = f"redis://:right-horse-battery@127.0.0.1:{server.port}"
        assert sendgraph("info", env={"FALKORDB_URL": good}).returncode == 0
    finally:
        server.stop()


def test_server_stopped_in_the_middle_of_a_load(region_bundle):
    server = start_falkordb()
    try:
        env = {"FALKORDB_URL": server.url, "FALKORDB_GRAPH": "drill", "SENDGRAPH_BATCH_SIZE": "200"}
        load = subprocess.Popen(
            [sys.executable, "-m", "sendgraph.cli", "load", str(region_bundle)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "SENDGRAPH_BACKEND": "falkordb", **env},
        )
        _wait_for_nodes(server.url, "drill", load)
        server.stop()
        out, err = load.communicate(timeout=120)
        proc = subprocess.CompletedProcess(load.args, load.returncode, out, err)
        assert_clear_error(proc, "FalkorDB")
    finally:
        server.stop()


def test_load_killed_half_way_then_rerun_completes_with_nothing_duplicated(region_bundle, tmp_path):
    server = start_falkordb()
    try:
        env = {"FALKORDB_URL": server.url, "FALKORDB_GRAPH": "killed", "SENDGRAPH_BATCH_SIZE": "200"}
        load = subprocess.Popen(
            [sys.executable, "-m", "sendgraph.cli", "load", str(region_bundle)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env={**os.environ, "SENDGRAPH_BACKEND": "falkordb", **env},
        )
        _wait_for_nodes(server.url, "killed", load)
        load.send_signal(signal.SIGKILL)
        load.wait(30)
        # its lease outlives it: a plain re-run is refused, naming the way out
        refused = sendgraph("load", str(region_bundle), env=env)
        assert_clear_error(refused, "appears to have died")
        assert "its process is gone" in refused.stderr and "--take-over" in refused.stderr
        rerun = sendgraph("load", "--take-over", str(region_bundle), env=env)
        assert rerun.returncode == 0, rerun.stderr
        store = FalkorStore(server.url, "killed")
        assert store.load_runs()["status"].tolist() == ["complete", "abandoned"]
        workspace = Workspace(tmp_path / "ws")
        ingest.load(workspace, [(region_bundle, "auto")])
        assert_same_tables(store, workspace)
        dupes = store.query_frame(
            "MATCH (a)-[r]->(b) WITH a, b, type(r) AS t, properties(r) AS p, count(*) AS c WHERE c > 1 "
            "RETURN count(*) AS n"
        )
        assert dupes["n"].iloc[0] == 0
    finally:
        server.stop()


def _wait_for_nodes(url: str, graph: str, load: subprocess.Popen, timeout: float = 60) -> None:
    """Return once the load has written some nodes (so the interruption is really mid-load)."""
    store = FalkorStore(url, graph)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert load.poll() is None, "the load finished before it could be interrupted"
        try:
            if store.query_frame("MATCH (n:Person) RETURN count(n) AS n")["n"].iloc[0] > 0:
                return
        except Exception:  # the graph does not exist until the first write
            pass
        time.sleep(0.05)
    raise AssertionError("the load wrote nothing in time")
