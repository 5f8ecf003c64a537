"""Python's cyclic garbage collector paused while many short-lived, cycle-free objects are built.

Why a module of its own: a server read's reply (one list per row, and per cell in FalkorDB's compact
mode) and an igraph graph built from ~830k Python edge tuples both make millions of container
objects, and every few hundred new ones the collector walks the young objects (and, as they pile
up, the old ones): measured on the ~193k-row CPD meetings read, 2.5 s of client CPU with it on,
0.6 s with it off; on the national tie graph's edge tuples and ``add_edges``, ~0.45 -> ~0.25 s.
None of these objects hold cycles, so nothing waits to be collected.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["collector_paused"]

_GUARD = threading.Lock()
_HELD = [0, False]  # blocks under way, and whether the collector was on before the first began


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """The collector off inside the block. Blocks on several threads at once keep it off until the
    last one ends, and a collector the caller had turned off stays off."""
    with _GUARD:
        if _HELD[0] == 0:
            _HELD[1] = gc.isenabled()
            gc.disable()
        _HELD[0] += 1
    try:
        yield
    finally:
        with _GUARD:
            _HELD[0] -= 1
            if _HELD[0] == 0 and _HELD[1]:
                gc.enable()
