"""Reading again once on a fresh connection when the pooled one was dead.

The pool does not ping connections on checkout (no round trip per request, see
``core.db.create_engine``). A connection the database dropped (a restart, a terminated
backend, a proxy's idle timeout) shows up at its first statement as a DBAPI error with
``connection_invalidated``; SQLAlchemy then discards that connection and every other pooled
connection older than the failure. A read that has not changed anything can safely run
again, once, on a new connection: what ``read_once_more_if_disconnected`` and the request
context (``schema.context.Context._first_or_again``: a request's first statement) do.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import DBAPIError

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from jiedao.core.db import Database


def is_disconnect(error: BaseException) -> bool:
    """Whether ``error`` is SQLAlchemy reporting a connection it found dead (and discarded)."""
    return isinstance(error, DBAPIError) and bool(error.connection_invalidated)


async def read_once_more_if_disconnected(db: Database, read: Callable[[AsyncSession], Awaitable[Any]]) -> Any:
    """``await read(session)`` in a fresh unscoped session; again once in another if the
    connection was dead. ``read`` must only read (it may run twice)."""
    for attempt in (1, 2):
        try:
            async with db.session() as session:
                return await read(session)
        except DBAPIError as error:
            if attempt == 2 or not is_disconnect(error):
                raise
    raise AssertionError("unreachable")
