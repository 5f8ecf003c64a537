"""``schools_frame`` is built once per set of input tables: a load shows at once, and a caller that
edits its copy changes nobody else's."""

from career_fixture import SCHOOLS, load_tables

from queries import context
from queries.context import schools_frame


def test_schools_frame_follows_each_load_and_hands_out_copies(workspace, bundle_writer, monkeypatch):
    builds = []
    real_kind = context.school_kind
    monkeypatch.setattr(context, "school_kind", lambda *a: builds.append(1) or real_kind(*a))
    load_tables(workspace, bundle_writer, {"schools": SCHOOLS})
    first = schools_frame(workspace)
    assert dict(zip(first["name"], first["kind"], strict=True))["S4 Special"] == "special"
    assert set(first["la_name"].dropna()) == {"Hartlepool", "Manchester"}  # the geography joined on

    first["kind"] = "changed"
    first.loc[0, "name"] = "edited by a caller"
    again = schools_frame(workspace)
    assert "changed" not in set(again["kind"]) and "edited by a caller" not in set(again["name"])
    assert len(builds) == 1  # the same tables: built once

    load_tables(workspace, bundle_writer, {"schools": [{**SCHOOLS[0], "name": "S1 Renamed"}, *SCHOOLS[1:]]})
    assert "S1 Renamed" in set(schools_frame(workspace)["name"])
    assert len(builds) == 2
