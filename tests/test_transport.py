"""WebSocket subscriptions, the server lifespan and CORS, through a real ASGI server loop."""

from __future__ import annotations

import asyncio

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from jiedao.core.app import build_app
from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel

STREETS = {"changqing": {"name": "长庆街道", "plugins": ["hello"]}, "gongchen": {"name": "拱宸桥街道", "plugins": []}}


@pytest.fixture
def hello_app(hello_plugin_path, database_url, monkeypatch):
    monkeypatch.setenv("JIEDAO_CORS_ORIGINS", "https://cockpit.example.org")
    kernel = asyncio.run(Kernel.load(parse_config({"streets": STREETS}, database_url=database_url), extra_plugin_paths=[hello_plugin_path]))
    return kernel, build_app(kernel)


def subscribe(ws, query: str, token: str) -> list:
    ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
    assert ws.receive_json()["type"] == "connection_ack"
    ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
    messages = []
    while True:
        message = ws.receive_json()
        messages.append(message)
        if message["type"] in ("complete", "error"):
            return messages


def test_subscriptions_stream_over_websocket_on_the_street_path(hello_app):
    kernel, app = hello_app
    token = _token_for(kernel, "ticks-worker", streets=("changqing", "gongchen"))
    with TestClient(app) as client, client.websocket_connect("/graphql/changqing", subprotocols=["graphql-transport-ws"]) as ws:
        messages = subscribe(ws, "subscription { ticks(count: 3) }", token)
    assert [m["payload"]["data"]["ticks"] for m in messages if m["type"] == "next"] == [1, 2, 3]


def test_a_street_without_the_plugin_refuses_its_subscription(hello_app):
    kernel, app = hello_app
    token = _token_for(kernel, "ticks-worker", streets=("changqing", "gongchen"))
    english = {"accept-language": "en"}  # the street's language (zh-CN) otherwise
    with TestClient(app) as client, client.websocket_connect("/graphql/gongchen", subprotocols=["graphql-transport-ws"], headers=english) as ws:
        messages = subscribe(ws, "subscription { ticks(count: 3) }", token)
    assert messages[-1]["type"] == "error"
    assert "plugin 'hello'" in messages[-1]["payload"][0]["message"]
    with TestClient(app) as client, client.websocket_connect("/graphql/gongchen", subprotocols=["graphql-transport-ws"]) as ws:
        chinese = subscribe(ws, "subscription { ticks(count: 3) }", token)
    assert "插件“hello”" in chinese[-1]["payload"][0]["message"] and "街道“gongchen”没有启用" in chinese[-1]["payload"][0]["message"]


def test_lifespan_starts_and_stops_plugin_background_work(hello_app):
    import jiedao_hello.plugin as hello

    _, app = hello_app
    hello.BACKGROUND_LOG.clear()
    with TestClient(app) as client:
        assert client.get("/healthz").text == "ok"
        assert hello.BACKGROUND_LOG == ["started"]
    assert hello.BACKGROUND_LOG == ["started", "stopped"]


def test_cors_allows_the_configured_origin_only(hello_app):
    _, app = hello_app
    with TestClient(app) as client:
        allowed = client.options(
            "/graphql/changqing",
            headers={"origin": "https://cockpit.example.org", "access-control-request-method": "POST", "access-control-request-headers": "authorization"},
        )
        assert allowed.headers["access-control-allow-origin"] == "https://cockpit.example.org"
        replicated = client.options(
            "/graphql/changqing",
            headers={"origin": "https://cockpit.example.org", "access-control-request-method": "POST",
                     "access-control-request-headers": "authorization, jiedao-read-after"},
        )
        assert replicated.status_code == 200, "a front end may send its commit position back (read replicas)"
        exposed = client.post("/graphql/changqing", json={"query": "{ street { name } }"}, headers={"origin": "https://cockpit.example.org"})
        assert "jiedao-written-lsn" in exposed.headers["access-control-expose-headers"].lower()
        other = client.post("/graphql/changqing", json={"query": "{ street { name } }"}, headers={"origin": "https://evil.example.com"})
        assert "access-control-allow-origin" not in other.headers


def _token_for(kernel, username: str, streets=("changqing",)) -> str:
    """A bearer token of a community worker of ``streets`` (written before the app starts)."""
    import secrets
    from datetime import timedelta

    from jiedao.core.identity import service
    from jiedao.core.identity.models import Grant, Token, User

    async def make() -> str:
        await kernel.sync_streets()
        token = secrets.token_urlsafe(24)
        async with kernel.db.transaction() as session:
            user = User(username=username, password_hash="-")
            session.add(user)
            await session.flush()
            for street in streets:
                session.add(Grant(user_id=user.id, street_id=kernel.street_id(street), role="community_worker"))
            session.add(Token(user_id=user.id, digest=service.digest(token), created_at=service.now(), expires_at=service.now() + timedelta(hours=1)))
        await kernel.db.dispose()  # the app's own event loop opens fresh connections
        return token

    return asyncio.run(make())


def test_graphql_ws_clients_authenticate_in_connection_init(hello_app):
    kernel, app = hello_app
    token = _token_for(kernel, "ws-worker")
    with TestClient(app) as client:
        with client.websocket_connect("/graphql/changqing", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
            assert ws.receive_json()["type"] == "connection_ack"
            ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": "subscription { whoami }"}})
            assert ws.receive_json()["payload"]["data"] == {"whoami": "ws-worker"}
        with pytest.raises(WebSocketDisconnect) as refused, client.websocket_connect("/graphql/changqing", subprotocols=["graphql-transport-ws"]) as ws:
            ws.send_json({"type": "connection_init", "payload": {"Authorization": "Bearer forged"}})
            ws.receive_json()
        assert refused.value.code == 4401


def test_transport_settings_come_from_the_environment_and_bad_values_are_named():
    from jiedao.core.config import TransportSettings, transport_settings
    from jiedao.core.errors import ConfigurationError

    assert transport_settings({}) == TransportSettings(trusted_proxies=(), socket_recheck_seconds=5.0, header_timeout_seconds=10.0, metrics_token=None)
    good = transport_settings({"JIEDAO_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16,::1", "JIEDAO_SOCKET_RECHECK_SECONDS": "2",
                               "JIEDAO_HEADER_TIMEOUT_SECONDS": "4.5", "JIEDAO_METRICS_TOKEN": "0123456789abcdef0123"})
    assert good == TransportSettings(("10.0.0.5", "10.1.0.0/16", "::1"), 2.0, 4.5, "0123456789abcdef0123")
    with pytest.raises(ConfigurationError) as bad:
        transport_settings({"JIEDAO_TRUSTED_PROXIES": "10.0.0.5,proxy.local", "JIEDAO_SOCKET_RECHECK_SECONDS": "0",
                            "JIEDAO_HEADER_TIMEOUT_SECONDS": "soon", "JIEDAO_METRICS_TOKEN": "short"})
    problems = "\n".join(bad.value.problems)
    for name in ("JIEDAO_TRUSTED_PROXIES: 'proxy.local'", "JIEDAO_SOCKET_RECHECK_SECONDS: '0'", "JIEDAO_HEADER_TIMEOUT_SECONDS: 'soon'", "JIEDAO_METRICS_TOKEN"):
        assert name in problems


def test_query_string_values_are_redacted_in_log_lines():
    from jiedao.core.log_redaction import redact

    assert redact("/graphql/changqing?token=abc.DEF-123&x=1") == "/graphql/changqing?token=***&x=***"
    assert redact('"GET /cockpit/changqing/export.csv?key=a%20b&token= HTTP/1.1"') == '"GET /cockpit/changqing/export.csv?key=***&token=*** HTTP/1.1"'
    assert redact("/healthz") == "/healthz"
