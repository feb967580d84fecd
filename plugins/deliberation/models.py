"""Tables of the deliberation plugin: owners' ballots, topics (appeals) and meetings.

Every table is street-scoped. Areas are integers in square decimetres, like ``Unit.area_dm2``,
so every sum a tally makes is exact.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.api import Base, StreetScoped
from jiedao.api.domain import UTCDateTime


class Rule(str, enum.Enum):
    """How a ballot decides (Civil Code Art. 278)."""

    ART278_MAJOR = "ART278_MAJOR"
    ART278_ORDINARY = "ART278_ORDINARY"
    SIMPLE_MAJORITY = "SIMPLE_MAJORITY"


class BallotStatus(str, enum.Enum):
    """DRAFT until announced; OPEN once announced (votes taken from ``opens_at``); CLOSED once
    tallied; CANCELLED by its convenor with a reason (no votes, no result)."""

    DRAFT = "DRAFT"
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    CANCELLED = "CANCELLED"


class ConvenorKind(str, enum.Enum):
    """Who convenes a ballot: the compound's owners' committee (业委会), the community's
    residents' committee (居委会) or the street office (街道办事处)."""

    OWNERS_COMMITTEE = "OWNERS_COMMITTEE"
    RESIDENTS_COMMITTEE = "RESIDENTS_COMMITTEE"
    STREET = "STREET"


class Electorate(str, enum.Enum):
    """Who may vote: owners (one vote per owner group, Art. 278) or, in a non-binding
    residents' consultation (居民协商), every adult resident of the scope's households."""

    OWNERS = "OWNERS"
    RESIDENTS = "RESIDENTS"


class Choice(str, enum.Enum):
    """An owner's answer; ABSTAIN takes part but does not approve."""

    AGREE = "AGREE"
    OPPOSE = "OPPOSE"
    ABSTAIN = "ABSTAIN"


class Channel(str, enum.Enum):
    """How a vote reached the ballot box."""

    ONLINE = "ONLINE"
    PAPER = "PAPER"
    PROXY = "PROXY"


class TopicStatus(str, enum.Enum):
    """RAISED -> DISCUSSING -> DECIDED -> IMPLEMENTED, or REJECTED with a reason."""

    RAISED = "RAISED"
    DISCUSSING = "DISCUSSING"
    DECIDED = "DECIDED"
    IMPLEMENTED = "IMPLEMENTED"
    REJECTED = "REJECTED"


class MeetingKind(str, enum.Enum):
    """The two kinds of deliberative meetings Changqing holds."""

    JOINT = "JOINT"  # 三方联席会议 (居委会 + 业委会 + 物业), e.g. the biweekly 半月谈
    RED_TEA = "RED_TEA"  # 红茶议事会


class Ballot(StreetScoped, Base):
    """An owners' vote over a compound or a set of buildings.

    ``result`` is written once, when the ballot closes: the frozen tally, with its
    per-building breakdown.
    """

    __tablename__ = "deliberation_ballots"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    matter: Mapped[str] = mapped_column(Text, default="")
    rule: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default=BallotStatus.DRAFT.value)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    electorate: Mapped[str] = mapped_column(String(10), default=Electorate.OWNERS.value, server_default=Electorate.OWNERS.value)
    convenor_kind: Mapped[str] = mapped_column(String(20), default=ConvenorKind.STREET.value, server_default=ConvenorKind.STREET.value)
    convenor_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"))
    convened_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("deliberation_topics.id"), index=True)
    electorate_fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    announcement_notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    result_notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    cancelled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancellation_notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))


class BallotBuilding(StreetScoped, Base):
    """A building in a ballot's scope (a compound scope is expanded to its buildings)."""

    __tablename__ = "deliberation_ballot_buildings"
    __table_args__ = (UniqueConstraint("ballot_id", "building_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("deliberation_ballots.id", ondelete="CASCADE"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"), index=True)


class Elector(StreetScoped, Base):
    """The electorate fixed when a ballot is announced (``openBallot``): one row per unit
    with its owner group.

    ``owner_key`` is the sorted, comma-joined ids of the unit's owners: units with the same
    key belong to one owner (or one set of co-owners) and count once. In a residents'
    consultation there is one row per resident, keyed ``r<resident id>``, with no area.
    """

    __tablename__ = "deliberation_electors"
    __table_args__ = (UniqueConstraint("ballot_id", "unit_id", "owner_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("deliberation_ballots.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    area_dm2: Mapped[int] = mapped_column(Integer)
    owner_key: Mapped[str] = mapped_column(String(200))


class Vote(StreetScoped, Base):
    """The single vote of one owner group in one ballot (the unique constraint is the rule).

    A ``PROXY`` vote keeps the proxy's name, masked ID-card number and the written
    authorisation (``attachment_*``, the file in the file store); a ``PAPER`` vote may keep
    the scan of the ballot paper there."""

    __tablename__ = "deliberation_votes"
    __table_args__ = (UniqueConstraint("ballot_id", "owner_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("deliberation_ballots.id", ondelete="CASCADE"), index=True)
    owner_key: Mapped[str] = mapped_column(String(200))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    choice: Mapped[str] = mapped_column(String(10))
    channel: Mapped[str] = mapped_column(String(10))
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"))
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime)
    proxy_name: Mapped[str | None] = mapped_column(String(100))
    proxy_id_card_masked: Mapped[str | None] = mapped_column(String(18))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    attachment_content_type: Mapped[str | None] = mapped_column(String(100))
    attachment_size: Mapped[int | None] = mapped_column(Integer)
    attachment_ref: Mapped[str | None] = mapped_column(String(200))


class Topic(StreetScoped, Base):
    """A residents' appeal or a matter for deliberation (民生诉求/议题).

    A topic without a compound is street-wide. ``decision`` repeats the text of the agenda
    item that decided it (``AgendaItem.decides_topic``); ``published_at`` is when it was
    published to the residents of its community (or of the street, if street-wide).
    """

    __tablename__ = "deliberation_topics"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default=TopicStatus.RAISED.value, index=True)
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    raised_by_resident_id: Mapped[int | None] = mapped_column(ForeignKey("residents.id"), index=True)
    raised_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decision: Mapped[str | None] = mapped_column(Text)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    consultation_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class TopicStep(StreetScoped, Base):
    """One step of a topic's life: who moved it, when, to which status, and why."""

    __tablename__ = "deliberation_topic_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("deliberation_topics.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Comment(StreetScoped, Base):
    """A consultation comment on a topic; moderators can hide it (it is never deleted)."""

    __tablename__ = "deliberation_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("deliberation_topics.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(100))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    hidden: Mapped[bool] = mapped_column(default=False)
    hidden_reason: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class Meeting(StreetScoped, Base):
    """A three-party joint meeting (半月谈) or a 红茶议事会 session.

    ``published_at`` is when its minutes and decisions were published to the residents of
    its compound's community (or of the street, for a meeting without a compound).
    """

    __tablename__ = "deliberation_meetings"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    title: Mapped[str] = mapped_column(String(200))
    compound_id: Mapped[int | None] = mapped_column(ForeignKey("compounds.id"), index=True)
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    parties: Mapped[list[str]] = mapped_column(JSON, default=list)
    attendance: Mapped[list[str]] = mapped_column(JSON, default=list)
    minutes: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AgendaItem(StreetScoped, Base):
    """An item on a meeting's agenda, usually a topic; ``decision`` is taken at the meeting.

    ``decides_topic`` marks the item whose decision moved its topic to ``DECIDED``: the
    link from a topic to the meeting that decided it.
    """

    __tablename__ = "deliberation_agenda_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("deliberation_meetings.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("deliberation_topics.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str | None] = mapped_column(Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decides_topic: Mapped[bool] = mapped_column(default=False, server_default=false())


class ActionItem(StreetScoped, Base):
    """Something a meeting decided an organisation must do by a date.

    ``organisation_id`` is the responsible organisation (core ``organisations``);
    ``owner`` is a free-text note on the person responsible. An item decided on an agenda
    item is linked to it and to its topic.
    """

    __tablename__ = "deliberation_action_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("deliberation_meetings.id", ondelete="CASCADE"), index=True)
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("deliberation_agenda_items.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int | None] = mapped_column(ForeignKey("deliberation_topics.id"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    description: Mapped[str] = mapped_column(Text)
    owner: Mapped[str] = mapped_column(String(100), default="")
    due_on: Mapped[date] = mapped_column(Date)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# -- stairwell scope (单元) -------------------------------------------------------------


class BallotStairwell(StreetScoped, Base):
    """A stairwell (单元) a ballot is limited to. A ballot with stairwell rows covers only
    the units of those stairwells in its buildings (``BallotBuilding`` still lists the
    buildings); a building of the ballot without any stairwell row is covered whole."""

    __tablename__ = "deliberation_ballot_stairwells"
    __table_args__ = (UniqueConstraint("ballot_id", "building_id", "stairwell"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("deliberation_ballots.id", ondelete="CASCADE"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    stairwell: Mapped[str] = mapped_column(String(20))


# -- end of stairwell scope -----------------------------------------------------------


def _fund_models() -> tuple:
    """The maintenance fund's tables (``fund.models``), registered with the plugin's."""
    from jiedao.plugins.deliberation.fund.models import FUND_MODELS

    return FUND_MODELS


MODELS = (Ballot, BallotBuilding, Elector, Vote, Topic, TopicStep, Comment, Meeting, AgendaItem, ActionItem, BallotStairwell, *_fund_models())
