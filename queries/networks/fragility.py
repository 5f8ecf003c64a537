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
from collections.abc import Iterable

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.sparse.csgraph import connected_components

from graphmodel.errors import SendgraphError
from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.context import Filters
from queries.networks.collaboration import (
    DEFAULT_MIN_WEIGHT,
    ScopeGraph,
    edge_details,
    pair_keys,
    scope_graph,
    scope_instances,
)
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


def _sole(carriers: pd.Series) -> pd.Series:
    """The person_id where an end has exactly one carrier, else None."""
    return carriers.map(lambda c: c[0] if c is not None and len(c) == 1 else None)


def _sole_carriers(inst: pd.DataFrame) -> dict[tuple[int, int], set[str]]:
    """:func:`single_carriers` for every tie in ``inst`` (tie contributions) at once, leaving out
    ties with none: a person is a single carrier of a tie when they are the only carrier of one
    end of every one of its contributions. Vectorised because a national graph has over a million
    ties."""
    if inst.empty:
        return {}
    keys = pair_keys(inst["urn_a"], inst["urn_b"])
    # a tie with a contribution carried by both schools as institutions has no single carrier
    institutional = (inst["carriers_a"].isna() & inst["carriers_b"].isna()).to_numpy()
    keep = ~np.isin(keys, keys[institutional])
    inst, keys = inst[keep], keys[keep]
    row = np.arange(len(inst))
    long = pd.concat(
        [
            pd.DataFrame({"key": keys, "row": row, "person": _sole(inst["carriers_a"]).to_numpy()}),
            pd.DataFrame({"key": keys, "row": row, "person": _sole(inst["carriers_b"]).to_numpy()}),
        ],
        ignore_index=True,
    ).dropna(subset=["person"])
    long = long.drop_duplicates(["row", "person"])
    instances = pd.Series(keys).value_counts()
    hits = long.groupby(["key", "person"]).size().rename("n").reset_index()
    hits = hits[(hits["n"].to_numpy() == instances.reindex(hits["key"]).to_numpy())]
    out: dict[tuple[int, int], set[str]] = {}
    for key, person in zip(hits["key"].tolist(), hits["person"].tolist(), strict=True):
        out.setdefault((key >> 32, key & 0xFFFFFFFF), set()).add(person)
    return out


def _kinds(inst: pd.DataFrame, pairs: list[tuple[int, int]]) -> dict[tuple[int, int], list[str]]:
    """The sorted kinds of tie of each of ``pairs``, from their contributions in ``inst``."""
    if not pairs:
        return {}
    keys = pair_keys(inst["urn_a"], inst["urn_b"])
    mask = np.isin(keys, pair_keys([a for a, _ in pairs], [b for _, b in pairs]))
    found = pd.DataFrame({"key": keys[mask], "kind": inst["kind"].to_numpy()[mask]}).drop_duplicates()
    out: dict[tuple[int, int], list[str]] = {}
    for key, kind in zip(found["key"].tolist(), found["kind"].tolist(), strict=True):
        out.setdefault((key >> 32, key & 0xFFFFFFFF), []).append(kind)
    return {k: sorted(v) for k, v in out.items()}


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
    edges = graph.graph.get_edgelist()
    urns = graph.urns.tolist()
    bridge_set = {
        (min(urns[x], urns[y]), max(urns[x], urns[y])) for x, y in (edges[e] for e in graph.graph.bridges())
    }
    inst = scope_instances(store, as_of, min_weight, graph)
    sole = _sole_carriers(inst)
    kinds = _kinds(inst, sorted(sole))
    attrs = graph.nodes[["name", "la_code"]].astype(object)
    attrs = attrs.where(attrs.notna(), None)
    node = dict(zip(urns, attrs.itertuples(index=False, name=None), strict=True))
    rows = []
    for (a, b), who in sorted(sole.items()):
        if who:
            na, nb = node[a], node[b]
            rows.append(
                {
                    "urn_a": a,
                    "school_a": na[0],
                    "la_code_a": na[1],
                    "urn_b": b,
                    "school_b": nb[0],
                    "la_code_b": nb[1],
                    "kinds": ";".join(kinds[a, b]),
                    "person_id": ";".join(sorted(who)),
                    "bridge": (a, b) in bridge_set,
                }
            )
    out = pd.DataFrame(rows, columns=FRAGILE_COLUMNS)
    out = out.sort_values(["urn_a", "urn_b"]).reset_index(drop=True)
    out.attrs["links_in_scope"] = graph.graph.ecount()
    return out


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
    unknown = sorted(named - set(people["person_id"]))
    if unknown:
        raise SendgraphError(f"unknown person_id(s): {', '.join(unknown[:5])}")
    removed = set(named)
    if latest_birth is not None:
        old = people[(people["birth_year"] <= latest_birth).fillna(False).astype(bool)]
        removed |= set(old["person_id"])
    return removed


def _carried_by(inst: pd.DataFrame, removed: set[str]) -> tuple[np.ndarray, set[str]]:
    """The pair keys of the ties in ``inst`` that one of ``removed`` helps carry, and which of
    ``removed`` carry any tie: found with one explode, not a loop over every tie."""
    keys, who = [], set()
    wanted = pd.Index(sorted(removed), dtype=object)
    for col in ("carriers_a", "carriers_b"):
        named = inst[col].notna().to_numpy()
        people = inst.loc[named, col].explode()
        hit = people.isin(wanted).to_numpy()
        who |= set(people[hit])
        rows = inst.loc[people.index[hit]]
        keys.append(pair_keys(rows["urn_a"], rows["urn_b"]))
    return np.unique(np.concatenate(keys)), who


def _remove(
    store: GraphStore, as_of: dt.date, min_weight: float, graph: ScopeGraph, removed: set[str]
) -> tuple[np.ndarray, list[tuple[int, int]], dict[tuple[int, int], dict], set[str]]:
    """Which ties of ``graph`` are kept (a boolean per row of ``graph.ties``) when ``removed``
    leave, the lost ties, their details (:func:`queries.networks.collaboration.edge_details`) and
    which of ``removed`` carry a tie. Only the ties one of them carries are examined: no other tie
    can be lost."""
    touched, carrying = _carried_by(scope_instances(store, as_of, min_weight, graph), removed)
    pairs = [(int(k >> 32), int(k & 0xFFFFFFFF)) for k in touched.tolist()]
    details = edge_details(store, as_of, min_weight, pairs)
    lost = [
        p
        for p in pairs
        if details[p]["people"]
        and removed & set(details[p]["people"])
        and edge_lost(details[p]["support"], removed)
    ]
    keys = pair_keys(graph.ties["urn_a"], graph.ties["urn_b"])
    lost_keys = (
        pair_keys([a for a, _ in lost], [b for _, b in lost]) if lost else np.array([], dtype=np.int64)
    )
    kept = ~np.isin(keys, lost_keys)
    return kept, sorted(lost), details, carrying


def _degrees(graph: ScopeGraph, kept: np.ndarray) -> np.ndarray:
    """Each vertex's number of ties among the ``kept`` rows of ``graph.ties``."""
    index = pd.Index(graph.urns)
    ends = np.concatenate(
        [index.get_indexer(graph.ties["urn_a"][kept]), index.get_indexer(graph.ties["urn_b"][kept])]
    )
    return np.bincount(ends, minlength=len(graph.urns))


def _measures(graph: ScopeGraph, kept: np.ndarray) -> dict[str, int]:
    """Connectivity of ``graph`` with only the ``kept`` ties (sparse components: no graph copy)."""
    n = len(graph.urns)
    index = pd.Index(graph.urns)
    a = index.get_indexer(graph.ties["urn_a"][kept])
    b = index.get_indexer(graph.ties["urn_b"][kept])
    degree = _degrees(graph, kept)
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
    removed = people_to_remove(store, person_ids, retiring_within_years, as_of, retirement_age)
    graph = scope_graph(store, filters, as_of, min_weight)
    kept, _lost, _details, carrying = _remove(store, as_of, min_weight, graph, removed)
    before_m, after_m = _measures(graph, np.ones(len(kept), dtype=bool)), _measures(graph, kept)
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
    removed = people_to_remove(store, person_ids, retiring_within_years, as_of, retirement_age)
    graph = scope_graph(store, filters, as_of, min_weight)
    kept, lost, details, _carrying = _remove(store, as_of, min_weight, graph, removed)
    names = dict(zip(graph.urns.tolist(), graph.nodes["name"].astype(object).tolist(), strict=True))
    names = {k: (None if v is None or v is pd.NA or v != v else v) for k, v in names.items()}
    after = dict(zip(graph.urns.tolist(), _degrees(graph, kept).tolist(), strict=True))
    rows = [
        {
            "urn_a": a,
            "school_a": names.get(a),
            "urn_b": b,
            "school_b": names.get(b),
            "kinds": ";".join(details[a, b]["kinds"]),
            "person_id": ";".join(sorted(removed & set(details[a, b]["people"]))),
            "a_isolated": after[a] == 0,
            "b_isolated": after[b] == 0,
        }
        for a, b in lost
    ]
    return pd.DataFrame(
        rows,
        columns=["urn_a", "school_a", "urn_b", "school_b", "kinds", "person_id", "a_isolated", "b_isolated"],
    )
