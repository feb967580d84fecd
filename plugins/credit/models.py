"""The credit plugin's tables: enterprises, their evidence, scorecard versions, computed
scores (immutable), appeals and credit-repair requests.

Scorecards and scores are never updated or deleted through the ORM: a ``before_flush``
listener refuses it, so a past score and the scorecard version it used stay exactly as
they were computed and ``service.reproduce`` can prove it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column

from jiedao.api import Base, StreetScoped
from jiedao.api.domain import UTCDateTime

ENTERPRISE_STATUSES = ("ACTIVE", "SUSPENDED", "CLOSED")
EVIDENCE_KINDS = (
    "INSPECTION",
    "COMPLAINT",
    "PENALTY",
    "ABNORMAL_LIST",
    "SERIOUS_VIOLATION_LIST",
    "CERTIFICATION",
    "RECTIFICATION",
)


class Enterprise(StreetScoped, Base):
    """A business graded by credit risk (a restaurant by default), with its licence.

    ``operator_resident_id`` links the operator's resident record, so an operator logged in
    as a resident sees their own enterprise. ``current_score_id`` points at the newest
    score (the history stays in ``credit_scores``).
    """

    __tablename__ = "credit_enterprises"
    __table_args__ = (UniqueConstraint("street_id", "licence_no"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(50), default="restaurant", index=True)
    licence_no: Mapped[str] = mapped_column(String(64))
    licence_issued_on: Mapped[date] = mapped_column(Date)
    licence_expires_on: Mapped[date | None] = mapped_column(Date)
    address: Mapped[str] = mapped_column(String(300), default="")
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    operator_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE", index=True)
    current_score_id: Mapped[int | None] = mapped_column(Integer, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Evidence(StreetScoped, Base):
    """One fact about an enterprise that a scorecard can count.

    ``kind`` is one of ``EVIDENCE_KINDS``; ``details`` holds what the kind needs (an
    inspection's checklist, failed key items and dynamic rating; whether a complaint was
    substantiated; a penalty's severity and publicity period; the day a listing was
    lifted). ``repaired_on`` is set when credit repair is granted early; ``voided_on`` when
    an appeal found the evidence wrong. ``external_ref`` deduplicates evidence received
    through events (e.g. ``mediation:finding:12``).
    """

    __tablename__ = "credit_evidence"
    __table_args__ = (
        UniqueConstraint("street_id", "external_ref"),
        Index("ix_credit_evidence_enterprise_on", "enterprise_id", "occurred_on"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("credit_enterprises.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    occurred_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(50), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    external_ref: Mapped[str | None] = mapped_column(String(100))
    recorded_by: Mapped[str] = mapped_column(String(100), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(Integer)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    repaired_on: Mapped[date | None] = mapped_column(Date)
    voided_on: Mapped[date | None] = mapped_column(Date)


class Scorecard(StreetScoped, Base):
    """One version of a street's scorecard: dimensions, rules, caps, decay, classes and
    overrides as data (see ``scorecard.DEFAULT``). A new version is a new row."""

    __tablename__ = "credit_scorecards"
    __table_args__ = (UniqueConstraint("street_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    definition: Mapped[dict[str, Any]] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Score(StreetScoped, Base):
    """A computed score, immutable: the scorecard version and the inputs (a snapshot of the
    enterprise's licence and of every evidence item considered) it was computed from."""

    __tablename__ = "credit_scores"
    __table_args__ = (Index("ix_credit_scores_enterprise_at", "enterprise_id", "computed_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("credit_enterprises.id", ondelete="CASCADE"))
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("credit_scorecards.id"), index=True)
    as_of: Mapped[date] = mapped_column(Date)
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    trigger: Mapped[str] = mapped_column(String(50), default="")
    value: Mapped[float] = mapped_column(Float)
    risk_class: Mapped[str] = mapped_column(String(10), index=True)
    annual_grade: Mapped[str | None] = mapped_column(String(2))
    next_inspection_due: Mapped[date | None] = mapped_column(Date)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON)
    evidence_ids: Mapped[list[int]] = mapped_column(JSON)
    corrects_score_id: Mapped[int | None] = mapped_column(Integer)


class Appeal(StreetScoped, Base):
    """An operator's appeal against a score, decided by a different reviewer."""

    __tablename__ = "credit_appeals"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("credit_enterprises.id", ondelete="CASCADE"), index=True)
    score_id: Mapped[int] = mapped_column(ForeignKey("credit_scores.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    disputed_evidence_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_by_id: Mapped[int | None] = mapped_column(Integer)
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="PENDING", index=True)
    reviewer: Mapped[str | None] = mapped_column(String(100))
    reviewer_id: Mapped[int | None] = mapped_column(Integer)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")
    corrected_score_id: Mapped[int | None] = mapped_column(ForeignKey("credit_scores.id"))


class RepairRequest(StreetScoped, Base):
    """A request for early credit repair (信用修复) of one penalty or listing."""

    __tablename__ = "credit_repair_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("credit_enterprises.id", ondelete="CASCADE"), index=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("credit_evidence.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), default="PENDING", index=True)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")


IMMUTABLE = (Score, Scorecard)


class ImmutableRecord(Exception):
    """Something tried to change or delete a stored score or scorecard version."""


@event.listens_for(Session, "before_flush")
def _refuse_changes_to_history(session: Session, flush_context, instances) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, IMMUTABLE) and (obj in session.deleted or session.is_modified(obj)):
            raise ImmutableRecord(f"{type(obj).__name__} {obj.id} is part of the credit history and cannot change")


MODELS = (Enterprise, Evidence, Scorecard, Score, Appeal, RepairRequest)
