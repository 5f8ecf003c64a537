"""Commands that move data in and out: load, validate, info, export, template, docs."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from graphmodel.docs import data_dictionary, write_templates
from graphmodel.errors import ValidationFailed
from graphmodel.export import EXPORT_FORMATS, export
from loaders import ingest
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


@click.command()
@input_options
@take_over_option
@click.pass_context
def load(ctx: click.Context, inputs, options, take_over) -> None:
    """Validate PATHS and load them into the graph, all or nothing.

    PATHS are bundle directories, .xlsx workbooks, GIAS establishment or links extracts, or DfE EHC
    plan files. Loading the same input again changes nothing.
    """
    store = get_store(ctx)
    if take_over:  # only a server lease can outlive its process; the workspace lock dies with it
        store.take_over = True  # type: ignore[attr-defined]
    with progress("loading") as step:
        report, notes = ingest.load(store, inputs, progress=step, options=options)
    print_load(store, report, notes)


@click.command()
@input_options
@click.pass_context
def validate(ctx: click.Context, inputs, options) -> None:
    """Check PATHS against the schema and the current graph without loading anything."""
    store = get_store(ctx)
    prepared = ingest.prepare(store, inputs, options=options)
    for note in prepared.notes:
        click.echo(f"note: {note}", err=True)
    if prepared.problems:
        raise ValidationFailed(prepared.problems)
    rows = sum(len(c.frame) for c in prepared.checked if not c.source.startswith("catalogue:"))
    click.echo(f"valid: {rows} rows in {len(inputs)} input(s)")


@click.command()
@table_options(published=False)
@click.pass_context
def info(ctx: click.Context, out) -> None:
    """Row counts by node kind and relationship table."""
    store = get_store(ctx)
    counts = store.counts()
    schema = store.schema
    rows = []
    for label, node in schema.nodes.items():
        rows.append({"kind": "node", "name": label, "table": node.name, "rows": counts.get(node.name, 0)})
    for name, rel in schema.relationships.items():
        rows.append({"kind": "relationship", "name": rel.type, "table": name, "rows": counts.get(name, 0)})
    emit(Result(pd.DataFrame(rows), "Graph contents", {"source": store.describe()}), out)


@click.command("export")
@click.option(
    "--to",
    "fmt",
    type=click.Choice(EXPORT_FORMATS),
    default="graphml",
    show_default=True,
    help="What to write: graphml and json write one file; csv writes a bundle directory; neo4j-admin "
    "writes a directory of CSVs, constraints.cypher and the neo4j-admin database import full command.",
)
@click.option(
    "--output",
    "-o",
    "out",
    type=click.Path(),
    required=True,
    help="The file (or, for csv and neo4j-admin, directory).",
)
@click.option("--show-names", is_flag=True, help="Include personal data (staff names, birth years).")
@click.pass_context
def export_cmd(ctx: click.Context, out, fmt, show_names) -> None:
    """Export the graph as GraphML, node-link JSON, a CSV bundle or neo4j-admin import files."""
    paths = export(get_store(ctx), fmt, Path(out), include_personal=show_names)
    for path in paths:
        click.echo(f"wrote {path}")
    if fmt == "neo4j-admin":  # the last file is the import command: show it
        click.echo(f"import with (in {out}, Neo4j stopped, database absent):")
        click.echo(paths[-1].read_text(encoding="utf-8").strip())


@click.command()
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--xlsx", is_flag=True, help="Also write one workbook with a sheet per table.")
def template(directory, xlsx) -> None:
    """Write empty bundle templates (one CSV per table, headers only) to DIRECTORY."""
    for path in write_templates(Path(directory), xlsx=xlsx):
        click.echo(f"wrote {path}")


@click.command()
@click.option(
    "--output",
    "-o",
    "out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write here (default: print).",
)
def docs(out) -> None:
    """Print the data dictionary, derived from the schema."""
    text = data_dictionary()
    if out:
        Path(out).write_text(text, encoding="utf-8")
        click.echo(f"wrote {out}", err=True)
    else:
        click.echo(text, nl=False)


commands = [load, validate, info, export_cmd, template, docs]
