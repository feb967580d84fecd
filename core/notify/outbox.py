"""Writing messages into the outbox, in the caller's transaction.

Each message gets a key unique to its cause, stage, repeat, person and channel: writing the
same message twice (a sweep repeated after a crash) is a no-op, and the key is what providers
see as the idempotency key. Before a message is written the rules of the street apply: minor
messages wait for the daily digest (``DIGEST``) or the end of quiet hours, and a person
already sent ``per_minute`` messages on a channel in the last minute gets the next one a
minute later (critical messages are never held back).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.notify.models import DIGEST, PENDING, OutboxMessage
from jiedao.core.notify.recipients import STAFF, Person
from jiedao.core.notify.runtime import wake_after_commit
from jiedao.core.notify.settings import CRITICAL, MINOR, NotifySettings
from jiedao.core.notify.templates import SEVERITY_WORDS, STEP_WORDS, render, template_for

PARAM_LIMIT = 35
"""SMS/voice providers cap each template parameter (Aliyun: 35 characters)."""


def channels_for(person: Person, names: Iterable[str], available: dict[str, Any]) -> list[str]:
    """The channels among ``names`` the street has and ``person`` has an address for; ``log``
    when none of them can reach the person."""
    chosen = []
    for name in names:
        channel = available.get(name)
        if channel is None or channel.address == "group":
            continue
        if channel.address == "none" or person.address(channel.address):
            chosen.append(name)
    return chosen or ["log"]


def quiet_until(settings: NotifySettings, at: datetime) -> datetime | None:
    """The end of the quiet hours if ``at`` lies within them, else None."""
    quiet = settings.quiet()
    if quiet is None:
        return None
    start, end = quiet
    local = at.astimezone(clock.CHINA)
    t = local.timetz().replace(tzinfo=None)
    inside = (start <= t or t < end) if start > end else (start <= t < end)
    if not inside:
        return None
    ends = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if ends <= local:
        ends += timedelta(days=1)
    return ends.astimezone(at.tzinfo)


def make_link(base: str) -> tuple[str, str]:
    """A fresh acknowledgement link under ``base`` (``…/notify/ack/{street}``) and the digest
    stored for it."""
    token = secrets.token_urlsafe(32)
    return f"{base}/{token}", hashlib.sha256(token.encode()).hexdigest()


def link_digest(token: str) -> str:
    """The stored digest of a link token."""
    return hashlib.sha256(token.encode()).hexdigest()


async def _recently_sent(session: AsyncSession, channel: str, address: str, at: datetime) -> int:
    return await session.scalar(
        select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.channel == channel, OutboxMessage.address == address, OutboxMessage.created_at > at - timedelta(minutes=1)
        )
    ) or 0


@dataclass(frozen=True)
class Draft:
    """What a message says and why, before it is addressed to a person on a channel."""

    kind: str
    """The template's kind: ``sensors.alarm``, ``digest``, ``notice`` …"""
    subject: str
    """Global ID of what it is about, or ''."""
    severity: str
    title: str
    fields: dict[str, Any]
    at: datetime
    link_base: str | None = None
    """Where acknowledgement links point (``…/notify/ack/{street}``); None: no link."""
    alert_id: int | None = None
    stage: int = 0


async def write_message(
    session: AsyncSession, street_id: int, settings: NotifySettings, draft: Draft, *, key: str, person: Person, channel: str, address: str
) -> OutboxMessage | None:
    """Add ``draft`` for ``person`` on ``channel`` to the session unless ``key`` exists (then None)."""
    if await session.scalar(select(OutboxMessage.id).where(OutboxMessage.key == key)) is not None:
        return None
    at, severity = draft.at, draft.severity
    link, digest = make_link(draft.link_base) if draft.link_base else ("", None)
    values = {**draft.fields, "severity": SEVERITY_WORDS[settings.locale].get(severity, severity), "ack": link}
    text = render(template_for(draft.kind, settings.locale, settings.templates), values)
    status, due = PENDING, at
    if severity == MINOR and settings.minor.digest:
        status, due = DIGEST, None
    elif severity != CRITICAL:
        due = quiet_until(settings, at) if severity == MINOR else None
        due = due or at
        if address and await _recently_sent(session, channel, address, at) >= settings.per_minute:
            due = max(due, at + timedelta(minutes=1))
    message = OutboxMessage(
        street_id=street_id,
        key=key[:64],
        alert_id=draft.alert_id,
        kind=draft.kind,
        subject=draft.subject,
        stage=draft.stage,
        recipient_kind=person.kind,
        recipient_ref=person.ref,
        recipient_name=person.name[:100],
        recipient_role=person.role[:30],
        user_id=person.ref if person.kind == STAFF else None,
        channel=channel,
        address=address[:100],
        severity=severity,
        title=draft.title[:300],
        text=text,
        template="",
        params={k: str(v) if k == "ack" else str(v)[:PARAM_LIMIT] for k, v in values.items() if v not in (None, "")},
        link=link,
        link_digest=digest,
        status=status,
        attempts=0,
        polls=0,
        next_attempt_at=due,
        claimed_by="",
        provider_id="",
        last_error="",
        created_at=at,
    )
    session.add(message)
    wake_after_commit(session)
    return message


async def write_to_people(
    session: AsyncSession,
    street_id: int,
    settings: NotifySettings,
    available: dict[str, Any],
    draft: Draft,
    *,
    key_prefix: str,
    people: Iterable[Person],
    staff_channels: Iterable[str],
    public_channels: Iterable[str],
    step: str = "",
) -> list[OutboxMessage]:
    """``draft`` for each person on each channel that reaches them (``channels_for``)."""
    written = []
    staff_channels, public_channels = list(staff_channels), list(public_channels)
    step_words = STEP_WORDS[settings.locale]
    for person in people:
        names = staff_channels if person.kind == STAFF else public_channels
        role = person.relation or step_words.get(person.role, person.role)
        addressed = replace(draft, fields={**draft.fields, "step": step_words.get(step, step) or role, "name": person.name})
        for name in channels_for(person, names, available):
            channel = available.get(name)
            address = person.address(channel.address) if channel is not None else ""
            key = f"{key_prefix}-{person.kind[0]}{person.ref}-{name}"
            message = await write_message(session, street_id, settings, addressed, key=key, person=person, channel=name, address=address)
            if message is not None:
                written.append(message)
    return written
