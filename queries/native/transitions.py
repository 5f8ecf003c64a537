"""Transitions on a graph server: one aggregate over the career columns stored at load time.

Every post's spell and move is stored on its edge by the load (schema.toml ``derived = "careers"``,
:mod:`graphmodel.careers`): a spell's first post carries ``move_from`` (the role the person moved
from) and ``move_days`` (days in it before the move), and ``career_firsts`` bits mark the person's
first spell in a role, first move of a (from, to) pair and first move out of a role. So the
server counts *people* with sums instead of distinct counts, and the four views need one scan of
the spell-first edges (``transitions``, ``dead-ends``, ``compare``: grouped by role, move_from and
move_days, about 7k rows nationally; ``direct``: the specialist spells, one row each). Each post
table is read on its own, walked in from its setting's label (a pattern with both relationship
types walked every person node).

The stored columns are computed with every post and the ends as recorded. ``as_of`` drops posts
starting after it and opens ends after it; ``career_check`` is the day from which that changes
nothing for the person. The scan groups by ``career_check <= as_of`` too and collects the people
of the groups that fail it (nationally at the bench date: one person); their answers come from the
embedded rules run on their own posts: people are disjoint, so their counts add to the server's,
and move-level medians are taken over the server's histogram of ``move_days`` plus their moves.

Place filters: the settings that match are found by the same pandas code as on the embedded
store, then the in-scope spells are read through an index lookup per school or service (one
``UNWIND`` per post table: a list membership test on every edge costs seconds nationally, and a
``CALL`` subquery has no form both FalkorDB 4.16 and Neo4j 5 accept without a warning).

A graph loaded before the career columns existed cannot answer: the scan sees posts without
``career_check`` and the analysis says to reload with ``sendgraph server load --replace``.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from graphmodel.careers import DAYS_PER_YEAR
from graphmodel.errors import SendgraphError
from graphmodel.schema import load_schema
from graphmodel.server.cypher import native_query, returned_names
from queries.careers.transitions import (
    _specialist_codes,
    career_moves,
    dead_end_table,
    dead_ends,
    direct_table,
    direct_to_specialist,
    distinct_movers,
    first_specialist_spells,
    observed_transitions,
    role_holders,
    transition_table,
)
from queries.context import Filters, apply_filters, schools_frame
from queries.native._specialists import INDEXED, SCAN, use_index
from queries.native._view import in_background
from queries.native.careers import fetched_view, person_rows
from queries.posts import filter_services, services_frame
from queries.registry import implementation

__all__ = ["dead_ends_native", "direct_to_specialist_native", "observed_transitions_native"]

_S = load_schema()
_POSTS, _SPOSTS = _S.relationships["posts"], _S.relationships["service_posts"]
_PERSON = _S.nodes[_POSTS.start.kind]
_SCHOOL, _SERVICE = _S.nodes[_POSTS.end.kind], _S.nodes[_SPOSTS.end.kind]
_DAY = {"as_of": "2025-01-01"}
RECHECK_LIMIT = 10_000
"""More people than this to recheck (an ``as_of`` years back, before many careers started): the
embedded rules run on the whole tables instead, one paged read each, cheaper than key lookups."""
_SIDES = (
    (_POSTS, _SCHOOL, f"(a:{_PERSON.label})-[r:{_POSTS.type}]->(b:{_SCHOOL.label})"),
    (_SPOSTS, _SERVICE, f"(a:{_PERSON.label})-[r:{_SPOSTS.type}]->(b:{_SERVICE.label})"),
)
"""School posts and service posts, each matched from its setting's label (24k schools, 153
services: FalkorDB then walks the edges in, never scanning a million people for 1k service posts)."""
_OK = "r.career_check <= d AS ok"
"""False for people whose stored moves ``as_of`` changes, null on posts loaded without the columns."""


def _per_side(id: str, text: str, params: dict) -> list:
    """One statement per post table (``{edges}`` in ``text`` is each side's pattern)."""
    return [
        native_query(f"{id}.{rel.name}", text.format(edges=edges, key=node.key_column), params)
        for rel, node, edges in _SIDES
    ]


_GROUPED = (
    "RETURN r.role AS role, r.move_from AS from_role, r.move_days AS days, r.career_firsts AS bits, "
    f"{_OK}, count(*) AS n, "
    f"collect(DISTINCT CASE WHEN r.career_check > d THEN a.{_PERSON.key_column} END) AS late"
)
SPELLS = [
    native_query(
        f"transitions.spells.{_POSTS.name}",
        f"WITH date($as_of) AS d MATCH (b:{_SCHOOL.label}) WHERE b.{_SCHOOL.key_column} % $parts = $part "
        f"MATCH (a:{_PERSON.label})-[r:{_POSTS.type}]->(b) {_GROUPED}",
        {**_DAY, "parts": 2, "part": 0},
    ),
    native_query(
        f"transitions.spells.{_SPOSTS.name}", f"WITH date($as_of) AS d MATCH {_SIDES[1][2]} {_GROUPED}", _DAY
    ),
]
"""Every post, grouped: the spell-first posts carry the moves and ``career_firsts`` bits (other
posts have neither, so they only add to a group the answer ignores). About 7k rows nationally.
``late`` lists the people whose moves ``as_of`` changes (only in groups that are not ``ok``): a
second scan of the 2.6M posts for them cost ~3 s of server time nationally, the collect nothing
measurable. The school posts are read in :data:`SPELL_PARTS` parts (the schools whose urn leaves
remainder ``$part``), run side by side: the groups' counts add up, and this scan is all the server
does for ``transitions`` (~6 s of server time nationally, one worker thread; in two parts ~3.5 s
wall on a quiet 2-core machine while the client waits)."""
SPELL_PARTS = 2
"""Parts of the school posts' grouped scan: one per server worker thread (FalkorDB's default is
one per core)."""

SCOPED_SPELLS = [
    native_query(
        f"transitions.scoped_spells.{rel.name}",
        f"WITH date($as_of) AS d UNWIND $keys AS k MATCH (a:{_PERSON.label})-[r:{rel.type}]->"
        f"(b:{node.label} {{{node.key_column}: k}}) WHERE r.spell_first "
        f"RETURN a.{_PERSON.key_column} AS person_id, r.role AS role, r.move_from AS from_role, "
        f"r.move_days AS days, {_OK}",
        {**_DAY, "keys": [example]},
    )
    for (rel, node, _edges), example in zip(_SIDES, (100001, "SV1"), strict=True)
]
"""The spell-first posts in the schools, then the services, matching the filters, one row each (an
index lookup per setting: a list membership test on every edge costs seconds nationally)."""

SPECIALIST_SPELLS = _per_side(
    "transitions.specialist_spells",
    "WITH date($as_of) AS d MATCH {edges} WHERE r.spell_first AND r.role IN $roles "
    f"RETURN a.{_PERSON.key_column} AS person_id, r.role AS role, "
    "r.spell_start.year * 10000 + r.spell_start.month * 100 + r.spell_start.day AS start, "
    "r.move_from AS from_role, b.{key} AS place, " + _OK,
    {**_DAY, "roles": ["SENCO"]},
)
"""Every specialist spell (its first post), with its school or service."""
SPECIALIST_SPELLS_BY_FLAG = native_query(
    f"{SPECIALIST_SPELLS[0].id}.by_flag",
    SPECIALIST_SPELLS[0].text.replace(SCAN, INDEXED, 1),
    SPECIALIST_SPELLS[0].parameters,
)
"""The school side of :data:`SPECIALIST_SPELLS` from the people flagged ``specialist`` (an index
lookup, not a scan of every post: :mod:`queries.native._specialists`), when the roles allow it."""

OLD_GRAPH = (
    "this graph was loaded before sendgraph stored career moves on posts (the career columns of "
    "schema.toml), so transitions cannot be counted on the server: reload it with "
    "'sendgraph server load --replace <bundle>'"
)


def _too_early(as_of: dt.date | None) -> bool:
    """FalkorDB 4.16 compares two dates wrongly when they lie more than 68 years apart
    (``date('1957-02-01') <= date('2025-09-01')`` is false: seconds overflow 32 bits). A person
    wrongly failing ``career_check <= as_of`` is only rechecked; one wrongly passing it (``as_of``
    decades back) would be miscounted, so an ``as_of`` that far back runs the embedded rules."""
    return as_of is not None and as_of < dt.date(dt.date.today().year - 60, 1, 1)


def _day(as_of: dt.date | None) -> str:
    """``as_of`` for the check; none means every post as recorded: no start is in the future (the
    schema refuses them), so with today only open-ended ties could send a person to the recheck,
    and the recheck runs the rules without ``as_of``, exactly as the embedded store does."""
    return (as_of or dt.date.today()).isoformat()


def _run(store, query, params: dict) -> pd.DataFrame:
    """A statement's rows as an (untyped) DataFrame, named by its RETURN aliases (an empty graph
    answers without a header)."""
    _columns, rows = store.run_read(query.for_dialect(store.dialect.name), params)
    names = returned_names(query.text)
    return pd.DataFrame(rows, columns=names) if rows else pd.DataFrame({c: [] for c in names}, dtype=object)


def _both(store, queries: list, params: dict) -> pd.DataFrame:
    """The rows of each side's statement, together; refused when a post lacks the columns."""
    return _checked(pd.concat([_run(store, q, params) for q in queries], ignore_index=True))


def _checked(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (rows of the reads of both post tables), refused when a post lacks the columns."""
    if "ok" in frame and frame["ok"].isna().any():
        raise SendgraphError(OLD_GRAPH)
    return frame


def _ok(frame: pd.DataFrame) -> np.ndarray:
    return frame["ok"].to_numpy(dtype=bool) if len(frame) else np.zeros(0, dtype=bool)


def _spells(store, as_of: dt.date | None) -> tuple[pd.DataFrame, list[str]]:
    """The grouped posts whose moves hold on ``as_of`` (one row per role, move_from, move_days and
    bits, with counts), and the people to recheck."""
    params = {"as_of": _day(as_of)}
    school, service = SPELLS
    reads = [(school, {**params, "parts": SPELL_PARTS, "part": k}) for k in range(SPELL_PARTS)]
    with ThreadPoolExecutor(max_workers=len(reads) + 1, thread_name_prefix="sendgraph-spells") as pool:
        futures = [in_background(pool, _run, store, q, p) for q, p in [*reads, (service, params)]]
        frame = _checked(pd.concat([f.result() for f in futures], ignore_index=True))
    ok = _ok(frame)
    recheck = sorted({str(p) for late in frame.loc[~ok, "late"] for p in (late or []) if p is not None})
    frame = frame[ok].reset_index(drop=True)
    bits = frame["bits"].fillna(0).astype("int64")
    counts = frame["n"].astype("int64")
    frame = frame.assign(
        n=counts,
        holders=(bits % 2) * counts,
        people=(bits // 2 % 2) * counts,
        leavers=(bits // 4) * counts,
    )
    return frame, recheck


def _scoped(store, as_of: dt.date | None, filters: Filters) -> tuple[pd.DataFrame, list[str]]:
    """The in-scope spell-first posts whose moves hold on ``as_of``, and the people to recheck
    (among those with an in-scope spell: ``as_of`` only ever removes spells)."""
    urns, services = _scope_keys(store, filters)
    day = _day(as_of)
    rows = pd.concat(
        [
            _both(store, [query], {"as_of": day, "keys": keys})
            for query, keys in zip(SCOPED_SPELLS, (urns, services), strict=True)
        ],
        ignore_index=True,
    )
    ok = _ok(rows)
    recheck = sorted({str(p) for p in rows.loc[~ok, "person_id"]})
    return rows[ok].reset_index(drop=True), recheck


def _recheck_view(store, people: list[str]):
    """``store`` seen through the posts and service posts of ``people`` only (their rules run on
    the client, on exactly what the embedded store would use for them)."""
    return fetched_view(store, {t: person_rows(store, t, people) for t in ("posts", "service_posts")})


def _scope_keys(store, filters: Filters) -> tuple[list[int], list[str]]:
    """The urns and service ids of the settings matching ``filters`` (as the embedded rules decide)."""
    urns = apply_filters(schools_frame(store), filters)["urn"].dropna().astype("int64").tolist()
    services = filter_services(services_frame(store), filters)["service_id"].dropna().astype(str).tolist()
    return sorted(set(urns)), sorted(set(services))


def _years(days: pd.Series, counts: pd.Series | None = None) -> np.ndarray:
    values = days.to_numpy(dtype=np.int64)
    if counts is not None:
        values = np.repeat(values, counts.to_numpy(dtype=np.int64))
    return values / DAYS_PER_YEAR


@implementation(observed_transitions, "falkordb", "neo4j")
def observed_transitions_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """:func:`queries.careers.transitions.observed_transitions` from the stored moves (module
    docstring): server sums, plus the rules on the people ``as_of`` changes."""
    if _too_early(as_of):
        return observed_transitions.embedded(store, as_of=as_of, filters=filters)
    parts: list[pd.DataFrame] = []
    people: list[pd.Series] = []
    leavers: list[pd.Series] = []
    if filters.describe():
        rows, recheck = _scoped(store, as_of, filters)
        rows = rows[rows["from_role"].notna().to_numpy()]
        frame = pd.DataFrame(
            {
                "from_role": rows["from_role"].astype(object),
                "to_role": rows["role"].astype(object),
                "person": rows["person_id"].astype(object),
                "years": _years(rows["days"]),
            }
        )
        p, lv = distinct_movers(frame)
    else:
        grouped, recheck = _spells(store, as_of)
        moved = grouped[grouped["from_role"].notna().to_numpy()]
        frame = pd.DataFrame(
            {
                "from_role": np.repeat(moved["from_role"].to_numpy(dtype=object), moved["n"]),
                "to_role": np.repeat(moved["role"].to_numpy(dtype=object), moved["n"]),
                "years": _years(moved["days"], moved["n"]),
            }
        )
        p = moved.groupby(["from_role", "role"])["people"].sum().rename_axis(["from_role", "to_role"])
        lv = moved.groupby("from_role")["leavers"].sum()
    if len(recheck) > RECHECK_LIMIT:
        return observed_transitions.embedded(store, as_of=as_of, filters=filters)
    parts.append(frame)
    people.append(p)
    leavers.append(lv)
    if recheck:
        mv = career_moves(_recheck_view(store, recheck), as_of, filters)
        mv = mv[mv["in_scope"].to_numpy()]
        parts.append(mv[["from_role", "to_role", "years"]])
        p, lv = distinct_movers(mv)
        people.append(p)
        leavers.append(lv)
    counted = pd.concat(parts, ignore_index=True)[["from_role", "to_role", "years"]]
    return transition_table(counted, _add(people), _add(leavers))


def _add(series: list[pd.Series]) -> pd.Series:
    """Counts of disjoint sets of people, added index by index."""
    series = [s for s in series if len(s)]
    if not series:
        return pd.Series(dtype="int64")
    out = series[0]
    for s in series[1:]:
        out = out.add(s, fill_value=0)
    return out.astype("int64")


@implementation(dead_ends, "falkordb", "neo4j")
def dead_ends_native(store, *, as_of: dt.date | None = None, filters: Filters = Filters()) -> pd.DataFrame:
    """:func:`queries.careers.transitions.dead_ends` from the stored spells and moves (the roles
    people left are counted anywhere, so the whole grouped scan runs even with filters)."""
    if _too_early(as_of):
        return dead_ends.embedded(store, as_of=as_of, filters=filters)
    grouped, recheck = _spells(store, as_of)
    if len(recheck) > RECHECK_LIMIT:
        return dead_ends.embedded(store, as_of=as_of, filters=filters)
    moved = grouped[grouped["from_role"].notna().to_numpy()]
    left = set(moved.loc[(moved["from_role"] != moved["role"]).to_numpy(), "from_role"].astype(str))
    if filters.describe():
        rows, _scoped_recheck = _scoped(store, as_of, filters)  # a subset of ``recheck``
        holders = [rows.drop_duplicates(["role", "person_id"]).groupby("role").size()]
    else:
        holders = [grouped.groupby("role")["holders"].sum()]
    if recheck:
        held, gone = role_holders(_recheck_view(store, recheck), as_of, filters)
        holders.append(held)
        left |= gone
    found = _add(holders)
    found.index = found.index.astype(object)
    return dead_end_table(store, found[found > 0], left)


@implementation(direct_to_specialist, "falkordb", "neo4j")
def direct_to_specialist_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """:func:`queries.careers.transitions.direct_to_specialist` from the stored specialist spells
    (a person without one has no specialist post, on any ``as_of``: only they are rechecked)."""
    if _too_early(as_of):
        return direct_to_specialist.embedded(store, as_of=as_of, filters=filters)
    special = sorted(_specialist_codes(store))
    spells = SPECIALIST_SPELLS
    if use_index(store, special):
        spells = [SPECIALIST_SPELLS_BY_FLAG, *SPECIALIST_SPELLS[1:]]
    rows = _both(store, spells, {"as_of": _day(as_of), "roles": special})
    ok = _ok(rows)
    recheck = sorted({str(p) for p in rows.loc[~ok, "person_id"]})
    if len(recheck) > RECHECK_LIMIT:
        return direct_to_specialist.embedded(store, as_of=as_of, filters=filters)
    rows = rows[ok]
    if filters.describe():
        urns, services = _scope_keys(store, filters)
        scope = rows["place"].isin([*urns, *services]).to_numpy(dtype=bool)
    else:
        scope = np.ones(len(rows), dtype=bool)
    rows = rows.assign(scope=scope).sort_values(["person_id", "start", "role"], kind="stable")
    first = rows.drop_duplicates("person_id")
    first = first[first["scope"].to_numpy(dtype=bool)]
    parts = [
        pd.DataFrame(
            {
                "p": first["person_id"].astype(object).to_numpy(),
                "role": first["role"].astype(object).to_numpy(),
                "from_role": first["from_role"].astype(object).to_numpy(),
            }
        )
    ]
    if recheck:
        theirs = first_specialist_spells(_recheck_view(store, recheck), as_of, filters)
        parts.append(theirs.assign(p=theirs["p"].map(lambda code: f"\x00recheck{code}")))
    return direct_table(pd.concat(parts, ignore_index=True))
