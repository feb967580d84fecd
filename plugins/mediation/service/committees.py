"""People's mediation committees (人民调解委员会, People's Mediation Law Art. 8-9, 34): the
organisation the studios work for, its members and offices, and its seal.

Only the committee's seal makes a written agreement (Art. 29): the member who keeps the seal
(``keeps_seal``; one per committee) seals in the committee's name. A studio's lead mediator or
street staff who do not keep the seal cannot.
"""

from __future__ import annotations

from enum import Enum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, registry
from jiedao.api.domain import identity
from jiedao.plugins.mediation.models import Committee, CommitteeMember, Studio
from jiedao.plugins.mediation.service.common import required, street_of


class Office(str, Enum):
    """A member's office in the committee (Art. 9: a director, deputy directors if needed, members)."""

    DIRECTOR = "director"
    DEPUTY_DIRECTOR = "deputy_director"
    MEMBER = "member"


async def create_committee(
    session: AsyncSession, name: str, seal_name: str = "", seal_number: str = "", community_id: int | None = None
) -> Committee:
    """A new committee; names are unique in the street; the seal reads its name unless told."""
    name = required(name, "name", "The committee's name is required.")
    if await session.scalar(select(Committee.id).where(Committee.name == name)):
        raise DomainError("A committee named '{name}' already exists.", code="DUPLICATE", field="name", name=name)
    if community_id is not None and await session.scalar(select(registry.Community.id).where(registry.Community.id == community_id)) is None:
        raise DomainError("No such community.", code="NOT_FOUND", field="communityId")
    committee = Committee(
        name=name, seal_name=(seal_name or "").strip() or name, seal_number=(seal_number or "").strip(), community_id=community_id, created_at=now()
    )
    session.add(committee)
    await session.flush()
    return committee


async def committee_of(session: AsyncSession, committee_id: int, field: str = "committeeId") -> Committee:
    """The committee ``committee_id``; ``NOT_FOUND`` on ``field`` otherwise."""
    committee = await session.scalar(select(Committee).where(Committee.id == committee_id))
    if committee is None:
        raise DomainError("No such mediation committee.", code="NOT_FOUND", field=field)
    return committee


async def set_seal(
    session: AsyncSession, committee_id: int, seal_name: str, seal_number: str, image_reference: str | None = None, image_type: str | None = None
) -> Committee:
    """Record the committee's seal: its text, its number, and (optionally) a stored image of it."""
    committee = await committee_of(session, committee_id)
    committee.seal_name = required(seal_name, "sealName", "The text of the seal is required.")
    committee.seal_number = (seal_number or "").strip()
    if image_reference is not None:
        committee.seal_image, committee.seal_image_type = image_reference, image_type or "image/png"
    await session.flush()
    return committee


async def add_committee_member(
    session: AsyncSession, committee_id: int, user_id: int, display_name: str, office: Office, keeps_seal: bool = False
) -> CommitteeMember:
    """Appoint a member (a user holding the mediator role here: members are people's mediators,
    Art. 13), or change their office; handing them the seal takes it from whoever kept it."""
    await committee_of(session, committee_id)
    is_mediator = await session.scalar(
        select(identity.Grant.id).where(identity.Grant.user_id == user_id, identity.Grant.street_id == street_of(session), identity.Grant.role == "mediator")
    )
    if not is_mediator:
        raise DomainError("Committee members are people's mediators: the user must hold the mediator role.", code="NOT_A_MEDIATOR", field="username")
    member = await session.scalar(select(CommitteeMember).where(CommitteeMember.committee_id == committee_id, CommitteeMember.user_id == user_id))
    if member is None:
        if not (display_name or "").strip():
            display_name = await session.scalar(select(identity.User.username).where(identity.User.id == user_id)) or "?"
        member = CommitteeMember(committee_id=committee_id, user_id=user_id, display_name=display_name.strip(), office=office.value, keeps_seal=False)
        session.add(member)
    member.office = office.value
    if keeps_seal:
        for other in await session.scalars(select(CommitteeMember).where(CommitteeMember.committee_id == committee_id, CommitteeMember.keeps_seal.is_(True))):
            other.keeps_seal = False
        member.keeps_seal = True
    await session.flush()
    return member


async def attach_studio(session: AsyncSession, studio_id: int, committee_id: int) -> Studio:
    """Make ``studio_id`` a studio of the committee ``committee_id``."""
    studio = await session.scalar(select(Studio).where(Studio.id == studio_id))
    if studio is None:
        raise DomainError("No such studio.", code="NOT_FOUND", field="studioId")
    await committee_of(session, committee_id)
    studio.committee_id = committee_id
    await session.flush()
    return studio


async def seal_keeper_of(session: AsyncSession, committee_id: int) -> int | None:
    """The user keeping the committee's seal, if anyone does."""
    return await session.scalar(
        select(CommitteeMember.user_id).where(CommitteeMember.committee_id == committee_id, CommitteeMember.keeps_seal.is_(True))
    )
