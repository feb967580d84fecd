"""Delivering the outbox: take due messages with a lease, send them through their channels
outside any transaction, record each outcome as a receipt.

- Taking is one ``SELECT … FOR UPDATE SKIP LOCKED`` and one UPDATE on PostgreSQL, so several
  workers share the outbox without taking a message twice; a message stays taken for
  its lease: a worker killed mid-delivery leaves it to be taken again once the lease is
  over (``retry.lease``; sent again with the same key — at least once, never lost).
- ``RETRY`` outcomes (timeouts, 5xx, throttling) wait ``first_delay`` doubled per attempt up
  to ``max_delay``; after ``max_attempts`` the message is FAILED.
- A ``SENT`` message is asked for a receipt every ``poll_every`` until the provider says
  what became of it or ``max_polls`` questions went unanswered.
- A call nobody answered, or a failure, brings the alert's next stage forward.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.notify import channels as c
from jiedao.core.notify.alerts import hurry
from jiedao.core.notify.figures import count_outcomes
from jiedao.core.notify.models import (
    ANSWERED,
    DELIVERED,
    FAILED,
    NO_ANSWER,
    PENDING,
    READ,
    SENDING,
    SENT,
    DeliveryReceipt,
    OutboxMessage,
)
from jiedao.core.notify.runtime import runtime

log = logging.getLogger("jiedao.notify")
CONCURRENCY = 64
"""Messages in flight at once per worker."""
FINAL = {DELIVERED, READ, ANSWERED, NO_ANSWER, FAILED}
"""Outcomes that end a message: its status becomes the outcome."""


def worker_name() -> str:
    """A name for this worker: host, process and a random part."""
    return f"{socket.gethostname()[:30]}-{os.getpid()}-{random.randrange(1 << 20):05x}"


@dataclass
class Attempt:
    """One message taken and what its channel answered."""

    id: int
    polling: bool
    result: c.SendResult | c.Receipt | None


def as_message(row: OutboxMessage, street: str, locale: str) -> c.Message:
    """The channel's view of an outbox row."""
    return c.Message(
        id=row.id,
        key=row.key,
        street=street,
        channel=row.channel,
        address=row.address,
        recipient=row.recipient_name,
        subject=row.title,
        text=row.text,
        template=row.template,
        params=dict(row.params or {}),
        severity=row.severity,
        link=row.link,
        locale=locale,
        kind=row.kind,
    )


async def take(session: AsyncSession, worker: str, at: datetime, limit: int, lease: timedelta) -> list[OutboxMessage]:
    """Take up to ``limit`` due messages for ``worker`` (see the module docstring)."""
    free = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < at)
    due = (
        select(OutboxMessage.id)
        .where(
            or_(
                and_(OutboxMessage.status == PENDING, OutboxMessage.next_attempt_at <= at),
                and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_until < at),
                and_(OutboxMessage.status == SENT, OutboxMessage.next_attempt_at <= at),
            ),
            free,
        )
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    ids = list((await session.scalars(due)).all())
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids), free)
        .values(
            claimed_until=at + lease,
            claimed_by=worker,
            status=case((OutboxMessage.status == SENT, SENT), else_=SENDING),
            attempts=case((OutboxMessage.status == SENT, OutboxMessage.attempts), else_=OutboxMessage.attempts + 1),
        )
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == worker).execution_options(populate_existing=True)
    )
    return list(rows.all())


async def _attempt(channel, message: c.Message, row: OutboxMessage, semaphore: asyncio.Semaphore) -> Attempt:
    polling = row.status == SENT
    async with semaphore:
        if channel is None:
            return Attempt(row.id, polling, c.SendResult(c.FAILED, detail=f"channel '{row.channel}' is not enabled in this street"))
        try:
            if polling:
                return Attempt(row.id, True, await channel.poll(message, row.provider_id))
            return Attempt(row.id, False, await channel.send(message))
        except asyncio.CancelledError:
            raise
        except Exception as error:  # noqa: BLE001 - a channel's bug is a failed attempt, retried
            log.warning("channel %s raised on message %s: %r", row.channel, row.id, error)
            return Attempt(row.id, polling, None if polling else c.SendResult(c.RETRY, detail=f"{type(error).__name__}: {error}"[:500]))


def backoff(settings, attempts: int) -> timedelta:
    """The wait after ``attempts`` failed attempts (doubling, capped, ±10 % jitter)."""
    retry = settings.retry
    delay = min(retry.first_delay * (2 ** max(attempts - 1, 0)), retry.max_delay)
    return delay * random.uniform(0.9, 1.1)


async def record(session: AsyncSession, kernel, street: str, worker: str, attempts: list[Attempt], at: datetime) -> Counter:
    """Write what the attempts achieved; returns counts by (channel, outcome)."""
    settings = kernel.settings(street, "notify")
    counts: Counter = Counter()
    by_id = {a.id: a for a in attempts}
    rows = await session.scalars(
        select(OutboxMessage).where(OutboxMessage.id.in_(list(by_id)), OutboxMessage.claimed_by == worker).execution_options(populate_existing=True)
    )
    hurried: set[int] = set()
    for row in rows.all():
        attempt = by_id[row.id]
        row.claimed_until, row.claimed_by = None, ""
        result = attempt.result
        if attempt.polling:
            if result is None:
                row.polls += 1
                row.next_attempt_at = at + settings.retry.poll_every if row.polls < settings.retry.max_polls else None
                continue
            outcome, detail = result.outcome, result.detail
        else:
            outcome, detail = result.outcome, result.detail
            if result.provider_id:
                row.provider_id = result.provider_id[:100]
        session.add(DeliveryReceipt(street_id=row.street_id, message_id=row.id, at=at, outcome=outcome, detail=(detail or "")[:500], attempt=row.attempts))
        counts[(row.channel, outcome)] += 1
        if outcome == c.SENT:
            row.status, row.sent_at = SENT, row.sent_at or at
            row.next_attempt_at = at + settings.retry.poll_every
        elif outcome == c.RETRY:
            if row.attempts >= settings.retry.max_attempts:
                row.status, row.finished_at, row.last_error = FAILED, at, f"gave up after {row.attempts} attempts: {detail}"[:500]
                counts[(row.channel, "GAVE_UP")] += 1
            else:
                row.status, row.next_attempt_at, row.last_error = PENDING, at + backoff(settings, row.attempts), (detail or "")[:500]
        elif outcome in FINAL:
            row.status, row.finished_at = outcome, at
            row.sent_at = row.sent_at or at
            row.next_attempt_at = None
            if outcome in (FAILED, NO_ANSWER):
                row.last_error = (detail or outcome)[:500]
        if row.status in (FAILED, NO_ANSWER) and row.alert_id is not None and row.alert_id not in hurried:
            hurried.add(row.alert_id)
            await hurry(session, row.alert_id, at)
    return counts


async def deliver_once(kernel, street: str, worker: str, *, limit: int = 200, at: datetime | None = None) -> int:
    """Take, send and record one batch of the street's due messages; returns how many."""
    at = at or clock.now()
    notify = runtime(kernel)
    locale = kernel.settings(street, "notify").locale
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        rows = await take(session, worker, at, limit, kernel.settings(street, "notify").retry.lease)
        work = [(row, as_message(row, street, locale)) for row in rows]
    if not work:
        return 0
    available = notify.channels(street)
    semaphore = asyncio.Semaphore(CONCURRENCY)
    attempts = await asyncio.gather(*(_attempt(available.get(row.channel), message, row, semaphore) for row, message in work))
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        counts = await record(session, kernel, street, worker, list(attempts), clock.now())
    count_outcomes(street, counts)
    return len(work)
