"""The seam to the kernel's work items (issue 15 item 3): every matter someone must follow up
passes through ``hand_over``, called when a topic is raised and when a meeting's action item
is created or closed.

A raised topic opens a work item (source ``RESIDENT_APPEAL``, raised by its resident; street
staff dispatch it); each action item opens one for its responsible organisation, due at the
end of its deadline day and raised by the resident of the topic it serves (who rates it). A
topic implemented or rejected closes its appeal's item; an action item closed by hand closes
its item. The way back (a resolved item marks its action item done) is ``work_events``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api.domain import CHINA
from jiedao.api.work import open_work_item, take_work_step, work_item_for, WorkSource
from jiedao.plugins.deliberation.models import Topic

APPEAL_CATEGORY = "appeal"
ACTION_CATEGORY = "meeting_action"
CLOSED_STATES = ("CONFIRMED", "CLOSED")

MatterChange = Literal["topic_raised", "topic_settled", "action_item_created", "action_item_closed"]


@dataclass(frozen=True)
class Matter:
    """What changed, about what, and who must act by when.

    ``subject`` is the global ID of the topic (``Topic:…``) or of the action item
    (``MeetingActionItem:…``); ``topic_id`` is the topic an action item serves, if any.
    """

    change: MatterChange
    subject: str
    title: str
    compound_id: int | None = None
    building_id: int | None = None
    unit_id: int | None = None
    topic_id: int | None = None
    organisation_id: int | None = None
    due_on: date | None = None
    raised_by_user_id: int | None = None
    raised_by_resident_id: int | None = None
    note: str = ""


async def hand_over(session: AsyncSession, matter: Matter) -> None:
    """Hand a matter to the kernel's work items: open the item of a raised topic or a new
    action item, or close the item of a settled topic or an action item closed by hand.

    Called inside the transaction that made the change, after it was flushed."""
    if matter.change == "topic_raised":
        await open_work_item(
            session, subject=matter.subject, title=matter.title[:200], category=APPEAL_CATEGORY, source=WorkSource.RESIDENT_APPEAL,
            building_id=matter.building_id, unit_id=matter.unit_id, raised_by=matter.raised_by_resident_id,
        )
    elif matter.change == "action_item_created":
        await _open_action_item(session, matter)
    else:
        item = await work_item_for(session, matter.subject)
        if item is not None and item.state not in CLOSED_STATES:
            await take_work_step(session, item.id, "close", note=matter.note or "事项已办结")


async def _open_action_item(session: AsyncSession, matter: Matter) -> None:
    """The action item's work item: for its organisation, due at the end of its deadline day,
    at the place of (and rated by the resident who raised) the topic it serves."""
    topic = await session.scalar(select(Topic).where(Topic.id == matter.topic_id)) if matter.topic_id else None
    await open_work_item(
        session, subject=matter.subject, title=matter.title[:200], category=ACTION_CATEGORY, source=WorkSource.MEETING_ACTION,
        building_id=topic.building_id if topic else None, unit_id=topic.unit_id if topic else None,
        raised_by=topic.raised_by_resident_id if topic else None, assignee_org=matter.organisation_id,
        due=datetime.combine(matter.due_on, time(23, 59, 59), CHINA) if matter.due_on else None,
    )
