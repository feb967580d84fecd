"""The ``Node`` interface, global IDs and ``node(id:)`` for every registered type.

One rule decides what ``node(id:)`` returns, for core and plugin types alike: a row is
returned only to a caller who could reach it through the type's own queries. Each node type
declares that rule once, with ``node_type(Model, read=..., visible=...)``:

- ``read``: the permission (or any of several) its queries require, or ``PUBLIC`` for a
  type every logged-in caller may read; a type that declares no ``read`` is never returned
  by ``node`` (secure by default).
- ``visible(ctx)``: an SQL condition on the model narrowing the rows the caller may see
  (e.g. only the cases one is party to). The type's list queries use the same function.

A refused row is answered with ``null``, exactly like a row that does not exist.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import strawberry
from sqlalchemy import false, select, true
from sqlalchemy.sql.elements import ColumnElement, False_

from jiedao.schema.context import Context
from jiedao.schema.ids import decode_global_id, encode_global_id, global_id_of_row
from jiedao.schema.plain_execution import ACCEPTS, CALLER_ONLY_INFO, CALLER_READER, INFO_FREE, ROW_GETTER, give_getter
from jiedao.schema.plain_rows import plain_row_class

log = logging.getLogger("jiedao.graphql")

Visibility = Callable[[Context], ColumnElement[bool]]
"""``visible(ctx)``: the SQL condition selecting the rows the caller may see."""


class Public:
    """The marker of a node type every logged-in caller of the street may read."""

    def __repr__(self) -> str:
        return "PUBLIC"


PUBLIC = Public()


@strawberry.interface(description="An object with a global ID, fetchable with `node(id:)`.")
class Node:
    @strawberry.field(description="The global ID of the object.")
    def id(self, info: strawberry.Info) -> strawberry.ID:
        # The concrete GraphQL type is only known at execution time.
        return strawberry.ID(encode_global_id(info._raw_info.parent_type.name, self.id))


@dataclass(frozen=True)
class NodeAccess:
    """Who may fetch rows of ``model`` by ID: holders of any of ``read`` (or anyone logged
    in when ``read`` is ``PUBLIC``; nobody when it is empty), limited to ``visible`` rows."""

    model: type
    read: tuple[str, ...] | Public
    visible: Visibility | None = None

    def condition(self, ctx: Context) -> ColumnElement[bool]:
        """The SQL condition on ``model`` selecting the rows the caller may fetch."""
        if not ctx.signed_in:
            return false()
        if self.read is not PUBLIC and not any(ctx.has_permission(p) for p in self.read):
            return false()
        return true() if self.visible is None else self.visible(ctx)


_NODES: dict[str, NodeAccess] = {}


@dataclass(frozen=True)
class ComputedNode:
    """A node type not backed by a row (e.g. a hotspot): holders of any of ``read`` fetch
    it with ``load(ctx, key)``, which answers ``None`` when it does not exist (now)."""

    read: tuple[str, ...] | Public
    load: Callable[[Context, Any], Any]

    def allows(self, ctx: Context) -> bool:
        """Whether the caller may fetch objects of this type at all."""
        if not ctx.signed_in:
            return False
        return self.read is PUBLIC or any(ctx.has_permission(p) for p in self.read)


_COMPUTED: dict[str, ComputedNode] = {}


def computed_node_type(name: str, *, read: str | Sequence[str] | Public, parse_key: Callable[[str], Any], load: Callable[[Context, Any], Any]) -> None:
    """Declare the node type ``name`` whose global ID carries a key that is not a primary
    key: ``parse_key(text)`` reads the key back (``ValueError`` for anything else) and
    ``await load(ctx, key)`` finds (or recomputes) the object, ``None`` if there is none.
    Only holders of one of the ``read`` permissions (anyone logged in: ``PUBLIC``) get it
    from ``node(id:)``; ``load`` narrows further (e.g. only the caller's own)."""
    from jiedao.schema.ids import register_key_parser

    register_key_parser(name, parse_key)
    permissions = read if isinstance(read, Public) else (read,) if isinstance(read, str) else tuple(read)
    _COMPUTED[name] = ComputedNode(permissions, load)


def node_type_names() -> set[str]:
    """Every declared node type name (row-backed and computed)."""
    return set(_NODES) | set(_COMPUTED)


def node_type(
    model: type,
    name: str | None = None,
    *,
    read: str | Sequence[str] | Public | None = None,
    visible: Visibility | None = None,
):
    """Mark a ``@strawberry.type`` implementing ``Node`` as backed by the ORM ``model``, and
    declare who may fetch it with ``node(id:)``.

    Resolvers may then return ``model`` instances where the type is expected. ``read`` is
    the permission the type's own queries require (a tuple: any of them), or ``PUBLIC``;
    ``visible(ctx)`` returns the SQL condition limiting the rows the caller may see (use
    the same function in the type's list queries). Without ``read`` the type is never
    returned by ``node``. Apply it above ``@strawberry.type``.
    """
    if read is None:
        permissions: tuple[str, ...] | Public = ()
    elif isinstance(read, Public):
        permissions = read
    elif isinstance(read, str):
        permissions = (read,)
    else:
        permissions = tuple(read)
    if visible is not None and permissions == ():
        raise TypeError(f"node_type({model.__name__}): 'visible' needs 'read' (a permission or PUBLIC)")

    def decorate(cls: type) -> type:
        type_name = name or cls.__strawberry_definition__.name
        if permissions == ():
            log.warning("node type %s declares no read rule: node(id:) never returns it (pass read=... to node_type)", type_name)
        _NODES[type_name] = NodeAccess(model, permissions, visible)
        accepted = (model, plain_row_class(model))  # a look-ahead loader's plain rows too (schema.plain_rows)

        def is_type_of(obj: Any, _info: Any) -> bool:
            return isinstance(obj, accepted)

        setattr(is_type_of, INFO_FREE, True)  # the executor may ask it without an info (schema.plain_execution)
        setattr(is_type_of, ACCEPTS, accepted)  # ... and need not ask it for an instance of exactly these
        cls.__strawberry_definition__.is_type_of = is_type_of
        return cls

    return decorate


def model_for(type_name: str) -> type | None:
    """The ORM model behind the node type ``type_name``."""
    access = _NODES.get(type_name)
    return access.model if access else None


def access_for(type_name: str) -> NodeAccess | None:
    """The declared read rule of the node type ``type_name``."""
    return _NODES.get(type_name)


def readable(ctx: Context, type_name: str) -> ColumnElement[bool]:
    """The SQL condition selecting the rows of ``type_name`` the caller may fetch by ID
    (``false()`` for an unknown type or one that declared no read rule)."""
    access = _NODES.get(type_name)
    return false() if access is None else access.condition(ctx)


async def resolve_node(ctx: Context, global_id: str, schema_types: set[str]) -> Any:
    """The object with ``global_id`` if this street's schema has its type and the caller may
    read it through the type's own queries; otherwise ``None`` (never another street's
    object, never a refused one)."""
    type_name, pk = decode_global_id(global_id)
    computed = _COMPUTED.get(type_name)
    if computed is not None:
        if type_name not in schema_types or not computed.allows(ctx):
            return None
        return await computed.load(ctx, pk)
    access = _NODES.get(type_name)
    if access is None or type_name not in schema_types:
        return None
    condition = access.condition(ctx)
    if isinstance(condition, False_):
        return None  # refused without asking the database
    return await ctx.scalar(select(access.model).where(access.model.id == pk, condition))


def global_id_field(type_name: str, attribute: str = "id", *, description: str | None = None) -> Any:
    """A non-null ``ID`` field showing the row's ``attribute`` (a primary or foreign key) as
    the global ID of a ``type_name``: ``score_id = global_id_field("CreditScore", "score_id")``."""

    @plain_resolver
    def resolve(self) -> strawberry.ID:
        return strawberry.ID(encode_global_id(type_name, getattr(self, attribute)))

    return strawberry.field(resolve, description=description)


def enum_field(enum: type, attribute: str | None = None, *, description: str | None = None) -> Any:
    """A non-null field of the strawberry ``enum`` built from the value the row stores in the
    column of the field's name (or ``attribute``): ``status = enum_field(BallotStatusEnum)``."""

    def resolve(root: Any, info: strawberry.Info) -> Any:
        return enum(getattr(root, attribute or info.python_name))

    def getter_for(python_name: str) -> Callable[[Any], Any]:
        stored = attribute or python_name
        return lambda row: enum(getattr(row, stored))

    resolve.__annotations__["return"] = enum
    setattr(resolve, ROW_GETTER, getter_for)  # a pure function of the row (schema.plain_execution)
    return strawberry.field(resolver=resolve, description=description)


def _global_id_resolver(type_name: str) -> Callable[[Any, Any], str]:
    """``Node.id`` of ``type_name`` as a plain graphql-core resolver (and a getter for
    ``schema.plain_execution``): the global ID of the row."""

    global_id = global_id_of_row(type_name)

    def resolve(source: Any, info: Any) -> str:
        return global_id(source)

    return give_getter(resolve, global_id)


def plain_resolver(method: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """Mark a field method taking only ``self`` (no ``info``, no arguments, synchronous) to
    be called directly by graphql-core (see ``plain_id_resolvers``); put it under
    ``@strawberry.field``. Such a method is found without the mark too (``_of_the_row_alone``);
    the mark says so to the reader, and covers a method whose signature cannot be read."""
    method.jiedao_plain = True  # type: ignore[attr-defined]
    return method


def caller_resolver(method: Callable[[Any, Any], Any] | None = None, *, reader: Callable[[Any], Callable[[Any], Any]] | None = None) -> Any:
    """Mark a field method ``(self, info)`` (no arguments, synchronous) that reads nothing of
    ``info`` but ``info.context`` — the caller — so the executor may answer it on every row
    of a list without Strawberry's per-field wrappers (``schema.plain_execution``); put it
    under ``@strawberry.field``. E.g. ``Resident.very_old``, by the street's care settings
    the caller's context holds.

    ``@caller_resolver(reader=f)``: ``f(context)`` returns how this caller reads the field on
    any row (a function of the row), decided once per request; the executor then calls only
    that, and the method must answer ``f(info.context)(self)`` (``Resident.phone``: the
    number as stored, or masked)."""

    def mark(function: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        setattr(function, CALLER_ONLY_INFO, True)
        if reader is not None:
            setattr(function, CALLER_READER, reader)
        return function

    return mark(method) if method is not None else mark


def _calling(method: Callable[[Any], Any]) -> Callable[[Any, Any], Any]:
    def resolve(source: Any, info: Any) -> Any:
        return method(source)

    return give_getter(resolve, method)


def _of_the_row_alone(resolver: Any) -> bool:
    """Whether a field's method is a function of the row alone: synchronous, taking ``self``
    and nothing else (no ``info``, no argument), or marked ``plain_resolver``."""
    if resolver.arguments or resolver.info_parameter is not None or resolver.is_async:
        return False
    if getattr(resolver.wrapped_func, "jiedao_plain", False):
        return True
    try:
        parameters = list(inspect.signature(resolver.wrapped_func).parameters.values())
    except (TypeError, ValueError):
        return False
    return resolver.self_parameter is not None and len(parameters) == 1 and parameters[0].default is inspect.Parameter.empty


def plain_id_resolvers(schema: Any) -> int:
    """Resolve every object type's inherited ``Node.id`` field with a plain graphql-core
    resolver (``_global_id_resolver``), and every method that is a function of the row alone
    (``_of_the_row_alone``: synchronous, only ``self``; e.g. ``WorkItem.overdue``) by calling
    it directly, skipping Strawberry's per-field wrappers (the ``Info`` it builds, argument
    conversion, the extension chain) on fields a list asks for on every row. Fields that
    override ``id`` with a method of their own are called so too; fields that take arguments
    or ``info``, carry extensions or permission classes, belong to a root type or to a field
    class finding its value its own way (``get_result``) are left alone. Returns how many
    fields were changed."""
    from graphql import GraphQLObjectType

    from strawberry.types.field import StrawberryField

    inherited = next(f for f in Node.__strawberry_definition__.fields if f.python_name == "id").base_resolver.wrapped_func
    roots = {schema.query_type, schema.mutation_type, schema.subscription_type}  # root fields keep Strawberry's path
    changed = 0
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for name, field in named.fields.items():
            definition = (field.extensions or {}).get("strawberry-definition")
            resolver = getattr(definition, "base_resolver", None)
            if resolver is None or definition.extensions or definition.permission_classes or getattr(field.resolve, "jiedao_paced", False):
                continue
            if name == "id" and resolver.wrapped_func is inherited:
                field.resolve = _global_id_resolver(named.name)
            elif named not in roots and type(definition).get_result is StrawberryField.get_result and _of_the_row_alone(resolver):
                field.resolve = _calling(resolver.wrapped_func)
            else:
                continue
            changed += 1
    return changed
