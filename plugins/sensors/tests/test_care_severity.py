"""An alarm's severity follows the care the people at home need (the kernel's care profile:
the street's elderly and very-old ages, living alone, disabled, bedridden), not the old
``elderly`` flag alone: a silent detector or an alarm at the home of a vulnerable person is
CRITICAL, of an elderly one at least MAJOR; a low battery stays MINOR everywhere."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from jiedao.core.clock import today
from jiedao.core.models import Resident
from jiedao.core.testing.fixtures import app_client
from jiedao.plugins.sensors.service.alarms import now
from jiedao.schema.ids import encode_global_id

from .conftest import alert_of, register_devices
from .test_alarms import alarms_of, deliver
from .test_api import ACK, ALARMS
from .test_cleared_unack import _sweep

YEAR = today().year
PROFILES = {  # name → (resident columns, expected severities of TAMPER, OFFLINE, LOW_BATTERY on their detector)
    "adult": ({"birth_year": YEAR - 40}, ("MAJOR", "MAJOR", "MINOR")),
    "elderly, with family": ({"birth_year": YEAR - 70}, ("MAJOR", "MAJOR", "MINOR")),
    "elderly, alone": ({"birth_year": YEAR - 70, "lives_alone": True}, ("CRITICAL", "CRITICAL", "MINOR")),
    "very old, with family": ({"birth_year": YEAR - 85}, ("CRITICAL", "CRITICAL", "MINOR")),
    "disabled adult": ({"birth_year": YEAR - 40, "disabled": True}, ("CRITICAL", "CRITICAL", "MINOR")),
    "bedridden adult": ({"birth_year": YEAR - 40, "bedridden": True}, ("CRITICAL", "CRITICAL", "MINOR")),
    "59, alone": ({"birth_year": YEAR - 59, "lives_alone": True}, ("MAJOR", "MAJOR", "MINOR")),
    "flag only, alone (no birth year)": ({"birth_year": None, "elderly": True, "lives_alone": True}, ("CRITICAL", "CRITICAL", "MINOR")),
    "flag says elderly but born 40 years ago": ({"birth_year": YEAR - 40, "elderly": True, "lives_alone": True}, ("MAJOR", "MAJOR", "MINOR")),
}
SEVERITIES = "query { alarms(first: 20) { edges { node { type severity device { deviceId } } } } }"


async def _profile(kernel, resident_id: int, columns: dict) -> None:
    values = {"elderly": False, "lives_alone": False, "disabled": False, "bedridden": False, **columns}
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await session.execute(update(Resident).where(Resident.id == resident_id).values(**values))


async def _severities(client) -> dict[tuple[str, str], str]:
    grid = await client.token("grid_worker")
    edges = (await client.query(SEVERITIES, token=grid))["alarms"]["edges"]
    return {(e["node"]["device"]["deviceId"], e["node"]["type"]): e["node"]["severity"] for e in edges}


@pytest.mark.parametrize("profile", list(PROFILES))
async def test_the_severity_of_a_detectors_alarms_follows_its_residents_care_profile(kernel, client, profile):
    columns, (tamper, offline, battery) = PROFILES[profile]
    registry = await register_devices(kernel)
    await _profile(kernel, registry.residents[0], columns)  # SD-1 protects residents[0]
    heard = now() - timedelta(hours=7)
    await deliver(kernel, "SD-1", {"tamper": True, "battery": 10}, at=heard)
    await _sweep(kernel, now())  # silent for 7 h > a detector's allowance (6 h)
    assert await _severities(client) == {("SD-1", "TAMPER"): tamper, ("SD-1", "LOW_BATTERY"): battery, ("SD-1", "OFFLINE"): offline}


async def test_a_monitor_at_the_home_of_a_bedridden_person_raises_critical_and_elsewhere_major(kernel, client):
    registry = await register_devices(kernel)
    await _profile(kernel, registry.residents[1], {"bedridden": True})  # EM-1's flat (building 1, second unit)
    await deliver(kernel, "EM-1", {"residual_current": 320})
    await deliver(kernel, "EM-2", {"residual_current": 320})  # nobody in need at EM-2's flat
    assert await _severities(client) == {("EM-1", "RESIDUAL_CURRENT"): "CRITICAL", ("EM-2", "RESIDUAL_CURRENT"): "MAJOR"}


async def test_a_leak_growing_worse_at_a_vulnerable_persons_home_reopens_the_acknowledged_alarm(kernel, client):
    registry = await register_devices(kernel)
    await _profile(kernel, registry.residents[1], {"bedridden": True})  # EM-1's flat
    await deliver(kernel, "EM-1", {"residual_current": 320})  # MAJOR by the rule, CRITICAL for who lives there
    [alarm] = await alarms_of(kernel, "EM-1")
    alarm_id = encode_global_id("Alarm", alarm.id)
    grid = await client.token("grid_worker")
    assert (await client.query(ACK, {"id": alarm_id, "note": "on my way"}, token=grid))["acknowledgeAlarm"]["errors"] == []

    await deliver(kernel, "EM-1", {"residual_current": 450})  # still MAJOR by the rule: not worse
    [node] = [e["node"] for e in (await client.query(ALARMS, token=grid))["alarms"]["edges"]]
    assert (node["id"], node["severity"], node["status"]) == (alarm_id, "CRITICAL", "ACKNOWLEDGED")

    await deliver(kernel, "EM-1", {"residual_current": 600})  # CRITICAL by the rule: worse
    [node] = [e["node"] for e in (await client.query(ALARMS, token=grid))["alarms"]["edges"]]
    assert (node["id"], node["severity"], node["status"]) == (alarm_id, "CRITICAL", "ACTIVE_UNACK")


async def test_an_owner_living_in_another_flat_is_not_a_person_at_home(kernel, client):
    """residents[1] owns EM-1's flat and is bedridden; while their household lives in another
    flat, EM-1's alarm is MAJOR (nobody in need at home), once it lives there, CRITICAL."""
    from jiedao.core.models import Household

    registry = await register_devices(kernel)
    await _profile(kernel, registry.residents[1], {"bedridden": True})
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        household = Household(unit_id=registry.units[3], name="住在别处")
        session.add(household)
        await session.flush()
        await session.execute(update(Resident).where(Resident.id == registry.residents[1]).values(household_id=household.id))
    await deliver(kernel, "EM-1", {"residual_current": 320})
    assert await _severities(client) == {("EM-1", "RESIDUAL_CURRENT"): "MAJOR"}
    [alarm] = await alarms_of(kernel, "EM-1")
    assert (await alert_of(kernel, alarm.id)).resident_id == registry.residents[1], "nobody known lives there: the owner hears of it"

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await session.execute(update(Household).where(Household.id == household.id).values(unit_id=registry.units[1]))
    await deliver(kernel, "EM-1", {"residual_current": 330})
    assert await _severities(client) == {("EM-1", "RESIDUAL_CURRENT"): "CRITICAL"}


async def test_every_owner_of_a_flat_nobody_lives_in_is_told_at_home(kernel, client):
    """EM-1's flat has two owners, both living elsewhere (a bedridden one and a co-owner):
    nobody known lives there, so each of them hears of the leak at home — the bedridden owner
    first, as the alert's resident — and not only the most vulnerable one."""
    from jiedao.core.models import Household, Ownership

    registry = await register_devices(kernel)
    await _profile(kernel, registry.residents[1], {"bedridden": True})
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        household = Household(unit_id=registry.units[3], name="住在别处")
        co_owner = Resident(external_ref="co-owner", name="共有人", phone="13900000001")
        session.add_all([household, co_owner])
        await session.flush()
        session.add(Ownership(unit_id=registry.units[1], resident_id=co_owner.id))
        await session.execute(update(Resident).where(Resident.id.in_([registry.residents[1], co_owner.id])).values(household_id=household.id))
    await deliver(kernel, "EM-1", {"residual_current": 320})
    [alarm] = await alarms_of(kernel, "EM-1")
    alert = await alert_of(kernel, alarm.id)
    assert alert.resident_id == registry.residents[1]
    told = [(p["kind"], p["name"]) for p in alert.stages[0]["people"] if p["kind"] == "resident"]
    assert told == [("resident", "业主1"), ("resident", "共有人")]


async def test_a_silent_monitor_stays_minor_even_at_the_home_of_a_vulnerable_person(kernel, client):
    registry = await register_devices(kernel)
    await _profile(kernel, registry.residents[1], {"bedridden": True})
    await deliver(kernel, "EM-1", {"voltage": 220}, at=now() - timedelta(hours=3))
    await _sweep(kernel, now())
    assert await _severities(client) == {("EM-1", "OFFLINE"): "MINOR"}


async def test_the_streets_elderly_age_decides_who_is_elderly(make_kernel, password_hash):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"], "care": {"elderly_age": 65, "very_old_age": 85}}})
    registry = await register_devices(kernel)
    await _profile(kernel, registry.residents[0], {"birth_year": YEAR - 62, "lives_alone": True})  # elderly by the law's 60, not by this street's 65
    await _profile(kernel, registry.residents[2], {"birth_year": YEAR - 66, "lives_alone": True})  # elderly by 65, living alone
    await deliver(kernel, "SD-1", {"tamper": True})
    await deliver(kernel, "SD-2", {"tamper": True})
    async with app_client(kernel, password_hash) as client:
        assert await _severities(client) == {("SD-1", "TAMPER"): "MAJOR", ("SD-2", "TAMPER"): "CRITICAL"}


async def test_very_old_is_the_streets_very_old_age(make_kernel, password_hash):
    kernel = await make_kernel(streets={"changqing": {"name": "长庆街道", "plugins": ["sensors"], "care": {"very_old_age": 85}}})
    registry = await register_devices(kernel)
    await _profile(kernel, registry.residents[0], {"birth_year": YEAR - 82})  # very old by the usual 80, not by this street's 85
    await _profile(kernel, registry.residents[2], {"birth_year": YEAR - 86})
    await deliver(kernel, "SD-1", {"tamper": True})
    await deliver(kernel, "SD-2", {"tamper": True})
    async with app_client(kernel, password_hash) as client:
        assert await _severities(client) == {("SD-1", "TAMPER"): "MAJOR", ("SD-2", "TAMPER"): "CRITICAL"}
