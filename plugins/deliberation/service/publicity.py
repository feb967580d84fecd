"""Public notices of deliberation, through the kernel's ``publish_notice``: a published
meeting's decisions (公示, to its compound, street-wide without one; publishing again replaces
the live notice), and a ballot's announcement, result and cancellation (公告, to its compound,
or the street when its buildings span several compounds)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import registry
from jiedao.api.domain import CHINA
from jiedao.api.graphql import encode_global_id, model_for
from jiedao.api.notices import publish_notice, STREET
from jiedao.plugins.deliberation.models import AgendaItem, Ballot, BallotBuilding, BallotStairwell, Meeting

PUBLISHER = "deliberation"
MAX_BODY = 20_000


async def _compound_or_street(session: AsyncSession, compound_id: int | None):
    """The compound row to publish to, or the whole street."""
    if compound_id is None:
        return STREET
    return await session.scalar(select(registry.Compound).where(registry.Compound.id == compound_id)) or STREET


async def publish_meeting_decisions(session: AsyncSession, meeting: Meeting, user=None) -> None:
    """公示 of the decisions taken at ``meeting`` (each decided agenda item, then the minutes)."""
    items = list(await session.scalars(
        select(AgendaItem).where(AgendaItem.meeting_id == meeting.id, AgendaItem.decision.is_not(None)).order_by(AgendaItem.id)
    ))
    lines = [f"{n}. {item.title}：{item.decision}" for n, item in enumerate(items, 1)]
    body = "\n".join(["会议决定：", *(lines or ["（本次会议未形成决定）"]), "", "会议纪要：", meeting.minutes])
    await publish_notice(
        session, scope=await _compound_or_street(session, meeting.compound_id), title=f"会议决定公示：{meeting.title}"[:200],
        body=body[:MAX_BODY], kind="publicity", subject=encode_global_id("Meeting", meeting.id), publisher=PUBLISHER,
        published_by=user, replace=True,
    )


async def _ballot_place(session: AsyncSession, ballot: Ballot):
    """Where a ballot's notices go: its compound, the one compound of its buildings, or the
    street when its buildings lie in several compounds."""
    if ballot.compound_id is not None:
        return await _compound_or_street(session, ballot.compound_id)
    compounds = set(await session.scalars(
        select(registry.Building.compound_id).join(BallotBuilding, BallotBuilding.building_id == registry.Building.id)
        .where(BallotBuilding.ballot_id == ballot.id)
    ))
    return await _compound_or_street(session, compounds.pop() if len(compounds) == 1 else None)


async def _convenor(session: AsyncSession, ballot: Ballot):
    """The convening organisation's row (None for the street office) and its name."""
    if ballot.convenor_organisation_id is None:
        return None, "街道办事处"
    organisation = model_for("Organisation")
    org = await session.scalar(select(organisation).where(organisation.id == ballot.convenor_organisation_id))
    return org, org.name if org else "街道办事处"


def _china(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y年%m月%d日 %H:%M")


async def _publish(
    session: AsyncSession, ballot: Ballot, user, *, title: str, body: str, kind: str = "announcement",
    since: datetime | None = None, until: datetime | None = None, replace=False,
):
    org, _ = await _convenor(session, ballot)
    publisher = tuple(p for p in (user, org) if p is not None) or None
    return await publish_notice(
        session, scope=await _ballot_place(session, ballot), title=title[:200], body=body[:MAX_BODY], kind=kind,
        subject=encode_global_id("Ballot", ballot.id), publisher=PUBLISHER, published_by=publisher,
        period=(since, until), replace=replace,
    )


async def scope_words(session: AsyncSession, ballot: Ballot) -> str:
    """The 表决范围 of a ballot's notices: its buildings, each narrowed to its stairwells (单元,
    in their natural order) when the ballot is (``1幢1单元、1幢2单元、3幢``), so that the owners
    can tell whether they vote."""
    buildings = (await session.execute(
        select(registry.Building.id, registry.Building.name).join(BallotBuilding, BallotBuilding.building_id == registry.Building.id)
        .where(BallotBuilding.ballot_id == ballot.id).order_by(registry.Building.id)
    )).all()
    stairwells: dict[int, list[str]] = defaultdict(list)
    for building_id, stairwell in sorted((await session.execute(
        select(BallotStairwell.building_id, BallotStairwell.stairwell).where(BallotStairwell.ballot_id == ballot.id)
    )).all(), key=lambda row: (len(row.stairwell), row.stairwell)):
        stairwells[building_id].append(stairwell if stairwell.endswith("单元") else f"{stairwell}单元")
    return "、".join(
        part for building_id, name in buildings for part in ([f"{name}{s}" for s in stairwells[building_id]] if building_id in stairwells else [name])
    )


async def announce_ballot(session: AsyncSession, ballot: Ballot, user=None, *, since: datetime | None = None):
    """公告 of a ballot when it is announced: the convenor, the matter, who votes, the voting
    period and the ways to vote (物业管理条例 Art. 14; the notice stays in force until voting ends);
    for a ballot that decides a use of the maintenance fund, the use: purpose, amount, bearers."""
    from jiedao.plugins.deliberation.fund.uses import announcement_lines  # the fund builds on ballots, not the reverse

    _, convenor = await _convenor(session, ballot)
    rule = RULE_WORDS[ballot.rule]
    residents = ballot.electorate == "RESIDENTS"
    body = "\n".join([
        f"召集人：{convenor}",
        f"表决事项：{ballot.title}",
        f"具体内容：{ballot.matter or '（见表决事项）'}",
        *await announcement_lines(session, ballot.id),
        f"表决范围：{await scope_words(session, ballot)}",
        f"参加表决：{'范围内年满十八周岁的居民（含租户及其他实际居住人），每人一票' if residents else '范围内全体业主，以公告之日登记的业主名册为准（一户一票，同一业主或共有人的多套房屋计为一票，面积合计）'}",
        f"表决规则：{rule}",
        f"表决时间：{_china(ballot.opens_at)} 至 {_china(ballot.closes_at)}（北京时间）",
        "表决方式：业主本人登录平台在线投票；或向召集人领取、交回书面表决票；"
        "或书面委托代理人投票，代理人须出示身份证件并提交业主签名的授权委托书。",
        "表决结果将在表决结束后公告。",
    ])
    return await _publish(session, ballot, user, title=f"表决公告：{ballot.title}", body=body, since=since, until=ballot.closes_at)


async def publish_ballot_result(session: AsyncSession, ballot: Ballot, user=None):
    """公示 of a closed ballot's result, with the reasons and the per-building breakdown
    (业主大会和业主委员会指导规则: the assembly's decisions are announced to all owners)."""
    r = ballot.result or {}
    verdict = "通过" if r.get("passed") else "未通过"
    unit = "人" if ballot.electorate == "RESIDENTS" else "户"
    lines = [
        f"表决事项：{ballot.title}",
        f"结果：{verdict}",
        f"应参与 {r.get('eligible_owners', 0)} {unit}，参与 {r.get('participating_owners', 0)} {unit}；"
        f"同意 {r.get('agree_owners', 0)} {unit}，反对 {r.get('oppose_owners', 0)} {unit}，弃权 {r.get('abstain_owners', 0)} {unit}。",
        *[str(reason) for reason in r.get("reasons_zh") or r.get("reasons", [])],
        "",
        "分楼栋统计：",
    ]
    for b in r.get("by_building", []):
        area = f"，专有面积 {b['eligible_area'] / 100:.2f} 平方米中参与 {b['participating_area'] / 100:.2f}、同意 {b['agree_area'] / 100:.2f}" if unit == "户" else ""
        lines.append(
            f"{b['building_name']}：应参与 {b['eligible_owners']} {unit}，参与 {b['participating_owners']} {unit}，"
            f"同意 {b['agree_owners']} {unit}，反对 {b['oppose_owners']} {unit}，弃权 {b['abstain_owners']} {unit}{area}。"
        )
    title = f"居民协商结果公示：{ballot.title}" if unit == "人" else f"业主表决结果公示：{ballot.title}"
    return await _publish(session, ballot, user, title=title, body="\n".join(lines), kind="publicity")


async def announce_cancellation(session: AsyncSession, ballot: Ballot, user=None):
    """公告 that an announced ballot is cancelled, with the reason; it replaces the announcement."""
    _, convenor = await _convenor(session, ballot)
    body = "\n".join([
        f"召集人：{convenor}",
        f"原定于 {_china(ballot.opens_at)} 至 {_china(ballot.closes_at)} 进行的表决「{ballot.title}」取消。",
        f"取消原因：{ballot.cancellation_reason}",
        "已投出的票不再计票，本次表决不产生结果。",
    ])
    return await _publish(session, ballot, user, title=f"取消表决公告：{ballot.title}", body=body, replace=True)


RULE_WORDS = {
    "ART278_MAJOR": "民法典第二百七十八条：参与表决业主的专有部分面积和人数均达三分之二以上，且经参与表决专有部分面积四分之三以上、人数四分之三以上的业主同意",
    "ART278_ORDINARY": "民法典第二百七十八条：参与表决业主的专有部分面积和人数均达三分之二以上，且经参与表决专有部分面积过半数、人数过半数的业主同意",
    "SIMPLE_MAJORITY": "非约束性征询：同意票超过所投票数的一半",
}
