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
from queries.context import BY_COLUMNS, SCHOOL_COLUMNS, Filters, apply_filters, by_columns, schools_frame
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

__all__ = [
    "PUBLISHES",
    "counting_awards",
    "senco_audit",
]

REGIME_START = pd.Timestamp("2009-09-01")  # SI 2014/1530 reg. 50 (first in force 1 Sep 2009)
NPQ_SWITCH = pd.Timestamp("2024-09-01")  # SI 2024/535: NASENCO courses must start before this
NASENCO_CUTOFF = pd.Timestamp("2027-09-01")  # ... and be completed on or before this
WINDOW_YEARS = 3
PRIOR_SERVICE_MONTHS = 12
AWARDS = ("NASENCO", "NPQ_SENCO")
STATUSES = (
    "compliant",
    "within_window",
    "at_risk",
    "overdue",
    "exempt",
    "no_duty",
    "not_eligible",
    "no_senco",
    "kind_unknown",
)
SEVERITY = (
    "no_senco",
    "not_eligible",
    "overdue",
    "at_risk",
    "within_window",
    "kind_unknown",
    "exempt",
    "compliant",
    "no_duty",
)
"""Worst first. A school's status is its worst current SENCO's (two SENCOs, one overdue: the school
is overdue), so a school-level rate never hides a SENCO who needs action."""
PERSON_STATUSES = tuple(s for s in STATUSES if s != "no_senco")

SCHOOL_TRUST_COLUMNS = [*SCHOOL_COLUMNS, *BY_COLUMNS["trust"]]
"""A school row's columns in the audit: the shared ones and its trust."""
COLUMNS = [
    *SCHOOL_TRUST_COLUMNS,
    "person_id",
    "appointed",
    "status",
    "deadline",
    "nasenco_by",
    "studying",
    "enrolled_on",
    "holds_award",
    "award",
    "award_date",
    "statutory",
    "reason",
]


def counting_awards(store: GraphStore, as_of: dt.date, awards: pd.DataFrame | None = None) -> pd.DataFrame:
    """SENCO awards held on ``as_of`` with whether each counts (SI 2024/535): person_id,
    qualification, awarded_date, counts, why_not (blank when it counts).

    A NASENCO with no recorded course start counts when awarded before 1 Sep 2024 (its course must
    then have started before that date); awarded later, its start is *unknown*, and ``why_not``
    says so rather than claiming it started from 1 Sep 2024.
    """
    q = held(store, as_of, AWARDS) if awards is None else awards
    q = q[["person_id", "qualification", "awarded_date", "started_date"]]
    started = q["started_date"].fillna(q["awarded_date"].where(q["awarded_date"] < NPQ_SWITCH))
    started_ok = (started < NPQ_SWITCH).fillna(False)
    awarded_ok = (q["awarded_date"] <= NASENCO_CUTOFF).fillna(False)
    is_npq = (q["qualification"] == "NPQ_SENCO").fillna(False)
    is_nasenco = (q["qualification"] == "NASENCO").fillna(False)
    counts = is_npq | (is_nasenco & started_ok & awarded_ok)
    st, aw = _fmt(q["started_date"]), _fmt(q["awarded_date"])
    why = np.select(
        [
            counts.to_numpy(),
            (is_nasenco & q["started_date"].isna() & ~started_ok).to_numpy(),
            (is_nasenco & ~started_ok).to_numpy(),
            (is_nasenco & ~awarded_ok).to_numpy(),
        ],
        [
            "",
            "NASENCO awarded " + aw + " with its course start date unknown: it cannot be shown to "
            "have started before 1 Sep 2024",
            "NASENCO started " + st + ": a NASENCO must have started before 1 Sep 2024",
            "NASENCO awarded " + aw + ", after 1 Sep 2027",
        ],
        "",
    )
    return q.assign(counts=counts.astype(bool), why_not=pd.array(why, dtype="string"))


def more_than_twelve_months(first_start: pd.Series, days: pd.Series) -> pd.Series:
    """Reg. 50's "more than 12 months in total", the ONE rule used by the audit and ``figures``.

    ``days`` is the earlier SENCO service counted inclusively (overlaps once) and ``first_start``
    the first day of that service. "12 months" is the length in days of the 12 calendar months from
    ``first_start`` (365 or 366 days, by the calendar), so a single spell 1 Sep 2018 - 31 Aug 2019
    is exactly 12 months (not more) and 1 Sep 2018 - 1 Sep 2019 is more. No earlier service: False.
    """
    first = pd.to_datetime(first_start)
    months = (first + pd.DateOffset(months=PRIOR_SERVICE_MONTHS)).astype("datetime64[ns]")
    threshold = (months - first).dt.days
    return (days > threshold).fillna(False).astype(bool)


def prior_service(senco_posts: pd.DataFrame, appointments: pd.DataFrame) -> pd.DataFrame:
    """Per appointment (person_id, urn, appointed): earlier SENCO service and whether it exempts.

    Earlier service is every SENCO post of the same person, at any school, that started before the
    appointment, clipped to the day before it. Returns person_id, urn, prior_days, prior_more
    (:func:`more_than_twelve_months`); appointments with no earlier service are left out.
    """
    return _prior_service(senco_posts, appointments)


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
    first = iv.groupby(["person_id", "urn"], sort=False)["start"].min().rename("first")
    out = pd.DataFrame({"prior_days": days}).join(first)
    out["prior_more"] = more_than_twelve_months(out["first"], out["prior_days"])
    return out.reset_index()[["person_id", "urn", "prior_days", "prior_more"]]


def _fmt(dates: pd.Series) -> pd.Series:
    return dates.dt.strftime("%Y-%m-%d").astype("string").fillna("")


def _courses(st: pd.DataFrame, rows: pd.DataFrame, t: pd.Timestamp) -> pd.DataFrame:
    """Per audited (person_id, urn): the SENCO courses the person is enrolled on (``enrolled_on``),
    whether any can still count in time (``can_count``) and, when none can, why (``why_not``).

    A course counts in time when the award it leads to would count (SI 2024/535) by the SENCO's own
    deadline: the NPQ if expected by ``deadline`` (or no expected date); a NASENCO if it started
    before 1 Sep 2024, ``as_of`` is not after 1 Sep 2027 and it is expected by ``nasenco_by``
    (min(deadline, 1 Sep 2027)). ``person_studying.expected_date`` is read; blank = no evidence of
    lateness. People outside the regime (no deadline) are judged against 1 Sep 2027 only.
    """
    cols = ["person_id", "urn", "enrolled_on", "can_count", "course_why"]
    if st.empty:
        return pd.DataFrame(columns=cols)
    c = rows.loc[rows["person_id"].notna(), ["person_id", "urn", "deadline"]].merge(
        st[["person_id", "qualification", "start_date", "expected_date"]], on="person_id"
    )
    if c.empty:
        return pd.DataFrame(columns=cols)
    deadline = c["deadline"]
    nasenco_by = deadline.where(deadline < NASENCO_CUTOFF, NASENCO_CUTOFF).fillna(NASENCO_CUTOFF)
    npq = (c["qualification"] == "NPQ_SENCO").fillna(False).to_numpy(dtype=bool)
    nas = (c["qualification"] == "NASENCO").fillna(False).to_numpy(dtype=bool)
    exp = c["expected_date"]
    started_ok = (c["start_date"] < NPQ_SWITCH).fillna(False).to_numpy(dtype=bool)
    npq_late = (exp > deadline).fillna(False).to_numpy(dtype=bool)
    nas_after_cutoff = (exp > NASENCO_CUTOFF).fillna(False).to_numpy(dtype=bool) | (t > NASENCO_CUTOFF)
    nas_after_deadline = (exp > nasenco_by).fillna(False).to_numpy(dtype=bool)
    ok = (npq & ~npq_late) | (nas & started_ok & ~nas_after_cutoff & ~nas_after_deadline)
    sd, ed, dl, nb = _fmt(c["start_date"]), _fmt(exp), _fmt(deadline), _fmt(nasenco_by)
    why = np.select(
        [ok, npq & npq_late, nas & ~started_ok, nas & nas_after_cutoff, nas & nas_after_deadline],
        [
            "",
            "NPQ_SENCO expected " + ed + ", after this SENCO's deadline " + dl,
            "NASENCO started " + sd + ": a NASENCO must have started before 1 Sep 2024",
            "NASENCO expected " + ed + ", after 1 Sep 2027",
            "NASENCO expected " + ed + ", after this SENCO's deadline for it " + nb,
        ],
        "",
    )
    # a NASENCO judged late only because as_of is already past 1 Sep 2027
    why = np.where(
        nas & ~ok & started_ok & (t > NASENCO_CUTOFF) & ~nas_after_deadline & exp.isna().to_numpy(),
        "NASENCO not awarded by 1 Sep 2027",
        why,
    )
    label = c["qualification"].astype("string") + " (started " + sd
    label = label + pd.Series(np.where(exp.notna(), ", expected " + ed, ""), index=c.index) + ")"
    c = c.assign(_label=label, _ok=ok, _why=pd.array(why, dtype="string"))
    c = c.sort_values(["person_id", "urn", "qualification"])
    g = c.groupby(["person_id", "urn"], sort=False)
    out = pd.DataFrame(
        {
            "enrolled_on": g["_label"].agg("; ".join),
            "can_count": g["_ok"].any(),
            "course_why": g["_why"].agg(lambda x: "; ".join(v for v in x if v)),
        }
    )
    return out.reset_index()[cols]


@analysis
def senco_audit(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """One row per (school in scope, current SENCO), classified as of ``as_of`` (SI 2014/1530
    regs 49-50 as amended by SI 2024/535). A mainstream school with no current SENCO gets one
    row with status ``no_senco`` and a blank person_id; a SENCO shared by several schools (a
    federation) has a row, and counts, at each. A school whose kind cannot be told (no GIAS type
    and no type group) is reported as ``kind_unknown``, never silently left out. See the module
    docstring for the exact rules.

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

    kind = schools["kind"].fillna("unknown")
    in_scope = schools[kind.isin(["mainstream", "unknown"]).to_numpy() | isin(schools["urn"], cur["urn"])][
        SCHOOL_TRUST_COLUMNS
    ]
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
    unknown_kind = (rows["kind"].fillna("unknown") == "unknown").to_numpy()
    statutory = (rows["kind"] == "mainstream").fillna(False).astype(bool).to_numpy()

    # Awards held on as_of: the earliest counting one, else any non-counting one (for the reason).
    awards = counting_awards(store, as_of, quals[(quals["qualification"] != "QTS").fillna(False)])
    awards = awards.sort_values(["counts", "awarded_date"], ascending=[False, True])
    best = awards.drop_duplicates("person_id")[
        ["person_id", "qualification", "awarded_date", "counts", "why_not"]
    ]
    rows = rows.merge(
        best.drop(columns="why_not").rename(columns={"qualification": "award", "awarded_date": "award_date"}),
        on="person_id",
        how="left",
    )
    holds = rows["counts"].fillna(False).astype(bool).to_numpy()
    void_award = (rows["award"].notna() & ~rows["counts"].fillna(False).astype(bool)).to_numpy()

    deadline = add_years(rows["appointed"], WINDOW_YEARS)
    in_regime = has.to_numpy() & statutory & ~pre_2009 & ~prior_more
    rows["deadline"] = deadline.where(in_regime).astype("datetime64[ns]")

    # Courses: enrolled on what, and can any of it still count by this SENCO's deadline?
    courses = _courses(studying(store, as_of, AWARDS), rows, t)
    rows = rows.merge(courses, on=["person_id", "urn"], how="left")
    enrolled = rows["enrolled_on"].notna().to_numpy()
    can_count = rows["can_count"].fillna(False).astype(bool).to_numpy()
    rows["studying"] = can_count & ~holds
    st = studying(store, as_of, ["NASENCO"])
    nasenco_ok = st[(st["start_date"] < NPQ_SWITCH).fillna(False).astype(bool) & (t <= NASENCO_CUTOFF)]
    studies_nasenco = isin(rows["person_id"], nasenco_ok["person_id"]) & ~holds & in_regime
    nasenco_by = rows["deadline"].where(rows["deadline"] < NASENCO_CUTOFF, NASENCO_CUTOFF)
    rows["nasenco_by"] = nasenco_by.where(studies_nasenco).astype("datetime64[ns]")
    within = (t <= rows["deadline"]).fillna(False).to_numpy()
    at_risk = within & enrolled & ~can_count

    has_a = has.to_numpy()
    conditions = [
        unknown_kind,
        ~has_a,
        ~statutory,
        ~eligible,
        holds,
        pre_2009 | prior_more,
        at_risk,
        within,
    ]
    status = np.select(
        conditions,
        [
            "kind_unknown",
            "no_senco",
            "no_duty",
            "not_eligible",
            "compliant",
            "exempt",
            "at_risk",
            "within_window",
        ],
        "overdue",
    )
    rows["status"] = pd.array(status, dtype="string")
    rows["statutory"] = statutory
    rows["holds_award"] = holds

    dl, ad, ap = _fmt(rows["deadline"]), _fmt(rows["award_date"]), _fmt(rows["appointed"])
    nb = _fmt(rows["nasenco_by"])
    why_course = rows["course_why"].astype("string").fillna("")
    reason = pd.Series(
        np.select(
            conditions[:5] + [pre_2009, prior_more, at_risk, within],
            [
                "school type and type group not recorded: cannot tell whether reg. 49 applies",
                "no current SENCO recorded: a mainstream school must have one (reg. 49)",
                "not a mainstream school: no duty under SI 2014/1530 reg. 49",
                "neither holds QTS nor is the head teacher of this school (reg. 49)",
                "holds " + rows["award"].fillna("") + " awarded " + ad,
                "appointed " + ap + ", before 1 Sep 2009",
                "previously SENCO for more than 12 months ("
                + rows["prior_days"].astype("Int64").astype("string").fillna("0")
                + " days)",
                "award due by " + dl + "; enrolled on " + rows["enrolled_on"].fillna("") + ", which will not "
                "count: " + why_course,
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
    void_why = best.set_index("person_id")["why_not"]
    void_text = rows["person_id"].map(void_why).astype("string").fillna("")
    reason = reason.where(
        ~(void_award & ~holds & has_a & ~unknown_kind),
        reason + "; holds " + rows["award"].fillna("") + " that does not count (" + void_text + ")",
    )
    rows["reason"] = reason
    rows["award"] = rows["award"].where(holds)
    rows["award_date"] = rows["award_date"].where(holds)
    rows["person_id"] = rows["person_id"].astype("string")
    rows["enrolled_on"] = rows["enrolled_on"].astype("string")
    rows["kind"] = rows["kind"].astype("string").fillna("unknown")
    out = rows[COLUMNS].sort_values(["region_code", "la_code", "urn", "person_id"], kind="stable")
    return out.reset_index(drop=True)


def school_status(detail: pd.DataFrame) -> pd.DataFrame:
    """One row per school of an audit: urn and ``status``, the worst of its rows (:data:`SEVERITY`)."""
    rank = detail["status"].map({st: i for i, st in enumerate(SEVERITY)})
    worst = detail.assign(_rank=rank).sort_values(["urn", "_rank"], kind="stable").drop_duplicates("urn")
    return worst[["urn", "status"]].reset_index(drop=True)


def senco_summary(detail: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """School-level rates beside person-level counts, per ``by`` group, each with its denominator.

    - ``schools``: schools audited; ``schools_<status>``: schools whose status (the worst of their
      SENCOs', :data:`SEVERITY`) it is; ``pct_schools_<status>`` = 100 * schools_<status> / schools.
    - ``sencos``: distinct current SENCOs (a federation SENCO counts once per group);
      ``sencos_<status>`` by each person's worst row; ``pct_sencos_<status>`` = 100 * .../sencos.
    - ``rows``: audit rows (person-school pairs plus schools with no SENCO), for reconciliation.
    """
    keys = by_columns(by)
    frame = detail.copy()
    if not keys:
        frame = frame.assign(area="England")
        keys = ["area"]
    frame[keys] = frame[keys].astype("string").fillna("(unknown)")
    rank = frame["status"].map({st: i for i, st in enumerate(SEVERITY)})
    frame = frame.assign(_rank=rank).sort_values("_rank", kind="stable")
    per_school = frame.drop_duplicates([*keys, "urn"])
    people = frame[frame["person_id"].notna()].drop_duplicates([*keys, "person_id"])

    def count(part: pd.DataFrame, prefix: str, statuses: tuple[str, ...]) -> pd.DataFrame:
        c = part.assign(_one=1).pivot_table(
            index=keys, columns="status", values="_one", aggfunc="sum", fill_value=0
        )
        c = c.reindex(columns=list(statuses), fill_value=0)
        c.columns = [f"{prefix}_{st}" for st in statuses]
        return c

    groups = frame.groupby(keys)
    out = pd.DataFrame({"schools": groups["urn"].nunique()})
    out = out.join(count(per_school, "schools", STATUSES))
    out.insert(len(out.columns), "sencos", people.groupby(keys)["person_id"].nunique())
    out = out.join(count(people, "sencos", PERSON_STATUSES))
    out["rows"] = groups.size()
    out = out.fillna(0)
    for st in STATUSES:
        out[f"pct_schools_{st}"] = (
            100 * out[f"schools_{st}"] / out["schools"].where(out["schools"] > 0)
        ).round(1)
    for st in PERSON_STATUSES:
        out[f"pct_sencos_{st}"] = (100 * out[f"sencos_{st}"] / out["sencos"].where(out["sencos"] > 0)).round(
            1
        )
    return out.reset_index().astype({c: "int64" for c in PUBLISHES.counts})


PUBLISHES = Publishes(
    counts=(
        "schools",
        *(f"schools_{st}" for st in STATUSES),
        "sencos",
        *(f"sencos_{st}" for st in PERSON_STATUSES),
        "rows",
    ),
    rates={
        **{f"pct_schools_{st}": (f"schools_{st}", "schools") for st in STATUSES},
        **{f"pct_sencos_{st}": (f"sencos_{st}", "sencos") for st in PERSON_STATUSES},
    },
    # each school takes one (its worst) status and each SENCO one, so the parts sum to the totals
    totals={
        "schools": tuple(f"schools_{st}" for st in STATUSES),
        "sencos": tuple(f"sencos_{st}" for st in PERSON_STATUSES),
    },
)
"""What :func:`senco_summary` publishes (through :func:`queries.publish.publish`): school-level
counts and rates (a school takes its worst SENCO's status), person-level counts and rates (a SENCO
shared by several schools counts once per group) and ``rows`` (school–SENCO pairs)."""
