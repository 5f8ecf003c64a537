"""The reference catalogue shipped with the package (``graphmodel/data/catalogue/*.csv``).

Roles, qualifications, need areas, requirement rules, progression edges, national providers and
England's geography (derived from the DfE EHC plan file by ``scripts/derive_reference.py``). They
are ordinary bundle tables: every load adds the catalogue rows a workspace does not have yet, and a
user's own rows with the same keys win, so the catalogue is editable data, not code.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

import pandas as pd

from graphmodel.validate import RawTable

PACKAGE_DIR = "data/catalogue"


def catalogue_tables() -> list[str]:
    """Names of the tables the catalogue provides."""
    root = resources.files("graphmodel").joinpath(PACKAGE_DIR)
    return sorted(p.name[:-4] for p in root.iterdir() if p.name.endswith(".csv"))


@cache
def _read(table: str) -> pd.DataFrame:
    path = resources.files("graphmodel").joinpath(PACKAGE_DIR).joinpath(f"{table}.csv")
    with path.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def catalogue_frame(table: str) -> pd.DataFrame:
    """One catalogue table, all values as text (a copy: callers may change it)."""
    return _read(table).copy()


def catalogue_raws() -> list[RawTable]:
    """The whole catalogue as raw tables, ready for validation like any other input."""
    return [RawTable(t, f"catalogue:{t}.csv", catalogue_frame(t)) for t in catalogue_tables()]
