"""Errors users see. Each names the file, row and column so a spreadsheet can be fixed in one pass."""

from __future__ import annotations

from dataclasses import dataclass


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
        return f"{where}: {self.message}"


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
