"""Mutations of follow-up: schedule and record return visits (回访)."""

from __future__ import annotations

from typing import Annotated

from datetime import date

import strawberry

from jiedao.api import mutation, node_id, payload, Write
from jiedao.api.inputs import LONG
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.graphql.mutations.cases import CaseIdInput, MANAGE
from jiedao.plugins.mediation.graphql.types import ReturnVisit
from jiedao.plugins.mediation.service.visit_work import close_for_recorded, open_visit_work_item

ReturnVisitPayload = payload("ReturnVisitPayload", return_visit=(ReturnVisit | None, None, "The return visit scheduled or recorded; null when refused."))


@strawberry.input(description="A return visit (回访) to schedule for an agreed case.")
class ScheduleReturnVisitInput(CaseIdInput):
    due_on: date = strawberry.field(description="The day it is due (ISO 8601 date).")


@strawberry.input(description="What a return visit found.")
class RecordReturnVisitInput:
    visit_id: strawberry.ID = node_id("ReturnVisit", description="The ReturnVisit (global ID).")
    notes: Annotated[str, LONG] = strawberry.field(description="What the visit found.")


@strawberry.type
class FollowUpMutation:
    @mutation(ReturnVisitPayload, permission=MANAGE)
    async def schedule_return_visit(w: Write, input: ScheduleReturnVisitInput):
        """Schedule a return visit (回访) of an agreed case."""
        visit = await service.schedule_return_visit(w.session, Actor.of(w.ctx), input.case_id, input.due_on)
        await open_visit_work_item(w.session, visit)
        return visit

    @mutation(ReturnVisitPayload, permission=MANAGE)
    async def record_return_visit(w: Write, input: RecordReturnVisitInput):
        """Record what a return visit found."""
        visit = await service.record_return_visit(w.session, Actor.of(w.ctx), input.visit_id, input.notes)
        await close_for_recorded(w.session, visit)
        return visit
