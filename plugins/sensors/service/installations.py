"""Where a device is installed and which households it serves.

A smoke detector sits in one flat; an electrical-fire monitor (电气火灾监控探测器) usually sits in
a meter box (电表箱) serving a floor, a stairwell (单元) or a whole building. A device is
installed at one of these places:

- a unit (``unit_id``): it serves that unit;
- a floor (``building_id`` + ``floor``, and ``stairwell`` when the building has several);
- a stairwell (``building_id`` + ``stairwell``);
- a building (``building_id`` only);
- nowhere in the registry (a charging point in an open car park): it serves nobody.

The units it serves are either listed at registration (``served_unit_ids``: any units of its
building, e.g. a meter box on the 3rd floor feeding the 3rd and 4th) or derived from its place
(every unit of that floor / stairwell / building, as the registry has them at registration).
They are stored in ``sensor_device_units``; a device's own unit always counts as served, so a
device row written without them (older data) still serves its unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import bindparam, delete, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, registry
from jiedao.plugins.sensors.models import Device, ServedUnit

UNIT, FLOOR, STAIRWELL, BUILDING, NONE = "UNIT", "FLOOR", "STAIRWELL", "BUILDING", "NONE"
PLACES = (UNIT, FLOOR, STAIRWELL, BUILDING, NONE)
MAX_SERVED = 1000
"""At most this many units served by one device (a building of 40 floors × 25 flats)."""
LOWEST_FLOOR, HIGHEST_FLOOR = -10, 200
DEVICE_PKS = bindparam("device_pks", expanding=True)
"""The devices of a statement built once (``served_pairs_of_devices``, ``homes_of_devices``),
bound at each run as ``{"device_pks": [...]}``: building the households' statement for every
request was a fifth of the duty screen's CPU."""


def place_of(device: Device) -> str:
    """Where ``device`` is installed: one of ``PLACES``."""
    if device.unit_id is not None:
        return UNIT
    if device.building_id is None:
        return NONE
    if device.floor is not None:
        return FLOOR
    if device.stairwell:
        return STAIRWELL
    return BUILDING


@dataclass
class Installation:
    """A checked place: the building, stairwell, floor and the units served."""

    building_id: int | None
    stairwell: str | None
    floor: int | None
    served: list[int]


def _listing(values) -> str:
    shown = sorted({str(v) for v in values})
    return ", ".join(repr(v) for v in shown[:20]) + (" ..." if len(shown) > 20 else "") if shown else "none"


async def check_place(
    session: AsyncSession,
    *,
    building_id: int | None,
    unit_id: int | None,
    stairwell: str | None,
    floor: int | None,
    served_unit_ids: list[int] | None,
) -> Installation:
    """The installation described by the arguments, checked against the street's registry;
    ``DomainError`` naming the field (``buildingId``, ``stairwell``, ``floor``, ``servedUnitIds``)
    otherwise. A unit-level device's building is the unit's (``unit_id`` checked by the caller)."""
    stairwell = stairwell.strip() if stairwell is not None else None
    if floor is not None and not LOWEST_FLOOR <= floor <= HIGHEST_FLOOR:
        raise DomainError("A floor is between {lowest} and {highest}, got {floor}.", code="INVALID", field="floor", lowest=LOWEST_FLOOR, highest=HIGHEST_FLOOR, floor=floor)
    if unit_id is not None and (stairwell is not None or floor is not None):
        field = "stairwell" if stairwell is not None else "floor"
        raise DomainError("A device installed in a unit is not also at a stairwell or floor: give the unit, or the building with its stairwell/floor.", code="INVALID", field=field)
    if building_id is None and (stairwell is not None or floor is not None or served_unit_ids):
        field = "stairwell" if stairwell is not None else "floor" if floor is not None else "servedUnitIds"
        raise DomainError("Name the building (buildingId) the device is installed in.", code="INVALID", field=field)
    place_units = []
    if building_id is not None:
        place_units = (await session.execute(
            select(registry.Unit.id, registry.Unit.stairwell, registry.Unit.floor).where(registry.Unit.building_id == building_id)
        )).all()
    if stairwell is not None and stairwell not in {u.stairwell for u in place_units}:
        raise DomainError(
            "The building has no stairwell {stairwell} (its units' stairwells: {stairwells}).",
            code="NOT_FOUND", field="stairwell", stairwell=repr(stairwell), stairwells=_listing(u.stairwell for u in place_units),
        )
    at_place = [u for u in place_units if stairwell in (None, u.stairwell)]
    if floor is not None:
        if floor not in {u.floor for u in at_place}:
            floors = _listing(u.floor for u in at_place if u.floor is not None)
            if stairwell:
                raise DomainError(
                    "No unit of stairwell {stairwell} is on floor {floor} (floors: {floors}).",
                    code="NOT_FOUND", field="floor", stairwell=repr(stairwell), floor=floor, floors=floors,
                )
            raise DomainError(
                "No unit of the building is on floor {floor} (floors: {floors}).", code="NOT_FOUND", field="floor", floor=floor, floors=floors
            )
        at_place = [u for u in at_place if u.floor == floor]
    if served_unit_ids:
        wanted = list(dict.fromkeys(served_unit_ids))
        if len(wanted) > MAX_SERVED:
            raise DomainError("At most {most} units may be served by one device.", code="INVALID", field="servedUnitIds", most=MAX_SERVED)
        in_building = {u.id for u in place_units}
        strangers = [pk for pk in wanted if pk not in in_building]
        if strangers:
            raise DomainError(
                "{count} of the served units are not in the device's building: a device serves units of its own building.",
                code="INVALID", field="servedUnitIds", count=len(strangers),
            )
        served = wanted
    elif unit_id is not None:
        served = [unit_id]
    elif building_id is not None:
        served = [u.id for u in at_place][:MAX_SERVED]
    else:
        served = []
    return Installation(building_id, stairwell, floor, served)


async def save_served(session: AsyncSession, device: Device, served: list[int]) -> None:
    """Replace the units ``device`` serves with ``served``."""
    await session.execute(delete(ServedUnit).where(ServedUnit.device_pk == device.id))
    session.add_all([ServedUnit(street_id=device.street_id, device_pk=device.id, unit_id=unit) for unit in served])
    await session.flush()


def served_pairs(device_pks):
    """SQL: ``(device_pk, unit_id)`` of every unit the devices serve, their own unit included
    (it may repeat: callers deduplicate). ``device_pks``: a list, or ``DEVICE_PKS``."""
    return union_all(
        select(ServedUnit.device_pk.label("device_pk"), ServedUnit.unit_id.label("unit_id")).where(ServedUnit.device_pk.in_(device_pks)),
        select(Device.id, Device.unit_id).where(Device.id.in_(device_pks), Device.unit_id.is_not(None)),
    ).subquery()


def residents_at_home(absent_owners: bool = False):
    """SQL: ``(unit_id, resident_id)`` of everyone living in a unit: the members of its
    households, and its owners unless they belong to a household living in another unit (a
    landlord, a child who bought the parents' flat: not at home when it burns; an owner whose
    household is unknown, or has no unit, counts). ``absent_owners``: every owner, wherever
    they live. Organisations are left out by the caller."""
    if absent_owners:
        owners = select(registry.Ownership.unit_id.label("unit_id"), registry.Ownership.resident_id.label("resident_id"))
        return union_all(owners, _members()).subquery()
    elsewhere = (
        select(registry.Household.id)
        .where(registry.Household.id == registry.Resident.household_id, registry.Household.unit_id.is_not(None),
               registry.Household.unit_id != registry.Ownership.unit_id)
        .correlate(registry.Resident, registry.Ownership)
        .exists()
    )
    owners = (
        select(registry.Ownership.unit_id.label("unit_id"), registry.Ownership.resident_id.label("resident_id"))
        .join(registry.Resident, registry.Resident.id == registry.Ownership.resident_id)
        .where(~elsewhere)
    )
    return union_all(owners, _members()).subquery()


def _members():
    """SQL: ``(unit_id, resident_id)`` of the members of every household with a unit."""
    return select(registry.Household.unit_id, registry.Resident.id).join(registry.Resident, registry.Resident.household_id == registry.Household.id).where(
        registry.Household.unit_id.is_not(None)
    )


@cache
def served_pairs_of_devices():
    """``served_pairs(DEVICE_PKS)``, built once: bind ``device_pks`` when running a statement over it."""
    return served_pairs(DEVICE_PKS)


@cache
def homes_of_devices(absent_owners: bool = False):
    """``homes_statement(DEVICE_PKS, absent_owners)``, built once: run it with ``{"device_pks": [...]}``."""
    return homes_statement(DEVICE_PKS, absent_owners)


def homes_statement(device_pks, absent_owners: bool = False):
    """SQL: ``(device_pk, unit_id, Resident or NULL)`` of everyone at home in the households the
    devices serve (a unit without known people once, with NULL), and the person a detector
    protects (with the detector's unit, NULL when it has none); ``absent_owners``: owners
    living elsewhere too. See ``homes_served``."""
    homes, people = served_pairs(device_pks), residents_at_home(absent_owners)
    pairs = union_all(
        select(homes.c.device_pk.label("device_pk"), homes.c.unit_id.label("unit_id"), people.c.resident_id.label("resident_id"))
        .outerjoin(people, people.c.unit_id == homes.c.unit_id),
        select(Device.id, Device.unit_id, Device.resident_id).where(Device.id.in_(device_pks), Device.resident_id.is_not(None)),
    ).subquery()
    return select(pairs.c.device_pk, pairs.c.unit_id, registry.Resident).outerjoin(
        registry.Resident, (registry.Resident.id == pairs.c.resident_id) & registry.Resident.is_organisation.is_(False)
    )


async def homes_served(session: AsyncSession, device_pks: list[int], absent_owners: bool = False) -> list[tuple[int, int | None, object | None]]:
    """``(device_pk, unit_id, Resident row or None)`` for every household the devices serve,
    one row per person at home (``None`` for a unit without known people), plus the person a
    detector protects; ``absent_owners``: owners living elsewhere too. One statement; each
    ``(device, unit, person)`` once, in device, unit, person order."""
    if not device_pks:
        return []
    return unique_homes((await session.execute(homes_of_devices(absent_owners), {"device_pks": list(device_pks)})).all())


def unique_homes(rows) -> list[tuple[int, int | None, object | None]]:
    """``rows`` of ``homes_statement`` sorted, each (device, unit, person) once; a unit's
    ``None`` row dropped when the unit has people."""
    seen: set[tuple[int, int | None, int | None]] = set()
    out = []
    for device_pk, unit_id, resident in sorted(rows, key=lambda r: (r[0], r[1] if r[1] is not None else -1, r[2].id if r[2] is not None else -1)):
        key = (device_pk, unit_id, resident.id if resident is not None else None)
        if key not in seen:
            seen.add(key)
            out.append((device_pk, unit_id, resident))
    peopled = {(d, u) for d, u, r in out if r is not None}
    return [(d, u, r) for d, u, r in out if r is not None or (d, u) not in peopled]
