"""``sendgraph map ...``: write interactive, offline HTML maps (region, network, routes, audit).

Thin shell over :mod:`visuals`: each command parses options, calls one map function and reports the
file it wrote. Maps open in any browser with no network (everything is inlined).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import click

from sendgraph.cli._common import as_of_option, get_store


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "map"


def map_options(func: Callable) -> Callable:
    """-o/--output, --as-of and --show-names, identical on every map."""
    func = click.option(
        "--show-names", is_flag=True, help="Show people's names (personal data); pseudonymous ids otherwise."
    )(func)
    func = as_of_option("Date the map describes (memberships, posts, audits); default today.")(func)
    func = click.option(
        "--output",
        "-o",
        "output",
        type=click.Path(dir_okay=False),
        default=None,
        help="HTML file to write (default: a name from the map, in this folder).",
    )(func)
    return func


def _done(path: Path) -> None:
    click.echo(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


@click.group(name="map")
def map_group() -> None:
    """Write an interactive HTML map that works offline (open it in any browser)."""


@map_group.command("region")
@click.argument("name")
@click.option(
    "--colour",
    "--color",
    "colour",
    type=click.Choice(["tier", "senco"]),
    default="tier",
    show_default=True,
    help="Colour schools by participation rung or SENCO award status.",
)
@map_options
@click.pass_context
def region_cmd(ctx, name, colour, output, as_of, show_names) -> None:
    """Schools, LAs, trusts, networks and LA services of region NAME ("England" for all, aggregated)."""
    from visuals.region_map import region_map

    path = region_map(
        get_store(ctx),
        name,
        output or f"map-region-{_slug(name)}-{colour}.html",
        colour=colour,
        as_of=as_of,
        show_names=show_names,
    )
    _done(path)


@map_group.command("network")
@click.argument("network_id")
@map_options
@click.pass_context
def network_cmd(ctx, network_id, output, as_of, show_names) -> None:
    """One network or community of practice and its member schools and people, by rung."""
    from visuals.network_map import network_map

    path = network_map(
        get_store(ctx),
        network_id,
        output or f"map-network-{_slug(network_id)}.html",
        as_of=as_of,
        show_names=show_names,
    )
    _done(path)


@map_group.command("routes")
@click.option("--to", "to", default=None, help="Only the routes into this role code (e.g. SENCO).")
@click.option(
    "--observed",
    is_flag=True,
    help="Draw the observed pathways (sendgraph pathways) from --from to --to as flows, widths = people.",
)
@click.option("--from", "source", default="ITT", show_default=True, help="Start role, with --observed.")
@map_options
@click.pass_context
def routes_cmd(ctx, to, observed, source, output, as_of, show_names) -> None:
    """The reference progression graph, with observed moves as edge widths when posts are loaded.

    With --observed: the observed pathways from --from to --to, left to right, widths = people.
    """
    if observed:
        _observed_routes(ctx, source, to, output, as_of)
        return
    from visuals.routes_map import routes_map

    path = routes_map(
        get_store(ctx),
        output or f"map-routes{'-' + _slug(to) if to else ''}.html",
        to=to,
        as_of=as_of,
        show_names=show_names,
    )
    _done(path)


def _observed_routes(ctx, source, to, output, as_of) -> None:
    from queries.careers.pathways import PUBLISHES, pathways
    from queries.careers.routes import resolve_role
    from queries.publish import publish
    from visuals.pathways_map import pathways_map, role_names

    if not to:
        raise click.UsageError("--observed needs --to ROLE (the target of the pathways)")
    store = get_store(ctx)
    src, dst = resolve_role(store, source), resolve_role(store, to)
    published = publish(
        pathways(store, source=src, target=dst, as_of=as_of),
        PUBLISHES["pathways"],
        title=f"Observed pathways from {src} to {dst}",
        source=store.describe(),
        as_of=as_of,
    )
    path = pathways_map(
        published.frame,
        output or f"map-pathways-{_slug(src)}-{_slug(dst)}.html",
        source=src,
        target=dst,
        described=store.describe(),
        as_of=as_of,
        names=role_names(store),
    )
    _done(path)


@map_group.command("audit")
@click.argument("which", type=click.Choice(["senco", "sensory"]))
@click.option("--region", default=None, help="One region (code or name); default all of England.")
@map_options
@click.pass_context
def audit_cmd(ctx, which, region, output, as_of, show_names) -> None:
    """Where the qualification gaps are: SENCO award or sensory mandatory qualifications."""
    from visuals.audit_map import audit_map

    default = f"map-audit-{which}{'-' + _slug(region) if region else ''}.html"
    path = audit_map(
        get_store(ctx), which, output or default, region=region, as_of=as_of, show_names=show_names
    )
    _done(path)


commands = [map_group]
