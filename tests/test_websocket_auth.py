"""WebSocket refusals and revocations, seen by a real client of a real uvicorn (graphql-transport-ws).

uvicorn turns a close sent before the handshake is accepted into HTTP 403 (the client sees
1006); these tests read the close codes a browser or a graphql-ws client would get.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from jiedao.core.identity import service
from jiedao.core.identity.models import Grant, Token, User
from jiedao.core.testing.uvicorn_server import UvicornServer

STREETS = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}, "gongchen": {"name": "拱宸桥街道", "plugins": []}}
ALARMS = "subscription { alarmChanged { change alarm { id message severity } } }"
DEADLINE = 20.0


@pytest.fixture
def server(database_url, monkeypatch):
    monkeypatch.setenv("JIEDAO_SOCKET_RECHECK_SECONDS", "0.5")
    with UvicornServer(STREETS, database_url) as running:
        yield running


def make_token(server: UvicornServer, username: str, *, role: str = "community_worker", lifetime: timedelta = timedelta(hours=1)) -> str:
    """A user holding ``role`` in changqing and a fresh token of theirs."""
    token = secrets.token_urlsafe(24)

    async def make(kernel):
        async with kernel.db.transaction() as session:
            user = User(username=username, password_hash="-")
            session.add(user)
            await session.flush()
            session.add(Grant(user_id=user.id, street_id=kernel.street_id("changqing"), role=role))
            session.add(Token(user_id=user.id, digest=service.digest(token), created_at=service.now(), expires_at=service.now() + lifetime))

    server.call(make)
    return token


def raise_alarm(server: UvicornServer, message: str) -> None:
    """Hand an alarm change to changqing's live feed, as the ingester does."""

    async def put(kernel):
        from jiedao.plugins.sensors.models import Alarm
        from jiedao.plugins.sensors.service.alarms import Change
        from jiedao.plugins.sensors.service.publish import feed_of

        now = datetime.now(UTC)
        alarm = Alarm(id=4242, device_pk=1, type="SMOKE", severity="CRITICAL", status="ACTIVE_UNACK",
                      message=message, raised_at=now, updated_at=now, repeat_count=0, escalation_level=0)
        feed_of(kernel).put(kernel.street_id("changqing"), Change("raised", alarm, None))

    server.call(put)


async def close_code(socket) -> int:
    """Read until the server closes the socket (or the deadline passes) and return its close code."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        try:
            await asyncio.wait_for(socket.recv(), max(0.1, deadline - time.monotonic()))
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else 1006
        except TimeoutError:
            break
    pytest.fail(f"the server did not close the socket within {DEADLINE:.0f}s")


async def subscribed(server: UvicornServer, token: str):
    """A socket that authenticated in connection_init and subscribed to alarmChanged."""
    socket = await connect(server.ws_url("changqing"), subprotocols=["graphql-transport-ws"], open_timeout=DEADLINE)
    await socket.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(socket.recv(), DEADLINE))["type"] == "connection_ack"
    await socket.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": ALARMS}}))
    return socket


async def receives_alarm(server: UvicornServer, socket, message: str) -> None:
    """Raise alarms until one reaches ``socket`` (the subscription is registered asynchronously)."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        raise_alarm(server, message)
        try:
            received = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
        except TimeoutError:
            continue
        assert received["type"] == "next", received
        assert received["payload"]["data"]["alarmChanged"]["alarm"]["message"] == message
        return
    pytest.fail("the subscription never delivered an alarm")


async def graphql(server: UvicornServer, query: str, token: str) -> dict:
    async with httpx.AsyncClient(base_url=server.url, timeout=DEADLINE) as http:
        response = await http.post("/graphql/changqing", json={"query": query}, headers={"authorization": f"Bearer {token}"})
    return response.json()


async def refused_with(url: str, init: dict | None = None) -> int:
    """Open a socket (sending ``connection_init`` with ``init`` as payload) and return its close code."""
    async with connect(url, subprotocols=["graphql-transport-ws"], open_timeout=DEADLINE) as socket:
        if init is not None:
            await socket.send(json.dumps({"type": "connection_init", "payload": init}))
        return await close_code(socket)


# --- item 8: refusals reach the client as close codes ------------------------------------------


async def test_refusals_reach_a_real_client_as_protocol_close_codes(server):
    """Not HTTP 403 / 1006: 4404 unknown street, 4401 bad or missing token, 4403 no role here."""
    token = make_token(server, "refusals")
    assert await refused_with(server.ws_url("nowhere")) == 4404
    assert await refused_with(server.ws_url("changqing", "token=forged")) == 4401
    assert await refused_with(server.ws_url("changqing"), {"Authorization": "Bearer forged"}) == 4401
    assert await refused_with(server.ws_url("gongchen"), {"Authorization": f"Bearer {token}"}) == 4403


async def test_a_socket_without_a_token_is_refused_at_connection_init(server):
    """An anonymous ``connection_init`` is answered by close 4401, not by an ack."""
    assert await refused_with(server.ws_url("changqing"), {}) == 4401


# --- item 7: revocation ends open subscriptions ------------------------------------------------


async def test_log_out_everywhere_closes_an_open_alarm_subscription(server):
    token = make_token(server, "leaver")
    socket = await subscribed(server, token)
    try:
        await receives_alarm(server, socket, "3幢 烟感报警")
        answer = await graphql(server, "mutation { logoutEverywhere { errors { message } } }", token)
        assert "errors" not in answer, answer
        assert await close_code(socket) == 4401
    finally:
        await socket.close()


async def test_a_token_revoked_by_another_process_closes_the_subscription(server):
    """Nothing in this process is told (e.g. ``jiedao users revoke-tokens`` ran elsewhere): the
    periodic re-check against the database still closes the socket."""
    token = make_token(server, "revoked-elsewhere")
    socket = await subscribed(server, token)
    try:
        await receives_alarm(server, socket, "配电箱 剩余电流")

        async def revoke(kernel):
            async with kernel.db.transaction() as session:
                await session.execute(update(Token).where(Token.digest == service.digest(token)).values(revoked_at=service.now()))

        server.call(revoke)
        assert await close_code(socket) == 4401
    finally:
        await socket.close()


async def test_an_expiring_token_closes_the_subscription(server):
    token = make_token(server, "short-lived", lifetime=timedelta(seconds=3))
    socket = await subscribed(server, token)
    try:
        assert await close_code(socket) == 4401
    finally:
        await socket.close()


async def test_a_revoked_grant_closes_the_subscription_with_4403(server):
    token = make_token(server, "demoted")
    socket = await subscribed(server, token)
    try:
        await receives_alarm(server, socket, "充电桩 温度")

        async def demote(kernel):
            async with kernel.db.transaction() as session:
                user = await session.scalar(select(User).where(User.username == "demoted"))
                await service.revoke(session, user, await service.street_by_slug(session, "changqing"), "community_worker", actor="test")

        server.call(demote)
        assert await close_code(socket) == 4403
    finally:
        await socket.close()
