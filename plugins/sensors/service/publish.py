"""Announcing alarm changes after they are committed: domain events, notifications, the
in-process feed behind the ``alarmChanged`` subscription and, when the process has a
broker connection, the other processes' feeds (through ``plugins.sensors.relay``)."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from core.notify import Notification, notify
from plugins.sensors.service.alarms import Change
from schema.ids import encode_global_id

if TYPE_CHECKING:
    from core.kernel import Kernel

log = logging.getLogger("jiedao.sensors")
QUEUE_SIZE = 256


class AlarmFeed:
    """Fan-out of changed alarms to the subscribers of one street (in this process only)."""

    def __init__(self) -> None:
        self._queues: dict[int, set[asyncio.Queue]] = {}

    def put(self, street_id: int, change: Change) -> None:
        """Hand ``change`` to every subscriber of the street; a slow one loses its oldest."""
        for queue in self._queues.get(street_id, ()):
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(change)

    async def listen(self, street_id: int) -> AsyncIterator[Change]:
        """The changes of ``street_id`` from now on, until the caller stops iterating."""
        queue: asyncio.Queue = asyncio.Queue(QUEUE_SIZE)
        self._queues.setdefault(street_id, set()).add(queue)
        try:
            while True:
                yield await queue.get()
        finally:
            self._queues[street_id].discard(queue)


_feeds: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def feed_of(kernel: Kernel) -> AlarmFeed:
    """The alarm feed of ``kernel`` (one per loaded kernel)."""
    feed = _feeds.get(kernel)
    if feed is None:
        feed = _feeds[kernel] = AlarmFeed()
    return feed


_relays: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def attach_relay(kernel: Kernel, relay) -> None:
    """Make ``publish`` hand ``kernel``'s alarm changes to ``relay`` (an ``AlarmRelay``,
    whose ``send(street, change)`` queues the change and returns at once)."""
    _relays[kernel] = relay


def detach_relay(kernel: Kernel, relay) -> None:
    """Stop handing changes to ``relay`` (if it is still the one attached)."""
    if _relays.get(kernel) is relay:
        del _relays[kernel]


def relay_of(kernel: Kernel):
    """The relay attached to ``kernel``, or None when the process has no broker connection."""
    return _relays.get(kernel)


def _payload(change: Change) -> dict:
    alarm, device = change.alarm, change.device
    return {
        "alarm_id": alarm.id,
        "alarm": encode_global_id("Alarm", alarm.id),
        "device_id": device.device_id,
        "device_kind": device.kind,
        "building_id": device.building_id,
        "resident_id": device.resident_id,
        "type": alarm.type,
        "severity": alarm.severity,
        "status": alarm.status,
        "value": alarm.value,
        "escalation_level": alarm.escalation_level,
    }


async def publish(kernel: Kernel, street: str, changes: list[Change]) -> None:
    """Emit ``sensors.alarm.<what>``, notify whom the ladder says, feed this process's
    subscribers and, through the attached relay if any, those of the other processes
    (queued for the relay: a slow or unreachable broker does not slow the caller down)."""
    if not changes:
        return
    settings = kernel.settings(street, "sensors")
    feed = feed_of(kernel)
    relay = relay_of(kernel)
    for change in changes:
        payload = _payload(change)
        await kernel.events.emit(street, f"sensors.alarm.{change.what}", **payload)
        feed.put(kernel.street_id(street), change)
        if relay is not None:
            relay.send(street, change)  # queued: never waits for the broker
        if change.notify_level is None:
            continue
        roles = settings.escalation_roles
        role = roles[min(change.notify_level, len(roles) - 1)]
        alarm, device = change.alarm, change.device
        verb = {"raised": "raised", "updated": "worse", "escalated": f"unacknowledged, escalated to step {alarm.escalation_level}"}.get(change.what, change.what)
        await notify(
            kernel,
            Notification(
                street=street,
                recipients=(role,),
                subject=f"[{alarm.severity}] {alarm.type} on {device.device_id}: {verb}",
                body=alarm.message,
                severity=alarm.severity.lower(),
                reference=payload["alarm"],
                data=payload,
            ),
        )
