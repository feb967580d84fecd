"""GraphQL of grids (网格): the ``Grid`` node, ``grids``, ``Building.grid``, ``me.grids`` and the
street admin's mutations.

Holders of ``core.registry.read`` read every grid; a grid worker reads the grids they work.
``Grid.buildings`` is a connection whose pages of many grids are read in one statement.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Annotated

import strawberry
from sqlalchemy import false, func, select, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.core import models as registry
from jiedao.core.graphql import REGISTRY, Building, Community
from jiedao.core.grids import service
from jiedao.core.grids.access import worked_grid_ids
from jiedao.core.grids.models import Grid, GridWorker
from jiedao.core.identity.models import User
from jiedao.core.runner import Write, mutation, node_id, payload
from jiedao.schema.connection import AFTER_HELP, FIRST_HELP, Connection, Edge, PageInfo, check_page_size, read_page
from jiedao.schema.context import Context
from jiedao.schema.cost import list_bound
from jiedao.schema.ids import decode_cursor, decode_id_of, encode_cursor, pk_limit
from jiedao.schema.loaders import by_id, children, linked
from jiedao.schema.node import PUBLIC, Node, node_type
from jiedao.schema.permissions import allow
from jiedao.schema.validation import MaxLength

MANAGE = "core.grids.manage"


def visible_grids(ctx: Context) -> ColumnElement[bool]:
    """Every grid with ``core.registry.read``; else the grids the caller works."""
    if ctx.has_permission(REGISTRY):
        return true()
    return false() if ctx.user is None else Grid.id.in_(worked_grid_ids(ctx.user.id))


def grid_buildings_page(ctx: Context, size: int, after_pk: int | None):
    """The loader of one page (``size`` + 1 rows after ``after_pk``) of the buildings of many
    grids: one statement, numbering each grid's buildings with a window function."""

    async def load(grid_ids):
        number = func.row_number().over(partition_by=registry.Building.grid_id, order_by=registry.Building.id).label("number")
        ranked = select(registry.Building.id.label("id"), number).where(registry.Building.grid_id.in_(grid_ids))
        if after_pk is not None:
            ranked = ranked.where(registry.Building.id > after_pk)
        ranked = ranked.subquery()
        rows = await ctx.scalars(
            select(registry.Building).join(ranked, ranked.c.id == registry.Building.id).where(ranked.c.number <= size + 1).order_by(registry.Building.id)
        )
        pages = defaultdict(list)
        for row in rows:
            pages[row.grid_id].append(row)
        return [pages.get(grid_id, []) for grid_id in grid_ids]

    return ctx.loader(("grid_buildings", size, after_pk), load)


@node_type(GridWorker, read=REGISTRY)
@strawberry.type(name="GridWorker", description="An account working a grid (网格员).")
class GridWorkerType(Node):
    @strawberry.field(description="The grid worker's account.")
    async def username(self, info: strawberry.Info) -> str:
        user = await by_id(info.context, User).load(self.user_id)
        return user.username


@node_type(Grid, read=PUBLIC, visible=visible_grids)
@strawberry.type(name="Grid", description="A grid (网格) of a community: its buildings and grid workers.")
class GridType(Node):
    code: str = strawberry.field(description="Its stable reference in CSV imports.")
    name: str = strawberry.field(description="The grid's name (网格名称), e.g. 第一网格.")

    community = linked(registry.Community, "community_id", Community, nullable=False, description="The community (社区) the grid is part of.")

    @strawberry.field(description="Its buildings, a page at a time (one statement for the pages of every grid asked).")
    async def buildings(
        self,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> Connection[Building]:
        size = check_page_size(first)
        after_pk = None if after is None else decode_cursor(after, "buildings", limit=pk_limit(registry.Building))
        rows = await grid_buildings_page(info.context, size, after_pk).load(self.id) if size else []
        edges = [Edge(cursor=encode_cursor(row.id, "buildings"), node=row) for row in rows[:size]]
        return Connection(
            edges=edges,
            page_info=PageInfo(
                has_next_page=len(rows) > size,
                has_previous_page=after is not None,
                start_cursor=edges[0].cursor if edges else None,
                end_cursor=edges[-1].cursor if edges else None,
            ),
            _count_statement=select(func.count()).select_from(registry.Building).where(registry.Building.grid_id == self.id),
        )

    @strawberry.field(description="Its grid workers (网格员).", metadata=list_bound(10))
    async def workers(self, info: strawberry.Info) -> list[GridWorkerType]:
        return await children(info.context, GridWorker.grid_id).load(self.id)


@strawberry.type
class BuildingGrid:
    @strawberry.field(description="The grid (网格) this building belongs to.")
    async def grid(self, info: strawberry.Info) -> GridType | None:
        return None if self.grid_id is None else await by_id(info.context, Grid).load(self.grid_id)


async def worked_grids(ctx: Context) -> list[Grid]:
    """The grids the caller works, in one statement."""
    if ctx.user is None:
        return []
    return await ctx.scalars(select(Grid).where(Grid.id.in_(worked_grid_ids(ctx.user.id))).order_by(Grid.id))


@strawberry.type
class GridQuery:
    @strawberry.field(permission_classes=allow(REGISTRY), description="The street's grids, optionally of one community.")
    async def grids(
        self,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        community_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only the grids of this community (global ID of a Community).")] = None,
    ) -> Connection[GridType]:
        statement = select(Grid)
        if community_id is not None:
            statement = statement.where(Grid.community_id == decode_id_of(community_id, "Community", "communityId"))
        return await read_page(info, statement, first, after, plain=True)


GridPayload = payload("GridPayload", grid=GridType)


@strawberry.input(description="A new grid (网格) of a community.")
class CreateGridInput:
    code: Annotated[str, MaxLength(100)] = strawberry.field(description="Its stable reference in CSV imports, unique in the street.")
    name: Annotated[str, MaxLength(200)] = strawberry.field(description="The grid's name (at most 200 characters).")
    community_id: strawberry.ID = node_id("Community", description="Global ID of the Community the grid is part of.")


@strawberry.input(description="Buildings to put into a grid.")
class AssignBuildingsToGridInput:
    grid_id: strawberry.ID = node_id("Grid", description="Global ID of the Grid.")
    building_ids: list[strawberry.ID] = node_id("Building", description="Buildings of the grid's community; each leaves its former grid.")


@strawberry.input(description="A grid and a grid worker's account.")
class GridWorkerInput:
    grid_id: strawberry.ID = node_id("Grid", description="Global ID of the Grid.")
    username: Annotated[str, MaxLength(100)] = strawberry.field(description="An account holding the role grid_worker in this street.")


@strawberry.type
class GridMutation:
    @mutation(GridPayload, permission=MANAGE, audit="core.grid.created")
    async def create_grid(w: Write, input: CreateGridInput):
        """Create a grid of a community."""
        return await service.create_grid(w.session, input.code, input.name, input.community_id)

    @mutation(GridPayload, permission=MANAGE, audit="core.grid.buildings_assigned")
    async def assign_buildings_to_grid(w: Write, input: AssignBuildingsToGridInput):
        """Put buildings into a grid (each building belongs to one grid)."""
        w.audit(buildings=len(input.building_ids))
        return await service.assign_buildings(w.session, input.grid_id, input.building_ids)

    @mutation(GridPayload, permission=MANAGE, audit="core.grid.worker_added")
    async def add_grid_worker(w: Write, input: GridWorkerInput):
        """Make a grid worker's account work this grid."""
        w.audit(account=input.username)
        return await service.add_worker(w.session, input.grid_id, input.username)

    @mutation(GridPayload, permission=MANAGE, audit="core.grid.worker_removed")
    async def remove_grid_worker(w: Write, input: GridWorkerInput):
        """The account no longer works this grid."""
        w.audit(account=input.username)
        return await service.remove_worker(w.session, input.grid_id, input.username)
