"""Writing grids: create one, assign its buildings, add and remove its workers.

A building belongs to at most one grid (``Building.grid_id``), and only to a grid of its own
community; a grid worker is an account holding the street role ``grid_worker``.
"""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core.errors import DomainError
from jiedao.core.grids.models import Grid, GridWorker
from jiedao.core.identity.models import Grant, User
from jiedao.core.identity.roles import GRID_WORKER
from jiedao.core.models import Building, Compound


async def create_grid(session: AsyncSession, code: str, name: str, community_id: int) -> Grid:
    """A new grid of a community, with a code unique in the street."""
    code, name = code.strip(), name.strip()
    if not code:
        raise DomainError("A grid needs a code (its reference in CSV imports).", code="BAD_INPUT", field="code")
    if not name:
        raise DomainError("A grid needs a name.", code="BAD_INPUT", field="name")
    if await session.scalar(select(Grid.id).where(Grid.code == code)) is not None:
        raise DomainError("A grid with the code '{grid_code}' already exists in this street.", code="DUPLICATE", field="code", grid_code=code)
    grid = Grid(code=code, name=name, community_id=community_id)
    session.add(grid)
    await session.flush()
    return grid


async def _grid(session: AsyncSession, grid_id: int) -> Grid:
    grid = await session.get(Grid, grid_id)
    if grid is None:
        raise DomainError("No such grid in this street.", code="NOT_FOUND", field="gridId")
    return grid


async def assign_buildings(session: AsyncSession, grid_id: int, building_ids: list[int]) -> Grid:
    """Move the buildings into the grid (out of any other); each must be in the grid's community."""
    grid = await _grid(session, grid_id)
    rows = (await session.execute(select(Building.id, Compound.community_id).join(Compound, Compound.id == Building.compound_id).where(Building.id.in_(building_ids)))).all()
    community_of = dict(rows)
    for index, building_id in enumerate(building_ids):
        if community_of.get(building_id) != grid.community_id:
            raise DomainError("This building is not in the grid's community.", code="BAD_INPUT", field=f"buildingIds[{index}]")
    for building in await session.scalars(select(Building).where(Building.id.in_(building_ids))):
        building.grid_id = grid.id
    await session.flush()
    return grid


async def _worker(session: AsyncSession, username: str) -> User:
    user = await session.scalar(select(User).where(User.username == username))
    if user is None:
        raise DomainError("No account '{username}'.", code="NOT_FOUND", field="username", username=username)
    return user


async def add_worker(session: AsyncSession, grid_id: int, username: str) -> Grid:
    """The account becomes a worker of the grid; it must hold the role ``grid_worker`` here."""
    grid = await _grid(session, grid_id)
    user = await _worker(session, username)
    street_id = session.info["street_id"]
    if await session.scalar(select(Grant.id).where(Grant.user_id == user.id, Grant.street_id == street_id, Grant.role == GRID_WORKER)) is None:
        raise DomainError("'{username}' is not a grid worker (网格员) of this street; grant the role first.", code="BAD_INPUT", field="username", username=username)
    if await session.scalar(select(GridWorker.id).where(GridWorker.grid_id == grid.id, GridWorker.user_id == user.id)) is not None:
        raise DomainError("'{username}' already works this grid.", code="DUPLICATE", field="username", username=username)
    session.add(GridWorker(grid_id=grid.id, user_id=user.id))
    await session.flush()
    return grid


async def remove_worker(session: AsyncSession, grid_id: int, username: str) -> Grid:
    """The account no longer works the grid."""
    grid = await _grid(session, grid_id)
    user = await _worker(session, username)
    result = await session.execute(delete(GridWorker).where(GridWorker.grid_id == grid.id, GridWorker.user_id == user.id))
    if not result.rowcount:
        raise DomainError("'{username}' does not work this grid.", code="NOT_FOUND", field="username", username=username)
    return grid
