"""Who carries each contribution to the school ties, as integer arrays (for :mod:`fragility`).

The rules are those of :mod:`queries.networks.ties` ("who carries a tie"): each contribution (an
*instance*) of a tie has two ends; an end is either *institutional* (the school takes part as an
institution: a trust, a group, its own network membership, a review with no named reviewer) or
carried by a set of people. :mod:`queries.networks.fragility` asks two questions of every tie:

* its **single carriers**: the people who are the only carrier of one end of every instance;
* whether it is **lost** when some people leave: every instance has an end whose carriers all left.

:func:`queries.networks.ties.tie_instances` answers with a sorted tuple of person_ids per end, built
by a pandas ``groupby(...).agg(tuple)`` over ~1.5M (activity, school, person) rows and then merged
into ~3M instance rows as Python objects: ~20 of the ~25 s of ``gaps fragile`` nationally. Here
each end is a row number, each person a code (codes in person_id order), the people of an end a
slice of one array (CSR layout), and both questions become ``bincount`` / ``groupby`` over integer
arrays. The answers are the same (tests/test_fragility.py checks them against the tuple rules,
:func:`queries.networks.fragility.single_carriers` and :func:`~queries.networks.fragility.edge_lost`,
on every tie of the North East).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphmodel.store import GraphStore
from queries.networks.participation import ACTIVE_FROM, school_network_memberships, send_networks, tier_ranks
from queries.networks.ties import (
    NETWORK_LINK_KIND,
    _group_ends,
    _national_pairs,
    _trust_ends,
    live_meetings,
)
from queries.posts import in_operation

__all__ = ["TieCarriers", "distinct", "in_sorted", "joined", "joined_text", "tie_carriers"]


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values of an integer array, sorted: ``np.unique(values)`` without its hashing.

    Why: numpy 2.4's ``np.unique`` (no ``return_*``) hashes the values first and then sorts the
    distinct ones: 1.3 s for 1M int64 pair keys here, where one sort and a comparison take 0.02 s."""
    values = np.sort(np.asarray(values))
    return values[np.r_[True, values[1:] != values[:-1]]] if len(values) else values


def in_sorted(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_set)`` for a sorted ``sorted_set``: a binary search per value (``np.isin``
    sorts both arrays together: 0.2-0.7 s for 1M values)."""
    values = np.asarray(values)
    if not len(sorted_set) or not len(values):
        return np.zeros(len(values), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def joined(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """``values`` (strings) ';'-joined per key, for ``keys`` sorted (equal keys together, values
    already in the order wanted), indexed by key: one slice per key of a plain list, where a pandas
    ``groupby(...).agg(";".join)`` pays a Series per group (~40 s for 500k groups)."""
    keys = np.asarray(keys)
    start = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.array([], np.int64)
    uniq = keys[start]
    bounds = np.append(start, len(keys)).tolist()
    vals = list(values)
    text = [";".join(vals[s:e]) for s, e in zip(bounds[:-1], bounds[1:], strict=True)]
    return pd.Series(text, index=pd.Index(uniq, name="key"), dtype=object)


def joined_text(keys: np.ndarray, codes: np.ndarray, names: pa.Array) -> tuple[np.ndarray, pa.Array]:
    """``names[codes]`` ';'-joined per key, for ``keys`` sorted (equal keys together, codes already
    in the order wanted): the distinct keys and one Arrow string per key.

    Why: :func:`joined` makes a Python string per value and per key (~0.5 s for fragile's 540k
    carriers); here the values stay in Arrow (a list per key, joined by ``binary_join``) and
    become a pandas ``str`` column without a copy."""
    keys = np.asarray(keys, dtype=np.int64)
    start = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.array([], np.int64)
    offsets = pa.array(np.append(start, len(keys)).astype(np.int64))
    values = names.take(pa.array(np.asarray(codes, dtype=np.int64)))
    text = pc.binary_join(pa.LargeListArray.from_arrays(offsets, values), pa.scalar(";", names.type))
    return keys[start], text


def pair_key(a: object, b: object) -> np.ndarray:
    """One int64 key per (urn_a, urn_b) pair (URNs are well below 2**31), as ``collaboration.pair_keys``."""
    return (np.asarray(a, dtype=np.int64) << 32) | np.asarray(b, dtype=np.int64)


@dataclass(frozen=True)
class TieCarriers:
    """The instances of a set of ties and who carries each of their ends.

    Instance ``i`` belongs to the tie ``keys[i]`` (``urn_a << 32 | urn_b``), is of the kind
    ``kind_names[kinds[i]]`` (``kind_names`` sorted, so code order is name order) and has the ends
    ``end_a[i]`` / ``end_b[i]``. End ``e`` is institutional when ``size[e] == 0``; else its carriers
    are the person codes ``members[ptr[e]:ptr[e + 1]]`` (sorted, distinct), and
    code ``c`` is the person ``people[c]`` (``people`` sorted, so code order is person_id order).
    Instances are sorted by key.
    """

    keys: np.ndarray
    kinds: np.ndarray
    kind_names: np.ndarray
    end_a: np.ndarray
    end_b: np.ndarray
    size: np.ndarray
    ptr: np.ndarray
    members: np.ndarray
    people: np.ndarray

    def _member_ends(self) -> np.ndarray:
        """The end of each entry of ``members``."""
        return np.repeat(np.arange(len(self.size), dtype=np.int64), self.size)

    def single_carriers(self) -> pd.DataFrame:
        """(key, person_id) for every tie and each of its single carriers: the people each of whose
        leaving alone would lose the tie (the only carrier of one end of every one of its instances;
        a tie with an instance carried by both schools as institutions has none). Sorted."""
        key, person = self.single_carrier_codes()
        return pd.DataFrame({"key": key, "person_id": self.people[person]})

    def single_carrier_codes(self) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`single_carriers` as (key, person code) arrays, sorted."""
        has_one = self.size == 1
        sole = np.full(len(self.size), -1, dtype=np.int64)
        sole[has_one] = self.members[self.ptr[:-1][has_one]]
        sa, sb = sole[self.end_a], sole[self.end_b]
        # instances are sorted by key: each tie is a run of rows, numbered by ``tie`` (no sort needed)
        tie, uniq, counts = self._ties()
        bad = np.zeros(len(uniq), dtype=bool)
        bad[tie[(self.size[self.end_a] == 0) & (self.size[self.end_b] == 0)]] = True
        rows = np.arange(len(self.keys), dtype=np.int64)
        # each instance names its sole carriers once (the same person at both ends counts once)
        row = np.concatenate([rows[sa >= 0], rows[(sb >= 0) & (sb != sa)]])
        person = np.concatenate([sa[sa >= 0], sb[(sb >= 0) & (sb != sa)]])
        ok = ~bad[tie[row]]
        # (tie, person) as one int64, counted by one sort: found where a person is the sole carrier
        # of an end of every instance of the tie; ascending, so in (key, person_id) order
        width = np.int64(max(len(self.people), 1))
        pair, hits = np.unique(tie[row[ok]] * width + person[ok], return_counts=True)
        found_tie, found_person = pair // width, pair % width
        found = hits == counts[found_tie]
        return uniq[found_tie[found]].astype(np.int64), found_person[found].astype(np.int64)

    def _ties(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the instances (sorted by key): each one's tie number, the distinct keys, and each
        tie's number of instances."""
        if not len(self.keys):
            empty = np.array([], dtype=np.int64)
            return empty, empty, empty
        first = np.r_[True, self.keys[1:] != self.keys[:-1]]
        tie = np.cumsum(first) - 1
        starts = np.flatnonzero(first)
        counts = np.diff(np.r_[starts, len(self.keys)])
        return tie, self.keys[starts], counts

    def losses(self, removed: set[str]) -> tuple[np.ndarray, np.ndarray, pd.DataFrame]:
        """What ``removed`` leaving does: the keys of the lost ties (sorted: every instance has an
        end carried only by people of ``removed``), the person_ids of ``removed`` who carry any end
        of any instance (sorted), and for each lost tie the ``removed`` people among its carriers
        (columns key, person_id; sorted)."""
        gone_people = np.zeros(len(self.people), dtype=bool)
        found = pd.Index(self.people).get_indexer(sorted(removed))
        gone_people[found[found >= 0]] = True
        member_ends = self._member_ends()
        hit = gone_people[self.members]
        removed_per_end = np.bincount(member_ends[hit], minlength=len(self.size))
        gone = (self.size > 0) & (removed_per_end == self.size)
        inst_lost = gone[self.end_a] | gone[self.end_b]
        tie, uniq, counts = self._ties()
        start = np.cumsum(counts) - counts
        all_lost = (
            np.minimum.reduceat(inst_lost.astype(np.int8), start).astype(bool) if len(uniq) else inst_lost
        )
        lost = uniq[all_lost]
        used = np.zeros(len(self.size), dtype=bool)
        used[self.end_a] = used[self.end_b] = True
        carrying = distinct(self.members[hit & used[member_ends]])
        in_lost = all_lost[tie]
        ends = np.concatenate([self.end_a[in_lost], self.end_b[in_lost]])
        keys = np.concatenate([self.keys[in_lost], self.keys[in_lost]])
        per_end = pd.DataFrame({"end": member_ends[hit], "person": self.members[hit]})
        who = pd.DataFrame({"key": keys, "end": ends}).merge(per_end, on="end")[["key", "person"]]
        who = who.drop_duplicates().sort_values(["key", "person"], kind="stable")
        details = pd.DataFrame(
            {"key": who["key"].to_numpy(np.int64), "person_id": self.people[who["person"].to_numpy(np.int64)]}
        )
        return lost, self.people[carrying], details

    def kinds_of(self, keys: np.ndarray) -> pd.Series:
        """The sorted kinds of each tie of ``keys``, ';'-joined, indexed by key."""
        found, text = self.kinds_text(keys)
        return pd.Series(text.to_pylist(), index=pd.Index(found, name="key"), dtype=object)

    def kinds_text(self, keys: np.ndarray) -> tuple[np.ndarray, pa.Array]:
        """:meth:`kinds_of` as the keys found (sorted) and an Arrow string per key."""
        tie, uniq, _counts = self._ties()
        keys = np.asarray(keys, dtype=np.int64)
        wanted = np.zeros(len(uniq), dtype=bool)
        if len(uniq) and len(keys):
            at = np.minimum(np.searchsorted(uniq, keys), len(uniq) - 1)
            wanted[at[uniq[at] == keys]] = True
        sel = wanted[tie]
        # (tie, kind code) pairs made distinct and put in (key, kind) order by one integer sort
        width = np.int64(max(len(self.kind_names), 1))
        pair = distinct(tie[sel] * width + self.kinds[sel])
        names = pa.array(self.kind_names.tolist(), type=pa.large_string())
        return joined_text(uniq[pair // width].astype(np.int64), pair % width, names)


@dataclass(frozen=True)
class _Members:
    """The group-like memberships tying schools, as integer arrays: row ``i`` puts school ``urn[i]``
    in source ``source[i]`` (a code; the source's kind is ``kinds[source[i]]``), carried by the
    person ``person[i]`` (a person_id, or None: the school takes part as an institution)."""

    source: np.ndarray
    urn: np.ndarray
    person: pa.Array
    kinds: np.ndarray


def _open_schools(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """The schools open on ``as_of`` (urn, trust_id): the rows of ``in_operation(schools_frame(...))``
    without the frame's names, regions and kinds (its merges and string rules cost ~0.1-0.3 s a
    call, and carriers only need which schools are open and their trusts)."""
    schools = store.table("schools")[["urn", "trust_id", "open_date", "close_date"]]
    return in_operation(schools, as_of)


def _coded(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each row's code for ``ids`` (a missing id is a code of its own) and the first row of each code."""
    codes, _uniques = pd.factorize(ids, use_na_sentinel=False)
    _, first = np.unique(codes, return_index=True)
    return codes.astype(np.int64), first


def _member_rows(store: GraphStore, as_of: dt.date, urns: pd.Index | None) -> _Members:
    """Every group-like membership tying schools on ``as_of``, as ``ties._group_like_ends`` has them
    before they are grouped into ends; only the schools ``urns`` if given.

    Why codes, not the ``"network:<id>"`` / ``"cpd:<id>"`` source names: a source is only ever
    compared with another, so each part's ids are numbered (after the codes of the parts before it)
    and no string is built per row (~250k rows nationally: ~0.5 s of string arrays)."""
    sources, urn_parts, people, kinds = [], [], [], []
    n_sources = 0

    def add(ids: pd.Series, urn: pd.Series, person: pa.Array, kind: np.ndarray) -> None:
        nonlocal n_sources
        codes, first = _coded(ids)
        sources.append(codes + n_sources)
        urn_parts.append(urn.to_numpy(dtype=np.float64, na_value=np.nan))
        people.append(person)
        kinds.append(np.asarray(kind, dtype=object)[first])
        n_sources += len(first)

    m = school_network_memberships(store, as_of)
    m = m[(m["rank"] >= tier_ranks(store)[ACTIVE_FROM]).fillna(False).to_numpy(dtype=bool)]
    if len(m):
        link_kinds = send_networks(store).set_index("network_id")["kind"].map(NETWORK_LINK_KIND)
        kind = m["network_id"].map(link_kinds).fillna("network").to_numpy(dtype=object)
        add(m["network_id"], m["urn"], _person_array(m["person_id"]), kind)
    # the command's one national read (the tie weights read it first), cut to these schools
    cpd = live_meetings(store, as_of, people=True, urns=urns)
    if len(cpd):
        add(cpd["activity_id"], cpd["urn"], _person_array(cpd["person_id"]), np.full(len(cpd), "cpd_event"))
    for ends in (_group_ends(store, as_of), _trust_ends(_open_schools(store, as_of))):
        if len(ends):
            add(
                ends["source"],
                ends["urn"],
                pa.nulls(len(ends), pa.large_string()),
                ends["kind"].to_numpy(object),
            )
    if not sources:
        empty = np.array([], dtype=np.int64)
        return _Members(empty, empty, pa.array([], pa.large_string()), np.array([], dtype=object))
    source = np.concatenate(sources)
    urn = np.concatenate(urn_parts)
    person = pa.concat_arrays(people)
    keep = ~np.isnan(urn)
    if urns is not None:
        keep &= in_sorted(urn, np.sort(urns.to_numpy(dtype=np.float64)))
    at = np.flatnonzero(keep)
    return _Members(source[at], urn[at].astype(np.int64), person.take(pa.array(at)), np.concatenate(kinds))


def _person_array(person: pd.Series) -> pa.Array:
    """A person_id column as one Arrow large_string array (missing: null)."""
    values = pa.array(person.array) if isinstance(person.dtype, pd.StringDtype) else None
    if values is None or not pa.types.is_string(values.type) and not pa.types.is_large_string(values.type):
        values = pa.array(person.to_numpy(dtype=object, na_value=None), from_pandas=True)
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return values.cast(pa.large_string())


def _group_instances(a: np.ndarray, b: np.ndarray, source: np.ndarray, urn: np.ndarray) -> pd.DataFrame:
    """Every (kept pair, source) where both schools belong to the source: columns urn_a, urn_b,
    source, end_a, end_b. The ends are ``source[e], urn[e]`` for e = 0.. (sorted by source, then urn).

    Why arrays: the pandas way (the pairs merged with every end of their a school, then with the
    ends of their b school) factorised and took ~7M rows nationally. Here each pair looks at the
    ends of whichever school has fewer, and finds the other school's end in the same source in a
    hash table of the (source, urn) keys (a binary search per candidate in the 200k sorted keys
    took 0.5 s: cache misses; the hash lookups take 0.1 s). The instances are the same; their
    order within a tie is not (nothing reads it: :class:`TieCarriers` sorts by key and every
    question it answers is per tie)."""
    key = (source << 32) | urn
    by_urn = np.lexsort((source, urn))  # each school's ends together, in source order
    schools, first, n_ends = np.unique(urn[by_urn], return_index=True, return_counts=True)
    # a school with no end counts none (a sentinel slot after the last school's, so -1 reads it)
    first, n_ends = np.append(first, 0), np.append(n_ends, 0)
    lookup = pd.Index(schools)
    at_a, at_b = lookup.get_indexer(a), lookup.get_indexer(b)
    start_a, count_a = first[at_a], n_ends[at_a]
    start_b, count_b = first[at_b], n_ends[at_b]
    use_a = count_a <= count_b
    start = np.where(use_a, start_a, start_b)
    count = np.where(use_a, count_a, count_b)
    other = np.where(use_a, b, a)
    row = np.repeat(np.arange(len(a), dtype=np.int64), count)
    offset = np.arange(len(row), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    side = by_urn[np.repeat(start, count) + offset]
    at = pd.Index(key).get_indexer((source[side] << 32) | other[row])
    hit = at >= 0
    row, side, at = row[hit], side[hit], at[hit]
    mine = use_a[row]
    return pd.DataFrame(
        {
            "urn_a": a[row],
            "urn_b": b[row],
            "source": source[side],
            "end_a": np.where(mine, side, at),
            "end_b": np.where(mine, at, side),
        }
    )


def _people_codes(person: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each person_id's code and the distinct person_ids, sorted (code order is person_id order).

    Why Arrow: a pandas ``factorize(sort=True)`` of ~250k Python strings took ~0.25 s; Arrow
    numbers them in a hash table and sorts only the distinct ones. Arrow compares UTF-8 bytes, which
    orders text as Python does (by code point)."""
    encoded = pc.dictionary_encode(person)
    order = pc.sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order), dtype=np.int64)
    codes = rank[encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)]
    return codes, np.asarray(encoded.dictionary.take(pa.array(order)).to_pylist(), dtype=object)


def tie_carriers(store: GraphStore, as_of: dt.date, pairs: pd.DataFrame, *, subset: bool) -> TieCarriers:
    """The instances of the tied ``pairs`` (``urn_a < urn_b``: ties of
    :func:`queries.networks.ties.tie_weights` above the threshold, national rules, no filters) with
    their carriers. ``subset``: the pairs are a few ties (a region's), so only their schools'
    memberships are used (their CPD meetings cut from the command's one national read,
    :func:`queries.networks.ties.live_meetings`)."""
    known = _open_schools(store, as_of)["urn"].dropna().to_numpy(dtype=np.int64)
    kept = distinct(pair_key(pairs["urn_a"].to_numpy(np.int64), pairs["urn_b"].to_numpy(np.int64)))
    kept_a, kept_b = kept >> 32, kept & 0xFFFFFFFF
    urns = pd.Index(distinct(np.concatenate([kept_a, kept_b]))) if subset else None
    rows = _member_rows(store, as_of, urns)
    open_school = in_sorted(rows.urn, distinct(known))
    at = np.flatnonzero(open_school)
    source, urn, person = rows.source[at], rows.urn[at], rows.person.take(pa.array(at))
    # ends: one per (source, urn), numbered through one int64 key (source code << 32 | urn)
    end_keys, end_of_row = np.unique((source << 32) | urn, return_inverse=True)
    end_of_row = end_of_row.reshape(-1).astype(np.int64)
    n_group_ends = len(end_keys)
    named_row = person.is_valid().to_numpy(zero_copy_only=False)
    institutional = np.zeros(n_group_ends, dtype=bool)
    institutional[end_of_row[~named_row]] = True
    # group instances: each kept pair x each source both schools belong to
    grouped = _group_instances(kept_a, kept_b, end_keys >> 32, end_keys & 0xFFFFFFFF)
    pairs_inst = _national_pairs(store, as_of)
    pair_keys_all = pair_key(pairs_inst["urn_a"], pairs_inst["urn_b"])
    pairs_inst = pairs_inst[in_sorted(pair_keys_all, kept)]
    # each pairwise instance's two sides become ends of their own, after the group ends
    n_pair = len(pairs_inst)
    side_a = np.arange(n_group_ends, n_group_ends + n_pair, dtype=np.int64)
    side_b = side_a + n_pair
    extra_end, extra_person = [], []
    for col, side in (("carriers_a", side_a), ("carriers_b", side_b)):
        carried = pairs_inst[col].to_numpy(dtype=object)
        for e, people in zip(side.tolist(), carried.tolist(), strict=True):
            if people is not None and not (isinstance(people, float) and people != people):
                for p in [people] if isinstance(people, str) else people:
                    extra_end.append(e)
                    extra_person.append(str(p))
    named_at = np.flatnonzero(named_row)
    codes, people = _people_codes(
        pa.concat_arrays([person.take(pa.array(named_at)), pa.array(extra_person, type=pa.large_string())])
    )
    member_end = np.concatenate([end_of_row[named_at], np.asarray(extra_end, dtype=np.int64)])
    n_ends = n_group_ends + 2 * n_pair
    inst_all = np.concatenate([institutional, np.zeros(2 * n_pair, dtype=bool)])
    # (end, person) made distinct and sorted by one integer sort
    width = np.int64(max(len(people), 1))
    carried = ~inst_all[member_end]
    pair = distinct(member_end[carried] * width + codes[carried])
    members_end, members = pair // width, pair % width
    size = np.bincount(members_end, minlength=n_ends).astype(np.int64)
    ptr = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
    keys = np.concatenate(
        [pair_key(grouped["urn_a"], grouped["urn_b"]), pair_key(pairs_inst["urn_a"], pairs_inst["urn_b"])]
    )
    pair_kinds = pairs_inst["kind"].to_numpy(dtype=object)
    kind_names = np.asarray(sorted(set(rows.kinds.tolist()) | set(pair_kinds.tolist())), dtype=object)
    source_kind = np.searchsorted(kind_names, rows.kinds) if len(rows.kinds) else np.array([], np.int64)
    kinds = np.concatenate(
        [source_kind[grouped["source"].to_numpy(np.int64)], np.searchsorted(kind_names, pair_kinds)]
    ).astype(np.int64)
    end_a = np.concatenate([grouped["end_a"].to_numpy(np.int64), side_a])
    end_b = np.concatenate([grouped["end_b"].to_numpy(np.int64), side_b])
    order = np.argsort(keys, kind="stable")
    return TieCarriers(
        keys=keys[order],
        kinds=kinds[order],
        kind_names=kind_names,
        end_a=end_a[order],
        end_b=end_b[order],
        size=size,
        ptr=ptr,
        members=members,
        people=people,
    )
