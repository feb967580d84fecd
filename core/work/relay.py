"""Work-item changes between processes: ``workItemChanged`` for deployments of several processes.

Opt-in with ``JIEDAO_WORK_RELAY=on`` on PostgreSQL (every process of the deployment: API,
ingesters, scheduler, worker). After a work-item event committed, ``notify_work_event`` sends
``pg_notify('jiedao_work_items', …)`` with the item's id, the event's name and action, the
street and this process's origin; ``listen_work_items`` (a relay: it runs in every serving
process, ``serve --no-background`` included) LISTENs on that channel and hands the changes of
other processes to this process's work-item feed. Subscribers then re-read the item through
their own visibility rule, as for local changes, so the notification carries no item data.

Best effort, like the alarm relay: changes made while a listener is disconnected are not
replayed (the ``workItems`` query has them). SQLite deployments are single-process: nothing
to relay.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import os
import uuid
import weakref

from sqlalchemy import text

from jiedao.core.work.events import WORK_EVENTS

log = logging.getLogger("jiedao.work.relay")
CHANNEL = "jiedao_work_items"
HEARTBEAT = 30.0
"""Seconds between the relay's checks that its LISTEN connection still answers."""
_origins: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def origin_of(kernel) -> str:
    """The id of this kernel (one per process in production): its own notifications come back
    and are skipped, since its feed already has them."""
    origin = _origins.get(kernel)
    if origin is None:
        origin = _origins[kernel] = uuid.uuid4().hex
    return origin


def work_relay_enabled(kernel) -> bool:
    """``JIEDAO_WORK_RELAY`` is on and the database is PostgreSQL."""
    wanted = os.environ.get("JIEDAO_WORK_RELAY", "").strip().lower() in ("1", "on", "true", "yes")
    return wanted and kernel.db.engine.dialect.name == "postgresql"


@dataclasses.dataclass(frozen=True)
class RelayedWorkEvent:
    """A work-item event of another process: what ``workItemChanged`` needs of it."""

    name: str
    work_item_id: int
    action: str = ""


async def notify_work_event(event, delivery) -> None:
    """Event handler: announce a committed work-item event to the other processes."""
    kernel = delivery.kernel
    if not work_relay_enabled(kernel):
        return
    payload = json.dumps({"origin": origin_of(kernel), "street_id": delivery.street_id, "name": event.name,
                          "work_item_id": event.work_item_id, "action": getattr(event, "action", "")})
    try:
        async with kernel.db.engine.connect() as connection:
            await connection.execute(text("SELECT pg_notify(:channel, :payload)"), {"channel": CHANNEL, "payload": payload})
            await connection.commit()
    except Exception as error:  # noqa: BLE001 - the change is committed; only other processes' live view misses it
        log.warning("work-item change %s not relayed to other processes: %s", event.work_item_id, error)


def register_relay_events(register) -> None:
    """Announce every work-item event (called from core's ``jiedao_events``)."""
    for event in WORK_EVENTS:
        register.on(event, notify_work_event)


async def listen_work_items(kernel, backoff_max: float = 30.0) -> None:
    """Relay: feed other processes' work-item changes to this process's subscribers, until cancelled."""
    if not work_relay_enabled(kernel):
        return
    import asyncpg

    from jiedao.core.work.live import feed_of

    dsn = kernel.db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    feed = feed_of(kernel)
    origin = origin_of(kernel)

    def received(_connection, _pid, _channel, payload: str) -> None:
        try:
            data = json.loads(payload)
            if data["origin"] != origin:
                feed.put(int(data["street_id"]), RelayedWorkEvent(data["name"], int(data["work_item_id"]), data.get("action", "")))
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a malformed work-item notification: %.200s", payload)

    delay = 0.5
    while True:
        lost = asyncio.Event()
        try:
            connection = await asyncpg.connect(dsn)
            try:
                connection.add_termination_listener(lambda _connection: lost.set())
                await connection.add_listener(CHANNEL, received)
                delay = 0.5
                while not lost.is_set():  # a half-open connection never terminates: ask it now and then
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(lost.wait(), HEARTBEAT)
                    if not lost.is_set():
                        await asyncio.wait_for(connection.fetchval("SELECT 1"), HEARTBEAT)
            finally:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(connection.close(), HEARTBEAT)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - whatever broke, the relay comes back
            log.warning("work-item relay lost the database (%s); reconnecting in %.1fs", error or type(error).__name__, delay)
        await asyncio.sleep(delay)
        delay = min(delay * 2, backoff_max)
