"""Sensory mandatory-qualification audit: teachers of VI / HI / MSI classes and services.

Encodes the Education (School Teachers' Qualifications) (England) Regulations 2003, SI 2003/1662,
regs 6-9 (DOMAIN.md rule 2; UCL 2019 digest §1.4, §2.5, §4.6): a teacher employed to teach a class of
pupils with hearing, vision or multi-sensory impairment must hold the matching mandatory
qualification (MQ) in addition to QTS; a newly appointed teacher may do so while obtaining it, for up
to 3 years.

Which roles: every role whose catalogue ``need`` is VI, HI or MSI (QTVI/QTHI/QTMSI class teachers in
schools, ADVISORY_VI/HI/MSI teachers in LA sensory services), so a user who adds a role to the
catalogue brings it into the audit. Which MQ: the catalogue qualification of kind "mandatory" with
the same need (MQ_VI, MQ_HI, MQ_MSI).

Status of each current post on ``as_of``: **qualified** (holds the matching MQ awarded on or before
``as_of``); **within_allowance** (not yet, and ``as_of <= allowance_end``); **unqualified** (after
it). ``allowance_end`` = first appointment to any post for that sense (school or service, current or
past) + 3 years, so moving between VI posts does not restart the clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import numpy as np
import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, by_columns, schools_frame
from queries.posts import (
    LOCATION_COLUMNS,
    add_years,
    current_mask,
    filter_services,
    held,
    roles_for_needs,
    services_frame,
    ts,
)
from queries.publish import Publishes
from queries.registry import analysis

__all__ = [
    "PUBLISHES",
    "sensory_audit",
]

SENSES = ("VI", "HI", "MSI")
ALLOWANCE_YEARS = 3
STATUSES = ("qualified", "within_allowance", "unqualified")
COLUMNS = [
    "person_id",
    "role",
    "need",
    "setting",
    "urn",
    "service_id",
    *LOCATION_COLUMNS,
    "appointed",
    "fte",
    "required",
    "status",
    "allowance_end",
]


def specialist_posts(
    store: GraphStore,
    as_of: dt.date,
    needs: Iterable[str],
    filters: Filters = Filters(),
    current: bool = True,
) -> pd.DataFrame:
    """Posts in roles serving ``needs``, at schools and in LA services, with their location.

    Columns: person_id, role, need, setting ("school" / "service"), urn, service_id, la_code,
    la_name, region_code, region_name, start_date, end_date, fte, plus the school columns phase,
    type, kind, trust_id, trust_name (blank for services). ``current=False`` keeps past posts too
    (unfiltered by place: used for first-appointment dates).
    """
    schools, services = schools_frame(store), services_frame(store)
    every = _located_posts(store, needs, schools, services)
    return _current_in_scope(every, as_of, schools, services, filters) if current else every


def _located_posts(
    store: GraphStore, needs: Iterable[str], schools: pd.DataFrame, services: pd.DataFrame
) -> pd.DataFrame:
    """Every post (past, current, future) in roles serving ``needs``, with its location."""
    roles = roles_for_needs(store, needs)
    codes = roles["role"].tolist()
    posts, svc_posts = store.table("posts"), store.table("service_posts")
    posts = posts[posts["role"].isin(codes).fillna(False).astype(bool)].merge(roles, on="role")
    svc_posts = svc_posts[svc_posts["role"].isin(codes).fillna(False).astype(bool)].merge(roles, on="role")
    school_cols = ["urn", *LOCATION_COLUMNS, "phase", "type", "kind", "trust_id", "trust_name"]
    at_school = posts.merge(schools[school_cols], on="urn").assign(setting="school", service_id=pd.NA)
    in_service = svc_posts.merge(services[["service_id", *LOCATION_COLUMNS]], on="service_id")
    in_service = in_service.assign(setting="service", urn=pd.NA)
    cols = [
        "person_id",
        "role",
        "need",
        "setting",
        "urn",
        "service_id",
        *LOCATION_COLUMNS,
        "start_date",
        "end_date",
        "fte",
        "phase",
        "type",
        "kind",
        "trust_id",
        "trust_name",
    ]
    out = pd.concat([at_school.reindex(columns=cols), in_service.reindex(columns=cols)], ignore_index=True)
    return out.astype({"urn": "Int64", "service_id": "string", "setting": "string"})


def _current_in_scope(
    every: pd.DataFrame, as_of: dt.date, schools: pd.DataFrame, services: pd.DataFrame, filters: Filters
) -> pd.DataFrame:
    """The rows of :func:`_located_posts` current on ``as_of`` at a school or service matching
    ``filters``."""
    services = filter_services(services, filters)
    try:
        schools = apply_filters(schools, filters)
    except SendgraphError:  # an area with services but no schools is fine; neither is an error
        if services.empty:
            raise
        schools = schools.iloc[0:0]
    here = every["urn"].isin(schools["urn"]).fillna(False).astype(bool) | every["service_id"].isin(
        services["service_id"]
    ).fillna(False).astype(bool)
    return every[current_mask(every, as_of) & here].reset_index(drop=True)


def matching_mq(store: GraphStore) -> pd.DataFrame:
    """need -> required mandatory qualification code, from the catalogue."""
    q = store.table("qualifications")
    mq = q[(q["kind"] == "mandatory").fillna(False).astype(bool) & q["need"].isin(SENSES).astype(bool)]
    return mq[["need", "code"]].rename(columns={"code": "required"}).drop_duplicates("need")


@analysis
def sensory_audit(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """One row per current post in a VI / HI / MSI role on ``as_of`` (SI 2003/1662 regs 6-9):
    qualified, within_allowance (3 years from first appointment for that sense) or unqualified.

    >>> sensory_audit(store, as_of=dt.date(2025, 9, 1))  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    t = ts(as_of)
    schools, services = schools_frame(store), services_frame(store)
    everything = _located_posts(store, SENSES, schools, services)
    cur = _current_in_scope(everything, as_of, schools, services, filters)
    everything = everything[(everything["start_date"] <= t).fillna(False).astype(bool)]
    first = everything.groupby(["person_id", "need"], as_index=False)["start_date"].min()
    cur = cur.rename(columns={"start_date": "appointed"}).merge(
        first.rename(columns={"start_date": "first_appointed"}), on=["person_id", "need"], how="left"
    )
    required = matching_mq(store)
    cur = cur.merge(required, on="need", how="left")
    mq = held(store, as_of, required["required"].tolist())[["person_id", "qualification"]].drop_duplicates()
    mq = mq.rename(columns={"qualification": "required"}).assign(_q=True)
    cur = cur.merge(mq, on=["person_id", "required"], how="left")
    qualified = cur["_q"].fillna(False).astype(bool).to_numpy()
    cur["allowance_end"] = add_years(cur["first_appointed"].fillna(cur["appointed"]), ALLOWANCE_YEARS)
    within = (t <= cur["allowance_end"]).fillna(False).to_numpy()
    cur["status"] = pd.array(
        np.select([qualified, within], ["qualified", "within_allowance"], "unqualified"), dtype="string"
    )
    out = cur[COLUMNS + ["phase", "type", "kind", "trust_id", "trust_name"]]
    out = out.sort_values(["need", "region_code", "la_code", "person_id"], kind="stable")
    return out.reset_index(drop=True)


def sensory_summary(detail: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Posts per status for each need (and ``by`` group), with the share without the MQ.

    ``pct_without_mq`` = 100 * (within_allowance + unqualified) / posts: the UCL 2019 figure
    "sensory specialists with no sensory qualification" (18%, 14/78; UCL digest §4.6).
    """
    keys = [*by_columns(by), "need"]
    frame = detail.assign(_one=1)
    frame[keys] = frame[keys].astype("string").fillna("(service)")
    counts = frame.pivot_table(index=keys, columns="status", values="_one", aggfunc="sum", fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    counts.columns.name = None
    counts.insert(0, "posts", counts.sum(axis=1))
    counts["without_mq"] = counts["within_allowance"] + counts["unqualified"]
    counts["pct_without_mq"] = (100 * counts["without_mq"] / counts["posts"]).round(1)
    counts["pct_unqualified"] = (100 * counts["unqualified"] / counts["posts"]).round(1)
    out = counts.reset_index()
    return out.astype({c: "int64" for c in ["posts", *STATUSES, "without_mq"]})


PUBLISHES = Publishes(
    counts=("posts", *STATUSES, "without_mq"),
    rates={"pct_without_mq": ("without_mq", "posts"), "pct_unqualified": ("unqualified", "posts")},
    totals={"posts": STATUSES, "without_mq": ("within_allowance", "unqualified")},
    categories=("need",),
)
"""What :func:`sensory_summary` publishes (through :func:`queries.publish.publish`)."""
