"""Opening work items and moving them along the state machine; every step writes the timeline
and defers its event (published after the transaction commits)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.errors import DomainError
from jiedao.core.events import defer
from jiedao.core.grids.models import GridWorker
from jiedao.core.identity.models import Grant, User
from jiedao.core.models import Building, Resident, Unit
from jiedao.core.organisations.models import Membership, Organisation
from jiedao.core.work import events
from jiedao.core.work.models import Rating, WorkItem, WorkOutcome, WorkSource, WorkStep
from jiedao.core.work.people import buildings_of_grids_of, grid_workers_of_building, organisations_of
from jiedao.core.work.settings import WorkSettings
from jiedao.core.work.sla import due_for
from jiedao.core.work.states import DISPATCHER, FINAL, HANDLER, KERNEL, RAISER, TRANSITIONS, WorkState, transition
from jiedao.schema.ids import encode_global_id

DISPATCH = "core.work.dispatch"
HANDLE = "core.work.handle"
READ = "core.work.read"
MAX_TITLE = 200


@dataclass(frozen=True)
class Actor:
    """Who takes a step: an account (with its street permissions and resident record) or the kernel."""

    name: str
    user_id: int | None = None
    resident_id: int | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, user, permissions) -> Actor:
        """The logged-in ``user`` holding ``permissions`` in the street."""
        return cls(user.username, user.id, user.resident_id, frozenset(permissions))


SYSTEM = Actor("jiedao")
"""The kernel itself (escalation, closing what nobody can rate)."""


def settings_of(session: AsyncSession) -> WorkSettings:
    """The work settings of the session's street (defaults for a session of no known street)."""
    kernel = session.info.get("kernel")
    street_id = session.info.get("street_id")
    if kernel is not None and street_id is not None:
        for slug in kernel.config.streets:
            if kernel._street_ids.get(slug) == street_id:  # noqa: SLF001 - the kernel's own map
                return kernel.settings(slug, "work")
    return WorkSettings()


def event_of(cls, item: WorkItem, **extra):
    """The event ``cls`` about ``item`` as it is now."""
    return cls(
        work_item_id=item.id, work_item=encode_global_id("WorkItem", item.id), subject=item.subject, category=item.category,
        source=item.source, state=item.state, building_id=item.building_id, assignee_org_id=item.assignee_org_id,
        assignee_user_id=item.assignee_user_id, **extra,
    )


def _step(session: AsyncSession, item: WorkItem, actor: Actor, action: str, before: str | None, note: str, at: datetime) -> None:
    session.add(WorkStep(work_item_id=item.id, at=at, actor=actor.name, actor_id=actor.user_id, action=action, from_state=before, to_state=item.state, note=note))


def _choice(enum_type, value, field_name: str):
    """``value`` (an enum member or its name) as a member of ``enum_type``; BAD_INPUT naming the field."""
    if isinstance(value, enum_type):
        return value
    try:
        return enum_type[str(getattr(value, "value", value))]
    except KeyError:
        allowed = ", ".join(m.name for m in enum_type)
        raise DomainError("Unknown {field_name} '{value}'; one of {allowed}.", code="BAD_INPUT", field=field_name, field_name=field_name, value=value, allowed=allowed) from None


async def _assignee(session: AsyncSession, organisation_id: int | None, user_id: int | None) -> None:
    """Refuse an assignee that is not of this street."""
    if organisation_id is not None and await session.get(Organisation, organisation_id) is None:
        raise DomainError("No organisation {id} in this street.", code="NOT_FOUND", field="organisationId", id=encode_global_id("Organisation", organisation_id))
    if user_id is not None:
        street_id = session.info.get("street_id")
        known = select(User.id).where(
            User.id == user_id,
            or_(
                exists(select(Grant.id).where(Grant.user_id == User.id, Grant.street_id == street_id)),
                exists(select(GridWorker.id).where(GridWorker.user_id == User.id)),
                exists(select(Membership.id).where(Membership.user_id == User.id)),
            ),
        )
        if await session.scalar(known) is None:
            raise DomainError("No account with that name works in this street.", code="NOT_FOUND", field="assigneeUsername")


async def open_item(
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
    actor: Actor = SYSTEM,
    note: str = "",
) -> WorkItem:
    """Open a work item (see ``jiedao.api.open_work_item``)."""
    title, category, subject = (title or "").strip(), (category or "").strip(), (subject or "").strip()
    if not title or len(title) > MAX_TITLE:
        raise DomainError("A work item needs a title of 1 to {most} characters.", code="BAD_INPUT", field="title", most=MAX_TITLE)
    if not category or len(category) > 50:
        raise DomainError("A work item needs a category of 1 to 50 characters.", code="BAD_INPUT", field="category")
    if not subject or len(subject) > 200:
        raise DomainError("A work item needs a subject (the global ID of what it is about).", code="BAD_INPUT", field="subject")
    source = _choice(WorkSource, source, "source")
    if due is not None and due.tzinfo is None:
        raise DomainError("The due time needs a time zone.", code="BAD_INPUT", field="due")
    due = due.astimezone(UTC) if due is not None else None
    if unit_id is not None:
        unit = await session.get(Unit, unit_id)
        if unit is None:
            raise DomainError("No such unit in this street.", code="NOT_FOUND", field="unitId")
        building_id = building_id or unit.building_id
    if building_id is not None and await session.get(Building, building_id) is None:
        raise DomainError("No such building in this street.", code="NOT_FOUND", field="buildingId")
    if raised_by is not None and await session.get(Resident, raised_by) is None:
        raise DomainError("No such resident in this street.", code="NOT_FOUND", field="raisedBy")
    await _assignee(session, assignee_org, assignee_user)
    grid_workers = []
    if to_grid and building_id is not None and assignee_org is None and assignee_user is None:
        grid_workers = await grid_workers_of_building(session, building_id)
        if len(grid_workers) == 1:
            assignee_user = grid_workers[0].id
    at = clock.now()
    exact = True
    if due is None:
        due, exact = due_for(settings_of(session), category, at)
    assigned = assignee_org is not None or assignee_user is not None or bool(grid_workers)
    item = WorkItem(
        subject=subject, title=title, category=category, source=source.value, building_id=building_id, unit_id=unit_id,
        raised_by_id=raised_by, assignee_org_id=assignee_org, assignee_user_id=assignee_user,
        state=(WorkState.DISPATCHED if assigned else WorkState.NEW).value, due_at=due, due_approximate=not exact,
        escalation_level=0, reopen_count=0, outcome_note="", rating_reason="", opened_at=at, updated_at=at,
    )
    session.add(item)
    await session.flush()
    if not note and grid_workers:
        note = f"for the grid worker(s) of the building: {', '.join(u.username for u in grid_workers)}"
    _step(session, item, actor, "open", None, note or f"opened ({source.value})", at)
    defer(session, event_of(events.WorkItemOpened, item))
    return item


async def item_for(session: AsyncSession, subject: str) -> WorkItem | None:
    """The latest work item about ``subject`` (a global ID), or None."""
    return await session.scalar(select(WorkItem).where(WorkItem.subject == subject).order_by(WorkItem.id.desc()).limit(1))


async def _locked(session: AsyncSession, item_id: int) -> WorkItem:
    item = await session.scalar(select(WorkItem).where(WorkItem.id == item_id).with_for_update())
    if item is None:
        raise DomainError("No such work item in this street.", code="NOT_FOUND", field="id")
    return item


async def may_handle(session: AsyncSession, item: WorkItem, actor: Actor) -> bool:
    """Whether ``actor`` is the item's handler: street staff, its assignee, a member of its
    assignee organisation, or (for an item assigned to nobody in particular) a worker of its grid."""
    if DISPATCH in actor.permissions:
        return True
    if actor.user_id is None:
        return False
    if item.assignee_user_id is not None and item.assignee_user_id == actor.user_id:
        return True
    if item.assignee_org_id is not None:
        return item.assignee_org_id in set((await session.scalars(organisations_of(actor.user_id))).all())
    if item.assignee_user_id is None and item.building_id is not None and HANDLE in actor.permissions:
        return item.building_id in set((await session.scalars(buildings_of_grids_of(actor.user_id))).all())
    return False


async def _check(session: AsyncSession, item: WorkItem, who: str, actor: Actor, action: str) -> None:
    if who == DISPATCHER and DISPATCH not in actor.permissions:
        raise DomainError("Only street staff holding '{permission}' may {action} a work item.", code="FORBIDDEN", field="id", permission=DISPATCH, action=action)
    if who == HANDLER and not await may_handle(session, item, actor):
        raise DomainError(
            "Only the work item's assignee (its account, its organisation's members or its grid's workers) may {action} it.",
            code="FORBIDDEN", field="id", action=action,
        )
    if who == RAISER and (actor.resident_id is None or actor.resident_id != item.raised_by_id):
        raise DomainError("Only the resident who raised this work item may rate it.", code="FORBIDDEN", field="id")
    if who == KERNEL and actor is not SYSTEM:
        raise DomainError("Only Jiedao itself takes this step.", code="FORBIDDEN", field="id")


async def _guard(session: AsyncSession, item: WorkItem, action: str, actor: Actor):
    """Who first, then the state: a caller who may not take ``action`` on ``item`` learns
    nothing of its state (FORBIDDEN); one who may gets INVALID_STATE naming it."""
    await _check(session, item, TRANSITIONS[action].actor, actor, action.split("_")[0])
    return transition(action, WorkState(item.state))


async def _move(session: AsyncSession, item: WorkItem, action: str, actor: Actor, note: str = "", **changes) -> WorkItem:
    """Take ``action`` on ``item``: check the state and the actor, apply ``changes``, write the
    timeline and defer the events."""
    step = await _guard(session, item, action, actor)
    before, at = item.state, clock.now()
    for key, value in changes.items():
        setattr(item, key, value)
    item.state, item.updated_at = step.target.value, at
    if step.target in FINAL:
        item.closed_at = at
    _step(session, item, actor, action, before, note, at)
    await session.flush()
    defer(session, event_of(events.WorkItemStateChanged, item, from_state=before, action=action, outcome=item.outcome))
    if step.target in FINAL:
        defer(session, event_of(events.WorkItemClosed, item, outcome=item.outcome, rating=item.rating))
    return item


def _required(text: str | None, field_name: str, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise DomainError("Give {what}.", code="BAD_INPUT", field=field_name, what=what)
    return text


async def dispatch(session: AsyncSession, item_id: int, actor: Actor, *, organisation_id: int | None, user_id: int | None, note: str = "", reassign: bool = False) -> WorkItem:
    """Assign the item to an organisation and/or an account (``reassign``: from wherever it is)."""
    item = await _locked(session, item_id)
    await _guard(session, item, "reassign" if reassign else "dispatch", actor)
    if organisation_id is None and user_id is None:
        raise DomainError("Name an organisation or an account to assign the work item to.", code="BAD_INPUT", field="organisationId")
    await _assignee(session, organisation_id, user_id)
    return await _move(session, item, "reassign" if reassign else "dispatch", actor, note, assignee_org_id=organisation_id, assignee_user_id=user_id)


async def accept(session: AsyncSession, item_id: int, actor: Actor, note: str = "") -> WorkItem:
    """The assignee takes the item on."""
    return await _move(session, await _locked(session, item_id), "accept", actor, note)


async def start(session: AsyncSession, item_id: int, actor: Actor, note: str = "") -> WorkItem:
    """The assignee starts working on it."""
    return await _move(session, await _locked(session, item_id), "start", actor, note)


async def resolve(session: AsyncSession, item_id: int, actor: Actor, *, note: str = "", outcome: WorkOutcome | str | None = None) -> WorkItem:
    """The assignee records what was done (a note and/or a structured outcome). An item no
    resident raised (an alarm, a finding) is then closed: nobody is there to rate it."""
    item = await _locked(session, item_id)
    await _guard(session, item, "resolve", actor)
    chosen = _choice(WorkOutcome, outcome, "outcome") if outcome is not None else None
    if chosen is None:
        _required(note, "note", "a note of what was done, or an outcome")
    item = await _move(session, item, "resolve", actor, note, outcome=chosen.value if chosen else None, outcome_note=(note or "").strip())
    if item.raised_by_id is None:
        item = await _move(session, item, "auto_close", SYSTEM, "closed on resolution: no resident raised it, nobody to rate it")
    return item


async def return_item(session: AsyncSession, item_id: int, actor: Actor, reason: str) -> WorkItem:
    """The assignee hands the item back to the dispatcher, saying why (it is unassigned)."""
    item = await _locked(session, item_id)
    await _guard(session, item, "return", actor)
    reason = _required(reason, "reason", "the reason the work item goes back")
    return await _move(session, item, "return", actor, reason, assignee_org_id=None, assignee_user_id=None)


async def reopen(session: AsyncSession, item_id: int, actor: Actor, reason: str) -> WorkItem:
    """Street staff reopen a resolved or closed item, saying why; it gets a new due time."""
    item = await _locked(session, item_id)
    await _guard(session, item, "reopen", actor)
    reason = _required(reason, "reason", "the reason the work item is reopened")
    return await _move(session, item, "reopen", actor, reason, **_reopened(session, item))


def _reopened(session: AsyncSession, item: WorkItem) -> dict:
    due, exact = due_for(settings_of(session), item.category, clock.now())
    return {"reopen_count": item.reopen_count + 1, "closed_at": None, "rating": None, "due_at": due, "due_approximate": not exact, "escalated_on": None}


async def close(session: AsyncSession, item_id: int, actor: Actor, note: str = "") -> WorkItem:
    """Street staff close an item (e.g. a duplicate, or one resolved that nobody rated)."""
    return await _move(session, await _locked(session, item_id), "close", actor, note)


REOPENS_ON_UNSATISFIED = 1
"""How often 不满意 reopens an item; the next 不满意 closes it as unsatisfied (rating kept)."""


async def rate(session: AsyncSession, item_id: int, actor: Actor, rating: Rating | str, reason: str = "") -> WorkItem:
    """The resident who raised the item rates the result: 满意 or 基本满意 confirm it;
    不满意 (with a reason) reopens it the first time and closes it as unsatisfied the next."""
    item = await _locked(session, item_id)
    await _guard(session, item, "confirm", actor)
    chosen = _choice(Rating, rating, "rating")
    if chosen is not Rating.UNSATISFIED:
        return await _move(session, item, "confirm", actor, (reason or "").strip(), rating=chosen.value, rating_reason=(reason or "").strip())
    reason = _required(reason, "reason", "the reason you are not satisfied")
    if item.reopen_count < REOPENS_ON_UNSATISFIED:
        return await _move(session, item, "rate_reopen", actor, reason, **{**_reopened(session, item), "rating": chosen.value, "rating_reason": reason})
    return await _move(session, item, "rate_close", actor, f"closed unsatisfied after {item.reopen_count} reopening(s): {reason}", rating=chosen.value, rating_reason=reason)
