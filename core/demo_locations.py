"""Plausible GCJ-02 coordinates for the demo's Changqing buildings (长庆街道, Hangzhou, around
120.17E 30.27N), so the cockpit's map has something to draw.

Deterministic and independent of the registry's own random sequence: a separate
``random.Random`` seeded by name, compounds on a loose grid across the street (about
2 km × 1.6 km), each compound's buildings in rows about 40 m apart.
"""

from __future__ import annotations

import random
from collections import defaultdict

from sqlalchemy import select

from jiedao.core.models import Building, Compound

CENTRE = (120.170, 30.270)
"""GCJ-02 (longitude, latitude) the street is laid out around."""
COMPOUND_STEP = (0.0042, 0.0036)  # degrees between compound centres (≈ 400 m)
BUILDING_STEP = (0.0005, 0.0004)  # degrees between buildings of a compound (≈ 45 m)


async def place_demo_buildings(session, seed: str = "changqing-locations") -> int:
    """Give every building of the session's street without a location one; returns how many."""
    rng = random.Random(seed)
    rows = (await session.execute(select(Building, Compound.id).join(Compound, Compound.id == Building.compound_id).order_by(Compound.id, Building.id))).all()
    by_compound: dict[int, list[Building]] = defaultdict(list)
    for building, compound_id in rows:
        by_compound[compound_id].append(building)
    placed = 0
    columns = 4
    for index, (_compound_id, buildings) in enumerate(sorted(by_compound.items())):
        row, column = divmod(index, columns)
        centre_lng = CENTRE[0] + (column - (columns - 1) / 2) * COMPOUND_STEP[0] + rng.uniform(-0.0006, 0.0006)
        centre_lat = CENTRE[1] + (1 - row) * COMPOUND_STEP[1] + rng.uniform(-0.0005, 0.0005)
        per_row = 4
        for n, building in enumerate(buildings):
            if building.longitude is not None:
                continue
            r, c = divmod(n, per_row)
            building.longitude = round(centre_lng + (c - (per_row - 1) / 2) * BUILDING_STEP[0] + rng.uniform(-0.00005, 0.00005), 6)
            building.latitude = round(centre_lat - (r - 1) * BUILDING_STEP[1] + rng.uniform(-0.00004, 0.00004), 6)
            placed += 1
    await session.flush()
    return placed
