"""What goes on a case's documents, read from the database: a few statements per document,
whatever the number of sessions, visits or attachments (the contents of attachments are read
from the file store afterwards, by ``archive``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import registry
from jiedao.api.domain import CHINA, identity
from jiedao.plugins.mediation import models as m
from jiedao.plugins.mediation.documents.parties import address_of, PartyLine
from jiedao.plugins.mediation.service.numbering import document_number


@dataclass(frozen=True)
class Signatory:
    """Someone whose signature the document carries: signed on a date, or a blank line."""

    name: str
    signed_on: date | None = None


@dataclass(frozen=True)
class SealMark:
    """The committee's seal as it is on a sealed agreement: its text, number, and the file
    store's reference of its image (if the committee recorded one)."""

    name: str
    number: str = ""
    image: str | None = None
    image_type: str | None = None


@dataclass(frozen=True)
class AgreementSheet:
    """The content of a 人民调解协议书 (Art. 29): who, what, how, when, signed and sealed by whom."""

    number: str
    committee: str
    studio: str
    parties: list[PartyLine]
    facts: str
    disputed_points: str
    terms: str
    performance: str
    perform_by: date
    oral: bool
    party_signatures: dict[int, date]
    mediators: list[Signatory]
    sealed_on: date | None
    effective_on: date | None
    drafted_on: date
    seal: SealMark | None = None
    """Present once the committee sealed the agreement (Art. 29)."""

    @property
    def in_effect(self) -> bool:
        """Signed by all and sealed (or an oral agreement recorded)."""
        return self.effective_on is not None

    def signatory(self, party: PartyLine) -> Signatory:
        """The party's signature line: their name and the day they signed, if they did."""
        return Signatory(party.name, self.party_signatures.get(party.resident_id))


@dataclass(frozen=True)
class SessionRecord:
    """One mediation session (调解记录)."""

    held_on: date
    participants: list[str]
    notes: str
    recorded_by: str


@dataclass(frozen=True)
class VisitRecord:
    """One return visit (回访记录)."""

    due_on: date
    done_on: date | None
    notes: str


@dataclass(frozen=True)
class AttachmentEntry:
    """A file of the case: listed, and embedded when it is an image the store still holds."""

    id: int
    name: str
    content_type: str
    size: int
    reference: str
    added_by: str
    added_on: date


@dataclass(frozen=True)
class Answer:
    """A party's answer to mediation (Art. 17): accepted or refused, when, how, why."""

    party: str
    answer: str
    answered_on: date | None
    channel: str
    recorded_by: str
    refusal_reason: str


@dataclass(frozen=True)
class Outcome:
    """What became of the agreement: performance (Art. 31), breach, judicial confirmation (Art.
    33) and the court's ruling, a court action (Art. 32); empty fields where nothing happened."""

    perform_by: date
    performed_on: date | None = None
    performance_how: str = ""
    performance_note: str = ""
    performance_recorded_by: str = ""
    breached_on: date | None = None
    breach_note: str = ""
    confirmation_requested_on: date | None = None
    confirmation_court: str = ""
    confirmation_ruling: str = ""
    confirmation_case_number: str = ""
    confirmation_ruled_on: date | None = None
    court_action: str = ""
    court_action_on: date | None = None
    court_action_court: str = ""


@dataclass(frozen=True)
class CaseFile:
    """Everything the archive (卷宗) of a case holds."""

    number: str
    committee: str
    studio: str
    street: str
    title: str
    description: str
    category: str
    source: str
    referred_by: str
    state: str
    opened_on: date
    closed_on: date | None
    mediator: str
    places: list[str]
    parties: list[PartyLine]
    sessions: list[SessionRecord]
    visits: list[VisitRecord]
    attachments: list[AttachmentEntry]
    history: list[tuple[date, str, str, str]] = field(default_factory=list)
    agreement: AgreementSheet | None = None
    answers: list[Answer] = field(default_factory=list)
    outcome: Outcome | None = None


def china_date(moment: datetime | None) -> date | None:
    """The date in China of a stored UTC time."""
    return None if moment is None else moment.astimezone(CHINA).date()


async def _committee_and_street(session: AsyncSession, case: m.Case) -> tuple[m.Committee | None, str, str]:
    """(the committee of the case's studio or None, the studio's name, the street's name)."""
    studio, committee = (
        await session.execute(
            select(m.Studio.name, m.Committee).outerjoin(m.Committee, m.Committee.id == m.Studio.committee_id).where(m.Studio.id == case.studio_id)
        )
    ).one()
    street = await session.scalar(select(registry.Street.name).where(registry.Street.id == case.street_id)) or ""
    return committee, studio, street


async def _seal(session: AsyncSession, agreement: m.Agreement, studio_committee: m.Committee | None) -> tuple[str, SealMark | None]:
    """The committee printed on the agreement and its seal: the committee that sealed it (Art.
    29), with the seal; before sealing, the committee of the case's studio, without a seal."""
    committee = studio_committee
    if agreement.seal_committee_id is not None and (committee is None or committee.id != agreement.seal_committee_id):
        committee = await session.scalar(select(m.Committee).where(m.Committee.id == agreement.seal_committee_id))
    name = committee.name if committee is not None else ""
    if agreement.sealed_at is None or agreement.seal_committee_id is None or committee is None:
        return name, None
    return name, SealMark(committee.seal_name or committee.name, committee.seal_number or "", committee.seal_image, committee.seal_image_type)


async def _parties(session: AsyncSession, case_id: int) -> list[PartyLine]:
    """The parties in the order they joined the case, each with the home they live in (their
    household's unit) or else the first unit they own."""
    R = registry
    rows = (
        await session.execute(
            select(m.CaseParty.role, R.Resident)
            .join(R.Resident, R.Resident.id == m.CaseParty.resident_id)
            .where(m.CaseParty.case_id == case_id)
            .order_by(m.CaseParty.id)
        )
    ).all()
    ids = [resident.id for _, resident in rows]
    place = (R.Compound.name, R.Building.name, R.Unit.stairwell, R.Unit.number)
    owned = (
        select(R.Ownership.resident_id, *place)
        .join(R.Unit, R.Unit.id == R.Ownership.unit_id)
        .join(R.Building, R.Building.id == R.Unit.building_id)
        .join(R.Compound, R.Compound.id == R.Building.compound_id)
        .where(R.Ownership.resident_id.in_(ids))
        .order_by(R.Ownership.id.desc())
    )
    lived = (
        select(R.Resident.id, *place)
        .join(R.Household, R.Household.id == R.Resident.household_id)
        .join(R.Unit, R.Unit.id == R.Household.unit_id)
        .join(R.Building, R.Building.id == R.Unit.building_id)
        .join(R.Compound, R.Compound.id == R.Building.compound_id)
        .where(R.Resident.id.in_(ids))
    )
    homes: dict[int, str] = {}
    for resident_id, *parts in [*(await session.execute(owned)).all(), *(await session.execute(lived)).all()]:
        homes[resident_id] = address_of(*parts)  # the household's unit, read last, wins
    return [
        PartyLine(
            role=role,
            name=resident.name,
            is_organisation=resident.is_organisation,
            id_card_masked=resident.id_card_masked,
            birth_year=resident.birth_year,
            address=homes.get(resident.id, ""),
            resident_id=resident.id,
        )
        for role, resident in rows
    ]


async def _mediator_names(session: AsyncSession, case: m.Case, user_ids: set[int]) -> dict[int, str]:
    """Each user's name as a mediator: their display name in the case's studio, else their username."""
    if not user_ids:
        return {}
    names = dict((await session.execute(select(identity.User.id, identity.User.username).where(identity.User.id.in_(user_ids)))).all())
    names.update(
        (await session.execute(
            select(m.StudioMember.user_id, m.StudioMember.display_name).where(
                m.StudioMember.studio_id == case.studio_id, m.StudioMember.user_id.in_(user_ids)
            )
        )).all()
    )
    return names


async def _recorders(session: AsyncSession, case: m.Case, usernames: set[str]) -> dict[str, str]:
    """Each recorder's name as printed: their display name in the case's studio, else as stored."""
    if not usernames:
        return {}
    rows = await session.execute(
        select(identity.User.username, m.StudioMember.display_name)
        .join(m.StudioMember, m.StudioMember.user_id == identity.User.id)
        .where(m.StudioMember.studio_id == case.studio_id, identity.User.username.in_(usernames))
    )
    return {name: name for name in usernames} | dict(rows.all())


async def _sheet(
    session: AsyncSession, case: m.Case, agreement: m.Agreement, committee: m.Committee | None, studio: str, number: str, parties: list[PartyLine]
) -> AgreementSheet:
    committee_name, seal = await _seal(session, agreement, committee)
    signatures = (await session.execute(select(m.Signature).where(m.Signature.agreement_id == agreement.id).order_by(m.Signature.id))).scalars().all()
    mediator_ids = {s.user_id for s in signatures if s.user_id is not None}
    if case.mediator_user_id is not None:
        mediator_ids.add(case.mediator_user_id)
    names = await _mediator_names(session, case, mediator_ids)
    signed = {s.user_id: china_date(s.signed_at) for s in signatures if s.user_id is not None}
    order = [case.mediator_user_id] if case.mediator_user_id is not None else []
    order += sorted(u for u in signed if u != case.mediator_user_id)
    return AgreementSheet(
        number=number,
        committee=committee_name,
        studio=studio,
        parties=parties,
        facts=agreement.facts,
        disputed_points=agreement.disputed_points,
        terms=agreement.terms,
        performance=agreement.performance,
        perform_by=agreement.perform_by,
        oral=agreement.oral,
        party_signatures={s.resident_id: china_date(s.signed_at) for s in signatures if s.resident_id is not None},
        mediators=[Signatory(names.get(u, "?"), signed.get(u)) for u in order],
        sealed_on=china_date(agreement.sealed_at),
        effective_on=agreement.effective_on,
        drafted_on=china_date(agreement.drafted_at),
        seal=seal,
    )


async def agreement_sheet(session: AsyncSession, case: m.Case) -> AgreementSheet | None:
    """The agreement of ``case`` as printed, or None when it has none."""
    agreement = await session.scalar(select(m.Agreement).where(m.Agreement.case_id == case.id))
    if agreement is None:
        return None
    committee, studio, street = await _committee_and_street(session, case)
    parties = await _parties(session, case.id)
    return await _sheet(session, case, agreement, committee, studio, document_number(street, case), parties)


async def case_file(session: AsyncSession, case: m.Case) -> CaseFile:
    """Everything the archive of ``case`` holds (attachments as references, not contents)."""
    committee, studio, street = await _committee_and_street(session, case)
    number = document_number(street, case)
    parties = await _parties(session, case.id)
    agreement = await session.scalar(select(m.Agreement).where(m.Agreement.case_id == case.id))
    sheet = None if agreement is None else await _sheet(session, case, agreement, committee, studio, number, parties)
    R = registry
    places = (
        await session.execute(
            select(R.Compound.name, R.Building.name, R.Unit.stairwell, R.Unit.number)
            .select_from(m.CasePlace)
            .join(R.Building, R.Building.id == m.CasePlace.building_id)
            .join(R.Compound, R.Compound.id == R.Building.compound_id)
            .outerjoin(R.Unit, R.Unit.id == m.CasePlace.unit_id)
            .where(m.CasePlace.case_id == case.id)
            .order_by(m.CasePlace.id)
        )
    ).all()
    sessions = (await session.scalars(select(m.MediationSession).where(m.MediationSession.case_id == case.id).order_by(m.MediationSession.held_on, m.MediationSession.id))).all()
    visits = (await session.scalars(select(m.ReturnVisit).where(m.ReturnVisit.case_id == case.id).order_by(m.ReturnVisit.due_on, m.ReturnVisit.id))).all()
    attachments = (await session.scalars(select(m.Attachment).where(m.Attachment.case_id == case.id).order_by(m.Attachment.id))).all()
    history = (await session.scalars(select(m.CaseTransition).where(m.CaseTransition.case_id == case.id).order_by(m.CaseTransition.at, m.CaseTransition.id))).all()
    answered = (
        await session.execute(
            select(m.CaseParty, registry.Resident.name)
            .join(registry.Resident, registry.Resident.id == m.CaseParty.resident_id)
            .where(m.CaseParty.case_id == case.id, m.CaseParty.answer.is_not(None))
            .order_by(m.CaseParty.id)
        )
    ).all()
    recorders = await _recorders(session, case, {s.recorded_by for s in sessions})
    mediator = ""
    if case.mediator_user_id is not None:
        mediator = (await _mediator_names(session, case, {case.mediator_user_id})).get(case.mediator_user_id, "")
    return CaseFile(
        number=number,
        committee=sheet.committee if sheet is not None and sheet.committee else (committee.name if committee is not None else ""),
        studio=studio,
        street=street,
        title=case.title,
        description=case.description,
        category=case.category,
        source=case.source,
        referred_by=case.referred_by,
        state=case.state,
        opened_on=china_date(case.opened_at),
        closed_on=china_date(case.closed_at or case.concluded_at),
        mediator=mediator,
        places=[address_of(*place) for place in places],
        parties=parties,
        sessions=[SessionRecord(s.held_on, list(s.participants or []), s.notes, recorders[s.recorded_by]) for s in sessions],
        visits=[VisitRecord(v.due_on, v.done_on, v.notes) for v in visits],
        attachments=[AttachmentEntry(a.id, a.name, a.content_type, a.size, a.reference, a.added_by, china_date(a.added_at)) for a in attachments],
        history=[(china_date(t.at), t.from_state or "", t.to_state, t.reason) for t in history],
        agreement=sheet,
        answers=[
            Answer(name, p.answer or "", p.answered_on, p.answer_channel or "", p.answer_recorded_by or "", p.refusal_reason or "") for p, name in answered
        ],
        outcome=None if agreement is None else _outcome(agreement),
    )


def _outcome(a: m.Agreement) -> Outcome:
    return Outcome(
        perform_by=a.perform_by,
        performed_on=a.performed_on,
        performance_how=a.performance_how or "",
        performance_note=a.performance_note or "",
        performance_recorded_by=a.performance_recorded_by or "",
        breached_on=a.breached_on,
        breach_note=a.breach_note or "",
        confirmation_requested_on=a.confirmation_requested_on,
        confirmation_court=a.confirmation_court or "",
        confirmation_ruling=a.confirmation_ruling or "",
        confirmation_case_number=a.confirmation_case_number or "",
        confirmation_ruled_on=a.confirmation_ruled_on,
        court_action=a.court_action or "",
        court_action_on=a.court_action_on,
        court_action_court=a.court_action_court or "",
    )
