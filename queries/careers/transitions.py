"""Progression routes as people actually travel them: transitions from dated career histories.

UCL 2019 KF5 / G7: "no common pathway from ITT to specialist practitioner status"; about 4–5 years
of teaching before the NASENCO or an MQ; only 71 of 685 SENCOs went straight from ITT into a SEND
specialism. This module reads the dated ``posts`` (schools) and ``service_posts`` (LA services) and
answers: which role-to-role moves happen, how often, after how long, which roles lead nowhere, and
how that compares with the reference graph of :mod:`queries.careers.routes`.

How a career history becomes transitions (spells, moves, returns, breaks, years in a role) is
defined once in :mod:`queries.careers.spells` and documented with worked examples in docs/routes.md.
A return to the same role after more than a year away is a move (``CLASS_TEACHER -> CLASS_TEACHER``),
so a career break shows; years in the from-role count the time actually spent in it.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from graphmodel.store import GraphStore
from queries.careers.routes import SPECIALIST_CATEGORIES, reference_graph
from queries.careers.spells import (  # noqa: F401  (re-exported: the career helpers' old home)
    DAYS_PER_YEAR,
    OPEN_DAY,
    SAME_SPELL_GAP_DAYS,
    Careers,
    Moves,
    career_arrays,
    move_arrays,
    moves,
    spell_arrays,
    spells,
)
from queries.context import Filters
from queries.publish import Publishes
from queries.registry import analysis

ENTRY_ROLES = ("ITT_TRAINEE", "ECT")
"""Roles from which a move straight into a specialism counts as "direct" (UCL 2019 KF5: 71 of 685)."""


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
    mv = career_moves(store, as_of, filters)
    mv = mv[mv["in_scope"].to_numpy()]
    return transition_table(mv[["from_role", "to_role", "years"]], *distinct_movers(mv))


def career_moves(store: GraphStore, as_of: dt.date | None, filters: Filters) -> pd.DataFrame:
    """Every move (:mod:`queries.careers.spells`): from_role, to_role (codes), person (a code:
    distinct per person within this frame), years, in_scope (the destination's setting matches
    ``filters``), is_return."""
    sp = spell_arrays(career_arrays(store, filters, as_of=as_of))
    mv = move_arrays(sp)
    return pd.DataFrame(
        {
            "from_role": pd.Series(sp.roles.take(mv.from_role) if len(mv.person) else [], dtype=object),
            "to_role": pd.Series(sp.roles.take(mv.to_role) if len(mv.person) else [], dtype=object),
            "person": mv.person,
            "years": mv.years,
            "in_scope": mv.in_scope,
            "is_return": mv.is_return,
        }
    )


def distinct_movers(frame: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(distinct people per (from_role, to_role), distinct people per from_role) of ``frame``."""
    pairs = ["from_role", "to_role"]
    people = frame.drop_duplicates([*pairs, "person"]).groupby(pairs).size()
    leavers = frame.drop_duplicates(["from_role", "person"]).groupby("from_role").size()
    return people, leavers


def transition_table(counted: pd.DataFrame, people: pd.Series, leavers: pd.Series) -> pd.DataFrame:
    """The :func:`observed_transitions` table from its parts: ``counted`` (from_role, to_role, years:
    one row per counted move, for the medians), people per (from_role, to_role) and leavers per
    from_role (distinct people: counted by the caller, who may know them without the rows)."""
    if counted.empty:
        return pd.DataFrame(
            {
                c: pd.Series(dtype="float64" if c in ("rate", "median_years") else "object")
                for c in TRANSITION_COLUMNS
            }
        )
    median = counted.groupby(["from_role", "to_role"])["years"].median().rename("median_years")
    out = pd.concat([people.rename("people"), median], axis=1).reset_index()
    out = out.merge(leavers.rename("leavers"), left_on="from_role", right_index=True)
    out["from_role"] = out["from_role"].astype(object)
    out["to_role"] = out["to_role"].astype(object)
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
    return direct_table(first_specialist_spells(store, as_of, filters))


def first_specialist_spells(store: GraphStore, as_of: dt.date | None, filters: Filters) -> pd.DataFrame:
    """Each person's first specialist spell (earliest start, then role code), if in scope: p (a
    person code), role, from_role (the role moved from; missing: no earlier role recorded)."""
    sp = spell_arrays(career_arrays(store, filters, as_of=as_of))
    special = np.isin(sp.roles, list(_specialist_codes(store)))
    spells_f = pd.DataFrame({"p": sp.person, "r": sp.role, "s": sp.start, "scope": sp.in_scope})
    spec = spells_f[special[sp.role]] if len(sp) else spells_f
    first = spec.sort_values(["p", "s", "r"], kind="stable").drop_duplicates("p")
    first = first[first["scope"].to_numpy(dtype=bool)]
    mv = move_arrays(sp)
    moved = pd.DataFrame({"p": mv.person, "r": mv.to_role, "s": mv.start, "f": mv.from_role})
    # a spell has a move into it exactly when the person has a spell starting earlier
    first = first.merge(moved, on=["p", "r", "s"], how="left").drop_duplicates("p")
    has_from = first["f"].notna().to_numpy()
    from_role = np.full(len(first), None, dtype=object)
    from_role[has_from] = sp.roles.take(first["f"].to_numpy()[has_from].astype(np.int64))
    return pd.DataFrame(
        {
            "p": first["p"].to_numpy(),
            "role": sp.roles.take(first["r"].to_numpy()) if len(first) else np.zeros(0, dtype=object),
            "from_role": from_role,
        }
    )


def direct_table(first: pd.DataFrame) -> pd.DataFrame:
    """The :func:`direct_to_specialist` table from :func:`first_specialist_spells` rows (of
    distinct people)."""
    has_from = first["from_role"].notna().to_numpy()
    first = first.assign(
        history=has_from, direct=has_from & first["from_role"].isin(list(ENTRY_ROLES)).to_numpy()
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
    holders, left = role_holders(store, as_of, filters)
    return dead_end_table(store, holders, left)


def role_holders(store: GraphStore, as_of: dt.date | None, filters: Filters) -> tuple[pd.Series, set[str]]:
    """(distinct people with an in-scope spell, per role; roles someone moved on from, anywhere:
    a return to the same role is not moving on)."""
    sp = spell_arrays(career_arrays(store, filters, as_of=as_of))
    mv = move_arrays(sp)
    held = pd.DataFrame({"r": sp.role[sp.in_scope], "p": sp.person[sp.in_scope]})
    people = held.drop_duplicates().groupby("r").size()
    people.index = pd.Index(sp.roles.take(people.index.to_numpy()) if len(people) else [], dtype=object)
    left = {str(sp.roles[c]) for c in np.unique(mv.from_role[~mv.is_return]).tolist()}
    return people, left


def dead_end_table(store: GraphStore, holders: pd.Series, left: set[str]) -> pd.DataFrame:
    """The :func:`dead_ends` table from distinct holders per role and the roles people left."""
    graph = reference_graph(store)
    roles = [str(r) for r in sorted(holders.index) if r not in left]
    out = pd.DataFrame(
        {
            "role": pd.Series(roles, dtype="object"),
            "name": [graph.nodes[r].get("name") if r in graph else None for r in roles],
            "people": holders.loc[roles].to_numpy(dtype="int64") if roles else np.zeros(0, dtype="int64"),
            "leavers": np.zeros(len(roles), dtype="int64"),
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
