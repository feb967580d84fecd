"""Mediation cases (People's Mediation Law, 2010): opening, the state machine, mediators
and recusal, outside mediators, sessions and escalation.

Every function takes the street's session and the ``Actor``; it raises ``DomainError``
before writing anything when a rule refuses the action, so the caller's transaction
never holds half an action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, registry, today
from jiedao.api.domain import CHINA
from jiedao.api.domain import identity
from jiedao.plugins.mediation.access import Actor, visible_cases
from jiedao.plugins.mediation.models import (
    Case,
    CaseParty,
    CasePlace,
    CaseTransition,
    MediationSession,
    OutsideMediator,
    Recusal,
    Studio,
    StudioMember,
)
from jiedao.plugins.mediation.service.common import required
from jiedao.plugins.mediation.service.consent import require_consent
from jiedao.plugins.mediation.service.fulfilment import check_fulfilled, check_remediation
from jiedao.plugins.mediation.service.numbering import take_number
from jiedao.plugins.mediation.states import (
    CLOSED_STATES,
    CONCLUDED_STATES,
    INITIAL_STATE,
    OPEN_STATES,
    Answer,
    AnswerChannel,
    CaseState,
    Category,
    OutsideKind,
    PartyRole,
    Source,
    check_case_move,
)

LONG_OPEN_DAYS = 30
"""A case still being mediated after this many days is flagged."""
REASON_REQUIRED = frozenset({CaseState.REFUSED, CaseState.FAILED, CaseState.BREACHED})


def open_too_long(case: Case, at: datetime | None = None) -> bool:
    """Still being mediated more than ``LONG_OPEN_DAYS`` after it was opened."""
    return case.state in OPEN_STATES and (at or now()) - case.opened_at > timedelta(days=LONG_OPEN_DAYS)


@dataclass(frozen=True)
class PartyData:
    """A party to name on a new case: the resident and the role they take."""

    resident_id: int
    role: PartyRole


@dataclass(frozen=True)
class PlaceData:
    """A place a new case is about: a building, and a unit of it when known."""

    building_id: int
    unit_id: int | None = None


@dataclass
class CaseData:
    """What opening a case needs."""

    title: str
    category: Category
    source: Source
    studio_id: int
    parties: list[PartyData]
    places: list[PlaceData] = field(default_factory=list)
    description: str = ""
    referred_by: str = ""
    finding_id: int | None = None
    opened_at: datetime | None = None


async def open_case(session: AsyncSession, actor: Actor, data: CaseData) -> Case:
    """Open a case in ``applied`` (application, studio initiative) or ``referred`` state.

    A resident without the manage permission may only apply, and only as one of the parties.
    """
    title = required(data.title, "title", "The case's title is required.")
    if not data.parties:
        raise DomainError("A case needs at least one party.", code="MISSING_CONTENT", field="parties")
    resident_ids = [p.resident_id for p in data.parties]
    if len(set(resident_ids)) != len(resident_ids):
        raise DomainError("A resident appears twice among the parties.", code="DUPLICATE", field="parties")
    if not actor.manages:
        if data.source is not Source.APPLICATION or actor.resident_id not in resident_ids:
            raise DomainError("Residents may only apply for mediation of their own dispute.", code="FORBIDDEN", field="parties")
    if data.source in (Source.COURT_REFERRAL, Source.POLICE_REFERRAL) and not data.referred_by.strip():
        raise DomainError("Name the court or police station that referred the case.", code="MISSING_CONTENT", field="referredBy")
    studio = (await session.execute(select(Studio.id, Studio.committee_id).where(Studio.id == data.studio_id))).first()
    if studio is None:
        raise DomainError("No such studio.", code="NOT_FOUND", field="studioId")
    if actor.manages and not actor.sees_all:
        member = await session.scalar(select(StudioMember.id).where(StudioMember.studio_id == data.studio_id, StudioMember.user_id == actor.user_id))
        if member is None:
            raise DomainError("Mediators open cases in their own studio.", code="NOT_A_MEMBER", field="studioId")
    found = set(await session.scalars(select(registry.Resident.id).where(registry.Resident.id.in_(resident_ids))))
    if missing := [r for r in resident_ids if r not in found]:
        raise DomainError("Unknown resident(s): {missing}.", code="NOT_FOUND", field="parties", missing=str(missing))
    await _check_places(session, data.places)
    opened = data.opened_at or now()
    state = INITIAL_STATE[data.source]
    case = Case(
        title=title,
        description=data.description.strip(),
        category=data.category.value,
        source=data.source.value,
        referred_by=data.referred_by.strip(),
        state=state.value,
        studio_id=data.studio_id,
        finding_id=data.finding_id,
        opened_at=opened,
    )
    session.add(case)
    await session.flush()
    await take_number(session, case, studio.committee_id)
    session.add_all([_party(case, p, data.source, actor) for p in data.parties])
    session.add_all([CasePlace(case_id=case.id, building_id=p.building_id, unit_id=p.unit_id) for p in data.places])
    reason = f"referred by {data.referred_by.strip()}" if data.referred_by.strip() else data.source.value
    session.add(CaseTransition(case_id=case.id, from_state=None, to_state=state.value, actor=actor.name, actor_user_id=actor.user_id, reason=reason, at=opened))
    await session.flush()
    return case


def _party(case: Case, party: PartyData, source: Source, actor: Actor) -> CaseParty:
    """A party row; the applicant of an application consented to mediation by applying (Art. 17)."""
    row = CaseParty(case_id=case.id, resident_id=party.resident_id, role=party.role.value)
    if source is Source.APPLICATION and party.role is PartyRole.APPLICANT:
        row.answer, row.answer_channel = Answer.ACCEPTED.value, AnswerChannel.APPLICATION.value
        row.answered_on, row.answer_recorded_by = case.opened_at.astimezone(CHINA).date(), actor.name
    return row


async def _check_places(session: AsyncSession, places: list[PlaceData]) -> None:
    building_ids = {p.building_id for p in places}
    found = set(await session.scalars(select(registry.Building.id).where(registry.Building.id.in_(building_ids)))) if building_ids else set()
    if missing := sorted(building_ids - found):
        raise DomainError("Unknown building(s): {missing}.", code="NOT_FOUND", field="places", missing=str(missing))
    unit_ids = {p.unit_id for p in places if p.unit_id is not None}
    if unit_ids:
        units = dict((await session.execute(select(registry.Unit.id, registry.Unit.building_id).where(registry.Unit.id.in_(unit_ids)))).all())
        for place in places:
            if place.unit_id is not None and units.get(place.unit_id) != place.building_id:
                raise DomainError("Unit {unit} is not in building {building}.", code="NOT_FOUND", field="places", unit=place.unit_id, building=place.building_id)


async def get_case(session: AsyncSession, actor: Actor, case_id: int, *, manage: bool = True) -> Case:
    """The case if ``actor`` may see it (and, with ``manage``, act on it); else ``NOT_FOUND``."""
    # The row lock serialises actions on one case (two last signatures at the same moment
    # must not both put the agreement into effect); SQLite serialises writers anyway.
    case = await session.scalar(select(Case).where(Case.id == case_id, visible_cases(actor)).with_for_update())
    if case is None:
        raise DomainError("No such case, or it is not one of yours.", code="NOT_FOUND", field="caseId")
    if manage and not actor.manages:
        raise DomainError("Only mediators and street staff may do this.", code="FORBIDDEN", field="caseId")
    return case


async def move(session: AsyncSession, case: Case, target: CaseState, actor: Actor, reason: str, at: datetime | None = None) -> CaseTransition:
    """The one place a case changes state: checks the move and records who, when and why."""
    current = check_case_move(case.state, target)
    at = at or now()
    case.state = target.value
    if target in CONCLUDED_STATES:
        case.concluded_at = at
    if target in CLOSED_STATES:
        case.closed_at = at
    step = CaseTransition(case_id=case.id, from_state=current.value, to_state=target.value, actor=actor.name, actor_user_id=actor.user_id, reason=reason, at=at)
    session.add(step)
    await session.flush()
    return step


async def move_case(session: AsyncSession, actor: Actor, case_id: int, target: CaseState, reason: str = "") -> Case:
    """Move a case along the state machine (``agreed`` happens only through an agreement)."""
    case = await get_case(session, actor, case_id)
    check_case_move(case.state, target)
    reason = (reason or "").strip()
    if target in REASON_REQUIRED and not reason:
        raise DomainError("Say why the case becomes '{state}'.", code="MISSING_CONTENT", field="reason", state=target.value)
    if target is CaseState.AGREED:
        raise DomainError(
            "A case becomes 'agreed' when its agreement takes effect: every party and the mediator signed and the studio sealed it.",
            code="AGREEMENT_NOT_EFFECTIVE",
            field="to",
        )
    if target is CaseState.REFUSED:
        raise DomainError(
            "A case becomes 'refused' when a party refuses mediation: record their answer (answerMediation) with the reason.",
            code="ANSWER_REQUIRED", field="to",
        )
    if target is CaseState.IN_MEDIATION and case.mediator_user_id is None:
        raise DomainError("Assign a mediator before mediation starts.", code="MEDIATOR_REQUIRED", field="to")
    if target is CaseState.BREACHED:
        raise DomainError("A breach is recorded with its date and what was not done (recordBreach).", code="BREACH_RECORD_REQUIRED", field="to")
    if target is CaseState.FULFILLED:
        await check_fulfilled(session, case)
    if target is CaseState.IN_MEDIATION and case.state != CaseState.ACCEPTED.value:
        reason = await check_remediation(session, case, reason)
    if target is CaseState.IN_MEDIATION:
        await require_consent(session, case.id, "to")
    await move(session, case, target, actor, reason)
    return case


async def party_ids(session: AsyncSession, case_id: int) -> list[int]:
    """The residents who are parties to the case."""
    return list(await session.scalars(select(CaseParty.resident_id).where(CaseParty.case_id == case_id).order_by(CaseParty.id)))


async def _conflict(session: AsyncSession, case_id: int, user_id: int) -> str | None:
    """Why ``user_id`` may not mediate the case (a party, or living in a party's household)."""
    resident_id = await session.scalar(select(identity.User.resident_id).where(identity.User.id == user_id))
    if resident_id is None:
        return None
    parties = await party_ids(session, case_id)
    if resident_id in parties:
        return "the mediator is a party to the case"
    household = await session.scalar(select(registry.Resident.household_id).where(registry.Resident.id == resident_id))
    if household is not None:
        shared = await session.scalar(select(func.count()).select_from(registry.Resident).where(registry.Resident.id.in_(parties), registry.Resident.household_id == household))
        if shared:
            return "the mediator lives in the same household as a party"
    return None


async def assign_mediator(session: AsyncSession, actor: Actor, case_id: int, user_id: int) -> Case:
    """Assign a member of the case's studio; refused for a mediator related to a party or who recused."""
    case = await get_case(session, actor, case_id)
    if case.state in {s.value for s in CLOSED_STATES}:
        raise DomainError("The case is closed.", code="CASE_CLOSED", field="caseId")
    member = await session.scalar(select(StudioMember.id).where(StudioMember.studio_id == case.studio_id, StudioMember.user_id == user_id))
    if member is None:
        raise DomainError("The mediator is not a member of the case's studio.", code="NOT_A_MEMBER", field="userId")
    recused = await session.scalar(select(Recusal.reason).where(Recusal.case_id == case_id, Recusal.user_id == user_id))
    if recused is not None:
        raise DomainError("This mediator recused themselves from the case: {reason}", code="RECUSED", field="userId", reason=recused)
    if (conflict := await _conflict(session, case_id, user_id)) is not None:
        raise DomainError("This mediator may not mediate the case: {conflict} (recusal).", code="CONFLICT_OF_INTEREST", field="userId", conflict=conflict)
    case.mediator_user_id = user_id
    await session.flush()
    return case


async def recuse(session: AsyncSession, actor: Actor, case_id: int, user_id: int, reason: str) -> Recusal:
    """Record that a mediator withdraws from a case because of a relation to a party.

    A recused mediator is removed from the case and cannot be assigned to it again.
    """
    case = await get_case(session, actor, case_id)
    reason = required(reason, "reason", "The reason for the recusal is required.")
    if await session.scalar(select(Recusal.id).where(Recusal.case_id == case_id, Recusal.user_id == user_id)):
        raise DomainError("This mediator already recused themselves from the case.", code="DUPLICATE", field="userId")
    recusal = Recusal(case_id=case_id, user_id=user_id, reason=reason, at=now())
    session.add(recusal)
    if case.mediator_user_id == user_id:
        case.mediator_user_id = None
    await session.flush()
    return recusal


async def invite_outside_mediator(
    session: AsyncSession, actor: Actor, case_id: int, name: str, kind: OutsideKind, consent: str, organisation: str = ""
) -> OutsideMediator:
    """Invite a lawyer, relative, neighbour or expert into one case (Art. 20); the parties' consent is required."""
    case = await get_case(session, actor, case_id)
    if case.state not in {s.value for s in OPEN_STATES}:
        raise DomainError("Outside mediators join only while the case is being mediated.", code="INVALID_STATE", field="caseId")
    name = required(name, "name", "The outside mediator's name is required.")
    consent = required(consent, "partiesConsent", "A note of how the parties consented is required.")
    helper = OutsideMediator(case_id=case_id, name=name, kind=kind.value, organisation=organisation.strip(), consent_note=consent, invited_at=now())
    session.add(helper)
    await session.flush()
    return helper


async def record_session(session: AsyncSession, actor: Actor, case_id: int, held_on: date, participants: list[str], notes: str) -> MediationSession:
    """Record a mediation session that took place (not one in the future)."""
    case = await get_case(session, actor, case_id)
    if case.state not in (CaseState.ACCEPTED.value, CaseState.IN_MEDIATION.value):
        raise DomainError("Sessions are recorded for accepted cases being mediated.", code="INVALID_STATE", field="caseId")
    if held_on > today():
        raise DomainError("A session is recorded after it took place; the date is in the future.", code="DATE_IN_FUTURE", field="heldOn")
    await require_consent(session, case_id, "caseId")
    people = [p.strip() for p in participants if p.strip()]
    if not people:
        raise DomainError("List who took part.", code="MISSING_CONTENT", field="participants")
    notes = required(notes, "notes", "The session's notes is required.")
    row = MediationSession(case_id=case_id, held_on=held_on, participants=people, notes=notes, recorded_by=actor.name)
    session.add(row)
    await session.flush()
    return row


async def escalate(session: AsyncSession, actor: Actor, case_id: int, reason: str) -> Case:
    """Flag a dispute at risk of turning violent (the caller then notifies people)."""
    case = await get_case(session, actor, case_id)
    if case.state in {s.value for s in CLOSED_STATES}:
        raise DomainError("The case is closed.", code="CASE_CLOSED", field="caseId")
    case.escalation_reason = required(reason, "reason", "The reason for the escalation is required.")
    case.escalated_at = now()
    await session.flush()
    return case

