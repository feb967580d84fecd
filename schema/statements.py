"""Counting the SQL statements of one request (for N+1 checks and JIEDAO_DEBUG)."""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class StatementCounter:
    """The statements executed while it counts; a counter started inside another (a request
    served in a test's ``count_statements`` block) adds to the outer one too."""

    count: int = 0
    outer: StatementCounter | None = None


_current: ContextVar[StatementCounter | None] = ContextVar("jiedao_statements", default=None)


def current_statements() -> StatementCounter | None:
    """The counter of the running request, if one is counting."""
    return _current.get()


def start_counting() -> StatementCounter:
    """Count the statements executed from now on in this context (request)."""
    counter = StatementCounter(outer=_current.get())
    _current.set(counter)
    return counter


@event.listens_for(Engine, "before_cursor_execute")
def _count(conn, cursor, statement, parameters, context, executemany) -> None:
    counter = _current.get()
    while counter is not None:
        counter.count += 1
        counter = counter.outer
