"""Messages that are not alerts (an overdue work item escalated, a dispute at risk): addressed
to roles and named accounts of a street, written to the outbox in their own transaction and
delivered by the worker like any other, without stages or acknowledgement."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from jiedao.core import clock
from jiedao.core.contacts.models import StaffAddress
from jiedao.core.events import street_transaction
from jiedao.core.identity.models import Grant, User
from jiedao.core.notify.notification import Notification
from jiedao.core.notify.outbox import Draft, write_to_people
from jiedao.core.notify.recipients import STAFF, Person
from jiedao.core.notify.runtime import runtime


def person_of(user: User, address: StaffAddress | None, role: str) -> Person:
    """An account as a recipient, with whatever addresses it has."""
    return Person(
        STAFF,
        user.id,
        user.username,
        role=role,
        phone=(address.phone if address else None) or "",
        dingtalk=(address.dingtalk_user_id if address else None) or "",
        wecom=(address.wecom_user_id if address else None) or "",
    )


async def staff_for(session, street_id: int, recipients: tuple[str, ...]) -> list[Person]:
    """The active accounts a notification names: ``@username`` or holders of a role in the street."""
    names = [r[1:] for r in recipients if r.startswith("@")]
    roles = [r for r in recipients if not r.startswith("@")]
    people: dict[int, Person] = {}
    if names:
        rows = await session.execute(
            select(User, StaffAddress).outerjoin(StaffAddress, StaffAddress.user_id == User.id).where(User.username.in_(names), User.is_active.is_(True))
        )
        for user, address in rows.all():
            people.setdefault(user.id, person_of(user, address, "named"))
    if roles:
        rows = await session.execute(
            select(User, StaffAddress, Grant.role)
            .join(Grant, Grant.user_id == User.id)
            .outerjoin(StaffAddress, StaffAddress.user_id == User.id)
            .where(Grant.street_id == street_id, Grant.role.in_(roles), User.is_active.is_(True))
            .order_by(User.id)
        )
        for user, address, role in rows.all():
            people.setdefault(user.id, person_of(user, address, role))
    return list(people.values())


async def write_notification(session, kernel, notification: Notification) -> int:
    """Write ``notification`` to the outbox in ``session`` (the transaction of its cause), one
    message per person it names and channel that reaches them; returns the messages written."""
    street = notification.street
    street_id = kernel.street_id(street)
    settings = kernel.settings(street, "notify")
    severity = {"warning": "major", "error": "major"}.get(notification.severity, notification.severity)
    policy = settings.policy(severity)
    at = clock.now()
    digest = hashlib.sha256(f"{notification.reference}|{notification.subject}|{at.isoformat()}".encode()).hexdigest()[:16]
    people = await staff_for(session, street_id, notification.recipients)
    draft = Draft(
        kind=str(notification.data.get("kind", "notice")) if isinstance(notification.data, dict) else "notice",
        subject=notification.reference,
        severity=severity,
        title=notification.subject,
        fields={"what": notification.subject, "where": notification.body, "when": at.astimezone(clock.CHINA).strftime("%Y-%m-%d %H:%M")},
        at=at,
    )
    written = await write_to_people(
        session, street_id, settings, runtime(kernel).channels(street), draft,
        key_prefix=f"{street_id}n{digest}", people=people, staff_channels=policy.staff, public_channels=policy.public,
    )
    return len(written)


async def notify(kernel, notification: Notification) -> int:
    """Write ``notification`` to the outbox in a transaction of its own (prefer
    ``write_notification`` in the transaction of its cause)."""
    async with street_transaction(kernel, notification.street) as session:
        return await write_notification(session, kernel, notification)
