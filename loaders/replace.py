"""Replacing a server's sendgraph data: validate first, then wipe what this tool wrote, then load.

Why validate against an empty view: after ``--replace`` the graph holds only the new inputs (plus
the shipped catalogue), so references must resolve within them, and the user must hear about bad
input BEFORE anything is deleted. Only then are the schema's labels and the LoadRun records wiped
(nodes with other labels, written by other tools, are never touched) and the inputs loaded.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from graphmodel.errors import ValidationFailed
from graphmodel.schema import Schema
from graphmodel.server.base import ServerStore
from graphmodel.store import LoadReport, Progress
from graphmodel.validate import empty_frame
from loaders import ingest


class EmptyView:
    """A store with the server's schema and no rows: what the graph will be just after the wipe."""

    backend = "empty"

    def __init__(self, schema: Schema):
        self.schema = schema

    def table(self, name: str) -> pd.DataFrame:
        return empty_frame(self.schema.table(name))


def replace_load(
    store: ServerStore,
    paths: list[tuple[Path, str]],
    *,
    progress: Progress | None = None,
    today: dt.date | None = None,
    options: dict | None = None,
) -> tuple[dict[str, int], LoadReport, list[str]]:
    """Validate ``paths`` as a whole graph, wipe sendgraph's data, load: (deleted, report, notes)."""
    with store.writing():  # the lease: no other load runs between the wipe and this load
        prepared = ingest.prepare(EmptyView(store.schema), paths, today=today, options=options)  # type: ignore[arg-type]
        if prepared.problems:
            raise ValidationFailed(prepared.problems)
        deleted = store.wipe()
        report = store.load(prepared.checked, progress)
    return deleted, report, prepared.notes
