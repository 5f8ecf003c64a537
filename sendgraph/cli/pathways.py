"""Observed pathways and course timing (UCL 2019 KF5 / G7): ``pathways``, ``course-timing``.

Thin: parse options, call one function in ``queries/careers/``, publish it with what the analysis
declares it publishes (``queries.publish.publish``), emit.
"""

from __future__ import annotations

import click

from queries.careers import courses
from queries.careers.pathways import PUBLISHES, no_recorded_start, pathway_leavers, pathway_steps, pathways
from queries.careers.routes import resolve_role
from sendgraph.cli._common import (
    as_of_option,
    filter_options,
    get_store,
    publish_and_emit,
    show_cypher_option,
    table_options,
    view_option,
)

VIEWS = {
    "pathways": (pathways, "Observed pathways from {src} to {dst}"),
    "steps": (pathway_steps, "Steps of the observed pathways from {src} to {dst}"),
    "no-start": (no_recorded_start, "People who reached {dst} with no {src} on record"),
    "leavers": (pathway_leavers, "Where people who entered {src} leave the route to {dst}"),
}


@click.command("pathways")
@click.option("--from", "source", required=True, help="Start role: code, name or short name (ITT, TA...).")
@click.option("--to", "target", required=True, help="Target role (QTVI, SENCO, ADVISORY_HI...).")
@view_option(
    {
        "pathways": "one row per observed pathway",
        "steps": "years per step",
        "no-start": "reached the target with no start role on record",
        "leavers": "where people leave the route",
    }
)
@as_of_option("Only posts started by this date count; later ends count as still held (default today).")
@filter_options
@table_options()
@show_cypher_option
@click.pass_context
def pathways_cmd(ctx, source, target, view, as_of, filters, out) -> None:
    """How people actually got from one role to another, whole career by whole career.

    Each person's dated posts become one sequence of steps (moves, returns, career breaks); the
    sequences reaching the target are grouped into pathways with people, share, years, the
    qualifications gained along the way and the share with no SEND CPD in between.
    """
    store = get_store(ctx)
    func, title = VIEWS[view]
    frame = func(store, source=source, target=target, as_of=as_of, filters=filters)
    src, dst = resolve_role(store, source), resolve_role(store, target)
    publish_and_emit(
        store,
        frame,
        PUBLISHES[view],
        out,
        title=title.format(src=src, dst=dst),
        as_of=as_of,
        filters=filters,
        definitions="docs/routes.md (spells, returns, breaks, steps)",
    )


@click.command("course-timing")
@as_of_option("Count course starts up to this date (default today).")
@filter_options
@table_options()
@show_cypher_option
@click.pass_context
def course_timing_cmd(ctx, as_of, filters, out) -> None:
    """Years from QTS to starting the NASENCO / NPQ for SENCOs or an MQ, against the UCL figure.

    From course start dates (started_date of a qualification held, start_date of one being studied),
    not from the date of the next post.
    """
    store = get_store(ctx)
    frame = courses.course_timing(store, as_of=as_of, filters=filters)
    publish_and_emit(
        store,
        frame,
        courses.PUBLISHES,
        out,
        title="Years from QTS to starting a specialist course",
        as_of=as_of,
        filters=filters,
        ucl_2019="about 4-5 years of teaching before starting the NASENCO or an MQ (KF5, s3.1)",
    )


commands = [pathways_cmd, course_timing_cmd]
