"""The demo cockpit shows at least one hotspot, confirmed by several sources and explained."""

import pytest

from jiedao.core.demo import HOTSPOT_BUILDING

HOTSPOTS = """{ cockpit { hotspots(range: {preset: LAST_7_DAYS}) {
  place name compoundName sources explanation signals { source observed threshold } } } }"""


@pytest.mark.demo
async def test_the_demo_has_an_explainable_hotspot(kernel, client):
    token = await client.token("street_admin")
    hotspots = (await client.query(HOTSPOTS, token=token))["cockpit"]["hotspots"]
    compound, building = HOTSPOT_BUILDING
    spot = next(h for h in hotspots if h["place"] == "BUILDING" and (h["compoundName"], h["name"]) == (compound, building))
    signal_plugins = {plugin for plugin, _ in kernel.contributions.signals if plugin in kernel.enabled_plugins("changqing")}
    assert spot["sources"] >= min(2, len(signal_plugins)), spot
    assert spot["explanation"] and all(s["observed"] > s["threshold"] for s in spot["signals"])
    assert hotspots.index(spot) == 0 or hotspots[0]["sources"] >= spot["sources"], "places several sources confirm rank first"
