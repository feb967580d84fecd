"""Per-request loaders of a notice's names: where it reaches and who published it, each one
statement for a page of notices, built once (``Context.rows``), no row object."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select

from jiedao.core import models as registry
from jiedao.core.notices.models import Notice, NoticeScope
from jiedao.core.organisations.models import Organisation
from jiedao.schema.context import Context
from jiedao.schema.loaders import column_by_id


@cache
def _places_statement() -> Any:
    """``(notice id, scope, community, compound, building name)`` of the notices bound as
    ``ids``: the names its scope needs, null where none."""
    return (
        select(Notice.id, Notice.scope, registry.Community.name, registry.Compound.name, registry.Building.name)
        .outerjoin(registry.Community, registry.Community.id == Notice.community_id)
        .outerjoin(registry.Compound, registry.Compound.id == Notice.compound_id)
        .outerjoin(registry.Building, registry.Building.id == Notice.building_id)
        .where(Notice.id.in_(bindparam("ids", expanding=True)))
    )


def _place_name(street_name: str, scope: NoticeScope, community: str | None, compound: str | None, building: str | None) -> str:
    """A notice's place as shown: the street's, community's or compound's name, or
    'compound building'; empty for a place the street cannot see."""
    if scope == NoticeScope.STREET:
        return street_name
    if scope == NoticeScope.COMMUNITY:
        return community or ""
    if scope == NoticeScope.COMPOUND:
        return compound or ""
    return f"{compound or ''} {building or ''}".strip()


def _street_name(ctx: Context) -> str:
    return ctx.kernel.config.streets[ctx.street].name


def place_names(ctx: Context) -> Any:
    """Load the place name of notices by id (``Notice.placeName``)."""

    async def load(ids: Sequence[int]) -> list[str]:
        street_name = _street_name(ctx)
        found = {row[0]: _place_name(street_name, *row[1:]) for row in await ctx.rows(_places_statement(), {"ids": list(ids)}, built_once=True)}
        return [found.get(i, "") for i in ids]

    return ctx.loader(("notices.place_names",), load)


def publisher_names(ctx: Context) -> Any:
    """Load who published notices, by the publishing organisation's id: its name, else (no
    organisation, or one the street cannot see) the street's (``Notice.publishedBy``)."""

    async def load(ids: Sequence[int | None]) -> list[str]:
        names = await column_by_id(ctx, Organisation.name).load_many(ids)
        street_name = _street_name(ctx)
        return [street_name if name is None else name for name in names]

    return ctx.loader(("notices.publisher_names",), load)
