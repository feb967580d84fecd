"""The cross-process alarm feed: alarm changes travel over MQTT between Jiedao processes.

An alarm may change in any process (an ingestion worker, the watchdog of one ``jiedao
serve``, a mutation served by another), while ``alarmChanged`` subscribers are connected
to some ``jiedao serve`` process. Each process with a broker connection runs an
``AlarmRelay``, attached to the plugin's state (``kernel.state("sensors").relay``) while it
runs: ``service.publish.publish`` hands it every change, which it publishes on
``{topic_prefix}/{street}/alarms/changed`` (QoS 1, not retained) with the process's
``origin`` id; every relay subscribes to those topics and puts the changes it did not
publish itself into its process's feed. A change made while the broker is unreachable
still reaches the subscribers of its own process, and those of the others once the relay
reconnects (it waits in the relay's bounded outbox; ``AlarmRelay`` says what is lost when).
Publishing never holds up whoever made the change: ingestion does not wait for the broker.

Catching up: changes published by others while a relay was not subscribed (its broker
connection lost, the broker restarting) never reach it through the broker. So after every
(re)subscription the relay reads from the database the alarms changed since it lost the
connection (less ``CATCH_UP_MARGIN``) or raised since the last it saw, and feeds them to
its process's subscribers, who may see such a change twice, never not at all.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
import uuid
from collections import deque
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

import aiomqtt
from sqlalchemy import func, or_, select

from jiedao.api import now
from jiedao.api.domain import UTCDateTime

from jiedao.plugins.sensors.ingest import parse_url, sensor_streets
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service.alarms import ACKNOWLEDGED, CLEARED, CLEARED_UNACK, Change
from jiedao.plugins.sensors.state import AlarmFeed, state_of

if TYPE_CHECKING:
    from jiedao.api.domain import Kernel

log = logging.getLogger("jiedao.sensors.relay")
OUTBOX_SIZE = 10_000
WINDOW = 200
"""Changes published before waiting for their acknowledgements."""
DROP_WARNING_INTERVAL = 60.0
UNKNOWN_ID = 2**62
"""``after_id`` when the highest alarm id seen is not known: the catch-up goes by time alone."""
CATCH_UP_MARGIN = timedelta(minutes=2)
"""How far before the lost connection a relay's catch-up reads alarm changes (clock skew
between processes, changes in flight when the connection broke)."""


def _what(alarm: Alarm) -> str:
    """The change an alarm row shows: its latest transition."""
    if alarm.status in (CLEARED, CLEARED_UNACK):
        return "cleared"
    if alarm.status == ACKNOWLEDGED:
        return "acknowledged"
    return "raised" if not alarm.repeat_count and not alarm.escalation_level else "updated"


async def changes_since(kernel: Kernel, street: str, since: datetime, after_id: int) -> tuple[list[Change], int]:
    """The alarms of ``street`` changed (raised, updated, acknowledged, cleared) at or after
    ``since``, or with an id above ``after_id``, as changes with detached rows, oldest first;
    and the highest alarm id of the street."""
    street_id = kernel.street_id(street)
    async with kernel.db.transaction(street_id) as session:
        rows = (await session.execute(
            select(Alarm, Device).join(Device, Device.id == Alarm.device_pk).where(or_(
                Alarm.id > after_id, Alarm.updated_at >= since, Alarm.acknowledged_at >= since, Alarm.cleared_at >= since,
            )).order_by(Alarm.updated_at, Alarm.id)
        )).all()
        top = await session.scalar(select(func.max(Alarm.id))) or 0
        session.expunge_all()
    return [Change(_what(alarm), alarm, device) for alarm, device in rows], top


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
    return data["origin"], data["street"], _change_of(data)


def _change_of(data: dict) -> Change:
    return Change(data["what"], _restore(Alarm, data["alarm"]), _restore(Device, data["device"]))


class AlarmRelay:
    """Publishes this process's alarm changes to the broker and feeds the changes of other
    processes into ``feed`` (by default the kernel's, ``kernel.state("sensors").feed``).

    The relay is a best-effort fan-out to the live subscribers of other processes: the
    database and this process's feed already hold every change before ``send`` sees it.
    So ``send`` never waits for the network: it puts the encoded change on a bounded
    outbox, which ``run`` drains while connected (QoS 1, in order, up to ``WINDOW`` in flight).
    Changes queued while the broker is unreachable are published after reconnecting; a
    change whose publication was cut short by a lost connection is published again, so a
    subscriber may see it twice. When the outbox is full the oldest change is dropped and
    counted (``dropped``, with a warning at most every ``DROP_WARNING_INTERVAL`` seconds).
    ``sent`` counts the changes the broker acknowledged, ``pending`` those still waiting.
    """

    def __init__(
        self,
        kernel: Kernel,
        url: str,
        *,
        feed: AlarmFeed | None = None,
        origin: str | None = None,
        attach: bool = True,
        backoff_max: float = 30.0,
        outbox_size: int = OUTBOX_SIZE,
    ):
        self.kernel = kernel
        self.broker = parse_url(url)
        self.feed = feed if feed is not None else state_of(kernel).feed
        self.origin = origin or uuid.uuid4().hex
        self.attach = attach
        self.backoff_max = backoff_max
        self.prefixes = sensor_streets(kernel)
        self.connected = asyncio.Event()
        self.received = 0
        self.sent = 0
        self.dropped = 0
        self._outbox: deque[tuple[str, bytes]] = deque(maxlen=outbox_size)
        self._queued = asyncio.Event()
        self._publishing: list[tuple[str, bytes]] = []
        self._unreported = 0
        self._warned_at = -math.inf
        self.caught_up = 0
        """Changes fed to this process's subscribers from the database after (re)subscribing."""
        self._lost_at: datetime | None = None
        self._last_ids: dict[str, int] = {}
        self._task: asyncio.Task | None = None

    def topic(self, street: str) -> str:
        """Where the changes of ``street`` are published."""
        return f"{self.prefixes[street]}/{street}/alarms/changed"

    @property
    def pending(self) -> int:
        """Changes queued or being published, not yet acknowledged by the broker."""
        return len(self._outbox) + len(self._publishing)

    def send(self, street: str, change: Change) -> bool:
        """Queue ``change`` for the other processes and return at once (no network wait);
        False when this relay does not serve ``street``. A full outbox loses its oldest."""
        if street not in self.prefixes:
            return False
        if len(self._outbox) == self._outbox.maxlen:
            self._outbox.popleft()
            self._count_drop()
        self._outbox.append((street, encode_change(self.origin, street, change)))
        self._queued.set()
        return True

    def _count_drop(self) -> None:
        self.dropped += 1
        self._unreported += 1
        if time.monotonic() - self._warned_at >= DROP_WARNING_INTERVAL:
            log.warning(
                "alarm relay outbox full (%d): %d oldest changes not relayed to other processes (%d in all); the database has them",
                self._outbox.maxlen, self._unreported, self.dropped,
            )
            self._warned_at = time.monotonic()
            self._unreported = 0

    async def _drain(self, client: aiomqtt.Client) -> None:
        """Publish the outbox in order: all that waits (up to ``WINDOW`` changes) at once, then
        the next lot once the broker acknowledged them. Waiting for each acknowledgement in
        turn would let a busy ingester's alarm changes pile up at one per event-loop turn."""
        while True:
            if not self._publishing:
                while not self._outbox:
                    self._queued.clear()
                    await self._queued.wait()
                self._publishing = [self._outbox.popleft() for _ in range(min(WINDOW, len(self._outbox)))]
            # No timeout: a dead connection ends ``_receive``, which cancels this.
            await asyncio.gather(*(client.publish(self.topic(street), payload, qos=1, retain=False, timeout=math.inf) for street, payload in self._publishing))
            self.sent += len(self._publishing)
            self._publishing = []

    async def _receive(self, client: aiomqtt.Client) -> None:
        async for message in client.messages:
            self._deliver(message)

    def _deliver(self, message: aiomqtt.Message) -> None:
        try:
            data = json.loads(bytes(message.payload))
            street = data["street"]
            if data["origin"] == self.origin or street not in self.prefixes or message.topic.value != self.topic(street):
                return  # our own change (already fed locally), or not a street of ours: not rebuilt
            change = _change_of(data)
        except (ValueError, KeyError, TypeError) as error:
            log.warning("ignored a malformed alarm change on %s (%s)", message.topic.value, error)
            return
        self.received += 1
        self.feed.put(self.kernel.street_id(street), change)

    async def _catch_up(self) -> None:
        """Feed this process's subscribers the changes of the streets made since the connection
        was lost (nothing on the first connection): those the broker could not bring."""
        if self._lost_at is None:
            for street in self.prefixes:
                if (top := await self._top_id(street)) is not None:
                    self._last_ids[street] = top
            return
        since = self._lost_at - CATCH_UP_MARGIN
        for street in self.prefixes:
            known = self._last_ids.get(street)
            try:
                changes, top = await changes_since(self.kernel, street, since, known if known is not None else UNKNOWN_ID)
            except Exception:  # noqa: BLE001 - the broker feed goes on; the database has the changes
                log.exception("alarm relay could not catch up on %s from the database", street)
                continue
            self._last_ids[street] = max(top, known or 0)
            for change in changes:
                self.feed.put(self.kernel.street_id(street), change)
            self.caught_up += len(changes)
            if changes:
                log.info("alarm relay caught up on %d change(s) of %s made while it was not subscribed", len(changes), street)

    async def _top_id(self, street: str) -> int | None:
        try:
            async with self.kernel.db.transaction(self.kernel.street_id(street)) as session:
                return await session.scalar(select(func.max(Alarm.id))) or 0
        except Exception:  # noqa: BLE001 - then the next catch-up goes by time alone
            log.exception("alarm relay could not read the alarms of %s", street)
            return None

    async def _serve(self, client: aiomqtt.Client) -> None:
        """Drain the outbox and receive until either fails (the connection is lost)."""
        tasks = [asyncio.create_task(self._drain(client)), asyncio.create_task(self._receive(client))]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            task.result()

    async def run(self) -> None:
        """Relay until cancelled, reconnecting with exponential backoff. From the start, and
        while reconnecting, ``publish`` hands this relay the changes (see ``send``)."""
        if not self.prefixes:
            return
        state = state_of(self.kernel)
        if self.attach:
            state.relay = self
        self._task = asyncio.current_task()
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
                        max_inflight_messages=WINDOW,
                    ) as client:
                        client.pending_calls_threshold = WINDOW
                        for street in self.prefixes:
                            await client.subscribe(self.topic(street), qos=1)
                        self.connected.set()
                        delay = 0.5
                        await self._catch_up()
                        await self._serve(client)
                except aiomqtt.MqttError as error:
                    log.warning("alarm relay lost the broker (%s); reconnecting in %.1fs", error, delay)
                finally:
                    if self.connected.is_set() or self._lost_at is None:
                        self._lost_at = now()
                    self.connected.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
        finally:
            self._task = None
            if self.attach and state.relay is self:
                state.relay = None

    async def close(self) -> None:
        """Stop ``run`` (at the kernel's shutdown, ``SensorsState.close``)."""
        task = self._task
        if task is not None and task is not asyncio.current_task() and not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
