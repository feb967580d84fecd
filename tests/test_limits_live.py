"""The worst query the limits accept, against a real uvicorn: /healthz keeps answering."""

from __future__ import annotations

import asyncio
import secrets
import threading
import time
from datetime import timedelta

import httpx
import pytest

from jiedao.core.kernel import Kernel
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.uvicorn_server import UvicornServer
from jiedao.schema.ids import encode_global_id

BUILDINGS, UNITS = 16, 300
"""A compound of 16 buildings of 300 units each (4,800 units, one owner each)."""

HEAVY = "{ buildings(first: 33) { edges { node { name units { id number area building { name } } } } } }"
"""The largest page of buildings whose declared bounds (33 × 301 objects) stay under 10,000."""


def heavy_server(database_url: str) -> UvicornServer:
    """uvicorn on a compound of BUILDINGS × UNITS; ``server.info`` holds a worker's token and
    the first building's global ID once it has started."""
    info: dict = {}

    async def seed(kernel: Kernel) -> None:
        ids = await build_registry(kernel, "changqing", buildings=BUILDINGS, units_per_building=UNITS)
        info.update(token=await _worker_token(kernel), building=encode_global_id("Building", ids["buildings"][0]))

    server = UvicornServer({"changqing": {"name": "长庆街道", "plugins": []}}, database_url, seed=seed)
    server.info = info
    return server


async def _worker_token(kernel: Kernel) -> str:
    from jiedao.core.identity import service
    from jiedao.core.identity.models import Grant, Token, User

    token = secrets.token_urlsafe(24)
    async with kernel.db.transaction() as session:
        user = User(username="live-worker", password_hash="-")
        session.add(user)
        await session.flush()
        session.add(Grant(user_id=user.id, street_id=kernel.street_id("changqing"), role="community_worker"))
        session.add(Token(user_id=user.id, digest=service.digest(token), created_at=service.now(), expires_at=service.now() + timedelta(hours=1)))
    return token


@pytest.fixture
def executions(monkeypatch):
    """Marks when the server starts and finishes executing an operation (in its own thread)."""
    import jiedao.schema.extensions as extensions
    marks = {"started": threading.Event(), "finished": threading.Event()}
    start, stop = extensions.start_budget, extensions.stop_budget

    def started(limit):
        marks["started"].set()
        return start(limit)

    def finished():
        stop()
        marks["finished"].set()

    monkeypatch.setattr(extensions, "start_budget", started)
    monkeypatch.setattr(extensions, "stop_budget", finished)
    return marks


async def _until(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.001)


async def test_health_checks_answer_while_the_worst_accepted_query_runs(database_url, executions):
    with heavy_server(database_url) as server:
        headers = {"authorization": f"Bearer {server.info['token']}"}
        async with httpx.AsyncClient(base_url=server.url, timeout=120) as heavy_client, httpx.AsyncClient(base_url=server.url, timeout=120) as probe:
            heavy = asyncio.create_task(heavy_client.post("/graphql/changqing", json={"query": HEAVY}, headers=headers))
            await _until(lambda: executions["started"].is_set() or heavy.done(), "the heavy query to start executing")
            answered_mid_execution = 0
            while not heavy.done():
                health = await probe.get("/healthz")
                assert health.status_code == 200 and health.text == "ok"
                if not executions["finished"].is_set():
                    answered_mid_execution += 1
            body = (await heavy).json()
            assert "errors" not in body, body
            assert body["extensions"]["objects"] <= 10_000, "the query is within the limits"
            assert sum(len(e["node"]["units"]) for e in body["data"]["buildings"]["edges"]) == BUILDINGS * UNITS
            assert answered_mid_execution >= 1, "/healthz was answered while the heavy query was executing"

            # The attack of issue 13 item 6 is refused before it runs, over the real server too.
            inner = "units { number }"
            for _ in range(4):
                inner = f"units {{ building {{ {inner} }} }}"
            attack = "{ " + " ".join(f'a{i}: node(id: "{server.info["building"]}") {{ ... on Building {{ {inner} }} }}' for i in range(4)) + " }"
            refused = (await heavy_client.post("/graphql/changqing", json={"query": attack}, headers=headers)).json()
            assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY" and not refused.get("data")
