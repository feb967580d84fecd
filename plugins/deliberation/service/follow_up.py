"""The seam to the kernel's work items (issue 15 item 3): every matter someone must follow up
passes through ``hand_over``, called when a topic is raised and when a meeting's action item
is created or closed.

It does nothing yet. Connecting it is one change here: create, or move, the work item whose
subject is ``Matter.subject`` (a global ID) through the kernel's API.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

from sqlalchemy.ext.asyncio import AsyncSession

MatterChange = Literal["topic_raised", "action_item_created", "action_item_closed"]


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


async def hand_over(session: AsyncSession, matter: Matter) -> None:
    """Hand a matter to whoever follows it up (the kernel's work items, once connected).

    Called inside the transaction that made the change, after it was flushed."""
    return None
