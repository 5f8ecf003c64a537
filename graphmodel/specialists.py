"""The ``specialist`` flag on people: stored at load time so a server finds specialists by an index.

Why: many natives start from the posts of a few specialist roles (the SENCO audit's current
SENCOs, the survey figures' SENCO / sensory / PD bases, the pathway steps to a SENCO post, the
specialist spells of transitions and observed bottlenecks). A graph server finds those by walking
every WORKS_AT edge (2.6M nationally, 2.4-4.3 s of server time per read): an index on the edge's
``role`` made reads slower (FalkorDB 4.16, session 7), but a NODE index works. So each load marks
every person who holds or held a school post (``posts``) in one of :data:`SPECIALIST_ROLES`
(33k of a million people nationally), and a native starts from ``a.specialist = true`` (an index
lookup), then walks only those people's posts: the same rows, ~7x less server time.

The flag ignores dates (any post, past, current or future) so it does not depend on the as-of
date: it is a superset of the people any as-of date asks for, and the natives still apply their
own date and role filters. Every person gets True or False, never a blank, so a graph loaded
before the flag existed is told apart by one row (see ``queries.native._specialists``).

Registered as the derived set ``specialist`` (:mod:`graphmodel.derived`): its output is
``people``, its input ``posts`` (grouped by ``person_id``), so every load of either recomputes the
flag of the people it touches, on every store.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["FLAG", "SPECIALIST_CATEGORIES", "SPECIALIST_ROLES", "is_specialist_set", "specialist_flags"]

FLAG = "specialist"

SPECIALIST_CATEGORIES = ("senco", "sensory", "advisory", "pd")
"""The categories of the shipped role catalogue (graphmodel/data/catalogue/roles.csv) whose roles
are specialist roles: SENCO (and assistant SENCO), the sensory class teachers, the advisory
(service) teachers and the PD specialist. These are also every catalogue role with a need area.
Support roles (TA, HLTA, SEND-lead TA) and leadership are not: HEAD posts are read only as the
posts of people already found (the SENCO audit's eligibility), never as a starting point."""

SPECIALIST_ROLES: frozenset[str] = frozenset(
    {
        "ASSISTANT_SENCO",
        "SENCO",
        "QTVI_TEACHER",
        "QTHI_TEACHER",
        "QTMSI_TEACHER",
        "ADVISORY_VI",
        "ADVISORY_HI",
        "ADVISORY_MSI",
        "PD_SPECIALIST",
    }
)
"""The roles of :data:`SPECIALIST_CATEGORIES` in the shipped catalogue, written out (a test keeps
them equal): the set the stored flag means, so it must not follow a bundle's own catalogue. A
native may start from the flag only for roles inside this set (:func:`is_specialist_set`)."""


def is_specialist_set(roles) -> bool:
    """True if every one of ``roles`` is in :data:`SPECIALIST_ROLES` (and there is at least one):
    only then is everyone holding such a post flagged. A bundle may bring its own catalogue, so a
    native asking for a role outside the set (or none) must scan the posts instead."""
    roles = [str(r) for r in roles]
    return bool(roles) and all(r in SPECIALIST_ROLES for r in roles)


def specialist_flags(people: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
    """``people`` with :data:`FLAG`: True for a person holding any row of ``posts`` (whatever its
    dates) in one of :data:`SPECIALIST_ROLES`, False otherwise. ``posts`` need only hold the rows
    of these people. In Arrow (national: a million people, 2.6M posts, well under a second)."""
    out = people.copy()
    if not len(people):
        out[FLAG] = pd.array([], dtype="boolean")
        return out
    role = pa.array(posts["role"].astype("string").array if len(posts) else [], type=pa.string())
    held = pc.is_in(role, value_set=pa.array(sorted(SPECIALIST_ROLES), type=pa.string()))
    held = held.to_numpy(zero_copy_only=False).astype(bool)
    ids = posts["person_id"].astype("string")[held]
    value_set = pa.array(ids.dropna().unique().astype(str), type=pa.string())
    person = pa.array(people["person_id"].astype("string").array, type=pa.string())
    flag = pc.is_in(person, value_set=value_set).to_numpy(zero_copy_only=False).astype(bool)
    out[FLAG] = pd.array(np.asarray(flag, dtype=bool), dtype="boolean")
    return out
