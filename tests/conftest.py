"""Shared fixtures: a fresh workspace per test, a way to write small literal bundles, and one generated
region loaded once per session for the region-scale tests (read-only: never load into it)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from graphmodel.workspace import Workspace

PUBLIC = Path(__file__).resolve().parent / "fixtures" / "public"


@pytest.fixture(scope="session")
def public_file(tmp_path_factory):
    """Path to a vendored public file (``tests/fixtures/public``), decompressed under its own name."""
    out = tmp_path_factory.mktemp("public")

    def get(name: str) -> Path:
        path = out / name
        if not path.exists():
            path.write_bytes(gzip.decompress((PUBLIC / f"{name}.gz").read_bytes()))
        return path

    return get


@pytest.fixture(scope="session")
def north_east(tmp_path_factory) -> Workspace:
    """The generated North East (seed 42, as of 2025-09-01), generated and loaded ONCE per session.

    Generating and loading a region takes most of a minute; the calibration, disclosure and SENCO
    audit tests all read the same one. Read-only: a test that loads or wipes needs its own store.
    """
    import datetime as dt

    from loaders import ingest
    from loaders.synthetic import generate

    root = tmp_path_factory.mktemp("north_east")
    report = generate("region", 42, root / "bundle", region="North East")
    store = Workspace(root / "ws")
    ingest.load(store, [(report.out, "auto")], today=dt.date(2025, 9, 1))
    return store


@pytest.fixture
def workspace(tmp_path: Path) -> Workspace:
    return Workspace(tmp_path / "ws")


def write_bundle(directory: Path, tables: dict[str, list[dict]]) -> Path:
    """Write ``{table: [row, ...]}`` as a CSV bundle and return the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        pd.DataFrame(rows).to_csv(directory / f"{name}.csv", index=False)
    return directory


@pytest.fixture
def bundle_writer(tmp_path: Path):
    counter = iter(range(1000))

    def write(tables: dict[str, list[dict]]) -> Path:
        return write_bundle(tmp_path / f"bundle{next(counter)}", tables)

    return write


@pytest.fixture
def careers_ws(tmp_path: Path, bundle_writer) -> str:
    """Path of an embedded workspace holding the hand-built careers fixture (tests/career_fixture.py)."""
    from career_fixture import TABLES

    from loaders import ingest

    path = tmp_path / "ws"
    ingest.load(Workspace(path), [(bundle_writer(TABLES), "auto")])
    return str(path)
