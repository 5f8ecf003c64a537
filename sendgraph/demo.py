"""The demo: generate a region, load it, run the headline analyses, and say where everything is.

``sendgraph demo`` is the first command a new user runs, so it must work from a clean checkout in
under two minutes on a 2-core machine and show progress. The analyses it runs are the ordered list
:data:`DEMO_STEPS`; each capability joins the demo by adding one line there, e.g.::

    table_step("senco_audit", "SENCO award audit", senco_audit),
    map_step("region_map", lambda ctx, path: region_map(ctx.store, ctx.region, path)),

Every table is written as CSV (with its ``.meta.json`` sidecar) and Markdown under ``tables/``;
maps go under ``maps/``; ``index.md`` lists every file.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graphmodel.store import GraphStore
from graphmodel.workspace import Workspace
from loaders import ingest
from loaders.synthetic import DEFAULT_AS_OF, generate
from loaders.synthetic.params import DEFAULT_REGION
from queries.publish import Publishes, publish
from sendgraph.output import Result, render, write

Progress = Callable[[str], None]


@dataclass
class DemoContext:
    """What a demo step needs: the loaded store, the reference date and where to write."""

    out_dir: Path
    store: GraphStore
    as_of: dt.date
    region: str
    seed: int

    @property
    def tables_dir(self) -> Path:
        return self.out_dir / "tables"

    @property
    def maps_dir(self) -> Path:
        return self.out_dir / "maps"


@dataclass(frozen=True)
class DemoStep:
    """One named step; ``run`` returns the files it wrote."""

    name: str
    run: Callable[[DemoContext], list[Path]]


@dataclass
class DemoReport:
    out_dir: Path
    bundle: Path
    workspace: Path
    files: list[Path] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)


def write_result(ctx: DemoContext, name: str, result: Result) -> list[Path]:
    """``tables/<name>.csv`` (+ ``.meta.json``) and ``tables/<name>.md``."""
    ctx.tables_dir.mkdir(parents=True, exist_ok=True)
    csv_path = ctx.tables_dir / f"{name}.csv"
    md_path = ctx.tables_dir / f"{name}.md"
    write(result, "csv", csv_path, lambda *a, **k: None)
    md_path.write_text(render(result, "markdown"), encoding="utf-8")
    return [csv_path, csv_path.with_suffix(".meta.json"), md_path]


def table_step(
    name: str,
    title: str,
    analysis: Callable[..., pd.DataFrame],
    spec: Callable[[], Publishes],
) -> DemoStep:
    """A step that runs ``analysis(store, as_of)`` and writes it through :func:`queries.publish.publish`
    with the analysis's own declaration ``spec()`` (imported late, as the analyses are)."""

    def run(ctx: DemoContext) -> list[Path]:
        frame = analysis(ctx.store, ctx.as_of)
        result = publish(
            frame, spec(), title=title, source=f"synthetic {ctx.region} (seed {ctx.seed})", as_of=ctx.as_of
        )
        return write_result(ctx, name, result)

    return DemoStep(name, run)


def map_step(name: str, draw: Callable[[DemoContext, Path], object]) -> DemoStep:
    """A step that draws ``maps/<name>.html`` with ``draw(ctx, path)``."""

    def run(ctx: DemoContext) -> list[Path]:
        ctx.maps_dir.mkdir(parents=True, exist_ok=True)
        path = ctx.maps_dir / f"{name}.html"
        draw(ctx, path)
        return [path]

    return DemoStep(name, run)


def _graph_counts(ctx: DemoContext) -> list[Path]:
    counts = ctx.store.counts()
    frame = pd.DataFrame({"table": list(counts), "rows": list(counts.values())})
    return write_result(
        ctx, "graph_counts", Result(frame, "What the demo graph holds", {"source": ctx.store.describe()})
    )


def _survey_figures(ctx: DemoContext) -> list[Path]:
    from queries.survey_figures import publish_figures, survey_figures

    frame = survey_figures(ctx.store, as_of=ctx.as_of)
    published = publish_figures(frame, as_of=ctx.as_of, source=f"synthetic {ctx.region}")
    return write_result(ctx, "survey_figures", published)


def _map_region(ctx: DemoContext) -> str:
    """The region the loaded schools are in (an LA-scale demo maps its LA's region)."""
    from queries.context import schools_frame

    names = schools_frame(ctx.store)["region_name"].dropna()
    return str(names.mode().iloc[0]) if len(names) else ctx.region


def _senco_by_la(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    from queries.audits.senco import senco_audit, senco_summary

    return senco_summary(senco_audit(store, as_of=as_of), by="la")


def _sensory_by_la(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    from queries.audits.sensory import sensory_audit, sensory_summary

    return sensory_summary(sensory_audit(store, as_of=as_of), by="la")


def _pd_by_la(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    from queries.audits.pd import pd_audit, pd_summary

    return pd_summary(pd_audit(store, as_of=as_of), by="la")


def _capacity(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    from queries.audits.capacity import capacity_against_need

    return capacity_against_need(store, as_of=as_of, level="la")


def _audit_steps() -> list[DemoStep]:
    from queries.audits import capacity
    from queries.audits import pd as pd_audit
    from queries.audits import senco as senco_audit
    from queries.audits import sensory as sensory_audit

    return [
        table_step(
            "senco_audit_by_la",
            "SENCO award audit by local authority",
            _senco_by_la,
            lambda: senco_audit.PUBLISHES,
        ),
        table_step(
            "sensory_audit_by_la",
            "Sensory mandatory qualification audit by local authority",
            _sensory_by_la,
            lambda: sensory_audit.PUBLISHES,
        ),
        table_step(
            "pd_specialists_by_la",
            "PD specialists with no relevant qualification, by LA",
            _pd_by_la,
            lambda: pd_audit.PUBLISHES,
        ),
        table_step(
            "capacity_against_need",
            "Sensory capacity against need by local authority",
            _capacity,
            lambda: capacity.PUBLISHES,
        ),
    ]


def _map_steps() -> list[DemoStep]:
    from visuals.audit_map import audit_map
    from visuals.network_map import network_map
    from visuals.region_map import region_map
    from visuals.routes_map import routes_map

    return [
        map_step(
            "region_participation",
            lambda ctx, path: region_map(ctx.store, _map_region(ctx), path, colour="tier", as_of=ctx.as_of),
        ),
        map_step(
            "region_senco_audit",
            lambda ctx, path: region_map(ctx.store, _map_region(ctx), path, colour="senco", as_of=ctx.as_of),
        ),
        map_step(
            "audit_senco",
            lambda ctx, path: audit_map(ctx.store, "senco", path, region=_map_region(ctx), as_of=ctx.as_of),
        ),
        map_step(
            "audit_sensory",
            lambda ctx, path: audit_map(ctx.store, "sensory", path, region=_map_region(ctx), as_of=ctx.as_of),
        ),
        map_step("network_wss", lambda ctx, path: network_map(ctx.store, "WSS-COP", path, as_of=ctx.as_of)),
        map_step("routes", lambda ctx, path: routes_map(ctx.store, path, as_of=ctx.as_of)),
    ]


# The demo, in order. Each capability adds one line (or one list) here (see the module docstring).
DEMO_STEPS: list[DemoStep] = [
    DemoStep("graph_counts", _graph_counts),
    DemoStep("survey_figures", _survey_figures),
    *_audit_steps(),
    *_map_steps(),
]


def _fresh_workspace(path: Path) -> Workspace:
    """The demo's own workspace, emptied first so a re-run gives the same answers."""
    if path.exists() and ((path / "CURRENT").exists() or not any(path.iterdir())):
        shutil.rmtree(path)
    return Workspace(path)


def run_demo(
    out_dir: str | Path = "sendgraph-demo",
    seed: int = 42,
    region: str | None = DEFAULT_REGION,
    progress: Progress = print,
    *,
    scale: str = "region",
    la: str | None = None,
    as_of: dt.date = DEFAULT_AS_OF,
    steps: list[DemoStep] | None = None,
) -> DemoReport:
    """Generate, load, analyse; print each file's path. ``scale="la"`` is for quick tests."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    report = DemoReport(out, out / "bundle", out / "workspace")
    started = time.perf_counter()

    def timed(label: str, t0: float) -> None:
        report.timings[label] = time.perf_counter() - t0
        progress(f"  done in {report.timings[label]:.1f}s")

    where = f"{la or region or DEFAULT_REGION}" if scale != "national" else "England"
    progress(
        f"[1/{len(DEMO_STEPS if steps is None else steps) + 2}] generating {scale} bundle for "
        f"{where} (seed {seed})"
    )
    t0 = time.perf_counter()
    gen = generate(scale, seed, report.bundle, region=region, la=la, as_of=as_of)
    report.counts = {t: r for t, (r, _b) in gen.files.items()}
    progress(f"  {gen.rows:,} rows in {len(gen.files)} files -> {report.bundle}")
    timed("generate", t0)

    chosen = DEMO_STEPS if steps is None else steps
    progress(f"[2/{len(chosen) + 2}] loading into the embedded workspace {report.workspace}")
    t0 = time.perf_counter()
    store = _fresh_workspace(report.workspace)
    ingest.load(store, [(report.bundle, "auto")], today=as_of)
    timed("load", t0)

    ctx = DemoContext(out, store, as_of, region or DEFAULT_REGION, seed)
    for i, step in enumerate(chosen, start=3):
        progress(f"[{i}/{len(chosen) + 2}] {step.name}")
        t0 = time.perf_counter()
        files = step.run(ctx)
        report.files += files
        for f in files:
            progress(f"  wrote {f}")
        timed(step.name, t0)

    index = out / "index.md"
    lines = [
        f"# sendgraph demo: synthetic {ctx.region} (seed {seed}, as of {as_of})",
        "",
        f"- bundle: `{report.bundle}`",
        f"- workspace: `{report.workspace}` (try `sendgraph --workspace {report.workspace} info`)",
        "",
    ]
    lines += [f"- `{f.relative_to(out)}`" for f in report.files]
    index.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report.files.append(index)
    progress(f"finished in {time.perf_counter() - started:.1f}s; index of every file: {index}")
    return report
