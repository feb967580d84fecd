"""Ingestion through a real Mosquitto: formats, quarantine, isolation, restarts."""

from __future__ import annotations

import socket
import time

import pytest
from sqlalchemy import func, select

from jiedao.plugins.sensors.models import QuarantinedMessage, Reading

from .conftest import device_connection, device_row, ingesting, published_and_stored, register_devices, running, send, until

pytestmark = pytest.mark.mqtt


async def count(kernel, model, street: str = "changqing", **where) -> int:
    statement = select(func.count()).select_from(model)
    for column, value in where.items():
        statement = statement.where(getattr(model, column) == value)
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        return await session.scalar(statement)


async def test_every_thingsboard_format_is_stored_and_the_latest_value_kept(kernel, broker, registry):
    now_ms = int(time.time() * 1000)
    async with ingesting(kernel, broker) as ingester, device_connection(broker) as device:
        await send(device, "EM-1", {"residual_current": 12, "voltage": 221})
        await send(device, "EM-1", {"ts": now_ms - 60_000, "values": {"temperature": 31.5}})
        await send(device, "EM-1", [{"ts": now_ms - 30_000, "values": {"temperature": 33}}, {"ts": now_ms - 90_000, "values": {"temperature": 29}}])
        await until(lambda: ingester.stats.accepted == 3, what="three messages stored")

    assert await count(kernel, Reading, device_pk=registry.devices["EM-1"]) == 5
    em1 = await device_row(kernel, "EM-1")
    assert em1.status == "ONLINE" and em1.last_seen_at is not None
    assert {k: v["value"] for k, v in em1.latest.items()} == {"residual_current": 12, "voltage": 221, "temperature": 33}


async def test_garbage_is_quarantined_with_its_reason_and_ingestion_goes_on(kernel, broker, registry, client):
    async with ingesting(kernel, broker) as ingester, device_connection(broker) as device:
        await send(device, "EM-1", b"\xff\xfe not json")
        await send(device, "EM-1", {"humidity": 40})
        await send(device, "EM-1", {"residual_current": -3})
        await send(device, "SD-1", {"battery": 250})
        await send(device, "EM-1", {"voltage": "high"})
        await send(device, "EM-1", {"ts": 12, "values": {"voltage": 220}})
        await send(device, "NOBODY-7", {"voltage": 220})
        await send(device, "EM-1", {"voltage": 220}, channel="commands")
        await send(device, "EM-1", {"voltage": 223})
        await until(lambda: ingester.stats.accepted == 1 and sum(ingester.stats.quarantined.values()) == 8, what="all nine handled")

    assert dict(ingester.stats.quarantined) == {
        "not_json": 1, "unknown_key": 1, "out_of_range": 2, "bad_value": 1, "bad_timestamp": 1, "unknown_device": 1, "bad_topic": 1,
    }
    assert (await device_row(kernel, "EM-1")).latest["voltage"]["value"] == 223
    token = await client.token("grid_worker")
    data = await client.query("{ quarantinedMessages(first: 20) { totalCount edges { node { reason deviceId payload } } } }", token=token)
    page = data["quarantinedMessages"]
    assert page["totalCount"] == 8
    unknown = [e["node"] for e in page["edges"] if e["node"]["reason"] == "unknown_device"]
    assert unknown == [{"reason": "unknown_device", "deviceId": "NOBODY-7", "payload": '{"voltage": 220}'}]


async def test_a_device_of_one_street_cannot_report_under_another(make_kernel, broker):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"]}, "gongchen": {"name": "拱宸桥街道", "plugins": ["sensors"]}})
    await register_devices(kernel, "changqing")
    async with ingesting(kernel, broker) as ingester, device_connection(broker) as device:
        await send(device, "EM-1", {"residual_current": 900}, street="gongchen")
        await until(lambda: sum(ingester.stats.quarantined.values()) == 1, what="the message quarantined")

    assert await count(kernel, QuarantinedMessage, street="gongchen", reason="unknown_device") == 1
    assert await count(kernel, QuarantinedMessage, street="changqing") == 0
    assert await count(kernel, Reading, street="changqing") == 0


async def test_messages_sent_while_the_ingester_is_down_arrive_once_after_restart(kernel, broker, registry):
    base = int(time.time() * 1000) - 100_000
    sample = lambda i: {"ts": base + i, "values": {"current": i % 100}}  # noqa: E731
    async with ingesting(kernel, broker, client_id="restart-test") as first, device_connection(broker) as device:
        for i in range(20):
            await send(device, "EM-2", sample(i))
        await until(lambda: first.stats.accepted == 20, what="first twenty")

    async with device_connection(broker) as device:
        for i in range(20, 50):
            await send(device, "EM-2", sample(i))
        for i in range(5):  # a device repeating itself after a reconnect
            await send(device, "EM-2", sample(i))

    async with ingesting(kernel, broker, client_id="restart-test") as second:
        await until(lambda: second.stats.accepted == 35, what="the queued messages")

    assert await count(kernel, Reading, device_pk=registry.devices["EM-2"]) == 50


async def test_the_broker_restarting_does_not_stop_ingestion(kernel, broker, registry):
    """The ingester reconnects and stores what the device sends afterwards. QoS 1 is at least
    once: the broker may deliver the first message again after its restart (the ingester's
    acknowledgement may not have reached it), so the messages carry the device's time and
    the test waits for the stored value, not for a count of messages."""
    sent = int(time.time() * 1000)
    async with ingesting(kernel, broker, client_id="broker-restart", backoff_max=0.5) as ingester:
        async with device_connection(broker) as device:
            await send(device, "EM-1", {"ts": sent, "values": {"voltage": 220}})
        await until(lambda: ingester.stats.accepted >= 1, what="first message")
        broker.restart()
        await until(lambda: ingester.stats.connections >= 2 and ingester.connected.is_set(), timeout=20, what="reconnection")
        async with device_connection(broker) as device:
            await send(device, "EM-1", {"ts": sent + 1000, "values": {"voltage": 230}})

        async def stored_after_the_restart() -> bool:
            return (await device_row(kernel, "EM-1")).latest["voltage"]["value"] == 230

        await until(stored_after_the_restart, what="the message after the restart stored")


async def test_back_pressure_bounds_what_is_in_flight(kernel, broker, registry):
    """A tiny queue still takes every message, and never holds much more than its size."""
    base = int(time.time() * 1000) - 100_000
    async with ingesting(kernel, broker, queue_size=5, batch_size=3) as running, device_connection(broker) as device:
        for i in range(60):
            await send(device, "EM-1", {"ts": base + i, "values": {"current": 1}})
        await until(lambda: running.stats.accepted == 60, what="sixty messages")
        assert running.stats.batches >= 20
        assert running.flow.most_queued <= 5 + 1
    assert await count(kernel, Reading, device_pk=registry.devices["EM-1"]) == 60


async def test_a_backlog_larger_than_the_queue_is_drained_on_reconnection(kernel, broker, registry):
    async with ingesting(kernel, broker, client_id="backlog", queue_size=5, batch_size=3):
        pass
    base = int(time.time() * 1000) - 100_000
    async with device_connection(broker) as device:
        for i in range(40):
            await send(device, "EM-1", {"ts": base + i, "values": {"current": 2}})
    async with ingesting(kernel, broker, client_id="backlog", queue_size=5, batch_size=3) as ingester:
        await until(lambda: ingester.stats.accepted == 40, what="the backlog")
    assert ingester.stats.connections == 1
    assert ingester.flow.pauses >= 1, "a backlog of 40 cannot fit a queue of 5 without pausing the socket"
    assert ingester.flow.most_queued <= 5 + 1
    assert await count(kernel, Reading, device_pk=registry.devices["EM-1"]) == 40


async def test_jiedao_serve_ingests_when_a_broker_url_is_configured(kernel, broker, registry):
    from jiedao.plugins.sensors.serve import run_in_server

    kernel.config.mqtt_url = broker.url
    async with running(run_in_server(kernel)):
        async with device_connection(broker) as device:
            async def stored():
                await send(device, "EM-1", {"voltage": 229})  # until the worker has subscribed
                return (await device_row(kernel, "EM-1")).latest.get("voltage", {}).get("value") == 229
            await until(stored, what="a reading stored by the server's worker")


async def test_without_a_broker_url_serve_ingests_from_an_embedded_broker(kernel, registry, monkeypatch):
    from jiedao.plugins.sensors.serve import run_in_server

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("JIEDAO_MQTT_EMBEDDED_BIND", f"127.0.0.1:{port}")
    kernel.config.mqtt_url = None
    kernel.serve_options["embedded_broker"] = True  # 'jiedao serve --embedded-broker' (or --demo)
    async with running(run_in_server(kernel)):
        await until(lambda: published_and_stored(kernel, port, "EM-2", 231), timeout=20, what="a reading through the embedded broker")


async def test_quick_messages_without_timestamps_all_reach_the_history(kernel, broker, registry):
    async with ingesting(kernel, broker, batch_size=50) as ingester, device_connection(broker) as device:
        for value in range(20):
            await send(device, "EM-1", {"voltage": 200 + value})
        await send(device, "EM-1", [{"current": 1}, {"current": 2}])
        await until(lambda: ingester.stats.accepted == 21, what="twenty-one messages")
    assert await count(kernel, Reading, device_pk=registry.devices["EM-1"]) == 22
    assert (await device_row(kernel, "EM-1")).latest["voltage"]["value"] == 219
