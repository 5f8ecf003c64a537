"""Network gaps: who is outside the community of practice, and where it fails to reach.

The regional lead's questions (DOMAIN.md "Who uses it") and the seeds' findings:

- ``outside_every_network``: schools in no SEND network at any rung (UCL G10: 19%, 156/817, of
  schools "do not network with others").
- ``passive_only``: schools whose only participation is passive: mailing list, downloaded a tool,
  wider community (WSS §1.6; WSS G13: few schools climb the ladder).
- ``no_specialist_link``: mainstream schools with no special school, PRU or AP setting within
  ``hops`` links in the collaboration graph whose pupil age range overlaps their own (UCL G12:
  staff want exposure to special schools, PRUs and AP, "match on pupil age range, not phase";
  WSS G10: SERFs and the PRU share little with mainstream schools). A school with no recorded age
  range is treated as overlapping every range, so a gap is only reported where it is evident. Age
  ranges overlap only when they share a year of age: the boundary is exclusive (``low < other_high``
  and ``other_low < high``), so a 4–11 primary does not match an 11–19 special school (GIAS
  statutory ages: a pupil leaves the primary as the secondary-age school takes them).
- ``no_trained_reviewer``: local authorities with no trained peer reviewer (WSS G1: "LAs with zero
  trained reviewers"). A trained reviewer is a person in post in the LA on the as-of date who is a
  member of a SEND network at the ``trained_reviewer`` rung *or above* (host / deliverer, strategic
  partner: those rungs are reached through reviewing, WSS §1.6) or who carried a peer review, or a
  school in the LA that is itself a member at such a rung. The summary's ``trained_reviewers`` counts
  the same reviewers (people and reviewer schools), so an LA is listed exactly when it has 0.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp

from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, by_columns, schools_frame
from queries.networks.participation import (
    active_posts,
    live_members,
    school_participation,
    send_networks,
)
from queries.networks.ties import DEFAULT_MIN_WEIGHT, in_background, shared_tie_weights
from queries.posts import in_operation
from queries.publish import Publishes
from queries.registry import analysis

if TYPE_CHECKING:  # networkx is imported where a graph is built (~0.4 s a command otherwise)
    import networkx as nx

__all__ = [
    "SUMMARY",
    "network_gaps",
    "network_gaps_summary",
]

GAP_KINDS = ("outside_every_network", "passive_only", "no_specialist_link", "no_trained_reviewer")
REVIEWER_TIER = "trained_reviewer"
SPECIALIST_KINDS = ("special", "ap")
GAP_COLUMNS = [
    "gap",
    "urn",
    "school_name",
    "la_code",
    "la_name",
    "region_code",
    "region_name",
    "phase",
    "kind",
    "detail",
]

SUMMARY = Publishes(
    counts=(
        "schools",
        "outside_every_network",
        "passive_only",
        "mainstream",
        "no_specialist_link",
        "trained_reviewers",
    ),
    rates={
        "pct_outside_every_network": ("outside_every_network", "schools"),
        "pct_passive_only": ("passive_only", "schools"),
        "pct_no_specialist_link": ("no_specialist_link", "mainstream"),
        "reviewers_per_100_schools": ("trained_reviewers", "schools"),
    },
)
"""What :func:`network_gaps_summary` publishes."""


def _ages(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Low and high ages with unknowns widened to 0..99, so an unknown range overlaps any range."""
    return (
        frame["low_age"].astype("Float64").fillna(0).astype("float64"),
        frame["high_age"].astype("Float64").fillna(99).astype("float64"),
    )


def specialist_reach(g: nx.Graph, schools: pd.DataFrame, hops: int) -> pd.DataFrame:
    """For each mainstream school, the nearest special / AP setting with an overlapping age range.

    Breadth-first from each specialist setting to ``hops`` (there are far fewer of those than
    mainstream schools), then one vectorised age-overlap test on the pairs found. Returns urn,
    nearest_hops (NA when none within ``hops``).
    """
    import networkx as nx

    kind = schools.set_index("urn")["kind"]
    specialists = [u for u in kind.index[kind.isin(SPECIALIST_KINDS)] if u in g]
    pairs = [
        (s, m, d)
        for s in specialists
        for m, d in nx.single_source_shortest_path_length(g, s, cutoff=hops).items()
        if d > 0
    ]
    reach = pd.DataFrame(pairs, columns=["specialist", "urn", "hops"], dtype="int64")
    return _nearest_specialist(reach, schools)


def specialist_reach_from_ties(ties: pd.DataFrame, schools: pd.DataFrame, hops: int) -> pd.DataFrame:
    """:func:`specialist_reach` on a tie list (``urn_a``, ``urn_b``) instead of a networkx graph.

    Same answer (the hop count is the shortest-path length), computed as sparse boolean products:
    the frontier of every specialist setting at once is stepped ``hops`` times through the
    adjacency matrix, so the national tie list (~800k links) never becomes a Python graph.
    ``schools`` are the graph's nodes (every open school).
    """
    urns = schools["urn"].astype("int64").to_numpy()
    index = pd.Index(urns)
    a_i = index.get_indexer(ties["urn_a"].astype("int64").to_numpy())
    b_i = index.get_indexer(ties["urn_b"].astype("int64").to_numpy())
    ok = (a_i >= 0) & (b_i >= 0)
    a_i, b_i = a_i[ok], b_i[ok]
    n = len(urns)
    adj = sp.csr_matrix((np.ones(2 * len(a_i), dtype=bool), (np.r_[a_i, b_i], np.r_[b_i, a_i])), shape=(n, n))
    kind = schools["kind"].to_numpy()
    spec = np.flatnonzero(pd.Series(kind).isin(SPECIALIST_KINDS).to_numpy())
    found: list[pd.DataFrame] = []
    if len(spec) and hops > 0:
        seen = sp.csr_matrix(
            (np.ones(len(spec), dtype=bool), (np.arange(len(spec)), spec)), shape=(len(spec), n)
        )
        frontier = seen
        for h in range(1, hops + 1):
            step = (frontier @ adj).astype(bool)
            new = (step > seen).tocoo()  # reached now, not before (shortest path = h)
            if new.nnz == 0:
                break
            found.append(pd.DataFrame({"specialist": urns[spec[new.row]], "urn": urns[new.col], "hops": h}))
            frontier = new.tocsr()
            seen = (seen + frontier).astype(bool)
    reach = (
        pd.concat(found, ignore_index=True)
        if found
        else pd.DataFrame({"specialist": [], "urn": [], "hops": []})
    ).astype("int64")
    return _nearest_specialist(reach, schools)


def _nearest_specialist(reach: pd.DataFrame, schools: pd.DataFrame) -> pd.DataFrame:
    """From (specialist, urn, hops) pairs: each mainstream school's fewest hops to a special / AP
    setting whose age range overlaps its own (NA when none), shared by both ways of finding pairs."""
    low, high = _ages(schools)
    ages = pd.DataFrame(
        {"urn": schools["urn"].astype("int64").to_numpy(), "low": low.to_numpy(), "high": high.to_numpy()}
    )
    reach = reach.merge(ages, on="urn").merge(
        ages.rename(columns={"urn": "specialist", "low": "s_low", "high": "s_high"}), on="specialist"
    )
    overlap = (reach["low"] < reach["s_high"]) & (reach["s_low"] < reach["high"])
    nearest = reach[overlap].groupby("urn")["hops"].min()
    mainstream = schools.loc[schools["kind"] == "mainstream", ["urn"]].astype("int64")
    mainstream["nearest_hops"] = mainstream["urn"].map(nearest).astype("Int64")
    return mainstream.reset_index(drop=True)


def _at_or_above(store: GraphStore, tier: str) -> list[str]:
    """The rungs of the participation ladder from ``tier`` up."""
    ladder = list(store.schema.participation_tiers)
    return ladder[ladder.index(tier) :]


def trained_reviewers(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """(la_code, reviewer) pairs: people (person_id) or schools (``urn:<n>``) counting as reviewers."""
    nets = send_networks(store)["network_id"]
    schools = store.table("schools")[["urn", "la_code"]]
    at_or_above = _at_or_above(store, REVIEWER_TIER)
    # the live memberships participation read (a member's rows name the schools they are in post at)
    m = live_members(store, as_of)
    m = m[isin(m["network_id"], nets) & m["tier"].isin(at_or_above).fillna(False).to_numpy(dtype=bool)]
    staff = m[m["person_id"].notna().to_numpy()]
    rv = store.table("peer_reviews")
    rv = rv[(rv["date"] <= pd.Timestamp(as_of)).fillna(False).astype(bool)]
    rv = rv.dropna(subset=["reviewer_person_id"])
    posts = pd.concat(
        [staff[["person_id", "urn"]], active_posts(store, as_of, rv["reviewer_person_id"])], ignore_index=True
    ).drop_duplicates()
    located = posts.merge(schools, on="urn")[["la_code", "person_id"]]
    # A reviewer who has left every post still counts where they reviewed from.
    unposted = rv[~isin(rv["reviewer_person_id"], posts["person_id"])]
    located_rv = unposted.merge(schools, left_on="reviewer_urn", right_on="urn")[
        ["la_code", "reviewer_person_id"]
    ].rename(columns={"reviewer_person_id": "person_id"})
    sm = m[m["person_id"].isna().to_numpy()]
    school_level = sm.merge(schools, on="urn")
    school_level = pd.DataFrame(
        {"la_code": school_level["la_code"], "person_id": "urn:" + school_level["urn"].astype("string")}
    )
    out = pd.concat([located, located_rv, school_level], ignore_index=True).drop_duplicates()
    return out.rename(columns={"person_id": "reviewer"}).reset_index(drop=True)


def _frame(gap: str, rows: pd.DataFrame, detail: pd.Series | str) -> pd.DataFrame:
    out = rows.rename(columns={"name": "school_name"}).copy()
    out["gap"] = gap
    out["detail"] = detail
    return out.reindex(columns=GAP_COLUMNS)


def _gaps(
    store: GraphStore, filters: Filters, hops: int, as_of: dt.date, min_weight: float
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The gap rows (:func:`network_gaps`), the schools in scope and the trained reviewers: what
    both :func:`network_gaps` and :func:`network_gaps_summary` need, computed once."""
    # the participation rule as written here, on this store: its one large input (members' current
    # posts) is the held_posts seam, which a graph server answers by person key in a second; the
    # participation command's own native version pulls member posts by a pattern predicate over
    # every post (~50 s nationally on FalkorDB under load), so the gaps do not take that path
    # the tie list (its reads independent of participation's) is built on a thread on a server
    ties_later = in_background(store, lambda: shared_tie_weights(store, as_of, min_weight))
    per = school_participation.embedded(store, as_of=as_of, filters=filters)
    schools = schools_frame(store)
    scope = in_operation(apply_filters(schools, filters), as_of)  # = schools_in_scope, one frame
    parts = []
    none = per[per["tier_rank"] == 0]
    parts.append(_frame("outside_every_network", none, "in no SEND network at any rung"))
    passive = per[per["passive_only"]]
    parts.append(_frame("passive_only", passive, "highest rung: " + passive["highest_tier"].astype(str)))

    ties = ties_later()
    reach = specialist_reach_from_ties(ties, in_operation(schools, as_of), hops)
    missing = reach[reach["nearest_hops"].isna() & reach["urn"].isin(scope["urn"])]
    rows = per[per["urn"].isin(missing["urn"])]
    ages = scope.set_index("urn").loc[rows["urn"], ["low_age", "high_age"]]
    span = ages["low_age"].astype("string").fillna("?") + "-" + ages["high_age"].astype("string").fillna("?")
    parts.append(
        _frame(
            "no_specialist_link",
            rows,
            ("no special school, PRU or AP setting for ages " + span + f" within {hops} link(s)").to_numpy(),
        )
    )

    reviewers = trained_reviewers(store, as_of)
    las = (
        scope.groupby(["la_code", "la_name", "region_code", "region_name"], dropna=False)
        .size()
        .rename("schools")
        .reset_index()
    )
    las = las[~las["la_code"].isin(reviewers["la_code"])]
    parts.append(
        _frame(
            "no_trained_reviewer",
            las.drop(columns="schools"),
            las["schools"].astype(str) + " school(s), no trained peer reviewer",
        )
    )
    out = (
        pd.concat([p for p in parts if len(p)], ignore_index=True)
        if any(len(p) for p in parts)
        else pd.DataFrame(columns=GAP_COLUMNS)
    )
    out["urn"] = out["urn"].astype("Int64")
    out["_order"] = out["gap"].map({g: i for i, g in enumerate(GAP_KINDS)})
    out = out.sort_values(["_order", "la_code", "urn"], na_position="first").drop(columns="_order")
    return out.reset_index(drop=True), scope, reviewers


@analysis
def network_gaps(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    hops: int = 2,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Every network gap in scope, one row per (gap, school) or (gap, LA); see the module docstring.

    Area rows (``no_trained_reviewer``) have a blank urn. Sorted by gap (in ``GAP_KINDS`` order),
    then LA and URN.

    >>> network_gaps(store, as_of=dt.date(2025, 9, 1), filters=Filters(region="North East"))  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    out = _gaps(store, filters, hops, as_of, min_weight)[0]
    out.attrs.update({"as_of": as_of.isoformat(), "hops": hops})
    return out


@analysis
def network_gaps_summary(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    by: str | None = "la",
    hops: int = 2,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Gap counts and rates per group (region, LA, ...), for publication through ``suppress``.

    ``pct_no_specialist_link`` is a share of mainstream schools only; ``reviewers_per_100_schools``
    is WSS G1's regional measure of trained reviewers.

    >>> network_gaps_summary(store, as_of=dt.date(2025, 9, 1), by="la")  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    group = by_columns(by)
    gaps, scope, reviewers = _gaps(store, filters, hops, as_of, min_weight)
    scope = scope.copy()
    for gap in GAP_KINDS[:3]:
        scope[gap] = scope["urn"].isin(gaps.loc[gaps["gap"] == gap, "urn"])
    scope["mainstream"] = scope["kind"] == "mainstream"
    key = group or ["_all"]
    if not group:
        scope["_all"] = "all"
    out = (
        scope.groupby(key, dropna=False)
        .agg(
            schools=("urn", "size"),
            outside_every_network=("outside_every_network", "sum"),
            passive_only=("passive_only", "sum"),
            mainstream=("mainstream", "sum"),
            no_specialist_link=("no_specialist_link", "sum"),
        )
        .reset_index()
    )
    la_groups = scope[list(dict.fromkeys([*key, "la_code"]))].drop_duplicates()
    counts = reviewers.merge(la_groups, on="la_code").groupby(key, dropna=False)["reviewer"].nunique()
    out = out.merge(counts.rename("trained_reviewers"), left_on=key, right_index=True, how="left")
    out["trained_reviewers"] = out["trained_reviewers"].fillna(0).astype("int64")

    def pct(a: str, b: str) -> pd.Series:
        return (100 * out[a] / out[b].where(out[b] > 0)).astype("float64").round(1)

    out["pct_outside_every_network"] = pct("outside_every_network", "schools")
    out["pct_passive_only"] = pct("passive_only", "schools")
    out["pct_no_specialist_link"] = pct("no_specialist_link", "mainstream")
    out["reviewers_per_100_schools"] = pct("trained_reviewers", "schools")
    columns = [
        *group,
        "schools",
        "outside_every_network",
        "pct_outside_every_network",
        "passive_only",
        "pct_passive_only",
        "mainstream",
        "no_specialist_link",
        "pct_no_specialist_link",
        "trained_reviewers",
        "reviewers_per_100_schools",
    ]
    out = out[columns].reset_index(drop=True)
    out.attrs.update({"as_of": as_of.isoformat(), "hops": hops})
    return out
