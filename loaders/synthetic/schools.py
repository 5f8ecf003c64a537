"""Schools, trusts and federations: England's establishment mix, scaled to each LA's size.

National counts (about 16,800 primary, 3,450 secondary, 1,000 special, 350 AP/PRU and 2,400
independent) are shared out over the 153 LAs in proportion to each LA's real number of EHC plans
(a proxy for its size), then the LAs in scope are kept, so a region-scale bundle has the same schools
per LA as a national one. GIAS type, type group and phase names are written exactly as GIAS writes
them so :func:`queries.context.school_kind` classifies synthetic and real schools alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from loaders.synthetic.dates import day, largest_remainder, years_before
from loaders.synthetic.geography import NEED_CODES, Scope
from loaders.synthetic.names import place_names, school_names
from loaders.synthetic.params import NATIONAL_SCHOOLS, URN_BASE, URN_BLOCK

KINDS = list(NATIONAL_SCHOOLS)
# (type, type_group, share) per kind; GIAS 2024/25 shares, rounded.
TYPES = {
    "primary": [
        ("Community school", "Local authority maintained schools", 0.30),
        ("Voluntary aided school", "Local authority maintained schools", 0.10),
        ("Voluntary controlled school", "Local authority maintained schools", 0.08),
        ("Foundation school", "Local authority maintained schools", 0.05),
        ("Academy converter", "Academies", 0.35),
        ("Academy sponsor led", "Academies", 0.10),
        ("Free schools", "Free Schools", 0.02),
    ],
    "secondary": [
        ("Community school", "Local authority maintained schools", 0.08),
        ("Voluntary aided school", "Local authority maintained schools", 0.04),
        ("Foundation school", "Local authority maintained schools", 0.03),
        ("Academy converter", "Academies", 0.55),
        ("Academy sponsor led", "Academies", 0.25),
        ("Free schools", "Free Schools", 0.05),
    ],
    "special": [
        ("Community special school", "Special schools", 0.45),
        ("Foundation special school", "Special schools", 0.05),
        ("Non-maintained special school", "Special schools", 0.05),
        ("Academy special converter", "Academies", 0.30),
        ("Academy special sponsor led", "Academies", 0.08),
        ("Free schools special", "Free Schools", 0.07),
    ],
    "ap": [
        ("Pupil referral unit", "Local authority maintained schools", 0.55),
        ("Academy alternative provision converter", "Academies", 0.20),
        ("Academy alternative provision sponsor led", "Academies", 0.10),
        ("Free schools alternative provision", "Free Schools", 0.15),
    ],
    "independent": [
        ("Other independent school", "Independent schools", 0.75),
        ("Other independent special school", "Independent schools", 0.25),
    ],
}
PUPILS = {
    "primary": (280, 40, 900),
    "secondary": (1000, 300, 2200),
    "special": (120, 20, 400),
    "ap": (40, 8, 150),
    "independent": (250, 20, 1200),
}  # (mean, min, max)
SEN_SUPPORT_RATE = {"primary": 0.14, "secondary": 0.12, "special": 0.05, "ap": 0.40, "independent": 0.08}
EHCP_SHARE = {"primary": 0.27, "secondary": 0.18, "special": 0.42, "ap": 0.03, "independent": 0.10}
RP_RATE = {"primary": 0.07, "secondary": 0.12}
RP_TYPES = [("Resourced provision", 0.60), ("SEN unit", 0.25), ("Resourced provision and SEN unit", 0.15)]
FEDERATED_SHARE = 0.12  # of maintained primaries


@dataclass
class Schools:
    """The schools table plus the per-school arrays later steps need (aligned with the rows)."""

    frame: pd.DataFrame
    kind: np.ndarray  # primary / secondary / special / ap / independent
    la_pos: np.ndarray  # index into scope.las
    fed_lead: np.ndarray  # row index of the federation's lead school, or -1
    trusts: pd.DataFrame
    links: tuple[pd.DataFrame, pd.DataFrame]  # federations: (groups, group_memberships)

    def provides(self, need: str) -> np.ndarray:
        return self.frame["sen_provision"].fillna("").str.contains(need, regex=False).to_numpy()


def allocate(scope: Scope) -> np.ndarray:
    """Schools per (LA in scope, kind): national totals shared by EHC plans, at least one primary."""
    weights = scope.national["ehc_plans"].to_numpy(dtype=float)
    counts = np.stack([largest_remainder(weights, NATIONAL_SCHOOLS[k]) for k in KINDS], axis=1)
    counts[:, 0] = np.maximum(counts[:, 0], 1)
    return counts[scope.las["position"].to_numpy()]


def _choose(rng: np.random.Generator, n: int, options: list[tuple]) -> np.ndarray:
    p = np.array([o[-1] for o in options], dtype=float)
    return rng.choice(len(options), size=n, p=p / p.sum())


def _top_needs(rng: np.random.Generator, weights: np.ndarray, k: np.ndarray) -> np.ndarray:
    """For each row, k distinct need codes drawn by weight (Gumbel top-k), ';'-joined in code order."""
    keys = np.log(np.maximum(weights, 1e-9)) + rng.gumbel(size=weights.shape)
    rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
    chosen = rank < k[:, None]
    codes = np.array(NEED_CODES, dtype=object)
    return np.array([";".join(codes[row]) for row in chosen], dtype=object)


def build_schools(rng: np.random.Generator, scope: Scope, as_of: np.datetime64) -> Schools:
    counts = allocate(scope)
    n_la = len(scope.las)
    la_pos = np.repeat(np.repeat(np.arange(n_la), len(KINDS)), counts.ravel())
    kind = np.tile(np.array(KINDS, dtype=object), n_la).repeat(counts.ravel())
    n = len(kind)
    within = np.arange(n) - np.repeat(np.cumsum(counts.sum(axis=1)) - counts.sum(axis=1), counts.sum(axis=1))
    urn = URN_BASE + scope.las["position"].to_numpy()[la_pos] * URN_BLOCK + within + 1

    type_ = np.empty(n, dtype=object)
    group = np.empty(n, dtype=object)
    pupils = np.zeros(n, dtype=np.int64)
    phase = np.full(n, "Not applicable", dtype=object)
    low = np.zeros(n, dtype=np.int64)
    high = np.zeros(n, dtype=np.int64)
    for k in KINDS:
        m = kind == k
        pick = _choose(rng, int(m.sum()), TYPES[k])
        type_[m] = np.array([t[0] for t in TYPES[k]], dtype=object)[pick]
        group[m] = np.array([t[1] for t in TYPES[k]], dtype=object)[pick]
        mean, lo, hi = PUPILS[k]
        pupils[m] = np.clip(rng.lognormal(np.log(mean) - 0.125, 0.5, int(m.sum())), lo, hi).astype(np.int64)
    prim, sec = kind == "primary", kind == "secondary"
    phase[prim], low[prim], high[prim] = "Primary", 4, 11
    phase[sec], low[sec] = "Secondary", 11
    high[sec] = np.where(rng.random(int(sec.sum())) < 0.6, 18, 16)
    through = sec & (rng.random(n) < 0.05)
    phase[through], low[through], high[through] = "All-through", 4, 18
    pupils[through] = (pupils[through] * 1.4).astype(np.int64)
    spec, ap, ind = kind == "special", kind == "ap", kind == "independent"
    low[spec], high[spec] = rng.choice([2, 3, 4, 5, 11], int(spec.sum())), 19
    low[ap], high[ap] = np.where(rng.random(int(ap.sum())) < 0.8, 11, 5), 16
    low[ind], high[ind] = 3, 18

    # Openings: maintained schools long ago; academies and free schools on conversion (2010-2024).
    state_academy = np.isin(group, ["Academies", "Free Schools"])
    open_years = np.where(state_academy, rng.uniform(1.0, 15.0, n), rng.uniform(15.0, 75.0, n))
    open_date = years_before(as_of, open_years)

    # SEN: support rates by kind; each LA's EHC plans spread over its schools (special schools most).
    sen_support = np.zeros(n, dtype=np.int64)
    ehcp = np.zeros(n, dtype=np.int64)
    plans = scope.las["ehc_plans"].to_numpy()
    for k in KINDS:
        m = kind == k
        sen_support[m] = rng.binomial(pupils[m], SEN_SUPPORT_RATE[k])
    share = np.vectorize(EHCP_SHARE.get, otypes=[float])(kind) if n else np.zeros(0)
    group_pupils = pd.Series(pupils).groupby([la_pos, kind]).transform("sum").to_numpy()
    weight = share * pupils / np.maximum(group_pupils, 1)
    for i in range(n_la):  # one multinomial per LA (153 at most), vectorised within the LA
        idx = np.flatnonzero(la_pos == i)
        w = weight[idx]
        if w.sum() > 0:
            ehcp[idx] = rng.multinomial(plans[i], w / w.sum())
    ehcp = np.minimum(ehcp, pupils)

    # Provision: special schools serve 2-4 needs, weighted by the LA's need mix; some mainstream
    # schools have resourced provision or an SEN unit for one need (sensory and PD over-represented).
    need_w = scope.las[NEED_CODES].to_numpy(dtype=float) + 1.0
    provision = np.full(n, None, dtype=object)
    rp_type = np.full(n, None, dtype=object)
    rp_cap = np.full(n, -1, dtype=np.int64)
    unit_cap = np.full(n, -1, dtype=np.int64)
    sp_idx = np.flatnonzero(spec)
    provision[sp_idx] = _top_needs(rng, need_w[la_pos[sp_idx]], rng.integers(2, 5, len(sp_idx)))
    rp = (prim & (rng.random(n) < RP_RATE["primary"])) | (sec & (rng.random(n) < RP_RATE["secondary"]))
    rp_idx = np.flatnonzero(rp)
    boost = np.array([6.0 if c in ("HI", "VI", "PD") else 1.0 for c in NEED_CODES])
    provision[rp_idx] = _top_needs(rng, need_w[la_pos[rp_idx]] * boost, np.ones(len(rp_idx), dtype=np.int64))
    pick = _choose(rng, len(rp_idx), RP_TYPES)
    rp_type[rp_idx] = np.array([t[0] for t in RP_TYPES], dtype=object)[pick]
    has_rp = np.isin(rp_type, ["Resourced provision", "Resourced provision and SEN unit"])
    has_unit = np.isin(rp_type, ["SEN unit", "Resourced provision and SEN unit"])
    rp_cap[has_rp] = rng.integers(6, 21, int(has_rp.sum()))
    unit_cap[has_unit] = rng.integers(6, 16, int(has_unit.sum()))

    names = school_names(rng, kind)
    region_names = _region_names(scope)[la_pos]
    frame = pd.DataFrame(
        {
            "urn": urn,
            "name": names,
            "la_code": scope.las["code"].to_numpy()[la_pos],
            "trust_id": pd.array([None] * n, dtype="string"),
            "phase": phase,
            "type": type_,
            "type_group": group,
            "status": "Open",
            "open_date": open_date,
            "low_age": low,
            "high_age": high,
            "pupils": pupils,
            "sen_support_pupils": sen_support,
            "ehcp_pupils": ehcp,
            "sen_provision": provision,
            "resourced_provision": rp_type,
            "resourced_capacity": pd.array(np.where(rp_cap < 0, None, rp_cap), dtype="Int64"),
            "sen_unit_capacity": pd.array(np.where(unit_cap < 0, None, unit_cap), dtype="Int64"),
            "rsc_region": region_names,
            "synthetic": True,
        }
    )
    frame["easting"], frame["northing"] = place_in_la(rng, scope, la_pos)
    trusts = _trusts(rng, frame, state_academy, la_pos, scope)
    fed_lead, links = _federations(rng, frame, kind, la_pos, as_of)
    return Schools(frame, kind, la_pos, fed_lead, trusts, links)


def place_in_la(rng: np.random.Generator, scope: Scope, la_pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """OSGB36 (easting, northing) for each school, uniform over a disc around its real LA's position.

    The disc's radius is 0.8 x sqrt(area_km2 / pi) (the LA's equivalent circle, shrunk so schools
    stay inside LAs that are not round); positions come from the shipped catalogue (its README gives
    the provenance). Drawn from ``rng.bit_generator.jumped()``, a separate stream, so adding places left
    every other generated value - and so the calibration - exactly as it was for the same seed.
    """
    geo = np.random.Generator(rng.bit_generator.jumped())
    las = scope.las
    east = pd.to_numeric(las["easting"]).to_numpy(dtype=float)[la_pos]
    north = pd.to_numeric(las["northing"]).to_numpy(dtype=float)[la_pos]
    radius = 800.0 * np.sqrt(pd.to_numeric(las["area_km2"]).to_numpy(dtype=float) / np.pi)[la_pos]
    dist = radius * np.sqrt(geo.random(len(la_pos)))
    angle = geo.uniform(0.0, 2 * np.pi, len(la_pos))
    return (
        np.round(east + dist * np.cos(angle)).astype(np.int64),
        np.round(north + dist * np.sin(angle)).astype(np.int64),
    )


def _region_names(scope: Scope) -> np.ndarray:
    from graphmodel.catalogue import catalogue_frame

    regions = catalogue_frame("regions").set_index("code")["name"]
    return scope.las["region_code"].map(regions).to_numpy(dtype=object)


def _trusts(
    rng: np.random.Generator, frame: pd.DataFrame, academy: np.ndarray, la_pos: np.ndarray, scope: Scope
) -> pd.DataFrame:
    """About 2,500 trusts nationally: ~45% single-academy trusts, MATs of mean ~7 mostly in one LA.

    Academies are ordered by region, LA and a random key and cut into consecutive runs, so a trust's
    schools sit close together (as most MATs do) and never cross a region.
    """
    idx = np.flatnonzero(academy)
    if not len(idx):
        frame["trust_id"] = pd.array([None] * len(frame), dtype="string")
        return pd.DataFrame({"trust_id": [], "name": [], "kind": []})
    region = scope.las["region_code"].to_numpy()[la_pos[idx]]
    order = np.lexsort((rng.random(len(idx)), la_pos[idx], region))
    idx = idx[order]
    region = region[order]
    single = rng.random(len(idx)) < 0.45
    sizes = np.where(single, 1, 1 + rng.geometric(1 / 6.2, len(idx)))
    trust_of = np.repeat(np.arange(len(sizes)), sizes)[: len(idx)]
    # a new trust starts wherever the region changes, so trusts never cross regions
    new = np.r_[True, (np.diff(trust_of) != 0) | (region[1:] != region[:-1])]
    trust_of = np.cumsum(new) - 1
    n_trusts = int(trust_of[-1]) + 1
    members = np.bincount(trust_of, minlength=n_trusts)
    first_urn = frame["urn"].to_numpy()[idx][np.r_[0, np.flatnonzero(np.diff(trust_of)) + 1]]
    trust_ids = np.array([f"SYN-TR-{u}" for u in first_urn], dtype=object)
    col = np.full(len(frame), None, dtype=object)
    col[idx] = trust_ids[trust_of]
    frame["trust_id"] = pd.array(col, dtype="string")
    kind = np.where(members == 1, "single-academy trust", "multi-academy trust")
    words = np.array(
        [" Learning Trust", " Academy Trust", " Education Partnership", " Schools Trust"], dtype=object
    )
    names = place_names(rng, n_trusts) + words[rng.integers(0, len(words), n_trusts)] + " (synthetic)"
    return pd.DataFrame({"trust_id": trust_ids, "name": names, "kind": kind})


def _federations(
    rng: np.random.Generator, frame: pd.DataFrame, kind: np.ndarray, la_pos: np.ndarray, as_of: np.datetime64
) -> tuple[np.ndarray, tuple[pd.DataFrame, pd.DataFrame]]:
    """Pairs of LA-maintained primaries in one LA under one governing body: a federation group each
    (``groups``) and its two ``group_memberships``."""
    n = len(frame)
    maintained = (kind == "primary") & (
        frame["type_group"].to_numpy() == "Local authority maintained schools"
    )
    cand = np.flatnonzero(maintained & (rng.random(n) < FEDERATED_SHARE))
    cand = cand[np.lexsort((rng.random(len(cand)), la_pos[cand]))]
    fed_lead = np.full(n, -1, dtype=np.int64)
    la = la_pos[cand]
    # pair consecutive candidates of the same LA
    start_of_la = np.r_[True, la[1:] != la[:-1]]
    pos_in_la = np.arange(len(cand)) - np.maximum.accumulate(np.where(start_of_la, np.arange(len(cand)), 0))
    lead_pos = np.flatnonzero(pos_in_la % 2 == 0)
    lead_pos = lead_pos[(lead_pos + 1 < len(cand))]
    lead_pos = lead_pos[la[lead_pos] == la[np.minimum(lead_pos + 1, len(cand) - 1)]]
    leads, partners = cand[lead_pos], cand[lead_pos + 1]
    fed_lead[leads] = leads
    fed_lead[partners] = leads
    urn = frame["urn"].to_numpy()
    dates = years_before(as_of, rng.uniform(1.0, 16.0, len(leads)))
    group_ids = np.array([f"SYN-FED-{u}" for u in urn[leads]], dtype=object)
    groups = pd.DataFrame({"group_id": group_ids, "name": None, "kind": "federation"})
    groups["name"] = "Federation of " + frame["name"].to_numpy()[leads].astype(object)
    # one group, two memberships: a federation is stored as membership, never as pairs of schools
    links = pd.DataFrame(
        {
            "urn": np.r_[urn[leads], urn[partners]],
            "group_id": np.r_[group_ids, group_ids],
            "start_date": np.r_[dates, dates],
        }
    ).sort_values(["group_id", "urn"], kind="stable")
    links = (groups, links.reset_index(drop=True))
    return fed_lead, links


__all__ = ["Schools", "build_schools", "allocate", "day"]
