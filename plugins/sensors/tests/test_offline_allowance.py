"""How long a device may stay silent depends on its kind: NB-IoT smoke detectors report a
heartbeat every few hours, so the default street gives them 6 h before they are OFFLINE, while
a monitor (reporting every few minutes) is OFFLINE after the street's ``offline_after`` (2 h).
A street may set its own table; a kind that does not exist is refused naming the setting."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from jiedao.plugins.sensors.service.alarms import now
from jiedao.plugins.sensors.settings import SensorsSettings

from .conftest import register_devices
from .test_alarms import deliver
from .test_cleared_unack import _sweep

STATUSES = "{ devices(first: 20) { edges { node { deviceId status } } } }"


async def _statuses(client) -> dict[str, str]:
    grid = await client.token("grid_worker")
    return {e["node"]["deviceId"]: e["node"]["status"] for e in (await client.query(STATUSES, token=grid))["devices"]["edges"]}


async def test_a_detector_between_two_heartbeats_stays_online_while_a_silent_monitor_goes_offline(kernel, client):
    await register_devices(kernel)
    await deliver(kernel, "SD-1", {"battery": 90}, at=now() - timedelta(hours=5))  # a heartbeat 5 h ago: the next is due
    await deliver(kernel, "SD-2", {"battery": 90}, at=now() - timedelta(hours=6, minutes=5))  # missed it
    await deliver(kernel, "EM-1", {"voltage": 220}, at=now() - timedelta(hours=2, minutes=5))
    await deliver(kernel, "EM-2", {"voltage": 220}, at=now() - timedelta(minutes=90))
    assert sorted(await _sweep(kernel, now())) == [("raised", "OFFLINE", 0), ("raised", "OFFLINE", 0)]
    statuses = await _statuses(client)
    assert {d: statuses[d] for d in ("SD-1", "SD-2", "EM-1", "EM-2")} == {"SD-1": "ONLINE", "SD-2": "OFFLINE", "EM-1": "OFFLINE", "EM-2": "ONLINE"}


async def test_a_street_sets_its_own_allowance_per_kind(make_kernel, password_hash):
    from jiedao.core.testing.fixtures import app_client

    allowances = {"offline_after": "3h", "offline_after_kind": {"SMOKE_DETECTOR": "12h", "ELECTRIC_MONITOR": "1h"}}
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"], "sensors": allowances}})
    await register_devices(kernel)
    await deliver(kernel, "SD-1", {"battery": 90}, at=now() - timedelta(hours=11))
    await deliver(kernel, "EM-1", {"voltage": 220}, at=now() - timedelta(minutes=70))
    await deliver(kernel, "EV-1", {"temperature": 30}, at=now() - timedelta(hours=2))  # not listed: offline_after (3 h)
    assert await _sweep(kernel, now()) == [("raised", "OFFLINE", 0)]
    async with app_client(kernel, password_hash) as client:
        statuses = await _statuses(client)
    assert {d: statuses[d] for d in ("SD-1", "EM-1", "EV-1")} == {"SD-1": "ONLINE", "EM-1": "OFFLINE", "EV-1": "ONLINE"}


@pytest.mark.parametrize(("table", "message"), [
    ({"SMOKE_DETECTER": "6h"}, r"offline_after_kind: unknown device kind\(s\) SMOKE_DETECTER \(expected some of ELECTRIC_MONITOR, SMOKE_DETECTOR, EV_CHARGER_FIRE\)"),
    ({"SMOKE_DETECTOR": "0s"}, r"offline_after_kind: every allowance must be longer than zero"),
])
def test_an_unknown_kind_or_an_empty_allowance_is_refused_naming_the_setting(table, message):
    with pytest.raises(ValidationError, match=message):
        SensorsSettings.model_validate({"offline_after_kind": table})


def test_the_default_gives_detectors_six_hours_and_every_other_kind_offline_after():
    settings = SensorsSettings()
    assert [settings.offline_allowance(kind) for kind in ("SMOKE_DETECTOR", "ELECTRIC_MONITOR", "EV_CHARGER_FIRE")] == [
        timedelta(hours=6), timedelta(hours=2), timedelta(hours=2)]
