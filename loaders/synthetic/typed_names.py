"""School names as people type them: test data for the matcher, generated, never hand-picked.

:func:`perturb` takes real schools (URN, name, town, postcode) and writes each name the way it turns
up in a member list or an attendance sheet: abbreviated (Pri, Sch, St, C of E, RC), with "The",
"School", "Academy" or "and Nursery" dropped, apostrophes lost, case changed, "and" as "&", and now
and then a slip of the keyboard. Each row keeps the true URN so a benchmark can score the matcher,
and carries the place the way people give it: a town, a postcode (or just its district), both, or
nothing. The generator is seeded, so a figure in a report can be reproduced.
"""

from __future__ import annotations

import random
import re

import pandas as pd

__all__ = ["perturb", "type_name"]

SWAPS = [
    (r"\bPrimary\b", ["Pri", "Prim", "Primary", "primary"]),
    (r"\bSchool\b", ["Sch", "", "School", "Schl"]),
    (r"\bSaint\b", ["St", "St."]),
    (r"\bSt\.? ", ["Saint ", "St. ", "St "]),
    (r"\bChurch of England\b", ["C of E", "CE", "CofE", "C.E.", "C of E"]),
    (r"\bC ?of ?E\b", ["Church of England", "CE", "C of E"]),
    (r"\bCE\b", ["C of E", "Church of England", "CofE"]),
    (r"\bRoman Catholic\b", ["RC", "R.C.", "Catholic"]),
    (r"\bCatholic\b", ["RC", "R.C.", "Catholic"]),
    (r"\bRC\b", ["Catholic", "R.C.", "Roman Catholic"]),
    (r"\bJunior\b", ["Jnr", "Jun", "Juniors"]),
    (r"\bInfant\b", ["Inf", "Infants"]),
    (r"\bInfants\b", ["Inf", "Infant"]),
    (r"\band\b", ["&", "and"]),
    (r"\bAcademy\b", ["", "Academy", "Acad"]),
    (r" and Nursery\b", [""]),
    (r"^The ", [""]),
]


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(("swap", "drop", "double"))
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i] + word[i:]


def type_name(name: str, rng: random.Random, typo_rate: float = 0.25) -> str:
    """One hand-typed version of a school name."""
    out = name
    for pattern, choices in SWAPS:
        if re.search(pattern, out) and rng.random() < 0.6:
            out = re.sub(pattern, rng.choice(choices), out, count=1)
    if rng.random() < 0.5:
        out = out.replace("'", "").replace("\u2019", "")
    if rng.random() < typo_rate:
        words = out.split()
        long = [k for k, w in enumerate(words) if len(w) >= 5]
        if long:
            k = rng.choice(long)
            words[k] = _typo(words[k], rng)
            out = " ".join(words)
    case = rng.random()
    if case < 0.1:
        out = out.lower()
    elif case < 0.15:
        out = out.upper()
    out = re.sub(r"\s+", " ", out).strip()
    return out or name


def perturb(schools: pd.DataFrame, n: int, seed: int = 1, typo_rate: float = 0.25) -> pd.DataFrame:
    """``n`` schools drawn from ``schools`` (urn, name, town, postcode), typed the way people do.

    Columns: ``school`` (the typed name), ``town``, ``postcode`` (each sometimes blank; the postcode
    sometimes only its district) and ``true_urn``.
    """
    rng = random.Random(seed)
    sample = schools.sample(n=min(n, len(schools)), random_state=seed).reset_index(drop=True)
    rows = []
    for r in sample.itertuples(index=False):
        town = str(getattr(r, "town", "") or "")
        postcode = str(getattr(r, "postcode", "") or "")
        place = rng.random()
        give_town = place < 0.45 or place >= 0.85
        give_pc = 0.45 <= place < 0.95
        if give_pc and postcode and rng.random() < 0.3:
            postcode = postcode.split()[0]  # just the district, "GL52"
        rows.append(
            {
                "school": type_name(str(r.name), rng, typo_rate),
                "town": town if give_town else "",
                "postcode": postcode if give_pc else "",
                "true_urn": int(r.urn),
            }
        )
    return pd.DataFrame(rows)
