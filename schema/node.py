"""The ``Node`` interface, global IDs and ``node(id:)`` for every registered type."""

from __future__ import annotations

from typing import Any

import strawberry
from sqlalchemy import select

from schema.context import Context
from schema.ids import decode_global_id, encode_global_id

_NODE_MODELS: dict[str, type] = {}


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    @strawberry.field(description="The global ID of the object.")
    def id(self, info: strawberry.Info) -> strawberry.ID:
        # The concrete GraphQL type is only known at execution time.
        return strawberry.ID(encode_global_id(info._raw_info.parent_type.name, self.id))


def node_type(model: type, name: str | None = None):
    """Mark a ``@strawberry.type`` implementing ``Node`` as backed by the ORM ``model``.

    Resolvers may then return ``model`` instances where the type is expected, and
    ``node(id:)`` can fetch it. Apply it above ``@strawberry.type``.
    """

    def decorate(cls: type) -> type:
        type_name = name or cls.__strawberry_definition__.name
        _NODE_MODELS[type_name] = model
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
    return await ctx.scalar(select(model).where(model.id == pk))
