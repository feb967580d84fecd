"""Hotspot early warning over GraphQL: a building whose registrations spike is flagged with
its explanation, quiet and sparse buildings are not, and staff can acknowledge it (audited)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from jiedao.plugins.dashboard.tests.conftest import register_residents
from jiedao.schema.ids import encode_global_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW_START = datetime(2026, 3, 10, tzinfo=SHANGHAI)
RANGE = {"preset": "CUSTOM", "start": WINDOW_START.isoformat(), "end": (WINDOW_START + timedelta(days=1)).isoformat()}
HOTSPOTS = """query($range: CockpitRange) { cockpit { hotspots(range: $range) {
  place id placeId name compoundName sources score explanation explanationEn acknowledgedBy acknowledgedNote
  window { start end } baseline { start end }
  signals { key title source observed expected baselineMean baselineSd threshold score } } } }"""
ACK = """mutation($input: AcknowledgeHotspotInput!) { acknowledgeHotspot(input: $input) {
  acknowledgement { buildingId by note } errors { field code message } } }"""


async def seed_scenario(kernel, registry) -> dict[str, int]:
    """Building 1: a registration every other day, then 8 in the window. Building 2: the same
    history, 1 in the window. Building 3: no history, 1 in the window."""
    units = registry["units"]  # 4 units per building
    history = [WINDOW_START - timedelta(days=3 + 2 * i, hours=-10) for i in range(14)]  # inside the 28-day baseline
    await register_residents(kernel, "changqing", units[0], history + [WINDOW_START + timedelta(hours=h) for h in range(8, 16)])
    await register_residents(kernel, "changqing", units[4], history + [WINDOW_START + timedelta(hours=9)])
    await register_residents(kernel, "changqing", units[8], [WINDOW_START + timedelta(hours=9)])
    return {"spiking": registry["buildings"][0], "steady": registry["buildings"][1], "new": registry["buildings"][2]}


async def test_a_spiking_building_is_flagged_and_explains_itself(cockpit, cockpit_kernel, registry):
    buildings = await seed_scenario(cockpit_kernel, registry)
    token = await cockpit.token("grid_worker")

    hotspots = (await cockpit.query(HOTSPOTS, {"range": RANGE}, token=token))["cockpit"]["hotspots"]

    flagged_buildings = [h for h in hotspots if h["place"] == "BUILDING"]
    assert [h["placeId"] for h in flagged_buildings] == [encode_global_id("Building", buildings["spiking"])]
    spot = flagged_buildings[0]
    assert spot["name"] == "1幢" and spot["compoundName"] == "测试小区" and spot["sources"] == 1
    [signal] = spot["signals"]
    assert signal["key"] == "probe.registrations" and signal["source"] == "probe"
    assert signal["observed"] == 8 and signal["baselineMean"] == 0.5 and signal["observed"] > signal["threshold"]
    assert "居民登记" in spot["explanation"] and "8 次" in spot["explanation"] and "28" in spot["explanation"]
    assert "Registrations: 8 events in the window" in spot["explanationEn"]
    assert datetime.fromisoformat(spot["window"]["start"]) == WINDOW_START
    assert datetime.fromisoformat(spot["baseline"]["end"]) == WINDOW_START - timedelta(days=2)  # guard band
    # the compound rises too (10 events against its two buildings' baseline of 1 a day)
    assert [h["name"] for h in hotspots if h["place"] == "COMPOUND"] == ["测试小区"]


async def test_quiet_times_show_no_hotspot(cockpit, cockpit_kernel, registry):
    await seed_scenario(cockpit_kernel, registry)
    earlier = {"preset": "CUSTOM", "start": (WINDOW_START - timedelta(days=3)).isoformat(), "end": (WINDOW_START - timedelta(days=2)).isoformat()}
    hotspots = (await cockpit.query(HOTSPOTS, {"range": earlier}, token=await cockpit.token("grid_worker")))["cockpit"]["hotspots"]
    assert hotspots == []


async def test_acknowledging_a_hotspot_is_recorded_and_audited(cockpit, cockpit_kernel, registry):
    buildings = await seed_scenario(cockpit_kernel, registry)
    building_id = encode_global_id("Building", buildings["spiking"])
    token = await cockpit.token("community_worker", username="王网格")

    result = await cockpit.query(ACK, {"input": {"buildingId": building_id, "note": "已上门核实，系集中办理入住"}}, token=token)

    assert result["acknowledgeHotspot"] == {
        "acknowledgement": {"buildingId": building_id, "by": "王网格", "note": "已上门核实，系集中办理入住"},
        "errors": [],
    }
    [spot] = [h for h in (await cockpit.query(HOTSPOTS, {"range": RANGE}, token=token))["cockpit"]["hotspots"] if h["place"] == "BUILDING"]
    assert (spot["acknowledgedBy"], spot["acknowledgedNote"]) == ("王网格", "已上门核实，系集中办理入住")
    audit = await cockpit.query(
        '{ auditLog(action: "dashboard.hotspot.acknowledge") { edges { node { actor target details } } } }',
        token=await cockpit.token("street_admin"),
    )
    [entry] = [e["node"] for e in audit["auditLog"]["edges"]]
    assert entry["actor"] == "王网格" and entry["target"] == building_id and entry["details"]["note"].startswith("已上门")


async def test_acknowledging_needs_a_real_building_and_the_permission(cockpit, cockpit_kernel, registry):
    token = await cockpit.token("grid_worker")
    missing = await cockpit.query(ACK, {"input": {"buildingId": encode_global_id("Building", 999999)}}, token=token)
    assert missing["acknowledgeHotspot"]["errors"][0]["code"] == "NOT_FOUND"
    wrong_type = await cockpit.query(ACK, {"input": {"buildingId": encode_global_id("Unit", registry["units"][0])}}, token=token)
    assert wrong_type["acknowledgeHotspot"]["errors"][0]["field"] == "buildingId"
    denied = await cockpit.errors(ACK, {"input": {"buildingId": encode_global_id("Building", registry["buildings"][0])}}, token=await cockpit.token("mediator"))
    assert denied[0]["extensions"]["code"] == "FORBIDDEN"
