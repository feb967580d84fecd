"""Fixtures for the sensors tests: a real Mosquitto, registered devices, a running ingester."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator, Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiomqtt
import pytest
import pytest_asyncio
from sqlalchemy import select, update

from jiedao.core.models import Resident
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.services import MosquittoBroker, mosquitto_available, require_service
from jiedao.plugins.sensors.ingest import Ingester, IngestOptions
from jiedao.plugins.sensors.models import Device


@pytest.fixture(autouse=True)
def credential_files(tmp_path, monkeypatch):
    """The Mosquitto password and ACL files of this test only (``JIEDAO_MQTT_PASSWORD_FILE``,
    ``JIEDAO_MQTT_ACL_FILE``; not created): files in the working directory never leak in."""
    passwords, acl = tmp_path / "mosquitto" / "passwords", tmp_path / "mosquitto" / "acl"
    monkeypatch.setenv("JIEDAO_MQTT_PASSWORD_FILE", str(passwords))
    monkeypatch.setenv("JIEDAO_MQTT_ACL_FILE", str(acl))
    return passwords, acl


SHIPPED_SETTINGS = Path(__file__).resolve().parent.parent / "deploy" / "mosquitto.conf"


@pytest.fixture
def broker(tmp_path) -> Iterator[MosquittoBroker]:
    """A throwaway Mosquitto on the settings Jiedao ships (``deploy/mosquitto.conf``)."""
    require_service(mosquitto_available())
    with MosquittoBroker(settings=SHIPPED_SETTINGS.read_text(), base_dir=tmp_path) as running:
        yield running


@dataclass
class Registry:
    """What ``registered`` created in one street."""

    street: str
    buildings: list[int]
    units: list[int]
    residents: list[int]
    devices: dict[str, int]


async def register_devices(kernel, street: str = "changqing", buildings: int = 2, tag: str = "") -> Registry:
    """A compound of two-unit buildings with devices: in each building's first unit, SD-n, the
    detector of an elderly person living alone (vulnerable: its alarms are CRITICAL); in its
    second unit, whose owner needs no particular care, EM-n, a monitor; one EV charging point
    (EV-1) for the first building."""
    ids = await build_registry(kernel, street, buildings=buildings, units_per_building=2)
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        await session.execute(update(Resident).where(Resident.id.in_(ids["residents"][::2])).values(elderly=True, lives_alone=True))
        made = []
        for n, building in enumerate(ids["buildings"], 1):
            unit = ids["units"][(n - 1) * 2]
            made.append(Device(device_id=f"EM-{tag}{n}", kind="ELECTRIC_MONITOR", name=f"monitor {n}", building_id=building, unit_id=ids["units"][(n - 1) * 2 + 1], latest={}))
            made.append(
                Device(device_id=f"SD-{tag}{n}", kind="SMOKE_DETECTOR", name=f"detector {n}", building_id=building, unit_id=unit,
                       resident_id=ids["residents"][(n - 1) * 2], latest={})
            )
        made.append(Device(device_id=f"EV-{tag}1", kind="EV_CHARGER_FIRE", name="charger", building_id=ids["buildings"][0], latest={}))
        session.add_all(made)
        await session.flush()
        devices = {d.device_id: d.id for d in made}
    return Registry(street, ids["buildings"], ids["units"], ids["residents"], devices)


@pytest_asyncio.fixture
async def registry(kernel) -> Registry:
    """Devices registered in changqing (see ``register_devices``)."""
    return await register_devices(kernel)


async def device_row(kernel, device_id: str, street: str = "changqing") -> Device:
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        return await session.scalar(select(Device).where(Device.device_id == device_id))


@contextlib.asynccontextmanager
async def running(work: Coroutine) -> AsyncIterator[asyncio.Task]:
    """Run ``work`` as a task for as long as the block runs, then cancel it."""
    task = asyncio.create_task(work)
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def published_and_stored(kernel, port: int, device_id: str, voltage: int) -> bool:
    """Publish a voltage as ``device_id`` to the broker on 127.0.0.1:``port`` (anonymously);
    whether it is then the device's latest value (False while nothing listens on the port yet)."""
    try:
        async with aiomqtt.Client("127.0.0.1", port) as device:
            await device.publish(f"jiedao/changqing/devices/{device_id}/telemetry", json.dumps({"voltage": voltage}).encode(), qos=1)
    except aiomqtt.MqttError:
        return False
    return (await device_row(kernel, device_id)).latest.get("voltage", {}).get("value") == voltage


@contextlib.asynccontextmanager
async def ingesting(kernel, broker: MosquittoBroker | str, **options) -> AsyncIterator[Ingester]:
    """An ingester connected to ``broker`` (or a broker URL) for as long as the block runs;
    ``options`` are ``IngestOptions`` (a short ``batch_wait`` unless given)."""
    url = broker if isinstance(broker, str) else broker.url
    ingester = Ingester(kernel, IngestOptions(url, **{"batch_wait": 0.02, **options}))
    async with running(ingester.run()):
        await asyncio.wait_for(ingester.connected.wait(), 10)
        yield ingester


@contextlib.asynccontextmanager
async def device_connection(broker: MosquittoBroker) -> AsyncIterator[aiomqtt.Client]:
    """A publishing MQTT connection, as a device (or the simulator) would open."""
    async with aiomqtt.Client(broker.host, broker.port, identifier=f"test-device-{time.monotonic_ns()}") as client:
        yield client


async def send(client: aiomqtt.Client, device_id: str, payload, channel: str = "telemetry", street: str = "changqing") -> None:
    """Publish ``payload`` (JSON-encoded unless bytes) with QoS 1 on the device's topic."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    await client.publish(f"jiedao/{street}/devices/{device_id}/{channel}", body, qos=1)


async def until(condition, timeout: float = 30.0, what: str = "condition") -> None:
    """Wait until ``condition()`` (sync or async) is true."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def alert_of(kernel, alarm_id: int, street: str = "changqing"):
    """The latest notification alert raised for the alarm (after the background writes), or None."""
    from sqlalchemy import select

    from jiedao.core.notify.models import Alert
    from jiedao.schema.ids import encode_global_id

    await kernel.state("sensors").background.settled()
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        return await session.scalar(select(Alert).where(Alert.subject == encode_global_id("Alarm", alarm_id)).order_by(Alert.id.desc()).limit(1))
