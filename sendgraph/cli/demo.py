"""``sendgraph demo``: the first command to run (generate, load, analyse, write tables and maps)."""

from __future__ import annotations

import click

from loaders.synthetic.params import DEFAULT_REGION
from sendgraph.demo import run_demo


@click.command()
@click.option(
    "--output",
    "-o",
    "out",
    type=click.Path(file_okay=False),
    default="sendgraph-demo",
    show_default=True,
    help="Folder for the bundle, workspace, tables and maps.",
)
@click.option("--seed", type=int, default=42, show_default=True)
@click.option("--region", default=DEFAULT_REGION, show_default=True, help="Region name or code.")
def demo(out: str, seed: int, region: str) -> None:
    """Generate a synthetic region, load it and run the headline analyses (about a minute)."""
    run_demo(out, seed, region, progress=lambda msg: click.echo(msg, err=True))


commands = [demo]
