"""Only the severities a street names climb the escalation ladder: a minor alarm (a low
battery) is told to the first step on raising and never goes further."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from jiedao.plugins.sensors.service.alarms import now
from jiedao.plugins.sensors.settings import SensorsSettings

from .conftest import alert_of, register_devices
from .test_alarms import alarms_of, deliver
from .test_cleared_unack import _sweep


async def test_a_low_battery_never_climbs_past_the_first_step_however_long_it_waits(kernel, registry, client):
    raised = now() - timedelta(days=3)
    await deliver(kernel, "SD-1", {"battery": 8, "tamper": True}, at=raised)  # LOW_BATTERY (minor), TAMPER (major)
    await deliver(kernel, "SD-1", {"battery": 8}, at=raised + timedelta(days=2, hours=23))  # heard from: not offline
    low = next(a for a in await alarms_of(kernel, "SD-1") if a.type == "LOW_BATTERY")
    alert = await alert_of(kernel, low.id)  # told, in the daily digest, to the first people only
    assert alert.severity == "minor" and len(alert.stages) <= 1

    steps = []
    for later in (timedelta(minutes=16), timedelta(hours=2), timedelta(days=3)):
        steps += await _sweep(kernel, raised + later)
    assert steps == [("escalated", "TAMPER", 1), ("escalated", "TAMPER", 2)]  # the major one climbs, the minor one does not

    grid = await client.token("grid_worker")
    levels = await client.query("{ alarms { edges { node { type status escalationLevel } } } }", token=grid)
    assert sorted((e["node"]["type"], e["node"]["status"], e["node"]["escalationLevel"]) for e in levels["alarms"]["edges"]) == [
        ("LOW_BATTERY", "ACTIVE_UNACK", 0), ("TAMPER", "ACTIVE_UNACK", 2),
    ]


async def test_a_street_may_let_minor_alarms_escalate_too(make_kernel):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"], "sensors": {"escalate_severities": ["CRITICAL", "MAJOR", "MINOR"]}}})
    await register_devices(kernel)
    raised = now() - timedelta(minutes=20)
    await deliver(kernel, "SD-1", {"battery": 8}, at=raised)
    assert await _sweep(kernel, now()) == [("escalated", "LOW_BATTERY", 1)]
    [alarm] = await alarms_of(kernel, "SD-1")
    assert alarm.escalation_level == 1


def test_an_unknown_severity_to_escalate_is_refused_naming_the_field_and_the_known_ones():
    with pytest.raises(ValidationError, match=r"escalate_severities: unknown severity URGENT \(expected some of MINOR, MAJOR, CRITICAL\)"):
        SensorsSettings.model_validate({"escalate_severities": ["CRITICAL", "URGENT"]})
