"""The cross-process alarm feed: alarm changes travel over MQTT between Jiedao processes.

An alarm may change in any process (an ingestion worker, the watchdog of one ``jiedao
serve``, a mutation served by another), while ``alarmChanged`` subscribers are connected
to some ``jiedao serve`` process. Each process with a broker connection runs an
``AlarmRelay``: ``service.publish.publish`` hands it every change, which it publishes on
``{topic_prefix}/{street}/alarms/changed`` (QoS 1, not retained) with the process's
``origin`` id; every relay subscribes to those topics and puts the changes it did not
publish itself into its process's feed. A change made while the broker is unreachable
still reaches the subscribers of its own process.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

import aiomqtt

from core.db import UTCDateTime

from plugins.sensors.ingest import parse_url, sensor_streets
from plugins.sensors.models import Alarm, Device
from plugins.sensors.service.alarms import Change
from plugins.sensors.service.publish import AlarmFeed, attach_relay, detach_relay, feed_of

if TYPE_CHECKING:
    from core.kernel import Kernel

log = logging.getLogger("jiedao.sensors.relay")
PUBLISH_TIMEOUT = 5.0


def _row(obj) -> dict:
    values = {}
    for column in obj.__table__.columns:
        value = getattr(obj, column.key)
        values[column.key] = value.isoformat() if isinstance(value, datetime) else value
    return values


def _restore(model: type, values: dict):
    obj = model()
    for column in model.__table__.columns:
        if column.key not in values:
            continue
        value = values[column.key]
        if isinstance(column.type, UTCDateTime) and isinstance(value, str):
            value = datetime.fromisoformat(value)
        setattr(obj, column.key, value)
    return obj


def encode_change(origin: str, street: str, change: Change) -> bytes:
    """The MQTT payload announcing ``change``: the alarm and device rows as JSON."""
    return json.dumps(
        {"origin": origin, "street": street, "what": change.what, "alarm": _row(change.alarm), "device": _row(change.device)},
        separators=(",", ":"),
    ).encode()


def decode_change(payload: bytes) -> tuple[str, str, Change]:
    """``(origin, street, change)`` of a payload made by ``encode_change``; the alarm and
    device are detached rows rebuilt from the message (no database read)."""
    data = json.loads(payload)
    return data["origin"], data["street"], Change(data["what"], _restore(Alarm, data["alarm"]), _restore(Device, data["device"]))


class AlarmRelay:
    """Publishes this process's alarm changes to the broker and feeds the changes of other
    processes into ``feed`` (by default the kernel's, ``service.publish.feed_of``)."""

    def __init__(self, kernel: Kernel, url: str, *, feed: AlarmFeed | None = None, origin: str | None = None, attach: bool = True, backoff_max: float = 30.0):
        self.kernel = kernel
        self.broker = parse_url(url)
        self.feed = feed if feed is not None else feed_of(kernel)
        self.origin = origin or uuid.uuid4().hex
        self.attach = attach
        self.backoff_max = backoff_max
        self.prefixes = sensor_streets(kernel)
        self.connected = asyncio.Event()
        self.received = 0
        self._client: aiomqtt.Client | None = None

    def topic(self, street: str) -> str:
        """Where the changes of ``street`` are published."""
        return f"{self.prefixes[street]}/{street}/alarms/changed"

    async def send(self, street: str, change: Change) -> bool:
        """Publish ``change`` (QoS 1, not retained); False when not connected or it failed."""
        client = self._client
        if client is None or not self.connected.is_set() or street not in self.prefixes:
            return False
        try:
            await asyncio.wait_for(client.publish(self.topic(street), encode_change(self.origin, street, change), qos=1, retain=False), PUBLISH_TIMEOUT)
        except (aiomqtt.MqttError, TimeoutError) as error:
            log.warning("alarm change not relayed to other processes (%s)", error)
            return False
        return True

    def _deliver(self, message: aiomqtt.Message) -> None:
        try:
            origin, street, change = decode_change(bytes(message.payload))
        except (ValueError, KeyError, TypeError) as error:
            log.warning("ignored a malformed alarm change on %s (%s)", message.topic.value, error)
            return
        if origin == self.origin or street not in self.prefixes or message.topic.value != self.topic(street):
            return  # our own change (already fed locally), or not a street of ours
        self.received += 1
        self.feed.put(self.kernel.street_id(street), change)

    async def run(self) -> None:
        """Relay until cancelled, reconnecting with exponential backoff."""
        if not self.prefixes:
            return
        delay = 0.5
        try:
            while True:
                try:
                    async with aiomqtt.Client(
                        self.broker.host,
                        self.broker.port,
                        username=self.broker.username,
                        password=self.broker.password,
                        identifier=f"jiedao-alarms-{self.origin}",
                        logger=log,
                    ) as client:
                        for street in self.prefixes:
                            await client.subscribe(self.topic(street), qos=1)
                        self._client = client
                        if self.attach:
                            attach_relay(self.kernel, self)
                        self.connected.set()
                        delay = 0.5
                        async for message in client.messages:
                            self._deliver(message)
                except aiomqtt.MqttError as error:
                    log.warning("alarm relay lost the broker (%s); reconnecting in %.1fs", error, delay)
                finally:
                    self.connected.clear()
                    self._client = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
        finally:
            if self.attach:
                detach_relay(self.kernel, self)
