"""Plain rows: light objects standing for ORM instances on read-only list paths.

A look-ahead loader (e.g. ``core.registry_lookahead``) reads the columns of many rows at
once with a column query and builds one plain object per row instead of hydrating ORM
entities (no identity map, no instance state, no change tracking). The object is a named
tuple with an attribute per mapped column (read-only), so the type's fields resolve on it
as on the ORM instance; ``node_type`` accepts it as an object of its model's GraphQL type.

A look-ahead loader also hands nested fields their values ready (``preload``/``preloaded``):
the field's resolver returns them synchronously instead of awaiting a DataLoader per row.
"""

from __future__ import annotations

from collections import namedtuple
from functools import cache
from typing import Any


class PlainRow(tuple):
    """Base of the plain row classes (one per model, see ``plain_row_class``): a tuple of the
    model's column values read by name (a named tuple; building one costs an eighth of
    filling an object's ``__dict__``). Instances still have a ``__dict__``, for ``preload``."""

    _jiedao_model: type
    """The ORM model the row stands for (a name no column can take: fields never start with ``_``)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} id={getattr(self, 'id', None)}>"


@cache
def plain_row_class(model: type) -> type[PlainRow]:
    """The plain row class standing for instances of the ORM ``model``."""
    keys = column_keys(model)
    columns = namedtuple(f"{model.__name__}Columns", keys)  # noqa: PYI024 - built at run time
    accessors = {key: vars(columns)[key] for key in keys}  # the named tuple's read-by-name descriptors
    return type(f"{model.__name__}Row", (PlainRow,), {**accessors, "_jiedao_model": model, "__module__": __name__})


@cache
def column_keys(model: type) -> tuple[str, ...]:
    """The attribute names of ``model``'s mapped columns, in mapper order."""
    return tuple(attribute.key for attribute in model.__mapper__.column_attrs)


@cache
def columns_of(model: type) -> tuple[Any, ...]:
    """The ORM column attributes of ``model``, in ``column_keys`` order. Select these (not the
    table's bare columns) in a statement run by ``Context.rows``: the street's criteria apply
    to the entity they name (a statement of bare table columns reads ``FROM units`` as a
    plain table, and no criterion reaches it)."""
    return tuple(getattr(model, key) for key in column_keys(model))


def plain_row(model: type, values: Any) -> PlainRow:
    """A plain row of ``model`` from ``values``, one per ``column_keys(model)``."""
    return tuple.__new__(plain_row_class(model), values)


PRELOADED = "_jiedao_preloaded"


def preload(obj: Any, field: str, value: Any) -> None:
    """Give ``obj``'s field ``field`` its value in advance (an ORM instance or a plain row)."""
    ready = obj.__dict__.get(PRELOADED)
    if ready is None:
        ready = obj.__dict__[PRELOADED] = {}
    ready[field] = value


MISSING = object()

PRELOADABLE = "jiedao_preloadable"
"""The attribute marking a field's function as ``preloadable``."""


def preloadable(method: Any) -> Any:
    """Mark the function of a field returning an object or a list of objects (put it under
    ``@strawberry.field``) as answering what a look-ahead loader gave the row (``preloaded``)
    when it did: the executor may then read it itself (``schema.plain_execution``). The
    function must return exactly that then, whatever else it does without it."""
    setattr(method, PRELOADABLE, True)
    return method


def preloaded(obj: Any, field: str) -> Any:
    """The value given in advance to ``obj``'s field ``field``, or ``MISSING``."""
    ready = obj.__dict__.get(PRELOADED)
    return MISSING if ready is None else ready.get(field, MISSING)
