"""``sendgraph audit``: qualification audits as of a date (SENCO award, sensory MQ, PD, capacity, deadlines).

Thin shell: each subcommand parses options, calls one function in ``queries/``, applies DfE
small-number suppression to aggregate tables (``queries.publish``) and emits a Result whose metadata
carries the as-of date, filters, data source and the rule encoded. Person-level listings
(``--detail``, ``deadlines --by school``) are keyed by pseudonymous person_id, never names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import click
import pandas as pd

from graphmodel.store import GraphStore
from queries.audits import capacity as capacity_q
from queries.audits import deadlines as deadlines_q
from queries.audits import pd as pd_q
from queries.audits import senco as senco_q
from queries.audits import sensory as sensory_q
from queries.context import BY_COLUMNS, Filters, _match
from queries.publish import publication_metadata, suppress
from sendgraph.cli._common import (
    as_of_option,
    emit,
    filter_options,
    get_store,
    output_options,
    publish_options,
    show_cypher_option,
)
from sendgraph.output import Result

BY_CHOICE = click.Choice(list(BY_COLUMNS))
DETAIL_NOTE = (
    "person-level listing keyed by pseudonymous person_id, no names: internal use, not for publication"
)
RULES = {
    "senco": "SI 2014/1530 regs 49-50 as amended by SI 2024/535",
    "sensory": "SI 2003/1662 regs 6-9",
    "pd": "no mandatory qualification: 'no relevant qualification' is a gap, not non-compliance",
}


def scope_options(func: Callable) -> Callable:
    """--as-of and the common school filters."""
    return as_of_option("Evaluate the rules on this date (YYYY-MM-DD; default today).")(filter_options(func))


def _metadata(
    store: GraphStore,
    as_of: dt.date,
    filters: Filters,
    rule: str,
    published: bool,
    no_suppress: bool,
    threshold: int,
    **extra: object,
) -> dict[str, object]:
    meta: dict[str, object] = {
        "as_of": as_of.isoformat(),
        "filters": filters.describe() or "none",
        "source": store.describe(),
        "rule": rule,
    }
    if published:
        meta.update(publication_metadata(not no_suppress, threshold))
    else:
        meta["suppression"] = DETAIL_NOTE
    meta.update({k: v for k, v in extra.items() if v is not None})
    return meta


def _published(
    frame: pd.DataFrame, counts: list[str], rates: dict[str, list[str]], no_suppress: bool, threshold: int
) -> pd.DataFrame:
    return frame if no_suppress else suppress(frame, counts, rates, threshold)


def _summary_command(
    name: str,
    title: str,
    run: Callable,
    summarise: Callable,
    counts: Callable[[pd.DataFrame], list[str]],
    rates: Callable[[pd.DataFrame], dict[str, list[str]]],
) -> click.Command:
    """A subcommand that prints a suppressed summary by default, or the detail with --detail."""

    @click.command(name=name)
    @scope_options
    @click.option("--by", type=BY_CHOICE, default=None, help="Break the summary down by this.")
    @click.option("--detail", is_flag=True, help="List each post (person_id, no names) instead.")
    @output_options
    @publish_options
    @show_cypher_option
    @click.pass_context
    def command(ctx, as_of, filters, by, detail, fmt, output, no_suppress, threshold):
        store = get_store(ctx)
        frame = run(store, as_of, filters)
        if detail:
            result = Result(
                frame,
                f"{title}: detail as of {as_of}",
                _metadata(store, as_of, filters, RULES[name], False, no_suppress, threshold),
            )
        else:
            table = summarise(frame, by)
            table = _published(table, counts(table), rates(table), no_suppress, threshold)
            result = Result(
                table,
                f"{title} as of {as_of}" + (f", by {by}" if by else ""),
                _metadata(store, as_of, filters, RULES[name], True, no_suppress, threshold),
            )
        emit(result, fmt, output)

    return command


senco = _summary_command(
    "senco",
    "SENCO award audit",
    senco_q.senco_audit,
    senco_q.senco_summary,
    lambda t: ["schools", "total", *senco_q.STATUSES],
    senco_q.summary_rates,
)
senco.help = (
    "Classify every school's SENCO(s) against the SENCO award rules as of a date: compliant, "
    "within_window, overdue, exempt, not_eligible, no_senco."
)
sensory = _summary_command(
    "sensory",
    "Sensory mandatory qualification audit",
    sensory_q.sensory_audit,
    sensory_q.sensory_summary,
    lambda t: sensory_q.SUMMARY_COUNTS,
    lambda t: sensory_q.SUMMARY_RATES,
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
    lambda t: pd_q.SUMMARY_COUNTS,
    lambda t: pd_q.SUMMARY_RATES,
)
pd_cmd.help = "PD specialists with no relevant qualification (a gap, never non-compliance)."


def _area_filter(frame: pd.DataFrame, region: str | None, la: str | None) -> pd.DataFrame:
    """Capacity rows of one region / LA (an area with no rows gives an empty table, not an error)."""
    for value, cols, what in (
        (region, ["region_code", "region_name"], "region"),
        (la, ["new_la_code", "la_name"], "local authority"),
    ):
        if value and cols[0] in frame:
            frame = frame[_match(frame, value, cols, what, allow_empty=True)]
    return frame


@click.command(name="capacity")
@as_of_option("Count qualified staff in post on this date (default today).")
@click.option("--level", type=click.Choice(["la", "region"]), default="la", show_default=True)
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
@click.option("--region", default=None, help="Show only this region (ranks stay national).")
@click.option("--la", default=None, help="Show only this LA (ranks stay national).")
@output_options
@publish_options
@show_cypher_option
@click.pass_context
def capacity(ctx, as_of, level, needs, source, year, region, la, fmt, output, no_suppress, threshold):
    """Qualified VI / HI / MSI FTE against pupils with that primary need, per LA or region, ranked."""
    store = get_store(ctx)
    frame = capacity_q.capacity_against_need(store, as_of, level=level, source=source, year=year)
    if needs:
        frame = frame[frame["need"].isin(needs)]
    frame = _area_filter(frame, region, la)
    shown = Filters(region=region, la=la, extra={"need": ",".join(needs)} if needs else {})
    table = _published(frame, capacity_q.COUNTS, capacity_q.RATES, no_suppress, threshold)
    pupils = frame["pupils_source"].iloc[0] if len(frame) else None
    title = f"Sensory capacity against need by {level} as of {as_of}"
    emit(
        Result(
            table.drop(columns=["pupils_source"]),
            title,
            _metadata(store, as_of, shown, RULES["sensory"], True, no_suppress, threshold, pupils=pupils),
        ),
        fmt,
        output,
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
@output_options
@publish_options
@show_cypher_option
@click.pass_context
def deadlines(ctx, as_of, filters, within, by, include_overdue, fmt, output, no_suppress, threshold):
    """Who must achieve the SENCO award or a sensory MQ by when, within a horizon."""
    store = get_store(ctx)
    frame = deadlines_q.deadlines(store, as_of, within, filters, by=by, include_overdue=include_overdue)
    rule = f"{RULES['senco']}; {RULES['sensory']}"
    published = by == "la"
    if published:
        frame = _published(frame, deadlines_q.LA_COUNTS, {}, no_suppress, threshold)
    emit(
        Result(
            frame,
            f"Qualification deadlines within {within} of {as_of}, by {by}",
            _metadata(
                store,
                as_of,
                filters,
                rule,
                published,
                no_suppress,
                threshold,
                within=within,
                include_overdue=include_overdue or None,
            ),
        ),
        fmt,
        output,
    )


@click.group(name="audit")
def audit() -> None:
    """Qualification audits as of a date: senco, sensory, pd, capacity, deadlines."""


for _cmd in (senco, sensory, pd_cmd, capacity, deadlines):
    audit.add_command(_cmd)

commands = [audit]
