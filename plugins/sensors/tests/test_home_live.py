"""``homeAlarmChanged``: a resident hears of the changes of their own homes' alarms as they
happen (raised, then acknowledged by a grid worker) — and never of another household's."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, select

from jiedao.core.identity.models import User
from jiedao.core.models import Ownership
from jiedao.plugins.sensors.state import feed_of
from jiedao.schema.context import Context
from jiedao.schema.ids import encode_global_id

from .test_alarms import alarms_of, deliver

HOME = "subscription { homeAlarmChanged { change type severity status message clearedAt } }"
PATIENCE = 30.0
"""Seconds an awaited event may take before the test calls the stream hung: generous, as each
event waits for a pooled connection that a loaded CI machine may be slow to open (a 5-second
bound once failed there with the stream still opening its connection)."""
ACK = "mutation($id: ID!) { acknowledgeAlarm(input: {alarmId: $id, note: \"on my way\"}) { errors { code } } }"


async def stream_of(kernel, client, username: str, resident_id: int | None, language: str = "en"):
    """The ``homeAlarmChanged`` stream of a resident account (as its socket would open it; in
    English by default, as the tests compare with the stored text)."""
    await client.token("resident", username=username, resident_id=resident_id)
    async with kernel.db.transaction() as session:
        user = await session.scalar(select(User).where(User.username == username))
    context = Context(kernel=kernel, street="changqing", street_id=kernel.street_id("changqing"), request_id=f"sub-{username}",
                      user=user, roles=frozenset({"resident"}), language=language)
    return await kernel.schemas.for_street("changqing").subscribe(HOME, context_value=context)


async def test_a_resident_hears_of_their_homes_alarms_and_not_of_a_neighbours(kernel, registry, client):
    # EM-1 serves the second unit of the first building (registry.residents[1]); EM-2 that of
    # the second building (registry.residents[3]).
    mine = await stream_of(kernel, client, "owner-em1", registry.residents[1])
    neighbour = await stream_of(kernel, client, "owner-em2", registry.residents[3])
    my_next, neighbours_next = asyncio.ensure_future(anext(mine)), asyncio.ensure_future(anext(neighbour))
    await wait_for_listeners(kernel, feed_of(kernel), 2)
    await deliver(kernel, "EM-1", {"residual_current": 420})
    raised = await asyncio.wait_for(my_next, PATIENCE)
    assert raised.errors is None
    assert raised.data["homeAlarmChanged"] | {"message": None} == {
        "change": "raised", "type": "RESIDUAL_CURRENT", "severity": "MAJOR", "status": "ACTIVE_UNACK", "message": None, "clearedAt": None,
    }
    # the grid worker acknowledges it through the API: the owner hears it, the neighbour does not
    (alarm,) = await alarms_of(kernel, "EM-1")
    grid = await client.token("grid_worker")
    assert (await client.query(ACK, {"id": encode_global_id("Alarm", alarm.id)}, token=grid))["acknowledgeAlarm"]["errors"] == []
    acknowledged = await asyncio.wait_for(anext(mine), PATIENCE)
    assert (acknowledged.data["homeAlarmChanged"]["change"], acknowledged.data["homeAlarmChanged"]["status"]) == ("acknowledged", "ACKNOWLEDGED")
    assert not neighbours_next.done()
    # the neighbour's first event is their own home's alarm: nothing of EM-1 came before it
    await deliver(kernel, "EM-2", {"residual_current": 420})
    theirs = await asyncio.wait_for(neighbours_next, PATIENCE)
    assert theirs.data["homeAlarmChanged"]["change"] == "raised"
    (em2,) = await alarms_of(kernel, "EM-2")
    assert theirs.data["homeAlarmChanged"]["message"] == em2.message
    await mine.aclose()
    await neighbour.aclose()


async def test_a_resident_who_moves_hears_nothing_more_of_the_old_home_and_at_once_of_the_new(kernel, registry, client):
    # owner-em1 (residents[1]) owns units[1], served by EM-1; EM-2 serves units[3].
    mine = await stream_of(kernel, client, "owner-em1", registry.residents[1])
    next_event = asyncio.ensure_future(anext(mine))
    await wait_for_listeners(kernel, feed_of(kernel), 1)
    await deliver(kernel, "EM-1", {"residual_current": 420})  # the stream reads the home's devices
    assert (await asyncio.wait_for(next_event, PATIENCE)).data["homeAlarmChanged"]["change"] == "raised"
    next_event = asyncio.ensure_future(anext(mine))
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:  # sold units[1], bought into units[3]
        await session.execute(delete(Ownership).where(Ownership.resident_id == registry.residents[1]))
        session.add(Ownership(street_id=kernel.street_id("changqing"), unit_id=registry.units[3], resident_id=registry.residents[1]))
    (old,) = await alarms_of(kernel, "EM-1")
    grid = await client.token("grid_worker")
    assert (await client.query(ACK, {"id": encode_global_id("Alarm", old.id)}, token=grid))["acknowledgeAlarm"]["errors"] == []
    await deliver(kernel, "EM-2", {"residual_current": 420})
    first = await asyncio.wait_for(next_event, PATIENCE)  # the old home's acknowledgement never arrives
    (new,) = await alarms_of(kernel, "EM-2")
    assert (first.data["homeAlarmChanged"]["change"], first.data["homeAlarmChanged"]["message"]) == ("raised", new.message)
    await mine.aclose()


async def wait_for_listeners(kernel, feed, count: int) -> None:
    """Wait until ``feed`` has ``count`` listeners in changqing (a stream has started listening)."""
    street_id = kernel.street_id("changqing")
    for _ in range(500):
        if feed.listeners(street_id) >= count:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{feed.listeners(street_id)} listeners, expected {count}")


async def test_an_account_without_a_resident_record_hears_nothing(kernel, registry, client):
    stream = await stream_of(kernel, client, "no-home", None)
    ended = asyncio.ensure_future(anext(stream))
    await deliver(kernel, "EM-1", {"residual_current": 420})
    with pytest.raises(StopAsyncIteration):  # the stream ends without an event
        await asyncio.wait_for(ended, PATIENCE)


async def test_anonymous_callers_may_not_subscribe(kernel, registry):
    context = Context(kernel=kernel, street="changqing", street_id=kernel.street_id("changqing"), request_id="sub-anon")
    result = await kernel.schemas.for_street("changqing").subscribe(HOME, context_value=context)
    first = result if not hasattr(result, "__anext__") else await asyncio.wait_for(anext(result), PATIENCE)
    assert first.errors and first.errors[0].extensions["code"] == "UNAUTHENTICATED"


HOME_DEVICES = "{ homeDevices { kind name status } }"


async def test_a_resident_lists_the_devices_of_their_home_and_not_a_neighbours(kernel, registry, client):
    # residents[0] is protected by SD-1 in their own flat; residents[1]'s flat is served by EM-1
    protected = await client.token("resident", username="owner-sd1", resident_id=registry.residents[0])
    served = await client.token("resident", username="owner-em1", resident_id=registry.residents[1])
    nobody = await client.token("resident", username="no-home")
    assert [d["name"] for d in (await client.query(HOME_DEVICES, token=protected))["homeDevices"]] == ["detector 1"]
    assert (await client.query(HOME_DEVICES, token=served))["homeDevices"] == [{"kind": "ELECTRIC_MONITOR", "name": "monitor 1", "status": "UNKNOWN"}]
    assert (await client.query(HOME_DEVICES, token=nobody))["homeDevices"] == []
    assert (await client.errors(HOME_DEVICES))[0]["extensions"]["code"] == "UNAUTHENTICATED"
