"""The rules of owners' ballots (Civil Code Art. 278): creating, opening, voting, closing.

Every function takes an open session scoped to one street and raises ``DomainError`` for
anything the caller can fix. Auditing is the caller's job (it knows who is acting).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now
from jiedao.api import registry
from jiedao.api.domain import get_or_not_found
from jiedao.plugins.deliberation.models import Ballot, BallotBuilding, BallotStatus, Channel, Choice, Rule, Vote
from jiedao.plugins.deliberation.service import tally
from jiedao.plugins.deliberation.service.publicity import publish_ballot_result
from jiedao.plugins.deliberation.service.scope import stairwell_clause


def aware(moment: datetime) -> datetime:
    """An input ``moment`` with a time zone: a naive one is taken as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def get_ballot(session: AsyncSession, ballot_id: int, *, lock: str | None = None) -> Ballot:
    """The ballot, or ``NOT_FOUND``. ``lock`` is "share" or "update" (PostgreSQL row lock)."""
    return await get_or_not_found(
        session, Ballot, ballot_id, field="ballotId", message="No such ballot in this street.", for_update=bool(lock), shared=lock == "share"
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
) -> Ballot:
    """A draft ballot over a compound (all its buildings) or a set of buildings, voting for
    at most ``max_days`` days."""
    if not title.strip():
        raise DomainError("A ballot needs a title.", code="REQUIRED", field="title")
    if (compound_id is None) == (not building_ids):
        raise DomainError("Give the scope as either a compound or a list of buildings.", code="INVALID_SCOPE", field="scope")
    opens_at, closes_at = aware(opens_at), aware(closes_at)
    if closes_at <= opens_at:
        raise DomainError("The ballot must close after it opens.", code="INVALID_PERIOD", field="closesAt")
    if closes_at <= now():
        raise DomainError("The closing time is already past.", code="INVALID_PERIOD", field="closesAt")
    if closes_at - opens_at > timedelta(days=max_days):
        raise DomainError(f"Voting may last at most {max_days} days in this street.", code="INVALID_PERIOD", field="closesAt")
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
    ballot = Ballot(
        title=title.strip(),
        matter=matter,
        rule=rule.value,
        status=BallotStatus.DRAFT.value,
        compound_id=compound_id,
        opens_at=opens_at,
        closes_at=closes_at,
        created_at=now(),
    )
    session.add(ballot)
    await session.flush()
    session.add_all(BallotBuilding(ballot_id=ballot.id, building_id=b) for b in sorted(buildings))
    await session.flush()
    return ballot


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


async def open_ballot(session: AsyncSession, ballot_id: int) -> Ballot:
    """Publish a draft ballot; owners can vote from ``opens_at`` to ``closes_at``."""
    ballot = await get_ballot(session, ballot_id, lock="update")
    if ballot.status != BallotStatus.DRAFT.value:
        raise DomainError(f"The ballot is {ballot.status.lower()}, not a draft.", code="INVALID_STATUS", field="ballotId")
    ballot.status = BallotStatus.OPEN.value
    ballot.opened_at = now()
    await session.flush()
    return ballot


async def close_ballot(session: AsyncSession, street_id: int, ballot_id: int) -> Ballot:
    """Close an open ballot after its closing time: freeze the electorate and store the tally."""
    ballot = await get_ballot(session, ballot_id, lock="update")
    if ballot.status != BallotStatus.OPEN.value:
        raise DomainError(f"The ballot is {ballot.status.lower()}, not open.", code="INVALID_STATUS", field="ballotId")
    if now() < ballot.closes_at:
        raise DomainError(
            f"The ballot closes at {ballot.closes_at.isoformat()}; it cannot be cut short.", code="TOO_EARLY", field="ballotId"
        )
    await tally.freeze_electorate(session, street_id, ballot.id)
    ballot.result = await tally.final_result(session, ballot)
    ballot.status = BallotStatus.CLOSED.value
    ballot.closed_at = now()
    await session.flush()
    await publish_ballot_result(session, ballot)
    return ballot


def _check_open(ballot: Ballot) -> None:
    moment = now()
    if ballot.status == BallotStatus.DRAFT.value or (ballot.status == BallotStatus.OPEN.value and moment < ballot.opens_at):
        raise DomainError(
            f"Voting opens at {ballot.opens_at.isoformat()}; it is not open yet.", code="NOT_OPEN", field="ballotId"
        )
    if ballot.status == BallotStatus.CLOSED.value or moment >= ballot.closes_at:
        raise DomainError(f"Voting closed at {ballot.closes_at.isoformat()}.", code="CLOSED", field="ballotId")


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
    """An owner votes online for every owner group they belong to in the ballot's scope.

    All of an owner's units in scope vote together; a group that already voted (through a
    co-owner or a paper ballot) makes the whole cast fail with ``ALREADY_VOTED``.
    """
    ballot = await get_ballot(session, ballot_id, lock="share")
    _check_open(ballot)
    if resident_id is None:
        raise DomainError("Your account is not linked to an owner record.", code="NOT_AN_OWNER", field="ballotId")
    groups = await tally.groups_of_resident(session, street_id, ballot.id, resident_id)
    if not groups:
        raise DomainError("You own no unit in this ballot's scope.", code="NOT_AN_OWNER", field="ballotId")
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


async def record_vote(
    session: AsyncSession, street_id: int, ballot_id: int, unit_id: int, choice: Choice, channel: Channel, user_id: int | None
) -> Vote:
    """Staff record a paper or proxy vote for the owner group of ``unit_id``."""
    ballot = await get_ballot(session, ballot_id, lock="share")
    _check_open(ballot)
    if await session.scalar(select(registry.Unit.id).where(registry.Unit.id == unit_id)) is None:
        raise DomainError("No such unit in this street.", code="NOT_FOUND", field="unitId")
    key = await tally.group_of_unit(session, street_id, ballot.id, unit_id)
    if key is None:
        in_scope = await session.scalar(
            select(BallotBuilding.id).join(registry.Unit, registry.Unit.building_id == BallotBuilding.building_id).where(
                BallotBuilding.ballot_id == ballot.id, registry.Unit.id == unit_id,
                stairwell_clause(BallotBuilding.ballot_id, registry.Unit.building_id, registry.Unit.stairwell),  # 单元 scope
            )
        )
        if in_scope is None:
            raise DomainError("The unit is outside this ballot's scope.", code="OUT_OF_SCOPE", field="unitId")
        raise DomainError("No owner is recorded for this unit.", code="NOT_AN_OWNER", field="unitId")
    vote = Vote(
        ballot_id=ballot.id,
        owner_key=key,
        unit_id=unit_id,
        choice=choice.value,
        channel=channel.value,
        recorded_by=user_id,
        cast_at=now(),
    )
    await _insert_votes(session, [vote])
    return vote


async def turnout(session: AsyncSession, street_id: int, ballots: Sequence[Ballot]) -> dict[int, tally.Counts]:
    """Eligible and participating owners and area of each ballot: live while it is open
    (one statement for all of them), the frozen counts once it is closed."""
    closed = {b.id: tally.count_from_result(b.result) for b in ballots if b.status == BallotStatus.CLOSED.value}
    live_ids = [b.id for b in ballots if b.id not in closed]
    live = await tally.count(session, live_ids, tally.owner_keys(street_id, live_ids)) if live_ids else {}
    return {**live, **closed}


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
