"""The backends a store can be opened on, by name; callers never branch on the backend.

Each entry is ``"module:function"`` taking the workspace path (ignored by server backends, which
read their standard environment variables) and returning a :class:`~graphmodel.store.GraphStore`.
Imported lazily so the embedded default never imports a database driver.
"""

from __future__ import annotations

import importlib
import os

from graphmodel.errors import SendgraphError
from graphmodel.store import GraphStore
from graphmodel.workspace import DEFAULT_WORKSPACE

BACKENDS: dict[str, str] = {
    "embedded": "graphmodel.workspace:Workspace",
    "neo4j": "graphmodel.server.neo4j_store:open_neo4j",
    "falkordb": "graphmodel.server.falkordb_store:open_falkordb",
}


def open_store(backend: str | None = None, workspace: str | None = None) -> GraphStore:
    """Open the configured store: ``--backend`` / ``SENDGRAPH_BACKEND``, default embedded."""
    name = backend or os.environ.get("SENDGRAPH_BACKEND") or "embedded"
    if name not in BACKENDS:
        raise SendgraphError(f"unknown backend '{name}'; choose one of: {', '.join(BACKENDS)}")
    module, func = BACKENDS[name].split(":")
    factory = getattr(importlib.import_module(module), func)
    return factory(workspace or os.environ.get("SENDGRAPH_WORKSPACE") or DEFAULT_WORKSPACE)
