"""Who works with whom: building the school tie graph (measuring it is :mod:`queries.networks.collaboration`).

Two schools are tied (WSS digest §6.1; UCL digest G10–G12) by:

- **shared groups**, projected with Newman's weighting: each group of ``n`` member schools that both
  belong to adds ``1/(n−1)`` to the pair's tie (M. E. J. Newman, "Scientific collaboration networks.
  II. Shortest paths, weighted networks, and centrality", Phys. Rev. E 64, 016132 (2001)). So a
  cluster of 3 adds 0.5 to each pair, a county SENCO forum of 200 adds 0.005, and a school's ties
  through one group always add up to 1, however large the group. Groups are:

  - ``network``/``cluster``/``hub``/``trust_network``: active membership (rung "attended training" or
    above) of the same SEND network, named after the network's kind (passive rungs never tie:
    mailing lists and downloads are not contact);
  - ``federation`` (or the group's own kind): current membership of the same ``groups`` node;
  - ``trust``: the same multi-academy trust;
  - ``cpd_event``: staff of both schools attended the same face-to-face CPD activity (the WSS
    evaluation's typical weak tie); online, in-school (INSET) and review-tool activities are not
    meetings and do not tie;

- **pairwise ties**, weight 1 each: ``peer_review`` (reviewer school → reviewed school), a
  ``school_links`` row (cluster, collaboration, a legacy federation pair; GIAS history links such
  as predecessor / successor record one school's past, not a tie) and ``shared_staff`` (one person
  in post at both schools).

**Lifetimes** (:data:`TIE_LIFETIME_YEARS`): a peer review or a CPD event ties for 3 years from its
date, then lapses (a 2016 review is not a link in 2025). Memberships, school links and posts tie
while current: from their start (blank = always) to their end date (blank = still in place).

**Weights and the threshold.** A pair's ``weight`` is the sum of all its contributions. The
structure measures keep ties of at least ``min_weight`` (default :data:`DEFAULT_MIN_WEIGHT`: one
shared group of up to 51 schools, two of up to 101, any peer review or shared member of staff);
``min_weight=0`` keeps every tie. Isolation does not depend on the threshold: a school is isolated
only when it has no tie of any weight (:func:`tied_schools`).

**Who carries a tie.** Each contribution (an *instance*) records, for each end, either ``None`` (the
school takes part as an institution: trust, group, its own network membership, a review with no
named reviewer) or the people through whom it takes part. :mod:`queries.networks.fragility` uses this.

Pairs are built with a sparse matrix product (schools × groups), never by looping over pairs, and
the built graph is kept on the store's ``cache`` (see :func:`shared_tie_graph`).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, TypeVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from graphmodel.frames import isin
from graphmodel.server.base import ServerStore
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, schools_frame
from queries.networks.memo import shared
from queries.networks.participation import (
    ACTIVE_FROM,
    active_on,
    school_network_memberships,
    send_networks,
    tier_ranks,
)
from queries.posts import in_operation
from queries.registry import analysis

T = TypeVar("T")

if TYPE_CHECKING:  # networkx is imported where a graph is built (~0.4 s a command otherwise)
    import networkx as nx

__all__ = [
    "DEFAULT_MIN_WEIGHT",
    "MEETING_COLUMNS",
    "TIE_LIFETIME_YEARS",
    "is_meeting",
    "live_since",
    "live_meetings",
    "meeting_schools",
    "open_schools",
    "pair_tie_instances",
    "school_rows",
    "school_ties",
    "shared_staff",
    "shared_tie_graph",
    "shared_tie_instances",
    "shared_tie_weights",
    "shared_weight_graph",
    "tie_graph",
    "tie_instances",
    "tie_weights",
    "tied_schools",
    "weight_graph",
]

DEFAULT_MIN_WEIGHT = 0.02
TIE_LIFETIME_YEARS = {"peer_review": 3, "cpd_event": 3}
"""How long a dated, one-off contact ties two schools (years from its date)."""
HISTORY_LINKS = r"predecessor|successor|merged|amalgamat|split|closure|expansion|result of|change in age"
NOT_MEETINGS = r"online|inset|in-school|in school|review tool"
NETWORK_LINK_KIND = {"cluster": "cluster", "teaching_school_hub": "hub", "trust_network": "trust_network"}
NODE_ATTRIBUTES = [
    "name",
    "la_code",
    "la_name",
    "region_code",
    "region_name",
    "phase",
    "type",
    "kind",
    "trust_id",
    "low_age",
    "high_age",
]
INSTANCE_COLUMNS = ["urn_a", "urn_b", "kind", "weight", "carriers_a", "carriers_b"]
END_COLUMNS = ["source", "kind", "urn", "carriers"]
TIE_COLUMNS = ["urn_a", "urn_b", "weight", "kinds", "people", "instances"]


def school_rows(store: GraphStore) -> pd.DataFrame:
    """:func:`queries.context.schools_frame`, built once per store (:func:`queries.networks.memo.shared`).
    Read-only.

    Why: a structure command asked for it five or six times (the tie list, the scope, the nodes,
    the ties a table shows), each time merging ~24k schools with their LAs, regions and trusts
    again (~0.1 s a time nationally)."""
    return shared(store, "schools_frame", lambda: schools_frame(store))


def open_schools(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """The schools open on ``as_of`` (:func:`queries.posts.in_operation` of :func:`school_rows`),
    built once per store and date. Read-only."""
    return shared(store, ("open_schools", as_of), lambda: in_operation(school_rows(store), as_of))


def _carriers(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """One row per ``keys`` with ``carriers``: None when any row has no person (the school takes
    part as an institution), else the sorted tuple of its person_ids.

    The tuples are cut from one sorted array at the groups' boundaries: pandas' ``agg(tuple)``
    called Python once per group (~0.3 ms each; ~0.4 s for the ~800 memberships of the schools
    a brokers table shows, and far more for the national list of who carries each tie)."""
    institutional = frame["person_id"].isna().groupby([frame[k] for k in keys]).any().rename("inst")
    named = frame.dropna(subset=["person_id", *keys])
    named = named[keys].assign(person_id=named["person_id"].astype(str))
    # sorted and de-duplicated once for the whole frame, so each group's tuple is already in order
    named = named.drop_duplicates().sort_values([*keys, "person_id"], kind="stable")
    ids = named["person_id"].tolist()
    start = np.zeros(len(named), dtype=bool)
    start[:1] = True
    for k in keys:
        code = pd.factorize(named[k])[0]
        start[1:] |= code[1:] != code[:-1]
    first = np.flatnonzero(start)
    bounds = [*first.tolist(), len(ids)]
    groups = named[keys].iloc[first]
    index = pd.MultiIndex.from_frame(groups) if len(keys) > 1 else pd.Index(groups[keys[0]])
    tuples = [tuple(ids[a:b]) for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    people = pd.Series(tuples, index=index, dtype=object, name="carriers")
    out = institutional.to_frame().join(people).reset_index()
    out["carriers"] = out["carriers"].where(~out["inst"], None)
    return out.drop(columns="inst")


def _no_carriers(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Like :func:`_carriers`, without working out who carries each end (``carriers`` all None):
    the weights, components and reach need only which schools share a group, and the per-group
    person tuples are most of the cost of building the national tie list."""
    return frame[keys].drop_duplicates().assign(carriers=None).reset_index(drop=True)


def _network_ends(
    store: GraphStore, as_of: dt.date, carriers: bool = True, urns: pd.Index | None = None
) -> pd.DataFrame:
    m = school_network_memberships(store, as_of)
    m = m[(m["rank"] >= tier_ranks(store)[ACTIVE_FROM]).fillna(False).to_numpy(dtype=bool)]
    if urns is not None:
        m = m[isin(m["urn"].astype("int64"), urns)]
    if m.empty:
        return pd.DataFrame(columns=END_COLUMNS)
    ends = (_carriers if carriers else _no_carriers)(m, ["network_id", "urn"])
    ends = ends.rename(columns={"network_id": "source"})
    kinds = send_networks(store).set_index("network_id")["kind"].map(NETWORK_LINK_KIND)
    ends["kind"] = ends["source"].map(kinds).fillna("network").astype(object)
    ends["source"] = "network:" + ends["source"].astype(str)
    return ends[END_COLUMNS]


def _group_ends(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    g = store.table("group_memberships")
    g = g[active_on(g, as_of).to_numpy()]
    kinds = store.table("groups").set_index("group_id")["kind"].astype("string").str.strip().str.lower()
    return pd.DataFrame(
        {
            "source": "group:" + g["group_id"].astype(str),
            "kind": g["group_id"].map(kinds).fillna("group").astype(object),
            "urn": g["urn"],
            "carriers": None,
        }
    ).drop_duplicates(["source", "urn"])


def _trust_ends(schools: pd.DataFrame) -> pd.DataFrame:
    t = schools[["urn", "trust_id"]].dropna()
    return pd.DataFrame(
        {"source": "trust:" + t["trust_id"].astype(str), "kind": "trust", "urn": t["urn"], "carriers": None}
    )


def _lapsed(dates: pd.Series, as_of: dt.date, kind: str) -> pd.Series:
    """True where a dated contact of ``kind`` is not live on ``as_of`` (in the future or expired)."""
    t = pd.Timestamp(as_of)
    expires = (dates + pd.DateOffset(years=TIE_LIFETIME_YEARS[kind])).astype("datetime64[ns]")
    return ~((dates <= t) & (t < expires)).fillna(False).astype(bool)


def is_meeting(formats: pd.Series) -> np.ndarray:
    """True for CPD formats where staff of different schools meet (not online, INSET, in-school or a
    review tool; a blank format counts as a meeting)."""
    hit = formats.astype("string").str.contains(NOT_MEETINGS, case=False, regex=True).fillna(False)
    return ~hit.astype(bool).to_numpy()


def live_since(as_of: dt.date, kind: str) -> dt.date:
    """The earliest date of a contact of ``kind`` still live on ``as_of``: :func:`_lapsed`'s rule as a
    date bound (so a server can filter by it), found by stepping over the few days where adding the
    lifetime to a date near a month's end rounds."""
    t = pd.Timestamp(as_of)
    guess = t - pd.DateOffset(years=TIE_LIFETIME_YEARS[kind])
    for day in pd.date_range(guess - pd.Timedelta(days=4), guess + pd.Timedelta(days=4)):
        if day + pd.DateOffset(years=TIE_LIFETIME_YEARS[kind]) > t:
            return day.date()
    return (guess + pd.Timedelta(days=5)).date()  # unreachable: a lifetime in years moves a date < 4 days


MEETING_COLUMNS = ["activity_id", "urn", "person_id"]


@analysis
def meeting_schools(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    people: bool = False,
    urns: pd.Index | None = None,
) -> pd.DataFrame:
    """Live face-to-face CPD meetings and the schools their attendees work at on ``as_of``: one row
    per (activity_id, urn), with ``people`` per (activity_id, urn, person_id); only ``urns`` if given.

    Why a function of its own: it is the largest input of the tie list (nationally ~320k live
    attendances joined to ~950k current posts), so a graph server answers it with one Cypher join
    (:mod:`queries.native.networks`) instead of pulling attendance and posts whole. A meeting is a
    CPD activity whose format is not online, INSET, in-school or a review tool; it ties for
    :data:`TIE_LIFETIME_YEARS` from the attendance date (else the activity's date). National:
    ``filters`` is not applied here (callers keep the ties with both ends in scope).
    Rows are sorted, so every store gives them in the same order.
    """
    as_of = as_of or dt.date.today()
    cols = MEETING_COLUMNS if people else MEETING_COLUMNS[:2]
    att = store.table("attendance")
    acts = store.table("cpd_activities")[["activity_id", "format", "date"]]
    acts = acts[is_meeting(acts["format"])]
    att = att.merge(acts.rename(columns={"date": "activity_date"}), on="activity_id")
    when = att["date"].fillna(att["activity_date"])
    att = att[~_lapsed(when, as_of, "cpd_event").to_numpy()]
    # current posts first (a date test per row), then those of the attendees (a string set test on
    # the ~950k current posts, not the 2.6M posts); the Series goes to isin as it is (an array of
    # its unique values was turned into a Python list of 185k ids first: ~1.5 s)
    posts = store.table("posts")[["person_id", "urn", "start_date", "end_date"]]
    posts = posts[active_on(posts, as_of).to_numpy()]
    posts = posts[isin(posts["person_id"], att["person_id"])][["person_id", "urn"]].drop_duplicates()
    m = att[["activity_id", "person_id"]].merge(posts, on="person_id")
    if urns is not None:
        m = m[isin(m["urn"].astype("int64"), urns)]
    m = m[cols].drop_duplicates().sort_values(cols, kind="stable").reset_index(drop=True)
    return m.astype({"activity_id": "string", "urn": "Int64", **({"person_id": "string"} if people else {})})


def live_meetings(
    store: GraphStore, as_of: dt.date, people: bool = False, urns: pd.Index | None = None
) -> pd.DataFrame:
    """:func:`meeting_schools` (national, with people) read once per store and date, and the
    variants the network analyses ask for cut from it: without ``people``, only ``urns``.

    Why: a command needs the meetings for the tie weights, and again with people for who carries a
    tie (fragile, what-if) or for the ties a table shows (brokers, bridges): on a graph server each
    was a second round of ~8 paged joins. The person column adds little (~193k rows with people,
    ~166k without nationally), so the one read asks for it. The variants are exactly
    :func:`meeting_schools`' answers for them: its rows are sorted by (activity_id, urn,
    person_id), so dropping the person column keeps the (activity_id, urn) order, and its ``urns``
    rows are the national rows of those schools."""
    m = _national_meetings(store, as_of)
    if urns is not None:
        m = m[isin(m["urn"].astype("int64"), urns)]
    if not people:
        m = m[MEETING_COLUMNS[:2]].drop_duplicates()
    return m.reset_index(drop=True)


def _national_meetings(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """:func:`meeting_schools` (national, with people), read once per store and date. Read-only."""
    return shared(store, ("live_meetings", as_of), lambda: meeting_schools(store, as_of=as_of, people=True))


def in_background(store: GraphStore, build: Callable[[], T]) -> Callable[[], T]:
    """``build()`` started on a thread when ``store`` is a graph server, else run when asked for:
    call the result to get ``build()``'s value (or its exception).

    Why: on a server the CPD meetings (~25 paged joins, ~5 s of server time nationally) do not
    depend on the memberships and tables read next, so the server answers them while this thread
    reads and shapes the rest. An embedded store's work is all on this process's CPU: nothing to
    overlap, so it runs in order (the same answer either way)."""
    if not isinstance(store, ServerStore):
        return build
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sendgraph-background")
    future = pool.submit(contextvars.copy_context().run, build)
    pool.shutdown(wait=False)
    return future.result


def _cpd_ends(
    store: GraphStore, as_of: dt.date, carriers: bool = True, urns: pd.Index | None = None
) -> pd.DataFrame:
    m = live_meetings(store, as_of, people=carriers, urns=urns)
    if m.empty:
        return pd.DataFrame(columns=END_COLUMNS)
    ends = (_carriers if carriers else _no_carriers)(m, ["activity_id", "urn"])
    ends = ends.rename(columns={"activity_id": "source"})
    ends["source"] = "cpd:" + ends["source"].astype(str)
    ends["kind"] = "cpd_event"
    return ends[END_COLUMNS]


def _ordered(frame: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """Rows with urn_a < urn_b (ends swapped where needed) and self-links dropped."""
    x, y = frame[a].astype("int64"), frame[b].astype("int64")
    out = frame.assign(urn_a=x.where(x < y, y), urn_b=y.where(x < y, x))
    return out[out["urn_a"] != out["urn_b"]]


def _link_instances(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    links = store.table("school_links")
    links = links[
        ~links["kind"].str.contains(HISTORY_LINKS, case=False, regex=True).fillna(False).astype(bool)
    ]
    links = links[active_on(links, as_of, start="date").to_numpy()]
    links = _ordered(links, "urn", "linked_urn")
    return pd.DataFrame(
        {
            "urn_a": links["urn_a"],
            "urn_b": links["urn_b"],
            "kind": links["kind"].str.strip().str.lower().astype(object),
            "weight": 1.0,
            "carriers_a": None,
            "carriers_b": None,
        }
    )


def _review_instances(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    r = store.table("peer_reviews")
    r = r[~_lapsed(r["date"], as_of, "peer_review").to_numpy()]
    reviewer = r["reviewer_person_id"].map(lambda p: None if pd.isna(p) else (str(p),))
    swap = (r["reviewer_urn"].astype("int64") > r["reviewed_urn"].astype("int64")).to_numpy()
    ca = np.where(swap, None, reviewer.to_numpy(dtype=object))
    cb = np.where(swap, reviewer.to_numpy(dtype=object), None)
    r = _ordered(r.assign(carriers_a=ca, carriers_b=cb), "reviewer_urn", "reviewed_urn")
    return pd.DataFrame(
        {
            "urn_a": r["urn_a"],
            "urn_b": r["urn_b"],
            "kind": "peer_review",
            "weight": 1.0,
            "carriers_a": r["carriers_a"],
            "carriers_b": r["carriers_b"],
        }
    )


@analysis
def shared_staff(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """(person_id, urn) of the people in post at two or more schools on ``as_of``, sorted: each such
    person ties every pair of their schools (``shared_staff``). National (``filters`` unused).

    Why a function of its own: the posts table has millions of rows and only a few thousand people
    hold posts at two schools, so a graph server finds them server-side
    (:mod:`queries.native.networks`); here Arrow's value_counts picks the people with 2+ posts first.
    """
    as_of = as_of or dt.date.today()
    posts = store.table("posts")
    posts = posts[active_on(posts, as_of).to_numpy()]
    counts = pc.value_counts(pa.array(posts["person_id"]))
    several = pc.filter(counts.field("values"), pc.greater_equal(counts.field("counts"), 2))
    posts = posts.loc[isin(posts["person_id"], several), ["person_id", "urn"]].drop_duplicates()
    posts = posts[posts.duplicated("person_id", keep=False).to_numpy()]
    posts = posts.sort_values(["person_id", "urn"], kind="stable").reset_index(drop=True)
    return posts.astype({"person_id": "string", "urn": "Int64"})


def _shared_staff_instances(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """One instance per person and pair of schools they are in post at (:func:`shared_staff`)."""
    posts = shared_staff(store, as_of=as_of)
    pairs = posts.merge(posts, on="person_id", suffixes=("_x", "_y"))
    pairs = pairs[pairs["urn_x"] < pairs["urn_y"]]
    return pd.DataFrame(
        {
            "urn_a": pairs["urn_x"].astype("int64"),
            "urn_b": pairs["urn_y"].astype("int64"),
            "kind": "shared_staff",
            "weight": 1.0,
            "carriers_a": pairs["person_id"].map(lambda p: (str(p),)),
            "carriers_b": None,
        }
    )


def _group_like_ends(
    store: GraphStore,
    as_of: dt.date,
    schools: pd.DataFrame,
    carriers: bool = True,
    urns: pd.Index | None = None,
) -> pd.DataFrame:
    """Every (group, school) membership tying schools; with ``urns``, only those schools' rows
    (their carriers are the same: each end's carriers depend on that group and school only)."""
    cpd = in_background(store, lambda: _cpd_ends(store, as_of, carriers, urns))
    parts = [
        _network_ends(store, as_of, carriers, urns),
        _group_ends(store, as_of),
        _trust_ends(schools),
        cpd(),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=END_COLUMNS)
    ends = pd.concat(parts, ignore_index=True)
    ends["urn"] = ends["urn"].astype("int64")
    keep = isin(ends["urn"], schools["urn"].astype("int64"))
    if urns is not None:
        keep &= isin(ends["urn"], urns)
    return ends[keep].reset_index(drop=True)


def _project(ends: pd.DataFrame) -> pd.DataFrame:
    """Newman projection of school × group membership: urn_a < urn_b, weight = Σ 1/(n−1) over the
    groups both belong to (n = the group's member schools). A sparse product, not a pair loop."""
    if ends.empty:
        return pd.DataFrame(columns=["urn_a", "urn_b", "weight"])
    urns, ui = np.unique(ends["urn"].to_numpy(dtype=np.int64), return_inverse=True)
    # the groups numbered in sorted order of their names (the order fixes how the product sums each
    # pair's groups, so its bits): a hash factorisation with the few uniques sorted, not a sort of
    # ~200k names turned into a NumPy string array (0.13 s -> 0.01 s nationally)
    si, _ = pd.factorize(ends["source"].astype("string"), sort=True)
    b = sp.csr_matrix((np.ones(len(ends)), (ui, si)), shape=(len(urns), si.max() + 1))
    n = np.asarray(b.sum(axis=0)).ravel()
    w = np.where(n >= 2, 1.0 / np.maximum(n - 1, 1), 0.0)
    prod = sp.triu(b @ sp.diags(w) @ b.T, k=1).tocoo()
    keep = prod.data > 0
    return pd.DataFrame(
        {"urn_a": urns[prod.row[keep]], "urn_b": urns[prod.col[keep]], "weight": prod.data[keep]}
    )


def _pair_instances(store: GraphStore, as_of: dt.date, schools: pd.DataFrame) -> pd.DataFrame:
    parts = [
        _link_instances(store, as_of),
        _review_instances(store, as_of),
        _shared_staff_instances(store, as_of),
    ]
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=INSTANCE_COLUMNS)
    out = pd.concat(parts, ignore_index=True)[INSTANCE_COLUMNS]
    known = schools["urn"].astype("int64")
    out = out[isin(out["urn_a"], known) & isin(out["urn_b"], known)]
    return out.astype({"urn_a": "int64", "urn_b": "int64", "weight": "float64"}).reset_index(drop=True)


def _national_ends(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """:func:`_group_like_ends` of every open school without carriers, built once per store and date
    (:func:`queries.networks.memo.shared`): the tie weights, the isolates and the group sizes of a
    table's ties all start from it. Callers must not change the frame."""
    return shared(
        store,
        ("national_ends", as_of),
        lambda: _group_like_ends(store, as_of, open_schools(store, as_of), carriers=False),
    )


def _national_pairs(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """:func:`_pair_instances` between open schools, built once per store and date (as
    :func:`_national_ends`). Callers must not change the frame."""
    return shared(
        store,
        ("national_pairs", as_of),
        lambda: _pair_instances(store, as_of, open_schools(store, as_of)),
    )


def _summed(projected: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """Each tied pair's total weight, sorted by (urn_a, urn_b): the same frame, to the bit, as
    ``pd.concat([projected, pairs]).groupby(["urn_a", "urn_b"], as_index=False, sort=True)["weight"].sum()``.

    Why not that groupby: nationally the projection has ~3.2M pairs (already one row each: a sparse
    product sums its own duplicates) and the pairwise ties a few hundred; grouping the 3.2M rows on
    two keys took 2-4 s. Here only the projected pairs that a pairwise tie touches are grouped, with
    pandas, in the same row order (so the same compensated sums); every other pair's total is its
    one projected weight, which a groupby sum of one value gives unchanged."""
    cols = ["urn_a", "urn_b", "weight"]
    a = projected["urn_a"].to_numpy(dtype=np.int64)
    b = projected["urn_b"].to_numpy(dtype=np.int64)
    w = projected["weight"].to_numpy(dtype=np.float64)
    pairs = pairs[cols].astype({"urn_a": "int64", "urn_b": "int64", "weight": "float64"})
    key = (a << 32) | b
    pair_key = np.unique((pairs["urn_a"].to_numpy() << 32) | pairs["urn_b"].to_numpy())
    # a few hundred pair keys: a binary search per projected pair, not a sort of all of them
    at = np.minimum(np.searchsorted(pair_key, key), max(len(pair_key) - 1, 0))
    touched = pair_key[at] == key if len(pair_key) else np.zeros(len(key), dtype=bool)
    small = pd.concat(
        [pd.DataFrame({"urn_a": a[touched], "urn_b": b[touched], "weight": w[touched]}), pairs],
        ignore_index=True,
    )
    small = small.groupby(["urn_a", "urn_b"], as_index=False, sort=True)["weight"].sum()
    keep = ~touched
    all_a = np.concatenate([a[keep], small["urn_a"].to_numpy(dtype=np.int64)])
    all_b = np.concatenate([b[keep], small["urn_b"].to_numpy(dtype=np.int64)])
    all_w = np.concatenate([w[keep], small["weight"].to_numpy(dtype=np.float64)])
    order = np.argsort((all_a << 32) | all_b, kind="stable")
    return pd.DataFrame({"urn_a": all_a[order], "urn_b": all_b[order], "weight": all_w[order]})


@analysis
def tie_instances(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Every contribution to the ties of weight >= ``min_weight`` on ``as_of``: one row per instance.

    Columns ``urn_a < urn_b``, ``kind``, ``weight`` (1/(n−1) for a shared group of n schools, 1 for
    a pairwise tie), ``carriers_a`` / ``carriers_b`` (None = the school as an institution, else the
    tuple of person_ids). Schools not open on ``as_of`` are left out; ``filters`` keeps ties with
    both ends in scope.
    """
    as_of = as_of or dt.date.today()
    schools = open_schools(store, as_of)
    if filters.describe():
        schools = schools[isin(schools["urn"], apply_filters(school_rows(store), filters)["urn"])]
    ends = _group_like_ends(store, as_of, schools)
    pairs = _pair_instances(store, as_of, schools)
    total = pd.concat([_project(ends), pairs[["urn_a", "urn_b", "weight"]]], ignore_index=True).astype(
        {"urn_a": "int64", "urn_b": "int64", "weight": "float64"}
    )
    total = total.groupby(["urn_a", "urn_b"], as_index=False)["weight"].sum()
    kept = total.loc[total["weight"] >= min_weight - 1e-12, ["urn_a", "urn_b"]]
    size = ends.groupby("source")["urn"].transform("nunique")
    return _instances(kept, ends.assign(_w=1.0 / (size - 1).where(size >= 2)), pairs)


def pair_tie_instances(
    store: GraphStore, as_of: dt.date, pairs: pd.DataFrame, min_weight: float = DEFAULT_MIN_WEIGHT
) -> pd.DataFrame:
    """The :func:`tie_instances` rows (national, no filters) of the given tied ``pairs`` only
    (``urn_a < urn_b``, ties of weight >= ``min_weight``, e.g. rows of :func:`tie_weights`).

    Why: a table that shows who carries a few ties (bridges, brokers, a region's links) needs the
    carriers of those schools' groups only, not the person tuples of every national membership.
    """
    schools = open_schools(store, as_of)
    kept = pairs[["urn_a", "urn_b"]].astype("int64").drop_duplicates()
    urns = pd.Index(np.union1d(kept["urn_a"].to_numpy(), kept["urn_b"].to_numpy()))
    every = _national_ends(store, as_of)
    size = every.groupby("source")["urn"].transform("nunique")
    every = every.assign(_w=1.0 / (size - 1).where(size >= 2))[["source", "urn", "_w"]]
    ends = _group_like_ends(store, as_of, schools, carriers=True, urns=urns)
    ends = ends.merge(every, on=["source", "urn"], how="left")
    return _instances(kept, ends, _national_pairs(store, as_of))


def _instances(kept: pd.DataFrame, e: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
    """The rows of :func:`tie_instances` for the ``kept`` pairs: group contributions from the
    memberships ``e`` (with carriers and ``_w`` = 1/(n−1)) and the pairwise ones in ``pairs``."""
    grouped = kept.merge(e, left_on="urn_a", right_on="urn").merge(
        e[["source", "urn", "carriers"]], left_on=["urn_b", "source"], right_on=["urn", "source"]
    )
    grouped = pd.DataFrame(
        {
            "urn_a": grouped["urn_a"],
            "urn_b": grouped["urn_b"],
            "kind": grouped["kind"].astype(object),
            "weight": grouped["_w"].astype("float64"),
            "carriers_a": grouped["carriers_x"],
            "carriers_b": grouped["carriers_y"],
        }
    )
    pairs = pairs.merge(kept, on=["urn_a", "urn_b"])
    out = pd.concat([p for p in (grouped, pairs) if len(p)] or [pd.DataFrame(columns=INSTANCE_COLUMNS)])
    out = out[INSTANCE_COLUMNS].sort_values(["urn_a", "urn_b", "kind"], kind="stable").reset_index(drop=True)
    out[["urn_a", "urn_b"]] = out[["urn_a", "urn_b"]].astype("int64")
    out["weight"] = out["weight"].astype("float64")
    for col in ("carriers_a", "carriers_b"):
        out[col] = pd.Series([_carrier_tuple(c) for c in out[col]], dtype=object)
    return out


@analysis
def tie_weights(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """The tied pairs and their weights only: ``urn_a < urn_b``, ``weight`` (same pairs, same sums
    and the same threshold as :func:`tie_instances` / :func:`tie_graph`).

    Why a second entry point: reach, components, isolates and the structure measures need the
    weights, not who carries each tie; skipping the per-contribution rows and person tuples makes
    the national tie list a sparse product of a few seconds instead of half a minute.
    """
    as_of = as_of or dt.date.today()
    if filters.describe():
        schools = open_schools(store, as_of)
        schools = schools[isin(schools["urn"], apply_filters(school_rows(store), filters)["urn"])]
        ends = _group_like_ends(store, as_of, schools, carriers=False)
        pairs = _pair_instances(store, as_of, schools)
    else:
        # on a server the CPD meetings (the longest read) start first; the pairwise ties are read
        # and shaped on a second thread while this one reads the memberships and groups: each of
        # those short reads waits behind a meetings page on the server's threads, so two threads
        # asking at once overlap their waits; the ends then wait for the meetings
        in_background(store, lambda: _national_meetings(store, as_of))
        pairs_later = in_background(store, lambda: _national_pairs(store, as_of))
        ends = _national_ends(store, as_of)
        pairs = pairs_later()
    total = _summed(_project(ends), pairs)
    out = total[(total["weight"] >= min_weight - 1e-12).to_numpy()].reset_index(drop=True)
    out["weight"] = out["weight"].round(9)
    out.attrs.update({"as_of": as_of.isoformat(), "min_weight": min_weight})
    return out


def shared_tie_weights(
    store: GraphStore, as_of: dt.date, min_weight: float = DEFAULT_MIN_WEIGHT
) -> pd.DataFrame:
    """:func:`tie_weights` (national, no filters), kept on the store's cache like
    :func:`shared_tie_graph`. Read-only."""
    build = functools.partial(tie_weights, store, as_of=as_of, min_weight=min_weight)
    cache = getattr(store, "cache", None)
    if cache is None:
        return build()
    return cache(("tie_weights", as_of, float(min_weight)), build)


def _carrier_tuple(value: object) -> tuple[str, ...] | None:
    """Carriers as a sorted tuple of person_ids, or None (institutional): pandas may hand back
    tuples as lists or arrays, and None as NA or NaN, depending on its version."""
    if type(value) is tuple:  # as built here: already a sorted tuple of str
        return value
    if value is None or value is pd.NA or isinstance(value, float):
        return None
    if isinstance(value, str):
        return (value,)
    return tuple(sorted(str(v) for v in value))


@analysis
def school_ties(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """The weighted school–school tie list: one row per tied pair (the public tie table, e.g. for maps).

    Columns ``urn_a < urn_b``, ``weight`` (sum of contributions, see the module docstring),
    ``kinds`` (';'-joined kinds of tie), ``people`` (';'-joined person_ids carrying person-level
    contributions: pseudonymous ids, never names) and ``instances`` (number of contributions).
    """
    inst = tie_instances(store, as_of=as_of, filters=filters, min_weight=min_weight)
    if inst.empty:
        return pd.DataFrame(columns=TIE_COLUMNS)
    people = inst["carriers_a"].map(lambda c: c or ()) + inst["carriers_b"].map(lambda c: c or ())
    g = inst.assign(_people=people).groupby(["urn_a", "urn_b"], sort=True)
    out = pd.DataFrame(
        {
            "weight": g["weight"].sum().round(6),
            "kinds": g["kind"].agg(lambda k: ";".join(sorted(set(k)))),
            "people": g["_people"].agg(lambda p: ";".join(sorted({x for t in p for x in t}))),
            "instances": g.size(),
        }
    ).reset_index()
    out.attrs.update({"as_of": (as_of or dt.date.today()).isoformat(), "min_weight": min_weight})
    return out[TIE_COLUMNS]


def tied_schools(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.Index:
    """URNs of open schools with a tie of any weight on ``as_of`` (a shared group of two or more open
    schools, or a pairwise tie): the complement is the isolates, whatever ``min_weight`` is."""
    as_of = as_of or dt.date.today()
    ends = _national_ends(store, as_of)
    size = ends.groupby("source")["urn"].transform("nunique")
    pairs = _national_pairs(store, as_of)
    urns = pd.concat([ends.loc[(size >= 2).to_numpy(), "urn"], pairs["urn_a"], pairs["urn_b"]])
    return pd.Index(urns.astype("int64").unique())


def _plain(value: object) -> object:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    return value.item() if hasattr(value, "item") else value


def _school_nodes(store: GraphStore, as_of: dt.date, filters: Filters) -> nx.Graph:
    """A graph with a node (and its attributes) for every school open on ``as_of`` in scope."""
    import networkx as nx

    g = nx.Graph()
    schools = open_schools(store, as_of)
    if filters.describe():
        schools = schools[isin(schools["urn"], apply_filters(school_rows(store), filters)["urn"])]
    attrs = schools[["urn", *NODE_ATTRIBUTES]].astype(object)
    attrs = attrs.where(attrs.notna(), None)
    g.add_nodes_from(
        (int(row[0]), {k: _plain(v) for k, v in zip(NODE_ATTRIBUTES, row[1:], strict=True) if v is not None})
        for row in attrs.itertuples(index=False, name=None)
    )
    return g


@analysis
def tie_graph(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> nx.Graph:
    """The undirected school tie graph on ``as_of``: ties of weight >= ``min_weight``.

    Nodes are URNs (ints) for every school open on ``as_of`` (in scope), with attributes name,
    la_code, la_name, region_code, region_name, phase, type, kind, trust_id, low_age, high_age
    (missing values left out). Edges carry ``weight`` (tie strength), ``distance`` (1/weight, for
    shortest paths and betweenness), ``kinds``, ``people`` and ``support`` (list of
    ``(kind, carriers_a, carriers_b)`` for the ``(min urn, max urn)`` ends; see
    :mod:`queries.networks.fragility`).
    """
    as_of = as_of or dt.date.today()
    g = _school_nodes(store, as_of, filters)
    edges: dict[tuple[int, int], dict] = {}
    inst = tie_instances(store, as_of=as_of, filters=filters, min_weight=min_weight)
    for a, b, kind, w, ca, cb in inst.itertuples(index=False, name=None):
        d = edges.get((a, b))
        if d is None:
            edges[(a, b)] = d = {"kinds": [], "people": [], "weight": 0.0, "support": []}
        if kind not in d["kinds"]:
            d["kinds"].append(kind)
        d["weight"] += w
        d["support"].append((kind, ca, cb))
        if ca:
            d["people"].extend(ca)
        if cb:
            d["people"].extend(cb)
    for d in edges.values():
        d["kinds"].sort()
        d["people"] = sorted(set(d["people"]))
        d["weight"] = round(d["weight"], 9)
        d["distance"] = 1.0 / d["weight"]
    g.add_edges_from((int(a), int(b), d) for (a, b), d in edges.items())
    g.graph.update({"as_of": as_of.isoformat(), "min_weight": min_weight})
    return g


def shared_tie_graph(store: GraphStore, as_of: dt.date, min_weight: float = DEFAULT_MIN_WEIGHT) -> nx.Graph:
    """:func:`tie_graph` (national, no filters), built once per store, date and threshold and kept
    with the store's derived results (``store.cache``, :class:`graphmodel.store.DerivedCache`), which a
    new load drops, so a new load gives a new graph. Read-only: callers copy before changing it. A
    minimal store without the cache facility gets a fresh graph."""
    build = functools.partial(tie_graph, store, as_of=as_of, min_weight=min_weight)
    cache = getattr(store, "cache", None)
    if cache is None:
        return build()
    return cache(("tie_graph", as_of, float(min_weight)), build)


def weight_graph(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
    within: pd.Index | None = None,
) -> nx.Graph:
    """:func:`tie_graph` with only ``weight`` and ``distance`` on its edges (no kinds, people or
    support): the same nodes, node attributes, edges, weights and insertion order.

    Why: communities, betweenness, bridges and cut points need the weights only; building it from
    :func:`tie_weights` skips the Python loop over millions of tie contributions with their person
    tuples. Who carries a tie is looked up afterwards only for the edges a table shows
    (:func:`pair_tie_instances`). With ``within`` (URNs), only the ties with both ends among them
    are added (every node still is): the induced subgraph on ``within`` is then the same, in the
    same order, as that of the whole graph.
    """
    as_of = as_of or dt.date.today()
    g = _school_nodes(store, as_of, filters)
    w = tie_weights(store, as_of=as_of, filters=filters, min_weight=min_weight)
    if within is not None:
        w = w[isin(w["urn_a"], within) & isin(w["urn_b"], within)]
    a = w["urn_a"].to_numpy(dtype=np.int64).tolist()
    b = w["urn_b"].to_numpy(dtype=np.int64).tolist()
    weights = w["weight"].to_numpy(dtype=np.float64).tolist()
    g.add_edges_from(
        (x, y, {"weight": wt, "distance": 1.0 / wt}) for x, y, wt in zip(a, b, weights, strict=True)
    )
    g.graph.update({"as_of": as_of.isoformat(), "min_weight": min_weight})
    return g


def shared_weight_graph(
    store: GraphStore, as_of: dt.date, min_weight: float = DEFAULT_MIN_WEIGHT
) -> nx.Graph:
    """:func:`weight_graph` (national, no filters), kept on the store's cache like
    :func:`shared_tie_graph`. Read-only: callers copy before changing it."""
    build = functools.partial(weight_graph, store, as_of=as_of, min_weight=min_weight)
    cache = getattr(store, "cache", None)
    if cache is None:
        return build()
    return cache(("weight_graph", as_of, float(min_weight)), build)


def shared_tie_instances(
    store: GraphStore, as_of: dt.date, min_weight: float = DEFAULT_MIN_WEIGHT
) -> pd.DataFrame:
    """:func:`tie_instances` (national, no filters), kept on the store's cache. Read-only."""
    build = functools.partial(tie_instances, store, as_of=as_of, min_weight=min_weight)
    cache = getattr(store, "cache", None)
    if cache is None:
        return build()
    return cache(("tie_instances", as_of, float(min_weight)), build)
