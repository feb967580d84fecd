"""Permissions that depend only on the caller, decided once per request.

Strawberry runs a field's permission classes in its extension chain on every object the
field is resolved on: ``Unit.owners`` on the README's list of 10 buildings ran its
``allow("core.residents.read")`` 136 times for one answer, and 1,574 times on 100 buildings,
each time with the chain's wrappers around it. Most permission classes look at the caller
only (logged in; holding a permission): they declare ``caller_only = True``
(``schema.permissions``), and their verdict is the same for every row of a request.

When the schema is built, ``caller_permission_resolvers`` gives every field of an object
type (the root types excepted: they run once per request anyway) whose permission classes
are all caller-only, which has no other field extension and takes no arguments, a plain
graphql-core resolver. It decides the field's permission set once per request (``verdict``:
memoised on the request's context, for the caller it was decided for), then calls the
field's function directly with the source and Strawberry's ``Info``, as Strawberry would.
A refusal is the refusing class's own ``on_unauthorized`` at every path it refuses, as
before; an asynchronous field refuses when it is awaited, as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any

from graphql import GraphQLObjectType, GraphQLSchema
from strawberry.exceptions import PermissionReturnedNonBooleanError
from strawberry.permission import BasePermission, PermissionExtension
from strawberry.types.field import StrawberryField

_MEMO = "_jiedao_caller_verdicts"
"""The attribute of the request context holding its verdicts (``verdict``)."""
ALLOWED = -1
"""The verdict of a permission set every class of which grants the caller."""


class ContextOnly:
    """Stands for Strawberry's ``Info`` where only ``info.context`` is read: a field's
    function that reads nothing else, or a caller-only permission class deciding for the
    request (``schema.plain_execution``, ``schema.compiled_reads``)."""

    __slots__ = ("context",)

    def __init__(self, context: Any):
        self.context = context


decisions = 0
"""How many times a permission set was decided (its classes asked), for tests to observe."""


def caller_only(permissions: Sequence[BasePermission]) -> bool:
    """Whether every one of ``permissions`` declares that it looks at the caller only (and
    answers synchronously)."""
    return bool(permissions) and all(
        getattr(p, "caller_only", False) and not inspect.iscoroutinefunction(p.has_permission) for p in permissions
    )


def _decide(permissions: Sequence[BasePermission], source: Any, info: Any) -> int:
    """The index of the first of ``permissions`` refusing the caller, or ``ALLOWED``."""
    global decisions
    decisions += 1
    for index, permission in enumerate(permissions):
        granted = permission.has_permission(source, info)
        if not isinstance(granted, bool):
            raise PermissionReturnedNonBooleanError(permission, granted)
        if not granted:
            return index
    return ALLOWED


def verdict(key: Any, permissions: Sequence[BasePermission], source: Any, info: Any, strawberry_info: Callable[[Any], Any]) -> int:
    """The verdict of the caller-only ``permissions`` (``ALLOWED`` or the index of the first
    refusing class) for the request of ``info.context`` (graphql-core's ``info``), decided on
    its first row (asking the classes with ``strawberry_info(info)``) and kept on the context
    under ``key`` for as long as the caller (user, roles, permissions) is the same; a context
    that holds no attributes gets a decision per row."""
    ctx = info.context
    memo = getattr(ctx, "__dict__", None)
    if memo is None:
        return _decide(permissions, source, strawberry_info(info))
    verdicts = memo.get(_MEMO)
    if verdicts is None:
        verdicts = memo[_MEMO] = {}
    user, roles, granted = getattr(ctx, "user", None), getattr(ctx, "roles", None), getattr(ctx, "permissions", None)
    kept = verdicts.get(key)
    if kept is not None and kept[0] is user and kept[1] is roles and kept[2] is granted:
        return kept[3]
    decided = _decide(permissions, source, strawberry_info(info))
    verdicts[key] = (user, roles, granted, decided)
    return decided


async def _refused_when_awaited(permission: BasePermission) -> Any:
    return permission.on_unauthorized()


def _caller(definition: Any) -> Callable[[Any, Any], Any]:
    """``call(source, info)``: the field's function called as Strawberry calls it (the
    source as ``self``, ``root`` or ``parent``; ``info`` where it asks for it; a field
    without a function: the source's attribute, read with Strawberry's default resolver)."""
    resolver = definition.base_resolver
    if resolver is None:
        default, name = definition.default_resolver, definition.python_name
        return lambda source, info: default(source, name)
    function = resolver.wrapped_func
    as_self = resolver.self_parameter is not None
    source_names = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p is not None]
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def call(source: Any, info: Any) -> Any:
        kwargs = {name: source for name in source_names}
        if info_name is not None:
            kwargs[info_name] = info
        return function(source, **kwargs) if as_self else function(**kwargs)

    return call


def permissions_of(definition: Any) -> list[BasePermission] | None:
    """The permission instances of a field whose only extensions are (non-silent) permission
    extensions; ``None`` for any other field."""
    permissions: list[BasePermission] = []
    for extension in definition.extensions:
        if type(extension) is not PermissionExtension or extension.fail_silently:
            return None
        permissions.extend(extension.permissions)
    return permissions


def caller_permission_resolver(definition: Any, permissions: Sequence[BasePermission], info_class: type) -> Callable[..., Any]:
    """The plain graphql-core resolver of the Strawberry field ``definition`` guarded by the
    caller-only ``permissions`` (see the module's docstring)."""
    call = _caller(definition)
    key = tuple(type(p) for p in permissions)
    later = definition.is_async
    needs_info = definition.base_resolver is not None and definition.base_resolver.info_parameter is not None

    def strawberry_info(info: Any) -> Any:
        return info_class(_raw_info=info, _field=definition)

    def resolve(source: Any, info: Any) -> Any:
        refused = verdict(key, permissions, source, info, strawberry_info)
        if refused != ALLOWED:
            permission = permissions[refused]
            return _refused_when_awaited(permission) if later else permission.on_unauthorized()
        return call(source, strawberry_info(info) if needs_info else None)

    return resolve


def caller_permission_resolvers(schema: GraphQLSchema, info_class: type) -> int:
    """Give every eligible field of ``schema`` (see the module's docstring) its
    ``caller_permission_resolver``; ``info_class`` is the schema's Strawberry ``Info``
    class. Apply it before the resolvers are wrapped (``schema.budget.pace_resolvers``).
    Returns how many fields were changed."""
    roots = {t.name for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t is not None}
    changed = 0
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__") or named.name in roots:
            continue
        for field in named.fields.values():
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is None or definition.arguments or type(definition).get_result is not StrawberryField.get_result:
                continue
            resolver = definition.base_resolver
            if resolver is not None and inspect.isasyncgenfunction(resolver.wrapped_func):
                continue
            permissions = permissions_of(definition)
            if not permissions or not caller_only(permissions):
                continue
            field.resolve = caller_permission_resolver(definition, permissions, info_class)
            changed += 1
    return changed
