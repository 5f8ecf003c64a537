"""The published survey figures, measured on any graph: the calibration table of DOMAIN.md.

One row per figure: ``figure``, ``value``, ``target``, ``numerator``, ``denominator``, ``source``.
It runs on real data as well as synthetic, so an analyst can set a real workforce against the UCL
2019 survey; the synthetic generator (``loaders/synthetic``) is checked against it, and it never
special-cases synthetic data.

Every figure is evaluated **as of a date** (default: the generator's reference date, 1 Sep 2025),
with the conventions of :mod:`queries.posts`: a post is current when ``start_date <= as_of`` and
``end_date`` is blank or on/after ``as_of``; a qualification is held when awarded on or before
``as_of``; a person is studying when their course started on or before ``as_of``.

Bases (who is counted), following the UCL digest:

- **Current SENCOs**: distinct people holding a current SENCO post at any school (any kind: the
  survey's 685 SENCOs came from all settings). A SENCO serving two schools (a federation) counts
  once; their *main* post is the current SENCO post that started first (ties: lowest URN), and its
  school's GIAS phase is the SENCO's phase.
- ``senco_award_held_or_studying`` (target 53%, 365/685, UCL s6.3): holds NASENCO or the NPQ for
  SENCOs, or is studying for either.
- ``senco_neither_not_exempt`` (target 13.6%, 93/685, UCL s6.3 "29% of the 320"): neither holds nor
  studies the award *and* is not exempt: first appointed SENCO on or after 1 Sep 2009 and with no
  more than 12 months of SENCO service before the main post started (SI 2014/1530 reg. 50), judged by
  the audit's one rule (:func:`queries.audits.senco.more_than_twelve_months`: 12 calendar months).
  As a share of all current SENCOs, as the digest recomputes it.
- ``senco_on_slt`` (44.5%, 305/685), ``senco_on_slt_primary`` (54.7%, 233/426),
  ``senco_on_slt_secondary`` (19.1%, 34/178) (UCL s6.2): any current post of the person carries
  ``slt``. Phase bases: SENCOs whose main school's phase is Primary / Secondary.
- ``senco_with_another_role`` (75%, 515/685, UCL s6.2): holds a current post in another role
  (class teacher, head, deputy, HLTA...) at any school on ``as_of``.
- ``senco_mean_tenure_years`` (11.52 years, UCL s6.1): mean years from the person's first SENCO
  appointment (earliest SENCO post at any school) to ``as_of``; numerator is the total years.
- ``sensory_specialists_no_sensory_qualification`` (18%, 14/78, UCL s5.2): people in a current VI /
  HI / MSI class-teacher post or LA sensory-service post (roles whose catalogue ``need`` is VI, HI or
  MSI) holding none of MQ_VI, MQ_HI, MQ_MSI, ED_AUDIOLOGIST, HABILITATION (studying does not count).
- ``pd_specialists_no_relevant_qualification`` (24%, 17/70, UCL s5.3): people in a current
  PD_SPECIALIST post holding none of PD_CERT, PGCERT_SEN, MA_SEN, PHD_SEN, NASENCO, NPQ_SENCO.
- ``schools_not_networking`` (19%, 156/817, UCL s4.5): schools in operation on ``as_of`` with no
  active tie to another school: no current membership of any network at ``attended_training`` or a
  higher rung of the participation ladder (mailing lists and downloads are not networking), no
  federation or other group shared with another school (``group_memberships`` current on ``as_of``),
  no cluster / collaboration link (``school_links``), and no peer review given or received
  on or before ``as_of``. Trust membership alone does not count (the survey asked about networking).
- ``wss_schools_downloaded_or_trained`` (about one fifth, WSS evaluation Conclusions: ~5,000
  schools): schools with a WSS community-of-practice membership at ``downloaded_tool`` or above,
  as a share of schools in operation. Only meaningful where that network is loaded (id ``WSS-COP``
  or the community of practice named "Whole School SEND...").
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from graphmodel.store import GraphStore
from queries.audits.senco import AWARDS, prior_service
from queries.audits.sensory import SENSES, matching_mq
from queries.context import Filters, apply_filters, schools_frame
from queries.posts import (
    current_mask,
    current_posts,
    current_service_posts,
    filter_services,
    held,
    in_operation,
    services_frame,
    studying,
    ts,
)
from queries.publish import DEFAULT_THRESHOLD, Published, Publishes, publish
from queries.registry import analysis

__all__ = [
    "DEFAULT_AS_OF",
    "PUBLISHES",
    "publish_figures",
    "survey_figures",
]

DEFAULT_AS_OF = dt.date(2025, 9, 1)
RULE_START = pd.Timestamp("2009-09-01")
OTHER_SENSORY_QUALS = ["ED_AUDIOLOGIST", "HABILITATION"]
"""Sensory qualifications that count besides the mandatory qualifications (UCL s5.2)."""
PD_QUALS = ["PD_CERT", "PGCERT_SEN", "MA_SEN", "PHD_SEN", "NASENCO", "NPQ_SENCO"]
NETWORK_LINK_WORDS = ("federation", "cluster", "collaboration")

# figure -> (target, source)
TARGETS: dict[str, tuple[float, str]] = {
    "senco_award_held_or_studying": (0.53, "UCL 2019 s6.3 (365/685)"),
    "senco_neither_not_exempt": (0.136, "UCL 2019 s6.3 (93/685)"),
    "senco_on_slt": (0.445, "UCL 2019 s6.2 (305/685)"),
    "senco_on_slt_primary": (0.547, "UCL 2019 s6.2 (233/426)"),
    "senco_on_slt_secondary": (0.191, "UCL 2019 s6.2 (34/178)"),
    "senco_with_another_role": (0.75, "UCL 2019 s6.2 (515/685)"),
    "senco_mean_tenure_years": (11.52, "UCL 2019 s6.1 (mean, range 0-28)"),
    "sensory_specialists_no_sensory_qualification": (0.18, "UCL 2019 s5.2 (14/78)"),
    "pd_specialists_no_relevant_qualification": (0.24, "UCL 2019 s5.3 (17/70)"),
    "schools_not_networking": (0.19, "UCL 2019 s4.5 (156/817)"),
    "wss_schools_downloaded_or_trained": (0.20, "WSS evaluation, Conclusions (~5,000 schools, one fifth)"),
}


def _row(figure: str, numerator: float, denominator: int) -> dict:
    target, source = TARGETS[figure]
    value = numerator / denominator if denominator else np.nan
    return {
        "figure": figure,
        "value": value,
        "target": target,
        "numerator": numerator,
        "denominator": denominator,
        "source": source,
    }


def _share(figure: str, people: pd.Index, hits: pd.Index) -> dict:
    return _row(figure, int(people.isin(hits).sum()), len(people))


def senco_table(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """One row per current SENCO: main urn, phase, first appointment, earlier service, SLT, other role."""
    t = ts(as_of)
    all_posts = store.table("posts")
    now = current_posts(store, as_of)
    senco_now = now[now["role"] == "SENCO"].sort_values(["person_id", "start_date", "urn"], kind="stable")
    main = senco_now.drop_duplicates("person_id").set_index("person_id")
    schools = store.table("schools")[["urn", "phase"]]
    phase = main["urn"].map(schools.set_index("urn")["phase"]) if len(main) else pd.Series(dtype="string")
    every = all_posts[(all_posts["role"] == "SENCO") & (all_posts["start_date"] <= t).fillna(False)]
    first = every.groupby("person_id")["start_date"].min()
    # SENCO service before the main post started: the audit's reg. 50 rule, coded once
    appointments = main[["urn", "start_date"]].rename(columns={"start_date": "appointed"}).reset_index()
    prior = prior_service(every, appointments).set_index("person_id")
    slt_people = pd.Index(now.loc[now["slt"].fillna(False).astype(bool), "person_id"].unique())
    other_people = pd.Index(now.loc[now["role"] != "SENCO", "person_id"].unique())
    out = pd.DataFrame(
        {
            "urn": main["urn"],
            "phase": phase,
            "main_start": main["start_date"],
            "first_start": first.reindex(main.index),
        }
    )
    out["prior_days"] = prior["prior_days"].reindex(main.index).fillna(0).astype("int64")
    out["prior_more"] = prior["prior_more"].reindex(main.index).fillna(False).astype(bool)
    out["slt"] = out.index.isin(slt_people)
    out["other_role"] = out.index.isin(other_people)
    return out


def _in_scope(store: GraphStore, filters: Filters) -> tuple[pd.Index | None, pd.Index | None]:
    """The urns and service ids ``filters`` keep (None, None with no filter: everything counts)."""
    if not filters.describe():
        return None, None
    urns = pd.Index(apply_filters(schools_frame(store), filters)["urn"])
    services = pd.Index(filter_services(services_frame(store), filters)["service_id"])
    return urns, services


def _keep(frame: pd.DataFrame, column: str, allowed: pd.Index | None) -> pd.DataFrame:
    return frame if allowed is None else frame[frame[column].isin(allowed).fillna(False).astype(bool)]


@analysis
def survey_figures(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """DOMAIN.md's calibration figures measured on ``store`` as of ``as_of`` (definitions above).

    ``as_of`` defaults to :data:`DEFAULT_AS_OF` (the date the targets describe). ``filters`` narrow
    every base to the schools in scope: SENCOs by their main school, specialists by the school or
    service they work in (a service matches the region and LA filters only), schools by themselves;
    the targets stay the national published figures.

    >>> survey_figures(store, filters=Filters(region="North East")).set_index("figure")  # doctest: +SKIP
    """
    as_of = as_of or DEFAULT_AS_OF
    scope_urns, scope_services = _in_scope(store, filters)
    t = ts(as_of)
    rows = []
    sencos = _keep(senco_table(store, as_of), "urn", scope_urns)
    people = pd.Index(sencos.index)
    award = pd.Index(
        pd.concat(
            [held(store, as_of, AWARDS)["person_id"], studying(store, as_of, AWARDS)["person_id"]]
        ).unique()
    )
    rows.append(_share("senco_award_held_or_studying", people, award))
    exempt = (sencos["first_start"] < RULE_START) | sencos["prior_more"]
    neither = ~people.isin(award) & ~exempt.to_numpy()
    rows.append(_row("senco_neither_not_exempt", int(neither.sum()), len(people)))
    rows.append(_row("senco_on_slt", int(sencos["slt"].sum()), len(sencos)))
    for phase, name in (("Primary", "senco_on_slt_primary"), ("Secondary", "senco_on_slt_secondary")):
        sub = sencos[sencos["phase"] == phase]
        rows.append(_row(name, int(sub["slt"].sum()), len(sub)))
    rows.append(_row("senco_with_another_role", int(sencos["other_role"].sum()), len(sencos)))
    years = (t - sencos["first_start"]).dt.days / 365.25
    rows.append(_row("senco_mean_tenure_years", float(years.sum()), len(sencos)))

    roles = store.table("roles")
    sensory_roles = roles.loc[roles["need"].isin(SENSES).fillna(False).astype(bool), "code"]
    sensory = pd.Index(
        pd.concat(
            [
                _keep(current_posts(store, as_of, sensory_roles), "urn", scope_urns)["person_id"],
                _keep(current_service_posts(store, as_of, sensory_roles), "service_id", scope_services)[
                    "person_id"
                ],
            ]
        ).unique()
    )
    sensory_quals = [*matching_mq(store)["required"], *OTHER_SENSORY_QUALS]
    sensory_held = pd.Index(held(store, as_of, sensory_quals)["person_id"].unique())
    rows.append(
        _row(
            "sensory_specialists_no_sensory_qualification",
            int((~sensory.isin(sensory_held)).sum()),
            len(sensory),
        )
    )
    pd_posts = _keep(current_posts(store, as_of, ["PD_SPECIALIST"]), "urn", scope_urns)
    pd_people = pd.Index(pd_posts["person_id"].unique())
    pd_held = pd.Index(held(store, as_of, PD_QUALS)["person_id"].unique())
    rows.append(
        _row(
            "pd_specialists_no_relevant_qualification", int((~pd_people.isin(pd_held)).sum()), len(pd_people)
        )
    )

    schools = _keep(in_operation(store.table("schools"), as_of), "urn", scope_urns)
    urns = pd.Index(schools["urn"].unique())
    members = store.table("school_memberships")
    ladder = list(store.schema.participation_tiers)
    rank = members["tier"].map({tier: i for i, tier in enumerate(ladder)})
    live = members[
        current_mask(members, as_of, open_start=True)
        & (rank >= ladder.index("attended_training")).fillna(False).to_numpy()
    ]
    links = store.table("school_links")
    networked_link = (
        links["kind"]
        .astype("string")
        .str.casefold()
        .str.contains("|".join(NETWORK_LINK_WORDS))
        .fillna(False)
        .astype(bool)
    )
    links = links[networked_link & (links["date"].isna() | (links["date"] <= t)).astype(bool)]
    reviews = store.table("peer_reviews")
    reviews = reviews[(reviews["date"] <= t).fillna(False).astype(bool)]
    groups = store.table("group_memberships")
    groups = groups[current_mask(groups, as_of, open_start=True).to_numpy()]
    sizes = groups.groupby("group_id")["urn"].transform("nunique")
    grouped = groups.loc[(sizes >= 2).to_numpy(), "urn"]
    tied = pd.Index(
        pd.concat(
            [
                live["urn"],
                links["urn"],
                links["linked_urn"],
                grouped,
                reviews["reviewer_urn"],
                reviews["reviewed_urn"],
            ]
        )
        .dropna()
        .unique()
    )
    rows.append(_row("schools_not_networking", int((~urns.isin(tied)).sum()), len(urns)))

    networks = store.table("networks")
    wss = networks.loc[
        (networks["network_id"] == "WSS-COP").fillna(False).astype(bool)
        | networks["name"].str.startswith("Whole School SEND").fillna(False).astype(bool),
        "network_id",
    ]
    wss_m = members[
        members["network_id"].isin(wss).fillna(False).astype(bool)
        & (rank >= ladder.index("downloaded_tool")).fillna(False).to_numpy()
        & (members["start_date"].isna() | (members["start_date"] <= t)).astype(bool)
    ]
    rows.append(
        _row("wss_schools_downloaded_or_trained", int(urns.isin(wss_m["urn"].unique()).sum()), len(urns))
    )
    return pd.DataFrame(rows)


PUBLISHES = Publishes(
    counts=("numerator", "denominator"), rates={"value": ("numerator", "denominator")}, additive=False
)
"""What :func:`survey_figures` publishes (the figures are shares of small bases in a small region)."""


def publish_figures(
    frame: pd.DataFrame,
    *,
    as_of: dt.date,
    source: str,
    filters: Filters = Filters(),
    suppress: bool = True,
    threshold: int = DEFAULT_THRESHOLD,
) -> Published:
    """The figures as a published table (rounded for reading), through :func:`queries.publish.publish`.

    One function for the ``figures`` command and the demo, so both print the same table.
    """
    shown = frame.copy()
    shown["value"] = shown["value"].round(4)
    shown["numerator"] = shown["numerator"].round(1)
    return publish(
        shown,
        PUBLISHES,
        title="Survey figures against their published targets",
        source=source,
        as_of=as_of,
        filters=filters,
        threshold=threshold,
        suppress=suppress,
        definitions="queries/survey_figures.py (bases and dates for each figure)",
    )
