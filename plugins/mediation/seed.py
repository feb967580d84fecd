"""Demo data of the mediation plugin.

长庆街道: the four studios with their mediators, a year of cases (the 浙大御跸社区 water-leak
dispute mediated by 潘大姐工作室 among them), and the 东清大厦 task force with its 110 findings
at realistic progress. 拱宸桥街道: one studio. Rows are written directly with past dates
(the services stamp "now"); the states and histories follow the same state machine.
Idempotent: a street that has its studios is left alone.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from jiedao.api import now, registry, today
from jiedao.api.domain import CHINA, identity
from jiedao.api.seeding import demo, hash_password
from jiedao.plugins.mediation.service.finding_work import open_finding_work_items
from jiedao.plugins.mediation.service.visit_work import open_visit_work_item
from jiedao.plugins.mediation.service.numbering import take_number
from jiedao.plugins.mediation.models import (
    Agreement,
    Committee,
    CommitteeMember,
    Case,
    CaseParty,
    CasePlace,
    CaseTransition,
    Finding,
    MediationSession,
    ReturnVisit,
    Signature,
    Studio,
    StudioMember,
    TaskForce,
)
from jiedao.plugins.mediation.states import CaseState, Category, Department, FindingCategory, FindingStatus, PartyRole, Source

STUDIOS = {
    # name: (community, description, [(username, display name, lead)])
    "三和交流室": ("王马社区", "和谐、和睦、和美：王马社区的邻里交流与调解", [("mediator-sanhe", "王阿姨", True)]),
    "长宁工作室": ("长寿桥社区", "长寿桥社区退休法官领衔的调解工作室", [("mediator-changning", "沈法官", True)]),
    "潘大姐工作室": ("浙大御跸社区", "潘大姐三十年调解邻里纠纷", [("mediator-pan", "潘大姐", True), ("changqing-mediator", "小李", False)]),
    "老傅调解室": ("潮鸣寺巷社区", "老傅：老党员、老邻居、老娘舅", [("mediator-fu", "老傅", True)]),
}
GONGCHEN_STUDIO = ("拱宸桥调解工作室", "拱宸桥社区")
COMMITTEES = {
    # street: (name, seal number, the director keeping the seal (username, display name))
    "changqing": ("杭州市拱墅区长庆街道人民调解委员会", "3301050001", ("mediator-zhou", "周主任")),
    "gongchen": ("杭州市拱墅区拱宸桥街道人民调解委员会", "3301050002", None),
}
CATEGORIES = [
    (Category.WATER_LEAK, 25, "卫生间渗水至楼下"),
    (Category.NOISE, 15, "夜间噪音扰民"),
    (Category.RENOVATION, 12, "装修损坏相邻墙体"),
    (Category.PROPERTY_FEES, 15, "拖欠物业费"),
    (Category.NEIGHBOUR_CONFLICT, 15, "楼道堆物引发口角"),
    (Category.PARKING, 8, "车位占用"),
    (Category.FAMILY, 5, "赡养老人分歧"),
    (Category.COMMON_AREA, 5, "公共绿地被圈占"),
]
SOURCES = [(Source.APPLICATION, 60), (Source.POLICE_REFERRAL, 15), (Source.COURT_REFERRAL, 8), (Source.STUDIO_INITIATIVE, 17)]
REFERRERS = {Source.POLICE_REFERRAL: "长庆派出所", Source.COURT_REFERRAL: "拱墅区人民法院"}
FINDINGS = [
    # category, department, count, places (None: the unit itself)
    (FindingCategory.ILLEGAL_CONSTRUCTION, Department.LAW_ENFORCEMENT, 42, None),
    (FindingCategory.BLOCKED_FIRE_EXIT, Department.FIRE, 26, ["{f}楼消防通道", "{f}楼安全出口", "疏散楼梯{f}层"]),
    (FindingCategory.OCCUPIED_COMMON_AREA, Department.HOUSING, 30, ["{f}楼楼道", "地下室", "屋顶平台", "一楼门厅"]),
    (FindingCategory.ELECTRICAL_HAZARD, Department.EMERGENCY, 8, ["{f}楼电表箱", "一楼电动车停放点"]),
    (FindingCategory.OTHER, Department.POLICE, 4, None),
]
FINDING_PROGRESS = [(FindingStatus.VERIFIED, 72), (FindingStatus.RECTIFIED, 14), (FindingStatus.NOTIFIED, 16), (FindingStatus.OPEN, 8)]


def _weighted(rng: random.Random, choices):
    return rng.choices([c[0] for c in choices], weights=[c[1] for c in choices])[0]


async def seed(session, street: str) -> None:
    """Idempotent demo seeder of one street."""
    if await session.scalar(select(Studio.id).limit(1)) is not None:
        return
    street_id = await session.scalar(select(registry.Street.id).where(registry.Street.slug == street))
    committee = await _committee(session, street, street_id)
    if street != "changqing":
        studio = await _one_studio(session, *GONGCHEN_STUDIO)
        studio.committee_id = committee.id
        return
    rng = random.Random(f"mediation-{street}")
    studios = await _studios(session, street_id)
    for studio, mediators, _ in studios.values():
        studio.committee_id = committee.id
        session.add(CommitteeMember(committee_id=committee.id, user_id=mediators[0], display_name="", office="member", keeps_seal=False))
    await session.flush()
    for member in await session.scalars(select(CommitteeMember).where(CommitteeMember.display_name == "")):
        member.display_name = await session.scalar(select(StudioMember.display_name).where(StudioMember.user_id == member.user_id).limit(1))
    await _water_leak(session, studios["潘大姐工作室"])
    await _year_of_cases(session, rng, studios)
    await _dongqing(session, rng, studios["潘大姐工作室"])
    await _hotspot_story(session, studios["潘大姐工作室"])


async def _hotspot_story(session, pan) -> None:
    """This week's disputes at the demo's hotspot building (see ``core.demo.HOTSPOT_BUILDING``):
    a water leak from a blocked drain and two quarrels over corridor storage by the fire exit."""
    building_id = await demo.hotspot_building_id(session)
    if building_id is None:
        return
    studio, mediators, _ = pan
    owners = (await session.execute(select(registry.Ownership.resident_id, registry.Unit.id).join(registry.Unit, registry.Unit.id == registry.Ownership.unit_id).where(registry.Unit.building_id == building_id).order_by(registry.Unit.id).limit(6))).all()
    if len(owners) < 6:
        return
    stories = (
        ("东清大厦1幢楼上漏水纠纷", Category.WATER_LEAK, 3.5),
        ("东清大厦1幢楼道堆物堵塞消防通道", Category.NEIGHBOUR_CONFLICT, 2.2),
        ("东清大厦1幢安全出口被占用引发争执", Category.NEIGHBOUR_CONFLICT, 0.8),
    )
    for (title, category, days), (first, second) in zip(stories, zip(owners[::2], owners[1::2])):
        await _case(
            session, studio, mediators[0], title, category, Source.APPLICATION,
            [(first[0], PartyRole.APPLICANT), (second[0], PartyRole.RESPONDENT)], [(building_id, first[1]), (building_id, second[1])],
            days, [CaseState.ACCEPTED],
        )


async def _mediator(session, street_id: int, username: str) -> int:
    """The id of the demo mediator ``username`` (created with the demo password, granted the role)."""
    user_id = await session.scalar(select(identity.User.id).where(identity.User.username == username))
    if user_id is None:
        user = identity.User(username=username, password_hash=hash_password(demo.DEMO_PASSWORD))
        session.add(user)
        await session.flush()
        user_id = user.id
    if not await session.scalar(select(identity.Grant.id).where(identity.Grant.user_id == user_id, identity.Grant.street_id == street_id, identity.Grant.role == "mediator")):
        session.add(identity.Grant(user_id=user_id, street_id=street_id, role="mediator"))
    return user_id


async def _committee(session, street: str, street_id: int) -> Committee:
    """The street's people's mediation committee (Art. 34), its director keeping the seal."""
    name, number, director = COMMITTEES.get(street, (f"{street}人民调解委员会", "", None))
    committee = Committee(name=name, seal_name=name, seal_number=number, created_at=now())
    session.add(committee)
    await session.flush()
    if director is not None:
        user_id = await _mediator(session, street_id, director[0])
        session.add(CommitteeMember(committee_id=committee.id, user_id=user_id, display_name=director[1], office="director", keeps_seal=True))
    await session.flush()
    return committee


async def _one_studio(session, name: str, community: str) -> Studio:
    community_id = await session.scalar(select(registry.Community.id).where(registry.Community.name == community))
    studio = Studio(name=name, community_id=community_id, description="", created_at=now())
    session.add(studio)
    await session.flush()
    return studio


async def _studios(session, street_id: int) -> dict[str, tuple[Studio, list[int], int | None]]:
    """The four studios with their mediators (accounts created with the demo password)."""
    password_hash = None
    made = {}
    for name, (community, description, members) in STUDIOS.items():
        studio = await _one_studio(session, name, community)
        studio.description = description
        user_ids = []
        for username, display, lead in members:
            user_id = await session.scalar(select(identity.User.id).where(identity.User.username == username))
            if user_id is None:
                password_hash = password_hash or hash_password(demo.DEMO_PASSWORD)
                user = identity.User(username=username, password_hash=password_hash)
                session.add(user)
                await session.flush()
                user_id = user.id
            if not await session.scalar(select(identity.Grant.id).where(identity.Grant.user_id == user_id, identity.Grant.street_id == street_id, identity.Grant.role == "mediator")):
                session.add(identity.Grant(user_id=user_id, street_id=street_id, role="mediator"))
            session.add(StudioMember(studio_id=studio.id, user_id=user_id, display_name=display, is_lead=lead))
            user_ids.append(user_id)
        made[name] = (studio, user_ids, await session.scalar(select(registry.Community.id).where(registry.Community.name == community)))
    await session.flush()
    return made


async def _owners_in(session, community_id: int | None, compound: str | None = None) -> list[tuple[int, int, int, str]]:
    """(resident, unit, building, unit number) of the private owners of a community or compound."""
    statement = (
        select(registry.Ownership.resident_id, registry.Unit.id, registry.Building.id, registry.Unit.number)
        .join(registry.Unit, registry.Unit.id == registry.Ownership.unit_id)
        .join(registry.Building, registry.Building.id == registry.Unit.building_id)
        .join(registry.Compound, registry.Compound.id == registry.Building.compound_id)
        .join(registry.Resident, registry.Resident.id == registry.Ownership.resident_id)
        .where(registry.Resident.is_organisation.is_(False))
        .order_by(registry.Unit.id)
    )
    if community_id is not None:
        statement = statement.where(registry.Compound.community_id == community_id)
    if compound is not None:
        statement = statement.where(registry.Compound.name == compound)
    return [tuple(row) for row in (await session.execute(statement)).all()]


def _at(days_ago: float) -> datetime:
    return now() - timedelta(days=days_ago)


def _on(days_ago: float) -> date:
    return today() - timedelta(days=int(days_ago))


PERFORMANCE_DAYS = 15
"""The demo's agreements are performed within 15 days; the return visit follows the next day."""
AFTER_AGREEMENT = {CaseState.PERFORMING: 2, CaseState.BREACHED: PERFORMANCE_DAYS + 1, CaseState.FULFILLED: PERFORMANCE_DAYS + 2}
"""Days after the agreement each later state is reached (fulfilled: after the performance and the visit)."""


def _feasible(path: list[CaseState], opened_days_ago: float, case_id: int) -> list[CaseState]:
    """``path`` cut where its next step would lie in the future (a case agreed too recently to
    be fulfilled or breached is still being performed)."""
    day, kept, agreed = opened_days_ago, [], None
    for state in path:
        day = agreed - AFTER_AGREEMENT[state] if state in AFTER_AGREEMENT else max(day - random.Random(f"{case_id}{state}").randint(1, 6), 0.1)
        if day < 0.5 and state in AFTER_AGREEMENT:
            break
        agreed = day if state is CaseState.AGREED else agreed
        kept.append(state)
    return kept


def _answers(case: Case, parties, path: list[CaseState], source: Source) -> list[CaseParty]:
    """The parties' answers to mediation (Art. 17) along ``path``: an applicant consents by
    applying; the others accept on paper before mediation, or the respondent refuses."""
    rows = []
    mediated = CaseState.IN_MEDIATION in path
    refused = bool(path) and path[-1] is CaseState.REFUSED
    answered_on = case.opened_at.astimezone(CHINA).date() + timedelta(days=1)
    for resident_id, role in parties:
        row = CaseParty(case_id=case.id, resident_id=resident_id, role=role.value)
        if source is Source.APPLICATION and role is PartyRole.APPLICANT:
            row.answer, row.answer_channel, row.answered_on, row.answer_recorded_by = "accepted", "application", case.opened_at.astimezone(CHINA).date(), "demo"
        elif role is PartyRole.RESPONDENT and refused:
            row.answer, row.answer_channel, row.answered_on, row.answer_recorded_by = "refused", "paper", min(answered_on, today()), "demo"
            row.refusal_reason = "被申请人明确表示不同意调解，要求通过诉讼解决"
        elif mediated:
            row.answer, row.answer_channel, row.answered_on, row.answer_recorded_by = "accepted", "paper", min(answered_on, today()), "demo"
        rows.append(row)
    return rows


async def _case(session, studio, mediator_id, title, category, source, parties, places, opened_days_ago, path, *, description="", finding_id=None):
    """A case that went along ``path`` (states after the first), a few days a step; the
    parties answer, the committee seals, performance is confirmed and visited as the law runs."""
    initial = CaseState.REFERRED if source in (Source.POLICE_REFERRAL, Source.COURT_REFERRAL, Source.TASK_FORCE_REFERRAL) else CaseState.APPLIED
    case = Case(
        title=title, description=description, category=category.value, source=source.value, referred_by=REFERRERS.get(source, "东清大厦综合整治专班" if finding_id else ""),
        state=initial.value, studio_id=studio.id, mediator_user_id=mediator_id if path else None, finding_id=finding_id, opened_at=_at(opened_days_ago),
    )
    session.add(case)
    await session.flush()
    await take_number(session, case, studio.committee_id)
    path = _feasible(path, opened_days_ago, case.id)
    session.add_all(_answers(case, parties, path, source))
    session.add_all([CasePlace(case_id=case.id, building_id=b, unit_id=u) for b, u in dict.fromkeys(places)])
    steps = [CaseTransition(case_id=case.id, from_state=None, to_state=initial.value, actor="demo", reason=case.referred_by or source.value, at=case.opened_at)]
    day = opened_days_ago
    previous = initial
    agreed = None
    for state in path:
        day = agreed - AFTER_AGREEMENT[state] if state in AFTER_AGREEMENT else max(day - random.Random(f"{case.id}{state}").randint(1, 6), 0.1)
        reason = {
            CaseState.REFUSED: "被申请人拒绝调解（书面）：被申请人明确表示不同意调解，要求通过诉讼解决",
            CaseState.FAILED: "双方分歧较大，告知通过诉讼解决",
            CaseState.BREACHED: "未履行：约定期限届满未履行",
            CaseState.FULFILLED: "履行已确认，回访完毕",
        }.get(state, "")
        steps.append(CaseTransition(case_id=case.id, from_state=previous.value, to_state=state.value, actor="demo", reason=reason, at=_at(day)))
        case.state = state.value
        if state in (CaseState.AGREED, CaseState.FAILED, CaseState.REFUSED):
            case.concluded_at = _at(day)
        if state in (CaseState.FAILED, CaseState.REFUSED, CaseState.FULFILLED, CaseState.BREACHED):
            case.closed_at = _at(day)
        if state is CaseState.IN_MEDIATION:
            session.add(MediationSession(case_id=case.id, held_on=_on(day), participants=["双方当事人", "调解员"], notes="听取双方陈述，现场查看。", recorded_by="demo"))
        if state is CaseState.AGREED:
            agreed = day
            confirmed = random.Random(f"confirm{case.id}").random() < 0.15  # few parties ask the court
            extra = {"confirmation_requested_on": _on(day - 5), "confirmation_court": "杭州市拱墅区人民法院"} if confirmed and day > 5 else {}
            outcome = next((s for s in path if s in (CaseState.FULFILLED, CaseState.BREACHED)), None)
            await _agreement(session, case, [r for r, _ in parties], mediator_id, day, outcome=outcome, **extra)
        previous = state
    session.add_all(steps)
    await session.flush()
    return case


async def _keeper(session, case: Case) -> int | None:
    committee_id = await session.scalar(select(Studio.committee_id).where(Studio.id == case.studio_id))
    return await session.scalar(select(CommitteeMember.user_id).where(CommitteeMember.committee_id == committee_id, CommitteeMember.keeps_seal.is_(True)))


async def _agreement(session, case: Case, party_ids: list[int], mediator_id: int, days_ago: float, *, outcome: CaseState | None = None, **content) -> Agreement:
    """The agreement, signed and sealed by the committee's keeper ``days_ago``; for a fulfilled
    case the mediator's check on the performance date and the return visit the next day; for a
    breached one the breach noticed the day after the performance date."""
    effective = _on(days_ago)
    perform_by = effective + timedelta(days=PERFORMANCE_DAYS)
    agreement = Agreement(
        case_id=case.id,
        facts=content.get("facts", f"{case.title}，双方到调解室申请调解。"),
        disputed_points=content.get("disputed_points", "责任划分与补偿数额。"),
        terms=content.get("terms", "责任方承担修复费用并向对方赔礼道歉。"),
        performance=content.get("performance", "十五日内完成修复，费用当面结清。"),
        perform_by=perform_by,
        drafted_at=_at(days_ago + 0.5),
        sealed_at=_at(days_ago),
        sealed_by_user_id=await _keeper(session, case),
        seal_committee_id=await session.scalar(select(Studio.committee_id).where(Studio.id == case.studio_id)),
        effective_on=effective,
        confirmation_requested_on=content.get("confirmation_requested_on"),
        confirmation_court=content.get("confirmation_court"),
    )
    if agreement.confirmation_requested_on is not None:
        agreement.confirmation_ruling, agreement.confirmation_ruled_on = "confirmed", min(agreement.confirmation_requested_on + timedelta(days=7), today())
        agreement.confirmation_case_number = f"（{agreement.confirmation_ruled_on.year}）浙0105民特{100 + case.id}号"
    if outcome is CaseState.FULFILLED:
        agreement.performed_on, agreement.performance_how = perform_by, "mediator_check"
        agreement.performance_recorded_by, agreement.performance_note = "demo", "调解员现场查看：已按协议履行"
    if outcome is CaseState.BREACHED:
        agreement.breached_on, agreement.breach_note, agreement.breach_recorded_by = perform_by + timedelta(days=1), "约定期限届满未履行", "demo"
    session.add(agreement)
    await session.flush()
    session.add_all([Signature(agreement_id=agreement.id, resident_id=r, recorded_by="demo", signed_at=_at(days_ago)) for r in party_ids])
    session.add(Signature(agreement_id=agreement.id, user_id=mediator_id, recorded_by="demo", signed_at=_at(days_ago)))
    visit_due = perform_by + timedelta(days=1)
    done = outcome is not None or visit_due <= today() - timedelta(days=3)  # the latest visits are still to do
    visit = ReturnVisit(case_id=case.id, due_on=visit_due, done_on=visit_due if done else None, notes=("已履行，双方满意" if outcome is not CaseState.BREACHED else "未履行，已告知可向法院起诉") if done else "")
    session.add(visit)
    if not done:  # a visit still to do is a work item of the mediator
        await session.flush()
        await open_visit_work_item(session, visit)
    return agreement


async def _water_leak(session, studio_entry) -> None:
    """浙大御跸小区: the bathroom of an upper flat leaks into the flat below; 潘大姐 mediates."""
    studio, mediators, community_id = studio_entry
    owners = await _owners_in(session, community_id, "浙大御跸小区")
    by_unit = {(building, number): (resident, unit) for resident, unit, building, number in owners}
    for (building, number), (upper, upper_unit) in sorted(by_unit.items(), key=lambda item: item[0][1], reverse=True):
        below = f"{int(number[0]) - 1}{number[1:]}"
        if number[0] > "1" and (building, below) in by_unit:
            lower, lower_unit = by_unit[(building, below)]
            break
    else:
        return
    case = await _case(
        session, studio, mediators[0], f"浙大御跸小区{number}室卫生间渗水至{below}室", Category.WATER_LEAK, Source.APPLICATION,
        [(lower, PartyRole.APPLICANT), (upper, PartyRole.RESPONDENT)], [(building, lower_unit), (building, upper_unit)], 75,
        [CaseState.ACCEPTED, CaseState.IN_MEDIATION],
        description=f"{below}室顶棚大面积水渍、墙皮脱落，{number}室业主否认漏水来自本户。",
    )
    steps = [
        (CaseState.AGREED, 60, "mediator-zhou", "agreement signed by every party and the mediator, and sealed"),
        (CaseState.PERFORMING, 58, "mediator-pan", "防水施工开始"),
        (CaseState.FULFILLED, 40, "mediator-pan", "履行已确认（调解员现场查看），回访完毕"),
    ]
    previous = CaseState.IN_MEDIATION
    for state, days, actor, reason in steps:
        session.add(CaseTransition(case_id=case.id, from_state=previous.value, to_state=state.value, actor=actor, reason=reason, at=_at(days)))
        previous = state
    case.state, case.concluded_at, case.closed_at = CaseState.FULFILLED.value, _at(60), _at(40)
    session.add(MediationSession(case_id=case.id, held_on=_on(66), participants=["双方业主", "潘大姐", "物业维修师傅"], notes="闭水试验确认渗漏点在楼上卫生间。", recorded_by="mediator-pan"))
    await _agreement(
        session, case, [lower, upper], mediators[0], 60,
        facts=f"经闭水试验，{number}室卫生间防水层老化，渗水至{below}室顶棚。",
        disputed_points="漏水责任归属及楼下装修损失的赔偿数额。",
        terms=f"{number}室业主重做卫生间防水，并赔偿{below}室顶棚修复费用2800元。",
        performance="十五日内完成防水施工，赔偿款于施工完成当日当面付清。",
        confirmation_requested_on=_on(55), confirmation_court="杭州市拱墅区人民法院", outcome=CaseState.FULFILLED,
    )
    await session.flush()


async def _year_of_cases(session, rng: random.Random, studios) -> None:
    """About eighty cases over the past year across the four studios."""
    for name, (studio, mediators, community_id) in studios.items():
        owners = await _owners_in(session, community_id)
        if len(owners) < 2:
            continue
        ages = [rng.uniform(1, 365) for _ in range(rng.randint(14, 20))] + [rng.uniform(1, 40) for _ in range(4)]
        for age in sorted(ages, reverse=True):
            category = _weighted(rng, [(c, w) for c, w, _ in CATEGORIES])
            what = next(t for c, _, t in CATEGORIES if c is category)
            source = _weighted(rng, SOURCES)
            a, b = rng.sample(owners, 2)
            path = _path(rng, age)
            title = f"{what}（{a[3]}室与{b[3]}室）" if category is not Category.PROPERTY_FEES else f"{what}（{a[3]}室）"
            await _case(
                session, studio, rng.choice(mediators), title, category, source,
                [(a[0], PartyRole.APPLICANT), (b[0], PartyRole.RESPONDENT)], [(a[2], a[1]), (b[2], b[1])], age, path,
            )


def _path(rng: random.Random, age: float) -> list[CaseState]:
    """How far a case opened ``age`` days ago has got (a realistic mix)."""
    S = CaseState
    if age < 7:
        return rng.choice([[], [S.ACCEPTED], [S.ACCEPTED, S.IN_MEDIATION]])
    if 30 < age < 120 and rng.random() < 0.2:
        return [S.ACCEPTED, S.IN_MEDIATION]  # a difficult one, still open: flagged after 30 days
    if age < 45:
        roll = rng.random()
        if roll < 0.25:
            return [S.ACCEPTED, S.IN_MEDIATION]
        if roll < 0.75:
            return [S.ACCEPTED, S.IN_MEDIATION, S.AGREED, S.PERFORMING]
    roll = rng.random()
    if roll < 0.18:
        return [S.REFUSED]
    if roll < 0.30:
        return [S.ACCEPTED, S.IN_MEDIATION, S.FAILED]
    if roll < 0.33:
        return [S.ACCEPTED, S.IN_MEDIATION, S.AGREED, S.PERFORMING, S.BREACHED]
    return [S.ACCEPTED, S.IN_MEDIATION, S.AGREED, S.PERFORMING, S.FULFILLED]


async def _dongqing(session, rng: random.Random, pan) -> None:
    """The 东清大厦 campaign: 110 violations, six departments, most of them cleared."""
    compound_id = await session.scalar(select(registry.Compound.id).where(registry.Compound.name == "东清大厦"))
    if compound_id is None:
        return
    buildings = list(await session.scalars(select(registry.Building.id).where(registry.Building.compound_id == compound_id).order_by(registry.Building.id)))
    units = (await session.execute(select(registry.Unit.id, registry.Unit.building_id, registry.Unit.number).where(registry.Unit.building_id.in_(buildings)).order_by(registry.Unit.id))).all()
    started = _on(120)
    task_force = TaskForce(name="东清大厦综合整治专班", compound_id=compound_id, departments=sorted(d.value for d in Department), started_on=started, created_at=_at(120))
    session.add(task_force)
    await session.flush()
    statuses = [status for status, count in FINDING_PROGRESS for _ in range(count)]
    rng.shuffle(statuses)
    findings = []
    for category, department, count, places in FINDINGS:
        for _ in range(count):
            unit_id, building_id, number = rng.choice(units)
            floor = number[0]
            status = statuses.pop()
            found = rng.uniform(90, 118)
            deadline = started + timedelta(days=rng.choice((30, 45, 60, 90, 150)))
            kwargs = dict(unit_id=unit_id, location=f"{number}室" + ("阳台搭建" if category is FindingCategory.ILLEGAL_CONSTRUCTION else "群租隐患"))
            if places is not None:
                kwargs = dict(unit_id=None, location=rng.choice(places).format(f=floor))
            finding = Finding(
                task_force_id=task_force.id, building_id=building_id, category=category.value, department=department.value,
                description="", deadline=deadline, status=status.value, evidence=[f"photo:dq-{len(findings) + 1:03d}-before.jpg"],
                created_at=_at(found), status_changed_at=_at(found), **kwargs,
            )
            if status in (FindingStatus.RECTIFIED, FindingStatus.VERIFIED):
                finding.rectified_at = _at(rng.uniform(10, found - 5))
                finding.evidence = [*finding.evidence, f"photo:dq-{len(findings) + 1:03d}-after.jpg"]
                finding.status_changed_at = finding.rectified_at
            if status is FindingStatus.VERIFIED:
                finding.verified_at = finding.status_changed_at = finding.rectified_at + timedelta(days=rng.randint(1, 7))
            if status is FindingStatus.NOTIFIED:
                finding.status_changed_at = _at(found - 2)
            findings.append(finding)
    session.add_all(findings)
    await session.flush()
    # Each finding still to be rectified is a work item of its department (some already overdue).
    await open_finding_work_items(session, [f for f in findings if f.status in (FindingStatus.OPEN.value, FindingStatus.NOTIFIED.value)])
    await _disputed_findings(session, pan, [f for f in findings if f.unit_id is not None and f.category == FindingCategory.ILLEGAL_CONSTRUCTION.value][:3])


async def _disputed_findings(session, pan, findings: list[Finding]) -> None:
    """Three owners disputed their findings; 潘大姐工作室 mediates with the task force."""
    studio, mediators, _ = pan
    paths = [
        [CaseState.ACCEPTED, CaseState.IN_MEDIATION, CaseState.AGREED, CaseState.PERFORMING, CaseState.FULFILLED],
        [CaseState.ACCEPTED, CaseState.IN_MEDIATION],
        [],
    ]
    for finding, path, age in zip(findings, paths, (80, 20, 3)):
        owner = await session.scalar(select(registry.Ownership.resident_id).where(registry.Ownership.unit_id == finding.unit_id).limit(1))
        if owner is None:
            continue
        await _case(
            session, studio, mediators[0], f"东清大厦综合整治专班: 对整改事项有异议（{finding.location}）", Category.RENOVATION,
            Source.TASK_FORCE_REFERRAL, [(owner, PartyRole.APPLICANT)], [(finding.building_id, finding.unit_id)], age, path,
            description="业主认为搭建系购房时原有结构。", finding_id=finding.id,
        )
