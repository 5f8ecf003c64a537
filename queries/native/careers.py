"""Career analyses on a graph server: observed pathways, course timing and one person's next steps.

The career rules (spells, returns, breaks, steps, quartiles: :mod:`queries.careers.spells`,
docs/routes.md) are written once, in numpy / pandas; re-writing them in Cypher would give two
definitions of a career to keep in step. What the server does better is finding the few people an
answer is about, so each native version here asks for exactly those people first and then fetches
only their rows by ``a.person_id IN $people`` (the Person key's range index makes that a lookup per
id, not a scan), in chunks of :data:`CHUNK` ids so no single read grows with the data. The embedded
rules then run unchanged on the narrowed rows, so the answer is the embedded DataFrame
(``tests/test_differential.py``).

Why each narrowing keeps every row the embedded rules would use:

* **pathways** (views ``pathways``, ``steps``, ``no-start``): every row of those views is about a
  person with a spell in the *target* role started by ``as_of`` (reached it from the source, or
  reached it with no recorded start). A person's sequence, spells, breaks, qualifications and CPD
  are built from their own posts, awards and attendance only. So: one scan of WORKS_AT edges with a
  role filter finds those people (nationally 371 for QTVI, 32.6k for SENCO, of 1M) and walks from
  each to all their posts in the same read (:func:`_specialist_careers`; observed bottlenecks does
  the same for every specialist role), the service posts started by ``as_of`` come in one read
  (few: LA teams), then their awards and attendance by key, and the CPD activities they attended.
  The ``leavers`` view is about everyone who entered the source role and never reached the target
  (for ITT: nearly everyone), so it has no narrowing and keeps the generic path.
* **course-timing**: only people who hold (awarded by ``as_of``) or study (started by ``as_of``) a
  SENCO award or an MQ are timed or counted; their QTS awards are fetched by id. With place filters,
  their posts too (a person is kept if any of their posts is in a matching setting).
* **next-steps**: one person's posts, service posts, awards and courses, the schools and services
  they worked in (for the region of their current post), and their Person node.

Catalogue and geography tables (roles, qualifications, routes, providers, LAs, regions) are small
and pulled whole; ``schools`` is pulled whole only when a place filter is given (filters match codes
or names case-insensitively in pandas, and report a filter that matches no school).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from graphmodel.schema import PropType, load_schema
from graphmodel.server.convert import columns_of, typed_column
from graphmodel.server.cypher import NativeQuery, native_query, pull, returned_names
from graphmodel.validate import conform
from queries.careers.bottlenecks import AWARD_KIND, observed_bottlenecks
from queries.careers.courses import GROUPS, course_timing
from queries.careers.next_steps import next_steps
from queries.careers.pathways import no_recorded_start, pathway_steps, pathways
from queries.careers.routes import SPECIALIST_CATEGORIES, current_requirements, resolve_role
from queries.context import Filters
from queries.native._specialists import specialist_read
from queries.native._view import NarrowedStore, chunks
from queries.native.explain import ExplainStore
from queries.registry import implementation

__all__ = [
    "CHUNK",
    "course_timing_native",
    "next_steps_native",
    "observed_bottlenecks_native",
    "pathways_native",
]

_S = load_schema()
CHUNK = 5000
"""Person ids per read: a few thousand index lookups, well under a second of server time."""
_DAY = "2025-01-01"
_PEOPLE = {"people": ["P1"]}

_ROLE_SINCE = "r.role IN $roles AND r.start_date <= date($as_of)"
TARGET_POSTS = native_query(
    "careers.target_people.posts",
    f"MATCH (a:Person)-[r:WORKS_AT]->(b:School) WHERE {_ROLE_SINCE} RETURN DISTINCT a.person_id AS person_id",
    {"roles": ["QTVI_TEACHER"], "as_of": _DAY},
)
TARGET_SERVICE_POSTS = native_query(
    "careers.target_people.service_posts",
    f"MATCH (a:Person)-[r:WORKS_IN]->(b:Service) WHERE {_ROLE_SINCE} "
    "RETURN DISTINCT a.person_id AS person_id",
    {"roles": ["QTVI_TEACHER"], "as_of": _DAY},
)
_OF_PEOPLE = "a.person_id IN $people"


def _ymd(var: str) -> str:
    """A date property as a yyyymmdd integer (null stays null): integers cross the wire and parse
    several times faster than dates, which the client turns into Python date objects one by one."""
    return f"{var}.year * 10000 + {var}.month * 100 + {var}.day"


def compact_pull(table: str, where: str, columns: list[str] | None = None) -> str:
    """:func:`graphmodel.server.cypher.pull` of ``columns`` (default all) of ``table``, with every
    date as a yyyymmdd integer (:func:`_typed` turns them back into dates)."""
    spec = _S.table(table)
    rel = _S.relationships.get(table)
    out = []
    for c in columns or list(spec.properties):
        if rel is not None and c == rel.start.column:
            src = f"a.{_S.nodes[rel.start.kind].key_column}"
        elif rel is not None and c == rel.end.column:
            src = f"b.{_S.nodes[rel.end.kind].key_column}"
        else:
            src = f"{'r' if rel is not None else 'n'}.{c}"
        out.append(f"{_ymd(src) if spec.properties[c].type == 'date' else src} AS {c}")
    return f"{pull(_S, table, where).split(' RETURN ', 1)[0]} RETURN {', '.join(out)}"


def pull_query(
    id: str, table: str, where: str, params: dict, columns: list[str] | None = None
) -> NativeQuery:
    """A registered (so linted) compact read of ``table``'s rows matching ``where``."""
    return native_query(id, compact_pull(table, where, columns), params)


PERSON_ROWS = {
    table: pull_query(f"careers.{table}.of_people", table, _OF_PEOPLE, _PEOPLE)
    for table in ("person_qualifications", "person_studying", "attendance")
}
_CAREER = ["person_id", "role", "start_date", "end_date"]
PERSON_ROWS["posts"] = pull_query("careers.posts.of_people", "posts", _OF_PEOPLE, _PEOPLE, [*_CAREER, "urn"])
PERSON_ROWS["service_posts"] = pull_query(
    "careers.service_posts.of_people", "service_posts", _OF_PEOPLE, _PEOPLE, [*_CAREER, "service_id"]
)
"""Posts and service posts: the career columns only (fte and slt are no part of a career)."""
PEOPLE = pull_query("careers.people", "people", "n.person_id IN $people", _PEOPLE)
ACTIVITIES = pull_query("careers.cpd_activities", "cpd_activities", "n.activity_id IN $ids", {"ids": ["A1"]})
ACTIVITY_NEEDS = pull_query(
    "careers.activity_needs", "activity_needs", "a.activity_id IN $ids", {"ids": ["A1"]}
)
SCHOOLS = pull_query("careers.schools", "schools", "n.urn IN $ids", {"ids": [1]})
SERVICES = pull_query("careers.services", "services", "n.service_id IN $ids", {"ids": ["S1"]})
_QUALS = {"quals": ["NASENCO"], "as_of": _DAY}
COURSES_HELD = pull_query(
    "course_timing.held",
    "person_qualifications",
    "b.code IN $quals AND r.awarded_date <= date($as_of)",
    _QUALS,
)
COURSES_STUDIED = pull_query(
    "course_timing.studying", "person_studying", "b.code IN $quals AND r.start_date <= date($as_of)", _QUALS
)
QUALS_OF_PEOPLE = pull_query(
    "careers.awards_of_people",
    "person_qualifications",
    f"{_OF_PEOPLE} AND b.code IN $quals AND r.awarded_date <= date($as_of)",
    {**_PEOPLE, **_QUALS},
)


def _dates(values: list) -> pd.Series:
    """yyyymmdd integers (or None) as datetime64[ns], in numpy: year and month as a month count,
    plus the day (65k posts: ~0.01 s; ``pd.to_datetime`` of a year/month/day frame took ~0.03 s a
    column, and per-value steps far more). A value that is no date datetime64[ns] can hold is NaT,
    as ``pd.to_datetime(..., errors="coerce")`` gives it."""
    n = pd.array(values, dtype="Int64")
    ymd = n.to_numpy(dtype="int64", na_value=19700101)
    year, month, day = ymd // 10000, ymd // 100 % 100, ymd % 100
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    bad = n.isna() | (month < 1) | (month > 12) | (day < 1) | (year < 1678) | (year > 2261)
    bad |= days.astype("datetime64[M]") != months  # a day past its month's end (e.g. 20250231)
    return pd.Series(days.astype("datetime64[ns]")).mask(bad)


def _typed(table: str, columns: list[str], rows: list[list]) -> pd.DataFrame:
    """Rows of a :func:`compact_pull` as ``store.table(table)`` types them, ordered by key; columns
    not read are blank."""
    spec = _S.table(table)
    frame = {}
    for c, values in zip(columns, columns_of(rows, len(columns)), strict=True):
        kind = spec.properties[c].type
        frame[c] = _dates(values) if kind == "date" else typed_column(values, kind)
    out = conform(spec, pd.DataFrame(frame) if frame else pd.DataFrame(index=range(0)))
    return out.sort_values(list(spec.key), kind="stable", ignore_index=True)


def in_chunks(
    store,
    table: str,
    query: NativeQuery,
    name: str | None,
    ids: list | None = None,
    params: dict | None = None,
) -> pd.DataFrame:
    """Rows of ``table`` from ``query`` for ``ids`` (passed as parameter ``name``; none: one read),
    :data:`CHUNK` ids per read, typed and ordered by key as ``store.table`` gives them."""
    text, params = query.for_dialect(store.dialect.name), params or {}
    if name is None:
        reads = [params]
    else:
        keys = sorted(set(ids or []))
        reads = [{**params, name: part} for part in chunks(keys, CHUNK)]
    if isinstance(store, ExplainStore) and not store._server:
        # --show-cypher on the embedded workspace: record the statement, answer with the whole
        # table (the rules drop the rows the narrowing would have dropped)
        return store.typed_query(table, text, reads[0] if reads else {**params, name: []})
    columns = returned_names(text)
    types = _wire_types(table, columns)
    rows: list[list] = []
    for p in reads:
        rows.extend(store.run_read(text, p, types)[1])
    return _typed(table, columns, rows)


def _wire_types(table: str, columns: list[str]) -> dict[str, PropType]:
    """Each column of a :func:`compact_pull` of ``table`` and the type its values cross the wire as
    (a date as its yyyymmdd integer): with the types, a server may send the rows without a type tag
    per cell (FalkorDB: 65k posts of the pipeline's specialists in 1.0 s of server time, 2.0 s
    tagged)."""
    spec = _S.table(table)
    return {c: "int" if spec.properties[c].type == "date" else spec.properties[c].type for c in columns}


def person_rows(store, table: str, people: list) -> pd.DataFrame:
    """Every row of ``table`` (posts, qualifications, ...) of the given people, read by key in chunks."""
    return in_chunks(store, table, PERSON_ROWS[table], "people", people)


def fetched_view(store, frames: dict[str, pd.DataFrame]) -> NarrowedStore:
    """``store`` with some tables replaced by rows already fetched for the analysis."""
    view = NarrowedStore(store, {})
    for name, frame in frames.items():
        view.set_table(name, lambda frame=frame: frame)
    return view


def _day(as_of: dt.date | None) -> str:
    """``as_of`` for a date filter; none means every post recorded, and no post starts after today
    (the schema refuses future start dates), so today is exact."""
    return (as_of or dt.date.today()).isoformat()


def _career_view(
    store, people: list, *, cpd: bool = False, careers: dict[str, pd.DataFrame] | None = None
) -> dict[str, pd.DataFrame]:
    """The posts and service posts of ``people`` (``careers``: already read) and with ``cpd``, their
    awards, attendance and the activities they attended with the needs those address."""
    frames = (
        dict(careers)
        if careers is not None
        else {t: person_rows(store, t, people) for t in ("posts", "service_posts")}
    )
    if cpd:
        frames["person_qualifications"] = person_rows(store, "person_qualifications", people)
        att = person_rows(store, "attendance", people)
        acts = att["activity_id"].dropna().astype(str).tolist()
        frames["attendance"] = att
        frames["cpd_activities"] = in_chunks(store, "cpd_activities", ACTIVITIES, "ids", acts)
        frames["activity_needs"] = in_chunks(store, "activity_needs", ACTIVITY_NEEDS, "ids", acts)
    return frames


def _target_people(store, target: str | list[str], as_of: dt.date | None) -> list[str]:
    """People with a post or service post in ``target`` (a role, or a list of role codes) started by
    ``as_of``."""
    roles = target if isinstance(target, list) else [resolve_role(store, target)]
    params = {"roles": roles, "as_of": _day(as_of)}
    people: set[str] = set()
    for q in (TARGET_POSTS, TARGET_SERVICE_POSTS):
        _c, rows = store.run_read(q.for_dialect(store.dialect.name), params)
        people.update(str(r[0]) for r in rows if r[0] is not None)
    return sorted(people)


def pathways_native(func, cpd: bool):
    """A native version of one pathways view: the same analysis on the target's people only (with
    ``cpd``, their awards and SEND CPD too: only the ``pathways`` view reads them)."""

    def run(
        store, *, source: str, target: str, as_of: dt.date | None = None, filters: Filters = Filters()
    ) -> pd.DataFrame:
        careers = _specialist_careers(store, [resolve_role(store, target)], _day(as_of))
        view = fetched_view(store, _career_view(store, _people(careers), cpd=cpd, careers=careers))
        return func.embedded(view, source=source, target=target, as_of=as_of, filters=filters)

    run.__name__ = f"{func.__name__}_native"
    run.__doc__ = f":func:`queries.careers.pathways.{func.__name__}` on the target role's people only."
    return implementation(func, "falkordb", "neo4j")(run)


pathways_native(pathways, cpd=True)
pathways_native(pathway_steps, cpd=False)
pathways_native(no_recorded_start, cpd=False)


@implementation(course_timing, "falkordb", "neo4j")
def course_timing_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """:func:`queries.careers.courses.course_timing` on the people who hold or study a course."""
    day = _day(as_of)
    cat = store.table("qualifications")[["code", "kind"]].astype({"code": str, "kind": str})
    courses = sorted(cat.loc[cat["kind"].isin(list(GROUPS)), "code"])
    params = {"quals": courses, "as_of": day}
    held = in_chunks(store, "person_qualifications", COURSES_HELD, None, params=params)
    study = in_chunks(store, "person_studying", COURSES_STUDIED, None, params=params)
    people = sorted(set(held["person_id"].astype(str)) | set(study["person_id"].astype(str)))
    qts = in_chunks(
        store, "person_qualifications", QUALS_OF_PEOPLE, "people", people, {"quals": ["QTS"], "as_of": day}
    )
    key = list(_S.table("person_qualifications").key)
    frames = {
        "person_qualifications": pd.concat([held, qts], ignore_index=True).sort_values(
            key, kind="stable", ignore_index=True
        ),
        "person_studying": study,
    }
    if filters.describe():
        frames.update(_career_view(store, people))
    return course_timing.embedded(fetched_view(store, frames), as_of=as_of, filters=filters)


@implementation(next_steps, "falkordb", "neo4j")
def next_steps_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters(), person_id: str, target: str
) -> pd.DataFrame:
    """:func:`queries.careers.next_steps.next_steps` on one person's rows and the places they worked."""
    who = [person_id]
    frames = _career_view(store, who)
    for table in ("person_qualifications", "person_studying"):
        frames[table] = person_rows(store, table, who)
    frames["people"] = in_chunks(store, "people", PEOPLE, "people", who)
    urns = [int(u) for u in frames["posts"]["urn"].dropna()]
    frames["schools"] = in_chunks(store, "schools", SCHOOLS, "ids", urns)
    services = frames["service_posts"]["service_id"].dropna().astype(str).tolist()
    frames["services"] = in_chunks(store, "services", SERVICES, "ids", services)
    return next_steps.embedded(
        fetched_view(store, frames), as_of=as_of, filters=filters, person_id=person_id, target=target
    )


_CAREER_COLUMNS = compact_pull("posts", _OF_PEOPLE, [*_CAREER, "urn"]).split(" RETURN ", 1)[1]
POSTS_OF_ROLE_HOLDERS = specialist_read(
    "careers.posts.of_role_holders",
    f"MATCH (a:Person)-[r:WORKS_AT]->(b:School) WHERE {_ROLE_SINCE} "
    f"WITH DISTINCT a MATCH (a)-[r:WORKS_AT]->(b:School) RETURN {_CAREER_COLUMNS}",
    {"roles": ["QTVI_TEACHER"], "as_of": _DAY},
)
"""Every post of the people with a school post in one of ``$roles`` started by ``as_of``: one scan
and a walk from each of them, instead of their ids sent back to be looked up by key (nationally
36k specialists: 8 reads of 5,000 ids, 1-1.5 s each, after the scan that found them). For
specialist roles it starts from the flagged people, not a scan (:mod:`queries.native._specialists`)."""
SERVICE_POSTS_SINCE = pull_query(
    "careers.service_posts.started",
    "service_posts",
    "r.start_date <= date($as_of)",
    {"as_of": _DAY},
    [*_CAREER, "service_id"],
)
"""Service posts started by ``as_of``: few (LA teams; 1,172 nationally), so one read cut to the
people wanted in pandas beats looking tens of thousands of people up by key."""


def _people(careers: dict[str, pd.DataFrame]) -> list[str]:
    """The people of :func:`_specialist_careers`' posts and service posts, sorted."""
    return sorted(
        set().union(*(set(careers[t]["person_id"].astype(str)) for t in ("posts", "service_posts")))
    )


def _specialist_careers(store, roles: list[str], day: str) -> dict[str, pd.DataFrame]:
    """The posts and service posts of the people with a post or service post in ``roles`` started
    by ``day``: what :func:`_career_view` gives for :func:`_target_people`, in three reads."""
    params = {"roles": roles, "as_of": day}
    posts = in_chunks(store, "posts", POSTS_OF_ROLE_HOLDERS.pick(store, roles), None, params=params)
    spost = in_chunks(store, "service_posts", SERVICE_POSTS_SINCE, None, params={"as_of": day})
    in_role = spost["role"].isin(roles).fillna(False).to_numpy(dtype=bool)
    service_people = set(spost.loc[in_role, "person_id"].astype(str))
    spost = spost[spost["person_id"].astype(str).isin(service_people | set(posts["person_id"].astype(str)))]
    others = sorted(service_people - set(posts["person_id"].astype(str)))
    if others:  # specialists in a service only: their school posts by key (a few hundred)
        key = list(_S.table("posts").key)
        posts = pd.concat([posts, person_rows(store, "posts", others)], ignore_index=True)
        posts = posts.sort_values(key, kind="stable", ignore_index=True)
    return {"posts": posts, "service_posts": spost.reset_index(drop=True)}


@implementation(observed_bottlenecks, "falkordb", "neo4j")
def observed_bottlenecks_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters()
) -> pd.DataFrame:
    """:func:`queries.careers.bottlenecks.observed_bottlenecks` on the people who held a specialist
    post by ``as_of``: every row counts only them (roles and steps before their first specialist
    spell; the need is people in a current specialist post without its qualification)."""
    roles = store.table("roles")
    special = sorted(roles.loc[roles["category"].isin(SPECIALIST_CATEGORIES), "code"].astype(str))
    frames = _specialist_careers(store, special, _day(as_of))
    people = _people(frames)
    # awards and courses: only of the qualifications a specialist role requires and the SENCO
    # awards that stand in for each other (a superset of what the need counts); awards of the
    # specialists only (QTS is one of them: held by 600k people), courses of anyone (few)
    required = current_requirements(store, as_of or dt.date.today())
    cat = store.table("qualifications")[["code", "kind"]].astype({"code": str, "kind": str})
    quals = {q for r, qs in required.items() if r in special for q in qs}
    quals |= set(cat.loc[cat["kind"] == AWARD_KIND, "code"])
    params = {"quals": sorted(quals), "as_of": _day(as_of)}
    frames["person_qualifications"] = in_chunks(
        store, "person_qualifications", QUALS_OF_PEOPLE, "people", people, params
    )
    frames["person_studying"] = in_chunks(store, "person_studying", COURSES_STUDIED, None, params=params)
    return observed_bottlenecks.embedded(fetched_view(store, frames), as_of=as_of, filters=filters)
