"""``cockpit { map { ... } }``: the located buildings of the street with their hotspot verdicts,
and the street's intranet tile server (see ``service.streetmap`` and ``service.tiles``)."""

from __future__ import annotations

import strawberry

from jiedao.api import allow, types
from jiedao.api.graphql import list_bound
from jiedao.plugins.dashboard.service.streetmap import MAX_BUILDINGS, street_map


@strawberry.type(name="CockpitMapBuilding", description="A building with a location, as the cockpit's map draws it.")
class CockpitMapBuilding:
    building: types.Building = strawberry.field(
        description="The building (its location, and e.g. its open alarms where a plugin adds them).", permission_classes=allow("core.registry.read")
    )
    compound_name: str = strawberry.field(description="The name of the compound it is in.")
    hotspot_sources: int = strawberry.field(description="Independent sources rising together at the building (0: not a hotspot).")
    hotspot_acknowledged: bool = strawberry.field(description="Someone acknowledged the building's hotspot in the window.")
    compound_hotspot: bool = strawberry.field(description="The building's compound as a whole is a hotspot.")


@strawberry.type(name="CockpitMap", description="What the cockpit's map draws.")
class CockpitMap:
    buildings: list[CockpitMapBuilding] = strawberry.field(
        description=f"Located buildings, by id (at most {MAX_BUILDINGS}).", metadata=list_bound(MAX_BUILDINGS)
    )
    unlocated: int = strawberry.field(description="Buildings the registry gives no location (not drawn).")
    left_out: int = strawberry.field(description=f"Located buildings beyond the first {MAX_BUILDINGS} (not drawn).")
    tiles: str | None = strawberry.field(description="The street's intranet tile server as a {z}/{x}/{y} URL template (dashboard.map_tiles), or null.")


async def cockpit_map(ctx, findings) -> CockpitMap:
    """The map of ``ctx``'s street given the hotspot ``findings`` of the range."""
    found = await street_map(ctx.execute, findings)
    return CockpitMap(
        buildings=[
            CockpitMapBuilding(building=p.building, compound_name=p.compound_name, hotspot_sources=p.hotspot_sources,
                               hotspot_acknowledged=p.hotspot_acknowledged, compound_hotspot=p.compound_hotspot)
            for p in found.places
        ],
        unlocated=found.unlocated,
        left_out=found.left_out,
        tiles=ctx.kernel.settings(ctx.street, "dashboard").map_tiles,
    )
