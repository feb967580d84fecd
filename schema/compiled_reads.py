"""Read-only operations answered by ONE PostgreSQL statement that builds their JSON.

A list query on the general path costs Python work per row and per field however plain the
fields are: graphql-core's execution, the look-ahead statements, plain rows, the answers'
dicts, their encoding. A hand-written Starlette + asyncpg endpoint answering the README's
list of buildings with one SQL statement spends a tenth of that CPU (``bench/api.py``).
Here a query whose every selected field is *declared* in SQL is compiled, once per document
and caller, into one statement whose ``json_build_object``/``json_agg`` build the answer
inside the database; its text is handed to the response encoder as it is (an
``orjson.Fragment``), no row or field passing through Python.

What may be compiled is declared next to the types (``core.registry_sql`` for the
registry): ``sql_type`` says how a GraphQL object type reads its table — its columns (the
same value the field's resolver gives: ``Unit.area`` is ``area_dm2 / 100``), the rows it
names by a foreign key (``SqlLink``), the lists of rows pointing at it (``SqlList``, maybe
through a link table) and the objects computed from it (``SqlObject``: a ballot's turnout) —
and ``sql_root`` which root fields read it (a connection paged by
``first``/``after`` in primary-key order, one row by global ID, or the street's whole list).

An operation is compiled only when everything it selects is declared and ordinary, and is
otherwise answered by the general path exactly as before (``compile_operation`` answers
``None``):

- a query (not a mutation or subscription), nothing deferred or streamed, no directive but
  ``@skip``/``@include`` (applied as graphql-core collects fields: fragments, aliases and
  variables included);
- every field's permission classes look at the caller only and grant this caller (a refusal
  is the general path's to report, with its message and path); a field guarded otherwise, or
  carrying any other field extension, is never compiled;
- a caller-dependent column (``Resident.phone``) has SQL for this caller (the declaration
  answers ``None`` where it has not: the general path masks);
- the arguments bind cleanly (``bind``): a bad page size, cursor or ID, and the empty page
  of ``first: 0``, take the general path, which reports or answers them;
- no object selects more than 50 fields (``json_build_object`` takes 100 arguments);
- no list is longer than its declared bound (``schema.cost.list_bound``, what the operation's
  estimate counted on): the statement reads at most bound + 1 items of each and, past the
  bound, the general path answers after all (its runtime count of objects decides).

Scoping is that of the general path, twice: every table is filtered by the request's street
(``street_id = $1``, as ``core.db.scoped_to_street`` adds to ORM statements) and the statement
runs on the request's session, in its transaction, under the street's row-level security.
Only plain sessions of the HTTP/WebSocket view compile (``Context.answers_as_json``): a
caller reading ``ExecutionResult.data`` in Python (a page, a test) gets dicts as before.

Answers equal the general path's (``tests/test_compiled_reads.py`` runs both per role
and compares): same keys in the same order, same values, same nulls; numbers are equal
numbers (PostgreSQL writes the float ``120.0`` as ``120``). Where the general path would
report an error the statement writes ``STEP_ASIDE`` and the general path answers instead: a
null in a non-null column, a non-null link to a row the street cannot see (foreign keys do
not include the street: a damaged import can point at another street's row).
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import (
    GraphQLEnumType,
    GraphQLError,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    OperationType,
    get_named_type,
)
from graphql.execution.collect_fields import collect_subfields
from graphql.execution.values import get_argument_values

from jiedao.schema.caller_permissions import ContextOnly, caller_only, permissions_of
from jiedao.schema.cost import DEFAULT_LIST_BOUND, declared_bound
from jiedao.schema.connection import DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE
from jiedao.schema.ids import MAX_PK, decode_cursor, decode_id_of, pk_limit
from jiedao.schema.selection import no_directive_left

ENABLED = os.environ.get("JIEDAO_COMPILED_READS", "1") != "0"
"""Whether queries are compiled at all (``JIEDAO_COMPILED_READS=0``: every query takes the
general path; a switch for operators, and for tests comparing the two)."""

CallerColumn = Callable[[Any], str | None]
"""``sql(context)``: a column's SQL for this caller (``{t}`` stands for the table's alias),
or ``None`` when it has none (the general path answers that caller)."""


@dataclass(frozen=True)
class SqlLink:
    """A field naming one row of ``target`` (a GraphQL type) by this table's ``column``."""

    target: str
    column: str


@dataclass(frozen=True)
class SqlList:
    """A field listing the rows of ``target`` pointing at this row, by primary key: through
    ``column`` of the target's table, or, with ``link_table``, through the rows of a link table
    whose ``column`` names this row and whose ``link_target`` names the target row (e.g. a
    unit's owners through ownerships; a link to a row the street cannot see is skipped, as
    the general path's inner join does)."""

    target: str
    column: str
    link_table: str | None = None
    link_target: str | None = None


@dataclass(frozen=True)
class SqlObject:
    """A field answering an object computed from this row, not a row of its own (a ballot's
    turnout): ``source`` is a ``select`` over ``{t}`` (this row) giving at most one row, every
    table it reads filtered by ``street_id = {street}`` (the request's street); ``columns``
    maps each field of ``target`` (a GraphQL type without an ID) to SQL over ``{o}``, that
    row (written as a column's). Where ``source`` gives no row the field is null, or, where
    it is non-null, the general path answers: a source covers the cases it can say in SQL
    and leaves the others (a draft ballot's electorate of today) to the resolver. Braces
    other than these names are doubled (``str.format``)."""

    target: str
    source: str
    columns: Mapping[str, str]


@dataclass(frozen=True)
class SqlType:
    """How a GraphQL object type reads its street-scoped ``table``: ``columns`` (field name →
    SQL over ``{t}``, or a ``CallerColumn``), ``links``, ``lists`` and ``objects``; ``id`` is
    its global ID."""

    name: str
    table: str
    columns: Mapping[str, str | CallerColumn] = field(default_factory=dict)
    links: Mapping[str, SqlLink] = field(default_factory=dict)
    lists: Mapping[str, SqlList] = field(default_factory=dict)
    objects: Mapping[str, SqlObject] = field(default_factory=dict)


@dataclass(frozen=True)
class SqlRoot:
    """A root field reading ``type_name``'s rows: ``"connection"`` (a page in primary-key
    order; ``filters`` maps an argument to ``(column, GraphQL type of its global ID)``,
    ``choices`` a list-of-enum argument to its column),
    ``"by_id"`` (the row of the global ID in argument ``id``, or null) or ``"list"`` (every
    row of the street in primary-key order, no argument)."""

    type_name: str
    kind: str
    filters: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    choices: Mapping[str, tuple[str, tuple[str, ...] | None]] = field(default_factory=dict)
    """A list-of-enum argument of a connection → ``(column, values when it is not given,
    null or empty)``: rows whose column holds one of the given values (the enum values'
    stored form), or of the default values (``None``: every row)."""


STEP_ASIDE = '{"jiedao.step_aside":true}'
"""What the statement writes where the general path must answer instead: a list longer than
its declared bound, a null in a non-null field. The text cannot occur anywhere else in an
answer: ``json_build_object`` writes ``"key" : value`` (spaces, and keys are GraphQL names,
no dot), and inside a JSON string a quote is escaped, so no string yields ``{"`` followed
by a letter."""

_TYPES: dict[str, SqlType] = {}
_ROOTS: dict[str, SqlRoot] = {}
_TABLE_LIMITS: dict[str, int] = {}


def sql_type(declared: SqlType, model: type) -> SqlType:
    """Declare how ``declared.name`` reads its table (``model``: the ORM model, for its
    primary key's range; it must be street-scoped)."""
    if "street_id" not in model.__table__.c:
        raise TypeError(f"sql_type({declared.name}): {declared.table} is not street-scoped")
    _TYPES[declared.name] = declared
    _TABLE_LIMITS[declared.table] = pk_limit(model)
    return declared


def _key_type(table: str) -> str:
    """The SQL type of ``table``'s primary key, for the parameters compared with it: the
    column's own type (no cross-type comparison for the planner to match against the key's
    indexes). The decoded IDs are checked against the same range (``schema.ids.pk_limit``)."""
    return "int" if _TABLE_LIMITS.get(table, MAX_PK + 1) <= MAX_PK else "bigint"


def sql_root(field_name: str, root: SqlRoot) -> None:
    """Declare that the root query field ``field_name`` reads ``root.type_name`` as ``root`` says."""
    _ROOTS[field_name] = root


class _Fallback(Exception):
    """The operation (or this request's arguments) needs the general path."""


# ---------------------------------------------------------------------------------------------
# SQL text

def _global_id(type_name: str, key_sql: str) -> str:
    """SQL for the global ID of ``type_name`` with key ``key_sql`` (``schema.ids``: unpadded
    URL-safe base64 of ``"Type:pk"``; short enough that PostgreSQL's base64 has no line break)."""
    return f"translate(rtrim(encode(convert_to('{type_name}:' || {key_sql}, 'UTF8'), 'base64'), '='), '+/', '-_')"


def _cursor(table: str, key_sql: str) -> str:
    """SQL for the cursor after row ``key_sql`` of ``table``'s list (``schema.ids.encode_cursor``)."""
    return f"translate(rtrim(encode(convert_to('c:{table}:' || {key_sql}, 'UTF8'), 'base64'), '='), '+/', '-_')"


def _object(parts: list[str]) -> str:
    """``json_build_object`` of alternating keys and values; PostgreSQL takes at most 100
    arguments, so a wider selection (over 50 fields on one object) takes the general path."""
    if len(parts) > 100:
        raise _Fallback
    return f"json_build_object({', '.join(parts)})"


def _as_graphql(sql: str, named_type: Any) -> str:
    """A column's value as the field's type answers it: an enum's stored value as the name of
    its GraphQL value (JSON; ``STEP_ASIDE`` for a value none of them stands for, which the
    general path reports), a ``DateTime`` as ``datetime.isoformat`` writes an aware UTC moment
    (``2026-12-04T08:30:00+00:00``, microseconds only when there are some; JSON, ``STEP_ASIDE``
    for a moment outside Python's range); anything else as it is."""
    if isinstance(named_type, GraphQLEnumType):
        cases = " ".join(
            f"when {_literal(str(getattr(value.value, 'value', value.value)))} then to_json({_literal(name)}::text)"
            for name, value in named_type.values.items()
        )
        return f"(case when {sql} is null then null else case {sql} {cases} else '{STEP_ASIDE}'::json end end)"
    if named_type.name == "DateTime":
        utc = f"({sql} at time zone 'UTC')"
        written = (
            f"to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS')"
            f" || case when extract(microseconds from {utc})::int % 1000000 = 0 then '' else to_char({utc}, '.US') end || '+00:00'"
        )
        # A moment Python's datetime cannot hold (infinity, BC, after 9999), written by hand
        # or by another program: the general path answers it, as it does.
        return (
            f"(case when {sql} is null then null when isfinite({sql}) and extract(year from {utc}) between 1 and 9999"
            f" then to_json({written}) else '{STEP_ASIDE}'::json end)"
        )
    return sql


def _column(sql: str, graphql_field: GraphQLField) -> str:
    """A column's SQL as ``graphql_field`` answers it (``_as_graphql``); a null in a non-null
    field is the general path's error to report (``STEP_ASIDE``)."""
    sql = _as_graphql(sql, get_named_type(graphql_field.type))
    return _non_null(f"to_json({sql})") if isinstance(graphql_field.type, GraphQLNonNull) else sql


def _non_null(json_sql: str) -> str:
    """``json_sql`` (a JSON value), or ``STEP_ASIDE`` where it is null."""
    return f"coalesce({json_sql}, '{STEP_ASIDE}'::json)"


def _literal(text: str) -> str:
    """``text`` as an SQL string literal (keys and type names: GraphQL names)."""
    return "'" + text.replace("'", "''") + "'"


class _Statement:
    """The statement being written: its parameters (``$n``, by name) and table aliases."""

    def __init__(self) -> None:
        self.parameters: list[str] = ["street"]
        self._aliases = 0

    def parameter(self, name: str, cast: str) -> str:
        """``$n::cast`` of the parameter ``name`` (one number per name, however often used)."""
        if name not in self.parameters:
            self.parameters.append(name)
        return f"${self.parameters.index(name) + 1}::{cast}"

    def alias(self) -> str:
        """A new table alias (``t1``, ``t2``, ...)."""
        self._aliases += 1
        return f"t{self._aliases}"


@dataclass(frozen=True)
class CompiledOperation:
    """One statement answering a whole operation: its text, its parameters' names (bound by
    ``bind`` per request) and the root fields whose arguments they come from."""

    sql: str
    parameters: tuple[str, ...]
    roots: tuple[tuple[str, SqlRoot, GraphQLField, Any], ...]
    """(response key, declaration, field, its field node) per root field read by the statement."""
    keys: tuple[tuple[str, str | None], ...]
    """The response's keys in order, each with its constant answer (a ``__typename``) or
    ``None``: the statement's next column."""


class _Compiler:
    """Writes one operation's statement, field by field, raising ``_Fallback`` at the first
    thing it cannot write (the general path then answers the whole operation)."""

    def __init__(self, schema: GraphQLSchema, fragments: Any, variables: Any, operation: Any, context: Any):
        self.schema, self.fragments, self.variables, self.operation = schema, fragments, variables, operation
        self.context = context
        self.statement = _Statement()
        self._verdicts: dict[int, bool] = {}

    def selection(self, parent: GraphQLObjectType, details: Any) -> dict[str, list[Any]]:
        """The fields selected under ``details`` (a response key → its field details), as the
        executor collects them; anything deferred or unusual falls back."""
        collected = collect_subfields(self.schema, self.fragments, self.variables, self.operation, parent, details)
        if collected.new_defer_usages or collected.forbidden_directive_instances:
            raise _Fallback
        for found in collected.grouped_field_set.values():
            for detail in found:
                if not no_directive_left(detail.node):
                    raise _Fallback
        return collected.grouped_field_set

    def allowed(self, graphql_field: GraphQLField) -> None:
        """Fall back unless the field's permissions look at the caller only and grant them."""
        decided = self._verdicts.get(id(graphql_field))
        if decided is None:
            definition = (graphql_field.extensions or {}).get("strawberry-definition")
            permissions = permissions_of(definition) if definition is not None else None
            if permissions is None or (permissions and not caller_only(permissions)):
                decided = False
            else:
                info = ContextOnly(self.context)
                decided = all(p.has_permission(None, info) is True for p in permissions)
            self._verdicts[id(graphql_field)] = decided
        if not decided:
            raise _Fallback

    def build(self, object_type: GraphQLObjectType, details: Any, value_of: Callable[[str, GraphQLField, Any], str]) -> str:
        """``json_build_object`` of the fields selected under ``details`` on ``object_type``:
        each response key with ``value_of(name, field, its field details)`` (``__typename``
        answered here), after the field's permissions were found to grant the caller."""
        parts: list[str] = []
        for key, found in self.selection(object_type, details).items():
            name = found[0].node.name.value
            parts.append(_literal(key))
            if name == "__typename":
                parts.append(_literal(object_type.name))
                continue
            graphql_field = object_type.fields.get(name)
            if graphql_field is None or any(detail.node.arguments for detail in found):
                raise _Fallback
            self.allowed(graphql_field)
            parts.append(value_of(name, graphql_field, found))
        return _object(parts)

    def fields(self, parent: GraphQLObjectType, details: Any, declared: SqlType, alias: str) -> str:
        """The fields selected under ``details`` on a row of ``declared`` read as ``alias``."""
        return self.build(parent, details, lambda name, graphql_field, found: self.field_value(graphql_field, found, declared, alias, name))

    def field_value(self, graphql_field: GraphQLField, found: Any, declared: SqlType, alias: str, name: str) -> str:
        """The SQL of field ``name`` on a row of ``declared`` read as ``alias``: its global ID,
        a declared column, a linked row or a list of rows."""
        if name == "id":
            return _global_id(declared.name, f"{alias}.id")
        column = declared.columns.get(name)
        if column is not None:
            sql = column if isinstance(column, str) else column(self.context)
            if sql is None:
                raise _Fallback
            return _column(sql.format(t=alias), graphql_field)
        target_type = get_named_type(graphql_field.type)
        if not isinstance(target_type, GraphQLObjectType):
            raise _Fallback
        computed = declared.objects.get(name)
        if computed is not None:
            return self.object_value(graphql_field, target_type, found, computed, alias)
        link = declared.links.get(name)
        if link is not None:
            target = _TYPES.get(link.target)
            if target is None or target.name != target_type.name:
                raise _Fallback
            inner = self.statement.alias()
            street = self.statement.parameter("street", "int")
            linked = (
                f"(select {self.fields(target_type, found, target, inner)} from {target.table} {inner}"
                f" where {inner}.street_id = {street} and {inner}.id = {alias}.{link.column})"
            )
            # A row the street cannot see (a damaged reference): the general path reports it.
            return _non_null(linked) if isinstance(graphql_field.type, GraphQLNonNull) else linked
        listed = declared.lists.get(name)
        if listed is not None:
            return self.list_value(graphql_field, target_type, found, listed, alias)
        raise _Fallback

    def object_value(self, graphql_field: GraphQLField, target_type: GraphQLObjectType, found: Any, computed: SqlObject, alias: str) -> str:
        """The object ``computed`` gives for the row read as ``alias``: its selected fields
        over the one row of its source (none: null, or the general path's where non-null)."""
        if computed.target != target_type.name:
            raise _Fallback
        inner = self.statement.alias()
        street = self.statement.parameter("street", "int")

        def value_of(name: str, object_field: GraphQLField, _found: Any) -> str:
            column = computed.columns.get(name)
            if column is None:
                raise _Fallback
            return _column(column.format(o=inner), object_field)

        answer = f"(select {self.build(target_type, found, value_of)} from ({computed.source.format(t=alias, street=street)}) {inner})"
        return _non_null(answer) if isinstance(graphql_field.type, GraphQLNonNull) else answer

    def list_value(self, graphql_field: GraphQLField, target_type: GraphQLObjectType, found: Any, listed: SqlList, alias: str) -> str:
        """The rows ``listed`` names for the row read as ``alias`` (``array``)."""
        target = _TYPES.get(listed.target)
        if target is None or target.name != target_type.name:
            raise _Fallback
        inner = self.statement.alias()
        street = self.statement.parameter("street", "int")
        if listed.link_table is None:
            source = f"from {target.table} {inner} where {inner}.street_id = {street} and {inner}.{listed.column} = {alias}.id"
            return self.array(graphql_field, target_type, found, target, inner, source)
        # Through a link table: at most bound + 1 link rows first, in the link's key order,
        # then each target row by its key. Written so, no plan can start from the target
        # table (every resident of the street in key order, looking for this unit's links:
        # how PostgreSQL read a unit's owners before the tables were analyzed, 200 ms for
        # the README list). More links than the bound, counted before the targets are read,
        # is the general path's case, so a link to a row the street cannot see never
        # shortens a list that is cut.
        bound = declared_bound(graphql_field) or DEFAULT_LIST_BOUND
        link, found_rows = self.statement.alias(), self.statement.alias()
        row = (
            f"(select {self.fields(target_type, found, target, inner)} from {target.table} {inner}"
            f" where {inner}.street_id = {street} and {inner}.id = {link}.{listed.link_target})"
        )
        links = (
            f"(select {link}.{listed.link_target} as id, {row} as answer from {listed.link_table} {link}"
            f" where {link}.street_id = {street} and {link}.{listed.column} = {alias}.id"
            f" order by {link}.{listed.link_target} limit {bound + 1}) {found_rows}"
        )
        return (
            f"(select case when count(*) > {bound} then '{STEP_ASIDE}'::json"
            f" else coalesce(json_agg({found_rows}.answer order by {found_rows}.id) filter (where {found_rows}.answer is not null),"
            f" '[]'::json) end from {links})"
        )

    def array(self, graphql_field: GraphQLField, target_type: GraphQLObjectType, found: Any, target: SqlType, inner: str, source: str) -> str:
        """A JSON array of the rows of ``source`` (``from ... where ...`` reading ``target``
        as ``inner``), by primary key; past the list's declared bound
        (``schema.cost.list_bound``, what the operation's estimate counted on) it is
        ``STEP_ASIDE`` instead, and the general path answers (its runtime count then stops the
        operation or lets it through, as without compilation)."""
        bound = declared_bound(graphql_field) or DEFAULT_LIST_BOUND
        row = self.fields(target_type, found, target, inner)
        rows = f"(select {inner}.* {source} order by {inner}.id limit {bound + 1}) {inner}"
        return (
            f"(select case when count(*) > {bound} then '{STEP_ASIDE}'::json"
            f" else coalesce(json_agg({row} order by {inner}.id), '[]'::json) end from {rows})"
        )

    def root(self, key: str, root_type: GraphQLObjectType, found: Any) -> tuple[str, tuple[str, SqlRoot, GraphQLField, Any]]:
        """The SQL of the declared root field answering response key ``key``, with what
        ``bind`` needs to find its arguments."""
        name = found[0].node.name.value
        declared_root = _ROOTS.get(name)
        graphql_field = root_type.fields.get(name)
        if declared_root is None or graphql_field is None or len(found) != 1:
            raise _Fallback
        self.allowed(graphql_field)
        declared = _TYPES.get(declared_root.type_name)
        if declared is None:
            raise _Fallback
        if declared_root.kind == "by_id":
            return self.by_id(key, graphql_field, found, declared), (key, declared_root, graphql_field, found[0].node)
        if declared_root.kind == "list":
            target_type = get_named_type(graphql_field.type)
            if not isinstance(target_type, GraphQLObjectType) or target_type.name != declared.name:
                raise _Fallback
            inner = self.statement.alias()
            source = f"from {declared.table} {inner} where {inner}.street_id = {self.statement.parameter('street', 'int')}"
            return self.array(graphql_field, target_type, found, declared, inner, source), (key, declared_root, graphql_field, found[0].node)
        return self.connection(key, graphql_field, found, declared, declared_root), (key, declared_root, graphql_field, found[0].node)

    def by_id(self, key: str, graphql_field: GraphQLField, found: Any, declared: SqlType) -> str:
        """One row by the primary key in its global ID (parameter ``key.id``), or null."""
        node_type = get_named_type(graphql_field.type)
        if not isinstance(node_type, GraphQLObjectType) or node_type.name != declared.name:
            raise _Fallback
        row = self.statement.alias()
        street = self.statement.parameter("street", "int")
        pk = self.statement.parameter(f"{key}.id", _key_type(declared.table))
        return f"(select {self.fields(node_type, found, declared, row)} from {declared.table} {row} where {row}.street_id = {street} and {row}.id = {pk})"

    def connection(self, key: str, graphql_field: GraphQLField, found: Any, declared: SqlType, declared_root: SqlRoot) -> str:
        """A page of rows as ``schema.connection.paginate`` reads it: keyset after the cursor,
        in primary-key order, ``first`` rows (parameters ``key.size``, ``key.after``, one per
        filter), with ``totalCount`` over the whole (filtered) list."""
        connection_type = get_named_type(graphql_field.type)
        if not isinstance(connection_type, GraphQLObjectType):
            raise _Fallback
        statement = self.statement
        street = statement.parameter("street", "int")
        size = statement.parameter(f"{key}.size", "int")
        after = statement.parameter(f"{key}.after", _key_type(declared.table))
        page, whole = statement.alias(), statement.alias()
        filters = "".join(  # an argument not given filters nothing
            f" and ({value} is null or {{t}}.{column} = {value})"
            for argument, (column, id_type) in declared_root.filters.items()
            for value in [statement.parameter(f"{key}.{argument}", _key_type(_TYPES[id_type].table) if id_type in _TYPES else "bigint")]
        ) + "".join(  # null: no default, every row
            f" and ({values} is null or {{t}}.{column} = any({values}))"
            for argument, (column, _default) in declared_root.choices.items()
            for values in [statement.parameter(f"{key}.{argument}", "text[]")]
        )
        table = declared.table

        def value_of(name: str, _field: GraphQLField, part: Any) -> str:
            if name == "totalCount":
                return f"(select count(*) from {table} {whole} where {whole}.street_id = {street}{filters.format(t=whole)})"
            if name == "pageInfo":
                return self.page_info(key, connection_type, part, table, page, size)
            if name == "edges":
                return self.edges(connection_type, part, declared, page)
            raise _Fallback

        answer = self.build(connection_type, found, value_of)
        # At most size + 1 rows after the cursor; the page is the first `size` of them, and
        # `jiedao_fetched` (the same on every row) tells whether one more exists.
        rows = (
            f"(select {page}.*, row_number() over (order by {page}.id) as jiedao_n, count(*) over () as jiedao_fetched"
            f" from (select * from {table} {page} where {page}.street_id = {street} and {page}.id > coalesce({after}, 0){filters.format(t=page)}"
            f" order by {page}.id limit {size} + 1) {page}) {page}"
        )
        # `group by ()`: one row, even where the selection holds no aggregate (`totalCount`
        # alone) or the page is empty.
        return f"(select {answer} from {rows} where {page}.jiedao_n <= {size} group by ())"

    def page_info(self, key: str, connection_type: GraphQLObjectType, found: Any, table: str, page: str, size: str) -> str:
        """``pageInfo`` as ``paginate`` answers it forwards: more rows after the page, whether
        a cursor was given, the first and last rows' cursors (null on an empty page)."""
        info_type = get_named_type(connection_type.fields["pageInfo"].type)
        values = {
            "hasNextPage": lambda: f"coalesce(bool_or({page}.jiedao_fetched > {size}), false)",
            "hasPreviousPage": lambda: self.statement.parameter(f"{key}.has_after", "boolean"),  # a parameter only where asked
            "startCursor": lambda: _cursor(table, f"min({page}.id)"),
            "endCursor": lambda: _cursor(table, f"max({page}.id)"),
        }

        def value_of(name: str, _field: GraphQLField, _part: Any) -> str:
            if name not in values:
                raise _Fallback
            return values[name]()

        return self.build(info_type, found, value_of)

    def edges(self, connection_type: GraphQLObjectType, found: Any, declared: SqlType, page: str) -> str:
        """The page's edges (cursor and node) as a JSON array in key order."""
        edge_type = get_named_type(connection_type.fields["edges"].type)

        def value_of(name: str, graphql_field: GraphQLField, part: Any) -> str:
            if name == "cursor":
                return _cursor(declared.table, f"{page}.id")
            node_type = get_named_type(graphql_field.type)
            if name != "node" or not isinstance(node_type, GraphQLObjectType) or node_type.name != declared.name:
                raise _Fallback
            return self.fields(node_type, part, declared, page)

        return f"coalesce(json_agg({self.build(edge_type, found, value_of)} order by {page}.id), '[]'::json)"


def _compile(schema: GraphQLSchema, fragments: Any, variables: Any, operation: Any, context: Any, grouped_field_set: Any) -> CompiledOperation | None:
    compiler = _Compiler(schema, fragments, variables, operation, context)
    root_type = schema.query_type
    columns: list[str] = []
    keys: list[tuple[str, str | None]] = []
    roots = []
    try:
        for key, found in grouped_field_set.items():
            if not all(no_directive_left(detail.node) for detail in found):
                raise _Fallback
            if found[0].node.name.value == "__typename":
                keys.append((key, root_type.name))
                continue
            sql, root = compiler.root(key, root_type, found)
            columns.append(f"({sql})::text")
            keys.append((key, None))
            roots.append(root)
    except _Fallback:
        return None
    if not roots:
        return None
    return CompiledOperation(f"select {', '.join(columns)}", tuple(compiler.statement.parameters), tuple(roots), tuple(keys))


@dataclass(frozen=True)
class CompiledAnswer:
    """An operation the compiled statement answered whole: the statement, the operation and
    its document's fragment definitions (``core.known_queries`` answers it again without
    executing)."""

    compiled: CompiledOperation
    operation: Any
    fragments: tuple[Any, ...]


_CACHE: OrderedDict[tuple, tuple[Any, CompiledOperation | None]] = OrderedDict()
_CACHE_SIZE = 512


def has_directives(operation: Any) -> bool:
    """Whether the operation's document may carry a directive (an ``@`` anywhere in its text,
    strings included: a conservative answer). Its compiled form then depends on the
    request's variables (``@include(if: $x)``), so it is not kept."""
    location = operation.loc
    return location is None or "@" in location.source.body


def compile_operation(executor: Any, grouped_field_set: Any) -> CompiledOperation | None:
    """The compiled form of ``executor``'s operation (a query of the HTTP view, its root
    fields collected in ``grouped_field_set``) for its caller, or ``None`` when the general
    path must answer it; kept per operation, schema and permission set unless the document
    carries directives."""
    context = executor.context_value
    operation = executor.operation
    if not ENABLED or operation.operation is not OperationType.QUERY or not getattr(context, "answers_as_json", False) or not context.kernel.db.is_postgres:
        return None
    key = (id(executor.schema), id(operation), not context.signed_in, context.roles, context.permissions)
    kept = _CACHE.get(key)
    if kept is not None and kept[0] is operation:
        _CACHE.move_to_end(key)
        return kept[1]
    compiled = _compile(executor.schema, executor.fragments, executor.variable_values, operation, context, grouped_field_set)
    if not has_directives(operation):
        _CACHE[key] = (operation, compiled)  # the operation is kept with it: its id is not reused
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return compiled


def bind(compiled: CompiledOperation, executor: Any) -> list[Any] | None:
    """The statement's parameter values for this request, or ``None`` when an argument
    needs the general path (a client error it reports, or ``first: 0``)."""
    return bind_values(compiled, executor.context_value.street_id, executor.variable_values)


def bind_values(compiled: CompiledOperation, street_id: int, variables: dict[str, Any]) -> list[Any] | None:
    """``bind`` for the street ``street_id`` and the operation's coerced ``variables``."""
    values: dict[str, Any] = {"street": street_id}
    try:
        for key, root, graphql_field, node in compiled.roots:
            arguments = get_argument_values(graphql_field, node, variables)
            if root.kind == "by_id":
                values[f"{key}.id"] = decode_id_of(arguments["id"], root.type_name)
                continue
            if root.kind == "list":
                if arguments:
                    return None
                continue
            if set(arguments) - {"first", "after", *root.filters, *root.choices}:
                return None
            first = arguments.get("first")
            size = DEFAULT_PAGE_SIZE if first is None else first
            if not 0 < size <= MAX_PAGE_SIZE:
                return None
            after = arguments.get("after")
            table = _TYPES[root.type_name].table
            values[f"{key}.size"] = size
            values[f"{key}.after"] = None if after is None else decode_cursor(after, table, limit=_TABLE_LIMITS[table])
            values[f"{key}.has_after"] = after is not None
            for argument, (_column, id_type) in root.filters.items():
                given = arguments.get(argument)
                values[f"{key}.{argument}"] = None if given is None else decode_id_of(given, id_type, argument)
            for argument, (_column, default) in root.choices.items():
                given = arguments.get(argument)
                chosen = [getattr(value, "value", value) for value in given] if given else default
                values[f"{key}.{argument}"] = None if chosen is None else list(chosen)
    except Exception:  # noqa: BLE001 - a bad argument: the general path reports it
        return None
    return [values[name] for name in compiled.parameters]


async def answer(compiled: CompiledOperation, parameters: list[Any], context: Any, first_node: Any) -> dict[str, Any] | None:
    """Run the compiled statement on the request's session; the root fields' answers, each
    the JSON text the statement wrote, for the encoder to insert as it is
    (``orjson.Fragment``); ``None`` when a list was longer than its declared bound (the
    general path must answer: the operation's estimate counted on the bound, or a null in a
    non-null field is its error to report)."""
    try:
        row = await context.driver_row(compiled.sql, tuple(parameters))
    except Exception as error:
        raise GraphQLError("The operation could not be read.", first_node, original_error=error) from error
    if any(text is not None and STEP_ASIDE in text for text in row):
        return None
    columns = iter(row)
    data: dict[str, Any] = {}
    for key, constant in compiled.keys:
        if constant is not None:
            data[key] = constant
        else:
            text = next(columns)
            data[key] = None if text is None else orjson.Fragment(text)
    return data
