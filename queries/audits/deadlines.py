"""Who must qualify by when: SENCO award and sensory MQ deadlines falling due within a horizon.

Built on the two statutory audits, so the dates are exactly theirs: a SENCO's deadline is
appointment + 3 years (SI 2014/1530 reg. 50 as amended by SI 2024/535; a NASENCO studier's
route closes earlier, at ``nasenco_by``), a sensory teacher's is the end of the 3-year allowance
(SI 2003/1662 regs 6-9). A person is listed when they do not yet hold the qualification and their
deadline falls in ``[as_of, as_of + within]``; with ``include_overdue`` those already past their
deadline are listed too (status overdue / unqualified), with negative ``days_left``.

A SENCO whose only courses cannot count in time (status ``at_risk``: a NASENCO started from 1 Sep
2024, or expected after 1 Sep 2027 or after their own deadline; an NPQ expected after the deadline)
is listed with ``enrolled_on`` (what they study) and ``note`` (why it will not count).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.audits.senco import senco_audit
from queries.audits.sensory import sensory_audit
from queries.context import Filters
from queries.posts import LOCATION_COLUMNS, parse_within, studying, ts
from queries.publish import Publishes
from queries.registry import analysis

__all__ = [
    "PUBLISHES",
    "check_arguments",
    "deadlines",
    "from_audits",
]

COLUMNS = [
    "duty",
    "qualification",
    "person_id",
    "role",
    "setting",
    "urn",
    "school_name",
    "service_id",
    *LOCATION_COLUMNS,
    "appointed",
    "deadline",
    "days_left",
    "nasenco_by",
    "studying",
    "enrolled_on",
    "status",
    "note",
]
LA_KEYS = ["region_code", "region_name", "la_code", "la_name"]


@analysis
def deadlines(
    store: GraphStore,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    within: str = "6m",
    by: str = "school",
    include_overdue: bool = False,
) -> pd.DataFrame:
    """People who must achieve a statutory qualification by a date within ``within`` of ``as_of``.

    ``by="school"``: one row per person and post (no names), ordered by area, school or service,
    then deadline. ``by="la"``: counts per LA (``due``, ``senco_award``, ``sensory_mq``,
    ``studying``) and the earliest deadline, for publication with suppression.

    >>> deadlines(store, as_of=dt.date(2025, 9, 1), within="1y", by="la")  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    check_arguments(within, by)
    senco = senco_audit(store, as_of=as_of, filters=filters)
    sensory = sensory_audit(store, as_of=as_of, filters=filters)
    return from_audits(
        store, senco, sensory, as_of=as_of, within=within, by=by, include_overdue=include_overdue
    )


def check_arguments(within: str, by: str) -> None:
    """Refuse a bad ``by`` or ``within`` before any audit runs (they take seconds on a national graph)."""
    if by not in ("school", "la"):
        raise SendgraphError("--by must be school or la")
    parse_within(within)


def from_audits(
    store: GraphStore,
    s: pd.DataFrame,
    m: pd.DataFrame,
    *,
    as_of: dt.date,
    within: str,
    by: str,
    include_overdue: bool,
) -> pd.DataFrame:
    """:func:`deadlines` from the SENCO audit ``s`` and the sensory audit ``m`` of ``as_of`` (the
    same filters): a server version runs the two audits at once and hands them here."""
    t = ts(as_of)
    horizon = t + parse_within(within)
    keep = ["within_window", "at_risk", "overdue"] if include_overdue else ["within_window", "at_risk"]
    s = s[s["status"].isin(keep).fillna(False).astype(bool)]
    risk_note = s["reason"].str.extract(r"which will not count: (.*)$", expand=False)
    senco = pd.DataFrame(
        {
            "duty": "SENCO award",
            "person_id": s["person_id"],
            "role": "SENCO",
            "setting": "school",
            "urn": s["urn"],
            "school_name": s["school_name"],
            "service_id": pd.NA,
            **{c: s[c] for c in LOCATION_COLUMNS},
            "appointed": s["appointed"],
            "deadline": s["deadline"],
            "nasenco_by": s["nasenco_by"],
            "studying": s["studying"],
            "enrolled_on": s["enrolled_on"],
            "status": s["status"],
            "note": risk_note.where(s["status"] == "at_risk"),
        }
    )
    senco["qualification"] = (
        senco["nasenco_by"].notna().map({True: "NPQ_SENCO or NASENCO", False: "NPQ_SENCO"})
    )

    keep = ["within_allowance", "unqualified"] if include_overdue else ["within_allowance"]
    m = m[m["status"].isin(keep).fillna(False).astype(bool)]
    names = store.table("schools")[["urn", "name"]].rename(columns={"name": "school_name"})
    m = m.merge(names, on="urn", how="left")
    st = studying(store, as_of)[["person_id", "qualification"]].drop_duplicates().assign(_s=True)
    m = m.merge(st.rename(columns={"qualification": "required"}), on=["person_id", "required"], how="left")
    sensory = pd.DataFrame(
        {
            "duty": "sensory MQ",
            "qualification": m["required"],
            "person_id": m["person_id"],
            "role": m["role"],
            "setting": m["setting"],
            "urn": m["urn"],
            "school_name": m["school_name"],
            "service_id": m["service_id"],
            **{c: m[c] for c in LOCATION_COLUMNS},
            "appointed": m["appointed"],
            "deadline": m["allowance_end"],
            "nasenco_by": pd.NaT,
            "studying": m["_s"].fillna(False).astype(bool),
            "status": m["status"],
        }
    )

    out = pd.concat([senco.reindex(columns=COLUMNS), sensory.reindex(columns=COLUMNS)], ignore_index=True)
    out["deadline"] = out["deadline"].astype("datetime64[ns]")
    out["nasenco_by"] = out["nasenco_by"].astype("datetime64[ns]")
    due = (out["deadline"] <= horizon) & ((out["deadline"] >= t) | include_overdue)
    out = out[due.fillna(False).astype(bool)].copy()
    out["days_left"] = (out["deadline"] - t).dt.days.astype("Int64")
    out["studying"] = out["studying"].astype(bool)
    out = out.astype(
        {
            "urn": "Int64",
            "person_id": "string",
            "service_id": "string",
            "enrolled_on": "string",
            "note": "string",
        }
    )
    if by == "school":
        return out.sort_values(
            ["region_code", "la_code", "urn", "service_id", "deadline", "person_id"],
            kind="stable",
            na_position="last",
        ).reset_index(drop=True)
    grouped = out.assign(
        _one=1,
        _risk=(out["status"] == "at_risk").astype(int),
        _senco=(out["duty"] == "SENCO award").astype(int),
        _mq=(out["duty"] == "sensory MQ").astype(int),
        _st=out["studying"].astype(int),
    )
    agg = grouped.groupby(LA_KEYS, dropna=False).agg(
        due=("_one", "sum"),
        senco_award=("_senco", "sum"),
        sensory_mq=("_mq", "sum"),
        studying=("_st", "sum"),
        at_risk=("_risk", "sum"),
        earliest_deadline=("deadline", "min"),
    )
    agg = agg.reset_index().rename(columns={"la_code": "new_la_code"})
    return agg.sort_values(["earliest_deadline", "new_la_code"]).reset_index(drop=True)


PUBLISHES = Publishes(counts=("due", "senco_award", "sensory_mq", "studying", "at_risk"))
"""What :func:`deadlines` publishes with ``by="la"`` (``by="school"`` is a detail listing)."""
