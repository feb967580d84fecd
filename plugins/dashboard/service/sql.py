"""SQL building blocks over a metric's source select, for SQLite and PostgreSQL alike.

A source (``Metric.source()``/``Signal.source()``) is wrapped as a subquery; its columns
``at``, ``value`` and the dimensions are read by name. Time buckets are computed from
epoch seconds, whose spelling differs per database: ``strftime('%s', ...)`` on SQLite (which
keeps timestamps as UTC text), ``extract(epoch ...)`` on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import Float, Integer, and_, case, cast, func, literal
from sqlalchemy.sql.elements import ColumnElement


def epoch_seconds(column: ColumnElement, dialect: str) -> ColumnElement:
    """Seconds since 1970-01-01 UTC of a timestamp column."""
    if dialect == "postgresql":
        return func.extract("epoch", column)
    # whole seconds, exactly (julianday arithmetic puts 09:00:00 a hair before the bucket)
    return cast(func.strftime("%s", column), Integer)


def floor_int(expression: ColumnElement, dialect: str) -> ColumnElement:
    """The integer floor of a non-negative number."""
    if dialect == "postgresql":
        return cast(func.floor(expression), Integer)
    return cast(expression, Integer)  # SQLite truncates, which is the floor for x >= 0


def bind_time(column: ColumnElement, moment: datetime) -> datetime:
    """``moment`` as the column expects it: aware UTC, or naive UTC for a naive column."""
    moment = moment.astimezone(UTC)
    if getattr(column.type, "timezone", False):
        return moment
    return moment.replace(tzinfo=None)


def within(column: ColumnElement, start: datetime, end: datetime) -> ColumnElement:
    """``start <= column < end``."""
    return and_(column >= bind_time(column, start), column < bind_time(column, end))


def fixed_bucket(column: ColumnElement, origin: datetime, width_seconds: float, dialect: str) -> ColumnElement:
    """The index of the fixed-width bucket (hour, day, week) of ``column``, counted from ``origin``.

    Rows must not be earlier than ``origin``.
    """
    offset = epoch_seconds(column, dialect) - literal(origin.timestamp(), Float)
    return floor_int(offset / width_seconds, dialect)


def boundary_bucket(column: ColumnElement, starts: Sequence[datetime]) -> ColumnElement:
    """The index of the bucket among ``starts`` (e.g. calendar months) holding ``column``."""
    whens = [(column < bind_time(column, start), i - 1) for i, start in enumerate(starts[1:], start=1)]
    if not whens:
        return literal(0)
    return case(*whens, else_=len(starts) - 1)


def amount(source) -> ColumnElement:
    """What one row contributes: its ``value`` column, or 1."""
    return cast(source.c.value, Float) if "value" in source.c else literal(1.0, Float)
