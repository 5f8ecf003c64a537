"""``sendgraph server ...``: what only a graph server needs (replace its data, wipe it, list loads).

Ordinary loading and every analysis use the normal commands with ``--backend neo4j|falkordb``;
this group adds the server-side housekeeping. Credentials never appear as options: they come from
the standard environment variables (see docs/servers.md).
"""

from __future__ import annotations

import click

from graphmodel.errors import SendgraphError
from sendgraph.cli._common import (
    emit,
    get_store,
    input_options,
    print_load,
    progress,
    table_options,
    take_over_option,
)
from sendgraph.output import Result


def _server_store(ctx: click.Context, batch_size: int | None = None):
    from graphmodel.server.base import ServerStore

    store = get_store(ctx)
    if not isinstance(store, ServerStore):
        raise SendgraphError("this command needs a server backend: --backend neo4j or --backend falkordb")
    if batch_size is not None:
        if batch_size < 1:
            raise SendgraphError("--batch-size must be at least 1")
        store.batch_size = batch_size
    return store


def _confirm(store, yes: bool) -> None:
    if not yes:
        click.confirm(
            f"Delete every sendgraph node (schema labels and LoadRun records) in {store.describe()}?",
            abort=True,
            err=True,
        )


@click.group()
def server() -> None:
    """Housekeeping on a Neo4j or FalkorDB server (use with --backend)."""


@server.command("load")
@input_options
@click.option("--replace", is_flag=True, help="Wipe what sendgraph wrote before loading (asks first).")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--batch-size", type=int, default=None, help="Rows per statement (env SENDGRAPH_BATCH_SIZE).")
@take_over_option
@click.pass_context
def load_cmd(ctx: click.Context, inputs, options, replace, yes, batch_size, take_over) -> None:
    """Validate PATHS and load them into the server; with --replace, they become its whole sendgraph graph."""
    from loaders import ingest
    from loaders.replace import replace_load

    store = _server_store(ctx, batch_size)
    store.take_over = take_over
    if replace:
        _confirm(store, yes)
    with progress("loading") as step:
        if replace:
            deleted, report, notes = replace_load(store, inputs, progress=step, options=options)
            click.echo(f"deleted {sum(deleted.values())} nodes", err=True)
        else:
            report, notes = ingest.load(store, inputs, progress=step, options=options)
    print_load(store, report, notes)


@server.command("wipe")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def wipe_cmd(ctx: click.Context, yes) -> None:
    """Delete what sendgraph wrote (nodes with schema labels, LoadRun records); nothing else."""
    store = _server_store(ctx)
    _confirm(store, yes)
    with store.writing():  # never wipe under a running load
        deleted = store.wipe()
    click.echo(f"deleted {sum(deleted.values())} nodes from {store.describe()}")


@server.command("runs")
@table_options(published=False)
@click.pass_context
def runs_cmd(ctx: click.Context, out) -> None:
    """The loads recorded in the server (LoadRun nodes), newest first."""
    store = _server_store(ctx)
    emit(Result(store.load_runs(), "Load runs", {"source": store.describe()}), out)


commands = [server]
