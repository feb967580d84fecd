"""In-process fan-out of changes to a street's live subscribers (GraphQL subscriptions).

A ``StreetFeed`` hands each change ``put`` for a street to every listener of that street; a
listener that falls behind by ``size`` changes loses its oldest (a subscription shows the
latest state, it is not a log). The feed lives in one process: a deployment with several
server processes needs a relay between them (the sensors plugin's alarm relay is one).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator
from typing import Generic, TypeVar

Change = TypeVar("Change")

_FEEDS: weakref.WeakSet[StreetFeed] = weakref.WeakSet()


class StreetFeed(Generic[Change]):
    """Fan-out of changes to the subscribers of one street (in this process only)."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self._queues: dict[int, set[asyncio.Queue]] = {}
        _FEEDS.add(self)

    def put(self, street_id: int, change: Change) -> None:
        """Hand ``change`` to every listener of the street; a slow one loses its oldest."""
        for queue in self._queues.get(street_id, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(change)

    async def listen(self, street_id: int) -> AsyncIterator[Change]:
        """The changes of ``street_id`` from now on, until the caller stops iterating."""
        queue: asyncio.Queue = asyncio.Queue(self.size)
        self._queues.setdefault(street_id, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues[street_id].discard(queue)

    def listeners(self, street_id: int) -> int:
        """How many listeners the street has now (tests wait for a page's subscription)."""
        return len(self._queues.get(street_id, ()))


def listening_in(street_id: int) -> weakref.WeakKeyDictionary[StreetFeed, int]:
    """How many listeners each feed of this process has in the street: a test that starts a
    subscription waits until one feed counts more than before it (a feed of another test's
    kernel losing a listener meanwhile changes only its own count)."""
    return weakref.WeakKeyDictionary({feed: feed.listeners(street_id) for feed in list(_FEEDS)})


def one_more_listener(before: weakref.WeakKeyDictionary[StreetFeed, int], street_id: int) -> bool:
    """Whether a feed of the street counts more listeners than in ``before`` (``listening_in``)."""
    return any(count > before.get(feed, 0) for feed, count in listening_in(street_id).items())
