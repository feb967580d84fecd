"""A service account that may only write (the simulator's) speaks as devices, never on the
alarm relay's topic: a forged alarm change from it reaches no process, hence no resident."""

from __future__ import annotations

import asyncio
import contextlib
import json

import aiomqtt
import pytest

from jiedao.core.testing.services import MosquittoBroker, mosquitto_available, require_service
from jiedao.plugins.sensors.provision import issue_service

from .conftest import SHIPPED_SETTINGS

pytestmark = pytest.mark.mqtt
RELAY_TOPIC = "jiedao/changqing/alarms/changed"
DEVICE_TOPIC = "jiedao/changqing/devices/EM-1/telemetry"


async def test_the_simulators_account_cannot_publish_on_the_alarm_relay(tmp_path, credential_files):
    require_service(mosquitto_available())
    passwords, acl = credential_files
    sim, sim_password = issue_service("sim", "jiedao", "write", passwords, acl)
    relay, relay_password = issue_service("relay", "jiedao", "readwrite", passwords, acl)
    with MosquittoBroker(allow_anonymous=False, password_file=passwords, acl_file=acl, settings=SHIPPED_SETTINGS.read_text(), base_dir=tmp_path) as broker:
        async with aiomqtt.Client(broker.host, broker.port, identifier="relay-1", username=relay, password=relay_password) as listener:
            await listener.subscribe("jiedao/changqing/#", qos=1)
            async with aiomqtt.Client(broker.host, broker.port, identifier="sim-1", username=sim, password=sim_password) as simulator:
                await simulator.publish(DEVICE_TOPIC, json.dumps({"voltage": 221}), qos=1)  # as a device: allowed
                forged = {"origin": "forged", "alarm": {"message": "fire at your home"}}
                with contextlib.suppress(aiomqtt.MqttError):  # Mosquitto drops it and disconnects the client
                    await simulator.publish(RELAY_TOPIC, json.dumps(forged), qos=1)
                    await simulator.publish(RELAY_TOPIC, json.dumps(forged), qos=1)
            await listener.publish(RELAY_TOPIC, json.dumps({"origin": "sentinel"}), qos=1)
            received = []
            async with asyncio.timeout(10):
                async for message in listener.messages:
                    received.append((str(message.topic), json.loads(message.payload)))
                    if received[-1][1].get("origin") == "sentinel":
                        break
    # the broker delivers in order: the forged change would have come before the sentinel
    assert received == [(DEVICE_TOPIC, {"voltage": 221}), (RELAY_TOPIC, {"origin": "sentinel"})]
