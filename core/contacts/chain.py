"""The reach chain of a place: who is told, rung after rung, when something happens there.

Rungs, in order (empty ones are dropped; a person of an earlier rung is left out of later ones):

- ``grid``: the grid workers of the building's grid and, for an alert at home, the resident
  (when they have a phone);
- ``community``: the worker(s) on duty for the building's community at ``at`` (nobody on duty:
  the active ``org_admin`` members of the community's 居委会) and the resident's emergency
  contacts;
- ``street``: the street's duty officer(s) at ``at`` (nobody on duty: the street admins).

Every staff member of every rung comes from one statement; the residents told at home and
their contacts from one more each: three statements at most, whatever the number of people.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import and_, literal_column, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.contacts.models import DutyShift, EmergencyContact, StaffAddress
from jiedao.core.grids.models import GridWorker
from jiedao.core.identity.models import Grant, User
from jiedao.core.identity.roles import STREET_ADMIN
from jiedao.core.models import Building, Compound, Resident
from jiedao.core.notify.recipients import CONTACT, RESIDENT, STAFF, Person, Rung
from jiedao.core.organisations.models import Membership, Organisation, OrganisationKind
from jiedao.core.organisations.roles import ORG_ADMIN

GRID, COMMUNITY, STREET = "grid", "community", "street"
GRID_WORKER_ROLE, COMMUNITY_DUTY, STREET_DUTY = "grid_worker", "community_duty", "street_duty"
_SOURCES = ("grid", "community_duty", "community_fallback", "street_duty", "street_fallback")


def _staff_sources(street_id: int, building_id: int | None, at: datetime):
    """SQL: (source, user_id, rank) of every staff member who may be reached, by source."""
    grid = select(Building.grid_id).where(Building.id == building_id, Building.street_id == street_id).scalar_subquery()
    community = (
        select(Compound.community_id)
        .join(Building, Building.compound_id == Compound.id)
        .where(Building.id == building_id, Building.street_id == street_id)
        .scalar_subquery()
    )
    on_duty = and_(DutyShift.street_id == street_id, DutyShift.starts_at <= at, DutyShift.ends_at > at)
    day = at.astimezone(clock.CHINA).date()
    return union_all(
        select(literal_column("'grid'").label("source"), GridWorker.user_id.label("user_id"), GridWorker.id.label("rank"))
        .where(GridWorker.street_id == street_id, GridWorker.grid_id == grid),
        select(literal_column("'community_duty'"), DutyShift.user_id, DutyShift.id).where(on_duty, DutyShift.community_id == community),
        select(literal_column("'community_fallback'"), Membership.user_id, Membership.id)
        .join(Organisation, Organisation.id == Membership.organisation_id)
        .where(
            Organisation.street_id == street_id,
            Organisation.kind == OrganisationKind.RESIDENTS_COMMITTEE,
            Organisation.community_id == community,
            Membership.role == ORG_ADMIN,
            Membership.user_id.is_not(None),
            or_(Membership.started_on.is_(None), Membership.started_on <= day),
            or_(Membership.ended_on.is_(None), Membership.ended_on >= day),
        ),
        select(literal_column("'street_duty'"), DutyShift.user_id, DutyShift.id).where(on_duty, DutyShift.community_id.is_(None)),
        select(literal_column("'street_fallback'"), Grant.user_id, Grant.id).where(Grant.street_id == street_id, Grant.role == STREET_ADMIN),
    ).subquery()


async def _staff(session: AsyncSession, street_id: int, building_id: int | None, at: datetime) -> dict[str, list[Person]]:
    """The active staff of every source (one statement), each with their addresses."""
    sources = _staff_sources(street_id, building_id, at)
    rows = await session.execute(
        select(sources.c.source, User.id, User.username, StaffAddress.phone, StaffAddress.dingtalk_user_id, StaffAddress.wecom_user_id)
        .join(User, User.id == sources.c.user_id)
        .outerjoin(StaffAddress, StaffAddress.user_id == User.id)
        .where(User.is_active.is_(True))
        .order_by(sources.c.source, sources.c.rank)
    )
    found: dict[str, list[Person]] = {source: [] for source in _SOURCES}
    roles = {"grid": GRID_WORKER_ROLE, "community_duty": COMMUNITY_DUTY, "community_fallback": COMMUNITY_DUTY,
             "street_duty": STREET_DUTY, "street_fallback": STREET_DUTY}
    for source, user_id, username, phone, dingtalk, wecom in rows:
        found[source].append(Person(STAFF, user_id, username, roles[source], phone=phone or "", dingtalk=dingtalk or "", wecom=wecom or ""))
    return found


async def _residents_and_contacts(session: AsyncSession, street_id: int, resident_ids: Sequence[int]) -> tuple[list[Person], list[Person]]:
    """The residents (those with a phone), in the order given, and their emergency contacts,
    each resident's in their order (two statements, whatever the number of residents)."""
    if not resident_ids:
        return [], []
    order = {resident_id: position for position, resident_id in enumerate(dict.fromkeys(resident_ids))}
    residents = (await session.execute(
        select(Resident.id, Resident.name, Resident.phone).where(Resident.id.in_(list(order)), Resident.street_id == street_id)
    )).all()
    contacts = (await session.scalars(
        select(EmergencyContact).where(EmergencyContact.resident_id.in_(list(order)), EmergencyContact.street_id == street_id)
    )).all()
    at_home = [Person(RESIDENT, r.id, r.name, RESIDENT, phone=r.phone) for r in sorted(residents, key=lambda r: order[r.id]) if r.phone]
    contacts = sorted(contacts, key=lambda c: (order[c.resident_id], c.position))
    return at_home, [Person(CONTACT, c.id, c.name, "emergency_contact", relation=c.relation, phone=c.phone) for c in contacts]


def _rungs(candidates: Iterable[tuple[str, list[Person]]]) -> list[Rung]:
    """Rungs without empty ones and without a person already reached on an earlier rung."""
    seen: set[str] = set()
    rungs = []
    for label, people in candidates:
        kept = []
        for person in people:
            if person.key not in seen:
                seen.add(person.key)
                kept.append(person)
        if kept:
            rungs.append(Rung(tuple(kept), label))
    return rungs


async def reach_chain(
    session: AsyncSession, street_id: int, *, building_id: int | None, resident_id: int | None = None, also_at_home: Sequence[int] = (), at: datetime
) -> list[Rung]:
    """The people to reach for something at ``building_id`` (and at the home of ``resident_id``
    and of ``also_at_home``: more residents told like that one), in escalation order at the
    instant ``at`` (see the module docstring)."""
    staff = await _staff(session, street_id, building_id, at)
    residents = [resident_id] if resident_id is not None else []
    resident, contacts = await _residents_and_contacts(session, street_id, [*residents, *also_at_home])
    community = staff["community_duty"] or staff["community_fallback"]
    street = staff["street_duty"] or staff["street_fallback"]
    return _rungs([(GRID, staff["grid"] + resident), (COMMUNITY, community + contacts), (STREET, street)])
