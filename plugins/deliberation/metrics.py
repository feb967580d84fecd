"""Figures and the hotspot signal the deliberation plugin publishes (see ``core.figures``)."""

from __future__ import annotations

from sqlalchemy import literal, select

from jiedao.api import Metric, now, Signal
from jiedao.api.domain import MetricKind
from jiedao.plugins.deliberation.models import ActionItem, Ballot, BallotStatus, Topic, TopicStatus, Vote

CLOSED_TOPIC_STATES = (TopicStatus.IMPLEMENTED.value, TopicStatus.REJECTED.value)


def topics_raised():
    """Topics raised, by status they are in now."""
    return select(Topic.created_at.label("at"), Topic.status.label("status"))


def topics_by_status():
    """Every topic with its status (a gauge: the current count)."""
    return select(Topic.status.label("status"), literal(1).label("value"))


def topics_open():
    """Topics not yet implemented or rejected."""
    return select(Topic.status.label("status"), literal(1).label("value")).where(Topic.status.not_in(CLOSED_TOPIC_STATES))


def overdue_action_items():
    """Meeting action items past their due date and not done."""
    return select(ActionItem.owner.label("owner"), literal(1).label("value")).where(
        ActionItem.done_at.is_(None), ActionItem.due_on < now().date()
    )


def votes_cast():
    """Owners' votes received, by channel (online, paper, proxy)."""
    return select(Vote.cast_at.label("at"), Vote.channel.label("channel"))


def open_ballots():
    """Ballots taking votes now (a gauge)."""
    return select(literal(1).label("value")).select_from(Ballot).where(Ballot.status == BallotStatus.OPEN.value)


def topics_per_building():
    """Events per building for hotspot warning: each topic raised about a building."""
    return select(Topic.created_at.label("at"), Topic.building_id.label("building_id")).where(Topic.building_id.is_not(None))


METRICS = (
    Metric("deliberation.topics.raised", "新增议题诉求", "Topics raised", MetricKind.COUNTER, topics_raised, "topics", ("status",)),
    Metric("deliberation.topics.by_status", "议题（按状态）", "Topics by status", MetricKind.GAUGE, topics_by_status, "topics", ("status",)),
    Metric("deliberation.topics.open", "未办结议题", "Open topics", MetricKind.GAUGE, topics_open, "topics", ("status",)),
    Metric("deliberation.action_items.overdue", "逾期待办事项", "Overdue meeting action items", MetricKind.GAUGE, overdue_action_items, "items", ("owner",)),
    Metric("deliberation.votes.cast", "业主投票", "Owners' votes cast", MetricKind.COUNTER, votes_cast, "votes", ("channel",)),
    Metric("deliberation.ballots.open", "进行中的表决", "Ballots open for voting", MetricKind.GAUGE, open_ballots, "ballots"),
)

SIGNALS = (Signal("deliberation.topics", "居民议题诉求", "Residents' topics and appeals", topics_per_building),)
