"""How a ``sendgraph`` process ends: as soon as the command is done, output flushed and exit handlers
run, without the interpreter's teardown (:func:`sendgraph.cli._end_process`), with the exit code and
output it would have had anyway."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from sendgraph.cli import main
from tests.participation_fixture import load_world

ROOT = Path(__file__).resolve().parents[1]
# a process running the CLI as ``python -m sendgraph.cli`` does, which says when its exit handler
# runs and when the interpreter tears its modules down (an object freed only then)
SCRIPT = """
import atexit, sys
atexit.register(lambda: print("exit handler ran", file=sys.stderr))
class Teardown:
    def __del__(self):
        print("interpreter teardown", file=sys.stderr)
sys.modules["__main__"].kept = Teardown()
from sendgraph.cli import main
sys.argv = ["sendgraph", *sys.argv[1:]]
main()
"""


def _run(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, *args], capture_output=True, text=True, cwd=ROOT, env=env
    )


def test_a_command_ends_without_the_teardown_and_with_its_output(workspace, bundle_writer, tmp_path):
    load_world(workspace, bundle_writer)
    out = tmp_path / "gaps.csv"
    args = ["-w", str(workspace.path), "gaps", "network", "--as-of", "2025-01-01", "--format", "csv"]
    done = _run(*args, "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "exit handler ran" in done.stderr and "interpreter teardown" not in done.stderr
    want = CliRunner().invoke(main, args)  # the same command in this process (no early end)
    assert want.exit_code == 0 and out.read_text() == want.stdout and want.stdout.count("\n") > 1
    printed = _run(*args)  # to a pipe: all of it arrives
    assert printed.returncode == 0 and printed.stdout == want.stdout


def test_errors_keep_their_exit_codes_and_messages(tmp_path):
    version = _run("--version")
    assert version.returncode == 0 and "sendgraph, version" in version.stdout
    assert "interpreter teardown" not in version.stderr
    unknown = _run("no-such-command")  # click's usage error: exit 2
    assert unknown.returncode == 2 and "No such command" in unknown.stderr
    env = {"SENDGRAPH_BACKEND": "falkordb", "FALKORDB_URL": "redis://127.0.0.1:1", "PATH": ""}
    refused = _run("audit", "senco", env={**env, "PYTHONPATH": str(ROOT)})  # a SendgraphError: exit 1
    assert refused.returncode == 1 and "cannot connect to FalkorDB" in refused.stderr
    assert "exit handler ran" in refused.stderr


FREEZE_SCRIPT = """
import atexit, gc, sys
def report():
    print("frozen", gc.get_freeze_count() > 0, "collector on", gc.isenabled(), file=sys.stderr)
atexit.register(report)
from sendgraph.cli import main
sys.argv = ["sendgraph", *sys.argv[1:]]
main()
"""


def test_a_process_freezes_its_command_imports_and_code_that_calls_the_cli_does_not():
    import gc

    # a process of its own: the command's imports frozen, the collector back on for the analysis
    done = subprocess.run(
        [sys.executable, "-c", FREEZE_SCRIPT, "gaps", "--help"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0 and "gaps" in done.stdout
    assert "frozen True collector on True" in done.stderr
    # called from code (here CliRunner, in this test process): nothing frozen, the collector untouched
    from sendgraph import cli

    before = gc.get_freeze_count()
    cli._load("routes")  # what resolving a command does, whether or not an earlier test did it
    assert CliRunner().invoke(main, ["transitions", "--help"]).exit_code == 0
    assert gc.get_freeze_count() == before and gc.isenabled()
