"""A notice's place: the street, or one community, compound or building, with the rows above it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import models as registry
from jiedao.core.errors import DomainError
from jiedao.core.notices.models import NoticeScope

STREET = "street"
"""``publish_notice(scope=STREET)``: the whole street of the session."""


@dataclass(frozen=True)
class Place:
    """Where a notice reaches: its scope and the ids of the scope's row and the rows above it."""

    scope: NoticeScope
    community_id: int | None = None
    compound_id: int | None = None
    building_id: int | None = None


STREET_WIDE = Place(NoticeScope.STREET)

_SCOPE_TYPES = {"Community": registry.Community, "Compound": registry.Compound, "Building": registry.Building}


async def place_of(session: AsyncSession, scope: Any, field: str = "scope") -> Place:
    """The place of ``scope``: ``STREET`` (or a ``registry.Street`` row) for the whole street,
    else a ``registry.Community``, ``Compound`` or ``Building`` row of the session's street."""
    if scope == STREET or isinstance(scope, registry.Street):
        return STREET_WIDE
    if isinstance(scope, registry.Community):
        return Place(NoticeScope.COMMUNITY, community_id=scope.id)
    if isinstance(scope, registry.Compound):
        return Place(NoticeScope.COMPOUND, community_id=scope.community_id, compound_id=scope.id)
    if isinstance(scope, registry.Building):
        community_id = await session.scalar(select(registry.Compound.community_id).where(registry.Compound.id == scope.compound_id))
        return Place(NoticeScope.BUILDING, community_id=community_id, compound_id=scope.compound_id, building_id=scope.id)
    raise DomainError("A notice's scope is the street, a community, a compound or a building.", code="BAD_INPUT", field=field)


async def scope_row(session: AsyncSession, type_name: str, pk: int, field: str) -> Any:
    """The community, compound or building ``pk`` of the session's street, or ``NOT_FOUND``/``BAD_INPUT`` naming ``field``."""
    model = _SCOPE_TYPES.get(type_name)
    if model is None:
        raise DomainError("A notice's scope is a Community, Compound or Building (or none, for the whole street), not a {type}.", code="BAD_INPUT", field=field, type=type_name)
    row = await session.scalar(select(model).where(model.id == pk))
    if row is None:
        raise DomainError("There is no such {type} in this street.", code="NOT_FOUND", field=field, type=type_name)
    return row
