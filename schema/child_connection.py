"""Connections of an object's children (a tower's units, a community's compounds, a case's
history), paged in SQL and batched over every parent of the request.

``children_connection_field(Unit, models.Unit.building_id)`` gives a field
``unitsConnection(first, after): UnitConnection!`` whose pages of all the buildings of a
response come from one statement (a window function numbering each parent's children), and
whose ``totalCount`` from one grouped count: no statement per parent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Annotated, Any

import strawberry
from sqlalchemy import func, select
from sqlalchemy.orm import InstrumentedAttribute

from jiedao.schema.connection import AFTER_HELP, Connection, Edge, FIRST_HELP, PageInfo, check_page_size
from jiedao.schema.ids import decode_cursor, encode_cursor, pk_limit


def _pages(ctx: Any, column: InstrumentedAttribute, size: int, after: int | None) -> Any:
    """Loader of each parent's page: its first ``size + 1`` children after ``after``."""
    model = column.class_

    async def load(parents: Sequence[int]) -> list[list[Any]]:
        rank = func.row_number().over(partition_by=column, order_by=model.id).label("rank")
        ranked = select(model.id, rank).where(column.in_(parents))
        if after is not None:
            ranked = ranked.where(model.id > after)
        ranked = ranked.subquery()
        rows = await ctx.scalars(select(model).join(ranked, ranked.c.id == model.id).where(ranked.c.rank <= size + 1).order_by(model.id))
        grouped: dict[int, list[Any]] = defaultdict(list)
        for row in rows:
            grouped[getattr(row, column.key)].append(row)
        return [grouped.get(parent, []) for parent in parents]

    return ctx.loader(("child-pages", column.class_, column.key, size, after), load)


def _counts(ctx: Any, column: InstrumentedAttribute) -> Any:
    """Loader of each parent's number of children (one grouped count)."""

    async def load(parents: Sequence[int]) -> list[int]:
        found = dict((await ctx.execute(select(column, func.count()).where(column.in_(parents)).group_by(column))).all())
        return [found.get(parent, 0) for parent in parents]

    return ctx.loader(("child-counts", column.class_, column.key), load)


async def child_page(ctx: Any, column: InstrumentedAttribute, parent: int, first: int | None, after: str | None) -> Connection:
    """The page of ``parent``'s children (rows whose ``column`` is ``parent``), oldest first."""
    model = column.class_
    size = check_page_size(first)
    cursor = None if after is None else decode_cursor(after, model.__tablename__, field="after", limit=pk_limit(model))
    rows = await _pages(ctx, column, size, cursor).load(parent) if size else []
    edges = [Edge(cursor=encode_cursor(row.id, model.__tablename__), node=row) for row in rows[:size]]

    async def count() -> int:
        return await _counts(ctx, column).load(parent)

    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(rows) > size,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count_statement=count,
    )


def children_connection_field(node: type, column: InstrumentedAttribute, **field_options: Any) -> Any:
    """A connection field of the rows whose ``column`` holds the object's primary key,
    oldest first, paged with ``first``/``after`` and batched over the request's parents;
    ``field_options`` go to ``strawberry.field``."""

    async def resolve(
        root: Any,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
    ) -> Connection[node]:  # type: ignore[valid-type]
        return await child_page(info.context, column, root.id, first, after)

    resolve.__annotations__["return"] = Connection[node]  # type: ignore[valid-type]
    return strawberry.field(resolver=resolve, **field_options)
