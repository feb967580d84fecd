"""Who reads which notices, and where a publisher may publish.

Reading: holders of ``core.notices.read`` (staff) see every notice of the street, withdrawn
and expired ones included. Anyone else sees only notices in force (inside their period, not
withdrawn): a caller holding a role in the street sees the street-wide ones, and a resident
also those of every community, compound and building where they have a home (a unit they
own, or their household's unit). An anonymous caller sees the street-wide ones only when the
street sets ``public_notices = true``, and never narrower ones.

Publishing (``core.notices.publish``): street and platform administrators publish anywhere in
the street; any other holder (a community worker) only inside the communities whose
residents' committee (社区居委会) they act for through a current membership, and never
street-wide.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from sqlalchemy import and_, false, or_, select, true, union
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from jiedao.core import clock
from jiedao.core import models as registry
from jiedao.core.errors import DomainError
from jiedao.core.identity.roles import ALL_PERMISSION_ROLES
from jiedao.core.notices.models import Notice, NoticeScope
from jiedao.core.notices.places import Place
from jiedao.core.organisations.models import Membership, Organisation, OrganisationKind

READ = "core.notices.read"
PUBLISH = "core.notices.publish"


def in_force(at: datetime) -> ColumnElement[bool]:
    """Notices shown at ``at``: not withdrawn, started, not yet ended."""
    return and_(Notice.withdrawn_at.is_(None), Notice.valid_from <= at, or_(Notice.valid_until.is_(None), Notice.valid_until > at))


def home_units(resident_id: int):
    """The units where ``resident_id`` has a home: those they own and their household's."""
    owned = select(registry.Ownership.unit_id).where(registry.Ownership.resident_id == resident_id)
    lived_in = (
        select(registry.Household.unit_id)
        .join(registry.Resident, registry.Resident.household_id == registry.Household.id)
        .where(registry.Resident.id == resident_id, registry.Household.unit_id.is_not(None))
    )
    return union(owned, lived_in)


def reaches_home(resident_id: int) -> ColumnElement[bool]:
    """Notices whose place contains one of the resident's homes (street-wide ones excepted)."""
    buildings = select(registry.Unit.building_id).where(registry.Unit.id.in_(home_units(resident_id)))
    compounds = select(registry.Building.compound_id).where(registry.Building.id.in_(buildings))
    communities = select(registry.Compound.community_id).where(registry.Compound.id.in_(compounds))
    return or_(
        and_(Notice.scope == NoticeScope.BUILDING, Notice.building_id.in_(buildings)),
        and_(Notice.scope == NoticeScope.COMPOUND, Notice.compound_id.in_(compounds)),
        and_(Notice.scope == NoticeScope.COMMUNITY, Notice.community_id.in_(communities)),
    )


def visible_notices(ctx) -> ColumnElement[bool]:
    """The SQL condition on ``Notice`` selecting what the caller may read (module docstring)."""
    if ctx.has_permission(READ):
        return true()
    street_wide = Notice.scope == NoticeScope.STREET
    if ctx.user is None or not ctx.roles:
        if ctx.user is None and ctx.kernel.config.streets[ctx.street].core.public_notices:
            return and_(street_wide, in_force(clock.now()))
        return false()
    resident_id = ctx.user.resident_id
    return and_(street_wide if resident_id is None else resident_reach(resident_id), in_force(clock.now()))


@lru_cache(maxsize=1024)
def resident_reach(resident_id: int) -> ColumnElement[bool]:
    """Notices reaching the resident: street-wide ones and those of their homes' places.

    Built once per resident and kept: it depends on the id alone (the homes are read when the
    statement runs, so it never goes stale). Building its three nested selects anew was about
    a seventh of the CPU of a resident's notice list (cProfile). About 10 KB each: the last
    1,024 residents' are kept (at most ~11 MB per process)."""
    return or_(Notice.scope == NoticeScope.STREET, reaches_home(resident_id))


async def acting_communities(session: AsyncSession, user_id: int) -> set[int]:
    """The communities whose residents' committee ``user_id`` acts for (current memberships)."""
    today = clock.today()
    rows = await session.scalars(
        select(Organisation.community_id)
        .join(Membership, Membership.organisation_id == Organisation.id)
        .where(
            Membership.user_id == user_id,
            Organisation.kind == OrganisationKind.RESIDENTS_COMMITTEE,
            Organisation.community_id.is_not(None),
            or_(Membership.started_on.is_(None), Membership.started_on <= today),
            or_(Membership.ended_on.is_(None), Membership.ended_on >= today),
        )
    )
    return set(rows)


async def check_may_publish(session: AsyncSession, user, roles: frozenset[str], place: Place, field: str) -> None:
    """Refuse (``FORBIDDEN`` naming ``field``) a place outside the caller's publishing area."""
    if roles & set(ALL_PERMISSION_ROLES):
        return
    if place.scope == NoticeScope.STREET:
        raise DomainError("Street-wide notices are published by the street's administrators; choose your community or a place in it.", code="FORBIDDEN", field=field)
    communities = await acting_communities(session, user.id)
    if place.community_id not in communities:
        raise DomainError(
            "You publish only inside the communities whose residents' committee you act for; this place is in another community.",
            code="FORBIDDEN", field=field,
        )
