"""Public notices (公示) of deliberation: a published meeting's decisions, to the residents of
its compound (street-wide without one), and a closed ballot's result, to its compound. Both
go through the kernel's ``publish_notice``; publishing again replaces the live notice."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import registry
from jiedao.api.graphql import encode_global_id
from jiedao.api.notices import publish_notice, STREET
from jiedao.plugins.deliberation.models import AgendaItem, Ballot, BallotBuilding, Meeting

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


async def publish_ballot_result(session: AsyncSession, ballot: Ballot, user=None) -> None:
    """公示 of a closed ballot's result to its compound (the compound of its first building when
    it was held over a list of buildings)."""
    compound_id = ballot.compound_id
    if compound_id is None:
        compound_id = await session.scalar(
            select(registry.Building.compound_id).join(BallotBuilding, BallotBuilding.building_id == registry.Building.id)
            .where(BallotBuilding.ballot_id == ballot.id).order_by(registry.Building.id).limit(1)
        )
    r = ballot.result or {}
    verdict = "通过" if r.get("passed") else "未通过"
    body = "\n".join([
        f"表决事项：{ballot.title}",
        f"结果：{verdict}",
        f"应参与业主 {r.get('eligible_owners', 0)} 户，参与 {r.get('participating_owners', 0)} 户；"
        f"同意 {r.get('agree_owners', 0)} 户，反对 {r.get('oppose_owners', 0)} 户，弃权 {r.get('abstain_owners', 0)} 户。",
        *[str(reason) for reason in r.get("reasons", [])],
    ])
    await publish_notice(
        session, scope=await _compound_or_street(session, compound_id), title=f"业主表决结果公示：{ballot.title}"[:200],
        body=body[:MAX_BODY], kind="publicity", subject=encode_global_id("Ballot", ballot.id), publisher=PUBLISHER,
        published_by=user, replace=True,
    )
