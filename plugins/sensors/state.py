"""The sensors plugin's runtime state on the kernel (``kernel.state("sensors")``): the
in-process alarm feed behind the ``alarmChanged`` subscription, the alarm relay when the
process has a broker connection, and the ingesters running (for ``/readyz``)."""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING, Any

from jiedao.api.domain import StreetFeed

if TYPE_CHECKING:
    from jiedao.api.domain import Kernel
    from jiedao.plugins.sensors.service.alarms import Change


class AlarmFeed(StreetFeed["Change"]):
    """Fan-out of changed alarms to the subscribers of one street (in this process only)."""


class BackgroundWrites:
    """Writes done off the caller's path, batched per key: ``add(key, item, flush)`` returns at
    once; one task per key runs ``await flush(key, items)`` with everything added meanwhile
    (the alarms' work items: one transaction for a burst of alarms, and ingestion never waits
    for it). ``settled()`` waits until nothing is pending. A batch lost to a crash is redone by
    the watchdog's catch-up (``service.work.open_missing_work_items``)."""

    def __init__(self) -> None:
        self._pending: dict[Any, list] = {}
        self._tasks: dict[Any, asyncio.Task] = {}

    def add(self, key: Any, item: Any, flush) -> None:
        """Queue ``item`` under ``key``; ``flush`` writes a batch of them."""
        self._pending.setdefault(key, []).append(item)
        task = self._tasks.get(key)
        if task is None or task.done():
            self._tasks[key] = asyncio.create_task(self._drain(key, flush))

    async def _drain(self, key: Any, flush) -> None:
        while self._pending.get(key):
            await flush(key, self._pending.pop(key))

    async def settled(self) -> None:
        """Wait until every item added so far has been flushed (or its flush has failed)."""
        while running := [task for task in self._tasks.values() if not task.done()]:
            await asyncio.gather(*running, return_exceptions=True)

    async def close(self) -> None:
        """At shutdown: cancel what is still pending (the catch-up redoes it)."""
        for task in self._tasks.values():
            task.cancel()
        await asyncio.gather(*self._tasks.values(), return_exceptions=True)
        self._pending.clear()


class SensorsState:
    """One per kernel, made at start-up by ``PluginInfo(state=SensorsState)``.

    ``relay`` is the ``AlarmRelay`` that ``service.publish.publish`` hands this process's
    alarm changes to (its ``send(street, change)`` queues and returns at once), or None
    while the process has no broker connection; the relay sets and unsets it itself.
    """

    def __init__(self, kernel: Kernel | None = None) -> None:
        self.feed = AlarmFeed()
        self.relay: Any = None
        self.ingesters: weakref.WeakSet = weakref.WeakSet()
        self.background = BackgroundWrites()

    async def close(self) -> None:
        """At shutdown: stop the background writes and the relay, if one is attached."""
        await self.background.close()
        relay, self.relay = self.relay, None
        if relay is not None:
            await relay.close()


def state_of(kernel: Kernel) -> SensorsState:
    """The sensors state of ``kernel``."""
    return kernel.state("sensors")


def feed_of(kernel: Kernel) -> AlarmFeed:
    """The alarm feed of ``kernel`` (one per loaded kernel)."""
    return kernel.state("sensors").feed


def relay_of(kernel: Kernel):
    """The relay attached to ``kernel``, or None when the process has no broker connection."""
    return kernel.state("sensors").relay
