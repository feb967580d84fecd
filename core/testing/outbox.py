"""Reading the notification outbox in tests."""

from __future__ import annotations

from sqlalchemy import select

from jiedao.core.notify.models import OutboxMessage


async def outbox(kernel, street: str = "changqing", subject: str | None = None) -> list[OutboxMessage]:
    """The street's outbox messages (about ``subject`` if given), oldest first."""
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        statement = select(OutboxMessage).order_by(OutboxMessage.id)
        if subject is not None:
            statement = statement.where(OutboxMessage.subject == subject)
        return list((await session.scalars(statement)).all())
