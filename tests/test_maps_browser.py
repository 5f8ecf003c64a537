"""Every map opened in headless Chromium: it draws, logs no error, fetches nothing, runs no data.

Skipped only when Chromium or Playwright is not installed (CI installs Debian's chromium). Driven by
Playwright for Python against /usr/bin/chromium (tests/browser.py, at 1600x1000 as a new user opens
it); the screenshot check counts non-white pixels in the map
area (left of the legend, below the header) so a page whose canvas stayed blank fails.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
import pytest
from browser import Browser, chromium_path, drawn_pixels
from maps_fixture import SENSORY, XSS, load_fixture

from visuals.audit_map import audit_map
from visuals.network_map import network_map
from visuals.region_map import region_map
from visuals.routes_map import routes_map

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(chromium_path() is None, reason="chromium is not installed"),
]
AS_OF = dt.date(2024, 1, 1)
TIERS = pd.DataFrame(
    {
        "urn": [100001, 100002, 100003],
        "highest_tier": ["trained_reviewer", "mailing_list", None],
        "tier_rank": [5, 2, 0],
    }
)
SENCO = pd.DataFrame({"urn": [100001, 100002, 100003], "status": ["overdue", "compliant", "no_senco"]})


@pytest.fixture(scope="module")
def browser():
    with Browser(timeout=60) as b:
        yield b


@pytest.fixture(scope="module")
def maps(tmp_path_factory):
    import visuals.render
    from graphmodel.workspace import Workspace

    root = tmp_path_factory.mktemp("maps")
    store = load_fixture(Workspace(root / "ws"), root / "bundle")
    limit = visuals.render.LAZY_EDGE_LIMIT
    visuals.render.LAZY_EDGE_LIMIT = 0  # the national every-school form, on the fixture
    try:
        schools = region_map(
            store, "England", root / "every.html", as_of=AS_OF, status_frame=TIERS, aggregate_limit=10**9
        )
    finally:
        visuals.render.LAZY_EDGE_LIMIT = limit
    return {
        "national_schools": schools,
        "region": region_map(store, "North East", root / "region.html", as_of=AS_OF, status_frame=TIERS),
        "region_senco": region_map(
            store, "North East", root / "rs.html", colour="senco", as_of=AS_OF, status_frame=SENCO
        ),
        "national": region_map(
            store, "England", root / "national.html", as_of=AS_OF, status_frame=TIERS, aggregate_limit=3
        ),
        "network": network_map(store, "N1", root / "network.html", as_of=AS_OF),
        "routes": routes_map(store, root / "routes.html", as_of=AS_OF),
        "audit_senco": audit_map(store, "senco", root / "as.html", as_of=AS_OF, frame=SENCO),
        "audit_sensory": audit_map(store, "sensory", root / "ax.html", as_of=AS_OF, frame=SENSORY),
    }


def map_area_pixels(png: bytes) -> tuple[int, float]:
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    out = io.BytesIO()
    image.crop((0, 60, image.width - 310, image.height)).save(
        out, "PNG"
    )  # the canvas, without header and legend
    return drawn_pixels(out.getvalue())


@pytest.mark.parametrize(
    "name",
    [
        "region",
        "region_senco",
        "national",
        "national_schools",
        "network",
        "routes",
        "audit_senco",
        "audit_sensory",
    ],
)
def test_map_draws_without_errors_or_requests(browser, maps, name):
    report = browser.open(maps[name], values={"nodes": "window.sendgraphMap.nodes.length"})
    assert report.ready, f"{name} never finished drawing"
    assert report.errors == []
    assert report.external_requests == [] and report.requests == [report.url]
    assert report.values["nodes"] >= 2
    pixels, variance = map_area_pixels(report.screenshot)
    assert pixels > 1500 and variance > 20, (pixels, variance)


def test_hostile_school_name_is_text_and_search_finds_it(browser, maps):
    report = browser.open(
        maps["region"],
        values={
            "imgs": "document.querySelectorAll('img').length",
            "found": "(function(){var b=document.getElementById('search');b.value='onerror';"
            "b.dispatchEvent(new KeyboardEvent('keydown',{key:'Enter'}));"
            "return [document.getElementById('search-status').textContent,"
            " window.sendgraphMap.network.getSelectedNodes()];})()",
            "label": "window.sendgraphMap.nodes.get('School:100001').label",
        },
    )
    assert report.dialogs == [] and report.errors == []
    assert report.values["imgs"] == 0
    assert report.values["found"] == ["1 found", ["School:100001"]]
    assert report.values["label"] == XSS[:32]


def test_legend_checkbox_hides_its_nodes(browser, maps):
    report = browser.open(
        maps["region"],
        values={
            "hidden": (
                "(function(){var b=document.querySelector('input[data-cat=\"tier:none\"]');b.click();"
                "var m=window.sendgraphMap.nodes;"
                "return [m.get('School:100003').hidden, m.get('School:100001').hidden];})()"
            )
        },
    )
    assert report.errors == []
    assert report.values["hidden"] == [True, False]  # only Hill Secondary is outside every network


@pytest.mark.slow
def test_big_region_opens_with_precomputed_layout(browser, tmp_path):
    from graphmodel.workspace import Workspace

    las = ["E06000001", "E06000002", "E06000003", "E06000004", "E06000005"]
    schools = [
        {
            "urn": 200000 + i,
            "name": f"School {i}",
            "la_code": las[i % 5],
            "phase": "Primary",
            "type": "Community school",
            "type_group": "Local authority maintained schools",
            "ehcp_pupils": i % 7,
            "sen_support_pupils": i % 40,
        }
        for i in range(1800)
    ]
    store = load_fixture(Workspace(tmp_path / "ws"), tmp_path / "b", {"schools": schools})
    tiers = pd.DataFrame({"urn": [s["urn"] for s in schools], "highest_tier": [None] * 1800, "tier_rank": 0})
    path = region_map(store, "North East", tmp_path / "big.html", as_of=AS_OF, status_frame=tiers)
    report = browser.open(
        path,
        values={"physics": "window.sendgraphMap.data.physics", "nodes": "window.sendgraphMap.nodes.length"},
    )
    assert report.ready and report.errors == []
    assert report.values == {"physics": False, "nodes": 1805}  # 1,800 schools + 5 LAs
    assert report.load_seconds < 20
    assert map_area_pixels(report.screenshot)[0] > 5000


def test_harness_catches_errors_dialogs_and_requests(browser, tmp_path):
    """The checks above can fail: a page that errs, alerts and fetches is reported as such."""
    page = tmp_path / "bad.html"
    page.write_text(
        "<!DOCTYPE html><body><script>console.error('boom'); alert('x');"
        "fetch('http://example.invalid/a.js').catch(function(){});"
        "document.body.dataset.ready='1'; undefinedFunction();</script></body>",
        encoding="utf-8",
    )
    report = browser.open(page)
    assert "console.error: boom" in report.errors
    assert "dialog: alert: x" in report.errors
    assert any("undefinedFunction" in e for e in report.exceptions)
    assert report.external_requests == ["http://example.invalid/a.js"]
    assert map_area_pixels(report.screenshot)[0] == 0  # a blank page is seen as blank


def _clean(report):
    assert report.ready and report.errors == [] and report.external_requests == [], report.errors


def test_region_map_shows_its_la_names_at_first_view(browser, maps):
    """The LA labels are drawn in the first view and are big enough to read (>= 12 px on screen)."""
    with browser.session(maps["region"]) as (page, report):
        got = page.evaluate(
            "(function(){var m=window.sendgraphMap, s=m.network.getScale(), out={};"
            "['LocalAuthority:E06000001','LocalAuthority:E06000002'].forEach(function(id){"
            "var n=m.nodes.get(id), p=m.network.canvasToDOM(m.network.getPositions([id])[id]);"
            "out[n.label]=[(n.font?n.font.size:12)*s, p.x, p.y];});"
            "out.w=document.getElementById('map').clientWidth;out.h=document.getElementById('map').clientHeight;"
            "return out;})()"
        )
    _clean(report)
    for name in ("Hartlepool", "Middlesbrough"):
        px, x, y = got[name]
        assert px >= 12 and 0 <= x <= got["w"] and 0 <= y <= got["h"], (name, got)


def test_focus_dims_all_but_neighbours_and_lists_them(browser, maps):
    with browser.session(maps["region"]) as (page, report):
        page.evaluate("window.sendgraphMap.setFocus('School:100003')")
        opacity = page.evaluate(
            "(function(){var m=window.sendgraphMap.nodes;return [m.get('School:100003').opacity,"
            "m.get('LocalAuthority:E06000002').opacity, m.get('School:100002').opacity,"
            "m.get('Trust:T1').opacity];})()"
        )
        listed = page.locator("#focus-list li").all_text_contents()
        page.mouse.click(200, 200)  # empty canvas: focus cleared
        cleared = page.evaluate("window.sendgraphMap.nodes.get('Trust:T1').opacity")
        hidden = page.locator("#focus").is_hidden()
    _clean(report)
    # Hill Secondary, its LA and Bay Primary (federated) stay; the trust it is not in is dimmed
    assert opacity == [1, 1, 1, 0.12]
    assert "Middlesbrough" in listed and XSS[:32] in listed
    assert cleared == 1 and hidden


def test_filters_count_gap_list_and_csv(browser, maps, tmp_path):
    with browser.session(maps["region"]) as (page, report):
        before = page.locator("#count").text_content()
        gaps_all = page.locator("#gap-list li").all_text_contents()
        page.select_option("select[data-facet=la]", "Hartlepool")
        after = page.locator("#count").text_content()
        gaps_h = page.locator("#gap-list li").all_text_contents()
        page.select_option("select[data-facet=la]", "")
        with page.expect_download() as dl:
            page.click("#gap-csv")
        csv_path = tmp_path / "gaps.csv"
        dl.value.save_as(csv_path)
    _clean(report)
    assert before.startswith("8 of 8") and after.startswith("6 of 8")  # Middlesbrough + Hill Secondary hidden
    assert gaps_all == ["Hill Secondary (URN 100003, Middlesbrough)"] and gaps_h == []
    assert csv_path.read_bytes().decode("utf-8") == "name,urn,la\r\nHill Secondary,100003,Middlesbrough\r\n"


def test_png_export_keeps_title_and_legend(browser, maps, tmp_path):
    from PIL import Image

    with browser.session(maps["region"]) as (page, report):
        with page.expect_download() as dl:
            page.click("#png")
        out = tmp_path / "map.png"
        dl.value.save_as(out)
        canvas_w = page.evaluate("document.querySelector('#map canvas').width")
    _clean(report)
    image = Image.open(out).convert("RGB")
    assert image.width == canvas_w + 300  # the map plus a legend column
    title = image.crop((0, 0, 500, 30))
    legend_col = image.crop((canvas_w, 60, image.width, 300))
    assert drawn_pixels(_png(title))[0] > 300 and drawn_pixels(_png(legend_col))[0] > 500


def _png(image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_fit_search_and_no_hit_clears_selection(browser, maps):
    with browser.session(maps["region"]) as (page, report):
        page.fill("#search", "hill")
        page.press("#search", "Enter")
        hit = page.evaluate("window.sendgraphMap.network.getSelectedNodes()")
        zoomed = page.evaluate("window.sendgraphMap.network.getScale()")
        page.fill("#search", "no such school")
        page.press("#search", "Enter")
        none = page.evaluate("window.sendgraphMap.network.getSelectedNodes()")
        msg = page.locator("#search-status").text_content()
        page.click("#fit")
        fitted = page.evaluate("window.sendgraphMap.network.getScale()")
    _clean(report)
    assert hit == ["School:100003"] and none == [] and msg.startswith("0 found")
    assert fitted < zoomed


def test_labels_return_when_zoomed_in(browser, tmp_path):
    from graphmodel.workspace import Workspace

    schools = [
        {
            "urn": 300000 + i,
            "name": f"School {i}",
            "la_code": "E06000001" if i < 290 else "E06000002",
            "phase": "Primary",
            "type": "Community school",
            "easting": 440000 + 40 * i,
            "northing": 530000,
        }
        for i in range(300)
    ]
    store = load_fixture(Workspace(tmp_path / "ws"), tmp_path / "b", {"schools": schools})
    path = region_map(store, "North East", tmp_path / "big.html", as_of=AS_OF)
    with browser.session(path) as (page, report):
        first = page.evaluate("window.sendgraphMap.nodes.get('School:300005').label")
        page.evaluate(
            "(function(){var m=window.sendgraphMap.network;"
            "m.moveTo({scale: m.getScale()*5});m.emit('zoom',{});})()"
        )
        zoomed = page.evaluate("window.sendgraphMap.nodes.get('School:300005').label")
        page.click("#fit")
        refitted = page.evaluate("window.sendgraphMap.nodes.get('School:300295').label")
        page.select_option("select[data-facet=la]", "Middlesbrough")  # 11 nodes left: labels back
        filtered = page.evaluate("window.sendgraphMap.nodes.get('School:300295').label")
    _clean(report)
    assert first == "" and zoomed == "School 5"
    assert refitted == "" and filtered == "School 295"


def test_sidebar_collapses_on_a_narrow_screen(browser, maps):
    with browser.session(maps["region"], width=390, height=844) as (page, report):
        width = page.evaluate("document.getElementById('map').clientWidth")
        panel_before = page.locator("aside").is_visible()
        page.click("#panel-toggle")
        panel_after = page.locator("aside").is_visible()
    _clean(report)
    assert width >= 380 and not panel_before and panel_after


def test_every_school_map_draws_a_nodes_links_when_clicked(browser, maps):
    """The national every-school form (render.LAZY_EDGE_LIMIT): no link is drawn when it opens;
    clicking Hill Secondary draws exactly its three links (its LA, the peer review from 100001,
    the federation with Bay Primary), lists them and dims the rest; clearing removes them. Filters
    (packed facets) still count."""
    with browser.session(maps["national_schools"]) as (page, report):
        at_open = page.evaluate("window.sendgraphMap.edges.length")
        packed = page.evaluate("window.sendgraphMap.data.lazyEdges")
        page.evaluate("window.sendgraphMap.setFocus('School:100003')")
        drawn = page.evaluate("window.sendgraphMap.edges.getIds().length")
        listed = page.locator("#focus-list li").all_text_contents()
        dim = page.evaluate("window.sendgraphMap.nodes.get('School:100004').opacity")
        page.evaluate("window.sendgraphMap.setFocus(null)")
        cleared = page.evaluate("window.sendgraphMap.edges.length")
        page.select_option("select[data-facet=la]", "Hartlepool")
        count = page.locator("#count").text_content()
    _clean(report)
    assert packed is True and at_open == 0
    assert drawn == 3 and sorted(listed) == sorted(["Middlesbrough", XSS[:32], "Bay Primary"])
    assert dim == 0.12 and cleared == 0
    # 100001, 100002 and the Hartlepool LA node carry the LA facet (as on the region map)
    assert "(3 with a place in the filters)" in count
