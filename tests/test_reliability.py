"""Issue 13: nothing lost, nothing leaked. Concurrent loads and reads with real processes, damaged
workspaces, output that cannot break its container, and the small things.

SENDGRAPH_RACE_RUNS sets how many random offsets the concurrency tests try (default 3 each, to keep
CI under half a minute; the issue-13 report gives the runs made by hand).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from graphmodel.errors import SendgraphError
from graphmodel.workspace import Workspace, WorkspaceDamaged
from loaders import ingest
from sendgraph.cli import main
from sendgraph.output import Result, render

RUNS = int(os.environ.get("SENDGRAPH_RACE_RUNS", "3"))
SCHOOL = "urn,name,la_code\n{urn},{name},E06000001\n"


def cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "sendgraph.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def school_bundle(directory: Path, urn: int, name: str, extra_people: int = 0) -> Path:
    directory.mkdir(parents=True)
    (directory / "schools.csv").write_text(SCHOOL.format(urn=urn, name=name))
    if extra_people:
        ids = pd.Series(range(extra_people)).map(f"{name[:1]}{{:07d}}".format)
        pd.DataFrame({"person_id": ids, "birth_year": 1970}).to_csv(directory / "people.csv", index=False)
    return directory


# ---------------------------------------------------------------- one writer
def test_two_loads_at_random_offsets_never_lose_what_they_reported(tmp_path):
    """Load B (a larger load) and load A start at random offsets. Each either says "loaded" and its
    school is in the final graph, or is refused with a clear message and nothing of it is."""
    rng = random.Random(13)
    big = school_bundle(tmp_path / "b", 8200001, "Beech", extra_people=200_000)
    small = school_bundle(tmp_path / "a", 8100001, "Ash")
    outcomes = {"both": 0, "one refused": 0}
    for i in range(RUNS):
        ws = tmp_path / f"ws{i}"
        b = cli("-w", str(ws), "load", str(big))
        time.sleep(rng.uniform(0, 1.5))
        a = cli("-w", str(ws), "load", str(small))
        (_, b_err), (_, a_err) = b.communicate(timeout=120), a.communicate(timeout=120)
        urns = set(Workspace(ws).table("schools")["urn"].tolist())
        for proc, err, urn in ((a, a_err, 8100001), (b, b_err, 8200001)):
            if proc.returncode == 0:
                assert urn in urns, f"run {i}: a load said 'loaded' but school {urn} is gone"
            else:
                assert "Traceback" not in err and "nothing was loaded" in err, err
                assert urn not in urns
        outcomes["both" if a.returncode == b.returncode == 0 else "one refused"] += 1
    assert sum(outcomes.values()) == RUNS


def test_a_commit_refuses_when_another_load_committed_since_its_base(tmp_path):
    """The second line of defence for API users who merge outside ``ingest.load``."""
    ws_path = tmp_path / "ws"
    ingest.load(Workspace(ws_path), [(school_bundle(tmp_path / "s", 8000001, "Seed"), "auto")])
    slow = Workspace(ws_path)
    prepared = ingest.prepare(slow, [(school_bundle(tmp_path / "a", 8100001, "Ash"), "auto")])
    tables, report = slow.merged_tables(prepared.checked)
    ingest.load(Workspace(ws_path), [(school_bundle(tmp_path / "b", 8200001, "Beech"), "auto")])
    with pytest.raises(SendgraphError, match="changed while this load was being prepared"):
        slow.commit(tables, report)
    assert 8200001 in set(Workspace(ws_path).table("schools")["urn"])


def test_a_load_is_refused_while_another_holds_the_lock(tmp_path):
    ws = Workspace(tmp_path / "ws")
    with ws.writing():
        other = Workspace(tmp_path / "ws")
        with pytest.raises(SendgraphError, match="being written by another sendgraph process"):
            ingest.load(other, [(school_bundle(tmp_path / "a", 8100001, "Ash"), "auto")])


# ---------------------------------------------------------------- consistent readers
def test_a_reader_sees_one_version_whatever_a_load_does_meanwhile(tmp_path):
    """An export running while loads commit gives exactly the old or exactly the new tables."""
    ws = tmp_path / "ws"
    ingest.load(
        Workspace(ws), [(school_bundle(tmp_path / "s", 8000001, "Seed", extra_people=50_000), "auto")]
    )
    reader = Workspace(ws)
    before = {n: reader.table(n) for n in ("schools", "people")}
    update = tmp_path / "u"
    update.mkdir()
    (update / "schools.csv").write_text(SCHOOL.format(urn=8000002, name="New"))
    pd.DataFrame({"person_id": [f"S{i:07d}" for i in range(50_000)], "birth_year": 1980}).to_csv(
        update / "people.csv", index=False
    )
    ingest.load(Workspace(ws), [(update, "auto")])
    assert reader.table("posts").empty and reader.version == "v000001"  # still the pinned version
    assert Workspace(ws).version == "v000002"
    # the old version outlives the load's clean-up while a reader holds it...
    assert (ws / "v000001").is_dir()
    for n, frame in before.items():
        pd.testing.assert_frame_equal(frame, Workspace(ws).table(n) if False else reader.table(n))
    reader.refresh()
    assert reader.version == "v000002"
    # ...and goes at the next load once no one reads it
    ingest.load(Workspace(ws), [(school_bundle(tmp_path / "x", 8000003, "Yew"), "auto")])
    assert not (ws / "v000001").exists()

    rng = random.Random(1313)
    a, b = tmp_path / "pa", tmp_path / "pb"
    for d, year in ((a, 1971), (b, 1972)):
        d.mkdir()
        pd.DataFrame({"person_id": [f"S{i:07d}" for i in range(50_000)], "birth_year": year}).to_csv(
            d / "people.csv", index=False
        )
    for i in range(RUNS):
        load = cli("-w", str(ws), "load", str(a if i % 2 else b))
        time.sleep(rng.uniform(0, 1.5))
        out = tmp_path / f"export{i}"
        export = subprocess.run(
            [
                sys.executable,
                "-m",
                "sendgraph.cli",
                "-w",
                str(ws),
                "export",
                "--to",
                "csv",
                "--show-names",
                "-o",
                str(out),
            ],
            capture_output=True,
            text=True,
        )
        load.communicate(timeout=120)
        assert export.returncode == 0, export.stderr
        years = set(pd.read_csv(out / "people.csv")["birth_year"].unique())
        assert len(years) == 1, f"run {i}: export mixed versions: birth years {years}"


# ---------------------------------------------------------------- recovery, never destruction
@pytest.fixture
def loaded(tmp_path) -> Path:
    ws = tmp_path / "ws"
    ingest.load(Workspace(ws), [(school_bundle(tmp_path / "s", 8000001, "Seed", extra_people=10), "auto")])
    return ws


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_current_naming_a_missing_version_is_an_error_and_a_load_deletes_nothing(loaded, tmp_path):
    (loaded / "CURRENT").write_text("v000007")  # as after a partial copy or sync
    info = run("-w", str(loaded), "info")
    assert info.exit_code != 0 and "CURRENT names version v000007, which is missing" in info.stderr
    load = run("-w", str(loaded), "load", str(school_bundle(tmp_path / "a", 8100001, "Ash")))
    assert load.exit_code != 0 and "sendgraph doctor" in load.stderr
    assert (loaded / "v000001" / "manifest.json").exists()  # the real version survives
    doctor = run("-w", str(loaded), "doctor")
    assert doctor.exit_code == 1 and "v000001" in doctor.output
    repaired = run("-w", str(loaded), "doctor", "--repair")
    assert repaired.exit_code == 0, repaired.output
    assert (loaded / "CURRENT").read_text() == "v000001"
    assert Workspace(loaded).table("schools")["urn"].tolist() == [8000001]


def test_a_truncated_table_is_an_error_naming_it_and_is_never_copied_forward(loaded, tmp_path):
    people = loaded / "v000001" / "people.parquet"
    people.write_bytes(people.read_bytes()[:-40])
    info = run("-w", str(loaded), "export", "--to", "csv", "-o", str(tmp_path / "out"))
    assert info.exit_code != 0 and "people.parquet is damaged" in info.stderr
    assert "Traceback" not in info.stderr
    # an unrelated load (schools only) must not link the damaged people file into a new version
    load = run("-w", str(loaded), "load", str(school_bundle(tmp_path / "a", 8100001, "Ash")))
    assert load.exit_code != 0 and "people.parquet is damaged" in load.stderr
    assert (loaded / "CURRENT").read_text() == "v000001" and not (loaded / "v000002").exists()
    doctor = run("-w", str(loaded), "doctor")
    assert "does not match its checksum" in doctor.output and doctor.exit_code == 1


def test_a_manifest_from_a_newer_sendgraph_is_refused_and_never_rewritten(loaded, tmp_path):
    manifest = loaded / "v000001" / "manifest.json"
    data = json.loads(manifest.read_text())
    for fmt, schema in (("sendgraph-workspace/9", 1), ("sendgraph-workspace/2", 99)):
        manifest.write_text(json.dumps({**data, "format": fmt, "schema_version": schema}))
        before = manifest.read_bytes()
        for args in (("info",), ("load", str(school_bundle(tmp_path / f"a{schema}", 8100001, "Ash")))):
            result = run("-w", str(loaded), *args)
            assert result.exit_code != 0
            assert "v000001" in result.stderr and "upgrade sendgraph" in result.stderr, result.stderr
        assert manifest.read_bytes() == before and not (loaded / "v000002").exists()


def test_a_corrupt_manifest_is_a_clear_error(loaded):
    (loaded / "v000001" / "manifest.json").write_text('{"format": "sendgraph-wor')
    result = run("-w", str(loaded), "info")
    assert result.exit_code != 0 and "manifest.json is not valid JSON" in result.stderr
    assert "Traceback" not in result.stderr


def test_clean_up_never_removes_a_newer_complete_version(loaded, tmp_path):
    # a newer complete version beside the live one (a sync brought it, or CURRENT was rolled back)
    shutil.copytree(loaded / "v000001", loaded / "v000002")
    ingest.load(Workspace(loaded), [(school_bundle(tmp_path / "b", 8200001, "Beech"), "auto")])
    assert (loaded / "v000002" / "manifest.json").is_file()  # kept; the load wrote v000003 beside it
    assert (loaded / "CURRENT").read_text() == "v000003"
    assert "newer sound versions kept: v000003" not in run("-w", str(loaded), "doctor").output


def test_doctor_removes_orphans_from_a_killed_load(loaded):
    (loaded / ".tmp-v000002-99999").mkdir()
    (loaded / ".CURRENT.99999").write_text("v000002")
    report = run("-w", str(loaded), "doctor")
    assert report.exit_code == 0 and "orphan .tmp-v000002-99999" in report.output
    run("-w", str(loaded), "doctor", "--repair")
    assert not (loaded / ".tmp-v000002-99999").exists() and not (loaded / ".CURRENT.99999").exists()


# ---------------------------------------------------------------- text that cannot break its container
HOSTILE = "Elm\x1b]0;pwned\x07\x1b[2J\rPrimary\x00"


def test_terminal_tables_escape_control_sequences():
    text = render(Result(pd.DataFrame({"name": [HOSTILE.replace("\x00", "")]}), "t"), "table")
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    assert "\\x1b]0;pwned\\x07" in text


def test_a_carriage_return_cannot_split_a_markdown_row():
    text = render(Result(pd.DataFrame({"name": ["a\rb", "c\r\nd|e"], "n": [1, 2]}), "t"), "markdown")
    rows = [line for line in text.splitlines() if line.startswith("|")]
    assert len(rows) == 4 and all(line.count(" | ") == 1 for line in rows[2:])
    assert "\r" not in text


def test_graphml_export_of_control_characters_is_well_formed(tmp_path):
    ws = tmp_path / "ws"
    ingest.load(Workspace(ws), [(school_bundle(tmp_path / "s", 8000001, "Seed"), "auto")])
    # a name with controls (not NUL, which validation refuses) written straight into the store
    store = Workspace(ws)
    schools = store.table("schools").copy()
    schools["name"] = pd.array(["El\x01m\x1b[31m\x0bOak\ufffe"], dtype="string")
    with store.writing(refresh=False):
        store.commit({"schools": schools}, _changed("schools"))
    out = tmp_path / "g.graphml"
    result = run("-w", str(ws), "export", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    names = [e.text for e in ET.parse(out).iter() if e.text and "Oak" in e.text]
    assert names == ["El\\x01m\\x1b[31m\\x0bOak\ufffd"]


def _changed(table: str):
    from graphmodel.store import LoadReport

    return LoadReport(sources=["test"], incoming={table: 1}, added={table: 0}, changed={table: 1})


def test_error_messages_escape_control_characters(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "schools.csv").write_text("urn,name,la_code\n\x1b]0;x\x07,Elm,E06000001\n")
    result = run("-w", str(tmp_path / "ws"), "validate", str(d))
    assert result.exit_code != 0 and "\x1b" not in result.stderr and "\\x1b]0;x\\x07" in result.stderr


# ---------------------------------------------------------------- the small things
@pytest.mark.parametrize(
    ("backend", "var", "value", "says"),
    [
        ("falkordb", "FALKORDB_URL", "redis://[::1", "FALKORDB_URL is not a valid URL"),
        ("neo4j", "NEO4J_URI", "neo4j://[::1", "NEO4J_URI is not a valid URI"),
        ("neo4j", "NEO4J_URI", "bolt://db:7687?password=hunter2", "must not contain a password"),
        ("falkordb", "FALKORDB_URL", "redis://:hunter2@[::1", "FALKORDB_URL is not a valid URL"),
    ],
)
def test_malformed_server_addresses_are_clear_errors_without_secrets(backend, var, value, says):
    env = {**os.environ, "SENDGRAPH_BACKEND": backend, var: value, "NEO4J_PASSWORD": "x"}
    proc = subprocess.run(
        [sys.executable, "-m", "sendgraph.cli", "info"], capture_output=True, text=True, env=env, timeout=60
    )
    assert proc.returncode != 0 and says in proc.stderr, proc.stderr
    assert "Traceback" not in proc.stderr and "hunter2" not in proc.stderr + proc.stdout


def test_macos_resource_forks_are_ignored_and_upper_case_names_are_read(tmp_path):
    d = tmp_path / "b"
    d.mkdir()
    (d / "Schools.CSV").write_text(SCHOOL.format(urn=8000001, name="Elm"))
    (d / "._people.csv").write_bytes(b"\x00\x05\x16\x07Mac OS X        \x00\x02")
    result = run("-w", str(tmp_path / "ws"), "load", str(d))
    assert result.exit_code == 0, result.stderr
    assert Workspace(tmp_path / "ws").table("schools")["urn"].tolist() == [8000001]


def test_load_into_a_closed_pipe_ends_quietly_after_committing(tmp_path):
    d = school_bundle(tmp_path / "b", 8000001, "Elm")
    ws = tmp_path / "ws"
    shell = f"{sys.executable} -m sendgraph.cli -w {ws} load {d} | head -c 0"
    proc = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, timeout=60)
    assert "Broken pipe" not in proc.stderr and "BrokenPipeError" not in proc.stderr, proc.stderr
    assert Workspace(ws).table("schools")["urn"].tolist() == [8000001]


def test_damage_errors_are_sendgraph_errors(loaded):
    (loaded / "v000001" / "schools.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(WorkspaceDamaged, match="schools.parquet"):
        Workspace(loaded).table("schools")
