"""The rules of owners' ballots (Civil Code Art. 278): creating, announcing, voting, closing, cancelling.

Every function takes an open session scoped to one street and raises ``DomainError`` for
anything the caller can fix. Auditing is the caller's job (it knows who is acting).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from jiedao.api import DomainError, now
from jiedao.api import registry
from jiedao.api.domain import CHINA, get_or_not_found
from jiedao.api.files import FileStore
from jiedao.plugins.deliberation.models import (
    Ballot, BallotBuilding, BallotStatus, Channel, Choice, ConvenorKind, Elector, Electorate, Rule, Topic, Vote,
)
from jiedao.plugins.deliberation.service import publicity, tally
from jiedao.plugins.deliberation.service.convenors import Convenor
from jiedao.plugins.deliberation.service.documents import Document, Proxy
from jiedao.plugins.deliberation.service.scope import stairwell_clause

REASON_LENGTH = 500


def aware(moment: datetime) -> datetime:
    """An input ``moment`` with a time zone: a naive one is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def get_ballot(session: AsyncSession, ballot_id: int, *, lock: str | None = None) -> Ballot:
    """The ballot, or ``NOT_FOUND``. ``lock`` is "share" or "update" (PostgreSQL row lock)."""
    return await get_or_not_found(
        session, Ballot, ballot_id, field="ballotId", message="No such ballot in this street.", for_update=bool(lock), shared=lock == "share"
    )


def is_binding(rule: Rule) -> bool:
    """Whether a ballot of ``rule`` is an owners' common decision (Civil Code Art. 278/280),
    not a consultation: those follow the assembly procedure (convenor, notice, announcement)."""
    return rule is not Rule.SIMPLE_MAJORITY


def _china(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def check_notice_period(rule: Rule, opens_at: datetime, notice_days: int, moment: datetime) -> None:
    """A binding ballot is announced at least ``notice_days`` before voting opens
    (物业管理条例 Art. 14: 15 days before the assembly); announcing it at ``moment`` must leave
    that much time. ``INVALID_PERIOD`` naming ``opensAt`` otherwise."""
    earliest = moment + timedelta(days=notice_days)
    if is_binding(rule) and aware(opens_at) < earliest:
        raise DomainError(
            "A binding owners' vote is announced at least {days} days (notice_days) before voting opens: "
            "opensAt must be {earliest} (China time) or later.",
            code="INVALID_PERIOD", field="opensAt", days=notice_days, earliest=_china(earliest),
        )


async def create_ballot(
    session: AsyncSession,
    *,
    title: str,
    matter: str,
    rule: Rule,
    compound_id: int | None,
    building_ids: Sequence[int],
    opens_at: datetime,
    closes_at: datetime,
    max_days: int = 366,
    min_days: int = 7,
    notice_days: int = 15,
    electorate: Electorate = Electorate.OWNERS,
    convenor: Convenor | None = None,
    convened_by: int | None = None,
    topic_id: int | None = None,
) -> Ballot:
    """A draft ballot over a compound (all its buildings) or a set of buildings, voting for
    ``min_days`` to ``max_days`` days; a binding one opens no sooner than ``notice_days`` from
    now (it must still be announced). A residents' electorate is for consultations only."""
    if not title.strip():
        raise DomainError("A ballot needs a title.", code="REQUIRED", field="title")
    if (compound_id is None) == (not building_ids):
        raise DomainError("Give the scope as either a compound or a list of buildings.", code="INVALID_SCOPE", field="scope")
    if electorate is Electorate.RESIDENTS and is_binding(rule):
        raise DomainError(
            "Only a non-binding consultation (SIMPLE_MAJORITY) can be put to residents; owners' decisions are taken by owners.",
            code="INVALID", field="electorate",
        )
    opens_at, closes_at = aware(opens_at), aware(closes_at)
    if closes_at <= opens_at:
        raise DomainError("The ballot must close after it opens.", code="INVALID_PERIOD", field="closesAt")
    if closes_at <= now():
        raise DomainError("The closing time is already past.", code="INVALID_PERIOD", field="closesAt")
    if closes_at - opens_at < timedelta(days=min_days):
        raise DomainError(
            "Voting must last at least {days} days (min_voting_days): closesAt must be {earliest} "
            "(China time) or later.",
            code="INVALID_PERIOD", field="closesAt", days=min_days, earliest=_china(opens_at + timedelta(days=min_days)),
        )
    if closes_at - opens_at > timedelta(days=max_days):
        raise DomainError("Voting may last at most {days} days in this street.", code="INVALID_PERIOD", field="closesAt", days=max_days)
    check_notice_period(rule, opens_at, notice_days, now())
    if topic_id is not None and await session.scalar(select(Topic.id).where(Topic.id == topic_id)) is None:
        raise DomainError("No such topic in this street.", code="NOT_FOUND", field="topicId")
    if compound_id is not None:
        if await session.scalar(select(registry.Compound.id).where(registry.Compound.id == compound_id)) is None:
            raise DomainError("No such compound in this street.", code="NOT_FOUND", field="scope.compoundId")
        buildings = list(await session.scalars(select(registry.Building.id).where(registry.Building.compound_id == compound_id)))
    else:
        wanted = set(building_ids)
        buildings = list(await session.scalars(select(registry.Building.id).where(registry.Building.id.in_(wanted))))
        if len(buildings) != len(wanted):
            raise DomainError("Some buildings are not in this street.", code="NOT_FOUND", field="scope.buildingIds")
    if not buildings:
        raise DomainError("The scope holds no building.", code="INVALID_SCOPE", field="scope")
    if topic_id is not None:
        await _check_topic_place(session, topic_id, buildings)
    convenor = convenor or Convenor(ConvenorKind.STREET, None, "")
    ballot = Ballot(
        title=title.strip(),
        matter=matter,
        rule=rule.value,
        status=BallotStatus.DRAFT.value,
        compound_id=compound_id,
        opens_at=opens_at,
        closes_at=closes_at,
        created_at=now(),
        electorate=electorate.value,
        convenor_kind=convenor.kind.value,
        convenor_organisation_id=convenor.organisation_id,
        convened_by_user_id=convened_by,
        topic_id=topic_id,
    )
    session.add(ballot)
    await session.flush()
    session.add_all(BallotBuilding(ballot_id=ballot.id, building_id=b) for b in sorted(buildings))
    await session.flush()
    return ballot


async def _check_topic_place(session: AsyncSession, topic_id: int, buildings: Sequence[int]) -> None:
    """A ballot decides its topic only where the topic is: a topic of a compound (or of one of
    its buildings or flats) takes ballots over that compound's buildings; a street-wide topic
    takes any. ``INVALID_SCOPE`` naming ``topicId`` otherwise."""
    # The topic's compound: its own, or its flat's building's, or its building's; none for a
    # street-wide topic, and then no building is "elsewhere" (a comparison with NULL is never true).
    flat_building, building = aliased(registry.Building), aliased(registry.Building)
    compound = (
        select(func.coalesce(Topic.compound_id, flat_building.compound_id, building.compound_id))
        .outerjoin(registry.Unit, registry.Unit.id == Topic.unit_id)
        .outerjoin(flat_building, flat_building.id == registry.Unit.building_id)
        .outerjoin(building, building.id == Topic.building_id)
        .where(Topic.id == topic_id)
        .scalar_subquery()
    )
    elsewhere = await session.scalar(
        select(registry.Building.id).where(registry.Building.id.in_(list(buildings)), registry.Building.compound_id != compound).limit(1)
    )
    if elsewhere is not None:
        raise DomainError("The topic is about another compound than the buildings this ballot is put to.", code="INVALID_SCOPE", field="topicId")


async def compounds_of_scope(session: AsyncSession, compound_id: int | None, building_ids: Sequence[int]) -> set[int]:
    """The compounds a ballot over ``compound_id`` or ``building_ids`` concerns."""
    if compound_id is not None:
        return {compound_id}
    if not building_ids:
        return set()
    return set(await session.scalars(select(registry.Building.compound_id).where(registry.Building.id.in_(building_ids))))


async def compounds_of_ballot(session: AsyncSession, ballot_id: int) -> set[int]:
    """The compounds ballot ``ballot_id`` concerns (its compound, or its buildings' compounds)."""
    ballot = await get_ballot(session, ballot_id)
    if ballot.compound_id is not None:
        return {ballot.compound_id}
    building_ids = list(await session.scalars(select(BallotBuilding.building_id).where(BallotBuilding.ballot_id == ballot_id)))
    return await compounds_of_scope(session, None, building_ids)


async def open_ballot(session: AsyncSession, street_id: int, ballot_id: int, *, notice_days: int = 15, user=None) -> Ballot:
    """Announce a draft ballot: the electorate is fixed now (owner groups of today, or the
    adult residents of a residents' consultation) and a public notice (公告) gives the matter,
    the voting period and the ways to vote; votes are taken from ``opens_at`` to ``closes_at``.
    A binding ballot must leave ``notice_days`` between now and ``opens_at``."""
    ballot = await get_ballot(session, ballot_id, lock="update")
    if ballot.status != BallotStatus.DRAFT.value:
        raise DomainError("The ballot is {status}, not a draft.", code="INVALID_STATUS", field="ballotId", status=ballot.status.lower())
    moment = now()
    if ballot.closes_at <= moment:
        raise DomainError("The closing time is already past.", code="INVALID_PERIOD", field="closesAt")
    check_notice_period(Rule(ballot.rule), ballot.opens_at, notice_days, moment)
    await tally.freeze_electorate(session, street_id, ballot, moment.astimezone(CHINA).year)
    ballot.status = BallotStatus.OPEN.value
    ballot.opened_at = moment
    ballot.electorate_fixed_at = moment
    await session.flush()
    notice = await publicity.announce_ballot(session, ballot, user)
    ballot.announcement_notice_id = notice.id
    await session.flush()
    return ballot


async def close_ballot(session: AsyncSession, street_id: int, ballot_id: int, user=None) -> Ballot:
    """Close an open ballot after its closing time: store the tally over the electorate fixed
    at its announcement and announce the result (公告, with the per-building breakdown)."""
    ballot = await get_ballot(session, ballot_id, lock="update")
    if ballot.status != BallotStatus.OPEN.value:
        raise DomainError("The ballot is {status}, not open.", code="INVALID_STATUS", field="ballotId", status=ballot.status.lower())
    if now() < ballot.closes_at:
        raise DomainError(
            "The ballot closes at {at}; it cannot be cut short.", code="TOO_EARLY", field="ballotId", at=ballot.closes_at.isoformat()
        )
    if ballot.electorate_fixed_at is None:  # opened before the electorate was fixed at announcement
        await tally.freeze_electorate(session, street_id, ballot, now().astimezone(CHINA).year)
        ballot.electorate_fixed_at = now()
    ballot.result = await tally.final_result(session, ballot)
    ballot.status = BallotStatus.CLOSED.value
    ballot.closed_at = now()
    await session.flush()
    notice = await publicity.publish_ballot_result(session, ballot, user)
    ballot.result_notice_id = notice.id
    await session.flush()
    return ballot


async def cancel_ballot(session: AsyncSession, ballot_id: int, reason: str, user=None) -> Ballot:
    """Cancel a draft or open ballot with a reason: it takes no more votes and has no result.
    An announced ballot's cancellation is announced (公告), replacing its announcement."""
    reason = reason.strip()
    if not reason:
        raise DomainError("Say why the ballot is cancelled.", code="REQUIRED", field="reason")
    if len(reason) > REASON_LENGTH:
        raise DomainError("The reason has {length} characters; at most {most}.", code="BAD_INPUT", field="reason", length=len(reason), most=REASON_LENGTH)
    ballot = await get_ballot(session, ballot_id, lock="update")
    if ballot.status not in (BallotStatus.DRAFT.value, BallotStatus.OPEN.value):
        raise DomainError(
            "The ballot is {status}; only a draft or open ballot can be cancelled.", code="INVALID_STATUS", field="ballotId", status=ballot.status.lower()
        )
    announced = ballot.status == BallotStatus.OPEN.value
    ballot.status = BallotStatus.CANCELLED.value
    ballot.cancelled_at = now()
    ballot.cancellation_reason = reason
    ballot.cancelled_by_user_id = getattr(user, "id", None)
    await session.flush()
    if announced:
        notice = await publicity.announce_cancellation(session, ballot, user)
        ballot.cancellation_notice_id = notice.id
        await session.flush()
    return ballot


def _check_open(ballot: Ballot) -> None:
    moment = now()
    if ballot.status == BallotStatus.CANCELLED.value:
        raise DomainError("The ballot was cancelled: {reason}", code="CANCELLED", field="ballotId", reason=ballot.cancellation_reason)
    if ballot.status == BallotStatus.DRAFT.value or (ballot.status == BallotStatus.OPEN.value and moment < ballot.opens_at):
        raise DomainError(
            "Voting opens at {at}; it is not open yet.", code="NOT_OPEN", field="ballotId", at=ballot.opens_at.isoformat()
        )
    if ballot.status == BallotStatus.CLOSED.value or moment >= ballot.closes_at:
        raise DomainError("Voting closed at {at}.", code="CLOSED", field="ballotId", at=ballot.closes_at.isoformat())


async def _insert_votes(session: AsyncSession, votes: list[Vote]) -> list[Vote]:
    session.add_all(votes)
    try:
        await session.flush()
    except IntegrityError:
        raise DomainError(
            "This owner has already voted in this ballot (a co-owner, a proxy or a paper ballot may have been recorded).",
            code="ALREADY_VOTED",
            field="ballotId",
        ) from None
    return votes


async def cast_vote(
    session: AsyncSession, street_id: int, ballot_id: int, resident_id: int | None, choice: Choice, user_id: int | None
) -> list[Vote]:
    """An owner votes online, from their own session, for every group of the fixed electorate
    whose units they own now (all of them together; not a group a member of which still owns
    part: ``tally.groups_of_resident``); in a residents' consultation, a resident for themself.
    A group that already voted (through a co-owner, a paper ballot or the unit's former owner)
    makes the whole cast fail with ``ALREADY_VOTED``."""
    ballot = await get_ballot(session, ballot_id, lock="share")
    _check_open(ballot)
    residents = ballot.electorate == Electorate.RESIDENTS.value
    if resident_id is None:
        raise DomainError("Your account is not linked to a resident record.", code="NOT_AN_OWNER", field="ballotId")
    groups, withheld = await tally.groups_of_resident(session, street_id, ballot, resident_id)
    if not groups:
        if withheld:
            raise DomainError(
                "The unit you own was part of another owner's holding when the ballot was announced, and that owner, who still owns "
                "part of it, votes for it.", code="NOT_AN_OWNER", field="ballotId",
            )
        if residents:
            raise DomainError("You were not an adult resident of this consultation's scope when it was announced.", code="NOT_AN_OWNER", field="ballotId")
        raise DomainError("You own no unit of this ballot's electorate (fixed when it was announced).", code="NOT_AN_OWNER", field="ballotId")
    moment = now()
    votes = [
        Vote(
            ballot_id=ballot.id,
            owner_key=key,
            unit_id=unit_id,
            choice=choice.value,
            channel=Channel.ONLINE.value,
            resident_id=resident_id,
            recorded_by=user_id,
            cast_at=moment,
        )
        for key, unit_id in groups
    ]
    return await _insert_votes(session, votes)


def _check_channel(channel: Channel, proxy: Proxy | None, scan: Document | None) -> None:
    """Staff record PAPER and PROXY votes only; a proxy vote carries its proxy, a paper vote
    at most a scan."""
    if channel is Channel.ONLINE:
        raise DomainError(
            "Only the owner's own session casts an ONLINE vote (castVote); staff record PAPER or PROXY votes.",
            code="INVALID_CHANNEL", field="channel",
        )
    if channel is Channel.PROXY and proxy is None:
        raise DomainError("A proxy vote names the proxy and attaches the owner's written authorisation.", code="REQUIRED", field="proxy")
    if channel is Channel.PAPER and proxy is not None:
        raise DomainError("A paper vote has no proxy; record it with channel PROXY.", code="INVALID", field="proxy")
    if channel is Channel.PROXY and scan is not None:
        raise DomainError("A proxy vote keeps the authorisation, not a scan; attach it as proxy.authorisation.", code="INVALID", field="scan")


async def _elector_key(session: AsyncSession, ballot: Ballot, unit_id: int | None, resident_id: int | None) -> tuple[str, int]:
    """The elector key and unit a staff-recorded vote counts for."""
    if ballot.electorate == Electorate.RESIDENTS.value:
        if resident_id is None:
            raise DomainError("Name the resident whose vote this is.", code="REQUIRED", field="residentId")
        row = (await session.execute(
            select(Elector.owner_key, Elector.unit_id).where(Elector.ballot_id == ballot.id, Elector.owner_key == f"r{resident_id}")
        )).first()
        if row is None:
            raise DomainError("This resident was not an adult resident of the scope when it was announced.", code="NOT_AN_OWNER", field="residentId")
        return row[0], row[1]
    if unit_id is None:
        raise DomainError("Name the unit whose owners voted.", code="REQUIRED", field="unitId")
    if await session.scalar(select(registry.Unit.id).where(registry.Unit.id == unit_id)) is None:
        raise DomainError("No such unit in this street.", code="NOT_FOUND", field="unitId")
    key = await tally.group_of_unit(session, ballot.id, unit_id)
    if key is None:
        in_scope = await session.scalar(
            select(BallotBuilding.id).join(registry.Unit, registry.Unit.building_id == BallotBuilding.building_id).where(
                BallotBuilding.ballot_id == ballot.id, registry.Unit.id == unit_id,
                stairwell_clause(BallotBuilding.ballot_id, registry.Unit.building_id, registry.Unit.stairwell),  # 单元 scope
            )
        )
        if in_scope is None:
            raise DomainError("The unit is outside this ballot's scope.", code="OUT_OF_SCOPE", field="unitId")
        raise DomainError("No owner was recorded for this unit when the ballot was announced.", code="NOT_AN_OWNER", field="unitId")
    return key, unit_id


async def record_vote(
    session: AsyncSession,
    street_id: int,
    ballot_id: int,
    unit_id: int | None,
    choice: Choice,
    channel: Channel,
    user_id: int | None,
    *,
    resident_id: int | None = None,
    proxy: Proxy | None = None,
    scan: Document | None = None,
    store: FileStore | None = None,
) -> Vote:
    """Staff record a paper or proxy vote for the owner group ``unit_id`` had when the ballot
    was announced (a resident's, in a residents' consultation). A proxy vote keeps the proxy's
    name, masked ID-card number and authorisation; a paper vote may keep its scan (``store``
    holds the files)."""
    _check_channel(channel, proxy, scan)
    ballot = await get_ballot(session, ballot_id, lock="share")
    _check_open(ballot)
    key, unit_id = await _elector_key(session, ballot, unit_id, resident_id)
    document = proxy.authorisation if proxy else scan
    vote = Vote(
        ballot_id=ballot.id,
        owner_key=key,
        unit_id=unit_id,
        choice=choice.value,
        channel=channel.value,
        resident_id=resident_id,
        recorded_by=user_id,
        cast_at=now(),
        proxy_name=proxy.name if proxy else None,
        proxy_id_card_masked=proxy.id_card_masked if proxy else None,
    )
    if document is not None:
        if store is None:
            raise DomainError("No file store is configured for this street.", code="INVALID", field="channel")
        vote.attachment_name, vote.attachment_content_type = document.name, document.content_type
        vote.attachment_size, vote.attachment_ref = len(document.data), store.put(document.data)
    await _insert_votes(session, [vote])
    return vote


async def turnout(session: AsyncSession, street_id: int, ballots: Sequence[Ballot]) -> dict[int, tally.Counts]:
    """Eligible and participating owners (residents) and area of each ballot: over the
    electorate fixed at announcement while it is open or cancelled, today's for a draft (one
    statement per kind for all of them), the stored counts once it is closed."""
    closed = {b.id: tally.count_from_result(b.result) for b in ballots if b.status == BallotStatus.CLOSED.value and b.result}
    pending = [b for b in ballots if b.id not in closed]
    fixed_ids = [b.id for b in pending if b.electorate_fixed_at is not None]
    owners_ids = [b.id for b in pending if b.electorate_fixed_at is None and b.electorate != Electorate.RESIDENTS.value]
    residents_ids = [b.id for b in pending if b.electorate_fixed_at is None and b.electorate == Electorate.RESIDENTS.value]
    counts: dict[int, tally.Counts] = {}
    if fixed_ids:
        counts |= await tally.turnout_counts(session, tally.FIXED, fixed_ids, street_id)
    if owners_ids:
        counts |= await tally.turnout_counts(session, tally.OWNERS, owners_ids, street_id)
    if residents_ids:
        counts |= await tally.turnout_counts(session, tally.RESIDENTS, residents_ids, street_id, now().astimezone(CHINA).year)
    return {**counts, **closed}


async def owner_keys_of_units(session: AsyncSession, unit_ids: Sequence[int]) -> dict[int, str]:
    """The current owner key of each unit (units without owners are absent)."""
    owned = registry.Ownership
    rows = await session.execute(
        select(owned.unit_id, owned.resident_id).where(owned.unit_id.in_(unit_ids)).order_by(owned.unit_id, owned.resident_id)
    )
    keys: dict[int, list[str]] = {}
    for unit_id, resident_id in rows.all():
        keys.setdefault(unit_id, []).append(str(resident_id))
    return {unit_id: ",".join(ids) for unit_id, ids in keys.items()}
