"""Participation in SEND communities of practice, as a ladder rather than a flag.

The WSS evaluation (WSS digest §1.6, Table 1) describes participation as a continuum, least to most
active: wider community → mailing list → downloaded a review tool → attended training or a summit →
trained reviewer → host or deliverer → strategic partner. The rungs are declared once in
``schema.toml`` (``meta.participation_tiers``); a school's rung is the highest it reaches in any SEND
network, either as an institution (``school_memberships``) or through a member of its staff
(``person_memberships`` of a person holding a post there on the as-of date). The seeds find that
19% of schools do not network at all (UCL 2019 G10) and that few schools climb the ladder (WSS G13:
"no data on the rate of progression across this continuum"), so the summary reports the share at
each rung and the funnel between rungs, by region against the national figure (UCL G21).

Which networks count: a network whose ``send`` flag is false is left out; a blank flag counts as a
SEND network, because a bundle that lists networks for this tool lists SEND networks unless it says
otherwise.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.context import SCHOOL_COLUMNS, Filters, apply_filters, by_columns, schools_frame
from queries.networks.memo import shared
from queries.posts import current_mask, in_operation
from queries.publish import Publishes
from queries.registry import analysis

__all__ = [
    "OVER_TIME",
    "SUMMARY",
    "held_posts",
    "ladder_progression",
    "network_members",
    "participation_over_time",
    "participation_summary",
    "school_participation",
]

PASSIVE_TIERS = ("wider_community", "mailing_list", "downloaded_tool")
"""Rungs that involve no contact with other schools (WSS §1.6 rungs 1–3)."""
ACTIVE_FROM = "attended_training"
"""The first rung at which staff meet staff from other schools (training, summits)."""

PARTICIPATION_COLUMNS = [
    *SCHOOL_COLUMNS,
    "highest_tier",
    "tier_rank",
    "networks",
    "staff_participants",
    "passive_only",
]

SUMMARY = Publishes(
    counts=(
        "schools",
        "schools_at_rung",
        "schools_at_or_above",
        "reached_rung_below",
        "staff_participants",
    ),
    rates={
        "pct_at_rung": ("schools_at_rung", "schools"),
        "pct_at_or_above": ("schools_at_or_above", "schools"),
        "funnel_pct": ("schools_at_or_above", "reached_rung_below"),
        "diff_from_national_pp": ("schools_at_or_above", "schools"),
        "staff_per_school": ("staff_participants", "schools_at_rung"),
    },
    categories=("rung", "tier"),
    # within one area the rungs partition its schools, and the ladder's running columns are sums of
    # rungs: a lone suppressed rung would be ``schools`` minus the others, or a difference of
    # "at or above" figures, so publish() hides a second cell of each relation
    group_totals={"schools": "schools_at_rung"},
    running_totals={"schools_at_or_above": "schools_at_rung"},
    lagged={"reached_rung_below": "schools_at_or_above"},
)
"""What :func:`participation_summary` publishes."""
_STEPS = (
    "mailing_list",
    "downloaded_tool",
    "attended_training",
    "trained_reviewer",
    "host_deliverer",
    "strategic_partner",
)
"""The rungs one can climb to (every rung but the first), for the over-time progression columns."""
OVER_TIME = Publishes(
    counts=(
        "schools",
        "participating",
        "active",
        "passive_only",
        "staff_participants",
        *(f"schools_climbed_to_{t}" for t in _STEPS),
    ),
    rates={
        "pct_participating": ("participating", "schools"),
        "pct_active": ("active", "schools"),
        "pct_passive_only": ("passive_only", "schools"),
        "staff_per_school": ("staff_participants", "schools"),
        # a median time over a suppressed number of climbers is suppressed with it
        **{f"median_days_to_{t}": (f"schools_climbed_to_{t}",) for t in _STEPS},
    },
    totals={"participating": ("active", "passive_only")},
    categories=("year",),
)
"""What :func:`participation_over_time` publishes (one row per year: no column relation)."""


def tier_ranks(store: GraphStore) -> dict[str, int]:
    """Rung number of each tier: 1 (wider community) .. 7 (strategic partner); 0 means none."""
    return {t: i + 1 for i, t in enumerate(store.schema.participation_tiers)}


def active_on(
    frame: pd.DataFrame, as_of: dt.date, start: str = "start_date", end: str = "end_date"
) -> pd.Series:
    """Rows whose [start, end] interval contains ``as_of`` (blank start or end = open-ended):
    :func:`queries.posts.current_mask` with ``open_start``."""
    return current_mask(frame, as_of, start, end, open_start=True)


def send_networks(store: GraphStore, network: str | None = None) -> pd.DataFrame:
    """The SEND networks (``send`` not false), optionally only the one named by id or name."""
    nets = store.table("networks")
    nets = nets[~nets["send"].eq(False).fillna(False).astype(bool)]
    if network:
        want = network.strip().casefold()
        hit = nets["network_id"].str.casefold().eq(want) | nets["name"].str.casefold().eq(want)
        nets = nets[hit.fillna(False).astype(bool)]
        if nets.empty:
            raise SendgraphError(f"no SEND network matches '{network}'")
    return nets


def active_posts(store: GraphStore, as_of: dt.date, people: object = None) -> pd.DataFrame:
    """(person_id, urn) of every post held on ``as_of``, one row per pair; only ``people`` if given
    (filtering first keeps a national posts table of millions of rows cheap): :func:`held_posts`."""
    return held_posts(store, as_of=as_of, people=None if people is None else list(pd.unique(people)))


@analysis
def held_posts(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters(), people: object = None
) -> pd.DataFrame:
    """(person_id, urn) of the posts held on ``as_of``, one row per pair in (person_id, urn) order;
    only those of ``people`` (person ids) if given. National (``filters`` unused).

    Why a registered function: a network's staff members (~26k nationally) hold a few tens of
    thousands of the ~950k current posts, so a graph server looks their posts up by person key
    (:mod:`queries.native.networks`) instead of pulling the posts table.
    """
    as_of = as_of or dt.date.today()
    posts = store.table("posts")[["person_id", "urn", "start_date", "end_date"]]
    if people is not None:
        posts = posts[isin(posts["person_id"], people)]
    posts = posts[active_on(posts, as_of).to_numpy()]
    out = posts[["person_id", "urn"]].drop_duplicates()
    out = out.sort_values(["person_id", "urn"], kind="stable").reset_index(drop=True)
    return out.astype({"person_id": "string", "urn": "Int64"})


def school_network_memberships(store: GraphStore, as_of: dt.date, network: str | None = None) -> pd.DataFrame:
    """Every way a school takes part in a SEND network on ``as_of``.

    One row per (urn, network_id, tier, person_id): ``person_id`` is blank for the school's own
    membership and names the member of staff for a membership carried by a person in post at the
    school. ``rank`` is the rung number.

    Built once per store, date and network (:func:`queries.networks.memo.shared`): participation and
    the tie list both start from it, and its staff rows are a paged look-up of posts on a server.
    Callers must not change the frame.
    """
    return shared(
        store,
        ("school_network_memberships", as_of, network),
        lambda: _school_network_memberships(store, as_of, network),
    )


MEMBER_COLUMNS = ["urn", "network_id", "tier", "person_id"]


@analysis
def network_members(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """Every membership of any network live on ``as_of``, as the schools it ties: columns
    ``urn``, ``network_id``, ``tier``, ``person_id``. First the schools' own memberships
    (``person_id`` blank) in (urn, network_id, tier) order, then those of people in post on
    ``as_of``, one row per school they are in post at, in (person_id, network_id, tier, urn) order.
    National, every network (``filters`` unused; callers keep the SEND networks they want).

    Why a registered function: it is the one large input of participation and of the tie list's
    network memberships (nationally ~47k school and ~26k person memberships, with the members'
    current posts), so a graph server answers it with two joins filtered to ``as_of`` on the
    server (:mod:`queries.native.networks`), three small columns a row, instead of pulling both
    membership tables with their dates and then looking the members' posts up by key.
    """
    as_of = as_of or dt.date.today()
    sm = store.table("school_memberships")
    sm = sm.loc[active_on(sm, as_of).to_numpy(), ["urn", "network_id", "tier"]]
    sm = sm.sort_values(["urn", "network_id", "tier"], kind="stable")
    pm = store.table("person_memberships")
    pm = pm.loc[active_on(pm, as_of).to_numpy(), ["person_id", "network_id", "tier"]]
    pm = pm.sort_values(["person_id", "network_id", "tier"], kind="stable")
    # held_posts' rows are in (person_id, urn) order and the merge keeps the left order, then the
    # right order within a person: (person_id, network_id, tier, urn)
    staff = pm.merge(active_posts(store, as_of, pm["person_id"]), on="person_id")
    out = pd.concat([sm.assign(person_id=pd.NA), staff[MEMBER_COLUMNS]], ignore_index=True)
    return out.astype({"urn": "Int64", "network_id": "string", "tier": "string", "person_id": "string"})


def live_members(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """:func:`network_members`, read once per store and date (participation, the tie list and the
    gaps' trained reviewers all start from it). Read-only."""
    return shared(store, ("network_members", as_of), lambda: network_members(store, as_of=as_of))


def _school_network_memberships(store: GraphStore, as_of: dt.date, network: str | None) -> pd.DataFrame:
    ranks = tier_ranks(store)
    nets = send_networks(store, network)["network_id"]
    out = live_members(store, as_of)
    out = out[isin(out["network_id"], nets)]
    out = out.assign(rank=out["tier"].map(ranks).astype("Int64"))
    return out.drop_duplicates().reset_index(drop=True)


def schools_in_scope(store: GraphStore, filters: Filters, as_of: dt.date) -> pd.DataFrame:
    """Schools matching ``filters`` and open on ``as_of`` (blank open / close dates = open)."""
    return in_operation(apply_filters(schools_frame(store), filters), as_of)


@analysis
def school_participation(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    network: str | None = None,
) -> pd.DataFrame:
    """One row per school in scope with its highest rung on the participation ladder.

    ``tier_rank`` is 0 for a school outside every SEND network (UCL G10's "does not network") and
    1..7 up the ladder; ``passive_only`` marks schools whose every membership is on a passive rung
    (mailing list, downloads, wider community: WSS §1.6), which take part without meeting anyone.
    ``staff_participants`` counts people in post at the school who are members of a SEND network
    (per school; the summaries count each person once, see :func:`participation_summary`).

    >>> school_participation(store, filters=Filters(region="North East"))  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    schools = schools_in_scope(store, filters, as_of)
    m = school_network_memberships(store, as_of, network)
    m = m[m["urn"].isin(schools["urn"])]
    return _per_school(store, schools, m, as_of)


def _per_school(store: GraphStore, schools: pd.DataFrame, m: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    per = m.groupby("urn").agg(
        tier_rank=("rank", "max"),
        networks=("network_id", "nunique"),
        staff_participants=("person_id", "nunique"),
    )
    out = schools.rename(columns={"name": "school_name"})[SCHOOL_COLUMNS].merge(
        per, left_on="urn", right_index=True, how="left"
    )
    tiers = dict(enumerate(store.schema.participation_tiers, start=1))
    out["tier_rank"] = out["tier_rank"].fillna(0).astype("int64")
    out["highest_tier"] = out["tier_rank"].map(tiers).astype("string")
    out["networks"] = out["networks"].fillna(0).astype("int64")
    out["staff_participants"] = out["staff_participants"].fillna(0).astype("int64")
    out["passive_only"] = (out["tier_rank"] >= 1) & (out["tier_rank"] <= len(PASSIVE_TIERS))
    out = out[PARTICIPATION_COLUMNS].sort_values("urn").reset_index(drop=True)
    out.attrs["as_of"] = as_of.isoformat()
    return out


def _pct(num: pd.Series, den: pd.Series) -> pd.Series:
    num = num.astype("float64")
    den = den.astype("float64")
    return (100 * num / den.where(den > 0)).round(1)


def _participation_with_staff(
    store: GraphStore, filters: Filters, as_of: dt.date, network: str | None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`school_participation` and the (urn, person_id) pairs behind ``staff_participants``,
    so that summaries count people, not person–school pairs (a federation SENCO counts once)."""
    schools = schools_in_scope(store, filters, as_of)
    m = school_network_memberships(store, as_of, network)
    m = m[m["urn"].isin(schools["urn"])]
    staff = m.dropna(subset=["person_id"])[["urn", "person_id"]].drop_duplicates()
    return _per_school(store, schools, m, as_of), staff


def _ladder(
    per_school: pd.DataFrame, group: list[str], tiers: tuple[str, ...], staff: pd.DataFrame
) -> pd.DataFrame:
    """Long table: one row per group and rung 0..7 with counts, shares and the funnel.
    ``staff_participants`` counts distinct people in post at the group's schools at that rung."""
    key = group or ["_all"]
    frame = per_school.assign(_all="all") if not group else per_school
    rungs = pd.DataFrame({"rung": range(len(tiers) + 1)})
    groups = frame[key].drop_duplicates()
    grid = groups.merge(rungs, how="cross")
    counts = frame.groupby([*key, "tier_rank"], dropna=False).agg(schools_at_rung=("urn", "size"))
    people = staff.merge(frame[["urn", *key, "tier_rank"]], on="urn")
    counts["staff_participants"] = people.groupby([*key, "tier_rank"], dropna=False)["person_id"].nunique()
    counts = counts.reset_index()
    counts = counts.rename(columns={"tier_rank": "rung"})
    out = grid.merge(counts, on=[*key, "rung"], how="left")
    out[["schools_at_rung", "staff_participants"]] = (
        out[["schools_at_rung", "staff_participants"]].fillna(0).astype("int64")
    )
    out = out.sort_values([*key, "rung"]).reset_index(drop=True)
    g = out.groupby(key, dropna=False, sort=False)
    out["schools"] = g["schools_at_rung"].transform("sum")
    # at-or-above = the reverse cumulative sum within each group.
    out["schools_at_or_above"] = out["schools"] - g["schools_at_rung"].cumsum() + out["schools_at_rung"]
    out["reached_rung_below"] = g["schools_at_or_above"].shift(1)
    out["reached_rung_below"] = out["reached_rung_below"].astype("Int64")
    out["tier"] = out["rung"].map({0: "none", **dict(enumerate(tiers, start=1))})
    out["pct_at_rung"] = _pct(out["schools_at_rung"], out["schools"])
    out["pct_at_or_above"] = _pct(out["schools_at_or_above"], out["schools"])
    out["funnel_pct"] = _pct(out["schools_at_or_above"], out["reached_rung_below"].astype("float64"))
    out["staff_per_school"] = (
        out["staff_participants"] / out["schools_at_rung"].where(out["schools_at_rung"] > 0)
    ).round(2)
    return out.drop(columns=["_all"], errors="ignore")


@analysis
def participation_summary(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    by: str | None = None,
    network: str | None = None,
) -> pd.DataFrame:
    """The participation ladder for the schools in scope, one row per (group, rung).

    For each rung 0 (none) .. 7: schools whose highest rung it is (``schools_at_rung``,
    ``pct_at_rung``), schools at it or above (``pct_at_or_above``), the funnel
    (``funnel_pct``: of the schools that reached the rung below, the share that reached this one;
    WSS G13), staff taking part at those schools and per school, and the national share at or
    above the rung (same phase / type / network, every region) with the difference in percentage
    points (UCL G21: each region against the national figure). ``staff_participants`` counts distinct
    people (a SENCO serving two schools of one rung counts once there). Counts are raw: publish them
    through :func:`queries.publish.publish` with :data:`SUMMARY`.

    >>> participation_summary(store, as_of=dt.date(2025, 9, 1), by="region")  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    group = by_columns(by)
    tiers = store.schema.participation_tiers
    per, staff = _participation_with_staff(store, filters, as_of, network)
    national_filters = Filters(phase=filters.phase, type=filters.type)
    # with no place filter the national schools are the schools in scope: compute them once
    national_per, national_staff = (
        (per, staff)
        if national_filters == filters
        else _participation_with_staff(store, national_filters, as_of, network)
    )
    missing = [c for c in group if c not in per.columns]
    if missing:
        per = per.merge(schools_frame(store)[["urn", *missing]], on="urn", how="left")
    out = _ladder(per, group, tiers, staff)
    national = _ladder(national_per, [], tiers, national_staff)
    out = out.merge(
        national[["rung", "pct_at_or_above"]].rename(columns={"pct_at_or_above": "national_pct_at_or_above"}),
        on="rung",
        how="left",
    )
    out["diff_from_national_pp"] = (out["pct_at_or_above"] - out["national_pct_at_or_above"]).round(1)
    columns = [
        *group,
        "rung",
        "tier",
        "schools",
        "schools_at_rung",
        "pct_at_rung",
        "schools_at_or_above",
        "pct_at_or_above",
        "reached_rung_below",
        "funnel_pct",
        "national_pct_at_or_above",
        "diff_from_national_pp",
        "staff_participants",
        "staff_per_school",
    ]
    out = out[columns].reset_index(drop=True)
    out.attrs.update({"as_of": as_of.isoformat(), "rungs": ", ".join(tiers)})
    return out


PROGRESSION_COLUMNS = [
    "from_tier",
    "to_tier",
    "schools_reached",
    "schools_climbed",
    "same_day",
    "median_days",
]


@analysis
def ladder_progression(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    network: str | None = None,
) -> pd.DataFrame:
    """Median time between rungs of the ladder (WSS G13: "no data on the rate of progression across
    this continuum"), one row per step from one rung to the next.

    A school first reaches rung r on the earliest start date of any membership at r or above that it
    holds as an institution, or through a person in post there on ``as_of`` (memberships that have
    since ended count: they were reached). For each step r → r+1, among schools in scope that reached
    r+1 by ``as_of`` with dated memberships: ``schools_reached``; ``same_day`` (entered at r+1 or
    above directly: no time on rung r); ``schools_climbed`` (reached r+1 later than r) and
    ``median_days`` between the two dates over the climbers. Undated memberships are left out.

    >>> ladder_progression(store, as_of=dt.date(2025, 8, 31), network="WSS-COP")  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    t = pd.Timestamp(as_of)
    ranks = tier_ranks(store)
    tiers = list(store.schema.participation_tiers)
    nets = send_networks(store, network)["network_id"]
    schools = schools_in_scope(store, filters, as_of)
    sm = store.table("school_memberships")
    sm = sm[sm["network_id"].isin(nets).fillna(False).astype(bool)][["urn", "tier", "start_date"]]
    pm = store.table("person_memberships")
    pm = pm[pm["network_id"].isin(nets).fillna(False).astype(bool)][["person_id", "tier", "start_date"]]
    pm = pm.merge(active_posts(store, as_of, pm["person_id"]), on="person_id")[["urn", "tier", "start_date"]]
    m = pd.concat([sm, pm], ignore_index=True)
    m = m[isin(m["urn"], schools["urn"]) & (m["start_date"] <= t).fillna(False).to_numpy(dtype=bool)]
    m = m.assign(rank=m["tier"].map(ranks))
    rows = []
    for r in range(2, len(tiers) + 1):
        lower = m[m["rank"] >= r - 1].groupby("urn")["start_date"].min()
        upper = m[m["rank"] >= r].groupby("urn")["start_date"].min()
        both = pd.DataFrame({"lower": lower, "upper": upper}).dropna()
        days = (both["upper"] - both["lower"]).dt.days
        climbed = days[days > 0]
        rows.append(
            {
                "from_tier": tiers[r - 2],
                "to_tier": tiers[r - 1],
                "schools_reached": len(both),
                "schools_climbed": len(climbed),
                "same_day": int((days == 0).sum()),
                "median_days": float(climbed.median()) if len(climbed) else float("nan"),
            }
        )
    out = pd.DataFrame(rows, columns=PROGRESSION_COLUMNS)
    out.attrs["as_of"] = as_of.isoformat()
    return out


@analysis
def participation_over_time(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    years: Iterable[int] | None = None,
    network: str | None = None,
) -> pd.DataFrame:
    """Participation at 31 August of each year (the end of the school year), from membership dates.

    WSS G12/G13 ask whether reach is still growing and whether schools climb the ladder; this needs
    dated memberships, so it refuses to run when no membership has a start date (every year would
    show today's picture). ``active`` = schools at "attended training" or above;
    ``staff_participants`` = distinct people taking part (not person–school pairs).
    ``median_days_to_<rung>`` / ``schools_climbed_to_<rung>``: the median time from first reaching
    the rung below to first reaching that rung, over the schools that had climbed it by that date
    (:func:`ladder_progression`; WSS G13). ``years`` defaults to the year of ``as_of`` (or today).

    >>> participation_over_time(store, years=[2019, 2024])  # doctest: +SKIP
    """
    if years is None:
        years = [(as_of or dt.date.today()).year]
    sm, pm = store.table("school_memberships"), store.table("person_memberships")
    if not (sm["start_date"].notna().any() or pm["start_date"].notna().any()):
        raise SendgraphError("no membership has a start_date, so change over time cannot be shown")
    active_rank = tier_ranks(store)[ACTIVE_FROM]
    rows = []
    steps = []
    for year in sorted(set(years)):
        as_of = dt.date(year, 8, 31)
        prog = ladder_progression(store, as_of=as_of, filters=filters, network=network)
        steps.append(
            {
                **{f"schools_climbed_to_{r.to_tier}": r.schools_climbed for r in prog.itertuples()},
                **{f"median_days_to_{r.to_tier}": r.median_days for r in prog.itertuples()},
            }
        )
        per, staff = _participation_with_staff(store, filters, as_of, network)
        rows.append(
            {
                "year": year,
                "as_of": pd.Timestamp(as_of),
                "schools": len(per),
                "participating": int((per["tier_rank"] >= 1).sum()),
                "active": int((per["tier_rank"] >= active_rank).sum()),
                "passive_only": int(per["passive_only"].sum()),
                "staff_participants": int(staff["person_id"].nunique()),
            }
        )
    out = pd.DataFrame(
        rows,
        columns=["year", "as_of", "schools", "participating", "active", "passive_only", "staff_participants"],
    )
    out["pct_participating"] = _pct(out["participating"], out["schools"])
    out["pct_active"] = _pct(out["active"], out["schools"])
    out["pct_passive_only"] = _pct(out["passive_only"], out["schools"])
    out["staff_per_school"] = (out["staff_participants"] / out["schools"].where(out["schools"] > 0)).round(2)
    progression = pd.DataFrame(steps, index=out.index)
    return pd.concat([out[OVER_TIME_BASE], progression], axis=1)


OVER_TIME_BASE = [
    "year",
    "as_of",
    "schools",
    "participating",
    "pct_participating",
    "active",
    "pct_active",
    "passive_only",
    "pct_passive_only",
    "staff_participants",
    "staff_per_school",
]
