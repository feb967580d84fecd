"""Demo data: 68 deliberated topics, the biweekly 半月谈 of 凤起都市花园, 红茶议事会 sessions,
a past elevator ballot (closed, with its frozen tally), an open EV-charger consultation, and an
open ballot over the demo owners' compound that the demo owner accounts have not voted in yet.

Every topic tells the accountability chain: raised; put on a meeting's agenda (discussing);
decided on its agenda item, with action items for the compound's 物业 and 业委会
organisations (or their names in the note where the demo has no such organisation);
implemented once those were done. Held meetings and their topics are published.

Idempotent: a street that already has topics is left alone. Deterministic: the same
random seed gives the same data on every machine.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import Base, now, registry, seeding
from jiedao.api.graphql import model_for
from jiedao.api.organisations import OrganisationKind
from jiedao.plugins.deliberation import service
from jiedao.plugins.deliberation.seed_work import settle_appeals
from jiedao.plugins.deliberation.service import publicity, tally
from jiedao.plugins.deliberation.models import (
    ActionItem,
    AgendaItem,
    Ballot,
    BallotBuilding,
    BallotStatus,
    Channel,
    Choice,
    Comment,
    ConvenorKind,
    Elector,
    Meeting,
    MeetingKind,
    Rule,
    Topic,
    TopicStatus,
    TopicStep,
    Vote,
)

Building, Compound = registry.Building, registry.Compound

TOPIC_COUNT = {"changqing": 68}
DEFAULT_TOPIC_COUNT = 12
HOME_COMPOUND = "凤起都市花园"

APPEALS = [
    ("楼道灯不亮", "晚上回家看不清台阶，老人容易摔倒。"),
    ("加装电梯意见征集", "老小区没有电梯，高层老人出行困难。"),
    ("电动自行车飞线充电", "有住户从楼上拉线充电，存在火灾隐患。"),
    ("垃圾分类点异味", "夏天垃圾房气味大，希望增加清运次数。"),
    ("小区停车位紧张", "外来车辆占用车位，业主晚上停不进来。"),
    ("屋顶漏水维修", "顶楼住户反映雨天屋顶渗水。"),
    ("绿化带改造为健身场地", "希望把闲置绿地改成老年人健身区。"),
    ("二次供水水箱清洗", "自来水有异味，要求清洗水箱并公示检测结果。"),
    ("楼道堆放杂物", "杂物堵塞消防通道。"),
    ("外墙脱落", "外墙瓷砖有脱落风险，要求排查。"),
    ("物业费调整听证", "物业提出上调物业费，需要业主讨论。"),
    ("公共收益公开", "电梯广告和停车收益去向不清，要求公示。"),
    ("夜间施工噪音", "隔壁工地夜间施工影响休息。"),
    ("门禁系统升级", "门禁经常损坏，陌生人随意进出。"),
    ("化粪池堵塞", "一楼下水道反味。"),
    ("独居老人关爱", "希望组织志愿者定期上门探访独居老人。"),
    ("快递柜选址", "快递柜位置影响消防车通行。"),
    ("屋顶违建", "顶楼住户私搭阳光房。"),
    ("宠物管理公约", "犬只不牵绳、随地便溺。"),
    ("维修资金使用", "申请使用专项维修资金更换水泵。"),
]
DECISIONS = [
    "物业两周内完成整改，居委会跟踪回访。",
    "提交业主大会表决，按民法典第二百七十八条执行。",
    "由业委会牵头制定方案，下次半月谈汇报。",
    "联系街道城管中队联合执法。",
    "纳入小区微更新项目，申请街道资金。",
]
REJECTIONS = [
    "属于个人私权纠纷，已引导至调解工作室。",
    "不属于本小区公共事务，已转交相关部门。",
    "经核实情况不属实，已向反映人当面说明。",
]
ACTORS = ("居委会王主任", "网格员李", "业委会陈主任", "物业张经理")
PATHS = {
    TopicStatus.RAISED: [TopicStatus.RAISED],
    TopicStatus.DISCUSSING: [TopicStatus.RAISED, TopicStatus.DISCUSSING],
    TopicStatus.DECIDED: [TopicStatus.RAISED, TopicStatus.DISCUSSING, TopicStatus.DECIDED],
    TopicStatus.IMPLEMENTED: [TopicStatus.RAISED, TopicStatus.DISCUSSING, TopicStatus.DECIDED, TopicStatus.IMPLEMENTED],
    TopicStatus.REJECTED: [TopicStatus.RAISED, TopicStatus.REJECTED],
}
STATUS_WEIGHTS = [
    (TopicStatus.IMPLEMENTED, 30),
    (TopicStatus.DECIDED, 15),
    (TopicStatus.DISCUSSING, 20),
    (TopicStatus.RAISED, 23),
    (TopicStatus.REJECTED, 12),
]


async def seed(session: AsyncSession, street: str) -> None:
    """Seed the street's deliberation demo data once (see the module docstring)."""
    if await session.scalar(select(func.count()).select_from(Topic)):
        return
    compounds = list(await session.scalars(select(Compound).order_by(Compound.id)))
    if not compounds:
        return
    street_id = session.info["street_id"]
    rng = random.Random(f"deliberation-{street}")
    home = next((c for c in compounds if c.name == HOME_COMPOUND), compounds[0])
    buildings = list(await session.scalars(select(Building).order_by(Building.id)))
    calendar = Calendar(session, home)
    await calendar.half_month_talks()
    await _topics(session, rng, calendar, compounds, buildings, TOPIC_COUNT.get(street, DEFAULT_TOPIC_COUNT))
    await calendar.finish(rng)
    await settle_appeals(session, rng)
    home_buildings = [b for b in buildings if b.compound_id == home.id]
    await _elevator_ballot(session, rng, street_id, home, home_buildings[min(2, len(home_buildings) - 1)])
    await _ev_consultation(session, rng, street_id, home, home_buildings)
    await _demo_owners_ballot(session, rng, street_id)


def _at_two(moment):
    return moment.replace(hour=14, minute=0, second=0, microsecond=0)


class Calendar:
    """The demo's meetings: seven biweekly 半月谈 of the home compound (six held, one ahead),
    a 红茶议事会 about the elevator, and, for the other compounds, a monthly 红茶议事会
    created when a topic of theirs needs one."""

    def __init__(self, session: AsyncSession, home: Compound):
        self.session, self.home = session, home
        self.talks: list[Meeting] = []
        self.sessions: dict[tuple[int, int], Meeting] = {}
        self.responsible: dict[int, dict[str, int | None]] = {}

    async def half_month_talks(self) -> None:
        """The 半月谈 of the home compound, every two weeks from twelve weeks ago."""
        start = _at_two(now()) - timedelta(weeks=12)
        for n in range(7):
            held = n < 6
            self.talks.append(Meeting(
                kind=MeetingKind.JOINT.value,
                title=f"{self.home.name}三方联席会议（半月谈）第{n + 1}期",
                compound_id=self.home.id,
                scheduled_at=start + timedelta(weeks=2 * n),
                parties=["居委会", "业委会", "物业"],
                attendance=["居委会王主任", "业委会陈主任", "物业张经理", "居民代表2名"] if held else [],
                minutes="三方通报上期事项进展，逐项讨论本期议题，形成处理意见。" if held else "",
                published_at=start + timedelta(weeks=2 * n, days=1) if held else None,
            ))
        self.session.add_all(self.talks)
        self.session.add(
            Meeting(
                kind=MeetingKind.RED_TEA.value,
                title="红茶议事会：老旧小区加装电梯协商",
                compound_id=self.home.id,
                scheduled_at=start + timedelta(weeks=5),
                parties=["居民代表", "业委会", "社区党委", "电梯公司"],
                attendance=["社区党委书记", "业委会陈主任", "高层住户代表", "低层住户代表"],
                minutes="高低层住户就出资比例协商，同意按楼层系数分摊，提交业主表决。",
            )
        )
        await self.session.flush()

    async def held(self, rng, compound: Compound) -> Meeting:
        """A held meeting of the compound, at which a topic was decided."""
        if compound.id == self.home.id:
            return rng.choice(self.talks[:6])
        return await self._red_tea(compound, rng.randint(0, 5))

    async def ahead(self, compound: Compound) -> Meeting:
        """The compound's next meeting, on whose agenda topics under discussion are."""
        return self.talks[6] if compound.id == self.home.id else await self._red_tea(compound, -1)

    async def _red_tea(self, compound: Compound, months_ago: int) -> Meeting:
        key = (compound.id, months_ago)
        if key not in self.sessions:
            held = months_ago >= 0
            at = _at_two(now()) - timedelta(days=30 * months_ago + 10) if held else _at_two(now()) + timedelta(days=7)
            meeting = Meeting(
                kind=MeetingKind.RED_TEA.value,
                title=f"{compound.name}红茶议事会（{at.month}月）",
                compound_id=compound.id,
                scheduled_at=at,
                parties=["居委会", "业委会", "物业", "居民代表"],
                attendance=["社区书记", "业委会主任", "物业项目经理", "居民代表3名"] if held else [],
                minutes="居民代表逐项反映诉求，三方当场议定处理意见和完成时限。" if held else "",
                published_at=at + timedelta(days=1) if held else None,
            )
            self.session.add(meeting)
            await self.session.flush()
            self.sessions[key] = meeting
        return self.sessions[key]

    async def organisations(self, compound_id: int) -> dict[str, int | None]:
        """The compound's 业委会 and 物业 organisation ids (``None`` where the demo has none)."""
        if compound_id not in self.responsible:
            organisations = Base.metadata.tables["organisations"]
            served = Base.metadata.tables["organisation_compounds"]
            kinds = {}
            for org_id, kind in (await self.session.execute(
                select(organisations.c.id, organisations.c.kind).where(organisations.c.compound_id == compound_id).order_by(organisations.c.id)
            )).all():
                kinds.setdefault(getattr(kind, "name", str(kind)).upper(), org_id)
            manager = await self.session.scalar(
                select(served.c.organisation_id).where(served.c.compound_id == compound_id).order_by(served.c.organisation_id).limit(1)
            )
            self.responsible[compound_id] = {
                "业委会": kinds.get("OWNERS_COMMITTEE"),
                "物业": manager or kinds.get("PROPERTY_MANAGER"),
            }
        return self.responsible[compound_id]

    async def finish(self, rng) -> None:
        """Every held 半月谈 also hears the 物业's progress report, an action item of its own."""
        organisations = await self.organisations(self.home.id)
        for n, meeting in enumerate(self.talks[:6]):
            report = AgendaItem(meeting_id=meeting.id, title="上期事项进展通报", decision="物业书面报告整改进展，居委会跟踪。",
                                decided_at=meeting.scheduled_at)
            self.session.add(report)
            await self.session.flush()
            self.session.add(ActionItem(
                meeting_id=meeting.id, agenda_item_id=report.id, organisation_id=organisations["物业"], description="物业提交整改情况书面报告",
                owner="物业张经理", due_on=(meeting.scheduled_at + timedelta(days=14)).date(),
                done_at=None if n >= 4 else meeting.scheduled_at + timedelta(days=10),
            ))
        await self.session.flush()


ACTIONS = [
    ("物业", "按议定方案完成整改并书面报告", "物业张经理"),
    ("业委会", "向业主公示处理结果", "业委会陈主任"),
]


async def _topics(session, rng, calendar: Calendar, compounds, buildings, count) -> list[Topic]:
    """The topics, each with the steps of its story: raised; put on a meeting's agenda
    (discussing); decided on its agenda item with action items for the 物业 and the
    业委会; implemented once those were done; or rejected with a reason."""
    by_compound: dict[int, list[Building]] = {}
    for b in buildings:
        by_compound.setdefault(b.compound_id, []).append(b)
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    made = []
    for i in range(count):
        title, description = APPEALS[i % len(APPEALS)]
        compound = compounds[i % len(compounds)]
        building = rng.choice(by_compound[compound.id]) if by_compound.get(compound.id) and rng.random() < 0.7 else None
        status = rng.choices(statuses, weights)[0]
        topic = Topic(
            title=f"{building.name if building else compound.name}{title}",
            description=description,
            status=status.value,
            compound_id=compound.id,
            building_id=building.id if building else None,
            rejection_reason=rng.choice(REJECTIONS) if status is TopicStatus.REJECTED else None,
        )
        made.append((topic, compound, status))
    for topic, compound, status in made:
        await _story(session, rng, calendar, topic, compound, status)
    await session.flush()
    return [t for t, _, _ in made]


async def _story(session, rng, calendar: Calendar, topic: Topic, compound: Compound, status: TopicStatus) -> None:
    """Write one topic's timeline and its links to meetings and action items."""
    steps: list[tuple[TopicStatus, str, object]] = []
    meeting = None
    if status in (TopicStatus.DECIDED, TopicStatus.IMPLEMENTED):
        meeting = await calendar.held(rng, compound)
    elif status is TopicStatus.DISCUSSING:
        meeting = await calendar.ahead(compound)
    if meeting is None:
        moment = now() - timedelta(days=rng.randint(5, 180) if status is TopicStatus.REJECTED else rng.randint(1, 30), hours=rng.randint(0, 23))
        steps.append((TopicStatus.RAISED, "", moment))
        if status is TopicStatus.REJECTED:
            steps.append((TopicStatus.REJECTED, topic.rejection_reason, moment + timedelta(days=rng.randint(1, 10))))
    else:
        held = meeting.scheduled_at <= now()
        raised = meeting.scheduled_at - timedelta(days=rng.randint(6, 25), hours=rng.randint(0, 23))
        if not held:
            raised = min(raised, now() - timedelta(days=1))
        steps.append((TopicStatus.RAISED, "", raised))
        steps.append((TopicStatus.DISCUSSING, f"列入会议议程：{meeting.title}", raised + timedelta(hours=rng.randint(6, 48))))
    topic.created_at = steps[0][2]
    topic.updated_at = steps[-1][2]
    session.add(topic)
    await session.flush()
    if meeting is not None:
        item = AgendaItem(meeting_id=meeting.id, topic_id=topic.id, title=topic.title)
        session.add(item)
        if meeting.published_at is not None:
            topic.published_at = meeting.published_at
        if status in (TopicStatus.DECIDED, TopicStatus.IMPLEMENTED):
            decision = rng.choice(DECISIONS)
            item.decision, item.decided_at, item.decides_topic = decision, meeting.scheduled_at, True
            topic.decision = decision
            steps.append((TopicStatus.DECIDED, f"{meeting.title}：{decision}", meeting.scheduled_at))
            await session.flush()
            finished = await _action_items(session, rng, calendar, meeting, item, topic, status is TopicStatus.IMPLEMENTED)
            if status is TopicStatus.IMPLEMENTED:
                steps.append((TopicStatus.IMPLEMENTED, "各项行动事项均已完成，已向居民反馈。", finished + timedelta(hours=2)))
    previous = None
    for to, note, at in steps:
        session.add(TopicStep(topic_id=topic.id, from_status=previous, to_status=to.value, note=note, actor=rng.choice(ACTORS), at=at))
        previous = to.value
    topic.updated_at = steps[-1][2]


async def _action_items(session, rng, calendar: Calendar, meeting: Meeting, item: AgendaItem, topic: Topic, done: bool):
    """One or two action items for the 物业 and the 业委会; returns when the last was done."""
    organisations = await calendar.organisations(topic.compound_id)
    last = meeting.scheduled_at
    for party, description, person in ACTIONS[: rng.randint(1, 2)]:
        organisation_id = organisations[party]
        finished = meeting.scheduled_at + timedelta(days=rng.randint(3, 9)) if done else None
        session.add(ActionItem(
            meeting_id=meeting.id, agenda_item_id=item.id, topic_id=topic.id, organisation_id=organisation_id,
            description=description, owner=person if organisation_id else f"{party}（{person}）",
            due_on=(meeting.scheduled_at + timedelta(days=14)).date(), done_at=finished,
        ))
        last = max(last, finished) if finished else last
    await session.flush()
    return last


async def _owners_committee(session, compound_id: int) -> int | None:
    organisation = model_for("Organisation")
    return await session.scalar(
        select(organisation.id).where(organisation.compound_id == compound_id, organisation.kind == OrganisationKind.OWNERS_COMMITTEE).limit(1)
    )


async def _ballot_with_votes(session, rng, street_id, home, buildings, *, title, matter, rule, opens, closes, turnout, agree, abstainers=frozenset()) -> Ballot:
    """A ballot announced ``notice`` days before it opened (15 for a binding one), convened
    by the compound's 业委会 (the street office without one), with its electorate fixed at
    announcement and its announcement published, and votes of about ``turnout`` of the owners
    (never of the owner groups of the units in ``abstainers``)."""
    notice = timedelta(days=16 if rule is not Rule.SIMPLE_MAJORITY else 1)
    committee = await _owners_committee(session, home.id)
    ballot = Ballot(
        title=title, matter=matter, rule=rule.value, status=BallotStatus.OPEN.value, compound_id=home.id if len(buildings) > 1 else None,
        opens_at=opens, closes_at=closes, created_at=opens - notice - timedelta(days=3), opened_at=opens - notice,
        convenor_kind=(ConvenorKind.OWNERS_COMMITTEE if committee else ConvenorKind.STREET).value, convenor_organisation_id=committee,
        electorate_fixed_at=opens - notice,
    )
    session.add(ballot)
    await session.flush()
    session.add_all(BallotBuilding(ballot_id=ballot.id, building_id=b.id) for b in buildings)
    await session.flush()
    await tally.freeze_electorate(session, street_id, ballot, opens.year)
    ballot.announcement_notice_id = (await publicity.announce_ballot(session, ballot, since=opens - notice)).id
    groups = (await session.execute(
        select(Elector.owner_key, func.min(Elector.unit_id)).where(Elector.ballot_id == ballot.id).group_by(Elector.owner_key).order_by(Elector.owner_key)
    )).all()
    silent = set((await session.execute(
        select(Elector.owner_key).where(Elector.ballot_id == ballot.id, Elector.unit_id.in_(abstainers))
    )).scalars()) if abstainers else set()
    for key, unit_id in groups:
        if rng.random() >= turnout or key in silent:
            continue
        roll = rng.random()
        choice = Choice.AGREE if roll < agree else Choice.OPPOSE if roll < agree + (1 - agree) * 0.7 else Choice.ABSTAIN
        channel = rng.choice([Channel.ONLINE, Channel.ONLINE, Channel.PAPER, Channel.PROXY])
        proxy = (rng.choice("王李张刘陈杨赵黄") + rng.choice(["建国", "秀英", "伟", "芳", "静"])) if channel is Channel.PROXY else None
        session.add(Vote(
            ballot_id=ballot.id, owner_key=key, unit_id=unit_id, choice=choice.value, channel=channel.value,
            cast_at=opens + timedelta(hours=rng.randint(1, 200)), proxy_name=proxy,
            proxy_id_card_masked=f"330105********{rng.randint(100, 999)}X" if proxy else None,
        ))
    await session.flush()
    return ballot


async def _elevator_ballot(session, rng, street_id, home, building: Building) -> None:
    """A closed Art. 278 major-matter ballot on installing an elevator, tallied on closing."""
    closes = now() - timedelta(days=30)
    ballot = await _ballot_with_votes(
        session, rng, street_id, home, [building],
        title=f"{building.name}加装电梯业主表决",
        matter="在本幢加装电梯一部，费用按楼层系数分摊（民法典第二百七十八条第一款第七项）。",
        rule=Rule.ART278_MAJOR, opens=closes - timedelta(days=21), closes=closes, turnout=0.9, agree=0.86,
    )
    await service.close_ballot(session, street_id, ballot.id)
    ballot.closed_at = closes + timedelta(hours=2)
    await session.flush()


async def _ev_consultation(session, rng, street_id, home, buildings) -> None:
    """An open, non-binding consultation on EV-charger sites, and the topic it belongs to."""
    opens = now() - timedelta(days=3)
    ballot = await _ballot_with_votes(
        session, rng, street_id, home, buildings,
        title="电动自行车充电桩选址征询",
        matter="拟在北门自行车棚设置集中充电桩20个，征询业主意见（非约束性）。",
        rule=Rule.SIMPLE_MAJORITY, opens=opens, closes=now() + timedelta(days=11), turnout=0.35, agree=0.7,
    )
    topic = Topic(
        title="电动自行车充电桩选址",
        description="杜绝飞线充电，拟在北门自行车棚集中设置充电桩，公开征求意见。",
        status=TopicStatus.DISCUSSING.value,
        compound_id=home.id,
        consultation_closes_at=now() + timedelta(days=11),
        created_at=opens - timedelta(days=7),
        updated_at=opens,
    )
    session.add(topic)
    await session.flush()
    ballot.topic_id = topic.id
    session.add_all(
        [
            TopicStep(topic_id=topic.id, from_status=None, to_status="RAISED", note="", actor="网格员李", at=opens - timedelta(days=7)),
            TopicStep(topic_id=topic.id, from_status="RAISED", to_status="DISCUSSING", note="开放线上征询", actor="居委会王主任", at=opens),
            Comment(topic_id=topic.id, body="支持，北门车棚离单元门近。", author="3幢业主", at=opens + timedelta(hours=5)),
            Comment(topic_id=topic.id, body="担心充电桩离住宅太近，需要消防评估。", author="1幢业主", at=opens + timedelta(hours=9)),
            Comment(topic_id=topic.id, body="代办充电卡，加微信xxx", author="访客", hidden=True, hidden_reason="广告", at=opens + timedelta(days=1)),
        ]
    )
    await session.flush()


async def _demo_owners_ballot(session, rng, street_id) -> None:
    """An open ordinary-matter ballot over the compound of the demo owner accounts' homes
    (``changqing-owner1..3``: the street's first private residents with a phone, as
    ``core.demo.seed_accounts`` links them), so a visitor logged in as one of them can vote
    online and watch the turnout; their owner groups have not voted yet."""
    owners = select(registry.Resident.id).where(registry.Resident.is_organisation.is_(False), registry.Resident.phone.is_not(None))
    owners = owners.order_by(registry.Resident.id).limit(len(seeding.demo.DEMO_OWNERS))
    units = list(await session.scalars(select(registry.Ownership.unit_id).where(registry.Ownership.resident_id.in_(owners))))
    if not units:
        return
    compound = await session.scalar(
        select(Compound).join(Building, Building.compound_id == Compound.id).join(registry.Unit, registry.Unit.building_id == Building.id)
        .where(registry.Unit.id == units[0])
    )
    buildings = list(await session.scalars(select(Building).where(Building.compound_id == compound.id).order_by(Building.id)))
    opens = now() - timedelta(days=2)
    await _ballot_with_votes(
        session, rng, street_id, compound, buildings,
        title=f"{compound.name}门禁系统更换业主表决",
        matter="使用公共收益更换小区门禁系统（人脸识别与刷卡并存），预算12万元（民法典第二百七十八条第一款第九项）。",
        rule=Rule.ART278_ORDINARY, opens=opens, closes=now() + timedelta(days=12), turnout=0.45, agree=0.75, abstainers=frozenset(units),
    )


__all__ = ["seed"]
