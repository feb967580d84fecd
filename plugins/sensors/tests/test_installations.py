"""A meter-box monitor installed at a floor, a stairwell (单元) or a building serves a set of
households: registration checks the place, an alarm lists every household affected with
its people and their care needs, and the alert reaches the building's grid workers and the
person served who needs care the most."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from jiedao.core.notify.models import Alert
from jiedao.core.testing.fixtures import count_statements
from jiedao.core.testing.organisations import make_grid
from jiedao.schema.ids import encode_global_id
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service.alerts import raise_alarm_alert

from .conftest import alert_of
from .meter_boxes import stairwell_registry
from .test_alarms import alarms_of, deliver

REGISTER = """mutation($input: RegisterDeviceInput!) { registerDevice(input: $input) {
    device { deviceId installedAt stairwell floor building { name } unit { number } servedUnits { number stairwell floor } }
    errors { code field message } } }"""


def _unit(pk: int) -> str:
    return encode_global_id("Unit", pk)


async def _register(client, token, **fields) -> dict:
    return (await client.query(REGISTER, {"input": {"kind": "ELECTRIC_MONITOR", **fields}}, token=token))["registerDevice"]


async def test_a_meter_box_is_registered_at_a_floor_a_stairwell_or_a_building_and_serves_its_units(kernel, client):
    place = await stairwell_registry(kernel)
    admin = await client.token("street_admin")
    b0 = encode_global_id("Building", place.buildings[0])

    floor = await _register(client, admin, deviceId="MB-F", buildingId=b0, stairwell="1", floor=1)
    assert floor["errors"] == []
    assert {k: floor["device"][k] for k in ("installedAt", "stairwell", "floor", "unit")} == {"installedAt": "FLOOR", "stairwell": "1", "floor": 1, "unit": None}
    assert floor["device"]["servedUnits"] == [{"number": "001", "stairwell": "1", "floor": 1}, {"number": "002", "stairwell": "1", "floor": 1}]

    stairwell = await _register(client, admin, deviceId="MB-S", buildingId=b0, stairwell="2")
    assert stairwell["device"]["installedAt"] == "STAIRWELL"
    assert [u["number"] for u in stairwell["device"]["servedUnits"]] == ["005", "006", "007", "008"]

    building = await _register(client, admin, deviceId="MB-B", buildingId=b0)
    assert building["device"]["installedAt"] == "BUILDING" and len(building["device"]["servedUnits"]) == 8

    # a box on the 2nd floor of stairwell 1 feeding that floor and one flat of stairwell 2
    listed = await _register(client, admin, deviceId="MB-L", buildingId=b0, stairwell="1", floor=2, servedUnitIds=[_unit(place.units[0][2]), _unit(place.units[0][3]), _unit(place.units[0][6])])
    assert listed["errors"] == []
    assert [u["number"] for u in listed["device"]["servedUnits"]] == ["003", "004", "007"]


@pytest.mark.parametrize(("fields", "code", "field", "words"), [
    ({"stairwell": "9"}, "NOT_FOUND", "stairwell", "no stairwell '9'"),
    ({"stairwell": "1", "floor": 7}, "NOT_FOUND", "floor", "floor 7"),
    ({"floor": 500}, "INVALID", "floor", "between"),
    ({"servedUnitIds": "other building"}, "INVALID", "servedUnitIds", "not in the device's building"),
    ({"building": None, "floor": 1}, "INVALID", "floor", "Name the building"),
    ({"unit": True, "floor": 1}, "INVALID", "floor", "installed in a unit"),
])
async def test_a_place_that_does_not_exist_is_refused_naming_the_field(kernel, client, fields, code, field, words):
    place = await stairwell_registry(kernel)
    admin = await client.token("street_admin")
    given = {"buildingId": encode_global_id("Building", place.buildings[0])}
    for key, value in fields.items():
        if key == "building":
            given.pop("buildingId")
        elif key == "unit":
            given["unitId"] = _unit(place.units[0][0])
        elif key == "servedUnitIds":
            given["servedUnitIds"] = [_unit(place.units[0][0]), _unit(place.units[1][0])]
        else:
            given[key] = value
    result = await _register(client, admin, deviceId="MB-X", **given)
    [error] = result["errors"]
    assert (error["code"], error["field"]) == (code, field) and words in error["message"]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(Device.id).where(Device.device_id == "MB-X")) is None


async def test_a_grid_worker_may_not_register_a_meter_box(kernel, client):
    place = await stairwell_registry(kernel)
    grid = await client.token("grid_worker")
    [error] = await client.errors(REGISTER, {"input": {"deviceId": "MB-G", "kind": "ELECTRIC_MONITOR", "buildingId": encode_global_id("Building", place.buildings[0]), "floor": 1}}, token=grid)
    assert error["extensions"]["code"] == "FORBIDDEN"


HOUSEHOLDS = """query { alarms(first: 10) { edges { node { type severity device { deviceId }
    households { unit { number stairwell floor } residents { name } careNeeds vulnerable } } } } }"""


async def test_an_alarm_shows_every_household_its_meter_box_serves_with_their_care_needs(kernel, client):
    place = await stairwell_registry(kernel)
    admin, grid = await client.token("street_admin"), await client.token("grid_worker")
    b0 = encode_global_id("Building", place.buildings[0])
    await _register(client, admin, deviceId="MB-1F", buildingId=b0, stairwell="1", floor=1)
    await _register(client, admin, deviceId="MB-2F", buildingId=b0, stairwell="1", floor=2)

    await deliver(kernel, "MB-1F", {"residual_current": 320})
    await deliver(kernel, "MB-2F", {"residual_current": 320})
    alarms = {e["node"]["device"]["deviceId"]: e["node"] for e in (await client.query(HOUSEHOLDS, token=grid))["alarms"]["edges"]}
    first, second = alarms["MB-1F"], alarms["MB-2F"]
    # floor 1 serves the bedridden owner (vulnerable: CRITICAL) and a 70-year-old (elderly)
    assert first["severity"] == "CRITICAL"
    assert first["households"] == [
        {"unit": {"number": "002", "stairwell": "1", "floor": 1}, "residents": [{"name": "卧床老人"}], "careNeeds": ["BEDRIDDEN"], "vulnerable": True},
        {"unit": {"number": "001", "stairwell": "1", "floor": 1}, "residents": [{"name": "七十岁"}], "careNeeds": ["ELDERLY"], "vulnerable": False},
    ]
    # floor 2: the owner of flat 004 and the disabled tenant living there (a household member)
    assert second["severity"] == "CRITICAL"
    assert second["households"][0] == {
        "unit": {"number": "004", "stairwell": "1", "floor": 2}, "residents": [{"name": "业主3"}, {"name": "残疾租户"}], "careNeeds": ["DISABLED"], "vulnerable": True,
    }
    assert second["households"][1]["careNeeds"] == [] and second["households"][1]["unit"]["number"] == "003"

    inspector = await client.token("inspector")
    [error] = await client.errors(HOUSEHOLDS, token=inspector)
    assert error["extensions"]["code"] == "FORBIDDEN"


async def test_the_households_a_meter_box_serves_see_its_alarm_but_not_the_handlers_notes(kernel, client):
    """A handler's note may speak of one household ("卧床老人的女儿已到场"): a meter box serves
    several, so its residents see the alarm, its status and outcome, not the notes. A device of
    one home shows its notes to that home (``test_alarm_handling``)."""
    from .test_alarm_handling import COMMENT, HOME

    place = await stairwell_registry(kernel)
    admin, grid = await client.token("street_admin"), await client.token("grid_worker")
    await _register(client, admin, deviceId="MB-1F", buildingId=encode_global_id("Building", place.buildings[0]), stairwell="1", floor=1)
    await deliver(kernel, "MB-1F", {"residual_current": 320})
    [alarm] = await alarms_of(kernel, "MB-1F")
    said = (await client.query(COMMENT, {"id": encode_global_id("Alarm", alarm.id), "text": "卧床老人的女儿已到场"}, token=grid))["commentOnAlarm"]
    assert said["errors"] == []
    for owner in (place.elderly, place.bedridden):  # flats 001 and 002, both on the box
        home = await client.token("resident", username=f"home-{owner}", resident_id=owner)
        [seen] = (await client.query(HOME, token=home))["homeAlarms"]
        assert (seen["type"], seen["status"], seen["comments"]) == ("RESIDUAL_CURRENT", "ACTIVE_UNACK", [])


async def test_a_meter_box_serving_nobody_in_need_keeps_the_thresholds_severity(kernel, client):
    place = await stairwell_registry(kernel)
    admin = await client.token("street_admin")
    await _register(client, admin, deviceId="MB-2S", buildingId=encode_global_id("Building", place.buildings[1]), stairwell="2")
    await deliver(kernel, "MB-2S", {"residual_current": 320})
    [alarm] = await alarms_of(kernel, "MB-2S")
    assert (alarm.type, alarm.severity) == ("RESIDUAL_CURRENT", "MAJOR")


async def test_the_households_of_many_alarms_cost_the_same_statements_as_those_of_one(kernel, client):
    place = await stairwell_registry(kernel)
    admin, grid = await client.token("street_admin"), await client.token("grid_worker")
    b0, b1 = (encode_global_id("Building", b) for b in place.buildings)
    await _register(client, admin, deviceId="MB-1F", buildingId=b0, stairwell="1", floor=1)
    await deliver(kernel, "MB-1F", {"residual_current": 320})
    one = await client.statements(HOUSEHOLDS, token=grid)
    await _register(client, admin, deviceId="MB-S2", buildingId=b0, stairwell="2")
    await _register(client, admin, deviceId="MB-B1", buildingId=b1)
    for device in ("MB-S2", "MB-B1"):
        await deliver(kernel, device, {"residual_current": 320, "temperature": 95})
    body = await client.query(HOUSEHOLDS, token=grid)
    assert sum(len(e["node"]["households"]) for e in body["alarms"]["edges"]) == 2 + 2 * 4 + 2 * 8
    assert await client.statements(HOUSEHOLDS, token=grid) == one


async def test_the_alert_reaches_the_buildings_grid_worker_and_the_person_served_who_needs_care_most(kernel, client):
    place = await stairwell_registry(kernel)
    admin = await client.token("street_admin")
    await client.token("grid_worker", username="gw-b0")
    await client.token("grid_worker", username="gw-b1")
    await make_grid(kernel, "changqing", [place.buildings[0]], ["gw-b0"])
    await make_grid(kernel, "changqing", [place.buildings[1]], ["gw-b1"])
    await _register(client, admin, deviceId="MB-1F", buildingId=encode_global_id("Building", place.buildings[0]), stairwell="1", floor=1)

    await deliver(kernel, "MB-1F", {"residual_current": 320})
    [alarm] = await alarms_of(kernel, "MB-1F")
    alert = await alert_of(kernel, alarm.id)
    assert alert.resident_id == place.bedridden and alert.building_id == place.buildings[0]
    first, community = alert.stages[0]["people"], alert.stages[1]["people"]
    assert [(p["kind"], p["name"]) for p in first] == [("staff", "gw-b0"), ("resident", "卧床老人")]  # not the other building's worker
    assert [(p["kind"], p["name"]) for p in community] == [("contact", "女儿")]
    assert alert.fields["who"] == "卧床老人（卧床）、七十岁（老人）" and alert.fields["households"] == "2"
    assert alert.fields["where"].endswith("1幢 1单元 1层")


async def test_raising_an_alert_costs_the_same_statements_for_2_or_8_households(kernel, client):
    place = await stairwell_registry(kernel)
    admin = await client.token("street_admin")
    b0 = encode_global_id("Building", place.buildings[0])
    await _register(client, admin, deviceId="MB-1F", buildingId=b0, stairwell="1", floor=1)
    await _register(client, admin, deviceId="MB-B0", buildingId=b0)
    for device in ("MB-1F", "MB-B0"):
        await deliver(kernel, device, {"residual_current": 320})
    await kernel.state("sensors").background.settled()

    async def statements(device_id: str) -> int:
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            alarm, device = (await session.execute(select(Alarm, Device).join(Device, Device.id == Alarm.device_pk).where(Device.device_id == device_id))).one()
            with count_statements() as counter:
                await raise_alarm_alert(session, kernel, "changqing", alarm, device, again=True)
            return counter.count

    two, eight = await statements("MB-1F"), await statements("MB-B0")
    assert two == eight
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert len((await session.scalars(select(Alert))).all()) == 2
