"""Observed pathways, course timing and the shared spell rules, on the whole careers of
pathway_fixture.py (every figure is worked out by hand in that module's docstring).

Years = days / 365.25, rounded to 2 decimals; quartiles are pandas' linear ones.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from click.testing import CliRunner
from pathway_fixture import load_pathways

from queries.careers.courses import course_timing
from queries.careers.pathways import no_recorded_start, pathway_leavers, pathway_steps, pathways
from queries.careers.transitions import dead_ends, moves, observed_transitions
from queries.context import Filters
from sendgraph.cli import main

AS_OF = dt.date(2025, 1, 1)
BASE = "ITT_TRAINEE > ECT > "


@pytest.fixture
def store(workspace, bundle_writer):
    load_pathways(workspace, bundle_writer)
    return workspace


def _rows(frame, cols):
    return [tuple(r) for r in frame[cols].itertuples(index=False, name=None)]


def test_pathways_group_whole_careers_with_people_share_and_years(store):
    frame = pathways(store, source="ITT", target="QTVI", as_of=AS_OF)
    # 6 reached QTVI from ITT. A5 (731 d) and A6 (730 d) straight after the ECT year: median 2.0;
    # A1 (2192 d = 6.0014) and A2 (2557 d = 7.0007) via class teaching: median 6.5, q1 6.25, q3 6.75;
    # A3 with a break and a return to CT (2922 d = 8.0); A4 through a SENCO post (3652 d = 9.9986)
    assert _rows(frame, ["pathway", "steps", "people", "share", "median_years", "q1_years", "q3_years"]) == [
        (BASE + "QTVI_TEACHER", 2, 2, 0.3333, 2.0, 2.0, 2.0),
        (BASE + "CLASS_TEACHER > QTVI_TEACHER", 3, 2, 0.3333, 6.5, 6.25, 6.75),
        (BASE + "CLASS_TEACHER > BREAK > CLASS_TEACHER > QTVI_TEACHER", 5, 1, 0.1667, 8.0, 8.0, 8.0),
        (BASE + "CLASS_TEACHER > SENCO > QTVI_TEACHER", 4, 1, 0.1667, 10.0, 10.0, 10.0),
    ]
    # CT -> QTVI: A1 1461 d (4.0), A2 1826 d (4.9993; his move to S3 a month later is the same spell)
    assert frame.loc[1, "step_median_years"] == "1.00 > 1.00 > 4.50"
    # the break: CT 2014-09-01 .. 2016-08-31, BREAK from 2016-09-01, CT again 2018-09-01, QTVI 2020-09-01
    assert frame.loc[2, "step_median_years"] == "1.00 > 1.00 > 2.00 > 2.00 > 2.00"


def test_qualifications_along_the_way_and_no_send_cpd_share(store):
    frame = pathways(store, source="ITT", target="QTVI", as_of=AS_OF).set_index("pathway")
    # MQ_VI is awarded after the QTVI post starts (not on the way); A4's NASENCO (2017) is
    assert frame.loc[BASE + "CLASS_TEACHER > QTVI_TEACHER", "qualifications"] == "QTS 100%"
    assert (
        frame.loc[BASE + "CLASS_TEACHER > SENCO > QTVI_TEACHER", "qualifications"] == "NASENCO 100%; QTS 100%"
    )
    # SEND CPD between entry and target: A2 (2017, VI) and A4 (undated attendance, activity 2014);
    # A5's 2019 CPD came after the target, so both direct entrants had none
    assert _rows(frame.reset_index(), ["no_send_cpd", "no_send_cpd_share"]) == [
        (2, 1.0),
        (1, 0.5),
        (1, 1.0),
        (0, 0.0),
    ]


def test_steps_table_gives_years_per_step(store):
    frame = pathway_steps(store, source="ITT", target="QTVI", as_of=AS_OF)
    via_ct = frame[frame["pathway"] == BASE + "CLASS_TEACHER > QTVI_TEACHER"]
    assert _rows(
        via_ct, ["step", "from_step", "to_step", "people", "median_years", "q1_years", "q3_years"]
    ) == [
        (1, "ITT_TRAINEE", "ECT", 2, 1.0, 1.0, 1.0),
        (2, "ECT", "CLASS_TEACHER", 2, 1.0, 1.0, 1.0),
        (3, "CLASS_TEACHER", "QTVI_TEACHER", 2, 4.5, 4.25, 4.75),
    ]
    brk = frame[frame["pathway"].str.contains("BREAK")]
    assert _rows(brk, ["from_step", "to_step"])[2:4] == [
        ("CLASS_TEACHER", "BREAK"),
        ("BREAK", "CLASS_TEACHER"),
    ]


def test_people_with_no_recorded_start(store):
    frame = no_recorded_start(store, source="ITT", target="QTVI", as_of=AS_OF)
    # A7 began as a class teacher in 2005 (7.0007 years to QTVI); A13's record begins with QTVI.
    # Share of all 8 who reached QTVI.
    assert _rows(frame, ["first_recorded_role", "people", "share", "median_years_on_record"]) == [
        ("CLASS_TEACHER", 1, 0.125, 7.0),
        ("QTVI_TEACHER", 1, 0.125, 0.0),
    ]


def test_most_common_point_of_leaving_the_route(store):
    frame = pathway_leavers(store, source="ITT", target="QTVI", as_of=AS_OF)
    # 5 entered ITT and have not reached QTVI: A8 (CT, still in post), A11 (CT, record ended), A12
    # (CT, then HEAD: off the route) leave after ITT > ECT > CT; A9's SENCO step is on the route
    # (A4 took it), A10 left after ITT
    assert _rows(
        frame, ["left_after", "people", "share", "moved_off", "moved_to", "still_in_post", "record_ended"]
    ) == [
        (BASE + "CLASS_TEACHER", 3, 0.6, 1, "HEAD", 1, 1),
        ("ITT_TRAINEE", 1, 0.2, 0, None, 0, 1),
        (BASE + "CLASS_TEACHER > SENCO", 1, 0.2, 0, None, 1, 0),
    ]


def test_filters_place_people_where_they_reached_the_target_and_as_of_cuts_careers(store):
    # only A6 reached QTVI in Manchester (North West)
    frame = pathways(store, source="ITT", target="QTVI", as_of=AS_OF, filters=Filters(region="North West"))
    assert _rows(frame, ["pathway", "people", "share"]) == [(BASE + "QTVI_TEACHER", 1, 1.0)]
    # on 2018-01-01 only A1 (2016) and A5 (2017) had reached QTVI from ITT; A7 had no ITT
    early = pathways(store, source="ITT", target="QTVI", as_of=dt.date(2018, 1, 1))
    assert _rows(early, ["pathway", "people"]) == [
        (BASE + "QTVI_TEACHER", 1),
        (BASE + "CLASS_TEACHER > QTVI_TEACHER", 1),
    ]


def test_transitions_use_the_same_spells_returns_and_years_in_role(store):
    mv = moves(store, person_id="A3")
    # a return to class teaching after a two-year break is a move (it used to be dropped), and the
    # years before QTVI count both CT spells (731 + 731 days = 4.0027), not the last one only
    assert _rows(mv, ["from_role", "to_role", "is_return"]) == [
        ("ITT_TRAINEE", "ECT", False),
        ("ECT", "CLASS_TEACHER", False),
        ("CLASS_TEACHER", "CLASS_TEACHER", True),
        ("CLASS_TEACHER", "QTVI_TEACHER", False),
    ]
    assert round(mv["years"].iloc[3], 4) == 4.0027
    frame = observed_transitions(store)
    assert ("CLASS_TEACHER", "CLASS_TEACHER", 1) in _rows(frame, ["from_role", "to_role", "people"])
    # returning to a role is not moving on from it: CT stays out of the dead ends for other reasons,
    # but QTVI (nobody leaves) is one
    assert "QTVI_TEACHER" in set(dead_ends(store)["role"])


def test_course_timing_from_course_start_dates(store):
    frame = course_timing(store, as_of=AS_OF).set_index("course")
    # MQ_VI starts from QTS: 792, 1889, 2253, 2253 (A6, studying), 2619, 2984, 3349 days:
    # 2.17, 5.17, 6.17, 6.17, 7.17, 8.17, 9.17 -> median 6.17, q1 5.67, q3 7.67; A13 holds the MQ
    # with no course start (not timed)
    assert tuple(frame.loc["MQ_VI", ["people", "median_years", "q1_years", "q3_years", "no_start_date"]]) == (
        7,
        6.17,
        5.67,
        7.67,
        1,
    )
    assert tuple(frame.loc["SENCO award (any)", ["people", "median_years"]]) == (1, 5.17)
    assert frame.loc["MQ (any)", "ucl_years"] == "4-5"


def test_cli_pathways_suppresses_small_counts_and_writes_every_format(store, tmp_path):
    runner = CliRunner()
    base = ["-w", str(store.path), "pathways", "--from", "ITT", "--to", "QTVI", "--as-of", "2025-01-01"]
    out = runner.invoke(main, [*base, "--format", "json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.output)["data"]
    assert rows[0]["people"] == "c" and rows[0]["median_years"] == "c" and rows[0]["qualifications"] == "c"
    out = runner.invoke(main, [*base, "--no-suppress", "--format", "csv", "--view", "leavers"])
    assert out.exit_code == 0, out.output
    assert "ITT_TRAINEE > ECT > CLASS_TEACHER,3,0.6" in out.output
    for fmt in ("table", "markdown"):
        assert runner.invoke(main, [*base, "--format", fmt, "--view", "steps"]).exit_code == 0
    target = tmp_path / "p.csv"
    assert runner.invoke(main, [*base, "--format", "csv", "-o", str(target)]).exit_code == 0
    assert target.read_text().startswith("pathway,")
    bad = runner.invoke(main, [*base[:-4], "--from", "ITT", "--to", "ASTRONAUT"])
    assert bad.exit_code != 0 and "unknown role" in bad.output


def test_observed_routes_map_draws_pathways_as_flows_with_suppressed_widths(store, tmp_path):
    out = tmp_path / "flows.html"
    result = CliRunner().invoke(
        main,
        ["-w", str(store.path), "map", "routes", "--observed", "--to", "QTVI", "--as-of", "2025-01-01"]
        + ["-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    page = out.read_text()
    data = json.loads(page.split('<script id="map-data" type="application/json">')[1].split("</script>")[0])
    nodes = {n["id"]: n for n in data["nodes"]}
    # one node per step prefix, in the column of its step number
    assert nodes["ITT_TRAINEE"]["level"] == 0
    assert nodes[BASE + "CLASS_TEACHER > BREAK"]["level"] == 3
    edges = {(e["from"], e["to"]): e for e in data["edges"]}
    # ITT -> ECT carries all six people, but each pathway has 1-2 people: suppressed, drawn as 4 each
    first = edges[("ITT_TRAINEE", "ITT_TRAINEE > ECT")]
    assert "c people" in first["title"]
    assert first["width"] > edges[("ITT_TRAINEE > ECT", BASE + "QTVI_TEACHER")]["width"]
    assert '"A1"' not in json.dumps(data)  # no person ids or names on the map


def test_observed_bottlenecks_weigh_roles_and_steps_by_people_and_set_places_against_need(store):
    from queries.careers.bottlenecks import observed_bottlenecks

    frame = observed_bottlenecks(store, as_of=AS_OF)
    rows = {(k, c): (p, s) for k, c, p, s in _rows(frame, ["kind", "code", "people", "share"])}
    # 8 people entered their first specialism with an earlier role: A1-A7 (QTVI), A4 and A9 (SENCO
    # first for A4). ITT: all but A7 = 7; class teaching: A1, A2, A3, A4, A7, A9 = 6
    assert rows[("role", "ITT_TRAINEE")] == (7, 0.875)
    assert rows[("role", "CLASS_TEACHER")] == (6, 0.75)
    assert rows[("step", "CLASS_TEACHER -> QTVI_TEACHER")] == (4, 0.5)  # A1, A2, A3, A7
    assert rows[("step", "ECT -> QTVI_TEACHER")] == (2, 0.25)  # A5, A6
    quals = frame[frame["kind"] == "qualification"].set_index("code")
    # QTVIs in post without MQ_VI: A6 (studying it); SENCOs without an award: A9
    assert tuple(quals.loc["MQ_VI", ["need", "in_training"]]) == (1, 1)
    assert quals.loc["NPQ_SENCO", "need"] == 1
    # no provider publishes places: unknown, not zero
    assert quals["places_per_year"].isna().all() and quals["places_per_need"].isna().all()
    res = CliRunner().invoke(
        main, ["-w", str(store.path), "bottlenecks", "--view", "observed", "--as-of", "2025-01-01"]
    )
    assert res.exit_code == 0, res.output


def test_a_graph_with_no_careers_gives_empty_tables(workspace, bundle_writer):
    from loaders import ingest
    from queries.careers.bottlenecks import observed_bottlenecks

    ingest.load(workspace, [(bundle_writer({"people": [{"person_id": "X"}]}), "auto")])
    for func in (pathways, pathway_steps, no_recorded_start, pathway_leavers):
        assert func(workspace, source="ITT", target="QTVI").empty
    assert (course_timing(workspace)["people"] == 0).all()
    assert observed_bottlenecks(workspace)["kind"].eq("qualification").all()


def test_leavers_publish_hides_a_second_outcome_so_the_first_cannot_be_worked_out():
    from queries.careers.pathways import PUBLISHES
    from queries.publish import publish

    row = {"left_after": "ITT_TRAINEE > ECT", "people": 12, "share": 1.0, "moved_off": 6, "moved_to": "HEAD"}
    frame = pd.DataFrame([{**row, "still_in_post": 5, "record_ended": 1}])
    out = publish(frame, PUBLISHES["leavers"], title="t", source="s").frame.iloc[0]
    # record_ended 1 is small; people = moved_off + still_in_post + record_ended would give it back,
    # so the smallest shown outcome (still_in_post 5) is hidden too
    assert (out["record_ended"], out["still_in_post"], out["moved_off"], out["people"]) == ("c", "c", 6, 12)


def test_course_timing_and_observed_bottlenecks_carry_the_one_metadata_shape(store):
    runner = CliRunner()
    base = ["-w", str(store.path)]
    doc = json.loads(
        runner.invoke(main, [*base, "course-timing", "--as-of", "2025-01-01", "--format", "json"]).output
    )
    assert doc["metadata"]["as_of"] == "2025-01-01" and "ucl_2019" in doc["metadata"]
    assert list(doc["metadata"])[-1] == "suppression"
    # the reference view counts routes on paper: a filter there is refused, not silently ignored
    bad = runner.invoke(main, [*base, "bottlenecks", "--region", "North West"])
    assert bad.exit_code != 0 and "--view observed" in bad.output
