"""``sendgraph participation`` and ``sendgraph gaps network|structure|fragile|what-if``.

Thin: parse options, call one function in ``queries/`` (participation, network_gaps, collaboration,
fragility), suppress small numbers in published aggregate tables, emit. Detail tables list schools
(public establishments) and, where a user needs them for succession planning, person_ids, never
names.
"""

from __future__ import annotations

import datetime as dt

import click
import pandas as pd

from queries.context import BY_COLUMNS, Filters
from queries.networks import collaboration, fragility, participation
from queries.networks import gaps as network_gaps
from queries.publish import SYMBOL, publication_metadata, suppress
from sendgraph.cli._common import (
    as_of_option,
    emit,
    filter_options,
    get_store,
    output_options,
    publish_options,
)
from sendgraph.output import Result

STRUCTURE_VIEWS = ("components", "isolates", "communities", "brokers", "bridges", "articulation-points")
DETAIL = "detail table of schools (public establishments): not suppressed"


def graph_options(func):
    """--as-of and --min-tie-weight, identical on every command that builds the school graph."""
    func = click.option(
        "--min-tie-weight",
        "min_weight",
        type=click.FloatRange(min=0),
        default=collaboration.DEFAULT_MIN_WEIGHT,
        show_default=True,
        help="Ties weaker than this are left out of structure measures (a shared group of n schools "
        "adds 1/(n-1), a peer review or shared staff 1; 0 keeps every tie). Isolates ignore it.",
    )(func)
    func = as_of_option("Date of the snapshot (default today).")(func)
    return func


def _meta(store, day: dt.date, filters: Filters, **extra) -> dict:
    return {
        "source": store.describe(),
        "as_of": day.isoformat(),
        **filters.describe(),
        **{k: v for k, v in extra.items() if v not in (None, "")},
    }


def _small(value: int, threshold: int, suppressed: bool) -> object:
    return SYMBOL if suppressed and 1 <= value <= threshold else value


@click.command("participation")
@filter_options
@click.option("--network", default=None, help="Only this SEND network (id or name).")
@click.option("--by", type=click.Choice(list(BY_COLUMNS)), default=None, help="Break down by this.")
@as_of_option("Date of the snapshot (default today).")
@click.option(
    "--over-time",
    "over_time",
    default=None,
    metavar="YEARS",
    help="Change over time instead: comma-separated years (e.g. 2016,2017), each at 31 August.",
)
@click.option("--schools", "per_school", is_flag=True, help="One row per school instead of the ladder.")
@output_options
@publish_options
@click.pass_context
def participation_cmd(
    ctx, filters, network, by, as_of, over_time, per_school, fmt, output, no_suppress, threshold
) -> None:
    """The participation ladder: share of schools at each rung, the funnel between rungs, staff taking
    part per school, each group against the national figure (WSS §1.6, G13; UCL G10, G21)."""
    store = get_store(ctx)
    day = as_of
    meta = _meta(store, day, filters, network=network, by=by)
    if per_school:
        frame = participation.school_participation(store, filters, day, network)
        emit(Result(frame, "Participation by school", {**meta, "suppression": DETAIL}), fmt, output)
        return
    if over_time:
        try:
            years = [int(y) for y in over_time.split(",") if y.strip()]
        except ValueError as exc:
            raise click.BadParameter(
                "years must be comma-separated integers", param_hint="--over-time"
            ) from exc
        frame = participation.participation_over_time(store, years, filters, network)
        counts, rates, title = (
            participation.OVER_TIME_COUNTS,
            participation.OVER_TIME_RATES,
            "Participation over time (at 31 August each year)",
        )
        meta.pop("as_of")
    else:
        frame = participation.participation_summary(store, filters, by, day, network)
        counts, rates, title = (
            participation.SUMMARY_COUNTS,
            participation.SUMMARY_RATES,
            "Participation ladder: schools at each rung",
        )
        meta["rungs"] = frame.attrs.get("rungs")
    if not no_suppress:
        frame = suppress(frame, counts, rates, threshold)
    emit(Result(frame, title, {**meta, **publication_metadata(not no_suppress, threshold)}), fmt, output)


@click.group("gaps")
def gaps_group() -> None:
    """Network gaps and the structure of the school collaboration graph."""


@gaps_group.command("network")
@filter_options
@click.option(
    "--hops",
    type=int,
    default=2,
    show_default=True,
    help="Links within which a mainstream school should reach a special school, PRU or AP setting.",
)
@click.option("--summary", is_flag=True, help="Counts and rates per group instead of one row per gap.")
@click.option(
    "--by",
    type=click.Choice(list(BY_COLUMNS)),
    default="la",
    show_default=True,
    help="Grouping for --summary.",
)
@graph_options
@output_options
@publish_options
@click.pass_context
def network_cmd(
    ctx, filters, hops, summary, by, as_of, min_weight, fmt, output, no_suppress, threshold
) -> None:
    """Schools outside every SEND network, passive-only schools, mainstream schools with no special / PRU
    / AP link within HOPS (matched on age range), and LAs with no trained peer reviewer."""
    if hops < 1:
        raise click.BadParameter("must be 1 or more", param_hint="--hops")
    store = get_store(ctx)
    day = as_of
    meta = _meta(store, day, filters, hops=hops, min_weight=min_weight)
    if summary:
        frame = network_gaps.network_gaps_summary(store, filters, by, hops, day, min_weight)
        if not no_suppress:
            frame = suppress(frame, network_gaps.SUMMARY_COUNTS, network_gaps.SUMMARY_RATES, threshold)
        emit(
            Result(
                frame,
                "Network gaps by " + by,
                {**meta, "by": by, **publication_metadata(not no_suppress, threshold)},
            ),
            fmt,
            output,
        )
        return
    frame = network_gaps.network_gaps(store, filters, hops, day, min_weight)
    counts = frame["gap"].value_counts()
    meta["gaps"] = ", ".join(f"{g} {int(counts.get(g, 0))}" for g in network_gaps.GAP_KINDS)
    emit(Result(frame, "Network gaps", {**meta, "suppression": DETAIL}), fmt, output)


@gaps_group.command("structure")
@click.option(
    "--show",
    type=click.Choice(STRUCTURE_VIEWS),
    default="components",
    show_default=True,
    help="Which structure to list.",
)
@filter_options
@click.option("--top", type=int, default=20, show_default=True, help="Brokers: how many (0 = all).")
@click.option(
    "--seed",
    type=int,
    default=collaboration.DEFAULT_SEED,
    show_default=True,
    help="Random seed for Louvain and sampled betweenness (results are reproducible).",
)
@click.option(
    "--samples",
    type=int,
    default=collaboration.BETWEENNESS_SAMPLES,
    show_default=True,
    help="Brokers: sampled sources when the graph is too large for exact betweenness.",
)
@graph_options
@output_options
@click.pass_context
def structure_cmd(ctx, show, filters, top, seed, samples, as_of, min_weight, fmt, output) -> None:
    """Components, isolates, communities (Louvain), brokers (betweenness), bridges and articulation
    points of the school collaboration graph (UCL G10-G12; WSS §6.2)."""
    store = get_store(ctx)
    day = as_of
    args = (store, filters, day)
    if show == "components":
        frame = collaboration.components(*args, min_weight=min_weight)
    elif show == "isolates":
        frame = collaboration.isolates(*args, min_weight=min_weight)
    elif show == "communities":
        frame = collaboration.communities(*args, seed=seed, min_weight=min_weight)
    elif show == "brokers":
        frame = collaboration.brokers(
            *args, top=top or None, samples=samples, seed=seed, min_weight=min_weight
        )
    elif show == "bridges":
        frame = collaboration.bridges(*args, min_weight=min_weight)
    else:
        frame = collaboration.articulation_points(*args, min_weight=min_weight)
    meta = _meta(
        store,
        day,
        filters,
        min_weight=min_weight,
        **{k: v for k, v in frame.attrs.items() if k in ("method", "communities", "modularity")},
    )
    meta["scope"] = "isolates: no link nationally; other views: the graph induced on the schools in scope"
    emit(
        Result(frame, f"Collaboration graph: {show.replace('-', ' ')}", {**meta, "suppression": DETAIL}),
        fmt,
        output,
    )


@gaps_group.command("fragile")
@filter_options
@graph_options
@output_options
@click.pass_context
def fragile_cmd(ctx, filters, as_of, min_weight, fmt, output) -> None:
    """School-to-school links that one person's leaving would break, and who that person is (UCL G11)."""
    store = get_store(ctx)
    day = as_of
    frame = fragility.fragile_links(store, filters, day, min_weight)
    meta = _meta(
        store,
        day,
        filters,
        min_weight=min_weight,
        links_in_scope=frame.attrs.get("links_in_scope"),
        fragile_links=len(frame),
    )
    emit(
        Result(
            frame,
            "Fragile links (carried by one person)",
            {**meta, "suppression": "detail table: person_ids (pseudonymous), never names"},
        ),
        fmt,
        output,
    )


@gaps_group.command("what-if")
@click.option("--person", "people", multiple=True, help="A person_id to remove (repeat for several).")
@click.option(
    "--retiring-within",
    type=int,
    default=None,
    metavar="YEARS",
    help="Also remove everyone reaching the retirement age within YEARS (needs birth_year).",
)
@click.option("--retirement-age", type=int, default=fragility.DEFAULT_RETIREMENT_AGE, show_default=True)
@click.option("--lost-links", is_flag=True, help="List the links lost instead of the before/after table.")
@filter_options
@graph_options
@output_options
@publish_options
@click.pass_context
def what_if_cmd(
    ctx,
    people,
    retiring_within,
    retirement_age,
    lost_links,
    filters,
    as_of,
    min_weight,
    fmt,
    output,
    no_suppress,
    threshold,
) -> None:
    """What connectivity is lost if these people leave (or those near retirement do)."""
    store = get_store(ctx)
    day = as_of
    args = dict(
        person_ids=list(people),
        retiring_within_years=retiring_within,
        as_of=day,
        filters=filters,
        retirement_age=retirement_age,
        min_weight=min_weight,
    )
    meta = _meta(
        store,
        day,
        filters,
        retiring_within=retiring_within,
        retirement_age=retirement_age if retiring_within is not None else None,
        people_named=len(people) or None,
    )
    if lost_links:
        frame = fragility.what_if_lost_links(store, **args)
        emit(
            Result(frame, "Links lost", {**meta, "suppression": "detail table: person_ids, never names"}),
            fmt,
            output,
        )
        return
    frame = fragility.what_if_remove(store, **args)
    suppressed = not no_suppress
    meta["people_removed"] = _small(frame.attrs["people_removed"], threshold, suppressed)
    meta["people_removed_carrying_links"] = _small(
        frame.attrs["people_removed_carrying_links"], threshold, suppressed
    )
    emit(
        Result(
            pd.DataFrame(frame),
            "What if they leave: connectivity before and after",
            {**meta, **publication_metadata(suppressed, threshold)},
        ),
        fmt,
        output,
    )


commands = [participation_cmd, gaps_group]
