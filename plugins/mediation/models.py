"""Tables of the mediation plugin: studios, cases and their history, agreements, sessions,
attachments, return visits, and the rectification task forces with their findings.

Enumerated values are stored as short strings; the allowed values and the moves between
them live in ``plugins.mediation.states``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from jiedao.api import Base, StreetScoped
from jiedao.api.domain import UTCDateTime


class OfCase:
    """Mixin for a row that belongs to one case and goes with it: ``case_id``, indexed, ``ON DELETE CASCADE``."""

    @declared_attr
    def case_id(cls) -> Mapped[int]:  # noqa: N805
        return mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)


class Studio(StreetScoped, Base):
    """A people's mediation studio (调解工作室), e.g. 潘大姐工作室."""

    __tablename__ = "mediation_studios"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class StudioMember(StreetScoped, Base):
    """A mediator (a user holding the mediator role) working in a studio; one is its lead."""

    __tablename__ = "mediation_studio_members"
    __table_args__ = (UniqueConstraint("studio_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("mediation_studios.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    is_lead: Mapped[bool] = mapped_column(Boolean, default=False)


class Case(StreetScoped, Base):
    """A dispute brought to people's mediation."""

    __tablename__ = "mediation_cases"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    category: Mapped[str] = mapped_column(String(30), index=True)
    source: Mapped[str] = mapped_column(String(30))
    referred_by: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(20), index=True)
    studio_id: Mapped[int] = mapped_column(ForeignKey("mediation_studios.id"), index=True)
    mediator_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_findings.id"), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    concluded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CaseParty(OfCase, StreetScoped, Base):
    """A resident or organisation taking part in a case, with its role."""

    __tablename__ = "mediation_case_parties"
    __table_args__ = (UniqueConstraint("case_id", "resident_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))


class CasePlace(OfCase, StreetScoped, Base):
    """A building (and optionally a unit of it) a case is about."""

    __tablename__ = "mediation_case_places"
    __table_args__ = (UniqueConstraint("case_id", "building_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)


class CaseTransition(OfCase, StreetScoped, Base):
    """One move of a case's state: who, when, why. Never updated."""

    __tablename__ = "mediation_case_transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    from_state: Mapped[str | None] = mapped_column(String(20))
    to_state: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(100))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Recusal(OfCase, StreetScoped, Base):
    """A mediator withdrew from (or may not take) a case because of a relation to a party."""

    __tablename__ = "mediation_recusals"
    __table_args__ = (UniqueConstraint("case_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutsideMediator(OfCase, StreetScoped, Base):
    """A lawyer, relative, neighbour or expert invited into one case with the parties' consent."""

    __tablename__ = "mediation_outside_mediators"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    consent_note: Mapped[str] = mapped_column(Text)
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Agreement(OfCase, StreetScoped, Base):
    """The mediation agreement of a case (Art. 28-33 of the People's Mediation Law)."""

    __tablename__ = "mediation_agreements"
    __table_args__ = (UniqueConstraint("case_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    oral: Mapped[bool] = mapped_column(Boolean, default=False)
    facts: Mapped[str] = mapped_column(Text)
    disputed_points: Mapped[str] = mapped_column(Text)
    terms: Mapped[str] = mapped_column(Text)
    performance: Mapped[str] = mapped_column(Text)
    perform_by: Mapped[date] = mapped_column(Date)
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    effective_on: Mapped[date | None] = mapped_column(Date)
    confirmation_requested_on: Mapped[date | None] = mapped_column(Date)
    confirmation_court: Mapped[str | None] = mapped_column(String(200))


class Signature(StreetScoped, Base):
    """A party's or the mediator's signature (or fingerprint) on an agreement."""

    __tablename__ = "mediation_signatures"
    __table_args__ = (UniqueConstraint("agreement_id", "resident_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("mediation_agreements.id", ondelete="CASCADE"), index=True)
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_by: Mapped[str] = mapped_column(String(100))
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MediationSession(OfCase, StreetScoped, Base):
    """A mediation meeting: when, who took part, what was said."""

    __tablename__ = "mediation_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    held_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[list[str]] = mapped_column(JSON, default=list)
    notes: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(100))


class Attachment(StreetScoped, Base):
    """A file kept in the file store, referenced by a case or a finding."""

    __tablename__ = "mediation_attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_cases.id", ondelete="CASCADE"), index=True)
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_findings.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    reference: Mapped[str] = mapped_column(String(200))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ReturnVisit(OfCase, StreetScoped, Base):
    """A return visit (回访) to check an agreement is being carried out."""

    __tablename__ = "mediation_return_visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    done_on: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str] = mapped_column(Text, default="")


class TaskForce(StreetScoped, Base):
    """A multi-department rectification task force (整治专班) for one compound or building."""

    __tablename__ = "mediation_task_forces"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    departments: Mapped[list[str]] = mapped_column(JSON, default=list)
    started_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Finding(StreetScoped, Base):
    """A violation a task force found and must see rectified."""

    __tablename__ = "mediation_findings"
    id: Mapped[int] = mapped_column(primary_key=True)
    task_force_id: Mapped[int] = mapped_column(ForeignKey("mediation_task_forces.id", ondelete="CASCADE"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    location: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(30), index=True)
    department: Mapped[str] = mapped_column(String(30), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    deadline: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), index=True)
    evidence: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rectified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


MODELS: tuple[Any, ...] = (
    Studio,
    StudioMember,
    Case,
    CaseParty,
    CasePlace,
    CaseTransition,
    Recusal,
    OutsideMediator,
    Agreement,
    Signature,
    MediationSession,
    Attachment,
    ReturnVisit,
    TaskForce,
    Finding,
)
