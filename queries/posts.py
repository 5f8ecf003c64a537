"""Posts, qualifications and study as of a date: the building blocks of every workforce audit.

Audits evaluate the law *as of a date the user gives* (DOMAIN.md, rule 1), so "who is the SENCO",
"who holds QTS" and "who is studying" are always asked at a date. These helpers answer those
questions once, vectorised, so the SENCO, sensory, PD, capacity and deadline audits (and other
analyses) agree on what "current" means.

Conventions (documented in docs/audits.md):

- A post is **current** on ``as_of`` when ``start_date <= as_of`` and ``end_date`` is blank or
  ``end_date >= as_of``: ``end_date`` is the last day in post (inclusive).
- A qualification is **held** on ``as_of`` when ``awarded_date <= as_of``.
- A person is **studying** on ``as_of`` when ``start_date <= as_of`` in ``person_studying``.
- "N years after a date" is the same calendar day N years later; 29 February maps to 28 February
  (``pandas.DateOffset``), so a deadline never falls after the anniversary.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, with_geography

DAY = pd.Timedelta(days=1)
LOCATION_COLUMNS = ["la_code", "la_name", "region_code", "region_name"]


def ts(day: dt.date | pd.Timestamp | str) -> pd.Timestamp:
    """A date as a midnight Timestamp (the unit the stores' date columns use)."""
    return pd.Timestamp(day).normalize()


def add_years(dates: pd.Series, years: int) -> pd.Series:
    """The same calendar day ``years`` later (29 Feb -> 28 Feb), as datetime64[ns]."""
    return (dates + pd.DateOffset(years=years)).astype("datetime64[ns]")


def current_mask(
    frame: pd.DataFrame,
    as_of: dt.date,
    start: str = "start_date",
    end: str = "end_date",
    open_start: bool = False,
) -> pd.Series:
    """Rows whose [start, end] interval (end inclusive, blank end = open) contains ``as_of``.

    A blank start is "not started" by default (a post needs a start date to count), or open-ended
    with ``open_start``: network memberships often carry no start date, and a bundle that lists one
    means the membership holds unless it says when it began (``queries.networks.participation``).
    """
    t = ts(as_of)
    started = (frame[start] <= t).fillna(False)
    if open_start:
        started = started | frame[start].isna()
    not_ended = (frame[end].isna() | (frame[end] >= t)).fillna(False)
    return (started & not_ended).astype(bool)


def _roles(frame: pd.DataFrame, roles: Iterable[str] | None) -> pd.DataFrame:
    if roles is None:
        return frame
    return frame[frame["role"].isin(list(roles)).fillna(False).astype(bool)]


def current_posts(store: GraphStore, as_of: dt.date, roles: Iterable[str] | None = None) -> pd.DataFrame:
    """School posts (``posts``) current on ``as_of``, optionally only the given role codes."""
    posts = _roles(store.table("posts"), roles)
    return posts[current_mask(posts, as_of)]


def current_service_posts(
    store: GraphStore, as_of: dt.date, roles: Iterable[str] | None = None
) -> pd.DataFrame:
    """LA / traded service posts (``service_posts``) current on ``as_of``."""
    posts = _roles(store.table("service_posts"), roles)
    return posts[current_mask(posts, as_of)]


def held(store: GraphStore, as_of: dt.date, qualifications: Iterable[str] | None = None) -> pd.DataFrame:
    """``person_qualifications`` rows awarded on or before ``as_of``."""
    q = store.table("person_qualifications")
    if qualifications is not None:
        q = q[q["qualification"].isin(list(qualifications)).fillna(False).astype(bool)]
    return q[(q["awarded_date"] <= ts(as_of)).fillna(False).astype(bool)]


def studying(store: GraphStore, as_of: dt.date, qualifications: Iterable[str] | None = None) -> pd.DataFrame:
    """``person_studying`` rows whose course had started on or before ``as_of``."""
    s = store.table("person_studying")
    if qualifications is not None:
        s = s[s["qualification"].isin(list(qualifications)).fillna(False).astype(bool)]
    return s[(s["start_date"] <= ts(as_of)).fillna(False).astype(bool)]


def holders(store: GraphStore, as_of: dt.date, qualification: str) -> pd.Index:
    """Person ids holding ``qualification`` on ``as_of``."""
    return pd.Index(held(store, as_of, [qualification])["person_id"].dropna().unique())


def roles_for_needs(store: GraphStore, needs: Iterable[str]) -> pd.DataFrame:
    """Role codes serving the given needs (catalogue ``roles.need``): columns role, need."""
    roles = store.table("roles")
    sel = roles["need"].isin(list(needs)).fillna(False).astype(bool)
    return roles.loc[sel, ["code", "need"]].rename(columns={"code": "role"}).reset_index(drop=True)


def services_frame(store: GraphStore) -> pd.DataFrame:
    """Services with la_name, region_code and region_name added (as schools_frame does for schools)."""
    return with_geography(store, store.table("services"))


def filter_services(services: pd.DataFrame, filters: Filters) -> pd.DataFrame:
    """Services matching ``filters``: region and LA apply; trust, phase and type filters are about
    schools, so when any of them is set no service matches."""
    if filters.trust or filters.phase or filters.type:
        return services.iloc[0:0]
    frame = services.assign(
        trust_id=pd.NA, trust_name=pd.NA, phase=pd.NA, type=pd.NA, type_group=pd.NA, kind=pd.NA
    )
    try:
        out = apply_filters(frame, Filters(region=filters.region, la=filters.la))
    except SendgraphError:  # no service in that area: not an error, the schools side checks names
        return services.iloc[0:0]
    return services.loc[out.index]


def in_operation(schools: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Schools open on ``as_of`` (not opening later, not closed on or before it)."""
    t = ts(as_of)
    later = (schools["open_date"] > t).fillna(False).astype(bool)
    closed = (schools["close_date"] <= t).fillna(False).astype(bool)
    return schools[~later & ~closed]


_WITHIN = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)


def parse_within(text: str) -> pd.DateOffset:
    """``"90d"``, ``"6w"``, ``"6m"``, ``"1y"`` as a calendar offset."""
    m = _WITHIN.match(text or "")
    if not m:
        raise SendgraphError(f"--within must look like 90d, 6w, 6m or 1y, not '{text}'")
    n, unit = int(m.group(1)), m.group(2).lower()
    return {
        "d": pd.DateOffset(days=n),
        "w": pd.DateOffset(weeks=n),
        "m": pd.DateOffset(months=n),
        "y": pd.DateOffset(years=n),
    }[unit]


def union_days(
    intervals: pd.DataFrame, group: list[str], start: str = "start", end: str = "end"
) -> pd.Series:
    """Total days covered by possibly overlapping inclusive [start, end] intervals, per group.

    Overlapping spells (a federation SENCO at two schools at once) are counted once. Vectorised:
    sort by start within each group; each interval only adds the days after the furthest end seen
    so far in its group.
    """
    if intervals.empty:
        return pd.Series(dtype="int64", index=pd.MultiIndex.from_tuples([], names=group))
    iv = intervals.sort_values([*group, start], kind="stable")
    reach = iv.groupby(group, sort=False)[end].cummax()
    prev = reach.groupby([iv[g] for g in group], sort=False).shift()
    eff_start = iv[start].where(prev.isna() | (prev < iv[start]), prev + DAY)
    days = ((iv[end] - eff_start).dt.days + 1).clip(lower=0)
    return days.groupby([iv[g] for g in group], sort=False).sum()
