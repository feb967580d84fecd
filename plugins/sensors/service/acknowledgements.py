"""Acknowledging an alarm from a notification: the outbox publishes ``AlertAcknowledged``
(``core.notify.acknowledged``) when someone answers an alert by its link or a reply; when its
subject is an alarm of the street, the alarm is acknowledged as ``acknowledgeAlarm`` would,
with who answered and what they found, and the change is announced the usual way."""

from __future__ import annotations

import logging

from sqlalchemy import select

from jiedao.api import DomainError
from jiedao.api.alerts import ACK_OUTCOMES, AlertAcknowledged
from jiedao.api.domain import street_transaction
from jiedao.api.graphql import decode_global_id
from jiedao.plugins.sensors.models import Alarm
from jiedao.plugins.sensors.service.alarms import UNACKNOWLEDGED, acknowledge
from jiedao.plugins.sensors.service.publish import publish

log = logging.getLogger("jiedao.sensors")


def _alarm_pk(subject: str) -> int | None:
    """The primary key of the alarm ``subject`` names, or None when it names something else."""
    try:
        kind, pk = decode_global_id(subject)
    except DomainError:
        return None
    return int(pk) if kind == "Alarm" else None


async def acknowledge_from_notification(event: AlertAcknowledged, delivery) -> None:
    """On ``core.notify.acknowledged`` about an alarm of this street waiting for acknowledgement
    (ACTIVE_UNACK or CLEARED_UNACK): acknowledge it by ``event.by`` with the outcome and note,
    then publish the change. Anything else (another street's alarm, one already acknowledged,
    another kind of subject) is left alone without an error."""
    alarm_pk = _alarm_pk(event.subject)
    if alarm_pk is None:
        return
    outcome = event.outcome if event.outcome in ACK_OUTCOMES else None
    note = event.note
    if event.outcome and outcome is None:  # an outcome this version does not know: kept in the note
        note = f"{event.outcome}: {note}" if note else event.outcome
    async with street_transaction(delivery.kernel, delivery.street) as session:
        status = await session.scalar(select(Alarm.status).where(Alarm.id == alarm_pk))  # the street's alarms only
        if status not in UNACKNOWLEDGED:
            return
        try:
            change = await acknowledge(session, alarm_pk, event.by[:100], note, outcome=outcome)
        except DomainError:  # acknowledged by someone else meanwhile
            log.info("alarm %s in %s was acknowledged meanwhile; %s's acknowledgement changes nothing", event.subject, delivery.street, event.by)
            return
    await publish(delivery.kernel, delivery.street, [change])
