"""``sendgraph match schools FILE``: find the GIAS URN for each row of a user's spreadsheet."""

from __future__ import annotations

from pathlib import Path

import click

from graphmodel.errors import SendgraphError
from loaders.match import DEFAULT_ACCEPT, reference_from_store, rematch, summary, table_rows
from loaders.sheets import read_sheet, write_sheet
from sendgraph.cli._common import Emit, emit, get_store
from sendgraph.output import FORMATS, Result


@click.group()
def match() -> None:
    """Match the names people type to keys in the graph (GIAS URNs)."""


@match.command("schools")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the matched file here (default: write FILE back in place).",
)
@click.option(
    "--accept",
    type=click.FloatRange(0, 100),
    default=DEFAULT_ACCEPT,
    show_default=True,
    help="Score from which a clear best match is accepted (status confident); below it: review.",
)
@click.option(
    "--table",
    default=None,
    help="Also write the accepted rows as this bundle table (e.g. school_memberships) into --bundle.",
)
@click.option(
    "--bundle",
    type=click.Path(file_okay=False),
    default=None,
    help="Directory for --table's TABLE.csv, ready for `sendgraph load`.",
)
@click.option("--sheet", default=None, help="Worksheet of an .xlsx (default: the first).")
@click.option("--name-column", default=None, help="Column with school names (detected if not given).")
@click.option("--town-column", default=None, help="Column with the town.")
@click.option("--postcode-column", default=None, help="Column with the postcode or its district.")
@click.option("--la-column", default=None, help="Column with the local authority (name or code).")
@click.option("--urn-column", default=None, help="Column with a URN, or part of one, if the user has it.")
@click.option(
    "--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True, help="Summary format."
)
@click.pass_context
def schools(
    ctx: click.Context,
    file,
    output,
    accept,
    sheet,
    name_column,
    town_column,
    postcode_column,
    la_column,
    urn_column,
    fmt,
    table,
    bundle,
) -> None:
    """Find the GIAS URN for each row of FILE (CSV or .xlsx) among the schools already loaded.

    Uses whatever columns FILE has (school name, town, postcode, LA, a partial URN), writes the file
    back with urn, match_score, match_status (exact / confident / review / unmatched), the matched
    name and the runner-up, and prints a summary. To settle a review row, put the right URN in `urn`
    (or clear it) and run again: rows you changed, or marked `confirmed` / `rejected`, are kept.
    """
    store = get_store(ctx)
    if (table is None) != (bundle is None):
        raise SendgraphError(
            "--table and --bundle go together: which table, and the directory to write it to"
        )
    if table is not None and table not in store.schema.tables:
        raise SendgraphError(f"unknown table '{table}'; tables are: {', '.join(store.schema.tables)}")
    reference = reference_from_store(store)
    if reference.schools.empty:
        raise SendgraphError(
            f"no schools in {store.describe()}; load a GIAS establishment extract first "
            "(sendgraph load edubasealldataYYYYMMDD.csv --all-establishments)"
        )
    source = read_sheet(Path(file), sheet)
    given = {
        "name": name_column,
        "town": town_column,
        "postcode": postcode_column,
        "la": la_column,
        "urn": urn_column,
    }
    try:
        result = rematch(source.frame, reference, given, accept=accept)
    except KeyError as exc:
        raise SendgraphError(f"{file}: {exc.args[0]}") from None
    rows = None
    if table is not None:
        try:
            rows, left_out = table_rows(result, store.schema.table(table))
        except KeyError as exc:
            raise SendgraphError(f"{file}: {exc.args[0]}") from None
    out = write_sheet(source, result, Path(output or file))
    click.echo(f"wrote {out}", err=True)
    if rows is not None:
        Path(bundle).mkdir(parents=True, exist_ok=True)
        path = Path(bundle) / f"{table}.csv"
        rows.to_csv(path, index=False)
        click.echo(
            f"wrote {path}: {len(rows)} rows; {left_out} not yet accepted (review / unmatched) left out",
            err=True,
        )
    emit(
        Result(summary(result), f"Matched {len(result)} rows of {file}", {"source": store.describe()}),
        Emit(fmt),
    )


commands = [match]
