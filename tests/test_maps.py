"""Map pages: offline, escaped, the right nodes / colours / sizes, scale switches, CLI.

Facts come from tests/maps_fixture.py; expected values are worked out by hand below.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from html.parser import HTMLParser

import pandas as pd
import pytest
from click.testing import CliRunner
from maps_fixture import SENSORY, XSS, load_fixture, map_data

from graphmodel.cli import main
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
    assert data["physics"] is True and "x" not in nodes["School:100001"]


def test_region_map_senco_colouring_takes_the_best_senco(store):
    audit = pd.DataFrame({"urn": [100001, 100001, 100002], "status": ["overdue", "compliant", "no_senco"]})
    data = map_data(region_html(store, "E12000001", colour="senco", as_of=AS_OF, status_frame=audit))
    nodes = {n["id"]: n for n in data["nodes"]}
    assert (
        nodes["School:100001"]["color"] == legend.SENCO_STATUS_COLOURS["compliant"]
    )  # reg. 49: a qualified SENCO
    assert nodes["School:100002"]["color"] == legend.SENCO_STATUS_COLOURS["no_senco"]
    assert nodes["School:100003"]["color"] == "#ffffff"  # not in the audit


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
    assert person["label"] == "P1" and "Current roles: SENCO" in person["title"]
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
        result = runner.invoke(main, ["-w", ws, "map", *args, "--out", str(out), "--as-of", "2024-01-01"])
        assert result.exit_code == 0, result.output
        assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    result = runner.invoke(main, ["-w", ws, "map", "network", "NOPE", "--out", str(tmp_path / "x.html")])
    assert result.exit_code == 1 and "no network with id 'NOPE'" in result.output
