"""Progression routes as people actually travel them: transitions from dated career histories.

UCL 2019 KF5 / G7: "no common pathway from ITT to specialist practitioner status"; about 4–5 years
of teaching before the NASENCO or an MQ; only 71 of 685 SENCOs went straight from ITT into a SEND
specialism. This module reads the dated ``posts`` (schools) and ``service_posts`` (LA services) and
answers: which role-to-role moves happen, how often, after how long, which roles lead nowhere, and
how that compares with the reference graph of :mod:`queries.careers.routes`.

How a career history becomes transitions (the rules users rely on):

* **Spells.** All of a person's posts in the same role form one *spell* as long as they overlap or
  follow within :data:`SAME_SPELL_GAP_DAYS` of each other. So a class teacher who moves to another
  school as a class teacher has *not* made a transition; nor has someone holding two concurrent
  posts in the same role. A return to a role after a longer gap starts a new spell.
* **Transitions.** Spells are ordered by start date. Each spell after a person's first is entered
  *from* the spell that started most recently before it (strictly earlier). A new role taken up
  alongside one still held (a class teacher becoming SENCO while still teaching, UCL 2019 §2.6: 75%
  of SENCOs hold another role) is a transition, from the role held before. Spells starting on the
  same day as each other are not transitions between themselves; if several spells started on the
  earlier date, the one that ended last (an open spell counts as latest) is the from-role, then the
  role code decides.
* **Years in the from-role** = (start of the new spell − start of the from-spell) / 365.25.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphmodel.store import GraphStore
from queries.careers.routes import SPECIALIST_CATEGORIES, reference_graph
from queries.context import Filters, apply_filters, schools_frame
from queries.posts import filter_services, services_frame
from queries.publish import Publishes
from queries.registry import analysis

SAME_SPELL_GAP_DAYS = 365
"""Posts in one role this close together (a summer between schools, a short break) are one spell."""
ENTRY_ROLES = ("ITT_TRAINEE", "ECT")
"""Roles from which a move straight into a specialism counts as "direct" (UCL 2019 KF5: 71 of 685)."""
DAYS_PER_YEAR = 365.25
OPEN_DAY = 10**6
"""An open end date, in days since 1970 (far beyond any real date)."""
_GROUP_STRIDE = 4 * 10**6


@dataclass
class Careers:
    """Posts or spells as parallel integer arrays (fast to sort at national scale).

    ``person`` and ``role`` are codes into ``people`` and ``roles``; ``start`` and ``end`` are days
    since 1970 (``end`` = :data:`OPEN_DAY` when open); ``in_scope`` says whether the post's (or the
    spell's first post's) setting matches the filters.
    """

    person: np.ndarray
    role: np.ndarray
    start: np.ndarray
    end: np.ndarray
    in_scope: np.ndarray
    people: pd.Index
    roles: np.ndarray

    def take(self, idx: np.ndarray) -> Careers:
        return Careers(
            self.person[idx],
            self.role[idx],
            self.start[idx],
            self.end[idx],
            self.in_scope[idx],
            self.people,
            self.roles,
        )

    def __len__(self) -> int:
        return len(self.person)


def _days(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy("datetime64[D]").astype(np.int64)


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

    With ``as_of``, careers as they stood that day: posts starting later are left out and posts
    ending later are still open (so a move is counted only once it has happened).
    """
    filters = filters or Filters()
    posts = store.table("posts")[["person_id", "urn", "role", "start_date", "end_date"]]
    spost = store.table("service_posts")[["person_id", "service_id", "role", "start_date", "end_date"]]
    if as_of is not None:
        day = pd.Timestamp(as_of)
        posts, spost = (_as_of(t, day) for t in (posts, spost))
    if person_id is not None:
        posts = posts[(posts["person_id"] == person_id).fillna(False).to_numpy(dtype=bool)]
        spost = spost[(spost["person_id"] == person_id).fillna(False).to_numpy(dtype=bool)]
    in_scope = _scope(store, filters, posts, spost)
    person, people = pd.factorize(pd.concat([posts["person_id"], spost["person_id"]], ignore_index=True))
    role, roles = pd.factorize(pd.concat([posts["role"], spost["role"]], ignore_index=True))
    start = np.concatenate([_days(posts["start_date"]), _days(spost["start_date"])])
    ends = pd.concat([posts["end_date"], spost["end_date"]], ignore_index=True)
    end = np.where(ends.isna().to_numpy(), OPEN_DAY, _days(ends.fillna(pd.Timestamp("1970-01-01"))))
    return Careers(
        person.astype(np.int64),
        role.astype(np.int64),
        start,
        end,
        in_scope,
        pd.Index(people),
        np.asarray(roles, dtype=object),
    )


def _as_of(posts: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Posts started on or before ``day``, with end dates after it read as still open."""
    start = pd.to_datetime(posts["start_date"])
    posts = posts[(start <= day).fillna(False).to_numpy(dtype=bool)].copy()
    end = pd.to_datetime(posts["end_date"])
    posts["end_date"] = end.where(end <= day)
    return posts


def spell_arrays(posts: Careers) -> Careers:
    """Posts merged into spells (module docstring): same person and role, overlapping or within
    :data:`SAME_SPELL_GAP_DAYS`. Sorted by person, role, start."""
    if len(posts) == 0:
        return posts
    c = posts.take(np.lexsort((posts.start, posts.role, posts.person)))
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
    return out


@dataclass
class Moves:
    """Transitions as arrays: person, from_role, to_role (codes), years, in_scope (of the destination)."""

    person: np.ndarray
    from_role: np.ndarray
    to_role: np.ndarray
    from_start: np.ndarray
    start: np.ndarray
    in_scope: np.ndarray

    @property
    def years(self) -> np.ndarray:
        return (self.start - self.from_start) / DAYS_PER_YEAR


def move_arrays(sp: Careers) -> Moves:
    """Each spell's from-spell: the last spell (by end date, then role) of the person's previous
    start date. Vectorised: sort, mark date groups, index the previous group's last row."""
    if len(sp) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Moves(empty, empty, empty, empty, empty, np.zeros(0, dtype=bool))
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
    keep = c.role[src] != c.role[rows]
    rows, src = rows[keep], src[keep]
    return Moves(c.person[rows], c.role[src], c.role[rows], c.start[src], c.start[rows], c.in_scope[rows])


def _to_dates(days: np.ndarray) -> pd.Series:
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
            "start_date": _to_dates(sp.start),
            "end_date": _to_dates(sp.end),
            "in_scope": sp.in_scope,
        }
    )


def moves(store: GraphStore, filters: Filters | None = None, person_id: str | None = None) -> pd.DataFrame:
    """One row per transition: person_id, from_role, to_role, from_start, start_date, years, in_scope
    (the destination spell's first post matches the filters)."""
    sp = spell_arrays(career_arrays(store, filters, person_id))
    mv = move_arrays(sp)
    roles = sp.roles
    return pd.DataFrame(
        {
            "person_id": pd.Series(sp.people.take(mv.person), dtype="string"),
            "from_role": pd.Series(roles.take(mv.from_role) if len(mv.person) else [], dtype="string"),
            "to_role": pd.Series(roles.take(mv.to_role) if len(mv.person) else [], dtype="string"),
            "from_start": _to_dates(mv.from_start),
            "start_date": _to_dates(mv.start),
            "years": mv.years,
            "in_scope": mv.in_scope,
        }
    )


TRANSITION_COLUMNS = ["from_role", "to_role", "people", "leavers", "rate", "median_years"]


@analysis
def observed_transitions(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """Observed role-to-role transitions: from_role, to_role, people, leavers, rate, median_years.

    ``people`` = distinct people who made the move; ``leavers`` = distinct people who made any move
    out of from_role; ``rate`` = people / leavers (the share of those leaving from_role who went to
    to_role); ``median_years`` = median years in from_role before the move (UCL 2019 §3.1: about
    4–5 years before NASENCO or an MQ). A move is counted where its destination post is, so
    ``filters`` select moves into settings that match. Sorted by from_role, then people descending.
    """
    sp = spell_arrays(career_arrays(store, filters, as_of=as_of))
    mv = move_arrays(sp)
    m = mv.in_scope
    frame = pd.DataFrame({"f": mv.from_role[m], "t": mv.to_role[m], "p": mv.person[m], "y": mv.years[m]})
    if frame.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="float64" if c in ("rate", "median_years") else "object")
                for c in TRANSITION_COLUMNS
            }
        )
    people = frame.drop_duplicates(["f", "t", "p"]).groupby(["f", "t"]).size().rename("people")
    median = frame.groupby(["f", "t"])["y"].median().rename("median_years")
    leavers = frame.drop_duplicates(["f", "p"]).groupby("f").size().rename("leavers")
    out = pd.concat([people, median], axis=1).reset_index().merge(leavers, left_on="f", right_index=True)
    out["from_role"] = sp.roles.take(out["f"].to_numpy())
    out["to_role"] = sp.roles.take(out["t"].to_numpy())
    out["rate"] = (out["people"] / out["leavers"]).round(4)
    out["median_years"] = out["median_years"].round(2)
    out["people"] = out["people"].astype("int64")
    out["leavers"] = out["leavers"].astype("int64")
    out = out.sort_values(["from_role", "people", "to_role"], ascending=[True, False, True], kind="stable")
    return out[TRANSITION_COLUMNS].reset_index(drop=True)


def _specialist_codes(store: GraphStore) -> set[str]:
    roles = store.table("roles")
    return set(roles.loc[roles["category"].isin(SPECIALIST_CATEGORIES), "code"].astype(str))


DIRECT_COLUMNS = ["specialist_role", "specialists", "with_history", "direct", "direct_share"]


@analysis
def direct_to_specialist(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """How many specialists went straight from ITT or ECT into their first SEND specialism.

    UCL 2019 KF5 / §2.6: only 71 of 685 SENCOs went directly from ITT to a SEND specialism. For
    each person's *first* specialist spell (roles in categories senco, sensory, advisory, pd):
    ``specialists`` = people whose first specialist spell is in that role (and in scope);
    ``with_history`` = those with an earlier role recorded (a spell starting before it);
    ``direct`` = those whose move into it came from ITT_TRAINEE or ECT; ``direct_share`` =
    direct / with_history (people with no recorded earlier role cannot be judged). One row per
    specialist role plus an ``all`` row.
    """
    sp = spell_arrays(career_arrays(store, filters, as_of=as_of))
    special = np.isin(sp.roles, list(_specialist_codes(store)))
    entry = np.isin(sp.roles, list(ENTRY_ROLES))
    spells_f = pd.DataFrame({"p": sp.person, "r": sp.role, "s": sp.start, "scope": sp.in_scope})
    earliest = spells_f.groupby("p")["s"].min()
    spec = spells_f[special[sp.role]] if len(sp) else spells_f
    first = spec.sort_values(["p", "s", "r"], kind="stable").drop_duplicates("p")
    first = first[first["scope"].to_numpy(dtype=bool)]
    mv = move_arrays(sp)
    moved = pd.DataFrame({"p": mv.person, "r": mv.to_role, "s": mv.start, "f": mv.from_role})
    first = first.merge(moved, on=["p", "r", "s"], how="left").drop_duplicates("p")
    history = (first["p"].map(earliest) < first["s"]).to_numpy(dtype=bool) | first["f"].notna().to_numpy()
    from_entry = first["f"].notna().to_numpy().copy()
    from_entry[from_entry] = entry[first["f"].dropna().astype(np.int64).to_numpy()]
    first = first.assign(
        history=history, direct=from_entry, role=sp.roles.take(first["r"].to_numpy()) if len(first) else []
    )
    grouped = (
        first.groupby("role")
        .agg(specialists=("p", "nunique"), with_history=("history", "sum"), direct=("direct", "sum"))
        .reset_index()
    )
    grouped = grouped.rename(columns={"role": "specialist_role"})
    total = pd.DataFrame(
        [
            {
                "specialist_role": "all",
                "specialists": first["p"].nunique(),
                "with_history": int(first["history"].sum()),
                "direct": int(first["direct"].sum()),
            }
        ]
    )
    out = pd.concat([grouped, total], ignore_index=True)
    for c in ("specialists", "with_history", "direct"):
        out[c] = out[c].astype("int64")
    out["direct_share"] = (out["direct"] / out["with_history"].where(out["with_history"] > 0)).round(4)
    return out[DIRECT_COLUMNS]


DEAD_END_COLUMNS = ["role", "name", "people", "leavers", "reference_onward"]


@analysis
def dead_ends(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """Roles people hold but nobody is observed to move on from (UCL 2019 G7: e.g. TA, PD specialist).

    ``people`` = distinct people with a spell in the role (in scope); ``leavers`` = people observed
    leaving it for another role anywhere (0 here by definition); ``reference_onward`` = the number of
    progression steps out of the role in the reference graph (0 = a dead end on paper too).
    """
    sp = spell_arrays(career_arrays(store, filters, as_of=as_of))
    mv = move_arrays(sp)
    held = pd.DataFrame({"r": sp.role[sp.in_scope], "p": sp.person[sp.in_scope]})
    people = held.drop_duplicates().groupby("r").size()
    left = set(np.unique(mv.from_role).tolist())
    graph = reference_graph(store)
    codes = [c for c in people.index if c not in left]
    roles = [str(sp.roles[c]) for c in codes]
    out = pd.DataFrame(
        {
            "role": pd.Series(roles, dtype="object"),
            "name": [graph.nodes[r].get("name") if r in graph else None for r in roles],
            "people": people.loc[codes].to_numpy(dtype="int64"),
            "leavers": np.zeros(len(codes), dtype="int64"),
            "reference_onward": [graph.out_degree(r) if r in graph else 0 for r in roles],
        }
    )
    out = out.sort_values(["people", "role"], ascending=[False, True], kind="stable")
    return out[DEAD_END_COLUMNS].reset_index(drop=True)


COMPARE_COLUMNS = [
    "from_role",
    "to_role",
    "status",
    "typical_years",
    "via_qualification",
    "people",
    "rate",
    "median_years",
]


@analysis
def compare_with_reference(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """Reference progression steps against observed moves (UCL 2019 KF5: no common pathway).

    ``status`` is ``both``, ``reference_only`` (a route on paper nobody was seen to take) or
    ``observed_only`` (a move people make that the reference graph lacks).
    """
    ref = store.table("role_progressions")[["from_role", "to_role", "typical_years", "via_qualification"]]
    ref = ref.astype({"from_role": str, "to_role": str})
    obs = observed_transitions(store, as_of=as_of, filters=filters)[
        ["from_role", "to_role", "people", "rate", "median_years"]
    ]
    out = ref.merge(obs, on=["from_role", "to_role"], how="outer", indicator=True)
    out["status"] = (
        out["_merge"]
        .map({"both": "both", "left_only": "reference_only", "right_only": "observed_only"})
        .astype(str)
    )
    out["people"] = out["people"].fillna(0).astype("int64")
    order = {"observed_only": 0, "reference_only": 1, "both": 2}
    out = out.assign(_o=out["status"].map(order)).sort_values(["_o", "from_role", "to_role"], kind="stable")
    return out[COMPARE_COLUMNS].reset_index(drop=True)


MOVES = Publishes(
    counts=("people", "leavers"),
    rates={"rate": ("people", "leavers"), "median_years": ("people",)},
    additive=False,  # one person makes several moves: the rows do not add up to a published total
)
"""What :func:`observed_transitions` publishes."""
DIRECT = Publishes(
    counts=("specialists", "with_history", "direct"), rates={"direct_share": ("direct", "with_history")}
)
"""What :func:`direct_to_specialist` publishes."""
DEAD_ENDS = Publishes(counts=("people",), additive=False)  # a person holds several roles
"""What :func:`dead_ends` publishes."""
COMPARE = Publishes(
    counts=("people",), rates={"rate": ("people",), "median_years": ("people",)}, additive=False
)
"""What :func:`compare_with_reference` publishes."""
