"""Writing organisations, their members and places: the rules, for GraphQL and the importers.

Every function works on a session of one street and raises ``DomainError`` naming the input
field at fault. What makes sense depends on the kind (``check_shape``): a residents'
committee has a community, an owners' committee a compound (and may have a term and a
filing date), only a party organisation has a party level and covers buildings, only a
property-management company serves compounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.errors import DomainError
from jiedao.core.identity import service as identity
from jiedao.core.identity.models import Grant, User
from jiedao.core.identity.roles import ORGANISATION_MEMBER
from jiedao.core.models import Compound, Street
from jiedao.core.organisations.access import membership_current
from jiedao.core.organisations.models import CoveredBuilding, Membership, Organisation, OrganisationKind, PartyLevel, ServedCompound
from jiedao.core.organisations.roles import ORGANISATION_ROLES

K = OrganisationKind


@dataclass
class OrganisationData:
    """What describes an organisation, apart from its code and kind."""

    name: str
    community_id: int | None = None
    compound_id: int | None = None
    parent_id: int | None = None
    party_level: PartyLevel | None = None
    term_start: date | None = None
    term_end: date | None = None
    filed_on: date | None = None
    phone: str | None = None


def check_shape(kind: OrganisationKind, data: OrganisationData, field_names: dict[str, str] | None = None) -> None:
    """Refuse data that does not fit the kind of organisation (field names may be mapped for
    the caller: ``{"compound_id": "compound"}`` for a CSV column)."""
    names = {"name": "name", "community_id": "communityId", "compound_id": "compoundId", "party_level": "partyLevel",
             "term_start": "termStart", "term_end": "termEnd", "filed_on": "filedOn", **(field_names or {})}
    if not data.name.strip():
        raise DomainError("An organisation needs a name.", code="BAD_INPUT", field=names["name"])
    if kind is K.RESIDENTS_COMMITTEE and data.community_id is None:
        raise DomainError("A residents' committee (居委会) belongs to a community.", code="BAD_INPUT", field=names["community_id"])
    if kind is K.OWNERS_COMMITTEE and data.compound_id is None:
        raise DomainError("An owners' committee (业委会) belongs to a compound.", code="BAD_INPUT", field=names["compound_id"])
    if kind is K.PARTY_ORGANISATION and data.party_level is None:
        raise DomainError("A party organisation has a level: committee, general branch, branch or building branch.", code="BAD_INPUT", field=names["party_level"])
    if kind is not K.PARTY_ORGANISATION and data.party_level is not None:
        raise DomainError("Only a party organisation has a party level.", code="BAD_INPUT", field=names["party_level"])
    if kind is not K.OWNERS_COMMITTEE:
        for attribute in ("term_start", "term_end", "filed_on"):
            if getattr(data, attribute) is not None:
                raise DomainError("Only an owners' committee (业委会) has a term and a filing date.", code="BAD_INPUT", field=names[attribute])
    if data.term_start and data.term_end and data.term_end <= data.term_start:
        raise DomainError("The term ends after it starts.", code="BAD_INPUT", field=names["term_end"])


async def _place_community(session: AsyncSession, data: OrganisationData, field: str) -> None:
    """Take the community from the compound; refuse a compound of another community."""
    if data.compound_id is None:
        return
    community_id = await session.scalar(select(Compound.community_id).where(Compound.id == data.compound_id))
    if data.community_id is not None and data.community_id != community_id:
        raise DomainError("The compound is not in that community.", code="BAD_INPUT", field=field)
    data.community_id = community_id


async def _check_parent(session: AsyncSession, org_id: int | None, parent_id: int | None, field: str) -> None:
    """Refuse a parent that is the organisation itself or one of its descendants."""
    seen = set()
    current = parent_id
    while current is not None and current not in seen:
        if current == org_id:
            raise DomainError("An organisation cannot be its own parent, nor the parent of its parent.", code="BAD_INPUT", field=field)
        seen.add(current)
        current = await session.scalar(select(Organisation.parent_id).where(Organisation.id == current))


async def create_organisation(session: AsyncSession, code: str, kind: OrganisationKind, data: OrganisationData) -> Organisation:
    """A new organisation with a code unique in the street."""
    code = code.strip()
    if not code:
        raise DomainError("An organisation needs a code (its reference in CSV imports).", code="BAD_INPUT", field="code")
    await _place_community(session, data, "compoundId")
    check_shape(kind, data)
    if await session.scalar(select(Organisation.id).where(Organisation.code == code)) is not None:
        raise DomainError("An organisation with the code '{organisation_code}' already exists in this street.", code="DUPLICATE", field="code", organisation_code=code)
    organisation = Organisation(code=code, kind=kind, **vars(data))
    session.add(organisation)
    await session.flush()
    return organisation


async def update_organisation(session: AsyncSession, org_id: int, changes: dict) -> Organisation:
    """Change some of an organisation's data (``changes``: attributes of ``OrganisationData``)."""
    organisation = await session.get(Organisation, org_id)
    if organisation is None:
        raise DomainError("No such organisation in this street.", code="NOT_FOUND", field="id")
    data = OrganisationData(**{a: changes.get(a, getattr(organisation, a)) for a in OrganisationData.__dataclass_fields__})
    if changes.get("compound_id") is not None and "community_id" not in changes:
        data.community_id = None  # taken from the new compound
    await _place_community(session, data, "compoundId")
    check_shape(organisation.kind, data)
    await _check_parent(session, organisation.id, data.parent_id, "parentId")
    for attribute, value in vars(data).items():
        setattr(organisation, attribute, value)
    await session.flush()
    return organisation


async def _street_of(session: AsyncSession) -> Street:
    return await session.get(Street, session.info["street_id"])


async def add_membership(
    session: AsyncSession,
    org_id: int,
    *,
    resident_id: int | None = None,
    username: str | None = None,
    office: str = "",
    role: str | None = None,
    started_on: date | None = None,
    actor: str = "cli",
) -> Membership:
    """A person joins an organisation with an office; naming an account (``username``) lets it
    act for the organisation with ``role`` (one of ``ORGANISATION_ROLES``), and gives it the
    street role ``organisation_member`` so that it can log in. A membership that ended is
    resumed; a current one is refused as a duplicate."""
    if resident_id is None and not username:
        raise DomainError("Name the member: a resident, an account, or both.", code="BAD_INPUT", field="residentId")
    if role is not None and role not in ORGANISATION_ROLES:
        raise DomainError("Unknown role '{role}'; roles: {roles}.", code="BAD_INPUT", field="role", role=role, roles=", ".join(ORGANISATION_ROLES))
    if username and role is None:
        raise DomainError("An account acts for the organisation with a role; give one.", code="BAD_INPUT", field="role")
    if role is not None and not username:
        raise DomainError("A role is held by an account; give its username.", code="BAD_INPUT", field="username")
    if len(office) > 50:
        raise DomainError("An office has at most 50 characters.", code="BAD_INPUT", field="office")
    user = None
    if username:
        user = await session.scalar(select(User).where(User.username == username))
        if user is None:
            raise DomainError("No account '{username}'.", code="NOT_FOUND", field="username", username=username)
    same = select(Membership).where(
        Membership.organisation_id == org_id,
        Membership.resident_id.is_(None) if resident_id is None else Membership.resident_id == resident_id,
        Membership.user_id.is_(None) if user is None else Membership.user_id == user.id,
    )
    membership = await session.scalar(same)
    if membership is not None and (await session.scalar(same.where(membership_current()))) is not None:
        raise DomainError("This person is already a member of the organisation; end that membership first.", code="DUPLICATE", field="residentId" if resident_id else "username")
    if membership is None:
        membership = Membership(organisation_id=org_id, resident_id=resident_id, user_id=user.id if user else None)
        session.add(membership)
    membership.office, membership.role, membership.ended_on = office, role, None
    membership.started_on = started_on or clock.today()
    await session.flush()
    if user is not None:
        street = await _street_of(session)
        held = await session.scalar(select(Grant.id).where(Grant.user_id == user.id, Grant.street_id == street.id, Grant.role == ORGANISATION_MEMBER))
        if held is None:
            await identity.grant(session, user, street, ORGANISATION_MEMBER, actor=actor)
    return membership


async def end_membership(session: AsyncSession, membership_id: int, ended_on: date | None = None) -> Membership:
    """End a membership (today by default): its account no longer acts for the organisation."""
    membership = await session.get(Membership, membership_id)
    if membership is None:
        raise DomainError("No such membership in this street.", code="NOT_FOUND", field="membershipId")
    if membership.ended_on is not None and membership.ended_on <= clock.today():
        raise DomainError("This membership has already ended.", code="INVALID_STATE", field="membershipId")
    day = ended_on or clock.today()
    if membership.started_on is not None and day < membership.started_on:
        raise DomainError("A membership ends after it starts.", code="BAD_INPUT", field="endedOn")
    membership.ended_on = day
    await session.flush()
    return membership


@dataclass
class Contract:
    """A compound served under a contract for a period."""

    compound_id: int
    start: date | None = None
    end: date | None = None


async def set_served_compounds(session: AsyncSession, org_id: int, contracts: list[Contract]) -> None:
    """Replace the compounds a property-management company (物业) serves."""
    organisation = await session.get(Organisation, org_id)
    if organisation is None:
        raise DomainError("No such organisation in this street.", code="NOT_FOUND", field="organisationId")
    if organisation.kind is not K.PROPERTY_MANAGER and contracts:
        raise DomainError("Only a property-management company (物业) serves compounds.", code="BAD_INPUT", field="organisationId")
    seen: set[int] = set()
    for index, contract in enumerate(contracts):
        if contract.compound_id in seen:
            raise DomainError("The same compound is listed twice.", code="BAD_INPUT", field=f"compounds[{index}].compoundId")
        seen.add(contract.compound_id)
        if contract.start and contract.end and contract.end < contract.start:
            raise DomainError("The contract ends after it starts.", code="BAD_INPUT", field=f"compounds[{index}].contractEnd")
    await session.execute(delete(ServedCompound).where(ServedCompound.organisation_id == org_id))
    session.add_all([ServedCompound(organisation_id=org_id, compound_id=c.compound_id, contract_start=c.start, contract_end=c.end) for c in contracts])
    await session.flush()


async def set_covered_buildings(session: AsyncSession, org_id: int, building_ids: list[int]) -> None:
    """Replace the buildings a party organisation covers (a 楼道党支部 its building)."""
    organisation = await session.get(Organisation, org_id)
    if organisation is None:
        raise DomainError("No such organisation in this street.", code="NOT_FOUND", field="organisationId")
    if organisation.kind is not K.PARTY_ORGANISATION and building_ids:
        raise DomainError("Only a party organisation covers buildings.", code="BAD_INPUT", field="organisationId")
    await session.execute(delete(CoveredBuilding).where(CoveredBuilding.organisation_id == org_id))
    session.add_all([CoveredBuilding(organisation_id=org_id, building_id=b) for b in dict.fromkeys(building_ids)])
    await session.flush()
