"""Dates as numpy ``datetime64[D]`` arrays, and exact-share label assignment.

Everything is computed relative to the reference date (``as_of``), never the clock, so the same
seed gives the same bundle on any day and on any machine.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

NAT = np.datetime64("NaT", "D")
YEAR = 365.25


def day(d: dt.date) -> np.datetime64:
    return np.datetime64(d.isoformat(), "D")


def month_floor(d: np.ndarray) -> np.ndarray:
    """The first of the month of each date (staff start on the 1st; NaT stays NaT)."""
    return d.astype("datetime64[M]").astype("datetime64[D]")


def years_before(ref: np.datetime64 | np.ndarray, years: np.ndarray) -> np.ndarray:
    """``ref`` minus ``years`` (fractional), floored to the month."""
    return month_floor(ref - (np.asarray(years) * YEAR).astype("int64").astype("timedelta64[D]"))


def years_after(ref: np.datetime64 | np.ndarray, years: np.ndarray | float) -> np.ndarray:
    return month_floor(ref + (np.asarray(years) * YEAR).astype("int64").astype("timedelta64[D]"))


def years_between(start: np.ndarray, end: np.datetime64 | np.ndarray) -> np.ndarray:
    return (end - start).astype("int64") / YEAR


def exact_labels(rng: np.random.Generator, n: int, shares: dict[str, float]) -> np.ndarray:
    """``n`` labels with exactly round(share * n) of each (largest remainder), in random order.

    Stratified rather than sampled independently, so a region-scale bundle hits a target share to
    within rounding instead of within binomial noise: the calibration is a property of the population.
    """
    names = list(shares)
    counts = largest_remainder(np.array([shares[k] for k in names], dtype=float), n)
    labels = np.repeat(np.array(names, dtype=object), counts)
    return labels[rng.permutation(n)] if n else labels


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` summing exactly to ``total`` (Hamilton's method)."""
    w = np.asarray(weights, dtype=float)
    if total <= 0 or w.sum() <= 0:
        return np.zeros(len(w), dtype=np.int64)
    quota = w / w.sum() * total
    base = np.floor(quota).astype(np.int64)
    short = total - int(base.sum())
    order = np.lexsort((np.arange(len(w)), -(quota - base)))  # stable: ties by position
    base[order[:short]] += 1
    return base


def exact_flags(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """A boolean array with exactly round(share * n) true values, in random positions."""
    k = int(round(share * n))
    out = np.zeros(n, dtype=bool)
    if n and k:
        out[rng.permutation(n)[:k]] = True
    return out
