"""Map benchmark: node counts, file sizes, build and browser load times, region and national.

    python bench/maps.py [--national synthetic|quick] [--seed 1]
    python bench/maps.py --workspace /tmp/nat/ws [--region "North East"]   # an already loaded workspace

Region: ``sendgraph generate --scale region`` (loaders.synthetic.generate, North East by default)
loaded into a fresh workspace. National: the same generator at national scale (``synthetic``, slow:
about a million people), or ``quick`` (default): ~24,000 schools over the 153 real LAs with
network memberships, which is all a national region map reads. Each map is built, written and opened
in headless Chromium (tests/browser.py: Playwright on /usr/bin/chromium, 1600x1000) until it
reports drawn ("ready" = navigation start to the page's data-ready mark); the school-level national map
(aggregation off) is measured too, to show why the aggregate limit exists.
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))  # this checkout's code, not an installed copy

from browser import Browser, chromium_path  # noqa: E402

from graphmodel.workspace import Workspace  # noqa: E402
from loaders import ingest  # noqa: E402
from visuals.region_map import region_map  # noqa: E402
from visuals.render import unpack  # noqa: E402

AS_OF = dt.date(2025, 1, 1)


def quick_national(out: Path, seed: int) -> Path:
    """~24,000 schools spread over England's 153 LAs, with trusts and SEND network memberships."""
    rng = np.random.default_rng(seed)
    las = pd.read_csv(ROOT / "graphmodel" / "data" / "catalogue" / "local_authorities.csv")
    n = 24_000
    la = rng.choice(las["code"].to_numpy(), n)
    trusts = [f"T{i}" for i in range(1200)]
    trust = np.where(rng.random(n) < 0.45, rng.choice(trusts, n), None)
    schools = pd.DataFrame(
        {
            "urn": np.arange(100000, 100000 + n),
            "name": [f"Synthetic school {i}" for i in range(n)],
            "la_code": la,
            "trust_id": trust,
            "phase": rng.choice(["Primary", "Secondary"], n, p=[0.8, 0.2]),
            "type": np.where(trust == None, "Community school", "Academy converter"),  # noqa: E711
            "type_group": np.where(trust == None, "Local authority maintained schools", "Academies"),  # noqa: E711
            "pupils": rng.integers(50, 1500, n),
            "ehcp_pupils": rng.integers(0, 40, n),
            "sen_support_pupils": rng.integers(0, 200, n),
            "synthetic": True,
        }
    )
    # placed inside their LA as loaders.synthetic does (catalogue position, disc of its area)
    pos = las.set_index("code").loc[la]
    r = 800 * np.sqrt(pos["area_km2"].to_numpy() / np.pi) * np.sqrt(rng.random(n))
    a = rng.uniform(0, 2 * np.pi, n)
    schools["easting"] = np.round(pos["easting"].to_numpy() + r * np.cos(a)).astype(int)
    schools["northing"] = np.round(pos["northing"].to_numpy() + r * np.sin(a)).astype(int)
    region_of = dict(zip(las["code"], las["region_code"], strict=True))
    nets = pd.DataFrame(
        {
            "network_id": [f"N{r}" for r in sorted(set(region_of.values()))],
            "name": [f"WSS {r}" for r in sorted(set(region_of.values()))],
            "kind": "community_of_practice",
            "send": True,
            "region_code": sorted(set(region_of.values())),
        }
    )
    member = rng.random(n) < 0.6
    tiers = [
        "wider_community",
        "mailing_list",
        "downloaded_tool",
        "attended_training",
        "trained_reviewer",
        "host_deliverer",
        "strategic_partner",
    ]
    sm = pd.DataFrame(
        {
            "urn": schools["urn"][member],
            "network_id": [f"N{region_of[c]}" for c in la[member]],
            "tier": rng.choice(tiers, int(member.sum())),
            "start_date": "2020-09-01",
        }
    )
    out.mkdir(parents=True, exist_ok=True)
    schools.to_csv(out / "schools.csv", index=False)
    trust_rows = pd.DataFrame({"trust_id": trusts, "name": [f"Trust {t}" for t in trusts]})
    trust_rows.to_csv(out / "trusts.csv", index=False)
    nets.to_csv(out / "networks.csv", index=False)
    sm.to_csv(out / "school_memberships.csv", index=False)
    return out


def load(bundle: Path, root: Path) -> Workspace:
    ws = Workspace(root)
    t = time.perf_counter()
    ingest.load(ws, [(bundle, "auto")])
    print(f"  loaded {bundle.name} in {time.perf_counter() - t:.1f}s: {ws.counts()['schools']:,} schools")
    return ws


def measure(browser: Browser | None, label: str, build) -> None:
    t = time.perf_counter()
    path = build()
    built = time.perf_counter() - t
    text = path.read_text(encoding="utf-8")
    import json

    start = text.index('type="application/json">') + len('type="application/json">')
    data = unpack(json.loads(text[start : text.index("</script>", start)]))
    line = (
        f"{label:<34} nodes {len(data['nodes']):>6,}  edges {len(data['edges']):>6,}  "
        f"physics {'on ' if data['physics'] else 'off'}  file {path.stat().st_size / 1e6:5.1f} MB  "
        f"build {built:5.1f}s"
    )
    if browser:
        report = browser.open(path, timeout=180, values={"t": "window.sendgraphTimes || {}"})
        t = report.values["t"]
        line += (
            f"  browser load {report.load_seconds:5.1f}s  ready={report.ready}  errors={len(report.errors)}"
        )
        if t.get("drawn"):  # where the time went, from the page's own marks (ms since navigation)
            line += (
                f"\n    script starts {t['start'] / 1000:.1f}s, data parsed +"
                f"{(t['parsed'] - t['start']) / 1000:.1f}s, vis-network built +"
                f"{(t['network'] - t['parsed']) / 1000:.1f}s, "
                f"first drawn +{(t['drawn'] - t['network']) / 1000:.1f}s"
            )
    print(line, flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--national", choices=["quick", "synthetic"], default="quick")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workspace", help="measure on this loaded workspace (read only) instead of generating")
    ap.add_argument("--region", default="North East", help="the region mapped with --workspace")
    args = ap.parse_args()
    if args.workspace:
        on_workspace(Path(args.workspace), args.region)
        return
    import os

    from loaders.synthetic import generate

    print(f"machine: {os.cpu_count()} cores; chromium: {chromium_path() or 'absent (no load times)'}")
    with (
        tempfile.TemporaryDirectory() as tmp,
        Browser(timeout=120) if chromium_path() else _Null() as browser,
    ):
        tmp = Path(tmp)
        print("region (loaders.synthetic, scale=region):")
        generate("region", args.seed, tmp / "region-bundle")
        ws = load(tmp / "region-bundle", tmp / "ws-region")
        region = str(
            ws.table("schools")
            .merge(ws.table("local_authorities"), left_on="la_code", right_on="code")["region_code"]
            .mode()[0]
        )
        measure(browser, "region map (tier)", lambda: region_map(ws, region, tmp / "r.html", as_of=AS_OF))
        measure(
            browser,
            "region map (senco)",
            lambda: region_map(ws, region, tmp / "rs.html", colour="senco", as_of=AS_OF),
        )
        print(f"national ({args.national}):")
        if args.national == "synthetic":
            generate("national", args.seed, tmp / "nat-bundle")
            nat = load(tmp / "nat-bundle", tmp / "ws-nat")
            frame = None
        else:
            nat = load(quick_national(tmp / "nat-bundle", args.seed), tmp / "ws-nat")
            from queries.networks.participation import school_participation

            frame = school_participation(nat, as_of=AS_OF)
        kw = {"status_frame": frame} if frame is not None else {}
        measure(
            browser,
            "national map (LA aggregates)",
            lambda: region_map(nat, "England", tmp / "n.html", as_of=AS_OF, **kw),
        )
        measure(
            browser,
            "national map (every school, no aggr.)",
            lambda: region_map(nat, "England", tmp / "nf.html", as_of=AS_OF, aggregate_limit=10**9, **kw),
        )
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def on_workspace(root: Path, region: str) -> None:
    """Region and national every-school maps of an existing workspace (e.g. /tmp/nat/ws), never
    written to: the maps go to a temporary folder."""
    import os

    ws = Workspace(root)
    print(f"machine: {os.cpu_count()} cores; load average {os.getloadavg()}; workspace {root}")
    with tempfile.TemporaryDirectory() as tmp, Browser(timeout=180) as browser:
        tmp = Path(tmp)
        measure(
            browser, f"region map ({region})", lambda: region_map(ws, region, tmp / "r.html", as_of=AS_OF)
        )
        measure(
            browser,
            "national map (every school)",
            lambda: region_map(ws, "England", tmp / "nf.html", as_of=AS_OF, aggregate_limit=10**9),
        )
    print(f"load average after: {os.getloadavg()}")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


class _Null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return None


if __name__ == "__main__":
    main()
