"""The deliberation plugin's GraphQL types, one module per theme: ``ballots``, ``topics``,
``meetings``; ``access`` holds the permission names and visibility filters they share.
The names below are the ones the queries and mutations import."""

from __future__ import annotations

from jiedao.plugins.deliberation.graphql.types.access import (
    BALLOT_MANAGE,
    BALLOT_READ,
    BALLOT_VOTE,
    consulted,
    MEETING_MANAGE,
    PUBLISHED_READ,
    published_to_caller,
    raised_by_caller,
    TOPIC_MANAGE,
    TOPIC_RAISE,
    TOPIC_READ,
    visible_meetings,
    visible_topics,
)
from jiedao.plugins.deliberation.graphql.types.ballots import (
    Ballot,
    BallotResult,
    BallotRuleEnum,
    BallotStatusEnum,
    BuildingTally,
    cast_by,
    ChannelEnum,
    ChoiceEnum,
    ConvenorKindEnum,
    ElectorateEnum,
    m2,
    Turnout,
    UnitBallot,
    vote_record,
    VoteRecord,
)
from jiedao.plugins.deliberation.graphql.types.meetings import (
    ActionItem,
    AgendaItem,
    Meeting,
    MeetingKindEnum,
    ResponsibleOrganisation,
)
from jiedao.plugins.deliberation.graphql.types.topics import Comment, RESIDENT_ACTOR, Topic, TopicStatusEnum, TopicStep

__all__ = [
    "ActionItem", "AgendaItem", "Ballot", "BALLOT_MANAGE", "BALLOT_READ", "BALLOT_VOTE", "BallotResult",
    "BallotRuleEnum", "BallotStatusEnum", "BuildingTally", "cast_by", "ChannelEnum", "ChoiceEnum", "Comment", "consulted", "ConvenorKindEnum", "ElectorateEnum",
    "m2", "Meeting", "MEETING_MANAGE", "MeetingKindEnum", "PUBLISHED_READ", "published_to_caller",
    "raised_by_caller", "RESIDENT_ACTOR", "ResponsibleOrganisation", "Topic", "TOPIC_MANAGE", "TOPIC_RAISE",
    "TOPIC_READ", "TopicStatusEnum", "TopicStep", "Turnout", "UnitBallot", "visible_meetings", "visible_topics",
    "vote_record", "VoteRecord",
]
