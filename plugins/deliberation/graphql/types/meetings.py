"""The deliberation plugin's meeting types: meetings, their agenda items and the action
items they decide."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TYPE_CHECKING

import strawberry
from sqlalchemy import or_, select

from jiedao.api import children, Node, node_type, registry, types
from jiedao.api.graphql import encode_global_id, enum_field, linked, list_bound, OrganisationType, WorkItemType
from jiedao.plugins.deliberation import service
from jiedao.api.graphql import describe_enum_values as described
from jiedao.plugins.deliberation.graphql.loaders import organisations_loader, visible_nodes_loader, work_items_by_subject
from jiedao.plugins.deliberation.graphql.types.access import (
    load_visible_meeting,
    load_visible_topic,
    MEETING_MANAGE,
    PUBLISHED_READ,
    visible_meetings,
)
from jiedao.plugins.deliberation.models import ActionItem as ActionItemModel
from jiedao.plugins.deliberation.models import AgendaItem as AgendaItemModel
from jiedao.plugins.deliberation.models import Meeting as MeetingModel
from jiedao.plugins.deliberation.models import MeetingKind

if TYPE_CHECKING:
    from jiedao.plugins.deliberation.graphql.types.topics import Topic

LazyTopic = Annotated["Topic", strawberry.lazy("jiedao.plugins.deliberation.graphql.types.topics")]
"""The topic type, resolved lazily: topics refer back to meetings."""

MeetingKindEnum = described(
    strawberry.enum(MeetingKind, name="MeetingKind", description="JOINT: 三方联席会议 (半月谈); RED_TEA: 红茶议事会."),
    JOINT="三方联席会议 (joint meeting of the residents' committee, the owners' committee and the property manager), e.g. the biweekly 半月谈.",
    RED_TEA="红茶议事会 (the Red Tea deliberation meeting).",
)


@strawberry.type(description="The organisation responsible for an action item (core ``organisations``).")
class ResponsibleOrganisation:
    organisation_id: strawberry.ID = strawberry.field(description="The organisation's global ID (fetch it with `node(id:)` or `organisation`).")
    name: str = strawberry.field(description="The organisation's name.")


def visible_action_items(ctx):
    """The action items of the meetings, or of the topics, the caller may see (``node(id:)``)."""
    from jiedao.plugins.deliberation.graphql.types.access import visible_topics
    from jiedao.plugins.deliberation.models import Topic as TopicModel

    return or_(
        ActionItemModel.meeting_id.in_(select(MeetingModel.id).where(visible_meetings(ctx))),
        ActionItemModel.topic_id.in_(select(TopicModel.id).where(visible_topics(ctx))),
    )


def visible_agenda_items(ctx):
    """The agenda items of the meetings, or of the topics, the caller may see (``node(id:)``)."""
    from jiedao.plugins.deliberation.graphql.types.access import visible_topics
    from jiedao.plugins.deliberation.models import Topic as TopicModel

    return or_(
        AgendaItemModel.meeting_id.in_(select(MeetingModel.id).where(visible_meetings(ctx))),
        AgendaItemModel.topic_id.in_(select(TopicModel.id).where(visible_topics(ctx))),
    )


SEES_MEETINGS_OR_TOPICS = (MEETING_MANAGE, PUBLISHED_READ, "deliberation.topic.read", "deliberation.topic.raise")
"""Who may fetch an agenda or action item by ID: readers of meetings or of topics."""


@node_type(ActionItemModel, read=SEES_MEETINGS_OR_TOPICS, visible=visible_action_items)
@strawberry.type(name="MeetingActionItem", description="Something a meeting decided an organisation must do by a date.")
class ActionItem(Node):
    description: str = strawberry.field(description="What must be done.")
    owner: str = strawberry.field(description="A note on the person responsible (free text).")
    due_on: date = strawberry.field(description="The deadline.")

    @strawberry.field(description="Whether it was marked done.")
    def done(self) -> bool:
        return self.done_at is not None

    @strawberry.field(description="Not done and past its due date.")
    def overdue(self) -> bool:
        return service.meetings.is_overdue(self)

    done_at: datetime | None = strawberry.field(description="When it was marked done (ISO 8601 UTC); null until then.")

    @strawberry.field(description="The responsible organisation; null if only a person is named in the note.")
    async def responsible_organisation(self, info: strawberry.Info) -> ResponsibleOrganisation | None:
        if self.organisation_id is None:
            return None
        row = await organisations_loader(info.context).load(self.organisation_id)
        return ResponsibleOrganisation(organisation_id=strawberry.ID(encode_global_id("Organisation", row.id)), name=row.name) if row else None

    @strawberry.field(description="The responsible organisation, if you may see it (registry readers, its members).")
    async def organisation(self, info: strawberry.Info) -> OrganisationType | None:
        return await visible_nodes_loader(info.context, "Organisation").load(self.organisation_id) if self.organisation_id else None

    @strawberry.field(description="The work item following this action item up, if you may see it (staff, its organisation, the resident).")
    async def work_item(self, info: strawberry.Info) -> WorkItemType | None:
        return await work_items_by_subject(info.context).load(encode_global_id("MeetingActionItem", self.id))

    @strawberry.field(description="The topic this action item serves, if you may see it.")
    async def topic(self, info: strawberry.Info) -> LazyTopic | None:
        return await load_visible_topic(info.context, self.topic_id) if self.topic_id else None


@node_type(AgendaItemModel, read=SEES_MEETINGS_OR_TOPICS, visible=visible_agenda_items)
@strawberry.type(name="MeetingAgendaItem", description="An item on a meeting's agenda and the decision taken on it; its ID is what decideAgendaItem and action items take.")
class AgendaItem(Node):
    title: str = strawberry.field(description="The item's title.")
    decision: str | None = strawberry.field(description="The decision taken on it (决议); null until decided.")
    decided_at: datetime | None = strawberry.field(description="When it was decided (ISO 8601 UTC).")
    decides_topic: bool = strawberry.field(description="This item's decision is the decision of its topic.")

    @strawberry.field(description="The topic, if you may see it.")
    async def topic(self, info: strawberry.Info) -> LazyTopic | None:
        return await load_visible_topic(info.context, self.topic_id) if self.topic_id else None

    @strawberry.field(description="The meeting, if you may see it.")
    async def meeting(self, info: strawberry.Info) -> Meeting | None:
        return await load_visible_meeting(info.context, self.meeting_id)

    @strawberry.field(description="The action items decided on this item.", metadata=list_bound(30))
    async def action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return await children(info.context, ActionItemModel.agenda_item_id).load(self.id)


@node_type(MeetingModel, read=(MEETING_MANAGE, PUBLISHED_READ), visible=visible_meetings)
@strawberry.type(name="Meeting", description="A three-party joint meeting (半月谈) or a 红茶议事会 session.")
class Meeting(Node):
    title: str = strawberry.field(description="The meeting's title.")
    parties: list[str] = strawberry.field(description="The parties taking part, e.g. 居委会, 业委会, 物业.")
    attendance: list[str] = strawberry.field(description="Who attended, by name.")
    minutes: str = strawberry.field(description="The minutes (会议纪要); empty until recorded.")

    kind = enum_field(MeetingKindEnum, description="The kind of meeting.")

    scheduled_at: datetime = strawberry.field(description="When it takes place (ISO 8601 UTC).")

    @strawberry.field(description="When the minutes and decisions were published to residents (null: not published).")
    def published_at(self) -> datetime | None:
        return self.published_at

    compound = linked(registry.Compound, "compound_id", types.Compound, description="The compound it is about, if any.")

    @strawberry.field(metadata=list_bound(30), description="The agenda, in order.")
    async def agenda(self, info: strawberry.Info) -> list[AgendaItem]:
        return await children(info.context, AgendaItemModel.meeting_id).load(self.id)

    @strawberry.field(metadata=list_bound(30), description="The action items decided at the meeting.")
    async def action_items(self, info: strawberry.Info) -> list[ActionItem]:
        return await children(info.context, ActionItemModel.meeting_id).load(self.id)
