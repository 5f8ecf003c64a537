"""The embedded workspace: atomic, idempotent, and the same graph after reopening."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pandas as pd
import pytest

from graphmodel.errors import ValidationFailed
from graphmodel.workspace import Workspace
from loaders import ingest
from tests.test_load_formats import MINI


def snapshot(ws: Workspace) -> dict[str, pd.DataFrame]:
    fresh = Workspace(ws.path)
    return {name: fresh.table(name) for name in fresh.schema.tables}


def assert_same(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for name in a:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_reloading_the_same_bundle_changes_nothing(workspace, bundle_writer):
    bundle = bundle_writer(MINI)
    ingest.load(workspace, [(bundle, "auto")])
    version = (workspace.path / "CURRENT").read_text()
    before = snapshot(workspace)
    report, _ = ingest.load(workspace, [(bundle, "auto")])
    assert report.unchanged
    assert (workspace.path / "CURRENT").read_text() == version  # not even a new version
    assert_same(before, snapshot(workspace))


def test_a_second_load_upserts_by_key(workspace, bundle_writer):
    ingest.load(workspace, [(bundle_writer(MINI), "auto")])
    update = {
        "schools": [
            {**MINI["schools"][0], "name": "Elm Primary (renamed)"},
            {"urn": 9000003, "name": "Birch", "la_code": "E06000003"},
        ]
    }
    report, _ = ingest.load(workspace, [(bundle_writer(update), "auto")])
    assert (report.added["schools"], report.changed["schools"]) == (1, 1)
    names = workspace.table("schools").set_index("urn")["name"]
    assert names.to_dict() == {9000001: "Elm Primary (renamed)", 9000002: "Ash Secondary", 9000003: "Birch"}


def test_a_partial_load_reads_and_rewrites_only_its_own_tables(workspace, bundle_writer):
    ingest.load(workspace, [(bundle_writer(MINI), "auto")])
    before, counts = snapshot(workspace), workspace.counts()
    people = workspace.path / (workspace.path / "CURRENT").read_text() / "people.parquet"
    people_inode = people.stat().st_ino
    fresh = Workspace(workspace.path)
    update = {"trusts": [{"trust_id": "T1", "name": "Oak Learning Trust (renamed)"}]}
    prepared = ingest.prepare(fresh, [(bundle_writer(update), "auto")])
    assert [c.table for c in prepared.checked] == ["trusts"]
    fresh._cache.clear()  # validation reads referenced tables; the merge itself reads only trusts
    tables, report = fresh.merged_tables(prepared.checked)
    assert set(fresh._cache) == set(tables) == {"trusts"}
    assert (report.added, report.changed) == ({"trusts": 0}, {"trusts": 1})
    fresh.commit(tables, report)
    after = snapshot(workspace)
    assert after["trusts"]["name"].tolist() == ["Oak Learning Trust (renamed)"]
    assert_same(
        {n: f for n, f in before.items() if n != "trusts"}, {n: f for n, f in after.items() if n != "trusts"}
    )
    assert Workspace(workspace.path).counts() == counts  # untouched tables' counts carried over
    new_people = workspace.path / (workspace.path / "CURRENT").read_text() / "people.parquet"
    assert new_people != people and new_people.stat().st_ino == people_inode  # linked, not rewritten


def test_loads_in_any_order_give_the_same_tables(tmp_path, bundle_writer):
    a = bundle_writer({"schools": MINI["schools"][:1]})
    b = bundle_writer({"schools": MINI["schools"][1:], "trusts": MINI["trusts"]})
    one, two = Workspace(tmp_path / "one"), Workspace(tmp_path / "two")
    ingest.load(one, [(a, "auto")])
    ingest.load(one, [(b, "auto")])
    ingest.load(two, [(b, "auto")])
    ingest.load(two, [(a, "auto")])
    assert_same(snapshot(one), snapshot(two))


def test_failed_load_leaves_the_workspace_exactly_as_it_was(workspace, bundle_writer):
    ingest.load(workspace, [(bundle_writer(MINI), "auto")])
    files_before = sorted(p.relative_to(workspace.path) for p in workspace.path.rglob("*"))
    before = snapshot(workspace)
    bad = bundle_writer(
        {
            "schools": [{"urn": 9000009, "name": "New", "la_code": "E06000001"}],
            "posts": [{"person_id": "NOBODY", "urn": 9000009, "role": "SENCO", "start_date": "2020-01-01"}],
        }
    )
    with pytest.raises(ValidationFailed):
        ingest.load(workspace, [(bad, "auto")])
    assert sorted(p.relative_to(workspace.path) for p in workspace.path.rglob("*")) == files_before
    assert_same(before, snapshot(workspace))


CRASH = textwrap.dedent("""
    import os, sys
    import pandas as pd
    from loaders import ingest
    from graphmodel.workspace import Workspace
    point = sys.argv[3]
    calls = {"n": 0}
    real_write, real_replace = pd.DataFrame.to_parquet, os.replace
    def dying_write(self, *a, **k):
        calls["n"] += 1
        if point == f"write{calls['n']}":
            os._exit(9)  # the process dies mid-write, like SIGKILL: no cleanup runs
        return real_write(self, *a, **k)
    def dying_replace(*a, **k):
        if point == "switch":
            os._exit(9)  # every table written, pointer not yet swapped
        return real_replace(*a, **k)
    pd.DataFrame.to_parquet = dying_write
    os.replace = dying_replace
    ingest.load(Workspace(sys.argv[1]), [(sys.argv[2], "auto")])
""")


@pytest.mark.parametrize("die_at", ["write1", "write2", "switch"])
def test_crash_mid_write_leaves_the_old_workspace_intact(workspace, bundle_writer, tmp_path, die_at):
    ingest.load(workspace, [(bundle_writer(MINI), "auto")])
    before = snapshot(workspace)
    update = bundle_writer(
        {
            "schools": [{"urn": 9000005, "name": "Late", "la_code": "E06000001"}],
            "people": [{"person_id": "P9"}],
        }
    )
    script = tmp_path / "crash.py"
    script.write_text(CRASH)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.run(
        [sys.executable, str(script), str(workspace.path), str(update), die_at],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 9, proc.stderr
    assert_same(before, snapshot(workspace))
    # and the next load works and cleans up the half-written version
    ingest.load(workspace, [(update, "auto")])
    assert 9000005 in set(Workspace(workspace.path).table("schools")["urn"])
    assert not [p for p in workspace.path.iterdir() if p.name.startswith(".tmp-")]


def test_reopen_gives_the_same_typed_tables(workspace, bundle_writer):
    ingest.load(workspace, [(bundle_writer(MINI), "auto")])
    reopened = Workspace(workspace.path)
    posts = reopened.table("posts")
    assert str(posts["start_date"].dtype).startswith("datetime64")
    assert str(posts["fte"].dtype) == "Float64" and str(posts["slt"].dtype) == "boolean"
    assert reopened.counts()["posts"] == 3


def test_first_load_killed_before_the_switch_does_not_block_the_next(tmp_path, bundle_writer):
    ws = Workspace(tmp_path / "ws")
    bundle = bundle_writer(MINI)
    script = tmp_path / "crash.py"
    script.write_text(CRASH)
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    proc = subprocess.run(
        [sys.executable, str(script), str(ws.path), str(bundle), "switch"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 9, proc.stderr
    assert not Workspace(ws.path).exists  # no CURRENT: still the empty workspace
    ingest.load(ws, [(bundle, "auto")])
    assert Workspace(ws.path).counts()["schools"] == 2


def test_a_workspace_in_a_busy_folder_never_deletes_other_folders(tmp_path, bundle_writer):
    """``-w .`` in a project folder: loads clean up only their own version directories."""
    for name in ("venv", "visuals", "vendor", "v1", ".tmp-venv"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "keep.txt").write_text("mine")
    ws = Workspace(tmp_path)
    ingest.load(ws, [(bundle_writer(MINI), "auto")])
    ingest.load(
        ws, [(bundle_writer({"schools": [{"urn": 9000009, "name": "New", "la_code": "E06000001"}]}), "auto")]
    )
    for name in ("venv", "visuals", "vendor", "v1", ".tmp-venv"):
        assert (tmp_path / name / "keep.txt").read_text() == "mine", name
    assert Workspace(tmp_path).counts()["schools"] == 3
