"""Mutations after an agreement: performance (the mediator's check, the obliged party's
evidence), breach, the court's ruling on judicial confirmation, a party's court action.
Rules live in ``service.performance`` and ``service.court``."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry

from jiedao.api import DomainError, mutation, Write
from jiedao.api.files import LocalFileStore
from jiedao.api.inputs import LONG, MaxLength
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.graphql.mutations.cases import CaseIdInput, CasePayload, MANAGE
from jiedao.plugins.mediation.graphql.types.enums import CourtActionEnum, RulingEnum
from jiedao.plugins.mediation.service import court, performance
from jiedao.plugins.mediation.states import CourtAction, Ruling
from jiedao.plugins.mediation.uploads import decode_upload


@strawberry.input(description="The mediator's confirmation that the agreement was performed (Art. 31).")
class ConfirmPerformanceInput(CaseIdInput):
    checked_on: date = strawberry.field(description="The day the mediator checked (on or after the performance date).")
    note: Annotated[str, LONG] = strawberry.field(description="What the check found.")


@strawberry.input(description="The obliged party's evidence of performance (履行凭证).")
class SubmitPerformanceEvidenceInput(CaseIdInput):
    performed_on: date = strawberry.field(description="The day the party performed (on or after the performance date).")
    name: str = strawberry.field(description="The file's name.")
    content_type: str = strawberry.field(description="Its media type, e.g. `image/jpeg`.")
    content_base64: Annotated[str, MaxLength(None)] = strawberry.field(description="The evidence (a receipt, a photo); limited by max_attachment_bytes.")
    note: Annotated[str, LONG] = strawberry.field(default="", description="A note on the performance.")


@strawberry.input(description="The record that an agreement was not performed (Art. 32).")
class RecordBreachInput(CaseIdInput):
    noticed_on: date = strawberry.field(description="The day the breach was noticed (ISO 8601 date).")
    note: Annotated[str, LONG] = strawberry.field(description="What was not performed.")


@strawberry.input(description="The court's ruling on judicial confirmation.")
class RecordJudicialRulingInput(CaseIdInput):
    ruling: RulingEnum = strawberry.field(description="Confirmed or refused.")
    case_number: str = strawberry.field(description="The court's case number (案号), e.g. （2026）浙0105民特123号.")
    ruled_on: date = strawberry.field(description="The day of the ruling (ISO 8601 date).")


@strawberry.input(description="A party's action in court after the agreement.")
class RecordCourtActionInput(CaseIdInput):
    action: CourtActionEnum = strawberry.field(description="LITIGATION (Art. 32) or ENFORCEMENT of a confirmed agreement (Art. 33).")
    court: str = strawberry.field(description="The court.")
    filed_on: date = strawberry.field(description="The day it was filed (ISO 8601 date).")


def _stored_file(w: Write, input: SubmitPerformanceEvidenceInput) -> dict:
    """Decode and store the evidence; the attachment's columns."""
    settings = w.kernel.settings(w.street, "mediation")
    data = decode_upload(input.content_base64, settings.max_attachment_bytes)
    name = input.name.strip()
    if not name:
        raise DomainError("The file's name is required.", code="MISSING_CONTENT", field="name")
    reference = LocalFileStore(settings.file_store).put(data)
    return {"name": name[:200], "content_type": input.content_type or "application/octet-stream", "size": len(data), "reference": reference}


@strawberry.type
class PerformanceMutation:
    @mutation(CasePayload, permission=MANAGE, audit="mediation.performance.checked")
    async def confirm_performance(w: Write, input: ConfirmPerformanceInput):
        """The case's mediator confirms, after checking, that the agreement was performed (Art. 31)."""
        case = await performance.confirm_by_mediator(w.session, Actor.of(w.ctx), input.case_id, input.checked_on, input.note)
        w.audit(checked_on=input.checked_on.isoformat())
        return case

    @mutation(CasePayload, permission="mediation.performance.evidence", audit="mediation.performance.evidence")
    async def submit_performance_evidence(w: Write, input: SubmitPerformanceEvidenceInput):
        """The obliged party gives evidence that they performed (their own account; staff may record it for them)."""
        actor = Actor.of(w.ctx)
        await performance.check_evidence_allowed(w.session, actor, input.case_id, input.performed_on)
        case = await performance.confirm_by_evidence(w.session, actor, input.case_id, input.performed_on, input.note, _stored_file(w, input))
        w.audit(performed_on=input.performed_on.isoformat())
        return case

    @mutation(CasePayload, permission=MANAGE, audit="mediation.performance.breach")
    async def record_breach(w: Write, input: RecordBreachInput):
        """Record that the agreement was not performed: the case becomes BREACHED with the record (Art. 32)."""
        case = await performance.record_breach(w.session, Actor.of(w.ctx), input.case_id, input.noticed_on, input.note)
        w.audit(noticed_on=input.noticed_on.isoformat(), note=input.note)
        return case

    @mutation(CasePayload, permission=MANAGE, audit="mediation.agreement.ruling")
    async def record_judicial_ruling(w: Write, input: RecordJudicialRulingInput):
        """Record the court's ruling on judicial confirmation: confirmed or refused, its case number and date."""
        case = await court.record_ruling(w.session, Actor.of(w.ctx), input.case_id, Ruling(input.ruling), input.case_number, input.ruled_on)
        w.audit(ruling=input.ruling.value, case_number=input.case_number)
        return case

    @mutation(CasePayload, permission=MANAGE, audit="mediation.agreement.court_action")
    async def record_court_action(w: Write, input: RecordCourtActionInput):
        """Record that a party took the case, with its record, to court: a lawsuit or enforcement."""
        case = await court.record_court_action(w.session, Actor.of(w.ctx), input.case_id, CourtAction(input.action), input.court, input.filed_on)
        w.audit(action=input.action.value, court=input.court)
        return case
