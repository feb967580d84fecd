"""Composing core and plugin contributions into one schema, and one schema per plugin set.

The full schema (every installed plugin) is built once with Strawberry. A street's
schema is derived from it at the graphql-core level: fields owned by plugins the street
does not enable are removed, then types no longer reachable are pruned. Execution keeps
the original resolvers, so derived schemas cost one rewrite each, not a rebuild, and
are built once per distinct plugin set.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import strawberry
from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    print_schema,
)
from graphql.utilities.map_schema_config import SchemaElementKind, map_schema_config
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.field import StrawberryField

from jiedao.core.errors import ConfigurationError
from jiedao.schema.budget import pace_resolvers
from jiedao.schema.caller_permissions import caller_permission_resolvers
from jiedao.schema.errors import KERNEL_ERROR_CODES, error_code_enum, is_expected
from jiedao.schema.extension_hooks import extensions_runner
from jiedao.schema.extensions import masked_internal_error, schema_extensions
from jiedao.schema.guard import guard_mutations
from jiedao.schema.localise import localise_errors
from jiedao.schema.node import plain_id_resolvers
from jiedao.schema.plain_execution import PlainFieldsExecutor, mark_plain_fields

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

CORE = "core"
log = logging.getLogger("jiedao.graphql")


@dataclass
class Ownership:
    """Which plugin owns each type and each field of the full schema."""

    packages: dict[str, str]
    field_owner: dict[tuple[str, str], str] = field(default_factory=dict)
    type_owner: dict[str, str] = field(default_factory=dict)

    def owner_of_module(self, module: str) -> str:
        best, owner = "", CORE
        for package, plugin in self.packages.items():
            if (module == package or module.startswith(package + ".")) and len(package) > len(best):
                best, owner = package, plugin
        return owner

    def owner_of_definition(self, definition: Any) -> str:
        origin = getattr(definition, "origin", None)
        return self.owner_of_module(getattr(origin, "__module__", "")) if origin is not None else CORE


def _merge_roots(name: str, parts: list[tuple[str, type]]) -> type | None:
    """One root type inheriting the fields of every contributed class; duplicates refused."""
    if not parts:
        return None
    seen: dict[str, str] = {}
    problems = []
    for plugin, cls in parts:
        for f in cls.__strawberry_definition__.fields:
            other = seen.get(f.python_name)
            if other is not None:
                problems.append(f"field '{name}.{f.python_name}' is defined by both '{other}' and '{plugin}'.")
            seen[f.python_name] = plugin
    if problems:
        raise ConfigurationError(problems)
    return strawberry.type(type(name, tuple(cls for _, cls in reversed(parts)), {}), description=ROOT_DESCRIPTIONS[name])


ROOT_DESCRIPTIONS = {
    "Query": "What one street (街道) holds, read as the caller's roles allow; each field says the permission it needs.",
    "Mutation": "Every change to one street's data; each answers a payload whose `errors` say why when it was refused.",
    "Subscription": "Live changes over a WebSocket (graphql-transport-ws), for the street of the connection.",
}
"""The descriptions of the root types, which merge the fields every plugin contributes."""


class JiedaoSchema(strawberry.Schema):
    """A Strawberry schema whose core types also carry the fields of plugin mixins, and whose
    ``UserError.code`` is the ``ErrorCode`` enum of the kernel's and every plugin's codes."""

    def __init__(self, *args: Any, extensions_by_type: dict[str, list[tuple[str, type]]], error_codes: type | None = None, **kwargs: Any):
        self._mixin_fields = self._collect_mixin_fields(extensions_by_type)
        self._error_codes = error_codes
        super().__init__(*args, **kwargs)

    @staticmethod
    def _collect_mixin_fields(extensions_by_type: dict[str, list[tuple[str, type]]]) -> dict[str, list[StrawberryField]]:
        return {
            type_name: [f for _, mixin in mixins for f in mixin.__strawberry_definition__.fields]
            for type_name, mixins in extensions_by_type.items()
        }

    def get_fields(self, type_definition: StrawberryObjectDefinition) -> list[StrawberryField]:
        fields = [*type_definition.fields, *self._mixin_fields.get(type_definition.name, [])]
        if type_definition.name == "UserError" and self._error_codes is not None:
            fields = [self._composed_code(f) if f.python_name == "code" else f for f in fields]
        return fields

    def _composed_code(self, code: StrawberryField) -> StrawberryField:
        composed = copy.copy(code)
        composed.type = self._error_codes
        return composed

    def create_extensions_runner(self, execution_context, extensions):
        """The request's extensions runner, its hooks found once per set of extension classes
        (``schema.extension_hooks``)."""
        return extensions_runner(execution_context, extensions)

    def process_errors(self, errors, execution_context=None) -> None:
        """Errors the client caused are logged briefly; unexpected ones are logged with
        their traceback by ``MaskUnexpectedErrors``. An exception a schema extension raised
        before execution escapes that extension (Strawberry reports it here, unmasked, as a
        pre-execution error): it is masked in place, so the client gets the ``INTERNAL`` error
        (and HTTP 500, ``core.graphql_over_http.crashed_before_execution``), never its text."""
        context = getattr(execution_context, "context", None)
        request_id = getattr(context, "request_id", "-")
        for index, error in enumerate(errors):
            if not is_expected(error):
                errors[index] = masked_internal_error(error, request_id)
                continue
            log.info("graphql error: %s", error.message)
        if context is not None and getattr(execution_context, "graphql_document", None) is None:
            # Not parsed (the parser cache raised outside the operation, so LocaliseErrors will
            # not see it); such a list is the request's own, never a cached validation result.
            errors[:] = localise_errors(context, errors)


def _check_extensions(known_types: set[str], extensions_by_type: dict[str, list[tuple[str, type]]], core_fields: dict[str, set[str]]) -> None:
    problems = []
    for type_name, mixins in extensions_by_type.items():
        if type_name not in known_types:
            plugins = ", ".join(sorted({p for p, _ in mixins}))
            problems.append(f"plugin(s) {plugins} extend type '{type_name}', which the schema does not have.")
            continue
        seen = {name: CORE for name in core_fields.get(type_name, set())}
        for plugin, mixin in mixins:
            for f in mixin.__strawberry_definition__.fields:
                if f.python_name in seen:
                    problems.append(
                        f"field '{type_name}.{f.python_name}' is defined by both '{seen[f.python_name]}' and '{plugin}'."
                    )
                seen[f.python_name] = plugin
    if problems:
        raise ConfigurationError(problems)


def composed_error_codes(plugin_codes: dict[str, dict[str, str]]) -> dict[str, str]:
    """The kernel's error codes, then every plugin's in alphabetical order (code -> description);
    a code two plugins declare lists both descriptions."""
    codes = dict(KERNEL_ERROR_CODES)
    for code in sorted(plugin_codes):
        owners = plugin_codes[code]
        codes[code] = next(iter(owners.values())) if len(owners) == 1 else " ".join(f"{p}: {d}" for p, d in sorted(owners.items()))
    return codes


def build_full_schema(kernel: Kernel) -> JiedaoSchema:
    """The Strawberry schema of core plus every installed plugin."""
    c = kernel.contributions
    # The types plugins may extend are those the core registers, like any plugin, with
    # ``register.types`` (core/builtin.py).
    core_types = {cls.__strawberry_definition__.name: cls for plugin, cls in c.types if plugin == CORE}
    _check_extensions(
        set(core_types),
        c.extensions,
        {n: {f.python_name for f in t.__strawberry_definition__.fields} for n, t in core_types.items()},
    )
    full = JiedaoSchema(
        query=_merge_roots("Query", c.queries),
        mutation=guard_mutations(_merge_roots("Mutation", c.mutations)),
        subscription=_merge_roots("Subscription", c.subscriptions),
        types=[cls for _, cls in c.types],
        extensions=schema_extensions(),
        extensions_by_type=c.extensions,
        error_codes=error_code_enum(composed_error_codes(c.error_codes)),
        execution_context_class=PlainFieldsExecutor,
    )
    caller_permission_resolvers(full._schema, full.config.info_class)  # caller-only checks once per request (schema.caller_permissions)
    pace_resolvers(full._schema)  # object count and event-loop turns while operations run (schema.budget)
    plain_id_resolvers(full._schema)  # Node.id without Strawberry's per-field wrappers (schema.node)
    mark_plain_fields(full._schema)  # columns answered by the executor without a resolver call (schema.plain_execution)
    return full


def undeclared_root_fields(full: GraphQLSchema, owners: Ownership) -> list[str]:
    """One problem per root field that declares no permission (deny by default: a field must
    say ``permission_classes=allow("...")`` or ``public("why")``)."""
    problems = []
    for root in (full.query_type, full.mutation_type, full.subscription_type):
        for name, field in (root.fields if root is not None else {}).items():
            definition = (field.extensions or {}).get("strawberry-definition")
            if definition is not None and not definition.permission_classes:
                owner = owners.field_owner.get((root.name, name), CORE)
                problems.append(
                    f"{root.name}.{name} (plugin '{owner}') declares no permission: add permission_classes=allow(\"<permission>\") "
                    f"or, if anonymous callers may use it, permission_classes=public(\"<why>\")"
                )
    return problems


def compute_ownership(full: GraphQLSchema, packages: dict[str, str]) -> Ownership:
    """Who owns every named type and every field of ``full``."""
    owners = Ownership(packages)
    for name, named in full.type_map.items():
        if name.startswith("__"):
            continue
        definition = (named.extensions or {}).get("strawberry-definition")
        owners.type_owner[name] = owners.owner_of_definition(definition)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, f in named.fields.items():
                fdef = (f.extensions or {}).get("strawberry-definition")
                owners.field_owner[(name, field_name)] = owners.owner_of_definition(fdef)
    return owners


def _kept_roots(full: GraphQLSchema, owners: Ownership, enabled: set[str]) -> list[GraphQLObjectType]:
    """The root types that keep at least one field (an empty Subscription is dropped)."""
    roots = [t for t in (full.query_type, full.mutation_type, full.subscription_type) if t is not None]
    return [t for t in roots if any(owners.field_owner.get((t.name, n), CORE) in enabled for n in t.fields)]


def _reachable(full: GraphQLSchema, owners: Ownership, enabled: set[str]) -> set[str]:
    def keep_field(type_name: str, field_name: str) -> bool:
        return owners.field_owner.get((type_name, field_name), CORE) in enabled

    roots = _kept_roots(full, owners, enabled)
    seen: set[str] = set()
    stack: list[GraphQLNamedType] = list(roots)
    implementations: dict[str, list[GraphQLObjectType]] = {}
    for named in full.type_map.values():
        if isinstance(named, GraphQLObjectType):
            for interface in named.interfaces:
                implementations.setdefault(interface.name, []).append(named)
    while stack:
        named = stack.pop()
        if named.name in seen:
            continue
        seen.add(named.name)
        if isinstance(named, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, f in named.fields.items():
                if not keep_field(named.name, field_name):
                    continue
                stack.append(get_named_type(f.type))
                stack.extend(get_named_type(a.type) for a in f.args.values())
            stack.extend(named.interfaces)
        if isinstance(named, GraphQLInterfaceType):
            stack.extend(t for t in implementations.get(named.name, []) if owners.type_owner.get(t.name, CORE) in enabled)
        if isinstance(named, GraphQLUnionType):
            stack.extend(named.types)
        if isinstance(named, GraphQLInputObjectType):
            stack.extend(get_named_type(f.type) for f in named.fields.values())
    return seen


def derive_schema(full: GraphQLSchema, owners: Ownership, plugins: Iterable[str]) -> GraphQLSchema:
    """``full`` without the fields of plugins outside ``plugins`` and the types only they reach."""
    enabled = {CORE, *plugins}
    keep_types = _reachable(full, owners, enabled)

    def filter_fields(type_name: str, fields: dict[str, GraphQLField]) -> dict[str, GraphQLField]:
        return {n: f for n, f in fields.items() if owners.field_owner.get((type_name, n), CORE) in enabled}

    def mapper(context):
        def schema(config):
            # Enums and scalars carry Strawberry's (de)serialisation: keep the originals.
            for original in full.type_map.values():
                if isinstance(original, (GraphQLEnumType, GraphQLScalarType)) and original.name in keep_types:
                    context.set_named_type(original)
            return {
                **config,
                "types": [context.get_named_type(t.name) for t in config["types"] if t.name in keep_types or t.name.startswith("__")],
                "mutation": config["mutation"] if config["mutation"] and config["mutation"].name in keep_types else None,
                "subscription": config["subscription"] if config["subscription"] and config["subscription"].name in keep_types else None,
            }

        return {
            SchemaElementKind.OBJECT: lambda config: {
                **config,
                "fields": lambda: filter_fields(config["name"], config["fields"]()),
                "interfaces": lambda: [i for i in config["interfaces"]() if i.name in keep_types],
            },
            SchemaElementKind.INTERFACE: lambda config: {
                **config,
                "fields": lambda: filter_fields(config["name"], config["fields"]()),
            },
            SchemaElementKind.SCHEMA: schema,
        }

    return GraphQLSchema(**map_schema_config(full.to_kwargs(), mapper))


@dataclass
class SchemaSet:
    """The full schema and the derived schema of each distinct plugin set."""

    full: JiedaoSchema
    owners: Ownership
    by_plugins: dict[frozenset[str], strawberry.Schema]
    street_plugins: dict[str, frozenset[str]]

    @classmethod
    def build(cls, kernel: Kernel) -> SchemaSet:
        full = build_full_schema(kernel)
        packages = {plugin.package: name for name, plugin in kernel.installed.items()}
        owners = compute_ownership(full._schema, packages)
        undeclared = undeclared_root_fields(full._schema, owners)
        if undeclared:
            raise ConfigurationError(undeclared)
        full.jiedao_owners = owners
        street_plugins = {slug: frozenset(s.plugins) for slug, s in kernel.config.streets.items()}
        by_plugins = {}
        for plugins in set(street_plugins.values()):
            by_plugins[plugins] = _derived_strawberry_schema(full, derive_schema(full._schema, owners, plugins), plugins)
        return cls(full, owners, by_plugins, street_plugins)

    def for_street(self, street: str) -> strawberry.Schema:
        return self.by_plugins[self.street_plugins[street]]

    def sdl(self, street: str | None = None) -> str:
        """The SDL of one street's schema, or of the full schema."""
        graphql_schema = self.full._schema if street is None else self.for_street(street)._schema
        return print_schema(graphql_schema) + "\n"


def _derived_strawberry_schema(full: JiedaoSchema, graphql_schema: GraphQLSchema, plugins: frozenset[str]) -> strawberry.Schema:
    derived = copy.copy(full)
    derived._schema = graphql_schema
    derived.jiedao_plugins = plugins
    graphql_schema._strawberry_schema = derived
    return derived
