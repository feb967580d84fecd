"""A registry of two buildings with two stairwells (单元) of two floors of two flats each, and
the people the meter-box tests need: who is where, and what care they need."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import update

from jiedao.core.clock import today
from jiedao.core.contacts.models import EmergencyContact
from jiedao.core.models import Household, Resident, Unit
from jiedao.core.testing.fixtures import build_registry


@dataclass
class Stairwells:
    """Ids of what ``stairwell_registry`` made; ``units[b][i]`` is flat ``i`` of building ``b``:
    flats 0-3 open on stairwell "1", 4-7 on "2"; flats 0, 1, 4, 5 on floor 1, the others on 2."""

    buildings: list[int]
    units: list[list[int]]
    owners: list[list[int]]
    bedridden: int
    """The owner of building 0's flat 1 (stairwell 1, floor 1), who has an emergency contact."""
    elderly: int
    """The owner of building 0's flat 0 (stairwell 1, floor 1): 70, not living alone."""
    tenant: int
    """A disabled tenant living (household member, not owner) in building 0's flat 3 (stairwell 1, floor 2)."""


async def stairwell_registry(kernel, street: str = "changqing") -> Stairwells:
    """Two buildings of 8 flats as described by ``Stairwells``."""
    ids = await build_registry(kernel, street, buildings=2, units_per_building=8)
    units = [ids["units"][:8], ids["units"][8:]]
    owners = [ids["residents"][:8], ids["residents"][8:]]
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        for flats in units:
            for i, unit in enumerate(flats):
                await session.execute(update(Unit).where(Unit.id == unit).values(stairwell="1" if i < 4 else "2", floor=i % 4 // 2 + 1))
        await session.execute(update(Resident).where(Resident.id == owners[0][1]).values(name="卧床老人", bedridden=True))
        await session.execute(update(Resident).where(Resident.id == owners[0][0]).values(name="七十岁", birth_year=today().year - 70))
        household = Household(unit_id=units[0][3], name="租户家")
        session.add(household)
        await session.flush()
        tenant = Resident(external_ref="tenant-1", name="残疾租户", disabled=True, household_id=household.id, phone="13900000000")
        session.add(tenant)
        session.add(EmergencyContact(resident_id=owners[0][1], position=1, name="女儿", relation="女儿", phone="13700000000", updated_at=datetime.now().astimezone()))
        await session.flush()
        tenant_id = tenant.id
    return Stairwells(ids["buildings"], units, owners, owners[0][1], owners[0][0], tenant_id)
