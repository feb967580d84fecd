"""GraphQL for work items: the ``WorkItem`` node, the ``workItems`` inbox and the mutations
that move an item along (all through the mutation runner, audited)."""

from __future__ import annotations

import enum
from datetime import datetime
from functools import partial
from typing import Annotated, Any

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
from jiedao.schema.connection import AFTER_HELP, FIRST_HELP, Connection, read_page
from jiedao.schema.context import Context
from jiedao.schema.cost import list_bound
from jiedao.schema.enum_docs import described_enum
from jiedao.schema.ids import decode_id_of, encode_global_id
from jiedao.schema.loaders import children, column_by_id, linked, loaded_field
from jiedao.schema.node import PUBLIC, Node, node_type, plain_resolver
from jiedao.schema.permissions import IsAuthenticated
from jiedao.schema.validation import LONG, MaxLength

WorkStateEnum = described_enum(
    WorkState,
    "WorkState",
    "Where a work item is in its loop.",
    {
        "NEW": "新建: raised, waiting for street staff to dispatch it.",
        "DISPATCHED": "已派单: assigned to an organisation and/or an account, waiting for it to accept.",
        "ACCEPTED": "已接单: the assignee has taken it on.",
        "IN_PROGRESS": "处理中: the assignee is working on it.",
        "RESOLVED": "已办结: the assignee recorded what was done; waiting for the resident who raised it to rate it.",
        "RETURNED": "已退回: the assignee handed it back to the dispatcher, with a reason.",
        "REOPENED": "重新办理: reopened by street staff or by a 不满意 rating; the assignee works on it again.",
        "CONFIRMED": "已确认: closed, the resident was 满意 or 基本满意.",
        "CLOSED": "已关闭: closed by street staff, on resolution when no resident raised it, or after a second 不满意.",
    },
)
WorkSourceEnum = described_enum(
    models.WorkSource,
    "WorkSource",
    "Where a work item came from.",
    {
        "RESIDENT_APPEAL": "居民诉求: a resident's appeal.",
        "SENSOR_ALARM": "物联感知告警: an alarm of a sensor.",
        "INSPECTION": "巡查发现: found on an inspection.",
        "HOTLINE_12345": "12345 热线: the city's 12345 hotline.",
        "MEETING_ACTION": "会议决定事项: an action item decided at a meeting.",
        "TASK_FORCE": "专项整治: a finding of a task force.",
        "RETURN_VISIT": "回访: raised on a return visit.",
    },
)
WorkOutcomeEnum = described_enum(
    models.WorkOutcome,
    "WorkOutcome",
    "What the handler found or did.",
    {
        "FIXED": "已解决: the problem was fixed.",
        "REAL_DANGER": "确有险情: there was real danger.",
        "FALSE_ALARM": "误报: a false alarm.",
        "VISITED_NOBODY_HOME": "上门无人: visited, nobody was home.",
        "DEVICE_FAULT": "设备故障: a fault of the device.",
        "REFERRED": "已转交: handed on to someone else.",
        "NOT_ACTIONABLE": "无法处理: nothing could be done.",
    },
)
RatingEnum = described_enum(
    models.Rating,
    "WorkRating",
    "The resident's verdict: 满意, 基本满意, 不满意.",
    {
        "SATISFIED": "满意 (satisfied): confirms the item.",
        "BASICALLY_SATISFIED": "基本满意 (basically satisfied): confirms the item.",
        "UNSATISFIED": "不满意 (unsatisfied), with a reason: reopens the item the first time, closes it the next.",
    },
)
EscalationLevel = strawberry.enum(
    enum.Enum(
        "EscalationLevel",
        {
            level.upper(): strawberry.enum_value(level.upper(), description=description)
            for level, description in zip(
                LADDER,
                (
                    "网格 (grid): where every item starts.",
                    "社区 (community): escalated once, overdue.",
                    "街道 (street): escalated twice.",
                    "职能部门 (department): the top of the ladder.",
                ),
                strict=True,
            )
        },
    ),
    description="The rung of the escalation ladder an item has reached (GRID until it is overdue).",
)
MINE_HELP = "Only the items you handle (assigned to you or your organisations, in your grids' buildings) or raised."


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
    actor: str = strawberry.field(description="The account that took the step ('jiedao' for the kernel's own steps).")
    action: str = strawberry.field(description="open, dispatch, accept, start, resolve, return, reassign, reopen, confirm, rate_reopen, rate_close, close, auto_close, escalate.")
    note: str = strawberry.field(description="Why, or what was done: the actor's words, or what the kernel did on its own steps; may be empty.")
    at: datetime = strawberry.field(description="When the step was taken (ISO 8601, UTC).")

    @strawberry.field(description="The state before the step; null for the step that opened the item.")
    def from_state(self) -> WorkStateEnum | None:
        return WorkState(self.from_state) if self.from_state else None

    @strawberry.field(description="The state after the step.")
    def to_state(self) -> WorkStateEnum:
        return WorkState(self.to_state)


def _sees_raiser(ctx: Context, item: Any) -> bool:
    """Who sees the resident who raised a work item: those who may read residents, and that resident."""
    return ctx.has_permission("core.residents.read") or (ctx.user is not None and ctx.user.resident_id == item.raised_by_id)


@node_type(models.WorkItem, read=PUBLIC, visible=visible_work_items)
@strawberry.type(name="WorkItem", description="A matter someone must act on (事项), whichever plugin raised it.")
class WorkItem(Node):
    subject: str = strawberry.field(description="The global ID of what the item is about (a topic, an alarm, a finding …).")
    title: str = strawberry.field(description="A short title (at most 200 characters), e.g. the topic's or the alarm's.")
    category: str = strawberry.field(description="The kind of matter (e.g. appeal, meeting_action), which sets its service level in working days.")
    due_at: datetime | None = strawberry.field(description="When it is due: the end of the last working day of its service level.")
    due_approximate: bool = strawberry.field(
        description="True when the due time was counted beyond the holiday calendar's years (weekends only)."
    )
    reopen_count: int = strawberry.field(description="How often it has been reopened (by street staff or by a 不满意 rating).")
    outcome_note: str = strawberry.field(description="What the handler wrote on resolving it; empty until then.")
    rating_reason: str = strawberry.field(description="The reason the resident gave with their rating; empty when none.")
    opened_at: datetime = strawberry.field(description="When it was raised (ISO 8601, UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (ISO 8601, UTC).")
    closed_at: datetime | None = strawberry.field(description="When it was closed (CONFIRMED or CLOSED), ISO 8601 UTC; null while open.")

    @strawberry.field(description="Where it came from (居民诉求, 物联感知告警, 12345 …).")
    @plain_resolver
    def source(self) -> WorkSourceEnum:
        return models.WorkSource(self.source)

    @strawberry.field(description="Where it is in its loop.")
    @plain_resolver
    def state(self) -> WorkStateEnum:
        return WorkState(self.state)

    @strawberry.field(description="Whether it is past due and still waiting on its handler.")
    @plain_resolver
    def overdue(self) -> bool:
        return self.due_at is not None and WorkState(self.state) in WAITING_ON_HANDLER and self.due_at < clock.now()

    @strawberry.field(description="Whether it is closed (CONFIRMED or CLOSED).")
    @plain_resolver
    def closed(self) -> bool:
        return WorkState(self.state) in FINAL

    @strawberry.field(description="The rung of the escalation ladder it has reached.")
    @plain_resolver
    def escalation_level(self) -> EscalationLevel:
        return EscalationLevel[LADDER[self.escalation_level].upper()]

    @strawberry.field(description="What the handler found or did; null until resolved or when not given.")
    @plain_resolver
    def outcome(self) -> WorkOutcomeEnum | None:
        return models.WorkOutcome(self.outcome) if self.outcome else None

    @strawberry.field(description="The resident's rating of the result; null until rated (cleared when street staff reopen it).")
    @plain_resolver
    def rating(self) -> RatingEnum | None:
        return models.Rating(self.rating) if self.rating else None

    building = linked(registry.Building, "building_id", core_types.Building, description="The building it is about; null when none.")
    unit = linked(registry.Unit, "unit_id", core_types.Unit, description="The unit it is about; null when none.")

    raised_by = linked(
        registry.Resident, "raised_by_id", core_types.Resident, shown=_sees_raiser,
        description="The resident who raised it (null when none did, or you may not see residents).",
    )

    @strawberry.field(description="The global ID of the organisation it is assigned to.")
    @plain_resolver
    def assignee_organisation_id(self) -> strawberry.ID | None:
        return strawberry.ID(encode_global_id("Organisation", self.assignee_org_id)) if self.assignee_org_id else None

    assignee_organisation = linked(
        Organisation, "assignee_org_id", OrganisationType,
        description="The organisation it is assigned to.",
    )

    assignee_organisation_name = loaded_field(
        str | None, partial(column_by_id, column=Organisation.name), key="assignee_org_id", description="The name of the organisation it is assigned to.",
    )
    assignee_username = loaded_field(str | None, partial(column_by_id, column=User.username), key="assignee_user_id", description="The account it is assigned to.")

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
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        state: Annotated[list[WorkStateEnum] | None, strawberry.argument(description="Only the items in one of these states.")] = None,
        category: Annotated[str | None, strawberry.argument(description="Only the items of this category (e.g. appeal).")] = None,
        mine: Annotated[bool, strawberry.argument(description=MINE_HELP)] = False,
        open: Annotated[bool | None, strawberry.argument(description="true: only open items; false: only closed ones (CONFIRMED, CLOSED).")] = None,
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
        return await read_page(info, statement, first, after, plain=True)

    @strawberry.field(description="One work item you may see, by global ID.", permission_classes=[IsAuthenticated])
    async def work_item(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="Global ID of the WorkItem.")]) -> WorkItem | None:
        ctx = info.context
        return await ctx.scalar(select(models.WorkItem).where(models.WorkItem.id == decode_id_of(id, "WorkItem"), visible_work_items(ctx)))


WorkItemPayload = payload("WorkItemPayload", "The work item after the step, or the errors that refused it.", work_item=WorkItem)
Note = Annotated[str, MaxLength(2000)]


@strawberry.input(description="A step on a work item with an optional note.")
class WorkStepInput:
    id: strawberry.ID = node_id("WorkItem", description="Global ID of the WorkItem.")
    note: Note = strawberry.field(default="", description="A note for the timeline (at most 2,000 characters).")


@strawberry.input(description="Assign a work item to an organisation and/or an account.")
class AssignWorkItemInput:
    id: strawberry.ID = node_id("WorkItem", description="Global ID of the WorkItem.")
    organisation_id: strawberry.ID | None = strawberry.field(default=None, description="The global ID of an organisation (Organisation:n).")
    assignee_username: str | None = strawberry.field(default=None, description="The username of the account it is assigned to.")
    note: Note = strawberry.field(default="", description="A note for the timeline (at most 2,000 characters).")


@strawberry.input(description="What was done: a note and/or a structured outcome.")
class ResolveWorkItemInput:
    id: strawberry.ID = node_id("WorkItem", description="Global ID of the WorkItem.")
    note: Annotated[str, LONG] = strawberry.field(default="", description="What was done, in words.")
    outcome: WorkOutcomeEnum | None = strawberry.field(default=None, description="What was found or done, for the figures.")


@strawberry.input(description="A step that needs a reason (return, reopen).")
class WorkReasonInput:
    id: strawberry.ID = node_id("WorkItem", description="Global ID of the WorkItem.")
    reason: Note = strawberry.field(description="Why (required; at most 2,000 characters).")


@strawberry.input(description="The resident's rating of the result; 不满意 needs a reason.")
class RateWorkItemInput:
    id: strawberry.ID = node_id("WorkItem", description="Global ID of the WorkItem.")
    rating: RatingEnum = strawberry.field(description="满意, 基本满意 or 不满意.")
    reason: Note = strawberry.field(default="", description="Why; required with 不满意 (at most 2,000 characters).")


def _actor(w: Write) -> Actor:
    return Actor.of(w.user, w.ctx.permissions)


async def _assignees(w: Write, input: AssignWorkItemInput) -> tuple[int | None, int | None]:
    from jiedao.core.errors import DomainError

    organisation = decode_id_of(input.organisation_id, "Organisation", "organisationId") if input.organisation_id else None
    user = None
    if input.assignee_username:
        user = await w.session.scalar(select(User.id).where(User.username == input.assignee_username))
        if user is None:
            raise DomainError("No account '{username}'.", code="NOT_FOUND", field="assigneeUsername", username=input.assignee_username)
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
