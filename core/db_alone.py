"""A query's one statement in one round trip: no BEGIN, no ROLLBACK.

A query answered by a single compiled statement (``schema.compiled_reads``) used to cost three
round trips to PostgreSQL: the BEGIN carrying the street's setting (``core.db_street``), the
statement, and the ROLLBACK when the request ended. On the one-building query they were about
a fifth of the request's CPU. Under READ COMMITTED a statement sees the same rows whether it
runs inside a transaction or alone, so ``read_alone`` runs it alone, on a pooled connection
whose **session-level** ``app.street_id`` is the street's.

Safety does not rest on bookkeeping. The connection remembers the street it last set
(``StreetConnection.session_street``) only to skip setting it again; the statement itself
returns the setting it ran under (``with_street_check``), and an answer read under any other
street is thrown away, the setting made right and the statement run again. So a connection
whose setting changed behind our back (a ``RESET ALL``, a transaction-pooling proxy handing
over another client's server connection) never answers for the wrong street: row-level
security showed it only the other street's rows, and those are discarded. Every transaction,
in turn, begins with a transaction-local setting — its street's or the empty one
(``StreetConnection.execute``) — so a session-level street never reaches a transaction.

Anything unexpected (a dead connection, an error of the statement, a connection in a
transaction) answers ``None``: the caller runs the statement the ordinary way, which retries a
dead connection and reports errors as before."""

from __future__ import annotations

import asyncio
from functools import lru_cache
from collections.abc import Callable
from typing import Any

import asyncpg
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.util import greenlet_spawn

from jiedao.core.db_street import SET_SESSION_STREET, StreetConnection


@lru_cache(maxsize=512)
def with_street_check(sql: str) -> str:
    """``sql`` (one statement, driver parameters) with the street setting it ran under as its
    first column, before the statement's own."""
    return f"select current_setting('app.street_id', true), alone.* from ({sql.rstrip().rstrip(';')}) as alone"


async def read_alone(
    engine: AsyncEngine, street_id: int, sql: str, parameters: tuple[Any, ...], count_statement: Callable[[], None] = lambda: None,
) -> tuple[Any, ...] | None:
    """The one row of ``sql`` read for ``street_id`` outside any transaction, or None when it
    could not be read that way (see the module's docstring). ``count_statement`` is called
    for each read sent (the setting, like a BEGIN, is not counted). Shielded from the
    caller's cancellation, as a statement cancelled half-way would break its connection."""
    return await asyncio.shield(_read_alone(engine, street_id, sql, parameters, count_statement))


async def _read_alone(
    engine: AsyncEngine, street_id: int, sql: str, parameters: tuple[Any, ...], count_statement: Callable[[], None],
) -> tuple[Any, ...] | None:
    pooled = await engine.raw_connection()
    driver = pooled.driver_connection
    broken = False
    try:
        if not isinstance(driver, StreetConnection) or driver.is_in_transaction():
            return None
        checked = with_street_check(sql)
        wanted = str(street_id)
        for _attempt in range(2):
            if driver.session_street != street_id:
                driver.session_street = None  # unknown until the setting is confirmed
                await driver.execute(SET_SESSION_STREET.format(street_id=int(street_id)))
                driver.session_street = street_id
            count_statement()
            row = await driver.fetchrow(checked, *parameters)
            if row is None:
                return None
            if row[0] == wanted:
                return tuple(row)[1:]
            driver.session_street = None  # changed behind our back: set it and read again
        return None
    except asyncpg.PostgresError:
        return None  # the server refused the statement; the connection is fine
    except Exception:  # noqa: BLE001 - the connection's state is unknown: never reuse it
        broken = True
        return None
    except BaseException:
        broken = True
        raise
    finally:
        await greenlet_spawn(pooled.invalidate if broken else pooled.close)
