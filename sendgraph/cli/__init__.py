"""The ``sendgraph`` command line: a thin shell over the Python API.

Every command lives in a module of this package and only parses options, calls one function of
the library and renders the result with :mod:`sendgraph.output`. Command modules are discovered
here, so adding a command never means editing this file: a module exposes ``commands``, a list of
click commands.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys

import click

from graphmodel import __version__
from graphmodel.errors import SendgraphError


class Group(click.Group):
    """A group that turns user errors into one clear message on stderr and a non-zero exit."""

    def invoke(self, ctx: click.Context):
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a closed pipe shows up here, not at exit
            return result
        except BrokenPipeError:
            # the reader went away (``load ... | head``): what was done is done; say nothing more.
            # Point stdout at /dev/null so the interpreter's final flush cannot complain either.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            sys.exit(0)
        except SendgraphError as exc:
            click.echo(f"Error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except OSError as exc:  # a file that cannot be written or read: say which, no traceback
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)


@click.group(cls=Group)
@click.version_option(__version__, prog_name="sendgraph")
@click.option(
    "--workspace",
    "-w",
    envvar="SENDGRAPH_WORKSPACE",
    default="sendgraph-workspace",
    show_default=True,
    help="Embedded workspace directory (env SENDGRAPH_WORKSPACE).",
)
@click.option(
    "--backend",
    envvar="SENDGRAPH_BACKEND",
    default="embedded",
    show_default=True,
    help="Where the graph lives: embedded, or a server backend (env SENDGRAPH_BACKEND).",
)
@click.pass_context
def main(ctx: click.Context, workspace: str, backend: str) -> None:
    """Model the school SEND workforce of England as a graph: load, audit, map."""
    ctx.ensure_object(dict)
    ctx.obj["workspace"] = workspace
    ctx.obj["backend"] = backend


def _discover() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "commands", []):
            main.add_command(command)


_discover()
