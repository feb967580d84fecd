"""Plain fields answered by graphql-core's executor itself, without a resolver call.

Most of what a list asks for on every row is a column: ``Unit.number``, ``Resident.name``,
``Node.id``. graphql-core resolves each of them like any field — a ``Path``, a
``GraphQLResolveInfo`` of fourteen members, the resolver through Strawberry's wrapper, then
``complete_value``'s chain of type checks — about ten times the work of reading the
attribute. On a page of 100 buildings with their 1,574 units that was most of the request.

``mark_plain_fields`` marks, once when the schema is built, every field whose value is a
pure function of the row: a scalar or enum field without arguments, extensions or
permission classes, resolved by Strawberry's default attribute resolver, by ``Node.id``'s
plain resolver, by a ``schema.node.plain_resolver`` method or by a resolver declaring its
``ROW_GETTER`` (``schema.node.enum_field``). ``PlainFieldsExecutor`` then

- answers marked fields of an object in ``execute_fields`` by calling the getter and the
  leaf type's ``coerce_output_value`` (what graphql-core does after the resolver), and
- completes a list of objects whose selection holds only marked fields (and
  ``__typename``) in one loop, building each row's answer directly.

Whatever is not ordinary falls back to graphql-core's own path, which then answers and
reports exactly as before: a null in a non-null field, a getter or coercion that raises,
an object that fails ``is_type_of``, an awaitable, ``@defer``/``@stream``, field
middleware. Getters are pure reads, so running them again on the general path is safe.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

GETTER = "jiedao_getter"
"""The attribute of a field's resolve function holding its getter (``row -> value``)."""

ROW_GETTER = "jiedao_row_getter"
"""The attribute of a Strawberry resolver function whose value is a pure function of the
row: ``factory(python_name) -> getter`` (e.g. ``schema.node.enum_field``)."""

TYPENAME = "__typename"


def give_getter(resolve: Callable[..., Any], getter: Callable[[Any], Any]) -> Callable[..., Any]:
    """Declare that ``resolve(source, info)`` answers ``getter(source)`` and nothing else
    (no use of ``info``, no side effect), so ``PlainFieldsExecutor`` may call the getter."""
    setattr(resolve, GETTER, getter)
    return resolve


def _leaf(field: GraphQLField) -> tuple[GraphQLScalarType | GraphQLEnumType | None, bool]:
    """The field's scalar or enum type (``None`` for lists and objects) and whether it is
    non-null."""
    kind = field.type
    non_null = isinstance(kind, GraphQLNonNull)
    if non_null:
        kind = kind.of_type
    return (kind if isinstance(kind, (GraphQLScalarType, GraphQLEnumType)) else None), non_null


def _strawberry_getter(field: GraphQLField) -> Callable[[Any], Any] | None:
    """The getter of a field Strawberry resolves without extensions or permission classes:
    ``attrgetter`` of its attribute when it has no resolver (Strawberry's default resolver),
    the ``ROW_GETTER`` its resolver function declares; else ``None``."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is None or definition.extensions or definition.permission_classes:
        return None
    if type(definition).get_result is not StrawberryField.get_result:
        return None  # a field class of its own decides how the value is found
    if definition.base_resolver is None:
        resolve = field.resolve
        if getattr(resolve, "__name__", "") != "_get_basic_result" or not getattr(resolve, "_is_default", False):
            return None
        return attrgetter(definition.python_name) if definition.default_resolver is getattr else None
    resolver = definition.base_resolver
    factory = getattr(resolver.wrapped_func, ROW_GETTER, None)
    if factory is None or resolver.arguments or resolver.is_async or field.resolve is None:
        return None
    return factory(definition.python_name)


def mark_plain_fields(schema: GraphQLSchema) -> int:
    """Mark every scalar or enum field of ``schema`` without arguments whose value is a pure
    function of the row (see the module's docstring); returns how many fields are marked."""
    marked = 0
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            leaf, _ = _leaf(field)
            if leaf is None or field.args:
                continue
            if getattr(field.resolve, GETTER, None) is not None:
                marked += 1
                continue
            getter = _strawberry_getter(field)
            if getter is not None:
                give_getter(field.resolve, getter)
                marked += 1
    return marked


class _Plain:
    """One field of a selection set as the executor answers it: its response name, its
    field group, and its getter and leaf type when it is a plain field (``None`` otherwise)."""

    __slots__ = ("details", "getter", "leaf", "name", "non_null", "typename")

    def __init__(self, name: str, details: Any, getter: Callable[[Any], Any] | None, leaf: Any, non_null: bool, typename: bool):
        self.name = name
        self.details = details
        self.getter = getter
        self.leaf = leaf
        self.non_null = non_null
        self.typename = typename


def _plan(parent_type: GraphQLObjectType, grouped_field_set: Any) -> tuple[list[_Plain], bool]:
    """The fields of ``grouped_field_set`` on ``parent_type``, and whether all are plain."""
    plan = []
    all_plain = True
    for name, details in grouped_field_set.items():
        field_name = details[0].node.name.value
        if field_name == TYPENAME:
            plan.append(_Plain(name, details, None, None, True, True))
            continue
        field = parent_type.fields.get(field_name)
        getter = getattr(field.resolve, GETTER, None) if field is not None else None
        leaf, non_null = _leaf(field) if field is not None else (None, False)
        if getter is None or leaf is None:
            all_plain = False
            plan.append(_Plain(name, details, None, None, False, False))
        else:
            plan.append(_Plain(name, details, getter, leaf, non_null, False))
    return plan, all_plain


_FALLBACK = object()


def _plain_value(entry: _Plain, source: Any) -> Any:
    """A plain field's answer on ``source``, or ``_FALLBACK`` when graphql-core must answer
    it (a null in a non-null field, an error, a value the type does not accept)."""
    try:
        value = entry.getter(source)  # type: ignore[misc]
        if value is None:
            return _FALLBACK if entry.non_null else None
        coerced = entry.leaf.coerce_output_value(value)
    except Exception:
        return _FALLBACK
    if coerced is None or coerced is Undefined:
        return _FALLBACK
    return coerced


class PlainFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor answering plain fields and lists of plain objects directly."""

    _plans: dict[int, tuple[Any, list[_Plain], bool]]

    def _plan_of(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> tuple[list[_Plain], bool]:
        plans = getattr(self, "_plans", None)
        if plans is None:
            plans = self._plans = {}
        key = id(grouped_field_set)
        cached = plans.get(key)
        if cached is None or cached[0] is not grouped_field_set:
            # The set itself is kept with its plan, so its id is not reused while we run.
            cached = plans[key] = (grouped_field_set, *_plan(parent_type, grouped_field_set))
        return cached[1], cached[2]

    def _plain_allowed(self) -> bool:
        manager = self.middleware_manager
        return manager is None or getattr(manager, "_middleware_resolvers", None) is None

    def execute_fields(self, parent_type: GraphQLObjectType, source_value: Any, path: Path | None, grouped_field_set: Any, position_context: Any) -> Any:
        """graphql-core's ``execute_fields``, answering plain fields without a resolver call."""
        if not self._plain_allowed():
            return super().execute_fields(parent_type, source_value, path, grouped_field_set, position_context)
        plan, _ = self._plan_of(parent_type, grouped_field_set)
        results: dict[str, Any] = {}
        is_awaitable = self.is_awaitable
        awaitable_fields: list[str] = []
        try:
            for entry in plan:
                if entry.typename:
                    results[entry.name] = parent_type.name
                    continue
                if entry.getter is not None:
                    value = _plain_value(entry, source_value)
                    if value is not _FALLBACK:
                        results[entry.name] = value
                        continue
                result = self.execute_field(parent_type, source_value, entry.details, Path(path, entry.name, parent_type.name), position_context)
                if result is not Undefined:
                    results[entry.name] = result
                    if is_awaitable(result):
                        awaitable_fields.append(entry.name)
        except Exception:
            if awaitable_fields:
                self.settle_in_background([results[name] for name in awaitable_fields])
            raise
        if not awaitable_fields:
            return results
        return self._gather_fields(results, awaitable_fields)

    async def _gather_fields(self, results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
        from graphql.pyutils import gather_with_cancel

        if len(awaitable_fields) == 1:
            name = awaitable_fields[0]
            results[name] = await results[name]
            return results
        awaited = await gather_with_cancel(*(results[name] for name in awaitable_fields))
        results.update(zip(awaitable_fields, awaited, strict=True))
        return results

    def complete_iterable_value(self, item_type: Any, field_details_list: Any, info: Any, path: Path, items: Any, position_context: Any) -> Any:
        """graphql-core's list completion, building the answers of a list of objects whose
        selection holds only plain fields in one loop."""
        if position_context is None and isinstance(items, (list, tuple)) and self._plain_allowed():
            non_null = isinstance(item_type, GraphQLNonNull)
            object_type = item_type.of_type if non_null else item_type
            if isinstance(object_type, GraphQLObjectType) and self.get_stream_usage(field_details_list, path) is None:
                grouped_field_set, defer_usages, _forbidden = self.collect_subfields(object_type, field_details_list)
                if not defer_usages:
                    plan, all_plain = self._plan_of(object_type, grouped_field_set)
                    if all_plain:
                        completed = self._complete_plain_objects(object_type, plan, info, items, non_null)
                        if completed is not None:
                            return completed
        return super().complete_iterable_value(item_type, field_details_list, info, path, items, position_context)

    def _complete_plain_objects(self, object_type: GraphQLObjectType, plan: Sequence[_Plain], info: Any, items: Sequence[Any], non_null: bool) -> list[Any] | None:
        """The answers of ``items`` for an all-plain ``plan``, or ``None`` when one item
        needs graphql-core's path (which then completes the whole list, errors and all)."""
        is_type_of = object_type.is_type_of
        is_awaitable = self.is_awaitable
        type_name = object_type.name
        completed: list[Any] = []
        append = completed.append
        for item in items:
            if item is None:
                if non_null:
                    return None
                append(None)
                continue
            if is_awaitable(item):
                return None
            if is_type_of is not None:
                accepted = is_type_of(item, info)
                if accepted is not True:
                    close = getattr(accepted, "close", None)
                    if close is not None:
                        close()  # a coroutine nobody awaits: graphql-core's path asks again
                    return None
            answer: dict[str, Any] = {}
            for entry in plan:
                if entry.typename:
                    answer[entry.name] = type_name
                    continue
                value = _plain_value(entry, item)
                if value is _FALLBACK:
                    return None
                answer[entry.name] = value
            append(answer)
        return completed
