"""What plugins use of the work-item loop (re-exported by ``jiedao.api``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core.work import service
from jiedao.core.work.models import WorkItem, WorkOutcome, WorkSource


async def open_work_item(
    session: AsyncSession,
    *,
    subject: str,
    title: str,
    category: str,
    source: WorkSource | str,
    building_id: int | None = None,
    unit_id: int | None = None,
    raised_by: int | None = None,
    assignee_org: int | None = None,
    assignee_user: int | None = None,
    due: datetime | None = None,
    to_grid: bool = False,
) -> WorkItem:
    """Open a work item in ``session``'s street (inside a mutation: ``w.session``; in an event
    handler: ``async with street_transaction(delivery.kernel, delivery.street) as session``).

    ``subject`` is the global ID of what it is about (``encode_global_id("Alarm", 7)``);
    ``source`` a ``WorkSource`` (or its name); ``raised_by`` the resident's id (they will rate
    it); ``assignee_org``/``assignee_user`` the organisation/account ids it is dispatched to
    (none: it waits for street staff to dispatch it); ``to_grid=True`` dispatches it to the
    building's grid instead (its grid worker, or all of its grid's workers); ``due`` an aware
    datetime (default: the street's service level for ``category`` in working days).
    Refusals are ``DomainError`` naming the argument. ``WorkItemOpened`` is published after
    the commit."""
    return await service.open_item(
        session, subject=subject, title=title, category=category, source=source, building_id=building_id, unit_id=unit_id,
        raised_by=raised_by, assignee_org=assignee_org, assignee_user=assignee_user, due=due, to_grid=to_grid,
    )


async def work_item_for(session: AsyncSession, subject: str) -> WorkItem | None:
    """The latest work item about ``subject`` (a global ID) in ``session``'s street, or None.
    Read ``item.state`` (a ``WorkState`` value), ``item.outcome``, ``item.id``."""
    return await service.item_for(session, subject)


async def take_work_step(
    session: AsyncSession,
    item_id: int,
    action: str,
    *,
    by=None,
    note: str = "",
    organisation_id: int | None = None,
    outcome: WorkOutcome | str | None = None,
    rating: str | None = None,
    signed: str = "jiedao",
) -> WorkItem:
    """Take one step on work item ``item_id`` as a plugin would on someone's behalf: ``by`` is
    the acting ``User`` (checked like a GraphQL caller holding no street permission: its
    organisations, its resident record) or None for Jiedao itself acting as street staff
    (``dispatch``, ``close``, ``reopen``), the timeline naming it ``signed`` (an organisation
    without accounts, say). ``action``: dispatch, accept, start, resolve, rate, close, reopen.
    For seeds and for a plugin closing the item of a matter it settled."""
    actor = service.Actor.of(by, ()) if by is not None else service.Actor(signed, permissions=frozenset({service.DISPATCH}))
    if action == "dispatch":
        return await service.dispatch(session, item_id, actor, organisation_id=organisation_id, user_id=None, note=note)
    if action == "resolve":
        return await service.resolve(session, item_id, actor, note=note, outcome=outcome)
    if action == "rate":
        return await service.rate(session, item_id, actor, rating or "", note)
    if action in ("reopen",):
        return await service.reopen(session, item_id, actor, note)
    steps = {"accept": service.accept, "start": service.start, "close": service.close}
    if action not in steps:
        raise ValueError(f"unknown work step {action!r}")
    return await steps[action](session, item_id, actor, note)


async def escalate_overdue_work(session: AsyncSession, at: datetime | None = None) -> int:
    """Escalate the session's street's overdue items one level as of ``at`` (default now),
    without notifying anyone (for seeds; ``jiedao serve`` and ``jiedao work escalate`` notify).
    Returns how many items went up."""
    from jiedao.core.work.escalation import escalate_overdue

    return len(await escalate_overdue(session, service.settings_of(session), at))


async def close_work_item(session: AsyncSession, item_id: int, *, by: str, note: str) -> WorkItem:
    """Close an open work item because the plugin ``by`` settled its subject on its own side
    (a finding marked rectified, a return visit recorded); the timeline step names ``by`` and
    ``note``. ``INVALID_STATE`` if it is already closed. ``WorkItemClosed`` follows the commit."""
    return await take_work_step(session, item_id, "close", note=note, signed=by)


__all__ = [
    "WorkItem", "WorkOutcome", "WorkSource", "close_work_item", "escalate_overdue_work", "open_work_item", "take_work_step",
    "work_item_for",
]
