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
  are built from their own posts, awards and attendance only. So: one scan of WORKS_AT and WORKS_IN
  edges with a role filter finds those people (nationally 371 for QTVI, 32.6k for SENCO, of 1M),
  then their posts, service posts, awards and attendance, and the CPD activities they attended.
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

from graphmodel.schema import load_schema
from graphmodel.server.cypher import NativeQuery, native_query, pull
from graphmodel.validate import conform
from queries.careers.courses import GROUPS, course_timing
from queries.careers.next_steps import next_steps
from queries.careers.pathways import no_recorded_start, pathway_steps, pathways
from queries.careers.routes import resolve_role
from queries.context import Filters
from queries.native._view import NarrowedStore
from queries.registry import implementation

__all__ = ["CHUNK", "course_timing_native", "next_steps_native", "pathways_native"]

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
PERSON_ROWS = {
    table: native_query(f"careers.{table}.of_people", pull(_S, table, _OF_PEOPLE), _PEOPLE)
    for table in ("posts", "service_posts", "person_qualifications", "person_studying", "attendance")
}


def _ymd(var: str) -> str:
    """A date property as a yyyymmdd integer (null stays null): integers cross the wire and parse
    several times faster than dates, which the client turns into Python date objects one by one."""
    return f"{var}.year * 10000 + {var}.month * 100 + {var}.day"


_CAREER_COLUMNS = (
    "a.person_id AS person_id, {place} AS {col}, r.role AS role, {start} AS start_date, {end} AS end_date"
)
CAREER_ROWS = {
    table: native_query(
        f"careers.{table}.careers_of_people",
        f"MATCH (a:Person)-[r:{rel}]->(b:{label}) WHERE {_OF_PEOPLE} RETURN "
        + _CAREER_COLUMNS.format(
            place=f"b.{col}", col=col, start=_ymd("r.start_date"), end=_ymd("r.end_date")
        ),
        _PEOPLE,
    )
    for table, rel, label, col in (
        ("posts", "WORKS_AT", "School", "urn"),
        ("service_posts", "WORKS_IN", "Service", "service_id"),
    )
}
PEOPLE = native_query("careers.people", pull(_S, "people", "n.person_id IN $people"), _PEOPLE)
ACTIVITIES = native_query(
    "careers.cpd_activities", pull(_S, "cpd_activities", "n.activity_id IN $ids"), {"ids": ["A1"]}
)
ACTIVITY_NEEDS = native_query(
    "careers.activity_needs", pull(_S, "activity_needs", "a.activity_id IN $ids"), {"ids": ["A1"]}
)
SCHOOLS = native_query("careers.schools", pull(_S, "schools", "n.urn IN $ids"), {"ids": [1]})
SERVICES = native_query("careers.services", pull(_S, "services", "n.service_id IN $ids"), {"ids": ["S1"]})
COURSES_HELD = native_query(
    "course_timing.held",
    pull(_S, "person_qualifications", "b.code IN $quals AND r.awarded_date <= date($as_of)"),
    {"quals": ["NASENCO"], "as_of": _DAY},
)
COURSES_STUDIED = native_query(
    "course_timing.studying",
    pull(_S, "person_studying", "b.code IN $quals AND r.start_date <= date($as_of)"),
    {"quals": ["NASENCO"], "as_of": _DAY},
)
QTS_OF_PEOPLE = native_query(
    "course_timing.qts",
    pull(
        _S, "person_qualifications", f"{_OF_PEOPLE} AND b.code IN $quals AND r.awarded_date <= date($as_of)"
    ),
    {**_PEOPLE, "quals": ["QTS"], "as_of": _DAY},
)


def _in_chunks(
    store, table: str, query: NativeQuery, name: str, ids: list, params: dict | None = None
) -> pd.DataFrame:
    """Rows of ``table`` for ``ids`` (passed as parameter ``name``), :data:`CHUNK` ids per read,
    typed and ordered by key as ``store.table`` gives them."""
    text, params = query.for_dialect(store.dialect.name), params or {}
    ids = sorted(set(ids))
    frames = [
        store.typed_query(table, text, {**params, name: ids[i : i + CHUNK]})
        for i in range(0, len(ids), CHUNK)
    ]
    if not frames:  # nobody: the table's empty frame, with its columns and dtypes
        frames = [store.typed_query(table, text, {**params, name: []})]
    key = list(_S.table(table).key)
    return pd.concat(frames, ignore_index=True).sort_values(key, kind="stable", ignore_index=True)


def _of_people(store, table: str, people: list) -> pd.DataFrame:
    return _in_chunks(store, table, PERSON_ROWS[table], "people", people)


def _dates(values: list) -> pd.Series:
    """yyyymmdd integers (or None) as datetime64[ns], vectorised."""
    n = pd.Series(pd.array(values, dtype="Int64"))
    parts = pd.DataFrame({"year": n // 10000, "month": n // 100 % 100, "day": n % 100}).astype("float64")
    return pd.to_datetime(parts, errors="coerce").astype("datetime64[ns]")


def _careers_of(store, table: str, people: list) -> pd.DataFrame:
    """The career columns of ``table`` (posts or service posts: person, place, role, start, end) for
    ``people``, typed and ordered by key like ``store.table``; the other columns are blank (no career
    analysis reads them: fte and slt are not part of a career)."""
    text, spec = CAREER_ROWS[table].for_dialect(store.dialect.name), _S.table(table)
    ids, rows = sorted(set(people)), []
    for i in range(0, len(ids), CHUNK):
        rows.extend(store.run_read(text, {"people": ids[i : i + CHUNK]})[1])
    cols = list(zip(*rows, strict=True)) if rows else [[]] * 5
    place = "urn" if table == "posts" else "service_id"
    frame = pd.DataFrame(
        {
            "person_id": pd.Series(cols[0], dtype="string"),
            place: pd.Series(cols[1], dtype="Int64" if place == "urn" else "string"),
            "role": pd.Series(cols[2], dtype="string"),
            "start_date": _dates(list(cols[3])),
            "end_date": _dates(list(cols[4])),
        }
    )
    return conform(spec, frame).sort_values(list(spec.key), kind="stable", ignore_index=True)


class _Fetched(NarrowedStore):
    """A server store with some tables replaced by rows already fetched for the analysis."""

    def __init__(self, store, frames: dict[str, pd.DataFrame]):
        super().__init__(store, {})
        self._frames = frames

    def table(self, name: str) -> pd.DataFrame:
        if name in self._frames:
            return self._frames[name]
        return super().table(name)


def _day(as_of: dt.date | None) -> str:
    """``as_of`` for a date filter; none means every post recorded, and no post starts after today
    (the schema refuses future start dates), so today is exact."""
    return (as_of or dt.date.today()).isoformat()


def _career_view(store, people: list, *, cpd: bool = False) -> dict[str, pd.DataFrame]:
    """The posts and service posts of ``people`` (and with ``cpd``, their awards, attendance and the
    activities they attended with the needs those address)."""
    frames = {t: _careers_of(store, t, people) for t in ("posts", "service_posts")}
    if cpd:
        frames["person_qualifications"] = _of_people(store, "person_qualifications", people)
        att = _of_people(store, "attendance", people)
        acts = att["activity_id"].dropna().astype(str).tolist()
        frames["attendance"] = att
        frames["cpd_activities"] = _in_chunks(store, "cpd_activities", ACTIVITIES, "ids", acts)
        frames["activity_needs"] = _in_chunks(store, "activity_needs", ACTIVITY_NEEDS, "ids", acts)
    return frames


def _target_people(store, target: str, as_of: dt.date | None) -> list[str]:
    """People with a post or service post in ``target`` started by ``as_of``."""
    params = {"roles": [resolve_role(store, target)], "as_of": _day(as_of)}
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
        view = _Fetched(store, _career_view(store, _target_people(store, target, as_of), cpd=cpd))
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
    held = store.typed_query("person_qualifications", COURSES_HELD.for_dialect(store.dialect.name), params)
    study = store.typed_query("person_studying", COURSES_STUDIED.for_dialect(store.dialect.name), params)
    people = sorted(set(held["person_id"].astype(str)) | set(study["person_id"].astype(str)))
    qts = _in_chunks(
        store, "person_qualifications", QTS_OF_PEOPLE, "people", people, {"quals": ["QTS"], "as_of": day}
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
    return course_timing.embedded(_Fetched(store, frames), as_of=as_of, filters=filters)


@implementation(next_steps, "falkordb", "neo4j")
def next_steps_native(
    store, *, as_of: dt.date | None = None, filters: Filters = Filters(), person_id: str, target: str
) -> pd.DataFrame:
    """:func:`queries.careers.next_steps.next_steps` on one person's rows and the places they worked."""
    who = [person_id]
    frames = _career_view(store, who)
    for table in ("person_qualifications", "person_studying"):
        frames[table] = _of_people(store, table, who)
    frames["people"] = _in_chunks(store, "people", PEOPLE, "people", who)
    urns = [int(u) for u in frames["posts"]["urn"].dropna()]
    frames["schools"] = _in_chunks(store, "schools", SCHOOLS, "ids", urns)
    services = frames["service_posts"]["service_id"].dropna().astype(str).tolist()
    frames["services"] = _in_chunks(store, "services", SERVICES, "ids", services)
    return next_steps.embedded(
        _Fetched(store, frames), as_of=as_of, filters=filters, person_id=person_id, target=target
    )
