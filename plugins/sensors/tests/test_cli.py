"""``jiedao sensors simulate`` and ``provision`` against a real Mosquitto."""

from __future__ import annotations

import asyncio
import json

import aiomqtt
import pytest

from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
from jiedao.core.testing.services import MosquittoBroker, mosquitto_available, require_service
from jiedao.plugins.sensors.provision import mosquitto_hash

from .conftest import ingesting, register_devices, until

pytestmark = pytest.mark.mqtt
STREETS = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}


async def _kernel(url: str) -> Kernel:
    kernel = await Kernel.load(parse_config({"streets": STREETS}, database_url=url))
    await kernel.sync_streets()
    return kernel


def test_simulated_devices_are_ingested_and_their_faults_quarantined(jiedao_cli, database_url, broker, monkeypatch):
    async def prepare():
        kernel = await _kernel(database_url)
        await register_devices(kernel, buildings=3)
        async with ingesting(kernel, broker, client_id="cli-test"):
            pass  # the persistent session now queues what the simulator sends
        await kernel.close()

    asyncio.run(prepare())
    monkeypatch.setenv("JIEDAO_MQTT_URL", broker.url)
    result = jiedao_cli(["sensors", "simulate", "--street", "changqing", "--rate", "200", "--duration", "1s", "--faults"], streets=STREETS, database_url=database_url)
    assert result.exit_code == 0, result.output
    sent = int(result.output.strip().splitlines()[-1].split()[0])
    assert sent > 100

    async def ingest():
        kernel = await _kernel(database_url)
        async with ingesting(kernel, broker, client_id="cli-test") as ingester:
            await until(lambda: ingester.stats.accepted + sum(ingester.stats.quarantined.values()) == sent, what="every simulated message")
        await kernel.close()
        return ingester.stats

    stats = asyncio.run(ingest())
    assert stats.accepted > 0.8 * sent
    assert sum(stats.quarantined.values()) > 0
    assert set(stats.quarantined) <= {"not_json", "unknown_key", "out_of_range", "unknown_device"}


def test_provisioned_devices_may_publish_only_on_their_own_topics(jiedao_cli, database_url, tmp_path):
    require_service(mosquitto_available())

    async def prepare():
        kernel = await _kernel(database_url)
        await register_devices(kernel)
        await kernel.close()

    asyncio.run(prepare())
    passwords, acl = tmp_path / "passwords", tmp_path / "acl"
    issued = {}
    for device in ("EM-1", "EM-2", "EM-1"):  # EM-1 twice: the second issue replaces the first
        result = jiedao_cli(["sensors", "provision", "--street", "changqing", device, "--password-file", str(passwords), "--acl-file", str(acl)], streets=STREETS, database_url=database_url)
        assert result.exit_code == 0, result.output
        lines = dict(line.split(": ", 1) for line in result.stdout.splitlines()[:2])  # stdout: a log line of another test's leftovers may reach stderr
        issued[device] = (lines["username"], lines["password"])
    assert acl.read_text().count("user changqing.EM-1\n") == 1
    unknown = jiedao_cli(["sensors", "provision", "--street", "changqing", "NOPE", "--password-file", str(passwords), "--acl-file", str(acl)], streets=STREETS, database_url=database_url)
    assert unknown.exit_code != 0 and "no device 'NOPE'" in unknown.output

    with passwords.open("a") as f:
        f.write(f"reader:{mosquitto_hash('reader-pw')}\n")
    with acl.open("a") as f:
        f.write("user reader\ntopic read jiedao/#\n")

    async def scenario():
        with MosquittoBroker(allow_anonymous=False, password_file=passwords, acl_file=acl, base_dir=tmp_path) as broker:
            async with aiomqtt.Client(broker.host, broker.port, username="reader", password="reader-pw") as reader:
                await reader.subscribe("jiedao/#", qos=1)
                user, password = issued["EM-1"]
                async with aiomqtt.Client(broker.host, broker.port, username=user, password=password) as em1:
                    await em1.publish("jiedao/changqing/devices/EM-1/telemetry", json.dumps({"voltage": 220}), qos=1)
                message = await asyncio.wait_for(anext(reader.messages), 5)
                assert (message.topic.value, json.loads(message.payload)) == ("jiedao/changqing/devices/EM-1/telemetry", {"voltage": 220})
                try:  # Mosquitto drops the message, or the connection, of a device posing as another
                    async with aiomqtt.Client(broker.host, broker.port, username=user, password=password) as em1:
                        await em1.publish("jiedao/changqing/devices/EM-2/telemetry", json.dumps({"voltage": 1}), qos=1)
                except aiomqtt.MqttError:
                    pass
                # then a message it may send: the reader's next message is that one (the broker
                # had handled the forged one before; had it passed, it would have come first)
                async with aiomqtt.Client(broker.host, broker.port, username=user, password=password) as em1:
                    await em1.publish("jiedao/changqing/devices/EM-1/telemetry", json.dumps({"voltage": 221}), qos=1)
                message = await asyncio.wait_for(anext(reader.messages), 5)
                assert (message.topic.value, json.loads(message.payload)) == ("jiedao/changqing/devices/EM-1/telemetry", {"voltage": 221})
                with pytest.raises(aiomqtt.MqttError):
                    async with aiomqtt.Client(broker.host, broker.port, username=user, password="wrong"):
                        pass

    asyncio.run(scenario())


def test_the_simulators_faults_include_a_low_battery():
    import random

    from jiedao.plugins.sensors.simulate import SimDevice, fault

    detector = SimDevice("SD-1", "SMOKE_DETECTOR")
    batteries = [json.loads(payload).get("battery") for _, payload in (fault(detector, random.Random(n)) for n in range(200)) if payload.startswith(b"{")]
    assert any(b is not None and b <= 9 for b in batteries)  # below the default 20% LOW_BATTERY threshold


def test_the_simulator_leaves_devices_with_an_open_alarm_alone(jiedao_cli, database_url, broker, monkeypatch):
    """Its healthy readings would otherwise clear the alarms the demo seeded for people to see."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from jiedao.plugins.sensors.models import Alarm

    async def prepare():
        kernel = await _kernel(database_url)
        registry = await register_devices(kernel, buildings=2)
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            now = datetime.now(UTC)
            session.add(Alarm(device_pk=registry.devices["EM-1"], type="LEAKAGE", severity="MAJOR", status="ACTIVE_UNACK", message="seeded",
                              raised_at=now, updated_at=now, repeat_count=0, escalation_level=0))
        async with ingesting(kernel, broker, client_id="cli-alone"):
            pass
        await kernel.close()

    asyncio.run(prepare())
    monkeypatch.setenv("JIEDAO_MQTT_URL", broker.url)
    result = jiedao_cli(["sensors", "simulate", "--street", "changqing", "--rate", "100", "--duration", "1s"], streets=STREETS, database_url=database_url)
    assert result.exit_code == 0, result.output
    assert "leaving 1 device(s) with an open alarm alone" in result.output
    sent = int(result.output.strip().splitlines()[-1].split()[0])

    async def ingest():
        kernel = await _kernel(database_url)
        async with ingesting(kernel, broker, client_id="cli-alone") as ingester:
            await until(lambda: ingester.stats.accepted == sent, what="every simulated message")
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            status = await session.scalar(select(Alarm.status).where(Alarm.message == "seeded"))
        await kernel.close()
        return status

    assert asyncio.run(ingest()) == "ACTIVE_UNACK"
