"""``sendgraph figures``: DOMAIN.md's published figures measured on the loaded graph."""

from __future__ import annotations

import datetime as dt

import click

from queries.publish import DEFAULT_THRESHOLD, publish
from queries.survey_figures import DEFAULT_AS_OF, PUBLISHES, survey_figures
from sendgraph.cli._common import as_of_option, emit, get_store, output_options, publish_options
from sendgraph.output import Result


def figures_result(
    frame, as_of: dt.date, source: str, no_suppress: bool = False, threshold: int = DEFAULT_THRESHOLD
) -> Result:
    """The figures as a published table (rounded for reading), through :func:`queries.publish.publish`."""
    shown = frame.copy()
    shown["value"] = shown["value"].round(4)
    shown["numerator"] = shown["numerator"].round(1)
    return publish(
        shown,
        PUBLISHES,
        title="Survey figures against their published targets",
        source=source,
        as_of=as_of,
        threshold=threshold,
        suppress=not no_suppress,
        definitions="queries/survey_figures.py (bases and dates for each figure)",
    )


@click.command()
@as_of_option(f"Evaluate every figure as of this date (default {DEFAULT_AS_OF}).", default=DEFAULT_AS_OF)
@output_options
@publish_options
@click.pass_context
def figures(
    ctx: click.Context, as_of: dt.date, fmt: str, output: str | None, no_suppress: bool, threshold: int
) -> None:
    """SENCO award, SLT, tenure, specialist qualification and networking figures with their targets."""
    store = get_store(ctx)
    frame = survey_figures(store, as_of=as_of)
    emit(figures_result(frame, as_of, store.describe(), no_suppress, threshold), fmt, output)


commands = [figures]
