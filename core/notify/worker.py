"""The outbox worker: in ``jiedao serve`` (background) or alone (``jiedao notify run``).

Each cycle, per street: alerts whose wait is over move to their next stage, the daily
digest goes out when due, then due messages are delivered in batches until none is left.
Between cycles it sleeps ``interval`` seconds, or less when a transaction in this process
committed new messages (``NotifyRuntime.wake``).
"""

from __future__ import annotations

import asyncio
import logging

from jiedao.core.notify.alerts import advance_alerts
from jiedao.core.notify.delivery import deliver_once, worker_name
from jiedao.core.notify.digest import send_digests
from jiedao.core.notify.runtime import runtime

log = logging.getLogger("jiedao.notify")
INTERVAL = 1.0
"""Seconds between cycles when nothing wakes the worker: the delivery cycle."""


async def cycle(kernel, worker: str, *, batch: int = 200) -> int:
    """One pass over every street; returns the messages handled."""
    handled = 0
    for street in kernel.config.streets:
        try:
            async with kernel.db.transaction(kernel.street_id(street)) as session:
                await advance_alerts(session, kernel, street)
                await send_digests(session, kernel, street)
            while True:
                done = await deliver_once(kernel, street, worker, limit=batch)
                handled += done
                if done < batch:
                    break
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the next cycle tries again
            log.exception("notification cycle failed in %s", street)
    return handled


async def run_worker(kernel, *, interval: float = INTERVAL, batch: int = 200, stop: asyncio.Event | None = None) -> None:
    """Deliver until cancelled (or ``stop`` is set)."""
    worker = worker_name()
    notify = runtime(kernel)
    log.info("notification worker %s started", worker)
    try:
        while stop is None or not stop.is_set():
            notify.wake.clear()
            await cycle(kernel, worker, batch=batch)
            try:
                await asyncio.wait_for(notify.wake.wait(), interval)
            except TimeoutError:
                pass
    finally:
        await notify.close()


async def run_in_server(kernel) -> None:
    """Background work of ``jiedao serve``."""
    await run_worker(kernel)
