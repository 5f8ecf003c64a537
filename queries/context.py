"""Shared context for analyses: schools with their geography and kind, and the common filters.

Every analysis filters and breaks down by the same things (region, LA, trust, phase, type), and
classifies establishments the same way (mainstream, special, alternative provision, independent),
so that lives here once. Kinds follow GIAS establishment type names, so real GIAS data and
synthetic bundles are classified identically.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore

SPECIAL_TYPES = {
    "Community special school",
    "Foundation special school",
    "Non-maintained special school",
    "Academy special converter",
    "Academy special sponsor led",
    "Free schools special",
}
AP_TYPES = {
    "Pupil referral unit",
    "Academy alternative provision converter",
    "Academy alternative provision sponsor led",
    "Free schools alternative provision",
}
STATE_GROUPS = {"Local authority maintained schools", "Academies", "Free Schools", "Special schools"}
INDEPENDENT_GROUPS = {"Independent schools"}
SPECIAL_GROUP = "Special schools"


def school_kind(type_: pd.Series, type_group: pd.Series) -> pd.Series:
    """mainstream / special / ap / independent / other / unknown, from GIAS type and type group names.

    "mainstream" means a state-funded mainstream school (maintained, academy or free school): the
    schools that SEND Regulations 2014 reg. 49 requires to have a qualified SENCO. A school known
    only by its type group "Special schools" (blank type) is special, not mainstream; one with
    neither a type nor a type group is "unknown" (an audit reports it, rather than guessing).
    """
    t = type_.fillna("").astype("string").str.strip()
    g = type_group.fillna("").astype("string").str.strip()
    kind = pd.Series("other", index=type_.index, dtype="string")
    kind[(t == "") & (g == "")] = "unknown"
    kind[g.isin(STATE_GROUPS)] = "mainstream"
    kind[g == SPECIAL_GROUP] = "special"
    kind[g.isin(INDEPENDENT_GROUPS) | t.str.startswith("Other independent")] = "independent"
    kind[t.isin(SPECIAL_TYPES) | t.str.contains("special", case=False) & ~g.isin(INDEPENDENT_GROUPS)] = (
        "special"
    )
    kind[t.isin(AP_TYPES) | t.str.contains("alternative provision", case=False)] = "ap"
    return kind


def with_geography(store: GraphStore, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (with an ``la_code`` column) plus la_name, region_code and region_name."""
    return _with_geography(frame, store.table("local_authorities"), store.table("regions"))


def _with_geography(frame: pd.DataFrame, las: pd.DataFrame, regions: pd.DataFrame) -> pd.DataFrame:
    las = las[["code", "name", "region_code"]].rename(columns={"code": "la_code", "name": "la_name"})
    regions = regions[["code", "name"]].rename(columns={"code": "region_code", "name": "region_name"})
    return frame.merge(las, on="la_code", how="left").merge(regions, on="region_code", how="left")


_SCHOOLS: list[tuple[tuple[pd.DataFrame, ...], pd.DataFrame]] = []
"""The last :func:`schools_frame` built, with the four tables it was built from (held, so their ids
stay theirs). In the module, not on a store's derived cache (:class:`graphmodel.store.DerivedCache`):
an analysis asks through several views of one store (narrowed, fetched), which hand back the same
table objects, and an entry keyed by those objects cannot go stale; it holds one frame (~24k rows
nationally) until another set of tables replaces it."""
_SCHOOLS_LOCK = threading.Lock()


def schools_frame(store: GraphStore) -> pd.DataFrame:
    """Schools with la_name, region_code, region_name, trust_name and kind columns added.

    Built once per set of input tables and copied out: one analysis asks for it several times (the
    national pipeline five, ~0.08 s each), and a store hands back the same table objects until its
    data changes (a load gives new ones, so a new frame is built)."""
    tables = tuple(store.table(t) for t in ("schools", "trusts", "local_authorities", "regions"))
    with _SCHOOLS_LOCK:
        if _SCHOOLS and all(a is b for a, b in zip(_SCHOOLS[0][0], tables, strict=True)):
            return _SCHOOLS[0][1].copy()
    schools, trusts, las, regions = tables
    trusts = trusts[["trust_id", "name"]].rename(columns={"name": "trust_name"})
    out = _with_geography(schools, las, regions).merge(trusts, on="trust_id", how="left")
    out["kind"] = school_kind(out["type"], out["type_group"])
    with _SCHOOLS_LOCK:
        _SCHOOLS[:] = [(tables, out)]
    return out.copy()


@dataclass(frozen=True)
class Filters:
    """The filters every analysis accepts. Each matches a code or a name, case-insensitively."""

    region: str | None = None
    la: str | None = None
    trust: str | None = None
    phase: str | None = None
    type: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def describe(self) -> dict[str, str]:
        d = {
            k: v
            for k, v in (
                ("region", self.region),
                ("la", self.la),
                ("trust", self.trust),
                ("phase", self.phase),
                ("type", self.type),
            )
            if v
        }
        return {**d, **self.extra}


def refuse_filters(filters: Filters, what: str, *, allowed: tuple[str, ...] = ()) -> None:
    """Refuse, with a clear error, any filter an analysis cannot honour (never ignore it silently).

    ``what`` says what the analysis reports, ``allowed`` names the filters it does apply.

    >>> refuse_filters(Filters(), "reference routes")  # no filter: nothing to refuse
    >>> refuse_filters(Filters(la="Darlington"), "reference routes", allowed=("region",))
    Traceback (most recent call last):
    ...
    graphmodel.errors.SendgraphError: --la cannot apply to reference routes (from the catalogue, not ...
    """
    refused = [f"--{k}" for k in filters.describe() if k not in allowed]
    if refused:
        can = f"; only --{' --'.join(allowed)} applies" if allowed else "; it takes no filter"
        raise SendgraphError(
            f"{' '.join(refused)} cannot apply to {what} (from the catalogue, not from schools or posts){can}"
        )


def match_rows(
    frame: pd.DataFrame, value: str, columns: list[str], what: str, *, allow_empty: bool = False
) -> pd.Series:
    """Rows whose ``columns`` equal ``value`` ignoring case; none raises unless ``allow_empty``."""
    want = value.strip().casefold()
    hit = pd.Series(False, index=frame.index)
    for c in columns:
        hit |= frame[c].astype("string").str.casefold().eq(want).fillna(False)
    if not hit.any() and len(frame) and not allow_empty:
        raise SendgraphError(f"no schools match {what} '{value}'")
    return hit


def apply_filters(schools: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """The rows of :func:`schools_frame` that match ``filters``."""
    mask = pd.Series(True, index=schools.index)
    if filters.region:
        mask &= match_rows(schools, filters.region, ["region_code", "region_name"], "region")
    if filters.la:
        mask &= match_rows(schools, filters.la, ["la_code", "la_name"], "local authority")
    if filters.trust:
        mask &= match_rows(schools, filters.trust, ["trust_id", "trust_name"], "trust")
    if filters.phase:
        mask &= match_rows(schools, filters.phase, ["phase"], "phase")
    if filters.type:
        mask &= match_rows(schools, filters.type, ["type", "type_group", "kind"], "type")
    return schools[mask]


SCHOOL_COLUMNS = [
    "urn",
    "school_name",
    "la_code",
    "la_name",
    "region_code",
    "region_name",
    "phase",
    "type",
    "kind",
]
"""The columns that describe a school in a per-school table (``schools_frame`` with ``name`` as
``school_name``), listed once for every analysis that prints one row per school."""

BY_COLUMNS = {
    "region": ["region_code", "region_name"],
    "la": ["region_code", "region_name", "la_code", "la_name"],
    "phase": ["phase"],
    "type": ["type"],
    "trust": ["trust_id", "trust_name"],
    "kind": ["kind"],
}


def by_columns(by: str | None) -> list[str]:
    """The grouping columns for ``--by`` (LA rows carry region too, so they join to DfE files)."""
    if by is None:
        return []
    if by not in BY_COLUMNS:
        raise SendgraphError(f"--by must be one of: {', '.join(BY_COLUMNS)}")
    return BY_COLUMNS[by]
