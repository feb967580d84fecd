"""Real-service checks of core.testing.services: a PostgreSQL cluster and a Mosquitto broker.

Without the binaries these tests skip, or fail when CI / JIEDAO_REQUIRE_SERVICES is set.
"""

import asyncio
import os

import aiomqtt
import asyncpg
import pytest

from jiedao.core.testing.services import (
    MosquittoBroker,
    PostgresCluster,
    ServiceStartError,
    mosquitto_available,
    postgres_available,
    require_service,
)


@pytest.fixture(scope="module")
def pg():
    """One PostgreSQL cluster shared by this module's tests."""
    require_service(postgres_available())
    with PostgresCluster() as cluster:
        yield cluster


@pytest.fixture(scope="module")
def broker():
    """One Mosquitto broker shared by this module's tests."""
    require_service(mosquitto_available())
    with MosquittoBroker() as running:
        yield running


async def next_message(client: aiomqtt.Client) -> aiomqtt.Message:
    """The next message ``client`` receives, failing after thirty seconds: the bound of a
    failure only (a passing run waits for each message as it comes), wide enough for a broker
    sending a 1,500-message backlog on a loaded two-core machine (five seconds ran out once)."""
    async with asyncio.timeout(30):
        return await anext(client.messages)


@pytest.mark.postgres
async def test_created_database_answers_asyncpg(pg):
    pg.create_database("svc_check")
    connection = await asyncpg.connect(pg.url("svc_check", driver=None))
    try:
        assert await connection.fetchval("select 1") == 1
    finally:
        await connection.close()
    assert pg.url("svc_check") == f"postgresql+asyncpg://postgres@127.0.0.1:{pg.port}/svc_check"


@pytest.mark.postgres
async def test_created_role_is_no_superuser_and_owns_its_database(pg):
    pg.create_role("svc_app")
    assert pg.execute("select rolsuper, rolbypassrls, rolcanlogin from pg_roles where rolname = 'svc_app'") == "f|f|t"
    pg.create_database("svc_owned", owner="svc_app")
    connection = await asyncpg.connect(pg.url("svc_owned", user="svc_app", driver=None))
    try:
        assert await connection.fetchval("select current_user") == "svc_app"
    finally:
        await connection.close()


@pytest.mark.postgres
async def test_drop_database_removes_it_even_with_open_sessions(pg):
    pg.create_database("svc_doomed", template="template0")
    connection = await asyncpg.connect(pg.url("svc_doomed", driver=None))
    pg.drop_database("svc_doomed")
    with pytest.raises((asyncpg.PostgresError, asyncpg.InterfaceError)):
        await connection.fetchval("select 1")
    connection.terminate()
    assert pg.execute("select count(*) from pg_database where datname = 'svc_doomed'") == "0"


@pytest.mark.mqtt
async def test_qos1_message_round_trip(broker):
    async with aiomqtt.Client(broker.host, broker.port) as subscriber, aiomqtt.Client(broker.host, broker.port) as publisher:
        await subscriber.subscribe("svc/echo", qos=1)
        await publisher.publish("svc/echo", b"hello", qos=1)
        message = await next_message(subscriber)
    assert (message.payload, message.qos) == (b"hello", 1)


@pytest.mark.mqtt
async def test_queued_qos1_messages_beyond_default_limit_are_kept(broker):
    # Mosquitto's default max_queued_messages (1000) would drop part of these.
    session = {"identifier": "svc-slow", "clean_session": False}
    async with aiomqtt.Client(broker.host, broker.port, **session) as subscriber:
        await subscriber.subscribe("svc/backlog", qos=1)
    async with aiomqtt.Client(broker.host, broker.port) as publisher:
        for n in range(1500):
            await publisher.publish("svc/backlog", str(n), qos=1)
    async with aiomqtt.Client(broker.host, broker.port, **session) as subscriber:
        received = [int((await next_message(subscriber)).payload) for _ in range(1500)]
    assert received == list(range(1500))


@pytest.mark.mqtt
async def test_retained_message_survives_restart(broker):
    port = broker.port
    async with aiomqtt.Client(broker.host, broker.port) as publisher:
        await publisher.publish("svc/retained", b"kept", qos=1, retain=True)
    broker.restart()
    assert broker.port == port
    async with aiomqtt.Client(broker.host, broker.port) as subscriber:
        await subscriber.subscribe("svc/retained", qos=1)
        message = await next_message(subscriber)
    assert (message.payload, message.retain) == (b"kept", True)


@pytest.mark.mqtt
def test_stop_leaves_no_process_or_directory():
    require_service(mosquitto_available())
    with MosquittoBroker() as running:
        pid, directory = running.pid, running.directory
    assert not directory.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


@pytest.mark.mqtt
def test_failed_start_reports_log_tail_and_cleans_up(tmp_path):
    require_service(mosquitto_available())
    failing = MosquittoBroker(acl_file=tmp_path / "missing.acl")
    with pytest.raises(ServiceStartError, match="missing.acl"):
        failing.start()
    assert failing.pid is None and failing.directory is None
