"""``sendgraph doctor``: check the embedded workspace, and repair what is safe to repair."""

from __future__ import annotations

import click
import pandas as pd

from graphmodel.workspace import doctor as check_workspace
from sendgraph.cli._common import emit, table_options
from sendgraph.output import Result


@click.command()
@click.option("--repair", is_flag=True, help="Fix what is safe: CURRENT, half-written directories.")
@table_options(published=False)
@click.pass_context
def doctor(ctx: click.Context, repair, out) -> None:
    """Report the workspace's state: CURRENT, each version and its checksums, orphans.

    Exits 0 when everything is sound (or was repaired), 1 when a problem remains.
    """
    path = ctx.find_root().obj["workspace"]
    findings = check_workspace(path, repair=repair)
    frame = pd.DataFrame([f.__dict__ for f in findings], columns=["item", "state", "detail", "action"])
    emit(Result(frame, "Workspace check", {"source": f"embedded workspace {path}"}), out)
    if any(f.state in ("problem", "missing") for f in findings):
        ctx.exit(1)


commands = [doctor]
