"""``sendgraph figures``: DOMAIN.md's published figures measured on the loaded graph."""

from __future__ import annotations

import datetime as dt

import click

from queries.context import Filters
from queries.survey_figures import DEFAULT_AS_OF, publish_figures, survey_figures
from sendgraph.cli._common import (
    Emit,
    as_of_option,
    emit,
    filter_options,
    get_store,
    show_cypher_option,
    table_options,
)


@click.command()
@as_of_option(f"Evaluate every figure as of this date (default {DEFAULT_AS_OF}).", default=DEFAULT_AS_OF)
@filter_options
@table_options()
@show_cypher_option
@click.pass_context
def figures(
    ctx: click.Context,
    as_of: dt.date,
    filters: Filters,
    out: Emit,
) -> None:
    """SENCO award, SLT, tenure, specialist qualification and networking figures with their targets.

    The filters narrow every base (SENCOs, specialists, schools) to the schools and services in scope;
    the targets stay the national published figures.
    """
    store = get_store(ctx)
    frame = survey_figures(store, as_of=as_of, filters=filters)
    published = publish_figures(
        frame,
        as_of=as_of,
        source=store.describe(),
        filters=filters,
        suppress=not out.no_suppress,
        threshold=out.threshold,
    )
    emit(published, out)


commands = [figures]
