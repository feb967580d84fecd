"""A critical or major alarm opens a work item for its building's grid worker, who records
what they found; the item closes with that outcome, visible in its timeline."""

from __future__ import annotations

from jiedao.core.testing.organisations import make_grid
from jiedao.schema.ids import encode_global_id

from jiedao.api.domain import street_transaction
from jiedao.plugins.sensors.service.work import open_missing_work_items

from .test_alarms import alarms_of, deliver as deliver_only


async def deliver(kernel, device_id: str, values: dict) -> None:
    """One message stored, and the work items it opens in the background opened."""
    await deliver_only(kernel, device_id, values)
    await kernel.state("sensors").background.settled()

INBOX = """{ workItems(first: 10) { edges { node {
    id subject title category source state assigneeUsername building { name }
} } } }"""
RESOLVE = """mutation($input: ResolveWorkItemInput!) { resolveWorkItem(input: $input) {
    workItem { state outcome outcomeNote closed timeline { action fromState toState actor note } }
    errors { code field message } } }"""


async def test_a_critical_alarm_becomes_the_grid_workers_work_item_closed_with_its_outcome(kernel, client, registry):
    gw = await client.token("grid_worker", username="gw-1")
    other = await client.token("grid_worker", username="gw-2")
    await make_grid(kernel, "changqing", [registry.buildings[0]], ["gw-1"])
    await make_grid(kernel, "changqing", [registry.buildings[1]], ["gw-2"])

    await deliver(kernel, "EM-1", {"residual_current": 500})  # CRITICAL, building 1
    await deliver(kernel, "EM-1", {"residual_current": 520})  # the same alarm again: no second item
    [alarm] = await alarms_of(kernel, "EM-1")
    [edge] = (await client.query(INBOX, token=gw))["workItems"]["edges"]
    item = edge["node"]
    assert (item["subject"], item["source"], item["category"], item["state"]) == (encode_global_id("Alarm", alarm.id), "SENSOR_ALARM", "safety", "DISPATCHED")
    assert item["assigneeUsername"] == "gw-1" and item["title"].startswith("[CRITICAL] 剩余电流超限")
    assert (await client.query(INBOX, token=other))["workItems"]["edges"] == []  # another grid's worker

    # The grid worker takes it on, goes there: nobody home. The item closes with that outcome.
    accepted = await client.query(
        "mutation($id: ID!) { acceptWorkItem(input: {id: $id, note: \"马上过去\"}) { workItem { state } errors { code } } }", {"id": item["id"]}, token=gw
    )
    assert accepted["acceptWorkItem"] == {"workItem": {"state": "ACCEPTED"}, "errors": []}
    body = await client.query(RESOLVE, {"input": {"id": item["id"], "outcome": "VISITED_NOBODY_HOME", "note": "敲门无人应答，已电话联系家属"}}, token=gw)
    result = body["resolveWorkItem"]
    assert result["errors"] == []
    done = result["workItem"]
    assert (done["state"], done["closed"], done["outcome"]) == ("CLOSED", True, "VISITED_NOBODY_HOME")
    assert [(s["action"], s["toState"], s["actor"]) for s in done["timeline"]] == [
        ("open", "DISPATCHED", "jiedao"),
        ("accept", "ACCEPTED", "gw-1"),
        ("resolve", "RESOLVED", "gw-1"),
        ("auto_close", "CLOSED", "jiedao"),
    ]
    assert "gw-1" in done["timeline"][0]["note"] and done["timeline"][2]["note"] == "敲门无人应答，已电话联系家属"


async def test_minor_alarms_open_no_work_item(kernel, client, registry):
    gw = await client.token("grid_worker", username="gw-1")
    await make_grid(kernel, "changqing", registry.buildings, ["gw-1"])
    await deliver(kernel, "SD-1", {"battery": 5})  # LOW_BATTERY: MINOR
    [alarm] = await alarms_of(kernel, "SD-1")
    assert alarm.severity == "MINOR"
    assert (await client.query(INBOX, token=gw))["workItems"]["edges"] == []
    await deliver(kernel, "EM-2", {"residual_current": 300})  # MAJOR, building 2
    [edge] = (await client.query(INBOX, token=gw))["workItems"]["edges"]
    assert edge["node"]["title"].startswith("[MAJOR]") and edge["node"]["building"]["name"] == "2幢"


ALARM = """query($id: ID!) { node(id: $id) { ... on Alarm { status acknowledgedBy note clearedBy } } }"""
ACCEPT = "mutation($id: ID!) { acceptWorkItem(input: {id: $id}) { workItem { state } errors { code } } }"


async def _alarm_item(client, token) -> dict:
    [edge] = (await client.query(INBOX, token=token))["workItems"]["edges"]
    return edge["node"]


async def test_closing_the_item_with_an_outcome_acknowledges_the_alarm(kernel, client, registry):
    gw = await client.token("grid_worker", username="gw-1")
    admin = await client.token("street_admin")
    await make_grid(kernel, "changqing", registry.buildings, ["gw-1"])
    await deliver(kernel, "EM-1", {"residual_current": 500})
    item = await _alarm_item(client, gw)

    # A resident (the lowest role) cannot settle the alarm's work item; the alarm stays unacknowledged.
    resident = await client.token("resident", username="res-1")
    refused = await client.query(ACCEPT, {"id": item["id"]}, token=resident)
    assert refused["acceptWorkItem"]["errors"] == [{"code": "FORBIDDEN"}]
    assert (await client.query(ALARM, {"id": item["subject"]}, token=admin))["node"]["status"] == "ACTIVE_UNACK"

    await client.query(ACCEPT, {"id": item["id"]}, token=gw)
    body = await client.query(RESOLVE, {"input": {"id": item["id"], "outcome": "FALSE_ALARM", "note": "电器正常，误报"}}, token=gw)
    assert body["resolveWorkItem"]["workItem"]["state"] == "CLOSED"
    alarm = (await client.query(ALARM, {"id": item["subject"]}, token=admin))["node"]
    assert (alarm["status"], alarm["acknowledgedBy"]) == ("ACKNOWLEDGED", "gw-1")
    assert alarm["note"].endswith("gw-1: FALSE_ALARM: 电器正常，误报")


async def test_an_alarm_that_clears_itself_keeps_its_work_item_until_a_person_has_been_there(kernel, client, registry):
    gw = await client.token("grid_worker", username="gw-1")
    admin = await client.token("street_admin")
    await make_grid(kernel, "changqing", registry.buildings, ["gw-1"])
    await deliver(kernel, "EM-1", {"residual_current": 500})
    await deliver(kernel, "EM-1", {"residual_current": 5})  # back to normal by itself
    item = await _alarm_item(client, gw)
    alarm = (await client.query(ALARM, {"id": item["subject"]}, token=admin))["node"]
    assert (alarm["status"], alarm["clearedBy"], alarm["acknowledgedBy"]) == ("CLEARED_UNACK", "system", None)
    assert item["state"] == "DISPATCHED", "nobody has been there yet: the item stays open"

    await client.query(ACCEPT, {"id": item["id"]}, token=gw)
    await client.query(RESOLVE, {"input": {"id": item["id"], "outcome": "VISITED_NOBODY_HOME", "note": "无人应答"}}, token=gw)
    alarm = (await client.query(ALARM, {"id": item["subject"]}, token=admin))["node"]
    assert (alarm["status"], alarm["acknowledgedBy"]) == ("CLEARED", "gw-1")
    assert alarm["note"].endswith("gw-1: VISITED_NOBODY_HOME: 无人应答")


async def test_an_alarm_whose_item_was_lost_gets_it_from_the_watchdogs_catch_up(kernel, client, registry, monkeypatch):
    """The process dies between the alarm and its work item (opened in the background, off the
    ingestion path): the watchdog's next round opens it, once."""
    gw = await client.token("grid_worker", username="gw-1")
    await make_grid(kernel, "changqing", registry.buildings, ["gw-1"])
    background = kernel.state("sensors").background
    monkeypatch.setattr(background, "add", lambda key, item, flush: None)  # the process dies before the write
    await deliver_only(kernel, "EM-1", {"residual_current": 500})
    assert (await client.query(INBOX, token=gw))["workItems"]["edges"] == []

    for expected in (1, 0):  # a second round finds nothing missing
        async with street_transaction(kernel, "changqing") as session:
            assert await open_missing_work_items(session) == expected
    [alarm] = await alarms_of(kernel, "EM-1")
    [edge] = (await client.query(INBOX, token=gw))["workItems"]["edges"]
    assert (edge["node"]["subject"], edge["node"]["title"]) == (encode_global_id("Alarm", alarm.id), "[CRITICAL] 剩余电流超限: EM-1")
