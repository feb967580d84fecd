"""The deliberation plugin's queries, and the fields it adds to core types:
``Building.topics``, ``Unit.ballots``, ``Resident.topics``."""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from sqlalchemy import Select, select

from jiedao.api import allow, by_id
from jiedao.api.graphql import allow_any, children_field, connection_field, decode_id_of, list_bound, where_given
from jiedao.plugins.deliberation import service
from jiedao.plugins.deliberation.graphql.loaders import Reader
from jiedao.plugins.deliberation.graphql.types import (
    BALLOT_MANAGE,
    BALLOT_READ,
    MEETING_MANAGE,
    PUBLISHED_READ,
    TOPIC_RAISE,
    TOPIC_READ,
    ActionItem,
    Ballot,
    BallotStatusEnum,
    Meeting,
    MeetingKindEnum,
    Topic,
    TopicStatusEnum,
    UnitBallot,
    cast_by,
    consulted,
    raised_by_caller,
    visible_meetings,
    visible_topics,
    vote_record,
)
from jiedao.plugins.deliberation.models import Ballot as BallotModel
from jiedao.plugins.deliberation.models import BallotBuilding, BallotStairwell, BallotStatus, Elector, Vote
from jiedao.plugins.deliberation.models import Meeting as MeetingModel
from jiedao.plugins.deliberation.models import Topic as TopicModel


@strawberry.type
class BallotQuery:
    """Ballot queries."""

    @connection_field(Ballot, permission_classes=allow(BALLOT_READ), description="Ballots, oldest first.")
    def ballots(root, ctx, status: Annotated[BallotStatusEnum | None, strawberry.argument(description="Only ballots in this status.")] = None) -> Select:
        return where_given(select(BallotModel), (BallotModel.status, status))

    @strawberry.field(permission_classes=allow(BALLOT_READ), description="A ballot (表决) by global ID, or null if there is none.")
    async def ballot(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the Ballot.")]) -> Ballot | None:
        return await by_id(info.context, BallotModel).load(decode_id_of(id, "Ballot"))


@strawberry.type
class TopicQuery:
    """Topic queries."""

    @connection_field(
        Topic,
        permission_classes=allow_any(TOPIC_READ, PUBLISHED_READ),
        description="The topics of the street you may see (staff: all; residents: those published to them), oldest first.",
    )
    def topics(
        root,
        ctx,
        status: Annotated[TopicStatusEnum | None, strawberry.argument(description="Only topics in this status.")] = None,
        compound_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only topics about this Compound (global ID).")] = None,
    ) -> Select:
        return where_given(select(TopicModel).where(visible_topics(ctx)), (TopicModel.status, status), (TopicModel.compound_id, compound_id, "Compound"))

    @strawberry.field(permission_classes=allow_any(TOPIC_READ, TOPIC_RAISE, PUBLISHED_READ), description="A topic, if you may see it (as with `node`).")
    async def topic(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the Topic.")]) -> Topic | None:
        ctx = info.context
        return await ctx.scalar(select(TopicModel).where(TopicModel.id == decode_id_of(id, "Topic"), visible_topics(ctx)))

    @connection_field(Topic, permission_classes=allow(TOPIC_RAISE), description="The topics the caller raised, to follow them.")
    def my_topics(root, ctx) -> Select:
        return select(TopicModel).where(raised_by_caller(ctx))

    @connection_field(
        Topic, permission_classes=allow_any(TOPIC_READ, TOPIC_RAISE), description="Topics opened for public consultation (open or closed), oldest first."
    )
    def consultations(root, ctx) -> Select:
        return select(TopicModel).where(consulted())


@strawberry.type
class MeetingQuery:
    """Meeting queries."""

    @connection_field(
        Meeting,
        permission_classes=allow_any(MEETING_MANAGE, PUBLISHED_READ),
        description="Meetings you may see (staff: all; residents: those published to them), oldest first.",
    )
    def meetings(root, ctx, kind: Annotated[MeetingKindEnum | None, strawberry.argument(description="Only meetings of this kind.")] = None) -> Select:
        return where_given(select(MeetingModel).where(visible_meetings(ctx)), (MeetingModel.kind, kind))

    @strawberry.field(permission_classes=allow_any(MEETING_MANAGE, PUBLISHED_READ), description="A meeting, if you may see it (as with `node`).")
    async def meeting(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the Meeting.")]) -> Meeting | None:
        ctx = info.context
        return await ctx.scalar(select(MeetingModel).where(MeetingModel.id == decode_id_of(id, "Meeting"), visible_meetings(ctx)))

    @strawberry.field(permission_classes=allow(MEETING_MANAGE), description="Open action items past their due date.")
    async def overdue_action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return await info.context.scalars(service.meetings.overdue_statement())


def _unit_ballots_loader(ctx):
    """Ballots covering each unit (its building, or its stairwell), with the vote of the unit's
    owner group (as fixed when each ballot was announced): five statements for any number of units."""

    async def load(keys):
        building_ids = {building_id for _, building_id, _ in keys}
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
        limited = await _stairwells_of(ctx, {b.id for _, b in rows})
        unit_ids = [unit_id for unit_id, _, _ in keys]
        unit_keys = await service.owner_keys_of_units(Reader(ctx), unit_ids)
        ballot_ids = {b.id for _, b in rows}
        fixed: dict[tuple[int, int], str] = {}
        if ballot_ids:
            electors = await ctx.execute(
                select(Elector.ballot_id, Elector.unit_id, Elector.owner_key).where(Elector.ballot_id.in_(ballot_ids), Elector.unit_id.in_(unit_ids))
            )
            fixed = {(ballot_id, unit_id): key for ballot_id, unit_id, key in electors.all()}
        wanted = set(unit_keys.values()) | set(fixed.values())
        votes: dict[tuple[int, str], Vote] = {}
        if ballot_ids and wanted:
            for vote in await ctx.scalars(select(Vote).where(Vote.ballot_id.in_(ballot_ids), Vote.owner_key.in_(wanted))):
                votes[(vote.ballot_id, vote.owner_key)] = vote
        resident = str(ctx.user.resident_id) if ctx.user and ctx.user.resident_id else None
        staff = ctx.has_permission(BALLOT_MANAGE)
        result = []
        for unit_id, building_id, stairwell in keys:
            key = unit_keys.get(unit_id)
            is_owner = resident is not None and key is not None and resident in key.split(",")
            entries = []
            for ballot in by_building.get(building_id, []):
                if (ballot.id, building_id) in limited and stairwell not in limited[(ballot.id, building_id)]:
                    continue  # a ballot over other stairwells (单元) of this building
                # The unit's group in the electorate fixed at announcement (today's owners for a draft).
                group = fixed.get((ballot.id, unit_id), key if ballot.electorate_fixed_at is None else None)
                vote = votes.get((ballot.id, group)) if group else None
                visible = vote is not None and (is_owner or staff) and (staff or not vote.owner_key.startswith("r") or vote.owner_key == f"r{resident}")
                show_choice = (vote is not None and cast_by(vote, ctx.user.resident_id if ctx.user else None)) or ballot.status == BallotStatus.CLOSED.value
                entries.append(UnitBallot(ballot=ballot, vote=vote_record(vote, show_choice) if visible else None))
            result.append(entries)
        return result

    return ctx.loader(("deliberation", "unit_ballots"), load)


async def _stairwells_of(ctx, ballot_ids: set[int]) -> dict[tuple[int, int], set[str]]:
    """The stairwells (单元) each ballot is limited to, by ``(ballot, building)``."""
    limited: dict[tuple[int, int], set[str]] = {}
    if ballot_ids:
        for row in await ctx.scalars(select(BallotStairwell).where(BallotStairwell.ballot_id.in_(ballot_ids))):
            limited.setdefault((row.ballot_id, row.building_id), set()).add(row.stairwell)
    return limited


@strawberry.type
class UnitDeliberation:
    """Fields the plugin adds to ``Unit``."""

    @strawberry.field(
        permission_classes=allow(BALLOT_READ),
        description="Ballots covering this unit; the vote is shown to the unit's owners and to staff (the choice to staff only once closed).",
        metadata=list_bound(10),
    )
    async def ballots(self, info: strawberry.Info) -> list[UnitBallot]:
        return await _unit_ballots_loader(info.context).load((self.id, self.building_id, self.stairwell))


@strawberry.type
class BuildingDeliberation:
    """Fields the plugin adds to ``Building``."""

    topics = children_field(Topic, TopicModel.building_id, permission_classes=allow(TOPIC_READ), description="Topics raised about this building or its units.")


@strawberry.type
class ResidentDeliberation:
    """Fields the plugin adds to ``Resident``."""

    topics = children_field(Topic, TopicModel.raised_by_resident_id, permission_classes=allow(TOPIC_READ), description="Topics this resident raised.")
