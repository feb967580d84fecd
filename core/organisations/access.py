"""Who acts for which organisation, and which places an organisation answers for.

These are the kernel functions the work-item loop and plugins use (exported through
``jiedao.api``). Every function runs on a session of one street, so it only ever sees that
street's organisations; "today" is ``core.clock.today()``.

Places by kind:

- 社区居委会 (``RESIDENTS_COMMITTEE``): its community, with every compound and building in it;
- 业主委员会 (``OWNERS_COMMITTEE``): its compound and its buildings;
- 物业服务企业 (``PROPERTY_MANAGER``): the compounds it serves under a contract current today;
- 党组织 (``PARTY_ORGANISATION``): the buildings it covers (a 楼道党支部 its building);
- government departments and volunteer teams: no places; they see only the work assigned to them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, func, or_, select, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from jiedao.core import clock
from jiedao.core.errors import DomainError
from jiedao.core.models import Building, Compound
from jiedao.core.organisations.models import CoveredBuilding, Membership, Organisation, OrganisationKind, ServedCompound
from jiedao.core.organisations.roles import BALLOTS_CONVENE, permissions_of


@dataclass(frozen=True)
class ActingFor:
    """An organisation an account acts for today, with the role and office of its membership
    and the organisation permissions that role holds there."""

    org_id: int
    kind: OrganisationKind
    role: str | None
    office: str
    permissions: frozenset[str]

    def may(self, permission: str) -> bool:
        """Whether this membership holds ``permission`` for its organisation."""
        return permission in self.permissions


@dataclass(frozen=True)
class Places:
    """The places an organisation answers for (see the module docstring); ``building_ids``
    holds every building of them, compounds and communities expanded."""

    community_ids: frozenset[int]
    compound_ids: frozenset[int]
    building_ids: frozenset[int]

    def covers_building(self, building_id: int) -> bool:
        """Whether the building is one of these places."""
        return building_id in self.building_ids


def _user_id(user: Any) -> int | None:
    return user if isinstance(user, int) or user is None else getattr(user, "id", None)


def membership_current(on: date | None = None) -> ColumnElement[bool]:
    """The SQL condition of a membership in force on ``on`` (default: today): started, not ended."""
    day = on or clock.today()
    return and_(
        or_(Membership.started_on.is_(None), Membership.started_on <= day),
        or_(Membership.ended_on.is_(None), Membership.ended_on > day),
    )


def contract_current(on: date | None = None) -> ColumnElement[bool]:
    """The SQL condition of a served compound whose contract is in force on ``on`` (default: today)."""
    day = on or clock.today()
    return and_(
        or_(ServedCompound.contract_start.is_(None), ServedCompound.contract_start <= day),
        or_(ServedCompound.contract_end.is_(None), ServedCompound.contract_end >= day),
    )


def acted_for_ids(user: Any, on: date | None = None) -> Select:
    """SQL: the ids of the organisations ``user`` (a ``User`` or its id) acts for on ``on``;
    embed it in a query (``Organisation.id.in_(acted_for_ids(user))``)."""
    return select(Membership.organisation_id).where(Membership.user_id == _user_id(user), membership_current(on))


async def organisations_acted_for(session: AsyncSession, user: Any, *, on: date | None = None) -> list[ActingFor]:
    """The organisations ``user`` (a ``User`` or its id; ``None``: nobody) acts for today, one
    entry per current membership naming the account, in organisation order. One statement."""
    user_id = _user_id(user)
    if user_id is None:
        return []
    rows = (
        await session.execute(
            select(Membership.organisation_id, Organisation.kind, Membership.role, Membership.office)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == user_id, membership_current(on))
            .order_by(Membership.organisation_id, Membership.id)
        )
    ).all()
    return [ActingFor(org_id, kind, role, office or "", permissions_of(role, kind)) for org_id, kind, role, office in rows]


async def acts_for(session: AsyncSession, user: Any, org_id: int, permission: str) -> bool:
    """Whether ``user`` acts for organisation ``org_id`` today with a role holding ``permission``
    (one of ``roles.ORGANISATION_PERMISSIONS``)."""
    return any(a.org_id == org_id and a.may(permission) for a in await organisations_acted_for(session, user))


async def require_acts_for(session: AsyncSession, user: Any, org_id: int, permission: str, *, field: str | None = None) -> None:
    """Refuse (``DomainError`` ``FORBIDDEN``) unless ``acts_for(session, user, org_id, permission)``."""
    if not await acts_for(session, user, org_id, permission):
        raise DomainError("You do not act for this organisation with the permission '{permission}'.", code="FORBIDDEN", field=field, permission=permission)


def place_building_ids(org_ids: Iterable[int] | Select, on: date | None = None) -> Select:
    """SQL: the ids of every building the organisations ``org_ids`` (ids, or a select of ids
    such as ``acted_for_ids(user)``) answer for on ``on``. Embed it to filter work in SQL:
    ``WorkItem.building_id.in_(place_building_ids(acted_for_ids(user)))``."""
    ids = org_ids if isinstance(org_ids, Select) else list(org_ids)
    org = select(Organisation).where(Organisation.id.in_(ids)).subquery()
    by_community = (
        select(Building.id)
        .join(Compound, Compound.id == Building.compound_id)
        .join(org, org.c.community_id == Compound.community_id)
        .where(org.c.kind == OrganisationKind.RESIDENTS_COMMITTEE)
    )
    by_compound = select(Building.id).join(org, org.c.compound_id == Building.compound_id).where(org.c.kind == OrganisationKind.OWNERS_COMMITTEE)
    served = (
        select(Building.id)
        .join(ServedCompound, ServedCompound.compound_id == Building.compound_id)
        .where(ServedCompound.organisation_id.in_(select(org.c.id).where(org.c.kind == OrganisationKind.PROPERTY_MANAGER)), contract_current(on))
    )
    covered = select(CoveredBuilding.building_id).where(
        CoveredBuilding.organisation_id.in_(select(org.c.id).where(org.c.kind == OrganisationKind.PARTY_ORGANISATION))
    )
    return select(union(by_community, by_compound, served, covered).subquery().c[0])


async def places_of(session: AsyncSession, org_id: int, *, on: date | None = None) -> Places:
    """The places organisation ``org_id`` answers for on ``on`` (default today; see the module
    docstring). Empty for an unknown organisation or one of another street."""
    org = await session.get(Organisation, org_id)
    if org is None:
        return Places(frozenset(), frozenset(), frozenset())
    communities: set[int] = set()
    compounds: set[int] = set()
    if org.kind is OrganisationKind.RESIDENTS_COMMITTEE and org.community_id is not None:
        communities.add(org.community_id)
        compounds.update(await session.scalars(select(Compound.id).where(Compound.community_id == org.community_id)))
    elif org.kind is OrganisationKind.OWNERS_COMMITTEE and org.compound_id is not None:
        compounds.add(org.compound_id)
    elif org.kind is OrganisationKind.PROPERTY_MANAGER:
        compounds.update(await session.scalars(select(ServedCompound.compound_id).where(ServedCompound.organisation_id == org_id, contract_current(on))))
    buildings = set(await session.scalars(place_building_ids([org_id], on)))
    return Places(frozenset(communities), frozenset(compounds), frozenset(buildings))


async def responsible_for_building(session: AsyncSession, building_id: int, *, on: date | None = None) -> list[tuple[int, OrganisationKind]]:
    """``(org_id, kind)`` of every organisation whose places include the building on ``on``
    (its 居委会, 业委会, the 物业 serving its compound, the party branches covering it),
    in organisation order: where an appeal about the building can be sent."""
    compound_of = select(Building.compound_id).where(Building.id == building_id).scalar_subquery()
    community_of = select(Compound.community_id).where(Compound.id == compound_of).scalar_subquery()
    kind = Organisation.kind
    rows = (
        await session.execute(
            select(Organisation.id, Organisation.kind)
            .where(
                or_(
                    and_(kind == OrganisationKind.RESIDENTS_COMMITTEE, Organisation.community_id == community_of),
                    and_(kind == OrganisationKind.OWNERS_COMMITTEE, Organisation.compound_id == compound_of),
                    and_(
                        kind == OrganisationKind.PROPERTY_MANAGER,
                        Organisation.id.in_(select(ServedCompound.organisation_id).where(ServedCompound.compound_id == compound_of, contract_current(on))),
                    ),
                    and_(
                        kind == OrganisationKind.PARTY_ORGANISATION,
                        Organisation.id.in_(select(CoveredBuilding.organisation_id).where(CoveredBuilding.building_id == building_id)),
                    ),
                )
            )
            .order_by(Organisation.id)
        )
    ).all()
    return [(org_id, org_kind) for org_id, org_kind in rows]


async def may_convene_ballot(session: AsyncSession, user: Any, compound_id: int, *, on: date | None = None) -> bool:
    """Whether ``user`` may convene an owners' ballot of the compound: they act today, with
    ``org.ballots.convene``, for the owners' committee (业委会) of that compound whose term
    includes today (a committee without recorded term dates counts as in office)."""
    day = on or clock.today()
    for acting in await organisations_acted_for(session, user, on=day):
        if acting.kind is not OrganisationKind.OWNERS_COMMITTEE or not acting.may(BALLOTS_CONVENE):
            continue
        org = await session.get(Organisation, acting.org_id)
        if org is None or org.compound_id != compound_id:
            continue
        if (org.term_start is None or org.term_start <= day) and (org.term_end is None or day <= org.term_end):
            return True
    return False


async def organisation_named(session: AsyncSession, kind: OrganisationKind, names: Iterable[str]) -> tuple[int, str] | None:
    """The first organisation of ``kind`` (lowest id) whose code equals one of ``names``
    (ignoring case) or whose name contains one of them, as ``(id, name)``; None when none does.
    Plugins use it to map a free-text department ("fire", "消防") onto a department organisation."""
    wanted = [n.strip() for n in names if n and n.strip()]
    if not wanted:
        return None
    matches = or_(*[func.lower(Organisation.code) == n.lower() for n in wanted], *[Organisation.name.contains(n) for n in wanted])
    row = (await session.execute(select(Organisation.id, Organisation.name).where(Organisation.kind == kind, matches).order_by(Organisation.id).limit(1))).first()
    return (row[0], row[1]) if row else None
