"""Storing a batch of received messages of one street in one transaction.

Each message is accepted whole or quarantined whole with the reason: not JSON, a bad
shape or timestamp, a key the device kind does not report, a physically impossible
value, an unknown device. Readings already stored (same device, time and key, e.g. a
message redelivered after a restart) are skipped by the database, not duplicated.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from plugins.sensors.models import Device, QuarantinedMessage, Reading
from plugins.sensors.service.alarms import Change, apply_condition, open_alarms
from plugins.sensors.service.payloads import Address, Sample, parse_samples, parse_status, printable
from plugins.sensors.service.rules import OFFLINE, Condition, Rejected, check_values, evaluate
from plugins.sensors.settings import SensorsSettings


@dataclass(frozen=True)
class Inbound:
    """A received message whose topic named a street enabling sensors."""

    address: Address
    topic: str
    payload: bytes
    received_at: datetime


@dataclass
class Outcome:
    """What a batch did: messages accepted, readings written, quarantine reasons, changes."""

    accepted: int = 0
    readings: int = 0
    quarantined: Counter = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)


def quarantine(session: AsyncSession, street_id: int, topic: str, device_id: str, payload: bytes, at: datetime, error: Rejected) -> None:
    """Keep a refused message with its reason."""
    session.add(
        QuarantinedMessage(
            street_id=street_id,
            received_at=at,
            topic=topic[:300],
            device_id=device_id[:64],
            reason=error.reason,
            detail=error.detail[:500],
            payload=printable(payload),
        )
    )


def _parse(message: Inbound, device: Device | None, settings: SensorsSettings) -> tuple[list[tuple[Sample, dict[str, float]]], str | None]:
    """Checked samples (or the new status) of one message; raises ``Rejected``."""
    if len(message.payload) > settings.max_payload_bytes:
        raise Rejected("too_large", f"{len(message.payload)} bytes > {settings.max_payload_bytes}")
    if device is None:
        raise Rejected("unknown_device", f"no device '{message.address.device_id}' is registered in street '{message.address.street}'")
    if message.address.channel == "status":
        return [], parse_status(message.payload)
    samples = parse_samples(message.payload, message.received_at)
    return [(sample, check_values(device.kind, sample.values)) for sample in samples], None


async def _insert_readings(session: AsyncSession, rows: list[dict]) -> None:
    if not rows:
        return
    dialect = session.bind.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Reading).on_conflict_do_nothing(index_elements=["device_pk", "ts", "key"])
    for start in range(0, len(rows), 1000):
        await session.execute(statement, rows[start : start + 1000])


async def store_batch(session: AsyncSession, street_id: int, settings: SensorsSettings, messages: list[Inbound]) -> Outcome:
    """Store ``messages`` (all of one street) in ``session``: readings, latest values,
    device status, alarms, quarantine. The caller commits, then publishes the changes.

    The rows of the messages' devices are locked first (``SELECT ... FOR UPDATE`` in id
    order on PostgreSQL) and held until the commit, so a device's rules are never
    evaluated by two workers at once."""
    outcome = Outcome()
    ids = {m.address.device_id for m in messages}
    # Lock the devices (in id order, so two batches cannot deadlock): another worker storing
    # messages of the same device waits for this transaction, then reads its alarms and
    # latest values. SQLite ignores FOR UPDATE; it serialises writers anyway.
    devices = {d.device_id: d for d in await session.scalars(select(Device).where(Device.device_id.in_(ids)).order_by(Device.id).with_for_update())}
    open_ = await open_alarms(session, [d.id for d in devices.values()])
    readings: list[dict] = []
    for message in sorted(messages, key=lambda m: m.received_at):
        device = devices.get(message.address.device_id)
        try:
            samples, status = _parse(message, device, settings)
        except Rejected as error:
            quarantine(session, street_id, message.topic, message.address.device_id, message.payload, message.received_at, error)
            outcome.quarantined[error.reason] += 1
            continue
        outcome.accepted += 1
        at = message.received_at
        device.status = status or "ONLINE"
        seen = device.last_seen_at
        if device.status == "ONLINE" and (seen is None or at > seen):
            device.last_seen_at = at
        if device.status == "ONLINE" and (change := apply_condition(session, device, Condition(OFFLINE, None), at, open_)):
            outcome.changes.append(change)
        latest = dict(device.latest or {})
        for sample, values in sorted(samples, key=lambda s: s[0].ts):
            fresh: dict[str, float] = {}
            for key, value in values.items():
                readings.append({"street_id": street_id, "device_pk": device.id, "ts": sample.ts, "key": key, "value": value})
                previous = latest.get(key)
                stamp = sample.ts.isoformat(timespec="milliseconds")
                if previous is None or previous["ts"] <= stamp:
                    latest[key] = {"value": value, "ts": stamp}
                    fresh[key] = value
            for condition in evaluate(device.kind, fresh, settings.thresholds):
                if change := apply_condition(session, device, condition, sample.ts, open_):
                    outcome.changes.append(change)
        if samples:
            device.latest = latest
            newest = max(s.ts for s, _ in samples)
            device.latest_at = newest if device.latest_at is None or newest > device.latest_at else device.latest_at
    await _insert_readings(session, readings)
    outcome.readings = len(readings)
    await session.flush()
    return outcome
