"""Mutations of rectification task forces (整治专班): create one, record findings in bulk,
move a finding, turn a disputed finding into a mediation case. Rules live in
``service.taskforces``; the ``mediation.finding.*`` events go out after the commit."""

from __future__ import annotations

from typing import Annotated

from datetime import date

import strawberry

from jiedao.api import allow, many, mutation, node_id, payload, user_errors, Write
from jiedao.api.graphql import encode_global_id, run_mutation
from jiedao.api.inputs import id_input, LONG
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.access import Actor
from jiedao.plugins.mediation.events import FindingCreated, FindingStatusChanged
from jiedao.plugins.mediation.graphql.mutations.cases import CasePayload
from jiedao.plugins.mediation.graphql.types import DepartmentEnum, Finding, FindingCategoryEnum, FindingStatusEnum, TaskForce
from jiedao.plugins.mediation.models import TaskForce as TaskForceRow
from jiedao.plugins.mediation.service.finding_work import close_for_rectified, open_finding_work_items
from jiedao.plugins.mediation.service.progress_notice import publish_progress
from jiedao.plugins.mediation.states import Department, FindingCategory, FindingStatus

MANAGE = "mediation.taskforce.manage"

TaskForcePayload = payload("TaskForcePayload", task_force=(TaskForce | None, None, "The task force created; null when refused."))
FindingPayload = payload("FindingPayload", finding=(Finding | None, None, "The finding after the change; null when refused."))


TaskForceProgressPayload = payload(
    "TaskForceProgressPayload", task_force=(TaskForce | None, None, "The task force; null when refused."), notice_id=(strawberry.ID | None, None, "The global ID of the live progress notice.")
)
FindingsPayload = payload("FindingsPayload", findings=many(Finding, "The findings recorded; empty when refused."))


TaskForceIdInput = id_input("TaskForce")
FindingIdInput = id_input("Finding")


@strawberry.input(description="A new task force (整治专班).")
class CreateTaskForceInput:
    name: str = strawberry.field(description="The task force's name.")
    compound_id: strawberry.ID = node_id("Compound", description="The Compound it works on (global ID).")
    departments: list[DepartmentEnum] = strawberry.field(description="The departments taking part (at least one).")
    started_on: date = strawberry.field(description="The day it started (ISO 8601 date).")


@strawberry.input(description="One problem a task force found (问题).")
class FindingInput:
    building_id: strawberry.ID = node_id("Building", description="The Building (global ID).")
    category: FindingCategoryEnum = strawberry.field(description="What kind of problem.")
    department: DepartmentEnum = strawberry.field(description="The department responsible for it.")
    deadline: date = strawberry.field(description="The day it must be rectified by (整改期限).")
    unit_id: strawberry.ID | None = node_id("Unit", default=None, description="The Unit (global ID) when it is in one.")
    location: str = strawberry.field(default="", description="The common area (e.g. 3楼消防通道) when not a unit.")
    description: Annotated[str, LONG] = strawberry.field(default="", description="The problem as found.")
    evidence: list[str] = strawberry.field(default_factory=list, description="References to evidence, e.g. photo or inspection record names.")


@strawberry.input(description="Many findings recorded at once: all or none.")
class AddFindingsInput(TaskForceIdInput):
    findings: list[FindingInput] = strawberry.field(description="The findings.")


@strawberry.input(description="A finding's move to its next status.")
class MoveFindingInput(FindingIdInput):
    to: FindingStatusEnum = strawberry.field(description="The status to move to.")
    evidence: list[str] = strawberry.field(default_factory=list, description="References to evidence of rectification (needed to mark it RECTIFIED).")


@strawberry.input(description="The task force whose progress is published as a notice.")
class PublishTaskForceProgressInput(TaskForceIdInput):
    """The task force whose progress is published."""


@strawberry.input(description="An owner's dispute of a finding, opened as a mediation case.")
class DisputeFindingInput(FindingIdInput):
    resident_id: strawberry.ID = node_id("Resident", description="The disputing owner (Resident, global ID).")
    studio_id: strawberry.ID = node_id("Studio", description="The Studio to mediate (global ID).")
    description: Annotated[str, LONG] = strawberry.field(default="", description="What is disputed.")


async def record_findings(w: Write, input: AddFindingsInput):
    """The work of ``addFindings``: every finding checked first; one bad finding records none."""
    items = [
        service.FindingData(
            building_id=f.building_id,
            unit_id=f.unit_id,
            category=FindingCategory(f.category),
            department=Department(f.department),
            deadline=f.deadline,
            location=f.location,
            description=f.description,
            evidence=tuple(f.evidence),
        )
        for f in input.findings
    ]
    findings = await service.add_findings(w.session, input.task_force_id, items)
    await open_finding_work_items(w.session, findings)
    w.audit(target=encode_global_id("TaskForce", input.task_force_id), count=len(findings))
    for finding in findings:
        w.emit(FindingCreated.of(finding))
    return findings


@strawberry.type
class TaskForceMutation:
    @mutation(TaskForcePayload, permission=MANAGE, audit="mediation.taskforce.create")
    async def create_task_force(w: Write, input: CreateTaskForceInput):
        """Create a task force (整治专班) for a compound, with the departments that work in it."""
        departments = [Department(d) for d in input.departments]
        task_force = await service.create_task_force(w.session, input.name, input.compound_id, departments, input.started_on)
        w.audit(name=task_force.name)
        return task_force

    @strawberry.mutation(permission_classes=allow(MANAGE), description="Record many findings at once; one bad finding records none.")
    async def add_findings(self, info: strawberry.Info, input: Annotated[AddFindingsInput, strawberry.argument(description="The mutation's input: see its type.")]) -> FindingsPayload:
        # The one runner, called directly: a rejected bulk entry answers every problem at
        # once, which one DomainError (all ``@mutation`` turns into errors) cannot carry.
        try:
            return await run_mutation(info, FindingsPayload, record_findings, input, "mediation.findings.add")
        except service.FindingsRejected as rejected:
            return FindingsPayload(errors=user_errors(*rejected.problems))

    @mutation(FindingPayload, permission=MANAGE, audit="mediation.finding.move")
    async def move_finding(w: Write, input: MoveFindingInput):
        """Move a finding: open → notified → rectified (with evidence) → verified."""
        finding = await service.move_finding(w.session, input.finding_id, FindingStatus(input.to), input.evidence)
        w.audit(to=finding.status)
        if finding.status == FindingStatus.RECTIFIED.value:
            await close_for_rectified(w.session, finding)
            await publish_progress(w.session, finding.task_force_id)
        w.emit(FindingStatusChanged.of(finding))
        return finding

    @mutation(TaskForceProgressPayload, permission=MANAGE, audit="mediation.taskforce.progress_published")
    async def publish_task_force_progress(w: Write, input: PublishTaskForceProgressInput):
        """Publish the task force's progress (rectified / total, by department) as a notice of its compound."""
        notice = await publish_progress(w.session, input.task_force_id)
        notice_id = encode_global_id("Notice", notice.id)
        w.audit(target=encode_global_id("TaskForce", input.task_force_id), notice=notice_id)
        return {"task_force": await w.session.get(TaskForceRow, input.task_force_id), "notice_id": notice_id}

    @mutation(CasePayload, permission=MANAGE)
    async def dispute_finding(w: Write, input: DisputeFindingInput):
        """The owner disputes a finding: open a mediation case referred by the task force."""
        return await service.dispute_finding(w.session, Actor.of(w.ctx), input.finding_id, input.resident_id, input.studio_id, input.description)
