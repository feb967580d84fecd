"""Which grids an account works and who works a building's grid (exported through ``jiedao.api``).

Every function runs on a session of one street and sees only its grids.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core.grids.models import GridWorker
from jiedao.core.models import Building


def _user_id(user: Any) -> int | None:
    return user if isinstance(user, int) or user is None else getattr(user, "id", None)


def worked_grid_ids(user: Any) -> Select:
    """SQL: the ids of the grids ``user`` (a ``User`` or its id) works, to embed in a query."""
    return select(GridWorker.grid_id).where(GridWorker.user_id == _user_id(user))


def grid_building_ids(user: Any) -> Select:
    """SQL: the ids of the buildings of the grids ``user`` works:
    ``Alarm.building_id.in_(grid_building_ids(user))``."""
    return select(Building.id).where(Building.grid_id.in_(worked_grid_ids(user)))


async def grids_worked_by(session: AsyncSession, user: Any) -> list[int]:
    """The ids of the grids ``user`` works, in grid order."""
    if _user_id(user) is None:
        return []
    return list(await session.scalars(worked_grid_ids(user).order_by(GridWorker.grid_id)))


async def grid_of_building(session: AsyncSession, building_id: int) -> int | None:
    """The id of the building's grid (``None``: no grid, or no such building in this street)."""
    return await session.scalar(select(Building.grid_id).where(Building.id == building_id))


async def grid_workers_of_building(session: AsyncSession, building_id: int) -> list[int]:
    """The user ids of the grid workers of the building's grid (who should go and look)."""
    grid = select(Building.grid_id).where(Building.id == building_id).scalar_subquery()
    return list(await session.scalars(select(GridWorker.user_id).where(GridWorker.grid_id == grid).order_by(GridWorker.id)))
