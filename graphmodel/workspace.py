"""The embedded store: a workspace directory of Parquet tables, one per schema table.

Layout::

    sendgraph-workspace/
      CURRENT            name of the live version directory (replaced atomically)
      v000003/           one Parquet file per non-empty table, and manifest.json
      .lock              held while a load writes

Why this design: node and relationship tables are what the loaders produce and what tabular audits
join, so keeping them as columnar files makes reopening a national graph a matter of reading a few
Parquet files, and graph algorithms build networkx views from them on demand (``graphview.py``).

Atomicity: a load writes a complete new version directory beside the live one, fsyncs it, then
swaps ``CURRENT`` with ``os.replace`` (atomic on POSIX). A load killed at any moment leaves either
the old ``CURRENT`` (pointing at the old, untouched version) or the new one; stray half-written
directories are ignored and cleaned up by the next load.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import time
from pathlib import Path

import pandas as pd

from graphmodel.errors import SendgraphError
from graphmodel.merge import upsert
from graphmodel.schema import Schema, load_schema
from graphmodel.store import DerivedCache, LoadReport, Progress
from graphmodel.validate import Checked, conform, empty_frame

DEFAULT_WORKSPACE = "sendgraph-workspace"
VERSION_DIR = re.compile(r"v\d{6}|\.tmp-v\d{6}-\d+")
FORMAT = "sendgraph-workspace/1"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class Workspace(DerivedCache):
    """A local, file-based graph store (the default backend)."""

    backend = "embedded"

    def __init__(self, path: str | os.PathLike, schema: Schema | None = None):
        self.path = Path(path)
        self.schema = schema or load_schema()
        self._cache: dict = {}  # tables by name, and derived results (DerivedCache)

    # ------------------------------------------------------------------ reading
    def _current(self) -> Path | None:
        pointer = self.path / "CURRENT"
        if not pointer.exists():
            return None
        return self.path / pointer.read_text(encoding="utf-8").strip()

    @property
    def exists(self) -> bool:
        return self._current() is not None

    def manifest(self) -> dict:
        cur = self._current()
        if cur is None:
            return {"format": FORMAT, "tables": {}, "loads": []}
        return json.loads((cur / "manifest.json").read_text(encoding="utf-8"))

    def table(self, name: str) -> pd.DataFrame:
        """A table as a typed DataFrame; cached per Workspace object, so callers must not mutate it."""
        if name in self._cache:
            return self._cache[name]
        spec = self.schema.table(name)
        cur = self._current()
        file = cur / f"{name}.parquet" if cur else None
        if file is not None and file.exists():
            frame = conform(spec, pd.read_parquet(file))
        else:
            frame = empty_frame(spec)
        self._cache[name] = frame
        return frame

    def counts(self) -> dict[str, int]:
        tables = self.manifest().get("tables", {})
        return {name: int(tables.get(name, {}).get("rows", 0)) for name in self.schema.tables}

    def describe(self) -> str:
        return f"embedded workspace {self.path}"

    # ------------------------------------------------------------------ writing
    @contextlib.contextmanager
    def _locked(self):
        self.path.mkdir(parents=True, exist_ok=True)
        with open(self.path / ".lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise SendgraphError(
                    f"workspace {self.path} is being written by another sendgraph "
                    f"process; try again when it has finished"
                ) from None
            yield

    def merged_tables(self, checked: list[Checked]) -> tuple[dict[str, pd.DataFrame], LoadReport]:
        """The tables ``checked`` loads into, as they would be after the merge (nothing is written).

        Only those tables are read: the others stay as they are, and :meth:`commit` links their files
        into the new version without opening them.
        """
        report = LoadReport(sources=sorted({c.source for c in checked}))
        out: dict[str, pd.DataFrame] = {}
        by_table: dict[str, list[pd.DataFrame]] = {}
        for c in checked:
            by_table.setdefault(c.table, []).append(c.frame)
        for name, spec in self.schema.tables.items():
            if name not in by_table:
                continue
            incoming = (
                pd.concat(by_table[name], ignore_index=True) if len(by_table[name]) > 1 else by_table[name][0]
            )
            merged, added, changed = upsert(spec, self.table(name), incoming)
            out[name] = merged
            report.incoming[name] = len(incoming)
            report.added[name] = added
            report.changed[name] = changed
        return out, report

    def commit(
        self, tables: dict[str, pd.DataFrame], report: LoadReport, progress: Progress | None = None
    ) -> None:
        """Write a new version holding ``tables`` and switch to it atomically.

        A schema table not in ``tables``, or in it but unchanged by ``report``, keeps the live
        version's file: it is hard-linked (same bytes, no copy) and its row count taken from the
        live manifest.
        """
        with self._locked():
            old = self._current()
            # a load killed after writing its version but before the switch leaves an orphan
            self._cleanup(keep=old.name if old is not None else None)
            old_manifest = self.manifest() if old is not None else {}
            old_rows = old_manifest.get("tables", {})
            n = 1
            if old is not None:
                n = int(old.name.lstrip("v")) + 1
            new = self.path / f"v{n:06d}"
            tmp = self.path / f".tmp-v{n:06d}-{os.getpid()}"
            if tmp.exists():
                shutil.rmtree(tmp)
            tmp.mkdir()
            manifest_tables = {}
            for name in self.schema.tables:
                target = tmp / f"{name}.parquet"
                source = old / f"{name}.parquet" if old is not None else None
                unchanged = name not in tables or (
                    report.added.get(name, 0) == 0 and report.changed.get(name, 0) == 0
                )
                if unchanged and source is not None and source.exists():
                    os.link(source, target)  # same bytes: share the file
                    rows = int(old_rows[name]["rows"])
                elif name in tables and not tables[name].empty:
                    tables[name].to_parquet(target, index=False, compression="zstd")
                    with open(target, "rb+") as fh:
                        os.fsync(fh.fileno())
                    rows = len(tables[name])
                else:
                    continue
                manifest_tables[name] = {"rows": rows}
                if progress:
                    progress(f"wrote {name}", rows)
            loads = list(old_manifest.get("loads", []))
            loads.append(
                {
                    "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "sources": report.sources,
                    "incoming": report.incoming,
                    "added": report.added,
                    "changed": report.changed,
                }
            )
            manifest = {
                "format": FORMAT,
                "schema_version": self.schema.version,
                "tables": manifest_tables,
                "loads": loads[-100:],
            }
            (tmp / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            _fsync_dir(tmp)
            os.rename(tmp, new)
            pointer_tmp = self.path / f".CURRENT.{os.getpid()}"
            pointer_tmp.write_text(new.name, encoding="utf-8")
            with open(pointer_tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(pointer_tmp, self.path / "CURRENT")
            _fsync_dir(self.path)
            self._cache.clear()
            self._cleanup(keep=new.name)

    def _cleanup(self, keep: str | None) -> None:
        """Remove versions and half-written directories other than the live one.

        Only names this class writes are touched (``v000123``, ``.tmp-v000123-<pid>``): a workspace
        pointed at a folder that holds other things (``-w .``) must never lose ``venv/`` or ``visuals/``.
        """
        for child in self.path.iterdir():
            if child.name == keep or not child.is_dir():
                continue
            if VERSION_DIR.fullmatch(child.name):
                shutil.rmtree(child, ignore_errors=True)
        for stray in self.path.glob(".CURRENT.*"):
            stray.unlink(missing_ok=True)

    def load(self, checked: list[Checked], progress: Progress | None = None) -> LoadReport:
        """Merge validated tables in and commit; a no-op load writes nothing."""
        start = time.perf_counter()
        tables, report = self.merged_tables(checked)
        if not report.unchanged or not self.exists:
            self.commit(tables, report, progress)
        report.seconds = time.perf_counter() - start
        return report
