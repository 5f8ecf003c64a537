"""Pseudonymous person ids from the identifiers people keep (emails), without a spreadsheet step.

An attendance sheet has names and emails; the graph must hold neither. :func:`pseudonymise` replaces
the identifying columns with a ``person_id`` made by a keyed hash (HMAC-SHA256) of the normalised
identifier, and drops the name columns. The key is a random secret kept in the workspace directory
(``pseudonym.key``), never in any output: the same email always gives the same id, in every file and
every load, but nobody holding only the ids (or the graph) can test an email against them.

Why a keyed hash and not a plain one: a plain SHA-256 of an email can be reversed by hashing a list
of staff emails; the key makes that impossible without the workspace.

A *names map* (``--keep-names``) is the one place the link back is written, for the user's own
records: person_id, the identifiers and names. It also carries a check value of the key, so a map
made under another key is refused rather than silently mismatched.

Losing or changing the key breaks the link between new ids and ids already loaded, so both are
errors with a clear message: the workspace also keeps the key's check value (``pseudonym.check``,
which reveals nothing about the key), so a missing or replaced key is noticed.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from graphmodel.errors import SendgraphError

__all__ = [
    "KEY_FILE",
    "NAME_COLUMNS",
    "Pseudonymised",
    "load_key",
    "person_id",
    "pseudonymise",
    "restore_names",
]

KEY_FILE = "pseudonym.key"
CHECK_FILE = "pseudonym.check"
ID_PREFIX = "p-"
NAME_COLUMNS = (
    "name",
    "full name",
    "first name",
    "firstname",
    "forename",
    "forenames",
    "given name",
    "surname",
    "last name",
    "lastname",
    "family name",
    "attendee",
    "attendee name",
    "delegate",
    "delegate name",
    "participant",
    "participant name",
    "person",
    "staff name",
    "teacher name",
    "senco name",
    "member name",
    "contact",
    "contact name",
)
"""Headers read as a person's name (compared without case, spaces or underscores) unless told."""


class KeyProblem(SendgraphError):
    """The pseudonymisation key is missing or is not the one the workspace's ids were made with."""


def _check_value(key: bytes) -> str:
    return hmac.new(key, b"sendgraph pseudonym key check", hashlib.sha256).hexdigest()[:16]


def load_key(workspace: Path, create: bool = True) -> bytes:
    """The workspace's secret; created on first use (when no ids have been made in this workspace).

    Raises :class:`KeyProblem` when the key is missing although ids were made with one, or when the
    key file no longer matches the check value recorded when it was made.
    """
    workspace = Path(workspace)
    key_path, check_path = workspace / KEY_FILE, workspace / CHECK_FILE
    if key_path.exists():
        text = key_path.read_text(encoding="ascii").strip()
        if not re.fullmatch(r"[0-9a-f]{64}", text):
            raise KeyProblem(
                f"{key_path} is damaged (expected 64 hexadecimal digits); restore it from a backup"
            )
        key = bytes.fromhex(text)
        if check_path.exists() and check_path.read_text(encoding="ascii").strip() != _check_value(key):
            raise KeyProblem(
                f"the pseudonymisation secret {key_path} has changed since ids were made in this workspace: "
                "new ids would not match those already loaded. Put back the original key file"
            )
        return key
    if check_path.exists() or not create:
        raise KeyProblem(
            f"the pseudonymisation secret {key_path} is missing, but ids were made with it in this "
            "workspace: restore it from a backup (without it the same person would get a new id). "
            f"To start afresh on purpose, delete {check_path}"
        )
    workspace.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key.hex() + "\n")
    check_path.write_text(_check_value(key) + "\n", encoding="ascii")
    return key


def _normalise_id(value: str) -> str:
    return re.sub(r"\s+", "", str(value)).casefold()


def person_id(key: bytes, values: list[str]) -> str:
    """The id for one person's identifier values (emails are compared without case or spaces)."""
    message = "\x1f".join(_normalise_id(v) for v in values).encode("utf-8")
    return ID_PREFIX + hmac.new(key, message, hashlib.sha256).hexdigest()[:20]


def _header_key(c: str) -> str:
    return re.sub(r"[\s_]+", " ", c.strip().lower())


@dataclass
class Pseudonymised:
    frame: pd.DataFrame
    names: pd.DataFrame  # the map: person_id, identifiers, names
    notes: list[str] = field(default_factory=list)


def pseudonymise(
    frame: pd.DataFrame,
    key: bytes,
    id_columns: list[str],
    name_columns: list[str] | None = None,
    id_column: str = "person_id",
) -> Pseudonymised:
    """``frame`` with ``id_columns`` replaced by one ``person_id`` column and the name columns dropped.

    ``name_columns`` default to the columns whose header reads as a person's name
    (:data:`NAME_COLUMNS`). Rows with every identifier blank get a blank id (and a note).
    """
    missing = [c for c in id_columns if c not in frame.columns]
    if missing:
        raise SendgraphError(f"no column '{missing[0]}'; columns are: {', '.join(map(str, frame.columns))}")
    if name_columns is None:
        name_columns = [c for c in frame.columns if _header_key(c) in NAME_COLUMNS and c not in id_columns]
    else:
        bad = [c for c in name_columns if c not in frame.columns]
        if bad:
            raise SendgraphError(f"no column '{bad[0]}'; columns are: {', '.join(map(str, frame.columns))}")
    if id_column in frame.columns and id_column not in id_columns:
        raise SendgraphError(f"the file already has a '{id_column}' column")
    values = frame[id_columns].astype("string").fillna("").apply(lambda s: s.str.strip())
    blank = (values == "").all(axis=1)
    ids = [
        "" if b else person_id(key, list(row))
        for b, row in zip(blank, values.itertuples(index=False, name=None), strict=True)
    ]
    out = frame.drop(columns=[*id_columns, *name_columns])
    position = list(frame.columns).index(id_columns[0])
    position -= sum(1 for c in frame.columns[:position] if c in name_columns or c in id_columns)
    out.insert(position, id_column, ids)
    names = pd.concat(
        [pd.Series(ids, name=id_column, index=frame.index), frame[id_columns + name_columns]], axis=1
    )
    names = names[~blank].drop_duplicates()
    names["key_check"] = _check_value(key)
    notes = []
    if blank.any():
        notes.append(
            f"{int(blank.sum())} row(s) have no {' / '.join(id_columns)}: their {id_column} is blank"
        )
    if name_columns:
        notes.append(f"left out the name column(s): {', '.join(name_columns)}")
    return Pseudonymised(out, names.reset_index(drop=True), notes)


def merge_map(old: pd.DataFrame | None, new: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """The names map after adding ``new`` to an existing one; a map made under another key is refused."""
    if old is None or old.empty:
        return new
    checks = set(old.get("key_check", pd.Series(dtype=str)).astype(str)) - {""}
    if checks and checks != {_check_value(key)}:
        raise KeyProblem(
            "this names map was made with a different pseudonymisation secret than the workspace's: "
            "its person_ids would not match. Use the workspace the map was made with"
        )
    merged = pd.concat([old.astype(str), new.astype(str)], ignore_index=True)
    return merged.drop_duplicates(keep="last").reset_index(drop=True)


def restore_names(frame: pd.DataFrame, names_map: pd.DataFrame, id_column: str = "person_id") -> pd.DataFrame:
    """Put names back next to ``person_id`` (for the user's own records, from their names map)."""
    if id_column not in frame.columns:
        raise SendgraphError(f"no '{id_column}' column to restore names for")
    if id_column not in names_map.columns:
        raise SendgraphError(f"the names map has no '{id_column}' column")
    extra = [c for c in names_map.columns if c not in (id_column, "key_check") and c not in frame.columns]
    lookup = names_map.drop_duplicates(id_column, keep="last").set_index(id_column)[extra]
    restored = lookup.reindex(frame[id_column].astype(str)).reset_index(drop=True)
    restored.index = frame.index
    out = frame.copy()
    at = list(out.columns).index(id_column) + 1
    for k, c in enumerate(extra):
        out.insert(at + k, c, restored[c].fillna(""))
    return out
