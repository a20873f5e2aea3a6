"""Short-lived per-process memos for rows every booking reads and admins rarely change.

Each booking needs the pact in force, the office's opening hours and closures, and message
template names: five queries that answer the same for every booking of the day. A HotCache
keeps answers for ANTREAN_HOT_CACHE_SECONDS. Saving or deleting one of the models it watches
clears it in this process at once; other processes see the change within those seconds.

A change made inside a transaction also stops the cache from keeping anything until this
process is next seen outside a transaction, so that a row written by a transaction that is then
rolled back is not remembered. Between threads of one process the TTL is the bound, as between
processes.
"""

import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

_all: list["HotCache"] = []


class HotCache:
    def __init__(self, name: str, *, watch: tuple[str, ...]):
        self.name = name
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._dirty = False  # a watched row changed inside a transaction not yet seen to end
        _all.append(self)
        # Watched models are named "app_label.Model": Django connects once they are loaded.
        for label in watch:
            for signal in (post_save, post_delete):
                signal.connect(self._on_change, sender=label, weak=False)

    def _on_change(self, **kwargs) -> None:
        self.clear()
        if transaction.get_connection().in_atomic_block:
            self._dirty = True

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        if self._dirty and not transaction.get_connection().in_atomic_block:
            self._dirty = False  # that transaction has ended, committed or not
            self.clear()
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        value = compute()
        ttl = settings.ANTREAN_HOT_CACHE_SECONDS
        if ttl > 0 and not self._dirty:
            self._entries[key] = (now + ttl, value)
        return value

    def clear(self) -> None:
        self._entries.clear()
        self._dirty = False


def hot_caches_clear() -> None:
    for cache in _all:
        cache.clear()
