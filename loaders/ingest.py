"""Loading: read inputs, validate them against the schema and the graph, then commit all or nothing.

This is the one path every load takes, whatever the format and whatever the backend, so the rules
(every problem reported with file, row and column; nothing written if anything is wrong; re-running
a load changes nothing) hold everywhere.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graphmodel.catalogue import catalogue_raws
from graphmodel.errors import Problem, ValidationFailed
from graphmodel.merge import diff
from graphmodel.schema import Schema, foreign_keys
from graphmodel.store import GraphStore, LoadReport, Progress
from graphmodel.validate import Checked, KeySet, RawTable, check_references, coerce_table
from loaders.registry import read_input

COERCE_THREADS = min(
    4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
)
"""Threads typing the input tables side by side (:func:`_coerce_all`)."""


@dataclass
class Prepared:
    """Validated tables ready to commit, or the problems that stop them."""

    checked: list[Checked]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _catalogue(store: GraphStore, schema: Schema, incoming: list[Checked], today: dt.date) -> list[Checked]:
    """Catalogue rows the graph lacks: added if absent, never overwriting a user's edited rows."""
    out = []
    for raw in catalogue_raws():
        chk = coerce_table(schema, raw, today)
        if chk.problems:  # a broken shipped catalogue is a bug, not user error
            raise RuntimeError(f"packaged catalogue is invalid: {chk.problems[0]}")
        key = list(schema.table(raw.table).key)
        taken = [store.table(raw.table)] + [c.frame for c in incoming if c.table == raw.table]
        have = pd.concat([t[key] for t in taken], ignore_index=True)
        fresh, _changed = diff(key, have, chk.frame[key])
        if fresh.any():
            chk.frame = chk.frame[fresh].reset_index(drop=True)
            chk.rows = chk.rows[fresh]
            out.append(chk)
    return out


def prepare(
    store: GraphStore,
    paths: list[tuple[Path, str]],
    *,
    today: dt.date | None = None,
    options: dict | None = None,
    include_catalogue: bool = True,
) -> Prepared:
    """Read and validate inputs against the store; nothing is written."""
    schema = store.schema
    today = today or dt.date.today()
    result = Prepared([])
    for path, fmt in paths:
        read = read_input(Path(path), schema, fmt, **(options or {}))
        result.problems += read.problems
        result.notes += read.notes
        for chk in _coerce_all(schema, read.raws, today):  # an input's problems, then the next's
            result.problems += chk.problems
            result.checked.append(chk)
    if include_catalogue:
        result.checked = _catalogue(store, schema, result.checked, today) + result.checked
    # Duplicate keys across two inputs of the same table (within one input is caught above).
    seen: dict[str, list[Checked]] = {}
    for chk in result.checked:
        seen.setdefault(chk.table, []).append(chk)
    for table, parts in seen.items():
        if len(parts) > 1:
            key = list(schema.table(table).key)
            allk = pd.concat([p.frame[key] for p in parts], ignore_index=True)
            if allk.duplicated().any():
                result.problems.append(
                    Problem(
                        ", ".join(p.source for p in parts),
                        None,
                        key[0],
                        f"the same {table} key appears in more than one input",
                    )
                )

    available = _available_keys(store, schema, result.checked)
    for chk in [c for c in result.checked if c.drop_dangling]:
        keep = pd.Series(True, index=chk.frame.index)
        for column, target, target_key in foreign_keys(schema, schema.table(chk.table)):
            col = chk.frame[column]
            keep &= col.isna().to_numpy() | available[(target, target_key)].contains(col)
        skipped = int((~keep).sum())
        if skipped:
            result.notes.append(
                f"{chk.source}: {skipped} rows refer to schools not in the graph and were skipped"
            )
            chk.frame = chk.frame[keep].reset_index(drop=True)
            chk.rows = chk.rows[keep.to_numpy()]
    # the drop_dangling tables have just lost every row a reference check could flag
    result.problems += check_references(schema, [c for c in result.checked if not c.drop_dangling], available)
    return result


def _coerce_all(schema: Schema, raws: list[RawTable], today: dt.date) -> list[Checked]:
    """:func:`coerce_table` of every raw table, in their order, on up to ``COERCE_THREADS`` threads.

    Why threads: most of the typing is Arrow compute (strip, parse, hash), which releases the GIL,
    and the tables are independent; a national bundle's 2.6M posts alone took ~6.7 s of the ~13 s,
    while the machine's other core (and, on a server, the server) sat idle. The biggest tables go
    first so one thread is not left with the posts at the end."""
    if len(raws) < 2 or COERCE_THREADS < 2:
        return [coerce_table(schema, raw, today) for raw in raws]
    with ThreadPoolExecutor(COERCE_THREADS, thread_name_prefix="sendgraph-coerce") as pool:
        typed = {
            id(raw): pool.submit(coerce_table, schema, raw, today)
            for raw in sorted(raws, key=lambda raw: -len(raw.frame))
        }
        return [typed[id(raw)].result() for raw in raws]


def _available_keys(
    store: GraphStore, schema: Schema, checked: list[Checked]
) -> dict[tuple[str, str], KeySet]:
    """Keys each referenced table will hold after the load: what is stored plus what comes in."""
    out: dict[tuple[str, str], pd.Index] = {}
    for chk in checked:
        for _col, target, target_key in foreign_keys(schema, schema.table(chk.table)):
            if (target, target_key) in out:
                continue
            parts = [store.table(target)[target_key]]
            parts += [c.frame[target_key] for c in checked if c.table == target]
            out[(target, target_key)] = KeySet(pd.concat(parts, ignore_index=True))
    return out


def load(
    store: GraphStore,
    paths: list[tuple[Path, str]],
    *,
    progress: Progress | None = None,
    today: dt.date | None = None,
    options: dict | None = None,
) -> tuple[LoadReport, list[str]]:
    """Validate and load; raises :class:`ValidationFailed` (having written nothing) on any problem.

    The whole load runs holding the store's writer lock (the workspace lock, or the server lease), so
    the graph it validates and merges against is the graph it replaces: two loads at once never lose
    one another's rows; the second is refused with a clear message instead.
    """
    with writing(store):
        prepared = prepare(store, paths, today=today, options=options)
        if prepared.problems:
            raise ValidationFailed(prepared.problems)
        if progress:
            progress("validated", sum(len(c.frame) for c in prepared.checked))
        report = store.load(prepared.checked, progress)
    return report, prepared.notes


def writing(store: GraphStore) -> contextlib.AbstractContextManager:
    """The store's writer lock (``store.writing()``), or nothing for a store without one."""
    method = getattr(store, "writing", None)
    return method() if callable(method) else contextlib.nullcontext()
