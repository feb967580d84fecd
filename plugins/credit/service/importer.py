"""All-or-nothing CSV import of enterprises, following ``core.importer``.

Columns: ``name,licence_no,licence_issued_on`` required; optional ``category`` (default
``restaurant``), ``licence_expires_on``, ``address``, ``community,compound,building`` (the
building the enterprise is in, by the registry's names), ``unit`` (its unit number there),
``operator_ref`` (the operator's resident ``external_ref``) and ``status``. Every row is
checked, references included, before anything is written; one bad row aborts the whole
import with every problem listed. An enterprise is identified by its licence number, so
re-importing a file changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import now, registry
from jiedao.api.cli import importfile
from jiedao.plugins.credit.models import Enterprise
from jiedao.plugins.credit.service import EnterpriseData, check_enterprise

ImportFailed, Problem, as_record, header_problems = importfile.ImportFailed, importfile.Problem, importfile.as_record, importfile.header_problems
parse_records, text_problem = importfile.parse_records, importfile.text_problem
Building, Community, Compound, Resident, Unit = registry.Building, registry.Community, registry.Compound, registry.Resident, registry.Unit

REQUIRED = ("name", "licence_no", "licence_issued_on")
OPTIONAL = ("category", "licence_expires_on", "address", "community", "compound", "building", "unit", "operator_ref", "status")
MAX_CELL_CHARS = 500
FIELDS = ("name", "category", "licence_expires_on", "address", "building_id", "unit_id", "operator_resident_id", "status", "licence_issued_on")


@dataclass
class EnterpriseImport:
    """What an import did."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)

    def summary(self) -> str:
        return f"{self.rows} rows read; {self.created} created, {self.updated} updated, {self.unchanged} unchanged."


def _date(value: str, line: int, column: str, problems: list[Problem]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(line, column, f"'{value}' is not a date (YYYY-MM-DD)"))
        return None


async def import_enterprises(session: AsyncSession, text: str) -> EnterpriseImport:
    """Import the CSV ``text`` in the session's street; raises ``ImportFailed`` with every problem."""
    records = parse_records(text, REQUIRED + OPTIONAL)
    header = [name.strip() for name in records[0][1]]
    problems = header_problems(header, REQUIRED, OPTIONAL)
    if any(p.reason == "missing column" for p in problems):
        raise ImportFailed(problems)
    communities = {c.name: c.id for c in await session.scalars(select(Community))}
    compounds = {(c.community_id, c.name): c.id for c in await session.scalars(select(Compound))}
    buildings = {(b.compound_id, b.name): b.id for b in await session.scalars(select(Building))}
    units = {(u.building_id, u.number): u.id for u in await session.scalars(select(Unit))}
    residents = dict((await session.execute(select(Resident.external_ref, Resident.id))).all())
    rows: list[EnterpriseData] = []
    seen: dict[str, int] = {}
    for line, fields in records[1:]:
        if not any(f.strip() for f in fields):
            continue
        if len(fields) > len(header):
            problems.append(Problem(line, "-", "more fields than columns"))
        record = as_record(header, fields)
        v = {k: (record.get(k) or "").strip() for k in REQUIRED + OPTIONAL}
        for column, value in v.items():
            if value and (reason := text_problem(value, MAX_CELL_CHARS)):
                problems.append(Problem(line, column, reason))
                v[column] = ""
        for column in REQUIRED:
            if not v[column] and not any(p.line == line and p.column == column for p in problems):
                problems.append(Problem(line, column, "empty"))
        issued = _date(v["licence_issued_on"], line, "licence_issued_on", problems)
        expires = _date(v["licence_expires_on"], line, "licence_expires_on", problems)
        building_id = unit_id = operator_id = None
        place = (v["community"], v["compound"], v["building"])
        if any(place):
            community_id = communities.get(v["community"])
            compound_id = compounds.get((community_id, v["compound"]))
            building_id = buildings.get((compound_id, v["building"]))
            if building_id is None:
                problems.append(Problem(line, "building", f"no building {'/'.join(place)} in this street"))
        if v["unit"]:
            unit_id = units.get((building_id, v["unit"]))
            if unit_id is None:
                problems.append(Problem(line, "unit", f"no unit {v['unit']} in that building"))
        if v["operator_ref"]:
            operator_id = residents.get(v["operator_ref"])
            if operator_id is None:
                problems.append(Problem(line, "operator_ref", f"no resident '{v['operator_ref']}' in this street"))
        if v["licence_no"]:
            if v["licence_no"] in seen:
                problems.append(Problem(line, "licence_no", f"also on line {seen[v['licence_no']]}"))
            seen.setdefault(v["licence_no"], line)
        if issued is None:
            continue
        data = EnterpriseData(
            name=v["name"], licence_no=v["licence_no"], licence_issued_on=issued, category=v["category"] or "restaurant",
            licence_expires_on=expires, address=v["address"], building_id=building_id, unit_id=unit_id,
            operator_resident_id=operator_id, status=v["status"] or "ACTIVE",
        )
        problems += [Problem(line, column, str(reason)) for column, reason in check_enterprise(data) if (column, str(reason)) != ("name", "empty") and (column, str(reason)) != ("licenceNo", "empty")]
        rows.append(data)
    if not rows and not problems:
        problems.append(Problem(2, "-", "the file has no rows"))
    if problems:
        raise ImportFailed(problems)
    report = EnterpriseImport(rows=len(rows))
    existing = {e.licence_no: e for e in await session.scalars(select(Enterprise))}
    for data in rows:
        enterprise = existing.get(data.licence_no)
        if enterprise is None:
            session.add(Enterprise(**data.__dict__, created_at=now()))
            report.created += 1
            continue
        changed = False
        for name in FIELDS:
            if getattr(enterprise, name) != getattr(data, name):
                setattr(enterprise, name, getattr(data, name))
                changed = True
        report.updated += changed
        report.unchanged += not changed
    await session.flush()
    return report


def read_csv(path: Path) -> str:
    """The text of a UTF-8 CSV file (a BOM is accepted)."""
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed([Problem(1, "-", "the file is not UTF-8 text")]) from None
