"""A calibrated synthetic England: schools, staff careers, networks and CPD as a CSV bundle.

``generate(scale, seed, out)`` writes the same bundle a user would load (``graphmodel/schema.toml``),
with real geography and need (153 LAs, DfE EHC plans 2024/25) and invented schools and people, built so
that DOMAIN.md's published figures hold in the population (``queries/survey_figures.py`` measures them).
The same seed always gives byte-identical files: one ``numpy.random.Generator(PCG64(seed))`` drives
every draw in a fixed order, and nothing reads the clock. See docs/synthetic-data.md.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.schema import load_schema
from loaders.synthetic import careers, cpd, networks, specialists
from loaders.synthetic.bundle import write_table
from loaders.synthetic.dates import day
from loaders.synthetic.geography import SCALES, need_tables, resolve_scope
from loaders.synthetic.names import person_names
from loaders.synthetic.params import DEFAULT_AS_OF
from loaders.synthetic.schools import build_schools

__all__ = ["generate", "GenerateReport", "SCALES", "DEFAULT_AS_OF"]


@dataclass
class GenerateReport:
    """What was written: rows and bytes per file, and how long it took."""

    out: Path
    scale: str
    seed: int
    as_of: dt.date
    las: int
    files: dict[str, tuple[int, int]] = field(default_factory=dict)  # table -> (rows, bytes)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        return sum(r for r, _ in self.files.values())

    @property
    def bytes(self) -> int:
        return sum(b for _, b in self.files.values())

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"file": f"{t}.csv", "rows": r, "bytes": b} for t, (r, b) in self.files.items()])


def _person_ids(n: int) -> np.ndarray:
    return ("SYN-P" + pd.Series(np.arange(1, n + 1)).astype(str).str.zfill(7)).to_numpy(dtype=object)


def generate(
    scale: str,
    seed: int,
    out: str | Path,
    *,
    region: str | None = None,
    la: str | None = None,
    as_of: dt.date = DEFAULT_AS_OF,
    progress: Callable[[str, int], None] | None = None,
) -> GenerateReport:
    """Generate a bundle for one LA, one region (default North East) or England into ``out``."""
    t0 = time.perf_counter()
    if seed < 0:
        raise SendgraphError("--seed must be zero or a positive integer")
    step = progress or (lambda _s, _n: None)
    rng = np.random.Generator(np.random.PCG64(seed))
    scope = resolve_scope(scale, region, la)
    ref = day(as_of)
    schema = load_schema()

    schools = build_schools(rng, scope, ref)
    step("schools", len(schools.frame))
    providers = cpd.build_providers(rng, scope)
    w = careers.World(rng, ref, schools, providers.universities, providers.mq)
    head_taken = careers.senco_cohort(w)
    careers.leadership(w, head_taken)
    careers.classroom(w)
    careers.support_staff(w)
    services = specialists.sensory_services(scope)
    service_posts = specialists.sensory_specialists(w, scope, services).frame()
    specialists.pd_specialists(w)
    careers.leavers(w)
    step("people and careers", w.n_people)
    nets = networks.build_networks(w, scope)
    step("networks", len(nets["school_members"]))

    posts = w.posts.frame()
    urn_sorted = schools.frame["urn"].to_numpy()
    current = posts[posts["end_date"].isna()].drop_duplicates("person")
    staff_la = schools.la_pos[np.searchsorted(urn_sorted, current["urn"].to_numpy())]
    hub_rows = nets["networks"][nets["networks"]["kind"] == "teaching_school_hub"]
    hub_providers = pd.DataFrame(
        {
            "provider_id": hub_rows["network_id"],
            "name": hub_rows["name"],
            "kind": "hub",
            "region_code": hub_rows["region_code"],
        }
    )
    activity = cpd.build_cpd(
        rng,
        scope,
        providers,
        hub_rows["network_id"].to_numpy(dtype=object),
        current["person"].to_numpy(),
        staff_la,
        ref,
    )
    step("CPD", len(activity["attendance"]))

    pid = _person_ids(w.n_people)
    birth = np.concatenate(w.birth_year) if w.birth_year else np.zeros(0, np.int64)
    known = rng.random(w.n_people) < 0.6
    tables: dict[str, pd.DataFrame] = {
        "schools": schools.frame,
        "trusts": schools.trusts,
        "groups": schools.links[0],
        "group_memberships": schools.links[1],
        "services": services,
        "people": pd.DataFrame(
            {
                "person_id": pid,
                "name": person_names(rng, w.n_people),
                "birth_year": pd.Series(birth, dtype="Int64").where(known, pd.NA),
            }
        ),
        "posts": _with_pid(posts, pid),
        "service_posts": _with_pid(service_posts, pid),
        "person_qualifications": _with_pid(w.quals.frame(), pid),
        "person_studying": _with_pid(w.studying.frame(), pid),
        "networks": nets["networks"],
        "school_memberships": _members(nets["school_members"], urn_sorted, "urn"),
        "person_memberships": _members(nets["person_members"], pid, "person_id"),
        "peer_reviews": pd.DataFrame(
            {
                "reviewer_urn": urn_sorted[nets["reviews"]["reviewer"].to_numpy(dtype=np.int64)],
                "reviewed_urn": urn_sorted[nets["reviews"]["reviewed"].to_numpy(dtype=np.int64)],
                "date": nets["reviews"]["date"],
                "tool": nets["reviews"]["tool"],
                "reviewer_person_id": _maybe_pid(nets["reviews"]["person"].to_numpy(dtype=np.int64), pid),
            }
        ),
        "providers": pd.concat([providers.frame, hub_providers], ignore_index=True),
        "provider_offers": providers.offers,
        "cpd_activities": activity["cpd_activities"],
        "activity_needs": activity["activity_needs"],
        "attendance": _with_pid(activity["attendance"], pid),
        **need_tables(scope),
    }
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("*.csv"):  # a re-run into the same folder must not leave old tables behind
        stale.unlink()
    report = GenerateReport(out, scale, seed, as_of, len(scope.las))
    for name in sorted(tables):
        report.files[name] = write_table(schema, name, tables[name], out)
        step(f"wrote {name}.csv", report.files[name][0])
    report.seconds = time.perf_counter() - t0
    return report


def _with_pid(frame: pd.DataFrame, pid: np.ndarray) -> pd.DataFrame:
    out = frame.drop(columns=["person"])
    out.insert(0, "person_id", pid[frame["person"].to_numpy(dtype=np.int64)])
    return out


def _maybe_pid(index: np.ndarray, pid: np.ndarray) -> np.ndarray:
    out = np.full(len(index), None, dtype=object)
    ok = index >= 0
    out[ok] = pid[index[ok]]
    return out


def _members(frame: pd.DataFrame, keys: np.ndarray, column: str) -> pd.DataFrame:
    out = frame.drop(columns=["who"])
    out.insert(0, column, keys[frame["who"].to_numpy(dtype=np.int64)])
    return out
