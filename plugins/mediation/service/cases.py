"""Domain rules of people's mediation (People's Mediation Law, 2010): studios, cases and
their state machine, mediators and recusal, agreements and judicial confirmation,
sessions, return visits and escalation. No GraphQL here.

Every function takes the street's session and the ``Actor``; it raises ``DomainError``
before writing anything when a rule refuses the action, so the caller's transaction
never holds half an action.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import DomainError
from core.identity.models import Grant, User
from core.models import Building, Resident, Unit
from plugins.mediation.access import Actor, visible_cases
from plugins.mediation.models import (
    Agreement,
    Case,
    CaseParty,
    CasePlace,
    CaseTransition,
    MediationSession,
    OutsideMediator,
    Recusal,
    ReturnVisit,
    Signature,
    Studio,
    StudioMember,
)
from plugins.mediation.states import (
    CLOSED_STATES,
    CONCLUDED_STATES,
    INITIAL_STATE,
    OPEN_STATES,
    CaseState,
    Category,
    OutsideKind,
    PartyRole,
    Source,
    check_case_move,
)

CHINA = timezone(timedelta(hours=8))
CONFIRMATION_DAYS = 30
"""Art. 33: parties may jointly apply for judicial confirmation within 30 days of effect."""
LONG_OPEN_DAYS = 30
"""A case still being mediated after this many days is flagged."""
REASON_REQUIRED = frozenset({CaseState.REFUSED, CaseState.FAILED, CaseState.BREACHED})


def now() -> datetime:
    """The current instant (UTC)."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in China, the calendar deadlines are counted in."""
    return now().astimezone(CHINA).date()


def confirmation_deadline(agreement: Agreement) -> date | None:
    """The last day parties may jointly request judicial confirmation (written agreements)."""
    if agreement.effective_on is None or agreement.oral:
        return None
    return agreement.effective_on + timedelta(days=CONFIRMATION_DAYS)


def confirmation_overdue(agreement: Agreement, on: date | None = None) -> bool:
    """The deadline passed without a request."""
    deadline = confirmation_deadline(agreement)
    return deadline is not None and agreement.confirmation_requested_on is None and (on or today()) > deadline


def open_too_long(case: Case, at: datetime | None = None) -> bool:
    """Still being mediated more than ``LONG_OPEN_DAYS`` after it was opened."""
    return case.state in OPEN_STATES and (at or now()) - case.opened_at > timedelta(days=LONG_OPEN_DAYS)


def _required(value: str | None, field_name: str, what: str) -> str:
    text = (value or "").strip()
    if not text:
        raise DomainError(f"{what} is required.", code="MISSING_CONTENT", field=field_name)
    return text


def _street_of(session: AsyncSession) -> int:
    return session.info["street_id"]


# -- studios ---------------------------------------------------------------------------


async def create_studio(session: AsyncSession, name: str, description: str = "", community_id: int | None = None) -> Studio:
    """A new studio; names are unique in the street."""
    name = _required(name, "name", "The studio's name")
    if await session.scalar(select(Studio.id).where(Studio.name == name)):
        raise DomainError(f"A studio named '{name}' already exists.", code="DUPLICATE", field="name")
    studio = Studio(name=name, description=description, community_id=community_id, created_at=now())
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
        select(Grant.id).where(Grant.user_id == user_id, Grant.street_id == _street_of(session), Grant.role == "mediator")
    )
    if not is_mediator:
        raise DomainError("Only users holding the mediator role in this street can join a studio.", code="NOT_A_MEDIATOR", field="userId")
    member = await session.scalar(select(StudioMember).where(StudioMember.studio_id == studio_id, StudioMember.user_id == user_id))
    if member is None:
        if not (display_name or "").strip():
            display_name = await session.scalar(select(User.username).where(User.id == user_id)) or "?"
        member = StudioMember(studio_id=studio_id, user_id=user_id, display_name=display_name.strip())
        session.add(member)
    if lead:
        for other in await session.scalars(select(StudioMember).where(StudioMember.studio_id == studio_id, StudioMember.is_lead.is_(True))):
            other.is_lead = False
        member.is_lead = True
    await session.flush()
    return member


async def is_studio_lead(session: AsyncSession, studio_id: int, user_id: int | None) -> bool:
    """``user_id`` leads the studio."""
    if user_id is None:
        return False
    found = await session.scalar(
        select(StudioMember.id).where(StudioMember.studio_id == studio_id, StudioMember.user_id == user_id, StudioMember.is_lead.is_(True))
    )
    return found is not None


# -- cases -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PartyData:
    resident_id: int
    role: PartyRole


@dataclass(frozen=True)
class PlaceData:
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
    title = _required(data.title, "title", "The case's title")
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
    if await session.scalar(select(Studio.id).where(Studio.id == data.studio_id)) is None:
        raise DomainError("No such studio.", code="NOT_FOUND", field="studioId")
    if actor.manages and not actor.sees_all:
        member = await session.scalar(select(StudioMember.id).where(StudioMember.studio_id == data.studio_id, StudioMember.user_id == actor.user_id))
        if member is None:
            raise DomainError("Mediators open cases in their own studio.", code="NOT_A_MEMBER", field="studioId")
    found = set(await session.scalars(select(Resident.id).where(Resident.id.in_(resident_ids))))
    if missing := [r for r in resident_ids if r not in found]:
        raise DomainError(f"Unknown resident(s): {missing}.", code="NOT_FOUND", field="parties")
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
    session.add_all([CaseParty(case_id=case.id, resident_id=p.resident_id, role=p.role.value) for p in data.parties])
    session.add_all([CasePlace(case_id=case.id, building_id=p.building_id, unit_id=p.unit_id) for p in data.places])
    reason = f"referred by {data.referred_by.strip()}" if data.referred_by.strip() else data.source.value
    session.add(CaseTransition(case_id=case.id, from_state=None, to_state=state.value, actor=actor.name, actor_user_id=actor.user_id, reason=reason, at=opened))
    await session.flush()
    return case


async def _check_places(session: AsyncSession, places: list[PlaceData]) -> None:
    building_ids = {p.building_id for p in places}
    found = set(await session.scalars(select(Building.id).where(Building.id.in_(building_ids)))) if building_ids else set()
    if missing := sorted(building_ids - found):
        raise DomainError(f"Unknown building(s): {missing}.", code="NOT_FOUND", field="places")
    unit_ids = {p.unit_id for p in places if p.unit_id is not None}
    if unit_ids:
        units = dict((await session.execute(select(Unit.id, Unit.building_id).where(Unit.id.in_(unit_ids)))).all())
        for place in places:
            if place.unit_id is not None and units.get(place.unit_id) != place.building_id:
                raise DomainError(f"Unit {place.unit_id} is not in building {place.building_id}.", code="NOT_FOUND", field="places")


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


async def _move(session: AsyncSession, case: Case, target: CaseState, actor: Actor, reason: str, at: datetime | None = None) -> CaseTransition:
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
        raise DomainError(f"Say why the case becomes '{target.value}'.", code="MISSING_CONTENT", field="reason")
    if target is CaseState.AGREED:
        raise DomainError(
            "A case becomes 'agreed' when its agreement takes effect: every party and the mediator signed and the studio sealed it.",
            code="AGREEMENT_NOT_EFFECTIVE",
            field="to",
        )
    if target is CaseState.IN_MEDIATION and case.mediator_user_id is None:
        raise DomainError("Assign a mediator before mediation starts.", code="MEDIATOR_REQUIRED", field="to")
    await _move(session, case, target, actor, reason)
    return case


async def party_ids(session: AsyncSession, case_id: int) -> list[int]:
    """The residents who are parties to the case."""
    return list(await session.scalars(select(CaseParty.resident_id).where(CaseParty.case_id == case_id).order_by(CaseParty.id)))


async def _conflict(session: AsyncSession, case_id: int, user_id: int) -> str | None:
    """Why ``user_id`` may not mediate the case (a party, or living in a party's household)."""
    resident_id = await session.scalar(select(User.resident_id).where(User.id == user_id))
    if resident_id is None:
        return None
    parties = await party_ids(session, case_id)
    if resident_id in parties:
        return "the mediator is a party to the case"
    household = await session.scalar(select(Resident.household_id).where(Resident.id == resident_id))
    if household is not None:
        shared = await session.scalar(select(func.count()).select_from(Resident).where(Resident.id.in_(parties), Resident.household_id == household))
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
        raise DomainError(f"This mediator recused themselves from the case: {recused}", code="RECUSED", field="userId")
    if (conflict := await _conflict(session, case_id, user_id)) is not None:
        raise DomainError(f"This mediator may not mediate the case: {conflict} (recusal).", code="CONFLICT_OF_INTEREST", field="userId")
    case.mediator_user_id = user_id
    await session.flush()
    return case


async def recuse(session: AsyncSession, actor: Actor, case_id: int, user_id: int, reason: str) -> Recusal:
    """Record that a mediator withdraws from a case because of a relation to a party.

    A recused mediator is removed from the case and cannot be assigned to it again.
    """
    case = await get_case(session, actor, case_id)
    reason = _required(reason, "reason", "The reason for the recusal")
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
    name = _required(name, "name", "The outside mediator's name")
    consent = _required(consent, "partiesConsent", "A note of how the parties consented")
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
    people = [p.strip() for p in participants if p.strip()]
    if not people:
        raise DomainError("List who took part.", code="MISSING_CONTENT", field="participants")
    notes = _required(notes, "notes", "The session's notes")
    row = MediationSession(case_id=case_id, held_on=held_on, participants=people, notes=notes, recorded_by=actor.name)
    session.add(row)
    await session.flush()
    return row


async def escalate(session: AsyncSession, actor: Actor, case_id: int, reason: str) -> Case:
    """Flag a dispute at risk of turning violent (the caller then notifies people)."""
    case = await get_case(session, actor, case_id)
    if case.state in {s.value for s in CLOSED_STATES}:
        raise DomainError("The case is closed.", code="CASE_CLOSED", field="caseId")
    case.escalation_reason = _required(reason, "reason", "The reason for the escalation")
    case.escalated_at = now()
    await session.flush()
    return case


# -- agreements ------------------------------------------------------------------------


@dataclass(frozen=True)
class AgreementData:
    """The content Art. 29 requires of a mediation agreement."""

    facts: str
    disputed_points: str
    terms: str
    performance: str
    perform_by: date | None
    oral: bool = False


async def draft_agreement(session: AsyncSession, actor: Actor, case_id: int, data: AgreementData) -> Agreement:
    """Write (or rewrite, voiding signatures) the agreement of a case in mediation.

    An oral agreement (Art. 30) is recorded by the case's mediator and takes effect at once.
    """
    case = await get_case(session, actor, case_id)
    if case.state != CaseState.IN_MEDIATION.value:
        raise DomainError("Agreements are drafted while the case is in mediation.", code="INVALID_STATE", field="caseId")
    content = {
        "facts": _required(data.facts, "facts", "The facts of the dispute"),
        "disputed_points": _required(data.disputed_points, "disputedPoints", "The disputed points"),
        "terms": _required(data.terms, "terms", "The agreed terms"),
        "performance": _required(data.performance, "performance", "How the agreement is carried out"),
    }
    if data.perform_by is None:
        raise DomainError("When the agreement is carried out is required.", code="MISSING_CONTENT", field="performBy")
    if data.perform_by < today():
        raise DomainError("The date by which the agreement is carried out is in the past.", code="DEADLINE_IN_PAST", field="performBy")
    if data.oral and actor.user_id != case.mediator_user_id:
        raise DomainError("An oral agreement is recorded by the case's mediator.", code="NOT_THE_MEDIATOR", field="oral")
    agreement = await session.scalar(select(Agreement).where(Agreement.case_id == case_id))
    if agreement is None:
        agreement = Agreement(case_id=case_id, drafted_at=now(), **content, perform_by=data.perform_by, oral=data.oral)
        session.add(agreement)
    else:
        agreement.sealed_at = None
        agreement.drafted_at = now()
        agreement.perform_by, agreement.oral = data.perform_by, data.oral
        for key, value in content.items():
            setattr(agreement, key, value)
        await session.execute(delete(Signature).where(Signature.agreement_id == agreement.id))
    await session.flush()
    if data.oral:
        await _take_effect(session, case, agreement, actor, "oral agreement recorded by the mediator")
    return agreement


async def _agreement_of(session: AsyncSession, case: Case) -> Agreement:
    agreement = await session.scalar(select(Agreement).where(Agreement.case_id == case.id))
    if agreement is None:
        raise DomainError("The case has no agreement yet.", code="NO_AGREEMENT", field="caseId")
    return agreement


async def sign_agreement(session: AsyncSession, actor: Actor, case_id: int, resident_id: int | None) -> Agreement:
    """Record a party's signature (``resident_id``) or, without it, the mediator's own.

    A resident signs only for themselves; staff record signatures given on paper.
    """
    case = await get_case(session, actor, case_id, manage=False)
    agreement = await _agreement_of(session, case)
    if agreement.effective_on is not None:
        raise DomainError("The agreement is already in effect.", code="ALREADY_EFFECTIVE", field="caseId")
    if resident_id is None:
        if actor.user_id is None or actor.user_id != case.mediator_user_id:
            raise DomainError("Only the case's mediator signs as mediator.", code="NOT_THE_MEDIATOR", field="residentId")
        existing = select(Signature.id).where(Signature.agreement_id == agreement.id, Signature.user_id == actor.user_id)
        signature = Signature(agreement_id=agreement.id, user_id=actor.user_id, recorded_by=actor.name, signed_at=now())
    else:
        if resident_id not in await party_ids(session, case_id):
            raise DomainError("Only parties to the case sign its agreement.", code="NOT_A_PARTY", field="residentId")
        if not actor.manages and actor.resident_id != resident_id:
            raise DomainError("You may only sign for yourself.", code="FORBIDDEN", field="residentId")
        existing = select(Signature.id).where(Signature.agreement_id == agreement.id, Signature.resident_id == resident_id)
        signature = Signature(agreement_id=agreement.id, resident_id=resident_id, recorded_by=actor.name, signed_at=now())
    if await session.scalar(existing):
        raise DomainError("Already signed.", code="ALREADY_SIGNED", field="residentId")
    session.add(signature)
    await session.flush()
    await _maybe_take_effect(session, case, agreement, actor)
    return agreement


async def seal_agreement(session: AsyncSession, actor: Actor, case_id: int) -> Agreement:
    """The studio seals the agreement (its lead, or street staff)."""
    case = await get_case(session, actor, case_id)
    agreement = await _agreement_of(session, case)
    if not actor.sees_all and not await is_studio_lead(session, case.studio_id, actor.user_id):
        raise DomainError("Only the studio's lead mediator or street staff seal agreements.", code="NOT_STUDIO_LEAD", field="caseId")
    if agreement.sealed_at is not None:
        raise DomainError("The agreement is already sealed.", code="ALREADY_SEALED", field="caseId")
    agreement.sealed_at = now()
    await session.flush()
    await _maybe_take_effect(session, case, agreement, actor)
    return agreement


async def missing_signatures(session: AsyncSession, case: Case, agreement: Agreement) -> tuple[list[int], bool]:
    """(parties who have not signed, whether the mediator still has to sign)."""
    rows = (await session.execute(select(Signature.resident_id, Signature.user_id).where(Signature.agreement_id == agreement.id))).all()
    signed_residents = {r for r, _ in rows if r is not None}
    signed_users = {u for _, u in rows if u is not None}
    parties = await party_ids(session, case.id)
    return [p for p in parties if p not in signed_residents], case.mediator_user_id not in signed_users


async def _maybe_take_effect(session: AsyncSession, case: Case, agreement: Agreement, actor: Actor) -> None:
    missing, mediator_missing = await missing_signatures(session, case, agreement)
    if agreement.sealed_at is not None and not missing and not mediator_missing:
        await _take_effect(session, case, agreement, actor, "agreement signed by every party and the mediator, and sealed")


async def _take_effect(session: AsyncSession, case: Case, agreement: Agreement, actor: Actor, reason: str) -> None:
    agreement.effective_on = today()
    await _move(session, case, CaseState.AGREED, actor, reason)
    visit_on = max(agreement.perform_by, today()) + timedelta(days=1)
    session.add(ReturnVisit(case_id=case.id, due_on=visit_on))
    await session.flush()


async def request_judicial_confirmation(session: AsyncSession, actor: Actor, case_id: int, requesting: list[int], court: str) -> Agreement:
    """Record the parties' joint request for judicial confirmation (Art. 33), within 30 days."""
    case = await get_case(session, actor, case_id)
    agreement = await _agreement_of(session, case)
    if agreement.effective_on is None:
        raise DomainError("The agreement is not in effect yet.", code="AGREEMENT_NOT_EFFECTIVE", field="caseId")
    if agreement.oral:
        raise DomainError("Judicial confirmation needs a written agreement.", code="ORAL_AGREEMENT", field="caseId")
    if agreement.confirmation_requested_on is not None:
        raise DomainError("Judicial confirmation was already requested.", code="ALREADY_REQUESTED", field="caseId")
    court = _required(court, "court", "The court")
    if set(requesting) != set(await party_ids(session, case_id)):
        raise DomainError("Every party must join the request (a joint application).", code="NOT_JOINT", field="partyIds")
    deadline = confirmation_deadline(agreement)
    if today() > deadline:
        raise DomainError(
            f"The 30 days for judicial confirmation ended on {deadline.isoformat()}.", code="DEADLINE_PASSED", field="caseId"
        )
    agreement.confirmation_requested_on = today()
    agreement.confirmation_court = court
    await session.flush()
    return agreement


# -- follow-up -------------------------------------------------------------------------


async def schedule_return_visit(session: AsyncSession, actor: Actor, case_id: int, due_on: date) -> ReturnVisit:
    """Schedule a return visit (回访) of an agreed case."""
    case = await get_case(session, actor, case_id)
    if case.state not in (CaseState.AGREED.value, CaseState.PERFORMING.value):
        raise DomainError("Return visits follow an agreement.", code="INVALID_STATE", field="caseId")
    if due_on < today():
        raise DomainError("The visit date is in the past.", code="DEADLINE_IN_PAST", field="dueOn")
    visit = ReturnVisit(case_id=case_id, due_on=due_on)
    session.add(visit)
    await session.flush()
    return visit


async def record_return_visit(session: AsyncSession, actor: Actor, visit_id: int, notes: str) -> ReturnVisit:
    """Record that a return visit took place, with what was found."""
    visit = await session.scalar(select(ReturnVisit).where(ReturnVisit.id == visit_id))
    if visit is None:
        raise DomainError("No such return visit.", code="NOT_FOUND", field="visitId")
    await get_case(session, actor, visit.case_id)
    if visit.done_on is not None:
        raise DomainError("This visit is already recorded.", code="ALREADY_DONE", field="visitId")
    visit.notes = _required(notes, "notes", "What the visit found")
    visit.done_on = today()
    await session.flush()
    return visit
