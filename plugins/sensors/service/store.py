"""Storing a batch of received messages of one street in one transaction.

Each message is accepted whole or quarantined whole with the reason: not JSON, a bad
shape or timestamp, a key the device kind does not report, a physically impossible
value, an unknown or retired device. Readings already stored (same device, time and key, e.g. a
message redelivered after a restart) are skipped by the database, not duplicated.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import today
from jiedao.api.care import CareSettings

from jiedao.plugins.sensors.models import QuarantinedMessage
from jiedao.plugins.sensors.service.alarms import CLEARED_UNACK, RETIRED, Change, apply_condition, condition_active, is_worse, open_alarms
from jiedao.plugins.sensors.service.bulk import (
    DeviceState,
    lock_devices,
    write_back,
)
from jiedao.plugins.sensors.service.payloads import (
    Address,
    Sample,
    parse_samples,
    parse_status,
)
from jiedao.plugins.sensors.service.rules import (
    OFFLINE,
    Condition,
    Rejected,
    check_values,
    evaluate,
    held,
)
from jiedao.plugins.sensors.service.vulnerability import raise_for_care
from jiedao.plugins.sensors.settings import SensorsSettings


log = logging.getLogger("jiedao.sensors.ingest")
BACK_ONLINE = Condition(OFFLINE, None)
"""A message from a device clears its OFFLINE alarm."""


@dataclass(slots=True)
class Inbound:
    """A received message whose topic named a street enabling sensors. ``relayed``: a
    platform (NB-IoT's CTWing, OneNET) sent it for the device, so its arrival says nothing of
    when the device was last alive; its samples' platform times do (``_heard``)."""

    address: Address
    topic: str
    payload: bytes
    received_at: datetime
    relayed: bool = False


@dataclass
class Outcome:
    """What a batch did: messages accepted, readings written, quarantine reasons, changes."""

    accepted: int = 0
    readings: int = 0
    quarantined: Counter = field(default_factory=Counter)
    changes: list[Change] = field(default_factory=list)


QUARANTINE_BYTES = 16384
"""At most this much of a refused payload is kept (the size of a longer one is in its detail)."""


def _text(value: str, limit: int) -> str:
    """``value`` fit for a text column of both databases: no NUL, at most ``limit`` characters."""
    return value.replace("\x00", "\\x00")[:limit]


def quarantine(session: AsyncSession, street_id: int, topic: str, device_id: str, payload: bytes, at: datetime, error: Rejected) -> None:
    """Keep a refused message with its reason; the payload is kept as bytes, whatever they are."""
    detail = error.detail if len(payload) <= QUARANTINE_BYTES else f"{error.detail} (payload of {len(payload)} bytes, first {QUARANTINE_BYTES} kept)"
    session.add(
        QuarantinedMessage(
            street_id=street_id,
            received_at=at,
            topic=_text(topic, 300),
            device_id=_text(device_id, 64),
            reason=error.reason,
            detail=_text(detail, 500),
            payload=bytes(payload[:QUARANTINE_BYTES]),
        )
    )


def _parse(message: Inbound, device: DeviceState | None, settings: SensorsSettings) -> tuple[list[tuple[Sample, dict[str, float]]], str | None]:
    """Checked samples (or the new status) of one message; raises ``Rejected``. Pure Python,
    no database: whatever the bytes, a message is refused here or stored by the batch."""
    if len(message.payload) > settings.max_payload_bytes:
        raise Rejected("too_large", f"{len(message.payload)} bytes > {settings.max_payload_bytes}")
    if device is None:
        raise Rejected("unknown_device", f"no device '{message.address.device_id}' is registered in street '{message.address.street}'")
    if device.status == RETIRED:
        raise Rejected("retired_device", f"device '{device.device_id}' was retired; register it again to accept its messages")
    if message.address.channel == "status":
        return [], parse_status(message.payload, message.received_at, settings.max_clock_skew)
    samples = parse_samples(message.payload, message.received_at, settings.max_clock_skew)
    return [(sample, check_values(device.kind, sample.values)) for sample in samples], None


def _checked(message: Inbound, device: DeviceState | None, settings: SensorsSettings):
    """``_parse``, with any surprise turned into a ``Rejected`` (``unreadable``) and logged."""
    try:
        return _parse(message, device, settings)
    except Rejected:
        raise
    except Exception as error:  # noqa: BLE001 - a parser bug must not take the batch down
        log.exception("message on %s could not be read", message.topic)
        raise Rejected("unreadable", f"{type(error).__name__} while reading the payload") from None


def _apply(session: AsyncSession, device: DeviceState, condition: Condition, at: datetime, open_: dict, outcome: Outcome) -> None:
    """Apply ``condition`` unless it is "normal" for an alarm type that is not open (the usual case)."""
    if condition.severity is None and (device.id, condition.type) not in open_:
        return
    if change := apply_condition(session, device.row(), condition, at, open_):
        outcome.changes.append(change)


def _report_status(
    session: AsyncSession, device: DeviceState, status: str, reported_at: datetime | None, received_at: datetime, open_: dict, outcome: Outcome
) -> None:
    """A status report (``ONLINE``/``OFFLINE``): the device's status from then on.

    A report that carries its time (NB-IoT platforms') is compared on that clock with the
    device's newest sample, which the platform timestamped too: one older than that sample
    changes nothing (a platform's late retry of an old "offline" must not mark a working
    detector offline), and an ``ONLINE`` one counts as hearing from the device when it was
    made, not when it arrived (a late one does not hide a silence). A report without a time
    (MQTT's last will) is taken in the order of arrival."""
    if reported_at is not None and device.latest_at is not None and reported_at < device.latest_at:
        return
    heard = reported_at or received_at
    device.status = status
    if status == "ONLINE":
        if device.last_seen_at is None or heard > device.last_seen_at:
            device.last_seen_at = heard
        _apply(session, device, BACK_ONLINE, heard, open_, outcome)


def _heard(message: Inbound, samples: list, device: DeviceState, settings: SensorsSettings) -> tuple[datetime | None, bool]:
    """When a data message shows its device alive, and whether that is news enough to count
    it ONLINE again (and end an OFFLINE alarm).

    A device's own message: its arrival, always news. A relayed one: the platform's time of
    its newest sample (never later than the arrival), news only when it is newer than the
    device's last sign of life and within its kind's heartbeat allowance of the arrival: a
    platform retrying hours-old data late has not heard from the detector now, and a silent
    detector's alarm must stand."""
    if not message.relayed:
        return message.received_at, True
    if not samples:
        return None, False
    heard = min(max(sample.ts for sample, _ in samples), message.received_at)
    newer = device.last_seen_at is None or heard > device.last_seen_at
    return heard, newer and heard >= message.received_at - settings.offline_allowance(device.kind)


def _worse(condition: Condition, alarm) -> bool:
    """Whether ``condition`` is abnormal and worse than the open ``alarm`` (if any; one
    CLEARED_UNACK is over, so any abnormal condition is worse)."""
    if condition.severity is None:
        return False
    return alarm is None or alarm.status == CLEARED_UNACK or is_worse(condition.severity, alarm)


async def store_batch(session: AsyncSession, street_id: int, settings: SensorsSettings, messages: list[Inbound], care: CareSettings | None = None) -> Outcome:
    """Store ``messages`` (all of one street) in ``session``: readings, latest values,
    device status, alarms, quarantine. The caller commits, then publishes the changes.
    Alarms raised or updated get the severity the people their devices serve need
    (``care``: the street's care settings, ``jiedao.api.care``; the defaults when None).

    The rows of the messages' devices are locked first and held until the commit, so a
    device's rules are never evaluated by two workers at once: another worker storing
    messages of the same device waits for this transaction, then reads its alarms and
    latest values."""
    outcome = Outcome()
    devices = await lock_devices(session, (m.address.device_id for m in messages))
    open_ = await open_alarms(session, [d.id for d in devices.values()])
    readings: list[tuple[int, datetime, str, float]] = []
    touched: dict[int, DeviceState] = {}
    thresholds = settings.thresholds
    skew = settings.max_clock_skew
    for message in sorted(messages, key=lambda m: m.received_at):
        device = devices.get(message.address.device_id)
        try:
            samples, status = _checked(message, device, settings)
        except Rejected as error:
            quarantine(session, street_id, message.topic, message.address.device_id, message.payload, message.received_at, error)
            outcome.quarantined[error.reason] += 1
            continue
        outcome.accepted += 1
        touched[device.id] = device
        at = message.received_at
        if status is not None:
            _report_status(session, device, *status, at, open_, outcome)
            continue
        heard, news = _heard(message, samples, device, settings)
        if heard is not None and (device.last_seen_at is None or heard > device.last_seen_at):
            device.last_seen_at = heard
        if news:
            device.status = "ONLINE"
            _apply(session, device, BACK_ONLINE, at, open_, outcome)
        if not samples:
            continue
        latest = device.latest
        for sample, values in sorted(samples, key=lambda s: s[0].ts):
            ts = sample.ts
            stamp = ts.isoformat(timespec="milliseconds")
            fresh: dict[str, float] = {}
            recent: dict[str, float] = {}
            for key, value in values.items():
                readings.append((device.id, ts, key, value))
                previous = latest.get(key)
                if previous is None or previous["ts"] <= stamp:
                    latest[key] = {"value": value, "ts": stamp}
                    fresh[key] = value
                elif previous["ts"] <= (ts + skew).isoformat(timespec="milliseconds"):
                    recent[key] = value
            for condition in evaluate(device.kind, fresh, thresholds):
                if condition := held(condition, device.pending, ts, thresholds.hold, condition_active(open_, (device.id, condition.type))):
                    _apply(session, device, condition, ts, open_, outcome)
            if recent:
                # Older than the latest value by less than the clock-skew allowance (a clock
                # behind): it clears nothing, but a danger it shows is raised, or worsens an
                # open alarm. Older samples (a replayed buffer) only go into the history.
                for condition in evaluate(device.kind, recent, thresholds):
                    if condition.type not in thresholds.hold and _worse(condition, open_.get((device.id, condition.type))):
                        _apply(session, device, condition, ts, open_, outcome)
        newest = max(s.ts for s, _ in samples)
        if device.latest_at is None or newest > device.latest_at:
            device.latest_at = newest
    await write_back(session, street_id, readings, list(touched.values()))
    await raise_for_care(session, outcome.changes, care or CareSettings(), today())
    outcome.readings = len(readings)
    await session.flush()
    return outcome
