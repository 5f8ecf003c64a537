"""The specialist pipeline: the gaps (people in post without the qualification), and the people
likely to move into the role, set against the need.

UCL 2019 KF5 / §3: teachers spend about 4–5 years before starting the NASENCO or an MQ, with
little systematic progression preparation; G1/G2 find the gaps (schools whose SENCO lacks the
award, sensory staff without the MQ). A regional lead asks: where are the people who could fill
the gaps soon? Per LA (or region), as of a date:

Two different things are counted, and named apart (issue 16): people *in* a specialist post
without its qualification are a compliance **gap** (``sensory_posts_without_mq``; the SENCO gaps
are the ``schools_*`` columns), while people *likely to move into* a role are the **pipeline**
(``likely_senco``, ``likely_sensory``, ``senco_in_training``).

Who is *likely to move into* a role is read from the careers observed in the graph (issue 16), not
from a fixed number of years: a **feeder step** of a target is a role people are observed moving
from straight into it (the from-role of a move, :mod:`queries.careers.spells`, from outside the
target into it, started on or before ``as_of``), and its **threshold** is the lower quartile of the
years those people had spent in that role before the move (``Moves.years``: time actually in the
role, earlier spells of it included, breaks not). So a quarter of the observed moves came sooner.
A person's time in a role they hold on ``as_of`` is counted the same way (earlier spells of it in
full, plus the current spell up to ``as_of``). The targets are SENCO and the sensory roles (roles
of category ``sensory`` or ``advisory``: QTVI / QTHI / QTMSI teachers, advisory teachers).
:func:`feeder_steps` lists the feeder steps and thresholds.

* ``likely_senco`` — people in a current teaching post (a role with ``teacher`` true, other than
  SENCO) that is a feeder step of SENCO, with at least its threshold of years in that role, who
  attended SEND CPD (an activity that addresses a need area, attended on or before ``as_of``), hold
  neither NASENCO nor the NPQ for SENCOs and are not studying for them, and are not currently a SENCO;
* ``senco_in_training`` — people in a current teaching post (not a SENCO) studying NASENCO / NPQ for
  SENCOs;
* ``likely_sensory`` — people in a current teaching post that is not sensory (not a sensory /
  advisory role, not in a sensory service) that is a feeder step of the sensory roles, with at
  least its threshold of years in that role, who attended CPD addressing a sensory need (VI, HI,
  MSI) by ``as_of``, and neither hold nor study a sensory MQ: a class teacher with 8 years and
  vision-impairment CPD, where observed class teachers moved into sensory posts after 5;
* ``sensory_posts_without_mq`` (a gap, not a pipeline) — teachers in a sensory service (service
  kind ``sensory``) or in a sensory / advisory role without the matching MQ (SI 2003/1662: they may
  teach up to 3 years while obtaining it); a role with no need (e.g. a class teacher in the
  service) lacks any sensory MQ;

set against (with ``teachers_not_senco``, people in a current teaching post who are not a SENCO, as
the denominator):

* ``schools_no_senco`` / ``schools_overdue_senco`` — mainstream schools with no current SENCO, or
  with a SENCO whose award is overdue (:func:`queries.audits.senco.senco_audit`);
* ``{vi,hi,msi}_pupils`` and ``{vi,hi,msi}_qualified_fte`` — pupils with an EHC plan for the need
  and the FTE of current holders of the matching MQ in roles serving it
  (:func:`queries.audits.capacity.capacity_against_need`).

A person is counted once per area, in every area where they hold a qualifying post.

Region rows count the staff of the LAs in the graph only, so their pupils are summed over those
LAs too (never the whole region's DfE figure against part of its staff); ``las_in_graph`` and
``las_in_region`` say how much of the region that is.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pac

from graphmodel.cpd_days import SEND_DAY, SENSORY_DAY, SENSORY_NEEDS
from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.audits.capacity import capacity_against_need
from queries.audits.senco import AWARDS, senco_audit
from queries.audits.sensory import SENSES, matching_mq
from queries.careers.spells import (
    DAYS_PER_YEAR,
    career_arrays,
    day_number,
    move_arrays,
    spell_arrays,
)
from queries.context import Filters, match_rows, schools_frame
from queries.posts import current_posts, current_service_posts, held, services_frame, studying, ts
from queries.publish import Publishes
from queries.registry import analysis

__all__ = [
    "FEEDER_COLUMNS",
    "LEVELS",
    "PEOPLE_COUNTS",
    "PUBLISHES",
    "READY_QUANTILE",
    "TARGETS",
    "area_table",
    "assemble",
    "career_spells",
    "check_arguments",
    "feeder_frame",
    "feeder_steps",
    "moves_into_targets",
    "people_counts",
    "pipeline",
    "target_roles",
    "with_people",
]

READY_QUANTILE = 0.25
"""A person is likely to move on once their years in a feeder step reach this quantile of the years
observed movers spent in it (the lower quartile: a quarter of the observed moves came sooner)."""
TARGETS = {"senco": ("SENCO",), "sensory": ("sensory", "advisory")}
"""The pipeline's targets: SENCO (a role code) and the sensory roles (role categories)."""
FEEDER_COLUMNS = ["target", "from_role", "moves", "threshold_years"]
LEVELS = {
    "la": ["region_code", "region_name", "la_code", "la_name"],
    "region": ["region_code", "region_name"],
}
_COUNTS = [
    "teachers_not_senco",
    "likely_senco",
    "senco_in_training",
    "likely_sensory",
    "sensory_posts_without_mq",
    "mainstream_schools",
    "schools_no_senco",
    "schools_overdue_senco",
]
PUBLISHES = Publishes(counts=tuple(_COUNTS))
"""What :func:`pipeline` publishes: pupils and FTE are not suppressed (DfE's own counts, not people)."""


def _located_posts(store: GraphStore, as_of: dt.date) -> pd.DataFrame:
    """Current school and service posts with role attributes and location: person_id, role, fte,
    teacher, category, need, service_kind, la_code, la_name, region_code, region_name."""
    geo = ["la_code", "la_name", "region_code", "region_name"]
    schools = schools_frame(store)[["urn", *geo]]
    services = services_frame(store)[["service_id", "kind", *geo]].rename(columns={"kind": "service_kind"})
    a = current_posts(store, as_of)[["person_id", "urn", "role", "fte"]].merge(schools, on="urn", how="left")
    b = current_service_posts(store, as_of)[["person_id", "service_id", "role", "fte"]].merge(
        services, on="service_id", how="left"
    )
    posts = pd.concat([a.drop(columns="urn"), b.drop(columns="service_id")], ignore_index=True)
    roles = store.table("roles")[["code", "teacher", "category", "need"]].rename(columns={"code": "role"})
    posts = posts.merge(roles, on="role", how="left")
    posts["teacher"] = posts["teacher"].fillna(False).astype(bool)
    return posts


def target_roles(store: GraphStore) -> dict[str, set[str]]:
    """Role codes of each target in :data:`TARGETS`."""
    roles = store.table("roles")[["code", "category"]]
    sensory = roles["category"].isin(list(TARGETS["sensory"])).fillna(False).to_numpy(dtype=bool)
    return {"senco": set(TARGETS["senco"]), "sensory": set(roles.loc[sensory, "code"].astype(str))}


def career_spells(store: GraphStore, as_of: dt.date):
    """Every person's spells as of ``as_of`` (:func:`queries.careers.spells.spell_arrays`)."""
    return spell_arrays(career_arrays(store, as_of=as_of))


def moves_into_targets(sp, targets: dict[str, set[str]]) -> pd.DataFrame:
    """The observed moves into each target from outside it (module docstring): one row per move,
    with target, from_role and days (in the from-role before the move, :attr:`Moves.days`)."""
    mv = move_arrays(sp)
    roles = np.asarray([str(r) for r in sp.roles], dtype=object)
    frames = []
    for target, codes in targets.items():
        is_t = np.isin(roles, list(codes)) if len(roles) else np.zeros(0, dtype=bool)
        into = is_t[mv.to_role] & ~is_t[mv.from_role] if len(mv.person) else np.zeros(0, dtype=bool)
        frames.append(
            pd.DataFrame({"target": target, "from_role": roles[mv.from_role[into]], "days": mv.days[into]})
        )
    return pd.concat(frames, ignore_index=True).astype({"days": "int64"})


def feeder_frame(moves: pd.DataFrame) -> pd.DataFrame:
    """Feeder steps from observed moves: ``moves`` has target, from_role, days and ``n`` (how many
    moves of that length; 1 when absent). Per target and from-role: moves and the
    :data:`READY_QUANTILE` of the years (days / :data:`DAYS_PER_YEAR`)."""
    n = moves["n"].to_numpy(dtype=np.int64) if "n" in moves else np.ones(len(moves), dtype=np.int64)
    frames = []
    for target in TARGETS:
        sel = (moves["target"] == target).to_numpy(dtype=bool)
        days = np.repeat(moves["days"].to_numpy(dtype=np.int64)[sel], n[sel])
        each = pd.DataFrame(
            {
                "from_role": np.repeat(moves["from_role"].to_numpy(dtype=object)[sel], n[sel]),
                "years": days / DAYS_PER_YEAR,
            }
        )
        g = each.groupby("from_role", sort=True)["years"]
        frame = pd.DataFrame({"moves": g.size(), "threshold_years": g.quantile(READY_QUANTILE)}).reset_index()
        frames.append(frame.assign(target=target))
    out = pd.concat(frames, ignore_index=True)
    out["moves"] = out["moves"].astype("int64")
    out["threshold_years"] = out["threshold_years"].astype("float64")
    return out[FEEDER_COLUMNS]


def _feeders(store: GraphStore, as_of: dt.date):
    """Spells as of ``as_of``, and per target the feeder steps (module docstring): a frame of
    target, from_role, moves, threshold_years."""
    sp = career_spells(store, as_of)
    return sp, feeder_frame(moves_into_targets(sp, target_roles(store)))


def feeder_steps(store: GraphStore, *, as_of: dt.date | None = None) -> pd.DataFrame:
    """The feeder steps of each pipeline target as of a date, with the threshold a person's years in
    the step must reach to count as likely to move on (module docstring).

    One row per target (``senco``, ``sensory``) and role people were observed moving from straight
    into it: ``moves`` observed and ``threshold_years`` (their lower quartile of years in the role,
    unrounded). Not published on its own: it explains ``likely_senco`` and ``likely_sensory``.
    """
    return _feeders(store, as_of or dt.date.today())[1]


def _ready_keys(sp, feeders: pd.DataFrame, target: str, as_of: dt.date, person_code: np.ndarray):
    """``person code * (roles + 1) + role`` for each person and feeder role of ``target`` whose spell
    of it runs to ``as_of`` (end inclusive) and whose years in it (earlier spells in full, plus this
    one up to ``as_of``) have reached its threshold. Whether they hold a post in it that day is left
    to the caller's current posts. ``person_code`` maps spell people to the caller's codes."""
    day = day_number(as_of)
    roles = {str(r): i for i, r in enumerate(sp.roles)}
    threshold = np.full(len(roles), np.inf)
    for row in feeders[feeders["target"] == target].itertuples(index=False):
        if row.from_role in roles:  # spells of some people only (a server's exceptions) may lack it
            threshold[roles[row.from_role]] = row.threshold_years - 1e-9  # reached: >= (float-safe)
    if len(sp) == 0:
        return np.zeros(0, dtype=np.int64)
    years = (sp.prior + day - sp.start) / DAYS_PER_YEAR
    ok = (sp.end >= day) & (years >= threshold[sp.role])
    return person_code[sp.person[ok]] * (len(roles) + 1) + sp.role[ok]


def _send_cpd_people(store: GraphStore, as_of: dt.date, needs_in: tuple[str, ...] | None = None) -> pd.Index:
    """People who attended an activity addressing a need area (one of ``needs_in``, if given), on
    or before as_of (attendance date, else the activity's date; undated attendance counts).

    Read from people's stored first CPD days (:mod:`graphmodel.cpd_days`, ``needs_in`` None or the
    sensory needs) when the store has them; a workspace loaded before they existed (every value
    blank) is worked out from the attendance, the same answer."""
    column = {None: SEND_DAY, tuple(SENSORY_NEEDS): SENSORY_DAY}.get(needs_in)
    if column is not None:
        people = store.table("people")
        if column in people and len(people) and people[column].notna().any():
            days = people[column].astype("float64").to_numpy()
            with np.errstate(invalid="ignore"):
                return pd.Index(people.loc[days <= as_of.toordinal(), "person_id"].unique())
    att = store.table("attendance")[["person_id", "activity_id", "date"]]
    an = store.table("activity_needs")
    if needs_in is not None:
        an = an[an["need"].isin(list(needs_in)).fillna(False).to_numpy(dtype=bool)]
    needs = an["activity_id"].unique()
    acts = store.table("cpd_activities")[["activity_id", "date"]].rename(columns={"date": "activity_date"})
    att = att[att["activity_id"].isin(needs).astype(bool)].merge(acts, on="activity_id", how="left")
    when = att["date"].fillna(att["activity_date"])
    return pd.Index(att.loc[(when.isna() | (when <= ts(as_of))).astype(bool), "person_id"].unique())


def _capacity(
    store: GraphStore, as_of: dt.date, level: str, las_in_graph: pd.Series, cap: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per LA (``la_code``) or region (``region_code``): {need}_pupils, {need}_qualified_fte.

    Region figures are LA figures summed over ``las_in_graph`` (the LAs whose staff are counted).
    ``cap``: :func:`capacity_against_need` by LA of ``as_of``, if the caller has it already."""
    key = "la_code" if level == "la" else "region_code"
    if cap is None:  # regions: summed over las_in_graph
        cap = capacity_against_need(store, as_of=as_of, level="la")
    cap = cap.rename(columns={"new_la_code": "la_code"})
    if level == "region":
        cap = cap[cap["la_code"].isin(set(las_in_graph)).fillna(False).to_numpy(dtype=bool)]
    long = cap.loc[cap["need"].isin(SENSES).astype(bool), [key, "need", "pupils", "qualified_fte"]]
    long = long.astype({"pupils": "float64", "qualified_fte": "float64"})
    wide = long.pivot_table(index=key, columns="need", values=["pupils", "qualified_fte"], aggfunc="sum")
    out = pd.DataFrame(index=wide.index)
    for need in SENSES:
        low = need.lower()
        for measure, col in (("pupils", f"{low}_pupils"), ("qualified_fte", f"{low}_qualified_fte")):
            out[col] = wide[(measure, need)] if (measure, need) in wide.columns else float("nan")
    return out.reset_index()


class _PersonCodes:
    """Person ids as integer codes (code len(people) = unknown)."""

    def __init__(self, ids: pd.Series):
        # Arrow strings, not a pandas object Index: at national scale (2.6 million post rows) turning
        # ids into Python objects and hashing them took most of ``pipeline``'s time.
        self.people = pac.unique(pa.array(pd.Series(ids).astype(str).array))

    def __len__(self) -> int:
        return len(self.people)

    def codes(self, ids: pd.Series) -> np.ndarray:
        values = pa.array(pd.Series(ids).astype(str).array) if len(ids) else pa.array([], pa.string())
        got = pac.index_in(values.cast(self.people.type), value_set=self.people)
        return got.fill_null(len(self.people)).to_numpy(zero_copy_only=False).astype(np.int64)

    def mask_from_codes(self, codes: np.ndarray) -> np.ndarray:
        out = np.zeros(len(self) + 1, dtype=bool)
        out[codes] = True
        out[len(self)] = False
        return out

    def mask(self, ids: pd.Series) -> np.ndarray:
        """A boolean array over codes: True for the people in ``ids``.

        The people looked up in ``ids`` (Arrow hashes the few), not ``ids`` in the people: hashing a
        million people per call took ~0.5 s, ten calls per pipeline nationally."""
        values = pa.array(pd.Series(ids).astype(str).array) if len(ids) else pa.array([], pa.string())
        hit = pac.is_in(self.people, value_set=values.cast(self.people.type))
        return np.append(hit.to_numpy(zero_copy_only=False).astype(bool), False)


PEOPLE_COUNTS = [
    "teachers_not_senco",
    "likely_senco",
    "senco_in_training",
    "likely_sensory",
    "sensory_posts_without_mq",
]
"""The counts of people :func:`people_counts` gives (a person counts once per area)."""


def people_counts(
    store: GraphStore,
    as_of: dt.date,
    level: str,
    sp,
    feeders: pd.DataFrame,
    cpd: dict[str, pd.Index] | None = None,
) -> pd.DataFrame:
    """Per area of ``level`` (indexed by :data:`LEVELS`), the :data:`PEOPLE_COUNTS` of the people
    whose posts ``store`` holds, from their spells ``sp`` as of ``as_of`` and the feeder steps.

    A person's counts depend on their own rows only (posts, awards, courses, CPD), given the feeder
    steps: so a server can count most people in Cypher and this function the rest (the native
    version, :mod:`queries.native.pipeline`). ``cpd``: the people who attended SEND CPD
    (``"send"``) and sensory CPD (``"sensory"``) by ``as_of``, if already known (else read from
    the store's attendance)."""
    keys = LEVELS[level]
    posts = _located_posts(store, as_of)
    # person ids as integer codes: membership tests on a million Arrow strings are slow, on codes fast
    ids = _PersonCodes(posts["person_id"])
    pc = ids.codes(posts["person_id"])
    awards = ids.mask(held(store, as_of, AWARDS)["person_id"])
    training = ids.mask(studying(store, as_of, AWARDS)["person_id"]) & ~awards
    is_senco = (posts["role"] == "SENCO").fillna(False).to_numpy(dtype=bool)
    sencos = ids.mask_from_codes(pc[is_senco])
    # (person, role) of each post as one integer key, in the spells' role codes (-1: not in spells)
    person_code = ids.codes(pd.Series(sp.people, dtype=object))
    spell_roles = {str(r): i for i, r in enumerate(sp.roles)}
    post_role = posts["role"].astype(object).map(spell_roles).fillna(-1).to_numpy(dtype=np.int64)
    post_key = np.where(post_role >= 0, pc * (len(spell_roles) + 1) + post_role, -1)

    def in_ready_step(target: str) -> np.ndarray:
        """Per post: its role is a feeder step of ``target`` and the person's years in it have
        reached the step's threshold."""
        # a flag per (person, role) key: one array of (people + 1) * (roles + 1), indexed, no sorting
        flag = np.zeros((len(ids) + 1) * (len(spell_roles) + 1) + 1, dtype=bool)
        flag[_ready_keys(sp, feeders, target, as_of, person_code)] = True
        return flag[post_key]  # -1 (a role with no spell) is the last slot, never set

    senco_step = in_ready_step("senco")
    t_mask = posts["teacher"].to_numpy(dtype=bool) & ~is_senco & ~sencos[pc]
    teaching = posts[t_mask]
    tc = pc[t_mask]
    cpd = cpd or {
        "send": _send_cpd_people(store, as_of),
        "sensory": _send_cpd_people(store, as_of, tuple(SENSES)),
    }
    send_cpd = ids.mask(pd.Series(cpd["send"], dtype=object))
    ready = teaching[senco_step[t_mask] & send_cpd[tc] & ~awards[tc] & ~training[tc]]
    in_training = teaching[training[tc]]

    mq_for_need = dict(matching_mq(store).itertuples(index=False, name=None))
    mq = held(store, as_of, mq_for_need.values())[["person_id", "qualification"]]
    s_mask = posts["teacher"].to_numpy(dtype=bool) & (
        posts["category"].isin(["sensory", "advisory"]).fillna(False).to_numpy(dtype=bool)
        | (posts["service_kind"] == "sensory").fillna(False).to_numpy(dtype=bool)
    )
    sensory = posts[s_mask]
    sc = pc[s_mask]
    want = sensory["need"].map(mq_for_need).to_numpy(dtype=object)
    has_match = np.zeros(len(sensory), dtype=bool)
    for qual in mq_for_need.values():
        holders = ids.mask(
            mq.loc[(mq["qualification"] == qual).fillna(False).to_numpy(dtype=bool), "person_id"]
        )
        rows = want == qual
        has_match[rows] = holders[sc[rows]]
    has_any = ids.mask(mq["person_id"])[sc]
    no_need = pd.isna(want)
    lacking = sensory[(~no_need & ~has_match) | (no_need & ~has_any)]

    # likely to move into a sensory post: teaching elsewhere in a feeder step, sensory CPD, no MQ
    in_sensory = ids.mask_from_codes(sc)
    mq_any = ids.mask(mq["person_id"]) | ids.mask(studying(store, as_of, mq_for_need.values())["person_id"])
    sensory_cpd = ids.mask(pd.Series(cpd["sensory"], dtype=object))
    o_mask = posts["teacher"].to_numpy(dtype=bool) & ~in_sensory[pc]
    oc = pc[o_mask]
    likely_sensory = posts[o_mask][in_ready_step("sensory")[o_mask] & sensory_cpd[oc] & ~mq_any[oc]]

    def people(frame: pd.DataFrame, name: str) -> pd.Series:
        return frame.drop_duplicates(["person_id", *keys]).groupby(keys, dropna=False).size().rename(name)

    parts = [
        people(teaching, "teachers_not_senco"),
        people(ready, "likely_senco"),
        people(in_training, "senco_in_training"),
        people(likely_sensory, "likely_sensory"),
        people(lacking, "sensory_posts_without_mq"),
    ]
    return pd.concat(parts, axis=1).fillna(0).astype("int64")[PEOPLE_COUNTS]


@analysis
def pipeline(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters(), level: str = "la"
) -> pd.DataFrame:
    """The gaps and the people likely to fill them, per LA or region (module docstring).

    Rows: every LA (or region) with a school or service in the graph; ``filters`` (region, LA)
    choose the rows shown. Counts are of people or schools (published through
    :func:`queries.publish.publish` with :data:`PUBLISHES`); pupils and FTE are not suppressed.

    >>> pipeline(store, as_of=dt.date(2025, 9, 1), level="region")  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    check_arguments(filters, level)
    sp, feeders = _feeders(store, as_of)
    return assemble(store, as_of, filters, level, people_counts(store, as_of, level, sp, feeders))


def check_arguments(filters: Filters, level: str) -> None:
    """Refuse filters and levels :func:`pipeline` has no meaning for."""
    if filters.trust or filters.phase or filters.type:
        raise SendgraphError("pipeline counts per LA or region: --trust, --phase and --type do not apply")
    if level not in LEVELS:
        raise SendgraphError(f"level must be one of: {', '.join(LEVELS)}")


def assemble(
    store: GraphStore, as_of: dt.date, filters: Filters, level: str, counts: pd.DataFrame
) -> pd.DataFrame:
    """The published table: :func:`area_table` with the people ``counts`` (:func:`with_people`)."""
    return with_people(area_table(store, as_of, level), counts, filters, level)


def area_table(
    store: GraphStore,
    as_of: dt.date,
    level: str,
    audit: pd.DataFrame | None = None,
    capacity: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every area with a school or service, with the schools' SENCO status and the capacity figures:
    the published table but for the people counts (which a server version reads separately).
    ``audit`` and ``capacity``: the SENCO audit and :func:`capacity_against_need` by LA of ``as_of``,
    if the caller has them (a server version reads the posts both need in one scan)."""
    keys = LEVELS[level]
    geo = LEVELS["la"]
    all_places = pd.concat([schools_frame(store)[geo], services_frame(store)[geo]]).drop_duplicates()
    areas = all_places.dropna(subset=["la_code"])[keys].drop_duplicates()

    if audit is None:
        audit = senco_audit(store, as_of=as_of)
    main = audit[(audit["kind"] == "mainstream").fillna(False).astype(bool)]
    schools_main = main.drop_duplicates("urn").groupby(keys).size().rename("mainstream_schools")
    no_senco = main[main["status"] == "no_senco"].drop_duplicates("urn").groupby(keys).size()
    overdue = main[main["status"] == "overdue"].drop_duplicates("urn").groupby(keys).size()

    out = areas.set_index(keys)
    for series in (
        schools_main,
        no_senco.rename("schools_no_senco"),
        overdue.rename("schools_overdue_senco"),
    ):
        out = out.join(series, how="left")
    out = out.reset_index()
    for c in _COUNTS:
        if c in out:
            out[c] = out[c].fillna(0).astype("int64")

    key = "la_code" if level == "la" else "region_code"
    las = all_places.dropna(subset=["la_code"])[["la_code", "region_code"]].drop_duplicates()
    out = out.merge(_capacity(store, as_of, level, las["la_code"], capacity), on=key, how="left")
    if level == "region":
        every = store.table("local_authorities")[["code", "region_code"]]
        out = out.merge(
            las.groupby("region_code").size().rename("las_in_graph").reset_index(), on=key, how="left"
        ).merge(every.groupby("region_code").size().rename("las_in_region").reset_index(), on=key, how="left")
        for c in ("las_in_graph", "las_in_region"):
            out[c] = out[c].fillna(0).astype("int64")
    for need in SENSES:
        low = need.lower()
        out[f"{low}_pupils"] = out[f"{low}_pupils"].fillna(0).astype("int64")
        out[f"{low}_qualified_fte"] = out[f"{low}_qualified_fte"].fillna(0.0).astype("float64").round(2)
    return out


def with_people(table: pd.DataFrame, counts: pd.DataFrame, filters: Filters, level: str) -> pd.DataFrame:
    """:func:`area_table` with the :data:`PEOPLE_COUNTS` (indexed by the level's keys) after the
    keys, sorted by area, the place filters applied."""
    keys = LEVELS[level]
    out = table.join(counts[PEOPLE_COUNTS], on=keys, how="left")
    out = out.astype({k: table[k].dtype for k in keys})  # a join on an object index loosens them
    for c in PEOPLE_COUNTS:
        out[c] = out[c].fillna(0).astype("int64")
    rest = [c for c in table.columns if c not in keys]
    out = out[[*keys, *PEOPLE_COUNTS, *rest]]
    out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    for value, columns, what in (
        (filters.region, ["region_code", "region_name"], "region"),
        (filters.la, ["la_code", "la_name"], "local authority"),
    ):
        if value and columns[0] in out:
            out = out[match_rows(out, value, columns, what, allow_empty=True)]
    return out.reset_index(drop=True)
