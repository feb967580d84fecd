"""Counting the SQL statements of one request (for N+1 checks and JIEDAO_DEBUG)."""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass, field

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass
class StatementCounter:
    """The statements executed while it counts; a counter started inside another (a request
    served in a test's ``count_statements`` block) adds to the outer one too."""

    count: int = 0
    outer: StatementCounter | None = None
    token: Token | None = field(default=None, repr=False)


_current: ContextVar[StatementCounter | None] = ContextVar("jiedao_statements", default=None)


def current_statements() -> StatementCounter | None:
    """The counter of the running request, if one is counting."""
    return _current.get()


def start_counting() -> StatementCounter:
    """Count the statements executed from now on in this context (request); end with
    ``stop_counting``."""
    counter = StatementCounter(outer=_current.get())
    counter.token = _current.set(counter)
    return counter


def stop_counting(counter: StatementCounter) -> None:
    """Stop ``counter``, started in this context: the counter before it counts again. A
    request's counter stops when the request ends; otherwise the next request served in the
    same context (an in-process client awaits the app in its own task) would chain to it, and
    every statement would walk a chain growing by one per request."""
    if counter.token is not None:
        _current.reset(counter.token)
        counter.token = None


def count_statement() -> None:
    """Count one statement sent to the database without SQLAlchemy's execution (whose
    statements are counted by the event below), e.g. ``core.db_alone``'s."""
    counter = _current.get()
    while counter is not None:
        counter.count += 1
        counter = counter.outer


@event.listens_for(Engine, "before_cursor_execute")
def _count(conn, cursor, statement, parameters, context, executemany) -> None:
    count_statement()
