"""GraphQL of owners' ballots: types, queries, mutations and ``Unit.ballots``."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from sqlalchemy import select

from core import models as core_models
from core.errors import DomainError
from core.graphql import Building, Compound, Unit
from core.identity.audit import record_for
from plugins.deliberation import service
from plugins.deliberation.graphql_common import (
    BALLOT_MANAGE,
    BALLOT_READ,
    BALLOT_VOTE,
    BallotRuleEnum,
    BallotStatusEnum,
    ChannelEnum,
    ChoiceEnum,
    Reader,
    as_enum,
    m2,
    optional_id,
    write,
)
from plugins.deliberation.models import Ballot as BallotModel
from plugins.deliberation.models import BallotBuilding, BallotStatus, Channel, Choice, Rule, Vote
from schema.connection import Connection, paginate
from schema.cost import list_bound
from schema.errors import UserError, user_errors
from schema.ids import decode_id_of
from schema.loaders import by_id, through
from schema.node import Node, node_type
from schema.permissions import allow
from schema.validation import LONG



@strawberry.type(name="BallotTurnout", description="How many owners and how much exclusive area may vote, and how many took part so far.")
class Turnout:
    eligible_owners: int
    participating_owners: int
    _eligible_dm2: strawberry.Private[int]
    _participating_dm2: strawberry.Private[int]

    @strawberry.field(description="Exclusive area in m² of the owners who may vote.")
    def eligible_area(self) -> float:
        return m2(self._eligible_dm2)

    @strawberry.field(description="Exclusive area in m² of the owners who voted.")
    def participating_area(self) -> float:
        return m2(self._participating_dm2)


@strawberry.type(name="BallotBuildingTally", description="Counts of one building of a closed ballot (areas in m²).")
class BuildingTally:
    eligible_area: float
    eligible_owners: int
    participating_area: float
    participating_owners: int
    agree_area: float
    agree_owners: int
    _building_id: strawberry.Private[int]

    @strawberry.field
    async def building(self, info: strawberry.Info) -> Building | None:
        return await by_id(info.context, core_models.Building).load(self._building_id)

    @classmethod
    def of(cls, row: dict[str, Any]) -> BuildingTally:
        """The tally of one building as stored at closing (areas in dm²)."""
        return cls(
            eligible_area=m2(row["eligible_area"]), eligible_owners=row["eligible_owners"],
            participating_area=m2(row["participating_area"]), participating_owners=row["participating_owners"],
            agree_area=m2(row["agree_area"]), agree_owners=row["agree_owners"], _building_id=row["building_id"],
        )


@strawberry.type(description="The tally frozen when the ballot closed (areas in m²; decided on exact integers).")
class BallotResult:
    eligible_area: float
    eligible_owners: int
    participating_area: float
    participating_owners: int
    agree_area: float
    agree_owners: int
    oppose_area: float
    oppose_owners: int
    abstain_area: float
    abstain_owners: int
    quorum_met: bool = strawberry.field(description="Participation reached the legal minimum (Art. 278: 2/3 of area and of owners).")
    passed: bool
    reasons: list[str] = strawberry.field(description="Each threshold with the numbers it was judged on.")
    by_building: list[BuildingTally]

    @classmethod
    def of(cls, row: dict[str, Any]) -> BallotResult:
        """The result as stored at closing (areas in dm²)."""
        areas = {key: m2(row[key]) for key in row if key.endswith("_area")}
        counts = {key: row[key] for key in row if key.endswith("_owners")}
        return cls(
            **areas, **counts, quorum_met=row["quorum_met"], passed=row["passed"], reasons=row["reasons"],
            by_building=[BuildingTally.of(b) for b in row["by_building"]],
        )


@strawberry.type(description="One owner group's vote. The choice stays sealed from staff until the ballot closes.")
class VoteRecord:
    channel: ChannelEnum
    cast_at: datetime
    choice: ChoiceEnum | None
    _unit_id: strawberry.Private[int]

    @strawberry.field(description="The unit the vote was cast for (all the owner group's units vote together).")
    async def unit(self, info: strawberry.Info) -> Unit | None:
        return await by_id(info.context, core_models.Unit).load(self._unit_id)


def _vote_record(vote: Vote, show_choice: bool) -> VoteRecord:
    return VoteRecord(
        channel=Channel(vote.channel),
        cast_at=vote.cast_at,
        choice=Choice(vote.choice) if show_choice else None,
        _unit_id=vote.unit_id,
    )


def _turnout_loader(ctx):
    async def load(ids):
        rows = {b.id: b for b in await ctx.scalars(select(BallotModel).where(BallotModel.id.in_(ids)))}
        counts = await service.turnout(Reader(ctx), ctx.street_id, list(rows.values()))
        return [counts.get(i) for i in ids]

    return ctx.loader(("deliberation", "turnout"), load)


def _my_votes_loader(ctx):
    """The caller's own owner groups' votes, by ballot id (two statements for any ballots)."""

    async def load(ids):
        resident_id = ctx.user.resident_id if ctx.user else None
        if resident_id is None:
            return [None] * len(ids)
        units = await ctx.scalars(select(core_models.Ownership.unit_id).where(core_models.Ownership.resident_id == resident_id))
        keys = set((await service.owner_keys_of_units(Reader(ctx), units)).values()) if units else set()
        if not keys:
            return [None] * len(ids)
        votes = await ctx.scalars(select(Vote).where(Vote.ballot_id.in_(ids), Vote.owner_key.in_(keys)).order_by(Vote.id))
        found: dict[int, Vote] = {}
        for vote in votes:
            found.setdefault(vote.ballot_id, vote)
        return [found.get(i) for i in ids]

    return ctx.loader(("deliberation", "my_votes"), load)


@node_type(BallotModel, read=BALLOT_READ)
@strawberry.type(name="Ballot", description="An owners' vote (Civil Code Art. 278) over a compound or some buildings.")
class Ballot(Node):
    title: str
    matter: str

    @strawberry.field
    def rule(self) -> BallotRuleEnum:
        return Rule(self.rule)

    @strawberry.field
    def status(self) -> BallotStatusEnum:
        return BallotStatus(self.status)

    opens_at: datetime
    closes_at: datetime

    @strawberry.field
    async def compound(self, info: strawberry.Info) -> Compound | None:
        if self.compound_id is None:
            return None
        return await by_id(info.context, core_models.Compound).load(self.compound_id)

    @strawberry.field(description="The buildings in scope.", metadata=list_bound(100))
    async def buildings(self, info: strawberry.Info) -> list[Building]:
        return await through(info.context, BallotBuilding.ballot_id, BallotBuilding.building_id, core_models.Building).load(self.id)

    @strawberry.field(description="Live turnout while open; choices stay sealed until the ballot closes.")
    async def turnout(self, info: strawberry.Info) -> Turnout:
        c = await _turnout_loader(info.context).load(self.id)
        return Turnout(
            eligible_owners=c.eligible_owners,
            participating_owners=c.participating_owners,
            _eligible_dm2=c.eligible_area,
            _participating_dm2=c.participating_area,
        )

    @strawberry.field(description="The frozen tally; null until the ballot is closed.")
    def result(self) -> BallotResult | None:
        if self.status != BallotStatus.CLOSED.value or self.result is None:
            return None
        return BallotResult.of(self.result)

    @strawberry.field(description="The vote of the caller's owner group, if the caller is an owner who voted.")
    async def my_vote(self, info: strawberry.Info) -> VoteRecord | None:
        vote = await _my_votes_loader(info.context).load(self.id)
        return _vote_record(vote, True) if vote else None


@strawberry.type(description="A ballot as seen from one unit: whether and how its owner group voted.")
class UnitBallot:
    ballot: Ballot
    vote: VoteRecord | None = strawberry.field(description="Null if the unit's owners have not voted (or you may not see it).")


@strawberry.input
class BallotScopeInput:
    compound_id: strawberry.ID | None = None
    building_ids: list[strawberry.ID] | None = None


@strawberry.input
class CreateBallotInput:
    title: str
    matter: Annotated[str, LONG]
    rule: BallotRuleEnum
    scope: BallotScopeInput
    opens_at: datetime
    closes_at: datetime


@strawberry.input
class BallotIdInput:
    ballot_id: strawberry.ID


@strawberry.input
class CastVoteInput:
    ballot_id: strawberry.ID
    choice: ChoiceEnum


@strawberry.input
class RecordVoteInput:
    ballot_id: strawberry.ID
    unit_id: strawberry.ID
    choice: ChoiceEnum
    channel: ChannelEnum


@strawberry.type
class BallotPayload:
    ballot: Ballot | None = None
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class VotePayload:
    votes: list[VoteRecord] = strawberry.field(default_factory=list, description="One per owner group the vote counts for.")
    errors: list[UserError] = strawberry.field(default_factory=list)


@strawberry.type
class BallotQuery:
    """Ballot queries."""

    @strawberry.field(permission_classes=allow(BALLOT_READ), description="Ballots, oldest first.")
    async def ballots(
        self, info: strawberry.Info, first: int | None = None, after: str | None = None, status: BallotStatusEnum | None = None
    ) -> Connection[Ballot]:
        statement = select(BallotModel)
        if status is not None:
            statement = statement.where(BallotModel.status == as_enum(BallotStatus, status).value)
        return await paginate(info.context, statement, first, after)

    @strawberry.field(permission_classes=allow(BALLOT_READ))
    async def ballot(self, info: strawberry.Info, id: strawberry.ID) -> Ballot | None:
        return await by_id(info.context, BallotModel).load(decode_id_of(id, "Ballot"))


@strawberry.type
class BallotMutation:
    """Ballot lifecycle and voting mutations."""

    @strawberry.mutation(permission_classes=allow(BALLOT_MANAGE), description="Prepare a ballot (a draft until opened).")
    async def create_ballot(self, info: strawberry.Info, input: CreateBallotInput) -> BallotPayload:
        ctx = info.context
        try:
            compound_id = optional_id(input.scope.compound_id, "Compound", "scope.compoundId")
            building_ids = [decode_id_of(b, "Building", "scope.buildingIds") for b in input.scope.building_ids or []]

            async def work(session):
                ballot = await service.create_ballot(
                    session,
                    title=input.title,
                    matter=input.matter,
                    rule=as_enum(Rule, input.rule),
                    compound_id=compound_id,
                    building_ids=building_ids,
                    opens_at=input.opens_at,
                    closes_at=input.closes_at,
                    max_days=ctx.kernel.settings(ctx.street, "deliberation").max_voting_days,
                )
                await record_for(ctx, session, "deliberation.ballot.create", f"Ballot:{ballot.id}", {"title": ballot.title, "rule": ballot.rule})
                return ballot

            return BallotPayload(ballot=await write(ctx, work))
        except DomainError as error:
            return BallotPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(BALLOT_MANAGE), description="Publish a draft ballot.")
    async def open_ballot(self, info: strawberry.Info, input: BallotIdInput) -> BallotPayload:
        ctx = info.context
        try:
            ballot_id = decode_id_of(input.ballot_id, "Ballot", "ballotId")

            async def work(session):
                ballot = await service.open_ballot(session, ballot_id)
                await record_for(ctx, session, "deliberation.ballot.open", f"Ballot:{ballot.id}")
                return ballot

            return BallotPayload(ballot=await write(ctx, work))
        except DomainError as error:
            return BallotPayload(errors=user_errors(error))

    @strawberry.mutation(
        permission_classes=allow(BALLOT_MANAGE), description="Close a ballot after its closing time: freezes the electorate and the tally."
    )
    async def close_ballot(self, info: strawberry.Info, input: BallotIdInput) -> BallotPayload:
        ctx = info.context
        try:
            ballot_id = decode_id_of(input.ballot_id, "Ballot", "ballotId")

            async def work(session):
                ballot = await service.close_ballot(session, ctx.street_id, ballot_id)
                details = {k: ballot.result[k] for k in ("eligible_owners", "participating_owners", "agree_owners", "quorum_met", "passed")}
                await record_for(ctx, session, "deliberation.ballot.close", f"Ballot:{ballot.id}", details)
                return ballot

            return BallotPayload(ballot=await write(ctx, work))
        except DomainError as error:
            return BallotPayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(BALLOT_VOTE), description="Vote online as an owner; all your units in scope vote together.")
    async def cast_vote(self, info: strawberry.Info, input: CastVoteInput) -> VotePayload:
        ctx = info.context
        try:
            ballot_id = decode_id_of(input.ballot_id, "Ballot", "ballotId")
            votes = await write(
                ctx,
                lambda session: service.cast_vote(
                    session, ctx.street_id, ballot_id, ctx.user.resident_id, as_enum(Choice, input.choice), ctx.user.id
                ),
            )
            return VotePayload(votes=[_vote_record(v, True) for v in votes])
        except DomainError as error:
            return VotePayload(errors=user_errors(error))

    @strawberry.mutation(permission_classes=allow(BALLOT_MANAGE), description="Record a paper or proxy vote for a unit's owners.")
    async def record_vote(self, info: strawberry.Info, input: RecordVoteInput) -> VotePayload:
        ctx = info.context
        try:
            ballot_id = decode_id_of(input.ballot_id, "Ballot", "ballotId")
            unit_id = decode_id_of(input.unit_id, "Unit", "unitId")

            async def work(session):
                vote = await service.record_vote(
                    session, ctx.street_id, ballot_id, unit_id, as_enum(Choice, input.choice), as_enum(Channel, input.channel), ctx.user.id
                )
                await record_for(ctx, session, "deliberation.vote.record", f"Ballot:{ballot_id}", {"unit_id": unit_id, "channel": vote.channel})
                return vote

            vote = await write(ctx, work)
            return VotePayload(votes=[_vote_record(vote, False)])
        except DomainError as error:
            return VotePayload(errors=user_errors(error))


def _unit_ballots_loader(ctx):
    """Ballots covering each unit's building, with the unit's owner group's vote: three
    statements for any number of units."""

    async def load(keys):
        building_ids = {building_id for _, building_id in keys}
        rows = (
            await ctx.execute(
                select(BallotBuilding.building_id, BallotModel)
                .join(BallotModel, BallotModel.id == BallotBuilding.ballot_id)
                .where(BallotBuilding.building_id.in_(building_ids))
                .order_by(BallotModel.id)
            )
        ).all()
        by_building: dict[int, list[Any]] = {}
        for building_id, ballot in rows:
            by_building.setdefault(building_id, []).append(ballot)
        unit_keys = await service.owner_keys_of_units(Reader(ctx), [unit_id for unit_id, _ in keys])
        votes: dict[tuple[int, str], Vote] = {}
        ballot_ids = {b.id for _, b in rows}
        if ballot_ids and unit_keys:
            for vote in await ctx.scalars(
                select(Vote).where(Vote.ballot_id.in_(ballot_ids), Vote.owner_key.in_(set(unit_keys.values())))
            ):
                votes[(vote.ballot_id, vote.owner_key)] = vote
        resident = str(ctx.user.resident_id) if ctx.user and ctx.user.resident_id else None
        staff = ctx.has_permission(BALLOT_MANAGE)
        result = []
        for unit_id, building_id in keys:
            key = unit_keys.get(unit_id)
            is_owner = resident is not None and key is not None and resident in key.split(",")
            entries = []
            for ballot in by_building.get(building_id, []):
                vote = votes.get((ballot.id, key)) if key else None
                visible = vote is not None and (is_owner or staff)
                show_choice = is_owner or ballot.status == BallotStatus.CLOSED.value
                entries.append(UnitBallot(ballot=ballot, vote=_vote_record(vote, show_choice) if visible else None))
            result.append(entries)
        return result

    return ctx.loader(("deliberation", "unit_ballots"), load)


@strawberry.type
class UnitDeliberation:
    """Fields the plugin adds to ``Unit``."""

    @strawberry.field(
        permission_classes=allow(BALLOT_READ),
        description="Ballots covering this unit; the vote is shown to the unit's owners and to staff (the choice to staff only once closed).",
        metadata=list_bound(10),
    )
    async def ballots(self, info: strawberry.Info) -> list[UnitBallot]:
        return await _unit_ballots_loader(info.context).load((self.id, self.building_id))
