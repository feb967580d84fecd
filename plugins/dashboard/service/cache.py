"""A short-lived cache of computed figures, keyed by street and query; one per kernel, in the
dashboard's runtime state (``kernel.state("dashboard").figures``)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any

MAX_ENTRIES = 2048


class FigureCache:
    """Reuses a computed value for ``ttl`` seconds; concurrent misses compute once."""

    def __init__(self) -> None:
        self._entries: dict[Hashable, tuple[float, Any]] = {}
        self._locks: dict[Hashable, asyncio.Lock] = {}

    async def get(self, key: Hashable, ttl: float, compute: Callable[[], Awaitable[Any]]) -> Any:
        """The cached value of ``key``, or ``await compute()`` stored for ``ttl`` seconds."""
        if ttl <= 0:
            return await compute()
        hit = self._entries.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._entries.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
            value = await compute()
            if len(self._entries) >= MAX_ENTRIES:
                self._evict()
            self._entries[key] = (time.monotonic() + ttl, value)
        self._locks.pop(key, None)
        return value

    def clear(self) -> None:
        """Forget everything (after a write the cockpit must show at once)."""
        self._entries.clear()

    def _evict(self) -> None:
        now = time.monotonic()
        for key in [k for k, (expires, _) in self._entries.items() if expires <= now]:
            del self._entries[key]
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()

