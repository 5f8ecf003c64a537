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

Isolation: one writer at a time (``.lock``, held by a load from reading its base version to the
switch, and a commit refuses if ``CURRENT`` moved since its base was read); a reader reads
``CURRENT`` once and every table from that version, holding a shared lock on the version directory
so clean-up leaves it alone until the reader is done.

Recovery: each manifest records a SHA-256 per table, checked whenever a table is read or carried
into a new version, so damage is reported naming the file and never copied forward; clean-up only
ever removes versions older than a live one that exists. ``sendgraph doctor`` reports and repairs.
See docs/reliability.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from graphmodel import derived
from graphmodel.errors import SendgraphError
from graphmodel.merge import upsert
from graphmodel.schema import Schema, load_schema
from graphmodel.store import DerivedCache, LoadReport, Progress
from graphmodel.validate import Checked, conform, empty_frame

DEFAULT_WORKSPACE = "sendgraph-workspace"
VERSION_NAME = re.compile(r"v\d{6}")
TMP_NAME = re.compile(r"\.tmp-v\d{6}-\d+(-old)?")
FORMAT = "sendgraph-workspace/2"
READABLE_FORMATS = ("sendgraph-workspace/1", FORMAT)  # 1 = before per-table checksums


class WorkspaceDamaged(SendgraphError):
    """The workspace on disk is not what its manifest says (a truncated file, a partial copy...)."""

    exit_code = 3


class WorkspaceBusy(SendgraphError):
    """Another process is loading into the workspace (or did, since this load read its base)."""

    exit_code = 4


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_manifest(version: Path, schema_version: int | None = None) -> dict:
    """A version's manifest, checked: valid JSON, a format this code reads, a schema not from the future.

    Raises :class:`WorkspaceDamaged` naming the file (never a raw traceback), or a plain
    :class:`SendgraphError` for a workspace written by a newer sendgraph, which must never be read
    (and so never rewritten in the old format, dropping what it does not know).
    """
    file = version / "manifest.json"
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise WorkspaceDamaged(
            f"{file} is missing: version {version.name} is incomplete; run 'sendgraph doctor'"
        ) from None
    except UnicodeDecodeError:
        raise WorkspaceDamaged(
            f"{file} is not text: the manifest is damaged; run 'sendgraph doctor'"
        ) from None
    try:
        manifest = json.loads(text)
    except json.JSONDecodeError as exc:
        raise WorkspaceDamaged(
            f"{file} is not valid JSON ({exc.msg}, line {exc.lineno}): the manifest is damaged; "
            f"run 'sendgraph doctor'"
        ) from None
    if not isinstance(manifest, dict) or not isinstance(manifest.get("tables", {}), dict):
        raise WorkspaceDamaged(f"{file} is not a sendgraph manifest; run 'sendgraph doctor'")
    fmt = manifest.get("format")
    found = manifest.get("schema_version")
    if fmt not in READABLE_FORMATS:
        raise SendgraphError(
            f"workspace version {version.name} has format {fmt!r}, which this sendgraph does not read "
            f"(it reads {', '.join(READABLE_FORMATS)}); it was written by a newer sendgraph: upgrade "
            f"sendgraph to use it (nothing was changed)"
        )
    if schema_version is not None and isinstance(found, int) and found > schema_version:
        raise SendgraphError(
            f"workspace version {version.name} has schema version {found}, newer than this sendgraph's "
            f"{schema_version}; upgrade sendgraph to use it (nothing was changed)"
        )
    return manifest


@dataclass
class _Pin:
    """The version a Workspace object reads: ``CURRENT`` read once, the directory held open with a
    shared lock so no clean-up removes it while this object may still read from it."""

    path: Path | None
    manifest: dict = field(default_factory=dict)
    fd: int | None = None

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the descriptor drops its flock
            self.fd = None


class Workspace(DerivedCache):
    """A local, file-based graph store (the default backend).

    One object is one consistent snapshot: the first read pins the version ``CURRENT`` names, and
    every table comes from that version until this object commits a load (or :meth:`refresh`).
    """

    backend = "embedded"

    def __init__(self, path: str | os.PathLike, schema: Schema | None = None):
        self.path = Path(path)
        self.schema = schema or load_schema()
        self._cache: dict = {}  # tables by name, and derived results (DerivedCache)
        self._pin: _Pin | None = None
        self._lock_fh = None
        self._lock_depth = 0

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            if self._pin is not None:
                self._pin.release()

    # ------------------------------------------------------------------ reading
    def _pointer(self) -> str | None:
        """The version name in ``CURRENT``, or None when there is none (an empty workspace)."""
        try:
            name = (self.path / "CURRENT").read_text(encoding="utf-8").strip()
        except FileNotFoundError:
            return None
        except UnicodeDecodeError:
            name = "?"
        if not VERSION_NAME.fullmatch(name):
            raise WorkspaceDamaged(
                f"{self.path / 'CURRENT'} does not name a version ({name[:20]!r}); run 'sendgraph doctor'"
            )
        return name

    def _pinned(self) -> _Pin:
        if self._pin is not None:
            return self._pin
        for _attempt in range(100):
            name = self._pointer()
            if name is None:
                self._pin = _Pin(None)
                return self._pin
            version = self.path / name
            try:
                fd = os.open(version, os.O_RDONLY | os.O_DIRECTORY)
            except FileNotFoundError:
                if self._pointer() != name:
                    continue  # a load switched CURRENT and cleaned up between our two reads
                raise WorkspaceDamaged(
                    f"workspace {self.path}: CURRENT names version {name}, which is missing (a partial "
                    f"copy or sync?); nothing was changed: run 'sendgraph doctor' to see what can be "
                    f"recovered"
                ) from None
            fcntl.flock(fd, fcntl.LOCK_SH)
            try:
                same = os.stat(version).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if not same:  # removed while we waited for the lock: read CURRENT again
                os.close(fd)
                continue
            try:
                manifest = read_manifest(version, self.schema.version)
            except BaseException:
                os.close(fd)
                raise
            self._pin = _Pin(version, manifest, fd)
            return self._pin
        raise WorkspaceBusy(f"workspace {self.path} keeps changing under this reader; try again")

    def refresh(self) -> None:
        """Forget the pinned version and cached tables: the next read sees the newest commit."""
        if self._pin is not None:
            self._pin.release()
        self._pin = None
        self._cache.clear()

    def _current(self) -> Path | None:
        return self._pinned().path

    @property
    def version(self) -> str | None:
        """The name of the version this object reads (None for an empty workspace)."""
        cur = self._current()
        return cur.name if cur is not None else None

    @property
    def exists(self) -> bool:
        return self._current() is not None

    def manifest(self) -> dict:
        pin = self._pinned()
        if pin.path is None:
            return {"format": FORMAT, "tables": {}, "loads": []}
        return pin.manifest

    def _table_file(self, name: str) -> Path | None:
        pin = self._pinned()
        if pin.path is None or name not in pin.manifest.get("tables", {}):
            return None
        return pin.path / f"{name}.parquet"

    def _read_verified(self, name: str) -> bytes | None:
        """The table file's bytes, checked against the manifest's checksum (format 2)."""
        file = self._table_file(name)
        if file is None:
            return None
        try:
            data = file.read_bytes()
        except FileNotFoundError:
            raise WorkspaceDamaged(
                f"{file} is missing, but the manifest lists it; run 'sendgraph doctor'"
            ) from None
        want = self._pinned().manifest["tables"][name].get("sha256")
        if want is not None and hashlib.sha256(data).hexdigest() != want:
            raise WorkspaceDamaged(
                f"{file} is damaged: its checksum does not match the manifest; run 'sendgraph doctor'"
            )
        return data

    def table(self, name: str) -> pd.DataFrame:
        """A table as a typed DataFrame; cached per Workspace object, so callers must not mutate it."""
        if name in self._cache:
            return self._cache[name]
        spec = self.schema.table(name)
        data = self._read_verified(name)
        if data is not None:
            try:
                frame = conform(spec, pd.read_parquet(io.BytesIO(data)))
            except Exception as exc:  # ArrowInvalid, OSError...: a damaged file is the user's to hear of
                raise WorkspaceDamaged(
                    f"{self._table_file(name)} is damaged and cannot be read ({type(exc).__name__}); "
                    f"run 'sendgraph doctor'"
                ) from None
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
    def writing(self, refresh: bool = True):
        """Hold the workspace's write lock: one writer at a time, from reading the base to the commit.

        A load (``ingest.load``) runs inside this, so the version it validates and merges against is
        the version it replaces; a second writer is refused at once with a clear message. Re-entrant.
        """
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield self
            finally:
                self._lock_depth -= 1
            return
        self.path.mkdir(parents=True, exist_ok=True)
        fh = open(self.path / ".lock", "w")
        try:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise WorkspaceBusy(
                    f"workspace {self.path} is being written by another sendgraph "
                    f"process; nothing was loaded: try again when it has finished"
                ) from None
            if refresh:
                self.refresh()  # the base is what CURRENT says now, under the lock
            self._lock_fh, self._lock_depth = fh, 1
            try:
                yield self
            finally:
                self._lock_fh, self._lock_depth = None, 0
        finally:
            fh.close()

    _locked = writing

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
        self._rederive(out, report)
        return out, report

    def _rederive(self, out: dict[str, pd.DataFrame], report: LoadReport) -> None:
        """Recompute the derived columns (:mod:`graphmodel.derived`) of every set a load changed,
        on the whole tables (cheap in numpy), adding a set's other tables to ``out`` when their
        derived values change (new posts can change a person's service posts' moves; new
        attendance changes people's CPD days)."""
        for dset in derived.sets_touching(self.schema, out):
            if not any(report.added.get(t, 0) or report.changed.get(t, 0) for t in dset.reads):
                continue
            frames = {t: out[t] if t in out else self.table(t) for t in dset.reads}
            new = derived.rederive(self.schema, dset, frames)
            for t in dset.tables:
                moved = derived.rederived_rows(self.schema.table(t), self.table(t), new[t])
                if moved or t in out:
                    out[t] = new[t]
                    report.rederived[t] = moved

    def _carry(self, name: str, target: Path) -> dict:
        """Link an unchanged table into the new version, after checking it is sound: a damaged file
        is reported, never copied forward. Returns its manifest entry (with a checksum)."""
        pin = self._pinned()
        assert pin.path is not None
        source = pin.path / f"{name}.parquet"
        entry = dict(pin.manifest["tables"][name])
        if name not in self._cache:
            if not source.exists():
                raise WorkspaceDamaged(
                    f"{source} is missing, but the manifest lists it; run 'sendgraph doctor'"
                )
            digest = sha256_file(source)
            if "sha256" in entry:
                if digest != entry["sha256"]:
                    raise WorkspaceDamaged(
                        f"{source} is damaged: its checksum does not match the manifest; nothing was "
                        f"loaded: run 'sendgraph doctor'"
                    )
            else:  # format 1: no checksum to compare, so check the file is whole Parquet
                try:
                    pq.read_metadata(source)
                except Exception:
                    raise WorkspaceDamaged(
                        f"{source} is damaged and cannot be read; nothing was loaded: run 'sendgraph doctor'"
                    ) from None
            entry["sha256"] = digest
        elif "sha256" not in entry:
            entry["sha256"] = sha256_file(source)
        os.link(source, target)  # same bytes: share the file
        return entry

    def commit(
        self, tables: dict[str, pd.DataFrame], report: LoadReport, progress: Progress | None = None
    ) -> None:
        """Write a new version holding ``tables`` and switch to it atomically.

        A schema table not in ``tables``, or in it but unchanged by ``report``, keeps the live
        version's file: it is hard-linked (same bytes, no copy) and its row count taken from the
        live manifest. If another process committed since this object read its base version, the
        commit is refused (the merge was made against an old graph and would lose that commit).
        """
        base = self._pinned()
        with self.writing(refresh=False):
            live = self._pointer()
            old = base.path
            if (old.name if old is not None else None) != live:
                raise WorkspaceBusy(
                    f"workspace {self.path} changed while this load was being prepared (another load "
                    f"committed {live}); nothing was written: run the load again"
                )
            self._cleanup(keep=live)
            old_manifest = base.manifest if old is not None else {}
            n = int(old.name.lstrip("v")) + 1 if old is not None else 1
            while (self.path / f"v{n:06d}").exists():  # never overwrite a version doctor left in place
                n += 1
            new = self.path / f"v{n:06d}"
            tmp = self.path / f".tmp-v{n:06d}-{os.getpid()}"
            if tmp.exists():
                shutil.rmtree(tmp)
            tmp.mkdir()
            manifest_tables = {}
            for name in self.schema.tables:
                target = tmp / f"{name}.parquet"
                unchanged = name not in tables or (
                    report.added.get(name, 0) == 0
                    and report.changed.get(name, 0) == 0
                    and report.rederived.get(name, 0) == 0
                )
                if unchanged and old is not None and name in old_manifest.get("tables", {}):
                    entry = self._carry(name, target)
                elif name in tables and not tables[name].empty:
                    tables[name].to_parquet(target, index=False, compression="zstd")
                    with open(target, "rb+") as fh:
                        os.fsync(fh.fileno())
                    entry = {"rows": len(tables[name]), "sha256": sha256_file(target)}
                else:
                    continue
                manifest_tables[name] = entry
                if progress:
                    progress(f"wrote {name}", int(entry["rows"]))
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
            with open(tmp / "manifest.json", "rb+") as fh:
                os.fsync(fh.fileno())
            _fsync_dir(tmp)
            os.rename(tmp, new)
            pointer_tmp = self.path / f".CURRENT.{os.getpid()}"
            pointer_tmp.write_text(new.name, encoding="utf-8")
            with open(pointer_tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(pointer_tmp, self.path / "CURRENT")
            _fsync_dir(self.path)
            self.refresh()  # this object now reads the version it wrote (and lets go of the old one)
            self._cleanup(keep=new.name, upto=live)

    def _cleanup(self, keep: str | None, upto: str | None = None) -> None:
        """Remove versions older than the live one and half-written directories; only under the
        write lock, and only once ``keep`` (the live version) is known to exist.

        Never removed: the live version, any newer version (a rolled-back ``CURRENT`` leaves the
        newest complete version for ``sendgraph doctor`` to offer back), and an old version a
        reader still holds open (it is removed by a later load). Only names this class writes are
        touched (``v000123``, ``.tmp-v000123-<pid>``): a workspace pointed at a folder that holds
        other things (``-w .``) must never lose ``venv/`` or ``visuals/``.
        """
        if keep is None or not (self.path / keep).is_dir():
            return  # CURRENT is missing or dangling: touch nothing, doctor decides
        live = int((upto or keep)[1:]) + (1 if upto else 0)  # after a commit: the base and older only
        for child in self.path.iterdir():
            if not child.is_dir() or child.is_symlink() or child.name == keep:
                continue
            if TMP_NAME.fullmatch(child.name):
                shutil.rmtree(child, ignore_errors=True)  # under the write lock: nobody is writing it
            elif VERSION_NAME.fullmatch(child.name) and int(child.name[1:]) < live:
                self._remove_version(child)
        for stray in self.path.glob(".CURRENT.*"):
            stray.unlink(missing_ok=True)

    def _remove_version(self, version: Path) -> None:
        try:
            fd = os.open(version, os.O_RDONLY | os.O_DIRECTORY)
        except OSError:
            return
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # a reader is using it
            trash = self.path / f".tmp-{version.name}-{os.getpid()}-old"
            os.rename(version, trash)  # gone from readers' view at once; removed below
        finally:
            os.close(fd)
        shutil.rmtree(trash, ignore_errors=True)

    def load(self, checked: list[Checked], progress: Progress | None = None) -> LoadReport:
        """Merge validated tables in and commit; a no-op load writes nothing."""
        start = time.perf_counter()
        tables, report = self.merged_tables(checked)
        if not report.unchanged or not self.exists:
            self.commit(tables, report, progress)
        report.seconds = time.perf_counter() - start
        return report


# ---------------------------------------------------------------------- doctor
@dataclass
class Finding:
    """One line of ``sendgraph doctor``: what was checked, its state, and what was done about it."""

    item: str
    state: str
    detail: str = ""
    action: str = ""


def _check_version(version: Path, schema_version: int) -> tuple[bool, str]:
    """(complete and sound, why not): manifest readable, every listed table present with its checksum."""
    try:
        manifest = read_manifest(version, schema_version)
    except SendgraphError as exc:
        return False, str(exc)
    for name, entry in manifest.get("tables", {}).items():
        file = version / f"{name}.parquet"
        if not file.exists():
            return False, f"{file.name} is missing"
        if "sha256" in entry:
            if sha256_file(file) != entry["sha256"]:
                return False, f"{file.name} does not match its checksum"
        else:
            try:
                pq.read_metadata(file)
            except Exception:
                return False, f"{file.name} cannot be read"
    return True, f"{len(manifest.get('tables', {}))} tables, checksums match"


def doctor(path: str | os.PathLike, repair: bool = False, schema: Schema | None = None) -> list[Finding]:
    """Check a workspace (CURRENT, every version, orphans) and, with ``repair``, fix what is safe.

    Safe repairs, made under the write lock: point a missing or dangling ``CURRENT`` (or one naming
    a damaged version) at the newest sound version, and remove half-written directories and stray
    pointer files. Versions are never deleted: a damaged one is reported for a person to look at.
    """
    ws = Workspace(path, schema)
    root = ws.path
    if not root.is_dir():
        return [Finding("workspace", "missing", f"{root} does not exist")]
    findings: list[Finding] = []
    with ws.writing(refresh=False):
        versions = sorted(
            (p for p in root.iterdir() if p.is_dir() and VERSION_NAME.fullmatch(p.name)), reverse=True
        )
        sound: dict[str, bool] = {}
        for v in versions:
            ok, why = _check_version(v, ws.schema.version)
            sound[v.name] = ok
            findings.append(Finding(f"version {v.name}", "ok" if ok else "damaged", why))
        try:
            live = ws._pointer()
        except WorkspaceDamaged as exc:
            live, pointer_problem = None, str(exc)
        else:
            pointer_problem = "" if live is not None else "no CURRENT file"
        if live is not None and not (root / live).is_dir():
            pointer_problem = f"CURRENT names {live}, which is missing"
        elif live is not None and not sound.get(live, False):
            pointer_problem = f"CURRENT names {live}, which is damaged"
        best = next((v.name for v in versions if sound[v.name]), None)
        if not pointer_problem:
            newer = [v.name for v in versions if sound[v.name] and v.name > live]
            detail = f"CURRENT names {live}" + (
                f" (newer sound versions kept: {', '.join(newer)})" if newer else ""
            )
            findings.insert(0, Finding("current", "ok", detail))
        else:
            action = ""
            if repair and best is not None:
                pointer_tmp = root / f".CURRENT.{os.getpid()}"
                pointer_tmp.write_text(best, encoding="utf-8")
                with open(pointer_tmp, "rb+") as fh:
                    os.fsync(fh.fileno())
                os.replace(pointer_tmp, root / "CURRENT")
                _fsync_dir(root)
                action = f"CURRENT now names {best}, the newest sound version"
            elif best is not None:
                action = (
                    f"run 'sendgraph doctor --repair' to point CURRENT at {best}, the newest sound version"
                )
            elif versions:
                action = "no sound version to recover: restore the workspace from a backup, or load again"
            findings.insert(
                0, Finding("current", "repaired" if repair and best else "problem", pointer_problem, action)
            )
        for child in sorted(root.iterdir()):
            if TMP_NAME.fullmatch(child.name) or child.name.startswith(".CURRENT."):
                done = ""
                if repair:
                    if child.is_dir():
                        shutil.rmtree(child, ignore_errors=True)
                    else:
                        child.unlink(missing_ok=True)
                    done = "removed"
                findings.append(
                    Finding(
                        f"orphan {child.name}",
                        "removed" if repair else "orphan",
                        "left by a load that did not finish",
                        done,
                    )
                )
    ws.refresh()
    return findings
