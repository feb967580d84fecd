"""Plain fields answered by graphql-core's executor itself, without a resolver call.

Most of what a list asks for on every row is a column: ``Unit.number``, ``Resident.name``,
``Node.id``. graphql-core resolves each of them like any field — a ``Path``, a
``GraphQLResolveInfo`` of fourteen members, the resolver through Strawberry's wrapper, then
``complete_value``'s chain of type checks — about ten times the work of reading the
attribute. On a page of 100 buildings with their 1,574 units that was most of the request.

``mark_plain_fields`` marks, once when the schema is built, the fields without arguments
whose value the executor may compute itself, as a *getter* of the row:

- scalar and enum fields that are a pure function of the row: resolved by Strawberry's
  default attribute resolver (no resolver, extension or permission class), by ``Node.id``'s
  plain resolver, by a ``schema.node.plain_resolver`` method or by a resolver declaring its
  ``ROW_GETTER`` (``schema.node.enum_field``);
- scalar and enum fields that depend on the row and the caller only: a
  ``schema.node.caller_resolver`` method (``Resident.phone``: masked unless the caller may
  read personal data), its getter made once per request;
- objects and lists of objects read from the row's attribute (``Edge.node``, a
  connection's ``edges``) or given in advance by a look-ahead loader
  (``schema.plain_rows.preloadable``: ``Building.compound``, ``Compound.community``,
  ``Building.units``, ``Unit.owners``), guarded by no permission or by caller-only ones
  (``schema.caller_permissions``), decided once per request; when every field selected on
  them is plain too.

``PlainFieldsExecutor`` then answers marked fields of an object in ``execute_fields``, and
completes a list of objects whose selection holds only marked fields (and ``__typename``),
nested objects and lists included, in one loop building each row's answer directly with a
function written for the selection's shape (``schema.plain_answers``).

Whatever is not ordinary falls back to graphql-core's own path, which then answers and
reports exactly as before: a null in a non-null field, a getter or coercion that raises,
an object that fails ``is_type_of``, an awaitable, a list nobody preloaded, a refused
permission, ``@defer``/``@stream``, field middleware, an operation past its object budget or
its turn on the event loop (``schema.budget``). Getters are pure reads, so running them
again on the general path is safe.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from functools import partial
from operator import attrgetter
from types import GeneratorType
from typing import Any

from graphql import (
    GRAPHQL_MAX_INT,
    GRAPHQL_MIN_INT,
    GraphQLBoolean,
    GraphQLEnumType,
    GraphQLField,
    GraphQLFloat,
    GraphQLID,
    GraphQLInt,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLString,
    Undefined,
)
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.field import StrawberryField

from jiedao.schema.budget import PACE_AFTER_OBJECTS, current_budget
from jiedao.schema.compiled_reads import answer as compiled_answer
from jiedao.schema.compiled_reads import CompiledAnswer, bind, compile_operation
from jiedao.schema.plain_answers import CONSTANT, VALUE, Slot, answer_function
from jiedao.schema.plain_answers import LEAF as ANSWER_LEAF
from jiedao.schema.caller_permissions import ALLOWED, ContextOnly, caller_only, permissions_of, verdict
from jiedao.schema.plain_rows import MISSING, PRELOADABLE, PRELOADED
from jiedao.schema.selection import no_directive_left

GETTER = "jiedao_getter"
"""The attribute of a field's resolve function holding its getter (``row -> value``)."""

CALLER_GETTER = "jiedao_caller_getter"
"""The attribute of a field's resolve function holding ``factory(context) -> getter`` (or
``None`` when the caller gets graphql-core's path, e.g. a refusal)."""

ROW_GETTER = "jiedao_row_getter"
"""The attribute of a Strawberry resolver function whose value is a pure function of the
row: ``factory(python_name) -> getter`` (e.g. ``schema.node.enum_field``)."""

CALLER_ONLY_INFO = "jiedao_reads_context_only"
"""The attribute of a Strawberry resolver function ``(self, info)`` that reads nothing of
``info`` but ``info.context`` (``schema.node.caller_resolver``)."""

INFO_FREE = "jiedao_info_free"
"""The attribute of an ``is_type_of`` that does not read its ``info`` argument."""

ACCEPTS = "jiedao_accepts"
"""The attribute of an ``is_type_of`` holding the classes whose every instance it accepts
(``schema.node.node_type``: the model and its plain row class): the executor accepts an item
of exactly one of these without calling it."""

CALLER_READER = "jiedao_caller_reader"
"""The attribute of a ``schema.node.caller_resolver`` method naming its ``reader(context) ->
getter``: how this caller reads the field on any row, decided once per request."""

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


def _plain_object_type(kind: Any) -> tuple[GraphQLObjectType, bool] | None:
    """``kind`` unwrapped of its non-null, if an object type whose ``is_type_of`` reads no
    ``info``, and whether it was non-null; else ``None``."""
    non_null = isinstance(kind, GraphQLNonNull)
    if non_null:
        kind = kind.of_type
    if not isinstance(kind, GraphQLObjectType) or (kind.is_type_of is not None and not getattr(kind.is_type_of, INFO_FREE, False)):
        return None
    return kind, non_null


def _object_list(field: GraphQLField) -> tuple[GraphQLObjectType, bool] | None:
    """The item type of a field typed ``[Object]`` (any nullability) whose ``is_type_of``
    reads no ``info``, and whether items are non-null; else ``None``."""
    kind = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    return _plain_object_type(kind.of_type) if isinstance(kind, GraphQLList) else None


def _object(field: GraphQLField) -> tuple[GraphQLObjectType, bool] | None:
    """The type of a field typed ``Object`` (nullable or not) whose ``is_type_of`` reads no
    ``info``, and whether it is non-null; else ``None``."""
    return _plain_object_type(field.type)


def _unpaced(resolve: Any) -> Any:
    """The resolver ``schema.budget.paced`` wraps, or ``resolve`` itself."""
    return getattr(resolve, "jiedao_wrapped", resolve)


def _definition(field: GraphQLField) -> Any:
    """The field's Strawberry definition, if Strawberry's own ``get_result`` finds its value."""
    definition = (field.extensions or {}).get("strawberry-definition")
    if definition is None or type(definition).get_result is not StrawberryField.get_result:
        return None  # a field class of its own decides how the value is found
    return definition


def _row_getter(field: GraphQLField) -> Callable[[Any], Any] | None:
    """The getter of a field Strawberry resolves from the row alone, without extensions or
    permission classes: ``attrgetter`` of its attribute when it has no resolver (Strawberry's
    default resolver; e.g. ``Edge.node``, a connection's ``edges``), the ``ROW_GETTER`` its
    resolver function declares (scalars and enums)."""
    definition = _definition(field)
    if definition is None or definition.extensions or definition.permission_classes:
        return None
    if definition.base_resolver is None:
        resolve = _unpaced(field.resolve)
        if getattr(resolve, "__name__", "") != "_get_basic_result" or not getattr(resolve, "_is_default", False):
            return None
        return attrgetter(definition.python_name) if definition.default_resolver is getattr else None
    resolver = definition.base_resolver
    factory = getattr(resolver.wrapped_func, ROW_GETTER, None)
    if factory is None or resolver.arguments or resolver.is_async or field.resolve is None:
        return None
    return factory(definition.python_name)


def _caller_leaf_factory(field: GraphQLField) -> Callable[[Any], Any] | None:
    """``factory(context) -> getter`` of a scalar or enum field whose resolver
    ``(self, info)`` reads only ``info.context`` (``schema.node.caller_resolver``)."""
    definition = _definition(field)
    if definition is None or definition.extensions or definition.permission_classes or definition.base_resolver is None:
        return None
    resolver = definition.base_resolver
    function = resolver.wrapped_func
    if not getattr(function, CALLER_ONLY_INFO, False) or resolver.arguments or resolver.is_async or resolver.self_parameter is None:
        return None
    reader = getattr(function, CALLER_READER, None)
    if reader is not None:
        return reader
    info_name = resolver.info_parameter.name if resolver.info_parameter is not None else None

    def factory(context: Any) -> Callable[[Any], Any]:
        keywords = {info_name: ContextOnly(context)} if info_name else {}
        return lambda row: function(row, **keywords)

    return factory


def _preloaded_factory(field: GraphQLField, leaf: bool = False) -> Callable[[Any], Any] | None:
    """``factory(context) -> getter`` of a ``preloadable`` object or list of objects (or, with
    ``leaf``, a scalar: ``loaded_field(str | None, ...)``): what a look-ahead gave the row
    (``MISSING`` otherwise; a leaf's getter raises instead, so graphql-core's path answers
    it), for a caller its permission classes (none, or caller-only ones) admit; ``None`` for
    a refused caller. (The executor never calls the field's function, so it may be
    asynchronous.)"""
    definition = _definition(field)
    if definition is None or definition.base_resolver is None or (not leaf and _object_list(field) is None and _object(field) is None):
        return None
    resolver = definition.base_resolver
    if not getattr(resolver.wrapped_func, PRELOADABLE, False) or resolver.arguments:
        return None
    permissions = permissions_of(definition) if definition.extensions else []
    if permissions is None or (permissions and not caller_only(permissions)):
        return None
    name = definition.python_name
    key = tuple(type(p) for p in permissions)  # the key schema.caller_permissions memoises under

    def getter(row: Any) -> Any:  # schema.plain_rows.preloaded, one call less per row
        ready = row.__dict__.get(PRELOADED)
        return MISSING if ready is None else ready.get(name, MISSING)

    def leaf_getter(row: Any) -> Any:
        ready = row.__dict__.get(PRELOADED)
        value = MISSING if ready is None else ready.get(name, MISSING)
        if value is MISSING:
            raise LookupError(name)  # not read ahead: the general path resolves it
        return value

    chosen = leaf_getter if leaf else getter

    def factory(context: Any) -> Callable[[Any], Any] | None:
        if permissions:
            info = ContextOnly(context)
            if verdict(key, permissions, None, info, lambda i: i) != ALLOWED:
                return None
        return chosen

    return factory


def preload_admitted(field: GraphQLField, context: Any) -> bool:
    """Whether the executor reads what a look-ahead preloads for ``field`` (a ``preloadable``
    object or list) when ``context``'s caller asks: its permission classes are none or
    caller-only, and admit this caller. A look-ahead asks before reading (``schema.references``).
    The factory is the one ``mark_plain_fields`` gave the field when the schema was built (an
    unmarked field: no)."""
    factory = getattr(field.resolve, CALLER_GETTER, None) if field.resolve is not None else None
    return factory is not None and factory(context) is not None


def mark_plain_fields(schema: GraphQLSchema) -> int:
    """Mark the fields of ``schema`` the executor may answer itself (see the module's
    docstring); returns how many fields are marked."""
    marked = 0
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.name.startswith("__"):
            continue
        for field in named.fields.values():
            if field.args or field.resolve is None:
                continue
            if getattr(field.resolve, GETTER, None) is not None or getattr(field.resolve, CALLER_GETTER, None) is not None:
                marked += 1
                continue
            leaf, _ = _leaf(field)
            nested = leaf is None and (_object_list(field) is not None or _object(field) is not None)
            if leaf is not None or nested:
                getter = _row_getter(field)
                if getter is not None:
                    give_getter(field.resolve, getter)
                    marked += 1
                    continue
            factory = (_caller_leaf_factory(field) or _preloaded_factory(field, leaf=True)) if leaf is not None else _preloaded_factory(field) if nested else None
            if factory is not None:
                setattr(field.resolve, CALLER_GETTER, factory)
                marked += 1
    return marked


LEAF, LIST, OBJECT, NAME, GENERAL = range(5)


class _Entry:
    """One field of a selection set as the executor answers it: its response name, its
    field group, its kind (a leaf, a list of plain objects, ``__typename`` or graphql-core's
    path) and what that kind needs."""

    __slots__ = ("answer_of", "details", "getter", "high", "item_non_null", "item_type", "kind", "leaf", "low", "name", "non_null", "numeric", "passthrough", "subplan")

    def __init__(self, name: str, details: Any, kind: int, getter: Any = None, leaf: Any = None, non_null: bool = False):
        self.name = name
        self.details = details
        self.kind = kind
        self.getter = getter
        self.leaf = leaf
        self.non_null = non_null
        # The class of a value that is its own answer: a str of a String or ID field, which
        # graphql-core's serialisation would return unchanged (one call less per such leaf).
        self.passthrough: type | None = str if leaf is GraphQLString or leaf is GraphQLID else bool if leaf is GraphQLBoolean else None
        # A number of the field's own class within these bounds is its own answer too: an
        # int of an Int field within 32 bits, a finite float of a Float field (graphql-core's
        # serialisation would return it unchanged; NaN fails both comparisons).
        self.numeric: type | None = int if leaf is GraphQLInt else float if leaf is GraphQLFloat else None
        self.low, self.high = _NUMERIC_BOUNDS.get(self.numeric, (0, 0))
        self.item_type: GraphQLObjectType | None = None
        self.item_non_null = False
        self.subplan: list[_Entry] = []
        # A list's or object's: the answer function of its items' plan (schema.plain_answers).
        self.answer_of: Callable[[Any], dict[str, Any] | None] | None = None


_NUMERIC_BOUNDS = {int: (GRAPHQL_MIN_INT, GRAPHQL_MAX_INT), float: (-sys.float_info.max, sys.float_info.max)}

_FALLBACK = object()

_NEVER_AWAITABLE: set[type] = set()
"""Classes seen in lists of objects no instance of which is awaitable (no ``__await__``, not a
generator that could be a generator-based coroutine): their items need no awaitable check."""


def _leaf_value(entry: _Entry, source: Any) -> Any:
    """A plain leaf's answer on ``source``, or ``_FALLBACK`` when graphql-core must answer
    it (a null in a non-null field, an error, a value the type does not accept)."""
    try:
        value = entry.getter(source)
    except Exception:
        return _FALLBACK
    return _leaf_answer(entry, value)


def _leaf_answer(entry: _Entry, value: Any) -> Any:
    """The answer of a plain leaf whose getter gave ``value``, or ``_FALLBACK``."""
    if value is None:
        return _FALLBACK if entry.non_null else None
    kind = value.__class__
    if kind is entry.passthrough or (kind is entry.numeric and entry.low <= value <= entry.high):
        return value
    try:
        coerced = entry.leaf.coerce_output_value(value)
    except Exception:
        return _FALLBACK
    if coerced is None or coerced is Undefined:
        return _FALLBACK
    return coerced


class PlainFieldsExecutor(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's executor answering plain fields and lists of plain objects directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The operation's object budget, started before execution (schema.extensions): read
        # once here, not once per list.
        self._jiedao_budget = current_budget()
        self._jiedao_answers: dict[int, tuple[Sequence[_Entry], Callable[[Any], dict[str, Any] | None]]] = {}

    def execute_collected_root_fields(self, root_type: GraphQLObjectType, root_value: Any, grouped_field_set: Any, serially: bool, new_defer_usages: Any) -> Any:
        """graphql-core's root execution, or ONE statement writing the whole answer when the
        operation is a query every field of which is declared in SQL (``schema.compiled_reads``)."""
        if not serially and not new_defer_usages and self._plain_allowed():
            compiled = compile_operation(self, grouped_field_set)
            parameters = bind(compiled, self) if compiled is not None else None
            if parameters is not None:
                return self._compiled_or_general(compiled, parameters, root_type, root_value, grouped_field_set, serially, new_defer_usages)
        return super().execute_collected_root_fields(root_type, root_value, grouped_field_set, serially, new_defer_usages)

    async def _compiled_or_general(self, compiled: Any, parameters: list[Any], *root_fields: Any) -> Any:
        """The compiled statement's answer, or graphql-core's where the statement stepped aside
        (a list past its bound, a null in a non-null field: ``compiled_reads.STEP_ASIDE``)."""
        first_node = next(iter(root_fields[2].values()))[0].node
        data = await compiled_answer(compiled, parameters, self.context_value, first_node)
        if data is not None:
            fragments = tuple(details.definition for details in self.fragments.values())
            self.context_value.compiled_answer = CompiledAnswer(compiled, self.operation, fragments)
            return data
        result = super().execute_collected_root_fields(*root_fields)
        return await result if self.is_awaitable(result) else result

    def _plan_of(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> tuple[list[_Entry], bool]:
        """The plan of ``grouped_field_set`` on ``parent_type`` and whether every field is
        plain; made once per selection set and request (getters may depend on the caller)."""
        plans = getattr(self, "_jiedao_plans", None)
        if plans is None:
            plans = self._jiedao_plans = {}
        key = (parent_type.name, id(grouped_field_set))
        cached = plans.get(key)
        if cached is None or cached[0] is not grouped_field_set:
            # The set itself is kept with its plan, so its id is not reused while we run.
            cached = plans[key] = (grouped_field_set, *self._make_plan(parent_type, grouped_field_set))
        return cached[1], cached[2]

    def _getter_of(self, field: GraphQLField) -> Any:
        getter = getattr(field.resolve, GETTER, None)
        if getter is not None:
            return getter
        factory = getattr(field.resolve, CALLER_GETTER, None)
        if factory is None:
            return None
        try:
            return factory(self.context_value)
        except Exception:  # noqa: BLE001 - graphql-core's path asks again and reports it
            return None

    def _make_plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> tuple[list[_Entry], bool]:
        plan = []
        for name, details in grouped_field_set.items():
            field_name = details[0].node.name.value
            if field_name == TYPENAME:
                plan.append(_Entry(name, details, NAME))
                continue
            field = parent_type.fields.get(field_name)
            getter = self._getter_of(field) if field is not None and field.resolve is not None else None
            if getter is None:
                plan.append(_Entry(name, details, GENERAL))
                continue
            leaf, non_null = _leaf(field)
            if leaf is not None:
                plan.append(_Entry(name, details, LEAF, getter, leaf, non_null))
                continue
            plan.append(self._nested_entry(name, details, field, getter))
        return plan, all(entry.kind != GENERAL for entry in plan)

    def _nested_entry(self, name: str, details: Any, field: GraphQLField, getter: Any) -> _Entry:
        """The entry of an object or list-of-objects field with a getter: plain when every
        field selected on the object(s) is."""
        listed = _object_list(field)
        single = _object(field) if listed is None else None
        if (listed is None and single is None) or not all(no_directive_left(d.node) for d in details):
            return _Entry(name, details, GENERAL)  # e.g. @stream
        item_type, item_non_null = listed if listed is not None else single
        grouped, defer_usages, _forbidden = self.collect_subfields(item_type, details)
        if defer_usages:
            return _Entry(name, details, GENERAL)
        subplan, all_plain = self._plan_of(item_type, grouped)
        if not all_plain:
            return _Entry(name, details, GENERAL)
        if listed is not None:
            entry = _Entry(name, details, LIST, getter, non_null=isinstance(field.type, GraphQLNonNull))
            entry.item_non_null = item_non_null
        else:
            entry = _Entry(name, details, OBJECT, getter, non_null=item_non_null)
        entry.item_type, entry.subplan = item_type, subplan
        entry.answer_of = self._answer_function(subplan, item_type.name)
        return entry

    def _plain_allowed(self) -> bool:
        manager = self.middleware_manager
        return manager is None or getattr(manager, "_middleware_resolvers", None) is None

    def _list_value(self, entry: _Entry, source: Any) -> Any:
        """A plain list's answers on ``source``, or ``_FALLBACK``."""
        try:
            items = entry.getter(source)
        except Exception:  # noqa: BLE001 - graphql-core's path asks again and reports it
            return _FALLBACK
        if items is MISSING or not isinstance(items, (list, tuple)):
            return _FALLBACK
        budget = self._jiedao_budget
        if budget is not None:
            count = budget.count
            if budget.exceeded is not None or count + len(items) > budget.limit or (count >= PACE_AFTER_OBJECTS and budget.must_wait()):
                return _FALLBACK  # the paced resolver counts, refuses or waits its turn
        completed = self._complete_plain_objects(entry.item_type, entry.subplan, None, items, entry.item_non_null, entry.answer_of)
        if completed is None:
            return _FALLBACK
        if budget is not None:
            budget.count += len(items)
            if budget.count > budget.limit:  # the nested lists counted meanwhile took it past
                budget.add(0)  # records and raises ObjectsExceeded
        return completed

    def _object_value(self, entry: _Entry, source: Any) -> Any:
        """A plain object's answer on ``source``, or ``_FALLBACK``."""
        try:
            found = entry.getter(source)
        except Exception:  # noqa: BLE001 - graphql-core's path asks again and reports it
            return _FALLBACK
        if found is MISSING:
            return _FALLBACK
        if found is None:
            return _FALLBACK if entry.non_null else None
        item_type = entry.item_type
        is_type_of = item_type.is_type_of
        if is_type_of is not None and found.__class__ not in getattr(is_type_of, ACCEPTS, ()) and is_type_of(found, None) is not True:
            return _FALLBACK
        answer = entry.answer_of(found)
        return _FALLBACK if answer is None else answer

    def _value(self, entry: _Entry, source: Any) -> Any:
        """The answer of a plain entry (not ``__typename``) on ``source``, or ``_FALLBACK``."""
        kind = entry.kind
        if kind == LEAF:
            return _leaf_value(entry, source)
        if kind == LIST:
            return self._list_value(entry, source)
        return self._object_value(entry, source)

    def _answer_function(self, plan: Sequence[_Entry], type_name: str) -> Callable[[Any], dict[str, Any] | None]:
        """``item -> answer`` for an all-plain ``plan`` on ``type_name``, ``None`` when a field
        needs graphql-core's path (``schema.plain_answers``); written once per plan and request."""
        answers = self._jiedao_answers
        found = answers.get(id(plan))
        if found is None or found[0] is not plan:
            slots = []
            for entry in plan:
                if entry.kind == LEAF:
                    slots.append(Slot(entry.name, ANSWER_LEAF, entry.getter, entry.passthrough, partial(_leaf_answer, entry), entry.numeric, entry.low, entry.high))
                elif entry.kind == NAME:
                    slots.append(Slot(entry.name, CONSTANT, value=type_name))
                else:
                    value = self._list_value if entry.kind == LIST else self._object_value
                    slots.append(Slot(entry.name, VALUE, value=partial(value, entry)))
            # The plan is kept with its function, so its id is not reused while we run.
            found = answers[id(plan)] = (plan, answer_function(slots, _FALLBACK))
        return found[1]

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
                kind = entry.kind
                if kind == NAME:
                    results[entry.name] = parent_type.name
                    continue
                if kind != GENERAL:
                    value = self._value(entry, source_value)
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

    @staticmethod
    async def _gather_fields(results: dict[str, Any], awaitable_fields: list[str]) -> dict[str, Any]:
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

    def _complete_plain_objects(
        self, object_type: GraphQLObjectType, plan: Sequence[_Entry], info: Any, items: Sequence[Any], non_null: bool, answer_of: Callable[[Any], Any] | None = None
    ) -> list[Any] | None:
        """The answers of ``items`` for an all-plain ``plan`` (``answer_of``: its answer
        function, when the caller has it), or ``None`` when one item needs graphql-core's path
        (which then completes the whole list, errors and all)."""
        is_type_of = object_type.is_type_of
        accepts = getattr(is_type_of, ACCEPTS, ()) if is_type_of is not None else ()
        is_awaitable = self.is_awaitable
        if answer_of is None:
            answer_of = self._answer_function(plan, object_type.name)
        completed: list[Any] = []
        append = completed.append
        for item in items:
            if item.__class__ in accepts:  # a row of the type's model: neither awaitable nor to be asked
                answer = answer_of(item)
                if answer is None:
                    return None
                append(answer)
                continue
            if item is None:
                if non_null:
                    return None
                append(None)
                continue
            cls = item.__class__
            if cls not in _NEVER_AWAITABLE:  # a plain row or an edge never is (the check's slow path otherwise)
                if is_awaitable(item):
                    return None
                if not hasattr(cls, "__await__") and not issubclass(cls, GeneratorType):
                    _NEVER_AWAITABLE.add(cls)
            if is_type_of is not None:
                accepted = is_type_of(item, info)
                if accepted is not True:
                    close = getattr(accepted, "close", None)
                    if close is not None:
                        close()  # a coroutine nobody awaits: graphql-core's path asks again
                    return None
            answer = answer_of(item)
            if answer is None:
                return None
            append(answer)
        return completed
