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

from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.context import schools_frame
from queries.networks.participation import ACTIVE_FROM, school_network_memberships, send_networks, tier_ranks
from queries.networks.ties import (
    NETWORK_LINK_KIND,
    _group_ends,
    _national_pairs,
    _trust_ends,
    live_meetings,
)
from queries.posts import in_operation

__all__ = ["TieCarriers", "joined", "tie_carriers"]


def joined(keys: np.ndarray, values: np.ndarray) -> pd.Series:
    """``values`` (strings) ';'-joined per key, for ``keys`` sorted (equal keys together, values
    already in the order wanted), indexed by key: one slice per key of a plain list, where a pandas
    ``groupby(...).agg(";".join)`` pays a Series per group (~40 s for 500k groups)."""
    uniq, start = np.unique(keys, return_index=True)
    bounds = np.append(start, len(keys)).tolist()
    vals = list(values)
    text = [";".join(vals[s:e]) for s, e in zip(bounds[:-1], bounds[1:], strict=True)]
    return pd.Series(text, index=pd.Index(uniq, name="key"), dtype=object)


def pair_key(a: object, b: object) -> np.ndarray:
    """One int64 key per (urn_a, urn_b) pair (URNs are well below 2**31), as ``collaboration.pair_keys``."""
    return (np.asarray(a, dtype=np.int64) << 32) | np.asarray(b, dtype=np.int64)


@dataclass(frozen=True)
class TieCarriers:
    """The instances of a set of ties and who carries each of their ends.

    Instance ``i`` belongs to the tie ``keys[i]`` (``urn_a << 32 | urn_b``), is of kind ``kinds[i]``
    and has the ends ``end_a[i]`` / ``end_b[i]``. End ``e`` is institutional when ``size[e] == 0``;
    else its carriers are the person codes ``members[ptr[e]:ptr[e + 1]]`` (sorted, distinct), and
    code ``c`` is the person ``people[c]`` (``people`` sorted, so code order is person_id order).
    Instances are sorted by key.
    """

    keys: np.ndarray
    kinds: np.ndarray
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
        return pd.DataFrame(
            {
                "key": uniq[found_tie[found]].astype(np.int64),
                "person_id": self.people[found_person[found]],
            }
        )

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
        carrying = np.unique(self.members[hit & used[member_ends]])
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
        tie, uniq, _counts = self._ties()
        keys = np.asarray(keys, dtype=np.int64)
        wanted = np.zeros(len(uniq), dtype=bool)
        if len(uniq) and len(keys):
            at = np.minimum(np.searchsorted(uniq, keys), len(uniq) - 1)
            wanted[at[uniq[at] == keys]] = True
        sel = wanted[tie]
        # the few distinct kinds as codes in sorted order: (tie, kind) pairs made distinct and put in
        # (key, kind) order by one integer sort, not a frame's drop_duplicates and two-column sort
        codes, names = pd.factorize(self.kinds[sel], sort=True)
        names = np.asarray(names, dtype=object)
        width = np.int64(max(len(names), 1))
        pair = np.sort(tie[sel] * width + codes.astype(np.int64))
        pair = pair[np.r_[True, pair[1:] != pair[:-1]]] if len(pair) else pair
        return joined(uniq[pair // width].astype(np.int64), names[pair % width].astype(object))


def _member_rows(store: GraphStore, as_of: dt.date, urns: pd.Index | None) -> pd.DataFrame:
    """(source, kind, urn, person_id) for every group-like membership tying schools on ``as_of``
    (person_id NA: the school takes part as an institution), as ``ties._group_like_ends`` has them
    before they are grouped into ends; only the schools ``urns`` if given."""
    parts = []
    m = school_network_memberships(store, as_of)
    m = m[(m["rank"] >= tier_ranks(store)[ACTIVE_FROM]).fillna(False).to_numpy(dtype=bool)]
    if len(m):
        kinds = send_networks(store).set_index("network_id")["kind"].map(NETWORK_LINK_KIND)
        parts.append(
            pd.DataFrame(
                {
                    "source": "network:" + m["network_id"].astype(str),
                    "kind": m["network_id"].map(kinds).fillna("network").astype(object).to_numpy(),
                    "urn": m["urn"].to_numpy(),
                    "person_id": m["person_id"].to_numpy(),
                }
            )
        )
    # the command's one national read (the tie weights read it first), cut to these schools
    cpd = live_meetings(store, as_of, people=True, urns=urns)
    if len(cpd):
        parts.append(
            pd.DataFrame(
                {
                    "source": "cpd:" + cpd["activity_id"].astype(str),
                    "kind": "cpd_event",
                    "urn": cpd["urn"].to_numpy(),
                    "person_id": cpd["person_id"].to_numpy(),
                }
            )
        )
    for ends in (_group_ends(store, as_of), _trust_ends(in_operation(schools_frame(store), as_of))):
        if len(ends):
            parts.append(ends[["source", "kind", "urn"]].assign(person_id=pd.NA))
    if not parts:
        return pd.DataFrame({"source": [], "kind": [], "urn": [], "person_id": []})
    rows = pd.concat(parts, ignore_index=True)
    rows = rows[rows["urn"].notna().to_numpy()]
    rows["urn"] = rows["urn"].astype("int64")
    if urns is not None:
        rows = rows[isin(rows["urn"], urns)]
    return rows.reset_index(drop=True)


def _group_instances(a: np.ndarray, b: np.ndarray, source: np.ndarray, urn: np.ndarray) -> pd.DataFrame:
    """Every (kept pair, source) where both schools belong to the source: columns urn_a, urn_b,
    source, end_a, end_b. The ends are ``source[e], urn[e]`` for e = 0.. (sorted by source, then urn).

    Why arrays: the pandas way (the pairs merged with every end of their a school, then with the
    ends of their b school) factorised and took ~7M rows nationally. Here each pair looks at the
    ends of whichever school has fewer, and finds the other school's end in the same source by a
    binary search on the sorted (source, urn) keys. The instances are the same; their order within
    a tie is not (nothing reads it: :class:`TieCarriers` sorts by key and every question it answers
    is per tie)."""
    key = (source << 32) | urn
    by_urn = np.lexsort((source, urn))  # each school's ends together, in source order
    urn_sorted = urn[by_urn]
    start_a, stop_a = np.searchsorted(urn_sorted, a, "left"), np.searchsorted(urn_sorted, a, "right")
    start_b, stop_b = np.searchsorted(urn_sorted, b, "left"), np.searchsorted(urn_sorted, b, "right")
    use_a = (stop_a - start_a) <= (stop_b - start_b)
    start = np.where(use_a, start_a, start_b)
    count = np.where(use_a, stop_a - start_a, stop_b - start_b)
    other = np.where(use_a, b, a)
    row = np.repeat(np.arange(len(a), dtype=np.int64), count)
    offset = np.arange(len(row), dtype=np.int64) - np.repeat(np.cumsum(count) - count, count)
    side = by_urn[np.repeat(start, count) + offset]
    want = (source[side] << 32) | other[row]
    at = np.minimum(np.searchsorted(key, want), max(len(key) - 1, 0))
    hit = key[at] == want if len(key) else np.zeros(len(want), dtype=bool)
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


def tie_carriers(store: GraphStore, as_of: dt.date, pairs: pd.DataFrame, *, subset: bool) -> TieCarriers:
    """The instances of the tied ``pairs`` (``urn_a < urn_b``: ties of
    :func:`queries.networks.ties.tie_weights` above the threshold, national rules, no filters) with
    their carriers. ``subset``: the pairs are a few ties (a region's), so only their schools'
    memberships are used (their CPD meetings cut from the command's one national read,
    :func:`queries.networks.ties.live_meetings`)."""
    schools = in_operation(schools_frame(store), as_of)
    known = schools["urn"].astype("int64")
    kept = pairs[["urn_a", "urn_b"]].astype("int64").drop_duplicates()
    urns = pd.Index(np.union1d(kept["urn_a"].to_numpy(), kept["urn_b"].to_numpy())) if subset else None
    rows = _member_rows(store, as_of, urns)
    rows = rows[isin(rows["urn"], known)]
    # ends: one per (source, urn), numbered through one int64 key (source code << 32 | urn)
    source_codes, sources = pd.factorize(rows["source"])
    urn_values = rows["urn"].to_numpy(np.int64)
    end_keys, end_codes = np.unique((source_codes.astype(np.int64) << 32) | urn_values, return_inverse=True)
    rows = rows.assign(end=end_codes, source=source_codes)
    n_group_ends = len(end_keys)
    source_kind = rows.drop_duplicates("source").set_index("source")["kind"]
    institutional = np.zeros(n_group_ends, dtype=bool)
    institutional[rows.loc[rows["person_id"].isna().to_numpy(), "end"].to_numpy()] = True
    named = rows[rows["person_id"].notna().to_numpy()]
    # group instances: each kept pair x each source both schools belong to
    kept_a, kept_b = kept["urn_a"].to_numpy(np.int64), kept["urn_b"].to_numpy(np.int64)
    grouped = _group_instances(kept_a, kept_b, end_keys >> 32, end_keys & 0xFFFFFFFF)
    pairs_inst = _national_pairs(store, as_of)
    pairs_inst = pairs_inst.merge(kept, on=["urn_a", "urn_b"])
    # each pairwise instance's two sides become ends of their own, after the group ends
    n_pair = len(pairs_inst)
    side_a = np.arange(n_group_ends, n_group_ends + n_pair, dtype=np.int64)
    side_b = side_a + n_pair
    extra = []
    for col, side in (("carriers_a", side_a), ("carriers_b", side_b)):
        carried = pairs_inst[col].to_numpy(dtype=object)
        for e, people in zip(side.tolist(), carried.tolist(), strict=True):
            if people is not None and not (isinstance(people, float) and people != people):
                for p in [people] if isinstance(people, str) else people:
                    extra.append((e, str(p)))
    extra_frame = pd.DataFrame(extra, columns=["end", "person_id"])
    all_named = pd.concat(
        [
            named[["end", "person_id"]].astype({"person_id": object}),
            extra_frame.astype({"person_id": object}),
        ],
        ignore_index=True,
    )
    codes, uniques = pd.factorize(all_named["person_id"].astype(str).to_numpy(dtype=object), sort=True)
    people = np.asarray(uniques, dtype=object)  # sorted: code order is person_id order
    n_ends = n_group_ends + 2 * n_pair
    inst_all = np.concatenate([institutional, np.zeros(2 * n_pair, dtype=bool)])
    members = pd.DataFrame({"end": all_named["end"].to_numpy(np.int64), "person": codes.astype(np.int64)})
    members = members[~inst_all[members["end"].to_numpy()]].drop_duplicates()
    members = members.sort_values(["end", "person"], kind="stable")
    size = np.bincount(members["end"].to_numpy(), minlength=n_ends).astype(np.int64)
    ptr = np.concatenate([[0], np.cumsum(size)]).astype(np.int64)
    keys = np.concatenate(
        [pair_key(grouped["urn_a"], grouped["urn_b"]), pair_key(pairs_inst["urn_a"], pairs_inst["urn_b"])]
    )
    kinds = np.concatenate(
        [
            grouped["source"].map(source_kind).to_numpy(dtype=object),
            pairs_inst["kind"].to_numpy(dtype=object),
        ]
    )
    end_a = np.concatenate([grouped["end_a"].to_numpy(np.int64), side_a])
    end_b = np.concatenate([grouped["end_b"].to_numpy(np.int64), side_b])
    order = np.argsort(keys, kind="stable")
    return TieCarriers(
        keys=keys[order],
        kinds=kinds[order],
        end_a=end_a[order],
        end_b=end_b[order],
        size=size,
        ptr=ptr,
        members=members["person"].to_numpy(np.int64),
        people=people,
    )
