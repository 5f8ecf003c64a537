"""Benchmark: validate + load a generated bundle into the embedded workspace, then reopen it.

    python bench/load.py --scale national            # generates the bundle first (sendgraph generate)
    python bench/load.py --bundle path/to/bundle     # an existing bundle

Prints rows, seconds, rows/s and peak RSS for the load, an idempotent re-load and a reopen (reading
every table back). Each step runs in its own process so each peak RSS is that step's alone.
Targets (issue 2): national bundle loads in <= 30 s and reopens in <= 3 s in <= 4 GB on 2 cores.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEP = r"""
import json, resource, sys, time
from pathlib import Path
from loaders import ingest
from graphmodel.workspace import Workspace
step, ws_path, bundle = sys.argv[1], sys.argv[2], sys.argv[3]
t = time.perf_counter()
ws = Workspace(ws_path)
if step == "reopen":
    rows = sum(len(ws.table(n)) for n in ws.schema.tables)
else:
    report, _ = ingest.load(ws, [(Path(bundle), "auto")])
    rows = sum(report.incoming.values())
secs = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"step": step, "rows": rows, "seconds": secs, "peak_rss_mb": rss}))
"""


def run_step(step: str, ws: Path, bundle: Path) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", STEP, step, str(ws), str(bundle)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bundle", type=Path)
    ap.add_argument("--scale", default="national", choices=["la", "region", "national"])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="sendgraph-bench-"))
    bundle = args.bundle
    if bundle is None:
        bundle = tmp / "bundle"
        t = time.perf_counter()
        subprocess.run(
            [
                "sendgraph",
                "generate",
                "--scale",
                args.scale,
                "--seed",
                str(args.seed),
                "--output",
                str(bundle),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"generated {args.scale} bundle in {time.perf_counter() - t:.1f}s")
    size = sum(p.stat().st_size for p in bundle.glob("*.csv"))
    print(f"bundle: {bundle} ({size / 1e6:.0f} MB of CSV); machine: {os.cpu_count()} cores")
    ws = tmp / "workspace"
    print(f"{'step':<10} {'rows':>10} {'seconds':>8} {'rows/s':>10} {'peak RSS':>9}")
    for step in ("load", "reload", "reopen"):
        r = run_step(step, ws, bundle)
        print(
            f"{step:<10} {r['rows']:>10,} {r['seconds']:>8.1f} {r['rows'] / r['seconds']:>10,.0f} "
            f"{r['peak_rss_mb']:>7,.0f}MB"
        )
    disk = sum(p.stat().st_size for p in ws.rglob("*.parquet"))
    print(f"workspace on disk: {disk / 1e6:.0f} MB")
    if not args.keep:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
