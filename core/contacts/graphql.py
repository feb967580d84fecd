"""GraphQL of the people to reach: ``Resident.emergencyContacts``, ``me.notificationAddresses``,
the duty roster (``dutyShifts``) and their mutations."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import select

from jiedao.core import clock
from jiedao.core import models as registry
from jiedao.core.contacts import service
from jiedao.core.contacts.models import DutyShift, EmergencyContact, StaffAddress
from jiedao.core.contacts.roles import ADDRESSES_MANAGE, CARE_WRITE, CONTACTS_WRITE, DUTY_MANAGE, DUTY_READ
from jiedao.core.contacts.validation import NAME_LIMIT, RELATION_LIMIT, ContactEntry
from jiedao.core.errors import DomainError
from jiedao.core.graphql import Community, Resident
from jiedao.core.identity.models import User
from jiedao.core.personal_data import mask_phone
from jiedao.core.runner import LOGGED_IN, Write, id_input, mutation, node_id, payload
from jiedao.schema.cost import list_bound
from jiedao.schema.loaders import by_id, children
from jiedao.schema.node import Node, node_type
from jiedao.schema.permissions import allow
from jiedao.schema.validation import MaxLength

PERSONAL_DATA = "jiedao.core.personal_data.read"
MAX_SHIFTS = 100


def shown_phone(info: strawberry.Info, phone: str | None, *, own: bool = False) -> str | None:
    """``phone`` in full for its owner and holders of the personal-data permission, else masked."""
    return phone if own or info.context.has_permission(PERSONAL_DATA) else mask_phone(phone)


@strawberry.type(name="EmergencyContact", description="A person to call when something happens at a resident's home.")
class EmergencyContactType:
    position: int = strawberry.field(description="1-3: the order in which contacts are called.")
    name: str = strawberry.field(description="The contact's name (联系人姓名).")
    relation: str = strawberry.field(description="女儿, 儿子, 邻居 …")
    updated_at: datetime = strawberry.field(description="When the contacts were last set (ISO 8601).")

    @strawberry.field(description="Masked (138****5678) unless your role needs the full number.")
    def phone(self, info: strawberry.Info) -> str:
        return shown_phone(info, self.phone)


@strawberry.type
class ResidentContacts:
    @strawberry.field(description="Up to three emergency contacts, in calling order (personal data: phones masked).", metadata=list_bound(3))
    async def emergency_contacts(self, info: strawberry.Info) -> list[EmergencyContactType]:
        return await children(info.context, EmergencyContact.resident_id, order_by=EmergencyContact.position).load(self.id)


@strawberry.type(name="NotificationAddresses", description="Where an account is notified.")
class NotificationAddressesType:
    username: str = strawberry.field(description="The account these addresses belong to.")
    dingtalk_user_id: str | None = strawberry.field(description="DingTalk (浙政钉) user id.")
    wecom_user_id: str | None = strawberry.field(description="WeCom (企业微信) user id.")
    _phone: strawberry.Private[str | None]
    _own: strawberry.Private[bool]

    @strawberry.field(description="Yours in full; another account's masked unless your role needs the full number.")
    def phone(self, info: strawberry.Info) -> str | None:
        return shown_phone(info, self._phone, own=self._own)


def addresses_of(username: str, address: StaffAddress | None, own: bool) -> NotificationAddressesType:
    """The GraphQL view of an account's addresses (all null when none were set)."""
    return NotificationAddressesType(
        username=username,
        dingtalk_user_id=address.dingtalk_user_id if address else None,
        wecom_user_id=address.wecom_user_id if address else None,
        _phone=address.phone if address else None,
        _own=own,
    )


@strawberry.type
class MeAddresses:
    @strawberry.field(description="Where you are notified (phone, DingTalk, WeCom); set with setNotificationAddresses.")
    async def notification_addresses(self, info: strawberry.Info) -> NotificationAddressesType:
        user = info.context.user
        address = await info.context.scalar(select(StaffAddress).where(StaffAddress.user_id == user.id))
        return addresses_of(user.username, address, own=True)


@node_type(DutyShift, read=DUTY_READ)
@strawberry.type(name="DutyShift", description="An account on duty for a community, or as the street's duty officer (community null).")
class DutyShiftType(Node):
    starts_at: datetime = strawberry.field(description="When the shift begins (ISO 8601, included).")
    ends_at: datetime = strawberry.field(description="Excluded: the shift is over at this instant.")

    @strawberry.field(description="The account on duty.")
    async def username(self, info: strawberry.Info) -> str:
        return (await by_id(info.context, User).load(self.user_id)).username

    @strawberry.field(description="Null: the street's duty officer.")
    async def community(self, info: strawberry.Info) -> Community | None:
        return None if self.community_id is None else await by_id(info.context, registry.Community).load(self.community_id)


@strawberry.type
class ContactsQuery:
    @strawberry.field(permission_classes=allow(DUTY_READ), description="The shifts on duty at ``at`` (default: now), street officers first.", metadata=list_bound(MAX_SHIFTS))
    async def duty_shifts(
        self,
        info: strawberry.Info,
        at: Annotated[datetime | None, strawberry.argument(description="The instant, with its time zone (ISO 8601, e.g. 2026-01-15T03:00:00+08:00); default: now.")] = None,
    ) -> list[DutyShiftType]:
        if at is not None and at.tzinfo is None:
            raise DomainError("Give the instant with its time zone (2026-01-15T03:00:00+08:00).", code="BAD_INPUT", field="at")
        at = at or clock.now()
        statement = (
            select(DutyShift)
            .where(DutyShift.starts_at <= at, DutyShift.ends_at > at)
            .order_by(DutyShift.community_id.is_not(None), DutyShift.community_id, DutyShift.starts_at, DutyShift.id)
            .limit(MAX_SHIFTS)
        )
        return await info.context.scalars(statement)


@strawberry.input(description="One emergency contact of a resident.")
class EmergencyContactInput:
    name: Annotated[str, MaxLength(NAME_LIMIT)] = strawberry.field(description="The contact's name (at most 50 characters).")
    relation: Annotated[str, MaxLength(RELATION_LIMIT)] = strawberry.field(description="女儿, 儿子, 邻居 …")
    phone: Annotated[str, MaxLength(30)] = strawberry.field(description="A mobile (13800001234) or a landline with its area code (0571-87001234).")


@strawberry.input(description="A resident's emergency contacts, replacing the ones before.")
class SetEmergencyContactsInput:
    resident_id: strawberry.ID = node_id("Resident", description="Global ID of the Resident.")
    contacts: list[EmergencyContactInput] = strawberry.field(description="0-3 contacts in calling order; replaces the list.")


@strawberry.input(description="Where an account is notified; every address replaces the one before (omitted or empty: cleared).")
class SetNotificationAddressesInput:
    username: Annotated[str | None, MaxLength(100)] = strawberry.field(default=None, description="Another account of this street (street_admin); omitted: yourself.")
    phone: Annotated[str | None, MaxLength(30)] = strawberry.field(default=None, description="A mobile (13800001234) or a landline with its area code; omitted or empty: cleared.")
    dingtalk_user_id: Annotated[str | None, MaxLength(100)] = strawberry.field(default=None, description="DingTalk (浙政钉) user id.")
    wecom_user_id: Annotated[str | None, MaxLength(100)] = strawberry.field(default=None, description="WeCom (企业微信) user id.")


@strawberry.input(description="A duty shift (值班) to put on the roster.")
class ScheduleDutyInput:
    username: Annotated[str, MaxLength(100)] = strawberry.field(description="An account holding a role in this street.")
    starts_at: datetime = strawberry.field(description="When the shift begins (ISO 8601 with time zone, included).")
    ends_at: datetime = strawberry.field(description="When the shift is over (ISO 8601 with time zone, excluded); after startsAt.")
    community_id: strawberry.ID | None = node_id("Community", default=None, description="Omitted: the street's duty officer.")


@strawberry.input(description="What a responder must know about a resident; only the fields given change.")
class SetCareNeedsInput:
    resident_id: strawberry.ID = node_id("Resident", description="Global ID of the Resident.")
    lives_alone: bool | None = strawberry.field(default=None, description="Omitted: unchanged.")
    disabled: bool | None = strawberry.field(default=None, description="Registered with a disability (残疾). Omitted: unchanged.")
    bedridden: bool | None = strawberry.field(default=None, description="Bedridden (卧床/失能). Omitted: unchanged.")
    elderly: bool | None = strawberry.field(default=None, description="Only for a resident without a birth year (otherwise the age decides). Omitted: unchanged.")


DutyShiftIdInput = id_input("DutyShift")
EmergencyContactsPayload = payload("EmergencyContactsPayload", "The resident with their new emergency contacts.", resident=Resident)
NotificationAddressesPayload = payload("NotificationAddressesPayload", "The account's addresses as now stored.", addresses=NotificationAddressesType)
CareNeedsPayload = payload("CareNeedsPayload", "The resident with their care needs as now recorded.", resident=Resident)
DutyShiftPayload = payload("DutyShiftPayload", "The shift scheduled or cancelled.", duty_shift=DutyShiftType)


@strawberry.type
class ContactsMutation:
    @mutation(EmergencyContactsPayload, permission=CONTACTS_WRITE, audit="core.resident.contacts.set")
    async def set_emergency_contacts(w: Write, input: SetEmergencyContactsInput):
        """Replace a resident's emergency contacts (at most three, in calling order)."""
        entries = service.checked_contacts([ContactEntry(c.name, c.relation, c.phone) for c in input.contacts])
        await service.replace_emergency_contacts(w.session, input.resident_id, entries, w.user.username)
        w.audit(contacts=len(entries), relations=[e.relation for e in entries])
        return await w.session.get(registry.Resident, input.resident_id)

    @mutation(CareNeedsPayload, permission=CARE_WRITE, audit="core.resident.care.set")
    async def set_care_needs(w: Write, input: SetCareNeedsInput):
        """Record what a responder must know about a resident: living alone, disabled, bedridden."""
        resident = await w.session.get(registry.Resident, input.resident_id)
        changes = {name: value for name in ("lives_alone", "disabled", "bedridden", "elderly") if (value := getattr(input, name)) is not None}
        if "elderly" in changes and resident.birth_year is not None:
            raise DomainError("The resident's birth year decides whether they are elderly.", code="INVALID", field="elderly")
        for name, value in changes.items():
            setattr(resident, name, value)
        w.audit(**changes)
        return resident

    @mutation(NotificationAddressesPayload, permission=LOGGED_IN, audit="core.staff.addresses.set")
    async def set_notification_addresses(w: Write, input: SetNotificationAddressesInput):
        """Set where an account is notified: your own, or (street_admin) an account of this street."""
        user = w.user
        if input.username is not None and input.username.strip() != user.username:
            if not w.ctx.has_permission(ADDRESSES_MANAGE):
                raise DomainError("You may set only your own notification addresses.", code="FORBIDDEN", field="username")
            user = await service.street_account(w.session, input.username, w.street_id)
        address = await service.set_addresses(w.session, user.id, phone=input.phone, dingtalk=input.dingtalk_user_id, wecom=input.wecom_user_id)
        w.audit(target=user.username, phone=mask_phone(address.phone), dingtalk=bool(address.dingtalk_user_id), wecom=bool(address.wecom_user_id))
        return addresses_of(user.username, address, own=user.id == w.user.id)

    @mutation(DutyShiftPayload, permission=DUTY_MANAGE, audit="core.duty.scheduled")
    async def schedule_duty(w: Write, input: ScheduleDutyInput):
        """Put an account on duty for a community, or as the street's duty officer."""
        user = await service.street_account(w.session, input.username, w.street_id)
        w.audit(account=user.username)
        return await service.schedule_duty(w.session, user, input.community_id, input.starts_at, input.ends_at, w.user.id)

    @mutation(DutyShiftPayload, permission=DUTY_MANAGE, audit="core.duty.cancelled")
    async def cancel_duty(w: Write, input: DutyShiftIdInput):
        """Remove a shift from the roster."""
        return await service.cancel_duty(w.session, input.duty_shift_id)


CONTACT_TYPES = (EmergencyContactType, NotificationAddressesType, DutyShiftType)
