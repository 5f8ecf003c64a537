"""What the analysis benchmarks share: their options, a national workspace, cold/warm timing.

Each benchmark times analyses "cold" (a freshly opened workspace, so Parquet reads are included, as
for one CLI call) and "warm" (best of --repeat with tables already read, as in a notebook or server
session), on a national workspace that it generates and loads unless one is given.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from graphmodel.workspace import Workspace
from loaders import ingest


def parser(doc: str, seed: int = 42, repeat: int = 2) -> argparse.ArgumentParser:
    """--workspace, --bundle, --seed, --as-of and --repeat, the same on every analysis benchmark."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workspace", type=Path, help="an already loaded workspace")
    ap.add_argument("--bundle", type=Path, help="load this bundle first (default: generate national)")
    ap.add_argument("--seed", type=int, default=seed)
    ap.add_argument("--as-of", default="2025-09-01", type=dt.date.fromisoformat)
    ap.add_argument("--repeat", type=int, default=repeat)
    return ap


def national_workspace(args: argparse.Namespace, prefix: str) -> Path:
    """``--workspace`` if given; otherwise generate (unless ``--bundle``) and load a national bundle."""
    if args.workspace is not None:
        return args.workspace
    tmp = Path(tempfile.mkdtemp(prefix=f"sendgraph-bench-{prefix}-"))
    bundle = args.bundle
    if bundle is None:
        bundle = tmp / "bundle"
        t = time.perf_counter()
        subprocess.run(
            [
                "sendgraph",
                "generate",
                "--scale",
                "national",
                "--seed",
                str(args.seed),
                "--output",
                str(bundle),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"generated national bundle in {time.perf_counter() - t:.1f}s ({bundle})")
    ws_path = tmp / "workspace"
    t = time.perf_counter()
    ingest.load(Workspace(ws_path), [(bundle, "auto")])
    print(f"loaded into {ws_path} in {time.perf_counter() - t:.1f}s")
    return ws_path


@dataclass
class Timing:
    out: object
    cold: float
    warm: float
    peak_rss_mb: float


def time_cold_warm(
    ws_path: Path, warm_store: Workspace, run: Callable[[Workspace], object], repeat: int
) -> Timing:
    """Run once on a fresh workspace (cold), then best of ``repeat`` on ``warm_store``."""
    fresh = Workspace(ws_path)
    t = time.perf_counter()
    run(fresh)
    cold = time.perf_counter() - t
    best, out = float("inf"), None
    for _ in range(max(repeat, 1)):
        t = time.perf_counter()
        out = run(warm_store)
        best = min(best, time.perf_counter() - t)
    return Timing(out, cold, best, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
