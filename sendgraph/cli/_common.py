"""Options and helpers every command shares, so output switches and errors behave the same."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import click

from graphmodel.backends import open_store
from graphmodel.store import GraphStore, LoadReport
from loaders.registry import FORMATS as INPUT_FORMATS
from queries.context import Filters
from queries.native.explain import ExplainStore, as_browser_script
from queries.publish import DEFAULT_THRESHOLD, publish
from sendgraph.output import FORMATS, Result, write

DATE = click.DateTime(formats=["%Y-%m-%d"])


def as_of_option(
    help: str = "Evaluate as of this date (YYYY-MM-DD; default today).",
    default: dt.date | None = None,
    today: bool = True,
) -> Callable[[Callable], Callable]:
    """--as-of, the same on every command: the command receives a ``datetime.date``.

    With ``today=False`` and no ``default`` the command receives None when the option is not given
    (``transitions``: every recorded post, not only those started by today)."""

    def to_date(_ctx: click.Context, _param: click.Parameter, value: dt.datetime | None) -> dt.date | None:
        if value is not None:
            return value.date()
        return default or (dt.date.today() if today else None)

    return click.option("--as-of", "as_of", type=DATE, default=None, callback=to_date, help=help)


FILTER_OPTIONS = (
    ("region", "Region code or name."),
    ("la", "Local authority code (new_la_code) or name."),
    ("trust", "Trust id or name."),
    ("phase", "Phase of education, e.g. Primary."),
    ("type", "Establishment type, type group or kind (mainstream, special, ap...)."),
)


def filter_options(func: Callable) -> Callable:
    """--region --la --trust --phase --type, the same on every command: it receives ``filters``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        values = {name: kwargs.pop(f"{name}_") for name, _ in FILTER_OPTIONS}
        return func(*args, filters=Filters(**values), **kwargs)

    for name, help_ in reversed(FILTER_OPTIONS):
        wrapper = click.option(f"--{name}", f"{name}_", default=None, help=help_)(wrapper)
    return wrapper


def view_option(views: dict[str, str], default: str | None = None) -> Callable[[Callable], Callable]:
    """--view, the one switch that picks which table a command prints: ``views`` maps each choice
    to what it shows (the first is the default); the command receives ``view``."""
    described = "; ".join(f"{name}: {what}" for name, what in views.items())
    return click.option(
        "--view",
        type=click.Choice(list(views)),
        default=default or next(iter(views)),
        show_default=True,
        help=f"Which table to print. {described}.",
    )


def file_output_option(help: str, default: str | None = None, **kwargs) -> Callable[[Callable], Callable]:
    """-o/--output for commands that write a file or folder (maps, demo, export, template)."""
    return click.option("--output", "-o", "output", default=default, help=help, **kwargs)


_SHOW_CYPHER: ContextVar[list | None] = ContextVar("sendgraph_show_cypher", default=None)


def get_store(ctx: click.Context) -> GraphStore:
    """The store named by the global --backend / --workspace options (recording its Cypher under
    ``--show-cypher``)."""
    root = ctx.find_root()
    store = open_store(root.obj["backend"], root.obj["workspace"])
    found = _SHOW_CYPHER.get()
    if found is None:
        return store
    explain = ExplainStore(store)
    explain.statements = found
    return explain  # type: ignore[return-value]


def show_cypher_option(func: Callable) -> Callable:
    """--show-cypher: print, instead of the table, the parameterised Cypher statements the analysis
    runs on a graph server (as a Neo4j Browser script: ``:params {...}`` then the statement).

    Works on every backend: on the embedded workspace it shows what a server would be sent
    (``queries.native.explain``). The command runs as usual; only its output is replaced."""

    @click.option(
        "--show-cypher",
        is_flag=True,
        help="Print the parameterised Cypher a graph server runs for this (Neo4j Browser script) "
        "instead of the table.",
    )
    @functools.wraps(func)
    def wrapper(*args, show_cypher: bool = False, **kwargs):
        if not show_cypher:
            return func(*args, **kwargs)
        found: list = []
        token = _SHOW_CYPHER.set(found)
        try:
            func(*args, **kwargs)
        finally:
            _SHOW_CYPHER.reset(token)
        click.echo(as_browser_script(found), nl=False)

    return wrapper


def output_options(func: Callable) -> Callable:
    """--format and --output, identical on every command that prints a table."""

    @click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="Output format.",
    )
    @click.option(
        "--output",
        "-o",
        type=click.Path(dir_okay=False),
        default=None,
        help="Write to this file instead of standard output.",
    )
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


def publish_options(func: Callable) -> Callable:
    """--no-suppress and --threshold, identical on every published table."""

    @click.option(
        "--no-suppress", is_flag=True, help="Show small numbers (internal use; the output says so)."
    )
    @click.option(
        "--threshold",
        type=int,
        default=DEFAULT_THRESHOLD,
        show_default=True,
        help="Counts from 1 to this are suppressed as 'c' (0: nothing suppressed, not for publication).",
    )
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        return func(*args, **kwargs)

    return wrapper


@dataclass(frozen=True)
class Emit:
    """How a command prints its table: ``--format`` and ``--output`` and, for a published table, its
    small-number protection (``--no-suppress``, ``--threshold``). One value, so a command hands its
    output choices on whole instead of threading four arguments through every call."""

    fmt: str = "table"
    output: str | None = None
    no_suppress: bool = False
    threshold: int = DEFAULT_THRESHOLD


def table_options(published: bool = True) -> Callable[[Callable], Callable]:
    """--format and --output, plus --no-suppress and --threshold when the table is ``published``
    (an aggregate; a detail table of schools or pseudonymous ids has nothing to suppress): the
    command receives them as one :class:`Emit` named ``out``."""

    def decorate(func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            out = Emit(
                kwargs.pop("fmt"),
                kwargs.pop("output"),
                kwargs.pop("no_suppress", False),
                kwargs.pop("threshold", DEFAULT_THRESHOLD),
            )
            return func(*args, out=out, **kwargs)

        wrapper = output_options(wrapper)
        return publish_options(wrapper) if published else wrapper

    return decorate


def publish_and_emit(
    store: GraphStore,
    frame,
    spec,
    out: Emit,
    *,
    title: str,
    as_of,
    filters: Filters,
    **facts: object,
) -> None:
    """Publish ``frame`` by its declaration (``queries.publish.publish``) and print or write it: the
    one path every published table of the command line takes, with the store as its source. Facts
    that are None or blank are left out of the metadata."""
    result = publish(
        frame,
        spec,
        title=title,
        source=store.describe(),
        as_of=as_of,
        filters=filters,
        threshold=out.threshold,
        suppress=not out.no_suppress,
        **{k: v for k, v in facts.items() if v not in (None, "")},
    )
    emit(result, out)


def emit(result: Result, out: Emit) -> None:
    """Print ``result`` (or write it to ``out.output``) in ``out.fmt``."""
    if _SHOW_CYPHER.get() is not None:  # --show-cypher prints the statements instead
        return
    write(result, out.fmt, out.output, click.echo)
    if out.output:
        click.echo(f"wrote {out.output}", err=True)


def input_options(func: Callable) -> Callable:
    """PATHS, --input-format, --encoding and --all-establishments, the same on every command that reads
    inputs (load, validate, server load): it receives ``inputs`` ([(path, format)]) and ``options``
    (the reader options for ``ingest.load`` / ``ingest.prepare``)."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        paths, fmt = kwargs.pop("paths"), kwargs.pop("input_format")
        encoding, all_establishments = kwargs.pop("encoding"), kwargs.pop("all_establishments")
        options: dict = {"all_establishments": all_establishments}
        if encoding:
            options["encoding"] = encoding
        return func(*args, inputs=[(Path(p), fmt) for p in paths], options=options, **kwargs)

    wrapper = click.option(
        "--all-establishments", is_flag=True, help="GIAS: keep closed establishments too."
    )(wrapper)
    wrapper = click.option(
        "--encoding", default=None, help="Text encoding of the input (GIAS files are cp1252)."
    )(wrapper)
    wrapper = click.option(
        "--input-format",
        "input_format",
        type=click.Choice(["auto", *INPUT_FORMATS]),
        default="auto",
        show_default=True,
        help="Input format (detected from the file when auto).",
    )(wrapper)
    return click.argument("paths", nargs=-1, required=True, type=click.Path())(wrapper)


take_over_option = click.option(
    "--take-over",
    is_flag=True,
    help="Server backends: take over the load lease of a load whose process died (see docs/reliability.md).",
)


def print_load(store: GraphStore, report: LoadReport, notes: list[str]) -> None:
    """What every load command prints: reader notes (stderr), then the status line and the counts."""
    for note in notes:
        click.echo(f"note: {note}", err=True)
    status = "nothing changed" if report.unchanged else "loaded"
    click.echo(f"{status} into {store.describe()} in {report.seconds:.1f}s")
    click.echo(report.frame().to_string(index=False))


@contextmanager
def progress(label: str) -> Iterator[Callable[[str, int], None]]:
    """A progress line on stderr; yields a callback ``(step, rows)`` that shows the current step.

    No caller knows how many steps a load or a generation takes, so it shows the step, not a bar.
    """
    with click.progressbar(
        length=0, label=label, file=sys.stderr, show_pos=True, item_show_func=lambda s: s
    ) as bar:

        def advance(step: str, rows: int) -> None:
            bar.update(0, step)

        yield advance
