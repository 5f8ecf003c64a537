"""Matching the school names people type to GIAS URNs.

A regional lead's member list says "St Marys RC Primary, Hartside" or "Hartside Pri Sch", not a URN.
This module finds the URN for each row of such a table against a reference of schools (normally the
schools already loaded into the graph, from a GIAS extract), so the first hour of real use is not
spent matching by hand in Excel.

How it works, and why:

* **Normalise** both sides the same way (:func:`normalise`): case, accents, punctuation and "&" go;
  the usual variants are folded to one spelling (St → saint, C of E / CofE / Church of England → ce,
  RC / Roman Catholic / Catholic → rc, Pri → primary, Sch → school, Jnr → junior, ...); words that
  people drop at will ("the", "school", "academy", "trust", "voluntary aided") are left out of the
  *core* name the scores compare.
* **Block** by what the row says about place: the local authority, else the postcode district, else
  the town. A block keeps the candidate set small (fast) and tells apart the 300-odd "St Mary's"
  schools (accurate). When a block has nothing good, the whole register is searched, with a penalty
  for disagreeing about place.
* **Score** with rapidfuzz (C++, MIT licence, actively maintained; the same scorers as the
  unmaintained fuzzywuzzy at a hundred times the speed): the mean of token-sort and token-set ratios of
  the core names, plus small bonuses for postcode and town agreement.
* **Decide**: ``exact`` (same normalised name and nothing else like it in the block, or the URN given),
  ``confident`` (score ≥ ``accept`` and clear of the runner-up by ``margin``), ``review`` (plausible; the
  user picks), ``unmatched``. Closed schools never block an open one of the same name (a converter
  academy usually keeps its predecessor's name); when the best match is a closed school, its GIAS
  successor is proposed for review.
* **Review loop**: rows a user has settled are kept on re-running (see :func:`settled_rows`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd
from rapidfuzz import fuzz, process

__all__ = [
    "OUTPUT_COLUMNS",
    "STATUSES",
    "Reference",
    "detect_columns",
    "match_schools",
    "normalise",
    "reference_from_store",
    "rematch",
    "settled_rows",
    "summary",
    "table_rows",
]

STATUSES = ("exact", "confident", "review", "unmatched")
USER_STATUSES = ("confirmed", "rejected")
"""What a user may write in ``match_status`` to settle a row: kept as it is on every re-run."""

OUTPUT_COLUMNS = [
    "urn",
    "match_score",
    "match_status",
    "matched_name",
    "runner_up_urn",
    "runner_up_name",
    "runner_up_score",
    "match_note",
]

DEFAULT_ACCEPT = 90.0
DEFAULT_MARGIN = 6.0
REVIEW_FLOOR = 60.0

# Phrases folded before splitting into words (the text is already lower case, punctuation gone).
PHRASES = [
    (r"\bchurch of england\b", "ce"),
    (r"\bc of e\b", "ce"),
    (r"\bc e\b", "ce"),
    (r"\bcofe\b", "ce"),
    (r"\bche\b", "ce"),
    (r"\broman catholic\b", "rc"),
    (r"\br c\b", "rc"),
    (r"\bcatholic\b", "rc"),
    (r"\bvoluntary (aided|controlled)\b", " "),
    (r"\bjunior mixed and infants?\b", "jmi"),
    (r"\bj m i\b", "jmi"),
    (r"\bpre school\b", "preschool"),
]
_PHRASES = [(re.compile(p), f" {r} ") for p, r in PHRASES]
WORDS = {
    "st": "saint",
    "pri": "primary",
    "prim": "primary",
    "primry": "primary",
    "sch": "school",
    "schl": "school",
    "jnr": "junior",
    "jun": "junior",
    "juniors": "junior",
    "inf": "infant",
    "infants": "infant",
    "sec": "secondary",
    "acad": "academy",
    "coll": "college",
    "comm": "community",
    "nurs": "nursery",
    "cath": "rc",
    "mt": "mount",
    "gdns": "gardens",
    "rd": "road",
}
# "synthetic": generated schools are named "... (synthetic)"; no real school carries the word
DROP = {"the", "school", "academy", "trust", "and", "va", "vc", "vaa", "a", "an", "at", "synthetic"}


def _fold(text: str) -> str:
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower()
    text = text.replace("&", " and ").replace("'", "").replace("\u2019", "").replace("`", "")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return f" {text.strip()} "


@lru_cache(maxsize=200_000)
def normalise(name: str) -> tuple[str, str]:
    """A school name as (full, core): ``full`` keeps every word in canonical spelling; ``core``
    drops the words people leave out at will. Both sides of a match are normalised alike.

    >>> normalise("St. Mary's C of E Pri Sch")
    ('saint marys ce primary school', 'saint marys ce primary')
    """
    text = _fold(name or "")
    for pattern, repl in _PHRASES:
        if pattern.search(text):
            text = pattern.sub(repl, text)
    words = [WORDS.get(w, w) for w in text.split()]
    full = " ".join(words)
    core = " ".join(w for w in words if w not in DROP) or full
    return full, core


@lru_cache(maxsize=50_000)
def _town(text: str) -> str:
    return " ".join(WORDS.get(w, w) for w in _fold(text or "").split())


@lru_cache(maxsize=200_000)
def _postcode(text: str) -> tuple[str, str]:
    """(full postcode, outward code) without spaces, upper case; an outward code alone is allowed."""
    pc = re.sub(r"[^A-Z0-9]", "", (text or "").upper())
    if not pc:
        return "", ""
    if len(pc) >= 5 and pc[-3].isdigit():
        return pc, pc[:-3]
    return "", pc  # "GL52": a district only


# ----------------------------------------------------------------------------------- the reference


@dataclass
class Reference:
    """The schools to match against, prepared once: normalised names, places, blocks, successors.

    ``schools`` needs ``urn`` and ``name``; ``town``, ``postcode``, ``la_code``, ``status`` and
    ``close_date`` are used when present. ``links`` is the ``school_links`` table (GIAS predecessor /
    successor links); ``las`` the ``local_authorities`` table, to read LA names and old codes.
    """

    schools: pd.DataFrame
    links: pd.DataFrame | None = None
    las: pd.DataFrame | None = None
    successors: dict[int, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        s = self.schools.reset_index(drop=True)
        urn = pd.to_numeric(s["urn"], errors="coerce")
        s = s[urn.notna()].copy()
        s["urn"] = urn[urn.notna()].astype("int64")
        names = s["name"].astype("string").fillna("")
        norm = [normalise(n) for n in names]
        s["_full"] = [f for f, _ in norm]
        s["_core"] = [c for _, c in norm]
        s["_sorted"] = [" ".join(sorted(c.split())) for c in s["_core"]]
        s["_town"] = [_town(t) for t in self._col(s, "town")]
        pcs = [_postcode(p) for p in self._col(s, "postcode")]
        s["_pc"] = [p for p, _ in pcs]
        s["_district"] = [d for _, d in pcs]
        s["_la"] = self._col(s, "la_code").str.strip().tolist()
        closed = pd.Series(False, index=s.index)
        if "close_date" in s.columns:
            closed |= s["close_date"].notna() & (s["close_date"].astype("string").str.strip() != "")
        if "status" in s.columns:
            closed |= s["status"].astype("string").str.lower().str.startswith("closed").fillna(False)
        s["_closed"] = closed.astype(bool)
        self.schools = s.reset_index(drop=True)
        self.by_urn = {int(u): i for i, u in enumerate(self.schools["urn"])}
        cols = ("_full", "_core", "_sorted", "_town", "_pc", "_district", "_la")
        self.arr = {c: self.schools[c].to_numpy(dtype=object) for c in cols}
        self.arr["urn"] = self.schools["urn"].to_numpy(dtype="int64")
        self.arr["name"] = self.schools["name"].astype("string").fillna("").to_numpy(dtype=object)
        self.arr["closed"] = self.schools["_closed"].to_numpy(dtype=bool)
        self.blocks = {
            key: self.schools.groupby(col, sort=False).indices
            for key, col in (("la", "_la"), ("district", "_district"), ("town", "_town"))
        }
        self.successors = _successors(self.links)
        self._la_lookup = _la_lookup(self.las)

    @staticmethod
    def _col(s: pd.DataFrame, name: str) -> pd.Series:
        if name not in s.columns:
            return pd.Series("", index=s.index, dtype="string")
        return s[name].astype("string").fillna("")

    def la_code(self, text: str) -> str:
        """An LA given as new code (E06000047), old code (840) or name ("County Durham") → new code."""
        t = (text or "").strip()
        if not t:
            return ""
        if re.fullmatch(r"E0[6-9]\d{6}", t.upper()):
            return t.upper()
        key = _town(t)
        if key in self._la_lookup:
            return self._la_lookup[key]
        names = [k for k in self._la_lookup if not k.isdigit()]
        best = process.extractOne(key, names, scorer=fuzz.token_set_ratio, score_cutoff=90)
        return self._la_lookup[best[0]] if best else ""


def _successors(links: pd.DataFrame | None) -> dict[int, list[int]]:
    """URN → successor URNs, from GIAS links (a 'successor' link, or a 'predecessor' link reversed)."""
    out: dict[int, list[int]] = {}
    if links is None or links.empty:
        return out
    kind = links["kind"].astype("string").str.lower().fillna("")
    a = pd.to_numeric(links["urn"], errors="coerce")
    b = pd.to_numeric(links["linked_urn"], errors="coerce")
    ok = a.notna() & b.notna()
    succ = ok & kind.str.startswith("successor")
    pred = ok & kind.str.startswith("predecessor")
    pairs = pd.concat(
        [pd.DataFrame({"old": a[succ], "new": b[succ]}), pd.DataFrame({"old": b[pred], "new": a[pred]})]
    ).astype("int64")
    for old_urn, new_urn in zip(pairs["old"].tolist(), pairs["new"].tolist(), strict=True):
        out.setdefault(old_urn, []).append(new_urn)
    return out


def _la_lookup(las: pd.DataFrame | None) -> dict[str, str]:
    out: dict[str, str] = {}
    if las is None or las.empty:
        return out
    olds = las["old_la_code"] if "old_la_code" in las.columns else [None] * len(las)
    for code, name, old in zip(las["code"], las["name"], olds, strict=True):
        out[_town(str(name))] = str(code)
        for prefix in ("city of ", "county "):  # "Durham" for "County Durham", "Bristol" for "City of..."
            if _town(str(name)).startswith(prefix):
                out[_town(str(name))[len(prefix) :]] = str(code)
        if old is not None and not pd.isna(old):
            out[str(int(float(old)))] = str(code)
    return out


def reference_from_store(store) -> Reference:
    """The schools already loaded into a graph store, with their links and the LA names."""
    return Reference(store.table("schools"), store.table("school_links"), store.table("local_authorities"))


# ----------------------------------------------------------------------------------- the user's file

ALIASES = {
    "name": [
        "school",
        "school name",
        "schoolname",
        "school_name",
        "establishment",
        "establishment name",
        "establishmentname",
        "setting",
        "setting name",
        "name",
    ],
    "town": ["town", "school town", "city", "town or city", "town/city", "locality"],
    "postcode": ["postcode", "post code", "postal code", "school postcode", "zip"],
    "la": [
        "la",
        "local authority",
        "local_authority",
        "la name",
        "la_name",
        "la code",
        "la_code",
        "new_la_code",
        "authority",
        "lea",
    ],
    "urn": ["urn", "school urn", "dfe urn", "school_urn", "urn given", "urn_given"],
}


def detect_columns(columns: list[str], given: dict[str, str | None] | None = None) -> dict[str, str]:
    """Which of the file's columns hold the school name, town, postcode, LA and a URN hint.

    Headers are compared without case, spaces or underscores; ``given`` (from command-line options)
    wins.
    """
    given = {k: v for k, v in (given or {}).items() if v}
    for role, col in given.items():
        if col not in columns:
            raise KeyError(f"no column '{col}' for the school {role}; columns are: {', '.join(columns)}")
    key = {re.sub(r"[\s_]+", " ", c.strip().lower()): c for c in columns}
    out = dict(given)
    for role, names in ALIASES.items():
        if role in out:
            continue
        for n in names:
            if n.replace("_", " ") in key:
                out[role] = key[n.replace("_", " ")]
                break
    return out


# ----------------------------------------------------------------------------------- matching


TOP = 8  # candidates kept per row for the decision (best, runner-up and a few more)
PREFILTER_SIZE = 1500  # a block larger than this is narrowed by the cheap scorer first
PREFILTER_TOP = 40
CHUNK = 1000  # rows scored at once against one block (bounds memory: CHUNK x block scores)


def _score_block(
    ref: Reference, rows: np.ndarray, cand: np.ndarray, q: dict[str, np.ndarray], workers: int
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of ``rows`` (indices into the query arrays ``q``) against candidate schools ``cand``.

    Name similarity 0-100 is the mean of token-sort and token-set ratios of the core names, both
    computed in C++ by rapidfuzz for the whole block at once, then place agrees (+) or disagrees (-).
    A large block (a big city, the whole register) is first narrowed to each row's
    :data:`PREFILTER_TOP` best by token-sort alone, the cheap scorer. Returns, per row, the indices
    and scores of its :data:`TOP` best candidates.
    """
    sorted_c = ref.arr["_sorted"][cand].tolist()
    core_c = ref.arr["_core"][cand].tolist()
    big = len(cand) > PREFILTER_SIZE
    top = min(TOP, len(cand))
    out_idx, out_s = [], []
    for start in range(0, len(rows), CHUNK):
        r = rows[start : start + CHUNK]
        s = process.cdist(
            q["sorted"][r].tolist(), sorted_c, scorer=fuzz.ratio, workers=workers, dtype=np.float32
        )
        if big:
            k = min(PREFILTER_TOP, len(cand))
            pos = np.argpartition(-s, k - 1, axis=1)[:, :k]
            s = np.take_along_axis(s, pos, axis=1)
            cores = q["core"][r]
            s += np.array(
                [[fuzz.token_set_ratio(cores[i], core_c[j]) for j in pos[i]] for i in range(len(r))],
                dtype=np.float32,
            ).reshape(s.shape)
        else:
            pos = np.broadcast_to(np.arange(len(cand)), s.shape)
            s += process.cdist(
                q["core"][r].tolist(), core_c, scorer=fuzz.token_set_ratio, workers=workers, dtype=np.float32
            )
        s /= 2.0
        cm = cand[pos]
        pc_c, dist_c, town_c = ref.arr["_pc"][cm], ref.arr["_district"][cm], ref.arr["_town"][cm]
        pc, dist, town = q["pc"][r][:, None], q["district"][r][:, None], q["town"][r][:, None]
        s += np.where((pc != "") & (pc == pc_c), 6.0, 0.0)
        s += np.where(dist == "", 0.0, np.where(dist == dist_c, 3.0, np.where(dist_c == "", 0.0, -12.0)))
        s += np.where(town == "", 0.0, np.where(town == town_c, 3.0, np.where(town_c == "", 0.0, -8.0)))
        part = np.argpartition(-s, top - 1, axis=1)[:, :top]
        out_idx.append(np.take_along_axis(cm, part, axis=1))
        out_s.append(np.take_along_axis(s, part, axis=1))
    return np.concatenate(out_idx), np.concatenate(out_s)


def match_schools(
    rows: pd.DataFrame,
    reference: Reference,
    columns: dict[str, str] | None = None,
    *,
    accept: float = DEFAULT_ACCEPT,
    margin: float = DEFAULT_MARGIN,
    workers: int = -1,
) -> pd.DataFrame:
    """The match for every row of ``rows``: a frame of :data:`OUTPUT_COLUMNS`, index aligned to rows.

    ``columns`` says which columns hold name / town / postcode / la / urn (see
    :func:`detect_columns`; detected when None). Rows without a name and without a URN are unmatched.
    """
    if not 0 <= accept <= 100:
        raise ValueError("accept must be between 0 and 100")
    cols = columns if columns is not None else detect_columns(list(rows.columns))
    if "name" not in cols and "urn" not in cols:
        raise KeyError("no column with school names (or URNs) found; name it with --name-column")
    n = len(rows)

    def col(role: str) -> list[str]:
        if role not in cols:
            return [""] * n
        return rows[cols[role]].astype("string").fillna("").str.strip().tolist()

    names, towns, pcs, las, urns = col("name"), col("town"), col("postcode"), col("la"), col("urn")
    norm = [normalise(x) for x in names]
    pcd = [_postcode(p) for p in pcs]
    q = {
        "full": np.array([f for f, _ in norm], dtype=object),
        "core": np.array([c for _, c in norm], dtype=object),
        "sorted": np.array([" ".join(sorted(c.split())) for _, c in norm], dtype=object),
        "pc": np.array([p for p, _ in pcd], dtype=object),
        "district": np.array([d for _, d in pcd], dtype=object),
        "town": np.array([_town(t) for t in towns], dtype=object),
    }
    la_cache: dict[str, str] = {}
    la_codes = [la_cache.setdefault(x, reference.la_code(x)) if x else "" for x in las]

    # Candidate block per row, by place: the LA, else the postcode district, else the town.
    groups: dict[tuple[str, str], list[int]] = {}
    national: list[int] = []
    for i in range(n):
        if not names[i]:
            continue
        for kind, key in (("la", la_codes[i]), ("district", q["district"][i]), ("town", q["town"][i])):
            if key and key in reference.blocks[kind]:
                groups.setdefault((kind, key), []).append(i)
                break
        else:
            national.append(i)

    found: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(n)]
    for (kind, key), members in groups.items():
        cand = np.asarray(reference.blocks[kind][key])
        idx, s = _score_block(reference, np.asarray(members), cand, q, workers)
        for k, i in enumerate(members):
            found[i].append((idx[k], s[k]))
            if s[k].max() < accept:  # nothing good where the row says: look everywhere
                national.append(i)
    if national:
        everything = np.arange(len(reference.schools))
        idx, s = _score_block(reference, np.asarray(sorted(national)), everything, q, workers)
        for k, i in enumerate(sorted(national)):
            found[i].append((idx[k], s[k]))

    results = []
    for i in range(n):
        scored = None
        if found[i]:
            scored = (np.concatenate([f[0] for f in found[i]]), np.concatenate([f[1] for f in found[i]]))
        results.append(_decide(names[i], q["core"][i], urns[i], scored, reference, accept, margin))
    out = pd.DataFrame(results, columns=OUTPUT_COLUMNS, index=rows.index)
    out["urn"] = out["urn"].astype("Int64")
    out["runner_up_urn"] = out["runner_up_urn"].astype("Int64")
    return out


def _decide(
    name: str,
    core: str,
    urn_hint: str,
    scored: tuple[np.ndarray, np.ndarray] | None,
    reference: Reference,
    accept: float,
    margin: float,
) -> dict:
    urns, names, cores, closed = (reference.arr[k] for k in ("urn", "name", "_core", "closed"))
    none = dict.fromkeys(OUTPUT_COLUMNS)
    none["match_status"] = "unmatched"
    hint = re.sub(r"\D", "", urn_hint or "")
    if hint and int(hint) in reference.by_urn:
        j = reference.by_urn[int(hint)]
        agree = not name or fuzz.token_set_ratio(normalise(name)[1], reference.arr["_core"][j]) >= 70
        return {
            **none,
            "urn": int(urns[j]),
            "match_score": 100.0 if agree else 50.0,
            "match_status": "exact" if agree else "review",
            "matched_name": names[j],
            "match_note": "URN given" if agree else "URN given, but its name differs from the row's",
        }
    if scored is None or len(scored[0]) == 0:
        return none
    idx, s = scored
    # one score per school (a school can be both in the block and in the national top list)
    best_by_urn: dict[int, tuple[float, int]] = {}
    for j, sc in zip(idx, s, strict=True):
        if j not in best_by_urn or sc > best_by_urn[j][0]:
            best_by_urn[int(j)] = (float(sc), int(j))
    if hint and len(hint) >= 3:  # a partial URN: prefer schools whose URN starts with it
        for j, (sc, _) in list(best_by_urn.items()):
            if str(urns[j]).startswith(hint):
                best_by_urn[j] = (sc + 5.0, j)
    # rank: score, then open before closed (a converter academy keeps its predecessor's name)
    order = sorted(best_by_urn.values(), key=lambda t: (-round(t[0], 6), closed[t[1]]))
    best_score, b = order[0]
    best_score = min(best_score, 100.0)
    if best_score < REVIEW_FLOOR:
        out = dict(none)
        out["match_score"] = round(best_score, 1)
        out["runner_up_urn"] = int(urns[b])
        out["runner_up_name"] = names[b]
        out["runner_up_score"] = round(best_score, 1)
        return out
    # closed schools never compete with an open best match
    rivals = [t for t in order[1:] if not (closed[t[1]] and not closed[b])]
    runner = rivals[0] if rivals else None
    gap = best_score - min(runner[0], 100.0) if runner else 100.0
    same_name = [t for t in rivals if cores[t[1]] == cores[b]]
    note = ""
    if core == cores[b] and not same_name and best_score >= accept:
        status = "exact"
    elif best_score >= accept and gap >= margin:
        status = "confident"
    else:
        status = "review"
        note = "close runner-up" if best_score >= accept else "weak match"
    urn = int(urns[b])
    matched = names[b]
    if closed[b]:
        succ = [u for u in reference.successors.get(urn, []) if u in reference.by_urn]
        if succ:
            k = reference.by_urn[succ[0]]
            note = f"{matched} (URN {urn}) has closed; GIAS names its successor"
            urn, matched, status = int(urns[k]), names[k], "review"
        else:
            note = "the school matched has closed"
            status = "review"
    out = {
        "urn": urn,
        "match_score": round(best_score, 1),
        "match_status": status,
        "matched_name": matched,
        "runner_up_urn": None,
        "runner_up_name": None,
        "runner_up_score": None,
        "match_note": note or None,
    }
    if runner is not None:
        out["runner_up_urn"] = int(urns[runner[1]])
        out["runner_up_name"] = names[runner[1]]
        out["runner_up_score"] = round(min(runner[0], 100.0), 1)
    return out


# ----------------------------------------------------------------------------------- the review loop


def settled_rows(previous: pd.DataFrame, fresh: pd.DataFrame) -> pd.Series:
    """Which rows of a re-run keep what the file already says (a user's choice).

    ``previous`` is the file as the user saved it (with the matcher's columns from an earlier run,
    possibly edited); ``fresh`` the new proposals. A row is the user's when its ``match_status`` says
    ``confirmed`` or ``rejected``, or when it was a ``review`` row whose ``urn`` the user changed (the
    matcher is deterministic, so a different URN there can only be an edit).
    """
    if "match_status" not in previous.columns or "urn" not in previous.columns:
        return pd.Series(False, index=previous.index)
    status = previous["match_status"].astype("string").str.strip().str.lower().fillna("")
    user = status.isin(USER_STATUSES)
    old = pd.to_numeric(previous["urn"].astype("string").str.strip(), errors="coerce")
    new = pd.to_numeric(fresh["urn"], errors="coerce")
    edited = (status == "review") & ~((old == new) | (old.isna() & new.isna()))
    return (user | edited).astype(bool)


def rematch(
    frame: pd.DataFrame,
    reference: Reference,
    columns: dict[str, str | None] | None = None,
    *,
    accept: float = DEFAULT_ACCEPT,
    margin: float = DEFAULT_MARGIN,
) -> pd.DataFrame:
    """A user's table with the matcher's columns filled in: what ``sendgraph match schools`` writes.

    The user's own columns are kept as they are, in order. A ``urn`` column the user typed (partial
    or whole) is read as a hint and kept as ``urn_given``; on a re-run of a file this function wrote,
    the rows the user settled (:func:`settled_rows`) keep their values and are marked ``confirmed``
    (a URN) or ``rejected`` (none).
    """
    if reference.schools.empty:
        raise ValueError("no schools to match against")
    rerun = "match_status" in frame.columns
    data = frame.copy()
    if not rerun and "urn" in data.columns:
        data = data.rename(columns={"urn": "urn_given"})
    user_cols = [c for c in data.columns if c not in OUTPUT_COLUMNS]
    cols = detect_columns(user_cols, columns)
    fresh = match_schools(data[user_cols], reference, cols, accept=accept, margin=margin)
    out = data[user_cols].copy()
    for c in OUTPUT_COLUMNS:
        out[c] = fresh[c].astype(object).where(fresh[c].notna(), None)
    if rerun:
        keep = settled_rows(data, fresh)
        prev_status = data["match_status"].astype("string").str.strip().str.lower().fillna("")
        for c in OUTPUT_COLUMNS:
            if c in data.columns:
                out.loc[keep, c] = data.loc[keep, c].where(data.loc[keep, c] != "", None)
        has_urn = pd.to_numeric(data["urn"].astype("string"), errors="coerce").notna()
        settled_status = np.where(has_urn, "confirmed", "rejected")
        user_said = prev_status.isin(USER_STATUSES)
        out.loc[keep & ~user_said, "match_status"] = settled_status[(keep & ~user_said).to_numpy()]
        out.loc[keep, "match_note"] = "your choice"
        chosen = pd.to_numeric(data["urn"].astype("string"), errors="coerce")
        names = reference.arr["name"]
        for i in np.flatnonzero(keep.to_numpy()):  # the name of the school the user chose
            u = chosen.iat[i]
            j = reference.by_urn.get(int(u)) if pd.notna(u) else None
            out.iat[i, out.columns.get_loc("matched_name")] = names[j] if j is not None else None
    return out


def summary(result: pd.DataFrame) -> pd.DataFrame:
    """Rows by match status (plus closed schools whose successor was proposed), for the user."""
    order = [*STATUSES, *USER_STATUSES]
    status = result["match_status"].astype("string").fillna("unmatched")
    counts = status.value_counts()
    rows = [{"match_status": s, "rows": int(counts.get(s, 0))} for s in order if counts.get(s, 0)]
    succ = result["match_note"].astype("string").str.contains("successor", na=False).sum()
    if succ:
        rows.append({"match_status": "(of which successor of a closed school proposed)", "rows": int(succ)})
    rows.append({"match_status": "total", "rows": len(result)})
    return pd.DataFrame(rows)


ACCEPTED = ("exact", "confident", "confirmed")


def table_rows(result: pd.DataFrame, table) -> tuple[pd.DataFrame, int]:
    """The accepted rows of a matched file as rows of a bundle table (e.g. ``school_memberships``).

    Columns are the table's columns the file has (headers compared without case), with ``urn`` from
    the match; rows not accepted (review, unmatched, rejected) are left out and counted, so nothing
    unsure is loaded. Raises ``KeyError`` naming a required column the file lacks.
    """
    if "urn" not in table.properties:
        raise KeyError(f"table '{table.name}' has no urn column to fill from the match")
    by_lower = {str(c).strip().lower(): c for c in result.columns if c not in OUTPUT_COLUMNS}
    out = pd.DataFrame(index=result.index)
    for name in table.columns:
        if name == "urn":
            out["urn"] = result["urn"]
        elif name.lower() in by_lower:
            out[name] = result[by_lower[name.lower()]]
    missing = [p.name for p in table.properties.values() if p.required and p.name not in out.columns]
    if missing:
        raise KeyError(f"the file has no column '{missing[0]}' needed for table '{table.name}'")
    status = result["match_status"].astype("string").fillna("")
    keep = status.isin(ACCEPTED).to_numpy() & pd.to_numeric(result["urn"], errors="coerce").notna().to_numpy()
    rows = out[keep].copy()
    rows["urn"] = pd.to_numeric(rows["urn"]).astype("int64")
    return rows.drop_duplicates().reset_index(drop=True), int((~keep).sum())
