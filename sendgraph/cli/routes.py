"""Progression commands: routes, transitions, pipeline, next-steps, bottlenecks (UCL 2019 KF5 / G7).

Thin: parse options, call one function in ``queries/``, publish aggregates through
``queries.publish.publish`` with what each analysis declares, emit.
"""

from __future__ import annotations

import click

from queries.careers import bottlenecks as bottlenecks_q
from queries.careers import transitions as transitions_q
from queries.careers.bottlenecks import bottlenecks, observed_bottlenecks
from queries.careers.next_steps import next_steps
from queries.careers.pipeline import LEVELS, PUBLISHES, pipeline
from queries.careers.routes import resolve_region, resolve_role, routes
from queries.careers.transitions import (
    compare_with_reference,
    dead_ends,
    direct_to_specialist,
    observed_transitions,
)
from sendgraph.cli._common import (
    as_of_option,
    emit,
    filter_options,
    get_store,
    publish_and_emit,
    show_cypher_option,
    table_options,
    view_option,
)
from sendgraph.output import Result


@click.command("routes")
@click.option("--from", "source", required=True, help="Start role: code, name or short name (ITT, TA...).")
@click.option("--to", "target", required=True, help="Target role (QTVI, SENCO, ADVISORY_HI...).")
@click.option("--limit", type=click.IntRange(1, 100), default=10, show_default=True, help="Routes to list.")
@as_of_option("Date the role requirements apply (default today).")
@filter_options
@table_options(published=False)
@show_cypher_option
@click.pass_context
def routes_cmd(ctx, source, target, limit, as_of, filters, out) -> None:
    """Reference routes from one role to another, ranked by total typical years.

    One row per step, with the qualification it needs and the providers that offer it. The routes
    are a catalogue: --region lists the providers national and in that region; --la, --trust,
    --phase and --type cannot apply and are refused.
    """
    store = get_store(ctx)
    day = as_of
    frame = routes(store, as_of=day, filters=filters, source=source, target=target, limit=limit)
    src, dst = resolve_role(store, source), resolve_role(store, target)
    meta = {
        "source": store.describe(),
        "as_of": day.isoformat(),
        "region": resolve_region(store, filters.region),
        "routes": int(frame["route"].nunique()) if len(frame) else 0,
        "note": "reference routes from the catalogue (role_progressions, provider_offers): editable data",
    }
    emit(Result(frame, f"Routes from {src} to {dst}", meta), out)


VIEWS = {
    "moves": (observed_transitions, transitions_q.MOVES, "Observed transitions between roles"),
    "direct": (
        direct_to_specialist,
        transitions_q.DIRECT,
        "Specialists who went straight from ITT or ECT into a SEND specialism",
    ),
    "dead-ends": (dead_ends, transitions_q.DEAD_ENDS, "Roles with no observed onward move"),
    "compare": (
        compare_with_reference,
        transitions_q.COMPARE,
        "Reference progression steps against observed moves",
    ),
}


@click.command("transitions")
@view_option(
    {
        "moves": "counts, rates, median years",
        "direct": "straight from ITT/ECT into a specialism",
        "dead-ends": "roles nobody moves on from",
        "compare": "against the reference routes",
    }
)
@as_of_option("Careers as they stood on this date (default: every post recorded).", today=False)
@filter_options
@table_options()
@show_cypher_option
@click.pass_context
def transitions_cmd(ctx, view, as_of, filters, out) -> None:
    """Observed career moves from dated posts (same role at another school is not a move)."""
    store = get_store(ctx)
    func, spec, title = VIEWS[view]
    frame = func(store, as_of=as_of, filters=filters)
    publish_and_emit(
        store,
        frame,
        spec,
        out,
        title=title,
        as_of=as_of,
        filters=filters,
    )


@click.command("pipeline")
@as_of_option("Date of the snapshot (default today).")
@filter_options
@click.option(
    "--by", type=click.Choice(list(LEVELS)), default="la", show_default=True, help="One row per LA or region."
)
@table_options()
@show_cypher_option
@click.pass_context
def pipeline_cmd(ctx, as_of, filters, by, out) -> None:
    """The gaps (people in post without the qualification) and the people likely to fill them, per area."""
    store = get_store(ctx)
    frame = pipeline(store, as_of=as_of, filters=filters, level=by)
    note = (
        "region rows: staff and pupils of the LAs in the graph only (las_in_graph of las_in_region)"
        if by == "region"
        else None
    )
    publish_and_emit(
        store,
        frame,
        PUBLISHES,
        out,
        title="Specialist pipeline: gaps and people likely to move into the roles",
        as_of=as_of,
        filters=filters,
        by=by,
        note=note,
    )


@click.command("next-steps")
@click.option("--person", "person_id", required=True, help="Pseudonymous person id.")
@click.option("--target", required=True, help="Target role: code, name or short name (QTVI, SENCO...).")
@as_of_option("Date to judge by (default today).")
@filter_options
@table_options(published=False)
@show_cypher_option
@click.pass_context
def next_steps_cmd(ctx, person_id, target, as_of, filters, out) -> None:
    """What one person is missing for a target role, and who offers it.

    Providers listed are national and in the region of the person's current post, or with --region
    in that region instead; --la, --trust, --phase and --type cannot apply to one person and are
    refused.
    """
    store = get_store(ctx)
    day = as_of
    frame = next_steps(store, as_of=day, filters=filters, person_id=person_id, target=target)
    route = frame.attrs.get("route") or []
    meta = {
        "source": store.describe(),
        "as_of": day.isoformat(),
        "person_id": person_id,
        "current_roles": ", ".join(frame.attrs.get("current_roles") or []) or "none",
        "route": " -> ".join(route) if route else "no reference route; target requirements only",
    }
    emit(Result(frame, f"Next steps to {resolve_role(store, target)}", meta), out)


@click.command("bottlenecks")
@view_option(
    {
        "reference": "routes on paper (catalogue)",
        "observed": "roles and steps weighed by the people observed taking them, and provider places "
        "against the need each qualification serves",
    }
)
@click.option(
    "--limit",
    type=click.IntRange(1, 100),
    default=10,
    show_default=True,
    help="Ranked routes per entry/specialist pair (reference view).",
)
@as_of_option("Date of the posts and requirements (default today).")
@filter_options
@table_options()
@show_cypher_option
@click.pass_context
def bottlenecks_cmd(ctx, view, limit, as_of, filters, out) -> None:
    """Roles and qualifications most routes to specialist roles pass through, with provider capacity.

    The filters narrow --view observed (the people counted); --view reference counts routes on
    paper (the catalogue), so it refuses any filter.
    """
    store = get_store(ctx)
    if view == "observed":
        frame = observed_bottlenecks(store, as_of=as_of, filters=filters)
        publish_and_emit(
            store,
            frame,
            bottlenecks_q.OBSERVED,
            out,
            title="Bottlenecks on the observed routes into specialist roles",
            as_of=as_of,
            filters=filters,
            note="places_per_year blank = no provider publishes places (the shipped catalogue has none; "
            "load provider_offers.places_per_year to set places against need)",
        )
        return
    frame = bottlenecks(store, as_of=as_of, filters=filters, limit=limit)
    meta = {
        "source": store.describe(),
        "routes_per_pair": limit,
        "note": "places_per_year blank = no provider reports places (unknown, not zero)",
    }
    emit(Result(frame, "Bottlenecks on routes to specialist roles", meta), out)


commands = [routes_cmd, transitions_cmd, pipeline_cmd, next_steps_cmd, bottlenecks_cmd]
