"""Run every benchmark and write ``bench/results.md`` (issue 9).

    python bench/run_all.py                 # about 10-15 minutes on 2 cores
    python bench/run_all.py --quick         # LA and region only, for a smoke run

Steps: generate bundles at LA, region and national scale; load each into a fresh embedded
workspace, re-load it (idempotent) and reopen it; fit how cost grows with rows (the exponent of
time ~ rows^k across the three scales); then run each analysis benchmark (audits, participation,
routes), the maps benchmark and the FalkorDB load benchmark against the national workspace, and
copy what each printed into the results file. Every figure comes from this machine, this run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from generate import run as generate  # noqa: E402  (bench/generate.py: one scale in its own process)
from load import run_step  # noqa: E402  (bench/load.py: one load step in its own process)


def exponent(points: list[tuple[float, float]]) -> float:
    """Least-squares slope of log(seconds) against log(rows)."""
    xs = [math.log(r) for r, _ in points]
    ys = [math.log(max(s, 1e-3)) for _, s in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def _script(name: str, *args: str, timeout: int = 1800) -> str:
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(HERE / name), *args], capture_output=True, text=True, timeout=timeout
    )
    took = time.perf_counter() - t
    text = proc.stdout.strip()
    if proc.returncode != 0:
        text += f"\n(exit {proc.returncode})\n{proc.stderr.strip()[-2000:]}"
    return f"```\n$ python bench/{name} {' '.join(args)}   # {took:.0f}s\n{text}\n```\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="LA and region only")
    ap.add_argument("--out", type=Path, default=HERE / "results.md")
    args = ap.parse_args()
    scales = ["la", "region"] if args.quick else ["la", "region", "national"]
    tmp = Path(tempfile.mkdtemp(prefix="sendgraph-bench-all-"))
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run_all.py` on {dt.date.today().isoformat()}: {os.cpu_count()} cores, "
        f"{mem:.0f} GiB RAM, Python {platform.python_version()}, {platform.machine()}. Synthetic bundles, "
        "seed 42. Targets are from issues 2-9.",
        "",
        "## Generation, load, re-load and reopen by scale",
        "",
        "| scale | rows | CSV MB | generate s | load s | load rows/s | load peak RSS MB | re-load s "
        "| reopen s | reopen peak RSS MB |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    gen_pts, load_pts, reopen_pts = [], [], []
    for scale in scales:
        bundle, ws = tmp / f"{scale}-bundle", tmp / f"{scale}-ws"
        print(f"generating and loading {scale} ...", flush=True)
        g = generate(scale, bundle)
        load = run_step("load", ws, bundle)
        reload = run_step("reload", ws, bundle)
        reopen = run_step("reopen", ws, bundle)
        lines.append(
            f"| {scale} | {g['rows']:,} | {g['bytes'] / 1e6:,.0f} | {g['seconds']:.1f} "
            f"| {load['seconds']:.1f} "
            f"| {load['rows'] / load['seconds']:,.0f} | {load['peak_rss_mb']:,.0f} | {reload['seconds']:.1f} "
            f"| {reopen['seconds']:.2f} | {reopen['peak_rss_mb']:,.0f} |"
        )
        gen_pts.append((g["rows"], g["seconds"]))
        load_pts.append((load["rows"], load["seconds"]))
        reopen_pts.append((reopen["rows"], reopen["seconds"]))
    lines += [
        "",
        f"Growth with rows (time ~ rows^k, least squares over {', '.join(scales)}): "
        f"generate k = {exponent(gen_pts):.2f}, load k = {exponent(load_pts):.2f}, "
        f"reopen k = {exponent(reopen_pts):.2f}.",
        "",
    ]
    biggest = scales[-1]
    ws = str(tmp / f"{biggest}-ws")
    lines += [f"## Analyses on the {biggest} workspace", ""]
    for name in ("audits.py", "participation.py", "routes.py"):
        print(f"running {name} ...", flush=True)
        lines += [f"### {name}", "", _script(name, "--workspace", ws)]
    print("running maps.py ...", flush=True)
    lines += ["## Maps", "", _script("maps.py")]
    lines += ["## Matching hand-typed school names to URNs", "", _script("match.py", "--sample", "5000")]
    print("running server_load.py ...", flush=True)
    lines += [
        "## FalkorDB server load and queries (region scale)",
        "",
        _script("server_load.py", "--scale", "region"),
    ]
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
