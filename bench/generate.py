"""Benchmark: synthetic bundle generation per scale (time, files, rows, bytes, peak RSS).

    python bench/generate.py                 # la and region
    python bench/generate.py national        # one scale
    python bench/generate.py la region national

Each scale runs in a fresh subprocess so its peak RSS (``ru_maxrss``) is its own. Target (issue 3):
national in <= 60 s on 2 cores.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

CHILD = """
import json, resource, sys, time
from loaders.synthetic import generate
t0 = time.perf_counter()
r = generate(sys.argv[1], 42, sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t0, "files": len(r.files), "rows": r.rows,
                  "bytes": r.bytes, "people": r.files["people"][0], "schools": r.files["schools"][0],
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run(scale: str, out: str | os.PathLike | None = None) -> dict:
    """Generate ``scale`` (seed 42) in a fresh process; keep the bundle at ``out`` if given."""
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run(
            [sys.executable, "-c", CHILD, scale, os.fspath(out) if out else os.path.join(tmp, "bundle")],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(scales: list[str]) -> None:
    print(f"machine: {os.cpu_count()} cores; python {sys.version.split()[0]}")
    print(
        f"{'scale':<9}{'seconds':>9}{'files':>7}{'rows':>12}{'MB':>9}{'schools':>9}{'people':>10}"
        f"{'rows/s':>11}{'peak RSS MB':>13}"
    )
    for scale in scales:
        t0 = time.perf_counter()
        r = run(scale)
        wall = time.perf_counter() - t0
        print(
            f"{scale:<9}{r['seconds']:>9.1f}{r['files']:>7}{r['rows']:>12,}{r['bytes'] / 1e6:>9.1f}"
            f"{r['schools']:>9,}{r['people']:>10,}{r['rows'] / r['seconds']:>11,.0f}"
            f"{r['peak_rss_mb']:>13,.0f}"
            f"   (wall incl. start-up {wall:.1f}s)"
        )
    print(f"this process peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main(sys.argv[1:] or ["la", "region"])
