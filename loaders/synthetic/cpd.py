"""Providers, what they offer, CPD activities, attendance and the needs each activity addresses.

Providers: the national charities already in the catalogue (nasen, AET, BDA, NatSIP, pdnet, The
Communication Trust, WSS...), fictional universities offering QTS, NASENCO / the NPQ for SENCOs and
SEN postgraduate awards, only a handful offering the sensory MQs (UCL 2019 s3.2; issue 6's
bottleneck), one LA traded service per LA, and commercial trainers (UCL 2019 s4.5 supplier types).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from graphmodel.catalogue import catalogue_frame
from loaders.synthetic.dates import years_before
from loaders.synthetic.geography import Scope
from loaders.synthetic.names import PLACE_END, PLACE_START

N_UNIVERSITIES = 24
N_COMMERCIAL = 8
# (qualification, number of universities offering it, places per year)
UNIVERSITY_OFFERS = [
    ("QTS", 24, 400),
    ("NASENCO", 18, 60),
    ("NPQ_SENCO", 12, 150),
    ("PGCERT_SEN", 10, 40),
    ("MA_SEN", 10, 30),
    ("PHD_SEN", 4, 5),
    ("SPLD_L7", 5, 30),
    ("PD_CERT", 2, 20),
    ("MQ_VI", 2, 30),
    ("MQ_HI", 3, 40),
    ("MQ_MSI", 1, 12),
    ("ED_AUDIOLOGIST", 1, 10),
    ("HABILITATION", 1, 10),
]
# topic -> (provider ids or kinds, need codes addressed, format)
TOPICS = [
    ("Autism awareness in the classroom", ["AET"], ["ASD"]),
    ("Dyslexia and literacy difficulties", ["BDA", "SPLD_TRUST"], ["SPLD"]),
    ("Speech, language and communication", ["TCT"], ["SLCN"]),
    ("Supporting social, emotional and mental health", ["la", "commercial"], ["SEMH"]),
    ("Teaching pupils with vision impairment", ["NATSIP"], ["VI"]),
    ("Deaf awareness and hearing technology", ["NATSIP"], ["HI"]),
    ("Multi-sensory impairment", ["NATSIP"], ["MSI"]),
    ("Physical disability: access and independence", ["PDNET"], ["PD"]),
    ("Severe and profound learning difficulties", ["EQUALS"], ["SLD", "PMLD"]),
    ("Moderate learning difficulties and adaptive teaching", ["la", "hub"], ["MLD"]),
    (
        "SEND Code of Practice and EHC plans",
        ["NASEN", "la"],
        ["BROAD_CI", "BROAD_CL", "BROAD_SEMH", "BROAD_SP"],
    ),
    ("Deploying teaching assistants", ["WSS", "commercial"], []),
    ("SEND Review Guide reviewer training", ["WSS"], []),
]
FORMATS = np.array(["twilight", "INSET day", "external course", "online", "conference"], dtype=object)


@dataclass
class Providers:
    frame: pd.DataFrame
    offers: pd.DataFrame
    universities: np.ndarray
    mq: dict[str, np.ndarray]
    la_provider: np.ndarray  # per LA in scope
    commercial: np.ndarray


def build_providers(rng: np.random.Generator, scope: Scope) -> Providers:
    regions = catalogue_frame("regions")["code"].to_numpy(dtype=object)
    uni_ids = np.array([f"SYN-UNI-{i + 1:02d}" for i in range(N_UNIVERSITIES)], dtype=object)
    uni_names = (
        "University of "
        + PLACE_START[np.arange(N_UNIVERSITIES) * 2 % len(PLACE_START)]
        + PLACE_END[np.arange(N_UNIVERSITIES) * 5 % len(PLACE_END)]
        + " (synthetic)"
    )
    com_ids = np.array([f"SYN-COM-{i + 1:02d}" for i in range(N_COMMERCIAL)], dtype=object)
    com_names = np.array(
        [
            f"{PLACE_START[i * 3 + 1]}{PLACE_END[i * 7 % len(PLACE_END)]} SEND Training Ltd (synthetic)"
            for i in range(N_COMMERCIAL)
        ],
        dtype=object,
    )
    la_ids = ("SYN-LATS-" + scope.las["code"]).to_numpy(dtype=object)
    frame = pd.concat(
        [
            pd.DataFrame(
                {
                    "provider_id": uni_ids,
                    "name": uni_names,
                    "kind": "university",
                    "region_code": regions[np.arange(N_UNIVERSITIES) % len(regions)],
                }
            ),
            pd.DataFrame(
                {"provider_id": com_ids, "name": com_names, "kind": "commercial", "region_code": None}
            ),
            pd.DataFrame(
                {
                    "provider_id": la_ids,
                    "name": scope.las["name"] + " SEND traded services (synthetic)",
                    "kind": "la",
                    "region_code": scope.las["region_code"],
                }
            ),
        ],
        ignore_index=True,
    )
    rows, mq = [], {}
    for qual, k, places in UNIVERSITY_OFFERS:
        # offers rotate through the universities so a handful hold the MQs, spread over regions
        start = {"MQ_VI": 0, "MQ_HI": 2, "MQ_MSI": 1, "ED_AUDIOLOGIST": 2, "HABILITATION": 0}.get(qual, 0)
        chosen = (
            uni_ids[(start + np.arange(k) * 5) % N_UNIVERSITIES]
            if qual.startswith(("MQ", "ED", "HAB"))
            else uni_ids[:k]
        )
        if qual.startswith("MQ_"):
            mq[qual] = chosen
        rows.append(
            pd.DataFrame(
                {
                    "provider_id": chosen,
                    "qualification": qual,
                    "places_per_year": rng.integers(places // 2, places + 1, k),
                }
            )
        )
    offers = pd.concat(rows, ignore_index=True).drop_duplicates(["provider_id", "qualification"])
    return Providers(frame, offers, uni_ids[:18], mq, la_ids, com_ids)


def build_cpd(
    rng: np.random.Generator,
    scope: Scope,
    providers: Providers,
    hub_ids: np.ndarray,
    staff_person: np.ndarray,
    staff_la: np.ndarray,
    as_of: np.datetime64,
    per_person: float = 0.6,
) -> dict[str, pd.DataFrame]:
    """Activities over the last five years, attended by current staff of the activity's LA."""
    n_staff = len(staff_person)
    n_act = max(len(TOPICS), int(round(n_staff * per_person / 22)))
    topic = rng.integers(0, len(TOPICS), n_act)
    la = rng.integers(0, len(scope.las), n_act)
    provider = np.empty(n_act, dtype=object)
    for t, (_title, who, _needs) in enumerate(TOPICS):
        m = np.flatnonzero(topic == t)
        choice = np.array(who, dtype=object)[rng.integers(0, len(who), len(m))]
        resolved = choice.copy()
        resolved[choice == "la"] = providers.la_provider[la[m][choice == "la"]]
        resolved[choice == "commercial"] = providers.commercial[
            rng.integers(0, len(providers.commercial), int((choice == "commercial").sum()))
        ]
        hub = choice == "hub"
        if len(hub_ids):
            resolved[hub] = hub_ids[rng.integers(0, len(hub_ids), int(hub.sum()))]
        else:
            resolved[hub] = providers.la_provider[la[m][hub]]
        provider[m] = resolved
    ids = np.array([f"SYN-CPD-{i + 1:06d}" for i in range(n_act)], dtype=object)
    titles = np.array([t[0] for t in TOPICS], dtype=object)[topic]
    fmt = FORMATS[rng.integers(0, len(FORMATS), n_act)]
    hours = np.select(
        [fmt == "twilight", fmt == "INSET day", fmt == "conference"],
        [1.5, 6.0, 6.0],
        rng.choice([3.0, 6.0, 12.0], n_act),
    )
    date = years_before(as_of, rng.uniform(0.02, 5, n_act))
    activities = pd.DataFrame(
        {
            "activity_id": ids,
            "title": titles,
            "provider_id": provider,
            "format": fmt,
            "topic": titles,
            "date": date,
            "hours": hours,
        }
    )
    needs = [(ids[topic == t], code) for t, (_, _, codes) in enumerate(TOPICS) for code in codes]
    activity_needs = (
        pd.concat([pd.DataFrame({"activity_id": a, "need": c}) for a, c in needs], ignore_index=True)
        if needs
        else pd.DataFrame({"activity_id": [], "need": []})
    )

    # attendance: ~22 per activity, drawn from current staff of the activity's LA
    k = rng.poisson(22, n_act)
    act = np.repeat(np.arange(n_act), k)
    order = np.argsort(staff_la, kind="stable")
    sorted_la = staff_la[order]
    lo = np.searchsorted(sorted_la, la[act], "left")
    hi = np.searchsorted(sorted_la, la[act], "right")
    ok = hi > lo
    pick = order[np.minimum(lo + (rng.random(len(act)) * (hi - lo)).astype(np.int64), len(order) - 1)]
    attendance = pd.DataFrame(
        {
            "person": staff_person[pick[ok]],
            "activity_id": ids[act[ok]],
            "date": date[act[ok]],
            "hours": hours[act[ok]],
        }
    )
    attendance = attendance.drop_duplicates(["person", "activity_id"])
    return {"cpd_activities": activities, "activity_needs": activity_needs, "attendance": attendance}
