"""The daily digest: minor messages (a low battery, a device that needs service) collected
per person and channel and sent as one message at the street's ``digest_at`` (China time)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.notify.models import DIGEST, DIGESTED, OutboxMessage
from jiedao.core.notify.outbox import Draft, write_message
from jiedao.core.notify.recipients import Person

ITEMS = 30
"""Lines listed in one digest; the rest are counted."""


def digest_moment(settings, at: datetime) -> datetime:
    """Today's digest time (China time) as an aware datetime."""
    local = at.astimezone(clock.CHINA)
    moment = settings.digest_time()
    return local.replace(hour=moment.hour, minute=moment.minute, second=0, microsecond=0)


async def send_digests(session: AsyncSession, kernel, street: str, at: datetime | None = None) -> int:
    """Once the street's digest time has passed today, write one digest per person and channel
    of the minor messages collected before it; returns how many digests were written."""
    at = at or clock.now()
    settings = kernel.settings(street, "notify")
    moment = digest_moment(settings, at)
    if at < moment:
        return 0
    waiting = (await session.scalars(select(OutboxMessage).where(OutboxMessage.status == DIGEST, OutboxMessage.created_at <= moment).order_by(OutboxMessage.id))).all()
    groups: dict[tuple, list[OutboxMessage]] = defaultdict(list)
    for row in waiting:
        groups[(row.recipient_kind, row.recipient_ref, row.recipient_name, row.recipient_role, row.channel, row.address)].append(row)
    written = 0
    day = moment.date().isoformat()
    for (kind, ref, name, role, channel, address), rows in groups.items():
        lines = [f"- {r.title}" for r in rows[:ITEMS]]
        if len(rows) > ITEMS:
            lines.append(f"… +{len(rows) - ITEMS}")
        draft = Draft(kind="digest", subject="", severity="info", title=(f"{day} 每日汇总 {len(rows)} 条" if settings.locale == "zh" else f"{day} digest: {len(rows)}"),
                      fields={"when": day, "count": len(rows), "items": "\n".join(lines)}, at=at)
        digest = await write_message(
            session, rows[0].street_id, settings, draft,
            key=f"{rows[0].street_id}d{day}-{kind[0]}{ref}-{channel}", person=Person(kind, ref or 0, name, role=role), channel=channel, address=address,
        )
        if digest is None:
            continue
        await session.flush()
        for row in rows:
            row.status, row.digest_id, row.finished_at = DIGESTED, digest.id, at
        written += 1
    return written
