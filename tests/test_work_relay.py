"""``workItemChanged`` across processes: PostgreSQL NOTIFY/LISTEN (``core.work.relay``), opt-in
with ``JIEDAO_WORK_RELAY=on``; SQLite deployments are single-process and relay nothing.
(tests/deploy/test_deploy_topology.py sees an ingester's work item on another API process.)"""

from __future__ import annotations

import asyncio
import contextlib
from types import SimpleNamespace

from jiedao.core.events import Delivery
from jiedao.core.work.live import feed_of
from jiedao.core.work.relay import RelayedWorkEvent, listen_work_items, notify_work_event, work_relay_enabled


@contextlib.asynccontextmanager
async def listening(kernel):
    task = asyncio.create_task(listen_work_items(kernel))
    try:
        yield task
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def announce_until(received: asyncio.Future, event, delivery: Delivery) -> None:
    """LISTEN registers asynchronously: announce ``event`` until ``received`` is done."""
    for _ in range(60):
        await notify_work_event(event, delivery)
        await asyncio.wait([received], timeout=0.5)
        if received.done():
            return
    raise AssertionError("the work-item change never arrived")


async def test_a_work_item_change_reaches_the_feed_of_another_process_on_postgresql_only(make_kernel, monkeypatch):
    monkeypatch.setenv("JIEDAO_WORK_RELAY", "on")
    mine, other = await make_kernel(), await make_kernel()  # two processes: own kernels, same database
    street_id = mine.street_id("changqing")
    event = SimpleNamespace(name="core.work.item.state_changed", work_item_id=42, action="accept")
    if mine.db.engine.dialect.name != "postgresql":
        assert not work_relay_enabled(mine)
        async with listening(other) as task:
            await asyncio.wait_for(task, 5)  # nothing to listen to: it returns at once
        return
    assert work_relay_enabled(mine)
    theirs, own = feed_of(other).listen(street_id), feed_of(mine).listen(street_id)
    their_next, own_next = asyncio.ensure_future(anext(theirs)), asyncio.ensure_future(anext(own))
    async with listening(other), listening(mine):
        await announce_until(their_next, event, Delivery("changqing", street_id, mine))
        assert their_next.result() == RelayedWorkEvent("core.work.item.state_changed", 42, "accept")
        assert not own_next.done()  # its own announcements come back and are skipped
        await announce_until(own_next, event, Delivery("changqing", street_id, other))  # the other way round
        assert own_next.result() == RelayedWorkEvent("core.work.item.state_changed", 42, "accept")
    await theirs.aclose()
    await own.aclose()


async def test_without_the_setting_nothing_is_announced(kernel, monkeypatch):
    monkeypatch.delenv("JIEDAO_WORK_RELAY", raising=False)
    assert not work_relay_enabled(kernel)
    async with listening(kernel) as task:
        await asyncio.wait_for(task, 5)
