"""Who stands where around a work item: grid workers of a building, members of an
organisation, the organisations and grids of an account (small queries on the core tables)."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.grids.models import GridWorker
from jiedao.core.identity.models import User
from jiedao.core.models import Building, Compound
from jiedao.core.organisations.models import Membership, Organisation, OrganisationKind


def organisations_of(user_id: int) -> Select:
    """The ids of the organisations ``user_id`` acts for (memberships naming the account, not ended)."""
    return select(Membership.organisation_id).where(
        Membership.user_id == user_id, or_(Membership.ended_on.is_(None), Membership.ended_on >= clock.today())
    )


def buildings_of_grids_of(user_id: int) -> Select:
    """The ids of the buildings in the grids ``user_id`` works."""
    return select(Building.id).where(Building.grid_id.in_(select(GridWorker.grid_id).where(GridWorker.user_id == user_id)))


async def grid_workers_of_building(session: AsyncSession, building_id: int) -> list[User]:
    """The accounts working the grid of ``building_id`` (none if it has no grid)."""
    statement = (
        select(User)
        .join(GridWorker, GridWorker.user_id == User.id)
        .join(Building, Building.grid_id == GridWorker.grid_id)
        .where(Building.id == building_id)
        .order_by(User.id)
    )
    return list((await session.scalars(statement)).all())


async def members_of(session: AsyncSession, organisation_id: int) -> list[User]:
    """The accounts acting for ``organisation_id`` (current memberships that name an account)."""
    statement = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id == organisation_id, or_(Membership.ended_on.is_(None), Membership.ended_on >= clock.today()))
        .order_by(User.id)
    )
    return list((await session.scalars(statement)).unique().all())


async def residents_committee_members(session: AsyncSession, building_id: int) -> list[User]:
    """The accounts of the residents' committee (社区居委会) of ``building_id``'s community."""
    committee = (
        select(Organisation.id)
        .join(Compound, Compound.community_id == Organisation.community_id)
        .join(Building, Building.compound_id == Compound.id)
        .where(Building.id == building_id, Organisation.kind == OrganisationKind.RESIDENTS_COMMITTEE)
    )
    statement = (
        select(User)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organisation_id.in_(committee), or_(Membership.ended_on.is_(None), Membership.ended_on >= clock.today()))
        .order_by(User.id)
    )
    return list((await session.scalars(statement)).unique().all())
