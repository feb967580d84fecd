"""GraphQL types and queries of the mediation plugin, and the fields it adds to core types
(``Building.cases``, ``Building.findings``, ``Resident.cases``). Mutations: ``mutations.py``.

Which cases a caller sees is decided by ``access.visible_cases`` in every resolver that
returns cases, ``node(id:)`` included (through ``cases_of_caller``, declared on ``Case``).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

import strawberry
from sqlalchemy import select

from core import models as core_models
from core.graphql import Building, Community, Compound, Resident, Unit
from core.identity.models import User
from plugins.mediation import service, taskforce
from plugins.mediation import models as m
from plugins.mediation.access import Actor, visible_cases
from plugins.mediation.states import (
    CaseState,
    Category,
    Department,
    FindingCategory,
    FindingStatus,
    OutsideKind,
    PartyRole,
    Source,
)
from schema.connection import Connection, paginate
from schema.ids import decode_id_of
from schema.loaders import by_id, children
from schema.node import Node, node_type
from schema.permissions import allow

CASE_READ = "mediation.case.read"
TASKFORCE_READ = "mediation.taskforce.read"

CaseStateEnum = strawberry.enum(CaseState, name="CaseState", description="applied/referred → accepted → in_mediation → agreed | failed | refused; agreed → performing → fulfilled | breached.")
CategoryEnum = strawberry.enum(Category, name="DisputeCategory")
SourceEnum = strawberry.enum(Source, name="CaseSource")
PartyRoleEnum = strawberry.enum(PartyRole, name="PartyRole")
OutsideKindEnum = strawberry.enum(OutsideKind, name="OutsideMediatorKind")
DepartmentEnum = strawberry.enum(Department, name="Department")
FindingCategoryEnum = strawberry.enum(FindingCategory, name="FindingCategory")
FindingStatusEnum = strawberry.enum(FindingStatus, name="FindingStatus", description="open → notified → rectified → verified.")


def cases_of_caller(ctx):
    """The SQL condition selecting the cases the caller of request ``ctx`` may see."""
    return visible_cases(Actor.of(ctx))


def usernames(ctx):
    """Loader of usernames by user id."""

    async def load(ids):
        found = dict((await ctx.execute(select(User.id, User.username).where(User.id.in_(ids)))).all())
        return [found.get(i) for i in ids]

    return ctx.loader(("mediation", "usernames"), load)


def first_child(ctx, column):
    """Loader of the single row whose ``column`` equals each key (or ``None``)."""
    model = column.class_

    async def load(keys):
        rows = {getattr(r, column.key): r for r in await ctx.scalars(select(model).where(column.in_(keys)))}
        return [rows.get(k) for k in keys]

    return ctx.loader(("mediation", "first", model, column.key), load)


def visible_cases_by(ctx, link_column, case_column):
    """Loader of the cases the caller may see, grouped by ``link_column`` (e.g. party resident)."""
    actor = Actor.of(ctx)

    async def load(keys):
        statement = (
            select(link_column, m.Case)
            .join(m.Case, m.Case.id == case_column)
            .where(link_column.in_(keys), visible_cases(actor))
            .order_by(m.Case.id)
        )
        groups: dict[int, dict[int, m.Case]] = defaultdict(dict)
        for key, row in (await ctx.execute(statement)).all():
            groups[key][row.id] = row
        return [list(groups.get(k, {}).values()) for k in keys]

    return ctx.loader(("mediation", "visible_cases", link_column.class_, link_column.key), load)


def visible_case_by_id(ctx):
    """Loader of cases by id, ``None`` for one the caller may not see."""
    actor = Actor.of(ctx)

    async def load(ids):
        rows = {r.id: r for r in await ctx.scalars(select(m.Case).where(m.Case.id.in_(ids), visible_cases(actor)))}
        return [rows.get(i) for i in ids]

    return ctx.loader(("mediation", "visible_case"), load)


def disputing_case(ctx):
    """Loader of the newest case opened about each finding."""

    async def load(ids):
        found = {}
        for row in await ctx.scalars(select(m.Case).where(m.Case.finding_id.in_(ids)).order_by(m.Case.id)):
            found[row.finding_id] = row.id
        return [found.get(i) for i in ids]

    return ctx.loader(("mediation", "finding_case"), load)


# -- studios ----------------------------------------------------------------------------


@strawberry.type(description="A mediator of a studio.")
class StudioMember:
    display_name: str
    is_lead: bool

    @strawberry.field(description="The mediator's account.")
    async def username(self, info: strawberry.Info) -> str | None:
        return await usernames(info.context).load(self.user_id)


@node_type(m.Studio, read=CASE_READ)
@strawberry.type(name="Studio", description="A people's mediation studio (调解工作室).")
class Studio(Node):
    name: str
    description: str

    @strawberry.field
    async def community(self, info: strawberry.Info) -> Community | None:
        if self.community_id is None:
            return None
        return await by_id(info.context, core_models.Community).load(self.community_id)

    @strawberry.field(description="The members, the lead first.")
    async def members(self, info: strawberry.Info) -> list[StudioMember]:
        rows = await children(info.context, m.StudioMember.studio_id).load(self.id)
        return sorted(rows, key=lambda r: (not r.is_lead, r.id))


# -- cases ------------------------------------------------------------------------------


@strawberry.type(description="A party to a case and its role.")
class CaseParty:
    @strawberry.field
    def role(self) -> PartyRoleEnum:
        return PartyRole(self.role)

    @strawberry.field
    async def resident(self, info: strawberry.Info) -> Resident | None:
        return await by_id(info.context, core_models.Resident).load(self.resident_id)


@strawberry.type(description="A building, and possibly a unit of it, that a case is about.")
class CasePlace:
    @strawberry.field
    async def building(self, info: strawberry.Info) -> Building | None:
        return await by_id(info.context, core_models.Building).load(self.building_id)

    @strawberry.field
    async def unit(self, info: strawberry.Info) -> Unit | None:
        return None if self.unit_id is None else await by_id(info.context, core_models.Unit).load(self.unit_id)


@strawberry.type(description="One move of a case's state: who, when and why.")
class CaseTransition:
    actor: str
    reason: str

    @strawberry.field
    def from_state(self) -> CaseStateEnum | None:
        return None if self.from_state is None else CaseState(self.from_state)

    @strawberry.field
    def to_state(self) -> CaseStateEnum:
        return CaseState(self.to_state)

    at: datetime


@strawberry.type(description="A mediator who withdrew from a case because of a relation to a party.")
class Recusal:
    reason: str

    @strawberry.field
    async def username(self, info: strawberry.Info) -> str | None:
        return await usernames(info.context).load(self.user_id)

    at: datetime


@strawberry.type(description="A lawyer, relative, neighbour or expert invited into this case with the parties' consent.")
class OutsideMediator:
    name: str
    organisation: str
    consent_note: str

    @strawberry.field
    def kind(self) -> OutsideKindEnum:
        return OutsideKind(self.kind)


@strawberry.type(name="MediationSession", description="A mediation meeting.")
class MediationSession:
    held_on: date
    participants: list[str]
    notes: str
    recorded_by: str


@strawberry.type(description="A file kept in the file store.")
class Attachment:
    name: str
    content_type: str
    size: int
    reference: str = strawberry.field(description="The file store's reference (sha256/<hex>).")
    added_by: str


@strawberry.type(description="A return visit (回访) checking that an agreement is carried out.")
class ReturnVisit:
    due_on: date
    done_on: date | None
    notes: str

    @strawberry.field
    def id(self) -> strawberry.ID:
        from schema.ids import encode_global_id

        return strawberry.ID(encode_global_id("ReturnVisit", self.id))

    @strawberry.field(description="Due and not yet done.")
    def overdue(self) -> bool:
        return self.done_on is None and self.due_on < service.today()


@strawberry.type(description="A signature (or fingerprint) on an agreement.")
class Signature:
    recorded_by: str

    @strawberry.field(description="The party who signed; null for the mediator's signature.")
    async def resident(self, info: strawberry.Info) -> Resident | None:
        return None if self.resident_id is None else await by_id(info.context, core_models.Resident).load(self.resident_id)

    @strawberry.field(description="The mediator who signed; null for a party's signature.")
    async def mediator_username(self, info: strawberry.Info) -> str | None:
        return None if self.user_id is None else await usernames(info.context).load(self.user_id)

    signed_at: datetime


@strawberry.type(description="Judicial confirmation (Art. 33): parties may jointly apply within 30 days of the agreement's effect.")
class JudicialConfirmation:
    deadline: date
    requested_on: date | None
    court: str | None
    overdue: bool = strawberry.field(description="The deadline passed without a request.")


@strawberry.type(name="Agreement", description="A mediation agreement; in effect once every party and the mediator signed and the studio sealed it (oral: once recorded).")
class Agreement:
    oral: bool
    facts: str
    disputed_points: str
    terms: str
    performance: str = strawberry.field(description="How the agreement is carried out.")
    perform_by: date
    effective_on: date | None
    sealed_at: datetime | None

    @strawberry.field
    def in_effect(self) -> bool:
        return self.effective_on is not None

    @strawberry.field
    async def signatures(self, info: strawberry.Info) -> list[Signature]:
        return await children(info.context, m.Signature.agreement_id).load(self.id)

    @strawberry.field
    def judicial_confirmation(self) -> JudicialConfirmation | None:
        deadline = service.confirmation_deadline(self)
        if deadline is None:
            return None
        return JudicialConfirmation(
            deadline=deadline, requested_on=self.confirmation_requested_on, court=self.confirmation_court, overdue=service.confirmation_overdue(self)
        )


@node_type(m.Case, read=CASE_READ, visible=cases_of_caller)
@strawberry.type(name="Case", description="A dispute brought to a mediation studio (also fetchable with `node(id:)` by those who may see it).")
class Case(Node):
    title: str
    description: str
    referred_by: str
    escalation_reason: str | None

    @strawberry.field
    def category(self) -> CategoryEnum:
        return Category(self.category)

    @strawberry.field
    def source(self) -> SourceEnum:
        return Source(self.source)

    @strawberry.field
    def state(self) -> CaseStateEnum:
        return CaseState(self.state)

    opened_at: datetime
    concluded_at: datetime | None
    closed_at: datetime | None

    @strawberry.field(description="Still being mediated more than 30 days after it was opened.")
    def open_too_long(self) -> bool:
        return service.open_too_long(self)

    @strawberry.field(description="Flagged as at risk of turning violent.")
    def escalated(self) -> bool:
        return self.escalated_at is not None

    @strawberry.field
    async def studio(self, info: strawberry.Info) -> Studio | None:
        return await by_id(info.context, m.Studio).load(self.studio_id)

    @strawberry.field
    async def mediator_username(self, info: strawberry.Info) -> str | None:
        return None if self.mediator_user_id is None else await usernames(info.context).load(self.mediator_user_id)

    @strawberry.field
    async def parties(self, info: strawberry.Info) -> list[CaseParty]:
        return await children(info.context, m.CaseParty.case_id).load(self.id)

    @strawberry.field(description="The buildings and units the dispute is about.")
    async def places(self, info: strawberry.Info) -> list[CasePlace]:
        return await children(info.context, m.CasePlace.case_id).load(self.id)

    @strawberry.field(description="Every change of state, oldest first.")
    async def history(self, info: strawberry.Info) -> list[CaseTransition]:
        return await children(info.context, m.CaseTransition.case_id).load(self.id)

    @strawberry.field
    async def recusals(self, info: strawberry.Info) -> list[Recusal]:
        return await children(info.context, m.Recusal.case_id).load(self.id)

    @strawberry.field
    async def outside_mediators(self, info: strawberry.Info) -> list[OutsideMediator]:
        return await children(info.context, m.OutsideMediator.case_id).load(self.id)

    @strawberry.field
    async def sessions(self, info: strawberry.Info) -> list[MediationSession]:
        return await children(info.context, m.MediationSession.case_id, m.MediationSession.held_on).load(self.id)

    @strawberry.field
    async def attachments(self, info: strawberry.Info) -> list[Attachment]:
        return await children(info.context, m.Attachment.case_id).load(self.id)

    @strawberry.field
    async def return_visits(self, info: strawberry.Info) -> list[ReturnVisit]:
        return await children(info.context, m.ReturnVisit.case_id, m.ReturnVisit.due_on).load(self.id)

    @strawberry.field
    async def agreement(self, info: strawberry.Info) -> Agreement | None:
        return await first_child(info.context, m.Agreement.case_id).load(self.id)

    @strawberry.field(description="The task-force finding this case disputes, if any.")
    async def finding(self, info: strawberry.Info) -> Finding | None:
        return None if self.finding_id is None else await by_id(info.context, m.Finding).load(self.finding_id)


# -- task forces ------------------------------------------------------------------------


@node_type(m.Finding, read=TASKFORCE_READ)
@strawberry.type(name="Finding", description="A violation found by a rectification task force.")
class Finding(Node):
    location: str
    description: str
    deadline: date
    evidence: list[str] = strawberry.field(description="References of photos and inspection records.")

    @strawberry.field
    def category(self) -> FindingCategoryEnum:
        return FindingCategory(self.category)

    @strawberry.field(description="The department that owns the rectification.")
    def department(self) -> DepartmentEnum:
        return Department(self.department)

    @strawberry.field
    def status(self) -> FindingStatusEnum:
        return FindingStatus(self.status)

    @strawberry.field(description="Past its deadline and not rectified yet.")
    def overdue(self) -> bool:
        return self.status in (FindingStatus.OPEN.value, FindingStatus.NOTIFIED.value) and self.deadline < service.today()

    created_at: datetime
    status_changed_at: datetime

    @strawberry.field
    async def building(self, info: strawberry.Info) -> Building | None:
        return await by_id(info.context, core_models.Building).load(self.building_id)

    @strawberry.field
    async def unit(self, info: strawberry.Info) -> Unit | None:
        return None if self.unit_id is None else await by_id(info.context, core_models.Unit).load(self.unit_id)

    @strawberry.field
    async def task_force(self, info: strawberry.Info) -> TaskForce | None:
        return await by_id(info.context, m.TaskForce).load(self.task_force_id)

    @strawberry.field(description="The mediation case opened when the owner disputed the finding (if you may see it).")
    async def case(self, info: strawberry.Info) -> Case | None:
        case_id = await disputing_case(info.context).load(self.id)
        return None if case_id is None else await visible_case_by_id(info.context).load(case_id)


@strawberry.type(description="Findings of one department and category, counted by status.")
class FindingProgress:
    department: DepartmentEnum
    category: FindingCategoryEnum
    open: int
    notified: int
    rectified: int
    verified: int
    total: int
    overdue: int = strawberry.field(description="Past the deadline and not rectified.")


def _progress(row: taskforce.ProgressRow) -> FindingProgress:
    c = row.counts
    return FindingProgress(
        department=Department(row.department), category=FindingCategory(row.category), open=c["open"], notified=c["notified"],
        rectified=c["rectified"], verified=c["verified"], total=row.total, overdue=row.overdue,
    )


def progress_loader(ctx):
    """Loader of the progress rows of task forces (one statement for any number)."""

    async def load(ids):
        found = await taskforce.progress(_Reader(ctx), list(ids))
        return [found[i] for i in ids]

    return ctx.loader(("mediation", "progress"), load)


class _Reader:
    """Lets the service's read functions run on the request's serialised session."""

    def __init__(self, ctx):
        self._ctx = ctx

    async def execute(self, statement, params=None):
        return await self._ctx.execute(statement, params)


@node_type(m.TaskForce, read=TASKFORCE_READ)
@strawberry.type(name="TaskForce", description="A multi-department rectification task force (整治专班).")
class TaskForce(Node):
    name: str
    started_on: date

    @strawberry.field
    def departments(self) -> list[DepartmentEnum]:
        return [Department(d) for d in self.departments]

    @strawberry.field
    async def compound(self, info: strawberry.Info) -> Compound | None:
        return await by_id(info.context, core_models.Compound).load(self.compound_id)

    @strawberry.field(description="Progress by department and category.")
    async def progress(self, info: strawberry.Info) -> list[FindingProgress]:
        return [_progress(row) for row in await progress_loader(info.context).load(self.id)]

    @strawberry.field
    async def findings(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        status: FindingStatusEnum | None = None,
        department: DepartmentEnum | None = None,
    ) -> Connection[Finding]:
        return await paginate(info.context, _findings(self.id, status, department), first, after)


def _findings(task_force_id: int, status, department):
    statement = select(m.Finding).where(m.Finding.task_force_id == task_force_id)
    if status is not None:
        statement = statement.where(m.Finding.status == FindingStatus(status).value)
    if department is not None:
        statement = statement.where(m.Finding.department == Department(department).value)
    return statement


# -- queries ----------------------------------------------------------------------------


@strawberry.type
class MediationQuery:
    @strawberry.field(permission_classes=allow(CASE_READ), description="The street's mediation studios.")
    async def studios(self, info: strawberry.Info) -> list[Studio]:
        return await info.context.scalars(select(m.Studio).order_by(m.Studio.id))

    @strawberry.field(
        permission_classes=allow(CASE_READ),
        description="The cases you may see: street staff all, mediators their studios', residents those they are party to.",
    )
    async def mediation_cases(
        self,
        info: strawberry.Info,
        first: int | None = None,
        after: str | None = None,
        state: CaseStateEnum | None = None,
        category: CategoryEnum | None = None,
        studio_id: strawberry.ID | None = None,
        open_too_long: bool | None = None,
    ) -> Connection[Case]:
        statement = select(m.Case).where(cases_of_caller(info.context))
        if state is not None:
            statement = statement.where(m.Case.state == CaseState(state).value)
        if category is not None:
            statement = statement.where(m.Case.category == Category(category).value)
        if studio_id is not None:
            statement = statement.where(m.Case.studio_id == decode_id_of(studio_id, "Studio", "studioId"))
        if open_too_long is not None:
            from datetime import timedelta

            from plugins.mediation.states import OPEN_STATES

            late = m.Case.state.in_([s.value for s in OPEN_STATES]) & (m.Case.opened_at < service.now() - timedelta(days=service.LONG_OPEN_DAYS))
            statement = statement.where(late if open_too_long else ~late)
        return await paginate(info.context, statement, first, after)

    @strawberry.field(permission_classes=allow(CASE_READ), description="A case, if you may see it.")
    async def mediation_case(self, info: strawberry.Info, id: strawberry.ID) -> Case | None:
        return await visible_case_by_id(info.context).load(decode_id_of(id, "Case"))

    @strawberry.field(permission_classes=allow(TASKFORCE_READ))
    async def task_forces(self, info: strawberry.Info) -> list[TaskForce]:
        return await info.context.scalars(select(m.TaskForce).order_by(m.TaskForce.id))

    @strawberry.field(permission_classes=allow(TASKFORCE_READ))
    async def task_force(self, info: strawberry.Info, id: strawberry.ID) -> TaskForce | None:
        return await by_id(info.context, m.TaskForce).load(decode_id_of(id, "TaskForce"))


# -- fields added to core types ---------------------------------------------------------


@strawberry.type
class BuildingMediation:
    @strawberry.field(permission_classes=allow(CASE_READ), description="Mediation cases about this building that you may see.")
    async def cases(self, info: strawberry.Info) -> list[Case]:
        return await visible_cases_by(info.context, m.CasePlace.building_id, m.CasePlace.case_id).load(self.id)

    @strawberry.field(permission_classes=allow(TASKFORCE_READ), description="Task-force findings in this building.")
    async def findings(self, info: strawberry.Info) -> list[Finding]:
        return await children(info.context, m.Finding.building_id).load(self.id)


@strawberry.type
class ResidentMediation:
    @strawberry.field(permission_classes=allow(CASE_READ), description="Cases this resident is party to (those you may see).")
    async def cases(self, info: strawberry.Info) -> list[Case]:
        return await visible_cases_by(info.context, m.CaseParty.resident_id, m.CaseParty.case_id).load(self.id)
