"""Queries of the mediation plugin, and the fields it adds to core types
(``Building.cases``, ``Building.findings``, ``Resident.cases``)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import strawberry
from sqlalchemy import Select, select

from jiedao.api import allow, by_id, now
from jiedao.api.graphql import children_field, connection_field, decode_id_of, preload_list_references, where_given
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation import service
from jiedao.plugins.mediation.graphql.loaders import cases_of_caller, visible_case_by_id, visible_cases_by
from jiedao.plugins.mediation.graphql.types import Case, CaseStateEnum, CategoryEnum, Finding, MediationCommittee, Studio, TaskForce
from jiedao.plugins.mediation.states import OPEN_STATES

CASE_READ = "mediation.case.read"
TASKFORCE_READ = "mediation.taskforce.read"


@strawberry.type
class MediationQuery:
    @strawberry.field(permission_classes=allow(CASE_READ), description="The street's mediation studios.")
    async def studios(self, info: strawberry.Info) -> list[Studio]:
        return await info.context.scalars(select(m.Studio).order_by(m.Studio.id))

    @strawberry.field(permission_classes=allow(CASE_READ), description="The street's people's mediation committees (人民调解委员会).")
    async def mediation_committees(self, info: strawberry.Info) -> list[MediationCommittee]:
        return await info.context.scalars(select(m.Committee).order_by(m.Committee.id))

    @connection_field(
        Case,
        permission_classes=allow(CASE_READ),
        description="The cases you may see: street staff all, mediators their studios', residents those they are party to.",
    )
    def mediation_cases(
        root,
        ctx,
        state: Annotated[CaseStateEnum | None, strawberry.argument(description="Only cases in this state.")] = None,
        category: Annotated[CategoryEnum | None, strawberry.argument(description="Only cases of this dispute category (纠纷类别).")] = None,
        studio_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only cases of this Studio (global ID).")] = None,
        open_too_long: Annotated[bool | None, strawberry.argument(description=f"True: only open cases opened more than {service.LONG_OPEN_DAYS} days ago; false: only the others.")] = None,
    ) -> Select:
        statement = select(m.Case).where(cases_of_caller(ctx))
        statement = where_given(statement, (m.Case.state, state), (m.Case.category, category), (m.Case.studio_id, studio_id, "Studio"))
        if open_too_long is None:
            return statement
        late = m.Case.state.in_([s.value for s in OPEN_STATES]) & (m.Case.opened_at < now() - timedelta(days=service.LONG_OPEN_DAYS))
        return statement.where(late if open_too_long else ~late)

    @strawberry.field(permission_classes=allow(CASE_READ), description="A case, if you may see it.")
    async def mediation_case(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the Case.")]) -> Case | None:
        return await visible_case_by_id(info.context).load(decode_id_of(id, "Case"))

    @strawberry.field(permission_classes=allow(TASKFORCE_READ), description="The street's task forces (整治专班), oldest first.")
    async def task_forces(self, info: strawberry.Info) -> list[TaskForce]:
        return await preload_list_references(info.context, info, await info.context.scalars(select(m.TaskForce).order_by(m.TaskForce.id)))

    @strawberry.field(permission_classes=allow(TASKFORCE_READ), description="A task force (整治专班) by global ID, or null if there is none.")
    async def task_force(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the TaskForce.")]) -> TaskForce | None:
        return await by_id(info.context, m.TaskForce).load(decode_id_of(id, "TaskForce"))


# -- fields added to core types ---------------------------------------------------------


@strawberry.type
class BuildingMediation:
    @strawberry.field(permission_classes=allow(CASE_READ), description="Mediation cases about this building that you may see.")
    async def cases(self, info: strawberry.Info) -> list[Case]:
        return await visible_cases_by(info.context, m.CasePlace.building_id, m.CasePlace.case_id).load(self.id)

    findings = children_field(Finding, m.Finding.building_id, permission_classes=allow(TASKFORCE_READ), description="Task-force findings in this building.")


@strawberry.type
class ResidentMediation:
    @strawberry.field(permission_classes=allow(CASE_READ), description="Cases this resident is party to (those you may see).")
    async def cases(self, info: strawberry.Info) -> list[Case]:
        return await visible_cases_by(info.context, m.CaseParty.resident_id, m.CaseParty.case_id).load(self.id)
