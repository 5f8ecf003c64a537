"""SENCO award audit: every school's SENCO(s) classified against the law as of a date.

Encodes SEND Regulations 2014 (SI 2014/1530) regs 49-50, as amended by SI 2024/535 from
1 Sep 2024 (DOMAIN.md rule 1; UCL 2019 digest §1.4, §2.5, §4.7):

- The SENCO of a mainstream school (maintained, academy or free school) must be a qualified teacher
  or the head teacher (reg. 49). Here: holds QTS awarded on or before ``as_of``, or holds a HEAD
  post at the same school current on ``as_of``; otherwise **not_eligible**.
- A SENCO appointed on or after 1 Sep 2009 who has not previously been a SENCO for more than 12
  months in total must achieve the qualification within 3 years of appointment (reg. 50). SENCOs
  appointed before 1 Sep 2009 are **exempt**; so is anyone with more than 12 months' earlier SENCO
  service. An appointment *on* 1 Sep 2009 is not "before 1 Sep 2009": it is in the regime.
- The qualification (SI 2024/535): NASENCO counts if its course started before 1 Sep 2024 and it
  was awarded on or before 1 Sep 2027; otherwise the NPQ for SENCOs.

Status precedence (one per row): no_senco, not_eligible, compliant (holds a counting award),
exempt, within_window (``as_of <= deadline``), overdue. Holding the award is reported as compliant
even for someone who was exempt, so "exempt" means "not required and does not hold it" (the UCL
survey's 64/320 "not new to post" group). SENCOs at schools that are not mainstream are outside
reg. 49 and reported as exempt with that reason (``statutory`` is False); ``holds_award`` still
says whether they hold it.

Deadline: ``appointed + 3 years`` (same calendar day; 29 Feb -> 28 Feb). A NASENCO course started
before 1 Sep 2024 and not yet completed still counts if completed by 1 Sep 2027, but the
transitional rule only narrows which award counts; it does not extend the 3-year duty. So the
statutory ``deadline`` stays ``appointed + 3 years`` (the NPQ route stays open until then), and the
NASENCO route itself closes at ``nasenco_by = min(deadline, 1 Sep 2027)``.

Earlier SENCO service ("more than 12 months in total"): every other SENCO post of the same person,
at any school, that started before this appointment, clipped to the day before it. Days are counted
inclusively, overlapping spells once. "12 months" is the length in days of the 12 calendar months
from the first day of that earlier service: a single spell 1 Sep 2018 - 31 Aug 2019 is exactly 12
months (not more: the new regime applies); 1 Sep 2018 - 1 Sep 2019 is 12 months and a day (exempt).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.context import Filters, apply_filters, by_columns, schools_frame
from queries.posts import (
    DAY,
    add_years,
    current_mask,
    held,
    in_operation,
    studying,
    ts,
    union_days,
)
from queries.publish import Publishes
from queries.registry import analysis

REGIME_START = pd.Timestamp("2009-09-01")  # SI 2014/1530 reg. 50 (first in force 1 Sep 2009)
NPQ_SWITCH = pd.Timestamp("2024-09-01")  # SI 2024/535: NASENCO courses must start before this
NASENCO_CUTOFF = pd.Timestamp("2027-09-01")  # ... and be completed on or before this
WINDOW_YEARS = 3
PRIOR_SERVICE_MONTHS = 12
AWARDS = ("NASENCO", "NPQ_SENCO")
STATUSES = ("compliant", "within_window", "overdue", "exempt", "not_eligible", "no_senco")

SCHOOL_COLUMNS = [
    "urn",
    "school_name",
    "la_code",
    "la_name",
    "region_code",
    "region_name",
    "phase",
    "type",
    "kind",
    "trust_id",
    "trust_name",
]
COLUMNS = [
    *SCHOOL_COLUMNS,
    "person_id",
    "appointed",
    "status",
    "deadline",
    "nasenco_by",
    "studying",
    "holds_award",
    "award",
    "award_date",
    "statutory",
    "reason",
]


def counting_awards(store: GraphStore, as_of: dt.date, awards: pd.DataFrame | None = None) -> pd.DataFrame:
    """SENCO awards held on ``as_of`` with whether each counts (SI 2024/535): person_id,
    qualification, awarded_date, counts.

    A NASENCO with no recorded course start counts only if awarded before 1 Sep 2024 (its course
    must then have started before that date); otherwise its start cannot be shown to qualify.
    """
    q = held(store, as_of, AWARDS) if awards is None else awards
    q = q[["person_id", "qualification", "awarded_date", "started_date"]]
    started = q["started_date"].fillna(q["awarded_date"].where(q["awarded_date"] < NPQ_SWITCH))
    nasenco_ok = (started < NPQ_SWITCH).fillna(False) & (q["awarded_date"] <= NASENCO_CUTOFF).fillna(False)
    counts = (q["qualification"] == "NPQ_SENCO").fillna(False) | (
        (q["qualification"] == "NASENCO").fillna(False) & nasenco_ok
    )
    return q.assign(counts=counts.astype(bool))


def _prior_service(senco_posts: pd.DataFrame, current: pd.DataFrame) -> pd.DataFrame:
    """Per current (person_id, urn): days of earlier SENCO service and whether it exceeds 12 months."""
    earlier = senco_posts[["person_id", "start_date", "end_date"]].merge(
        current[["person_id", "urn", "appointed"]], on="person_id"
    )
    earlier = earlier[(earlier["start_date"] < earlier["appointed"]).fillna(False)]
    before = earlier["appointed"] - DAY
    end = earlier["end_date"].where(earlier["end_date"].notna() & (earlier["end_date"] < before), before)
    iv = pd.DataFrame(
        {"person_id": earlier["person_id"], "urn": earlier["urn"], "start": earlier["start_date"], "end": end}
    )
    if iv.empty:
        return pd.DataFrame(columns=["person_id", "urn", "prior_days", "prior_more"])
    days = union_days(iv, ["person_id", "urn"]).rename("prior_days")
    first = iv.groupby(["person_id", "urn"], sort=False)["start"].min()
    months = (first + pd.DateOffset(months=PRIOR_SERVICE_MONTHS)).astype("datetime64[ns]")
    threshold = (months - first).dt.days
    out = pd.DataFrame({"prior_days": days}).join(threshold.rename("threshold"))
    out["prior_more"] = out["prior_days"] > out["threshold"]
    return out.reset_index()[["person_id", "urn", "prior_days", "prior_more"]]


def _fmt(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").astype("string").fillna("")


@analysis
def senco_audit(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """One row per (school in scope, current SENCO), classified as of ``as_of`` (SI 2014/1530
    regs 49-50 as amended by SI 2024/535). A mainstream school with no current SENCO gets one
    row with status ``no_senco`` and a blank person_id; a SENCO shared by several schools (a
    federation) has a row, and counts, at each. See the module docstring for the exact rules.

    >>> senco_audit(store, as_of=dt.date(2025, 9, 1), filters=Filters(la="Darlington"))  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    t = ts(as_of)
    schools = apply_filters(in_operation(schools_frame(store), as_of), filters)
    schools = schools.rename(columns={"name": "school_name"})
    # One pass over the (large) posts and qualification tables; the rest works on the small parts.
    posts = store.table("posts")
    posts = posts[posts["role"].isin(["SENCO", "HEAD"]).fillna(False).astype(bool)]
    now = current_mask(posts, as_of).to_numpy()
    is_senco = (posts["role"] == "SENCO").fillna(False).to_numpy(dtype=bool)
    senco_posts = posts[is_senco]
    quals = held(store, as_of, ["QTS", *AWARDS])
    cur = posts[is_senco & now][["person_id", "urn", "start_date"]]
    cur = cur.rename(columns={"start_date": "appointed"}).sort_values("appointed")
    cur = cur.drop_duplicates(["person_id", "urn"], keep="last")

    in_scope = schools[
        (schools["kind"] == "mainstream").fillna(False).astype(bool) | isin(schools["urn"], cur["urn"])
    ][SCHOOL_COLUMNS]
    rows = in_scope.merge(cur, on="urn", how="left")
    has = rows["person_id"].notna()

    # Eligibility: QTS by as_of, or the head of this school on as_of (reg. 49).
    qts = isin(rows["person_id"], quals.loc[(quals["qualification"] == "QTS").fillna(False), "person_id"])
    heads = posts[~is_senco & now][["person_id", "urn"]].drop_duplicates()
    is_head = rows.merge(heads.assign(_h=True), on=["person_id", "urn"], how="left")["_h"]
    is_head = is_head.fillna(False).astype(bool).to_numpy()
    eligible = qts | is_head

    # Exemption: appointed before 1 Sep 2009, or > 12 months' earlier SENCO service.
    prior = _prior_service(senco_posts, cur)
    rows = rows.merge(prior, on=["person_id", "urn"], how="left")
    pre_2009 = (rows["appointed"] < REGIME_START).fillna(False).astype(bool).to_numpy()
    prior_more = rows["prior_more"].fillna(False).astype(bool).to_numpy()
    statutory = (rows["kind"] == "mainstream").fillna(False).astype(bool).to_numpy()

    # Awards held on as_of: the earliest counting one, else any non-counting one (for the reason).
    awards = counting_awards(store, as_of, quals[(quals["qualification"] != "QTS").fillna(False)])
    awards = awards.sort_values(["counts", "awarded_date"], ascending=[False, True])
    best = awards.drop_duplicates("person_id")[["person_id", "qualification", "awarded_date", "counts"]]
    rows = rows.merge(
        best.rename(columns={"qualification": "award", "awarded_date": "award_date"}),
        on="person_id",
        how="left",
    )
    holds = rows["counts"].fillna(False).astype(bool).to_numpy()
    void_award = (rows["award"].notna() & ~rows["counts"].fillna(False).astype(bool)).to_numpy()

    # Studying something that can still count on as_of.
    st = studying(store, as_of, AWARDS)
    can_count = (st["qualification"] == "NPQ_SENCO").fillna(False) | (
        (st["qualification"] == "NASENCO").fillna(False)
        & (st["start_date"] < NPQ_SWITCH).fillna(False)
        & (t <= NASENCO_CUTOFF)
    )
    st_ok = st[can_count.astype(bool)]
    nasenco_studiers = st_ok.loc[st_ok["qualification"] == "NASENCO", "person_id"]
    rows["studying"] = isin(rows["person_id"], st_ok["person_id"]) & ~holds

    deadline = add_years(rows["appointed"], WINDOW_YEARS)
    in_regime = has.to_numpy() & statutory & ~pre_2009 & ~prior_more
    rows["deadline"] = deadline.where(in_regime)
    studies_nasenco = isin(rows["person_id"], nasenco_studiers) & ~holds & in_regime
    nasenco_by = rows["deadline"].where(rows["deadline"] < NASENCO_CUTOFF, NASENCO_CUTOFF)
    rows["nasenco_by"] = nasenco_by.where(studies_nasenco).astype("datetime64[ns]")
    rows["deadline"] = rows["deadline"].astype("datetime64[ns]")
    within = (t <= rows["deadline"]).fillna(False).to_numpy()

    has_a = has.to_numpy()
    conditions = [~has_a, ~statutory, ~eligible, holds, pre_2009 | prior_more, within]
    status = np.select(
        conditions, ["no_senco", "exempt", "not_eligible", "compliant", "exempt", "within_window"], "overdue"
    )
    rows["status"] = pd.array(status, dtype="string")
    rows["statutory"] = statutory
    rows["holds_award"] = holds

    dl, ad, ap = _fmt(rows["deadline"]), _fmt(rows["award_date"]), _fmt(rows["appointed"])
    nb = _fmt(rows["nasenco_by"])
    reason = pd.Series(
        np.select(
            conditions[:4] + [pre_2009, prior_more, within],
            [
                "no current SENCO recorded: a mainstream school must have one (reg. 49)",
                "not a mainstream school: SI 2014/1530 reg. 49 does not apply",
                "neither holds QTS nor is the head teacher of this school (reg. 49)",
                "holds " + rows["award"].fillna("") + " awarded " + ad,
                "appointed " + ap + ", before 1 Sep 2009",
                "previously SENCO for more than 12 months ("
                + rows["prior_days"].astype("Int64").astype("string").fillna("0")
                + " days)",
                "award due by " + dl,
            ],
            "award was due by " + dl,
        ),
        index=rows.index,
        dtype="string",
    )
    reason = reason.where(
        ~(studies_nasenco & (status == "within_window")), reason + "; NASENCO counts only if awarded by " + nb
    )
    reason = reason.where(
        ~(void_award & ~holds & has_a),
        reason
        + "; holds "
        + rows["award"].fillna("")
        + " that does not count (started from 1 Sep 2024 or awarded after 1 Sep 2027)",
    )
    rows["reason"] = reason
    rows["award"] = rows["award"].where(holds)
    rows["award_date"] = rows["award_date"].where(holds)
    rows["person_id"] = rows["person_id"].astype("string")
    out = rows[COLUMNS].sort_values(["region_code", "la_code", "urn", "person_id"], kind="stable")
    return out.reset_index(drop=True)


def senco_summary(detail: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Counts of SENCO rows per status (and percentages of all rows) per ``by`` group.

    ``total`` counts rows (a federation SENCO counts at each school; a school with no SENCO
    counts once); ``schools`` counts distinct schools. ``pct_<status>`` = 100 * count / total.
    """
    keys = by_columns(by)
    frame = detail.assign(_one=1)
    if not keys:
        frame = frame.assign(area="England")
        keys = ["area"]
    frame[keys] = frame[keys].astype("string").fillna("(unknown)")
    counts = frame.pivot_table(index=keys, columns="status", values="_one", aggfunc="sum", fill_value=0)
    counts = counts.reindex(columns=list(STATUSES), fill_value=0)
    counts.columns.name = None
    counts.insert(0, "total", counts.sum(axis=1))
    counts.insert(0, "schools", frame.groupby(keys)["urn"].nunique())
    for s in STATUSES:
        counts[f"pct_{s}"] = (100 * counts[s] / counts["total"]).round(1)
    return counts.reset_index().astype({s: "int64" for s in [*STATUSES, "total", "schools"]})


PUBLISHES = Publishes(
    counts=("schools", "total", *STATUSES),
    rates={f"pct_{s}": (s, "total") for s in STATUSES},
    totals={"total": STATUSES},
)
"""What :func:`senco_summary` publishes (through :func:`queries.publish.publish`)."""
