"""Shared pieces of the deliberation plugin's GraphQL: permission names, enums, helpers."""

from __future__ import annotations

import strawberry

from plugins.deliberation.models import BallotStatus, Channel, Choice, MeetingKind, Rule, TopicStatus
from schema.ids import decode_id_of

BALLOT_READ = "deliberation.ballot.read"
BALLOT_MANAGE = "deliberation.ballot.manage"
BALLOT_VOTE = "deliberation.ballot.vote"
TOPIC_READ = "deliberation.topic.read"
TOPIC_RAISE = "deliberation.topic.raise"
TOPIC_MANAGE = "deliberation.topic.manage"
MEETING_MANAGE = "deliberation.meeting.manage"

BallotRuleEnum = strawberry.enum(
    Rule,
    name="BallotRule",
    description="ART278_MAJOR: Civil Code Art. 278 matters 6-8; ART278_ORDINARY: other matters; "
    "SIMPLE_MAJORITY: non-binding consultation.",
)
BallotStatusEnum = strawberry.enum(BallotStatus, name="BallotStatus")
ChoiceEnum = strawberry.enum(Choice, name="VoteChoice")
ChannelEnum = strawberry.enum(Channel, name="VoteChannel")
TopicStatusEnum = strawberry.enum(TopicStatus, name="TopicStatus")
MeetingKindEnum = strawberry.enum(MeetingKind, name="MeetingKind", description="JOINT: 三方联席会议 (半月谈); RED_TEA: 红茶议事会.")


class Reader:
    """Lets the service's read functions run on a request's serialised session."""

    def __init__(self, ctx):
        self._ctx = ctx

    async def execute(self, statement, params=None):
        return await self._ctx.execute(statement, params)

    async def scalar(self, statement):
        return await self._ctx.scalar(statement)


def as_enum(cls, value):
    """``value`` (an enum member or its value, as Strawberry passes it) as a member of ``cls``."""
    return cls(getattr(value, "value", value))


def m2(dm2: int) -> float:
    """Square decimetres as square metres, for display."""
    return dm2 / 100


async def write(ctx, work):
    """Run ``work(session)`` in a committed transaction; ``ctx.write`` reports a lost race on
    a unique constraint as ``CONFLICT`` (and a dangling reference as ``NOT_FOUND``)."""
    return await ctx.write(work)


def actor_of(ctx) -> tuple[str, int | None]:
    """The caller's username and user id, as recorded on topic steps and comments."""
    return (ctx.user.username, ctx.user.id) if ctx.user else ("anonymous", None)


def optional_id(value: strawberry.ID | None, type_name: str, field: str) -> int | None:
    """The primary key in an optional global ID of ``type_name``."""
    return decode_id_of(value, type_name, field) if value is not None else None
