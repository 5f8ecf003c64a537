"""The facts maps show about schools: SEN pupils, participation rung, SENCO status, tooltips.

Statuses come from the analyses (``queries.networks.participation``, ``queries.audits.senco``,
``queries.audits.sensory``), imported inside functions so a map module imports even where an analysis
is not installed, and so tests can hand a map a frame worked out by hand.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from queries.context import Filters
from visuals.legend import NO_TIER

SENSORY_SEVERITY = ["unqualified", "within_allowance", "qualified"]
"""A school or service shows its worst sensory post: one unqualified teacher is the gap to see."""


def sen_pupils(frame: pd.DataFrame) -> pd.Series:
    """Pupils with an EHC plan plus pupils on SEN support (GIAS SENStat + SENNoStat); 0 if unknown."""
    return (frame["ehcp_pupils"].fillna(0) + frame["sen_support_pupils"].fillna(0)).astype(int)


def node_size(sen: int, base: float = 8.0, scale: float = 2.0, cap: float = 48.0) -> float:
    """Area grows with SEN pupils (radius ~ sqrt), so big schools do not swamp the map."""
    return min(cap, base + scale * math.sqrt(max(0, int(sen))))


def school_tiers(
    store: GraphStore, filters: Filters, as_of: dt.date, frame: pd.DataFrame | None = None
) -> pd.Series:
    """urn -> highest participation rung (``none`` if outside every network), per the analysis."""
    if frame is None:
        from queries.networks.participation import school_participation

        frame = school_participation(store, as_of=as_of, filters=filters)
    tiers = frame.set_index("urn")["highest_tier"].astype("string").fillna(NO_TIER)
    return tiers.where(tiers != "", NO_TIER)


def senco_statuses(
    store: GraphStore, filters: Filters, as_of: dt.date, frame: pd.DataFrame | None = None
) -> tuple[pd.Series, pd.DataFrame]:
    """(urn -> the school's SENCO status, the per-SENCO audit rows) from the SENCO audit.

    The school's status is the audit's own (``queries.audits.senco.school_status``: its worst current
    SENCO's, in the documented severity order), so a map's counts are the audit summary's counts; a
    second, map-only ordering once showed each school's best SENCO and disagreed with the summary."""
    if frame is None:
        try:
            from queries.audits.senco import senco_audit
        except ImportError as exc:  # pragma: no cover - the analysis ships with the package
            raise SendgraphError("the SENCO audit is not available in this installation") from exc
        frame = senco_audit(store, as_of=as_of, filters=filters)
    from queries.audits.senco import school_status

    if not len(frame):
        return pd.Series(dtype="string"), frame
    worst = school_status(frame).set_index("urn")["status"]
    return worst.astype("string"), frame


def sensory_frame(
    store: GraphStore, filters: Filters, as_of: dt.date, frame: pd.DataFrame | None = None
) -> pd.DataFrame:
    if frame is None:
        try:
            from queries.audits.sensory import sensory_audit
        except ImportError as exc:  # pragma: no cover
            raise SendgraphError("the sensory audit is not available in this installation") from exc
        frame = sensory_audit(store, as_of=as_of, filters=filters)
    return frame


def worst_sensory(statuses: pd.Series) -> str:
    for s in SENSORY_SEVERITY:
        if (statuses == s).any():
            return s
    return "qualified"


def count_text(statuses: pd.Series) -> str:
    """'2 compliant, 1 overdue' in a fixed order (for tooltips)."""
    counts = statuses.value_counts()
    return ", ".join(f"{int(n)} {str(s).replace('_', ' ')}" for s, n in sorted(counts.items()))


def fmt(value: object) -> str:
    """A cell as tooltip text: blanks as 'unknown', whole floats without '.0'."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return "unknown"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return str(value)


def school_tooltip(row: dict, extra: list[str]) -> str:
    """The facts behind a school node, one per line (plain text: vis-network shows it as text)."""
    lines = [
        f"{fmt(row.get('name'))} (URN {fmt(row.get('urn'))})",
        f"{fmt(row.get('type'))} · {fmt(row.get('phase'))}",
        f"LA: {fmt(row.get('la_name'))}",
    ]
    if row.get("trust_name") is not None and row.get("trust_name") is not pd.NA:
        lines.append(f"Trust: {fmt(row.get('trust_name'))}")
    lines.append(
        f"Pupils: {fmt(row.get('pupils'))} · EHC plans: {fmt(row.get('ehcp_pupils'))} · "
        f"SEN support: {fmt(row.get('sen_support_pupils'))}"
    )
    return "\n".join(lines + extra)


TIE_KINDS_DRAWN = ("peer_review", "shared_staff")
"""School-to-school tie kinds a region map draws as edges; other GIAS link kinds (federation, ...)
are drawn too. Network and trust ties are drawn as membership of a network / trust node instead."""


def school_ties(store: GraphStore, as_of: dt.date, filters: Filters = Filters()) -> pd.DataFrame:
    """The collaboration analysis' ties between schools on ``as_of``: urn_a, urn_b, kind, weight.

    The ONE place maps read ties: ``queries.networks.ties.tie_instances`` (one row per contribution to
    a tie; history links such as predecessors, expired contacts and closed schools already dropped),
    counted into a weight per (pair, kind). CPD co-attendance is left out: a map draws who works with
    whom in standing arrangements, and an event would draw a clique over every school present.
    """
    from queries.networks.ties import tie_instances

    # the map's own scope (a region): the analysis keeps ties with both ends in it, which is all a
    # region map draws, and works on the region's schools only (a region map of the national
    # workspace spent minutes on the whole country's ties before)
    inst = tie_instances(store, as_of=as_of, filters=filters, min_weight=0)
    inst = inst[inst["kind"] != "cpd_event"]
    if not len(inst):
        return pd.DataFrame({"urn_a": [], "urn_b": [], "kind": [], "weight": []})
    return inst.groupby(["urn_a", "urn_b", "kind"], sort=True).size().reset_index(name="weight")


MAP_BROKER_SAMPLES = 64


def broker_scores(store: GraphStore, filters: Filters, as_of: dt.date) -> pd.Series:
    """urn -> normalised betweenness from the collaboration analysis (``brokers``); 0 for the rest.

    A map sizes nodes by it, so an estimate will do: betweenness from MAP_BROKER_SAMPLES sampled
    sources (fixed seed, so the same map twice is the same), since exact weighted betweenness on a
    region's dense tie graph took 52 s of a 60 s map build (North East demo, 2 cores)."""
    from queries.networks.collaboration import brokers

    frame = brokers(store, as_of=as_of, filters=filters, top=None, exact_limit=0, samples=MAP_BROKER_SAMPLES)
    if not len(frame):
        return pd.Series(dtype=float)
    return frame.set_index("urn")["betweenness"].astype(float)
