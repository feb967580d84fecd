"""The messages a fleet sends over a stretch of simulated time, in time order.

Every device starts at a random point of its first interval (no thundering herd) and draws
each next interval afresh (``profiles.PROFILES``). A regular message turns into a fault with
probability ``fault_rate``, in the demo's mix (``simulate.fault``): three in four are alarm
faults of the device's kind (leakage or a hot line on a monitor, smoke or a low battery on a
detector, heat or smoke at a charging point), sent as a burst (``BURST`` more messages 10-30 s
apart) and followed by a healthy reading; one in four is a malformed message (garbage, an
unknown key, an impossible value, an unregistered device) that the ingester quarantines.
A device has at most one alarm fault per run, so each fault's alarm can be told apart.
"""

from __future__ import annotations

import heapq
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from jiedao.plugins.sensors.loadgen.profiles import PROFILES, normal_values
from jiedao.plugins.sensors.service.rules import (
    CHARGER_TEMPERATURE,
    ELECTRIC_MONITOR,
    EV_CHARGER_FIRE,
    LINE_TEMPERATURE,
    LOW_BATTERY,
    RESIDUAL_CURRENT,
    SMOKE,
    SMOKE_DETECTOR,
)

ALARM_FAULTS: dict[str, tuple[tuple[str, str], ...]] = {
    ELECTRIC_MONITOR: (("leak", RESIDUAL_CURRENT), ("hot", LINE_TEMPERATURE)),
    SMOKE_DETECTOR: (("smoke", SMOKE), ("low_battery", LOW_BATTERY)),
    EV_CHARGER_FIRE: (("hot", CHARGER_TEMPERATURE), ("smoke", SMOKE)),
}
"""The alarm faults of each kind: (fault, the alarm type the demo's rules raise for it)."""
MALFORMED = ("garbage", "unknown_key", "out_of_range", "unknown_device")
MALFORMED_SHARE = 0.25
BURST = 3
"""Further fault messages a device sends after the first (a device reports faster while
something is wrong)."""
DEFAULT_FAULT_RATE = 0.002


@dataclass(frozen=True)
class SimDevice:
    """A device to play: its street, MQTT id and kind."""

    street: str
    device_id: str
    kind: str


@dataclass(frozen=True)
class SimMessage:
    """One message: when (simulated seconds from the start), who, what.

    ``values`` is the reading of a well-formed message (sent as ``{"ts", "values"}``), ``raw``
    the bytes of a malformed one; ``alarm`` is the alarm type a fault's first message should
    raise; ``readings`` how many readings the ingester should store, ``refused`` whether it
    should quarantine the message instead.
    """

    at: float
    street: str
    device_id: str
    kind: str
    values: dict | None = None
    raw: bytes | None = None
    fault: str | None = None
    alarm: str | None = None

    @property
    def readings(self) -> int:
        """Readings the ingester stores for this message."""
        return len(self.values) if self.values is not None else 0

    @property
    def refused(self) -> bool:
        """Whether the ingester should refuse (quarantine) this message."""
        return self.values is None

    def payload(self, ts_ms: int) -> bytes:
        """The MQTT payload, stamped ``ts_ms`` (milliseconds since the epoch) if well-formed."""
        if self.values is None:
            return self.raw or b""
        return json.dumps({"ts": ts_ms, "values": self.values}).encode()


def fault_values(fault: str, kind: str, rng: random.Random) -> dict:
    """The reading of an alarm fault of a device of ``kind``."""
    if fault == "leak":
        return {"residual_current": rng.choice((320, 480, 650))}
    if fault == "hot":
        return {"temperature": rng.randint(75, 110) if kind == ELECTRIC_MONITOR else rng.randint(65, 110)}
    if fault == "smoke":
        return {"smoke": True}
    if fault == "low_battery":
        return {"smoke": False, "battery": rng.randint(1, 9), "self_test": True}
    raise ValueError(f"unknown fault {fault!r}")


def malformed(fault: str, device: SimDevice, rng: random.Random) -> tuple[str, bytes]:
    """(device id to publish as, payload) of a malformed message."""
    if fault == "garbage":
        return device.device_id, b"\x00\xffnot json"
    if fault == "unknown_key":
        return device.device_id, json.dumps({"humidity": 40}).encode()
    if fault == "out_of_range":
        return device.device_id, json.dumps({"voltage": -5} if device.kind == ELECTRIC_MONITOR else {"battery": 250}).encode()
    return f"UNKNOWN-{rng.randint(1, 999):03d}", json.dumps({"battery": 50}).encode()


def schedule(devices: Sequence[SimDevice], duration: float, *, seed: int = 0, fault_rate: float = DEFAULT_FAULT_RATE) -> Iterator[SimMessage]:
    """The messages ``devices`` send in ``duration`` simulated seconds, in time order."""
    rng = random.Random(seed)
    queue: list[tuple[float, int, int, str, str, int]] = []  # (at, tie-break, device, phase, fault, left)
    for index, device in enumerate(devices):
        profile = PROFILES[device.kind]
        queue.append((rng.uniform(0, profile.next_interval(rng)), index, index, "regular", "", 0))
    heapq.heapify(queue)
    faulted: set[int] = set()
    sequence = len(devices)
    while queue:
        at, _, index, phase, fault, left = heapq.heappop(queue)
        if at >= duration:
            return  # every later entry is later still
        device = devices[index]
        profile = PROFILES[device.kind]
        sequence += 1
        if phase == "burst":
            yield SimMessage(at, device.street, device.device_id, device.kind, fault_values(fault, device.kind, rng), fault=fault)
            follow = ("burst", fault, left - 1) if left > 1 else ("recover", "", 0)
            heapq.heappush(queue, (at + rng.uniform(10, 30), sequence, index, *follow))
            continue
        if phase == "regular" and rng.random() < fault_rate:
            if rng.random() < MALFORMED_SHARE:
                kind_of = rng.choice(MALFORMED)
                device_id, raw = malformed(kind_of, device, rng)
                yield SimMessage(at, device.street, device_id, device.kind, raw=raw, fault=kind_of)
            elif index not in faulted:
                faulted.add(index)
                fault, alarm = rng.choice(ALARM_FAULTS[device.kind])
                yield SimMessage(at, device.street, device.device_id, device.kind, fault_values(fault, device.kind, rng), fault=fault, alarm=alarm)
                heapq.heappush(queue, (at + rng.uniform(10, 30), sequence, index, "burst", fault, BURST))
                continue
            else:
                yield SimMessage(at, device.street, device.device_id, device.kind, normal_values(device.kind, rng))
        else:
            yield SimMessage(at, device.street, device.device_id, device.kind, normal_values(device.kind, rng))
        heapq.heappush(queue, (at + profile.next_interval(rng), sequence, index, "regular", "", 0))
