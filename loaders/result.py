"""What every loader returns: raw tables, the problems found while reading, and notes for the user."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphmodel.errors import Problem
from graphmodel.validate import RawTable


@dataclass
class ReadResult:
    """Raw tables read from one input, ready for validation.

    ``notes`` tell the user what the loader chose to leave out (closed schools, Welsh
    establishments, suppressed values) so nothing is dropped silently.
    """

    raws: list[RawTable]
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
