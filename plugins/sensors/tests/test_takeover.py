"""Nobody but Jiedao's own accounts can take the ingester's MQTT session over; a lost
connection is logged, reconnected, resumed without losing a message, and shown by /readyz."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time

import aiomqtt
import httpx
import pytest
from sqlalchemy import func, select

from jiedao.core.app import build_app
from jiedao.core.testing.services import MosquittoBroker, free_port, mosquitto_available, require_service
from jiedao.plugins.sensors.embedded import embedded_broker
from jiedao.plugins.sensors.models import Reading
from jiedao.plugins.sensors.provision import issue, issue_service

from .conftest import SHIPPED_SETTINGS, ingesting, until

pytestmark = pytest.mark.mqtt
TOPIC = "jiedao/changqing/devices/EM-1/telemetry"



@contextlib.asynccontextmanager
async def running(kernel, url: str, **options):
    """The real ingester (default client id ``jiedao-ingest``) for as long as the block runs."""
    async with ingesting(kernel, url, backoff_max=1.0, **options) as ingester:
        yield ingester

async def stored(kernel, device_pk: int) -> int:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return await session.scalar(select(func.count()).select_from(Reading).where(Reading.device_pk == device_pk))


async def try_takeover(port: int, identifier: str, **credentials) -> bool:
    """Connect as ``identifier`` (a clean session, as an attacker would); whether the broker let it in."""
    try:
        async with aiomqtt.Client("127.0.0.1", port, identifier=identifier, clean_session=True, **credentials):
            await asyncio.sleep(0.2)
            return True
    except aiomqtt.MqttError:
        return False


async def _is(count, expected: int) -> bool:
    return await count == expected


async def readyz(kernel) -> tuple[int, dict]:
    transport = httpx.ASGITransport(app=build_app(kernel, background=False))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        response = await http.get("/readyz")
    return response.status_code, response.json()


async def test_anonymous_clients_cannot_take_the_ingesters_session_on_the_demo_broker(kernel, registry):
    port = free_port()
    async with embedded_broker(f"127.0.0.1:{port}") as url, running(kernel, url) as ingester:
        for identifier in ("jiedao-ingest", ingester.client_id, "jiedao-alarms-x", "JIEDAO-INGEST"):
            assert not await try_takeover(port, identifier), identifier
        assert await try_takeover(port, "a-demo-device")  # the demo stays open otherwise
        async with aiomqtt.Client("127.0.0.1", port, identifier="em-1") as device:
            for n in range(20):
                await device.publish(TOPIC, json.dumps({"voltage": 200 + n}), qos=1)
        await until(lambda: ingester.stats.accepted == 20, what="ingestion going on after the attempts")
        assert ingester.stats.connections == 1
    assert await stored(kernel, registry.devices["EM-1"]) == 20


async def test_a_device_account_cannot_take_the_ingesters_session_on_the_embedded_broker(kernel, registry, credential_files):
    passwords, acl = credential_files
    user, password = issue("changqing", "EM-1", "jiedao", passwords, acl)
    port = free_port()
    async with embedded_broker(f"127.0.0.1:{port}") as url, running(kernel, url) as ingester:
        for identifier in ("jiedao-ingest", ingester.client_id):
            assert not await try_takeover(port, identifier, username=user, password=password)
            assert not await try_takeover(port, identifier, username="jiedao-embedded", password="guess")
        async with aiomqtt.Client("127.0.0.1", port, identifier="em-1", username=user, password=password) as device:
            for n in range(20):
                await device.publish(TOPIC, json.dumps({"voltage": 200 + n}), qos=1)
        await until(lambda: ingester.stats.accepted == 20, what="ingestion going on after the attempts")
        assert ingester.stats.connections == 1


async def test_a_device_account_cannot_take_the_ingesters_session_on_mosquitto(kernel, registry, tmp_path, credential_files):
    require_service(mosquitto_available())
    passwords, acl = credential_files
    device_user, device_password = issue("changqing", "EM-1", "jiedao", passwords, acl)
    service, service_password = issue_service("ingest", "jiedao", "read", passwords, acl)
    settings = SHIPPED_SETTINGS.read_text()
    with MosquittoBroker(allow_anonymous=False, password_file=passwords, acl_file=acl, settings=settings, base_dir=tmp_path) as broker:
        url = f"mqtt://{service}:{service_password}@{broker.host}:{broker.port}"
        async with running(kernel, url) as ingester:
            async with aiomqtt.Client(broker.host, broker.port, identifier="em-1", username=device_user, password=device_password) as device:
                for n in range(60):
                    await device.publish(TOPIC, json.dumps({"voltage": 200 + n % 100}), qos=1)
                    if n % 10 == 0:  # repeated takeover attempts, as in the report
                        await try_takeover(broker.port, "jiedao-ingest", username=device_user, password=device_password)
                        assert not await try_takeover(broker.port, "jiedao-ingest")  # anonymous: refused
            await until(lambda: ingester.stats.accepted == 60, what="every acknowledged message stored")
            assert ingester.stats.connections == 1  # never kicked off
    assert await stored(kernel, registry.devices["EM-1"]) == 60


async def test_a_forced_disconnect_is_logged_reconnected_resumed_and_shown_by_readyz(kernel, registry, broker, caplog):
    caplog.set_level(logging.WARNING, logger="jiedao.sensors")
    assert (await readyz(kernel))[0] == 200  # no ingester in this process: nothing to report
    base = int(time.time() * 1000) - 100_000
    async with running(kernel, broker.url, client_id="jiedao-ingest-resume") as ingester:
        assert await readyz(kernel) == (200, {"ready": True})
        async with aiomqtt.Client(broker.host, broker.port, identifier="em-1") as device:
            for n in range(10):
                await device.publish(TOPIC, json.dumps({"ts": base + n, "values": {"voltage": 200 + n}}), qos=1)
        await until(lambda: ingester.stats.accepted == 10, what="the first ten")

        await asyncio.to_thread(broker._halt)  # noqa: SLF001 - the broker goes away (and saves the session)
        await until(lambda: not ingester.connected.is_set(), what="the lost connection noticed")
        status, body = await readyz(kernel)
        assert status == 503 and body["ready"] is False and "MQTT ingestion" in body["ingestion"]
        await asyncio.to_thread(broker._launch)  # noqa: SLF001 - back, on the same port
        async with aiomqtt.Client(broker.host, broker.port, identifier="em-1") as device:
            for n in range(10, 30):
                await device.publish(TOPIC, json.dumps({"ts": base + n, "values": {"voltage": 200 + n}}), qos=1)
        em1 = registry.devices["EM-1"]
        # Messages whose PUBACK the broker had not saved come again: stored once all the same
        # (a reading is unique per device, time and key).
        await until(lambda: _is(stored(kernel, em1), 30), what="every message after the reconnection")
        await until(lambda: ingester.connected.is_set(), what="reconnected")
        assert await readyz(kernel) == (200, {"ready": True})
        assert ingester.stats.connections == 2 and ingester.sessions_lost == 0
    assert await stored(kernel, registry.devices["EM-1"]) == 30
    assert any("reconnecting in" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
