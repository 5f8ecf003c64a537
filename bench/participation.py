"""Benchmark: participation, network gaps and the collaboration-graph structure at national scale.

    python bench/participation.py                      # generate + load a national bundle, then time
    python bench/participation.py --workspace WS       # an already loaded workspace
    python bench/participation.py --bundle DIR         # load an existing bundle first

Times each analysis twice: "cold" on a freshly opened workspace (Parquet reads included) and "warm"
(best of --repeat, tables already read, as in a server or notebook session). Prints output rows,
input rows/s and peak RSS, and the size of the school graph. Targets (issue 5), on 2 cores:
participation and gaps <= 5 s; community detection and approximate betweenness <= 60 s.
"""

from __future__ import annotations

import datetime as dt
import os

from _common import national_workspace, parser, time_cold_warm

from graphmodel.workspace import Workspace
from queries.networks import collaboration, fragility, participation, ties
from queries.networks import gaps as network_gaps


def analyses(as_of: dt.date) -> dict:
    return {
        "school_participation": lambda s: participation.school_participation(s, as_of=as_of),
        "participation_summary(region)": lambda s: participation.participation_summary(
            s, by="region", as_of=as_of
        ),
        "participation_over_time(3y)": lambda s: participation.participation_over_time(
            s, years=[2017, 2021, 2025]
        ),
        "collaboration_graph": lambda s: collaboration.collaboration_graph(s, as_of=as_of),
        "school_ties(min_weight=0)": lambda s: ties.school_ties(s, as_of=as_of, min_weight=0),
        "network_gaps(hops=2)": lambda s: network_gaps.network_gaps(s, as_of=as_of),
        "network_gaps_summary(la)": lambda s: network_gaps.network_gaps_summary(s, by="la", as_of=as_of),
        "components": lambda s: collaboration.components(s, as_of=as_of),
        "communities(louvain)": lambda s: collaboration.communities(s, as_of=as_of),
        "brokers(sampled)": lambda s: collaboration.brokers(s, as_of=as_of),
        "bridges": lambda s: collaboration.bridges(s, as_of=as_of),
        "articulation_points": lambda s: collaboration.articulation_points(s, as_of=as_of),
        "fragile_links": lambda s: fragility.fragile_links(s, as_of=as_of),
        "what_if(retiring 5y)": lambda s: fragility.what_if_remove(s, retiring_within_years=5, as_of=as_of),
    }


def _rows(result) -> int:
    return result.number_of_nodes() if hasattr(result, "number_of_nodes") else len(result)


def main() -> None:
    ap = parser(__doc__, seed=42, repeat=1)
    ap.add_argument("--only", default=None, help="Comma-separated analysis names to run.")
    args = ap.parse_args()
    as_of = args.as_of
    ws_path = national_workspace(args, "participation")
    store = Workspace(ws_path)
    counts = store.counts()
    inputs = sum(
        counts[t]
        for t in (
            "schools",
            "posts",
            "school_memberships",
            "person_memberships",
            "peer_reviews",
            "school_links",
            "group_memberships",
            "attendance",
            "networks",
        )
    )
    g = collaboration.collaboration_graph(store, as_of=as_of)
    linked = sum(1 for v in g if g.degree(v) > 0)
    members = counts["school_memberships"] + counts["person_memberships"]
    print(
        f"workspace: {ws_path}; schools {counts['schools']:,}, posts {counts['posts']:,}, memberships "
        f"{members:,}; school graph {g.number_of_nodes():,} "
        f"nodes ({linked:,} linked), {g.number_of_edges():,} edges; machine: {os.cpu_count()} cores; "
        f"as of {as_of}"
    )
    wanted = set(args.only.split(",")) if args.only else None
    print(f"{'analysis':<30} {'rows':>8} {'cold s':>7} {'warm s':>7} {'in rows/s':>11} {'peak RSS':>9}")
    for name, run in analyses(as_of).items():
        if wanted and name not in wanted:
            continue
        timing = time_cold_warm(ws_path, store, run, args.repeat)
        out, cold, best, rss = timing.out, timing.cold, timing.warm, timing.peak_rss_mb
        print(f"{name:<30} {_rows(out):>8,} {cold:>7.2f} {best:>7.2f} {inputs / best:>11,.0f} {rss:>7.0f}MB")
        if name.startswith(("brokers", "communities")):
            print(f"{'':<30} {out.attrs.get('method')}")


if __name__ == "__main__":
    main()
