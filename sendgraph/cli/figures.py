"""``sendgraph figures``: DOMAIN.md's published figures measured on the loaded graph."""

from __future__ import annotations

import datetime as dt

import click

from queries.publish import publication_metadata, suppress
from queries.survey_figures import DEFAULT_AS_OF, survey_figures
from sendgraph.cli._common import as_of_option, emit, get_store, output_options, publish_options
from sendgraph.output import Result


def figures_result(
    frame, as_of: dt.date, source: str, no_suppress: bool = False, threshold: int = 4
) -> Result:
    """The figures as a published table: counts 1..threshold suppressed (and their rates)."""
    shown = frame.copy()
    shown["value"] = shown["value"].round(4)
    shown["numerator"] = shown["numerator"].round(1)
    if not no_suppress:
        shown = suppress(
            shown, ["numerator", "denominator"], {"value": ["numerator", "denominator"]}, threshold
        )
    meta = {
        "as_of": as_of.isoformat(),
        "source": source,
        "definitions": "queries/survey_figures.py (bases and dates for each figure)",
        **publication_metadata(not no_suppress, threshold),
    }
    return Result(shown, "Survey figures against their published targets", meta)


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
    frame = survey_figures(store, as_of)
    emit(figures_result(frame, as_of, store.describe(), no_suppress, threshold), fmt, output)


commands = [figures]
