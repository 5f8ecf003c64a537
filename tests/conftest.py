"""Shared fixtures: a fresh workspace per test and a way to write small literal bundles."""

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
