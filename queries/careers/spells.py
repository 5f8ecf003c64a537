"""Careers as spells: the ONE place where posts become spells, moves, returns and breaks.

The arithmetic lives in :mod:`graphmodel.careers` (the model layer, so a load can store each
post's spell and move: the derived columns of schema.toml) and is re-exported here; this module
adds what needs the analyses' layer: reading posts from a store and the place filters.

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

import numpy as np
import pandas as pd

from graphmodel.careers import (
    BREAK_DAYS,
    DAYS_PER_YEAR,
    OPEN_DAY,
    SAME_SPELL_GAP_DAYS,
    Careers,
    Moves,
    arrays_from_frames,
    date_key,
    day_number,
    move_arrays,
    sort_order,
    spell_arrays,
    to_dates,
)
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
    "sort_order",
    "date_key",
    "to_dates",
]


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
    return arrays_from_frames(posts, spost, _scope(store, filters, posts, spost), as_of)


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
