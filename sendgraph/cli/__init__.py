"""The ``sendgraph`` command line: a thin shell over the Python API.

Every command lives in a module of this package and only parses options, calls one function of
the library and renders the result with :mod:`sendgraph.output`. Command modules are discovered
here, so adding a command never means editing this file: a module exposes ``commands``, a list of
click commands.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import importlib.util
import os
import pkgutil
import re
import sys
import threading
from pathlib import Path

import click

from graphmodel import __version__
from graphmodel.errors import SendgraphError


class Group(click.Group):
    """A group that turns user errors into one clear message on stderr and a non-zero exit."""

    def main(self, args=None, *rest, **kwargs):
        """Click's ``main``; run as the process itself (no ``args`` given, standalone), it ends the
        process at once when the command is done (:func:`_end_process`)."""
        if args is not None or rest or kwargs.get("standalone_mode", True) is False:
            return super().main(args, *rest, **kwargs)  # called from code (tests, CliRunner)
        _AS_PROCESS.set()
        try:
            return super().main(args, **kwargs)
        except SystemExit as done:
            _end_process(done)
            raise

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


def _end_process(done: SystemExit) -> None:
    """Flush the output, run the exit handlers, then end the process without the interpreter's
    teardown; return (the interpreter then exits as usual) when another thread is still running or
    the exit carries a message rather than a code.

    Why: freeing every module and object of a command that imported pandas, pyarrow, scipy and
    igraph took ~0.4-0.5 s of each command's whole-process time (a national ``gaps fragile``, 780 MB:
    ~0.6 s from the command's end to the process's, ~0.2 s this way), and nothing is left to do by
    then: the output is written and flushed, files are closed, and the exit handlers (``atexit``:
    logging, thread pools, temporary files) have run."""
    code = 0 if done.code is None else done.code
    if type(code) is not int or threading.active_count() > 1:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed or broken stream: the interpreter's way reports it
        return
    atexit._run_exitfuncs()
    os._exit(code)


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


_DECLARED = re.compile(
    r"@click\.(?:command|group)\((?:name=)?[\"']([\w-]+)[\"']"  # an explicit name
    r"|@click\.(?:command|group)\(\).*?^def (\w+)\(",  # named after its function
    re.DOTALL | re.MULTILINE,
)


def _modules() -> list[str]:
    return [
        info.name
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name)
        if not info.name.startswith("_")
    ]


def _declared_in(module: str) -> set[str]:
    """Command names a module's source declares, read as text so that finding one command does not
    import every command module (and pandas, scipy, networkx behind them)."""
    spec = importlib.util.find_spec(f"{__name__}.{module}")
    if spec is None or spec.origin is None:
        return set()
    text = Path(spec.origin).read_text(encoding="utf-8")
    return {explicit or function.replace("_", "-") for explicit, function in _DECLARED.findall(text)}


_AS_PROCESS = threading.Event()
"""Set when the CLI runs as the process itself (:meth:`Group.main`), not from code or CliRunner."""


def _load(module: str) -> None:
    with _imports_uncollected():
        found = importlib.import_module(f"{__name__}.{module}")
    for command in getattr(found, "commands", []):
        main.add_command(command)


@contextlib.contextmanager
def _imports_uncollected():
    """In a process of its own, import a command's modules (pandas, pyarrow, scipy...) with the cyclic
    collector off, then freeze what they made (:func:`gc.freeze`) so later collections skip it.

    Why: the imports make a few hundred thousand objects that live as long as the process, and
    with the collector on they set off full collections that walk all of them again and again:
    ~0.3 s of a network command's ~1.3 s of imports; frozen, the analysis's own collections no
    longer walk them either. Only in a process of its own: frozen objects are never freed, which is
    fine for a process that ends with its command, not for a caller (tests, CliRunner) that goes on."""
    if not _AS_PROCESS.is_set() or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _discover() -> None:
    """Import every command module (for ``--help`` and for anything that lists the commands)."""
    for module in _modules():
        _load(module)


def _get_command(ctx: click.Context, name: str) -> click.Command | None:
    """Import only the module that declares ``name``: a new process running ``sendgraph pathways``
    pays for the careers code, not for every command's imports. The source scan is a shortcut, not
    a registry: a name it cannot place falls back to importing every module."""
    if name not in main.commands:
        for module in _modules():
            if name in _declared_in(module):
                _load(module)
        if name not in main.commands:
            _discover()
    return click.Group.get_command(main, ctx, name)


def _list_commands(ctx: click.Context) -> list[str]:
    _discover()
    return click.Group.list_commands(main, ctx)


main.get_command = _get_command  # type: ignore[method-assign]
main.list_commands = _list_commands  # type: ignore[method-assign]
