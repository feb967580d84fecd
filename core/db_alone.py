"""A query's one statement in one round trip: no BEGIN, no ROLLBACK.

A query answered by a single compiled statement (``schema.compiled_reads``) used to cost three
round trips to PostgreSQL: the BEGIN carrying the street's setting (``core.db_street``), the
statement, and the ROLLBACK when the request ended. On the one-building query they were about
a third of the request's CPU. Under READ COMMITTED a statement sees the same rows whether it
runs inside a transaction or alone, so ``read_alone`` runs it alone, on a pooled connection
whose **session-level** ``app.street_id`` is the street's. (The statement must not write:
nothing rolls it back. The compiler writes only selects.)

Safety does not rest on bookkeeping. The compiled statement names its street itself
(``street_id = $1`` on every table), and row-level security adds the setting's. The
connection remembers the street it last set (``StreetConnection.session_street``) only to
skip setting it again; the statement returns the setting it ran under
(``with_street_check``), and an answer read under any other street — empty or short, as the
two conditions disagree — is thrown away, the setting made right and the statement run
again. Every transaction, in turn, begins with a transaction-local setting — its street's or
the empty one (``StreetConnection.execute``) — so a session-level street never reaches a
transaction. Nothing else may run on the application's pool outside a transaction
(``tests/test_read_alone.py`` checks the pool refuses ``AUTOCOMMIT``).

Not for a transaction-pooling proxy (PgBouncer's ``pool_mode = transaction``) between the
processes and PostgreSQL: the setting and the read could reach different server connections,
and the setting would stay on server connections other clients share. Behind one, turn it off
with ``JIEDAO_READ_OUTSIDE_TRANSACTIONS=0``.

A read keeps its connection for the next one (``core.db_parked``): no trip through the pool.

A connection found dead, or already in a transaction, answers ``None`` and is not reused: the
caller runs the statement the ordinary way, which retries a dead connection. An error the
server reports for the statement is raised as it is (running it again in a transaction would
only double a heavy statement's load); so is a failure to get a connection at all."""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Any

import asyncpg
from prometheus_client import Counter
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from jiedao.core.db_parked import ParkedConnections
from jiedao.core.db_street import SET_SESSION_STREET, StreetConnection

log = logging.getLogger("jiedao.db")

ENABLED = os.environ.get("JIEDAO_READ_OUTSIDE_TRANSACTIONS", "1") != "0"
"""Whether a query's one compiled statement is read outside a transaction (``0``: always in one)."""

READS_ALONE = Counter(
    "jiedao_reads_outside_transactions_total",
    "Queries' single statements offered to the read outside a transaction, by outcome: read "
    "(one round trip), read_after_setting (the street's setting went first), read_after_mismatch "
    "(an answer read under another street's setting was thrown away and read again), or the "
    "reasons it fell back to a transaction: in_transaction (a pooled connection left in one), "
    "not_a_street_connection, connection_lost, setting_changed (twice read under another "
    "street) and no_row; refused: the server refused the statement (raised to the caller).",
    ["outcome"],
)
"""Silent fallbacks show here: a steady rate of anything but the two reads is worth a look."""
OUTCOMES = {outcome: READS_ALONE.labels(outcome) for outcome in (
    "read", "read_after_setting", "read_after_mismatch", "in_transaction", "not_a_street_connection", "connection_lost",
    "setting_changed", "no_row", "refused")}
"""Each outcome's series, made once (and shown from the start, at zero)."""

CONNECTION_LOST = (asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError, asyncpg.InterfaceError, OSError)
"""Errors after which the connection is not used again (asyncpg reports a lost connection and a
server shutting down as server errors too)."""


def read_alone_applies(db: Any) -> bool:
    """Whether ``db``'s queries may be read outside transactions: on PostgreSQL, without read
    replicas (a replica's read keeps its own check and transaction), unless turned off."""
    return ENABLED and db.replicas is None and db.is_postgres


def refuse_autocommit(engine: AsyncEngine) -> None:
    """Make ``engine`` (the application's, whose pooled connections may carry a session-level
    street) refuse ``isolation_level="AUTOCOMMIT"``: a statement run outside a transaction
    there would run under whichever street the last query left, where it used to see none."""

    def refuse(target: Any, options: dict[str, Any]) -> None:
        if str(options.get("isolation_level", "")).upper() == "AUTOCOMMIT":
            raise RuntimeError("the application's connections run nothing outside a transaction (core.db_alone); use the owner's engine")

    event.listen(engine.sync_engine, "set_connection_execution_options", refuse)
    event.listen(engine.sync_engine, "set_engine_execution_options", refuse)


@lru_cache(maxsize=512)
def with_street_check(sql: str) -> str:
    """``sql`` (one statement, driver parameters) with the street setting it ran under as its
    first column, before the statement's own."""
    return f"select current_setting('app.street_id', true), alone.* from ({sql.rstrip().rstrip(';')}) as alone"


async def read_alone(
    connections: ParkedConnections, street_id: int, sql: str, parameters: tuple[Any, ...], count_statement: Callable[[], None] = lambda: None,
    gate: asyncio.Semaphore | None = None,
) -> tuple[Any, ...] | None:
    """The one row of ``sql`` read for ``street_id`` outside any transaction, or None when it
    could not be read that way (see the module's docstring). ``count_statement`` is called
    for each read sent (the setting, like a BEGIN, is not counted).

    A WebSocket's operation (``gate``, its socket's ``Context._gate``) is cancelled when the
    client completes it: its read is shielded from that, as a statement cancelled half-way
    would cost its connection, and the gate is held inside the shield, so a cancelled caller
    does not give it back early. An HTTP request's read runs in the request's own task,
    which nothing cancels but a stopping server; there the connection of a read cancelled
    half-way is thrown away (``_read_alone``) — a shield's task per read cost more."""
    read = _read_alone(connections, street_id, sql, parameters, count_statement)
    if gate is None:
        return await read
    return await asyncio.shield(_through(gate, read))


async def _through(gate: asyncio.Semaphore, read: Awaitable[Any]) -> Any:
    async with gate:
        return await read


async def _read_alone(
    connections: ParkedConnections, street_id: int, sql: str, parameters: tuple[Any, ...], count_statement: Callable[[], None],
) -> tuple[Any, ...] | None:
    pooled, taken_at = await connections.take()
    driver = pooled.driver_connection
    broken = False
    try:
        if not isinstance(driver, StreetConnection):
            OUTCOMES["not_a_street_connection"].inc()
            return None
        if driver.is_in_transaction():
            broken = True  # a pooled connection in a transaction: never reuse it
            OUTCOMES["in_transaction"].inc()
            return None
        checked = with_street_check(sql)
        wanted = str(street_id)
        set_first = mismatched = False
        for _attempt in range(2):
            if driver.session_street != street_id:
                driver.session_street = None  # unknown until the setting is confirmed
                await driver.execute(SET_SESSION_STREET.format(street_id=int(street_id)))
                driver.session_street = street_id
                set_first = True
            count_statement()
            row = await driver.fetchrow(checked, *parameters)
            if row is None:
                OUTCOMES["no_row"].inc()
                return None
            if row[0] == wanted:
                OUTCOMES["read_after_mismatch" if mismatched else "read_after_setting" if set_first else "read"].inc()
                return tuple(row)[1:]
            driver.session_street = None  # changed behind our back: set it and read again
            mismatched = True
        OUTCOMES["setting_changed"].inc()
        return None
    except CONNECTION_LOST as lost:
        broken = True
        OUTCOMES["connection_lost"].inc()
        log.debug("a read outside a transaction found its connection lost (%s: %s); read in a transaction instead",
                  type(lost).__name__, getattr(lost, "sqlstate", None) or lost)
        return None
    except asyncpg.PostgresError:
        broken = driver.is_closed()  # the server refused the statement: the connection is fine
        OUTCOMES["refused"].inc()
        raise
    except BaseException:
        broken = True  # cancelled half-way, or worse: the connection's state is unknown
        raise
    finally:
        await connections.give_back(pooled, taken_at, broken)
