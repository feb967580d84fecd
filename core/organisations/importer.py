"""All-or-nothing CSV imports of organisations and of their members.

``jiedao import organisations FILE``, one organisation per line::

    code,kind,name,community,compound,parent_code,party_level,term_start,term_end,filed_on,phone,served_compounds,covered_buildings

``code``, ``kind`` and ``name`` are required. ``kind``: 居委会, 业委会, 物业, 党组织, 部门, 志愿服务队
(or residents_committee, owners_committee, property_manager, party_organisation, department,
volunteer_team); ``party_level``: 党委, 党总支, 党支部, 楼道党支部. Dates are YYYY-MM-DD.
``served_compounds`` (物业): ``小区:start:end`` entries separated by ``;``, e.g.
``凤起都市花园:2023-01-01:2027-12-31``; ``covered_buildings`` (党组织): ``小区/楼`` entries
separated by ``;``. ``parent_code`` names another organisation of the file or of the street.
An existing code is updated; a given ``served_compounds`` or ``covered_buildings`` column
replaces what was recorded.

``jiedao import memberships FILE``, one member per line::

    organisation_code,office,resident_id,username,role,started_on,ended_on

``resident_id`` is the resident's reference of ``jiedao import units`` (``owner_id``);
``username`` an account, which then acts for the organisation with ``role`` (org_admin,
org_staff, org_member) and may log in. A member already recorded is updated.

Every line is checked before anything is written; one problem refuses the whole file, with
every problem listed by line and column. Re-importing a file changes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from jiedao.core.errors import DomainError
from jiedao.core.identity import audit
from jiedao.core.identity import service as identity
from jiedao.core.identity.models import Grant, User
from jiedao.core.identity.roles import ORGANISATION_MEMBER
from jiedao.core.importfile import ImportFailed, Problem, parse_date, read_table
from jiedao.core.models import Resident, Street
from jiedao.core.organisations.models import CoveredBuilding, Membership, Organisation, OrganisationKind, PartyLevel, ServedCompound
from jiedao.core.organisations.roles import ORGANISATION_ROLES
from jiedao.core.organisations.service import OrganisationData, check_shape
from jiedao.core.placenames import PlaceNames

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

K = OrganisationKind
KINDS = {
    **{k.value: k for k in K},
    "居委会": K.RESIDENTS_COMMITTEE, "社区居委会": K.RESIDENTS_COMMITTEE,
    "业委会": K.OWNERS_COMMITTEE, "业主委员会": K.OWNERS_COMMITTEE,
    "物业": K.PROPERTY_MANAGER, "物业服务企业": K.PROPERTY_MANAGER,
    "党组织": K.PARTY_ORGANISATION,
    "部门": K.DEPARTMENT, "政府部门": K.DEPARTMENT,
    "志愿服务队": K.VOLUNTEER_TEAM, "志愿队": K.VOLUNTEER_TEAM,
}
LEVELS = {**{p.value: p for p in PartyLevel}, "党委": PartyLevel.COMMITTEE, "党总支": PartyLevel.GENERAL_BRANCH,
          "党支部": PartyLevel.BRANCH, "楼道党支部": PartyLevel.BUILDING_BRANCH}
PHONE = re.compile(r"^\+?[0-9][0-9 -]{3,18}[0-9]$")

ORG_REQUIRED = ("code", "kind", "name")
ORG_OPTIONAL = ("community", "compound", "parent_code", "party_level", "term_start", "term_end", "filed_on", "phone", "served_compounds", "covered_buildings")
ORG_LIMITS = {"code": 100, "kind": 30, "name": 200, "community": 200, "compound": 401, "parent_code": 100, "party_level": 30, "term_start": 10,
              "term_end": 10, "filed_on": 10, "phone": 20, "served_compounds": 5000, "covered_buildings": 5000}
SHAPE_COLUMNS = {"name": "name", "community_id": "community", "compound_id": "compound", "party_level": "party_level", "term_start": "term_start",
                 "term_end": "term_end", "filed_on": "filed_on"}

MEMBER_REQUIRED = ("organisation_code",)
MEMBER_OPTIONAL = ("office", "resident_id", "username", "role", "started_on", "ended_on")
MEMBER_LIMITS = {"organisation_code": 100, "office": 50, "resident_id": 100, "username": 100, "role": 50, "started_on": 10, "ended_on": 10}


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    what: str = "organisation(s)"

    def summary(self) -> str:
        """One line for the command line."""
        return f"{self.rows} rows read; {self.created} {self.what} created, {self.updated} updated."


@dataclass
class OrgRow:
    line: int
    code: str
    kind: OrganisationKind | None
    data: OrganisationData
    community: str
    compound: str
    parent_code: str
    served: list[tuple[str, date | None, date | None]] | None = None
    covered: list[str] | None = None
    org_id: int | None = field(default=None)


def _dates(line: int, values: dict[str, str], columns: tuple[str, ...], problems: list[Problem]) -> dict[str, date | None]:
    found: dict[str, date | None] = {}
    for column in columns:
        found[column] = None
        if values.get(column):
            try:
                found[column] = parse_date(values[column])
            except ValueError as error:
                problems.append(Problem(line, column, str(error)))
    return found


def _served(line: int, text: str, problems: list[Problem]) -> list[tuple[str, date | None, date | None]]:
    entries = []
    for entry in filter(None, (e.strip() for e in text.split(";"))):
        name, *period = [part.strip() for part in entry.split(":")]
        if len(period) > 2 or not name:
            problems.append(Problem(line, "served_compounds", f"'{entry}' is not 小区:start:end (e.g. 凤起都市花园:2023-01-01:2027-12-31)"))
            continue
        try:
            start, end = (parse_date(p) if p else None for p in (period + ["", ""])[:2])
        except ValueError as error:
            problems.append(Problem(line, "served_compounds", f"{error} (in '{entry}')"))
            continue
        if start and end and end < start:
            problems.append(Problem(line, "served_compounds", f"the contract of '{name}' ends before it starts"))
        entries.append((name, start, end))
    return entries


def parse_organisations(rows: list[tuple[int, dict[str, str]]], problems: list[Problem], header: set[str]) -> list[OrgRow]:
    """Check every line on its own (kinds, levels, dates, phone, lists); names are resolved later."""
    parsed: list[OrgRow] = []
    seen: dict[str, int] = {}
    for line, values in rows:
        kind = KINDS.get(values["kind"].lower()) if values["kind"] else None
        if values["kind"] and kind is None:
            problems.append(Problem(line, "kind", f"unknown kind '{values['kind']}'; one of 居委会, 业委会, 物业, 党组织, 部门, 志愿服务队"))
        level = LEVELS.get(values["party_level"].lower()) if values["party_level"] else None
        if values["party_level"] and level is None:
            problems.append(Problem(line, "party_level", f"unknown party level '{values['party_level']}'; one of 党委, 党总支, 党支部, 楼道党支部"))
        if values["phone"] and not PHONE.match(values["phone"]):
            problems.append(Problem(line, "phone", f"'{values['phone']}' is not a phone number"))
        dates = _dates(line, values, ("term_start", "term_end", "filed_on"), problems)
        if values["code"]:
            if values["code"] in seen:
                problems.append(Problem(line, "code", f"the code '{values['code']}' is on line {seen[values['code']]} too"))
            seen.setdefault(values["code"], line)
        data = OrganisationData(name=values["name"], party_level=level, phone=values["phone"] or None, **dates)
        row = OrgRow(line, values["code"], kind, data, values["community"], values["compound"], values["parent_code"])
        if "served_compounds" in header:
            row.served = _served(line, values["served_compounds"], problems)
        if "covered_buildings" in header:
            row.covered = [b.strip() for b in values["covered_buildings"].split(";") if b.strip()]
        parsed.append(row)
    return parsed


def _resolve(row: OrgRow, places: PlaceNames, known_codes: set[str], problems: list[Problem]) -> dict:
    """Ids of the row's community, compound, served compounds and covered buildings."""
    resolved: dict = {"served": [], "covered": []}

    def attempt(column: str, lookup):
        try:
            return lookup()
        except ValueError as error:
            problems.append(Problem(row.line, column, str(error)))
            return None

    community_id = attempt("community", lambda: places.community(row.community)) if row.community else None
    row.data.community_id = community_id
    if row.compound:
        row.data.compound_id = attempt("compound", lambda: places.compound(row.compound, community_id))
        if row.data.compound_id is not None:
            row.data.community_id = places.compound_community[row.data.compound_id]
    for name, start, end in row.served or []:
        compound_id = attempt("served_compounds", lambda n=name: places.compound(n))
        if compound_id is not None:
            resolved["served"].append((compound_id, start, end))
    for text in row.covered or []:
        building_id = attempt("covered_buildings", lambda t=text: places.building(t, community_id))
        if building_id is not None:
            resolved["covered"].append(building_id)
    if row.parent_code and row.parent_code not in known_codes:
        problems.append(Problem(row.line, "parent_code", f"no organisation with the code '{row.parent_code}' in the file or the street"))
    if row.parent_code and row.parent_code == row.code:
        problems.append(Problem(row.line, "parent_code", "an organisation cannot be its own parent"))
    if row.kind is not None:
        if row.served and row.kind is not K.PROPERTY_MANAGER:
            problems.append(Problem(row.line, "served_compounds", "only a property-management company (物业) serves compounds"))
        if row.covered and row.kind is not K.PARTY_ORGANISATION:
            problems.append(Problem(row.line, "covered_buildings", "only a party organisation covers buildings"))
        try:
            check_shape(row.kind, row.data, SHAPE_COLUMNS)
        except DomainError as error:
            if not any(p.line == row.line and p.column == error.field for p in problems):
                problems.append(Problem(row.line, error.field or "-", error.message))
    return resolved


def _cycle(parents: dict[str, str]) -> str | None:
    """A code that is its own ancestor, if any."""
    for start in parents:
        seen, current = set(), start
        while current in parents and current not in seen:
            seen.add(current)
            current = parents[current]
            if current == start:
                return start
    return None


async def import_organisations(kernel: Kernel, street: str, path: Path, *, actor: str = "cli", encoding: str = "utf-8") -> ImportReport:
    """Import organisations from ``path`` into ``street`` in one transaction (see the module docstring)."""
    rows, problems, header = read_table(path, encoding, ORG_REQUIRED, ORG_OPTIONAL, ORG_LIMITS, formula_ok=("phone",))
    parsed = parse_organisations(rows, problems, header)
    report = ImportReport(rows=len(parsed))
    street_id = kernel.street_id(street)
    async with kernel.db.transaction(street_id) as session:
        places = await PlaceNames.load(session)
        existing = {o.code: o for o in await session.scalars(select(Organisation))}
        known = set(existing) | {r.code for r in parsed if r.code}
        resolved = [_resolve(row, places, known, problems) for row in parsed]
        for row in parsed:
            if row.code in existing and row.kind is not None and existing[row.code].kind is not row.kind:
                problems.append(Problem(row.line, "kind", f"'{row.code}' is recorded as {existing[row.code].kind.value}; the kind of an organisation does not change"))
        by_id = {o.id: o.code for o in existing.values()}
        parents = {o.code: by_id.get(o.parent_id) for o in existing.values() if o.parent_id}
        parents.update({r.code: r.parent_code for r in parsed if r.parent_code})
        parents = {k: v for k, v in parents.items() if v}
        if (looped := _cycle(parents)) is not None:
            line = next((r.line for r in parsed if r.code == looped), 2)
            problems.append(Problem(line, "parent_code", f"'{looped}' would be its own ancestor"))
        if problems:
            raise ImportFailed(sorted(problems, key=lambda p: p.line))
        changed: set[str] = set()
        new_codes: set[str] = set()
        for row in parsed:
            organisation = existing.get(row.code)
            if organisation is None:
                organisation = existing[row.code] = Organisation(code=row.code, kind=row.kind)
                session.add(organisation)
                new_codes.add(row.code)
                report.created += 1
            for attribute, value in vars(row.data).items():
                if attribute != "parent_id" and getattr(organisation, attribute) != value:
                    setattr(organisation, attribute, value)
                    changed.add(row.code)
        await session.flush()
        for row, ids in zip(parsed, resolved):
            organisation = existing[row.code]
            parent_id = existing[row.parent_code].id if row.parent_code else None
            if organisation.parent_id != parent_id:
                organisation.parent_id = parent_id
                changed.add(row.code)
            if row.served is not None:
                await session.execute(delete(ServedCompound).where(ServedCompound.organisation_id == organisation.id))
                session.add_all([ServedCompound(organisation_id=organisation.id, compound_id=c, contract_start=s, contract_end=e) for c, s, e in dict.fromkeys(ids["served"])])
            if row.covered is not None:
                await session.execute(delete(CoveredBuilding).where(CoveredBuilding.organisation_id == organisation.id))
                session.add_all([CoveredBuilding(organisation_id=organisation.id, building_id=b) for b in dict.fromkeys(ids["covered"])])
        report.updated = len(changed - new_codes)
        await session.flush()
        await audit.record(session, street_id, actor, "core.organisations.imported", path.name, {"rows": report.rows, "created": report.created, "updated": report.updated})
    return report


async def import_memberships(kernel: Kernel, street: str, path: Path, *, actor: str = "cli", encoding: str = "utf-8") -> ImportReport:
    """Import the members of organisations from ``path`` into ``street`` in one transaction."""
    rows, problems, _ = read_table(path, encoding, MEMBER_REQUIRED, MEMBER_OPTIONAL, MEMBER_LIMITS)
    report = ImportReport(rows=len(rows), what="membership(s)")
    street_id = kernel.street_id(street)
    async with kernel.db.transaction(street_id) as session:
        orgs = {o.code: o.id for o in await session.scalars(select(Organisation))}
        references = {v["resident_id"] for _, v in rows if v["resident_id"]}
        residents = dict((await session.execute(select(Resident.external_ref, Resident.id).where(Resident.external_ref.in_(references)))).all())
        usernames = {v["username"] for _, v in rows if v["username"]}
        users = dict((await session.execute(select(User.username, User.id).where(User.username.in_(usernames)))).all())
        planned: list[tuple[int, int | None, int | None, dict[str, str], dict[str, date | None]]] = []
        seen: dict[tuple, int] = {}
        for line, values in rows:
            if values["organisation_code"] and values["organisation_code"] not in orgs:
                problems.append(Problem(line, "organisation_code", f"no organisation with the code '{values['organisation_code']}' (import organisations first)"))
            if values["resident_id"] and values["resident_id"] not in residents:
                problems.append(Problem(line, "resident_id", f"no resident '{values['resident_id']}' in this street"))
            if values["username"] and values["username"] not in users:
                problems.append(Problem(line, "username", f"no account '{values['username']}'"))
            if not values["resident_id"] and not values["username"] and not any(p.line == line and p.column in ("resident_id", "username") for p in problems):
                problems.append(Problem(line, "resident_id", "name the member: a resident_id, a username, or both"))
            if values["role"] and values["role"] not in ORGANISATION_ROLES:
                problems.append(Problem(line, "role", f"unknown role '{values['role']}'; one of {', '.join(ORGANISATION_ROLES)}"))
            if values["username"] and not values["role"]:
                problems.append(Problem(line, "role", "an account acts for the organisation with a role; give one"))
            if values["role"] and not values["username"]:
                problems.append(Problem(line, "username", "a role is held by an account; give its username"))
            dates = _dates(line, values, ("started_on", "ended_on"), problems)
            if dates["started_on"] and dates["ended_on"] and dates["ended_on"] < dates["started_on"]:
                problems.append(Problem(line, "ended_on", "a membership ends after it starts"))
            key = (values["organisation_code"], values["resident_id"], values["username"])
            if key in seen:
                problems.append(Problem(line, "-", f"the same member of '{key[0]}' is on line {seen[key]} too"))
            seen.setdefault(key, line)
            planned.append((orgs.get(values["organisation_code"], 0), residents.get(values["resident_id"]), users.get(values["username"]), values, dates))
        if problems:
            raise ImportFailed(sorted(problems, key=lambda p: p.line))
        current = {(m.organisation_id, m.resident_id, m.user_id): m for m in await session.scalars(select(Membership))}
        street_row = await session.get(Street, street_id)
        granted = set(await session.scalars(select(Grant.user_id).where(Grant.street_id == street_id, Grant.role == ORGANISATION_MEMBER)))
        for org_id, resident_id, user_id, values, dates in planned:
            wanted = {"office": values["office"], "role": values["role"] or None, "started_on": dates["started_on"], "ended_on": dates["ended_on"]}
            membership = current.get((org_id, resident_id, user_id))
            if membership is None:
                session.add(Membership(organisation_id=org_id, resident_id=resident_id, user_id=user_id, **wanted))
                report.created += 1
            elif any(getattr(membership, a) != v for a, v in wanted.items()):
                for attribute, value in wanted.items():
                    setattr(membership, attribute, value)
                report.updated += 1
            if user_id is not None and user_id not in granted:
                await identity.grant(session, await session.get(User, user_id), street_row, ORGANISATION_MEMBER, actor=actor)
                granted.add(user_id)
        await session.flush()
        await audit.record(session, street_id, actor, "core.memberships.imported", path.name, {"rows": report.rows, "created": report.created, "updated": report.updated})
    return report
