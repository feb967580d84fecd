"""Uses of the maintenance fund: a request (purpose, amount, the buildings or stairwells whose
owners bear it), put to the vote of a draft ballot whose announcement states it, its
authorisation by that ballot once passed, the disbursement, and the emergency use without a
vote that is recorded and announced afterwards.

The rules (README "Maintenance fund"):

* Civil Code Art. 278(1)(5) and (2): using the fund is decided by the owners — a binding
  Art. 278 ballot (participation of 2/3 of the area and of the owners; more than half of the
  participating area and owners agree). A use that rebuilds or alters buildings or facilities
  (``alteration``: Art. 278(1)(7), e.g. adding an elevator) needs the 3/4 rule
  (``ART278_MAJOR``). A non-binding consultation never authorises a use.
* 住宅专项维修资金管理办法 Art. 19 and 22(2)/23(2): the owners who bear a use (列支范围) decide
  it, so the ballot's scope must cover every unit of the bearing buildings or stairwells.
* One ballot decides one use, and only the ballot the use was put to before its announcement
  (whose 公告 states the purpose, amount and bearers: the owners vote on this use, not on a
  matter a use is later hung on); money leaves the account only through a disbursement of an
  authorised use, or an emergency use.
* Civil Code Art. 281(2) and the measures' Art. 24: in an emergency endangering safety (an
  elevator, fire-fighting facilities ...) the fund is used without a vote; the use is recorded
  with its reason and announced to the compound as a public notice.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, registry
from jiedao.api.domain import get_or_not_found
from jiedao.api.graphql import encode_global_id
from jiedao.api.notices import publish_notice
from jiedao.plugins.deliberation.fund.ledger import Actor, check_amount, get_account, post
from jiedao.plugins.deliberation.fund.models import Emergency, EntryKind, FundAccount, FundUse, FundUseBearer, UseStatus
from jiedao.plugins.deliberation.models import Ballot, BallotStatus, Rule
from jiedao.plugins.deliberation.service.scope import ballot_unit_ids

Bearer = tuple[int, str | None]
"""A building id and one of its stairwells (``None``: the whole building)."""

BINDING_RULES = {Rule.ART278_ORDINARY.value, Rule.ART278_MAJOR.value}


async def get_use(session: AsyncSession, use_id: int, *, lock: bool = False) -> FundUse:
    """The use, or ``NOT_FOUND`` naming ``useId``."""
    return await get_or_not_found(session, FundUse, use_id, field="useId", message="No such fund use in this street.", for_update=lock)


def bearing_units(use_id: int):
    """SQL: the ids of the units whose owners bear use ``use_id``."""
    unit, bearer = registry.Unit, FundUseBearer
    return (
        select(unit.id)
        .join(bearer, bearer.building_id == unit.building_id)
        .where(bearer.use_id == use_id, or_(bearer.stairwell.is_(None), bearer.stairwell == unit.stairwell))
    )


async def _check_bearers(session: AsyncSession, account: FundAccount, bearers: Sequence[Bearer]) -> list[Bearer]:
    """Each bearer is a building of the account (its compound's, or the account's own building)
    with units on the named stairwell; ``BAD_INPUT``/``NOT_FOUND`` naming ``bearers[i]``."""
    if not bearers:
        raise DomainError("Name the buildings or stairwells whose owners bear the use (列支范围).", code="REQUIRED", field="bearers")
    unit, building = registry.Unit, registry.Building
    ids = {b for b, _ in bearers}
    compound_of = dict((await session.execute(select(building.id, building.compound_id).where(building.id.in_(ids)))).all())
    stairwells = set((await session.execute(select(unit.building_id, unit.stairwell).where(unit.building_id.in_(ids)).distinct())).all())
    checked: list[Bearer] = []
    for n, (building_id, stairwell) in enumerate(bearers):
        if compound_of.get(building_id) != account.compound_id or (account.building_id not in (None, building_id)):
            raise DomainError("The building is not covered by this account.", code="BAD_INPUT", field=f"bearers[{n}].buildingId")
        name = None if stairwell is None else stairwell.strip()
        if name is not None and (building_id, name) not in stairwells:
            raise DomainError("The building has no stairwell (单元) {stairwell}.", code="NOT_FOUND", field=f"bearers[{n}].stairwell", stairwell=repr(name))
        if (building_id, name) not in checked:
            checked.append((building_id, name))
    return checked


async def _new_use(session, account, purpose, amount_fen, bearers, actor: Actor, **columns) -> FundUse:
    if not purpose.strip():
        raise DomainError("Say what the money is for.", code="REQUIRED", field="purpose")
    check_amount(amount_fen)
    checked = await _check_bearers(session, account, bearers)
    use = FundUse(
        account_id=account.id, purpose=purpose.strip(), amount_fen=amount_fen, requested_by=actor.name, requested_by_id=actor.user_id,
        requested_at=now(), **columns,
    )
    session.add(use)
    await session.flush()
    session.add_all(FundUseBearer(use_id=use.id, building_id=b, stairwell=s) for b, s in checked)
    await session.flush()
    return use


async def request_use(
    session: AsyncSession, account_id: int, *, purpose: str, amount_fen: int, bearers: Sequence[Bearer], alteration: bool, actor: Actor
) -> FundUse:
    """A use request, waiting for the owners' vote that authorises it."""
    account = await get_account(session, account_id)
    return await _new_use(session, account, purpose, amount_fen, bearers, actor, alteration=alteration, status=UseStatus.REQUESTED.value)


def _not_authorised(message: str, **params) -> DomainError:
    return DomainError(message, code="NOT_AUTHORISED", field="ballotId", **params)


async def _check_ballot_fits(session: AsyncSession, use: FundUse, ballot: Ballot) -> None:
    """The ballot can decide the use: binding (Art. 278; the 3/4 rule for an alteration) and
    its scope covers every bearing unit; ``NOT_AUTHORISED`` naming ``ballotId`` otherwise."""
    if ballot.rule not in BINDING_RULES:
        raise _not_authorised("A non-binding consultation cannot authorise a use of the fund (Civil Code Art. 278 needs an owners' vote).")
    if use.alteration and ballot.rule != Rule.ART278_MAJOR.value:
        raise _not_authorised("Rebuilding or altering buildings or facilities needs 3/4 of the participating area and owners (Art. 278(1)(7), ART278_MAJOR).")
    outside = await session.scalar(
        select(func.count()).select_from(bearing_units(use.id).where(registry.Unit.id.not_in(ballot_unit_ids(ballot.id))).subquery())
    )
    if outside:
        raise _not_authorised("{count} unit(s) bearing the use were not in the ballot's scope: the owners who bear it must decide it.", count=outside)


async def check_ballot_authorises(session: AsyncSession, use: FundUse, ballot: Ballot) -> None:
    """The ballot is the one the use was put to, closed, passed, binding (Art. 278; the 3/4
    rule for an alteration), and its scope covers every bearing unit; ``NOT_AUTHORISED``
    naming ``ballotId`` otherwise."""
    if use.ballot_id != ballot.id:
        raise _not_authorised(
            "The use was not put to this ballot's vote: owners authorise a use only by the ballot whose announcement stated "
            "its purpose, amount and bearers (putFundUseToVote before the ballot is announced)."
        )
    if ballot.status != BallotStatus.CLOSED.value or not ballot.result:
        raise _not_authorised("The ballot is {status}: only a closed ballot's result authorises a use.", status=ballot.status.lower())
    await _check_ballot_fits(session, use, ballot)
    if not ballot.result.get("passed"):
        raise _not_authorised("The ballot did not pass.")


async def put_to_vote(session: AsyncSession, use_id: int, ballot_id: int) -> FundUse:
    """Put a requested use to the vote of a draft ballot: the ballot's announcement then states
    the use's purpose, amount and the owners who bear it (住宅专项维修资金管理办法 Art. 22(2)/23(2):
    the bearing owners decide *this* use), and only that ballot can authorise it. A use whose
    ballot was cancelled or failed may be put to a new one."""
    use = await get_use(session, use_id, lock=True)
    if use.status != UseStatus.REQUESTED.value:
        raise DomainError("The use is {status}, not waiting for a vote.", code="INVALID_STATUS", field="useId", status=use.status.lower())
    # Locked as announcing it locks it: a use is never linked to a ballot whose announcement is
    # being written without it, and two uses put to one ballot at once get one CONFLICT.
    ballot = await get_or_not_found(session, Ballot, ballot_id, field="ballotId", message="No such ballot in this street.", for_update=True)
    if ballot.status != BallotStatus.DRAFT.value:
        raise DomainError(
            "The ballot is {status}: a use is put to a ballot before it is announced, so that its announcement states what the owners decide.",
            code="INVALID_STATUS", field="ballotId", status=ballot.status.lower(),
        )
    if use.ballot_id is not None and use.ballot_id != ballot.id:
        current = await session.get(Ballot, use.ballot_id)
        decided_against = current.status == BallotStatus.CLOSED.value and not (current.result or {}).get("passed")
        if current.status != BallotStatus.CANCELLED.value and not decided_against:
            raise DomainError("The use is already put to the vote of another ballot.", code="CONFLICT", field="useId")
    taken = await session.scalar(select(FundUse.id).where(FundUse.ballot_id == ballot_id, FundUse.id != use.id))
    if taken is not None:
        raise DomainError("This ballot already decides another use of the fund.", code="CONFLICT", field="ballotId")
    await _check_ballot_fits(session, use, ballot)
    use.ballot_id = ballot.id
    await session.flush()
    return use


async def authorise_use(session: AsyncSession, use_id: int, ballot_id: int) -> FundUse:
    """Authorise a requested use by the closed, passed ballot it was put to."""
    use = await get_use(session, use_id, lock=True)
    if use.status != UseStatus.REQUESTED.value:
        raise DomainError("The use is {status}, not waiting for authorisation.", code="INVALID_STATUS", field="useId", status=use.status.lower())
    ballot = await get_or_not_found(session, Ballot, ballot_id, field="ballotId", message="No such ballot in this street.")
    await check_ballot_authorises(session, use, ballot)
    use.status, use.authorised_at = UseStatus.AUTHORISED.value, now()
    await session.flush()
    return use


async def announcement_lines(session: AsyncSession, ballot_id: int) -> list[str]:
    """The lines a ballot's announcement gives the use put to its vote (none without one):
    purpose, amount, who bears it, and whether it alters buildings or facilities."""
    use = await session.scalar(select(FundUse).where(FundUse.ballot_id == ballot_id))
    if use is None:
        return []
    account = await session.scalar(select(FundAccount.name).where(FundAccount.id == use.account_id))
    return [
        f"维修资金使用：{use.purpose}", f"使用金额：{yuan(use.amount_fen)} 元（{account}）", f"分摊范围：{await bearer_words(session, use.id)}",
        *(["属改建、重建建筑物及其附属设施（民法典第二百七十八条第一款第七项）"] if use.alteration else []),
    ]


async def disburse_use(session: AsyncSession, use_id: int, actor: Actor, user=None) -> FundUse:
    """Pay out an authorised use (its ballot checked again) and publish it to the compound;
    without a passed owners' vote it is ``NOT_AUTHORISED``."""
    use = await get_use(session, use_id, lock=True)
    if use.status == UseStatus.DISBURSED.value:
        raise DomainError("The use was already paid out.", code="INVALID_STATUS", field="useId")
    if use.status != UseStatus.AUTHORISED.value or use.ballot_id is None:
        raise DomainError("No passed owners' vote authorises this use: it cannot be paid out.", code="NOT_AUTHORISED", field="useId")
    ballot = await get_or_not_found(session, Ballot, use.ballot_id, field="useId", message="The authorising ballot is gone.")
    await check_ballot_authorises(session, use, ballot)
    account = await get_account(session, use.account_id, lock=True)
    await post(session, account, EntryKind.USE, use.amount_fen, actor, note=use.purpose, use_id=use.id)
    use.status, use.disbursed_at = UseStatus.DISBURSED.value, now()
    await session.flush()
    await announce(session, use, account, user, f"维修资金使用公示：{use.purpose}", "publicity", [f"表决：{ballot.title}（已通过）"])
    return use


async def record_emergency_use(
    session: AsyncSession, account_id: int, *, purpose: str, amount_fen: int, bearers: Sequence[Bearer], emergency: Emergency, reason: str,
    actor: Actor, user=None,
) -> FundUse:
    """An emergency use without a vote (Civil Code Art. 281(2)): paid out at once, recorded
    with its emergency and reason, and announced to the compound as a public notice."""
    if not reason.strip():
        raise DomainError("Say what endangered safety and why it could not wait for a vote.", code="REQUIRED", field="reason")
    account = await get_account(session, account_id, lock=True)
    use = await _new_use(
        session, account, purpose, amount_fen, bearers, actor, emergency=emergency.value, reason=reason.strip(),
        status=UseStatus.DISBURSED.value, disbursed_at=now(),
    )
    await post(session, account, EntryKind.EMERGENCY_USE, amount_fen, actor, note=purpose, use_id=use.id)
    notice = await announce(session, use, account, user, f"维修资金紧急使用公告：{use.purpose}", "announcement", [f"紧急情况：{use.reason}"])
    use.notice_id = notice.id
    await session.flush()
    return use


def yuan(fen: int) -> str:
    """Fen as yuan with two decimals, e.g. ``12345`` → ``"123.45"``."""
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100:,}.{abs(fen) % 100:02d}"


async def bearer_words(session: AsyncSession, use_id: int) -> str:
    """The 分摊范围 of a use as notices print it: 1幢、2幢1单元."""
    bearers = (await session.execute(
        select(registry.Building.name, FundUseBearer.stairwell).join(registry.Building, registry.Building.id == FundUseBearer.building_id)
        .where(FundUseBearer.use_id == use_id).order_by(FundUseBearer.id)
    )).all()
    return "、".join(name if stairwell is None else f"{name}{stairwell or ''}单元" for name, stairwell in bearers)


async def announce(session: AsyncSession, use: FundUse, account: FundAccount, user, title: str, kind: str, lines: list[str]):
    """Publish a use to the account's compound: who bears it, how much, the balance left."""
    scope = await bearer_words(session, use.id)
    compound = await session.scalar(select(registry.Compound).where(registry.Compound.id == account.compound_id))
    body = "\n".join([
        f"账户：{account.name}", f"用途：{use.purpose}", f"金额：{yuan(use.amount_fen)} 元", f"分摊范围：{scope}", *lines,
        f"使用后余额：{yuan(account.balance_fen)} 元",
    ])
    return await publish_notice(
        session, scope=compound, title=title[:200], body=body, kind=kind, subject=encode_global_id("FundUse", use.id),
        publisher="deliberation", published_by=user,
    )


__all__ = [
    "announcement_lines", "authorise_use", "Bearer", "bearing_units", "check_ballot_authorises", "disburse_use", "get_use", "put_to_vote",
    "record_emergency_use", "request_use", "yuan",
]
