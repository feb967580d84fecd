"""Tables of the mediation plugin: the people's mediation committees and their studios, cases
and their history, the parties' answers, agreements (seal, performance, breach, the court's
ruling), sessions, attachments, return visits, and the rectification task forces with their
findings.

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


class Committee(StreetScoped, Base):
    """A people's mediation committee (人民调解委员会, People's Mediation Law Art. 8-9), e.g.
    长庆街道人民调解委员会: the organisation whose seal makes an agreement (Art. 29)."""

    __tablename__ = "mediation_committees"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    seal_name: Mapped[str] = mapped_column(String(200))
    """The text of the seal (印章名称), usually the committee's full name."""
    seal_number: Mapped[str] = mapped_column(String(100), default="")
    """The seal's filing or engraving number (印章编号/备案号), when it has one."""
    seal_image: Mapped[str | None] = mapped_column(String(200))
    """The file store's reference of an image of the seal (for printed agreements)."""
    seal_image_type: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CommitteeMember(StreetScoped, Base):
    """A member (委员) of a committee, with their office (Art. 9: a director, possibly deputy
    directors, members); whoever keeps the seal may seal agreements in its name."""

    __tablename__ = "mediation_committee_members"
    __table_args__ = (UniqueConstraint("committee_id", "user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_id: Mapped[int] = mapped_column(ForeignKey("mediation_committees.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    display_name: Mapped[str] = mapped_column(String(100))
    office: Mapped[str] = mapped_column(String(20))
    keeps_seal: Mapped[bool] = mapped_column(Boolean, default=False)


class Studio(StreetScoped, Base):
    """A people's mediation studio (调解工作室), e.g. 潘大姐工作室, working for a committee."""

    __tablename__ = "mediation_studios"
    __table_args__ = (UniqueConstraint("street_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    community_id: Mapped[int | None] = mapped_column(ForeignKey("communities.id"), index=True)
    committee_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_committees.id"), index=True)
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
    # The case's entry in a register (``service.numbering``): the committee of its studio when
    # it was opened (None: the street's own register, the studio had none), the year in China
    # it was opened and its number in that year: （2026）长庆人调字第0012号.
    register_committee_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_committees.id"))
    register_year: Mapped[int | None] = mapped_column(Integer)
    register_number: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("street_id", "register_committee_id", "register_year", "register_number", name="uq_mediation_cases_register_number"),)


class CaseRegister(StreetScoped, Base):
    """The last number a register gave in a year: one row per committee (``committee_key``, 0
    for the street's own register) and year, moved by one atomic upsert per case."""

    __tablename__ = "mediation_case_registers"
    __table_args__ = (UniqueConstraint("street_id", "committee_key", "year"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    committee_key: Mapped[int] = mapped_column(Integer)
    year: Mapped[int] = mapped_column(Integer)
    last_number: Mapped[int] = mapped_column(Integer)


class CaseParty(OfCase, StreetScoped, Base):
    """A resident or organisation taking part in a case, with its role and its answer to
    mediation (Art. 17: accepted or refused, when, how, and why it refused)."""

    __tablename__ = "mediation_case_parties"
    __table_args__ = (UniqueConstraint("case_id", "resident_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    resident_id: Mapped[int] = mapped_column(ForeignKey("residents.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    answer: Mapped[str | None] = mapped_column(String(10))
    answered_on: Mapped[date | None] = mapped_column(Date)
    answer_channel: Mapped[str | None] = mapped_column(String(20))
    answer_recorded_by: Mapped[str | None] = mapped_column(String(100))
    refusal_reason: Mapped[str | None] = mapped_column(Text)


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
    obliged_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    """The party who must perform (default: the first respondent)."""
    sealed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    seal_committee_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_committees.id"))
    """The committee whose seal is on the agreement (Art. 29)."""
    confirmation_requested_on: Mapped[date | None] = mapped_column(Date)
    confirmation_court: Mapped[str | None] = mapped_column(String(200))
    confirmation_ruling: Mapped[str | None] = mapped_column(String(10))
    """The court's ruling on the request: ``confirmed`` or ``refused`` (Civil Procedure Law Art. 206)."""
    confirmation_case_number: Mapped[str | None] = mapped_column(String(100))
    confirmation_ruled_on: Mapped[date | None] = mapped_column(Date)
    performed_on: Mapped[date | None] = mapped_column(Date)
    """The date the performance was confirmed (Art. 31)."""
    performance_how: Mapped[str | None] = mapped_column(String(20))
    performance_evidence_id: Mapped[int | None] = mapped_column(ForeignKey("mediation_attachments.id"))
    performance_recorded_by: Mapped[str | None] = mapped_column(String(100))
    performance_note: Mapped[str | None] = mapped_column(Text)
    breached_on: Mapped[date | None] = mapped_column(Date)
    breach_note: Mapped[str | None] = mapped_column(Text)
    breach_recorded_by: Mapped[str | None] = mapped_column(String(100))
    court_action: Mapped[str | None] = mapped_column(String(20))
    """Where a party took the matter after a breach or a refused ruling: ``litigation``
    (Art. 32) or ``enforcement`` (a confirmed agreement, Art. 33)."""
    court_action_on: Mapped[date | None] = mapped_column(Date)
    court_action_court: Mapped[str | None] = mapped_column(String(200))


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
    Committee,
    CommitteeMember,
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
