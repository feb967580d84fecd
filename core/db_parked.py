"""Pooled connections a read outside a transaction keeps for the next one.

Taking a connection from SQLAlchemy's pool and giving it back costs two hops into a greenlet
(the pool is synchronous code, driven through ``greenlet_spawn``) plus the pool's bookkeeping
and events: on a query answered by one statement read alone (``core.db_alone``), a sixth of
the request's CPU. So a read alone keeps its connection when it is done, parked here, and the
next read alone takes the one parked last, with no hop at all.

Parked connections stay checked out of the pool, so they are few and never kept for long:

- at most ``MOST_PARKED`` (and none for a pool of fewer than ``POOL_PER_PARKED`` connections);
- none while every connection of the pool is checked out (parked ones included): then a
  connection read alone goes back at once, and the parked ones with it, for the requests
  that may be waiting for one;
- a connection parked for ``IDLE_SECONDS`` without being used goes back (a timer), and one
  taken from the pool ``HOLD_SECONDS`` ago goes back instead of being parked again: the pool's
  own care — its ping of a connection idle for a while, its recycling — keeps applying;
- ``release`` (``Database.dispose``) gives every parked one back.

A parked connection found dead fails its read, which then runs the ordinary way
(``core.db_alone``); a broken connection is never parked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool
from sqlalchemy.util import greenlet_spawn

log = logging.getLogger("jiedao.db")

MOST_PARKED = 4
"""Connections parked at most (a process's concurrent reads alone beyond it use the pool)."""
POOL_PER_PARKED = 8
"""Pool connections per parked one: a pool of 30 parks 3 at most, one of 7 or fewer none."""
IDLE_SECONDS = 1.0
"""A connection parked this long without being used goes back to the pool."""
HOLD_SECONDS = 60.0
"""A connection taken from the pool this long ago goes back to it instead of being parked again."""


@dataclass(slots=True)
class _Parked:
    connection: Any
    taken_at: float
    parked_at: float


class ParkedConnections:
    """The parked connections of one engine's pool (``Database.parked``)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._parked: list[_Parked] = []
        self._timer: asyncio.TimerHandle | None = None
        self._returning: set[asyncio.Task] = set()

    @property
    def connections(self) -> list[Any]:
        """The parked (pooled) connections, the one the next read takes last."""
        return [parked.connection for parked in self._parked]

    async def take(self) -> tuple[Any, float]:
        """A pooled connection for one read and when it left the pool: the one parked last, or
        one from the pool (waiting for it, as any checkout does)."""
        if self._parked:
            parked = self._parked.pop()
            return parked.connection, parked.taken_at
        return await self._engine.raw_connection(), time.monotonic()

    async def give_back(self, connection: Any, taken_at: float, broken: bool) -> None:
        """Park ``connection`` (taken from the pool at ``taken_at``) for the next read, or give it
        back to the pool: invalidated when ``broken``; given back when parking is full, the pool
        has run dry (the parked ones go back too) or it left the pool ``HOLD_SECONDS`` ago."""
        if broken:
            await greenlet_spawn(connection.invalidate)
            return
        now = time.monotonic()
        pool = self._engine.sync_engine.pool
        pool_dry = not isinstance(pool, QueuePool) or pool.checkedout() >= pool.size()
        most = 0 if pool_dry else min(MOST_PARKED, pool.size() // POOL_PER_PARKED)
        if len(self._parked) < most and now - taken_at < HOLD_SECONDS:
            self._parked.append(_Parked(connection, taken_at, now))
            if self._timer is None:
                self._timer = asyncio.get_running_loop().call_later(IDLE_SECONDS, self._give_back_idle)
            return
        await greenlet_spawn(connection.close)
        if pool_dry and self._parked:
            parked, self._parked = self._parked, []
            await _close(parked)

    def _give_back_idle(self) -> None:
        """The timer: hand the connections parked ``IDLE_SECONDS`` or longer back to the pool."""
        self._timer = None
        now = time.monotonic()
        idle = [parked for parked in self._parked if now - parked.parked_at >= IDLE_SECONDS]
        if idle:
            self._parked = [parked for parked in self._parked if now - parked.parked_at < IDLE_SECONDS]
            task = asyncio.ensure_future(_close(idle))
            self._returning.add(task)
            task.add_done_callback(self._returning.discard)
        if self._parked:
            self._timer = asyncio.get_running_loop().call_later(IDLE_SECONDS, self._give_back_idle)

    async def release(self) -> None:
        """Give every parked connection back to the pool (before the engine is disposed)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        parked, self._parked = self._parked, []
        await _close(parked)
        if self._returning:
            await asyncio.gather(*self._returning, return_exceptions=True)


async def _close(parked: list[_Parked]) -> None:
    """Give ``parked``'s connections back to the pool (a failure is logged: the pool has it then)."""
    for each in parked:
        try:
            await greenlet_spawn(each.connection.close)
        except Exception:  # noqa: BLE001 - one connection's failure must not keep the others out
            log.warning("giving a parked connection back to the pool failed", exc_info=True)
