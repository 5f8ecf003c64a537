"""Benchmark: each qualification audit at national scale on the embedded workspace.

    python bench/audits.py                          # generate + load a national bundle, then time
    python bench/audits.py --workspace WS           # an already loaded workspace
    python bench/audits.py --bundle DIR             # load an existing bundle first

Times (best of --repeat runs, with the workspace's tables already read, as in a server or notebook
session; the first "cold" run including Parquet reads is printed too), output rows, rows/s and peak
RSS. Target (issue 4): <= 2 s per audit on the embedded store on 2 cores.
"""

from __future__ import annotations

import datetime as dt
import os

from _common import national_workspace, parser, time_cold_warm

from graphmodel.workspace import Workspace
from queries.audits.capacity import capacity_against_need
from queries.audits.deadlines import deadlines
from queries.audits.pd import pd_audit, pd_summary
from queries.audits.senco import senco_audit, senco_summary
from queries.audits.sensory import sensory_audit, sensory_summary


def audits(as_of: dt.date) -> dict:
    return {
        "senco_audit": lambda s: senco_audit(s, as_of=as_of),
        "senco_summary(la)": lambda s: senco_summary(senco_audit(s, as_of=as_of), "la"),
        "sensory_audit": lambda s: sensory_audit(s, as_of=as_of),
        "sensory_summary(la)": lambda s: sensory_summary(sensory_audit(s, as_of=as_of), "la"),
        "pd_audit": lambda s: pd_summary(pd_audit(s, as_of=as_of), "region"),
        "capacity(la)": lambda s: capacity_against_need(s, as_of=as_of, level="la"),
        "capacity(region)": lambda s: capacity_against_need(s, as_of=as_of, level="region"),
        "deadlines(6m, school)": lambda s: deadlines(s, as_of=as_of, within="6m"),
        "deadlines(1y, la)": lambda s: deadlines(s, as_of=as_of, within="1y", by="la"),
    }


def main() -> None:
    ap = parser(__doc__, seed=1, repeat=3)
    args = ap.parse_args()
    as_of = args.as_of
    ws_path = national_workspace(args, "audits")
    store = Workspace(ws_path)
    counts = store.counts()
    print(
        f"workspace: {ws_path}; schools {counts['schools']:,}, people {counts['people']:,}, "
        f"posts {counts['posts']:,}, qualifications {counts['person_qualifications']:,}; "
        f"machine: {os.cpu_count()} cores; as of {as_of}"
    )
    print(f"{'audit':<24} {'rows':>8} {'cold s':>7} {'warm s':>7} {'in rows/s':>11} {'peak RSS':>9}")
    for name, run in audits(as_of).items():
        timing = time_cold_warm(ws_path, store, run, args.repeat)
        out, cold, best, rss = timing.out, timing.cold, timing.warm, timing.peak_rss_mb
        flag = "" if best <= 2.0 else "  > 2 s target"
        print(
            f"{name:<24} {len(out):>8,} {cold:>7.2f} {best:>7.2f} {counts['posts'] / best:>11,.0f} "
            f"{rss:>7,.0f}MB{flag}"
        )


if __name__ == "__main__":
    main()
