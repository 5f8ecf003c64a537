"""``sendgraph generate``: write a calibrated synthetic bundle (see docs/synthetic-data.md)."""

from __future__ import annotations

import datetime as dt

import click

from loaders.synthetic import DEFAULT_AS_OF, SCALES
from loaders.synthetic import generate as generate_bundle
from sendgraph.cli._common import as_of_option, progress


@click.command()
@click.option(
    "--scale",
    type=click.Choice(SCALES),
    default="region",
    show_default=True,
    help="One LA, one region, or all of England (about 24,000 schools, 1M people).",
)
@click.option(
    "--seed",
    type=int,
    default=42,
    show_default=True,
    help="Random seed: the same seed gives byte-identical files.",
)
@click.option(
    "--output",
    "-o",
    "out",
    type=click.Path(file_okay=False),
    required=True,
    help="Bundle directory to write (its .csv files are replaced).",
)
@click.option("--region", default=None, help="Region name or code for --scale region (default North East).")
@click.option("--la", default=None, help="LA name or code for --scale la (default Darlington).")
@as_of_option(
    f"Reference date: no generated start or award date lies after it (default {DEFAULT_AS_OF}).",
    default=DEFAULT_AS_OF,
)
def generate(scale: str, seed: int, out: str, region: str | None, la: str | None, as_of: dt.date) -> None:
    """Generate a synthetic England bundle: real LAs and needs, invented schools and staff."""
    with progress("generating") as step:
        report = generate_bundle(scale, seed, out, region=region, la=la, as_of=as_of, progress=step)
    click.echo(
        f"wrote {len(report.files)} files, {report.rows:,} rows, {report.bytes / 1e6:.1f} MB "
        f"to {report.out} in {report.seconds:.1f}s ({scale}, seed {seed}, as of {as_of})"
    )
    click.echo(report.frame().to_string(index=False))
    click.echo(f"next: sendgraph load {report.out}")


commands = [generate]
