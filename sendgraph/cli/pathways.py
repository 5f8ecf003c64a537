"""Observed pathways and course timing (UCL 2019 KF5 / G7): ``pathways``, ``course-timing``.

Thin: parse options, call one function in ``queries/careers/``, suppress small numbers with the
publishing rules that sit next to each analysis, emit.
"""

from __future__ import annotations

import click

from queries.careers.courses import PUBLISH as COURSE_PUBLISH
from queries.careers.courses import course_timing
from queries.careers.pathways import PUBLISH, no_recorded_start, pathway_leavers, pathway_steps, pathways
from queries.careers.routes import resolve_role
from queries.publish import publication_metadata, suppress
from sendgraph.cli._common import (
    as_of_option,
    emit,
    filter_options,
    get_store,
    output_options,
    publish_options,
)
from sendgraph.output import Result

VIEWS = {
    "pathways": (pathways, "Observed pathways from {src} to {dst}"),
    "steps": (pathway_steps, "Steps of the observed pathways from {src} to {dst}"),
    "no-start": (no_recorded_start, "People who reached {dst} with no {src} on record"),
    "leavers": (pathway_leavers, "Where people who entered {src} leave the route to {dst}"),
}


@click.command("pathways")
@click.option("--from", "source", required=True, help="Start role: code, name or short name (ITT, TA...).")
@click.option("--to", "target", required=True, help="Target role (QTVI, SENCO, ADVISORY_HI...).")
@click.option(
    "--view",
    type=click.Choice(list(VIEWS)),
    default="pathways",
    show_default=True,
    help="pathways: one row per observed pathway; steps: years per step; no-start: reached the target "
    "with no start role on record; leavers: where people leave the route.",
)
@as_of_option("Only posts started by this date count; later ends count as still held (default today).")
@filter_options
@output_options
@publish_options
@click.pass_context
def pathways_cmd(ctx, source, target, view, as_of, filters, fmt, output, no_suppress, threshold) -> None:
    """How people actually got from one role to another, whole career by whole career.

    Each person's dated posts become one sequence of steps (moves, returns, career breaks); the
    sequences reaching the target are grouped into pathways with people, share, years, the
    qualifications gained along the way and the share with no SEND CPD in between.
    """
    store = get_store(ctx)
    func, title = VIEWS[view]
    frame = func(store, source, target, as_of=as_of, filters=filters)
    if not no_suppress:
        counts, rates = PUBLISH[view]
        frame = suppress(frame, counts, rates, threshold)
    src, dst = resolve_role(store, source), resolve_role(store, target)
    meta = {
        "source": store.describe(),
        "as_of": as_of.isoformat(),
        **filters.describe(),
        "definitions": "docs/routes.md (spells, returns, breaks, steps)",
        **publication_metadata(not no_suppress, threshold),
    }
    emit(Result(frame, title.format(src=src, dst=dst), meta), fmt, output)


@click.command("course-timing")
@as_of_option("Count course starts up to this date (default today).")
@filter_options
@output_options
@publish_options
@click.pass_context
def course_timing_cmd(ctx, as_of, filters, fmt, output, no_suppress, threshold) -> None:
    """Years from QTS to starting the NASENCO / NPQ for SENCOs or an MQ, against the UCL figure.

    From course start dates (started_date of a qualification held, start_date of one being studied),
    not from the date of the next post.
    """
    store = get_store(ctx)
    frame = course_timing(store, as_of=as_of, filters=filters)
    if not no_suppress:
        counts, rates = COURSE_PUBLISH
        frame = suppress(frame, counts, rates, threshold)
    meta = {
        "source": store.describe(),
        "as_of": as_of.isoformat(),
        **filters.describe(),
        "ucl_2019": "about 4-5 years of teaching before starting the NASENCO or an MQ (KF5, s3.1)",
        **publication_metadata(not no_suppress, threshold),
    }
    emit(Result(frame, "Years from QTS to starting a specialist course", meta), fmt, output)


commands = [pathways_cmd, course_timing_cmd]
