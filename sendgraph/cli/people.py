"""``sendgraph pseudonymise`` and ``sendgraph restore-names``: people without names in the graph."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from graphmodel.errors import SendgraphError
from loaders.pseudonymise import load_key, merge_map, pseudonymise, restore_names
from loaders.sheets import Sheet, read_sheet, write_sheet


def _workspace(ctx: click.Context) -> Path:
    return Path(ctx.find_root().obj["workspace"])


def _default_out(path: Path, tag: str) -> Path:
    return path.with_name(f"{path.stem}.{tag}{path.suffix}")


@click.command("pseudonymise")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--id-columns",
    required=True,
    help="Comma-separated columns that identify a person (e.g. email); replaced by person_id.",
)
@click.option(
    "--name-columns",
    default=None,
    help="Comma-separated columns with names, dropped from the output (default: detected from headers).",
)
@click.option(
    "--keep-names",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also write (or add to) this CSV map of person_id to identifiers and names, for your own records.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write the pseudonymised file (default: FILE.pseudonymised.csv / .xlsx).",
)
@click.option("--sheet", default=None, help="Worksheet of an .xlsx (default: the first).")
@click.pass_context
def pseudonymise_cmd(ctx: click.Context, file, id_columns, name_columns, keep_names, output, sheet) -> None:
    """Replace the identifying columns of FILE with stable, pseudonymous person_ids.

    The id is an HMAC-SHA256 of the identifier under a secret kept in the workspace (created on first
    use; back it up): the same email gives the same person_id in every file and load, and the
    output, the graph and its exports never hold the email or the name.
    """
    key = load_key(_workspace(ctx))
    source = read_sheet(Path(file), sheet)
    ids = [c.strip() for c in id_columns.split(",") if c.strip()]
    names = [c.strip() for c in name_columns.split(",") if c.strip()] if name_columns else None
    result = pseudonymise(source.frame, key, ids, names)
    out = Path(output) if output else _default_out(Path(file), "pseudonymised")
    if out.resolve() == Path(file).resolve():
        raise SendgraphError("the output would overwrite the file with the identifiers; choose another -o")
    names_map = None
    if keep_names:  # checked before anything is written: a map made under another key is refused
        path = Path(keep_names)
        old = pd.read_csv(path, dtype=str, keep_default_na=False) if path.exists() else None
        names_map = merge_map(old, result.names, key)
    if source.is_xlsx and out.suffix.lower() in (".xlsx", ".xlsm"):
        result.frame.to_excel(out, index=False, sheet_name=source.sheet or "Sheet1")
    else:
        write_sheet(Sheet(source.path, source.frame), result.frame, out)
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(
        f"wrote {out} ({len(result.frame)} rows, {result.frame['person_id'].ne('').sum()} with a person_id)"
    )
    if names_map is not None:
        path = Path(keep_names)
        names_map.to_csv(path, index=False)
        click.echo(f"wrote names map {path}: keep it private, outside the workspace and any shared folder")


@click.command("restore-names")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option(
    "--names", "names_map", type=click.Path(dir_okay=False, exists=True), required=True, help="A names map."
)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), default=None, help="Default: FILE.named.csv."
)
def restore_names_cmd(file, names_map, output) -> None:
    """Put names back into a table with person_ids, from your own names map (--keep-names)."""
    source = read_sheet(Path(file))
    mapping = pd.read_csv(names_map, dtype=str, keep_default_na=False)
    named = restore_names(source.frame, mapping)
    out = Path(output) if output else _default_out(Path(file), "named").with_suffix(".csv")
    named.to_csv(out, index=False)
    click.echo(f"wrote {out}")


commands = [pseudonymise_cmd, restore_names_cmd]
