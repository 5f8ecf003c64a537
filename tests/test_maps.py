"""Map pages: offline, escaped, the right nodes / colours / sizes, scale switches, CLI.

Facts come from tests/maps_fixture.py; expected values are worked out by hand below.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from click.testing import CliRunner
from maps_fixture import SENSORY, TABLES, XSS, load_fixture, map_data
from maps_fixture import _school as _school_row

from graphmodel.errors import SendgraphError
from sendgraph.cli import main
from visuals import legend
from visuals.audit_map import audit_html
from visuals.layout import cluster_layout
from visuals.network_map import network_html
from visuals.offline import LIBRARY_ATTR, LIBRARY_HTTP_STRINGS
from visuals.region_map import region_html
from visuals.render import LABEL_LIMIT, PHYSICS_LIMIT, MapGraph, Page, json_for_script, render_page
from visuals.routes_map import routes_html

AS_OF = dt.date(2024, 1, 1)
TIERS = pd.DataFrame(
    {
        "urn": [100001, 100002, 100003],
        "highest_tier": ["trained_reviewer", "mailing_list", None],
        "tier_rank": [5, 2, 0],
    }
)


@pytest.fixture
def store(workspace, tmp_path):
    return load_fixture(workspace, tmp_path / "bundle")


def region(store, **kw):
    return region_html(store, "North East", as_of=AS_OF, status_frame=TIERS, **kw)


def outside_library(page: str) -> str:
    return re.sub(rf"<(script|style) {LIBRARY_ATTR}>.*?</\1>", "", page, flags=re.S)


class Tags(HTMLParser):
    """Every start tag and its attributes, as a browser's tokenizer sees them (script/style are raw text)."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def test_offline_no_external_reference(store):
    page = region(store)
    tags = Tags(page).tags
    # Nothing is fetched: no element that loads a resource, no src/href attribute anywhere,
    # no CSS import, and CSS url() only with data: URIs.
    assert not {t for t, _a in tags} & {"link", "img", "iframe", "object", "embed", "base", "source", "video"}
    assert not [a for _t, attrs in tags for a in attrs if a in ("src", "href", "srcset", "action", "poster")]
    assert "@import" not in page
    schemes = re.findall(r"url\(\s*['\"]?([a-z]+):", page)
    assert schemes and set(schemes) == {"data"}
    # Outside the inlined vis-network blocks there is no http at all; inside, only its licence
    # comments, core-js metadata, an error message and the SVG namespace identifier.
    assert "http" not in outside_library(page)
    assert set(re.findall(r"https?://[^\s\"')]+", page)) <= LIBRARY_HTTP_STRINGS
    assert page.count(f"<script {LIBRARY_ATTR}>") == 1 and page.count(f"<style {LIBRARY_ATTR}>") == 1


def test_data_text_is_escaped_in_script_and_html(store, tmp_path):
    page = region(store)
    assert XSS not in page  # never raw: JSON-escaped as \u003cimg ...
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in page
    labels = {n["id"]: n for n in map_data(page)["nodes"]}
    assert labels["School:100001"]["label"] == XSS[:32]
    assert labels["School:100001"]["title"].startswith(XSS + " (URN 100001)")
    # HTML context: a network named like a script tag is escaped in the title and heading.
    evil = "<script>alert(2)</script>"
    tables = {"networks": [{"network_id": "N9", "name": evil, "kind": "cluster", "send": True}]}
    load_fixture(store, tmp_path / "evil", tables)
    page = network_html(store, "N9", as_of=AS_OF)
    assert evil not in page and "<title>Network &lt;script&gt;alert(2)&lt;/script&gt;" in page


def test_json_for_script_escapes_everything_that_ends_a_script():
    text = json_for_script({"a": "</script><!-- & \u2028"})
    assert text == '{"a":"\\u003c/script\\u003e\\u003c!-- \\u0026 \\u2028"}'
    assert json.loads(text) == {"a": "</script><!-- & \u2028"}


def test_region_map_nodes_colours_sizes_and_edges(store):
    data = map_data(region(store))
    nodes = {n["id"]: n for n in data["nodes"]}
    # Far School is in London, so not on the North East map.
    assert set(nodes) == {
        "School:100001",
        "School:100002",
        "School:100003",
        "LocalAuthority:E06000001",
        "LocalAuthority:E06000002",
        "Trust:T1",
        "Network:N1",
        "Service:S1",
    }
    assert nodes["School:100001"]["color"] == legend.TIER_COLOURS[5]  # trained_reviewer is rung 5
    assert nodes["School:100002"]["color"] == legend.TIER_COLOURS[2]  # mailing_list is rung 2
    assert nodes["School:100003"]["color"] == "#bdbdbd"  # outside every network
    assert nodes["School:100003"]["size"] == round(8 + 2 * math.sqrt(130), 1)  # 30 EHCP + 100 SEN support
    assert nodes["LocalAuthority:E06000001"]["color"] == "#cab2d6"  # schema.toml LocalAuthority colour
    kinds = {(e["from"], e["to"]): c for e, c in zip(data["edges"], data["edgeCats"], strict=True)}
    assert kinds[("School:100001", "School:100003")] == "peer_review"
    assert kinds[("School:100002", "School:100003")] == "federation"
    assert kinds[("School:100001", "Network:N1")] == "network"
    assert kinds[("Service:S1", "LocalAuthority:E06000001")] == "la"
    assert sorted(c for c in data["edgeCats"]) == sorted(
        ["la"] * 4 + ["trust"] * 2 + ["network"] * 2 + ["peer_review", "federation"]
    )
    # geographic layout: the LA sits at its catalogue position (OSGB36 / 40 m per px, north up)
    assert data["geo"] is True and data["physics"] is False
    la = nodes["LocalAuthority:E06000001"]
    assert (la["x"], la["y"]) == (round(448105 / 40, 1), round(-530692 / 40, 1))


def test_region_map_senco_colouring_takes_the_audits_worst_senco(store):
    """A school with one overdue and one compliant SENCO is overdue, as the audit summary counts it
    (queries.audits.senco.SEVERITY): the map shows the audit's school status, not a map-only one."""
    audit = pd.DataFrame({"urn": [100001, 100001, 100002], "status": ["overdue", "compliant", "no_senco"]})
    data = map_data(region_html(store, "E12000001", colour="senco", as_of=AS_OF, status_frame=audit))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["School:100001"]["color"] == legend.SENCO_STATUS_COLOURS["overdue"]
    assert nodes["School:100002"]["color"] == legend.SENCO_STATUS_COLOURS["no_senco"]
    assert nodes["School:100003"]["color"] == "#ffffff"  # not in the audit


def test_senco_maps_count_what_the_audit_summary_counts(store):
    """Region and audit maps against ``senco_summary`` on the same hand-made audit rows: three
    schools, 100001 with an overdue and a compliant SENCO (overdue, the worst), 100002 compliant,
    100003 with no SENCO. Summary: 1 overdue, 1 compliant, 1 no_senco; gaps (no SENCO or overdue) 2."""
    from queries.audits.senco import senco_summary

    audit = pd.DataFrame(
        {
            "urn": [100001, 100001, 100002, 100003],
            "person_id": ["P1", "P2", "P3", None],
            "status": ["overdue", "compliant", "compliant", "no_senco"],
        }
    )
    summary = senco_summary(audit).iloc[0]
    want = {st: int(summary[f"schools_{st}"]) for st in ("overdue", "compliant", "no_senco")}
    assert want == {"overdue": 1, "compliant": 1, "no_senco": 1}
    for page in (
        region_html(store, "North East", colour="senco", as_of=AS_OF, status_frame=audit),
        audit_html(store, "senco", region="North East", as_of=AS_OF, frame=audit),
    ):
        data = map_data(page)
        shown = pd.Series(
            [
                f["status"]
                for v, f in zip(data["nodes"], data["facets"], strict=True)
                if v["id"][:7] == "School:"
            ]
        ).value_counts()
        assert {st: int(shown.get(legend.readable(st), 0)) for st in want} == want
        gaps = sum(1 for g in data["gaps"] if g)
        assert gaps == want["overdue"] + want["no_senco"] == 2
        hartlepool = next(v for v in data["nodes"] if v["id"] == "LocalAuthority:E06000001")["title"]
        assert "no SENCO or an overdue award: 1 of 2" in hartlepool  # 100001 overdue, 100002 compliant


def test_national_map_aggregates_to_la_super_nodes(store):
    page = region_html(store, "England", as_of=AS_OF, status_frame=TIERS, aggregate_limit=3)
    data = map_data(page)
    nodes = {n["id"]: n for n in data["nodes"]}
    assert not any(k.startswith("School:") for k in nodes)
    # Hartlepool: both schools in a network -> no gaps; Middlesbrough: its one school is outside -> 100%.
    assert nodes["LocalAuthority:E06000001"]["color"] == legend.GAP_BANDS[0][1]
    assert nodes["LocalAuthority:E06000002"]["color"] == legend.GAP_BANDS[-1][1]
    assert "2 schools aggregated" in nodes["LocalAuthority:E06000001"]["title"]
    assert "SEN pupils: 67" in nodes["LocalAuthority:E06000001"]["title"]  # 45 + 22
    assert "aggregated" in page and "Region:E12000007" in nodes  # London, for Far School
    width = {(e["from"], e["to"]): e["width"] for e in data["edges"]}
    assert width[("Network:N1", "LocalAuthority:E06000001")] == 0.9  # 0.5 + 2 member schools / 5


def test_network_map_names_only_with_show_names(store):
    hidden = network_html(store, "N1", as_of=AS_OF)
    assert "Alice" not in hidden
    person = {n["id"]: n for n in map_data(hidden)["nodes"]}["Person:P1"]
    assert person["label"] == "P1"
    assert "Current roles: Special educational needs co-ordinator (SENCO)" in person["title"]
    shown = network_html(store, "N1", as_of=AS_OF, show_names=True)
    assert {n["id"]: n for n in map_data(shown)["nodes"]}["Person:P1"]["label"] == "Alice Example"
    # Before the memberships started there are no members.
    assert len(map_data(network_html(store, "N1", as_of=dt.date(2019, 1, 1)))["nodes"]) == 1


def test_routes_into_senco_and_observed_widths(store):
    moves = pd.DataFrame(
        {
            "from_role": ["CLASS_TEACHER", "ECT", "TA"],
            "to_role": ["SENCO", "CLASS_TEACHER", "SENCO"],
            "people": [10, 5, 2],
        }
    )
    data = map_data(routes_html(store, to="senco", as_of=AS_OF, transitions=moves))
    roles = {n["id"][5:] for n in data["nodes"] if n["id"].startswith("Role:")}
    # Everything with a path into SENCO in role_progressions (plus the observed TA -> SENCO move).
    assert roles == {
        "SENCO",
        "ASSISTANT_SENCO",
        "CLASS_TEACHER",
        "ECT",
        "ITT_TRAINEE",
        "SEND_LEAD_TA",
        "HLTA",
        "TA",
    }
    quals = {n["id"][14:] for n in data["nodes"] if n["id"].startswith("Qualification:")}
    # Requirements in force on 2024-01-01: SENCO needs QTS and NASENCO (NPQ only from 1 Sep 2024,
    # SI 2024/535); ECT needs QTS; HLTA expects HLTA status. None of the other roles require anything.
    assert quals == {"QTS", "NASENCO", "HLTA_STATUS"}
    later = map_data(routes_html(store, to="SENCO", as_of=dt.date(2025, 1, 1), transitions=moves))
    assert {n["id"][14:] for n in later["nodes"] if n["id"].startswith("Qualification:")} == {
        "QTS",
        "NPQ_SENCO",
        "HLTA_STATUS",
    }
    edges = {(e["from"], e["to"], c): e for e, c in zip(data["edges"], data["edgeCats"], strict=True)}
    assert edges[("Role:CLASS_TEACHER", "Role:SENCO", "progression")]["width"] == 10.0  # 1 + 9 * 10/10
    assert edges[("Role:ECT", "Role:CLASS_TEACHER", "progression")]["width"] == 5.5
    assert edges[("Role:TA", "Role:SENCO", "observed")]["dashes"] is True


def test_audit_map_senco_and_sensory(store):
    audit = pd.DataFrame({"urn": [100001, 100003], "status": ["overdue", "compliant"]})
    data = map_data(audit_html(store, "senco", region="North East", as_of=AS_OF, frame=audit))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert set(k for k in nodes if k.startswith("School:")) == {"School:100001", "School:100003"}
    assert nodes["School:100001"]["color"] == legend.SENCO_STATUS_COLOURS["overdue"]
    assert "no SENCO or an overdue award: 1 of 1" in nodes["LocalAuthority:E06000001"]["title"]
    page = audit_html(store, "sensory", as_of=AS_OF, frame=SENSORY)
    nodes = {n["id"]: n for n in map_data(page)["nodes"]}
    assert nodes["School:100002"]["color"] == legend.SENSORY_STATUS_COLOURS["unqualified"]
    assert nodes["Service:S1"]["color"] == legend.SENSORY_STATUS_COLOURS["within_allowance"]
    assert "P1: QTVI_TEACHER (VI) - unqualified" in nodes["School:100002"]["title"]
    assert "Alice" not in page
    assert "Alice" in audit_html(store, "sensory", as_of=AS_OF, frame=SENSORY, show_names=True)


def test_big_maps_switch_physics_off_and_get_positions():
    def page(n):
        g = MapGraph()
        for i in range(n):
            g.add_node(f"S{i}", f"s{i}", colour="#1f78b4", cluster=f"LA{i % 7}")
        return map_data(render_page(g, Page("t", "src", AS_OF, [])))

    small, big = page(PHYSICS_LIMIT), page(PHYSICS_LIMIT + 1)
    assert small["physics"] is True and small["options"]["physics"]["enabled"] is True
    assert big["physics"] is False and big["options"]["physics"] == {"enabled": False}
    points = {(n["x"], n["y"]) for n in big["nodes"]}
    assert len(points) == PHYSICS_LIMIT + 1  # every node has its own position
    assert all(n["label"] for n in page(LABEL_LIMIT)["nodes"])
    assert all(n["label"] == "" for n in page(LABEL_LIMIT + 1)["nodes"])  # left to tooltips and search


def test_cluster_layout_keeps_clusters_apart():
    pos = cluster_layout(
        {"a": [f"a{i}" for i in range(200)], "b": [f"b{i}" for i in range(50)]},
        centres={"a": "A"},
        edges=[("T", "a1"), ("T", "b1")],
        others=["T", "lonely"],
    )
    a = [pos[f"a{i}"] for i in range(200)]
    b = [pos[f"b{i}"] for i in range(50)]
    gap = min(math.dist(p, q) for p in a for q in b)
    assert gap > 20
    assert pos["T"] != pos["lonely"] and math.dist(pos["T"], pos["a1"]) < math.dist(pos["a1"], pos["b1"])


def test_cli_writes_each_map(store, tmp_path):
    runner = CliRunner()
    ws = str(store.path)
    for args in (["region", "North East"], ["network", "N1"], ["routes", "--to", "SENCO"]):
        out = tmp_path / f"{args[0]}.html"
        result = runner.invoke(main, ["-w", ws, "map", *args, "--output", str(out), "--as-of", "2024-01-01"])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    result = runner.invoke(main, ["-w", ws, "map", "network", "NOPE", "--output", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "no network with id 'NOPE'" in result.output


def _tables(**changes) -> dict:
    """A deep copy of the fixture tables, so a test can change rows without touching TABLES."""
    tables = copy.deepcopy(TABLES)
    tables.update(copy.deepcopy(changes))
    return tables


def _edge_kinds(data: dict) -> dict:
    return {(e["from"], e["to"]): c for e, c in zip(data["edges"], data["edgeCats"], strict=True)}


def test_maps_count_memberships_and_posts_on_their_last_day(workspace, tmp_path):
    # end_date is the last day (inclusive), as in queries.posts and queries.networks.participation. On
    # 2024-01-01, 100002's own mailing-list membership, P1's trained-reviewer membership and P1's
    # SENCO post at 100002 all end that day, so all still count; 100001's membership has no start
    # date, which means open-ended (participation counts it too).
    tables = _tables()
    del tables["school_memberships"][0]["start_date"]
    tables["school_memberships"][1]["end_date"] = "2024-01-01"
    tables["person_memberships"][0]["end_date"] = "2024-01-01"
    tables["posts"][0]["end_date"] = "2024-01-01"
    store = load_fixture(workspace, tmp_path / "bundle", tables)
    # No status_frame: the participation analysis colours the schools, the map draws the edges.
    data = map_data(region_html(store, "North East", as_of=AS_OF))
    nodes = {n["id"]: n for n in data["nodes"]}
    # 100002's best rung is P1's trained_reviewer (rung 5), carried by a post current that day.
    assert nodes["School:100002"]["color"] == legend.TIER_COLOURS[5]
    assert nodes["School:100001"]["color"] == legend.TIER_COLOURS[5]
    kinds = _edge_kinds(data)
    assert kinds[("School:100002", "Network:N1")] == "network"
    assert kinds[("School:100001", "Network:N1")] == "network"
    net = map_data(network_html(store, "N1", as_of=AS_OF))
    net_kinds = _edge_kinds(net)
    assert {n["id"] for n in net["nodes"] if not n["id"].startswith("LocalAuthority:")} == {
        "Network:N1",
        "School:100001",
        "School:100002",
        "Person:P1",
    }
    assert net_kinds[("School:100002", "Network:N1")] == "network"
    assert net_kinds[("Person:P1", "School:100002")] == "works_at"
    # The next day 100002 is outside every network on the map and in the colouring alike.
    after = map_data(region_html(store, "North East", as_of=dt.date(2024, 1, 2)))
    assert {n["id"]: n for n in after["nodes"]}["School:100002"]["color"] == "#bdbdbd"
    assert ("School:100002", "Network:N1") not in _edge_kinds(after)
    later = map_data(network_html(store, "N1", as_of=dt.date(2024, 1, 2)))
    assert {n["id"] for n in later["nodes"] if n["id"][:6] != "LocalA"} == {"Network:N1", "School:100001"}


def test_region_map_leaves_out_schools_not_open_on_the_date(workspace, tmp_path):
    # 100002 closed on 2023-08-31 and 100003 opens on 2024-09-01: on 2024-01-01 neither is open, so
    # neither may be drawn as "outside every network" (the participation analysis has no row for it).
    tables = _tables()
    tables["schools"][1]["close_date"] = "2023-08-31"
    tables["schools"][2]["open_date"] = "2024-09-01"
    tables["schools"][1]["open_date"] = "2000-01-01"
    tables["schools"][3]["open_date"] = "2024-09-01"  # Far School, London
    store = load_fixture(workspace, tmp_path / "bundle", tables)
    data = map_data(region_html(store, "North East", as_of=AS_OF))
    assert {n["id"] for n in data["nodes"] if n["id"].startswith("School:")} == {"School:100001"}
    assert "LocalAuthority:E06000002" not in {n["id"] for n in data["nodes"]}  # its only school is not open
    # The day before it closed, 100002 is open and a member (mailing_list, plus P1 trained_reviewer).
    before = map_data(region_html(store, "North East", as_of=dt.date(2023, 8, 30)))
    nodes = {n["id"]: n for n in before["nodes"]}
    assert set(k for k in nodes if k.startswith("School:")) == {"School:100001", "School:100002"}
    assert nodes["School:100002"]["color"] == legend.TIER_COLOURS[5]
    # Nationally (aggregated), Middlesbrough has no open school, so no gap to show there.
    national = map_data(region_html(store, "England", as_of=AS_OF, aggregate_limit=0))
    la = {n["id"]: n for n in national["nodes"]}
    assert "LocalAuthority:E06000002" not in la
    assert "1 schools aggregated" in la["LocalAuthority:E06000001"]["title"]
    assert "1 trained reviewer" in la["LocalAuthority:E06000001"]["title"]  # status counts (count_text)
    # A region whose only school opens later: a clear error rather than an empty map.
    with pytest.raises(SendgraphError, match="no schools open in region 'London' on 2024-01-01"):
        region_html(store, "London", as_of=AS_OF)


def test_routes_map_takes_the_role_names_sendgraph_routes_takes(store, tmp_path):
    # queries.careers.routes.resolve_role: "QTVI" is the short name of QTVI_TEACHER, as in `sendgraph routes`.
    data = map_data(
        routes_html(
            store,
            to="QTVI",
            as_of=AS_OF,
            transitions=pd.DataFrame({"from_role": [], "to_role": [], "people": []}),
        )
    )
    ids = {n["id"] for n in data["nodes"]}
    assert "Role:QTVI_TEACHER" in ids and "Qualification:MQ_VI" in ids  # SI 2003/1662: the MQ
    requires = [e for e, c in zip(data["edges"], data["edgeCats"], strict=True) if c == "requires"]
    mq = next(e for e in requires if e["to"] == "Qualification:MQ_VI")
    # names, not codes, wherever a person reads them
    assert mq["title"].startswith(
        "Teacher of a class of pupils with vision impairment requires Mandatory qualification for "
        "teachers of pupils with vision impairment (QTVI) within 3 years"
    )
    out = tmp_path / "qtvi.html"
    args = ["-w", str(store.path), "map", "routes", "--to", "QTVI", "--output", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    with pytest.raises(SendgraphError, match="unknown role 'WIZARD'"):
        routes_html(store, to="WIZARD", as_of=AS_OF)


def test_routes_map_suppresses_small_observed_counts(store):
    # DfE suppression as in `sendgraph transitions`: 1..4 people shown as "c", and drawn as 4 so the
    # width does not give the number away. CLASS_TEACHER -> SENCO: 10 (shown, width 1 + 9 * 10/10);
    # TA -> SENCO: 2 -> "c", width 1 + 9 * 4/10 = 4.6; ECT -> CLASS_TEACHER: 3 -> "c", also 4.6.
    moves = pd.DataFrame(
        {
            "from_role": ["CLASS_TEACHER", "TA", "ECT"],
            "to_role": ["SENCO", "SENCO", "CLASS_TEACHER"],
            "people": [10, 2, 3],
        }
    )
    page = routes_html(store, to="SENCO", as_of=AS_OF, transitions=moves)
    data = map_data(page)
    edges = {(e["from"], e["to"], c): e for e, c in zip(data["edges"], data["edgeCats"], strict=True)}
    teacher = edges[("Role:CLASS_TEACHER", "Role:SENCO", "progression")]
    assert teacher["width"] == 10.0 and "observed: 10 people" in teacher["title"]
    ta = edges[("Role:TA", "Role:SENCO", "observed")]
    assert ta["title"] == (
        "Teaching assistant -> Special educational needs co-ordinator (SENCO): c people "
        "(not a reference step)"
    )
    assert ta["width"] == 4.6
    ect = edges[("Role:ECT", "Role:CLASS_TEACHER", "progression")]
    assert ect["title"].endswith("\nobserved: c people") and ect["width"] == 4.6
    # All small: every observed edge is equally wide, so nothing can be read off the widths.
    small = moves.assign(people=[1, 2, 3])
    widths = {
        (e["from"], e["to"]): e["width"]
        for e in map_data(routes_html(store, to="SENCO", as_of=AS_OF, transitions=small))["edges"]
        if (e["from"], e["to"])
        in {
            ("Role:CLASS_TEACHER", "Role:SENCO"),
            ("Role:TA", "Role:SENCO"),
            ("Role:ECT", "Role:CLASS_TEACHER"),
        }
    }
    assert set(widths.values()) == {10.0}
    # Zero identifies nobody, and a threshold of 0 turns suppression off (an analyst's own copy).
    raw = map_data(routes_html(store, to="SENCO", as_of=AS_OF, transitions=moves, threshold=0))
    assert any(
        "Teaching assistant -> Special educational needs co-ordinator (SENCO): 2 people" in e.get("title", "")
        for e in raw["edges"]
    )


def test_sensory_audit_map_region_filter_on_a_given_frame(store):
    # SENSORY's two posts are both in the North East: a name or code of any case keeps them, London
    # keeps none, and an unknown region is an error naming the choices
    # (queries.careers.routes.resolve_region).
    for text in ("north east", "E12000001"):
        nodes = {
            n["id"]
            for n in map_data(audit_html(store, "sensory", region=text, as_of=AS_OF, frame=SENSORY))["nodes"]
        }
        assert {"School:100002", "Service:S1"} <= nodes
    london = map_data(audit_html(store, "sensory", region="London", as_of=AS_OF, frame=SENSORY))
    assert london["nodes"] == []
    with pytest.raises(SendgraphError, match="unknown region 'Narnia'"):
        audit_html(store, "sensory", region="Narnia", as_of=AS_OF, frame=SENSORY)


def test_every_count_the_region_map_shows_is_the_analysis_count(store):
    """Maps draw facts; analyses compute them: the LA tooltips' gap figures, the gap-school list,
    the rung filter and the school-to-school ties all equal the analysis tables on this fixture."""
    from queries.context import Filters
    from queries.networks.participation import school_participation
    from queries.networks.ties import tie_instances

    part = school_participation(store, filters=Filters(region="North East"), as_of=AS_OF)
    data = map_data(region_html(store, "North East", as_of=AS_OF))
    nodes = {n["id"]: (n, f, g) for n, f, g in zip(data["nodes"], data["facets"], data["gaps"], strict=True)}
    schools = store.table("schools").set_index("urn")["la_code"]
    gap_urns = set(part.loc[part["highest_tier"].isna() | (part["highest_tier"] == ""), "urn"])
    for la in ("E06000001", "E06000002"):
        mine = part[part["urn"].map(schools) == la]
        gaps = int(mine["urn"].isin(gap_urns).sum())
        title = nodes[f"LocalAuthority:{la}"][0]["title"]
        assert f"schools outside every network: {gaps} of {len(mine)}" in title
    listed = {int(g["urn"]) for _n, _f, g in nodes.values() if g}
    assert listed == gap_urns == {100003}
    rungs = {int(k.split(":")[1]): f["status"] for k, (_n, f, _g) in nodes.items() if k.startswith("School:")}
    want = part.set_index("urn")["highest_tier"].fillna("none").replace("", "none").str.replace("_", " ")
    assert rungs == want.to_dict()
    ties = tie_instances(store, as_of=AS_OF, min_weight=0)
    ties = ties[ties["kind"].isin(["peer_review", "federation"])]
    drawn = {
        (int(e["from"].split(":")[1]), int(e["to"].split(":")[1]))
        for e, c in zip(data["edges"], data["edgeCats"], strict=True)
        if c in ("peer_review", "federation")
    }
    assert drawn == set(zip(ties["urn_a"], ties["urn_b"], strict=True))


def test_region_map_draws_no_link_the_analysis_drops(workspace, tmp_path):
    """A GIAS predecessor link is history, not collaboration: the analysis drops it and so does the map
    (the map drew 'predecessor NaT' before it took its ties from the analysis)."""
    tables = copy.deepcopy(TABLES)
    tables["school_links"].append({"urn": 100001, "linked_urn": 100002, "kind": "Predecessor"})
    store = load_fixture(workspace, tmp_path / "b", tables)
    data = map_data(region_html(store, "North East", as_of=AS_OF, status_frame=TIERS))
    pairs = {(e["from"], e["to"]) for e in data["edges"]}
    assert ("School:100001", "School:100002") not in pairs
    assert not any("predecessor" in e.get("title", "").lower() for e in data["edges"])


def test_observed_pathways_map_reads_names_and_suppresses_through_is_small(store):
    """The --observed map: role names (not codes) on every step, tooltip and the title; a pathway of
    1..threshold people is suppressed by the one rule (queries.publish.is_small), drawn as the
    threshold, and every count that includes it shows 'c'. Hand-worked: 12 people ITT > ECT > SENCO,
    3 people ITT > CLASS_TEACHER+SENCO; the shared first step ITT is the root."""
    from visuals.pathways_map import pathways_html, role_names

    frame = pd.DataFrame(
        {
            "pathway": ["ITT_TRAINEE > ECT > SENCO", "ITT_TRAINEE > CLASS_TEACHER+SENCO > BREAK"],
            "people": [12, 3],
            "median_years": [4.0, 6.5],
            "q1_years": [3.0, 5.0],
            "q3_years": [5.0, 8.0],
        }
    )
    page = pathways_html(
        frame, source="ITT_TRAINEE", target="SENCO", described="fixture", as_of=AS_OF, names=role_names(store)
    )
    data = map_data(page)
    shown = [v["label"] for v in data["nodes"]] + [v["title"] for v in data["nodes"]]
    shown += [e["title"] for e in data["edges"]] + [data["title"]]
    codes = re.compile(r"\b(ITT_TRAINEE|CLASS_TEACHER|ECT|SENCO)\b(?! ?\))")
    for text in shown:
        assert not codes.search(text.replace("(SENCO)", "")), text
    assert "Initial teacher training trainee" in data["title"]
    assert any("Class teacher +\nSpecial educational needs co-ordinator (SENCO)" == v for v in data["labels"])
    edges = {e["title"].split(":")[0]: e for e in data["edges"]}
    ect = edges["Initial teacher training trainee -> Early career teacher"]
    assert ect["title"].startswith("Initial teacher training trainee -> Early career teacher: 12 people")
    small = next(e for k, e in edges.items() if k.startswith("Class teacher"))  # to the break: 3 people
    assert ": c people" in small["title"] and "career break" in small["title"]
    assert (
        edges[
            "Initial teacher training trainee -> Class teacher + Special educational needs "
            "co-ordinator (SENCO)"
        ]["title"]
        .split(": ")[1]
        .startswith("c people")
    )


def test_big_network_map_is_geographic_not_a_grid(workspace, tmp_path):
    """A network of 450 member schools (more than PHYSICS_LIMIT) with GIAS Easting / Northing: each
    school is drawn where it is (1 px per 40 m, north up), a member person sits beside the school they
    work at, and the network's 450 membership lines are hidden until it is clicked (no fan from
    the middle). Before, every node above 400 went on a grid of rows."""
    tables = _tables()
    extra = []
    for i in range(450):
        row = _school_row(200000 + i, f"Member {i}", "E06000001", 10, 1)
        row["easting"], row["northing"] = 440000 + 100 * (i % 30), 530000 + 100 * (i // 30)
        extra.append(row)
    tables["schools"] += extra
    tables["school_memberships"] += [
        {"urn": r["urn"], "network_id": "N1", "tier": "mailing_list", "start_date": "2020-01-01"}
        for r in extra
    ]
    tables["posts"][0]["urn"] = 200007
    store = load_fixture(workspace, tmp_path / "bundle", tables)
    data = map_data(network_html(store, "N1", as_of=AS_OF))
    assert data["geo"] is True and len(data["nodes"]) > PHYSICS_LIMIT
    pos = {v["id"]: (v["x"], v["y"]) for v in data["nodes"]}
    assert pos["School:200031"] == (440100 / 40, -530100 / 40)  # i = 31: column 1, row 1
    px, py = pos["Person:P1"]
    sx, sy = pos["School:200007"]
    assert math.hypot(px - sx, py - sy) <= 60  # beside its school, not in a grid row
    assert len({round(y) for _x, y in pos.values()}) > 10  # not the old grid (a few rows of 40)
    hidden = [h for h, c in zip(data["hubEdges"], data["edgeCats"], strict=True) if c == "network"]
    assert hidden and all(hidden)
