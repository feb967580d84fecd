"""Mutations of cases: open, move, mediators, outside mediators, sessions, escalation,
attachments. Rules live in ``service.cases``; notifications go out after the commit."""

from __future__ import annotations

from typing import Annotated

from datetime import date

import strawberry
from sqlalchemy import select

from jiedao.api import DomainError, many, mutation, node_id, now, payload, Write
from jiedao.api.alerts import write_notification
from jiedao.api.domain import Notification
from jiedao.api.inputs import id_input, LONG, MaxLength
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.access import Actor
from jiedao.api.files import LocalFileStore
from jiedao.plugins.mediation.graphql.types import Case, CaseStateEnum, CategoryEnum, OutsideKindEnum, PartyRoleEnum, SourceEnum
from jiedao.plugins.mediation.states import CaseState, Category, OutsideKind, PartyRole, Source
from jiedao.plugins.mediation.uploads import decode_upload

MANAGE = "mediation.case.manage"

CasePayload = payload("CasePayload", case=(Case | None, None, "The case after the change; null when refused."))


EscalatePayload = payload("EscalatePayload", case=(Case | None, None, "The case flagged; null when refused."), notified=many(str, "The roles the alert went to."))


CaseIdInput = id_input("Case")


@strawberry.input(description="A party (当事人) to a case.")
class PartyInput:
    resident_id: strawberry.ID = node_id("Resident", description="The Resident (global ID).")
    role: PartyRoleEnum = strawberry.field(description="Their role in the dispute.")


@strawberry.input(description="A place a case is about.")
class PlaceInput:
    building_id: strawberry.ID = node_id("Building", description="The Building (global ID).")
    unit_id: strawberry.ID | None = node_id("Unit", default=None, description="The Unit (global ID), if it is about one unit.")


@strawberry.input(description="A new mediation case (调解案件).")
class OpenCaseInput:
    title: str = strawberry.field(description="A short title of the dispute.")
    category: CategoryEnum = strawberry.field(description="What the dispute is about (纠纷类别).")
    source: SourceEnum = strawberry.field(description="How the case came to the studio (案件来源).")
    studio_id: strawberry.ID = node_id("Studio", description="The Studio that handles it (global ID).")
    parties: list[PartyInput] = strawberry.field(description="The parties (at least one), each once.")
    places: list[PlaceInput] = strawberry.field(default_factory=list, description="The buildings or units it is about.")
    description: Annotated[str, LONG] = strawberry.field(default="", description="The dispute as told.")
    referred_by: str = strawberry.field(default="", description="The court, police station or task force that referred it.")


@strawberry.input(description="A case's move to another state.")
class MoveCaseInput(CaseIdInput):
    to: CaseStateEnum = strawberry.field(description="The state to move to.")
    reason: str = strawberry.field(default="", description="Why; shown in the case's history.")


@strawberry.input(description="The assignment of a mediator (调解员) to a case.")
class AssignMediatorInput(CaseIdInput):
    username: str = strawberry.field(description="The mediator's username; a member of the case's studio.")


@strawberry.input(description="A mediator's withdrawal (回避) from a case.")
class RecuseMediatorInput(CaseIdInput):
    username: str = strawberry.field(description="The withdrawing mediator's username.")
    reason: str = strawberry.field(description="Why, e.g. related to a party.")


@strawberry.input(description="An outside person invited to help mediate (邀请参与调解).")
class InviteOutsideMediatorInput(CaseIdInput):
    name: str = strawberry.field(description="The person's name.")
    kind: OutsideKindEnum = strawberry.field(description="Who they are.")
    parties_consent: Annotated[str, LONG] = strawberry.field(description="How and when the parties consented (required).")
    organisation: str = strawberry.field(default="", description="Their organisation, if any (e.g. a law firm).")


@strawberry.input(description="A mediation session (调解) that took place.")
class RecordMediationSessionInput(CaseIdInput):
    held_on: date = strawberry.field(description="The day it was held (ISO 8601 date).")
    participants: list[str] = strawberry.field(description="Who took part, by name.")
    notes: Annotated[str, LONG] = strawberry.field(description="The session's record (调解笔录).")


@strawberry.input(description="A flag that a dispute may turn violent (矛盾激化风险).")
class EscalateCaseInput(CaseIdInput):
    reason: Annotated[str, LONG] = strawberry.field(description="What makes it risky.")


@strawberry.input(description="A file attached to a case.")
class AddCaseAttachmentInput(CaseIdInput):
    name: str = strawberry.field(description="The file's name.")
    content_type: str = strawberry.field(description="Its media type, e.g. `application/pdf`.")
    content_base64: Annotated[str, MaxLength(None)] = strawberry.field(description="Limited by the street\'s max_attachment_bytes.")


@strawberry.type
class CaseMutation:
    @mutation(CasePayload, permission="mediation.case.open")
    async def open_case(w: Write, input: OpenCaseInput):
        """Open a case (residents: apply for mediation of their own dispute)."""
        data = service.CaseData(
            title=input.title,
            category=Category(input.category),
            source=Source(input.source),
            studio_id=input.studio_id,
            parties=[service.PartyData(p.resident_id, PartyRole(p.role)) for p in input.parties],
            places=[service.PlaceData(p.building_id, p.unit_id) for p in input.places],
            description=input.description,
            referred_by=input.referred_by,
        )
        return await service.open_case(w.session, Actor.of(w.ctx), data)

    @mutation(CasePayload, permission=MANAGE, audit="mediation.case.move")
    async def move_case(w: Write, input: MoveCaseInput):
        """Move a case to its next state; illegal moves are refused (INVALID_TRANSITION)."""
        case = await service.move_case(w.session, Actor.of(w.ctx), input.case_id, CaseState(input.to), input.reason)
        w.audit(to=case.state, reason=input.reason)
        return case

    @mutation(CasePayload, permission=MANAGE, audit="mediation.case.assign")
    async def assign_mediator(w: Write, input: AssignMediatorInput):
        """Assign a mediator of the case's studio; refused if related to a party."""
        user_id = await service.user_id_of(w.session, input.username)
        case = await service.assign_mediator(w.session, Actor.of(w.ctx), input.case_id, user_id)
        w.audit(mediator=input.username)
        return case

    @mutation(CasePayload, permission=MANAGE, audit="mediation.case.recusal")
    async def recuse_mediator(w: Write, input: RecuseMediatorInput):
        """Record that a mediator withdraws from a case (related to a party)."""
        user_id = await service.user_id_of(w.session, input.username)
        await service.recuse(w.session, Actor.of(w.ctx), input.case_id, user_id, input.reason)
        w.audit(mediator=input.username, reason=input.reason)
        return await w.session.scalar(select(m.Case).where(m.Case.id == input.case_id))

    @mutation(CasePayload, permission=MANAGE)
    async def invite_outside_mediator(w: Write, input: InviteOutsideMediatorInput):
        """Invite an outside mediator into this case with the parties' consent."""
        actor = Actor.of(w.ctx)
        await service.invite_outside_mediator(
            w.session, actor, input.case_id, input.name, OutsideKind(input.kind), input.parties_consent, input.organisation
        )
        return await service.get_case(w.session, actor, input.case_id)

    @mutation(CasePayload, permission=MANAGE)
    async def record_mediation_session(w: Write, input: RecordMediationSessionInput):
        """Record a mediation session that took place."""
        actor = Actor.of(w.ctx)
        await service.record_session(w.session, actor, input.case_id, input.held_on, input.participants, input.notes)
        return await service.get_case(w.session, actor, input.case_id)


@strawberry.type
class CaseAlertMutation:
    """Escalation and attachments (after the agreement mutations in the schema's order)."""

    @mutation(EscalatePayload, permission="mediation.case.escalate", audit="mediation.case.escalate")
    async def escalate_case(w: Write, input: EscalateCaseInput):
        """Flag a dispute at risk of turning violent; the grid worker and the police liaison are notified."""
        case = await service.escalate(w.session, Actor.of(w.ctx), input.case_id, input.reason)
        w.audit(reason=input.reason)
        recipients = tuple(w.kernel.settings(w.street, "mediation").escalation_recipients)
        alert = Notification(
            street=w.street,
            recipients=recipients,
            subject=f"纠纷有激化风险: {case.title}",
            body=case.escalation_reason or "",
            severity="critical",
            reference=f"Case:{case.id}",
            data={"case_id": case.id, "studio_id": case.studio_id},
        )
        await write_notification(w.session, w.kernel, alert)
        return {"case": case, "notified": list(recipients)}

    @mutation(CasePayload, permission=MANAGE)
    async def add_case_attachment(w: Write, input: AddCaseAttachmentInput):
        """Attach a file (base64) to a case; it goes to the file store."""
        settings = w.kernel.settings(w.street, "mediation")
        data = decode_upload(input.content_base64, settings.max_attachment_bytes)
        name = input.name.strip()
        if not name:
            raise DomainError("The file's name is required.", code="MISSING_CONTENT", field="name")
        actor = Actor.of(w.ctx)
        case = await service.get_case(w.session, actor, input.case_id)
        reference = LocalFileStore(settings.file_store).put(data)
        w.session.add(
            m.Attachment(
                case_id=case.id, name=name, content_type=input.content_type or "application/octet-stream", size=len(data),
                reference=reference, added_by=actor.name, added_at=now(),
            )
        )
        return case
