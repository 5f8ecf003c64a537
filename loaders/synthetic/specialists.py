"""Low-incidence specialists: sensory (QTVI / QTHI / QTMSI) teachers, LA sensory services, PD specialists.

Class teachers of pupils with sensory impairment work in special schools and resourced provision
that serve VI / HI / MSI; advisory teachers work in one LA sensory service per LA, staffed roughly
in proportion to the LA's real EHC plans for that need, with a fifth of LAs well short (the capacity
gaps the audits must find). The route is QTS -> teaching -> MQ -> class or advisory post (UCL 2019
s3.2), the MQ course starting a median of about 4.5 years after QTS: 40% finished it before the
post, the rest start it in their first year in post (:func:`mq_lead`); some came from being a SENCO.
10.4% of class sensory teachers and of teachers among PD specialists took the post straight from ITT
(UCL 2019 KF5; :func:`careers.direct_entrants`); advisory posts always follow classroom experience.
Exactly 18% hold no sensory qualification (UCL 2019 s5.2, 14/78) and 24% of PD specialists no
relevant qualification (s5.3, 17/70).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.synthetic import params as P
from loaders.synthetic.careers import (
    World,
    _birth_years,
    award,
    direct_entrants,
    teacher_start,
    years_to_specialism,
)
from loaders.synthetic.dates import NAT, exact_flags, years_after, years_before, years_between
from loaders.synthetic.geography import Scope
from loaders.synthetic.records import Rows

SENSES = ("VI", "HI", "MSI")
SENSORY_QUALS = ("MQ_VI", "MQ_HI", "MQ_MSI", "ED_AUDIOLOGIST", "HABILITATION")
PD_QUALS = ("PD_CERT", "PGCERT_SEN", "MA_SEN", "NASENCO", "PHD_SEN")


def mq_lead(rng: np.random.Generator, direct: np.ndarray) -> np.ndarray:
    """Years by which the MQ course starts before the first sensory post: 3-4 years for
    ``params.SENSORY_MQ_BEFORE_POST`` of those who did not come straight from ITT (the UCL route
    QTS -> teaching -> MQ -> post, the MQ finished before it), else 0 (the course starts in post).
    The lead is added to their years of class teaching, so the time from QTS to the course start
    is the same for both."""
    n = len(direct)
    ahead = ~direct & (rng.random(n) < P.SENSORY_MQ_BEFORE_POST)
    return np.where(ahead, rng.uniform(3.0, 4.0, n), 0.0)


def sensory_services(scope: Scope) -> pd.DataFrame:
    """One LA sensory support service per LA in scope."""
    return pd.DataFrame(
        {
            "service_id": "SYN-SVC-" + scope.las["code"] + "-SENSORY",
            "name": scope.las["name"] + " sensory support service (synthetic)",
            "la_code": scope.las["code"],
            "kind": "sensory",
        }
    )


def sensory_specialists(w: World, scope: Scope, services: pd.DataFrame) -> Rows:
    """Class QTxI teachers in schools and advisory teachers in LA services; returns service_posts."""
    rng, s = w.rng, w.schools
    service_posts = Rows(
        {
            "person": np.int64(-1),
            "service_id": None,
            "role": None,
            "start_date": NAT,
            "end_date": NAT,
            "fte": np.float64(1.0),
        }
    )
    # class teachers: 1-3 per sense in special schools serving it, 1 in resourced provision for it
    people, senses, starts, firsts, leads = [], [], [], [], []
    for sense in SENSES:
        serves = s.provides(sense)
        per = np.where(s.kind == "special", rng.integers(1, 4, len(serves)), 1) * serves
        school = np.repeat(np.arange(len(per)), per)
        n = len(school)
        start = years_before(w.as_of, rng.uniform(0.1, 15, n))
        # direct entrants from ITT: only those past their ECT years (no current ECT post)
        direct = direct_entrants(rng, years_between(start, w.as_of) >= 2.0, n)
        # multi-step routes (issue 16; params.SENSORY_VIA_SENCO / SENSORY_CAREER_BREAK): some held a
        # SENCO post first, some had a career break while class teaching; the years of class
        # teaching before the next post stay those of years_to_specialism either way
        route = rng.random(n)
        via_senco = ~direct & (route < P.SENSORY_VIA_SENCO)
        on_break = ~direct & ~via_senco & (route < P.SENSORY_VIA_SENCO + P.SENSORY_CAREER_BREAK)
        senco_start = years_before(start, np.where(via_senco, rng.uniform(2.0, 5.0, n), 0.0))
        gap = np.where(on_break, rng.uniform(1.5, 3.0, n), 0.0)
        # those who take the MQ before the post teach that much longer first (mq_lead)
        lead = mq_lead(rng, direct)
        to_specialism = years_to_specialism(rng, direct) + lead
        qts = years_before(senco_start, to_specialism + gap)
        # the break starts part-way through the class-teaching years (after the two ECT years)
        break_at = years_after(qts, 2.0 + np.maximum(to_specialism - 2.0, 0.5) * rng.uniform(0.3, 0.7, n))
        back = years_after(break_at, gap)
        first_until = np.where(on_break, break_at, senco_start)
        person = w.new_people(n, _birth_years(w, qts))
        teacher_start(w, person, school, qts, first_until, direct=direct)
        w.posts.add(
            on_break, person=person, urn=w.urn[school], role="CLASS_TEACHER", start_date=back, end_date=start
        )
        w.posts.add(
            via_senco, person=person, urn=w.urn[school], role="SENCO", start_date=senco_start, end_date=start
        )
        w.posts.add(person=person, urn=w.urn[school], role=f"QT{sense}_TEACHER", start_date=start)
        people.append(person), senses.append(np.full(n, sense, dtype=object)), starts.append(start)
        firsts.append(start), leads.append(lead)

    # advisory teachers: need / pupils-per-FTE, a fifth of LAs staffed at 30-60% of that
    short = exact_flags(rng, len(scope.las), P.SHORT_LA_SHARE)
    factor = np.where(short, rng.uniform(0.3, 0.6, len(scope.las)), rng.uniform(0.85, 1.2, len(scope.las)))
    for sense in SENSES:
        count = np.round(scope.las[sense].to_numpy() / P.ADVISORY_PUPILS_PER_FTE[sense] * factor).astype(
            np.int64
        )
        la = np.repeat(np.arange(len(count)), count)
        n = len(la)
        start = years_before(w.as_of, rng.uniform(0.1, 18, n))
        was_class = years_before(start, rng.uniform(1, 6, n))
        path = rng.random(n)  # 50% were class QTxI teachers first, 15% were SENCOs
        # 4-5 years' class teaching before the first specialist post (UCL 2019 s3.1); 10.4% took
        # that first class or SENCO post straight from ITT (never the advisory post itself)
        first_post = np.where(path < 0.65, was_class, start)
        # (induction over before they join the service)
        direct = direct_entrants(rng, (path < 0.65) & (years_between(was_class, start) >= 2.0), n)
        lead = mq_lead(rng, direct)
        qts = years_before(first_post, years_to_specialism(rng, direct) + lead)
        person = w.new_people(n, _birth_years(w, qts))
        school = w.school_in_la(la)
        teacher_start(w, person, school, qts, first_post, direct=direct)
        w.posts.add(
            path < 0.5,
            person=person,
            urn=w.urn[school],
            role=f"QT{sense}_TEACHER",
            start_date=was_class,
            end_date=start,
        )
        w.posts.add(
            (path >= 0.5) & (path < 0.65),
            person=person,
            urn=w.urn[school],
            role="SENCO",
            start_date=was_class,
            end_date=start,
        )
        service_posts.add(
            person=person,
            service_id=services["service_id"].to_numpy()[la],
            role=np.full(n, f"ADVISORY_{sense}", dtype=object),
            start_date=start,
            end_date=np.full(n, NAT),
            fte=rng.choice([0.6, 0.8, 1.0], n),
        )
        people.append(person), senses.append(np.full(n, sense, dtype=object)), starts.append(start)
        # the first sensory post: the class QTxI post for those who held one, else the advisory post
        firsts.append(np.where(path < 0.5, was_class, start)), leads.append(lead)

    person, sense, start = np.concatenate(people), np.concatenate(senses), np.concatenate(starts)
    first_sensory, lead = np.concatenate(firsts), np.concatenate(leads)
    n = len(person)
    none = exact_flags(rng, n, P.SENSORY_NO_QUAL)
    # holders: the two-year MQ course starts in the first year in the first sensory post (so it ends
    # within the 3-year allowance), like the SENCO award, or (mq_lead) 3-4 years earlier, finishing
    # before the post. Either way QTS -> course start has a median of about 4.5 years (UCL 2019 s3.2;
    # params.TEACHING_YEARS_*), as ``sendgraph course-timing`` measures it.
    mq = ("MQ_" + sense).astype(object)
    course = years_after(years_before(first_sensory, lead), rng.uniform(0.0, 1.0, n))
    got = w.before_now(years_after(course, np.full(n, 2.0)))
    for code in SENSES:
        m = ~none & (sense == code)
        w.quals.add(
            m,
            person=person,
            qualification=mq,
            awarded_date=got,
            started_date=years_before(got, np.full(n, 2.0)),
            provider_id=w.pick(w.mq_providers[f"MQ_{code}"], n),
        )
    w.quals.add(
        ~none & (sense == "HI") & (rng.random(n) < 0.15),
        person=person,
        qualification="ED_AUDIOLOGIST",
        awarded_date=got,
    )
    w.quals.add(
        ~none & (sense == "VI") & (rng.random(n) < 0.05),
        person=person,
        qualification="HABILITATION",
        awarded_date=got,
    )
    # no sensory qualification: those appointed in the last 3 years mostly studying the MQ (a
    # two-year course started within the last 18 months, so not yet held on the reference date)
    recent = years_between(start, w.as_of) < 3
    for code in SENSES:
        m = none & (sense == code) & recent & (rng.random(n) < 0.8)
        award(
            w,
            person,
            mq,
            np.maximum(start, years_before(w.as_of, rng.uniform(0, 1.5, n))),
            w.mq_providers[f"MQ_{code}"],
            m,
            years=2.0,
        )
    w.quals.add(
        none & (rng.random(n) < 0.3),
        person=person,
        qualification="PGCERT_SEN",
        awarded_date=years_before(start, rng.uniform(0, 3, n)),
    )
    return service_posts


def pd_specialists(w: World) -> None:
    """PD specialists in special schools and resourced provision serving PD; 24% hold nothing relevant."""
    rng, s = w.rng, w.schools
    serves = s.provides("PD")
    per = np.where(s.kind == "special", rng.integers(1, 3, len(serves)), 1) * serves
    school = np.repeat(np.arange(len(per)), per)
    n = len(school)
    start = years_before(w.as_of, rng.uniform(0.1, 15, n))
    teacher = rng.random(n) < 0.7  # no consistent role names or routes (UCL 2019 s3.3): some therapists
    direct = direct_entrants(rng, teacher & (years_between(start, w.as_of) >= 2.0), int(teacher.sum()))
    qts = years_before(start, years_to_specialism(rng, direct))
    person = w.new_people(n, _birth_years(w, qts))
    t = np.flatnonzero(teacher)
    teacher_start(w, person[t], school[t], qts[t], start[t], direct=direct[t])
    w.posts.add(person=person, urn=w.urn[school], role="PD_SPECIALIST", start_date=start)
    none = exact_flags(rng, n, P.PD_NO_QUAL)
    qual = np.array(PD_QUALS, dtype=object)[rng.choice(len(PD_QUALS), n, p=[0.3, 0.3, 0.2, 0.15, 0.05])]
    got = w.before_now(years_after(start, np.where(direct, rng.uniform(0, 2, n), rng.uniform(-4, 2, n))))
    w.quals.add(
        ~none,
        person=person,
        qualification=qual,
        awarded_date=got,
        started_date=years_before(got, np.full(n, 1.0)),
    )


__all__ = [
    "sensory_services",
    "sensory_specialists",
    "pd_specialists",
    "SENSORY_QUALS",
    "PD_QUALS",
    "years_after",
]
