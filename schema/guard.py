"""The gate every mutation passes before its resolver: inputs checked, IDs found in the street.

``guard_mutations(Mutation)`` puts an ``InputGuard`` on every field of the mutation root, so
no plugin has to remember it. The guard

1. checks every argument with the rules of ``schema.validation`` (``BAD_INPUT``);
2. decodes every ``ID`` in the input and looks each one up among the caller's street's rows
   of its type, one ``SELECT`` per type: an ID that is not there (another street's, or none
   at all) answers ``NOT_FOUND`` naming the field (what is not a global ID of a node type is
   left to the resolver);
3. hands the checked input to the request context, so that the database backstop
   (``core.db_checks``) can name the input field behind a value it refuses.

A refusal is returned as the mutation's payload with ``errors`` (or raised when the
payload has no ``errors`` field), exactly like a refusal of the resolver itself.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from strawberry.extensions import FieldExtension
from strawberry.types.field import StrawberryField

from jiedao.core.errors import DomainError
from jiedao.schema.errors import user_errors
from jiedao.schema.ids import decode_global_id
from jiedao.schema.validation import INT64, Checked, check_input

NOT_FOUND = "NOT_FOUND"


class InputGuard(FieldExtension):
    """Validates a mutation's arguments and IDs before its resolver runs."""

    def apply(self, field: StrawberryField) -> None:
        self.field = field

    def _check(self, info: Any, kwargs: dict[str, Any]) -> Checked:
        checked = Checked()
        converter = info.schema.config.name_converter
        for name, value in kwargs.items():
            path = "" if name == "input" else converter.apply_naming_config(name)
            check_input(value, path, checked, converter.get_graphql_name)
        return checked

    def resolve(self, next_, source, info, **kwargs):
        try:
            info.context.input_checked = self._check(info, kwargs)
        except DomainError as error:
            return self._refusal(error)
        return next_(source, info, **kwargs)

    async def resolve_async(self, next_, source, info, **kwargs):
        ctx = info.context
        try:
            checked = self._check(info, kwargs)
            await check_ids(ctx, checked)
        except DomainError as error:
            return self._refusal(error)
        ctx.input_checked = checked
        try:
            return await next_(source, info, **kwargs)
        finally:
            ctx.input_checked = None

    def _refusal(self, error: DomainError) -> Any:
        payload = self.field.type
        definition = getattr(payload, "__strawberry_definition__", None)
        if definition is None or not any(f.python_name == "errors" for f in definition.fields):
            raise error
        missing = {
            f.python_name: None
            for f in definition.fields
            if f.python_name != "errors" and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
        }
        return payload(errors=user_errors(error), **missing)


async def check_ids(ctx: Any, checked: Checked) -> None:
    """Every ID of ``checked`` names a row of the caller's street, or ``DomainError``."""
    from jiedao.schema.node import model_for  # node imports the context; import late

    wanted: dict[type, list[tuple[str, int, str]]] = defaultdict(list)
    for path, global_id in checked.ids:
        try:
            type_name, pk = decode_global_id(global_id)
        except DomainError:
            continue  # not a global ID (some types use plain keys): the resolver decides
        checked.keys.setdefault((path.rsplit(".", 1)[-1].split("[", 1)[0], pk), path)
        model = model_for(type_name)
        if model is None or "street_id" not in model.__table__.c:
            continue  # not a street's row (or no node type): the resolver decides
        if not INT64[0] <= pk <= INT64[1]:
            raise _not_found(type_name, path)
        wanted[model].append((path, pk, type_name))
    for model, items in wanted.items():
        found = set(await ctx.scalars(select(model.id).where(model.id.in_({pk for _, pk, _ in items}))))
        for path, pk, type_name in items:
            if pk not in found:
                raise _not_found(type_name, path)


def _not_found(type_name: str, path: str) -> DomainError:
    return DomainError("There is no such {type} in this street.", code=NOT_FOUND, field=path, type=type_name)


def guard_mutations(mutation_root: type | None) -> type | None:
    """Put an ``InputGuard`` on every field of ``mutation_root`` (once)."""
    if mutation_root is None:
        return None
    for f in mutation_root.__strawberry_definition__.fields:
        if not any(isinstance(e, InputGuard) for e in f.extensions):
            f.extensions.append(InputGuard())
    return mutation_root
