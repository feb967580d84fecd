"""Where a resident belongs: the communities of the units they own or live in, and the SQL
conditions that keep a resident's topics and reading to those communities (and the street);
and a ballot's stairwell (单元) scope: the units of some stairwells of its buildings."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, and_, exists, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from jiedao.api import DomainError, registry


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


# -- stairwell scope (单元) -------------------------------------------------------------
# A ballot over stairwells (the usual scope of adding an elevator) lists their buildings in
# ``BallotBuilding`` and the stairwells themselves in ``BallotStairwell``; the clause below
# keeps the electorate, the tally and the scope checks to the units of those stairwells.


def stairwell_clause(ballot_id, building_id, stairwell) -> ColumnElement[bool]:
    """SQL: the unit (its ``building_id`` and ``stairwell`` columns) is inside ballot
    ``ballot_id``'s stairwells, or the ballot covers that building whole (no stairwell row)."""
    from jiedao.plugins.deliberation.models import BallotStairwell as Row

    of_building = and_(Row.ballot_id == ballot_id, Row.building_id == building_id)
    return or_(~exists().where(of_building), exists().where(of_building, Row.stairwell == stairwell))


def ballot_unit_ids(ballot_id: int) -> Select:
    """SQL: the ids of every unit in ballot ``ballot_id``'s scope, owned or not."""
    from jiedao.plugins.deliberation.models import BallotBuilding

    unit = registry.Unit
    return (
        select(unit.id)
        .join(BallotBuilding, BallotBuilding.building_id == unit.building_id)
        .where(BallotBuilding.ballot_id == ballot_id, stairwell_clause(BallotBuilding.ballot_id, unit.building_id, unit.stairwell))
    )


async def buildings_of_stairwells(session: AsyncSession, stairwells: Sequence[tuple[int, str]], field: str = "scope.stairwells") -> list[int]:
    """The buildings of ``(building id, stairwell)`` pairs, each checked: the building is in
    the street and has units on that stairwell (``NOT_FOUND`` naming ``field[i]``)."""
    unit = registry.Unit
    wanted = {(building_id, name.strip()) for building_id, name in stairwells}
    found = set(
        (await session.execute(
            select(unit.building_id, unit.stairwell).where(unit.building_id.in_({b for b, _ in wanted})).distinct()
        )).all()
    )
    known_buildings = {b for b, _ in found}
    for n, (building_id, name) in enumerate(stairwells):
        if building_id not in known_buildings:
            raise DomainError("No such building with units in this street.", code="NOT_FOUND", field=f"{field}[{n}].buildingId")
        if (building_id, name.strip()) not in found:
            have = "、".join(sorted(repr(s) for b, s in found if b == building_id))
            raise DomainError(
                "The building has no stairwell (单元) {stairwell}; it has {have}.", code="NOT_FOUND", field=f"{field}[{n}].stairwell",
                stairwell=repr(name.strip()), have=have,
            )
    return sorted(known_buildings)


async def limit_ballot_to_stairwells(session: AsyncSession, ballot_id: int, stairwells: Sequence[tuple[int, str]]) -> None:
    """Record the stairwells a freshly created ballot is limited to."""
    from jiedao.plugins.deliberation.models import BallotStairwell

    session.add_all(BallotStairwell(ballot_id=ballot_id, building_id=b, stairwell=s) for b, s in sorted({(b, s.strip()) for b, s in stairwells}))
    await session.flush()


def home_compound_ids(resident_id: int | None) -> Select:
    """SQL: the compounds where ``resident_id`` owns or lives (not their whole communities)."""
    return (
        select(registry.Building.compound_id)
        .join(registry.Unit, registry.Unit.building_id == registry.Building.id)
        .where(registry.Unit.id.in_(home_units(resident_id or 0)))
    )
