"""Errors users see. Each names the file, row and column so a spreadsheet can be fixed in one pass."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def escape_controls(text: str) -> str:
    """Control characters (C0, DEL, C1: ESC, CR, NUL...) as visible ``\\xNN`` escapes, so text from a
    file can never move the cursor, retitle a terminal or hide what follows it."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


class SendgraphError(Exception):
    """An error meant for the user: the CLI prints its message on one line and exits non-zero."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input. ``row`` is the row number a user sees in the source
    (the CSV line number, header = 1; the spreadsheet row), or None for whole-file problems."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return escape_controls(f"{where}: {self.message}")


class ValidationFailed(SendgraphError):
    """Raised when input has problems. Nothing has been written when this is raised."""

    exit_code = 2

    def __init__(self, problems: list[Problem], total: int | None = None, cap: int = 50):
        self.problems = problems
        self.total = total if total is not None else len(problems)
        shown = problems[:cap]
        lines = [f"{self.total} problem(s) found; nothing was loaded."]
        lines += [f"  {p}" for p in shown]
        if self.total > len(shown):
            lines.append(f"  ... and {self.total - len(shown)} more")
        super().__init__("\n".join(lines))
