"""Work items, live: the ``workItemChanged`` subscription and the in-process feed behind it.

Every work-item event (``core.work.item.opened``, ``state_changed``, ``closed``, ``escalated``)
is handed to the street's feed after its transaction committed; each subscriber then reads
the item again in a fresh transaction *through the same visibility rule as the inbox*
(``visible_work_items``, or ``mine: true`` for the caller's own), so a resident or another
organisation never receives an item they may not read. The feed lives in this process only:
a deployment with several server processes sees the changes made by its own process (as the
``workItems`` query sees them all on reload).
"""

from __future__ import annotations

import contextlib
import weakref
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, Annotated

import strawberry
from sqlalchemy import select

from jiedao.core.feeds import StreetFeed
from jiedao.core.work import models
from jiedao.core.work.events import WORK_EVENTS, WorkItemEvent
from jiedao.core.work.graphql import MINE_HELP, WorkItem, _mine, visible_work_items
from jiedao.schema.permissions import IsAuthenticated

if TYPE_CHECKING:
    from jiedao.core.events import Delivery
    from jiedao.core.kernel import Kernel
    from jiedao.schema.context import Context

CHANGES = {
    "core.work.item.opened": "opened",
    "core.work.item.state_changed": "state_changed",
    "core.work.item.closed": "closed",
    "core.work.item.escalated": "escalated",
}


class WorkFeed(StreetFeed[WorkItemEvent]):
    """Fan-out of work-item events to the subscribers of one street (in this process only)."""


_feeds: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def feed_of(kernel: Kernel) -> WorkFeed:
    """The work-item feed of ``kernel`` (one per loaded kernel, made on first use)."""
    feed = _feeds.get(kernel)
    if feed is None:
        feed = _feeds[kernel] = WorkFeed()
    return feed


async def relay_work_event(event: WorkItemEvent, delivery: Delivery) -> None:
    """Event handler: pass a committed work-item event to the street's live subscribers."""
    feed_of(delivery.kernel).put(delivery.street_id, event)


def register_live_events(register) -> None:
    """Subscribe the feed to every work-item event (called from core's ``jiedao_events``)."""
    for event in WORK_EVENTS:
        register.on(event, relay_work_event)


@strawberry.type(description="A work item that changed, as you may see it now.")
class WorkItemChange:
    change: str = strawberry.field(description="opened, state_changed, closed or escalated.")
    action: str = strawberry.field(description="The step taken (dispatch, accept, resolve, close …); empty when opened.")
    work_item: WorkItem = strawberry.field(description="The work item as it is now (read again after the change).")


@strawberry.type
class WorkSubscription:
    """Fields the kernel adds to ``Subscription`` for work items."""

    @strawberry.subscription(
        description=(
            "Work items of this street as they change, each only if you may read it (the rule of `workItems`); "
            "`mine: true` keeps only the items you handle or raised."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def work_item_changed(self, info: strawberry.Info, mine: Annotated[bool, strawberry.argument(description=MINE_HELP)] = False) -> AsyncGenerator[WorkItemChange, None]:
        """Stream the visible work items of this street as they change."""
        ctx: Context = info.context
        async with contextlib.aclosing(feed_of(ctx.kernel).listen(ctx.street_id)) as events:
            async for event in events:
                try:
                    await ctx.fresh()
                    rule = _mine(ctx) if mine else visible_work_items(ctx)
                    item = await ctx.scalar(select(models.WorkItem).where(models.WorkItem.id == event.work_item_id, rule))
                    if item is not None:
                        yield WorkItemChange(change=CHANGES.get(event.name, event.name), action=getattr(event, "action", ""), work_item=item)
                finally:
                    await ctx.fresh()  # its fields were resolved (or the client left): give the connection back
