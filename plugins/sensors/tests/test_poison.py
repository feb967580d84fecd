"""Poison: any byte sequence a device can publish is quarantined with a reason, in the same
batch transaction as the good readings around it, on Mosquitto and on the embedded broker."""

from __future__ import annotations

import base64
import contextlib
import json
import logging
from dataclasses import dataclass

import aiomqtt
import pytest
from sqlalchemy import func, select

from jiedao.core.testing.services import free_port
from jiedao.plugins.sensors.embedded import embedded_broker
from jiedao.plugins.sensors.ingest import parse_url
from jiedao.plugins.sensors.models import QuarantinedMessage, Reading
from jiedao.plugins.sensors.service.store import QUARANTINE_BYTES

from .conftest import ingesting, until

pytestmark = pytest.mark.mqtt

FIVE_MB = b'{"voltage": "' + b"9" * (5 * 1024 * 1024) + b'"}'
POISON: list[tuple[str, bytes, str]] = [
    ("NUL", b"abc\x00def", "not_json"),
    ("NUL after JSON", b'{"voltage": 220}\x00', "not_json"),
    ("invalid UTF-8", b"\xff\xfe\x80 not json", "not_json"),
    ("5 MB", FIVE_MB, "too_large"),
    ("10,000-deep JSON", b"[" * 10_000 + b"]" * 10_000, "too_large"),
    ("8,000-deep JSON", b"[" * 8_000 + b"]" * 8_000, "not_json"),
    ("1e400", b'{"voltage": 1e400}', "out_of_range"),
    ("10**400", b'{"voltage": 1' + b"0" * 400 + b"}", "out_of_range"),
    ("an integer of 5,000 digits", b'{"voltage": 1' + b"0" * 5_000 + b"}", "not_json"),
    ("NaN", b'{"voltage": NaN}', "out_of_range"),
    ("Infinity", b'{"residual_current": Infinity}', "out_of_range"),
    ("-Infinity", b'{"temperature": -Infinity}', "out_of_range"),
    ("a boolean for a number", b'{"voltage": true}', "bad_value"),
    ("a string for a number", b'{"voltage": "220"}', "bad_value"),
    ("a NUL key", b'{"\\u0000": 1}', "unknown_key"),
    ("a NUL value", b'{"voltage": "\\u0000"}', "bad_value"),
    ("a NUL timestamp", b'{"ts": "\\u0000", "values": {"voltage": 1}}', "bad_timestamp"),
    ("a 10**400 timestamp", b'{"ts": 1' + b"0" * 400 + b', "values": {"voltage": 1}}', "bad_timestamp"),
    ("a NUL status", b"online\x00", "bad_payload"),
    ("a status at a NUL time", b'{"status": "offline", "ts": "\\u0000"}', "bad_timestamp"),
    ("a status from the year 5138", b'{"status": "offline", "ts": 99999999999999}', "future_timestamp"),
]


@dataclass
class Running:
    """A broker this test publishes to: where, and the URL the ingester connects with."""

    host: str
    port: int
    url: str



@pytest.fixture(params=["mosquitto", "embedded"])
async def any_broker(request):
    """Mosquitto on the shipped settings, or the embedded amqtt broker of the demo."""
    if request.param == "mosquitto":
        broker = request.getfixturevalue("broker")
        yield Running(broker.host, broker.port, broker.url)
        return
    port = free_port()
    async with embedded_broker(f"127.0.0.1:{port}") as url:
        yield Running("127.0.0.1", port, url)


@contextlib.asynccontextmanager
async def ingesting_from(kernel, running: Running):
    """The ingester on ``running``, with a batch window wide enough to mix poison and good readings."""
    async with ingesting(kernel, running.url, batch_wait=0.2, client_id="jiedao-ingest-poison") as ingester:
        yield ingester

async def quarantined(kernel) -> list[QuarantinedMessage]:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return list(await session.scalars(select(QuarantinedMessage).order_by(QuarantinedMessage.id)))


async def readings(kernel, device_pk: int) -> int:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return await session.scalar(select(func.count()).select_from(Reading).where(Reading.device_pk == device_pk))


async def test_every_kind_of_poison_is_quarantined_and_every_good_reading_stored_once(kernel, registry, any_broker, client, caplog):
    caplog.set_level(logging.INFO, logger="jiedao.sensors")
    broker = parse_url(any_broker.url)
    async with ingesting_from(kernel, any_broker) as ingester:
        async with aiomqtt.Client(any_broker.host, any_broker.port, username=broker.username, password=broker.password, identifier="poisoner") as device:
            for index, (_, payload, _) in enumerate(POISON):
                await device.publish("jiedao/changqing/devices/EM-1/telemetry", json.dumps({"voltage": 200 + index}), qos=1)
                channel = "status" if payload.startswith((b"online", b'{"status"')) else "telemetry"
                await device.publish(f"jiedao/changqing/devices/EM-1/{channel}", payload, qos=1)
            await device.publish("jiedao/changqing/devices/EM-1/telemetry", json.dumps({"voltage": 230}), qos=1)
        await until(lambda: ingester.stats.accepted + sum(ingester.stats.quarantined.values()) == 2 * len(POISON) + 1, what="every message handled")

    assert ingester.stats.accepted == len(POISON) + 1
    assert await readings(kernel, registry.devices["EM-1"]) == len(POISON) + 1  # each good one once
    rows = await quarantined(kernel)
    assert [(row.reason, bytes(row.payload)) for row in rows] == [(reason, payload[:QUARANTINE_BYTES]) for _, payload, reason in POISON]
    assert all(row.detail and "\x00" not in row.detail for row in rows)
    assert f"payload of {len(FIVE_MB)} bytes" in rows[3].detail
    # Poison was quarantined within the batch: no batch had to be split to find it.
    assert not [r for r in caplog.records if "storing it in halves" in r.getMessage() or r.levelno >= logging.ERROR]

    token = await client.token("grid_worker")
    data = await client.query("{ quarantinedMessages(first: 50) { edges { node { reason payload payloadBase64 } } } }", token=token)
    nodes = {base64.b64decode(e["node"]["payloadBase64"]): e["node"] for e in data["quarantinedMessages"]["edges"]}
    assert nodes[b"abc\x00def"]["payload"] == "abc\\x00def"
    assert nodes[b"\xff\xfe\x80 not json"]["payload"] == "\\xff\\xfe\\x80 not json"
    assert len(nodes) == len(POISON)
