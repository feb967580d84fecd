"""The database's last line: values every flush checks, whatever code wrote them.

A ``before_flush`` listener looks at every new or changed row and refuses, with a
``DomainError`` the client sees (never a database error that differs between SQLite and
PostgreSQL):

- a string longer than its ``String(n)`` column, or holding a NUL byte (``BAD_INPUT``);
- a naive datetime, a non-finite float, an integer outside its column's range (``BAD_INPUT``);
- a foreign key to a street's table (one with ``street_id``) that names no row of the row's
  own street (``NOT_FOUND``): one ``SELECT`` per target table per flush.

The error's ``field`` is the input field the value came from when the request's checked
input (``session.info["jiedao.input"]``, see ``schema.guard``) holds it, else the
attribute's camelCase name. ``domain_error_for`` turns a database ``IntegrityError`` into
the same kind of answer: a unique violation is a ``CONFLICT``, a foreign-key violation
``NOT_FOUND``, a missing or refused value ``BAD_INPUT``.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, SmallInteger, String, event, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from jiedao.core.errors import DomainError

INPUT_KEY = "jiedao.input"
_INT_RANGES = ((BigInteger, 63), (SmallInteger, 15), (Integer, 31))


class _Column:
    __slots__ = ("key", "max_length", "int_bits", "target")

    def __init__(self, key: str, column) -> None:
        self.key = key
        column_type = column.type
        impl = getattr(column_type, "impl_instance", None) or getattr(column_type, "impl", column_type)
        self.max_length = getattr(impl, "length", None) if isinstance(impl, String) else None
        self.int_bits = next((bits for cls, bits in _INT_RANGES if isinstance(impl, cls)), None)
        self.target = None
        for fk in column.foreign_keys:
            table = fk.column.table
            if "street_id" in table.c and table.name != "streets":
                self.target = (table, fk.column)


_COLUMNS: dict[type, list[_Column]] = {}


def _columns(cls: type) -> list[_Column]:
    columns = _COLUMNS.get(cls)
    if columns is None:
        mapper = inspect(cls)
        columns = _COLUMNS[cls] = [
            _Column(attr.key, attr.columns[0]) for attr in mapper.column_attrs if len(attr.columns) == 1 and attr.columns[0].table is not None
        ]
    return columns


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _field(session: Session, column: _Column, value: Any) -> str:
    checked = session.info.get(INPUT_KEY)
    if checked is not None:
        if isinstance(value, str) and value in checked.strings:
            return checked.strings[value]
        if column.target is not None and (path := checked.keys.get((_camel(column.key), value))) is not None:
            return path
    return _camel(column.key)


def _check_value(session: Session, column: _Column, value: Any) -> None:
    if isinstance(value, str):
        if column.max_length is not None and len(value) > column.max_length:
            field = _field(session, column, value)
            raise DomainError("At most {most} characters are allowed here ({given} given).", code="BAD_INPUT", field=field, most=column.max_length, given=len(value))
        if "\x00" in value:
            raise DomainError("The text holds a NUL character.", code="BAD_INPUT", field=_field(session, column, value))
    elif isinstance(value, datetime):
        if value.tzinfo is None:
            raise DomainError("Give the time with its time zone.", code="BAD_INPUT", field=_field(session, column, value))
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise DomainError("The number must be finite.", code="BAD_INPUT", field=_field(session, column, value))
    elif isinstance(value, int) and not isinstance(value, bool) and column.int_bits is not None:
        if not -(2**column.int_bits) <= value < 2**column.int_bits:
            raise DomainError("{value} is out of range.", code="BAD_INPUT", field=_field(session, column, value), value=value)


@event.listens_for(Session, "before_flush")
def _check_rows(session: Session, flush_context, instances) -> None:
    """Refuse values the databases would treat differently, and foreign keys into another street."""
    scoped_street = session.info.get("street_id")
    references: dict[tuple, dict[Any, _Column]] = defaultdict(dict)
    new = session.new
    for obj in list(new) + list(session.dirty):
        state = inspect(obj)
        changed = None if obj in new else state.committed_state
        if changed is not None and not changed:
            continue
        values = state.dict
        street = values.get("street_id", scoped_street)
        for column in _columns(type(obj)):
            if changed is not None and column.key not in changed:
                continue
            value = values.get(column.key)
            if value is None:
                continue
            _check_value(session, column, value)
            if column.target is not None and street is not None and isinstance(value, int):
                references[(column.target, street)].setdefault(value, column)
    for ((table, key_column), street), wanted in references.items():
        _check_references(session, table, key_column, street, wanted)


def _check_references(session: Session, table, key_column, street: int, wanted: dict[Any, _Column]) -> None:
    keys = list(wanted)
    found: set[Any] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        statement = select(key_column).where(key_column.in_(chunk), table.c.street_id == street)
        found.update(session.connection().execute(statement).scalars())
    pending = {getattr(o, key_column.key, None) for o in session.new if getattr(o, "__table__", None) is table}
    for key in keys:
        if key not in found and key not in pending:
            raise DomainError("It refers to something that is not in this street.", code="NOT_FOUND", field=_field(session, wanted[key], key))


def domain_error_for(error: IntegrityError) -> DomainError:
    """The client's answer to an integrity error, the same on SQLite and PostgreSQL."""
    original = error.orig
    state = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None) or ""
    text = str(original).lower()
    if state == "23505" or "unique constraint" in text:
        return DomainError("This was changed by someone else at the same moment; reload and try again.", code="CONFLICT")
    if state == "23503" or "foreign key constraint" in text:
        return DomainError("It refers to something that does not exist (any more).", code="NOT_FOUND")
    return DomainError("A required value is missing or not allowed.", code="BAD_INPUT")
