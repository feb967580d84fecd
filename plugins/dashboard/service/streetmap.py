"""The cockpit's map: the street's located buildings (GCJ-02, from the core registry) with the
hotspot verdict of each, for the page to draw as an SVG (no online tile service).

Open alarms are not counted here: the dashboard knows no plugin by name. The page asks each
building's ``alarms`` (a field the sensors plugin adds to ``Building``) in the same query
when the schema has it, so the alarm colour follows the reader's own permissions.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from jiedao.api import registry
from jiedao.plugins.dashboard.service.warning import Finding

MAX_BUILDINGS = 400
"""At most this many buildings are drawn (the query's list bound); more are reported as left out."""


@dataclass(frozen=True)
class MapPlace:
    """One located building and what the hotspot warning says of it and its compound."""

    building: object  # the core registry row
    compound_name: str
    hotspot_sources: int
    hotspot_acknowledged: bool
    compound_hotspot: bool


@dataclass(frozen=True)
class StreetMap:
    places: list[MapPlace]
    unlocated: int
    left_out: int


async def street_map(execute, findings: list[Finding]) -> StreetMap:
    """The located buildings (first ``MAX_BUILDINGS`` by id) with ``findings`` folded in."""
    B, C = registry.Building, registry.Compound
    rows = (await execute(select(B, C.name).join(C, C.id == B.compound_id).order_by(B.id))).all()
    located = [(b, name) for b, name in rows if b.longitude is not None and b.latitude is not None]
    buildings = {f.place_id: f for f in findings if f.kind == "BUILDING"}
    compounds = {f.place_id for f in findings if f.kind == "COMPOUND"}
    places = [
        MapPlace(
            building=b, compound_name=name,
            hotspot_sources=buildings[b.id].flagged.sources if b.id in buildings else 0,
            hotspot_acknowledged=b.id in buildings and buildings[b.id].acknowledged_at is not None,
            compound_hotspot=b.compound_id in compounds,
        )
        for b, name in located[:MAX_BUILDINGS]
    ]
    return StreetMap(places, unlocated=len(rows) - len(located), left_out=max(0, len(located) - MAX_BUILDINGS))
