"""The specialist pipeline on a graph server: most people counted in Cypher, the rest by the rules.

:func:`queries.careers.pipeline.pipeline` reads every person's career (nationally 2.6M posts) to
find the feeder steps and who has reached them; pulling that whole is what made the server version
time out (issue 14). A load now stores each post's spell and the move into it (the ``careers``
derived columns of schema.toml: ``spell_start``, ``spell_prior_days``, ``spell_first``,
``move_from``, ``move_days``, ``career_check``, ``spell_day``) and each person's first SEND-CPD and
sensory-CPD day (the ``cpd_days`` columns of people, :mod:`graphmodel.cpd_days`), so the server
can answer most of it with aggregates, and the embedded rules run only on the people an aggregate
cannot answer:

1. **Feeder steps.** One read of the posts (:data:`FEEDER_MOVES`; of the flagged specialists'
   posts when it may, :data:`FEEDER_MOVES_BY_FLAG`) groups the moves stored on
   spells' first posts into a target role, started by ``as_of``: (from-role, role, days, how
   many), nationally a few thousand groups. A person whose ``career_check`` is after ``as_of``
   (their moves depend on the date: a post started after it, or spells starting the same day) is
   left out and listed instead; their posts are fetched by key and their moves computed with
   :func:`queries.careers.spells.move_arrays`. The thresholds are then
   :func:`queries.careers.pipeline.feeder_frame` of the two, the embedded computation. The same
   scan lists who held a SENCO or sensory post by ``as_of`` (exceptions, below).
2. **People counts per area.** A person's counts depend only on their own rows once the feeder
   steps are known, and for most people on facts the server can test on one post: it is a current
   teaching post, and (for the likely movers) its spell has lasted the step's threshold
   (``as_of`` - ``spell_day``, whole days: earlier spells of the role included) and the person's
   first SEND (or sensory) CPD day is on or before ``as_of``. Exceptions
   are the people whose qualifications, courses or other posts change the answer: anyone who held
   a SENCO or sensory post by ``as_of``, anyone with a service post, holders of a SENCO award or a
   sensory MQ, and anyone studying for one (nationally ~35k of a million). The server counts
   everyone, the three counts in one scan of the current posts (:data:`COUNTS`, in :data:`COUNT_PARTS`
   reads of whole areas: ``count(DISTINCT person)`` per area, the ready counts after the feeder steps); the
   exceptions' current posts (with their spell columns: the flagged specialists' in one indexed
   read, :data:`SPECIALISTS_POSTS`, the others by key) and CPD days are fetched, and the result is
   server total - the exceptions as those statements count them (the same predicate in pandas,
   :func:`_as_server_counts`) + the exceptions as the embedded
   :func:`queries.careers.pipeline.people_counts` counts them (their open spells built from the
   stored columns, :func:`_open_spells`). Counts of distinct people per area are sums over
   people, so this is exact.
3. Schools, the SENCO audit and capacity are the native versions those analyses already have,
   read on another thread meanwhile (:func:`queries.careers.pipeline.area_table`), the posts of the
   SENCO audit and of capacity in one scan (:func:`queries.native.senco_audit.with_specialists`).

Why one scan for the three counts (session 8): apart, the teachers were a scan of the posts and
each ready count a CPD-led walk (attendance -> activity -> need, then the person's posts): with
the feeder moves and the SENCO audit's scan ~22 s of server time nationally on a quiet machine,
the server (2 queries at a time) the bottleneck. Timed one statement at a time on the same busy
machine (load average 6-7), the statements' sum went from 50.1 s to 36.5 s; the counts scan costs
1.2x the old teachers scan alone. Left: the feeder moves' scan must finish before the counts'
(their thresholds), and the SENCO audit's scan runs beside them.

A graph loaded before the derived columns existed is refused with a message naming the reload.
"""

from __future__ import annotations

import datetime as dt
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from graphmodel.careers import DAYS_PER_YEAR, OPEN_DAY, Careers
from graphmodel.cpd_days import SEND_DAY, SENSORY_DAY
from graphmodel.errors import SendgraphError
from graphmodel.frames import isin
from graphmodel.schema import load_schema
from graphmodel.server.cypher import NativeQuery, native_query
from graphmodel.specialists import FLAG
from graphmodel.validate import conform
from queries.audits.senco import AWARDS, senco_audit
from queries.audits.sensory import matching_mq
from queries.careers.pipeline import (
    LEVELS,
    PEOPLE_COUNTS,
    area_table,
    career_spells,
    check_arguments,
    feeder_frame,
    moves_into_targets,
    people_counts,
    pipeline,
    target_roles,
    with_people,
)
from queries.context import Filters, schools_frame
from queries.native._specialists import INDEXED, SCAN, use_index
from queries.native._view import PEOPLE_PER_QUERY, WHOLE_TABLES, NarrowedStore, chunks, in_background
from queries.native.careers import (
    COURSES_HELD,
    COURSES_STUDIED,
    PERSON_ROWS,
    TARGET_SERVICE_POSTS,
    compact_pull,
    fetched_view,
    in_chunks,
    pull_query,
)
from queries.native.senco_audit import (
    POST_COLUMNS,
    ROLES,
    senco_view,
    split_specialists,
    with_specialists,
)
from queries.native.sensory import capacity_of_view, sensory_roles, sensory_view
from queries.posts import current_mask
from queries.registry import implementation

__all__ = [
    "COUNTS",
    "CPD_PEOPLE",
    "FEEDER_MOVES",
    "FEEDER_MOVES_BY_FLAG",
    "POSTS_OF_PEOPLE",
    "SERVER_COUNTS",
    "pipeline_native",
    "ready_days",
]

_DAY = "2025-01-01"
_AREA = {"la": "b.la_code", "region": "$region_of[b.la_code]"}
"""The area a school post counts in: its school's LA, or that LA's region (``$region_of``: LA code
-> region code, from the geography tables) looked up in a map, not by a hop to the LA node: the
hop cost 1-2 s more per scan of the posts nationally."""


def _counts(level: str) -> str:
    """Per area, from one scan of the current posts in one of ``$roles``: people in one of
    ``$teachers`` (the teaching roles but SENCO), and, for SENCO and the sensory roles, people whose
    spell of their role has lasted its threshold (earlier spells of the role included) on day
    ``$day`` (the post's ``spell_day`` is on or before ``$senco_by[role]`` (``$sensory_by``): ``$day``
    less the threshold's days) and whose first SEND (sensory) CPD day (people's ``cpd_days`` columns,
    :mod:`graphmodel.cpd_days`) is on or before ``$day``. A role missing from a map is not a feeder
    step of that target: the lookup is null and the person not counted. Stored integers only:
    working the spell's day number out of its date per post (FalkorDB has no days-between) made
    this scan take twice as long nationally. Only the posts at the schools of ``$las`` (LA codes) are
    read: the scan runs in parts (:func:`_parts`) of whole areas, whose counts add up. The tests
    that drop the most posts come first (a post still held on ``as_of``: 37% of them nationally,
    then the role, the start), and a post's spell before the person's CPD day: ~15% less server
    time than the other order. The area is worked out once per school, not per post, and people
    are told apart as nodes (not by their ``person_id`` text): the aggregation ~0.4 s (of ~2.5 s)
    less nationally; the posts' far end is not tested for the Person label (every WORKS_AT starts
    at a Person, schema.toml): a label test per post, ~0.4 s (session 10)."""
    area = _AREA[level]
    ready = "r.spell_day <= ${by}[r.role] AND a.{column} <= $day"
    senco = ready.format(column=SEND_DAY, by="senco_by")
    sensory = ready.format(column=SENSORY_DAY, by="sensory_by")
    return (
        f"WITH date($as_of) AS d MATCH (b:School) WHERE b.la_code IN $las WITH d, b, {area} AS area "
        "MATCH (a)-[r:WORKS_AT]->(b) WHERE (r.end_date IS NULL OR r.end_date >= d) "
        "AND r.role IN $roles AND r.start_date <= d "
        "RETURN area, "
        "count(DISTINCT CASE WHEN r.role IN $teachers THEN a END) AS teachers_not_senco, "
        f"count(DISTINCT CASE WHEN {senco} THEN a END) AS likely_senco, "
        f"count(DISTINCT CASE WHEN {sensory} THEN a END) AS likely_sensory"
    )


_PEOPLE = {"people": ["P1"]}
_POSTS = load_schema().table("posts")
_COUNTS_P = {
    "las": ["E06000001"],
    "as_of": _DAY,
    "roles": ["CLASS_TEACHER", "SEN_TEACHER"],
    "teachers": ["CLASS_TEACHER"],
    "day": 739130,
    "senco_by": {"CLASS_TEACHER": 737304},
    "sensory_by": {"SEN_TEACHER": 737669},
}
_LEVEL_P = {"la": {}, "region": {"region_of": {"E06000001": "E12000001"}}}
COUNTS = {
    level: native_query(f"pipeline.counts.{level}", _counts(level), {**_COUNTS_P, **_LEVEL_P[level]})
    for level in LEVELS
}
"""The three server counts (:data:`SERVER_COUNTS`) in one scan of the posts: apart (a scan for the
teachers, a CPD-led walk for each ready count) they cost ~12 s of server time nationally, together
~5 s (issue 14)."""
SERVER_COUNTS = ("teachers_not_senco", "likely_senco", "likely_sensory")
SCHOOLS_PER_LA = native_query(
    "pipeline.schools_per_la", "MATCH (b:School) RETURN b.la_code AS la_code, count(b) AS schools", {}
)
"""How many schools each LA has: the weights :func:`_parts` balances the counts' scan by."""
COUNT_PARTS = 9
"""How many reads the counts' scan (:data:`COUNTS`, ~4.5 s of server time nationally, the pipeline's
longest read) runs as, each over the posts of whole areas: a queue of parts (:class:`_Queue`) that
one thread works through from the moment the feeder steps are known, and the main thread joins
once it has nothing else left to do. Why not all parts side by side from the start (session 9):
they took every one of FalkorDB's worker threads (one per core by default), so the pipeline's other
reads (the SENCO audit's, the exceptions') queued behind them and the command was no faster. One
read of the whole scan (sessions 8-9) left the second core idle once the client was done: the last
~1-2 s of the scan ran alone. In parts, at most one part's read (~0.5 s) stands ahead of another
read, and the end of the scan runs on both cores, the largest parts first (region level: a region
each, the one with the most schools first). Each part re-reads the schools (~0.04 s of server time)."""

_MOVE = "late IS NULL AND r.spell_first AND r.move_from IS NOT NULL"
_MOVES = (
    "WITH date($as_of) AS d {start} "
    "WHERE r.career_check > d OR (r.role IN $roles AND r.start_date <= d) "
    "WITH r, CASE WHEN r.career_check > d THEN a.person_id END AS late, "
    "CASE WHEN r.role IN $roles AND r.start_date <= d THEN a.person_id END AS held "
    f"RETURN late, CASE WHEN {_MOVE} THEN r.move_from END AS from_role, "
    f"CASE WHEN {_MOVE} THEN r.role END AS role, CASE WHEN {_MOVE} THEN r.move_days END AS days, "
    "count(r) AS moves, collect(DISTINCT held) AS held"
)
_MOVES_P = {"as_of": _DAY, "roles": ["SENCO"]}
FEEDER_MOVES = {
    rel: native_query(f"pipeline.feeder_moves.{table}", _MOVES.format(start=start), _MOVES_P)
    for table, rel, start in (
        ("posts", "WORKS_AT", "MATCH (a:Person)-[r:WORKS_AT]->(b:School)"),
        ("service_posts", "WORKS_IN", "MATCH (a:Person)-[r:WORKS_IN]->(b:Service)"),
    )
}
"""One scan of the posts (and one of the service posts) for the feeder steps and two lists of
people: ``held``, who held a post in a target role (``$roles``: SENCO and the sensory roles) by
``as_of`` (exceptions, see the module docstring, collected per group), and the moves stored on
those posts, grouped (from-role, role, days), where the person's moves hold on ``as_of``; and
``late``, the people whose moves do not (``career_check`` after ``as_of``), a group each."""
FEEDER_MOVES_BY_FLAG = native_query(
    "pipeline.feeder_moves.posts.by_flag",
    _MOVES.format(start=f"MATCH (a:Person) WHERE a.{FLAG} = true MATCH (a)-[r:WORKS_AT]->(b:School)"),
    _MOVES_P,
)
""":data:`FEEDER_MOVES`' school posts read from the flagged specialists only (a node index,
:mod:`graphmodel.specialists`): 0.8 s of server time nationally instead of 3-5 s, and ~500 late
people to fetch instead of ~14k. Fewer rows, the same feeder steps: a move into a target is stored
on (or, for a late person, recomputed from) a post in a target role, and everyone holding a school
post in one is flagged when the targets are specialist roles (:func:`_feeder_reads` checks). A late
person left out holds no school post in a target role, so has no move into one from the school
posts; their target service posts, and their lateness, are in the service posts' scan, and a late
person's moves are recomputed from all their posts, school and service. ``held`` (school posts in
a target role) is the same list."""
_CURRENT_ON = "r.start_date <= date($as_of) AND (r.end_date IS NULL OR r.end_date >= date($as_of))"
_CURRENT_OF = f"a.person_id IN $people AND {_CURRENT_ON}"
_SPELL = ["person_id", "role", "start_date", "end_date", "spell_start", "spell_prior_days"]
POSTS_OF_PEOPLE = pull_query(
    "pipeline.posts.current_of_people", "posts", _CURRENT_OF, {**_PEOPLE, "as_of": _DAY}, [*_SPELL, "urn"]
)
SPECIALISTS_POSTS = native_query(
    "pipeline.posts.of_specialists",
    INDEXED
    + compact_pull(
        "posts",
        f"r.role IN $senco_roles OR (r.role IN $roles AND r.start_date <= date($as_of)) OR ({_CURRENT_ON})",
        list(dict.fromkeys([*POST_COLUMNS, *_SPELL])),
    ).removeprefix(SCAN),
    {"as_of": _DAY, "senco_roles": ["SENCO", "HEAD"], "roles": ["QTVI_TEACHER"]},
)
"""The flagged specialists' posts (:mod:`graphmodel.specialists`, a node index) that two parts of the
pipeline read, in one walk: their current posts (with the spell columns), nearly all the exceptions'
(34,118 of 34,535 nationally; everyone who held a target post is flagged; the others are read by
key, :data:`POSTS_OF_PEOPLE`), and what the SENCO audit and capacity columns read
(:func:`queries.native.senco_audit.split_specialists`: posts in ``$senco_roles`` and the sensory
``$roles`` started by ``as_of``). Apart, the two walks cost ~1.1 s of server time each nationally;
looking the exceptions up by key took 7 reads, ~2.4 s."""
CURRENT_SERVICE_POSTS = pull_query(
    "pipeline.service_posts.current",
    "service_posts",
    "r.start_date <= date($as_of) AND (r.end_date IS NULL OR r.end_date >= date($as_of))",
    {"as_of": _DAY},
    [*_SPELL, "service_id"],
)
"""The exceptions' current posts with their spell columns: all their counts read (a spell open on
``as_of`` holds a current post, and its stored start and prior days are those of every ``as_of``
the post is current on), and what the server's counts read of them (to take them out). Service
posts are few (LA teams; 1,172 nationally), so every current one is read at once and cut to the
exceptions here: looking 55k people up by key took 11 reads of up to a second or more each."""
CPD_PEOPLE = native_query(
    "pipeline.cpd_people",
    f"MATCH (a:Person) WHERE a.person_id IN $people AND a.{SEND_DAY} <= $day "
    f"RETURN a.person_id AS person_id, a.{SENSORY_DAY} <= $day AS sensory",
    {"day": 739130, **_PEOPLE},
)
"""Which of ``$people`` attended SEND CPD by day ``$day`` (as :data:`COUNTS` reads it), and whether
sensory CPD (sensory needs are need areas: a sensory day is never before the SEND day)."""
HAS_COLUMNS = native_query(
    "pipeline.has_derived_columns",
    "MATCH (a:Person)-[r:WORKS_AT]->(b:School) WITH a, r LIMIT 1 "
    f"RETURN r.spell_start IS NOT NULL AND r.spell_day IS NOT NULL AS careers, "
    f"a.{SEND_DAY} IS NOT NULL AS cpd_days",
    {},
)


def ready_days(threshold_years: float) -> int:
    """The fewest whole days whose years (days / 365.25) reach ``threshold_years`` as the embedded
    rule compares them (``years >= threshold - 1e-9``, in float64): days in a role are whole, so
    the server can compare integers (a spell's start against ``as_of`` minus these days)."""
    limit = np.float64(threshold_years) - 1e-9
    n = max(int(np.ceil(limit * DAYS_PER_YEAR)), 0)
    while n > 0 and np.float64(n - 1) / DAYS_PER_YEAR >= limit:
        n -= 1
    while np.float64(n) / DAYS_PER_YEAR < limit:
        n += 1
    return n


def _rows(store, query: NativeQuery, params: dict) -> list[list]:
    return store.run_read(query.for_dialect(store.dialect.name), params)[1]


def _people(store, query: NativeQuery, params: dict) -> set[str]:
    return {str(r[0]) for r in _rows(store, query, params) if r[0] is not None}


def _require_columns(store) -> None:
    rows = _rows(store, HAS_COLUMNS, {})
    if not rows:  # no posts: nothing to judge (and nothing the columns would change)
        return
    names = ("posts' career columns (spell, spell day and move)", "people's CPD days")
    missing = [what for what, stored in zip(names, rows[0], strict=True) if not stored]
    if missing:
        raise SendgraphError(
            f"this graph was loaded before it stored {' and '.join(missing)}, which pipeline reads on a "
            "server: reload it with `sendgraph server load --replace BUNDLE`"
        )


def _feeder_reads(store, target_codes: list[str]) -> list[NativeQuery]:
    """The feeder moves' reads: the school posts from the flagged specialists when every target
    role is a specialist role and the graph stores the flag (:func:`queries.native._specialists.
    use_index`), else the scan of every school post; and the service posts' scan."""
    posts = FEEDER_MOVES_BY_FLAG if use_index(store, target_codes) else FEEDER_MOVES["WORKS_AT"]
    return [posts, FEEDER_MOVES["WORKS_IN"]]


def _feeders(store, rows: list[list], check_view, as_of: dt.date) -> pd.DataFrame:
    """Feeder steps: the stored moves into the targets (``rows`` of :data:`FEEDER_MOVES` without a
    ``late`` person) plus the moves of the late people, from their posts (``check_view``)."""
    targets = target_roles(store)
    stored = pd.DataFrame(
        [r[1:5] for r in rows if r[0] is None and r[1] is not None],
        columns=["from_role", "role", "days", "n"],
    )
    frames = []
    for target, codes in targets.items():
        into = stored["role"].isin(codes) & ~stored["from_role"].isin(codes)
        frames.append(stored[into.to_numpy(dtype=bool)].assign(target=target))
    frames.append(moves_into_targets(career_spells(check_view, as_of), targets).assign(n=1))
    moves = pd.concat(frames, ignore_index=True)[["target", "from_role", "days", "n"]]
    return feeder_frame(moves.astype({"days": "int64", "n": "int64"}))


def _parts(store, schools: list[list], level: str) -> list[list[str]]:
    """The LA codes of the geography in :data:`COUNT_PARTS` groups of about the same number of
    schools (``schools``: rows of :data:`SCHOOLS_PER_LA`), each area of ``level`` whole in one group
    (an LA, or a region's LAs): a person is counted once per area, so the groups' counts add up to
    the count of the whole. A school whose LA is not in the geography has no area either way, and
    an area without schools no posts: neither is read. The group with the most schools first."""
    weight = {str(la): int(n) for la, n in schools if la is not None}
    las = store.table("local_authorities")[["code", "region_code"]].dropna(subset=["code"])
    if not weight:  # one part, no schools, or --show-cypher on a workspace (no rows): one read of all
        return [sorted(las["code"].astype(str))]
    unit = las["code"] if level == "la" else las["region_code"]
    units: dict[str, list[str]] = {}
    for code, key in zip(las["code"].astype(str), unit.astype(str), strict=True):
        units.setdefault(key, []).append(code)
    schools_of = {key: sum(weight.get(c, 0) for c in codes) for key, codes in units.items()}
    parts: list[list[str]] = [[] for _ in range(COUNT_PARTS)]
    loads = [0] * COUNT_PARTS
    for key in sorted(units, key=lambda k: (-schools_of[k], k)):
        if not schools_of[key]:
            continue  # no schools: no posts to count
        i = loads.index(min(loads))
        parts[i] += units[key]
        loads[i] += schools_of[key]
    order = sorted(range(COUNT_PARTS), key=lambda i: -loads[i])  # the largest first: a short last one
    return [sorted(parts[i]) for i in order if parts[i]]


class _Queue:
    """The counts' scan as reads of parts (lists of LA codes, :func:`_parts`), taken one at a time
    by whichever thread calls :meth:`drain` (see :data:`COUNT_PARTS`). A failed read, or an error
    anywhere in the ``with`` block that holds the queue, empties it: the other thread stops after
    the part it is reading, so the error is not held back while the rest of the scan is read."""

    def __init__(self, store, query: NativeQuery) -> None:
        self._store, self._query = store, query
        self._params: dict = {}
        self._parts: list[list[str]] = []
        self._lock = threading.Lock()

    def __enter__(self) -> _Queue:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is not None:
            self.cancel()

    def put(self, params: dict, parts: list[list[str]]) -> None:
        """Queue the reads of ``parts`` with ``params`` (``$las``: each part's LA codes)."""
        with self._lock:
            self._params, self._parts = params, list(parts)

    def cancel(self) -> None:
        """Drop the parts not yet taken."""
        with self._lock:
            self._parts.clear()

    def drain(self) -> list[list]:
        """Read parts until none is left; the rows of the parts this thread read."""
        rows: list[list] = []
        while True:
            with self._lock:
                if not self._parts:
                    return rows
                part, params = self._parts.pop(0), self._params
            try:
                rows += _rows(self._store, self._query, {**params, "las": part})
            except BaseException:
                self.cancel()
                raise


def _exceptions_posts(store, specialists_f, exceptions: list[str], as_of: dt.date) -> pd.DataFrame:
    """The current posts of ``exceptions`` (their spell columns and urn): the flagged specialists'
    from :data:`SPECIALISTS_POSTS` (``specialists_f``; None when it may not be used), the rest by
    key. A flagged person's current posts are all in that read, so anyone absent from its current
    rows is either unflagged or has no current post: the read by key is exact for both."""
    at = {"as_of": as_of.isoformat()}
    if specialists_f is None:
        return in_chunks(store, "posts", POSTS_OF_PEOPLE, "people", exceptions, at)
    flagged = specialists_f.result()
    flagged = flagged[current_mask(flagged, as_of).fillna(False).to_numpy(dtype=bool)]
    ids = flagged["person_id"]
    rest = sorted(set(exceptions) - set(ids.dropna().astype(str)))
    own = flagged.loc[isin(ids, exceptions), [*_SPELL, "urn"]]
    if rest:
        own = pd.concat(
            [own, in_chunks(store, "posts", POSTS_OF_PEOPLE, "people", rest, at)[[*_SPELL, "urn"]]]
        )
    return conform(_POSTS, own).sort_values(list(_POSTS.key), kind="stable", ignore_index=True)


def _tally(rows: list[list]) -> pd.DataFrame:
    """:data:`COUNTS` rows as a frame of :data:`SERVER_COUNTS` by area."""
    frame = pd.DataFrame(rows, columns=["area", *SERVER_COUNTS]).dropna(subset=["area"])
    return frame.groupby("area")[list(SERVER_COUNTS)].sum().astype("int64")


def _as_server_counts(
    posts: pd.DataFrame, places: pd.DataFrame, key: str, params: dict, cpd: pd.Index | None, day: int
) -> pd.Series:
    """Per area: the exceptions as :data:`COUNTS` counts them (the teachers: ``cpd`` None; a ready
    count: ``cpd`` the people with that CPD), from their posts (the same predicate, in pandas), so
    the server's totals can be taken apart."""
    current = posts["start_date"].le(pd.Timestamp(params["as_of"])) & (
        posts["end_date"].isna() | posts["end_date"].ge(pd.Timestamp(params["as_of"]))
    )
    keep = (current & posts["role"].isin(params["roles"])).fillna(False).to_numpy(dtype=bool).copy()
    if cpd is not None:
        limit = posts["role"].map(params["min_days"]).astype("float64").fillna(0).to_numpy()
        start = (
            posts["spell_start"].to_numpy("datetime64[D]").astype("int64") + dt.date(1970, 1, 1).toordinal()
        )
        prior = posts["spell_prior_days"].astype("float64").to_numpy()
        with np.errstate(invalid="ignore"):
            keep &= prior + day - start >= limit
        keep &= isin(posts["person_id"], cpd)
    rows = posts.loc[keep, ["person_id", "urn"]].merge(places, on="urn", how="inner")
    return rows.drop_duplicates(["person_id", key]).dropna(subset=[key]).groupby(key).size().astype("int64")


def _open_spells(posts: pd.DataFrame, spost: pd.DataFrame) -> Careers:
    """The spells open on ``as_of`` of the people of ``posts`` and ``spost`` (their current posts),
    from the stored spell columns: all :func:`queries.careers.pipeline.people_counts` reads of
    spells (whether a person's years in a role they hold have reached a threshold)."""
    both = pd.concat([posts[_SPELL], spost[_SPELL]], ignore_index=True)
    person, people = pd.factorize(both["person_id"].astype(str))
    role, roles = pd.factorize(both["role"].astype(str))
    return Careers(
        person.astype(np.int64),
        role.astype(np.int64),
        both["spell_start"].to_numpy("datetime64[D]").astype(np.int64),
        np.full(len(both), OPEN_DAY, dtype=np.int64),
        np.ones(len(both), dtype=bool),
        pd.Index(people),
        np.asarray(roles, dtype=object),
        both["spell_prior_days"].astype("int64").to_numpy(),
    )


@implementation(pipeline, "falkordb", "neo4j")
def pipeline_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters(), level: str = "la"
) -> pd.DataFrame:
    """:func:`queries.careers.pipeline.pipeline` from server aggregates plus the exceptions'
    rows (module docstring)."""
    as_of = as_of or dt.date.today()
    check_arguments(filters, level)
    _require_columns(store)
    day = as_of.isoformat()
    key = "la_code" if level == "la" else "region_code"
    roles = store.table("roles")[["code", "teacher"]]
    teaching = sorted(roles.loc[roles["teacher"].fillna(False).astype(bool), "code"].astype(str))
    targets = target_roles(store)
    target_codes = sorted(set().union(*targets.values()))
    mqs = sorted(set(matching_mq(store)["required"].astype(str)))
    quals = {"quals": sorted({*AWARDS, *mqs}), "as_of": day}
    las = store.table("local_authorities")[["code", "region_code"]].dropna()
    where = (
        {"region_of": dict(zip(las["code"].astype(str), las["region_code"].astype(str), strict=True))}
        if level == "region"
        else {}
    )
    teachers = [r for r in teaching if r != "SENCO"]
    # the tables read whole (schools, geography), first in the server's queue, ahead of the scans
    NarrowedStore(store, {}).prefetch(*WHOLE_TABLES, "services")
    # the counts' queue leaves the block first: on an error it is emptied before the pool waits
    with (
        ThreadPoolExecutor(max_workers=5, thread_name_prefix="sendgraph-pipeline") as pool,
        _Queue(store, COUNTS[level]) as counts,
    ):
        # the weights to share the counts' scan out by (one read of it needs none)
        schools_f = in_background(pool, _rows, store, SCHOOLS_PER_LA, {}) if COUNT_PARTS > 1 else None
        # one scan for the feeder steps first: they set the thresholds of the ready counts, which
        # the counts' scan waits for
        moves_f = [
            in_background(pool, _rows, store, q, {"as_of": day, "roles": target_codes})
            for q in _feeder_reads(store, target_codes)
        ]
        # the specialists' posts: the SENCO audit's and capacity's, and most exceptions' current posts
        sensory = sensory_roles(store)
        both = {"as_of": day, "senco_roles": ROLES, "roles": sensory}
        specialists_f = (
            in_background(pool, in_chunks, store, "posts", SPECIALISTS_POSTS, None, None, both)
            if use_index(store, ["SENCO", *sensory])
            else None
        )
        # the schools' SENCO status and capacity (their own native reads), meanwhile
        table_f = in_background(pool, _area_table, store, as_of, level, sensory, specialists_f)
        # the exceptions the moves do not name: anyone whose rows other than one current post change
        # their answer (awards, courses, service posts)
        held_f = in_background(
            pool, in_chunks, store, "person_qualifications", COURSES_HELD, None, None, quals
        )
        study_f = in_background(pool, in_chunks, store, "person_studying", COURSES_STUDIED, None, None, quals)
        service_f = in_background(
            pool,
            _people,
            store,
            TARGET_SERVICE_POSTS,
            {"roles": sorted(roles["code"].astype(str)), "as_of": day},
        )
        at = {"as_of": day}
        spost_f = in_background(
            pool, in_chunks, store, "service_posts", CURRENT_SERVICE_POSTS, None, None, at
        )
        moves = [r for f in moves_f for r in f.result()]
        late = sorted({str(r[0]) for r in moves if r[0] is not None})
        check_view = fetched_view(
            store,
            {
                "posts": in_chunks(store, "posts", PERSON_ROWS["posts"], "people", late),
                "service_posts": in_chunks(
                    store, "service_posts", PERSON_ROWS["service_posts"], "people", late
                ),
            },
        )
        feeders = _feeders(store, moves, check_view, as_of)
        params = {"teachers_not_senco": {"as_of": day, "roles": teachers}}
        for column, target in (("likely_senco", "senco"), ("likely_sensory", "sensory")):
            steps = feeders[(feeders["target"] == target).to_numpy(dtype=bool)]
            min_days = {
                str(r.from_role): ready_days(r.threshold_years)
                for r in steps.itertuples(index=False)
                if str(r.from_role) in teaching
            }
            params[column] = {"as_of": day, "roles": sorted(min_days), "min_days": min_days}
        scan = {
            **where,
            "as_of": day,
            "day": as_of.toordinal(),
            "roles": sorted(
                {*teachers, *params["likely_senco"]["roles"], *params["likely_sensory"]["roles"]}
            ),
            "teachers": teachers,
            "senco_by": {r: as_of.toordinal() - n for r, n in params["likely_senco"]["min_days"].items()},
            "sensory_by": {r: as_of.toordinal() - n for r, n in params["likely_sensory"]["min_days"].items()},
        }
        counts.put(scan, _parts(store, schools_f.result() if schools_f else [], level))
        counts_f = in_background(pool, counts.drain)

        held, study = held_f.result(), study_f.result()
        exceptions = sorted(
            {str(p) for r in moves for p in (r[5] or [])}
            | service_f.result()
            | set(held["person_id"].astype(str))
            | set(study["person_id"].astype(str))
        )
        parts = chunks(exceptions, PEOPLE_PER_QUERY)
        cpd_f = [
            in_background(pool, _rows, store, CPD_PEOPLE, {"day": as_of.toordinal(), "people": part})
            for part in parts
        ]
        posts_f = in_background(pool, _exceptions_posts, store, specialists_f, exceptions, as_of)

        # the exceptions' own counts, by the embedded rules on their rows
        posts, spost = posts_f.result(), spost_f.result()
        spost = spost[isin(spost["person_id"], exceptions)]
        spost = spost.reset_index(drop=True)
        view = fetched_view(
            store,
            {
                "posts": posts,
                "service_posts": spost,
                "person_qualifications": held,
                "person_studying": study,
            },
        )
        attended = [r for f in cpd_f for r in f.result()]
        cpd = {
            "send": pd.Index(sorted({str(r[0]) for r in attended}), dtype=object),
            "sensory": pd.Index(sorted({str(r[0]) for r in attended if r[1]}), dtype=object),
        }
        own = people_counts(view, as_of, level, _open_spells(posts, spost), feeders, cpd).reset_index()
        own = own[own[key].notna().to_numpy(dtype=bool)].groupby(key)[PEOPLE_COUNTS].sum()
        # server totals - the exceptions as the server counts them + as the rules count them
        places = schools_frame(store)[["urn", key]]
        table = table_f.result()
        totals = _tally(counts.drain() + counts_f.result())  # this thread takes parts too now
        result = {}
        for column in PEOPLE_COUNTS:
            result[column] = own[column]
            if column in SERVER_COUNTS:
                which = {"likely_senco": cpd["send"], "likely_sensory": cpd["sensory"]}.get(column)
                theirs = _as_server_counts(posts, places, key, params[column], which, as_of.toordinal())
                result[column] = totals[column].sub(theirs, fill_value=0).add(own[column], fill_value=0)
    counts = pd.DataFrame(result).fillna(0).astype("int64")
    counts = _area_keys(store, level).join(counts, on=key, how="inner").set_index(LEVELS[level])
    return with_people(table, counts, filters, level)


def _area_table(store, as_of: dt.date, level: str, roles: list[str], specialists_f=None) -> pd.DataFrame:
    """:func:`queries.careers.pipeline.area_table` from the SENCO audit's and the capacity figures'
    native reads, their posts in one scan (:func:`queries.native.senco_audit.with_specialists`;
    apart, each scans the 2.6M posts: ~3 s of server time nationally), or cut from the specialists'
    posts the pipeline reads anyway (``specialists_f``: :data:`SPECIALISTS_POSTS`); ``roles``: the
    sensory roles (:func:`queries.native.sensory.sensory_roles`)."""
    if specialists_f is not None:
        posts, specialist = split_specialists(specialists_f.result(), as_of, roles)
    else:
        posts, specialist = with_specialists(store, as_of, roles)
    audit = senco_audit.embedded(senco_view(store, as_of, posts), as_of=as_of)
    cap = capacity_of_view(sensory_view(store, as_of, specialist), store, as_of=as_of, level="la")
    return area_table(store, as_of, level, audit=audit, capacity=cap)


def _area_keys(store, level: str) -> pd.DataFrame:
    """The key columns of each area of ``level`` (codes and names), from the geography tables."""
    las = store.table("local_authorities")[["code", "name", "region_code"]].rename(
        columns={"code": "la_code", "name": "la_name"}
    )
    regions = store.table("regions")[["code", "name"]].rename(
        columns={"code": "region_code", "name": "region_name"}
    )
    if level == "region":
        return regions[LEVELS[level]].drop_duplicates()
    return las.merge(regions, on="region_code", how="left")[LEVELS[level]]
