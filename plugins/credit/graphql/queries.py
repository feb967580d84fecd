"""The credit queries: ``enterprises``/``enterprise``, scorecards, appeals, scores, and
``Building.enterprises``."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import Select, select

from jiedao.api import allow, by_id
from jiedao.api.graphql import children_field, connection_field, decode_global_id, decode_id_of, where_given
from jiedao.plugins.credit import models, service
from jiedao.plugins.credit.graphql.access import MAX_HISTORY, READ_ALL, SEE_LIST, may_see, visible
from jiedao.plugins.credit.graphql.types import CreditAppeal, CreditClass, CreditScore, CreditScorecard, Enterprise


def enterprise_pk(global_id: str, field: str = "id") -> int:
    """The primary key of an Enterprise global ID."""
    return decode_id_of(global_id, "Enterprise", field)


@strawberry.type
class CreditQuery:
    @connection_field(Enterprise, description="Enterprises of the street (an operator: their own), filtered by class and category.", permission_classes=SEE_LIST)
    def enterprises(root, ctx, grade: Annotated[CreditClass | None, strawberry.argument(description="Only enterprises whose current score is of this risk class (信用等级).")] = None, category: Annotated[str | None, strawberry.argument(description="Only enterprises of this category (行业类别), e.g. `restaurant`.")] = None) -> Select:
        statement = where_given(visible(ctx, select(models.Enterprise)), (models.Enterprise.category, category))
        if grade is None:
            return statement
        return statement.join(models.Score, models.Score.id == models.Enterprise.current_score_id).where(models.Score.risk_class == CreditClass(grade).value)

    @strawberry.field(description="One enterprise by global ID (none if it is not one you may see).", permission_classes=SEE_LIST)
    async def enterprise(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the Enterprise.")]) -> Enterprise | None:
        row = await by_id(info.context, models.Enterprise).load(enterprise_pk(id))
        return row if row is not None and may_see(info.context, row) else None

    @strawberry.field(description="A scorecard version (the active one by default).", permission_classes=allow(READ_ALL))
    async def credit_scorecard(self, info: strawberry.Info, version: Annotated[int | None, strawberry.argument(description="The scorecard version number; leave out for the active scorecard.")] = None) -> CreditScorecard | None:
        if version is None:
            return await info.context.write(service.active_scorecard)
        return await info.context.scalar(select(models.Scorecard).where(models.Scorecard.version == version))

    @strawberry.field(description="Appeals of the street, oldest first; pending ones by default.", permission_classes=allow("credit.appeal.decide"))
    async def credit_appeals(self, info: strawberry.Info, status: Annotated[str | None, strawberry.argument(description="Only appeals with this status: `PENDING`, `ACCEPTED` or `REJECTED`; null for all.")] = "PENDING") -> list[CreditAppeal]:
        statement = select(models.Appeal).order_by(models.Appeal.id)
        if status is not None:
            statement = statement.where(models.Appeal.status == status)
        return await info.context.scalars(statement.limit(MAX_HISTORY))

    @strawberry.field(description="A stored score by ID, if it is of an enterprise you may see.", permission_classes=SEE_LIST)
    async def credit_score(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the CreditScore.")]) -> CreditScore | None:
        type_name, pk = decode_global_id(id)
        if type_name != "CreditScore":
            return None
        score = await by_id(info.context, models.Score).load(pk)
        if score is None:
            return None
        enterprise = await by_id(info.context, models.Enterprise).load(score.enterprise_id)
        return score if may_see(info.context, enterprise) else None


@strawberry.type
class BuildingEnterprises:
    enterprises = children_field(Enterprise, models.Enterprise.building_id, description="Enterprises graded by credit risk in this building.", permission_classes=allow(READ_ALL))
