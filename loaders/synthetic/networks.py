"""Networks and the participation ladder: the WSS community of practice, LA SENCO forums, teaching
school hubs, clusters, and school-to-school peer reviews.

Exactly 19% of schools do not network (UCL 2019 s4.5, 156/817): they hold no active membership
(tier ``attended_training`` or above) of any network, no federation link and no peer review, though
some are on a mailing list or downloaded a tool. Every other school has at least one active link.
WSS reach is scaled from the national figures (WSS evaluation, Foreword and Conclusions): about
4,100 schools signed up (mailing list), about 5,000 downloaded a review tool or trained (about a
fifth of England's schools), and 5,600 members, with trained reviewers carrying peer reviews.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loaders.synthetic import params as P
from loaders.synthetic.careers import World
from loaders.synthetic.dates import day, exact_flags, largest_remainder, years_after
from loaders.synthetic.geography import Scope
from loaders.synthetic.records import Rows
from loaders.synthetic.schools import allocate

WSS_ID = "WSS-COP"
LADDER = [
    "wider_community",
    "mailing_list",
    "downloaded_tool",
    "attended_training",
    "trained_reviewer",
    "host_deliverer",
    "strategic_partner",
]
ACTIVE_FROM = LADDER.index("attended_training")
# highest rung of schools that downloaded or trained (shares of ~5,000)
WSS_TOP = {
    "downloaded_tool": 0.66,
    "attended_training": 0.22,
    "trained_reviewer": 0.09,
    "host_deliverer": 0.026,
    "strategic_partner": 0.004,
}
REVIEW_TOOLS = np.array(
    ["SEND Review Guide", "TA Deployment Review", "SEND Reflection Framework"], dtype=object
)


def _members() -> Rows:
    return Rows(
        {
            "who": np.int64(-1),
            "network_id": None,
            "tier": None,
            "start_date": np.datetime64("NaT", "D"),
            "end_date": np.datetime64("NaT", "D"),
        }
    )


def build_networks(w: World, scope: Scope) -> dict[str, pd.DataFrame]:
    rng, s = w.rng, w.schools
    n = len(s.frame)
    las = scope.las
    national_schools = sum(P.NATIONAL_SCHOOLS.values())
    f = n / national_schools

    federated = s.fed_lead >= 0
    isolated = np.zeros(n, dtype=bool)
    cand = np.flatnonzero(~federated)
    k = min(int(round(P.SCHOOLS_NOT_NETWORKING * n)), len(cand))
    isolated[cand[rng.permutation(len(cand))[:k]]] = True
    active_ok = ~isolated

    nets = []
    schools_m, people_m = _members(), _members()
    # --- LA SENCO forums: one per LA
    forum_ids = ("SYN-FORUM-" + las["code"]).to_numpy(dtype=object)
    nets.append(
        pd.DataFrame(
            {
                "network_id": forum_ids,
                "name": las["name"] + " SENCO forum (synthetic)",
                "kind": "senco_forum",
                "send": True,
                "region_code": las["region_code"],
            }
        )
    )
    forum = forum_ids[s.la_pos]
    attends = active_ok & (rng.random(n) < 0.7)
    mailing = ~attends & (rng.random(n) < 0.5)
    since = years_after(w.as_of, -rng.uniform(0.2, 12, n))
    schools_m.add(attends, who=np.arange(n), network_id=forum, tier="attended_training", start_date=since)
    schools_m.add(mailing, who=np.arange(n), network_id=forum, tier="mailing_list", start_date=since)
    senco = w.senco_of_school
    for mask, tier in ((attends, "attended_training"), (mailing, "mailing_list")):
        m = mask & (senco >= 0)
        people_m.add(m, who=senco, network_id=forum, tier=tier, start_date=since)

    # --- teaching school hubs: 87 nationally, shared over LAs by school numbers; small LAs use their
    # region's biggest hub LA
    school_counts = allocate_all(scope)
    hubs_national = largest_remainder(school_counts, P.TEACHING_SCHOOL_HUBS)
    hubs = hubs_national[las["position"].to_numpy()]
    hub_la = np.repeat(np.arange(len(las)), hubs)
    hub_ids = np.array(
        [f"SYN-HUB-{las['code'].iat[i]}-{j + 1}" for i, j in zip(hub_la, _within(hub_la), strict=True)],
        dtype=object,
    )
    if len(hub_ids):
        nets.append(
            pd.DataFrame(
                {
                    "network_id": hub_ids,
                    "name": [
                        f"{las['name'].iat[i]} teaching school hub {j + 1} (synthetic)"
                        for i, j in zip(hub_la, _within(hub_la), strict=True)
                    ],
                    "kind": "teaching_school_hub",
                    "send": False,
                    "region_code": las["region_code"].to_numpy()[hub_la],
                }
            )
        )
        home = _hub_home(las, hubs)
        la_hub = home[s.la_pos]
        first = np.searchsorted(hub_la, la_hub, "left")
        count = np.searchsorted(hub_la, la_hub, "right") - first
        hub_of = hub_ids[first + (rng.random(n) * count).astype(np.int64)]
        with_hub = active_ok & (rng.random(n) < 0.4)
        schools_m.add(
            with_hub,
            who=np.arange(n),
            network_id=hub_of,
            tier="attended_training",
            start_date=years_after(w.as_of, -rng.uniform(0.1, 4, n)),
        )

    # --- clusters of about 8 schools in an LA
    order = np.lexsort((rng.random(n), s.la_pos))
    clustered = order[active_ok[order] & (rng.random(n) < 0.35)]
    if len(clustered):
        la_c = s.la_pos[clustered]
        idx_in_la = _within(la_c)
        cluster_key = la_c * 1000 + idx_in_la // 8
        uniq, cluster_of = np.unique(cluster_key, return_inverse=True)
        cl_ids = np.array([f"SYN-CL-{las['code'].iat[u // 1000]}-{u % 1000 + 1}" for u in uniq], dtype=object)
        nets.append(
            pd.DataFrame(
                {
                    "network_id": cl_ids,
                    "name": [
                        f"{las['name'].iat[u // 1000]} schools cluster {u % 1000 + 1} (synthetic)"
                        for u in uniq
                    ],
                    "kind": "cluster",
                    "send": rng.random(len(uniq)) < 0.3,
                    "region_code": las["region_code"].to_numpy()[uniq // 1000],
                }
            )
        )
        schools_m.add(
            who=clustered,
            network_id=cl_ids[cluster_of],
            tier="attended_training",
            start_date=years_after(w.as_of, -rng.uniform(0.5, 10, len(clustered))),
        )

    # --- the WSS community of practice and its ladder
    nets.append(
        pd.DataFrame(
            {
                "network_id": [WSS_ID],
                "name": ["Whole School SEND community of practice"],
                "kind": ["community_of_practice"],
                "send": [True],
                "region_code": [None],
            }
        )
    )
    d_total = min(int(round(P.WSS_SCHOOLS_DOWNLOADED_OR_TRAINED * f)), n)
    tops = np.array(list(WSS_TOP), dtype=object)
    counts = largest_remainder(np.array(list(WSS_TOP.values())), d_total)
    n_active = int(counts[1:].sum())
    active_pool = np.flatnonzero(active_ok)
    active_schools = active_pool[rng.permutation(len(active_pool))[:n_active]]
    rest_pool = np.setdiff1d(np.arange(n), active_schools)
    downloaders = rest_pool[rng.permutation(len(rest_pool))[: int(counts[0])]]
    wss_school = np.concatenate([downloaders, active_schools])
    top = np.concatenate(
        [np.full(len(downloaders), tops[0]), np.repeat(tops[1:], counts[1:])[: len(active_schools)]]
    )
    top_rank = np.array([LADDER.index(t) for t in top], dtype=np.int64) if len(top) else np.zeros(0, np.int64)
    launch = day(P.WSS_LAUNCH)
    t0 = np.minimum(years_after(launch, rng.uniform(0, 1.5, len(wss_school))), w.as_of)
    for rank in range(LADDER.index("downloaded_tool"), len(LADDER)):
        m = top_rank >= rank
        start = np.minimum(years_after(t0, (rank - 2) * rng.uniform(0.2, 0.6, len(t0))), w.as_of)
        schools_m.add(m, who=wss_school, network_id=WSS_ID, tier=LADDER[rank], start_date=start)
        sp = senco[wss_school]
        people_m.add(m & (sp >= 0), who=sp, network_id=WSS_ID, tier=LADDER[rank], start_date=start)
    signed = int(round(P.WSS_SCHOOLS_SIGNED_UP * f))
    from_d = min(int(round(signed * 0.8)), len(wss_school))
    others = np.setdiff1d(np.arange(n), wss_school)
    signed_schools = np.concatenate(
        [
            wss_school[rng.permutation(len(wss_school))[:from_d]],
            others[rng.permutation(len(others))[: max(0, signed - from_d)]],
        ]
    )
    schools_m.add(
        who=signed_schools,
        network_id=WSS_ID,
        tier="mailing_list",
        start_date=np.minimum(years_after(launch, rng.uniform(0, 1.5, len(signed_schools))), w.as_of),
    )
    # a second trained reviewer (the head) in reviewer schools, and passive members up to ~5,600
    reviewer_schools = wss_school[top_rank >= LADDER.index("trained_reviewer")]
    heads = w.head_of_school[reviewer_schools]
    trained_at = np.minimum(years_after(launch, rng.uniform(0.3, 2.0, len(heads))), w.as_of)
    people_m.add(heads >= 0, who=heads, network_id=WSS_ID, tier="trained_reviewer", start_date=trained_at)
    have = len(np.unique(np.concatenate([p["who"] for p in people_m.parts]))) if people_m.parts else 0
    extra = min(max(0, int(round(P.WSS_MEMBERS * f)) - have), w.n_people)
    pool = np.sort(rng.choice(w.n_people, extra, replace=False)) if extra else np.zeros(0, np.int64)
    people_m.add(
        who=pool,
        network_id=WSS_ID,
        tier=np.where(rng.random(len(pool)) < 0.5, "mailing_list", "wider_community").astype(object),
        start_date=np.minimum(years_after(launch, rng.uniform(0, 1.8, len(pool))), w.as_of),
    )

    reviews = _peer_reviews(w, reviewer_schools, active_ok, launch)
    # a school with no active tie gets its LA forum (every networking school has at least one)
    sm = schools_m.frame()
    ties = np.zeros(n, dtype=bool)
    act = sm["tier"].map({t: i for i, t in enumerate(LADDER)}).to_numpy() >= ACTIVE_FROM
    ties[sm["who"].to_numpy()[act]] = True
    ties[federated] = True
    if len(reviews):
        ties[reviews["reviewer"].to_numpy()] = True
        ties[reviews["reviewed"].to_numpy()] = True
    lonely = active_ok & ~ties
    schools_m.add(lonely, who=np.arange(n), network_id=forum, tier="attended_training", start_date=since)
    return {
        "networks": pd.concat(nets, ignore_index=True),
        "school_members": schools_m.frame(),
        "person_members": people_m.frame(),
        "reviews": reviews,
        "isolated": isolated,
    }


def _peer_reviews(
    w: World, reviewer_schools: np.ndarray, active_ok: np.ndarray, launch: np.datetime64
) -> pd.DataFrame:
    """Each trained-reviewer school reviews 1-3 networking schools in its LA, after its training."""
    rng, s = w.rng, w.schools
    k = rng.integers(1, 4, len(reviewer_schools))
    reviewer = np.repeat(reviewer_schools, k)
    n = len(reviewer)
    pool = np.flatnonzero(active_ok)
    pool_la = s.la_pos[pool]
    lo = np.searchsorted(pool_la, s.la_pos[reviewer], "left")
    hi = np.searchsorted(pool_la, s.la_pos[reviewer], "right")
    reviewed = (
        pool[np.minimum(lo + (rng.random(n) * (hi - lo)).astype(np.int64), len(pool) - 1)]
        if len(pool)
        else reviewer
    )
    date = np.minimum(years_after(launch, rng.uniform(0.5, 8.5, n)), w.as_of)
    person = w.senco_of_school[reviewer]
    person = np.where(person >= 0, person, w.head_of_school[reviewer])
    frame = pd.DataFrame(
        {
            "reviewer": reviewer,
            "reviewed": reviewed,
            "date": date,
            "tool": REVIEW_TOOLS[rng.choice(3, n, p=[0.8, 0.15, 0.05])],
            "person": person,
        }
    )
    frame = frame[frame["reviewer"] != frame["reviewed"]]
    return frame.drop_duplicates(["reviewer", "reviewed", "date"]).reset_index(drop=True)


def allocate_all(scope: Scope) -> np.ndarray:
    """Schools per LA for all 153 LAs (national allocation), for sharing out the 87 hubs."""
    from loaders.synthetic.geography import Scope as _Scope

    whole = _Scope("national", scope.national, scope.national)
    return allocate(whole).sum(axis=1).astype(float)


def _within(group: np.ndarray) -> np.ndarray:
    """Position of each element within its run of equal, consecutive values."""
    if not len(group):
        return np.zeros(0, dtype=np.int64)
    start = np.r_[True, group[1:] != group[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(group)), 0))
    return np.arange(len(group)) - first


def _hub_home(las: pd.DataFrame, hubs: np.ndarray) -> np.ndarray:
    """For each LA in scope, the LA whose hubs serve it: itself, or its region's LA with most hubs."""
    home = np.arange(len(las))
    region = las["region_code"].to_numpy()
    for r in np.unique(region):
        idx = np.flatnonzero(region == r)
        best = idx[np.argmax(hubs[idx])]
        if hubs[best] == 0:  # a region with no hub in scope (LA scale): use any LA in scope with one
            best = int(np.argmax(hubs))
        home[idx[hubs[idx] == 0]] = best
    return home


__all__ = ["build_networks", "exact_flags", "LADDER"]
