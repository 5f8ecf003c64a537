"""Benchmark: progression analyses (issue 6) at national scale on the embedded workspace.

    python bench/routes.py                          # generate + load a national bundle, then time
    python bench/routes.py --workspace WS           # an already loaded workspace
    python bench/routes.py --bundle DIR             # load an existing bundle first

Times each analysis cold (fresh Workspace: Parquet reads included) and warm (best of --repeat with
tables already read, as in a notebook or server session), with output rows, posts per second and
peak RSS. Target (issue 6): observed transitions and pipeline <= 10 s on 2 cores. Then times
``sendgraph pathways --from ITT --to QTVI`` as a new process, as a user runs it (issue 16 target:
<= 5 s, imports and Parquet reads included), best of --repeat.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

from _common import national_workspace, parser, time_cold_warm

from graphmodel.workspace import Workspace
from queries.careers.bottlenecks import bottlenecks
from queries.careers.courses import course_timing
from queries.careers.next_steps import next_steps
from queries.careers.pathways import pathway_leavers, pathways
from queries.careers.pipeline import pipeline
from queries.careers.routes import routes
from queries.careers.transitions import (
    compare_with_reference,
    dead_ends,
    direct_to_specialist,
    observed_transitions,
)

TARGET_SECONDS = 10.0
PROCESS_TARGET_SECONDS = 5.0
ROOT = Path(__file__).resolve().parent.parent
TARGETED = {"observed_transitions", "pipeline(la)", "pipeline(region)"}


def analyses(as_of: dt.date, person: str) -> dict:
    return {
        "observed_transitions": observed_transitions,
        "direct_to_specialist": direct_to_specialist,
        "dead_ends": dead_ends,
        "compare_with_reference": compare_with_reference,
        "pipeline(la)": lambda s: pipeline(s, as_of=as_of, level="la"),
        "pipeline(region)": lambda s: pipeline(s, as_of=as_of, level="region"),
        "routes(ITT->QTVI)": lambda s: routes(s, as_of=as_of, source="ITT", target="QTVI"),
        "bottlenecks": bottlenecks,
        f"next_steps({person})": lambda s: next_steps(s, as_of=as_of, person_id=person, target="QTVI"),
        "pathways(ITT->QTVI)": lambda s: pathways(s, source="ITT", target="QTVI", as_of=as_of),
        "pathways(ITT->SENCO)": lambda s: pathways(s, source="ITT", target="SENCO", as_of=as_of),
        "leavers(ITT->QTVI)": lambda s: pathway_leavers(s, source="ITT", target="QTVI", as_of=as_of),
        "course_timing": lambda s: course_timing(s, as_of=as_of),
    }


def time_process(ws_path: Path, as_of: dt.date, repeat: int) -> float:
    """Best wall-clock seconds of ``sendgraph pathways --from ITT --to QTVI`` as a new process."""
    cmd = [sys.executable, "-m", "sendgraph.cli", "-w", str(ws_path), "pathways", "--from", "ITT"]
    cmd += ["--to", "QTVI", "--as-of", as_of.isoformat(), "--format", "csv"]
    best = float("inf")
    for _ in range(max(repeat, 1)):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, cwd=ROOT, stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t)
    return best


def main() -> None:
    ap = parser(__doc__, seed=1, repeat=2)
    args = ap.parse_args()
    as_of = args.as_of
    ws_path = national_workspace(args, "routes")
    store = Workspace(ws_path)
    counts = store.counts()
    posts = counts["posts"] + counts["service_posts"]
    person = str(store.table("posts")["person_id"].iloc[len(store.table("posts")) // 2])
    print(
        f"workspace: {ws_path}; schools {counts['schools']:,}, people {counts['people']:,}, "
        f"posts {counts['posts']:,} + service posts {counts['service_posts']:,}; "
        f"machine: {os.cpu_count()} cores; as of {as_of}"
    )
    print(f"{'analysis':<26} {'rows':>8} {'cold s':>7} {'warm s':>7} {'posts/s':>11} {'peak RSS':>9}")
    for name, run in analyses(as_of, person).items():
        timing = time_cold_warm(ws_path, store, run, args.repeat)
        out, cold, best, rss = timing.out, timing.cold, timing.warm, timing.peak_rss_mb
        flag = "  > 10 s target" if name in TARGETED and cold > TARGET_SECONDS else ""
        print(
            f"{name:<26} {len(out):>8,} {cold:>7.2f} {best:>7.2f} {posts / best:>11,.0f} {rss:>7,.0f}MB{flag}"
        )
    seconds = time_process(ws_path, as_of, args.repeat)
    flag = f"  > {PROCESS_TARGET_SECONDS:.0f} s target" if seconds > PROCESS_TARGET_SECONDS else ""
    print(
        f"new process: sendgraph pathways --from ITT --to QTVI  {seconds:.2f} s (best of {args.repeat}){flag}"
    )


if __name__ == "__main__":
    main()
