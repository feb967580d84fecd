"""The ``Node`` interface, global IDs and ``node(id:)`` for every registered type."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import strawberry
from sqlalchemy import select

from schema.context import Context
from schema.ids import decode_global_id, encode_global_id

_NODE_MODELS: dict[str, type] = {}
_VISIBILITY: dict[str, Callable[[Context], Any]] = {}


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    @strawberry.field(description="The global ID of the object.")
    def id(self, info: strawberry.Info) -> strawberry.ID:
        # The concrete GraphQL type is only known at execution time.
        return strawberry.ID(encode_global_id(info._raw_info.parent_type.name, self.id))


def node_type(model: type, name: str | None = None, visible: Callable[[Context], Any] | None = None):
    """Mark a ``@strawberry.type`` implementing ``Node`` as backed by the ORM ``model``.

    Resolvers may then return ``model`` instances where the type is expected, and
    ``node(id:)`` can fetch it. ``visible(ctx)`` may return an SQL condition limiting which
    rows the caller may fetch that way (e.g. only cases the caller is party to); without
    it, any row of the street is returned to callers allowed to call ``node``.
    Apply it above ``@strawberry.type``.
    """

    def decorate(cls: type) -> type:
        type_name = name or cls.__strawberry_definition__.name
        _NODE_MODELS[type_name] = model
        if visible is not None:
            _VISIBILITY[type_name] = visible
        cls.__strawberry_definition__.is_type_of = lambda obj, _info: isinstance(obj, model)
        return cls

    return decorate


def model_for(type_name: str) -> type | None:
    """The ORM model behind the node type ``type_name``."""
    return _NODE_MODELS.get(type_name)


async def resolve_node(ctx: Context, global_id: str, schema_types: set[str]) -> Any:
    """The object with ``global_id`` if this street's schema has its type and the street can
    see the row; otherwise ``None`` (never another street's object)."""
    type_name, pk = decode_global_id(global_id)
    model = _NODE_MODELS.get(type_name)
    if model is None or type_name not in schema_types:
        return None
    statement = select(model).where(model.id == pk)
    if (visible := _VISIBILITY.get(type_name)) is not None:
        statement = statement.where(visible(ctx))
    return await ctx.scalar(statement)
