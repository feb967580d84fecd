"""What the HTTP transport refuses or hides, against a real uvicorn configured as ``jiedao serve``
configures it: forged client addresses, tokens in logs, slow request heads, non-object JSON
bodies, and the security headers of every response."""

from __future__ import annotations

import re
import contextlib
import select
import socket
import time

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from jiedao.core.testing.uvicorn_server import UvicornServer

STREETS = {"changqing": {"name": "长庆街道", "plugins": ["sensors", "dashboard"]}}
LOGIN = 'mutation($u: String!) { login(input: {username: $u, password: "wrong-password"}) { token errors { code } } }'
DEADLINE = 20.0


def failed_logins_from_forged_addresses(server: UvicornServer, attempts: int) -> list[str]:
    """``attempts`` wrong log-ins from this machine, each claiming another address through
    X-Forwarded-For and naming another account; the error codes, in order."""
    codes = []
    with httpx.Client(base_url=server.url, timeout=DEADLINE) as http:
        for n in range(attempts):
            forged = f"203.0.113.{n + 1}"
            answer = http.post("/graphql/changqing", json={"query": LOGIN, "variables": {"u": f"guess-{n}"}}, headers={"x-forwarded-for": forged})
            codes.append(answer.json()["data"]["login"]["errors"][0]["code"])
    return codes


def test_x_forwarded_for_from_an_untrusted_client_does_not_change_its_address(database_url, monkeypatch):
    """By default no proxy is trusted: 31 failed log-ins from loopback, each with another
    X-Forwarded-For, are still counted against the one real address and throttled (with
    30 free attempts per address and a minute's wait after them)."""
    monkeypatch.setenv("JIEDAO_LOGIN_ADDRESS_FREE_ATTEMPTS", "30")
    monkeypatch.setenv("JIEDAO_LOGIN_ADDRESS_DELAY_MAX", "5m")
    monkeypatch.setenv("JIEDAO_LOGIN_DELAY_BASE", "1m")
    monkeypatch.delenv("JIEDAO_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    with UvicornServer(STREETS, database_url) as server:
        codes = failed_logins_from_forged_addresses(server, 31)
    assert codes[:30] == ["INVALID_CREDENTIALS"] * 30
    assert codes[30] == "THROTTLED"


def test_x_forwarded_for_from_a_configured_proxy_is_believed(database_url, monkeypatch):
    """With ``JIEDAO_TRUSTED_PROXIES`` naming the proxy, each forwarded address counts alone."""
    monkeypatch.setenv("JIEDAO_LOGIN_ADDRESS_FREE_ATTEMPTS", "30")
    monkeypatch.setenv("JIEDAO_TRUSTED_PROXIES", "127.0.0.0/8, ::1")
    with UvicornServer(STREETS, database_url) as server:
        codes = failed_logins_from_forged_addresses(server, 31)
    assert codes == ["INVALID_CREDENTIALS"] * 31


@pytest.fixture
def sqlite_copy(sqlite_template, tmp_path) -> str:
    """A copy of the migrated SQLite template (these tests are about the transport alone)."""
    import shutil

    path = tmp_path / "transport.db"
    shutil.copy(sqlite_template, path)
    return f"sqlite+aiosqlite:///{path}"


@pytest.fixture
def server(request, sqlite_copy, monkeypatch):
    """One uvicorn with a head timeout of 1 s (httptools, or h11 when parametrized so)."""
    from jiedao.core import server
    monkeypatch.setenv("JIEDAO_HEADER_TIMEOUT_SECONDS", "1")
    if getattr(request, "param", "httptools") == "h11":
        monkeypatch.setattr(server, "HTTP_PROTOCOL", server.HeadTimeoutH11Protocol)
    with UvicornServer(STREETS, sqlite_copy) as running:
        yield running


async def test_tokens_in_query_strings_never_reach_the_logs(server):
    secret = "SECRET-token-value-4711"
    with pytest.raises((ConnectionClosed, InvalidStatus)):
        async with connect(server.ws_url("changqing", f"token={secret}"), subprotocols=["graphql-transport-ws"]) as socket:
            await socket.recv()
    async with httpx.AsyncClient(base_url=server.url, timeout=DEADLINE) as http:
        await http.get("/graphql/changqing", params={"token": secret, "query": "{ street { name } }"})
        await http.get("/cockpit/changqing/export.csv", params={"key": "x", "token": secret})
    deadline = time.monotonic() + DEADLINE
    while "export.csv" not in server.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = server.log_text()
    assert 'WebSocket /graphql/changqing?token=***"' in log and "/cockpit/changqing/export.csv?key=***&token=***" in log, log
    assert secret not in log


def still_open(conn: socket.socket) -> bool:
    """Whether the server still holds ``conn`` (no EOF, no reset, nothing written back)."""
    readable, _, _ = select.select([conn], [], [], 0)
    if not readable:
        return True
    try:
        return conn.recv(1024, socket.MSG_PEEK) != b""
    except OSError:
        return False


def _answer_of(conn: socket.socket) -> bytes:
    """Read one small response (a /healthz answer) from ``conn``."""
    received = b""
    while not received.endswith(b"ok"):
        chunk = conn.recv(4096)
        if not chunk:
            break
        received += chunk
    return received


@pytest.mark.parametrize("server", ["httptools", "h11"], indirect=True)
def test_each_head_of_a_kept_alive_connection_has_its_own_time(server):
    """The head timer of a kept-alive connection counts from each request's first byte: a head
    that began 0.7 s after the connection opened and ends 0.5 s later (past the first head's
    second) is answered; a later head dripped after a pause is still cut off."""
    head = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    conn = socket.create_connection(("127.0.0.1", server.port), timeout=DEADLINE)
    opened = time.monotonic()
    try:
        conn.sendall(head + b"\r\n")
        assert _answer_of(conn).startswith(b"HTTP/1.1 200")
        time.sleep(max(0.0, opened + 0.7 - time.monotonic()))  # the client's pace
        conn.sendall(head)
        time.sleep(0.5)
        conn.sendall(b"\r\n")
        assert _answer_of(conn).startswith(b"HTTP/1.1 200"), "a head sent within its own second was cut off"
        time.sleep(1.5)  # no head awaited meanwhile: nothing to cut
        assert still_open(conn)
        conn.sendall(b"GET /healthz HTTP/1.1\r\n")
        deadline = time.monotonic() + DEADLINE
        while still_open(conn) and time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                conn.send(b"X")
            time.sleep(0.1)  # the attacker's pace, not a wait for the server
        assert not still_open(conn), "a dripped head after a pause was never cut off"
    finally:
        conn.close()


@pytest.mark.parametrize("server", ["httptools", "h11"], indirect=True)
def test_a_slowly_sent_request_head_is_cut_off(server):
    """Slowloris: 100 connections drip a request head a byte at a time; the server closes each
    once the head timeout passes, and still answers a normal request meanwhile."""
    drip = b"X-Slow: 1\r\n"
    slow = []
    for _ in range(100):
        conn = socket.create_connection(("127.0.0.1", server.port), timeout=5)
        conn.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        slow.append(conn)
    try:
        assert httpx.get(f"{server.url}/healthz", timeout=DEADLINE).text == "ok"
        deadline, step = time.monotonic() + DEADLINE, 0
        while any(still_open(conn) for conn in slow) and time.monotonic() < deadline:
            for conn in slow:
                if still_open(conn):
                    try:
                        conn.send(drip[step % len(drip) : step % len(drip) + 1])
                    except OSError:
                        pass
            step += 1
            time.sleep(0.1)  # the attacker's pace, not a wait for the server
        held = sum(still_open(conn) for conn in slow)
        assert held == 0, f"{held} of 100 slow connections still held after {DEADLINE:.0f}s"
        assert httpx.get(f"{server.url}/healthz", timeout=DEADLINE).text == "ok"
    finally:
        for conn in slow:
            conn.close()


@pytest.mark.parametrize("body", ["[]", "1", '"x"', "null", "true", "[{\"query\": \"{ street { name } }\"}]"])
async def test_a_json_body_that_is_not_an_object_is_a_400_with_a_graphql_error(server, body):
    async with httpx.AsyncClient(base_url=server.url, timeout=DEADLINE) as http:
        response = await http.post("/graphql/changqing", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/json")
    error = response.json()["errors"][0]
    assert "JSON object" in error["message"] and error["extensions"]["code"] == "BAD_REQUEST"


SECURITY_HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer"}


async def test_every_response_carries_the_security_headers(server):
    async with httpx.AsyncClient(base_url=server.url, timeout=DEADLINE) as http:
        responses = {
            "healthz": await http.get("/healthz"),
            "graphql": await http.post("/graphql/changqing", json={"query": "{ street { name } }"}),
            "unknown street": await http.post("/graphql/nowhere", json={"query": "{ street { name } }"}),
            "no route": await http.get("/nothing-here"),
            "graphiql": await http.get("/graphql/changqing", headers={"accept": "text/html"}),
            "cockpit": await http.get("/cockpit/changqing"),
            "metrics": await http.get("/metrics"),
        }
    for name, response in responses.items():
        for header, value in SECURITY_HEADERS.items():
            assert response.headers.get(header) == value, (name, header)
        policy = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in policy, name
        assert "'unsafe-eval'" not in policy and not re.search(r"script-src[^;]*'unsafe-inline'", policy), name
    assert responses["healthz"].headers["content-security-policy"].startswith("default-src 'none'")


async def test_graphiql_loads_only_its_own_scripts(server):
    """GraphiQL comes from the front end's build (works offline): its policy allows same-origin
    scripts only (no CDN, no inline script, no eval, no workers) and talks to its own origin."""
    async with httpx.AsyncClient(base_url=server.url, timeout=DEADLINE) as http:
        page = await http.get("/graphql/changqing", headers={"accept": "text/html"})
    assert page.status_code == 200 and 'id="graphiql-root"' in page.text
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    named = set(re.findall(r'<script[^>]*\bsrc="([^"]+)"', page.text))
    assert named and all(src.startswith("/static/assets/") for src in named)
    assert policy["script-src"] == "'self'" and "worker-src" not in policy and "blob:" not in page.headers["content-security-policy"]
    assert policy["connect-src"] == "'self'" and policy["default-src"] == "'none'"
