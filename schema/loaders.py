"""Batch loaders for list and reference fields: one statement per field per request."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import cache
import typing
from typing import Any

import strawberry
from sqlalchemy import bindparam, select
from sqlalchemy.orm import InstrumentedAttribute

from jiedao.schema.context import Context
from jiedao.schema.plain_rows import MISSING, columns_of, plain_row, preloadable, preloaded


def by_id(ctx: Context, model: type) -> Any:
    """Load rows of ``model`` by primary key (``None`` for an id the street cannot see)."""

    async def load(ids: Sequence[int]) -> list[Any]:
        rows = await ctx.scalars(select(model).where(model.id.in_(ids)))
        found = {row.id: row for row in rows}
        return [found.get(i) for i in ids]

    return ctx.loader(("by_id", model), load)


@cache
def _rows_by_id_statement(model: type) -> Any:
    """``model``'s columns for the ids bound as ``ids`` (built once, ``Context.rows``)."""
    return select(*columns_of(model)).where(model.id.in_(bindparam("ids", expanding=True)))


def plain_by_id(ctx: Context, model: type) -> Any:
    """``by_id`` answering plain rows (``schema.plain_rows``) instead of ORM instances: for
    rows only read, of a type whose fields read columns and loaders only."""

    async def load(ids: Sequence[int]) -> list[Any]:
        rows = await ctx.rows(_rows_by_id_statement(model), {"ids": list(ids)}, built_once=True)
        found = {row.id: row for row in (plain_row(model, values) for values in rows)}
        return [found.get(i) for i in ids]

    return ctx.loader(("plain_by_id", model), load)


@cache
def _column_by_id_statement(column: InstrumentedAttribute) -> Any:
    """``(id, column)`` of ``column``'s model for the ids bound as ``ids`` (built once)."""
    model = column.class_
    return select(model.id, column).where(model.id.in_(bindparam("ids", expanding=True)))


def column_by_id(ctx: Context, column: InstrumentedAttribute) -> Any:
    """Load one column of rows by primary key, e.g. ``column_by_id(ctx, Organisation.name)``:
    the value, or ``None`` for a key that is ``None`` or a row the street cannot see. One
    column statement for the batch, no row object; for a field showing one column of a linked
    row (``loaded_field(str | None, partial(column_by_id, column=...), key=...)``)."""

    async def load(ids: Sequence[int | None]) -> list[Any]:
        wanted = sorted({pk for pk in ids if pk is not None})
        found = dict(await ctx.rows(_column_by_id_statement(column), {"ids": wanted}, built_once=True)) if wanted else {}
        return [None if pk is None else found.get(pk) for pk in ids]

    return ctx.loader(("column_by_id", column.class_, column.key), load)


def children(ctx: Context, column: InstrumentedAttribute, order_by: Any = None) -> Any:
    """Load the rows whose ``column`` equals each key, e.g. ``children(ctx, Unit.building_id)``."""
    model = column.class_

    async def load(keys: Sequence[int]) -> list[list[Any]]:
        statement = select(model).where(column.in_(keys)).order_by(order_by if order_by is not None else model.id)
        groups: dict[Any, list[Any]] = defaultdict(list)
        for row in await ctx.scalars(statement):
            groups[getattr(row, column.key)].append(row)
        return [groups.get(key, []) for key in keys]

    return ctx.loader(("children", model, column.key), load)


def through(ctx: Context, link_column: InstrumentedAttribute, target_column: InstrumentedAttribute, target: type) -> Any:
    """Load rows of ``target`` linked through an association table, e.g. owners of units."""
    link = link_column.class_

    async def load(keys: Sequence[int]) -> list[list[Any]]:
        statement = (
            select(link_column, target)
            .join(target, target.id == target_column)
            .where(link_column.in_(keys))
            .order_by(target.id)
        )
        groups: dict[Any, list[Any]] = defaultdict(list)
        for key, row in (await ctx.execute(statement)).all():
            groups[key].append(row)
        return [groups.get(key, []) for key in keys]

    return ctx.loader(("through", link.__name__, link_column.key, target_column.key), load)



LINKED = "jiedao_linked"
"""The attribute of a ``linked`` field's function: ``(model, key, plain_rows, shown)`` (``schema.references``)."""
CHILDREN = "jiedao_children"
"""The attribute of a ``children_field``'s function: ``(column, order_by)`` (``schema.references``)."""
LOADED = "jiedao_loaded"
"""The attribute of a ``loaded_field``'s function: ``(loader, key)`` (``schema.references``)."""


def linked(
    model: type,
    key: str,
    returns: Any,
    *,
    description: str | None = None,
    permission_classes: Sequence[type] = (),
    nullable: bool = True,
    plain_rows: bool = False,
    shown: Callable[[Context, Any], bool] | None = None,
) -> Any:
    """A field for the row of ``model`` whose primary key the object holds in ``key`` (null
    when ``key`` is null), loaded in one batch with its siblings' (``by_id``), e.g. in a
    type's body ``building = linked(registry.Building, "building_id", types.Building)``;
    ``nullable=False`` for a ``key`` that is never null (the field is then ``Building!``).
    A page of a connection reads it ahead for all its rows (``schema.references``), as plain
    rows with ``plain_rows=True`` (``plain_by_id``: say so only when every field of
    ``returns`` reads columns and loaders, no relationship, property or method of the model).

    ``shown(ctx, row)``: whether the caller may see the linked row of ``row`` — a rule of the
    row and the caller, e.g. the resident who raised a work item, shown to those who may read
    residents and to that resident; null where it says no. Such a field is read ahead too
    (only the rows shown are read)."""
    if shown is not None and not nullable:
        raise TypeError("linked(shown=...): a field hidden on some rows must be nullable")

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        ready = preloaded(root, info.python_name)
        if ready is not MISSING:
            return ready
        pk = getattr(root, key)
        if pk is None or (shown is not None and not shown(info.context, root)):
            return None
        return await by_id(info.context, model).load(pk)

    resolve.__annotations__["return"] = typing.Optional[returns] if nullable else returns  # noqa: UP045 - built at run time
    setattr(resolve, LINKED, (model, key, plain_rows, shown))
    return strawberry.field(resolver=preloadable(resolve), description=description, permission_classes=list(permission_classes))


def children_field(returns: Any, column: InstrumentedAttribute, *, order_by: Any = None, **field_options: Any) -> Any:
    """A list field of the rows whose ``column`` holds the object's primary key, loaded in one
    batch with its siblings' (``children``), e.g. in a type's body
    ``parties = children_field(CaseParty, m.CaseParty.case_id, metadata=list_bound(10))``;
    ``field_options`` (``description``, ``permission_classes``, ``metadata``) go to ``strawberry.field``.
    A page of a connection reads it ahead for all its rows (``schema.references``)."""

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        ready = preloaded(root, info.python_name)
        return await children(info.context, column, order_by).load(root.id) if ready is MISSING else ready

    resolve.__annotations__["return"] = list[returns]
    setattr(resolve, CHILDREN, (column, order_by))
    return strawberry.field(resolver=preloadable(resolve), **field_options)


def loaded_field(returns: Any, loader: Callable[[Context], Any], *, key: str = "id", **field_options: Any) -> Any:
    """A field answered by a batch loader of your own: ``loader(ctx)`` gives the request's
    loader (``ctx.loader(name, load)``), which answers one value per key — a list for a list
    field, an object or ``None`` — and the object's ``key`` attribute is its key, e.g. in a
    type's body ``households = loaded_field(list[AffectedHousehold], households_loader,
    key="device_pk", metadata=list_bound(60))``; ``field_options`` go to ``strawberry.field``.
    For what ``linked`` and ``children_field`` cannot say (rows reached through a join, values
    built from rows). A page of a connection reads it ahead for all its rows with one
    ``load_many`` (``schema.references``), and the executor answers it without a resolver call."""

    async def resolve(root: Any, info: strawberry.Info) -> Any:
        ready = preloaded(root, info.python_name)
        return await loader(info.context).load(getattr(root, key)) if ready is MISSING else ready

    resolve.__annotations__["return"] = returns
    setattr(resolve, LOADED, (loader, key))
    return strawberry.field(resolver=preloadable(resolve), **field_options)
