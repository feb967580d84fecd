"""Who sees which enterprise: holders of ``credit.enterprise.read`` see every enterprise of
the street; an operator (a resident holding ``credit.own.read``, linked through
``user.resident_id``) sees only their own. Fields declare it with permission classes; lists
are filtered the same way in SQL (``visible``).
"""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import Select, false, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.api.graphql import IsAuthenticated
from jiedao.api.messages import Refusal
from jiedao.plugins.credit import models

READ_ALL = "credit.enterprise.read"
READ_OWN = "credit.own.read"
MAX_HISTORY = 100


def operator_of(ctx) -> int | None:
    """The resident id of a caller who may see their own enterprise only."""
    if ctx.user is None or not ctx.has_permission(READ_OWN):
        return None
    return ctx.user.resident_id


def may_see(ctx, enterprise_row: Any) -> bool:
    """Whether the caller may see ``enterprise_row``."""
    if ctx.has_permission(READ_ALL):
        return True
    resident = operator_of(ctx)
    return resident is not None and enterprise_row.operator_resident_id == resident


def visible_enterprises(ctx) -> ColumnElement[bool]:
    """The SQL condition selecting the enterprises the caller may see (lists and ``node``)."""
    if ctx.has_permission(READ_ALL):
        return true()
    resident = operator_of(ctx)
    if resident is None:
        return false()
    return models.Enterprise.operator_resident_id == resident


def visible(ctx, statement: Select) -> Select:
    """``statement`` (over enterprises) limited to those the caller may see."""
    return statement.where(visible_enterprises(ctx))


class CanSeeEnterprises(Refusal):
    """The caller reads every enterprise, or is an operator who may read their own."""

    message = "You lack the permission 'credit.enterprise.read' (or 'credit.own.read' as an operator) in this street."
    error_extensions = {"code": "FORBIDDEN", "permission": READ_ALL}

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        ctx = info.context
        return ctx.has_permission(READ_ALL) or operator_of(ctx) is not None


class SeesThisEnterprise(Refusal):
    """The enterprise (the field's parent) is one the caller may see."""

    message = "This enterprise is not yours."
    error_extensions = {"code": "FORBIDDEN", "permission": READ_ALL}

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return may_see(info.context, source)


SEE_LIST = [IsAuthenticated, CanSeeEnterprises]
SEE_ONE = [IsAuthenticated, SeesThisEnterprise]
