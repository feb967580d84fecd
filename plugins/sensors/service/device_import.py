"""All-or-nothing CSV import of devices (``jiedao sensors import FILE --street S``).

Columns: ``device_id``, ``kind`` (ELECTRIC_MONITOR, SMOKE_DETECTOR, EV_CHARGER_FIRE), and
optionally ``name``, ``community``, ``compound``, ``building`` (names, as in the registry's
import), ``stairwell``, ``floor``, ``unit`` (a unit number of that building) and ``serves``
(unit numbers of that building separated by ``;``: the households a meter box feeds; empty:
its unit, or every unit of its floor / stairwell / building). Each row is registered as
``registerDevice`` would (``service.devices.register_device``, the same checks); one bad row
aborts the import with every problem listed by line and column.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, registry
from jiedao.api.cli import importfile
from jiedao.plugins.sensors.service.devices import register_device

REQUIRED = ("device_id", "kind")
OPTIONAL = ("name", "community", "compound", "building", "stairwell", "floor", "unit", "serves")
LIMITS = {"device_id": 64, "kind": 32, "name": 200, "community": 200, "compound": 200, "building": 200, "stairwell": 20, "floor": 4, "unit": 50, "serves": 5000}
COLUMN_OF_FIELD = {"deviceId": "device_id", "kind": "kind", "buildingId": "building", "unitId": "unit", "stairwell": "stairwell", "floor": "floor", "servedUnitIds": "serves"}
"""The CSV column a ``register_device`` refusal is about."""


@dataclass
class DeviceImport:
    """What an import did."""

    registered: int = 0

    def summary(self) -> str:
        """One line for the command's output."""
        return f"{self.registered} device(s) registered"


def read_devices(path: Path, encoding: str = "utf-8") -> tuple[list[tuple[int, dict[str, str]]], list]:
    """The rows of the file and the problems found reading it (``ImportFailed`` when unreadable)."""
    rows, problems, _ = importfile.read_table(path, encoding, REQUIRED, OPTIONAL, LIMITS)
    return rows, problems


async def import_devices(session: AsyncSession, rows: list[tuple[int, dict[str, str]]], problems: list) -> DeviceImport:
    """Register the devices of ``rows`` in the session's street; ``ImportFailed`` with every
    problem (those given, then those of each row) when any row is refused: nothing stays."""
    problems = list(problems)
    communities = {c.name: c.id for c in await session.scalars(select(registry.Community))}
    compounds = {(c.community_id, c.name): c.id for c in await session.scalars(select(registry.Compound))}
    buildings = {(b.compound_id, b.name): b.id for b in await session.scalars(select(registry.Building))}
    units = {(u.building_id, u.number): u.id for u in await session.scalars(select(registry.Unit))}
    report = DeviceImport()
    for line, v in rows:
        if any(p.line == line for p in problems):
            continue
        building_id = None
        if v["building"]:
            compound_id = compounds.get((communities.get(v["community"]), v["compound"]))
            building_id = buildings.get((compound_id, v["building"]))
            if building_id is None:
                problems.append(importfile.Problem(line, "building", f"no building {v['community']}/{v['compound']}/{v['building']} in this street"))
                continue
        elif any(v[c] for c in ("stairwell", "floor", "unit", "serves")):
            problems.append(importfile.Problem(line, "building", "empty: name the building (with its community and compound) of the stairwell, floor or units"))
            continue
        floor = None
        if v["floor"]:
            try:
                floor = int(v["floor"])
            except ValueError:
                problems.append(importfile.Problem(line, "floor", f"'{v['floor']}' is not a whole number"))
                continue
        unit_id = None
        if v["unit"]:
            unit_id = units.get((building_id, v["unit"]))
            if unit_id is None:
                problems.append(importfile.Problem(line, "unit", f"no unit {v['unit']} in building {v['building']}"))
                continue
        served = None
        if v["serves"]:
            numbers = [n.strip() for n in v["serves"].split(";") if n.strip()]
            unknown = [n for n in numbers if (building_id, n) not in units]
            if unknown:
                problems.append(importfile.Problem(line, "serves", f"no unit {', '.join(unknown[:5])} in building {v['building']}"))
                continue
            served = [units[(building_id, n)] for n in numbers]
        try:  # register_device refuses before it writes anything
            await register_device(
                session, v["device_id"], v["kind"], v["name"], building_id, unit_id,
                stairwell=v["stairwell"] or None, floor=floor, served_unit_ids=served,
            )
        except DomainError as refused:
            problems.append(importfile.Problem(line, COLUMN_OF_FIELD.get(refused.field or "", "-"), refused.message))
            continue
        report.registered += 1
    if problems:
        raise importfile.ImportFailed(problems)
    return report
