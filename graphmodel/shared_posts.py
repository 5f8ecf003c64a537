"""The ``multi_school`` flag on posts: stored at load time so a server finds shared staff by an index.

Shared staff (``queries.networks.ties.shared_staff``) are the people in post at two or more schools
on the as-of date: a few hundred people nationally, found among 2.6M posts. Without help a graph
server walks every WORKS_AT edge (twice, or once with a per-person aggregate): ~6-8 s of server
time per network command. So each load marks, on every post, whether it **overlaps in time a post
of the same person at another school** (at any time: dates as recorded, an open end = still in
post). That is a superset, independent of the as-of date, of the posts of shared staff on any date
(two posts current on one day overlap), so the exact answer is still worked out with the as-of
filter, on the flagged posts only: an index lookup of a few thousand edges.

Registered as the derived set ``shared_staff`` (:mod:`graphmodel.derived`), so every load of every
store recomputes it for the people the load touches, with the career columns.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["FLAG", "multi_school"]

FLAG = "multi_school"


def multi_school(posts: pd.DataFrame) -> pd.DataFrame:
    """``posts`` with :data:`FLAG`: True on a post whose dates overlap (inclusive: a post ending the
    day another starts overlaps it, as both are current that day) a post of the same person at a
    different school; False on every other post. A blank start counts as "always", a blank end as
    "still in post", as :func:`queries.networks.participation.active_on` reads them."""
    out = posts.copy()
    flag = np.zeros(len(posts), dtype=bool)
    if len(posts):
        person = pd.factorize(posts["person_id"].astype("string"))[0]
        urn = posts["urn"].astype("Int64").fillna(-1).to_numpy(dtype=np.int64)
        start = pd.to_datetime(posts["start_date"]).to_numpy("datetime64[D]").astype(np.int64)
        end = pd.to_datetime(posts["end_date"]).to_numpy("datetime64[D]").astype(np.int64)
        nat = np.iinfo(np.int64).min  # NaT
        start = np.where(start == nat, np.iinfo(np.int64).min + 1, start)
        end = np.where(end == nat, np.iinfo(np.int64).max, end)
        # only people with posts at two or more schools can have a flagged post
        pairs = pd.DataFrame({"person": person, "urn": urn}).drop_duplicates()
        several = np.flatnonzero(np.bincount(pairs["person"].to_numpy(), minlength=person.max() + 1) >= 2)
        rows = np.flatnonzero(np.isin(person, several) & (person >= 0))
        frame = pd.DataFrame({"person": person[rows], "row": rows})
        both = frame.merge(frame, on="person", suffixes=("_x", "_y"))
        x, y = both["row_x"].to_numpy(), both["row_y"].to_numpy()
        hit = (urn[x] != urn[y]) & (start[x] <= end[y]) & (start[y] <= end[x])
        flag[x[hit]] = True
    out[FLAG] = pd.array(flag, dtype="boolean")
    return out
