"""Every command and every option is documented (as sqlite-utils tests its docs): walk the click
command tree; each command needs its own section in docs/cli.md naming every one of its options, and
a mention in README.md or the topic docs. A new option fails here until the docs say what it does."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from sendgraph.cli import main

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
TOPICS = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    if p.name != "cli.md"
)


def _walk(group: click.Group, path: tuple[str, ...] = ()):
    # list_commands / get_command, not ``group.commands``: the top-level group loads its command
    # modules lazily, so its ``commands`` dict is empty until a command is asked for
    ctx = click.Context(group)
    for name in sorted(group.list_commands(ctx)):
        cmd = group.get_command(ctx, name)
        yield (*path, name), cmd
        if isinstance(cmd, click.Group):
            yield from _walk(cmd, (*path, name))


COMMANDS = [(" ".join(path), cmd) for path, cmd in _walk(main)]
OPTIONS = [
    (path, opt)
    for path, cmd in COMMANDS
    for param in cmd.params
    if isinstance(param, click.Option)
    for opt in (*param.opts, *param.secondary_opts)
    if opt.startswith("--")
]


def _section(path: str) -> str:
    """The text of ``## sendgraph PATH`` in docs/cli.md, up to the next heading."""
    match = re.search(rf"^## sendgraph {re.escape(path)}\n(.*?)(?=^## |\Z)", REFERENCE, re.M | re.S)
    assert match, f"docs/cli.md has no section '## sendgraph {path}'"
    return match.group(1)


def test_the_walk_finds_every_command():
    """Guard against the walk silently finding nothing (which would skip every test below)."""
    top = {p for p, _ in COMMANDS if " " not in p}
    assert {"audit", "pathways", "map", "load", "gaps", "participation"} <= top
    assert len(OPTIONS) > 100


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS])
def test_command_has_a_reference_section_and_a_mention(path):
    assert _section(path).strip(), f"the docs/cli.md section for `sendgraph {path}` is empty"
    assert re.search(rf"sendgraph[^\n`]*? {re.escape(path)}\b", TOPICS), (
        f"`sendgraph {path}` is not in README or docs"
    )


@pytest.mark.parametrize(("path", "option"), OPTIONS, ids=[f"{c}:{o}" for c, o in OPTIONS])
def test_option_is_documented_under_its_command(path, option):
    assert re.search(rf"`{re.escape(option)}`", _section(path)), (
        f"{option} of `sendgraph {path}` is not in its docs/cli.md section"
    )


def test_global_options_are_documented():
    for param in main.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert f"`{opt}" in REFERENCE, f"global option {opt} is not in docs/cli.md"
