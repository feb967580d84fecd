"""All-or-nothing CSV import of communities, compounds, buildings, units and owners.

Columns: ``community,compound,building,unit,area_m2,owner_name,owner_id``, optionally
``owner_phone``, ``owner_id_card``, ``stairwell`` (单元, e.g. ``2``), ``floor`` (an integer,
negative below ground) and the building's ``longitude`` and ``latitude`` (degrees, GCJ-02 as
Chinese maps give them; both or neither, inside China, the same on every row of a building).
A co-owned unit appears once per owner; ``owner_id``
identifies a person across rows. Every row is checked before anything is written; one
bad row aborts the whole import with every problem listed. Re-importing a file changes
nothing.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select

from jiedao.core.geo import CHINA_LATITUDE, CHINA_LONGITUDE
from jiedao.core.identity import audit
from jiedao.core.importfile import ImportFailed, Problem, as_record, header_problems, read_records, text_problem
from jiedao.core.migrate import analyze
from jiedao.core.models import Building, Community, Compound, Ownership, Resident, Unit
from jiedao.core.personal_data import id_card_digest, id_card_problem, mask_id_card

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

REQUIRED = ("community", "compound", "building", "unit", "area_m2", "owner_name", "owner_id")
OPTIONAL = ("owner_phone", "owner_id_card", "stairwell", "floor", "longitude", "latitude")
# the longest value each column may hold (the registry's column sizes)
LIMITS = {"community": 200, "compound": 200, "building": 200, "unit": 50, "area_m2": 20, "owner_name": 200, "owner_id": 100,
          "owner_phone": 20, "owner_id_card": 18, "stairwell": 20, "floor": 4,
          "longitude": 20, "latitude": 20}
PHONE = re.compile(r"^\+?[0-9][0-9 -]{3,18}[0-9]$")
MAX_AREA_M2 = Decimal("100000")


@dataclass
class Row:
    line: int
    community: str
    compound: str
    building: str
    unit: str
    area_dm2: int
    owner_name: str
    owner_id: str
    owner_phone: str | None
    owner_id_card: str | None
    stairwell: str = ""
    floor: int | None = None
    longitude: float | None = None
    latitude: float | None = None


@dataclass
class ImportReport:
    rows: int = 0
    created: dict[str, int] = field(default_factory=dict)
    updated: int = 0

    def summary(self) -> str:
        made = ", ".join(f"{n} {kind}" for kind, n in self.created.items() if n) or "nothing new"
        return f"{self.rows} rows read; created {made}; {self.updated} unit area(s) updated."


__all__ = ["ImportFailed", "ImportReport", "Problem", "Row", "import_units", "parse_rows"]


LOADED_TABLES = tuple(model.__tablename__ for model in (Community, Compound, Building, Unit, Resident, Ownership))
"""The tables ``import_units`` writes (analyzed after a load, ``core.migrate.analyze``)."""


def parse_rows(path: Path, *, encoding: str = "utf-8") -> list[Row]:
    """Read and check every row; raises ``ImportFailed`` with all problems.

    ``encoding``: ``utf-8`` (a BOM is accepted) or ``gbk`` (read as GB18030, which
    covers GBK); a file in another encoding than the one asked is refused, never guessed.
    """
    records = read_records(path, encoding, REQUIRED + OPTIONAL)
    header = [name.strip() for name in records[0][1]]
    problems = header_problems(header, REQUIRED, OPTIONAL)
    if any(p.reason == "missing column" for p in problems):
        raise ImportFailed(problems)
    rows: list[Row] = []
    units_area: dict[tuple[str, str, str, str], tuple[int, int]] = {}
    owner_names: dict[str, tuple[str, int]] = {}
    pairs: set[tuple[tuple[str, str, str, str], str]] = set()
    placed: dict[tuple[str, str, str, str], tuple[str, int | None, int]] = {}
    located: dict[tuple[str, str, str], tuple[tuple[float, float] | None, int]] = {}
    for number, fields in records[1:]:
        if not any(f.strip() for f in fields):
            continue  # a blank line
        if len(fields) > len(header):
            problems.append(Problem(number, "-", f"{len(fields)} fields but {len(header)} columns"))
        record = as_record(header, fields)
        values = {k: (record.get(k) or "").strip() for k in REQUIRED + OPTIONAL}
        for column, value in values.items():
            if value and (reason := cell_problem(column, value)):
                problems.append(Problem(number, column, reason))
                values[column] = ""  # checked no further
        for column in REQUIRED:
            if not values[column] and not any(p.line == number and p.column == column for p in problems):
                problems.append(Problem(number, column, "empty"))
        area_dm2 = 0
        if values["area_m2"]:
            try:
                area = Decimal(values["area_m2"])
                if not area.is_finite() or area <= 0 or area > MAX_AREA_M2:
                    raise InvalidOperation
                if area != area.quantize(Decimal("0.01")):
                    problems.append(Problem(number, "area_m2", "at most two decimals (0.01 m²)"))
                area_dm2 = int(area * 100)
            except InvalidOperation:
                problems.append(Problem(number, "area_m2", f"'{values['area_m2']}' is not an area in m² between 0 and {MAX_AREA_M2}"))
        if values["owner_id_card"] and (reason := id_card_problem(values["owner_id_card"])):
            problems.append(Problem(number, "owner_id_card", reason))
        key = (values["community"], values["compound"], values["building"], values["unit"])
        if area_dm2 and all(key):
            earlier = units_area.setdefault(key, (area_dm2, number))
            if earlier[0] != area_dm2:
                problems.append(Problem(number, "area_m2", f"differs from line {earlier[1]} for the same unit"))
        if values["owner_id"] and values["owner_name"]:
            earlier_name = owner_names.setdefault(values["owner_id"], (values["owner_name"], number))
            if earlier_name[0] != values["owner_name"]:
                problems.append(Problem(number, "owner_name", f"owner_id {values['owner_id']} is '{earlier_name[0]}' on line {earlier_name[1]}"))
            if (key, values["owner_id"]) in pairs:
                problems.append(Problem(number, "owner_id", "the same owner is listed twice for this unit"))
            pairs.add((key, values["owner_id"]))
        floor = None
        if values["floor"]:
            try:
                floor = int(values["floor"])
                if not -10 <= floor <= 200:
                    raise ValueError
            except ValueError:
                problems.append(Problem(number, "floor", f"'{values['floor']}' is not a floor number between -10 and 200"))
        if all(key) and (values["stairwell"], floor) != placed.setdefault(key, (values["stairwell"], floor, number))[:2]:
            problems.append(Problem(number, "stairwell", f"stairwell or floor differs from line {placed[key][2]} for the same unit"))
        location = location_of(number, values, problems)
        if all(key[:3]) and location is not False:
            earlier_location, earlier_line = located.setdefault(key[:3], (location, number))
            if earlier_location != location:
                problems.append(Problem(number, "longitude", f"the building's location differs from line {earlier_line}: "
                                        f"{_shown(location)} here, {_shown(earlier_location)} there; give the same on every row of a building"))
        lng, lat = location or (None, None)
        rows.append(Row(number, *key, area_dm2, values["owner_name"], values["owner_id"], values["owner_phone"] or None, values["owner_id_card"] or None,
                        values["stairwell"], floor, lng, lat))
    if not rows and not problems:
        problems.append(Problem(2, "-", "the file has a header but no rows"))
    if problems:
        raise ImportFailed(problems)
    return rows


def location_of(line: int, values: dict[str, str], problems: list[Problem]) -> tuple[float, float] | None | bool:
    """The row's ``(longitude, latitude)``, None when it gives neither, False (with the problems
    appended) when they are not a GCJ-02 point inside China given together."""
    given = {column: values[column] for column in ("longitude", "latitude") if values[column]}
    if not given:
        return None
    if len(given) == 1:
        (present,) = given
        missing = "latitude" if present == "longitude" else "longitude"
        problems.append(Problem(line, missing, f"empty while {present} is given; give both longitude and latitude, or neither"))
        return False
    point = []
    for column, (low, high) in (("longitude", CHINA_LONGITUDE), ("latitude", CHINA_LATITUDE)):
        try:
            number = float(given[column])
            if not math.isfinite(number):
                raise ValueError
        except ValueError:
            problems.append(Problem(line, column, f"'{given[column]}' is not a number of degrees"))
            continue
        if not low <= number <= high:
            problems.append(Problem(line, column, f"{number} is outside China ({column} between {low} and {high}, GCJ-02 degrees)"))
            continue
        point.append(number)
    return (point[0], point[1]) if len(point) == 2 else False


def _shown(location) -> str:
    return "none" if location is None else f"{location[0]},{location[1]}"


def cell_problem(column: str, value: str) -> str | None:
    """Why a non-empty cell of ``column`` cannot be imported, or None."""
    if reason := text_problem(value, LIMITS[column]):
        return reason
    if column == "owner_phone" and not PHONE.match(value):
        return f"'{value}' is not a phone number (digits, optionally a leading + and spaces or '-'; 5 to 20 characters)"
    return None


async def owner_name_problems(session, rows: list[Row]) -> list[Problem]:
    """Rows naming an ``owner_id`` already in the registry under another name."""
    known = dict((await session.execute(select(Resident.external_ref, Resident.name).where(Resident.external_ref.in_({r.owner_id for r in rows})))).all())
    return [
        Problem(row.line, "owner_name", f"owner_id {row.owner_id} is '{known[row.owner_id]}' in the registry, not '{row.owner_name}'; "
                "correct the name, or give this person another owner_id")
        for row in rows
        if row.owner_id in known and known[row.owner_id] != row.owner_name
    ]


async def import_units(
    kernel: Kernel, street: str, path: Path, *, progress: Callable[[int, int], None] | None = None, actor: str = "cli", encoding: str = "utf-8"
) -> ImportReport:
    """Import ``path`` into ``street`` in one transaction (see the module docstring)."""
    rows = parse_rows(path, encoding=encoding)
    report = ImportReport(rows=len(rows), created={"communities": 0, "compounds": 0, "buildings": 0, "units": 0, "owners": 0, "ownerships": 0})
    street_id = kernel.street_id(street)
    async with kernel.db.transaction(street_id) as session:
        if problems := await owner_name_problems(session, rows):
            raise ImportFailed(problems)
        communities = {c.name: c for c in await session.scalars(select(Community))}
        compounds = {(c.community_id, c.name): c for c in await session.scalars(select(Compound))}
        buildings = {(b.compound_id, b.name): b for b in await session.scalars(select(Building))}
        units = {(u.building_id, u.number): u for u in await session.scalars(select(Unit))}
        residents = {r.external_ref: r for r in await session.scalars(select(Resident))}
        ownerships = {(o.unit_id, o.resident_id) for o in (await session.execute(select(Ownership.unit_id, Ownership.resident_id))).all()}

        async def get(cache, key, kind, make):
            found = cache.get(key)
            if found is None:
                found = cache[key] = make()
                session.add(found)
                await session.flush()
                report.created[kind] += 1
            return found

        for done, row in enumerate(rows, start=1):
            community = await get(communities, row.community, "communities", lambda: Community(name=row.community))
            compound = await get(compounds, (community.id, row.compound), "compounds", lambda: Compound(community_id=community.id, name=row.compound))
            building = await get(buildings, (compound.id, row.building), "buildings", lambda: Building(compound_id=compound.id, name=row.building))
            unit = await get(units, (building.id, row.unit), "units", lambda: Unit(building_id=building.id, number=row.unit, area_dm2=row.area_dm2, stairwell=row.stairwell, floor=row.floor))
            if unit.area_dm2 != row.area_dm2:
                unit.area_dm2 = row.area_dm2
                report.updated += 1
            if row.stairwell and unit.stairwell != row.stairwell:
                unit.stairwell = row.stairwell
            if row.floor is not None and unit.floor != row.floor:
                unit.floor = row.floor
            if row.longitude is not None and (building.longitude, building.latitude) != (row.longitude, row.latitude):
                building.longitude, building.latitude = row.longitude, row.latitude
            owner = await get(residents, row.owner_id, "owners", lambda: Resident(external_ref=row.owner_id, name=row.owner_name))
            if row.owner_phone and owner.phone != row.owner_phone:
                owner.phone = row.owner_phone
            if row.owner_id_card and owner.id_card_hash != id_card_digest(row.owner_id_card):
                owner.id_card_hash = id_card_digest(row.owner_id_card)
                owner.id_card_masked = mask_id_card(row.owner_id_card)
            if (unit.id, owner.id) not in ownerships:
                session.add(Ownership(unit_id=unit.id, resident_id=owner.id))
                ownerships.add((unit.id, owner.id))
                report.created["ownerships"] += 1
            if progress and (done % 200 == 0 or done == len(rows)):
                progress(done, len(rows))
        await audit.record(session, street_id, actor, "core.registry.imported", path.name, {"rows": report.rows, **report.created})
    if any(report.created.values()):
        await analyze(kernel, LOADED_TABLES)  # the loaded rows' statistics, before the first read plans without them
    return report
