"""Native Cypher implementations of analyses, for the graph-server backends.

Each module registers, with :func:`queries.registry.implementation`, a version of one public
analysis that gathers its data server-side with parameterised Cypher (written once in the subset
Neo4j 5 and FalkorDB share; see ``graphmodel/server/dialect.py``) and returns exactly the DataFrame
the embedded implementation returns: the differential tests (``tests/test_differential.py``) run both.
Query texts are registered with :func:`graphmodel.server.cypher.native_query`, so the Neo4j linter
checks exactly what runs. Importing ``queries.native`` registers them all;
:func:`queries.registry.load_native` does that the first time a server store runs an analysis.
"""

from __future__ import annotations

import importlib
import pkgutil

for _info in pkgutil.iter_modules(__path__):
    if _info.name != "lint":  # the linter collects statements; it registers no analysis
        importlib.import_module(f"{__name__}.{_info.name}")
