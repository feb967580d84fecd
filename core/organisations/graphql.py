"""GraphQL of organisations: the ``Organisation`` node, its members and places, the
``organisations`` list, ``me.organisations`` and the street admin's mutations.

Who reads what: holders of ``core.registry.read`` read every organisation of the street; an
account that acts for an organisation (a current membership naming it) reads that one, with
its members and places, through ``me.organisations`` and ``node(id:)``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

import strawberry
from sqlalchemy import false, select, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.core import clock
from jiedao.core import models as registry
from jiedao.core.errors import DomainError
from jiedao.core.graphql import REGISTRY, Building, Community, Compound, Resident
from jiedao.core.identity.models import User
from jiedao.core.organisations import service
from jiedao.core.organisations.access import acted_for_ids, membership_current
from jiedao.core.organisations.models import CoveredBuilding, Membership, Organisation, OrganisationKind, PartyLevel, ServedCompound
from jiedao.core.organisations.roles import permissions_of
from jiedao.core.personal_data import mask_phone
from jiedao.core.runner import Write, mutation, node_id, payload
from jiedao.schema.connection import AFTER_HELP, FIRST_HELP, Connection, read_page
from jiedao.schema.context import Context
from jiedao.schema.cost import list_bound
from jiedao.schema.enum_docs import described_enum
from jiedao.schema.loaders import by_id, children, linked, through
from jiedao.schema.node import PUBLIC, Node, node_type
from jiedao.schema.permissions import allow
from jiedao.schema.validation import MaxLength

MANAGE = "core.organisations.manage"
PERSONAL_DATA = "jiedao.core.personal_data.read"

OrganisationKindEnum = described_enum(
    OrganisationKind,
    "OrganisationKind",
    "What an organisation is: 社区居委会, 业主委员会, 物业服务企业, 党组织, a government department, a volunteer team.",
    {
        "RESIDENTS_COMMITTEE": "社区居委会 (residents' committee) of a community.",
        "OWNERS_COMMITTEE": "业主委员会 (owners' committee) of a compound, with a term and its filing (备案).",
        "PROPERTY_MANAGER": "物业服务企业 (property-management company), serving compounds under contracts.",
        "PARTY_ORGANISATION": "党组织 (Communist Party organisation): 党委, 党总支, 党支部 or 楼道党支部 (see PartyLevel).",
        "DEPARTMENT": "A government department (职能部门), e.g. 城管, 市场监管, 消防, 派出所, 住建.",
        "VOLUNTEER_TEAM": "志愿服务队 (volunteer team).",
    },
)
PartyLevelEnum = described_enum(
    PartyLevel,
    "PartyLevel",
    "The level of a party organisation: 党委, 党总支, 党支部, 楼道党支部.",
    {
        "COMMITTEE": "党委 (party committee).",
        "GENERAL_BRANCH": "党总支 (general party branch).",
        "BRANCH": "党支部 (party branch).",
        "BUILDING_BRANCH": "楼道党支部 (building party branch), covering buildings.",
    },
)


def visible_organisations(ctx: Context) -> ColumnElement[bool]:
    """Every organisation with ``core.registry.read``; else those the caller acts for today."""
    if ctx.has_permission(REGISTRY):
        return true()
    return false() if ctx.user is None else Organisation.id.in_(acted_for_ids(ctx.user.id))


def visible_memberships(ctx: Context) -> ColumnElement[bool]:
    """The memberships of the organisations the caller may see."""
    if ctx.has_permission(REGISTRY):
        return true()
    return false() if ctx.user is None else Membership.organisation_id.in_(acted_for_ids(ctx.user.id))


def in_force(membership: Membership) -> bool:
    """Whether ``membership`` is in force today (as ``access.membership_current`` says in SQL)."""
    day = clock.today()
    return (membership.started_on is None or membership.started_on <= day) and (membership.ended_on is None or day < membership.ended_on)


@strawberry.type(name="ServedCompound", description="A compound a property-management company serves, and its contract's period.")
class ServedCompoundType:
    contract_start: date | None = strawberry.field(description="The first day of the service contract (ISO 8601 date); null when not recorded.")
    contract_end: date | None = strawberry.field(description="The last day of the service contract (ISO 8601 date); null when open-ended.")

    compound = linked(registry.Compound, "compound_id", Compound, nullable=False, description="The compound (小区) served.")

    @strawberry.field(description="Whether the contract is in force today.")
    def current(self) -> bool:
        day = clock.today()
        return (self.contract_start is None or self.contract_start <= day) and (self.contract_end is None or day <= self.contract_end)


@node_type(Membership, read=PUBLIC, visible=visible_memberships)
@strawberry.type(name="Membership", description="A person's place in an organisation: their office and, for an account, its role there.")
class MembershipType(Node):
    office: str = strawberry.field(description="The person's office (职务), e.g. 主任, 副主任, 委员, 经理; empty when none.")
    role: str | None = strawberry.field(description="The role the account acts with (org_admin, org_staff, org_member); null without an account.")
    started_on: date | None = strawberry.field(description="The first day of the membership (ISO 8601 date); null when not recorded.")
    ended_on: date | None = strawberry.field(description="The day the membership ended: from that day it is no longer in force; null while it lasts.")

    @strawberry.field(description="Whether the membership is in force today.")
    def current(self) -> bool:
        return in_force(self)

    resident = linked(registry.Resident, "resident_id", Resident, description="The person, if recorded in the registry.")

    @strawberry.field(description="The account acting for the organisation (its username): shown to organisation managers and to the account itself.")
    async def account(self, info: strawberry.Info) -> str | None:
        ctx = info.context
        if self.user_id is None or not (ctx.has_permission(MANAGE) or (ctx.user is not None and ctx.user.id == self.user_id)):
            return None
        user = await by_id(ctx, User).load(self.user_id)
        return user.username if user else None

    organisation = linked(
        Organisation, "organisation_id", Annotated["OrganisationType", strawberry.lazy("jiedao.core.organisations.graphql")], nullable=False, description="The organisation of the membership."
    )


@node_type(Organisation, read=PUBLIC, visible=visible_organisations)
@strawberry.type(name="Organisation", description="An organisation of the street: 居委会, 业委会, 物业, 党组织, a department, a volunteer team.")
class OrganisationType(Node):
    code: str = strawberry.field(description="Its stable reference in CSV imports.")
    kind: OrganisationKindEnum = strawberry.field(description="What the organisation is (居委会, 业委会, 物业 …).")
    name: str = strawberry.field(description="The organisation's name, e.g. 某某社区居民委员会.")
    party_level: PartyLevelEnum | None = strawberry.field(description="For a party organisation.")
    term_start: date | None = strawberry.field(description="For an owners' committee: the first day of its term.")
    term_end: date | None = strawberry.field(description="For an owners' committee: the last day of its term.")
    filed_on: date | None = strawberry.field(description="For an owners' committee: when it was filed (备案) with the street.")

    @strawberry.field(description="Masked (138****5678) unless your role needs the full number.")
    def phone(self, info: strawberry.Info) -> str | None:
        return self.phone if info.context.has_permission(PERSONAL_DATA) else mask_phone(self.phone)

    @strawberry.field(description="The community (社区) it belongs to: a residents' committee's own, else taken from its compound; null when it has none.")
    async def community(self, info: strawberry.Info) -> Community | None:
        return None if self.community_id is None else await by_id(info.context, registry.Community).load(self.community_id)

    @strawberry.field(description="For an owners' committee: its compound.")
    async def compound(self, info: strawberry.Info) -> Compound | None:
        return None if self.compound_id is None else await by_id(info.context, registry.Compound).load(self.compound_id)

    @strawberry.field(description="The organisation it belongs to (a branch's party committee).")
    async def parent(self, info: strawberry.Info) -> OrganisationType | None:
        return None if self.parent_id is None else await by_id(info.context, Organisation).load(self.parent_id)

    @strawberry.field(description="For a property-management company: the compounds it serves.", metadata=list_bound(50))
    async def served_compounds(self, info: strawberry.Info) -> list[ServedCompoundType]:
        return await children(info.context, ServedCompound.organisation_id).load(self.id)

    @strawberry.field(description="For a party organisation: the buildings it covers.", metadata=list_bound(100))
    async def covered_buildings(self, info: strawberry.Info) -> list[Building]:
        return await through(info.context, CoveredBuilding.organisation_id, CoveredBuilding.building_id, registry.Building).load(self.id)

    @strawberry.field(description="Its members with their offices; those whose membership ended only with includeEnded.", metadata=list_bound(100))
    async def members(
        self, info: strawberry.Info, include_ended: Annotated[bool, strawberry.argument(description="Also the memberships that have ended (or not yet started).")] = False
    ) -> list[MembershipType]:
        rows = await children(info.context, Membership.organisation_id).load(self.id)
        return rows if include_ended else [m for m in rows if in_force(m)]


@strawberry.type(description="An organisation the caller acts for, with the role of their membership and what it allows there.")
class ActingFor:
    role: str | None = strawberry.field(description="The role the caller's account acts with there (org_admin, org_staff, org_member); null when the membership names none.")
    office: str = strawberry.field(description="The caller's office (职务) there, e.g. 主任; empty when none.")
    permissions: list[str] = strawberry.field(description="Organisation permissions (org.read, org.work.handle …), valid only for this organisation.")
    organisation: OrganisationType = strawberry.field(description="The organisation acted for.")


async def acting_for(ctx: Context) -> list[ActingFor]:
    """What the caller acts for today, in one statement."""
    if ctx.user is None:
        return []
    rows = (
        await ctx.execute(
            select(Membership, Organisation)
            .join(Organisation, Organisation.id == Membership.organisation_id)
            .where(Membership.user_id == ctx.user.id, membership_current())
            .order_by(Membership.organisation_id, Membership.id)
        )
    ).all()
    return [ActingFor(role=m.role, office=m.office or "", permissions=sorted(permissions_of(m.role, o.kind)), organisation=o) for m, o in rows]


@strawberry.type
class OrganisationQuery:
    @strawberry.field(permission_classes=allow(REGISTRY), description="The street's organisations, optionally of one kind.")
    async def organisations(
        self,
        info: strawberry.Info,
        first: Annotated[int | None, strawberry.argument(description=FIRST_HELP)] = None,
        after: Annotated[str | None, strawberry.argument(description=AFTER_HELP)] = None,
        kind: Annotated[OrganisationKindEnum | None, strawberry.argument(description="Only the organisations of this kind.")] = None,
    ) -> Connection[OrganisationType]:
        statement = select(Organisation)
        if kind is not None:
            statement = statement.where(Organisation.kind == kind)
        return await read_page(info, statement, first, after, plain=True)


OrganisationPayload = payload("OrganisationPayload", organisation=OrganisationType)
MembershipPayload = payload("MembershipPayload", membership=MembershipType)

Name = Annotated[str, MaxLength(200)]
Code = Annotated[str, MaxLength(100)]
Phone = Annotated[str, MaxLength(30)]


@strawberry.input(description="A new organisation of the street.")
class CreateOrganisationInput:
    code: Code = strawberry.field(description="Its stable reference in CSV imports, unique in the street.")
    kind: OrganisationKindEnum = strawberry.field(description="What the organisation is.")
    name: Name = strawberry.field(description="The organisation's name (at most 200 characters).")
    community_id: strawberry.ID | None = node_id("Community", default=None, description="Required for a residents' committee; taken from the compound otherwise.")
    compound_id: strawberry.ID | None = node_id("Compound", default=None, description="Required for an owners' committee.")
    parent_id: strawberry.ID | None = node_id("Organisation", default=None, description="The organisation it belongs to (e.g. a branch's party committee).")
    party_level: PartyLevelEnum | None = strawberry.field(default=None, description="For a party organisation: its level.")
    term_start: date | None = strawberry.field(default=None, description="For an owners' committee: the first day of its term.")
    term_end: date | None = strawberry.field(default=None, description="For an owners' committee: the last day of its term.")
    filed_on: date | None = strawberry.field(default=None, description="For an owners' committee: when it was filed (备案) with the street.")
    phone: Phone | None = strawberry.field(default=None, description="Its contact phone number (at most 30 characters).")


@strawberry.input(description="Changes to an organisation: only the fields given change; null clears one where its kind allows (never the name).")
class UpdateOrganisationInput:
    id: strawberry.ID = node_id("Organisation", description="Global ID of the Organisation to change.")
    name: Name | None = strawberry.field(default=strawberry.UNSET, description="The new name (at most 200 characters).")
    community_id: strawberry.ID | None = node_id("Community", default=strawberry.UNSET, description="The community (global ID of a Community).")
    compound_id: strawberry.ID | None = node_id("Compound", default=strawberry.UNSET, description="An owners' committee's compound (global ID of a Compound).")
    parent_id: strawberry.ID | None = node_id("Organisation", default=strawberry.UNSET, description="The organisation it belongs to (global ID of an Organisation).")
    party_level: PartyLevelEnum | None = strawberry.field(default=strawberry.UNSET, description="For a party organisation: its level.")
    term_start: date | None = strawberry.field(default=strawberry.UNSET, description="For an owners' committee: the first day of its term.")
    term_end: date | None = strawberry.field(default=strawberry.UNSET, description="For an owners' committee: the last day of its term.")
    filed_on: date | None = strawberry.field(default=strawberry.UNSET, description="For an owners' committee: when it was filed (备案) with the street.")
    phone: Phone | None = strawberry.field(default=strawberry.UNSET, description="Its contact phone number (at most 30 characters).")


@strawberry.input(description="A new member of an organisation: a person of the registry, an account, or both.")
class AddMembershipInput:
    organisation_id: strawberry.ID = node_id("Organisation", description="Global ID of the Organisation joined.")
    resident_id: strawberry.ID | None = node_id("Resident", default=None, description="The person in the registry, if recorded.")
    username: Annotated[str, MaxLength(100)] | None = strawberry.field(default=None, description="The account that acts for the organisation.")
    office: Annotated[str, MaxLength(50)] = strawberry.field(default="", description="主任, 副主任, 委员, 经理 …")
    role: Annotated[str, MaxLength(50)] | None = strawberry.field(default=None, description="With an account: org_admin, org_staff or org_member.")
    started_on: date | None = strawberry.field(default=None, description="The first day of the membership (ISO 8601 date); default: today.")


@strawberry.input(description="Which membership ends, and when.")
class EndMembershipInput:
    membership_id: strawberry.ID = node_id("Membership", description="Global ID of the Membership to end.")
    ended_on: date | None = strawberry.field(default=None, description="Default: today.")


@strawberry.input(description="A compound a property-management company serves, and its contract's period.")
class ServedCompoundInput:
    compound_id: strawberry.ID = node_id("Compound", description="Global ID of the Compound served.")
    contract_start: date | None = strawberry.field(default=None, description="The first day of the service contract (ISO 8601 date), if known.")
    contract_end: date | None = strawberry.field(default=None, description="The last day of the service contract (ISO 8601 date); null when open-ended.")


@strawberry.input(description="The full list of compounds a property-management company serves, replacing the one before.")
class SetServedCompoundsInput:
    organisation_id: strawberry.ID = node_id("Organisation", description="Global ID of the property-management company (an Organisation).")
    compounds: list[ServedCompoundInput] = strawberry.field(description="Every compound it serves from now on; empty for none.")


@strawberry.input(description="The full list of buildings a party organisation covers, replacing the one before.")
class SetCoveredBuildingsInput:
    organisation_id: strawberry.ID = node_id("Organisation", description="Global ID of the party organisation (an Organisation).")
    building_ids: list[strawberry.ID] = node_id("Building", description="Global IDs of every Building it covers from now on; empty for none.")


@strawberry.type
class OrganisationMutation:
    @mutation(OrganisationPayload, permission=MANAGE, audit="core.organisation.created")
    async def create_organisation(w: Write, input: CreateOrganisationInput):
        """Create an organisation of the street."""
        data = service.OrganisationData(
            name=input.name, community_id=input.community_id, compound_id=input.compound_id, parent_id=input.parent_id,
            party_level=input.party_level, term_start=input.term_start, term_end=input.term_end, filed_on=input.filed_on, phone=input.phone,
        )
        return await service.create_organisation(w.session, input.code, input.kind, data)

    @mutation(OrganisationPayload, permission=MANAGE, audit="core.organisation.updated")
    async def update_organisation(w: Write, input: UpdateOrganisationInput):
        """Change an organisation's name, places, parent, term or phone (only the fields given)."""
        changes = {a: getattr(input, a) for a in service.OrganisationData.__dataclass_fields__ if getattr(input, a) is not strawberry.UNSET}
        if changes.get("name", "") is None:
            raise DomainError("An organisation needs a name.", code="BAD_INPUT", field="name")
        w.audit(changed=sorted(changes))
        return await service.update_organisation(w.session, input.id, changes)

    @mutation(MembershipPayload, permission=MANAGE, audit="core.membership.added")
    async def add_membership(w: Write, input: AddMembershipInput):
        """Add a member with an office; with an account and a role, the account acts for the organisation."""
        w.audit(office=input.office, role=input.role, account=input.username)
        return await service.add_membership(
            w.session, input.organisation_id, resident_id=input.resident_id, username=input.username, office=input.office,
            role=input.role, started_on=input.started_on, actor=w.user.username,
        )

    @mutation(MembershipPayload, permission=MANAGE, audit="core.membership.ended")
    async def end_membership(w: Write, input: EndMembershipInput):
        """End a membership: its account no longer acts for the organisation."""
        return await service.end_membership(w.session, input.membership_id, input.ended_on)

    @mutation(OrganisationPayload, permission=MANAGE, audit="core.organisation.compounds_set")
    async def set_served_compounds(w: Write, input: SetServedCompoundsInput):
        """Replace the compounds a property-management company serves, each with its contract period."""
        contracts = [service.Contract(c.compound_id, c.contract_start, c.contract_end) for c in input.compounds]
        await service.set_served_compounds(w.session, input.organisation_id, contracts)
        return await w.session.get(Organisation, input.organisation_id)

    @mutation(OrganisationPayload, permission=MANAGE, audit="core.organisation.buildings_set")
    async def set_covered_buildings(w: Write, input: SetCoveredBuildingsInput):
        """Replace the buildings a party organisation covers."""
        await service.set_covered_buildings(w.session, input.organisation_id, input.building_ids)
        return await w.session.get(Organisation, input.organisation_id)
