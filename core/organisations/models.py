"""Organisations: 社区居委会, 业主委员会, 物业服务企业, 党组织, government departments, volunteer teams.

An organisation belongs to one street. What it is responsible for is data on its rows:
a residents' committee its community, an owners' committee its compound (with its term and
filing date), a property-management company the compounds it serves (with each contract's
period), a party organisation the buildings it covers and its parent organisation.
People belong to an organisation with an office (``Membership``); a membership that names an
account lets that account act *for* the organisation, with the membership's role scoped to it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Enum, ForeignKey, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.core.db import Base, StreetScoped


class OrganisationKind(enum.Enum):
    """What an organisation is."""

    RESIDENTS_COMMITTEE = "residents_committee"  # 社区居委会
    OWNERS_COMMITTEE = "owners_committee"  # 业主委员会
    PROPERTY_MANAGER = "property_manager"  # 物业服务企业
    PARTY_ORGANISATION = "party_organisation"  # 党组织
    DEPARTMENT = "department"  # 城管, 市场监管, 消防, 派出所, 住建 …
    VOLUNTEER_TEAM = "volunteer_team"  # 志愿服务队


class PartyLevel(enum.Enum):
    """The level of a party organisation."""

    COMMITTEE = "committee"  # 党委
    GENERAL_BRANCH = "general_branch"  # 党总支
    BRANCH = "branch"  # 党支部
    BUILDING_BRANCH = "building_branch"  # 楼道党支部


class Organisation(StreetScoped, Base):
    """One organisation. ``code`` is its stable reference across CSV imports."""

    __tablename__ = "organisations"
    __table_args__ = (UniqueConstraint("street_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(100))
    kind: Mapped[OrganisationKind] = mapped_column(Enum(OrganisationKind, native_enum=False, length=30))
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    party_level: Mapped[PartyLevel | None] = mapped_column(Enum(PartyLevel, native_enum=False, length=30))
    term_start: Mapped[date | None] = mapped_column(Date)
    term_end: Mapped[date | None] = mapped_column(Date)
    filed_on: Mapped[date | None] = mapped_column(Date)
    phone: Mapped[str | None] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())


class ServedCompound(StreetScoped, Base):
    """A compound a property-management company serves, under a contract for a period."""

    __tablename__ = "organisation_compounds"
    __table_args__ = (UniqueConstraint("organisation_id", "compound_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    contract_start: Mapped[date | None] = mapped_column(Date)
    contract_end: Mapped[date | None] = mapped_column(Date)


class CoveredBuilding(StreetScoped, Base):
    """A building a party organisation covers (a 楼道党支部 its stairwells' building)."""

    __tablename__ = "organisation_buildings"
    __table_args__ = (UniqueConstraint("organisation_id", "building_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)


class Membership(StreetScoped, Base):
    """A person's place in an organisation: their office (主任, 副主任, 委员, 经理 …) and, when
    ``user_id`` is set, the role with which that account acts for the organisation.

    ``role`` is one of ``ORGANISATION_ROLES`` (``core.organisations.roles``); the permissions it
    holds apply only to the organisation's own work and places."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("organisation_id", "resident_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    office: Mapped[str] = mapped_column(String(50), default="")
    role: Mapped[str | None] = mapped_column(String(50))
    started_on: Mapped[date | None] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)


ORGANISATION_MODELS = (Organisation, ServedCompound, CoveredBuilding, Membership)
