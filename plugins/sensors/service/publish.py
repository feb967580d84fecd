"""Announcing alarm changes after they are committed: domain events, notifications, the
in-process feed behind the ``alarmChanged`` subscription and, when the process has a
broker connection, the other processes' feeds (through the relay attached to the
plugin's state, ``plugins.sensors.state``)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from jiedao.api.graphql import encode_global_id
from jiedao.plugins.sensors.events import BY_CHANGE
from jiedao.plugins.sensors.service.alarms import Change
from jiedao.plugins.sensors.service.alerts import queue_alert, settle_alert
from jiedao.plugins.sensors.state import AlarmFeed, feed_of, relay_of

if TYPE_CHECKING:
    from jiedao.api.domain import Kernel

__all__ = ["AlarmFeed", "feed_of", "publish", "relay_of"]
log = logging.getLogger("jiedao.sensors")


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
    """Feed this process's subscribers and, through the relay attached to the plugin's state
    if any, those of the other processes (queued for the relay: a slow or unreachable broker
    does not slow the caller down); then publish the typed event ``sensors.alarm.<what>``
    (``plugins.sensors.events``; its handlers open the alarm's work item); then raise the
    alarm's alert in the notification outbox (``service.alerts``), or stop it once a person
    acknowledged or cleared the alarm."""
    if not changes:
        return
    state = kernel.state("sensors")
    feed, relay = state.feed, state.relay
    for change in changes:
        payload = _payload(change)
        # the people watching come first: the feed and the relay before the event's handlers
        # (opening the alarm's work item is a transaction of its own)
        feed.put(kernel.street_id(street), change)
        if relay is not None:
            relay.send(street, change)  # queued: never waits for the broker
        await kernel.events.publish(street, BY_CHANGE[change.what](**payload))
        if change.what in ("raised", "updated") and change.notify_level is not None:
            queue_alert(kernel, street, change.alarm.id, again=change.what == "updated")
        elif change.what == "acknowledged" or (change.what == "cleared" and change.alarm.status == "CLEARED"):
            state.background.add((kernel, street, "settle"), change.alarm, _settle_batch)


async def _settle_batch(key, alarms: list) -> None:
    kernel, street, _ = key
    for alarm in alarms:
        try:
            await settle_alert(kernel, street, alarm)
        except Exception:  # noqa: BLE001 - the alert keeps reminding people; acknowledging it again stops it
            log.exception("could not stop the alert of alarm %s in %s", alarm.id, street)
