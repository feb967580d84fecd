"""Alerts: raised in the transaction of their cause, sent stage after stage until a person
acknowledges, then silent.

- ``raise_alert`` plans the stages from the chain of people (``core.contacts.chain``) and the
  street's policy for the severity, and writes the first stage's messages to the outbox;
  raising again for the same subject while the alert is open re-sends the current stage
  only when the severity got worse.
- ``advance_alerts`` (the worker, every cycle) moves each unacknowledged alert whose wait is
  over to its next stage — one conditional UPDATE per alert, so two workers never send a
  stage twice — and, once the chain has run out, tells its last people again every
  ``repeat_after`` up to ``max_repeats`` times.
- ``acknowledge_alert`` stops it: pending messages of the alert are CANCELLED and the
  owner of the subject hears of it (``AlertAcknowledged``) when the acknowledgement came
  from a notification.
- A call nobody answered, or a stage none of whose messages reached anyone, brings the next
  stage forward to now (``hurry``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.events import defer
from jiedao.core.notify.events import AlertAcknowledged
from jiedao.core.notify.models import CANCELLED, DIGEST, PENDING, Alert, OutboxMessage
from jiedao.core.notify.outbox import Draft, write_message, write_to_people
from jiedao.core.notify.plan import people_of, plan_stages
from jiedao.core.notify.recipients import Person
from jiedao.core.notify.runtime import runtime
from jiedao.core.notify.settings import CRITICAL, MAJOR, SEVERITIES

log = logging.getLogger("jiedao.notify")
RANK = {s: i for i, s in enumerate(reversed(SEVERITIES))}


def ack_base(kernel, street: str) -> str:
    """Where the street's acknowledgement links point."""
    return f"{runtime(kernel).public_url(street)}/notify/ack/{street}"


async def open_alert(session: AsyncSession, subject: str) -> Alert | None:
    """The alert about ``subject`` still waiting for acknowledgement, if any."""
    return await session.scalar(
        select(Alert).where(Alert.subject == subject, Alert.acknowledged_at.is_(None), Alert.closed_at.is_(None)).order_by(Alert.id.desc()).limit(1)
    )


async def alerted(session: AsyncSession, subjects: list[str]) -> set[str]:
    """Those of ``subjects`` that ever had an alert (for catch-up after a crash)."""
    if not subjects:
        return set()
    return set((await session.scalars(select(Alert.subject).where(Alert.subject.in_(subjects)))).all())


async def raise_alert(
    session: AsyncSession,
    kernel,
    street: str,
    *,
    kind: str,
    subject: str,
    severity: str,
    title: str,
    fields: dict[str, Any],
    building_id: int | None = None,
    resident_id: int | None = None,
    also_at_home: Sequence[int] = (),
    at: datetime | None = None,
    again: bool = False,
) -> Alert:
    """Raise the alert about ``subject`` and write its first messages. While it is open,
    raising it again updates its text and re-sends the current stage when the severity got
    worse or ``again`` says the news is worth telling (the condition came back).

    ``resident_id`` is told at home (with the grid worker; their emergency contacts with the
    community) and is the alert's ``resident_id``; ``also_at_home``: more residents told the
    same way (e.g. every owner of a flat nobody lives in)."""
    from jiedao.core.contacts.chain import reach_chain

    at = at or clock.now()
    severity = severity.lower()
    street_id = kernel.street_id(street)
    settings = kernel.settings(street, "notify")
    alert = await open_alert(session, subject)
    if alert is not None:
        worse = RANK.get(severity, 0) > RANK.get(alert.severity, 0)
        alert.fields, alert.title = fields, title[:300]
        if worse:  # a low battery that became a fire: the plan of the new severity, from the current step
            chain = await reach_chain(session, street_id, building_id=building_id, resident_id=resident_id, also_at_home=also_at_home, at=at)
            alert.severity, alert.stages = severity, plan_stages(chain, settings.policy(severity))
            alert.stage = min(alert.stage, max(len(alert.stages) - 1, 0))
            alert.next_stage_at = at + timedelta(seconds=alert.stages[alert.stage]["wait"]) if alert.stages else None
        if worse or again:
            alert.repeats += 1
            await send_stage(session, kernel, street, alert, alert.stage, at)
        return alert
    policy = settings.policy(severity)
    chain = await reach_chain(session, street_id, building_id=building_id, resident_id=resident_id, also_at_home=also_at_home, at=at)
    stages = plan_stages(chain, policy)
    if not stages:
        log.warning("alert %s in %s reaches nobody: no grid worker, duty roster or street admin with an account", subject, street)
    alert = Alert(
        street_id=street_id,
        kind=kind,
        subject=subject,
        severity=severity,
        title=title[:300],
        fields=fields,
        building_id=building_id,
        resident_id=resident_id,
        stages=stages,
        stage=0,
        repeats=0,
        raised_at=at,
        next_stage_at=at + timedelta(seconds=stages[0]["wait"]) if stages else None,
    )
    session.add(alert)
    await session.flush()
    await send_stage(session, kernel, street, alert, 0, at)
    if severity in (CRITICAL, MAJOR):
        await _post_to_groups(session, kernel, street, alert, at)
    return alert


def draft_of(kernel, street: str, alert: Alert, at: datetime, stage: int = 0) -> Draft:
    """The message of ``alert`` at ``stage``, before it is addressed."""
    return Draft(
        kind=alert.kind, subject=alert.subject, severity=alert.severity, title=alert.title, fields=dict(alert.fields), at=at,
        link_base=ack_base(kernel, street), alert_id=alert.id, stage=stage,
    )


async def send_stage(session: AsyncSession, kernel, street: str, alert: Alert, stage: int, at: datetime) -> int:
    """Write the messages of ``alert``'s stage ``stage`` (repeat ``alert.repeats``)."""
    if not alert.stages:
        return 0
    planned = alert.stages[min(stage, len(alert.stages) - 1)]
    notify = runtime(kernel)
    written = await write_to_people(
        session,
        alert.street_id,
        kernel.settings(street, "notify"),
        notify.channels(street),
        draft_of(kernel, street, alert, at, stage),
        key_prefix=f"{alert.street_id}a{alert.id}s{stage}r{alert.repeats}",
        people=people_of(planned),
        staff_channels=planned["staff"],
        public_channels=planned["public"],
        step="repeat" if alert.repeats else planned["label"],
    )
    return len(written)


async def _post_to_groups(session: AsyncSession, kernel, street: str, alert: Alert, at: datetime) -> None:
    settings = kernel.settings(street, "notify")
    available = runtime(kernel).channels(street)
    for name in settings.group_channels:
        if name in available:
            await write_message(
                session, alert.street_id, settings, draft_of(kernel, street, alert, at),
                key=f"{alert.street_id}a{alert.id}-group-{name}", person=Person("group", 0, name, role="group"), channel=name, address="",
            )


async def advance_alerts(session: AsyncSession, kernel, street: str, at: datetime | None = None) -> int:
    """Send the next stage of every unacknowledged alert whose wait is over; returns how many
    alerts moved. Safe to run from several workers at once."""
    at = at or clock.now()
    due = (
        await session.scalars(
            select(Alert).where(Alert.acknowledged_at.is_(None), Alert.closed_at.is_(None), Alert.next_stage_at.is_not(None), Alert.next_stage_at <= at).order_by(Alert.id).limit(500)
        )
    ).all()
    moved = 0
    settings = kernel.settings(street, "notify")
    for alert in due:
        last = len(alert.stages) - 1
        policy = settings.policy(alert.severity)
        if alert.stage < last:
            stage, repeats = alert.stage + 1, alert.repeats
            wait = timedelta(seconds=alert.stages[stage]["wait"])
        elif alert.repeats < policy.max_repeats:
            stage, repeats, wait = alert.stage, alert.repeats + 1, policy.repeat_after
        else:
            stage, repeats, wait = alert.stage, alert.repeats, None
        next_at = at + wait if wait is not None else None
        claimed = await session.execute(
            update(Alert)
            .where(Alert.id == alert.id, Alert.stage == alert.stage, Alert.repeats == alert.repeats, Alert.acknowledged_at.is_(None))
            .values(stage=stage, repeats=repeats, next_stage_at=next_at)
            .execution_options(synchronize_session=False)
        )
        if claimed.rowcount != 1 or wait is None:
            continue
        await session.refresh(alert)
        await send_stage(session, kernel, street, alert, stage, at)
        moved += 1
    return moved


async def hurry(session: AsyncSession, alert_id: int, at: datetime) -> None:
    """Bring ``alert_id``'s next stage forward to ``at`` (a call not answered, a stage that
    reached nobody)."""
    await session.execute(
        update(Alert)
        .where(Alert.id == alert_id, Alert.acknowledged_at.is_(None), Alert.next_stage_at.is_not(None), Alert.next_stage_at > at)
        .values(next_stage_at=at)
        .execution_options(synchronize_session=False)
    )


async def acknowledge_alert(session: AsyncSession, subject: str, by: str, outcome: str | None = None, *, note: str = "", from_notification: bool = False, at: datetime | None = None) -> Alert | None:
    """Stop the open alert about ``subject``: acknowledged by ``by``; its unsent messages are
    cancelled. With ``from_notification`` the subject's owner is told (``AlertAcknowledged``)."""
    at = at or clock.now()
    alert = await open_alert(session, subject)
    if alert is None:
        return None
    alert.acknowledged_at, alert.acknowledged_by, alert.outcome, alert.next_stage_at = at, by[:100], outcome, None
    alert.ack_minutes = round(max((at - alert.raised_at).total_seconds(), 0) / 60, 2)
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.alert_id == alert.id, OutboxMessage.status.in_([PENDING, DIGEST]))
        .values(status=CANCELLED, finished_at=at, last_error=f"acknowledged by {by}"[:500])
        .execution_options(synchronize_session=False)
    )
    if from_notification:
        defer(session, AlertAcknowledged(subject=subject, by=by, outcome=outcome or "", note=note))
    return alert


async def close_alert(session: AsyncSession, subject: str, at: datetime | None = None) -> None:
    """The subject needs nobody any more (handled elsewhere): stop the alert quietly."""
    alert = await open_alert(session, subject)
    if alert is not None:
        at = at or clock.now()
        alert.closed_at, alert.next_stage_at = at, None
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.alert_id == alert.id, OutboxMessage.status.in_([PENDING, DIGEST]))
            .values(status=CANCELLED, finished_at=at, last_error="closed")
            .execution_options(synchronize_session=False)
        )
