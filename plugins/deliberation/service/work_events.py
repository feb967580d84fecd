"""The way back from the kernel's work items: when the work item of a meeting's action item
is resolved or closed, the action item is done; when it is reopened (the resident was not
satisfied, or staff reopened it), the action item is open again — so a topic becomes
``IMPLEMENTED`` only once every organisation's work on it has been resolved."""

from __future__ import annotations

from sqlalchemy import select

from jiedao.api import now
from jiedao.api.domain import street_transaction
from jiedao.api.graphql import decode_global_id
from jiedao.plugins.deliberation.models import ActionItem

DONE_STATES = ("RESOLVED", "CONFIRMED", "CLOSED")
SUBJECT_TYPE = "MeetingActionItem"


async def follow_action_item(event, delivery) -> None:
    """On ``core.work.item.state_changed``: mark the action item the work item is about done
    (resolved, confirmed, closed) or open again (reopened); other items are left alone."""
    if event.source != "MEETING_ACTION":
        return
    kind, item_id = decode_global_id(event.subject)
    if kind != SUBJECT_TYPE:
        return
    async with street_transaction(delivery.kernel, delivery.street) as session:
        item = await session.scalar(select(ActionItem).where(ActionItem.id == item_id))
        if item is None:
            return
        if event.state in DONE_STATES and item.done_at is None:
            item.done_at = now()
        elif event.state not in DONE_STATES and item.done_at is not None:
            item.done_at = None
