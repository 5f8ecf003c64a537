"""Careers as spells: the ONE place where posts become spells, moves, returns and breaks.

Every career analysis (``transitions``, ``pathways``, ``next-steps``, ``pipeline``) reads dated
``posts`` (schools) and ``service_posts`` (LA services) through this module, so they agree on what a
career is. The definitions (docs/routes.md has a worked example of each):

* **End dates.** ``end_date`` is the last day in post (inclusive); a blank end is a post still held.
  With ``as_of``, posts starting after it are ignored and ends after it count as still held.
* **Spell.** A person's posts in the same role form one *spell* while they overlap or follow within
  :data:`SAME_SPELL_GAP_DAYS` (365) days of each other: moving school in the same role, or holding
  two posts in the same role at once, is one spell. Overlapping posts in *different* roles are
  separate spells held at the same time (a class teacher who is also SENCO).
* **Return.** A spell in a role the person held before in an earlier, separate spell (a gap of more
  than 365 days in that role). A return is a move like any other, including a return to the same
  role the person last left (``CLASS_TEACHER -> CLASS_TEACHER`` after a career break).
* **Break.** More than :data:`BREAK_DAYS` (365) days in which the person held no post at all (the
  day after the latest end of everything held so far, up to the next start). Pathways show it as a
  ``BREAK`` step.
* **Move (transition).** Spells are ordered by start date. Each spell after a person's first is
  entered *from* the spell that started most recently before it (strictly earlier); if several
  spells started on that date, the one that ended last (an open spell counts as latest), then the
  role code decides. Two spells starting on the same day are not moves between themselves.
* **Years in a role before a move** = days actually spent in that role before the move: every
  earlier spell in the role in full (end inclusive), plus the from-spell up to the move (or its end,
  if it ended first), / 365.25. So two years of teaching, a break, and three more years before a
  SENCO post count as five, not three; a career break is not counted as time in the role.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, schools_frame
from queries.posts import filter_services, services_frame

__all__ = [
    "BREAK_DAYS",
    "DAYS_PER_YEAR",
    "OPEN_DAY",
    "SAME_SPELL_GAP_DAYS",
    "Careers",
    "Moves",
    "career_arrays",
    "day_number",
    "move_arrays",
    "moves",
    "spell_arrays",
    "spells",
]

SAME_SPELL_GAP_DAYS = 365
"""Posts in one role this close together (a summer between schools, a short break) are one spell."""
BREAK_DAYS = 365
"""More days than this with no post at all is a career break."""
DAYS_PER_YEAR = 365.25
OPEN_DAY = 10**6
"""An open end date, in days since 1970 (far beyond any real date)."""
_GROUP_STRIDE = 4 * 10**6


@dataclass
class Careers:
    """Posts or spells as parallel integer arrays (fast to sort at national scale).

    ``person`` and ``role`` are codes into ``people`` and ``roles``; ``start`` and ``end`` are days
    since 1970 (``end`` = :data:`OPEN_DAY` when open, else the last day in post); ``in_scope`` says
    whether the post's (or the spell's first post's) setting matches the filters; ``prior`` (spells
    only) is the days spent in the same role in the person's earlier spells of it.
    """

    person: np.ndarray
    role: np.ndarray
    start: np.ndarray
    end: np.ndarray
    in_scope: np.ndarray
    people: pd.Index
    roles: np.ndarray
    prior: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        if len(self.prior) != len(self.person):
            self.prior = np.zeros(len(self.person), dtype=np.int64)

    def take(self, idx: np.ndarray) -> Careers:
        return Careers(
            self.person[idx],
            self.role[idx],
            self.start[idx],
            self.end[idx],
            self.in_scope[idx],
            self.people,
            self.roles,
            self.prior[idx],
        )

    def __len__(self) -> int:
        return len(self.person)


def _days(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy("datetime64[D]").astype(np.int64)


def day_number(day: dt.date | pd.Timestamp | str) -> int:
    """A date as days since 1970 (the unit of :class:`Careers`)."""
    return int(np.datetime64(pd.Timestamp(day).date(), "D").astype(np.int64))


def _scope(store: GraphStore, filters: Filters, posts: pd.DataFrame, spost: pd.DataFrame) -> np.ndarray:
    """Whether each post (school posts, then service posts) is in a setting matching ``filters``.

    Region and LA filters apply to services through the service's LA; trust, phase and type filters
    are about schools, so services drop out when any of them is set.
    """
    if not filters.describe():
        return np.ones(len(posts) + len(spost), dtype=bool)
    keep = apply_filters(schools_frame(store), filters)["urn"]
    a = posts["urn"].isin(keep).fillna(False).to_numpy(dtype=bool)
    services = filter_services(services_frame(store), filters)["service_id"]
    b = spost["service_id"].isin(services).fillna(False).to_numpy(dtype=bool)
    return np.concatenate([a, b])


def career_arrays(
    store: GraphStore,
    filters: Filters | None = None,
    person_id: str | None = None,
    as_of: dt.date | None = None,
) -> Careers:
    """Every school and service post as :class:`Careers` arrays (one person's, with ``person_id``).

    With ``as_of``, posts starting after it are dropped and ends after it become open.
    """
    filters = filters or Filters()
    posts = store.table("posts")[["person_id", "urn", "role", "start_date", "end_date"]]
    spost = store.table("service_posts")[["person_id", "service_id", "role", "start_date", "end_date"]]
    if person_id is not None:
        posts = posts[(posts["person_id"] == person_id).fillna(False).to_numpy(dtype=bool)]
        spost = spost[(spost["person_id"] == person_id).fillna(False).to_numpy(dtype=bool)]
    in_scope = _scope(store, filters, posts, spost)
    person, people = pd.factorize(pd.concat([posts["person_id"], spost["person_id"]], ignore_index=True))
    role, roles = pd.factorize(pd.concat([posts["role"], spost["role"]], ignore_index=True))
    start = np.concatenate([_days(posts["start_date"]), _days(spost["start_date"])])
    ends = pd.concat([posts["end_date"], spost["end_date"]], ignore_index=True)
    end = np.where(ends.isna().to_numpy(), OPEN_DAY, _days(ends.fillna(pd.Timestamp("1970-01-01"))))
    out = Careers(
        person.astype(np.int64),
        role.astype(np.int64),
        start,
        end,
        in_scope,
        pd.Index(people),
        np.asarray(roles, dtype=object),
    )
    if as_of is not None:
        day = day_number(as_of)
        out = out.take(np.flatnonzero(out.start <= day))
        out.end = np.where(out.end > day, OPEN_DAY, out.end)
    return out


def sort_order(*keys: tuple[np.ndarray, int]) -> np.ndarray:
    """A stable sort order by several non-negative integer keys, most significant first.

    Each key is ``(values, size)`` with ``0 <= values < size``; the keys are packed into one int64
    (faster than ``np.lexsort`` at national scale) unless the product of sizes would overflow.
    """
    total = 1
    for _, size in keys:
        total *= max(int(size), 1)
    if total >= 2**62:
        return np.lexsort(tuple(v for v, _ in reversed(keys)))
    packed = np.zeros(len(keys[0][0]), dtype=np.int64)
    for values, size in keys:
        packed = packed * np.int64(max(int(size), 1)) + values.astype(np.int64)
    return np.argsort(packed, kind="stable")


def date_key(days: np.ndarray) -> tuple[np.ndarray, int]:
    """Day numbers as a ``sort_order`` key (shifted to start at 0)."""
    if len(days) == 0:
        return days, 1
    lo = int(days.min())
    return days - lo, int(days.max()) - lo + 1


def spell_arrays(posts: Careers) -> Careers:
    """Posts merged into spells (module docstring): same person and role, overlapping or within
    :data:`SAME_SPELL_GAP_DAYS`. Sorted by person, role, start; ``prior`` filled in."""
    if len(posts) == 0:
        return posts
    c = posts.take(
        sort_order((posts.person, len(posts.people)), (posts.role, len(posts.roles)), date_key(posts.start))
    )
    same = np.zeros(len(c), dtype=bool)
    same[1:] = (c.person[1:] == c.person[:-1]) & (c.role[1:] == c.role[:-1])
    group = np.cumsum(~same)
    # running max of end dates within each (person, role) run: offset each run above the last
    run_end = np.maximum.accumulate(c.end + group * _GROUP_STRIDE) - group * _GROUP_STRIDE
    prev_end = np.empty_like(run_end)
    prev_end[0] = 0
    prev_end[1:] = run_end[:-1]
    new = ~same | (c.start > prev_end + SAME_SPELL_GAP_DAYS)
    first = np.flatnonzero(new)
    out = c.take(first)
    out.end = np.maximum.reduceat(c.end, first)
    # days in the role in earlier spells of the same (person, role): a cumulative sum per run
    length = np.where(out.end >= OPEN_DAY, 0, out.end + 1 - out.start)
    run = group[first]
    total = np.cumsum(length)
    run_first = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    base = np.repeat(total[run_first] - length[run_first], np.diff(np.r_[run_first, len(run)]))
    out.prior = total - length - base
    return out


@dataclass
class Moves:
    """Transitions as arrays: person, from_role, to_role (codes), in_scope (of the destination), and
    the from-spell's start, end and prior days (for :attr:`years`)."""

    person: np.ndarray
    from_role: np.ndarray
    to_role: np.ndarray
    from_start: np.ndarray
    start: np.ndarray
    in_scope: np.ndarray
    from_end: np.ndarray
    from_prior: np.ndarray

    @property
    def years(self) -> np.ndarray:
        """Years in the from-role before the move (module docstring)."""
        served = np.minimum(self.from_end + 1, self.start) - self.from_start
        return (self.from_prior + served) / DAYS_PER_YEAR

    @property
    def is_return(self) -> np.ndarray:
        """Whether the move is back into the role the person just left (after a gap > 365 days)."""
        return self.from_role == self.to_role


def move_arrays(sp: Careers) -> Moves:
    """Each spell's from-spell: the last spell (by end date, then role) of the person's previous
    start date. Vectorised: sort, mark date groups, index the previous group's last row. Returns to
    the same role (a new spell after a gap, see the module docstring) are moves too."""
    if len(sp) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Moves(empty, empty, empty, empty, empty, np.zeros(0, dtype=bool), empty, empty)
    c = sp.take(np.lexsort((sp.role, sp.end, sp.start, sp.person)))
    n = len(c)
    new_person = np.ones(n, dtype=bool)
    new_person[1:] = c.person[1:] != c.person[:-1]
    new_date = new_person.copy()
    new_date[1:] |= c.start[1:] != c.start[:-1]
    date_group = np.cumsum(new_date) - 1  # 0-based
    last_of_group = np.ones(n, dtype=bool)
    last_of_group[:-1] = date_group[1:] != date_group[:-1]
    rep = np.flatnonzero(last_of_group)  # rep[g] = row of date group g's from-spell
    person_first = np.maximum.accumulate(np.where(new_person, np.arange(n), 0))
    has_prev = date_group > date_group[person_first]
    rows = np.flatnonzero(has_prev)
    src = rep[date_group[rows] - 1]
    return Moves(
        c.person[rows],
        c.role[src],
        c.role[rows],
        c.start[src],
        c.start[rows],
        c.in_scope[rows],
        c.end[src],
        c.prior[src],
    )


def to_dates(days: np.ndarray) -> pd.Series:
    """Day numbers as datetime64[ns] (open ends as NaT)."""
    return pd.Series(np.where(days >= OPEN_DAY, np.datetime64("NaT"), days.astype("datetime64[D]"))).astype(
        "datetime64[ns]"
    )


def spells(store: GraphStore, filters: Filters | None = None) -> pd.DataFrame:
    """One row per spell (module docstring): person_id, role, start_date, end_date (NaT if open),
    in_scope (the spell's first post matches the filters)."""
    sp = spell_arrays(career_arrays(store, filters))
    return pd.DataFrame(
        {
            "person_id": pd.Series(sp.people.take(sp.person), dtype="string"),
            "role": pd.Series(sp.roles.take(sp.role) if len(sp) else [], dtype="string"),
            "start_date": to_dates(sp.start),
            "end_date": to_dates(sp.end),
            "in_scope": sp.in_scope,
        }
    )


def moves(store: GraphStore, filters: Filters | None = None, person_id: str | None = None) -> pd.DataFrame:
    """One row per transition: person_id, from_role, to_role, from_start, start_date, years,
    is_return, in_scope (the destination spell's first post matches the filters)."""
    sp = spell_arrays(career_arrays(store, filters, person_id))
    mv = move_arrays(sp)
    roles = sp.roles
    return pd.DataFrame(
        {
            "person_id": pd.Series(sp.people.take(mv.person), dtype="string"),
            "from_role": pd.Series(roles.take(mv.from_role) if len(mv.person) else [], dtype="string"),
            "to_role": pd.Series(roles.take(mv.to_role) if len(mv.person) else [], dtype="string"),
            "from_start": to_dates(mv.from_start),
            "start_date": to_dates(mv.start),
            "years": mv.years,
            "is_return": mv.is_return,
            "in_scope": mv.in_scope,
        }
    )
