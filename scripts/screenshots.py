"""Screenshot every map kind from the demo into docs/img/, as a new user first sees it.

    python scripts/screenshots.py [--demo-dir sendgraph-demo] [-o/--output docs/img]

Runs ``sendgraph demo`` (the North East, seed 42) into a temporary folder unless ``--demo-dir`` names
one already made, then opens each map in headless Chromium at 1600x1000, and some at 390 px wide
(tests/browser.py: Playwright on /usr/bin/chromium) and saves a PNG once the map says it has
drawn. Fails if a page logs an error or asks for anything outside the file. docs/maps.md shows the results.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))  # this checkout's code, not an installed copy

from browser import Browser  # noqa: E402

MAPS = {
    "region_participation": "map-region.png",
    "region_senco_audit": "map-region-senco.png",
    "audit_senco": "map-audit-senco.png",
    "audit_sensory": "map-audit-sensory.png",
    "network_wss": "map-network.png",
    "routes": "map-routes.png",
}
NARROW = {"region_participation": "map-region-390px.png", "routes": "map-routes-390px.png"}
"""Maps also shot on a 390-px-wide phone screen (844 px tall): the sidebar folds behind "Panel"."""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo-dir", default=None)
    ap.add_argument("-o", "--output", default=str(ROOT / "docs" / "img"))
    args = ap.parse_args()
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(args.demo_dir) if args.demo_dir else Path(tmp) / "demo"
        if not (demo / "maps").exists():
            from sendgraph.demo import run_demo

            run_demo(demo, progress=lambda _m: None)
        with Browser(timeout=120) as browser:
            for name, png in MAPS.items():
                report = browser.open(demo / "maps" / f"{name}.html")
                if not report.ready or report.errors or report.external_requests:
                    raise SystemExit(f"{name}: {report.errors or report.external_requests or 'not ready'}")
                (out / png).write_bytes(report.screenshot)
                print(f"{out / png}  ready in {report.load_seconds:.1f} s")
            for name, png in NARROW.items():
                report = browser.open(demo / "maps" / f"{name}.html", width=390, height=844)
                if not report.ready or report.errors or report.external_requests:
                    raise SystemExit(f"{name}: {report.errors or report.external_requests or 'not ready'}")
                (out / png).write_bytes(report.screenshot)
                print(f"{out / png}  (390 px wide) ready in {report.load_seconds:.1f} s")


if __name__ == "__main__":
    main()
