"""Accounts and their append-only ledger: opening an account, and posting entries that move
its balance, never below zero (amounts in fen).

Every function takes an open session scoped to one street and raises ``DomainError`` for
anything the caller can fix; auditing is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api import DomainError, now, registry
from jiedao.api.domain import get_or_not_found
from jiedao.plugins.deliberation.fund.models import EntryKind, FundAccount, FundEntry

MAX_AMOUNT_FEN = 10**14
"""A bound on one entry (one trillion yuan): beyond it an amount is a typing error."""


@dataclass(frozen=True)
class Actor:
    """Who records an entry: the account's username and id (``None`` for the system)."""

    name: str
    user_id: int | None = None

    @classmethod
    def of(cls, user) -> Actor:
        """The actor behind an account (``None``: the system)."""
        return cls(user.username, user.id) if user is not None else cls("system")


def check_amount(amount_fen: int, field: str = "amountFen") -> int:
    """A positive whole number of fen, within ``MAX_AMOUNT_FEN``."""
    if amount_fen <= 0:
        raise DomainError("Give a positive amount in fen (分).", code="BAD_INPUT", field=field)
    if amount_fen > MAX_AMOUNT_FEN:
        raise DomainError("An amount is at most {most} fen.", code="BAD_INPUT", field=field, most=MAX_AMOUNT_FEN)
    return amount_fen


async def get_account(session: AsyncSession, account_id: int, *, lock: bool = False) -> FundAccount:
    """The account, or ``NOT_FOUND`` naming ``accountId``; ``lock`` holds its row until commit."""
    return await get_or_not_found(session, FundAccount, account_id, field="accountId", message="No such fund account in this street.", for_update=lock)


async def open_account(session: AsyncSession, *, name: str, compound_id: int, building_id: int | None) -> FundAccount:
    """An account of a compound, or of one of its buildings, with a zero balance. A compound
    (or building) has at most one account."""
    if not name.strip():
        raise DomainError("Name the account.", code="REQUIRED", field="name")
    if building_id is not None:
        owner = await session.scalar(select(registry.Building.compound_id).where(registry.Building.id == building_id))
        if owner != compound_id:
            raise DomainError("The building is not in that compound.", code="BAD_INPUT", field="buildingId")
    same = select(FundAccount.id).where(FundAccount.compound_id == compound_id)
    same = same.where(FundAccount.building_id.is_(None) if building_id is None else FundAccount.building_id == building_id)
    if await session.scalar(same) is not None:
        raise DomainError("This compound or building already has a fund account.", code="CONFLICT", field="buildingId" if building_id else "compoundId")
    account = FundAccount(name=name.strip()[:200], compound_id=compound_id, building_id=building_id, balance_fen=0, created_at=now())
    session.add(account)
    await session.flush()
    return account


async def post(
    session: AsyncSession, account: FundAccount, kind: EntryKind, amount_fen: int, actor: Actor, *, note: str = "", use_id: int | None = None,
    at: datetime | None = None,
) -> FundEntry:
    """Append an entry to the (locked) account's ledger and move its balance: in for a
    deposit or interest, out for a use. A use larger than the balance is ``INSUFFICIENT_FUNDS``.
    ``at`` (the demo's past entries) defaults to now."""
    signed = amount_fen if kind in (EntryKind.DEPOSIT, EntryKind.INTEREST) else -amount_fen
    balance = account.balance_fen + signed
    if balance < 0:
        raise DomainError(
            "The account holds {balance} fen; {amount} fen cannot be paid out of it.", code="INSUFFICIENT_FUNDS", field="amountFen",
            balance=account.balance_fen, amount=amount_fen,
        )
    entry = FundEntry(
        account_id=account.id, kind=kind.value, amount_fen=signed, balance_after_fen=balance, note=note.strip(), use_id=use_id,
        actor=actor.name, actor_id=actor.user_id, at=at or now(),
    )
    account.balance_fen = balance
    session.add(entry)
    await session.flush()
    return entry


async def record_income(session: AsyncSession, account_id: int, kind: EntryKind, amount_fen: int, note: str, actor: Actor) -> FundEntry:
    """A deposit (交存) or interest (利息、增值收益) credited to the account."""
    if kind not in (EntryKind.DEPOSIT, EntryKind.INTEREST):
        raise DomainError("Only deposits and interest are recorded this way; uses go through a use request.", code="BAD_INPUT", field="kind")
    check_amount(amount_fen)
    account = await get_account(session, account_id, lock=True)
    return await post(session, account, kind, amount_fen, actor, note=note)
