"""Time to the course, not the post: years from QTS to starting a SENCO award or an MQ.

UCL 2019 KF5 / s3.1: teachers spend "about 4-5 years" teaching before they start the NASENCO or a
mandatory qualification (MQ). That is about *starting the course*; the time to the next post
(``transitions``) is another thing. Here a course start is the ``started_date`` of a qualification
held (``person_qualifications``) or the ``start_date`` of one being studied (``person_studying``),
and QTS is the person's earliest QTS ``awarded_date``.

Rows: each SENCO award (catalogue kind ``statutory``: NASENCO, NPQ for SENCOs) and each MQ (kind
``mandatory``), then ``SENCO award (any)`` and ``MQ (any)`` using each person's first start in the
group. ``people`` = people with both a QTS date and a course start on or before ``as_of``; years are
(course start - QTS award) / 365.25; ``no_start_date`` = people holding the qualification with no
course start recorded (they cannot be timed, and are not in ``people``); ``no_qts`` = course starters
with no QTS on record. Filters keep people with a post in a matching setting (at any time up to
``as_of``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from graphmodel.store import GraphStore
from queries.careers.spells import DAYS_PER_YEAR, career_arrays
from queries.context import Filters
from queries.posts import ts
from queries.publish import Publishes
from queries.registry import analysis

__all__ = ["COLUMNS", "PUBLISHES", "UCL_YEARS", "course_timing"]

UCL_YEARS = "4-5"
"""UCL 2019 KF5 / s3.1: about 4-5 years of teaching before starting the NASENCO or an MQ."""
COLUMNS = ["course", "people", "median_years", "q1_years", "q3_years", "ucl_years", "no_start_date", "no_qts"]
PUBLISHES = Publishes(
    counts=("people", "no_start_date", "no_qts"),
    rates={c: ("people",) for c in ("median_years", "q1_years", "q3_years")},
    additive=False,  # a person starts several courses, and the group rows repeat them
)
"""What :func:`course_timing` publishes through :func:`queries.publish.publish`."""
GROUPS = {"statutory": "SENCO award (any)", "mandatory": "MQ (any)"}


@analysis
def course_timing(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """Years from QTS to starting each SENCO award and MQ course (module docstring), with the UCL
    figure alongside; one row per course, then one per group."""
    day = ts(as_of or dt.date.today())
    cat = store.table("qualifications")[["code", "kind"]].astype({"code": str, "kind": str})
    kinds = cat[cat["kind"].isin(list(GROUPS))]
    kind_of = dict(zip(kinds["code"], kinds["kind"], strict=True))
    held = store.table("person_qualifications")[
        ["person_id", "qualification", "awarded_date", "started_date"]
    ]
    held = held[(held["awarded_date"] <= day).fillna(False).to_numpy(bool)].astype(
        {"person_id": str, "qualification": str}
    )
    study = store.table("person_studying")[["person_id", "qualification", "start_date"]].astype(
        {"person_id": str, "qualification": str}
    )
    study = study[(study["start_date"] <= day).fillna(False).to_numpy(bool)]
    if filters.describe():
        c = career_arrays(store, filters, as_of=as_of)
        keep = set(c.people.take(np.unique(c.person[c.in_scope])).astype(str))
        held = held[held["person_id"].isin(keep).to_numpy(bool)]
        study = study[study["person_id"].isin(keep).to_numpy(bool)]
    qts = held[held["qualification"] == "QTS"].groupby("person_id")["awarded_date"].min()
    course_held = held[held["qualification"].isin(list(kind_of))]
    starts = pd.concat(
        [
            course_held.loc[
                course_held["started_date"].notna().to_numpy(bool), ["person_id", "qualification"]
            ]
            .assign(start=course_held["started_date"])
            .dropna(subset=["start"]),
            study.loc[study["qualification"].isin(list(kind_of)).to_numpy(bool)].rename(
                columns={"start_date": "start"}
            ),
        ],
        ignore_index=True,
    )
    starts = starts[(starts["start"] <= day).fillna(False).to_numpy(bool)]
    undated = course_held[course_held["started_date"].isna().to_numpy(bool)]
    undated = undated[
        ~undated.set_index(["person_id", "qualification"]).index.isin(
            starts.set_index(["person_id", "qualification"]).index
        )
    ]
    starts = starts.assign(kind=starts["qualification"].map(kind_of))
    first = starts.groupby(["person_id", "qualification"], as_index=False)["start"].min()
    first["course"] = first["qualification"]
    group = starts.groupby(["person_id", "kind"], as_index=False)["start"].min()
    group["course"] = group["kind"].map(GROUPS)
    undated = undated.assign(kind=undated["qualification"].map(kind_of))
    rows = []
    order = sorted(kind_of, key=lambda q: (list(GROUPS).index(kind_of[q]), q))
    for course, frame, nodate in [
        *[(q, first[first["course"] == q], undated[undated["qualification"] == q]) for q in order],
        *[(GROUPS[k], group[group["kind"] == k], undated[undated["kind"] == k]) for k in GROUPS],
    ]:
        if frame.empty:
            years = pd.Series(dtype="float64")
        else:
            qts_day = pd.to_datetime(frame["person_id"].map(qts)).astype("datetime64[ns]")
            start = pd.to_datetime(frame["start"]).astype("datetime64[ns]")
            years = (start - qts_day).dt.days / DAYS_PER_YEAR
        timed = years.dropna()
        rows.append(
            {
                "course": course,
                "people": len(timed),
                "median_years": round(float(timed.median()), 2) if len(timed) else np.nan,
                "q1_years": round(float(timed.quantile(0.25)), 2) if len(timed) else np.nan,
                "q3_years": round(float(timed.quantile(0.75)), 2) if len(timed) else np.nan,
                "ucl_years": UCL_YEARS,
                "no_start_date": int(nodate["person_id"].nunique()),
                "no_qts": int(years.isna().sum()),
            }
        )
    out = pd.DataFrame(rows, columns=COLUMNS)
    for col in ("people", "no_start_date", "no_qts"):
        out[col] = out[col].astype("int64")
    for col in ("median_years", "q1_years", "q3_years"):
        out[col] = out[col].astype("float64")
    return out
