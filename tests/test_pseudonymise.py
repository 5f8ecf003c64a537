"""Pseudonymous people: stable ids across runs and files, no email or name anywhere the graph goes,
clear errors when the workspace's secret is missing or changed, and names restorable from the map."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
from click.testing import CliRunner

from sendgraph.cli import main

EMAILS = ["jo.bloggs@school.example", "sam.smith@school.example", "ana.khan@other.example"]
NAMES = ["Jo Bloggs", "Sam Smith", "Ana Khan"]


def run(ws: Path, *args: str):
    return CliRunner().invoke(main, ["-w", str(ws), *args])


def sheet(path: Path, rows: list[dict]) -> Path:
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def attendance(tmp_path: Path) -> Path:
    return sheet(
        tmp_path / "attendance.csv",
        [
            {"Name": NAMES[0], "Email": EMAILS[0], "School": "Hartside Primary", "Role": "senco"},
            {"Name": NAMES[1], "Email": EMAILS[1], "School": "Hartside Primary", "Role": "teacher"},
            {"Name": NAMES[2], "Email": EMAILS[2], "School": "Oaks", "Role": "senco"},
            {"Name": "No Email", "Email": "", "School": "Oaks", "Role": "ta"},
        ],
    )


def test_same_person_same_id_across_runs_and_files_and_never_the_email(tmp_path):
    ws = tmp_path / "ws"
    r = run(ws, "pseudonymise", str(attendance(tmp_path)), "--id-columns", "Email")
    assert r.exit_code == 0, r.output
    assert "no Email" in r.stderr and "Name" in r.stderr  # blank ids and dropped names are said
    first = pd.read_csv(tmp_path / "attendance.pseudonymised.csv", dtype=str, keep_default_na=False)
    assert list(first.columns) == ["person_id", "School", "Role"]
    assert first["person_id"].str.match(r"^p-[0-9a-f]{20}$").tolist() == [True, True, True, False]
    assert first["person_id"].nunique() == 4
    text = (tmp_path / "attendance.pseudonymised.csv").read_text()
    assert not any(e in text for e in EMAILS) and not any(n in text for n in [*NAMES, "No Email"])

    # another file, other columns, the email typed differently: the same ids
    other = sheet(
        tmp_path / "sencos.csv",
        [{"email address": " Jo.Bloggs@School.EXAMPLE ", "LA": "Hartlepool"}, {"email address": EMAILS[2]}],
    )
    assert run(ws, "pseudonymise", str(other), "--id-columns", "email address").exit_code == 0
    second = pd.read_csv(tmp_path / "sencos.pseudonymised.csv", dtype=str, keep_default_na=False)
    assert second["person_id"].tolist() == [first["person_id"][0], first["person_id"][2]]

    # run again: nothing changes; another workspace (another secret): other ids
    run(
        ws,
        "pseudonymise",
        str(attendance(tmp_path)),
        "--id-columns",
        "Email",
        "-o",
        str(tmp_path / "again.csv"),
    )
    assert pd.read_csv(tmp_path / "again.csv", dtype=str, keep_default_na=False).equals(first)
    run(
        tmp_path / "ws2",
        "pseudonymise",
        str(attendance(tmp_path)),
        "--id-columns",
        "Email",
        "-o",
        str(tmp_path / "o2.csv"),
    )
    assert set(pd.read_csv(tmp_path / "o2.csv")["person_id"].dropna()).isdisjoint(first["person_id"])


def test_loaded_workspace_and_exports_hold_no_email_or_name(tmp_path):
    ws = tmp_path / "ws"
    run(
        ws,
        "pseudonymise",
        str(attendance(tmp_path)),
        "--id-columns",
        "Email",
        "--keep-names",
        str(tmp_path / "names.csv"),
    )
    people = pd.read_csv(tmp_path / "attendance.pseudonymised.csv", dtype=str, keep_default_na=False)
    people = people[people["person_id"] != ""]
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    people[["person_id"]].drop_duplicates().to_csv(bundle / "people.csv", index=False)
    pd.DataFrame([{"network_id": "N1", "name": "SENCO forum", "kind": "senco_forum"}]).to_csv(
        bundle / "networks.csv", index=False
    )
    pd.DataFrame({"person_id": people["person_id"], "network_id": "N1", "tier": "attended_training"}).to_csv(
        bundle / "person_memberships.csv", index=False
    )
    assert run(ws, "load", str(bundle)).exit_code == 0
    assert run(ws, "export", "--to", "csv", "--show-names", "-o", str(tmp_path / "exp")).exit_code == 0
    assert run(ws, "export", "--to", "json", "--show-names", "-o", str(tmp_path / "g.json")).exit_code == 0
    assert (
        run(ws, "export", "--to", "graphml", "--show-names", "-o", str(tmp_path / "g.graphml")).exit_code == 0
    )

    secrets = [e.lower() for e in EMAILS] + [n.lower() for n in NAMES] + ["bloggs", "@"]
    texts = []
    for path in ws.rglob("*"):
        if path.suffix == ".parquet":
            table = pq.read_table(path).to_pandas()
            texts.append(" ".join(map(str, table.to_numpy().ravel())))
        elif path.is_file():
            texts.append(path.read_text(errors="replace"))
    for path in [*(tmp_path / "exp").glob("*.csv"), tmp_path / "g.json", tmp_path / "g.graphml"]:
        texts.append(path.read_text())
    blob = "\n".join(texts).lower()
    assert "p-" in blob and not [s for s in secrets if s in blob]
    assert (ws / "pseudonym.key").stat().st_mode & 0o077 == 0  # the secret is readable by its owner only

    # the user's own map brings the names back, for their records only
    r = run(
        ws,
        "restore-names",
        str(tmp_path / "exp" / "person_memberships.csv"),
        "--names",
        str(tmp_path / "names.csv"),
    )
    assert r.exit_code == 0, r.output
    named = pd.read_csv(tmp_path / "exp" / "person_memberships.named.csv", dtype=str)
    assert sorted(named["Name"]) == sorted(NAMES) and sorted(named["Email"]) == sorted(EMAILS)


def test_missing_or_changed_secret_is_a_clear_error(tmp_path):
    ws = tmp_path / "ws"
    f = attendance(tmp_path)
    assert (
        run(
            ws, "pseudonymise", str(f), "--id-columns", "Email", "--keep-names", str(tmp_path / "m.csv")
        ).exit_code
        == 0
    )
    key = (ws / "pseudonym.key").read_text()

    (ws / "pseudonym.key").write_text("ab" * 32 + "\n")
    r = run(ws, "pseudonymise", str(f), "--id-columns", "Email", "-o", str(tmp_path / "x.csv"))
    assert r.exit_code == 1 and "has changed" in r.stderr and not (tmp_path / "x.csv").exists()

    (ws / "pseudonym.key").unlink()
    r = run(ws, "pseudonymise", str(f), "--id-columns", "Email", "-o", str(tmp_path / "x.csv"))
    assert r.exit_code == 1 and "is missing" in r.stderr and not (ws / "pseudonym.key").exists()

    (ws / "pseudonym.key").write_text(key)
    assert (
        run(ws, "pseudonymise", str(f), "--id-columns", "Email", "-o", str(tmp_path / "x.csv")).exit_code == 0
    )

    # a names map made under another workspace's secret is refused, not silently mixed
    y, m = str(tmp_path / "y.csv"), str(tmp_path / "m.csv")
    r = run(tmp_path / "other", "pseudonymise", str(f), "--id-columns", "Email", "-o", y, "--keep-names", m)
    assert r.exit_code == 1 and "different pseudonymisation secret" in r.stderr
    assert not (tmp_path / "y.csv").exists()


def test_unknown_id_column_is_a_clear_error(tmp_path):
    r = run(tmp_path / "ws", "pseudonymise", str(attendance(tmp_path)), "--id-columns", "e-mail")
    assert r.exit_code == 1 and "no column 'e-mail'" in r.stderr
