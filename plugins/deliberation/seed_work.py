"""Demo: about 30 民生诉求 settled through the three parties, with the kernel's work items and
their full timelines — the appeal opened and dispatched to the 居委会 (or the 业委会), each
action item's item for the 物业/业委会 accepted, resolved and rated by the resident who raised
it; a few reopened once after a 不满意; a few action items overdue and escalated. The appeal
itself is resolved by the 居委会 when the meeting decides and closed when the topic is implemented.

Written through the kernel's API only (``open_work_item``, ``take_work_step``,
``escalate_overdue_work``); the steps are dated in the past by holding the kernel's clock at
each step's moment (``jiedao.api.clock``), as the tests move time.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from types import SimpleNamespace

from sqlalchemy import select

from jiedao.api import Base, registry
from jiedao.api.domain import CHINA, clock, identity
from jiedao.api.graphql import encode_global_id
from jiedao.api.organisations import OrganisationKind
from jiedao.api.work import escalate_overdue_work, is_working_day, open_work_item, take_work_step, WorkSource
from jiedao.plugins.deliberation.models import ActionItem, AgendaItem, Meeting, Topic, TopicStatus

SETTLED = 30
REOPEN_EVERY = 7
UNSATISFIED = ("只处理了一部分，问题还在。", "整改后没几天又出现同样的问题。", "没有人上门说明情况。")


@contextmanager
def held_at(moment: datetime):
    """Hold the kernel's clock at ``moment`` (never later than now) while the steps are taken."""
    real = clock.now
    fixed = min(moment, real() - timedelta(minutes=1))
    clock.now = lambda: fixed
    try:
        yield fixed
    finally:
        clock.now = real


class People:
    """Who acts: the accounts of an organisation's members, the residents of a building."""

    def __init__(self, session):
        self.session = session
        self._members: dict[int, dict] = {}

    async def member_of(self, organisation_id: int) -> dict:
        """How the organisation acts: through one of its accounts (``by``), or — without one —
        as Jiedao signing with the organisation's name (``signed``)."""
        if organisation_id not in self._members:
            memberships, organisations = Base.metadata.tables["memberships"], Base.metadata.tables["organisations"]
            user_id = await self.session.scalar(
                select(memberships.c.user_id).where(memberships.c.organisation_id == organisation_id, memberships.c.user_id.is_not(None))
                .order_by(memberships.c.id).limit(1)
            )
            if user_id:
                self._members[organisation_id] = {"by": await self.session.get(identity.User, user_id)}
            else:
                name = await self.session.scalar(select(organisations.c.name).where(organisations.c.id == organisation_id))
                self._members[organisation_id] = {"signed": name[:100]}
        return self._members[organisation_id]

    async def resident_of(self, rng, topic: Topic):
        """A resident owning a unit where the topic is, as the person who rates (their own
        account when they have one)."""
        where = registry.Unit.building_id == topic.building_id if topic.building_id else registry.Building.compound_id == topic.compound_id
        rows = (await self.session.execute(
            select(registry.Resident.id, registry.Resident.name).join(registry.Ownership, registry.Ownership.resident_id == registry.Resident.id)
            .join(registry.Unit, registry.Unit.id == registry.Ownership.unit_id).join(registry.Building, registry.Building.id == registry.Unit.building_id)
            .where(where, registry.Resident.is_organisation.is_(False)).order_by(registry.Resident.id).limit(20)
        )).all()
        if not rows:
            return None
        resident_id, name = rng.choice(rows)
        account = await self.session.scalar(select(identity.User).where(identity.User.resident_id == resident_id).limit(1))
        return account or SimpleNamespace(username=f"居民{name}", id=None, resident_id=resident_id)


async def settle_appeals(session, rng) -> None:
    """Give about ``SETTLED`` decided or implemented topics their work items and timelines."""
    people = People(session)
    topics = list(await session.scalars(
        select(Topic).where(Topic.status.in_([TopicStatus.IMPLEMENTED.value, TopicStatus.DECIDED.value])).order_by(Topic.id)
    ))
    settled = 0
    for topic in topics:
        if settled >= SETTLED:
            break
        settled += await _settle(session, rng, people, topic, reopen=settled % REOPEN_EVERY == 3)
    await session.flush()
    with held_at(_last_working_moment()):
        await escalate_overdue_work(session)


def _last_working_moment() -> datetime:
    """Now on a working day in China; on a day off, 18:00 of the last working day before it.
    A sweep escalates nothing on a day off, and the demo shows its overdue items escalated
    whatever day it is seeded."""
    moment = clock.now()
    day = moment.astimezone(CHINA).date()
    if is_working_day(day)[0]:
        return moment
    while not is_working_day(day)[0]:
        day -= timedelta(days=1)
    return datetime.combine(day, time(18, 0), CHINA)


async def _settle(session, rng, people: People, topic: Topic, *, reopen: bool) -> int:
    """One topic's work items (1), or none (0) where nobody could be dispatched or rate it."""
    agenda = await session.scalar(select(AgendaItem).where(AgendaItem.topic_id == topic.id, AgendaItem.decides_topic.is_(True)))
    meeting = await session.get(Meeting, agenda.meeting_id) if agenda else None
    committee = await _dispatched_to(session, topic.compound_id)
    raiser = await people.resident_of(rng, topic) if meeting and committee else None
    if raiser is None:
        return 0
    topic.raised_by_resident_id = raiser.resident_id
    with held_at(topic.created_at):
        appeal = await open_work_item(
            session, subject=encode_global_id("Topic", topic.id), title=topic.title, category="appeal", source=WorkSource.RESIDENT_APPEAL,
            building_id=topic.building_id, raised_by=raiser.resident_id,
        )
    with held_at(topic.created_at + timedelta(hours=3)):
        await take_work_step(session, appeal.id, "dispatch", organisation_id=committee, note=f"提交{meeting.title}三方协商")
    with held_at(topic.created_at + timedelta(days=1)):
        await take_work_step(session, appeal.id, "accept", **await people.member_of(committee), note="已受理，列入三方联席会议议程")
    with held_at(meeting.scheduled_at + timedelta(hours=3)):
        await take_work_step(session, appeal.id, "resolve", **await people.member_of(committee), note=f"{meeting.title}已议定：{topic.decision}")
    actions = list(await session.scalars(select(ActionItem).where(ActionItem.topic_id == topic.id).order_by(ActionItem.id)))
    for action in actions:
        await _follow_action(session, rng, people, topic, meeting, action, raiser, committee, reopen)
    if topic.status == TopicStatus.IMPLEMENTED.value:
        with held_at(topic.updated_at):
            await take_work_step(session, appeal.id, "close", note="议题已落实：各项行动事项均已完成，已向居民反馈。")
    return 1


async def _dispatched_to(session, compound_id: int) -> int | None:
    """Where staff send an appeal of the compound: its community's 居委会, else its 业委会."""
    organisations = Base.metadata.tables["organisations"]
    community = await session.scalar(select(registry.Compound.community_id).where(registry.Compound.id == compound_id))
    for kind, where in (
        (OrganisationKind.RESIDENTS_COMMITTEE, organisations.c.community_id == community),
        (OrganisationKind.OWNERS_COMMITTEE, organisations.c.compound_id == compound_id),
    ):
        found = await session.scalar(select(organisations.c.id).where(where, organisations.c.kind == kind).order_by(organisations.c.id).limit(1))
        if found is not None:
            return found
    return None


async def _follow_action(session, rng, people: People, topic, meeting, action: ActionItem, raiser, committee: int, reopen: bool) -> None:
    """The action item's work item: opened at the meeting for its organisation (the 居委会
    follows it where the demo has no row for the party named in the note), accepted the next
    day, resolved when the action was done and rated by the resident (once 不满意 first)."""
    organisation_id = action.organisation_id or committee
    member = await people.member_of(organisation_id)
    with held_at(meeting.scheduled_at + timedelta(hours=2)):
        item = await open_work_item(
            session, subject=encode_global_id("MeetingActionItem", action.id), title=action.description, category="meeting_action",
            source=WorkSource.MEETING_ACTION, building_id=topic.building_id, raised_by=raiser.resident_id, assignee_org=organisation_id,
            due=datetime.combine(action.due_on, time(23, 59, 59), CHINA),
        )
    with held_at(meeting.scheduled_at + timedelta(days=1)):
        await take_work_step(session, item.id, "accept", **member, note="已接单，安排人员处理")
    if action.done_at is None:
        return
    done = action.done_at
    with held_at(done):
        await take_work_step(session, item.id, "resolve", **member, note="已按议定方案处理完毕")
    if reopen and done + timedelta(days=4) < clock.now():
        with held_at(done + timedelta(days=1)):
            await take_work_step(session, item.id, "rate", by=raiser, rating="UNSATISFIED", note=rng.choice(UNSATISFIED))
        with held_at(done + timedelta(days=3)):
            await take_work_step(session, item.id, "resolve", **member, note="返工完成，已上门向居民说明")
        done = done + timedelta(days=3)
    with held_at(done + timedelta(hours=20)):
        await take_work_step(session, item.id, "rate", by=raiser, rating=rng.choice(["SATISFIED", "SATISFIED", "BASICALLY_SATISFIED"]))
