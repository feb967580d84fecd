"""Where a resident belongs: the communities of the units they own or live in, and the SQL
conditions that keep a resident's topics and reading to those communities (and the street)."""

from __future__ import annotations

from sqlalchemy import Select, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from jiedao.api import registry


def home_units(resident_id: int) -> Select:
    """The units ``resident_id`` owns or whose household they belong to."""
    owned = select(registry.Ownership.unit_id).where(registry.Ownership.resident_id == resident_id)
    lived = (
        select(registry.Household.unit_id)
        .join(registry.Resident, registry.Resident.household_id == registry.Household.id)
        .where(registry.Resident.id == resident_id, registry.Household.unit_id.is_not(None))
    )
    return union(owned, lived)


def home_compounds(resident_id: int) -> Select:
    """The compounds of the communities ``resident_id`` owns or lives in."""
    communities = (
        select(registry.Compound.community_id)
        .join(registry.Building, registry.Building.compound_id == registry.Compound.id)
        .join(registry.Unit, registry.Unit.building_id == registry.Building.id)
        .where(registry.Unit.id.in_(home_units(resident_id)))
    )
    return select(registry.Compound.id).where(registry.Compound.community_id.in_(communities))


def in_home_or_street_wide(compound_column, resident_id: int | None) -> ColumnElement[bool]:
    """Rows about the resident's communities or street-wide ones (``compound_column`` null)."""
    if resident_id is None:
        return compound_column.is_(None)
    return or_(compound_column.is_(None), compound_column.in_(home_compounds(resident_id)))


async def is_home_compound(session: AsyncSession, resident_id: int, compound_id: int) -> bool:
    """Whether ``compound_id`` is in a community where the resident owns or lives."""
    found = await session.scalar(
        select(registry.Compound.id).where(registry.Compound.id == compound_id, registry.Compound.id.in_(home_compounds(resident_id)))
    )
    return found is not None
