"""Native Cypher implementations of analyses, for the graph-server backends.

Each module registers, with :func:`queries.registry.implementation`, a version of one public
analysis that gathers its data server-side with parameterised Cypher (written once in the subset
Neo4j 5 and FalkorDB share; see ``graphmodel/server/dialect.py``) and returns exactly the DataFrame
the embedded implementation returns: the differential tests (``tests/test_differential.py``) run both.
Query texts are registered with :func:`graphmodel.server.cypher.native_query`, so the Neo4j linter
checks exactly what runs.

Importing this package registers nothing: :func:`load` imports the native modules, and
:func:`queries.registry.load_native` calls it the first time a server store runs an analysis of
a module, for that module only. Why: every CLI command is a new process, and the network natives
pull in scipy and igraph (about a second on a small machine) that an audit never needs.
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import pkgutil
import re
from pathlib import Path

#: ``from queries.x.y import ...`` lines: which embedded modules a native module implements.
_IMPORTS = re.compile(r"^from (queries\.[\w.]+) import", re.MULTILINE)


def _modules() -> list[str]:
    # the linter collects statements and registers no analysis; _view is a helper for the others
    names = (i.name for i in pkgutil.iter_modules(__path__))
    return sorted(n for n in names if n != "lint" and not n.startswith("_"))


@functools.cache
def modules_for(embedded_module: str) -> tuple[str, ...]:
    """The native modules that import from ``embedded_module``, read as text (not imported).

    A native implementation imports the public function it implements from the embedded module
    that defines it, so these are the only native modules that can register one of its analyses.
    ``tests/test_native_dispatch.py`` checks that for every registered implementation.
    """
    found = []
    for name in _modules():
        spec = importlib.util.find_spec(f"{__name__}.{name}")
        if spec is not None and spec.origin is not None:
            if embedded_module in _IMPORTS.findall(Path(spec.origin).read_text(encoding="utf-8")):
                found.append(name)
    return tuple(found)


def load(embedded_module: str | None = None) -> None:
    """Import (so register) the native implementations of ``embedded_module``'s analyses, or all."""
    names = _modules() if embedded_module is None else modules_for(embedded_module)
    for name in names:
        importlib.import_module(f"{__name__}.{name}")
