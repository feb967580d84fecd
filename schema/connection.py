"""Cursor connections paginated in SQL, with a capped page size."""

from __future__ import annotations

import inspect
from typing import Annotated, Any, Callable, Generic, TypeVar

import strawberry
from sqlalchemy import Select, func, select
from strawberry.utils.str_converters import to_camel_case

from jiedao.schema.context import Context
from jiedao.schema.errors import ClientError
from jiedao.schema.ids import decode_cursor, decode_id_of, encode_cursor, pk_limit
from jiedao.schema.plain_rows import columns_of, plain_row
from jiedao.schema.references import preload_page_references
from jiedao.schema.selection import connection_selects

NodeT = TypeVar("NodeT")
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 20


@strawberry.type(description="Where a page sits in the whole list.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether there are more items after this page (ask with `after: endCursor`).")
    has_previous_page: bool = strawberry.field(description="Whether there are items before this page (ask with `before: startCursor` where the list pages backwards).")
    start_cursor: str | None = strawberry.field(description="The cursor of the first item of the page; null when the page is empty.")
    end_cursor: str | None = strawberry.field(description="The cursor of the last item of the page, for `after:`; null when the page is empty.")


@strawberry.type(description="One item of a page, with its cursor.")
class Edge(Generic[NodeT]):
    cursor: str = strawberry.field(description="An opaque cursor of this item, for `after:` or `before:`.")
    node: NodeT = strawberry.field(description="The item.")


@strawberry.type(description="A page of a list; ask for the next one with `after: pageInfo.endCursor`.")
class Connection(Generic[NodeT]):
    edges: list[Edge[NodeT]] = strawberry.field(description="The items of the page, in list order.")
    page_info: PageInfo = strawberry.field(description="Where the page sits in the whole list: cursors and whether there is more.")
    _count_statement: strawberry.Private[Any]
    _total: strawberry.Private[int | None] = None

    @strawberry.field(description="The number of items in the whole list, on every page.")
    async def total_count(self, info: strawberry.Info) -> int:
        if self._total is not None:  # counted by the page's own statement (``paginate(count=True)``)
            return self._total
        if callable(self._count_statement):  # a batched count (children's connections)
            return await self._count_statement()
        # A single number: read on the connection, without the ORM session's execution.
        return (await info.context.rows(self._count_statement))[0][0]


def check_page_size(first: int | None, argument: str = "first") -> int:
    """``first`` (or ``last``, named by ``argument``) with the default applied; outside
    0..MAX_PAGE_SIZE is a client error naming the argument.

    ``first: 0`` is allowed: an empty page, for asking ``totalCount`` alone."""
    if first is None:
        return DEFAULT_PAGE_SIZE
    if first < 0 or first > MAX_PAGE_SIZE:
        error = ClientError("Argument '{argument}' must be between 0 and {most}, got {first}.", "PAGE_SIZE", argument=argument, most=MAX_PAGE_SIZE, first=first)
        error.extensions["field"] = argument
        raise error
    return first


async def paginate(
    ctx: Context,
    statement: Select,
    first: int | None,
    after: str | None,
    *,
    newest_first: bool = False,
    last: int | None = None,
    before: str | None = None,
    plain: bool = False,
    count: bool = False,
) -> Connection:
    """A page of ``statement`` (a select of one ORM model) in primary-key order
    (``newest_first``: descending, the latest rows first).

    ``plain``: the page's rows are read as plain rows (``schema.plain_rows``: the model's
    columns in a named tuple, read on the connection without the ORM, ``Context.rows``),
    about half the CPU of ORM entities for long pages; for lists whose type's fields read only columns and
    loaders (no relationship, property or method of the model), and a statement of one
    table (filters may use subqueries).

    ``count``: the page's statement also counts the whole list (an uncorrelated scalar
    subquery, computed once by the database), so ``totalCount`` costs no statement of its own
    unless the page is empty; for a field whose selection asks for ``totalCount``
    (``read_page`` decides).

    Keyset pagination: ``WHERE id > after ORDER BY id LIMIT first + 1``. Paging backwards,
    ``last`` rows before the cursor ``before`` (towards the start of the list) are the page:
    ``WHERE id < before ORDER BY id DESC LIMIT last + 1``, shown in list order. ``after`` and
    ``before`` may be combined (the rows between); ``first`` and ``last`` may not.
    """
    if first is not None and last is not None:
        error = ClientError("Pass either 'first' (paging forwards) or 'last' (paging backwards), not both.", "PAGE_SIZE")
        error.extensions["field"] = "last"
        raise error
    backward = last is not None or (before is not None and first is None)
    size = check_page_size(last, "last") if backward else check_page_size(first)
    model = statement.column_descriptions[0]["entity"]
    key, limit, name = model.id, pk_limit(model), model.__tablename__
    count_statement = select(func.count()).select_from(statement.order_by(None).subquery())
    page = statement
    if after is not None:
        cursor = decode_cursor(after, name, field="after", limit=limit)
        page = page.where(key < cursor if newest_first else key > cursor)
    if before is not None:
        cursor = decode_cursor(before, name, field="before", limit=limit)
        page = page.where(key > cursor if newest_first else key < cursor)
    descending = newest_first != backward
    page = page.order_by(key.desc() if descending else key).limit(size + 1)
    total = None
    counted = (count_statement.scalar_subquery(),) if count else ()
    if not size:
        rows = []
    elif plain:
        read = await ctx.rows(page.with_only_columns(*columns_of(model), *counted))
        rows = [plain_row(model, values[:-1] if count else values) for values in read]
        total = read[0][-1] if count and read else None
    elif count:
        read = (await ctx.execute(page.add_columns(*counted))).all()
        rows = [row for row, _ in read]
        total = read[0][1] if read else None
    else:
        rows = list(await ctx.scalars(page))
    more = len(rows) > size
    rows = rows[:size]
    if backward:
        rows.reverse()
    edges = [Edge(cursor=encode_cursor(row.id, name), node=row) for row in rows]
    return Connection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=before is not None if backward else more,
            has_previous_page=more if backward else after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        _count_statement=count_statement,
        _total=total,
    )


def where_given(statement: Select, *filters: tuple[Any, ...]) -> Select:
    """``statement`` narrowed by the optional filters a list field received: each
    ``(column, value)`` adds ``column == value`` unless ``value`` is ``None`` (an enum is
    compared by its value); ``(column, global_id, "Type")`` decodes the global ID of a
    ``Type`` first (a wrong one is ``INVALID_ID`` naming the argument, e.g. ``buildingId``)."""
    for column, value, *node_type in filters:
        if value is None:
            continue
        if node_type:
            value = decode_id_of(value, node_type[0], to_camel_case(column.key))
        statement = statement.where(column == getattr(value, "value", value))
    return statement


FIRST_HELP = f"Forward paging: at most this many items from the start of the list, or after `after` (default {DEFAULT_PAGE_SIZE}, at most {MAX_PAGE_SIZE})."
AFTER_HELP = "Forward paging: the items after this cursor (a page's `pageInfo.endCursor`)."
LAST_HELP = f"Backward paging: at most this many items from the end of the list, or before `before` (at most {MAX_PAGE_SIZE}; not with `first`)."
BEFORE_HELP = "Backward paging: the items before this cursor (a page's `pageInfo.startCursor`), e.g. newer items of a newest-first list."


async def read_page(info: strawberry.Info, statement: Select, first: int | None, after: str | None, **options: Any) -> Connection:
    """``paginate`` for a list field being resolved (``info``), then the page's linked rows and
    children its selection asks for read ahead (``schema.references``): what every list of
    rows should call (``connection_field`` does); ``options`` go to ``paginate``. Where the
    selection asks for ``totalCount``, the page's statement counts the list too
    (``paginate(count=True)``)."""
    count = connection_selects(info._raw_info, "totalCount")  # noqa: SLF001 - graphql-core's field nodes and fragments
    page = await paginate(info.context, statement, first, after, count=count, **options)
    await preload_page_references(info.context, info, [edge.node for edge in page.edges])
    return page


def connection_field(node: type, *, newest_first: bool = False, plain_rows: bool = False, **field_options: Any) -> Callable[[Callable[..., Select]], Any]:
    """A list field paged in SQL, declared by the query it pages: decorate
    ``def name(root, ctx, <filter arguments>) -> Select`` and get a strawberry field
    ``name(first, after, <filter arguments>): Connection[node]`` (a ``newest_first`` list
    also pages backwards: ``last``, ``before``); ``plain_rows``: the page's rows are plain rows
    (``paginate(plain=True)``: for a ``node`` type whose fields read only columns and loaders).

    The filter arguments keep their annotations and defaults, so the schema reads as if the
    resolver were written out; ``field_options`` (``description``, ``permission_classes``,
    ...) go to ``strawberry.field``; ``root`` is the object the field is on (unused on
    ``Query``)."""

    def declare(query: Callable[..., Select]) -> Any:
        async def resolve(
            self, info: strawberry.Info, first: int | None = None, after: str | None = None, last: int | None = None, before: str | None = None, **filters: Any
        ) -> Connection:
            statement = query(self, info.context, **filters)
            return await read_page(info, statement, first, after, newest_first=newest_first, last=last, before=before, plain=plain_rows)

        filters = list(inspect.signature(query).parameters.values())[2:]
        keyword = inspect.Parameter.POSITIONAL_OR_KEYWORD
        paging = [
            inspect.Parameter("first", keyword, default=None, annotation=Annotated[int | None, strawberry.argument(description=FIRST_HELP)]),
            inspect.Parameter("after", keyword, default=None, annotation=Annotated[str | None, strawberry.argument(description=AFTER_HELP)]),
        ]
        if newest_first:
            paging += [
                inspect.Parameter("last", keyword, default=None, annotation=Annotated[int | None, strawberry.argument(description=LAST_HELP)]),
                inspect.Parameter("before", keyword, default=None, annotation=Annotated[str | None, strawberry.argument(description=BEFORE_HELP)]),
            ]
        resolve.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
            [
                inspect.Parameter("self", keyword),
                inspect.Parameter("info", keyword, annotation=strawberry.Info),
                *paging,
                *filters,
            ],
            return_annotation=Connection[node],  # type: ignore[valid-type]
        )
        resolve.__module__, resolve.__name__, resolve.__qualname__ = query.__module__, query.__name__, query.__qualname__
        resolve.__doc__ = query.__doc__
        return strawberry.field(resolve, **field_options)

    return declare
