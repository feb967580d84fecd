"""A read outside a transaction keeps its connection for the next one (``core.db_parked``):
no trip through the pool — yet never at the expense of a request waiting for a connection,
and never for long."""

from __future__ import annotations

import asyncio
import contextlib

import pytest
from sqlalchemy import event

from jiedao.core import db_parked
from jiedao.core.db_alone import read_alone
from jiedao.core.identity.roles import STREET_ADMIN
from jiedao.core.testing.fixtures import app_client, build_registry
from jiedao.core.testing.subscriber import until

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # reads alone are PostgreSQL's

BUILDINGS = "{ buildings(first: 5) { totalCount } }"
SLOW = "select pg_sleep(0.2), $1::int"


def checkouts(kernel) -> list[object]:
    """The pool's checkouts from now on (a list that grows)."""
    taken: list[object] = []
    event.listen(kernel.db.sync_engine, "checkout", lambda dbapi_connection, record, proxy: taken.append(dbapi_connection))
    return taken


async def read(kernel, sql: str = "select $1::int", value: int = 1):
    return await read_alone(kernel.db.parked, kernel.street_id("changqing"), sql, (value,))


async def test_a_query_takes_the_connection_the_last_one_parked(kernel, client):
    await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    token = await client.token(STREET_ADMIN)
    assert (await client.query(BUILDINGS, token=token))["buildings"]["totalCount"] == 2
    [parked] = kernel.db.parked.connections
    taken = checkouts(kernel)
    for _ in range(3):
        assert (await client.query(BUILDINGS, token=token))["buildings"]["totalCount"] == 2
    assert taken == [], "no connection taken from the pool"
    assert kernel.db.parked.connections == [parked]
    assert parked.driver_connection.session_street == kernel.street_id("changqing")


async def test_a_connection_parked_without_use_goes_back_to_the_pool(kernel, monkeypatch):
    monkeypatch.setattr(db_parked, "IDLE_SECONDS", 0.1)
    assert await read(kernel) == (1,)
    pool = kernel.db.engine.pool
    assert (len(kernel.db.parked.connections), pool.checkedout()) == (1, 1)
    await until(lambda: pool.checkedout() == 0, "the parked connection is back in the pool")
    assert kernel.db.parked.connections == []


async def test_a_connection_out_of_the_pool_for_long_goes_back_instead_of_parking(kernel, monkeypatch):
    monkeypatch.setattr(db_parked, "HOLD_SECONDS", 0.0)
    assert await read(kernel) == (1,)
    assert kernel.db.parked.connections == []
    assert kernel.db.engine.pool.checkedout() == 0


async def test_concurrent_reads_park_a_few_and_release_gives_them_all_back(kernel):
    assert kernel.db.engine.pool.size() == 30
    answers = await asyncio.gather(*(read(kernel, SLOW, value) for value in range(6)))
    assert [answer[1] for answer in answers] == list(range(6))
    assert len(kernel.db.parked.connections) == 3, "a pool of 30 parks three at most"
    assert kernel.db.engine.pool.checkedout() == 3
    await kernel.db.parked.release()
    assert (kernel.db.parked.connections, kernel.db.engine.pool.checkedout()) == ([], 0)


async def test_a_pool_of_fewer_than_eight_parks_nothing(make_kernel, monkeypatch):
    monkeypatch.setenv("JIEDAO_DATABASE_POOL_SIZE", "7")
    kernel = await make_kernel()
    assert await read(kernel) == (1,)
    assert kernel.db.parked.connections == []
    assert kernel.db.engine.pool.checkedout() == 0


@contextlib.asynccontextmanager
async def every_other_connection_held(kernel):
    """All but one of the pool's connections held by others, the one left parked by a read."""
    assert await read(kernel) == (1,)
    async with contextlib.AsyncExitStack() as stack:
        for _ in range(kernel.db.engine.pool.size() - 1):
            await stack.enter_async_context(kernel.db.engine.connect())
        assert len(kernel.db.parked.connections) == 1
        assert kernel.db.engine.pool.checkedout() == kernel.db.engine.pool.size(), "the pool has none left"
        yield


async def test_a_request_waiting_for_a_connection_gets_the_one_a_read_parked(make_kernel, monkeypatch):
    monkeypatch.setenv("JIEDAO_DATABASE_POOL_SIZE", "8")  # parks one at most
    kernel = await make_kernel()
    async with every_other_connection_held(kernel):
        waiting = asyncio.ensure_future(kernel.db.engine.connect().start())
        assert await read(kernel, value=2) == (2,)  # takes the parked one, then gives it to the pool
        connection = await asyncio.wait_for(waiting, 10)
        assert kernel.db.parked.connections == []
        await connection.close()


async def test_a_request_waiting_for_a_connection_gets_a_parked_one_without_another_read(make_kernel, monkeypatch):
    monkeypatch.setenv("JIEDAO_DATABASE_POOL_SIZE", "8")
    monkeypatch.setattr(db_parked, "IDLE_SECONDS", 0.2)
    kernel = await make_kernel()
    async with every_other_connection_held(kernel):
        # without the idle timer the pool would keep it waiting for its 30 s timeout
        connection = await asyncio.wait_for(kernel.db.engine.connect().start(), 10)
        assert kernel.db.parked.connections == []
        await connection.close()


async def test_a_parked_connection_whose_server_died_is_not_parked_again(kernel, request):
    assert await read(kernel) == (1,)
    [parked] = kernel.db.parked.connections
    pid = parked.driver_connection.get_server_pid()
    ended = request.getfixturevalue("postgres").execute(f"select pg_terminate_backend({pid}, 10000)")  # waits for its end
    assert ended.strip() == "t"
    assert await read(kernel, value=3) is None, "no answer from a dead connection: the caller reads in a transaction"
    assert parked not in kernel.db.parked.connections
    assert await read(kernel, value=4) == (4,), "the next read takes a live one from the pool"
    assert kernel.db.parked.connections[-1].driver_connection.get_server_pid() != pid


async def test_requests_of_two_streets_sharing_parked_connections_each_read_their_own(make_kernel, password_hash):
    kernel = await make_kernel()
    await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    await build_registry(kernel, "gongchen", buildings=3, units_per_building=1)
    async with app_client(kernel, password_hash) as client:
        tokens = {street: await client.token(STREET_ADMIN, street) for street in ("changqing", "gongchen")}
        streets = ["changqing", "gongchen", "gongchen", "changqing"] * 10
        answers = await asyncio.gather(*(client.query(BUILDINGS, street=street, token=tokens[street]) for street in streets))
    assert [answer["buildings"]["totalCount"] for answer in answers] == [{"changqing": 2, "gongchen": 3}[s] for s in streets]
    assert kernel.db.parked.connections, "the reads parked connections"


def _sleeping(request, marker: str) -> bool:
    """Whether a backend is running the read whose SQL contains ``marker`` now."""
    return marker in request.getfixturevalue("postgres").execute("select query from pg_stat_activity where state = 'active'")


async def test_a_read_cancelled_half_way_throws_its_connection_away(kernel, request):
    """An HTTP request's read is not shielded: cancelled (a stopping server), its connection,
    in an unknown state, is discarded rather than parked."""
    assert await read(kernel) == (1,)
    driver = kernel.db.parked.connections[0].driver_connection
    reading = asyncio.ensure_future(read(kernel, "select pg_sleep(30), $1::int"))
    await until(lambda: _sleeping(request, "pg_sleep(30)"), "the slow read runs")
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    assert kernel.db.parked.connections == []
    assert driver.is_closed()
    assert kernel.db.engine.pool.checkedout() == 0
    assert await read(kernel, value=5) == (5,)


async def test_a_sockets_read_finishes_when_its_operation_is_cancelled_and_keeps_its_connection(kernel, request):
    gate = asyncio.Semaphore(2)
    reading = asyncio.ensure_future(
        read_alone(kernel.db.parked, kernel.street_id("changqing"), "select pg_sleep(0.5), $1::int", (6,), gate=gate))
    await until(lambda: _sleeping(request, "pg_sleep(0.5)"), "the slow read runs")
    reading.cancel()
    with pytest.raises(asyncio.CancelledError):
        await reading
    await until(lambda: len(kernel.db.parked.connections) == 1, "the shielded read finished and parked its connection")
    assert not kernel.db.parked.connections[0].driver_connection.is_closed()
    assert not gate.locked() and gate._value == 2  # noqa: SLF001 - both places free again
