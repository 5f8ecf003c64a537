"""Kill drill (issue 9): a load killed with SIGKILL at random moments, many times. The workspace is
always exactly the old graph or exactly the new one, never a mix, and the next command works.

SENDGRAPH_KILL_DRILLS sets how many kills (default 6, to keep CI fast; run 100 by hand)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from graphmodel.workspace import Workspace
from loaders import ingest
from loaders.synthetic import generate

KILLS = int(os.environ.get("SENDGRAPH_KILL_DRILLS", "6"))


def snapshot(path: Path) -> dict[str, pd.DataFrame]:
    ws = Workspace(path)
    return {name: ws.table(name) for name in ws.schema.tables}


def same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> bool:
    return all(a[n].reset_index(drop=True).equals(b[n].reset_index(drop=True)) for n in a)


def load_cmd(ws: Path, bundle: Path) -> list[str]:
    return [sys.executable, "-m", "sendgraph.cli", "-w", str(ws), "load", str(bundle)]


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_old_or_new_never_a_mix(tmp_path):
    old_bundle, new_bundle = tmp_path / "old", tmp_path / "new"
    generate("la", 1, old_bundle, la="Darlington")
    generate("la", 2, new_bundle, la="Hartlepool")
    base = tmp_path / "base"
    ingest.load(Workspace(base), [(old_bundle, "auto")])
    old = snapshot(base)
    done = tmp_path / "done"
    shutil.copytree(base, done)
    t = time.perf_counter()
    subprocess.run(load_cmd(done, new_bundle), check=True, capture_output=True)
    duration = time.perf_counter() - t
    new = snapshot(done)
    assert not same(old, new)

    rng = random.Random(20261123)
    seen = {"old": 0, "new": 0}
    for i in range(KILLS):
        ws = tmp_path / f"ws{i}"
        shutil.copytree(base, ws)
        proc = subprocess.Popen(
            load_cmd(ws, new_bundle), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait(30)
        now = snapshot(ws)
        if same(now, old):
            seen["old"] += 1
        else:
            assert same(now, new), f"kill {i}: the workspace is neither the old nor the new graph"
            seen["new"] += 1
        # the next command works, and re-running the load finishes it
        info = subprocess.run(
            [sys.executable, "-m", "sendgraph.cli", "-w", str(ws), "info"], capture_output=True, text=True
        )
        assert info.returncode == 0, info.stderr
        subprocess.run(load_cmd(ws, new_bundle), check=True, capture_output=True)
        assert same(snapshot(ws), new)
        assert not [p for p in ws.iterdir() if p.name.startswith((".tmp-", ".CURRENT."))]
        shutil.rmtree(ws)
    assert seen["old"] + seen["new"] == KILLS
