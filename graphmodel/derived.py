"""Derived column sets: columns a load computes from other rows (``derived = "<set>"`` in schema.toml).

Why at load time: an answer a graph server can give with one aggregate over edges (how many people
moved from class teacher to SENCO) otherwise needs every post shipped to the client and the career
rules run there. So the rules run once per load, on the client that loads, with the same code the
analyses use (:mod:`graphmodel.careers`), and their results are stored on the rows.

A set is registered here by name (:data:`DERIVERS`): the tables it writes (and reads), the tables
it only reads (``inputs``: ``cpd_days`` writes ``people`` from the CPD tables), the column that
groups rows which derive together (a person: their posts decide each other's spells), and the
function. Both stores call :func:`rederive` inside a load, before anything is written, so a failed
load leaves the old rows and their derived values, and a re-run load changes nothing:

* the embedded workspace recomputes the set's tables whole (numpy: seconds at national scale);
* a server store recomputes exactly the groups (people) a load touches, from their rows on the
  server plus the incoming rows, and writes the rows whose values changed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pandas as pd

from graphmodel import careers, cpd_days, shared_posts, specialists
from graphmodel.merge import diff, upsert
from graphmodel.schema import Schema, Table
from graphmodel.validate import conform

__all__ = ["DERIVERS", "DerivedSet", "merged_groups", "rederive", "rederived_rows", "sets_touching"]


@dataclass(frozen=True)
class DerivedSet:
    """One derived column set: ``derive`` takes ``tables`` (by name, input columns filled) and
    returns them with the set's columns filled; rows sharing ``group`` derive together."""

    name: str
    tables: tuple[str, ...]
    group: str
    derive: Callable[[dict[str, pd.DataFrame]], dict[str, pd.DataFrame]]
    inputs: tuple[str, ...] = ()
    """Tables the set reads but does not write; a load of any of them recomputes it."""
    links: tuple[tuple[str, str, str], ...] = ()
    """``(table, column, via)``: rows of input ``table`` touch the groups of the rows of ``via`` that
    share ``column`` (an activity's date or needs touch every attendee of it); an input without a
    link holds ``group`` itself."""
    marker: str = ""
    """A column ``derive`` fills on every row it writes (the set's newest, when a column is added):
    a stored row without it was written by a sendgraph from before it, so a load that would fill it
    for some people only is refused (:meth:`graphmodel.server.base.ServerStore._refuse_underived`)."""

    @property
    def reads(self) -> tuple[str, ...]:
        """Every table the set reads: its outputs, then its inputs."""
        return (*self.tables, *self.inputs)


def _careers(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    posts, spost = careers.derive(frames["posts"], frames["service_posts"])
    return {"posts": posts, "service_posts": spost}


def _shared_staff(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {"posts": shared_posts.multi_school(frames["posts"])}


def _cpd_days(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    people = cpd_days.cpd_days(
        frames["people"], frames["attendance"], frames["cpd_activities"], frames["activity_needs"]
    )
    return {"people": people}


def _specialist(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {"people": specialists.specialist_flags(frames["people"], frames["posts"])}


DERIVERS: dict[str, DerivedSet] = {
    "careers": DerivedSet("careers", ("posts", "service_posts"), "person_id", _careers, marker="spell_day"),
    "shared_staff": DerivedSet("shared_staff", ("posts",), "person_id", _shared_staff, marker="multi_school"),
    "cpd_days": DerivedSet(
        "cpd_days",
        ("people",),
        "person_id",
        _cpd_days,
        inputs=("attendance", "cpd_activities", "activity_needs"),
        links=(
            ("cpd_activities", "activity_id", "attendance"),
            ("activity_needs", "activity_id", "attendance"),
        ),
        marker="first_send_cpd_day",
    ),
    "specialist": DerivedSet(
        "specialist", ("people",), "person_id", _specialist, inputs=("posts",), marker="specialist"
    ),
}
"""Every derived set by the name schema.toml gives it."""


def sets_touching(schema: Schema, tables: Iterable[str]) -> list[DerivedSet]:
    """The derived sets declared in ``schema`` that read any of ``tables`` (outputs or inputs)."""
    names = {p.derived for t in schema.tables.values() for p in t.properties.values() if p.derived}
    wanted = set(tables)
    return [DERIVERS[n] for n in sorted(names) if wanted & set(DERIVERS[n].reads)]


def rederived_rows(spec: Table, old: pd.DataFrame, new: pd.DataFrame) -> int:
    """Rows of ``new`` whose derived columns are new or differ from the row of the same key in
    ``old`` (the count a load reports as ``rederived``, the same on every store)."""
    cols = [*spec.key, *spec.derived_columns]
    added, changed = diff(list(spec.key), old[cols], new[cols])
    return int(added.sum() + changed.sum())


def rederive(schema: Schema, dset: DerivedSet, frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """``frames`` (every table of ``dset``, all rows of the groups concerned, and its inputs' rows
    they read) with the set's columns recomputed, conformed to the schema, rows in the order given;
    only the set's output tables are returned. The columns of other sets on the same tables (posts
    carry the career columns and ``multi_school``) are kept as ``frames`` has them."""
    inputs = {t: frames[t][schema.table(t).input_columns] for t in dset.reads}
    out = dset.derive(inputs)
    result = {}
    for t in dset.tables:
        spec, frame = schema.table(t), out[t]
        others = [
            c
            for c, p in spec.properties.items()
            if p.derived and p.derived != dset.name and c in frames[t].columns
        ]
        if others:
            frame = frame.assign(**{c: frames[t][c].array for c in others})
        result[t] = conform(spec, frame)
    return result


def merged_groups(
    schema: Schema,
    dset: DerivedSet,
    existing: dict[str, pd.DataFrame],
    incoming: dict[str, pd.DataFrame],
) -> dict[str, pd.DataFrame]:
    """The rows of the groups ``incoming`` touches after merging it into ``existing`` (both: all
    rows of those groups, and of the inputs they read), with the set's columns recomputed: what a
    server store writes back (the output tables only)."""
    merged = {}
    for t in dset.reads:
        spec = schema.table(t)
        rows, _added, _changed = upsert(spec, existing[t], incoming.get(t, existing[t].iloc[:0]))
        merged[t] = rows
    return rederive(schema, dset, merged)
