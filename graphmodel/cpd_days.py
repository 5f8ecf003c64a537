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


def cpd_days(
    people: pd.DataFrame, attendance: pd.DataFrame, activities: pd.DataFrame, needs: pd.DataFrame
) -> pd.DataFrame:
    """``people`` with :data:`SEND_DAY` and :data:`SENSORY_DAY`: the earliest day (module docstring)
    each person attended an activity addressing any need area (one of :data:`SENSORY_NEEDS`);
    :data:`NEVER` if they never did. ``attendance``, ``activities`` (``cpd_activities``) and ``needs``
    (``activity_needs``) need only hold the rows of these people and their activities."""
    att = attendance[["person_id", "activity_id", "date"]]
    when = att.merge(
        activities[["activity_id", "date"]].rename(columns={"date": "activity_date"}),
        on="activity_id",
        how="left",
    )
    day = pd.Series(_day_numbers(when["date"].fillna(when["activity_date"])), index=when.index)
    out = people.copy()
    ids = out["person_id"].astype(str)
    for column, codes in ((SEND_DAY, None), (SENSORY_DAY, SENSORY_NEEDS)):
        an = needs if codes is None else needs[needs["need"].isin(list(codes)).fillna(False).to_numpy(bool)]
        hit = when["activity_id"].isin(an["activity_id"].unique()).fillna(False).to_numpy(bool)
        first = day[hit].groupby(when.loc[hit, "person_id"].astype(str).to_numpy()).min()
        days = ids.map(first).fillna(NEVER).to_numpy(dtype=np.int64)
        out[column] = pd.array(days, dtype="Int64")
    return out
