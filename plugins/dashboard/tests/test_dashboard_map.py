"""The cockpit's map over GraphQL: located buildings with their hotspot verdict, location in
GCJ-02 and WGS-84, open alarms through ``Building.alarms``, who may ask, and the tile
server setting with the page's Content-Security-Policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from jiedao.core.models import Building
from jiedao.core.testing.fixtures import app_client, GraphQLErrors
from jiedao.plugins.dashboard.tests.conftest import cockpit_streets
from jiedao.plugins.dashboard.tests.test_dashboard_hotspots import RANGE, seed_scenario
from jiedao.plugins.dashboard.web import cockpit_policy
from jiedao.schema.ids import encode_global_id

MAP = """query($range: CockpitRange) { cockpit { map(range: $range) {
  unlocated leftOut tiles
  buildings { compoundName hotspotSources hotspotAcknowledged compoundHotspot
    building { id name location { longitude latitude datum wgs84 { longitude latitude datum } } } } } } }"""


async def locate(kernel, building_id: int, longitude: float, latitude: float) -> None:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await session.execute(update(Building).where(Building.id == building_id).values(longitude=longitude, latitude=latitude))


async def test_the_map_lists_located_buildings_with_their_hotspot(cockpit, cockpit_kernel, registry):
    buildings = await seed_scenario(cockpit_kernel, registry)
    await locate(cockpit_kernel, buildings["spiking"], 120.1712, 30.2721)
    await locate(cockpit_kernel, buildings["steady"], 120.1718, 30.2725)

    found = (await cockpit.query(MAP, {"range": RANGE}, token=await cockpit.token("grid_worker")))["cockpit"]["map"]

    assert found["unlocated"] == 1 and found["leftOut"] == 0 and found["tiles"] is None
    by_id = {b["building"]["id"]: b for b in found["buildings"]}
    assert set(by_id) == {encode_global_id("Building", buildings["spiking"]), encode_global_id("Building", buildings["steady"])}
    spiking = by_id[encode_global_id("Building", buildings["spiking"])]
    steady = by_id[encode_global_id("Building", buildings["steady"])]
    assert (spiking["hotspotSources"], spiking["compoundHotspot"], spiking["hotspotAcknowledged"]) == (1, True, False)
    assert steady["hotspotSources"] == 0 and steady["compoundHotspot"] is True  # its compound rises as a whole
    location = spiking["building"]["location"]
    assert (location["longitude"], location["latitude"], location["datum"]) == (120.1712, 30.2721, "GCJ-02")
    wgs = location["wgs84"]
    assert wgs["datum"] == "WGS-84"
    # Hangzhou's GCJ-02 offset: the WGS-84 point lies about 450 m west and 260 m north
    assert (wgs["longitude"], wgs["latitude"]) == pytest.approx((120.1665392, 30.2744497), abs=2e-7)


async def test_open_alarms_of_a_located_building_come_with_the_map(cockpit, cockpit_kernel, registry):
    if "sensors" not in cockpit_kernel.enabled_plugins("changqing"):
        pytest.skip("the sensors plugin (which adds Building.alarms) is not installed")
    from jiedao.plugins.sensors.models import Alarm, Device

    building = registry["buildings"][0]
    await locate(cockpit_kernel, building, 120.17, 30.27)
    now = datetime.now(UTC)
    async with cockpit_kernel.db.transaction(cockpit_kernel.street_id("changqing")) as session:
        device = Device(device_id="smoke-1", kind="SMOKE", building_id=building)
        session.add(device)
        await session.flush()
        session.add_all([
            Alarm(device_pk=device.id, building_id=building, type="SMOKE", severity="CRITICAL", status="ACTIVE_UNACK", message="烟感报警",
                  raised_at=now - timedelta(minutes=5), updated_at=now, repeat_count=0, escalation_level=0),
            Alarm(device_pk=device.id, building_id=building, type="SMOKE", severity="MINOR", status="CLEARED", message="已消除",
                  raised_at=now - timedelta(days=1), updated_at=now, repeat_count=0, escalation_level=0),
        ])

    query = "{ cockpit { map { buildings { building { name alarms { severity status } } } } } }"
    data = await cockpit.query(query, token=await cockpit.token("grid_worker"))

    [drawn] = data["cockpit"]["map"]["buildings"]
    assert drawn["building"]["alarms"] == [{"severity": "CRITICAL", "status": "ACTIVE_UNACK"}]  # the cleared one is not open


async def test_a_resident_may_not_read_the_map(cockpit, registry):
    with pytest.raises(GraphQLErrors) as refused:
        await cockpit.query(MAP, token=await cockpit.token("resident"))
    [error] = refused.value.errors
    assert error["extensions"]["code"] == "FORBIDDEN" and "dashboard.cockpit.view" in error["message"]


async def test_the_tile_server_setting_is_given_and_only_its_origin_may_serve_images(make_kernel, probe_plugin_path, password_hash):
    streets = cockpit_streets()
    streets["changqing"]["dashboard"] = {"map_tiles": "https://tiles.intranet:8443/{z}/{x}/{y}.png"}
    kernel = await make_kernel(streets=streets, extra_plugin_paths=[probe_plugin_path])
    async with app_client(kernel, password_hash) as client:
        found = await client.query("{ cockpit { map { tiles buildings { compoundName } } } }", token=await client.token("grid_worker"))
        assert found["cockpit"]["map"] == {"tiles": "https://tiles.intranet:8443/{z}/{x}/{y}.png", "buildings": []}
        page = await client.http.get("/cockpit/changqing")
        other = await client.http.get("/cockpit/gongchen")
    policy = dict(part.strip().split(" ", 1) for part in page.headers["content-security-policy"].split(";"))
    assert policy["img-src"] == "'self' data: https://tiles.intranet:8443"
    assert policy["connect-src"] == "'self'" and policy["default-src"] == "'none'"
    assert "tiles.intranet" not in other.headers["content-security-policy"]


def test_a_bad_tile_template_is_refused_naming_the_setting():
    from pydantic import ValidationError

    from jiedao.plugins.dashboard.settings import DashboardSettings

    for template, words in [
        ("https://tiles.intranet/{z}/{x}.png", "{y} exactly once"),
        ("javascript:alert(1)//{z}/{x}/{y}", "http:// or https://"),
        ("https://{z}.tiles.intranet/{x}/{y}.png", "placeholders in the host"),
        ("https://tiles.intranet/{z}/{x}/{y}.png?key={key}", "unknown placeholder {key}"),
    ]:
        with pytest.raises(ValidationError) as refused:
            DashboardSettings(map_tiles=template)
        assert "map_tiles" in str(refused.value) and words in str(refused.value), template
    assert cockpit_policy("<p></p>", None).count("img-src 'self' data:;") == 1
