"""The network analyses' large inputs on a graph server: asked for narrowed and joined, not pulled.

The tie list (:mod:`queries.networks.ties`) and the measures built on it (collaboration, gaps,
fragility) run unchanged, in pandas / scipy / networkx, on every store: Newman's projection, the
weight threshold, components, Louvain, betweenness, bridges and cut points are graph algorithms over
the school-to-school tie list, which Cypher on FalkorDB or a plain Neo4j (no GDS) cannot run, and
whose rules (weights 1/(n-1), lifetimes, what carries a tie) stay written once. What a server does
here is the data gathering. Only five inputs of the network analyses are large nationally; each is a
registered function (a small seam) with a native version in this module:

* :func:`~queries.networks.ties.meeting_schools` - live face-to-face CPD meetings x the schools of
  their attendees: one Cypher join of ATTENDED and current WORKS_AT, DISTINCT (activity_id, urn)
  (~166k rows of 2 columns instead of 553k attendance rows and 2.6M posts; ~193k with the person
  column, which the network analyses ask for once per command and cut every variant from:
  :func:`~queries.networks.ties.live_meetings`). Which formats are meetings (a regular
  expression) is decided in pandas on the activity list (id and format: one narrow row per
  activity), so the rule stays in :func:`~queries.networks.ties.is_meeting`; the 3-year lifetime
  is a date bound (:func:`~queries.networks.ties.live_since`). Read in pages of activities, so
  no query runs long, two pages at a time (:func:`_paged_rows`).
* :func:`~queries.networks.ties.shared_staff` - people in post at two or more schools, found
  server-side (each school's current staff who hold a current post at another school, in pages of
  schools): a few hundred rows nationally instead of 950k current posts.
* :func:`~queries.networks.participation.network_members` - the live network memberships of
  schools and of people, with the schools those people are in post at: two joins filtered to the
  as-of date on the server, paged over networks (three short columns a row, ~60k rows nationally,
  instead of both membership tables with their dates and ~20k members' posts looked up by key).
* :func:`~queries.networks.participation.held_posts` - the current posts of a network's staff
  members, looked up by person key in pages of ids (the range index), not by pulling posts.
* :func:`~queries.networks.fragility.people_leaving` - the what-if people, by key or birth year.

Everything else the network analyses read is one row per school, group, network or membership
(schools, trusts, groups, school links, peer reviews: tens of thousands of rows nationally) and is
pulled as a table.
"""

from __future__ import annotations

import contextvars
import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from graphmodel.frames import string_series
from graphmodel.schema import PropType, load_schema
from graphmodel.server.convert import columns_of
from graphmodel.server.cypher import native_pull, native_query
from queries.context import Filters
from queries.native._view import NarrowedStore, chunks
from queries.networks.fragility import people_leaving
from queries.networks.participation import MEMBER_COLUMNS, held_posts, network_members
from queries.networks.ties import MEETING_COLUMNS, is_meeting, live_since, meeting_schools, shared_staff
from queries.registry import implementation

_S = load_schema()
_DAY = "2025-01-01"
_HELD = "(r.start_date IS NULL OR r.start_date <= d) AND (r.end_date IS NULL OR r.end_date >= d)"
_DAY_ONCE = "WITH date($as_of) AS d "
"""The as-of date bound once per query, not ``date($as_of)`` per row: FalkorDB re-parses the
string for every edge it tests (~1 s per 2.6M-edge scan nationally)."""
ACTIVITIES = native_query(
    "networks.activities", "MATCH (c:CPDActivity) RETURN c.activity_id AS activity_id, c.format AS format", {}
)
_LIVE = "c.activity_id IN $activities AND coalesce(t.date, c.date) <= d AND coalesce(t.date, c.date) >= since"
_DAYS_ONCE = "WITH date($as_of) AS d, date($since) AS since "
_MEET = {"activities": ["A1"], "as_of": _DAY, "since": "2022-01-02"}
MEETINGS = native_query(
    "networks.meetings",
    f"{_DAYS_ONCE}MATCH (p)-[t:ATTENDED]->(c:CPDActivity) WHERE {_LIVE} "
    f"MATCH (p)-[r:WORKS_AT]->(s) WHERE {_HELD} "
    "RETURN DISTINCT c.activity_id AS activity_id, s.urn AS urn",
    _MEET,
)
MEETING_PEOPLE = native_query(
    "networks.meeting_people",
    f"{_DAYS_ONCE}MATCH (p)-[t:ATTENDED]->(c:CPDActivity) WHERE {_LIVE} "
    f"MATCH (p)-[r:WORKS_AT]->(s) WHERE {_HELD} "
    "RETURN c.activity_id AS activity_id, s.urn AS urn, p.person_id AS person_id",
    _MEET,
)
"""The meetings with their people. ``p`` and ``s`` carry no label on purpose: ATTENDED only leaves a
Person and WORKS_AT only reaches a School (schema.toml), and each label is one more test per row
for FalkorDB. No DISTINCT: a row comes twice only for a person with two current posts at one school
(~2% of the rows), which :func:`_frame` drops. On FalkorDB the two cut a page's server time by about a
fifth: three pages of 2,000 activities (~25k rows each), best of 5-6 interleaved runs on a busy
machine, 557 / 605 / 565 ms -> 436 / 497 / 407 ms."""
MEETING_PEOPLE_AT = native_query(
    "networks.meeting_people_at",
    f"{_DAYS_ONCE}MATCH (s:School)<-[r:WORKS_AT]-(p:Person)-[t:ATTENDED]->(c:CPDActivity) "
    f"WHERE s.urn IN $urns AND {_HELD} AND {_LIVE} "
    "RETURN DISTINCT c.activity_id AS activity_id, s.urn AS urn, p.person_id AS person_id",
    {**_MEET, "urns": [100000]},
)
SHARED_STAFF = native_query(
    "networks.shared_staff",
    f"{_DAY_ONCE}MATCH (s:School)<-[r:WORKS_AT]-(p:Person) WHERE s.urn IN $urns AND {_HELD} "
    f"MATCH (p)-[q:WORKS_AT]->(t:School) WHERE {_HELD.replace('r.', 'q.')} AND t.urn <> s.urn "
    "RETURN DISTINCT p.person_id AS person_id, s.urn AS urn",
    {"urns": [100000], "as_of": _DAY},
)
SHARED_FLAGGED = native_query(
    "networks.shared_staff_flagged",
    f"{_DAY_ONCE}MATCH (p)-[r:WORKS_AT]->(s) WHERE r.multi_school = true AND {_HELD} "
    "RETURN DISTINCT p.person_id AS person_id, s.urn AS urn",
    {"as_of": _DAY},
)
"""The current posts among those flagged ``multi_school`` at load time (:mod:`graphmodel.shared_posts`):
an edge-index lookup. The ends are left unlabelled on purpose: with ``(p:Person)`` / ``(s:School)``
FalkorDB 4.16 plans a label scan of every person with an index probe each (seconds); WORKS_AT only
joins a Person to a School."""
POSTS_FLAGGED = native_query(
    "networks.posts_flagged",
    "MATCH (a:Person)-[r:WORKS_AT]->(b:School) WITH r LIMIT 1 RETURN r.multi_school IS NOT NULL AS flagged",
    {},
)
"""Whether the graph's posts carry the flag (one edge read): a graph loaded before the flag existed
is answered by walking the posts, as before. Labelled ends here: unlabelled, FalkorDB 4.16 scans
every node for one with a post (~0.3 s nationally); from the schools, the first school's first post."""
HELD_BY = native_query(
    "networks.held_by",
    f"{_DAY_ONCE}MATCH (a:Person)-[r:WORKS_AT]->(b:School) WHERE a.person_id IN $people AND {_HELD} "
    "RETURN DISTINCT a.person_id AS person_id, b.urn AS urn",
    {"people": ["P1"], "as_of": _DAY},
)
HELD = native_query(
    "networks.held",
    f"{_DAY_ONCE}MATCH (a:Person)-[r:WORKS_AT]->(b:School) WHERE {_HELD} "
    "RETURN DISTINCT a.person_id AS person_id, b.urn AS urn",
    {"as_of": _DAY},
)
_MEMBER = _HELD.replace("r.", "m.")
SCHOOL_MEMBERS = native_query(
    "networks.school_members",
    f"{_DAY_ONCE}MATCH (s:School)-[m:MEMBER_OF]->(n:Network) WHERE n.network_id IN $networks AND {_MEMBER} "
    "RETURN s.urn AS urn, n.network_id AS network_id, m.tier AS tier",
    {"networks": ["N1"], "as_of": _DAY},
)
STAFF_MEMBERS = native_query(
    "networks.staff_members",
    f"{_DAY_ONCE}MATCH (p:Person)-[m:MEMBER_OF]->(n:Network) WHERE n.network_id IN $networks AND {_MEMBER} "
    f"MATCH (p)-[r:WORKS_AT]->(s) WHERE {_HELD} "
    "RETURN p.person_id AS person_id, n.network_id AS network_id, m.tier AS tier, s.urn AS urn",
    {"networks": ["N1"], "as_of": _DAY},
)
"""A network's live memberships: the schools' own, and its members' schools on the as-of date
(the members' current posts walked from each membership, not looked up by person key; no label on
``s`` and no DISTINCT, as in :data:`MEETING_PEOPLE`)."""
LEAVING = native_pull(
    "networks.leaving",
    _S,
    "people",
    "n.person_id IN $people OR n.birth_year <= $born_by",
    {"people": ["P1"], "born_by": 1960},
)
NAMED = native_pull("networks.named", _S, "people", "n.person_id IN $people", {"people": ["P1"]})

PAGE_ACTIVITIES = 2_000
"""Activities per meetings query: nationally ~25k activities, so ~13 queries of ~25k rows each,
each well under a second of server time (far below any server's query timeout)."""
PAGE_SCHOOLS = 4_000
"""Schools per shared-staff query: their current posts and their staff's other current posts
(nationally ~6 queries, each a sixth of the posts), so none runs near a server's query timeout."""
PAGE_NETWORKS = 400
"""Networks per memberships query: nationally ~1,150 networks with ~47k school and ~26k person
memberships, so 3 pages of each (~16k school rows, ~15k staff rows), each a fraction of a second
of server time."""
PAGE_KEYS = 5_000
"""Person ids or URNs per look-up query (a parameter list, answered from the range index)."""


TYPES: dict[str, PropType] = {
    "activity_id": "str",
    "format": "str",
    "urn": "int",
    "person_id": "str",
    "network_id": "str",
    "tier": "str",
    "flagged": "bool",
}
"""The schema type of every column the reads below return, given
to the store with each read: FalkorDB then sends the rows without a type tag per cell
(:meth:`graphmodel.server.falkordb_store.FalkorStore._plain_read`; ~1/4 less time a meetings page)."""


def _rows(store, query, params: dict, types: dict[str, PropType] | None = TYPES) -> list[list]:
    _names, rows = store.run_read(query.for_dialect(store.dialect.name), params, types)
    return rows


PAGE_READERS = 2
"""Pages of one paged read in flight at once (each on its own server connection)."""


def _paged_rows(store, query, pages: list[dict]) -> list[list]:
    """The rows of ``query`` run once per parameter set of ``pages``, gathered in page order.

    Why two at a time: a server runs each query on one of its threads, and a meetings page is
    ~1 s of server time nationally, so the ~8 pages of the CPD meetings (the longest read of every
    ``gaps`` command) took ~9.7 s one after another and ~6 s two at a time, measured back to back
    on a busy 2-core machine. The rows are the same, in the same order. With ``--show-cypher``
    (the store records its statements) the pages run in order, so the listing is stable."""
    if len(pages) < 2 or getattr(store, "statements", None) is not None:
        return [r for params in pages for r in _rows(store, query, params)]
    with ThreadPoolExecutor(max_workers=PAGE_READERS, thread_name_prefix="sendgraph-pages") as pool:
        # each page in a copy of this thread's context (the running analysis's name, for errors)
        contexts = [contextvars.copy_context() for _ in pages]
        done = pool.map(lambda cp: cp[0].run(_rows, store, query, cp[1]), zip(contexts, pages, strict=True))
        return [r for rows in done for r in rows]


def _cached(store, key: tuple, build):
    """``build()`` kept on the store's derived-results cache (dropped by a new load), where it has one:
    the weight graph and the carriers of one command both need the same server answers."""
    cache = getattr(store, "cache", None)
    return build() if cache is None else cache(key, build)


def _frame(rows: list[list], columns: list[str], types: dict[str, str], order: list[str]) -> pd.DataFrame:
    """``rows`` as a frame of ``types``, without repeated rows, sorted by ``order``.

    When ``order`` names every column (each caller here), each column is text or integers and no
    value is missing, the columns become Arrow arrays and the rows are ranked on integer codes
    (each column's dense rank, Arrow's order: the one pandas sorts Arrow strings by) with one
    ``lexsort``; the repeats are the neighbours equal in every code, and only the rows kept become
    pandas columns: the same frame as ``drop_duplicates().sort_values(order, kind="stable")``
    without pandas' multi-column sort of strings (~0.3 s of the ~193k national meeting rows) or a
    pandas column of every row (~0.15 s more)."""
    data = columns_of(rows, len(columns))
    if rows and len(rows) >= 2 and sorted(order) == sorted(columns):
        arrays = {c: _arrow_column(data[i], types[c]) for i, c in enumerate(columns)}
        if all(a is not None and a.null_count == 0 for a in arrays.values()):
            rank = pc.rank  # dense: equal values share a code, codes in the column's sorted order
            codes = [rank(arrays[c], sort_keys="ascending", tiebreaker="dense").to_numpy() for c in order]
            at = np.lexsort(codes[::-1])  # stable; the last key given is the first sorted on
            ranked = np.stack([c[at] for c in codes])
            first = np.ones(len(at), dtype=bool)
            first[1:] = (ranked[:, 1:] != ranked[:, :-1]).any(axis=0)
            keep = pa.array(at[first])
            return pd.DataFrame({c: _pandas_column(arrays[c].take(keep), types[c]) for c in columns})
    if rows:  # each column cut from the rows and typed at once (not a frame of objects cast twice)
        frame = pd.DataFrame({c: pd.Series(data[i], dtype=types[c]) for i, c in enumerate(columns)})
    else:
        frame = pd.DataFrame({c: pd.Series([], dtype=types[c]) for c in columns})
    return frame.drop_duplicates().sort_values(order, kind="stable").reset_index(drop=True)


_ARROW_TYPES = {"string": pa.large_string(), "Int64": pa.int64()}
"""The Arrow type of each column dtype :func:`_frame` sorts in Arrow (pandas keeps ``string`` as
Arrow ``large_string``)."""


def _arrow_column(values: list, dtype: str) -> pa.Array | None:
    """``values`` as an Arrow array of ``dtype``'s type, or None when ``dtype`` has none here or a
    value is not of it (an integer among text, say): the caller then goes the pandas way."""
    if dtype not in _ARROW_TYPES:
        return None
    try:
        return pa.array(values, type=_ARROW_TYPES[dtype])
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None


def _pandas_column(values: pa.Array, dtype: str) -> pd.Series:
    """An Arrow column of :func:`_arrow_column` without nulls as the pandas column of ``dtype``."""
    if dtype == "string":
        return string_series(values)
    return pd.Series(pd.array(values.to_numpy(), dtype=dtype))


def _meeting_activities(store) -> list[str]:
    """Ids of the CPD activities that are meetings (:func:`~queries.networks.ties.is_meeting`), sorted."""
    acts = pd.DataFrame(_rows(store, ACTIVITIES, {}), columns=["activity_id", "format"])
    return sorted(acts.loc[is_meeting(acts["format"]), "activity_id"].astype(str)) if len(acts) else []


@implementation(meeting_schools, "falkordb", "neo4j")
def meeting_schools_native(
    store,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    people: bool = False,
    urns: pd.Index | None = None,
) -> pd.DataFrame:
    """:func:`queries.networks.ties.meeting_schools` as a Cypher join, paged over activities."""
    as_of = as_of or dt.date.today()
    cols = MEETING_COLUMNS if people else MEETING_COLUMNS[:2]
    meeting = _cached(store, ("native.meeting_activities",), lambda: _meeting_activities(store))
    base = {"as_of": as_of.isoformat(), "since": live_since(as_of, "cpd_event").isoformat()}
    rows: list[list] = []
    if urns is not None:
        for part in chunks(sorted(int(u) for u in urns), PAGE_KEYS):
            for acts_part in chunks(meeting, 10 * PAGE_ACTIVITIES):
                params = {**base, "activities": acts_part, "urns": part}
                rows += _rows(store, MEETING_PEOPLE_AT, params)
        if not people:
            rows = [r[:2] for r in rows]
    else:
        query = MEETING_PEOPLE if people else MEETINGS
        pages = [{**base, "activities": part} for part in chunks(meeting, PAGE_ACTIVITIES)]
        rows = _paged_rows(store, query, pages)
    types = {"activity_id": "string", "urn": "Int64", **({"person_id": "string"} if people else {})}
    return _frame(rows, cols, types, cols)


@implementation(shared_staff, "falkordb", "neo4j")
def shared_staff_native(store, *, as_of: dt.date | None = None, filters: Filters = Filters()) -> pd.DataFrame:
    """:func:`queries.networks.ties.shared_staff` from the posts flagged ``multi_school`` at load time
    (an index lookup; the as-of rule applied to them), or, on a graph loaded before the flag, as a
    server-side join over current posts."""
    as_of = as_of or dt.date.today()
    cols = ["person_id", "urn"]

    def build() -> pd.DataFrame:
        flagged = _rows(store, POSTS_FLAGGED, {})
        if flagged and flagged[0][0]:
            rows = _rows(store, SHARED_FLAGGED, {"as_of": as_of.isoformat()})
            frame = pd.DataFrame(rows, columns=cols) if rows else pd.DataFrame({c: [] for c in cols})
            several = frame["person_id"].duplicated(keep=False).to_numpy()  # 2+ schools (rows distinct)
            return _frame(frame[several].values.tolist(), cols, {"person_id": "string", "urn": "Int64"}, cols)
        urns = sorted(int(u) for u in store.table("schools")["urn"].dropna())
        rows = []
        for part in chunks(urns, PAGE_SCHOOLS):
            rows += _rows(store, SHARED_STAFF, {"urns": part, "as_of": as_of.isoformat()})
        return _frame(rows, cols, {"person_id": "string", "urn": "Int64"}, cols)

    return _cached(store, ("native.shared_staff", as_of), build).copy()


@implementation(held_posts, "falkordb", "neo4j")
def held_posts_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters(), people: object = None
) -> pd.DataFrame:
    """:func:`queries.networks.participation.held_posts`, looked up by person key in pages of ids
    (every current post only when no people are named: no network analysis asks for that)."""
    as_of = as_of or dt.date.today()
    day = as_of.isoformat()
    cols = ["person_id", "urn"]
    if people is None:
        rows = _rows(store, HELD, {"as_of": day})
    else:
        ids = sorted({str(p) for p in people if p is not None and not pd.isna(p)})
        pages = [{"people": part, "as_of": day} for part in chunks(ids, PAGE_KEYS)]
        rows = _paged_rows(store, HELD_BY, pages)
    return _frame(rows, cols, {"person_id": "string", "urn": "Int64"}, cols)


@implementation(network_members, "falkordb", "neo4j")
def network_members_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """:func:`queries.networks.participation.network_members` as two joins filtered to ``as_of`` on
    the server, paged over networks (two pages at a time), put in the embedded order here."""
    as_of = as_of or dt.date.today()
    nets = sorted(store.table("networks")["network_id"].dropna().astype(str))
    # every n-th network to a page, not runs of neighbours: ids sort the large county forums
    # together, so runs gave one page ~40k of the ~47k school memberships and two nearly blank
    n = max(1, -(-len(nets) // PAGE_NETWORKS))
    pages = [{"networks": nets[i::n], "as_of": as_of.isoformat()} for i in range(n) if nets[i::n]]
    schools = _frame(
        _paged_rows(store, SCHOOL_MEMBERS, pages),
        MEMBER_COLUMNS[:3],
        {"urn": "Int64", "network_id": "string", "tier": "string"},
        MEMBER_COLUMNS[:3],
    )
    staff = _frame(
        _paged_rows(store, STAFF_MEMBERS, pages),
        ["person_id", "network_id", "tier", "urn"],
        {"person_id": "string", "network_id": "string", "tier": "string", "urn": "Int64"},
        ["person_id", "network_id", "tier", "urn"],
    )
    out = pd.concat([schools.assign(person_id=pd.NA), staff[MEMBER_COLUMNS]], ignore_index=True)
    return out.astype({"urn": "Int64", "network_id": "string", "tier": "string", "person_id": "string"})


@implementation(people_leaving, "falkordb", "neo4j")
def people_leaving_native(
    store,
    *,
    as_of: dt.date | None = None,
    filters: Filters = Filters(),
    person_ids: object = None,
    born_by: int | None = None,
) -> pd.DataFrame:
    """:func:`queries.networks.fragility.people_leaving` on the people found by key (and birth
    year) on the server: a narrowed pull of ``people``, then the embedded rule on it."""
    ids = sorted({str(p) for p in (person_ids or [])})
    narrowed = (NAMED, {"people": ids}) if born_by is None else (LEAVING, {"people": ids, "born_by": born_by})
    view = NarrowedStore(store, {"people": narrowed})
    return people_leaving.embedded(view, as_of=as_of, filters=filters, person_ids=ids, born_by=born_by)
