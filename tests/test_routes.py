"""Reference routes: the route graph, ranked routes with qualifications and providers, bottlenecks.

Worked by hand from the shipped catalogue (graphmodel/data/catalogue: role_progressions,
role_requirements, provider_offers) plus one regional provider from the career fixture.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from career_fixture import load_careers

from graphmodel.errors import SendgraphError
from queries.careers.bottlenecks import bottlenecks, route_set
from queries.careers.routes import reference_graph, resolve_role, routes
from queries.context import Filters

MQ_VI_NATIONAL = "Universities offering the MQ (vision)"


@pytest.fixture
def store(workspace, bundle_writer):
    load_careers(workspace, bundle_writer)
    return workspace


def test_reference_graph_nodes_edges_and_requirements(store):
    g = reference_graph(store, as_of=dt.date(2025, 1, 1))
    assert g.edges["CLASS_TEACHER", "QTVI_TEACHER"] == {"typical_years": 4.5, "via_qualification": "MQ_VI"}
    assert g.edges["ECT", "CLASS_TEACHER"] == {"typical_years": 2.0, "via_qualification": None}
    assert g.nodes["QTVI_TEACHER"]["requires"] == ["MQ_VI", "QTS"]
    assert g.nodes["QTVI_TEACHER"]["need"] == "VI" and g.nodes["QTVI_TEACHER"]["teacher"] is True
    # SI 2024/535: a SENCO appointed from 1 Sep 2024 needs the NPQ, before then the NASENCO
    assert g.nodes["SENCO"]["requires"] == ["NPQ_SENCO", "QTS"]
    assert reference_graph(store, as_of=dt.date(2020, 1, 1)).nodes["SENCO"]["requires"] == ["NASENCO", "QTS"]


@pytest.mark.parametrize(
    "text, code",
    [
        ("ITT", "ITT_TRAINEE"),
        ("qtvi", "QTVI_TEACHER"),
        ("SENCO", "SENCO"),
        ("ta", "TA"),
        ("Class teacher", "CLASS_TEACHER"),
        ("advisory_hi", "ADVISORY_HI"),
        ("NQT", "ECT"),
    ],
)
def test_resolve_role_accepts_codes_names_and_short_names(store, text, code):
    assert resolve_role(store, text) == code


def test_unknown_role_lists_the_choices(store):
    with pytest.raises(SendgraphError) as err:
        resolve_role(store, "wizard")
    assert "unknown role 'wizard'" in str(err.value)
    assert "QTVI_TEACHER" in str(err.value) and "ITT" in str(err.value)


def test_routes_itt_to_qtvi_ranked_by_typical_years(store):
    # All simple paths ITT -> QTVI in the catalogue, by hand:
    #   ITT -1-> ECT -2-> CT -4.5-> QTVI                            = 7.5
    #   ITT -1-> ECT -2-> CT -4.5-> SENCO -5-> QTVI                 = 12.5 (4 steps)
    #   ITT -1-> ECT -2-> CT -3-> ASSISTANT_SENCO -1.5-> SENCO -5-> QTVI = 12.5 (5 steps)
    # ties are ordered by fewer steps.
    frame = routes(store, source="ITT", target="QTVI", as_of=dt.date(2025, 1, 1))
    paths = (
        frame.groupby("route")
        .apply(lambda g: (g["total_years"].iloc[0], list(g["to_role"])), include_groups=False)
        .tolist()
    )
    assert paths == [
        (7.5, ["ECT", "CLASS_TEACHER", "QTVI_TEACHER"]),
        (12.5, ["ECT", "CLASS_TEACHER", "SENCO", "QTVI_TEACHER"]),
        (12.5, ["ECT", "CLASS_TEACHER", "ASSISTANT_SENCO", "SENCO", "QTVI_TEACHER"]),
    ]
    first = frame[frame["route"] == 1]
    assert first["years"].tolist() == [1.0, 2.0, 4.5]
    # QTS is gained at the first step and not asked for again when QTVI requires it
    assert first["qualification"].tolist() == ["QTS", "", "MQ_VI"]
    # no region: every provider, national first, then regional
    assert first["providers"].iloc[2] == f"MQ_VI: {MQ_VI_NATIONAL}; North East MQ centre"
    second = frame[frame["route"] == 2]
    assert second["qualification"].tolist() == ["QTS", "", "NPQ_SENCO", "MQ_VI"]


def test_routes_region_keeps_national_and_that_regions_providers(store):
    ne = routes(store, source="CLASS_TEACHER", target="QTVI", filters=Filters(region="north east"), limit=1)
    assert ne["providers"].tolist() == [f"MQ_VI: {MQ_VI_NATIONAL}; North East MQ centre"]
    london = routes(
        store, source="CLASS_TEACHER", target="QTVI", filters=Filters(region="E12000007"), limit=1
    )
    assert london["providers"].tolist() == [f"MQ_VI: {MQ_VI_NATIONAL}"]


def test_routes_to_senco_before_2024_name_nasenco_and_its_providers(store):
    # as of 2020 the SENCO award is the NASENCO; in the North West the seed-named MMU offers it
    frame = routes(
        store,
        source="CT",
        target="SENCO",
        filters=Filters(region="North West"),
        limit=1,
        as_of=dt.date(2020, 1, 1),
    )
    assert frame[["from_role", "to_role", "years", "qualification"]].values.tolist() == [
        ["CLASS_TEACHER", "SENCO", 4.5, "NASENCO"]
    ]
    assert frame["providers"].iloc[0] == (
        "NASENCO: NASENCO Providers Partnership; Manchester Metropolitan University"
    )
    # from 1 Sep 2024 the same step is via the NPQ for SENCOs
    now = routes(
        store,
        source="CT",
        target="SENCO",
        filters=Filters(region="North West"),
        limit=1,
        as_of=dt.date(2025, 1, 1),
    )
    assert now["qualification"].tolist() == ["NPQ_SENCO"]
    assert now["providers"].tolist() == ["NPQ_SENCO: NPQ lead providers (NPQ for SENCOs)"]


def test_routes_limit_and_unreachable(store):
    assert routes(store, source="ITT", target="QTVI", limit=1)["route"].unique().tolist() == [1]
    assert routes(store, source="HEAD", target="TA").empty  # nothing progresses back to TA
    with pytest.raises(SendgraphError, match="unknown region"):
        routes(store, source="ITT", target="QTVI", filters=Filters(region="Narnia"))


def test_bottlenecks_counts_routes_from_entry_roles_to_specialisms(store):
    # Entry roles: ITT_TRAINEE (training) and TA (nothing progresses into it). Routes from ITT: 3 each
    # to QTVI/QTHI/QTMSI and to ADVISORY_VI/HI/MSI (via the QT role), 2 to SENCO, 1 to ASSISTANT_SENCO,
    # 1 to PD_SPECIALIST = 22. From TA twice as many (TA -> HLTA -> CT directly, or via SEND_LEAD_TA ->
    # ITT -> ECT -> CT) = 44. Total 66; every one passes CLASS_TEACHER and needs QTS.
    assert len(route_set(store)) == 66
    frame = bottlenecks(store).set_index(["kind", "code"])
    assert frame.loc[("role", "CLASS_TEACHER"), "routes"] == 66
    assert frame.loc[("qualification", "QTS"), "route_share"] == 1.0
    # MQ_VI: 3 ITT->QTVI + 3 ITT->ADVISORY_VI + 6 + 6 from TA = 18
    vi = frame.loc[("qualification", "MQ_VI")]
    assert (vi["routes"], vi["providers"], vi["national_providers"]) == (18, 2, 1)
    assert (vi["places_per_year"], vi["providers_with_places"]) == (12, 1)
    # capacity unknown is blank, not zero
    assert pd.isna(frame.loc[("qualification", "MQ_HI"), "places_per_year"])
    # PGCERT_SEN only on the routes to PD_SPECIALIST: 1 from ITT + 2 from TA
    assert frame.loc[("qualification", "PGCERT_SEN"), "routes"] == 3
    assert frame["routes"].iloc[:2].tolist() == [66, 66]
