"""Demo data of the maintenance fund: one account per compound with its first deposit and
two years of interest; in the home compound (凤起都市花园) the elevator ballot the deliberation
seed closed authorises a use that is paid out, and an emergency repair of the fire-fighting
facilities is recorded and announced. Idempotent: a street with accounts is left alone."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import now, registry
from jiedao.plugins.deliberation.fund import uses
from jiedao.plugins.deliberation.fund.ledger import Actor, post
from jiedao.plugins.deliberation.fund.models import Emergency, EntryKind, FundAccount, UseStatus
from jiedao.plugins.deliberation.models import Ballot, BallotBuilding, BallotStatus, Rule

HOME_COMPOUND = "凤起都市花园"
DEPOSIT_FEN_PER_DM2 = 60
"""60 yuan per m² of exclusive area (办法 Art. 7: 5%-8% of the local construction cost per m²)."""
MINIMUM_DEPOSIT_FEN = 50_000_000
INTEREST_PER_MILLE = 15
"""1.5% a year."""
ELEVATOR_SHARE_FEN = 20_000_000
SYSTEM = Actor("住房保障和房产管理局（演示）")


async def seed_fund(session: AsyncSession, street: str) -> None:
    """Seed the street's maintenance-fund demo data once (see the module docstring)."""
    if await session.scalar(select(func.count()).select_from(FundAccount)):
        return
    unit, building, compound = registry.Unit, registry.Building, registry.Compound
    areas = dict((await session.execute(
        select(compound.id, func.coalesce(func.sum(unit.area_dm2), 0))
        .select_from(compound).outerjoin(building, building.compound_id == compound.id).outerjoin(unit, unit.building_id == building.id)
        .group_by(compound.id)
    )).all())
    compounds = list(await session.scalars(select(compound).order_by(compound.id)))
    start = now() - timedelta(days=3 * 365)
    accounts = {}
    for row in compounds:
        account = FundAccount(name=f"{row.name}住宅专项维修资金", compound_id=row.id, building_id=None, balance_fen=0, created_at=start)
        session.add(account)
        await session.flush()
        deposit = max(int(areas.get(row.id, 0)) * DEPOSIT_FEN_PER_DM2, MINIMUM_DEPOSIT_FEN)
        await post(session, account, EntryKind.DEPOSIT, deposit, SYSTEM, note="首期住宅专项维修资金交存", at=start)
        for year in (1, 2):
            interest = account.balance_fen * INTEREST_PER_MILLE // 1000
            await post(session, account, EntryKind.INTEREST, interest, SYSTEM, note=f"第{year}年存储利息", at=start + timedelta(days=365 * year))
        accounts[row.id] = account
    home = next((c for c in compounds if c.name == HOME_COMPOUND), compounds[0] if compounds else None)
    if home is not None:
        await _elevator_use(session, accounts[home.id])
        await _fire_emergency(session, accounts[home.id])


async def _elevator_use(session: AsyncSession, account: FundAccount) -> None:
    """The home compound's closed elevator ballot, if it passed, authorises a use that is paid out."""
    ballot = await session.scalar(
        select(Ballot).where(Ballot.compound_id.is_(None), Ballot.rule == Rule.ART278_MAJOR.value, Ballot.status == BallotStatus.CLOSED.value)
        .join(BallotBuilding, BallotBuilding.ballot_id == Ballot.id)
        .join(registry.Building, registry.Building.id == BallotBuilding.building_id)
        .where(registry.Building.compound_id == account.compound_id).order_by(Ballot.id).limit(1)
    )
    if ballot is None or not (ballot.result or {}).get("passed"):
        return
    building_id = await session.scalar(select(BallotBuilding.building_id).where(BallotBuilding.ballot_id == ballot.id))
    name = await session.scalar(select(registry.Building.name).where(registry.Building.id == building_id))
    use = await uses.request_use(
        session, account.id, purpose=f"{name}加装电梯工程（维修资金分摊部分）", amount_fen=ELEVATOR_SHARE_FEN, bearers=[(building_id, None)],
        alteration=True, actor=Actor("业主委员会（演示）"),
    )
    # The demo's history: the use was put to this ballot before its announcement (putFundUseToVote
    # refuses a closed ballot; the deliberation seed writes its ballots directly).
    use.ballot_id = ballot.id
    await uses.authorise_use(session, use.id, ballot.id)
    await uses.disburse_use(session, use.id, SYSTEM)
    assert use.status == UseStatus.DISBURSED.value


async def _fire_emergency(session: AsyncSession, account: FundAccount) -> None:
    """An emergency repair of a building's fire-fighting facilities, without a vote, announced."""
    building_id = await session.scalar(select(registry.Building.id).where(registry.Building.compound_id == account.compound_id).order_by(registry.Building.id).limit(1))
    if building_id is None:
        return
    await uses.record_emergency_use(
        session, account.id, purpose="消防喷淋主管爆裂抢修", amount_fen=1_286_000, bearers=[(building_id, None)], emergency=Emergency.FIRE_FACILITIES,
        reason="地下室消防喷淋主管爆裂，消防系统失压，危及消防安全，经街道确认后立即抢修。", actor=SYSTEM,
    )
