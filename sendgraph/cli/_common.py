"""Options and helpers every command shares, so output switches and errors behave the same."""

from __future__ import annotations

import datetime as dt
import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from graphmodel.backends import open_store
from graphmodel.store import GraphStore, LoadReport
from loaders.registry import FORMATS as INPUT_FORMATS
from queries.context import Filters
from queries.publish import DEFAULT_THRESHOLD
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


def get_store(ctx: click.Context) -> GraphStore:
    """The store named by the global --backend / --workspace options."""
    root = ctx.find_root()
    return open_store(root.obj["backend"], root.obj["workspace"])


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


def emit(result: Result, fmt: str, output: str | None) -> None:
    write(result, fmt, output, click.echo)
    if output:
        click.echo(f"wrote {output}", err=True)


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
