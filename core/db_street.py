"""The street's row-level-security setting, sent in the same round trip as the BEGIN.

Every transaction of a session opened for a street (``Database.session(street_id)``) runs with
``app.street_id`` set, transaction-local: PostgreSQL's row-level security reads it
(``core.migrate``). It used to be a statement of its own after the BEGIN — a round trip and a
SQLAlchemy execution in every request. Now the session's ``after_begin`` event hands the street
to the connection, and on asyncpg the connection class below appends it to the BEGIN it sends
for the transaction's first statement, as one simple query::

    BEGIN; select set_config('app.street_id', '7', true);

Nothing is sent early: the BEGIN still goes out with the first statement, as before. A street
handed over but not sent (a session that ran no statement) is forgotten when the connection
begins its next transaction or goes back to the pool, so it never reaches another session. A
connection that is already inside a transaction when the session begins (a session joined to
an outer transaction), or a driver other than asyncpg, gets the setting as a statement
instead. Sessions that switch streets inside one transaction (``plugins/sensors/many_streets``)
still call ``core.db.set_street_guc`` themselves.

A transaction without a street begins with the empty setting, transaction-local, in the same
way (``BEGIN; select set_config('app.street_id', '', true);``): a query read outside any
transaction leaves its street on the connection at session level (``core.db_alone``), and no
later transaction of another caller may run under it.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.orm import Session, SessionTransaction

SET_STREET = "select set_config('app.street_id', '{street_id}', true);"
"""The setting as SQL, for a street id (an ``int``, formatted in: simple queries have no parameters)."""
SET_NO_STREET = "select set_config('app.street_id', '', true);"
"""The transaction-local empty setting a transaction without a street begins with, so that a
session-level street (``core.db_alone``) never reaches it."""
SET_SESSION_STREET = "select set_config('app.street_id', '{street_id}', false)"
"""The session-level setting ``core.db_alone`` reads under, outside transactions."""


class StreetConnection(asyncpg.Connection):
    """An asyncpg connection whose next BEGIN can carry the street setting (``street_for_next_begin``)."""

    __slots__ = ("_street_for_begin", "session_street")

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._street_for_begin: int | None = None
        self.session_street: int | None = None
        """The session-level street ``core.db_alone`` last set on this connection (None: none,
        or not known). A hint to skip setting it again, never trusted for safety."""

    def street_for_next_begin(self, street_id: int | None) -> None:
        """Send ``street_id``'s setting with the next BEGIN (None: send none)."""
        self._street_for_begin = None if street_id is None else int(street_id)

    async def execute(self, query: str, *args, timeout: float | None = None) -> str:
        """asyncpg's ``execute``; a BEGIN without arguments (asyncpg's own, from
        ``Transaction.start``) carries the pending street setting, or the empty one when no
        street is pending. If that query fails the connection is closed: asyncpg's
        transaction bookkeeping would not match the server's (a BEGIN that succeeded before
        the setting failed), and the pool replaces a closed connection at its next use
        (``core.db_retry``)."""
        if args or not query.startswith("BEGIN"):
            return await super().execute(query, *args, timeout=timeout)
        street_id, self._street_for_begin = self._street_for_begin, None
        setting = SET_NO_STREET if street_id is None else SET_STREET.format(street_id=street_id)
        try:
            return await super().execute(f"{query} {setting}", timeout=timeout)
        except BaseException:
            self.terminate()
            raise


def street_connection_args(url: str, connect_args: dict) -> dict:
    """``connect_args`` for an engine on ``url``: on asyncpg, with ``StreetConnection`` as
    the connection class unless the caller chose one, and asyncpg's statement cache taking
    statements of any size (``core.db_alone`` reads through it; a compiled statement over its
    default 15 KiB would be parsed and planned at every request)."""
    if url.startswith("postgresql+asyncpg"):
        connect_args = {"connection_class": StreetConnection, "max_cacheable_statement_size": 0, **connect_args}
    return connect_args


def forget_streets_not_sent(engine: AsyncEngine) -> None:
    """A street handed to a connection but not sent (its session ran no statement) is dropped
    when the connection begins another transaction or returns to the pool."""

    @event.listens_for(engine.sync_engine, "begin")
    def _at_begin(connection: Connection) -> None:
        driver = connection.connection.driver_connection
        if isinstance(driver, StreetConnection):
            driver.street_for_next_begin(None)

    @event.listens_for(engine.sync_engine, "checkin")
    def _at_checkin(dbapi_connection, record) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        if isinstance(driver, StreetConnection):
            driver.street_for_next_begin(None)


@event.listens_for(Session, "after_begin")
def _street_with_begin(session: Session, transaction: SessionTransaction, connection: Connection) -> None:
    """A session of a street begins a transaction on ``connection``: its setting goes with the
    BEGIN (asyncpg, not yet in a transaction) or as a statement now (anything else)."""
    street_id = session.info.get("street_id")
    if street_id is None or connection.dialect.name != "postgresql":
        return
    driver = connection.connection.driver_connection
    if isinstance(driver, StreetConnection) and not driver.is_in_transaction():
        driver.street_for_next_begin(street_id)
    else:
        connection.execute(text("select set_config('app.street_id', :v, true)"), {"v": str(street_id)})
