"""Look-ahead of a page's linked rows and children: ``schema.loaders.linked`` and
``children_field`` fields for a whole page at once.

``device = linked(models.Device, "device_pk", Device, nullable=False)`` in a type's body is
the field ``device: Device!`` answering the ``Device`` row whose id is the object's
``device_pk``, through the request's ``by_id`` loader (batched with its siblings');
``parties = children_field(CaseParty, m.CaseParty.case_id)`` the list of rows whose
``case_id`` is the object's id, through the ``children`` loader.

A page of a connection (``schema.connection.connection_field``) looks them ahead: when
``edges { node { device { ... } } }`` is selected, the page's devices are read in one
statement through the same loader before the page is answered and handed to each row
(``schema.plain_rows.preload``), so the executor reads them itself instead of awaiting a
loader per row (``schema.plain_execution``). It goes on down the selection: the rows so read
have their own linked rows and children read ahead in turn (``parties { resident { name } }``:
the page's parties in one statement, their residents in one more), through fragments as the
executor sees them (``schema.selection``). The answers are the same either way; a field
whose permission classes refuse the caller, or that needs more than the caller (the field's
permission depends on the row), is left to the general path, which reports it.

A field answering a plain list of rows reads ahead the same way with
``preload_list_references`` (``return await preload_list_references(ctx, info, rows)``).

``loaded_field(returns, loader, key=...)`` is the same for a field answered by a batch loader
of the plugin's own (an alarm's households: units reached through a device, with the people
living there): the page's values come from one ``load_many`` over the rows' keys.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import strawberry
from graphql import GraphQLField, GraphQLNonNull, GraphQLObjectType, get_named_type

from jiedao.schema.loaders import CHILDREN, LINKED, LOADED, by_id, children, plain_by_id
from jiedao.schema.plain_rows import preload
from jiedao.schema.selection import Selection, object_type_of, selected_fields, selected_page_nodes


TypeLookahead = Callable[[Any, Any, GraphQLObjectType, Selection, Sequence[Any]], Awaitable[None]]
_TYPE_LOOKAHEADS: dict[str, TypeLookahead] = {}


def register_type_lookahead(type_name: str, lookahead: TypeLookahead) -> None:
    """Let the rows of ``type_name`` read ahead through a field (a unit's ``building``, a
    device's ``building``) get that type's own look-ahead too: ``lookahead(ctx, raw_info,
    object_type, selection, rows)`` reads what the rows' selection asks for beyond linked
    rows and children (a building's compound with its community in one statement). Called
    before the generic look-ahead goes on down; not for the rows of the page or list itself,
    whose field calls its type's look-ahead itself."""
    _TYPE_LOOKAHEADS[type_name] = lookahead


def _marked(field: GraphQLField, marker: str) -> tuple[str, Any] | None:
    """``(python name, what the marker holds)`` of a field whose function carries ``marker``
    (``LINKED``, ``CHILDREN`` or ``LOADED``), else ``None``."""
    definition = (field.extensions or {}).get("strawberry-definition")
    resolver = getattr(definition, "base_resolver", None)
    held = getattr(getattr(resolver, "wrapped_func", None), marker, None)
    return None if held is None else (definition.python_name, held)


async def preload_page_references(ctx: Any, info: strawberry.Info, rows: Sequence[Any]) -> None:
    """Read the linked rows and children the selection of a connection (``info``'s field)
    asks for under ``edges { node { ... } }`` (fragments included, ``schema.selection``) for
    every row of the page, one statement per field, and hand them to the rows; a field the
    caller may not read is left to the general path."""
    if not rows:
        return
    raw = info._raw_info  # noqa: SLF001 - graphql-core's field nodes, types and fragments
    reached = selected_page_nodes(raw)
    if reached is not None:
        await _preload_selected(ctx, raw, *reached, rows)


async def preload_list_references(ctx: Any, info: strawberry.Info, rows: Sequence[Any]) -> Sequence[Any]:
    """``preload_page_references`` for a field answering a plain list of rows (``taskForces:
    [TaskForce!]!``): what its selection asks for under the list itself is read for every row,
    one statement per field; returns ``rows``, for ``return await preload_list_references(...)``."""
    if not rows:
        return rows
    raw = info._raw_info  # noqa: SLF001 - graphql-core's field nodes, types and fragments
    item_type = get_named_type(raw.return_type)
    selection = selected_fields(raw, item_type, raw.field_nodes) if isinstance(item_type, GraphQLObjectType) else None
    if selection:
        await _preload_selected(ctx, raw, item_type, selection, rows)
    return rows


async def _preload_selected(ctx: Any, raw: Any, parent_type: GraphQLObjectType, selection: Selection, rows: Sequence[Any]) -> None:
    """Preload, for all ``rows`` (objects of ``parent_type``), each ``linked``/``children_field``
    field of ``selection`` the caller may read, then do the same one level down for the rows
    it read (a case's parties, then the parties' residents): one statement per field and
    level, however many rows."""
    from jiedao.schema.plain_execution import preload_admitted  # it imports schema.connection, which imports this

    for name in sorted(selection):
        field = parent_type.fields.get(name)
        if field is None:
            continue  # __typename
        linked, children_of, loaded = _marked(field, LINKED), _marked(field, CHILDREN), _marked(field, LOADED)
        if (linked is None and children_of is None and loaded is None) or not preload_admitted(field, ctx):
            continue
        if linked is not None:
            read = await _preload_linked(ctx, field, *linked, rows)
        elif children_of is not None:
            python_name, (column, order_by) = children_of
            read = _hand_out(rows, python_name, await children(ctx, column, order_by).load_many([row.id for row in rows]))
        else:
            python_name, (loader, key) = loaded
            read = _hand_out(rows, python_name, await loader(ctx).load_many([getattr(row, key) for row in rows]))
        child_type = object_type_of(parent_type, name)
        below = selected_fields(raw, child_type, selection[name]) if read and child_type is not None else None
        if below:
            own = _TYPE_LOOKAHEADS.get(child_type.name)
            if own is not None:
                await own(ctx, raw, child_type, below, read)
            await _preload_selected(ctx, raw, child_type, below, read)


def _hand_out(rows: Sequence[Any], python_name: str, values: Sequence[Any]) -> list[Any]:
    """Give each row its value of the field (a list of objects, an object or ``None``), as a
    loader read them for all rows; returns the objects handed out, for the next level."""
    handed: list[Any] = []
    for row, value in zip(rows, values):
        preload(row, python_name, value)
        if isinstance(value, list):
            handed += value
        elif value is not None:
            handed.append(value)
    return handed


async def _preload_linked(ctx: Any, field: GraphQLField, python_name: str, reference: tuple[Any, ...], rows: Sequence[Any]) -> list[Any]:
    """Hand each row the row of ``model`` its ``key`` names, read for all rows in one
    statement (as plain rows when the field says so; null for a row the field's ``shown``
    rule hides from the caller, and not read); returns the rows read (each once)."""
    model, key, plain, shown = reference
    keys = [getattr(row, key) if shown is None or shown(ctx, row) else None for row in rows]
    targets = await (plain_by_id if plain else by_id)(ctx, model).load_many(sorted({value for value in keys if value is not None}))
    found = {target.id: target for target in targets if target is not None}
    nullable = not isinstance(field.type, GraphQLNonNull)
    for row, value in zip(rows, keys, strict=True):
        target = None if value is None else found.get(value)
        if target is not None or nullable:  # null as the loader answers it; a missing required row: the general path reports it
            preload(row, python_name, target)
    return list(found.values())
