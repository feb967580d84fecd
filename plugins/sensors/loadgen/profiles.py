"""How often each kind of device reports, what it reports, and how a street's fleet is made up.

The rates are those of the devices Changqing runs: meter-box electric monitors every 5-15 min,
smoke detectors a heartbeat every few hours, EV charging points' fire monitors every 1-3 min
(they watch a charging battery). The fleet keeps Changqing's mix (734 monitors, 737 detectors,
15 charging points for 1,486 devices).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from jiedao.plugins.sensors.service.rules import ELECTRIC_MONITOR, EV_CHARGER_FIRE, SMOKE_DETECTOR


@dataclass(frozen=True)
class KindProfile:
    """The reporting habits of one kind: its regular interval (uniform between ``low`` and
    ``high`` seconds, drawn afresh for every message), the prefix of its device ids, and its
    share of a street's fleet."""

    kind: str
    low: float
    high: float
    prefix: str
    share: int

    @property
    def mean(self) -> float:
        """The mean interval in seconds."""
        return (self.low + self.high) / 2

    def next_interval(self, rng: random.Random) -> float:
        """Seconds until the next regular message."""
        return rng.uniform(self.low, self.high)


MINUTE, HOUR = 60.0, 3600.0
PROFILES: dict[str, KindProfile] = {
    ELECTRIC_MONITOR: KindProfile(ELECTRIC_MONITOR, 5 * MINUTE, 15 * MINUTE, "EM", 734),
    SMOKE_DETECTOR: KindProfile(SMOKE_DETECTOR, 3 * HOUR, 5 * HOUR, "SD", 737),
    EV_CHARGER_FIRE: KindProfile(EV_CHARGER_FIRE, 1 * MINUTE, 3 * MINUTE, "EV", 15),
}
"""Each kind's reporting habits (shares: Changqing's 734 / 737 / 15)."""
HEARTBEAT_ALLOWANCE = "6h"
"""An ``offline_after`` for every kind that a detector's heartbeat of up to 5 h keeps ONLINE
(the street's default already gives detectors 6 h through ``offline_after_kind``; the bench
sets it for every kind so a slow load generator does not raise OFFLINE alarms of its own)."""


def fleet_mix(devices: int) -> dict[str, int]:
    """How many devices of each kind a street of ``devices`` has (Changqing's mix; at least one
    charging point once there are 20 devices)."""
    total = sum(p.share for p in PROFILES.values())
    counts = {kind: devices * p.share // total for kind, p in PROFILES.items()}
    if devices >= 20 and counts[EV_CHARGER_FIRE] == 0:
        counts[EV_CHARGER_FIRE] = 1
    counts[ELECTRIC_MONITOR] += devices - sum(counts.values())
    return counts


def device_ids(devices: int) -> list[tuple[str, str]]:
    """(device id, kind) of a street's fleet of ``devices``: EM-00001..., SD-..., EV-...."""
    return [(f"{PROFILES[kind].prefix}-{n:05d}", kind) for kind, count in fleet_mix(devices).items() for n in range(1, count + 1)]


def messages_per_hour(devices: int) -> dict[str, float]:
    """Regular messages an hour a street of ``devices`` sends, per kind (faults aside)."""
    return {kind: count * HOUR / PROFILES[kind].mean for kind, count in fleet_mix(devices).items()}


def normal_values(kind: str, rng: random.Random) -> dict:
    """A plausible reading of a healthy device of ``kind``: below every alarm threshold."""
    if kind == ELECTRIC_MONITOR:
        return {"residual_current": rng.randint(5, 150), "temperature": round(rng.uniform(20, 50), 1), "voltage": rng.randint(215, 235),
                "current": round(rng.uniform(1, 40), 1)}
    if kind == SMOKE_DETECTOR:
        return {"smoke": False, "battery": rng.randint(30, 100), "self_test": True}
    return {"temperature": round(rng.uniform(15, 45), 1), "smoke": False}
