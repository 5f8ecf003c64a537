"""One build per store of an input the network analyses ask for several times in one command.

Why: a ``gaps`` command asks for the same large inputs from several places (the school memberships
of SEND networks for participation and for the tie list; the live CPD meetings for the tie weights
and again, with people, for who carries each tie), and on a graph server each ask was a second
round of paged reads. :func:`shared` keeps the first answer on the store's derived-results cache
(:class:`graphmodel.store.DerivedCache`, dropped by a new load), and holds a lock per key (kept on
the same cache) while it builds, so when the tie list is built on a background thread
(:func:`queries.networks.ties.in_background`) and the main thread asks for the same input
meanwhile, it waits for that one build instead of starting a second.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import TypeVar

from graphmodel.store import GraphStore

T = TypeVar("T")

__all__ = ["shared"]

_GUARD = threading.Lock()
"""Held only while a key's lock is looked up or made (never during a build), so two threads asking
for a key at once get the same lock."""


def _lock(store: GraphStore, key: Hashable) -> threading.Lock:
    """The lock of ``key``'s build, kept on ``store``'s cache beside the value it guards.

    Why on the store: the keys hold dates, so a module-level table of locks grew with every date a
    long-running process asked about; on the store the locks go with the store (and with its
    derived results when a load drops them)."""
    with _GUARD:
        return store.cache(("memo.lock", key), threading.Lock)


def shared(store: GraphStore, key: Hashable, build: Callable[[], T]) -> T:
    """``build()``, kept on ``store``'s cache under ``key`` (built afresh each call on a minimal store
    without one). Callers must not change the value they get.

    The lock is per store and key. A build that asks for another key takes that key's lock inside
    its own; no build here asks for a key whose build asks back, so no two threads wait on each
    other."""
    cache = getattr(store, "cache", None)
    if cache is None:
        return build()
    with _lock(store, key):
        return cache(key, build)
