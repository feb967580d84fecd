"""Benchmark of the notification outbox (not part of the test run).

    .venv/bin/python bench/notify.py [--backend sqlite|postgres|both] [--messages 5000]

Every figure comes from real processes on this machine: the DingTalk fake provider (the one
the tests and the demo use, checking tokens like DingTalk) served by uvicorn in a process of its
own, SQLite or a throwaway PostgreSQL.

- Ceiling: a bare httpx client in this process sends ``--messages`` work notices straight to
  the fake, 64 at a time — what the network and the fake allow, with no outbox at all.
- Outbox: the same number of messages written to the outbox (in batches of 500, timed on their
  own), then delivered by one worker (``core.notify.worker.cycle``): taken with a lease, sent
  through the ``dingtalk_work`` channel, each outcome recorded as a receipt. The rate runs
  from the start of delivery to the last recorded outcome.
- The outbox alone: the same through the ``log`` channel (no HTTP): what the taking,
  leasing and recording cost, whatever the provider.
- Checked: every message reached the fake exactly once (0 lost, 0 duplicated, by the message
  number in its title) and every outbox row is SENT.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from jiedao.core import clock, migrate  # noqa: E402
from jiedao.core.config import parse_config  # noqa: E402
from jiedao.core.identity.models import User  # noqa: E402
from jiedao.core.kernel import Kernel  # noqa: E402
from jiedao.core.notify.models import OutboxMessage  # noqa: E402
from jiedao.core.notify.outbox import Draft, write_message  # noqa: E402
from jiedao.core.notify.recipients import STAFF, Person  # noqa: E402
from jiedao.core.notify.runtime import runtime  # noqa: E402
from jiedao.core.notify.worker import cycle  # noqa: E402
from jiedao.core.testing.services import free_port  # noqa: E402

SECRETS = {"JIEDAO_DINGTALK_APP_KEY": "bench-key", "JIEDAO_DINGTALK_APP_SECRET": "bench-secret"}
AGENT = 4001
FAKE_SERVER = textwrap.dedent(
    """
    import sys, uvicorn
    from collections import Counter
    from starlette.responses import JSONResponse
    from starlette.routing import Route
    from jiedao.core.notify.fakes import FakeRecorder
    from jiedao.plugins.dingtalk.fake import fake_dingtalk
    from jiedao.plugins.dingtalk.settings import DingTalkSettings

    recorder = FakeRecorder()
    app = fake_dingtalk(recorder, "changqing", DingTalkSettings(agent_id=%d), %r)

    async def stats(request):
        accepted = [d for d in recorder.deliveries if d.verified and d.provider_id]
        titles = Counter(d.text.split("\\n")[0] for d in accepted)
        return JSONResponse({"accepted": len(accepted), "distinct": len(titles), "refused": sum(1 for d in recorder.deliveries if not d.verified)})

    async def reset(request):
        recorder.deliveries.clear()
        return JSONResponse({})

    app.router.routes += [Route("/stats", stats), Route("/reset", reset, methods=["POST"])]
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
    """
) % (AGENT, SECRETS)


def start_fake() -> tuple[subprocess.Popen, str]:
    """The fake DingTalk in a uvicorn process of its own; its base URL."""
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", FAKE_SERVER, str(port)])
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            httpx.get(f"{url}/stats", timeout=0.5)
            return process, url
        except httpx.HTTPError:
            time.sleep(0.05)
    process.kill()
    raise RuntimeError("the fake provider did not start")


async def ceiling(url: str, messages: int) -> float:
    """Work notices sent straight to the fake, 64 at a time: messages per second."""
    async with httpx.AsyncClient(base_url=url, timeout=10) as http:
        token = (await http.get("/gettoken", params={"appkey": SECRETS["JIEDAO_DINGTALK_APP_KEY"], "appsecret": SECRETS["JIEDAO_DINGTALK_APP_SECRET"]})).json()["access_token"]
        semaphore = asyncio.Semaphore(64)

        async def one(n: int) -> None:
            body = {"agent_id": AGENT, "userid_list": "dt-bench", "msg": {"msgtype": "markdown", "markdown": {"title": f"bare {n}", "text": f"#### bare {n}\n\nbench"}}}
            async with semaphore:
                answer = (await http.post("/topapi/message/corpconversation/asyncsend_v2", params={"access_token": token}, json=body)).json()
                assert answer["errcode"] == 0, answer

        started = time.perf_counter()
        await asyncio.gather(*(one(n) for n in range(messages)))
        return messages / (time.perf_counter() - started)


async def run_backend(name: str, url: str, owner_url: str, fake_url: str, messages: int, channel: str = "dingtalk_work") -> dict:
    """Write ``messages`` messages to the outbox of a fresh database and deliver them with one
    worker through ``channel`` (``log``: the outbox's own cost, no HTTP)."""
    streets = {"changqing": {"name": "长庆街道", "plugins": ["dingtalk"], "dingtalk": {"endpoint": fake_url, "agent_id": AGENT},
                             "notify": {"per_minute": 1000}}}
    kernel = await Kernel.load(parse_config({"streets": streets}, database_url=url))
    await asyncio.to_thread(migrate.upgrade, kernel, "heads", owner_url)
    await kernel.sync_streets()
    runtime(kernel).reset(environ={**os.environ, **SECRETS})
    street_id = kernel.street_id("changqing")
    settings = kernel.settings("changqing", "notify")
    async with kernel.db.transaction() as session:
        user_id = await session.scalar(select(User.id).where(User.username == "bench-worker"))
        if user_id is None:
            session.add(User(username="bench-worker", password_hash="x"))
            await session.flush()
            user_id = await session.scalar(select(User.id).where(User.username == "bench-worker"))
    person = Person(STAFF, user_id, "bench-worker", role="grid_worker", dingtalk="dt-bench")
    started = time.perf_counter()
    for first in range(0, messages, 500):
        async with kernel.db.transaction(street_id) as session:
            for n in range(first, min(first + 500, messages)):
                draft = Draft(kind="notice", subject="", severity="critical", title=f"outbox {n}", fields={"what": f"outbox {n}", "where": "bench"}, at=clock.now())
                await write_message(session, street_id, settings, draft, key=f"bench-{channel}-{n}", person=person, channel=channel, address="dt-bench")
    written = messages / (time.perf_counter() - started)
    httpx.post(f"{fake_url}/reset")
    started = time.perf_counter()
    while await cycle(kernel, "bench-worker", batch=500):
        pass
    delivered = messages / (time.perf_counter() - started)
    async with kernel.db.transaction(street_id) as session:
        statuses = dict((await session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))).all())
    await kernel.close()
    if channel == "log":
        sent = statuses.get("DELIVERED", 0)
        return {"backend": f"{name}, log channel", "written": written, "delivered": delivered, "statuses": statuses, "lost": messages - sent, "duplicated": 0, "refused": 0}
    stats = httpx.get(f"{fake_url}/stats").json()
    return {"backend": name, "written": written, "delivered": delivered, "statuses": statuses,
            "lost": messages - stats["distinct"], "duplicated": stats["accepted"] - stats["distinct"], "refused": stats["refused"]}


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--messages", type=int, default=5000)
    args = parser.parse_args()
    fake, fake_url = start_fake()
    results = []
    try:
        await ceiling(fake_url, 500)  # warm-up: connections, the fake's first requests
        bare = await ceiling(fake_url, args.messages)
        with tempfile.TemporaryDirectory() as folder:
            if args.backend in ("sqlite", "both"):
                for channel in ("dingtalk_work", "log"):  # a fresh database each
                    url = f"sqlite+aiosqlite:///{folder}/bench-{channel}.db"
                    results.append(await run_backend("sqlite", url, url, fake_url, args.messages, channel=channel))
            if args.backend in ("postgres", "both"):
                from jiedao.core.testing.services import PostgresCluster, postgres_available

                reason = postgres_available()
                if reason:
                    sys.exit(f"[postgres] cannot run: {reason}")
                with PostgresCluster() as cluster:
                    cluster.create_role("bench_owner")
                    cluster.create_role("bench_app")
                    os.environ["JIEDAO_DB_APP_ROLE"] = "bench_app"  # the migration grants it data access, as in production
                    for channel in ("dingtalk_work", "log"):  # a fresh database each
                        database = f"bench_{channel}"
                        cluster.create_database(database, owner="bench_owner")
                        app, owner = cluster.url(database, user="bench_app"), cluster.url(database, user="bench_owner")
                        results.append(await run_backend("postgres", app, owner, fake_url, args.messages, channel=channel))
    finally:
        fake.terminate()
        fake.wait(10)
    print(f"ceiling (bare httpx → fake DingTalk, 64 in flight): {bare:,.0f} msg/s")
    for r in results:
        print(
            f"[{r['backend']}] outbox write {r['written']:,.0f} msg/s; one worker delivers {r['delivered']:,.0f} msg/s "
            f"= {r['delivered'] / bare:.2f} of the ceiling; lost {r['lost']}, duplicated {r['duplicated']}, refused {r['refused']}; rows {r['statuses']}"
        )


if __name__ == "__main__":
    asyncio.run(main())
