"""The career core: dated posts and service posts become spells and moves (numpy, one definition).

This lives in the model layer so a load can store each person's spells and moves on their post rows
(the derived columns of ``posts`` and ``service_posts`` in schema.toml, ``derived = "careers"``):
a graph server then answers a transitions question with one aggregate over edges instead of
shipping 2.6M posts to the client. The analyses (:mod:`queries.careers.spells`, which re-exports
these names, and docs/routes.md) use the very same functions, so stored and recomputed answers
cannot drift apart.

The rules (worked examples in docs/routes.md):

* **End dates.** ``end_date`` is the last day in post (inclusive); a blank end is a post still held.
  With ``as_of``, posts starting after it are ignored and ends after it count as still held.
* **Spell.** A person's posts in the same role form one spell while they overlap or follow within
  :data:`SAME_SPELL_GAP_DAYS` days; overlapping posts in different roles are separate spells.
* **Move.** Each spell after a person's first is entered from the spell that started most recently
  before it (strictly earlier); among spells starting that day, the one that ended last (open is
  latest), then the role code, decides. Returns to a role after a gap are moves too.
* **Years in a role before a move**: earlier spells of the role in full, plus the from-spell up to
  the move (or its end), / 365.25.

Every tie is broken by data, never by row order, so any store and any load order give the same
answer: role codes are numbered in code order, and a spell's *first post* (whose setting decides
whether the spell is in a filtered place) is, among posts of one person and role starting the same
day, the school post with the lowest urn, then the service post with the lowest service_id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

__all__ = [
    "BREAK_DAYS",
    "DAYS_PER_YEAR",
    "DERIVED_COLUMNS",
    "OPEN_DAY",
    "SAME_SPELL_GAP_DAYS",
    "Careers",
    "Moves",
    "arrays_from_frames",
    "date_key",
    "day_number",
    "derive",
    "move_arrays",
    "sort_order",
    "spell_arrays",
    "to_dates",
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

    ``person`` and ``role`` are codes into ``people`` and ``roles`` (roles numbered in code order);
    ``start`` and ``end`` are days since 1970 (``end`` = :data:`OPEN_DAY` when open, else the last
    day in post); ``in_scope`` says whether the post's (or the spell's first post's) setting matches
    the filters; ``prior`` (spells only) is the days spent in the same role in the person's earlier
    spells of it; ``tie`` orders posts of one person, role and start (school posts by urn, then
    service posts by service_id); ``row`` is the post's row (school posts, then service posts).
    """

    person: np.ndarray
    role: np.ndarray
    start: np.ndarray
    end: np.ndarray
    in_scope: np.ndarray
    people: pd.Index
    roles: np.ndarray
    prior: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    tie: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    row: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def __post_init__(self) -> None:
        n = len(self.person)
        if len(self.prior) != n:
            self.prior = np.zeros(n, dtype=np.int64)
        if len(self.tie) != n:
            self.tie = np.zeros(n, dtype=np.int64)
        if len(self.row) != n:
            self.row = np.arange(n, dtype=np.int64)

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
            self.tie[idx],
            self.row[idx],
        )

    def __len__(self) -> int:
        return len(self.person)


def _days(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy("datetime64[D]").astype(np.int64)


def day_number(day: dt.date | pd.Timestamp | str) -> int:
    """A date as days since 1970 (the unit of :class:`Careers`)."""
    return int(np.datetime64(pd.Timestamp(day).date(), "D").astype(np.int64))


def _ties(posts: pd.DataFrame, spost: pd.DataFrame) -> np.ndarray:
    """Each post's rank for same-day ties: school posts by urn, then service posts by service_id."""
    urn = pd.to_numeric(posts["urn"], errors="coerce").fillna(-1).to_numpy(dtype=np.int64)
    urn_rank = np.unique(urn, return_inverse=True)[1].reshape(-1) if len(urn) else urn
    base = int(urn_rank.max()) + 1 if len(urn) else 0
    svc = spost["service_id"].astype("string").fillna("").to_numpy(dtype=object)
    svc_rank = (
        np.unique(svc, return_inverse=True)[1].reshape(-1) + base if len(svc) else np.zeros(0, np.int64)
    )
    return np.concatenate([urn_rank, svc_rank]).astype(np.int64)


def arrays_from_frames(
    posts: pd.DataFrame,
    spost: pd.DataFrame,
    in_scope: np.ndarray | None = None,
    as_of: dt.date | None = None,
) -> Careers:
    """School posts (``person_id, urn, role, start_date, end_date``) and service posts (with
    ``service_id``) as :class:`Careers` arrays, school posts first; ``in_scope`` defaults to all.

    With ``as_of``, posts starting after it are dropped and ends after it become open.
    """
    if in_scope is None:
        in_scope = np.ones(len(posts) + len(spost), dtype=bool)
    person, people = pd.factorize(pd.concat([posts["person_id"], spost["person_id"]], ignore_index=True))
    role, roles = pd.factorize(pd.concat([posts["role"], spost["role"]], ignore_index=True), sort=True)
    start = np.concatenate([_days(posts["start_date"]), _days(spost["start_date"])])
    ends = pd.concat([posts["end_date"], spost["end_date"]], ignore_index=True)
    end = np.where(ends.isna().to_numpy(), OPEN_DAY, _days(ends.fillna(pd.Timestamp("1970-01-01"))))
    out = Careers(
        person.astype(np.int64),
        role.astype(np.int64),
        start,
        end,
        np.asarray(in_scope, dtype=bool),
        pd.Index(people),
        np.asarray(roles, dtype=object),
        tie=_ties(posts, spost),
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


def _spell_runs(posts: Careers) -> tuple[Careers, np.ndarray, np.ndarray]:
    """(posts sorted by person, role, start, tie; whether each opens a spell; its (person, role) run)."""
    tie = posts.tie - posts.tie.min() if len(posts) else posts.tie
    c = posts.take(
        sort_order(
            (posts.person, len(posts.people)),
            (posts.role, len(posts.roles)),
            date_key(posts.start),
            (tie, int(tie.max()) + 1 if len(tie) else 1),
        )
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
    return c, new, group


def spell_arrays(posts: Careers) -> Careers:
    """Posts merged into spells (module docstring): same person and role, overlapping or within
    :data:`SAME_SPELL_GAP_DAYS`. Sorted by person, role, start; ``prior`` filled in; ``row`` and
    ``in_scope`` are the spell's first post's."""
    if len(posts) == 0:
        return posts
    return _spells_of_runs(*_spell_runs(posts))


def _spells_of_runs(c: Careers, new: np.ndarray, group: np.ndarray) -> Careers:
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
    the from-spell's start, end and prior days (for :attr:`years`); ``spell`` is the destination's
    index in the spells they were built from."""

    person: np.ndarray
    from_role: np.ndarray
    to_role: np.ndarray
    from_start: np.ndarray
    start: np.ndarray
    in_scope: np.ndarray
    from_end: np.ndarray
    from_prior: np.ndarray
    spell: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def days(self) -> np.ndarray:
        """Days in the from-role before the move (module docstring)."""
        return self.from_prior + np.minimum(self.from_end + 1, self.start) - self.from_start

    @property
    def years(self) -> np.ndarray:
        """Years in the from-role before the move (module docstring)."""
        return self.days / DAYS_PER_YEAR

    @property
    def is_return(self) -> np.ndarray:
        """Whether the move is back into the role the person just left (after a gap > 365 days)."""
        return self.from_role == self.to_role


def _date_groups(sp: Careers) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(spells ordered by person, start, end, role; their date group; the group's last row, by
    group; the first row of each row's person)."""
    order = sort_order(
        (sp.person, len(sp.people)), date_key(sp.start), date_key(sp.end), (sp.role, max(len(sp.roles), 1))
    )
    person, start = sp.person[order], sp.start[order]
    n = len(order)
    new_person = np.ones(n, dtype=bool)
    new_person[1:] = person[1:] != person[:-1]
    new_date = new_person.copy()
    new_date[1:] |= start[1:] != start[:-1]
    date_group = np.cumsum(new_date) - 1  # 0-based
    last_of_group = np.ones(n, dtype=bool)
    last_of_group[:-1] = date_group[1:] != date_group[:-1]
    rep = np.flatnonzero(last_of_group)  # rep[g] = row of date group g's from-spell
    person_first = np.maximum.accumulate(np.where(new_person, np.arange(n), 0))
    return order, date_group, rep, person_first


def move_arrays(sp: Careers) -> Moves:
    """Each spell's from-spell: the last spell (by end date, then role) of the person's previous
    start date. Vectorised: sort, mark date groups, index the previous group's last row. Returns to
    the same role (a new spell after a gap, see the module docstring) are moves too."""
    return _moves(sp, _date_groups(sp) if len(sp) else None)


def _moves(sp: Careers, groups: tuple | None) -> Moves:
    if groups is None:
        empty = np.zeros(0, dtype=np.int64)
        return Moves(empty, empty, empty, empty, empty, np.zeros(0, dtype=bool), empty, empty, empty)
    order, date_group, rep, person_first = groups
    has_prev = date_group > date_group[person_first]
    rows = order[np.flatnonzero(has_prev)]
    src = order[rep[date_group[has_prev] - 1]]
    return Moves(
        sp.person[rows],
        sp.role[src],
        sp.role[rows],
        sp.start[src],
        sp.start[rows],
        sp.in_scope[rows],
        sp.end[src],
        sp.prior[src],
        rows,
    )


def to_dates(days: np.ndarray) -> pd.Series:
    """Day numbers as datetime64[ns] (open ends as NaT)."""
    return pd.Series(np.where(days >= OPEN_DAY, np.datetime64("NaT"), days.astype("datetime64[D]"))).astype(
        "datetime64[ns]"
    )


# ---------------------------------------------------------------- columns stored at load time
_ORDINAL_EPOCH = dt.date(1970, 1, 1).toordinal()
"""Day 0 of the arrays' day numbers (days since 1970-01-01) as a ``date.toordinal`` number."""
DERIVED_COLUMNS = (
    "spell_start",
    "spell_prior_days",
    "spell_first",
    "move_from",
    "move_days",
    "career_check",
    "career_firsts",
    "spell_day",
)
"""The columns :func:`derive` fills on every post and service post (schema.toml declares them)."""


def _check_days(c: Careers, sp: Careers, groups: tuple | None) -> np.ndarray:
    """Per person code: the day from which every ``as_of`` on or after it gives the stored moves.

    ``as_of`` drops posts starting after it (so: the latest start) and opens ends after it, which
    changes nothing but the order of spells starting the same day (ordered by end), which decides
    the from-spell of the next start day: so also the latest recorded end of a spell that shares its
    start day with another spell of the person, unless nothing of theirs starts later (the order of
    their last start day is used by no move).
    """
    check = np.full(len(c.people), np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(check, c.person, c.start)
    if groups is not None:
        order, date_group, _rep, _pf = groups
        size = np.bincount(date_group)
        person = sp.person[order]
        change = person[1:] != person[:-1]
        run = np.concatenate([[0], np.cumsum(change)])  # the person's number, row by row
        last_row = np.flatnonzero(np.concatenate([change, [True]]))
        final_group = date_group[last_row][run]  # the person's last start day's group
        tied = order[(size[date_group] > 1) & (date_group != final_group)]
        ends = sp.end[tied]
        finite = ends < OPEN_DAY
        np.maximum.at(check, sp.person[tied][finite], ends[finite])
    return check


FIRST_IN_ROLE = 1
"""``career_firsts`` bit: the person's first spell in this role (count them: people who held it)."""
FIRST_OF_MOVE = 2
"""``career_firsts`` bit: the person's first move from ``move_from`` to this role (people per move)."""
FIRST_MOVE_FROM = 4
"""``career_firsts`` bit: the person's first move out of ``move_from`` (people who left it)."""


def _first_of(person: np.ndarray, key: np.ndarray, size: int) -> np.ndarray:
    """Indexes of the first occurrence of each (person, key) pair."""
    if not len(person):
        return np.zeros(0, dtype=np.int64)
    packed = person.astype(np.int64) * np.int64(max(size, 1)) + key.astype(np.int64)
    return np.unique(packed, return_index=True)[1]


def derive(posts: pd.DataFrame, spost: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``posts`` and ``service_posts`` with :data:`DERIVED_COLUMNS` computed from all their rows
    (every ``as_of``: ends as recorded), for the derived columns of schema.toml:

    * ``spell_start``, ``spell_prior_days``: the start of the spell the post belongs to, and the
      person's days in the role in earlier spells of it (time in a role = prior + this spell);
    * ``spell_first``: the post opens its spell (it stands for the spell: its setting is the
      spell's, for filters);
    * ``move_from``, ``move_days``: on a spell's first post, the role the spell was entered from
      and the days spent in it before the move (blank: the person's first start date);
    * ``career_check``: the person's day from which these hold for any ``as_of`` (on every row of
      the person): with an earlier ``as_of`` a reader recomputes that person from their posts;
    * ``career_firsts``: bits on a spell's first post, so a server counts people with a sum, not a
      distinct count: :data:`FIRST_IN_ROLE`, :data:`FIRST_OF_MOVE`, :data:`FIRST_MOVE_FROM`;
    * ``spell_day``: ``spell_start`` as a day number (``date.toordinal``) less ``spell_prior_days``,
      so the days in the role on day ``x`` (a day the post is current) are ``x - spell_day``: a
      server compares one stored integer (the pipeline's ready counts) where working the day
      number out of the date per post cost seconds nationally (FalkorDB has no days-between).
    """
    n_posts = len(posts)
    c = arrays_from_frames(posts, spost)
    n = len(c)
    spell_start = np.zeros(n, dtype=np.int64)
    prior = np.zeros(n, dtype=np.int64)
    first = np.zeros(n, dtype=bool)
    move_from = np.full(n, None, dtype=object)
    move_days = np.full(n, -1, dtype=np.int64)
    check = np.zeros(n, dtype=np.int64)
    firsts = np.zeros(n, dtype=np.int64)
    if n:
        s, new, group = _spell_runs(c)
        spell_of = np.cumsum(new) - 1
        sp = _spells_of_runs(s, new, group)
        spell_start[s.row] = sp.start[spell_of]
        prior[s.row] = sp.prior[spell_of]
        first[sp.row] = True
        groups = _date_groups(sp)
        mv = _moves(sp, groups)
        dest = sp.row[mv.spell]
        move_from[dest] = c.roles[mv.from_role]
        move_days[dest] = mv.days
        check = _check_days(c, sp, groups)[c.person]
        firsts[sp.row[_first_of(sp.person, sp.role, len(sp.roles))]] |= FIRST_IN_ROLE
        firsts[dest[_first_of(mv.person, mv.from_role * len(sp.roles) + mv.to_role, len(sp.roles) ** 2)]] |= (
            FIRST_OF_MOVE
        )
        firsts[dest[_first_of(mv.person, mv.from_role, len(sp.roles))]] |= FIRST_MOVE_FROM
    start_dates, check_dates = to_dates(spell_start), to_dates(check)
    has_move = move_days >= 0
    days = pd.Series(pd.array(np.where(has_move, move_days, 0), dtype="Int64")).mask(~has_move)

    def columns(rows: slice, frame: pd.DataFrame) -> pd.DataFrame:
        out = frame.copy()
        out["spell_start"] = start_dates.iloc[rows].to_numpy()
        out["spell_prior_days"] = pd.array(prior[rows], dtype="Int64")
        out["spell_first"] = pd.array(first[rows], dtype="boolean")
        out["move_from"] = pd.array(move_from[rows], dtype="string")
        out["move_days"] = days.iloc[rows].to_numpy()
        out["career_check"] = check_dates.iloc[rows].to_numpy()
        out["career_firsts"] = pd.array(firsts[rows], dtype="Int64")
        out["spell_day"] = pd.array(spell_start[rows] + _ORDINAL_EPOCH - prior[rows], dtype="Int64")
        return out

    return columns(slice(0, n_posts), posts), columns(slice(n_posts, n), spost)
