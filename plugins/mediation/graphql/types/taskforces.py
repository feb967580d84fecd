"""GraphQL types of rectification task forces (整治专班), their findings and progress."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial
from typing import Annotated

import strawberry
from sqlalchemy import Select, select

from jiedao.api import Node, node_type, registry, today, types
from jiedao.api.graphql import connection_field, enum_field, linked, list_bound, loaded_field, where_given
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.graphql.loaders import disputing_case, progress_loader, visible_case_by_id
from jiedao.plugins.mediation.graphql.types.cases import Case
from jiedao.plugins.mediation.graphql.types.enums import DepartmentEnum, FindingCategoryEnum, FindingStatusEnum
from jiedao.plugins.mediation.states import Department, FindingCategory, FindingStatus

TASKFORCE_READ = "mediation.taskforce.read"
Building, Compound, Unit = types.Building, types.Compound, types.Unit


@node_type(m.Finding, read=TASKFORCE_READ)
@strawberry.type(name="Finding", description="A violation found by a rectification task force.")
class Finding(Node):
    location: str = strawberry.field(description="The common area (e.g. 3楼消防通道) when not a unit.")
    description: str = strawberry.field(description="The problem as found.")
    deadline: date = strawberry.field(description="The day it must be rectified by (整改期限).")
    evidence: list[str] = strawberry.field(description="References of photos and inspection records.")

    category = enum_field(FindingCategoryEnum, description="What kind of problem.")

    department = enum_field(DepartmentEnum, description="The department that owns the rectification.")

    status = enum_field(FindingStatusEnum, description="Where its rectification is.")

    @strawberry.field(description="Past its deadline and not rectified yet.")
    def overdue(self) -> bool:
        return self.status in (FindingStatus.OPEN.value, FindingStatus.NOTIFIED.value) and self.deadline < today()

    created_at: datetime = strawberry.field(description="When it was recorded (ISO 8601 UTC).")
    status_changed_at: datetime = strawberry.field(description="When its status last changed (ISO 8601 UTC).")

    building = linked(registry.Building, "building_id", Building, description="The building it is in.")

    unit = linked(registry.Unit, "unit_id", Unit, description="The unit it is in, if any.")

    task_force = linked(m.TaskForce, "task_force_id", Annotated["TaskForce", strawberry.lazy("jiedao.plugins.mediation.graphql.types.taskforces")], description="The task force that found it.")

    @strawberry.field(description="The mediation case opened when the owner disputed the finding (if you may see it).")
    async def case(self, info: strawberry.Info) -> Case | None:
        case_id = await disputing_case(info.context).load(self.id)
        return None if case_id is None else await visible_case_by_id(info.context).load(case_id)


@strawberry.type(description="Findings of one department and category, counted by status.")
class FindingProgress:
    department: DepartmentEnum = strawberry.field(description="The department.")
    category: FindingCategoryEnum = strawberry.field(description="The kind of problem.")
    open: int = strawberry.field(description="How many are open (待整改).")
    notified: int = strawberry.field(description="How many were notified (已告知).")
    rectified: int = strawberry.field(description="How many are rectified (已整改).")
    verified: int = strawberry.field(description="How many are verified (已核查).")
    total: int = strawberry.field(description="How many in all.")
    overdue: int = strawberry.field(description="Past the deadline and not rectified.")


def _progress(row: service.ProgressRow) -> FindingProgress:
    c = row.counts
    return FindingProgress(
        department=Department(row.department), category=FindingCategory(row.category), open=c["open"], notified=c["notified"],
        rectified=c["rectified"], verified=c["verified"], total=row.total, overdue=row.overdue,
    )


@node_type(m.TaskForce, read=TASKFORCE_READ)
@strawberry.type(name="TaskForce", description="A multi-department rectification task force (整治专班).")
class TaskForce(Node):
    name: str = strawberry.field(description="The task force's name.")
    started_on: date = strawberry.field(description="The day it started.")

    @strawberry.field(metadata=list_bound(20), description="The departments taking part.")
    def departments(self) -> list[DepartmentEnum]:
        return [Department(d) for d in self.departments]

    compound = linked(registry.Compound, "compound_id", Compound, description="The compound it works on.")

    progress = loaded_field(
        list[FindingProgress], partial(progress_loader, shown=_progress), description="Progress by department and category.", metadata=list_bound(100),
    )

    @connection_field(Finding, description="The task force's findings (问题清单), oldest first.")
    def findings(
        root,
        ctx,
        status: Annotated[FindingStatusEnum | None, strawberry.argument(description="Only findings in this status.")] = None,
        department: Annotated[DepartmentEnum | None, strawberry.argument(description="Only findings assigned to this department.")] = None,
    ) -> Select:
        return _findings(root.id, status, department)

def _findings(task_force_id: int, status, department):
    return where_given(select(m.Finding).where(m.Finding.task_force_id == task_force_id), (m.Finding.status, status), (m.Finding.department, department))
