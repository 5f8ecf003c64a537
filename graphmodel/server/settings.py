"""Whole-number settings read from the environment (batch sizes, bulk chunk and threshold).

Why one reader: each setting is optional, must be a whole number no smaller than its minimum, and a
bad value must stop the command with one clear line naming the variable, not a traceback from
``int()``. Written once so every setting behaves the same.
"""

from __future__ import annotations

import os

from graphmodel.errors import SendgraphError


def whole_number(name: str, default: int, minimum: int = 1, what: str = "a positive whole number") -> int:
    """The integer in environment variable ``name``, or ``default`` when it is unset or blank.

    Anything that is not a whole number >= ``minimum`` raises ``SendgraphError("NAME must be WHAT
    (got 'raw')")``."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise SendgraphError(f"{name} must be {what} (got {raw!r})")
    return value
