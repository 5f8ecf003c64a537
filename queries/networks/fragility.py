"""Fragile links: school-to-school ties that hang on one person, and what is lost if people leave.

UCL 2019 G11: many links between schools are "informal and personal, with little succession
planning"; the digest asks for a tie-holder analysis and a simulation of removing staff nearing
retirement or moving school. UCL G9 notes the report has no age data, so retirement uses the
optional ``people.birth_year`` where a bundle supplies it.

A link instance (see :mod:`queries.networks.collaboration`) is lost when every carrier at either end has
gone; an edge is lost when all its instances are. An edge is **fragile** when one person's leaving
would lose it: every instance has that person as the only carrier of one of its ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from graphmodel.errors import SendgraphError
from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.context import Filters
from queries.networks.carriers import TieCarriers, distinct, in_sorted, joined, joined_text, tie_carriers
from queries.networks.collaboration import DEFAULT_MIN_WEIGHT, ScopeGraph, pair_keys, scope_graph, scope_ties
from queries.networks.participation import held_posts
from queries.networks.ties import in_background
from queries.registry import analysis

__all__ = [
    "fragile_links",
    "people_leaving",
    "people_to_remove",
    "what_if_lost_links",
    "what_if_remove",
]

DEFAULT_RETIREMENT_AGE = 60
FRAGILE_COLUMNS = [
    "urn_a",
    "school_a",
    "la_code_a",
    "urn_b",
    "school_b",
    "la_code_b",
    "kinds",
    "person_id",
    "bridge",
]


def single_carriers(support: list[tuple]) -> set[str]:
    """The people each of whose leaving alone would lose the edge with this ``support``."""
    found: set[str] | None = None
    for _kind, ca, cb in support:
        sole = {c[0] for c in (ca, cb) if c is not None and len(c) == 1}
        found = sole if found is None else found & sole
        if not found:
            return set()
    return found or set()


def edge_lost(support: list[tuple], removed: set[str]) -> bool:
    """Whether every instance of an edge loses all carriers at one end once ``removed`` leave."""
    return all(
        (ca is not None and set(ca) <= removed) or (cb is not None and set(cb) <= removed)
        for _kind, ca, cb in support
    )


@analysis
def fragile_links(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """School–school links in scope that one person's leaving would break, with that person.

    ``person_id`` lists the single carriers (';'-separated when either of two people would break it,
    e.g. each school's only member of a shared cluster). ``bridge`` marks links that are also bridges
    of the graph in scope: losing them splits a component. A detail table for planning succession:
    person_ids, never names.

    >>> fragile_links(store, as_of=dt.date(2025, 9, 1), filters=Filters(la="Darlington"))  # doctest: +SKIP
    """
    graph = scope_graph(store, filters, as_of, min_weight)
    urns = graph.urns
    # edge i of the igraph graph is row i of graph.ties (scope_graph adds them in that order), so a
    # bridge's schools are read off the tie list: the graph's whole edge list (800k Python tuples
    # nationally) is not needed
    cut = np.asarray(graph.graph.bridges(), dtype=np.int64)
    x = graph.ties["urn_a"].to_numpy(np.int64)[cut]
    y = graph.ties["urn_b"].to_numpy(np.int64)[cut]
    bridge_keys = distinct(pair_keys(np.minimum(x, y), np.maximum(x, y)))
    carriers = _scope_carriers(store, as_of, graph)
    found, person = carriers.single_carrier_codes()
    people = pa.array(carriers.people.tolist(), type=pa.large_string())
    keys, who = joined_text(found, person, people)
    kind_keys, kinds = carriers.kinds_text(keys)
    if not np.array_equal(kind_keys, keys):  # every fragile tie has instances, so each has its kinds
        raise AssertionError("fragile ties without kinds")
    # one row per fragile tie, built column by column in key order, which is (urn_a, urn_b) order;
    # text columns go from Arrow to pandas ``str`` columns without a Python string per cell
    a, b = keys >> 32, keys & 0xFFFFFFFF
    at_a, at_b = pd.Index(urns).get_indexer(a), pd.Index(urns).get_indexer(b)
    name, la = _text_values(graph.nodes["name"]), _text_values(graph.nodes["la_code"])
    out = pd.DataFrame(
        {
            "urn_a": a,
            "school_a": _take(name, at_a),
            "la_code_a": _take(la, at_a),
            "urn_b": b,
            "school_b": _take(name, at_b),
            "la_code_b": _take(la, at_b),
            "kinds": kinds.to_pandas(),
            "person_id": who.to_pandas(),
            "bridge": in_sorted(keys, bridge_keys),
        },
        columns=FRAGILE_COLUMNS,
    )
    if not len(out):
        out = pd.DataFrame([], columns=FRAGILE_COLUMNS)  # as before: an empty frame of object columns
    out.attrs["links_in_scope"] = graph.graph.ecount()
    return out


def _text_values(column: pd.Series) -> pa.Array:
    """A text column of the schools frame as one Arrow string array (missing: null)."""
    values = column.astype(object).where(column.notna(), None).to_numpy(dtype=object)
    return pa.array(values, type=pa.large_string(), from_pandas=True)


def _take(values: pa.Array, at: np.ndarray) -> pd.Series:
    """``values[at]`` as a pandas ``str`` column (null: NaN), as a column of str and None becomes."""
    return values.take(pa.array(at)).to_pandas()


@analysis
def people_leaving(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    person_ids: Iterable[str] | None = None,
    born_by: int | None = None,
) -> pd.DataFrame:
    """(person_id, birth_year) of the people named in ``person_ids`` and of those born in or before
    ``born_by``, in person_id order. National (``filters`` unused).

    Why a registered function: the what-if analyses need only these people, not the million rows of
    the people table, so a graph server looks them up by key and birth year
    (:mod:`queries.native.networks`).
    """
    people = store.table("people")[["person_id", "birth_year"]]
    keep = isin(people["person_id"], sorted(set(person_ids or [])))
    if born_by is not None:
        keep |= (people["birth_year"] <= born_by).fillna(False).to_numpy(dtype=bool)
    out = people[keep].sort_values("person_id", kind="stable").reset_index(drop=True)
    return out.astype({"person_id": "string", "birth_year": "Int64"})


def people_to_remove(
    store: GraphStore,
    person_ids: Iterable[str] | None,
    retiring_within_years: int | None,
    as_of: dt.date,
    retirement_age: int = DEFAULT_RETIREMENT_AGE,
) -> set[str]:
    """The named people plus those reaching ``retirement_age`` within the given years (birth_year)."""
    named = {p.strip() for p in (person_ids or []) if p and p.strip()}
    latest_birth = None
    if retiring_within_years is not None:
        if retiring_within_years < 0:
            raise SendgraphError("--retiring-within must be 0 or more years")
        latest_birth = as_of.year + retiring_within_years - retirement_age
    if not named and latest_birth is None:
        return set()
    people = people_leaving(store, as_of=as_of, person_ids=sorted(named), born_by=latest_birth)
    unknown = sorted(named - set(people["person_id"].tolist()))
    if unknown:
        raise SendgraphError(f"unknown person_id(s): {', '.join(unknown[:5])}")
    removed = set(named)
    if latest_birth is not None:
        old = people[(people["birth_year"] <= latest_birth).fillna(False).astype(bool)]
        removed |= set(old["person_id"].tolist())
    return removed


def _leaving(
    store: GraphStore,
    person_ids: Iterable[str] | None,
    retiring_within_years: int | None,
    as_of: dt.date,
    retirement_age: int,
) -> Callable[[], set[str]]:
    """:func:`people_to_remove`, asked of a graph server on a thread while this one builds the tie
    list (call the result for the people, or the error). Why: the retiring people are a scan of
    every Person node (~0.5-0.9 s of server time nationally) that the tie list does not wait for.
    A negative ``retiring_within_years`` is refused at once, before any read."""
    if retiring_within_years is not None and retiring_within_years < 0:
        raise SendgraphError("--retiring-within must be 0 or more years")
    ids = list(person_ids or [])
    return in_background(
        store, lambda: people_to_remove(store, ids, retiring_within_years, as_of, retirement_age)
    )


def _scope_carriers(store: GraphStore, as_of: dt.date | None, graph: ScopeGraph | TieScope) -> TieCarriers:
    """Who carries each tie of ``graph`` (:func:`queries.networks.carriers.tie_carriers`): every
    national tie's carriers when the scope is national, else those of the scope's ties only."""
    return tie_carriers(store, as_of or dt.date.today(), graph.ties, subset=not graph.national)


@dataclass(frozen=True)
class TieScope:
    """The ties in scope without an igraph graph: what :func:`what_if_remove` and
    :func:`what_if_lost_links` read of :class:`~queries.networks.collaboration.ScopeGraph`
    (the schools ``nodes`` and their ``urns``, the ``ties``, whether the scope is ``national``).

    Why: the what-if measures connectivity with scipy on the tie list, so building the igraph graph
    of 830k edges and its weight and distance attributes nationally (~0.5 s of client CPU) bought
    nothing."""

    nodes: pd.DataFrame
    urns: np.ndarray
    ties: pd.DataFrame
    national: bool


def tie_scope(
    store: GraphStore, filters: Filters, as_of: dt.date | None, min_weight: float = DEFAULT_MIN_WEIGHT
) -> TieScope:
    """:func:`~queries.networks.collaboration.scope_graph`'s schools and ties, without its graph."""
    nodes, ties = scope_ties(store, filters, as_of, min_weight)
    nodes = nodes.drop_duplicates("urn").reset_index(drop=True)
    urns = nodes["urn"].to_numpy(dtype=np.int64)
    return TieScope(nodes=nodes, urns=urns, ties=ties, national=not filters.describe())


FEW_PEOPLE = 1_000
"""Up to this many people leaving, :func:`_remove` looks at the ties around their schools only."""


def _schools_carried_from(store: GraphStore, as_of: dt.date, people: set[str]) -> pd.Index:
    """Every school at which one of ``people`` can carry an end of a tie on ``as_of``: where they hold
    a post (network memberships, CPD meetings and shared staff are carried through current posts)
    and the reviewer schools of their peer reviews."""
    ids = sorted(people)
    posts = held_posts(store, as_of=as_of, people=ids)
    reviews = store.table("peer_reviews")
    reviewed_from = reviews.loc[isin(reviews["reviewer_person_id"], ids), "reviewer_urn"]
    urns = pd.concat([posts["urn"], reviewed_from]).dropna().astype("int64")
    return pd.Index(np.unique(urns.to_numpy()))


def _remove(
    store: GraphStore, as_of: dt.date, graph: TieScope, removed: set[str]
) -> tuple[np.ndarray, list[tuple[int, int]], pd.DataFrame, set[str]]:
    """Which ties of ``graph`` are kept (a boolean per row of ``graph.ties``) when ``removed``
    leave, the lost ties (sorted), for each lost tie its kinds and the ``removed`` people among its
    carriers (indexed by pair key; columns kinds, person_id, ';'-joined), and which of ``removed``
    carry a tie. A tie is lost when every one of its instances loses all the carriers of one end
    (:func:`edge_lost`), worked out for every tie at once on the carriers as arrays."""
    if len(removed) <= FEW_PEOPLE:
        # only a tie with an end school where one of them carries something can be lost or carried
        # by them: look up the carriers of those ties only
        around = _schools_carried_from(store, as_of, removed)
        ties = graph.ties[isin(graph.ties["urn_a"], around) | isin(graph.ties["urn_b"], around)]
        carriers = tie_carriers(store, as_of, ties, subset=True)
    else:
        carriers = _scope_carriers(store, as_of, graph)
    lost_keys, carrying, who = carriers.losses(removed)
    details = pd.DataFrame(
        {
            "kinds": carriers.kinds_of(lost_keys),
            "person_id": joined(who["key"].to_numpy(np.int64), who["person_id"].to_numpy(dtype=object)),
        }
    ).reindex(lost_keys)
    keys = pair_keys(graph.ties["urn_a"], graph.ties["urn_b"])
    kept = ~in_sorted(keys, lost_keys)
    lost = [(int(k >> 32), int(k & 0xFFFFFFFF)) for k in lost_keys.tolist()]
    return kept, lost, details, set(carrying.tolist())


def _tie_ends(graph: TieScope) -> tuple[np.ndarray, np.ndarray]:
    """The vertex numbers of each tie's two schools (row order of ``graph.ties``)."""
    index = pd.Index(graph.urns)
    return (
        index.get_indexer(graph.ties["urn_a"].to_numpy(np.int64)),
        index.get_indexer(graph.ties["urn_b"].to_numpy(np.int64)),
    )


def _degrees(
    graph: TieScope, kept: np.ndarray, ends: tuple[np.ndarray, np.ndarray] | None = None
) -> np.ndarray:
    """Each vertex's number of ties among the ``kept`` rows of ``graph.ties``."""
    a, b = ends or _tie_ends(graph)
    return np.bincount(np.concatenate([a[kept], b[kept]]), minlength=len(graph.urns))


def _measures(
    graph: TieScope, kept: np.ndarray, ends: tuple[np.ndarray, np.ndarray] | None = None
) -> dict[str, int]:
    """Connectivity of ``graph`` with only the ``kept`` ties (sparse components: no graph copy)."""
    n = len(graph.urns)
    ends = ends or _tie_ends(graph)
    a, b = ends[0][kept], ends[1][kept]
    degree = _degrees(graph, kept, ends)
    sizes = np.array([], dtype=np.int64)
    if n:
        adj = sp.csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(n, n))
        _, labels = connected_components(adj, directed=False)
        sizes = np.bincount(labels)
    big = sizes[sizes > 1]
    return {
        "links": int(kept.sum()),
        "linked_schools": int((degree > 0).sum()),
        "isolated_schools": int((degree == 0).sum()),
        "components_of_2_or_more": len(big),
        "largest_component": int(big.max()) if len(big) else 0,
    }


@analysis
def what_if_remove(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    person_ids: Iterable[str] | None = None,
    retiring_within_years: int | None = None,
    retirement_age: int = DEFAULT_RETIREMENT_AGE,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """Connectivity before and after removing people (named, or reaching retirement age).

    One row per measure (links, linked and isolated schools, components of two or more schools,
    the largest component) with ``before``, ``after`` and ``change``. ``attrs`` records how many
    people were removed and how many of them carried a link. "Near retirement" = aged at least
    ``retirement_age`` (60) within ``retiring_within_years`` of ``as_of``, from ``birth_year``.

    >>> what_if_remove(store, as_of=dt.date(2025, 9, 1), retiring_within_years=2)  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    if not person_ids and retiring_within_years is None:
        raise SendgraphError("name people to remove (--person) or give --retiring-within YEARS")
    removed = _leaving(store, person_ids, retiring_within_years, as_of, retirement_age)
    graph = tie_scope(store, filters, as_of, min_weight)
    removed = removed()
    kept, _lost, _details, carrying = _remove(store, as_of, graph, removed)
    ends = _tie_ends(graph)
    before_m = _measures(graph, np.ones(len(kept), dtype=bool), ends)
    after_m = before_m if kept.all() else _measures(graph, kept, ends)  # nothing lost: the same graph
    out = pd.DataFrame(
        {
            "measure": list(before_m),
            "before": list(before_m.values()),
            "after": [after_m[k] for k in before_m],
        }
    )
    out["change"] = out["after"] - out["before"]
    out.attrs.update(
        {
            "as_of": as_of.isoformat(),
            "people_removed": len(removed),
            "people_removed_carrying_links": len(carrying),
        }
    )
    return out


@analysis
def what_if_lost_links(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    person_ids: Iterable[str] | None = None,
    retiring_within_years: int | None = None,
    retirement_age: int = DEFAULT_RETIREMENT_AGE,
    min_weight: float = DEFAULT_MIN_WEIGHT,
) -> pd.DataFrame:
    """The links :func:`what_if_remove` loses, and whether each end is left isolated.

    >>> what_if_lost_links(store, as_of=dt.date(2025, 9, 1), person_ids=["SYN-P0000001"])  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    if not person_ids and retiring_within_years is None:
        raise SendgraphError("name people to remove (--person) or give --retiring-within YEARS")
    removed = _leaving(store, person_ids, retiring_within_years, as_of, retirement_age)
    graph = tie_scope(store, filters, as_of, min_weight)
    removed = removed()
    kept, lost, details, _carrying = _remove(store, as_of, graph, removed)
    # one row per lost tie, built column by column (as fragile_links)
    a = np.array([p[0] for p in lost], dtype=np.int64)
    b = np.array([p[1] for p in lost], dtype=np.int64)
    index = pd.Index(graph.urns)
    at_a, at_b = index.get_indexer(a), index.get_indexer(b)
    name = _text_values(graph.nodes["name"])
    isolated = _degrees(graph, kept) == 0
    columns = ["urn_a", "school_a", "urn_b", "school_b", "kinds", "person_id", "a_isolated", "b_isolated"]
    if not lost:
        return pd.DataFrame([], columns=columns)
    return pd.DataFrame(
        {
            "urn_a": a,
            "school_a": _take(name, at_a),
            "urn_b": b,
            "school_b": _take(name, at_b),
            "kinds": pd.Series(details["kinds"].tolist(), dtype="str"),
            "person_id": pd.Series(details["person_id"].tolist(), dtype="str"),
            "a_isolated": isolated[at_a],
            "b_isolated": isolated[at_b],
        },
        columns=columns,
    )
