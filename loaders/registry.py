"""The input formats, by name, and detection of which one a path is.

Adding a format means adding one module with ``NAME``, ``sniff(path)`` and ``read(path, schema,
**options) -> ReadResult``, and listing it here.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from graphmodel.errors import SendgraphError
from graphmodel.schema import Schema
from loaders import csv_bundle, ehcp, gias, gias_links, xlsx_bundle
from loaders.result import ReadResult

# Order matters for detection: the specific CSV formats are tried before the generic bundle.
FORMATS: dict[str, ModuleType] = {m.NAME: m for m in (ehcp, gias_links, gias, xlsx_bundle, csv_bundle)}


def detect(path: Path) -> ModuleType:
    """The format module for ``path``, recognised from its header or layout."""
    if not path.exists():
        raise SendgraphError(f"{path}: no such file or directory")
    for module in FORMATS.values():
        if module.sniff(path):
            return module
    raise SendgraphError(
        f"{path}: not a format sendgraph reads (a bundle directory of CSVs, an .xlsx "
        f"workbook, a GIAS establishment or links extract, or a DfE EHC plans file); "
        f"name one with --input-format {{{','.join(FORMATS)}}}"
    )


def read_input(path: Path, schema: Schema, fmt: str = "auto", **options: object) -> ReadResult:
    """Read one input with the named format (or the detected one)."""
    if fmt == "auto":
        module = detect(path)
    elif fmt in FORMATS:
        module = FORMATS[fmt]
        if not path.exists():
            raise SendgraphError(f"{path}: no such file or directory")
    else:
        raise SendgraphError(f"unknown format '{fmt}'; choose one of: {', '.join(FORMATS)}")
    return module.read(path, schema, **options)
