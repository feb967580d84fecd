"""GraphQL for work items: the ``WorkItem`` node, the ``workItems`` inbox and the mutations
that move an item along (all through the mutation runner, audited)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import false, or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.core import clock
from jiedao.core import graphql as core_types
from jiedao.core import models as registry
from jiedao.core.identity.models import User
from jiedao.core.organisations.graphql import OrganisationType
from jiedao.core.organisations.models import Organisation
from jiedao.core.runner import LOGGED_IN, Write, mutation, node_id, payload
from jiedao.core.work import models, service
from jiedao.core.work.people import buildings_of_grids_of, organisations_of
from jiedao.core.work.service import DISPATCH, READ, Actor
from jiedao.core.work.settings import LADDER
from jiedao.core.work.states import FINAL, WAITING_ON_HANDLER, WorkState
from jiedao.schema.connection import Connection, paginate
from jiedao.schema.context import Context
from jiedao.schema.cost import list_bound
from jiedao.schema.ids import decode_id_of, encode_global_id
from jiedao.schema.loaders import by_id, children, linked
from jiedao.schema.node import PUBLIC, Node, node_type
from jiedao.schema.permissions import IsAuthenticated
from jiedao.schema.validation import LONG, MaxLength

WorkStateEnum = strawberry.enum(WorkState, name="WorkState", description="Where a work item is in its loop.")
WorkSourceEnum = strawberry.enum(models.WorkSource, name="WorkSource", description="Where a work item came from.")
WorkOutcomeEnum = strawberry.enum(models.WorkOutcome, name="WorkOutcome", description="What the handler found or did.")
RatingEnum = strawberry.enum(models.Rating, name="WorkRating", description="The resident's verdict: 满意, 基本满意, 不满意.")
EscalationLevel = strawberry.enum(
    enum.Enum("EscalationLevel", [(level.upper(), level.upper()) for level in LADDER]),
    description="The rung of the escalation ladder an item has reached (GRID until it is overdue).",
)


def _mine(ctx: Context) -> ColumnElement[bool]:
    """Items the caller handles or raised: assigned to them or their organisations, in their
    grids' buildings, or raised by their resident record."""
    user = ctx.user
    conditions = [
        models.WorkItem.assignee_user_id == user.id,
        models.WorkItem.assignee_org_id.in_(organisations_of(user.id)),
        models.WorkItem.building_id.in_(buildings_of_grids_of(user.id)),
    ]
    if user.resident_id is not None:
        conditions.append(models.WorkItem.raised_by_id == user.resident_id)
    return or_(*conditions)


def visible_work_items(ctx: Context) -> ColumnElement[bool]:
    """What a caller sees: street staff (``core.work.read``) every item; a grid worker the items
    of their grids and their own; an organisation member their organisation's; a resident
    those they raised."""
    if ctx.user is None:
        return false()
    return true() if ctx.has_permission(READ) else _mine(ctx)


@strawberry.type(description="One step of a work item's timeline.")
class WorkStep:
    at: datetime
    actor: str = strawberry.field(description="The account that took the step ('jiedao' for the kernel's own steps).")
    action: str = strawberry.field(description="open, dispatch, accept, start, resolve, return, reassign, reopen, confirm, rate_reopen, rate_close, close, auto_close, escalate.")
    note: str

    @strawberry.field
    def from_state(self) -> WorkStateEnum | None:
        return WorkState(self.from_state) if self.from_state else None

    @strawberry.field
    def to_state(self) -> WorkStateEnum:
        return WorkState(self.to_state)


@node_type(models.WorkItem, read=PUBLIC, visible=visible_work_items)
@strawberry.type(name="WorkItem", description="A matter someone must act on (事项), whichever plugin raised it.")
class WorkItem(Node):
    subject: str = strawberry.field(description="The global ID of what the item is about (a topic, an alarm, a finding …).")
    title: str
    category: str
    due_at: datetime | None = strawberry.field(description="When it is due: the end of the last working day of its service level.")
    due_approximate: bool = strawberry.field(
        description="True when the due time was counted beyond the holiday calendar's years (weekends only)."
    )
    reopen_count: int
    outcome_note: str
    rating_reason: str
    opened_at: datetime
    updated_at: datetime
    closed_at: datetime | None

    @strawberry.field
    def source(self) -> WorkSourceEnum:
        return models.WorkSource(self.source)

    @strawberry.field
    def state(self) -> WorkStateEnum:
        return WorkState(self.state)

    @strawberry.field(description="Whether it is past due and still waiting on its handler.")
    def overdue(self) -> bool:
        return self.due_at is not None and WorkState(self.state) in WAITING_ON_HANDLER and self.due_at < clock.now()

    @strawberry.field(description="Whether it is closed (CONFIRMED or CLOSED).")
    def closed(self) -> bool:
        return WorkState(self.state) in FINAL

    @strawberry.field
    def escalation_level(self) -> EscalationLevel:
        return EscalationLevel[LADDER[self.escalation_level].upper()]

    @strawberry.field
    def outcome(self) -> WorkOutcomeEnum | None:
        return models.WorkOutcome(self.outcome) if self.outcome else None

    @strawberry.field
    def rating(self) -> RatingEnum | None:
        return models.Rating(self.rating) if self.rating else None

    @strawberry.field
    async def building(self, info: strawberry.Info) -> core_types.Building | None:
        return await by_id(info.context, registry.Building).load(self.building_id) if self.building_id else None

    @strawberry.field
    async def unit(self, info: strawberry.Info) -> core_types.Unit | None:
        return await by_id(info.context, registry.Unit).load(self.unit_id) if self.unit_id else None

    @strawberry.field(description="The resident who raised it (null when none did, or you may not see residents).")
    async def raised_by(self, info: strawberry.Info) -> core_types.Resident | None:
        ctx = info.context
        if self.raised_by_id is None or not (ctx.has_permission("core.residents.read") or ctx.user.resident_id == self.raised_by_id):
            return None
        return await by_id(ctx, registry.Resident).load(self.raised_by_id)

    @strawberry.field(description="The global ID of the organisation it is assigned to.")
    def assignee_organisation_id(self) -> strawberry.ID | None:
        return strawberry.ID(encode_global_id("Organisation", self.assignee_org_id)) if self.assignee_org_id else None

    assignee_organisation = linked(
        Organisation, "assignee_org_id", OrganisationType,
        description="The organisation it is assigned to.",
    )

    @strawberry.field(description="The name of the organisation it is assigned to.")
    async def assignee_organisation_name(self, info: strawberry.Info) -> str | None:
        if self.assignee_org_id is None:
            return None
        organisation = await by_id(info.context, Organisation).load(self.assignee_org_id)
        return organisation.name if organisation else None

    @strawberry.field(description="The account it is assigned to.")
    async def assignee_username(self, info: strawberry.Info) -> str | None:
        if self.assignee_user_id is None:
            return None
        user = await by_id(info.context, User).load(self.assignee_user_id)
        return user.username if user else None

    @strawberry.field(description="Every step, oldest first: who, when, from which state to which, and why.", metadata=list_bound(50))
    async def timeline(self, info: strawberry.Info) -> list[WorkStep]:
        return await children(info.context, models.WorkStep.work_item_id).load(self.id)


@strawberry.type
class WorkQuery:
    """Fields the kernel adds to ``Query`` for work items."""

    @strawberry.field(
        description=(
            "The work-item inbox, oldest first: street staff see every item, a grid worker their grids' items and "
            "their own, an organisation member their organisation's, a resident those they raised. "
            "`mine: true` keeps only the items you handle or raised."
        ),
        permission_classes=[IsAuthenticated],
    )
    async def work_items(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        state: list[WorkStateEnum] | None = None,
        category: str | None = None,
        mine: bool = False,
        open: bool | None = None,
    ) -> Connection[WorkItem]:
        ctx = info.context
        statement = select(models.WorkItem).where(_mine(ctx) if mine else visible_work_items(ctx))
        if state:
            statement = statement.where(models.WorkItem.state.in_([s.value for s in state]))
        if category:
            statement = statement.where(models.WorkItem.category == category)
        if open is not None:
            finals = [s.value for s in FINAL]
            statement = statement.where(models.WorkItem.state.not_in(finals) if open else models.WorkItem.state.in_(finals))
        return await paginate(ctx, statement, first, after)

    @strawberry.field(description="One work item you may see, by global ID.", permission_classes=[IsAuthenticated])
    async def work_item(self, info: strawberry.Info, id: strawberry.ID) -> WorkItem | None:
        ctx = info.context
        return await ctx.scalar(select(models.WorkItem).where(models.WorkItem.id == decode_id_of(id, "WorkItem"), visible_work_items(ctx)))


WorkItemPayload = payload("WorkItemPayload", "The work item after the step, or the errors that refused it.", work_item=WorkItem)
Note = Annotated[str, MaxLength(2000)]


@strawberry.input(description="A step on a work item with an optional note.")
class WorkStepInput:
    id: strawberry.ID = node_id("WorkItem")
    note: Note = ""


@strawberry.input(description="Assign a work item to an organisation and/or an account.")
class AssignWorkItemInput:
    id: strawberry.ID = node_id("WorkItem")
    organisation_id: strawberry.ID | None = strawberry.field(default=None, description="The global ID of an organisation (Organisation:n).")
    assignee_username: str | None = None
    note: Note = ""


@strawberry.input(description="What was done: a note and/or a structured outcome.")
class ResolveWorkItemInput:
    id: strawberry.ID = node_id("WorkItem")
    note: Annotated[str, LONG] = ""
    outcome: WorkOutcomeEnum | None = None


@strawberry.input(description="A step that needs a reason (return, reopen).")
class WorkReasonInput:
    id: strawberry.ID = node_id("WorkItem")
    reason: Note


@strawberry.input(description="The resident's rating of the result; 不满意 needs a reason.")
class RateWorkItemInput:
    id: strawberry.ID = node_id("WorkItem")
    rating: RatingEnum
    reason: Note = ""


def _actor(w: Write) -> Actor:
    return Actor.of(w.user, w.ctx.permissions)


async def _assignees(w: Write, input: AssignWorkItemInput) -> tuple[int | None, int | None]:
    from jiedao.core.errors import DomainError

    organisation = decode_id_of(input.organisation_id, "Organisation", "organisationId") if input.organisation_id else None
    user = None
    if input.assignee_username:
        user = await w.session.scalar(select(User.id).where(User.username == input.assignee_username))
        if user is None:
            raise DomainError(f"No account named {input.assignee_username!r}.", code="NOT_FOUND", field="assigneeUsername")
    return organisation, user


@strawberry.type
class WorkMutation:
    """Steps of the work-item loop."""

    @mutation(WorkItemPayload, permission=DISPATCH, audit="core.work.dispatched")
    async def dispatch_work_item(w: Write, input: AssignWorkItemInput):
        """Street staff assign a new or returned item to an organisation and/or an account."""
        organisation, user = await _assignees(w, input)
        return await service.dispatch(w.session, input.id, _actor(w), organisation_id=organisation, user_id=user, note=input.note)

    @mutation(WorkItemPayload, permission=DISPATCH, audit="core.work.reassigned")
    async def reassign_work_item(w: Write, input: AssignWorkItemInput):
        """Street staff move an open item to another assignee."""
        organisation, user = await _assignees(w, input)
        return await service.dispatch(w.session, input.id, _actor(w), organisation_id=organisation, user_id=user, note=input.note, reassign=True)

    @mutation(WorkItemPayload, permission=LOGGED_IN, audit="core.work.accepted")
    async def accept_work_item(w: Write, input: WorkStepInput):
        """The assignee (its account, its organisation's members, its grid's workers) takes the item on."""
        return await service.accept(w.session, input.id, _actor(w), input.note)

    @mutation(WorkItemPayload, permission=LOGGED_IN, audit="core.work.started")
    async def start_work_item(w: Write, input: WorkStepInput):
        """The assignee starts working on the item."""
        return await service.start(w.session, input.id, _actor(w), input.note)

    @mutation(WorkItemPayload, permission=LOGGED_IN, audit="core.work.resolved")
    async def resolve_work_item(w: Write, input: ResolveWorkItemInput):
        """The assignee records what was done; an item no resident raised is closed with it."""
        return await service.resolve(w.session, input.id, _actor(w), note=input.note, outcome=input.outcome)

    @mutation(WorkItemPayload, permission=LOGGED_IN, audit="core.work.returned")
    async def return_work_item(w: Write, input: WorkReasonInput):
        """The assignee hands the item back to the dispatcher, with the reason."""
        return await service.return_item(w.session, input.id, _actor(w), input.reason)

    @mutation(WorkItemPayload, permission=DISPATCH, audit="core.work.reopened")
    async def reopen_work_item(w: Write, input: WorkReasonInput):
        """Street staff reopen a resolved or closed item, with the reason."""
        return await service.reopen(w.session, input.id, _actor(w), input.reason)

    @mutation(WorkItemPayload, permission=DISPATCH, audit="core.work.closed")
    async def close_work_item(w: Write, input: WorkStepInput):
        """Street staff close an item."""
        return await service.close(w.session, input.id, _actor(w), input.note)

    @mutation(WorkItemPayload, permission=LOGGED_IN, audit="core.work.rated")
    async def rate_work_item(w: Write, input: RateWorkItemInput):
        """The resident who raised the item rates the result: 满意/基本满意 confirm it, 不满意 reopens it once."""
        return await service.rate(w.session, input.id, _actor(w), input.rating, input.reason)
