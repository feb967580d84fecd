"""People's mediation studios (调解工作室) and their mediators."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now
from jiedao.api.domain import identity
from jiedao.plugins.mediation.models import Committee, Studio, StudioMember
from jiedao.plugins.mediation.service.common import required, street_of

async def create_studio(
    session: AsyncSession, name: str, description: str = "", community_id: int | None = None, committee_id: int | None = None
) -> Studio:
    """A new studio (of a committee, whose seal its agreements need); names are unique in the street."""
    name = required(name, "name", "The studio's name is required.")
    if await session.scalar(select(Studio.id).where(Studio.name == name)):
        raise DomainError("A studio named '{name}' already exists.", code="DUPLICATE", field="name", name=name)
    if committee_id is not None and await session.scalar(select(Committee.id).where(Committee.id == committee_id)) is None:
        raise DomainError("No such mediation committee.", code="NOT_FOUND", field="committeeId")
    studio = Studio(name=name, description=description, community_id=community_id, committee_id=committee_id, created_at=now())
    session.add(studio)
    await session.flush()
    return studio


async def add_member(session: AsyncSession, studio_id: int, user_id: int, display_name: str, lead: bool = False) -> StudioMember:
    """Add a mediator to a studio; the user must hold the mediator role in this street.

    Making a member the lead makes the previous lead an ordinary member.
    """
    studio = await session.scalar(select(Studio).where(Studio.id == studio_id))
    if studio is None:
        raise DomainError("No such studio.", code="NOT_FOUND", field="studioId")
    is_mediator = await session.scalar(
        select(identity.Grant.id).where(identity.Grant.user_id == user_id, identity.Grant.street_id == street_of(session), identity.Grant.role == "mediator")
    )
    if not is_mediator:
        raise DomainError("Only users holding the mediator role in this street can join a studio.", code="NOT_A_MEDIATOR", field="userId")
    member = await session.scalar(select(StudioMember).where(StudioMember.studio_id == studio_id, StudioMember.user_id == user_id))
    if member is None:
        if not (display_name or "").strip():
            display_name = await session.scalar(select(identity.User.username).where(identity.User.id == user_id)) or "?"
        member = StudioMember(studio_id=studio_id, user_id=user_id, display_name=display_name.strip())
        session.add(member)
    if lead:
        for other in await session.scalars(select(StudioMember).where(StudioMember.studio_id == studio_id, StudioMember.is_lead.is_(True))):
            other.is_lead = False
        member.is_lead = True
    await session.flush()
    return member


async def user_id_of(session: AsyncSession, username: str, field: str = "username") -> int:
    """The id of the account named ``username``; ``NOT_FOUND`` on ``field`` otherwise."""
    user_id = await session.scalar(select(identity.User.id).where(identity.User.username == username))
    if user_id is None:
        raise DomainError("No user named '{username}'.", code="NOT_FOUND", field=field, username=username)
    return user_id
