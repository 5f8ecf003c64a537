"""Physical disability specialists: who holds a relevant qualification (a gap, never non-compliance).

DOMAIN.md rule 3 (UCL 2019 digest §1.4, §2.5, §4.6): physical disability specialists have no mandatory
qualification and no consistent role names, so this audit reports "no relevant qualification",
never "non-compliant". UCL found 24% (17/70) with no relevant qualification for their role.

"Relevant" follows the qualifications PD respondents reported in UCL §5.3: NASENCO (and its
successor, the NPQ for SENCOs), PGCert, Masters and PhD/EdD in SEN / disability / inclusion, and
any need-specific qualification for physical disability (catalogue ``need`` = PD, e.g. PD_CERT).
Roles: every catalogue role whose ``need`` is PD (PD_SPECIALIST), at schools and in services.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from graphmodel.frames import isin
from graphmodel.store import GraphStore
from queries.audits.sensory import specialist_posts
from queries.context import Filters, by_columns
from queries.posts import LOCATION_COLUMNS, held
from queries.publish import Publishes
from queries.registry import analysis

__all__ = [
    "PUBLISHES",
    "pd_audit",
]

GENERIC_RELEVANT = ("NASENCO", "NPQ_SENCO", "PGCERT_SEN", "MA_SEN", "PHD_SEN")
STATUSES = ("relevant qualification", "no relevant qualification")
COLUMNS = [
    "person_id",
    "role",
    "setting",
    "urn",
    "service_id",
    *LOCATION_COLUMNS,
    "appointed",
    "fte",
    "status",
    "qualifications",
]


def relevant_qualifications(store: GraphStore) -> list[str]:
    """The qualification codes that count as relevant for a PD specialist (see module docstring)."""
    q = store.table("qualifications")
    pd_need = q.loc[(q["need"] == "PD").fillna(False).astype(bool), "code"].tolist()
    return sorted(set(GENERIC_RELEVANT) | set(pd_need))


@analysis
def pd_audit(
    store: GraphStore, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """One row per current PD specialist post on ``as_of``: "relevant qualification" (with the
    codes held, ';'-separated) or "no relevant qualification" (DOMAIN.md rule 3).

    >>> pd_audit(store, as_of=dt.date(2025, 9, 1))  # doctest: +SKIP
    """
    as_of = as_of or dt.date.today()
    cur = specialist_posts(store, as_of, ["PD"], filters).rename(columns={"start_date": "appointed"})
    q = held(store, as_of, relevant_qualifications(store))[["person_id", "qualification"]]
    q = q[isin(q["person_id"], cur["person_id"])].drop_duplicates()
    q = q.sort_values(["person_id", "qualification"])
    codes = q.groupby("person_id")["qualification"].agg(";".join).rename("qualifications")
    cur = cur.merge(codes, left_on="person_id", right_index=True, how="left")
    has = cur["qualifications"].notna().to_numpy()
    cur["status"] = pd.array(np.where(has, STATUSES[0], STATUSES[1]), dtype="string")
    out = cur[COLUMNS + ["phase", "type", "kind", "trust_id", "trust_name"]]
    return out.sort_values(["region_code", "la_code", "person_id"], kind="stable").reset_index(drop=True)


def pd_summary(detail: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """PD specialist posts and the share with no relevant qualification per ``by`` group."""
    keys = by_columns(by)
    frame = detail.assign(_none=(detail["status"] == STATUSES[1]).astype(int), _one=1)
    if not keys:
        frame = frame.assign(area="England")
        keys = ["area"]
    frame[keys] = frame[keys].astype("string").fillna("(service)")
    out = frame.groupby(keys).agg(posts=("_one", "sum"), no_relevant_qualification=("_none", "sum"))
    out["pct_no_relevant_qualification"] = (100 * out["no_relevant_qualification"] / out["posts"]).round(1)
    return out.reset_index()


PUBLISHES = Publishes(
    counts=("posts", "no_relevant_qualification"),
    rates={"pct_no_relevant_qualification": ("no_relevant_qualification", "posts")},
)
"""What :func:`pd_summary` publishes (through :func:`queries.publish.publish`)."""
