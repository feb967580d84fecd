"""GraphQL mutations of the mediation plugin: thin wrappers around the domain services.

Each takes one ``input`` and returns a payload with ``errors``; rules live in
``service.py`` and ``taskforce.py``. Domain events and notifications go out only after
the transaction committed.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date

import strawberry
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.errors import DomainError
from core.identity.audit import record_for
from core.identity.models import User
from core.notify import Notification, notify
from plugins.mediation import service, taskforce
from plugins.mediation import models as m
from plugins.mediation.access import Actor
from plugins.mediation.filestore import LocalFileStore
from plugins.mediation.graphql import (
    Case,
    CategoryEnum,
    CaseStateEnum,
    DepartmentEnum,
    Finding,
    FindingCategoryEnum,
    FindingStatusEnum,
    OutsideKindEnum,
    PartyRoleEnum,
    ReturnVisit,
    SourceEnum,
    Studio,
    TaskForce,
)
from plugins.mediation.states import CaseState, Category, Department, FindingCategory, FindingStatus, OutsideKind, PartyRole, Source
from schema.errors import UserError, user_errors
from schema.ids import decode_id_of
from schema.permissions import allow


async def _write(ctx, work):
    """Run ``work(session)`` in one committed transaction; a race becomes ``CONFLICT``."""
    try:
        return await ctx.write(work)
    except IntegrityError:
        raise DomainError("This was changed by someone else at the same moment; reload and try again.", code="CONFLICT") from None


async def _user_id(session, username: str, field: str) -> int:
    user_id = await session.scalar(select(User.id).where(User.username == username))
    if user_id is None:
        raise DomainError(f"No user named '{username}'.", code="NOT_FOUND", field=field)
    return user_id


async def emit_finding(ctx, event: str, finding: m.Finding) -> None:
    """Tell other plugins (credit, dashboard) about a finding."""
    await ctx.kernel.events.emit(
        ctx.street,
        event,
        finding_id=finding.id,
        task_force_id=finding.task_force_id,
        building_id=finding.building_id,
        unit_id=finding.unit_id,
        category=finding.category,
        department=finding.department,
        status=finding.status,
    )


# -- payloads ---------------------------------------------------------------------------


@strawberry.type
class StudioPayload:
    studio: Studio | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class CasePayload:
    case: Case | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class ReturnVisitPayload:
    return_visit: ReturnVisit | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class EscalatePayload:
    case: Case | None = None
    notified: list[str] = strawberry.field(default_factory=list, description="The roles the alert went to.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class TaskForcePayload:
    task_force: TaskForce | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FindingsPayload:
    findings: list[Finding] = strawberry.field(default_factory=list)
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class FindingPayload:
    finding: Finding | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


# -- inputs -----------------------------------------------------------------------------


@strawberry.input
class CreateStudioInput:
    name: str
    description: str = ""
    community_id: strawberry.ID | None = None


@strawberry.input
class AddStudioMemberInput:
    studio_id: strawberry.ID
    username: str
    display_name: str = ""
    lead: bool = False


@strawberry.input
class PartyInput:
    resident_id: strawberry.ID
    role: PartyRoleEnum


@strawberry.input
class PlaceInput:
    building_id: strawberry.ID
    unit_id: strawberry.ID | None = None


@strawberry.input
class OpenCaseInput:
    title: str
    category: CategoryEnum
    source: SourceEnum
    studio_id: strawberry.ID
    parties: list[PartyInput]
    places: list[PlaceInput] = strawberry.field(default_factory=list)
    description: str = ""
    referred_by: str = strawberry.field(default="", description="The court, police station or task force that referred it.")


@strawberry.input
class MoveCaseInput:
    case_id: strawberry.ID
    to: CaseStateEnum
    reason: str = ""


@strawberry.input
class AssignMediatorInput:
    case_id: strawberry.ID
    username: str


@strawberry.input
class RecuseMediatorInput:
    case_id: strawberry.ID
    username: str
    reason: str


@strawberry.input
class InviteOutsideMediatorInput:
    case_id: strawberry.ID
    name: str
    kind: OutsideKindEnum
    parties_consent: str = strawberry.field(description="How and when the parties consented (required).")
    organisation: str = ""


@strawberry.input
class RecordMediationSessionInput:
    case_id: strawberry.ID
    held_on: date
    participants: list[str]
    notes: str


@strawberry.input
class DraftAgreementInput:
    case_id: strawberry.ID
    facts: str
    disputed_points: str
    terms: str
    performance: str = strawberry.field(description="How the agreement is carried out.")
    perform_by: date | None = None
    oral: bool = strawberry.field(default=False, description="An oral agreement recorded by the mediator; in effect at once.")


@strawberry.input
class SignAgreementInput:
    case_id: strawberry.ID
    resident_id: strawberry.ID | None = strawberry.field(default=None, description="The party signing; omit to sign as the case's mediator.")


@strawberry.input
class SealAgreementInput:
    case_id: strawberry.ID


@strawberry.input
class RequestJudicialConfirmationInput:
    case_id: strawberry.ID
    party_ids: list[strawberry.ID] = strawberry.field(description="Every party: the application is joint.")
    court: str


@strawberry.input
class ScheduleReturnVisitInput:
    case_id: strawberry.ID
    due_on: date


@strawberry.input
class RecordReturnVisitInput:
    visit_id: strawberry.ID
    notes: str


@strawberry.input
class EscalateCaseInput:
    case_id: strawberry.ID
    reason: str


@strawberry.input
class AddCaseAttachmentInput:
    case_id: strawberry.ID
    name: str
    content_type: str
    content_base64: str


@strawberry.input
class CreateTaskForceInput:
    name: str
    compound_id: strawberry.ID
    departments: list[DepartmentEnum]
    started_on: date


@strawberry.input
class FindingInput:
    building_id: strawberry.ID
    category: FindingCategoryEnum
    department: DepartmentEnum
    deadline: date
    unit_id: strawberry.ID | None = None
    location: str = strawberry.field(default="", description="The common area (e.g. 3楼消防通道) when not a unit.")
    description: str = ""
    evidence: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class AddFindingsInput:
    task_force_id: strawberry.ID
    findings: list[FindingInput]


@strawberry.input
class MoveFindingInput:
    finding_id: strawberry.ID
    to: FindingStatusEnum
    evidence: list[str] = strawberry.field(default_factory=list)


@strawberry.input
class DisputeFindingInput:
    finding_id: strawberry.ID
    resident_id: strawberry.ID
    studio_id: strawberry.ID
    description: str = ""


def _case_id(value) -> int:
    return decode_id_of(value, "Case", "caseId")


# -- mutations --------------------------------------------------------------------------

MANAGE = allow("mediation.case.manage")


@strawberry.type
class MediationMutation:
    @strawberry.mutation(permission_classes=allow("mediation.studio.manage"))
    async def create_studio(self, info: strawberry.Info, input: CreateStudioInput) -> StudioPayload:
        ctx = info.context
        try:
            community_id = None if input.community_id is None else decode_id_of(input.community_id, "Community", "communityId")

            async def work(session):
                studio = await service.create_studio(session, input.name, input.description, community_id)
                await record_for(ctx, session, "mediation.studio.create", f"Studio:{studio.id}", {"name": studio.name})
                return studio

            return StudioPayload(studio=await _write(ctx, work))
        except DomainError as error:
            return StudioPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow("mediation.studio.manage"), description="Add a mediator (a user with the mediator role) to a studio.")
    async def add_studio_member(self, info: strawberry.Info, input: AddStudioMemberInput) -> StudioPayload:
        ctx = info.context
        try:
            studio_id = decode_id_of(input.studio_id, "Studio", "studioId")

            async def work(session):
                user_id = await _user_id(session, input.username, "username")
                await service.add_member(session, studio_id, user_id, input.display_name, input.lead)
                await record_for(ctx, session, "mediation.studio.member", f"Studio:{studio_id}", {"username": input.username, "lead": input.lead})
                return await session.scalar(select(m.Studio).where(m.Studio.id == studio_id))

            return StudioPayload(studio=await _write(ctx, work))
        except DomainError as error:
            return StudioPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow("mediation.case.open"), description="Open a case (residents: apply for mediation of their own dispute).")
    async def open_case(self, info: strawberry.Info, input: OpenCaseInput) -> CasePayload:
        ctx = info.context
        try:
            data = service.CaseData(
                title=input.title,
                category=Category(input.category),
                source=Source(input.source),
                studio_id=decode_id_of(input.studio_id, "Studio", "studioId"),
                parties=[service.PartyData(decode_id_of(p.resident_id, "Resident", "parties"), PartyRole(p.role)) for p in input.parties],
                places=[
                    service.PlaceData(
                        decode_id_of(p.building_id, "Building", "places"), None if p.unit_id is None else decode_id_of(p.unit_id, "Unit", "places")
                    )
                    for p in input.places
                ],
                description=input.description,
                referred_by=input.referred_by,
            )
            return CasePayload(case=await _write(ctx, lambda session: service.open_case(session, Actor.of(ctx), data)))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Move a case to its next state; illegal moves are refused (INVALID_TRANSITION).")
    async def move_case(self, info: strawberry.Info, input: MoveCaseInput) -> CasePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)

            async def work(session):
                case = await service.move_case(session, Actor.of(ctx), case_id, CaseState(input.to), input.reason)
                await record_for(ctx, session, "mediation.case.move", f"Case:{case_id}", {"to": case.state, "reason": input.reason})
                return case

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Assign a mediator of the case's studio; refused if related to a party.")
    async def assign_mediator(self, info: strawberry.Info, input: AssignMediatorInput) -> CasePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)

            async def work(session):
                user_id = await _user_id(session, input.username, "username")
                case = await service.assign_mediator(session, Actor.of(ctx), case_id, user_id)
                await record_for(ctx, session, "mediation.case.assign", f"Case:{case_id}", {"mediator": input.username})
                return case

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Record that a mediator withdraws from a case (related to a party).")
    async def recuse_mediator(self, info: strawberry.Info, input: RecuseMediatorInput) -> CasePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)

            async def work(session):
                user_id = await _user_id(session, input.username, "username")
                await service.recuse(session, Actor.of(ctx), case_id, user_id, input.reason)
                await record_for(ctx, session, "mediation.case.recusal", f"Case:{case_id}", {"mediator": input.username, "reason": input.reason})
                return await session.scalar(select(m.Case).where(m.Case.id == case_id))

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Invite an outside mediator into this case with the parties' consent.")
    async def invite_outside_mediator(self, info: strawberry.Info, input: InviteOutsideMediatorInput) -> CasePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)

            async def work(session):
                actor = Actor.of(ctx)
                await service.invite_outside_mediator(session, actor, case_id, input.name, OutsideKind(input.kind), input.parties_consent, input.organisation)
                return await service.get_case(session, actor, case_id)

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Record a mediation session that took place.")
    async def record_mediation_session(self, info: strawberry.Info, input: RecordMediationSessionInput) -> CasePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)

            async def work(session):
                actor = Actor.of(ctx)
                await service.record_session(session, actor, case_id, input.held_on, input.participants, input.notes)
                return await service.get_case(session, actor, case_id)

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Write the agreement: facts, disputed points, terms, how and when it is carried out.")
    async def draft_agreement(self, info: strawberry.Info, input: DraftAgreementInput) -> CasePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)
            data = service.AgreementData(input.facts, input.disputed_points, input.terms, input.performance, input.perform_by, input.oral)

            async def work(session):
                actor = Actor.of(ctx)
                await service.draft_agreement(session, actor, case_id, data)
                return await service.get_case(session, actor, case_id)

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow("mediation.agreement.sign"), description="Sign the agreement as a party, or as the case's mediator.")
    async def sign_agreement(self, info: strawberry.Info, input: SignAgreementInput) -> CasePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)
            resident_id = None if input.resident_id is None else decode_id_of(input.resident_id, "Resident", "residentId")

            async def work(session):
                actor = Actor.of(ctx)
                await service.sign_agreement(session, actor, case_id, resident_id)
                await record_for(ctx, session, "mediation.agreement.sign", f"Case:{case_id}", {"resident_id": resident_id})
                return await service.get_case(session, actor, case_id, manage=False)

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Seal the agreement with the studio's seal (the lead mediator or street staff).")
    async def seal_agreement(self, info: strawberry.Info, input: SealAgreementInput) -> CasePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)

            async def work(session):
                actor = Actor.of(ctx)
                await service.seal_agreement(session, actor, case_id)
                await record_for(ctx, session, "mediation.agreement.seal", f"Case:{case_id}")
                return await service.get_case(session, actor, case_id)

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Record the parties' joint request for judicial confirmation (within 30 days).")
    async def request_judicial_confirmation(self, info: strawberry.Info, input: RequestJudicialConfirmationInput) -> CasePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)
            parties = [decode_id_of(p, "Resident", "partyIds") for p in input.party_ids]

            async def work(session):
                actor = Actor.of(ctx)
                await service.request_judicial_confirmation(session, actor, case_id, parties, input.court)
                await record_for(ctx, session, "mediation.agreement.confirmation", f"Case:{case_id}", {"court": input.court})
                return await service.get_case(session, actor, case_id)

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Schedule a return visit (回访) of an agreed case.")
    async def schedule_return_visit(self, info: strawberry.Info, input: ScheduleReturnVisitInput) -> ReturnVisitPayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)
            visit = await _write(ctx, lambda session: service.schedule_return_visit(session, Actor.of(ctx), case_id, input.due_on))
            return ReturnVisitPayload(return_visit=visit)
        except DomainError as error:
            return ReturnVisitPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=MANAGE, description="Record what a return visit found.")
    async def record_return_visit(self, info: strawberry.Info, input: RecordReturnVisitInput) -> ReturnVisitPayload:
        ctx = info.context
        try:
            visit_id = decode_id_of(input.visit_id, "ReturnVisit", "visitId")
            visit = await _write(ctx, lambda session: service.record_return_visit(session, Actor.of(ctx), visit_id, input.notes))
            return ReturnVisitPayload(return_visit=visit)
        except DomainError as error:
            return ReturnVisitPayload(errors=user_errors(error))

    @strawberry.mutation(
        permission_classes=allow("mediation.case.escalate"),
        description="Flag a dispute at risk of turning violent; the grid worker and the police liaison are notified.",
    )
    async def escalate_case(self, info: strawberry.Info, input: EscalateCaseInput) -> EscalatePayload:
        ctx = info.context
        try:
            case_id = _case_id(input.case_id)

            async def work(session):
                case = await service.escalate(session, Actor.of(ctx), case_id, input.reason)
                await record_for(ctx, session, "mediation.case.escalate", f"Case:{case_id}", {"reason": input.reason})
                return case

            case = await _write(ctx, work)
        except DomainError as error:
            return EscalatePayload(errors=user_errors(error))
        recipients = tuple(ctx.kernel.settings(ctx.street, "mediation").escalation_recipients)
        await notify(
            ctx.kernel,
            Notification(
                street=ctx.street,
                recipients=recipients,
                subject=f"纠纷有激化风险: {case.title}",
                body=case.escalation_reason or "",
                severity="critical",
                reference=f"Case:{case.id}",
                data={"case_id": case.id, "studio_id": case.studio_id},
            ),
        )
        return EscalatePayload(case=case, notified=list(recipients))

    @strawberry.mutation(permission_classes=MANAGE, description="Attach a file (base64) to a case; it goes to the file store.")
    async def add_case_attachment(self, info: strawberry.Info, input: AddCaseAttachmentInput) -> CasePayload:
        ctx = info.context
        settings = ctx.kernel.settings(ctx.street, "mediation")
        try:
            case_id = _case_id(input.case_id)
            try:
                data = base64.b64decode(input.content_base64, validate=True)
            except (binascii.Error, ValueError):
                raise DomainError("The content is not valid base64.", code="INVALID", field="contentBase64") from None
            if not data:
                raise DomainError("The file is empty.", code="MISSING_CONTENT", field="contentBase64")
            if len(data) > settings.max_attachment_bytes:
                raise DomainError(f"The file is larger than {settings.max_attachment_bytes} bytes.", code="TOO_LARGE", field="contentBase64")
            name = input.name.strip()
            if not name:
                raise DomainError("The file's name is required.", code="MISSING_CONTENT", field="name")

            async def work(session):
                actor = Actor.of(ctx)
                case = await service.get_case(session, actor, case_id)
                reference = LocalFileStore(settings.file_store).put(data)
                session.add(
                    m.Attachment(
                        case_id=case.id, name=name, content_type=input.content_type or "application/octet-stream", size=len(data),
                        reference=reference, added_by=actor.name, added_at=service.now(),
                    )
                )
                return case

            return CasePayload(case=await _write(ctx, work))
        except DomainError as error:
            return CasePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow("mediation.taskforce.manage"))
    async def create_task_force(self, info: strawberry.Info, input: CreateTaskForceInput) -> TaskForcePayload:
        ctx = info.context
        try:
            compound_id = decode_id_of(input.compound_id, "Compound", "compoundId")
            departments = [Department(d) for d in input.departments]

            async def work(session):
                task_force = await taskforce.create_task_force(session, input.name, compound_id, departments, input.started_on)
                await record_for(ctx, session, "mediation.taskforce.create", f"TaskForce:{task_force.id}", {"name": task_force.name})
                return task_force

            return TaskForcePayload(task_force=await _write(ctx, work))
        except DomainError as error:
            return TaskForcePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow("mediation.taskforce.manage"), description="Record many findings at once; one bad finding records none.")
    async def add_findings(self, info: strawberry.Info, input: AddFindingsInput) -> FindingsPayload:
        ctx = info.context
        try:
            task_force_id = decode_id_of(input.task_force_id, "TaskForce", "taskForceId")
            items = [
                taskforce.FindingData(
                    building_id=decode_id_of(f.building_id, "Building", f"findings.{n}.buildingId"),
                    unit_id=None if f.unit_id is None else decode_id_of(f.unit_id, "Unit", f"findings.{n}.unitId"),
                    category=FindingCategory(f.category),
                    department=Department(f.department),
                    deadline=f.deadline,
                    location=f.location,
                    description=f.description,
                    evidence=tuple(f.evidence),
                )
                for n, f in enumerate(input.findings)
            ]

            async def work(session):
                findings = await taskforce.add_findings(session, task_force_id, items)
                await record_for(ctx, session, "mediation.findings.add", f"TaskForce:{task_force_id}", {"count": len(findings)})
                return findings

            findings = await _write(ctx, work)
        except taskforce.FindingsRejected as rejected:
            return FindingsPayload(errors=[e for p in rejected.problems for e in user_errors(p)])
        except DomainError as error:
            return FindingsPayload(errors=user_errors(error))
        for finding in findings:
            await emit_finding(ctx, "mediation.finding.created", finding)
        return FindingsPayload(findings=findings)

    @strawberry.mutation(permission_classes=allow("mediation.taskforce.manage"), description="Move a finding: open → notified → rectified (with evidence) → verified.")
    async def move_finding(self, info: strawberry.Info, input: MoveFindingInput) -> FindingPayload:
        ctx = info.context
        try:
            finding_id = decode_id_of(input.finding_id, "Finding", "findingId")

            async def work(session):
                finding = await taskforce.move_finding(session, finding_id, FindingStatus(input.to), input.evidence)
                await record_for(ctx, session, "mediation.finding.move", f"Finding:{finding_id}", {"to": finding.status})
                return finding

            finding = await _write(ctx, work)
        except DomainError as error:
            return FindingPayload(errors=user_errors(error))
        await emit_finding(ctx, "mediation.finding.status_changed", finding)
        return FindingPayload(finding=finding)

    @strawberry.mutation(permission_classes=allow("mediation.taskforce.manage"), description="The owner disputes a finding: open a mediation case referred by the task force.")
    async def dispute_finding(self, info: strawberry.Info, input: DisputeFindingInput) -> CasePayload:
        ctx = info.context
        try:
            finding_id = decode_id_of(input.finding_id, "Finding", "findingId")
            resident_id = decode_id_of(input.resident_id, "Resident", "residentId")
            studio_id = decode_id_of(input.studio_id, "Studio", "studioId")
            case = await _write(
                ctx, lambda session: taskforce.dispute_finding(session, Actor.of(ctx), finding_id, resident_id, studio_id, input.description)
            )
            return CasePayload(case=case)
        except DomainError as error:
            return CasePayload(errors=user_errors(error))
