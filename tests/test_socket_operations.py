"""Queries and mutations sent over a WebSocket give their database connection back when they
complete, not when the socket closes (a real uvicorn, graphql-transport-ws).

A socket stays open for hours (a cockpit, a grid worker's phone). Its operations used to share
the socket's one context, whose session kept the pooled connection its first statement took
until the socket closed: as many idle sockets as the pool holds connections, and every other
request of the process waited for the pool's timeout.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from websockets.asyncio.client import connect

from jiedao.core.identity.roles import STREET_ADMIN
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.uvicorn_server import UvicornServer
from tests.test_websocket_auth import make_token

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)  # the pool is PostgreSQL's

STREETS = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}
PATIENCE = 30.0
# Resolved in Python (not one compiled statement read outside a transaction): a session.
GENERAL_PATH = "{ me { username roles } alarms(first: 1) { totalCount } buildings(first: 1) { totalCount } }"
NEW_GRID = 'mutation { createGrid(input: {code: "G9", name: "%s", communityId: "%s"}) { grid { name } errors { message } } }'


@pytest.fixture
def server(database_url, monkeypatch):
    monkeypatch.setenv("JIEDAO_DATABASE_POOL_SIZE", "4")
    monkeypatch.setenv("JIEDAO_SOCKET_RECHECK_SECONDS", "300")  # its re-check of tokens takes a connection too
    with UvicornServer(STREETS, database_url, seed=lambda kernel: build_registry(kernel, "changqing", buildings=2, units_per_building=1)) as running:
        yield running


def admin_token(server: UvicornServer) -> str:
    """A street admin of changqing (``socket-admin``) and a fresh token of theirs."""
    return make_token(server, "socket-admin", role=STREET_ADMIN)


async def open_socket(server: UvicornServer, token: str):
    socket = await connect(server.ws_url("changqing"), subprotocols=["graphql-transport-ws"], open_timeout=PATIENCE)
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))["type"] == "connection_ack"
    return socket


async def run(socket, operation_id: str, query: str) -> dict:
    """Send ``query`` as operation ``operation_id``; its one result, once ``complete`` arrived."""
    await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query}}))
    result = None
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))
        assert message.get("id") == operation_id, message
        if message["type"] == "complete":
            return result
        assert message["type"] == "next", message
        result = message["payload"]


def connections_in_use(server: UvicornServer) -> int:
    async def count(kernel):
        return kernel.db.engine.pool.checkedout()

    return server.call(count)


async def test_open_sockets_hold_no_connection_between_operations(server):
    """More sockets than the pool holds connections each answer queries, one after another,
    while all stay open; after each answer no connection is checked out."""
    token = admin_token(server)
    sockets = [await open_socket(server, token) for _ in range(6)]  # the pool holds 4
    try:
        for round_ in range(2):
            for number, socket in enumerate(sockets):
                result = await run(socket, f"q{round_}-{number}", GENERAL_PATH)
                assert "errors" not in result, result
                assert result["data"]["me"]["username"] == "socket-admin"
                assert connections_in_use(server) == 0, f"socket {number} kept its connection after its query completed"
    finally:
        for socket in sockets:
            await socket.close()


async def test_a_mutation_over_a_socket_commits_and_gives_its_connection_back(server):
    """A mutation's answer and its commit, then no connection held; the next query on the same
    socket reads what it wrote."""
    token = admin_token(server)
    socket = await open_socket(server, token)
    try:
        found = await run(socket, "find", "{ communities { id } }")
        community = found["data"]["communities"][0]["id"]
        created = await run(socket, "create", NEW_GRID % ("拱宸桥一网格", community))
        assert created["data"]["createGrid"] == {"grid": {"name": "拱宸桥一网格"}, "errors": []}, created
        assert connections_in_use(server) == 0
        again = await run(socket, "again", "{ grids(first: 5) { edges { node { name } } } " + GENERAL_PATH[1:])
        assert [edge["node"]["name"] for edge in again["data"]["grids"]["edges"]] == ["拱宸桥一网格"]
        assert connections_in_use(server) == 0
    finally:
        await socket.close()


def peak_of_connections(server: UvicornServer) -> dict[str, int]:
    """The most connections checked out of the server's pool at once, from now on (``["peak"]``)."""
    from sqlalchemy import event

    seen = {"now": 0, "peak": 0}

    def out(*_):
        seen["now"] += 1
        seen["peak"] = max(seen["peak"], seen["now"])

    def back(*_):
        seen["now"] -= 1

    async def listen(kernel):
        event.listen(kernel.db.sync_engine.pool, "checkout", out)
        event.listen(kernel.db.sync_engine.pool, "checkin", back)

    server.call(listen)
    return seen


async def test_operations_sent_at_once_on_one_socket_each_get_their_own_answer(server):
    """Eight queries in flight on one socket (each its own context and session), answered by
    id; at most two of them hold a connection at once (``SOCKET_SESSIONS``), so one socket
    cannot take the pool."""
    from jiedao.schema.context import SOCKET_SESSIONS

    token = admin_token(server)
    socket = await open_socket(server, token)
    peak = peak_of_connections(server)
    try:
        sizes = {f"page-{n}": n for n in range(1, 9)}
        for operation_id, first in sizes.items():
            # odd pages through the general path (a session), even ones compiled (read outside a transaction)
            query = ("{ me { username } buildings(first: %d) { edges { node { id } } } }" if first % 2 else
                     "{ buildings(first: %d) { edges { node { id } } } }") % first
            await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query}}))
        answered, completed = {}, set()
        while completed != set(sizes):
            message = json.loads(await asyncio.wait_for(socket.recv(), PATIENCE))
            if message["type"] == "next":
                answered[message["id"]] = message["payload"]
            else:
                assert message["type"] == "complete", message
                completed.add(message["id"])
        for operation_id, first in sizes.items():
            assert "errors" not in answered[operation_id], answered[operation_id]
            assert len(answered[operation_id]["data"]["buildings"]["edges"]) == min(first, 2), operation_id
        assert connections_in_use(server) == 0
        assert 1 <= peak["peak"] <= SOCKET_SESSIONS == 2, peak
    finally:
        await socket.close()


async def test_an_operations_write_position_passes_to_the_socket_and_never_goes_back(kernel):
    """With read replicas a write announces its commit position (``Context._announce_written``);
    an operation's context is thrown away at its end, so the position passes to the socket's
    context, from which the next operations are made (a socket has no cookie to carry it).
    (The position is set by hand here: ``tests/deploy/test_replicas.py`` runs real replicas.)"""
    from jiedao.core.socket_operations import _closing_after
    from jiedao.schema.context import Context

    socket = Context(kernel=kernel, street="changqing", street_id=kernel.street_id("changqing"), request_id="socket")
    for written, expected in (("0/16B3748", "0/16B3748"), ("0/16B3700", "0/16B3748"), ("1/0", "1/0")):
        operation = socket.for_operation()
        operation.read_after = written  # what Context._announce_written sets after a commit

        async def nothing():
            return
            yield

        async for _ in _closing_after(nothing(), operation):
            pass
        assert socket.read_after == expected, "an earlier position never replaces a later one"
        assert socket.for_operation().read_after == expected


async def test_a_subscription_holds_no_connection_between_events(server):
    """An ``alarmChanged`` event whose fields read the database (the alarm's device) is sent,
    then the subscription waits for the next one holding no connection and no place at the
    socket's gate: the socket's queries are still answered."""
    from datetime import UTC, datetime

    from jiedao.plugins.sensors.models import Alarm, Device
    from jiedao.plugins.sensors.service.alarms import Change
    from jiedao.plugins.sensors.service.publish import feed_of

    street_id = server.kernel.street_id("changqing")

    async def device(kernel):
        async with kernel.db.transaction(street_id) as session:
            row = Device(street_id=street_id, device_id="SD-9", kind="SMOKE_DETECTOR", name="厨房烟感", status="ONLINE", latest={})
            session.add(row)
            await session.flush()
            return row.id

    device_pk = server.call(device)

    async def raise_alarm(kernel, alarm_id: int):
        now = datetime.now(UTC)
        alarm = Alarm(id=alarm_id, street_id=street_id, device_pk=device_pk, type="SMOKE", severity="CRITICAL", status="ACTIVE_UNACK",
                      message="smoke", raised_at=now, updated_at=now, repeat_count=0, escalation_level=0)
        feed_of(kernel).put(street_id, Change("raised", alarm, None))

    token = admin_token(server)
    socket = await open_socket(server, token)
    try:
        for operation_id in ("alarms-1", "alarms-2"):  # two subscriptions: as many as the gate's places
            query = "subscription { alarmChanged { alarm { id device { deviceId name } } } }"
            await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query}}))
        heard: dict[str, int] = {}
        deadline = asyncio.get_running_loop().time() + PATIENCE
        while len(heard) < 2:  # the subscriptions register asynchronously: raise until both heard one
            assert asyncio.get_running_loop().time() < deadline, heard
            server.call(lambda kernel: raise_alarm(kernel, 7000 + len(heard)))
            try:
                message = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
            except TimeoutError:
                continue
            assert message["type"] == "next", message
            assert message["payload"]["data"]["alarmChanged"]["alarm"]["device"] == {"deviceId": "SD-9", "name": "厨房烟感"}
            heard[message["id"]] = 1
        while connections_in_use(server) != 0:  # given back once the event was sent
            assert asyncio.get_running_loop().time() < deadline, "a subscription kept its connection while waiting"
            await asyncio.sleep(0.05)
        # both places at the socket's gate are free: two queries at once are answered
        answers = await asyncio.wait_for(asyncio.gather(*(run_skipping_events(socket, f"query-{n}", GENERAL_PATH) for n in (1, 2))), PATIENCE)
        assert [answer["data"]["me"]["username"] for answer in answers] == ["socket-admin"] * 2
    finally:
        await socket.close()


async def run_skipping_events(socket, operation_id: str, query: str) -> dict:
    """``run``, with other operations' messages on the socket left to their own readers."""
    await socket.send(json.dumps({"id": operation_id, "type": "subscribe", "payload": {"query": query}}))
    result = None
    while True:
        message = await _next_for(socket, operation_id)
        if message["type"] == "complete":
            return result
        result = message["payload"]


_INBOX: dict[int, list[dict]] = {}
_READING: dict[int, asyncio.Lock] = {}


async def _next_for(socket, operation_id: str) -> dict:
    """The next message of ``operation_id`` on ``socket``; messages of others are kept for them."""
    inbox, lock = _INBOX.setdefault(id(socket), []), _READING.setdefault(id(socket), asyncio.Lock())
    while True:
        for message in inbox:
            if message.get("id") == operation_id:
                inbox.remove(message)
                return message
        async with lock:
            if any(message.get("id") == operation_id for message in inbox):
                continue
            inbox.append(json.loads(await socket.recv()))
