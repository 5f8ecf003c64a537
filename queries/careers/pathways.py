"""Observed pathways: how people actually get from one role to another, whole career by whole career.

UCL 2019 G7 asks for "the distribution of paths from ITT to SENCO / QTVI / QTHI / QTMSI / PD
specialist; median years between steps; the share of paths with no intermediate SEND CPD". Chaining
single moves (``transitions``) cannot answer it: it loses who went where, and medians of single
moves do not add up to a route. Here each person's spells (:mod:`queries.careers.spells`: the one
place that defines spells, returns and breaks) become one ordered *sequence* of steps:

* **Entry** is the start of the person's first spell in the ``source`` role; the **target** is the
  start of their first spell in the ``target`` role. A person *reached* the target when they entered
  the source role strictly before it.
* **Steps** are the spells that start between entry and target (both included), in start order.
  Spells starting on the same day form one step, labelled with both roles (``CLASS_TEACHER+SENCO``).
  A role held again later is a step again (a return), and more than
  :data:`~queries.careers.spells.BREAK_DAYS` days with no post at all is a ``BREAK`` step, starting
  the day after the last post ended.
* **Years of a step** = from its start to the next step's start, / 365.25; **total years** = from
  entry to target. Each person's step years add up to their total (medians of course need not).
* **Qualifications gained along the way**: awarded on or after entry and on or before the target.
* **SEND CPD** = attending an activity that addresses a need area (attendance date, else the
  activity's date), on or after entry and before the target.
* **No recorded start**: people whose first target spell has no earlier spell in the source role
  (e.g. a QTVI with no ITT on record), by the first role on their record.
* **Leaving the route**: people who entered the source role and have not reached the target. The
  *route* is every step sequence that starts some observed pathway (the pathways' prefixes); a
  person leaves it after the longest prefix of their sequence on it. They then moved off the route
  (their next step is not on any pathway), are still in post there, or their record ends.

Filters place a person where they reached the target (the first post of their target spell) for
pathways and no-start rows, and where they entered the source role for leavers. ``as_of`` ignores
posts starting after it and treats ends after it as still held.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphmodel.store import GraphStore
from queries.careers.routes import resolve_role
from queries.careers.spells import (
    BREAK_DAYS,
    DAYS_PER_YEAR,
    OPEN_DAY,
    career_arrays,
    date_key,
    sort_order,
    spell_arrays,
)
from queries.context import Filters
from queries.publish import Publishes
from queries.registry import analysis

__all__ = [
    "BREAK",
    "LEAVER_COLUMNS",
    "NO_START_COLUMNS",
    "PATHWAY_COLUMNS",
    "PUBLISHES",
    "STEP_COLUMNS",
    "no_recorded_start",
    "pathway_leavers",
    "pathway_steps",
    "pathways",
]

BREAK = "BREAK"
"""The step label of a career break (more than a year with no post)."""
SEP = " > "
_STRIDE = 4 * 10**6
_HASH = np.uint64(1_000_003)

PATHWAY_COLUMNS = [
    "pathway",
    "steps",
    "people",
    "share",
    "median_years",
    "q1_years",
    "q3_years",
    "step_median_years",
    "qualifications",
    "no_send_cpd",
    "no_send_cpd_share",
]
STEP_COLUMNS = ["pathway", "step", "from_step", "to_step", "people", "median_years", "q1_years", "q3_years"]
NO_START_COLUMNS = [
    "first_recorded_role",
    "people",
    "share",
    "median_years_on_record",
    "q1_years",
    "q3_years",
]
LEAVER_COLUMNS = [
    "left_after",
    "people",
    "share",
    "moved_off",
    "moved_to",
    "still_in_post",
    "record_ended",
]

_PEOPLE_RATES = {c: ("people",) for c in ("median_years", "q1_years", "q3_years")}
PUBLISHES: dict[str, Publishes] = {
    # each person who reached the target is on one pathway: the rows partition them
    "pathways": Publishes(
        counts=("people", "no_send_cpd"),
        rates={
            "share": ("people",),
            **_PEOPLE_RATES,
            "step_median_years": ("people",),
            "qualifications": ("people",),
            "no_send_cpd_share": ("people", "no_send_cpd"),
        },
    ),
    # every step of a pathway counts the pathway's people again: rows do not add up
    "steps": Publishes(counts=("people",), rates=_PEOPLE_RATES, additive=False),
    "no-start": Publishes(
        counts=("people",),
        rates={
            "share": ("people",),
            "median_years_on_record": ("people",),
            "q1_years": ("people",),
            "q3_years": ("people",),
        },
    ),
    # each leaver left at one point, and either moved off, is still in post or their record ended
    "leavers": Publishes(
        counts=("people", "moved_off", "still_in_post", "record_ended"),
        rates={"share": ("people",), "moved_to": ("moved_off",)},
        totals={"people": ("moved_off", "still_in_post", "record_ended")},
    ),
}
"""Per view, what it publishes through :func:`queries.publish.publish` (medians, quartiles, the
step medians and the qualification shares follow the people counted)."""


@dataclass
class _Steps:
    """Step arrays, sorted by person then step number; ``label`` indexes ``labels``."""

    person: np.ndarray
    start: np.ndarray
    label: np.ndarray
    k: np.ndarray
    prefix: np.ndarray  # uint64 hash of the labels of steps 0..k
    labels: list[str]

    def take(self, idx: np.ndarray) -> _Steps:
        return _Steps(
            self.person[idx], self.start[idx], self.label[idx], self.k[idx], self.prefix[idx], self.labels
        )


@dataclass
class _Result:
    steps: _Steps  # sequences of people who reached the target
    last: np.ndarray  # row in ``steps`` of each reached person's target step
    entry: np.ndarray  # entry day of each reached person (aligned with ``last``)
    leavers: pd.DataFrame
    no_start: pd.DataFrame
    person_ids: pd.Index


def _first_per_person(person: np.ndarray, mask: np.ndarray, n_people: int, values: list[np.ndarray]):
    """For rows sorted by person then start: the first row per person where ``mask``; returns, per
    person, whether there is one and each of ``values`` at it."""
    rows = np.flatnonzero(mask)
    keep = np.ones(len(rows), dtype=bool)
    keep[1:] = person[rows[1:]] != person[rows[:-1]]
    rows = rows[keep]
    has = np.zeros(n_people, dtype=bool)
    has[person[rows]] = True
    out = []
    for v in values:
        a = np.zeros(n_people, dtype=v.dtype)
        a[person[rows]] = v[rows]
        out.append(a)
    return has, out


def _sequences(store, source: str, target: str, as_of, filters: Filters, leavers: bool = False) -> _Result:
    src_code, tgt_code = resolve_role(store, source), resolve_role(store, target)
    sp = spell_arrays(career_arrays(store, filters, as_of=as_of))
    people = sp.people
    roles = [str(r) for r in sp.roles]
    # role ranks in alphabetical order, so same-day steps are labelled in a fixed order
    alpha = np.argsort(np.asarray(roles, dtype=object)).astype(np.int64)
    rank = np.empty(len(roles), dtype=np.int64)
    rank[alpha] = np.arange(len(roles))
    c = sp.take(
        sort_order(
            (sp.person, len(people)), date_key(sp.start), (rank[sp.role] if len(sp) else sp.role, len(roles))
        )
    )
    n_people = len(people)
    s = roles.index(src_code) if src_code in roles else -1
    t = roles.index(tgt_code) if tgt_code in roles else -1
    has_t, (t0, t_scope) = _first_per_person(c.person, c.role == t, n_people, [c.start, c.in_scope])
    has_e, (e0, e_scope) = _first_per_person(c.person, c.role == s, n_people, [c.start, c.in_scope])
    reached = has_t & has_e & (e0 < t0) & t_scope
    no_start = has_t & t_scope & ~(has_e & (e0 < t0))
    leaver = has_e & e_scope & ~has_t

    # coverage: the latest end of everything the person held before each spell (for breaks)
    p = c.person
    cov = np.maximum.accumulate(c.end + p * _STRIDE) - p * _STRIDE if len(c) else c.end
    prev_cov = np.full(len(c), -1, dtype=np.int64)
    if len(c):
        prev_cov[1:] = np.where(p[1:] == p[:-1], cov[:-1], -1)
    person_has_open = np.zeros(n_people, dtype=bool)
    person_has_open[p[c.end >= OPEN_DAY]] = True

    if not leavers:
        leaver = np.zeros(n_people, dtype=bool)
    on_seq = (reached[p] & (c.start >= e0[p]) & (c.start <= t0[p])) | (leaver[p] & (c.start >= e0[p]))
    rows = np.flatnonzero(on_seq)
    sp_ = c.take(rows)
    pc = prev_cov[rows]
    new_step = np.ones(len(rows), dtype=bool)
    new_step[1:] = (sp_.person[1:] != sp_.person[:-1]) | (sp_.start[1:] != sp_.start[:-1])
    first_of_person = np.ones(len(rows), dtype=bool)
    first_of_person[1:] = sp_.person[1:] != sp_.person[:-1]
    step_id = np.cumsum(new_step) - 1
    heads = np.flatnonzero(new_step)
    labels = [*roles, BREAK]
    label = sp_.role[heads].copy()
    multi = np.bincount(step_id, minlength=len(heads)) > 1
    if multi.any():
        m_rows = np.flatnonzero(multi[step_id])
        joined = (
            pd.DataFrame({"g": step_id[m_rows], "r": np.asarray(roles, dtype=object)[sp_.role[m_rows]]})
            .groupby("g", sort=True)["r"]
            .agg("+".join)
        )
        codes, uniq = pd.factorize(joined.to_numpy())
        label[joined.index.to_numpy()] = codes + len(labels)
        labels.extend(str(u) for u in uniq)
    st_person, st_start = sp_.person[heads], sp_.start[heads]
    # a break before a step: more than BREAK_DAYS with no post since the latest end so far
    gap = st_start - pc[heads] - 1
    brk = ~first_of_person[heads] & (pc[heads] >= 0) & (gap > BREAK_DAYS)
    if brk.any():
        st_person = np.concatenate([st_person, st_person[brk]])
        st_start = np.concatenate([st_start, pc[heads][brk] + 1])
        label = np.concatenate([label, np.full(int(brk.sum()), len(roles), dtype=np.int64)])
        o = np.lexsort((st_start, st_person))
        st_person, st_start, label = st_person[o], st_start[o], label[o]
    n = len(st_person)
    new_p = np.ones(n, dtype=bool)
    new_p[1:] = st_person[1:] != st_person[:-1]
    first = np.maximum.accumulate(np.where(new_p, np.arange(n), 0)) if n else np.zeros(0, dtype=np.int64)
    k = np.arange(n) - first
    prefix = np.zeros(n, dtype=np.uint64)
    lab64 = label.astype(np.uint64) + np.uint64(1)
    with np.errstate(over="ignore"):
        for j in range(int(k.max()) + 1 if n else 0):
            idx = np.flatnonzero(k == j)
            prefix[idx] = lab64[idx] if j == 0 else prefix[idx - 1] * _HASH + lab64[idx]
    steps = _Steps(st_person, st_start, label, k, prefix, labels)

    is_reached = reached[st_person]
    rsteps = steps.take(np.flatnonzero(is_reached))
    last_of = np.ones(len(rsteps.person), dtype=bool)
    last_of[:-1] = rsteps.person[1:] != rsteps.person[:-1]
    last = np.flatnonzero(last_of)
    entry = e0[rsteps.person[last]]

    leavers = _leavers(steps.take(np.flatnonzero(~is_reached)), rsteps, last, person_has_open)
    first_role = _first_roles(c, no_start, t0, labels, roles)
    ns = pd.DataFrame(
        {
            "first_recorded_role": first_role,
            "years": (t0[no_start] - _first_start(c, n_people)[no_start]) / DAYS_PER_YEAR,
        }
    )
    return _Result(rsteps, last, entry, leavers, ns, people)


def _first_start(c, n_people: int) -> np.ndarray:
    out = np.zeros(n_people, dtype=np.int64)
    if len(c):
        out[c.person[::-1]] = c.start[::-1]  # sorted by start: the last write is the earliest
    return out


def _first_roles(c, no_start: np.ndarray, t0: np.ndarray, labels: list[str], roles: list[str]) -> np.ndarray:
    """The role (same-day roles joined with '+') each no-start person's record begins with."""
    if not no_start.any():
        return np.zeros(0, dtype=object)
    first = _first_start(c, len(no_start))
    rows = np.flatnonzero(no_start[c.person] & (c.start == first[c.person]))
    frame = pd.DataFrame({"p": c.person[rows], "r": np.asarray(roles, dtype=object)[c.role[rows]]})
    joined = frame.groupby("p", sort=True)["r"].agg("+".join)
    return joined.reindex(np.flatnonzero(no_start)).to_numpy(dtype=object)


def _label_of(steps: _Steps, rows_by_prefix: dict[int, int], prefix: int) -> str:
    row = rows_by_prefix[prefix]
    start = row - int(steps.k[row])
    return SEP.join(steps.labels[i] for i in steps.label[start : row + 1])


def _leavers(lsteps: _Steps, rsteps: _Steps, last: np.ndarray, has_open: np.ndarray) -> pd.DataFrame:
    """One row per leaver: where they left the route and what happened next."""
    not_last = np.ones(len(rsteps.person), dtype=bool)
    not_last[last] = False
    route = np.unique(rsteps.prefix[not_last])
    on = np.isin(lsteps.prefix, route) | (lsteps.k == 0)
    frame = pd.DataFrame({"p": lsteps.person, "k": lsteps.k, "on": on})
    n_steps = frame.groupby("p", sort=True)["k"].size()
    on_steps = frame[on].groupby("p", sort=True)["k"].size().reindex(n_steps.index, fill_value=1)
    person = n_steps.index.to_numpy()
    firsts = np.flatnonzero(lsteps.k == 0)  # sorted by person, like n_steps
    at = firsts + on_steps.to_numpy() - 1
    moved = on_steps.to_numpy() < n_steps.to_numpy()
    nxt = np.where(moved, at + 1, at)
    out = pd.DataFrame(
        {
            "prefix": lsteps.prefix[at],
            "row": at,
            "moved_off": moved,
            "moved_to": np.where(moved, np.asarray(lsteps.labels, dtype=object)[lsteps.label[nxt]], None),
            "still_in_post": ~moved & has_open[person],
            "record_ended": ~moved & ~has_open[person],
        }
    )
    out.attrs["steps"] = lsteps
    return out


def _empty(columns: list[str], numeric: set[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype="float64" if c in numeric else "object") for c in columns})


def _quartiles(frame: pd.DataFrame, key: str, value: str) -> pd.DataFrame:
    g = frame.groupby(key, sort=False)[value]
    return pd.DataFrame(
        {
            "median_years": g.median().round(2),
            "q1_years": g.quantile(0.25).round(2),
            "q3_years": g.quantile(0.75).round(2),
        }
    )


def _reached_frame(r: _Result) -> pd.DataFrame:
    """One row per person who reached the target: person code, pathway hash, label, total years."""
    st = r.steps
    rows_by_prefix = {}
    for row in r.last[::-1]:
        rows_by_prefix[int(st.prefix[row])] = int(row)
    frame = pd.DataFrame(
        {
            "p": st.person[r.last],
            "h": st.prefix[r.last],
            "entry": r.entry,
            "target": st.start[r.last],
            "years": (st.start[r.last] - r.entry) / DAYS_PER_YEAR,
            "n": st.k[r.last],
        }
    )
    frame["pathway"] = frame["h"].map({h: _label_of(st, rows_by_prefix, h) for h in rows_by_prefix})
    return frame


def _quals_and_cpd(store: GraphStore, reached: pd.DataFrame, ids: pd.Index) -> tuple[pd.Series, pd.Series]:
    """Per pathway, qualifications gained along the way ("QTS 100%; MQ_VI 50%") and, per person,
    whether they attended SEND CPD between entry and target."""
    who = pd.DataFrame(
        {
            "person_id": ids.take(reached["p"].to_numpy()).astype(str),
            "pathway": reached["pathway"].to_numpy(),
            "entry": reached["entry"].to_numpy().astype("datetime64[D]").astype("datetime64[ns]"),
            "target": reached["target"].to_numpy().astype("datetime64[D]").astype("datetime64[ns]"),
        }
    )
    quals = store.table("person_qualifications")[["person_id", "qualification", "awarded_date"]]
    wanted = set(who["person_id"])
    quals = quals[quals["person_id"].isin(wanted).to_numpy(bool)]
    q = quals.astype({"person_id": str}).merge(who, on="person_id")
    q = q[
        ((q["awarded_date"] >= q["entry"]) & (q["awarded_date"] <= q["target"])).fillna(False).to_numpy(bool)
    ]
    size = who.groupby("pathway").size()
    held = q.drop_duplicates(["person_id", "qualification"]).groupby(["pathway", "qualification"]).size()
    texts = {}
    for pathway, total in size.items():
        if pathway in held.index.get_level_values(0):
            counts = held.loc[pathway].sort_index()
            counts = counts.sort_values(ascending=False, kind="stable")
            texts[pathway] = "; ".join(f"{code} {round(100 * v / total)}%" for code, v in counts.items())
        else:
            texts[pathway] = ""
    att = store.table("attendance")[["person_id", "activity_id", "date"]]
    att = att[att["person_id"].isin(wanted).to_numpy(bool)]
    needs = store.table("activity_needs")["activity_id"].unique()
    acts = store.table("cpd_activities")[["activity_id", "date"]].rename(columns={"date": "activity_date"})
    att = att[att["activity_id"].isin(needs).to_numpy(bool)].merge(acts, on="activity_id", how="left")
    att = att.assign(when=att["date"].fillna(att["activity_date"]), person_id=att["person_id"].astype(str))
    a = att[["person_id", "when"]].merge(who[["person_id", "entry", "target"]], on="person_id")
    hit = ((a["when"] >= a["entry"]) & (a["when"] < a["target"])).fillna(False).to_numpy(bool)
    had = who["person_id"].isin(set(a.loc[hit, "person_id"])).to_numpy(bool)
    return pd.Series(texts, dtype=object), pd.Series(~had, index=reached.index)


@analysis
def pathways(
    store: GraphStore,
    *,
    source: str,
    target: str,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
) -> pd.DataFrame:
    """The observed pathways from ``source`` to ``target`` (UCL 2019 G7), one row per pathway.

    ``pathway`` = the steps (module docstring), ``steps`` = moves in it; ``people`` who took it and
    their ``share`` of everyone who reached the target from the source; total years from entry to
    target (``median_years``, ``q1_years``, ``q3_years``); ``step_median_years`` = the median years
    of each step, in order; ``qualifications`` gained along the way with the share of the pathway's
    people; ``no_send_cpd`` = people with no SEND CPD between entry and target, and its share.
    Sorted by people (most first), then median years, then pathway.
    """
    r = _sequences(store, source, target, as_of, filters)
    if len(r.last) == 0:
        return _empty(PATHWAY_COLUMNS, {"share", "median_years", "q1_years", "q3_years", "no_send_cpd_share"})
    reached = _reached_frame(r)
    quals, no_cpd = _quals_and_cpd(store, reached, r.person_ids)
    reached["no_cpd"] = no_cpd
    stats = _quartiles(reached, "pathway", "years")
    agg = reached.groupby("pathway", sort=False).agg(
        people=("p", "size"), steps=("n", "first"), no_send_cpd=("no_cpd", "sum")
    )
    out = agg.join(stats).reset_index()
    out["share"] = (out["people"] / len(reached)).round(4)
    out["no_send_cpd_share"] = (out["no_send_cpd"] / out["people"]).round(4)
    out["qualifications"] = out["pathway"].map(quals).fillna("")
    step_frame = pathway_step_frame(r, reached)
    medians = step_frame.groupby("pathway", sort=False)["median_years"].agg(
        lambda v: SEP.join(f"{x:.2f}" for x in v)
    )
    out["step_median_years"] = out["pathway"].map(medians).fillna("")
    for col in ("people", "steps", "no_send_cpd"):
        out[col] = out[col].astype("int64")
    out = out.sort_values(["people", "median_years", "pathway"], ascending=[False, True, True], kind="stable")
    return out[PATHWAY_COLUMNS].reset_index(drop=True)


def pathway_step_frame(r: _Result, reached: pd.DataFrame) -> pd.DataFrame:
    """Per pathway and step number: from/to step labels, people, median and quartile years."""
    st = r.steps
    nxt = np.flatnonzero(st.k > 0)
    frame = pd.DataFrame(
        {
            "p": st.person[nxt],
            "step": st.k[nxt],
            "from_step": np.asarray(st.labels, dtype=object)[st.label[nxt - 1]],
            "to_step": np.asarray(st.labels, dtype=object)[st.label[nxt]],
            "years": (st.start[nxt] - st.start[nxt - 1]) / DAYS_PER_YEAR,
        }
    )
    frame = frame.merge(reached[["p", "pathway"]], on="p")
    frame["key"] = frame["pathway"] + "\x00" + frame["step"].astype(str)
    stats = _quartiles(frame, "key", "years")
    agg = frame.groupby("key", sort=False).agg(
        pathway=("pathway", "first"),
        step=("step", "first"),
        from_step=("from_step", "first"),
        to_step=("to_step", "first"),
        people=("p", "size"),
    )
    out = agg.join(stats).reset_index(drop=True)
    out["step"] = out["step"].astype("int64")
    out["people"] = out["people"].astype("int64")
    return out.sort_values(["pathway", "step"], kind="stable")[STEP_COLUMNS].reset_index(drop=True)


@analysis
def pathway_steps(
    store: GraphStore,
    *,
    source: str,
    target: str,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
) -> pd.DataFrame:
    """Each step of each observed pathway: years from one step to the next (median, quartiles).

    One row per pathway and step number (1 = the first move after entry); ``people`` is the
    pathway's people (everyone on a pathway takes all its steps). Sorted by pathway, then step.
    """
    r = _sequences(store, source, target, as_of, filters)
    if len(r.last) == 0:
        return _empty(STEP_COLUMNS, {"median_years", "q1_years", "q3_years"})
    return pathway_step_frame(r, _reached_frame(r))


@analysis
def no_recorded_start(
    store: GraphStore,
    *,
    source: str,
    target: str,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
) -> pd.DataFrame:
    """People who reached ``target`` with no ``source`` spell before it (e.g. no ITT on record).

    By the first role on their record (the target itself when it is the first thing recorded):
    ``people``, their ``share`` of everyone who reached the target, and years from the start of their
    record to the target. They are not in ``pathways`` (their start is unknown, not absent).
    """
    r = _sequences(store, source, target, as_of, filters)
    ns = r.no_start
    if ns.empty:
        return _empty(NO_START_COLUMNS, {"share", "median_years_on_record", "q1_years", "q3_years"})
    total = len(ns) + len(r.last)
    stats = _quartiles(ns, "first_recorded_role", "years").rename(
        columns={"median_years": "median_years_on_record"}
    )
    out = ns.groupby("first_recorded_role", sort=False).size().rename("people").to_frame().join(stats)
    out = out.reset_index()
    out["people"] = out["people"].astype("int64")
    out["share"] = (out["people"] / total).round(4)
    out = out.sort_values(["people", "first_recorded_role"], ascending=[False, True], kind="stable")
    return out[NO_START_COLUMNS].reset_index(drop=True)


@analysis
def pathway_leavers(
    store: GraphStore,
    *,
    source: str,
    target: str,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
) -> pd.DataFrame:
    """Where people who entered ``source`` leave the route to ``target`` (module docstring).

    One row per point (``left_after``: the route steps they took): ``people``, their ``share`` of all
    who entered and have not reached the target, then how many ``moved_off`` the route (and the most
    common step they moved to), are ``still_in_post`` on it, or whose ``record_ended``. Sorted by
    people (most first): the first row is the most common point where people leave.
    """
    r = _sequences(store, source, target, as_of, filters, leavers=True)
    lv = r.leavers
    if lv.empty:
        return _empty(LEAVER_COLUMNS, {"share"})
    steps = lv.attrs["steps"]
    rows_by_prefix = dict(zip(lv["prefix"].tolist(), lv["row"].tolist(), strict=True))
    agg = lv.groupby("prefix", sort=False).agg(
        people=("row", "size"),
        moved_off=("moved_off", "sum"),
        still_in_post=("still_in_post", "sum"),
        record_ended=("record_ended", "sum"),
    )
    to = lv.dropna(subset=["moved_to"]).groupby(["prefix", "moved_to"]).size().reset_index(name="n")
    to = to.sort_values(["n", "moved_to"], ascending=[False, True], kind="stable").drop_duplicates("prefix")
    agg["moved_to"] = pd.Series(to["moved_to"].to_numpy(), index=to["prefix"].to_numpy()).reindex(agg.index)
    agg["left_after"] = [_label_of(steps, rows_by_prefix, int(h)) for h in agg.index]
    out = agg.reset_index(drop=True)
    for col in ("people", "moved_off", "still_in_post", "record_ended"):
        out[col] = out[col].astype("int64")
    out["share"] = (out["people"] / len(lv)).round(4)
    out["moved_to"] = out["moved_to"].astype(object).where(out["moved_to"].notna(), None)
    out = out.sort_values(["people", "left_after"], ascending=[False, True], kind="stable")
    return out[LEAVER_COLUMNS].reset_index(drop=True)
