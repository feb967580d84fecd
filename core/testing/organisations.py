"""Test helpers: grids with their workers, organisations with their members (rows only; the
accounts come from ``Client.token(role, username=...)``)."""

from __future__ import annotations

import secrets

from sqlalchemy import select, update

from jiedao.core.grids.models import Grid, GridWorker
from jiedao.core.identity.models import User
from jiedao.core.models import Building, Compound
from jiedao.core.organisations.models import Membership, Organisation, OrganisationKind


async def user_id(kernel, username: str) -> int:
    """The id of the account ``username``."""
    async with kernel.db.transaction() as session:
        return await session.scalar(select(User.id).where(User.username == username))


async def make_grid(kernel, street: str, building_ids: list[int], worker_usernames: list[str] = ()) -> int:
    """A grid of ``building_ids`` (of one community) worked by the accounts ``worker_usernames``."""
    workers = [await user_id(kernel, name) for name in worker_usernames]
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        community = await session.scalar(select(Compound.community_id).join(Building, Building.compound_id == Compound.id).where(Building.id == building_ids[0]))
        grid = Grid(code=f"G-{secrets.token_hex(3)}", name="网格", community_id=community)
        session.add(grid)
        await session.flush()
        await session.execute(update(Building).where(Building.id.in_(building_ids)).values(grid_id=grid.id))
        session.add_all([GridWorker(grid_id=grid.id, user_id=w) for w in workers])
        return grid.id


async def make_organisation(kernel, street: str, kind: OrganisationKind, name: str, member_usernames: list[str] = (), *, community_id: int | None = None) -> int:
    """An organisation whose members act for it through the accounts ``member_usernames``."""
    members = [await user_id(kernel, name) for name in member_usernames]
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        organisation = Organisation(code=f"O-{secrets.token_hex(3)}", kind=kind, name=name, community_id=community_id)
        session.add(organisation)
        await session.flush()
        session.add_all([Membership(organisation_id=organisation.id, user_id=m, office="委员", role="member") for m in members])
        return organisation.id
