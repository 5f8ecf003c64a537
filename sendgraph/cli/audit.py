"""``sendgraph audit``: qualification audits as of a date (SENCO award, sensory MQ, PD, capacity, deadlines).

Thin shell: each subcommand parses options, calls one function in ``queries/``, applies DfE
small-number suppression to aggregate tables (``queries.publish``) and emits a Result whose metadata
carries the as-of date, filters, data source and the rule encoded. Person-level listings
(``--view detail``, ``deadlines --by school``) are keyed by pseudonymous person_id, never names.
"""

from __future__ import annotations

from collections.abc import Callable

import click

from queries.audits import capacity as capacity_q
from queries.audits import deadlines as deadlines_q
from queries.audits import pd as pd_q
from queries.audits import senco as senco_q
from queries.audits import sensory as sensory_q
from queries.context import BY_COLUMNS
from queries.publish import Publishes
from sendgraph.cli._common import (
    as_of_option,
    filter_options,
    get_store,
    publish_and_emit,
    show_cypher_option,
    table_options,
    view_option,
)

BY_CHOICE = click.Choice(list(BY_COLUMNS))
DETAIL = Publishes(
    detail="person-level listing keyed by pseudonymous person_id, no names: internal use, not for publication"
)
RULES = {
    "senco": "SI 2014/1530 regs 49-50 as amended by SI 2024/535",
    "sensory": "SI 2003/1662 regs 6-9",
    "pd": "no mandatory qualification: 'no relevant qualification' is a gap, not non-compliance",
}


def scope_options(func: Callable) -> Callable:
    """--as-of and the common school filters."""
    return as_of_option("Evaluate the rules on this date (YYYY-MM-DD; default today).")(filter_options(func))


def _summary_command(
    name: str, title: str, run: Callable, summarise: Callable, spec: Publishes
) -> click.Command:
    """A subcommand that prints a suppressed summary by default, or the detail with --view detail."""

    @click.command(name=name)
    @scope_options
    @click.option("--by", type=BY_CHOICE, default=None, help="Break the summary down by this.")
    @view_option({"summary": "counts and rates (suppressed)", "detail": "each post (person_id, no names)"})
    @table_options()
    @show_cypher_option
    @click.pass_context
    def command(ctx, as_of, filters, by, view, out):
        store = get_store(ctx)
        frame = run(store, as_of=as_of, filters=filters)
        if view == "detail":
            frame, spec_, heading = frame, DETAIL, f"{title}: detail as of {as_of}"
        else:
            frame, spec_ = summarise(frame, by), spec
            heading = f"{title} as of {as_of}" + (f", by {by}" if by else "")
        publish_and_emit(
            store,
            frame,
            spec_,
            out,
            title=heading,
            as_of=as_of,
            filters=filters,
            rule=RULES[name],
        )

    return command


senco = _summary_command(
    "senco", "SENCO award audit", senco_q.senco_audit, senco_q.senco_summary, senco_q.PUBLISHES
)
senco.help = (
    "Classify every school's SENCO(s) against the SENCO award rules as of a date: compliant, "
    "within_window, at_risk, overdue, exempt, no_duty, not_eligible, no_senco, kind_unknown. The summary "
    "gives school-level rates (a school takes its worst SENCO's status) beside counts of SENCOs."
)
sensory = _summary_command(
    "sensory",
    "Sensory mandatory qualification audit",
    sensory_q.sensory_audit,
    sensory_q.sensory_summary,
    sensory_q.PUBLISHES,
)
sensory.help = (
    "Teachers in VI / HI / MSI class or service roles: qualified, within the 3-year "
    "allowance, or unqualified."
)
pd_cmd = _summary_command(
    "pd",
    "Physical disability specialists: relevant qualifications",
    pd_q.pd_audit,
    pd_q.pd_summary,
    pd_q.PUBLISHES,
)
pd_cmd.help = "PD specialists with no relevant qualification (a gap, never non-compliance)."


@click.command(name="capacity")
@as_of_option("Count qualified staff in post on this date (default today).")
@filter_options
@click.option(
    "--by",
    type=click.Choice(["la", "region"]),
    default="la",
    show_default=True,
    help="One row per LA or region.",
)
@click.option(
    "--need",
    "needs",
    type=click.Choice(list(sensory_q.SENSES)),
    multiple=True,
    help="Only these needs (repeatable).",
)
@click.option(
    "--source",
    type=click.Choice(["auto", "ehcp", "school"]),
    default="auto",
    show_default=True,
    help="Pupil counts: DfE EHC plans, school-level counts, or school-level when loaded.",
)
@click.option("--year", type=int, default=None, help="DfE time_period of the pupil counts (default latest).")
@table_options()
@show_cypher_option
@click.pass_context
def capacity(ctx, as_of, filters, by, needs, source, year, out):
    """Qualified VI / HI / MSI FTE against pupils with that primary need, per LA or region, ranked.

    The filters choose the rows shown; ranks stay national."""
    store = get_store(ctx)
    frame = capacity_q.capacity_against_need(
        store, as_of=as_of, filters=filters, level=by, source=source, year=year, needs=needs
    )
    pupils = frame["pupils_source"].iloc[0] if len(frame) else None
    publish_and_emit(
        store,
        frame.drop(columns=["pupils_source"]),
        capacity_q.PUBLISHES,
        out,
        title=f"Sensory capacity against need by {by} as of {as_of}",
        as_of=as_of,
        filters=filters,
        rule=RULES["sensory"],
        need=",".join(needs) or None,
        pupils=pupils,
    )


@click.command(name="deadlines")
@scope_options
@click.option("--within", default="6m", show_default=True, help="Horizon: e.g. 90d, 6w, 6m, 1y.")
@click.option(
    "--by",
    type=click.Choice(["school", "la"]),
    default="school",
    show_default=True,
    help="school: each person and post (no names); la: counts per LA (suppressed).",
)
@click.option("--include-overdue", is_flag=True, help="Also list people already past their deadline.")
@table_options()
@show_cypher_option
@click.pass_context
def deadlines(ctx, as_of, filters, within, by, include_overdue, out):
    """Who must achieve the SENCO award or a sensory MQ by when, within a horizon."""
    store = get_store(ctx)
    frame = deadlines_q.deadlines(
        store, as_of=as_of, filters=filters, within=within, by=by, include_overdue=include_overdue
    )
    publish_and_emit(
        store,
        frame,
        deadlines_q.PUBLISHES if by == "la" else DETAIL,
        out,
        title=f"Qualification deadlines within {within} of {as_of}, by {by}",
        as_of=as_of,
        filters=filters,
        rule=f"{RULES['senco']}; {RULES['sensory']}",
        within=within,
        include_overdue=include_overdue or None,
    )


@click.group(name="audit")
def audit() -> None:
    """Qualification audits as of a date: senco, sensory, pd, capacity, deadlines."""


for _cmd in (senco, sensory, pd_cmd, capacity, deadlines):
    audit.add_command(_cmd)

commands = [audit]
