"""Backend dispatch for analyses: one public function, several implementations.

Like networkx's ``_dispatchable``: an analysis is written once for DataFrames (which every store
can provide) and decorated with :func:`analysis`; a server backend may register a native version
(parameterised Cypher) with :func:`implementation`. Callers call the public function and never
branch on the backend. The differential tests run both and compare.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from typing import TypeVar

from graphmodel.store import CURRENT_ANALYSIS

F = TypeVar("F", bound=Callable)
_IMPLEMENTATIONS: dict[str, dict[str, Callable]] = {}


def analysis(func: F) -> F:
    """Register ``func`` as the embedded (DataFrame) implementation of the analysis of its name."""
    name = f"{func.__module__}.{func.__qualname__}"
    impls = _IMPLEMENTATIONS.setdefault(name, {})
    impls["embedded"] = func

    @functools.wraps(func)
    def dispatch(store, *args, **kwargs):
        backend = getattr(store, "backend", "embedded")
        if backend != "embedded":
            load_native(func.__module__)
        impl = impls.get(backend, func)
        if CURRENT_ANALYSIS.get() is not None:  # called by another analysis: the outer one is named
            return impl(store, *args, **kwargs)
        token = CURRENT_ANALYSIS.set(func.__name__)
        try:
            return impl(store, *args, **kwargs)
        finally:
            CURRENT_ANALYSIS.reset(token)

    dispatch.implementations = impls  # type: ignore[attr-defined]
    dispatch.embedded = func  # type: ignore[attr-defined]
    return dispatch  # type: ignore[return-value]


def implementation(public: Callable, *backends: str) -> Callable[[F], F]:
    """Register a native implementation of ``public`` for the named backends."""

    def register(func: F) -> F:
        for backend in backends:
            public.implementations[backend] = func  # type: ignore[attr-defined]
        return func

    return register


def load_native(module: str | None = None) -> None:
    """Register the native implementations of the analyses in ``module`` (all of them if None).

    The registry does this itself the first time a server store asks for an analysis, so neither the
    model layer nor a caller has to know that native versions exist. Only the native modules that
    import from ``module`` are imported: a new process running one audit does not pay for the
    network natives' scipy and igraph.
    """
    import queries.native

    queries.native.load(module)


def analyses() -> dict[str, dict[str, Callable]]:
    """Every registered analysis and its implementations, by backend (for tests, docs and benches).

    Every module under ``queries`` is imported first (an analysis registers itself when its module
    is imported), then the native implementations, so the answer is complete whoever asks.
    """
    import queries

    for info in pkgutil.walk_packages(queries.__path__, prefix="queries."):
        if info.name != "queries.native.lint":
            importlib.import_module(info.name)
    load_native()
    return _IMPLEMENTATIONS
