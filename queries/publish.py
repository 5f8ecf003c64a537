"""Publishing conventions shared by every published table: DfE-style small-number suppression.

DfE practice: counts from 1 to a threshold (4 by default) are shown as ``c``, and any rate derived
from a suppressed count is suppressed too, so a reader cannot work a small number back out. Zero is
shown (it identifies nobody). Analysts working internally may pass ``suppress=False``; the result's
metadata then says the table is unsuppressed.
"""

from __future__ import annotations

import pandas as pd

DEFAULT_THRESHOLD = 4
SYMBOL = "c"


def suppress(
    frame: pd.DataFrame,
    counts: list[str],
    rates: dict[str, list[str]] | None = None,
    threshold: int = DEFAULT_THRESHOLD,
) -> pd.DataFrame:
    """Return a copy with small counts shown as ``c`` and the rates built from them suppressed.

    ``rates`` maps a rate column to the count columns it was computed from (numerator and
    denominator); the rate is suppressed where any of them is.
    """
    out = frame.copy()
    small = {}
    for col in counts:
        values = pd.to_numeric(out[col], errors="coerce")
        small[col] = ((values >= 1) & (values <= threshold)).fillna(False).to_numpy()
    for col in counts:
        out[col] = out[col].astype(object)
        out.loc[small[col], col] = SYMBOL
    for rate, sources in (rates or {}).items():
        mask = pd.Series(False, index=out.index).to_numpy()
        for src in sources:
            mask = mask | small[src]
        out[rate] = out[rate].astype(object)
        out.loc[mask, rate] = SYMBOL
    return out


def publication_metadata(suppressed: bool, threshold: int = DEFAULT_THRESHOLD) -> dict[str, str]:
    """The metadata line every published table carries about suppression."""
    if suppressed:
        return {
            "suppression": f"counts from 1 to {threshold} shown as '{SYMBOL}', with rates derived from them"
        }
    return {"suppression": "NONE: small numbers are not suppressed (internal use only, do not publish)"}
