"""Each person's first SEND-CPD day and first sensory-CPD day, stored on ``people`` at load time.

Why: the pipeline (``queries.careers.pipeline``) counts teachers who attended SEND CPD (an activity
addressing any need area) or sensory CPD (one addressing VI, HI or MSI) by the as-of date. On a
graph server that was a CPD-led walk per count (attendance -> activity -> need, then the person's
posts): nationally ~8 s of server time for the two, beside a scan of the same posts for the
teachers. With the first day stored on the person, "attended by as_of" is ``day <= as_of`` on the
person a post scan already reaches, so the three counts become one scan.

The day is an integer day number (Python's ``date.toordinal``), not a date: an attendance with no
date of an activity with no date counts at any as-of date (day 1, :data:`ANY_DAY`), and FalkorDB
4.16 compares dates more than 68 years apart wrongly. The date of an attendance is its own date,
else its activity's (as ``_send_cpd_people`` reads them). No such CPD: :data:`NEVER`, after every
as-of date, not a blank: so every row a load writes has the columns, and a graph loaded before
they existed is told apart by one row (as the career columns are).

Registered as the derived set ``cpd_days`` (:mod:`graphmodel.derived`): its output is ``people``,
its inputs the CPD tables; a change to an activity (its date, its needs) touches every attendee.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

__all__ = ["ANY_DAY", "NEVER", "SEND_DAY", "SENSORY_DAY", "SENSORY_NEEDS", "cpd_days"]

SEND_DAY = "first_send_cpd_day"
SENSORY_DAY = "first_sensory_cpd_day"
SENSORY_NEEDS = ("VI", "HI", "MSI")
"""The sensory need areas (``queries.audits.sensory.SENSES``, the same codes; a test keeps them so)."""
ANY_DAY = 1
"""The day of CPD with no date at all: ``date.min.toordinal()``, on or before every as-of date."""
NEVER = dt.date.max.toordinal() + 1
"""The day of a person who attended no such CPD: after every as-of date."""
_EPOCH = dt.date(1970, 1, 1).toordinal()


def _day_numbers(dates: pd.Series) -> np.ndarray:
    """Day numbers (``date.toordinal``) of ``dates``; :data:`ANY_DAY` where blank."""
    values = pd.to_datetime(dates).to_numpy("datetime64[D]")
    days = values.astype(np.int64) + _EPOCH
    return np.where(np.isnat(values), ANY_DAY, days)


def _text(values: pd.Series) -> pa.Array:
    return pa.array(values.astype(str).array if len(values) else [], type=pa.string())


def _index_in(values: pd.Series, keys: pa.Array) -> np.ndarray:
    """Position of each of ``values`` in ``keys``; -1 where absent."""
    found = pc.index_in(_text(values), value_set=keys)
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def cpd_days(
    people: pd.DataFrame, attendance: pd.DataFrame, activities: pd.DataFrame, needs: pd.DataFrame
) -> pd.DataFrame:
    """``people`` with :data:`SEND_DAY` and :data:`SENSORY_DAY`: the earliest day (module docstring)
    each person attended an activity addressing any need area (one of :data:`SENSORY_NEEDS`);
    :data:`NEVER` if they never did. ``attendance``, ``activities`` (``cpd_activities``) and ``needs``
    (``activity_needs``) need only hold the rows of these people and their activities.

    In Arrow and numpy codes, not a pandas groupby and map of person ids: a national load (a million
    people, 550k attendances) took 4 s that way, the client's time in a load's critical path."""
    person = _index_in(attendance["person_id"], _text(people["person_id"]))
    activity = _index_in(attendance["activity_id"], _text(activities["activity_id"]))
    activity_day = _day_numbers(activities["date"])
    own = _day_numbers(attendance["date"])
    dated = pd.notna(attendance["date"]).to_numpy(dtype=bool)
    known = activity >= 0
    day = np.where(dated, own, np.where(known, activity_day[np.where(known, activity, 0)], ANY_DAY))
    out = people.copy()
    for column, codes in ((SEND_DAY, None), (SENSORY_DAY, SENSORY_NEEDS)):
        an = needs if codes is None else needs[needs["need"].isin(list(codes)).fillna(False).to_numpy(bool)]
        hit = pc.is_in(_text(attendance["activity_id"]), value_set=_text(an["activity_id"]))
        hit = hit.to_numpy(zero_copy_only=False).astype(bool) & (person >= 0)
        first = np.full(len(people), NEVER, dtype=np.int64)
        np.minimum.at(first, person[hit], day[hit])
        out[column] = pd.array(first, dtype="Int64")
    return out
