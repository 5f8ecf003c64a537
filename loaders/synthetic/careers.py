"""People and their dated careers: ITT -> ECT -> teacher -> SENCO / leadership, TA -> HLTA -> SEND lead.

Each cohort (current SENCOs, heads, teachers, TAs, leavers...) is generated as arrays: a start date
for the current post, then the earlier posts that led to it, walking back in time. Every date is
worked out from the reference date ``as_of`` so nothing lies in the future (validation rejects
future start and award dates).

Timing follows UCL 2019 s3.1: about 4-5 years from QTS (the two ECT induction years included) to
*starting* the NASENCO or an MQ: a median 1.9 years as a class teacher after induction
(:func:`teaching_years`), then the post, and the course with it or within a year. In every
specialist cohort exactly 71/685 (10.4%, UCL 2019 KF5 / s2.6) of those with a recorded earlier role
go straight from ITT into the specialism (:func:`direct_entrants`): the post starts with their
induction or part-way through it. The SENCO cohort is built so DOMAIN.md's SENCO figures hold
exactly (see :func:`senco_cohort`).

Posts are added with the *changeover* date as ``end_date`` (the next post's start); the posts table
records the day before (:class:`loaders.synthetic.records.PostRows`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from loaders.synthetic import params as P
from loaders.synthetic.dates import (
    NAT,
    day,
    exact_flags,
    exact_labels,
    years_after,
    years_before,
    years_between,
)
from loaders.synthetic.records import posts_rows, qual_rows, study_rows
from loaders.synthetic.schools import Schools

COURSE_YEARS = 1.5  # NASENCO / NPQ for SENCOs take about 18 months


@dataclass
class World:
    """Shared state while people are generated: the RNG, schools, and the growing tables."""

    rng: np.random.Generator
    as_of: np.datetime64
    schools: Schools
    universities: np.ndarray  # provider ids offering QTS / NASENCO / NPQ
    mq_providers: dict[str, np.ndarray]  # MQ code -> provider ids
    n_people: int = 0
    birth_year: list[np.ndarray] = field(default_factory=list)
    posts: object = field(default_factory=posts_rows)
    quals: object = field(default_factory=qual_rows)
    studying: object = field(default_factory=study_rows)
    senco_people: np.ndarray | None = None
    senco_of_school: np.ndarray | None = None  # person index of each school's SENCO, -1 if none
    head_of_school: np.ndarray | None = None

    def __post_init__(self) -> None:
        key = self.schools.la_pos * 8 + _kind_code(self.schools.kind)
        self._order = np.argsort(key, kind="stable")
        self._keys = key[self._order]
        self._la_order = np.argsort(self.schools.la_pos, kind="stable")
        self._la_keys = self.schools.la_pos[self._la_order]
        self.urn = self.schools.frame["urn"].to_numpy()

    def new_people(self, n: int, birth_year: np.ndarray) -> np.ndarray:
        ids = np.arange(self.n_people, self.n_people + n, dtype=np.int64)
        self.n_people += n
        self.birth_year.append(birth_year.astype(np.int64))
        return ids

    def similar_school(self, school: np.ndarray) -> np.ndarray:
        """A random school of the same kind in the same LA (where people move to and from)."""
        key = self.schools.la_pos[school] * 8 + _kind_code(self.schools.kind[school])
        lo = np.searchsorted(self._keys, key, "left")
        hi = np.searchsorted(self._keys, key, "right")
        return self._order[lo + (self.rng.random(len(school)) * (hi - lo)).astype(np.int64)]

    def school_in_la(self, la: np.ndarray) -> np.ndarray:
        lo = np.searchsorted(self._la_keys, la, "left")
        hi = np.searchsorted(self._la_keys, la, "right")
        return self._la_order[lo + (self.rng.random(len(la)) * (hi - lo)).astype(np.int64)]

    def pick(self, pool: np.ndarray, n: int) -> np.ndarray:
        return pool[self.rng.integers(0, len(pool), n)]

    def before_now(self, d: np.ndarray) -> np.ndarray:
        """Clamp start and award dates to the reference date (validation: not in the future)."""
        return np.minimum(d, self.as_of)


def _kind_code(kind: np.ndarray) -> np.ndarray:
    codes = {"primary": 0, "secondary": 1, "special": 2, "ap": 3, "independent": 4}
    return np.vectorize(codes.get, otypes=[np.int64])(kind) if len(kind) else np.zeros(0, np.int64)


def _birth_years(w: World, qts: np.ndarray, age_at_qts: tuple[int, int] = (21, 30)) -> np.ndarray:
    year = qts.astype("datetime64[Y]").astype(np.int64) + 1970
    return np.clip(year - w.rng.integers(age_at_qts[0], age_at_qts[1], len(qts)), 1930, 2015)


def teaching_years(rng: np.random.Generator, n: int) -> np.ndarray:
    """Years as a class teacher, after induction, before a SENCO or sensory post: median 1.9.

    Why so few: UCL 2019 s3.1's "about 4-5 years of teaching experience before starting the NASENCO
    or another mandatory route" counts from QTS to the course start (induction included), and the
    course starts around the post; two ECT years, these and the lag to the course make the 4-5
    years ``queries.careers.courses.course_timing`` measures (params.TEACHING_YEARS_*, issue 16).
    ``transitions`` shows these years as CLASS_TEACHER -> SENCO."""
    return P.TEACHING_YEARS_MIN + rng.gamma(P.TEACHING_YEARS_SHAPE, P.TEACHING_YEARS_SCALE, n)


def direct_entrants(rng: np.random.Generator, eligible: np.ndarray, base: int) -> np.ndarray:
    """Exactly round(10.4% of ``base``) of the ``eligible`` people, at random: those who go straight
    from ITT into the specialism (UCL 2019 KF5: 71 of 685 SENCOs). ``base`` is the cohort with a
    recorded earlier role (``queries.careers.transitions.direct_to_specialist``'s denominator)."""
    idx = np.flatnonzero(eligible)
    k = min(int(round(P.DIRECT_FROM_ITT * base)), len(idx))
    out = np.zeros(len(eligible), dtype=bool)
    out[idx[rng.permutation(len(idx))[:k]]] = True
    return out


def years_to_specialism(rng: np.random.Generator, direct: np.ndarray) -> np.ndarray:
    """Years from QTS to the first specialist post: two ECT years and :func:`teaching_years`; for
    direct entrants 0 (the post starts with induction, half of them) or part-way through induction."""
    n = len(direct)
    taught = 2.0 + teaching_years(rng, n)
    during = np.where(rng.random(n) < 0.5, 0.0, rng.uniform(0.1, 1.8, n))
    return np.where(direct, during, taught)


def teacher_start(
    w: World,
    person: np.ndarray,
    school: np.ndarray,
    qts: np.ndarray,
    until: np.ndarray,
    *,
    moved_share: float = 0.4,
    has_qts: np.ndarray | None = None,
    direct: np.ndarray | None = None,
) -> None:
    """ITT placement, QTS, two ECT years and class teaching up to ``until`` (the next role's start).

    Some teachers taught at another school of the same kind first (moves between schools).
    ``until`` may be NaT: the class-teacher post is still held. ``direct`` entrants took the next
    role straight from ITT (``until`` falls inside induction): their induction runs its two years at
    ``school`` alongside it, and they teach as class teachers afterwards only if ``until`` is NaT.
    """
    rng = w.rng
    n = len(person)
    direct = np.zeros(n, dtype=bool) if direct is None else direct
    placement = w.similar_school(school)
    first = np.where((rng.random(n) < moved_share) & ~direct, w.similar_school(school), school)
    itt_start = years_before(qts, np.ones(n))
    ect_end = years_after(qts, 2.0)
    w.posts.add(
        person=person,
        urn=w.urn[placement],
        role="ITT_TRAINEE",
        start_date=itt_start,
        end_date=qts,
        fte=np.ones(n),
    )
    full_ect = np.isnat(until) | direct
    ongoing_ect = full_ect & (ect_end > w.as_of)
    w.posts.add(
        person=person,
        urn=w.urn[first],
        role="ECT",
        start_date=qts,
        end_date=np.where(ongoing_ect, NAT, np.where(full_ect, ect_end, np.minimum(ect_end, until))),
    )
    ct_start = ect_end
    teaching = ~ongoing_ect & (np.isnat(until) | (until > ct_start))
    # a move part-way: class teacher at the first school, then at this school
    move = teaching & (first != school)
    span = years_between(ct_start, np.where(np.isnat(until), w.as_of, until))
    move_at = years_after(ct_start, np.maximum(span, 0) * rng.uniform(0.2, 0.8, n))
    move &= move_at > ct_start
    w.posts.add(
        move, person=person, urn=w.urn[first], role="CLASS_TEACHER", start_date=ct_start, end_date=move_at
    )
    stay_start = np.where(move, move_at, ct_start)
    w.posts.add(
        teaching,
        person=person,
        urn=w.urn[school],
        role="CLASS_TEACHER",
        start_date=stay_start,
        end_date=until,
        fte=np.where(rng.random(n) < 0.2, 0.6, 1.0),
    )
    holds = np.ones(n, dtype=bool) if has_qts is None else has_qts
    w.quals.add(
        holds,
        person=person,
        qualification="QTS",
        awarded_date=qts,
        started_date=itt_start,
        provider_id=w.pick(w.universities, n),
    )


def award(
    w: World,
    person: np.ndarray,
    qual: np.ndarray | str,
    course_start: np.ndarray,
    providers: np.ndarray,
    mask: np.ndarray | None = None,
    years: float = COURSE_YEARS,
) -> None:
    """Held if the course finished by ``as_of``, otherwise being studied (STUDYING, expected date)."""
    n = len(person)
    mask = np.ones(n, dtype=bool) if mask is None else mask
    course_start = w.before_now(course_start)
    done = years_after(course_start, years)
    held = mask & (done <= w.as_of)
    w.quals.add(
        held,
        person=person,
        qualification=qual if isinstance(qual, np.ndarray) else np.full(n, qual, dtype=object),
        awarded_date=done,
        started_date=course_start,
        provider_id=w.pick(providers, n),
    )
    w.studying.add(
        mask & ~held,
        person=person,
        qualification=qual if isinstance(qual, np.ndarray) else np.full(n, qual, dtype=object),
        start_date=course_start,
        expected_date=done,
        provider_id=w.pick(providers, n),
    )


def senco_award(w: World, person: np.ndarray, course_start: np.ndarray, mask: np.ndarray) -> None:
    """NASENCO for courses started before 1 Sep 2024, the NPQ for SENCOs after (SI 2024/535)."""
    course_start = w.before_now(course_start)
    qual = np.where(course_start < day(P.NASENCO_CUTOFF), "NASENCO", "NPQ_SENCO").astype(object)
    award(w, person, qual, course_start, w.universities, mask)


def senco_cohort(w: World) -> np.ndarray:
    """One SENCO per school that has one; returns the person of each school's SENCO (-1 if none).

    Built so the SENCO figures hold by construction (exact shares, UCL 2019 s6; DOMAIN.md):
    53% hold or study the award; 13.6% neither hold nor study it and are not exempt; the rest
    (33.4%) neither hold nor study it and are exempt (SI 2014/1530 reg. 49): 28.4% were first
    appointed before 1 Sep 2009, and 5% (``SENCO_EXEMPT_BY_SERVICE``) were first appointed after it
    but served more than 12 months (1.5-5 years) as SENCO at another school before moving to this
    one. Time in the role (range 0-28): later appointments on [0, 16) with recent ones commoner;
    those before Sep 2009 on (16, 28] with a shape solved so the mean is 11.52 years (UCL 2019
    s6.1). 44.5% are on the SLT (primary 54.7%, secondary 19.1%); 75% hold another role at the
    same time. 10.4% went straight from ITT into the post (:func:`direct_entrants`); the others
    taught :func:`teaching_years` after induction. Those appointed since Sep 2009 with the award start
    it within a year of appointment (QTS -> course start: median about 4.5 years, UCL 2019 s3.1);
    those appointed earlier took it in 2009-14, long after QTS.
    """
    rng, s = w.rng, w.schools
    n_s = len(s.frame)
    state = s.kind != "independent"
    mainstream = np.isin(s.kind, ["primary", "secondary"])
    shared = (s.fed_lead >= 0) & (s.fed_lead != np.arange(n_s))
    shared &= rng.random(n_s) < 0.4  # 40% of federations share one SENCO (a federation SENCO)
    has = np.where(state, ~(mainstream & (rng.random(n_s) < 0.02)), rng.random(n_s) < 0.8) & ~shared
    school = np.flatnonzero(has)
    n = len(school)
    person = w.new_people(n, np.zeros(n))
    w.birth_year.pop()

    cut = max(0.5, min(P.SENCO_MAX_TENURE - 0.5, years_between(day(P.SENCO_RULE_START), w.as_of)))
    b, a_old = P.SENCO_NEITHER_NOT_EXEMPT, P.SENCO_OLD_WITH_AWARD
    d = P.SENCO_EXEMPT_BY_SERVICE if cut >= 2.5 else 0.0  # room for > 12 months' service since 2009
    cat = exact_labels(
        rng,
        n,
        {
            "A_old": a_old,
            "A_young": P.SENCO_AWARD_HELD_OR_STUDYING - a_old,
            "B": b,
            "C": 1 - P.SENCO_AWARD_HELD_OR_STUDYING - b - d,
            "D": d,
        },
    )
    old = np.isin(cat, ["A_old", "C"])
    by_service = cat == "D"
    r = rng.random(n)
    young_tenure = np.maximum(cut * (1 - np.sqrt(r)), 0.05)
    prior = rng.uniform(1.5, 5.0, n)  # D: years as SENCO at the earlier school (> 12 months)
    d_tenure = np.minimum(prior + rng.uniform(0.5, 8.0, n), cut - 0.1)
    prior = np.minimum(prior, d_tenure - 0.3)
    # old tenure = cut + (max - cut) * (1 - r^(1/k)), mean cut + (max - cut) / (k + 1): solve k so
    # the mean over everyone is SENCO_MEAN_TENURE given the young and D tenures actually drawn (as
    # measured from their start dates, floored to the month; the old ones' flooring adds half a month)
    young = np.where(by_service, d_tenure, young_tenure)[~old]
    drawn = years_between(years_before(w.as_of, young), w.as_of).sum()
    need = (P.SENCO_MEAN_TENURE * n - drawn) / max(int(old.sum()), 1) - 0.5 / 12
    frac = min(max((need - cut) / (P.SENCO_MAX_TENURE - cut), 0.1), 0.9)
    old_tenure = cut + (P.SENCO_MAX_TENURE - cut) * (1 - r ** (frac / (1 - frac)))
    tenure = np.where(old, old_tenure, np.where(by_service, d_tenure, young_tenure))
    start = years_before(w.as_of, tenure)  # first SENCO appointment

    phase = s.frame["phase"].to_numpy()[school]
    slt = np.zeros(n, dtype=bool)
    for ph, share in (("Primary", P.SENCO_SLT_PRIMARY), ("Secondary", P.SENCO_SLT_SECONDARY)):
        m = np.flatnonzero(phase == ph)
        slt[m] = exact_flags(rng, len(m), share)
    rest = np.flatnonzero(~np.isin(phase, ["Primary", "Secondary"]))
    want_rest = int(round(P.SENCO_SLT * n)) - int(slt.sum())
    slt[rest] = exact_flags(rng, len(rest), min(max(want_rest, 0), len(rest)) / max(len(rest), 1))
    other = exact_flags(rng, n, P.SENCO_OTHER_ROLE)
    no_qts = exact_flags(rng, n, P.SENCO_NO_QTS)
    r = rng.random(n)
    head_p = np.where(phase == "Primary", 0.15, 0.03)
    other_role = np.where(
        ~other,
        None,
        np.where(
            slt & ~no_qts & (r < head_p),
            "HEAD",
            np.where(slt & (r < head_p + 0.45), "DEPUTY_HEAD", np.where(no_qts, "HLTA", "CLASS_TEACHER")),
        ),
    ).astype(object)
    keeps_teaching = other_role == "CLASS_TEACHER"

    # earlier career: induction and teaching_years (UCL 2019 s3.1) before the first SENCO post, or straight
    # from ITT (10.4%): those still within their ECT years hold a concurrent class-teaching role
    movers = np.isin(cat, ["A_old", "A_young", "C"]) & (tenure >= 2)
    moved = movers & (rng.random(n) < (P.SENCO_MOVED - d) / (1 - b - d))
    here = school
    earlier = np.where(moved | by_service, w.similar_school(here), here)
    same = np.flatnonzero(by_service & (earlier == here))  # D must have served at another school
    earlier[same] = w.school_in_la(s.la_pos[here[same]])
    move_at = years_after(start, np.where(by_service, prior, tenure * rng.uniform(0.3, 0.7, n)))
    moved = (moved & (move_at > start) & (earlier != here)) | by_service
    cur_start = np.where(moved, move_at, start)
    # direct entrants are not movers, and those not teaching as well have finished induction
    can = ~no_qts & ~moved & (~other | keeps_teaching) & ((tenure >= 2.5) | keeps_teaching)
    direct = direct_entrants(rng, can, n)
    qts = years_before(start, years_to_specialism(rng, direct))
    w.birth_year.append(_birth_years(w, qts))

    teach = ~no_qts
    # class teaching continues alongside the SENCO post where the SENCO also teaches
    teacher_start(
        w,
        person[teach],
        np.where(moved, earlier, here)[teach],
        qts[teach],
        np.where(keeps_teaching & ~moved, NAT, start)[teach],
        moved_share=0.3,
        direct=direct[teach],
    )
    w.posts.add(
        keeps_teaching & moved,
        person=person,
        urn=w.urn[here],
        role="CLASS_TEACHER",
        start_date=cur_start,
        end_date=NAT,
        fte=np.full(n, 0.5),
    )
    # TA route (no QTS): TA -> HLTA -> SENCO
    ta_start = years_before(start, 3 + rng.uniform(0, 6, n))
    hlta_at = years_before(start, rng.uniform(0.5, 2.5, n))
    w.posts.add(no_qts, person=person, urn=w.urn[earlier], role="TA", start_date=ta_start, end_date=hlta_at)
    w.posts.add(
        no_qts,
        person=person,
        urn=w.urn[earlier],
        role="HLTA",
        start_date=hlta_at,
        end_date=np.where(other_role == "HLTA", NAT, start),
    )
    w.quals.add(no_qts, person=person, qualification="HLTA_STATUS", awarded_date=hlta_at)

    w.posts.add(
        moved,
        person=person,
        urn=w.urn[earlier],
        role="SENCO",
        start_date=start,
        end_date=move_at,
        fte=np.full(n, 0.5),
        slt=slt,
    )
    w.posts.add(
        person=person,
        urn=w.urn[here],
        role="SENCO",
        start_date=cur_start,
        end_date=NAT,
        fte=np.where(other, 0.5, 1.0),
        slt=slt,
    )
    lead_start = years_after(cur_start, years_between(cur_start, w.as_of) * rng.uniform(0, 0.8, n))
    for role in ("HEAD", "DEPUTY_HEAD"):
        w.posts.add(
            other_role == role,
            person=person,
            urn=w.urn[here],
            role=role,
            start_date=lead_start,
            end_date=NAT,
            fte=np.full(n, 0.5),
            slt=np.ones(n, dtype=bool),
        )

    # the award: within a year or so of appointment (young), or in 2009-14 (appointed before 2009)
    a = np.isin(cat, ["A_old", "A_young"])
    rule = day(P.SENCO_RULE_START)
    course = np.where(
        old,
        years_after(np.maximum(start, rule), rng.uniform(0, 5, n)),
        years_after(start, np.minimum(1.0, years_between(start, w.as_of)) * rng.random(n)),
    )
    senco_award(w, person, course, a)
    w.quals.add(
        rng.random(n) < 0.1,
        person=person,
        qualification="MA_SEN",
        awarded_date=years_before(start, rng.uniform(0, 2, n)),
    )

    # federation SENCOs also serve the partner school
    partner = np.flatnonzero(shared)
    lead_person = np.full(n_s, -1, dtype=np.int64)
    lead_person[school] = person
    fed_person = lead_person[s.fed_lead[partner]]
    ok = fed_person >= 0
    partner, fed_person = partner[ok], fed_person[ok]
    pos = np.searchsorted(school, s.fed_lead[partner])
    fed_start = np.maximum(cur_start[pos], years_before(w.as_of, rng.uniform(0.2, 6, len(partner))))
    w.posts.add(
        person=fed_person,
        urn=w.urn[partner],
        role="SENCO",
        start_date=fed_start,
        end_date=NAT,
        fte=np.full(len(partner), 0.3),
        slt=slt[pos],
    )
    lead_person[partner] = fed_person
    w.senco_people = person
    w.senco_of_school = lead_person
    w.head_of_school = np.full(n_s, -1, dtype=np.int64)
    w.head_of_school[school[other_role == "HEAD"]] = person[other_role == "HEAD"]
    head_here = np.zeros(n_s, dtype=bool)
    head_here[school[other_role == "HEAD"]] = True
    return head_here


def leadership(w: World, head_taken: np.ndarray) -> None:
    """Heads (a fifth were SENCOs first: SENCO -> head is the commonest exit, UCL 2019 s6.1) and deputies."""
    rng, s = w.rng, w.schools
    n_s = len(s.frame)
    school = np.flatnonzero(~head_taken)
    n = len(school)
    tenure = rng.uniform(0.1, 14, n)
    start = years_before(w.as_of, tenure)
    ex_senco = rng.random(n) < 0.2
    step = years_before(start, np.where(ex_senco, rng.uniform(2, 10, n), rng.uniform(2, 7, n)))
    # ex-SENCOs came to the SENCO post like the SENCO cohort (teaching_years, or from ITT)
    direct = direct_entrants(rng, ex_senco, int(ex_senco.sum()))
    qts = np.where(
        ex_senco,
        years_before(step, years_to_specialism(rng, direct)),
        years_before(start, 10 + rng.gamma(3.0, 2.5, n)),
    )
    person = w.new_people(n, _birth_years(w, qts))
    prev = w.similar_school(school)
    teacher_start(w, person, np.where(direct, prev, w.similar_school(school)), qts, step, direct=direct)
    w.posts.add(
        person=person,
        urn=w.urn[prev],
        role=np.where(ex_senco, "SENCO", "DEPUTY_HEAD").astype(object),
        start_date=step,
        end_date=start,
        slt=~ex_senco | (rng.random(n) < 0.5),
    )
    senco_award(w, person, years_after(step, rng.uniform(0, 1, n)), ex_senco & (rng.random(n) < 0.7))
    w.posts.add(person=person, urn=w.urn[school], role="HEAD", start_date=start, slt=np.ones(n, dtype=bool))
    w.head_of_school[school] = person

    deputies = np.select([s.kind == "secondary", s.kind == "ap"], [3, 1], 1)
    deputies = np.where(s.frame["pupils"].to_numpy() < 100, 0, deputies)
    school = np.repeat(np.arange(n_s), deputies)
    n = len(school)
    start = years_before(w.as_of, rng.uniform(0.1, 10, n))
    qts = years_before(start, 6 + rng.gamma(2.0, 3.0, n))
    person = w.new_people(n, _birth_years(w, qts))
    teacher_start(w, person, school, qts, start, moved_share=0.5)
    w.posts.add(
        person=person, urn=w.urn[school], role="DEPUTY_HEAD", start_date=start, slt=np.ones(n, dtype=bool)
    )


def classroom(w: World) -> None:
    """Class teachers, ECTs, ITT trainees and assistant SENCOs, in proportion to pupils."""
    rng, s = w.rng, w.schools
    ratio = np.select(
        [s.kind == "primary", s.kind == "secondary", s.kind == "special", s.kind == "ap"],
        [21.0, 17.0, 6.5, 7.0],
        9.5,
    )
    pupils = s.frame["pupils"].to_numpy()
    n_teach = np.maximum(1, np.round(pupils / ratio).astype(np.int64) - 2)
    school = np.repeat(np.arange(len(pupils)), n_teach)
    n = len(school)
    experience = np.where(rng.random(n) < 0.09, rng.uniform(0.05, 1.99, n), 2.0 + rng.gamma(1.6, 6.5, n))
    experience = np.minimum(experience, 40)
    qts = years_before(w.as_of, experience)
    person = w.new_people(n, _birth_years(w, qts))
    teacher_start(w, person, school, qts, np.full(n, NAT))
    # some teachers study SEND qualifications (SpLD, PGCert) - the pipeline toward specialist roles
    w.quals.add(
        rng.random(n) < 0.03,
        person=person,
        qualification="PGCERT_SEN",
        awarded_date=years_after(qts, np.minimum(experience, 6) * rng.random(n)),
    )
    w.quals.add(
        rng.random(n) < 0.01,
        person=person,
        qualification="SPLD_L7",
        awarded_date=years_after(qts, np.minimum(experience, 8) * rng.random(n)),
    )

    # assistant / aspiring SENCOs: half of secondaries, a few primaries; many studying the award
    asst = np.flatnonzero(
        rng.random(len(pupils)) < np.select([s.kind == "secondary", s.kind == "special"], [0.5, 0.1], 0.03)
    )
    n = len(asst)
    start = years_before(w.as_of, rng.uniform(0.1, 4, n))
    direct = direct_entrants(rng, np.ones(n, dtype=bool), n)
    qts = years_before(start, years_to_specialism(rng, direct))
    person = w.new_people(n, _birth_years(w, qts))
    teacher_start(w, person, asst, qts, NAT + np.zeros(n, dtype="timedelta64[D]"), direct=direct)
    w.posts.add(person=person, urn=w.urn[asst], role="ASSISTANT_SENCO", start_date=start, fte=np.full(n, 0.4))
    senco_award(w, person, years_after(start, rng.uniform(0, 1.5, n)), rng.random(n) < 0.5)

    # ITT trainees on placement this year (QTS being studied)
    trainees = np.flatnonzero(rng.random(len(school)) < 0.05)
    school_t = school[trainees]
    n = len(school_t)
    start = years_before(w.as_of, rng.uniform(0.0, 0.9, n))
    person = w.new_people(n, _birth_years(w, start))
    w.posts.add(person=person, urn=w.urn[school_t], role="ITT_TRAINEE", start_date=start)
    w.studying.add(
        person=person,
        qualification=np.full(n, "QTS", dtype=object),
        start_date=start,
        expected_date=years_after(start, 1.0),
        provider_id=w.pick(w.universities, n),
    )


def support_staff(w: World) -> None:
    """Teaching assistants: TA -> HLTA -> SEND-lead TA (one broad area of need); TA L3, HLTA status."""
    rng, s = w.rng, w.schools
    per_ta = np.select(
        [s.kind == "primary", s.kind == "secondary", s.kind == "special", s.kind == "ap"],
        [22.0, 40.0, 2.6, 9.0],
        30.0,
    )
    n_ta = np.maximum(1, np.round(s.frame["pupils"].to_numpy() / per_ta).astype(np.int64))
    school = np.repeat(np.arange(len(n_ta)), n_ta)
    n = len(school)
    level = rng.choice(3, n, p=[0.85, 0.10, 0.05])  # TA, HLTA, SEND-lead TA
    years = rng.uniform(0.1, 22, n)
    t0 = years_before(w.as_of, years)
    person = w.new_people(
        n, np.clip(t0.astype("datetime64[Y]").astype(np.int64) + 1970 - rng.integers(18, 45, n), 1930, 2015)
    )
    hlta_at = years_after(t0, years * rng.uniform(0.3, 0.7, n))
    lead_at = years_after(hlta_at, years_between(hlta_at, w.as_of) * rng.uniform(0.3, 0.9, n))
    # a step that would last no time (dates floored to the same month) is not taken
    level = np.where((level >= 1) & (hlta_at <= t0), 0, level)
    level = np.where((level == 2) & (lead_at <= hlta_at), 1, level)
    moved = rng.random(n) < 0.25
    first = np.where(moved, w.similar_school(school), school)
    fte = rng.choice([0.5, 0.6, 0.8, 1.0], n)
    w.posts.add(
        person=person,
        urn=w.urn[first],
        role="TA",
        start_date=t0,
        end_date=np.where(level == 0, NAT, hlta_at),
        fte=fte,
    )
    w.posts.add(
        level >= 1,
        person=person,
        urn=w.urn[school],
        role="HLTA",
        start_date=hlta_at,
        end_date=np.where(level == 1, NAT, lead_at),
        fte=fte,
    )
    w.posts.add(
        level == 2, person=person, urn=w.urn[school], role="SEND_LEAD_TA", start_date=lead_at, fte=fte
    )
    w.quals.add(
        rng.random(n) < 0.6,
        person=person,
        qualification="TA_L3",
        awarded_date=years_after(t0, np.minimum(years, 2) * rng.random(n)),
    )
    w.quals.add(level >= 1, person=person, qualification="HLTA_STATUS", awarded_date=hlta_at)


def leavers(w: World, share: float = 0.11) -> None:
    """People who have left (every post ended): teachers, a few ex-SENCOs, and TAs."""
    rng = w.rng
    n = int(round(w.n_people * share))
    school = (rng.random(n) * len(w.urn)).astype(np.int64)
    left = years_before(w.as_of, rng.uniform(0.1, 12, n))
    teacher = rng.random(n) < 0.6
    was_senco = teacher & (rng.random(n) < 0.08)
    senco_from = years_before(left, rng.uniform(1, 6, n))
    until = np.where(was_senco, senco_from, left)
    # ex-SENCOs came like the SENCO cohort; direct entrants stayed past their two ECT years
    direct = direct_entrants(rng, was_senco & (years_between(senco_from, left) >= 2.0), int(was_senco.sum()))
    qts = np.where(
        was_senco,
        years_before(senco_from, years_to_specialism(rng, direct)),
        years_before(until, 2.5 + rng.gamma(1.5, 5.0, n)),
    )
    ta_start = years_before(left, rng.uniform(0.5, 10, n))
    birth = np.where(teacher, _birth_years(w, qts), _birth_years(w, ta_start, (18, 45)))
    person = w.new_people(n, birth)
    t = np.flatnonzero(teacher)
    teacher_start(w, person[t], school[t], qts[t], until[t], moved_share=0.4, direct=direct[t])
    w.posts.add(
        was_senco, person=person, urn=w.urn[school], role="SENCO", start_date=senco_from, end_date=left
    )
    senco_award(w, person, years_after(senco_from, rng.uniform(0, 1, n)), was_senco & (rng.random(n) < 0.6))
    w.posts.add(~teacher, person=person, urn=w.urn[school], role="TA", start_date=ta_start, end_date=left)
