"""Storing the messages of one push exactly once, through the MQTT ingester's own code.

In one transaction: the messages' keys are claimed in ``sensor_push_deliveries`` (a key
already there is a retry: skipped), the messages that could not be read are quarantined, the
others go through ``service.store.store_batch`` (device lookup, validation, quarantine,
readings, status, rules and alarms, exactly as for MQTT); after the commit the alarm changes
are published like the ingester's. Two deliveries of one message at once: the second waits
on the first's claim and then skips it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgres_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from jiedao.api import now
from jiedao.api.care import care_settings_of
from jiedao.api.domain import Kernel
from jiedao.plugins.sensors.models import QuarantinedMessage
from jiedao.plugins.sensors.nbiot.messages import BadField, Pushed
from jiedao.plugins.sensors.nbiot.models import PushDelivery
from jiedao.plugins.sensors.service.payloads import Address
from jiedao.plugins.sensors.service.publish import publish
from jiedao.plugins.sensors.service.store import Inbound, Outcome, quarantine, store_batch

PLUGIN = "sensors"
_QUOTED_KEY = re.compile(r"'([a-z_]+)'")


@dataclass
class Refusal:
    """A message of the push that was quarantined, as the answer names it."""

    index: int
    field: str
    reason: str
    message: str


@dataclass
class Taken:
    """What a push did: messages stored, retries skipped, refusals."""

    accepted: int = 0
    duplicates: int = 0
    readings: int = 0
    refused: list[Refusal] = field(default_factory=list)


def raw_key(platform: str, raw: bytes) -> str:
    """The key of a message known only by its bytes (one that cannot be read)."""
    return f"{platform}:raw:" + hashlib.sha256(raw).hexdigest()[:52]


async def _claim(session, street_id: int, keys: list[str], at) -> set[str]:
    """Insert ``keys``; the ones inserted now (the others were taken in before)."""
    if not keys:
        return set()
    rows = [{"street_id": street_id, "message_key": key, "received_at": at} for key in dict.fromkeys(keys)]
    statement = _CLAIM[session.bind.dialect.name == "postgresql"]
    return set((await session.scalars(statement, rows)).all())


_CLAIM = {
    postgres: insert(PushDelivery).on_conflict_do_nothing(index_elements=["street_id", "message_key"]).returning(PushDelivery.message_key)
    for postgres, insert in ((True, postgres_insert), (False, sqlite_insert))
}
"""The claim statement per dialect (parameters apart, so SQLAlchemy compiles it once)."""


def stale(item: Pushed, arrived: datetime, remembered: timedelta) -> BadField | None:
    """The refusal of a message made longer than ``remembered`` (the street's
    ``remember_deliveries``) before its arrival, else None: its key may already be forgotten,
    so a retry of it could no longer be told from a replay of a recorded push (a OneNET push
    stays validly signed for ever). Quarantined like any refused message, so nothing is lost.
    Compared in epoch milliseconds: any integer the platform sent is judged, none raises."""
    if item.made_at is None or item.made_at >= (arrived - remembered).timestamp() * 1000:
        return None
    try:
        made = f"{datetime.fromtimestamp(item.made_at / 1000, timezone.utc):%Y-%m-%d %H:%M:%S} UTC"
    except (ValueError, OverflowError, OSError):  # before the year 1
        made = f"epoch ms {item.made_at}"
    return BadField("stale", item.made_at_field, f"made at {made}, longer than remember_deliveries ({remembered}) ago: "
                    "a retry of it can no longer be told from a replay")


async def take(kernel: Kernel, street: str, platform: str, items: list[Pushed]) -> Taken:
    """Store the messages of one push (see the module's docstring). A message older than the
    street's ``remember_deliveries`` is refused (``stale``)."""
    street_id = kernel.street_id(street)
    settings = kernel.settings(street, PLUGIN)
    arrived = now()
    remembered = settings.nbiot.remember_deliveries
    taken = Taken()
    async with kernel.db.transaction(street_id) as session:
        for item in items:
            if item.key is None:
                item.key = raw_key(platform, item.raw)
        fresh = await _claim(session, street_id, [item.key for item in items], arrived)
        inbound: dict[int, tuple[int, Pushed]] = {}
        batch: list[Inbound] = []
        for index, item in enumerate(items):
            at = arrived + timedelta(microseconds=index)
            topic = f"{platform}/{street}/{item.label}"
            if item.key not in fresh:
                taken.duplicates += 1
                continue
            fresh.discard(item.key)  # the same message twice in one push: the second is a duplicate
            if item.error is None:
                item.error = stale(item, arrived, remembered)
            if item.error is not None:
                quarantine(session, street_id, topic, item.device_id, item.raw, at, item.error)
                taken.refused.append(Refusal(index, item.error.field, item.error.reason, item.error.detail))
                continue
            inbound[len(batch)] = (index, item)
            batch.append(Inbound(Address(street, item.device_id, item.channel), topic, item.payload, at, relayed=True))
        outcome = await store_batch(session, street_id, settings, batch, care_settings_of(kernel, street)) if batch else Outcome()
        if outcome.quarantined:
            taken.refused += await _refusals(session, batch, inbound)
    taken.accepted, taken.readings = outcome.accepted, outcome.readings
    taken.refused.sort(key=lambda refusal: refusal.index)
    await publish(kernel, street, outcome.changes)
    return taken


async def _refusals(session, batch: list[Inbound], inbound: dict[int, tuple[int, Pushed]]) -> list[Refusal]:
    """The messages ``store_batch`` quarantined, found by their (distinct) arrival times, with
    the platform's field named where the reason speaks of a sensor key, the device or the time."""
    times = {message.received_at: position for position, message in enumerate(batch)}
    rows = await session.execute(
        select(QuarantinedMessage.received_at, QuarantinedMessage.reason, QuarantinedMessage.detail).where(QuarantinedMessage.received_at.in_(list(times)))
    )
    out = []
    for received_at, reason, detail in rows:
        position = times.get(received_at)
        if position is None:
            continue
        index, item = inbound[position]
        if reason in ("unknown_device", "retired_device"):
            where = item.device_field or item.path
        elif reason in ("future_timestamp", "bad_timestamp") and item.made_at_field:
            where = item.made_at_field
        else:
            named = [item.fields[key] for key in _QUOTED_KEY.findall(detail) if key in item.fields]
            where = named[0] if named else item.path
        out.append(Refusal(index, where, reason, _platform_words(detail, item)))
    return out


def _platform_words(detail: str, item: Pushed) -> str:
    """``detail`` with each sensor key it quotes followed by the platform field it came from."""
    for key, where in item.fields.items():
        detail = detail.replace(f"'{key}'", f"'{key}' (from {where.rsplit('.', 1)[-1]})")
    return detail


async def forget_deliveries(session, street_id: int, before) -> int:
    """Delete the keys of messages taken in before ``before`` (a retry comes within minutes;
    ``remember_deliveries`` keeps them a week by default); how many were deleted."""
    result = await session.execute(delete(PushDelivery).where(PushDelivery.street_id == street_id, PushDelivery.received_at < before))
    return result.rowcount or 0
