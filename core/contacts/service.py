"""Writing the people to reach: a resident's emergency contacts, an account's notification
addresses and the duty roster. Every function runs in a session of one street."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core import clock
from jiedao.core.contacts.models import MAX_CONTACTS, DutyShift, EmergencyContact, StaffAddress
from jiedao.core.contacts.phones import PHONE_RULE, normalise_phone
from jiedao.core.contacts.reasons import field_word, translatable_reason
from jiedao.core.contacts.validation import ContactEntry, contact_problems
from jiedao.core.errors import DomainError
from jiedao.core.identity.models import Grant, User
from jiedao.core.importfile import text_problem

BAD_INPUT = "BAD_INPUT"


def checked_contacts(entries: Sequence[ContactEntry], field: str = "contacts") -> list[ContactEntry]:
    """The entries cleaned, or ``DomainError(BAD_INPUT)`` naming the first bad one
    (``contacts[1].phone``) or the list when it has more than three."""
    if len(entries) > MAX_CONTACTS:
        raise DomainError("At most {most} emergency contacts ({given} given).", code=BAD_INPUT, field=field, most=MAX_CONTACTS, given=len(entries))
    cleaned = []
    for index, entry in enumerate(entries):
        entry, problems = contact_problems(entry)
        if problems:
            name, reason = problems[0]
            raise DomainError("Emergency contact {number}, {name}: {reason}.", code=BAD_INPUT, field=f"{field}[{index}].{name}", number=index + 1, name=field_word(name), reason=translatable_reason(reason))
        cleaned.append(entry)
    return cleaned


async def replace_emergency_contacts(session: AsyncSession, resident_id: int, entries: Sequence[ContactEntry], by: str) -> list[EmergencyContact]:
    """Replace the resident's emergency contacts by ``entries`` (already checked), in order."""
    await session.execute(delete(EmergencyContact).where(EmergencyContact.resident_id == resident_id))
    at = clock.now()
    rows = [
        EmergencyContact(resident_id=resident_id, position=position, name=e.name, relation=e.relation, phone=e.phone, updated_at=at, updated_by=by)
        for position, e in enumerate(entries, start=1)
    ]
    session.add_all(rows)
    await session.flush()
    return rows


async def holds_grant_in(session: AsyncSession, user_id: int, street_id: int) -> bool:
    """Whether the account holds any role in the street."""
    return await session.scalar(select(Grant.id).where(Grant.user_id == user_id, Grant.street_id == street_id).limit(1)) is not None


async def street_account(session: AsyncSession, username: str, street_id: int, field: str = "username") -> User:
    """The active account ``username`` holding a role in the street, or ``BAD_INPUT``/``NOT_FOUND`` naming ``field``."""
    user = await session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        raise DomainError("No account '{username}'.", code="NOT_FOUND", field=field, username=username)
    if not user.is_active or not await holds_grant_in(session, user.id, street_id):
        raise DomainError("'{username}' holds no role in this street.", code=BAD_INPUT, field=field, username=username)
    return user


def _address(value: str | None, field: str, limit: int = 100) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if reason := text_problem(value, limit):
        raise DomainError("{name}: {reason}.", code=BAD_INPUT, field=field, name=field_word(field), reason=translatable_reason(reason))
    return value


async def set_addresses(session: AsyncSession, user_id: int, *, phone: str | None, dingtalk: str | None, wecom: str | None) -> StaffAddress:
    """Replace the account's notification addresses (an empty or missing one is cleared)."""
    phone = _address(phone, "phone", 30)
    if phone is not None:
        normalised = normalise_phone(phone)
        if normalised is None:
            raise DomainError("'{phone}' is not {rule}.", code=BAD_INPUT, field="phone", phone=phone, rule=PHONE_RULE)
        phone = normalised
    address = await session.get(StaffAddress, user_id)
    if address is None:
        address = StaffAddress(user_id=user_id, updated_at=clock.now())
        session.add(address)
    address.phone = phone
    address.dingtalk_user_id = _address(dingtalk, "dingtalkUserId")
    address.wecom_user_id = _address(wecom, "wecomUserId")
    address.updated_at = clock.now()
    await session.flush()
    return address


async def schedule_duty(
    session: AsyncSession, user: User, community_id: int | None, starts_at: datetime, ends_at: datetime, created_by: int | None
) -> DutyShift:
    """Put ``user`` on duty for a community (or the street, ``community_id`` None) in ``[starts_at, ends_at)``."""
    if ends_at <= starts_at:
        raise DomainError("A shift ends after it starts.", code=BAD_INPUT, field="endsAt")
    shift = DutyShift(user_id=user.id, community_id=community_id, starts_at=starts_at, ends_at=ends_at, created_by=created_by)
    session.add(shift)
    await session.flush()
    return shift


async def cancel_duty(session: AsyncSession, shift_id: int) -> DutyShift:
    """Remove a shift from the roster; returns it as it was."""
    shift = await session.get(DutyShift, shift_id)
    if shift is None:
        raise DomainError("No such duty shift in this street.", code="NOT_FOUND", field="dutyShiftId")
    await session.delete(shift)
    await session.flush()
    return shift
