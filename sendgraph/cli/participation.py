"""``sendgraph participation`` and ``sendgraph gaps network|structure|fragile|what-if``.

Thin: parse options, call one function in ``queries/`` (participation, network_gaps, collaboration,
fragility), suppress small numbers in published aggregate tables, emit. Detail tables list schools
(public establishments) and, where a user needs them for succession planning, person_ids, never
names.
"""

from __future__ import annotations

import click
import pandas as pd

from queries.context import BY_COLUMNS
from queries.networks import collaboration, fragility, participation
from queries.networks import gaps as network_gaps
from queries.publish import SYMBOL, Publishes, is_small
from sendgraph.cli._common import (
    as_of_option,
    filter_options,
    get_store,
    publish_and_emit,
    show_cypher_option,
    table_options,
    view_option,
)

STRUCTURE_VIEWS = {
    "components": "connected groups of schools",
    "isolates": "schools with no link",
    "communities": "Louvain communities",
    "brokers": "schools with the highest betweenness",
    "bridges": "links whose loss splits a component",
    "articulation-points": "schools whose loss splits a component",
}
SCHOOLS = Publishes(detail="detail table of schools (public establishments): not suppressed")
PEOPLE = Publishes(detail="detail table: person_ids (pseudonymous), never names")


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


@click.command("participation")
@filter_options
@click.option("--network", default=None, help="Only this SEND network (id or name).")
@click.option("--by", type=click.Choice(list(BY_COLUMNS)), default=None, help="Break down by this.")
@as_of_option("Date of the snapshot (default today).")
@view_option(
    {
        "ladder": "share of schools at each rung",
        "schools": "one row per school",
        "over-time": "change over the --years, each at 31 August",
    }
)
@click.option(
    "--years",
    default=None,
    metavar="YEARS",
    help="For --view over-time: comma-separated years (e.g. 2016,2017), each at 31 August.",
)
@table_options()
@show_cypher_option
@click.pass_context
def participation_cmd(ctx, filters, network, by, as_of, view, years, out) -> None:
    """The participation ladder: share of schools at each rung, the funnel between rungs, staff taking
    part per school, each group against the national figure (WSS §1.6, G13; UCL G10, G21)."""
    store = get_store(ctx)
    facts = dict(by=by, network=network)
    if view == "schools":
        frame = participation.school_participation(store, as_of=as_of, filters=filters, network=network)
        title = "Participation by school"
        publish_and_emit(store, frame, SCHOOLS, out, title=title, as_of=as_of, filters=filters, **facts)
        return
    if view == "over-time":
        if not years:
            raise click.BadParameter("--view over-time needs --years", param_hint="--years")
        try:
            year_list = [int(y) for y in years.split(",") if y.strip()]
        except ValueError as exc:
            raise click.BadParameter("years must be comma-separated integers", param_hint="--years") from exc
        frame = participation.participation_over_time(
            store, as_of=as_of, filters=filters, years=year_list, network=network
        )
        title = "Participation over time (at 31 August each year)"
        publish_and_emit(
            store, frame, participation.OVER_TIME, out, title=title, as_of=None, filters=filters, **facts
        )
        return
    frame = participation.participation_summary(store, as_of=as_of, filters=filters, by=by, network=network)
    title = "Participation ladder: schools at each rung"
    rungs = frame.attrs.get("rungs")
    facts = dict(by=by, rungs=rungs, network=network)  # in the order the metadata lists them
    publish_and_emit(
        store, frame, participation.SUMMARY, out, title=title, as_of=as_of, filters=filters, **facts
    )


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
@view_option({"gaps": "one row per gap", "summary": "counts and rates per --by group (suppressed)"})
@click.option(
    "--by",
    type=click.Choice(list(BY_COLUMNS)),
    default="la",
    show_default=True,
    help="Grouping for --view summary.",
)
@graph_options
@table_options()
@show_cypher_option
@click.pass_context
def network_cmd(ctx, filters, hops, view, by, as_of, min_weight, out) -> None:
    """Schools outside every SEND network, passive-only schools, mainstream schools with no special / PRU
    / AP link within HOPS (matched on age range), and LAs with no trained peer reviewer."""
    if hops < 1:
        raise click.BadParameter("must be 1 or more", param_hint="--hops")
    store = get_store(ctx)
    if view == "summary":
        frame = network_gaps.network_gaps_summary(
            store, as_of=as_of, filters=filters, by=by, hops=hops, min_weight=min_weight
        )
        spec, title, extra = network_gaps.SUMMARY, "Network gaps by " + by, {"by": by}
    else:
        frame = network_gaps.network_gaps(
            store, as_of=as_of, filters=filters, hops=hops, min_weight=min_weight
        )
        counts = frame["gap"].value_counts()
        gaps = ", ".join(f"{g} {int(counts.get(g, 0))}" for g in network_gaps.GAP_KINDS)
        spec, title, extra = SCHOOLS, "Network gaps", {"gaps": gaps}
    facts = dict(hops=hops, min_weight=min_weight, **extra)
    publish_and_emit(store, frame, spec, out, title=title, as_of=as_of, filters=filters, **facts)


@gaps_group.command("structure")
@view_option(STRUCTURE_VIEWS)
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
@table_options(published=False)
@show_cypher_option
@click.pass_context
def structure_cmd(ctx, view, filters, top, seed, samples, as_of, min_weight, out) -> None:
    """Components, isolates, communities (Louvain), brokers (betweenness), bridges and articulation
    points of the school collaboration graph (UCL G10-G12; WSS §6.2)."""
    store = get_store(ctx)
    day = as_of
    args = {"as_of": day, "filters": filters}
    if view == "components":
        frame = collaboration.components(store, **args, min_weight=min_weight)
    elif view == "isolates":
        frame = collaboration.isolates(store, **args, min_weight=min_weight)
    elif view == "communities":
        frame = collaboration.communities(store, **args, seed=seed, min_weight=min_weight)
    elif view == "brokers":
        frame = collaboration.brokers(
            store, **args, top=top or None, samples=samples, seed=seed, min_weight=min_weight
        )
    elif view == "bridges":
        frame = collaboration.bridges(store, **args, min_weight=min_weight)
    else:
        frame = collaboration.articulation_points(store, **args, min_weight=min_weight)
    attrs = {k: v for k, v in frame.attrs.items() if k in ("method", "communities", "modularity")}
    scope = "isolates: no link nationally; other views: the graph induced on the schools in scope"
    title = f"Collaboration graph: {view.replace('-', ' ')}"
    facts = dict(min_weight=min_weight, **attrs, scope=scope)
    publish_and_emit(store, frame, SCHOOLS, out, title=title, as_of=day, filters=filters, **facts)


@gaps_group.command("fragile")
@filter_options
@graph_options
@table_options(published=False)
@show_cypher_option
@click.pass_context
def fragile_cmd(ctx, filters, as_of, min_weight, out) -> None:
    """School-to-school links that one person's leaving would break, and who that person is (UCL G11)."""
    store = get_store(ctx)
    day = as_of
    frame = fragility.fragile_links(store, as_of=day, filters=filters, min_weight=min_weight)
    publish_and_emit(
        store,
        frame,
        PEOPLE,
        out,
        title="Fragile links (carried by one person)",
        as_of=day,
        filters=filters,
        min_weight=min_weight,
        links_in_scope=frame.attrs.get("links_in_scope"),
        fragile_links=len(frame),
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
@click.option(
    "--retirement-age",
    type=int,
    default=fragility.DEFAULT_RETIREMENT_AGE,
    show_default=True,
    help="Age at which --retiring-within counts someone as leaving.",
)
@view_option({"before-after": "connectivity before and after", "lost-links": "the links lost"})
@filter_options
@graph_options
@table_options()
@show_cypher_option
@click.pass_context
def what_if_cmd(
    ctx,
    people,
    retiring_within,
    retirement_age,
    view,
    filters,
    as_of,
    min_weight,
    out,
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
    extra = dict(
        retiring_within=retiring_within,
        retirement_age=retirement_age if retiring_within is not None else None,
        people_named=len(people) or None,
    )
    if view == "lost-links":
        frame = fragility.what_if_lost_links(store, **args)
        publish_and_emit(store, frame, PEOPLE, out, title="Links lost", as_of=day, filters=filters, **extra)
        return
    frame = fragility.what_if_remove(store, **args)
    hide = not out.no_suppress and out.threshold > 0
    for key in ("people_removed", "people_removed_carrying_links"):
        extra[key] = SYMBOL if hide and is_small(frame.attrs[key], out.threshold) else frame.attrs[key]
    title = "What if they leave: connectivity before and after"
    publish_and_emit(
        store, pd.DataFrame(frame), WHAT_IF, out, title=title, as_of=day, filters=filters, **extra
    )


WHAT_IF = Publishes()
"""The before/after table counts links and schools, not people; the people removed are suppressed."""


commands = [participation_cmd, gaps_group]
