"""``workItemChanged``: work items arrive live, and only to those who may read them (the
rule of the ``workItems`` inbox): the grid worker of the building, street staff, the
resident who raised it and the members of the organisation it is assigned to; not the
grid worker of another grid, another resident or another organisation's members."""

from __future__ import annotations

import asyncio

import pytest_asyncio

from jiedao.api.domain import street_transaction
from jiedao.api.work import open_work_item, WorkSource
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.organisations import make_grid, make_organisation
from jiedao.core.testing.subscriber import Subscriber, until
from jiedao.schema.context import Context
from jiedao.schema.ids import encode_global_id

LIVE = "subscription($mine: Boolean!) { workItemChanged(mine: $mine) { change action workItem { id title state timeline { action } } } }"
DISPATCH = "mutation($input: AssignWorkItemInput!) { dispatchWorkItem(input: $input) { errors { code } } }"


@pytest_asyncio.fixture
async def place(kernel, client):
    ids = await build_registry(kernel, "changqing", buildings=2, units_per_building=1)
    tokens = {
        "staff": await client.token("community_worker"),
        "gw-a": await client.token("grid_worker", username="gw-a"),
        "gw-b": await client.token("grid_worker", username="gw-b"),
        "wuye-1": await client.token("resident", username="wuye-1"),
        "other-org-1": await client.token("resident", username="other-org-1"),
        "res-1": await client.token("resident", username="res-1", resident_id=ids["residents"][0]),
        "res-2": await client.token("resident", username="res-2", resident_id=ids["residents"][1]),
    }
    await make_grid(kernel, "changqing", [ids["buildings"][0]], ["gw-a"])
    await make_grid(kernel, "changqing", [ids["buildings"][1]], ["gw-b"])
    wuye = await make_organisation(kernel, "changqing", OrganisationKind.PROPERTY_MANAGER, "凤起物业", ["wuye-1"])
    other = await make_organisation(kernel, "changqing", OrganisationKind.PROPERTY_MANAGER, "别家物业", ["other-org-1"])
    return {"ids": ids, "tokens": tokens, "wuye": wuye, "other": other}


async def open_item(kernel, place, title: str, building: int) -> str:
    async with street_transaction(kernel, "changqing") as session:
        item = await open_work_item(
            session, subject=f"Topic:{building + 1}", title=title, category="appeal", source=WorkSource.RESIDENT_APPEAL,
            building_id=place["ids"]["buildings"][building], raised_by=place["ids"]["residents"][building],
        )
    return encode_global_id("WorkItem", item.id)


def listener(kernel, token: str, mine: bool = False) -> Subscriber:
    """One subscriber's ``workItemChanged`` stream, as its socket would run it."""
    return Subscriber(kernel, token, LIVE, {"mine": mine})


async def received(subscriber: Subscriber) -> dict:
    """The next change delivered to ``subscriber``."""
    return (await subscriber.received())["workItemChanged"]


async def test_a_new_item_reaches_only_those_who_may_read_it(kernel, client, place):
    tokens = place["tokens"]
    listeners = {name: await listener(kernel, tokens[name]).start() for name in ("staff", "gw-a", "gw-b", "res-1", "res-2", "other-org-1")}
    try:
        await open_item(kernel, place, "一号楼楼道灯不亮", 0)
        await open_item(kernel, place, "二号楼水管漏水", 1)
        first = {name: (await received(subscriber))["workItem"]["title"] for name, subscriber in listeners.items() if name != "other-org-1"}
        # the grid worker of the other grid and the other resident skipped the first item
        assert first == {"staff": "一号楼楼道灯不亮", "gw-a": "一号楼楼道灯不亮", "res-1": "一号楼楼道灯不亮", "gw-b": "二号楼水管漏水", "res-2": "二号楼水管漏水"}
        await asyncio.wait([listeners["other-org-1"].next], timeout=0.5)
        assert not listeners["other-org-1"].next.done()  # an unrelated organisation member sees neither
    finally:
        for subscriber in listeners.values():
            await subscriber.stop()


async def test_a_dispatch_reaches_the_organisation_it_names_with_its_fresh_timeline(kernel, client, place):
    tokens = place["tokens"]
    first = await open_item(kernel, place, "一号楼楼道灯不亮", 0)
    second = await open_item(kernel, place, "二号楼水管漏水", 1)
    wuye = await listener(kernel, tokens["wuye-1"], mine=True).start()
    other = await listener(kernel, tokens["other-org-1"], mine=True).start()
    try:
        body = await client.query(DISPATCH, {"input": {"id": first, "organisationId": encode_global_id("Organisation", place["wuye"])}}, token=tokens["staff"])
        assert body["dispatchWorkItem"]["errors"] == []
        body = await client.query(DISPATCH, {"input": {"id": second, "organisationId": encode_global_id("Organisation", place["other"])}}, token=tokens["staff"])
        assert body["dispatchWorkItem"]["errors"] == []
        got = await received(wuye)
        assert got["change"] == "state_changed" and got["action"] == "dispatch"
        assert got["workItem"]["id"] == first and got["workItem"]["state"] == "DISPATCHED"
        assert [step["action"] for step in got["workItem"]["timeline"]] == ["open", "dispatch"]
        wuye.next = asyncio.ensure_future(anext(wuye.stream))  # waiting for the next change holds no connection
        await until(lambda: wuye.context._session is None, "the stream to give its connection back while it waits")
        # the other organisation's member receives its own item only, not the first one
        assert (await received(other))["workItem"]["id"] == second
    finally:
        await wuye.stop()
        await other.stop()


async def test_an_anonymous_subscriber_is_refused(kernel):
    context = Context(kernel=kernel, street="changqing", street_id=kernel.street_id("changqing"), request_id="live")
    stream = await kernel.schemas.for_street("changqing").subscribe(LIVE, variable_values={"mine": False}, context_value=context)
    result = await anext(stream) if hasattr(stream, "__anext__") else stream
    assert result.errors and result.errors[0].extensions["code"] == "UNAUTHENTICATED"
    await context.close()
