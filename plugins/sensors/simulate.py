"""A device simulator publishing realistic telemetry (and, on request, faults) over MQTT."""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass

import aiomqtt

from jiedao.plugins.sensors.ingest import parse_url
from jiedao.plugins.sensors.service.rules import ELECTRIC_MONITOR, EV_CHARGER_FIRE, SMOKE_DETECTOR


@dataclass(frozen=True)
class SimDevice:
    """A device to impersonate: its MQTT id and kind."""

    device_id: str
    kind: str


def normal_values(kind: str, rng: random.Random) -> dict:
    """A plausible reading of a healthy device."""
    if kind == ELECTRIC_MONITOR:
        return {"residual_current": rng.randint(5, 150), "temperature": round(rng.uniform(20, 50), 1), "voltage": rng.randint(215, 235), "current": round(rng.uniform(1, 40), 1)}
    if kind == SMOKE_DETECTOR:
        return {"smoke": False, "battery": rng.randint(30, 100), "self_test": True}
    return {"temperature": round(rng.uniform(15, 45), 1), "smoke": False}


def fault(device: SimDevice, rng: random.Random) -> tuple[str | None, bytes]:
    """A faulty message: (device id override or None, payload)."""
    choice = rng.choice(("leak", "hot", "smoke", "low_battery", "garbage", "unknown_key", "out_of_range", "unknown_device"))
    if choice == "leak" and device.kind == ELECTRIC_MONITOR:
        return None, json.dumps({"residual_current": rng.choice((320, 480, 650))}).encode()
    if choice == "hot" and device.kind in (ELECTRIC_MONITOR, EV_CHARGER_FIRE):
        return None, json.dumps({"temperature": rng.randint(75, 110)}).encode()
    if choice == "smoke" and device.kind in (SMOKE_DETECTOR, EV_CHARGER_FIRE):
        return None, json.dumps({"smoke": True}).encode()
    if choice == "low_battery" and device.kind == SMOKE_DETECTOR:
        return None, json.dumps({"smoke": False, "battery": rng.randint(1, 9), "self_test": True}).encode()
    if choice == "garbage":
        return None, b"\x00\xffnot json"
    if choice == "unknown_key":
        return None, json.dumps({"humidity": 40}).encode()
    if choice == "out_of_range":
        return None, json.dumps({"battery": 250} if device.kind != ELECTRIC_MONITOR else {"voltage": -5}).encode()
    return f"UNKNOWN-{rng.randint(1, 999):03d}", json.dumps({"battery": 50}).encode()


async def simulate(url: str, street: str, prefix: str, devices: list[SimDevice], rate: float, duration: float, faults: bool, seed: int = 0, progress=None) -> int:
    """Publish ``rate`` messages a second for ``duration`` seconds; returns how many."""
    rng = random.Random(seed)
    broker = parse_url(url)
    sent = 0
    async with aiomqtt.Client(broker.host, broker.port, username=broker.username, password=broker.password, identifier=f"sim-{street}-{rng.randint(0, 1 << 30)}") as client:
        start = time.monotonic()
        while time.monotonic() - start < duration:
            device = rng.choice(devices)
            device_id, payload = device.device_id, None
            if faults and rng.random() < 0.1:
                override, payload = fault(device, rng)
                device_id = override or device_id
            if payload is None:
                payload = json.dumps({"ts": int(time.time() * 1000), "values": normal_values(device.kind, rng)}).encode()
            await client.publish(f"{prefix}/{street}/devices/{device_id}/telemetry", payload, qos=1)
            sent += 1
            if progress and sent % 100 == 0:
                progress(sent)
            delay = start + sent / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
    return sent
