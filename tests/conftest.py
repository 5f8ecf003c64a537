"""Shared fixtures: a fresh workspace per test and a way to write small literal bundles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from graphmodel.workspace import Workspace

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


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
