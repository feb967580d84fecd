"""Tables of the maintenance fund (住宅专项维修资金).

Amounts are integers in fen (分), so every sum is exact. An account belongs to a compound
(物业管理区域) or, where the fund is kept per building, to one of its buildings (住宅专项维修资金
管理办法 Art. 10). Its ledger is append-only: entries are never changed or deleted (the ORM
refuses to), and the balance an entry leaves is stored with it and can never be negative
(checked by the service and by the database).
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, String, Text, event, false, text
from sqlalchemy.orm import Mapped, mapped_column

from jiedao.api import Base, DomainError, StreetScoped
from jiedao.api.domain import UTCDateTime


class EntryKind(str, enum.Enum):
    """What moved money in or out of an account."""

    DEPOSIT = "DEPOSIT"  # 交存 (Art. 6-9)
    INTEREST = "INTEREST"  # 存储利息、增值收益 (Art. 27)
    USE = "USE"  # 列支, authorised by the owners' vote (Art. 22/23)
    EMERGENCY_USE = "EMERGENCY_USE"  # 紧急情况下的使用, without a vote (Civil Code Art. 281(2); Art. 24)


class UseStatus(str, enum.Enum):
    """REQUESTED until a passed owners' vote authorises it; DISBURSED once paid out."""

    REQUESTED = "REQUESTED"
    AUTHORISED = "AUTHORISED"
    DISBURSED = "DISBURSED"


class Emergency(str, enum.Enum):
    """The emergencies that justify a use without a vote (Civil Code Art. 281(2); the local
    rules under Art. 24 list these)."""

    ELEVATOR = "ELEVATOR"  # 电梯故障危及人身安全
    FIRE_FACILITIES = "FIRE_FACILITIES"  # 消防设施严重损坏、存在安全隐患
    ROOF_OR_WALL_LEAK = "ROOF_OR_WALL_LEAK"  # 屋面、外墙渗漏严重影响使用
    FACADE_FALLING = "FACADE_FALLING"  # 外墙墙面有脱落危险
    WATER_SUPPLY = "WATER_SUPPLY"  # 二次供水、排水设施损坏
    OTHER_DANGER = "OTHER_DANGER"  # 其他危及房屋安全、人身安全的紧急情况


class FundAccount(StreetScoped, Base):
    """A maintenance-fund account: a compound's, or one building's (``building_id``)."""

    __tablename__ = "deliberation_fund_accounts"
    __table_args__ = (
        CheckConstraint("balance_fen >= 0", name="balance_not_negative"),
        # One account per compound and one per building, even when two are opened at once.
        Index("uq_deliberation_fund_accounts_compound", "compound_id", unique=True,
              sqlite_where=text("building_id IS NULL"), postgresql_where=text("building_id IS NULL")),
        Index("uq_deliberation_fund_accounts_building", "building_id", unique=True,
              sqlite_where=text("building_id IS NOT NULL"), postgresql_where=text("building_id IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    compound_id: Mapped[int] = mapped_column(ForeignKey("compounds.id"), index=True)
    building_id: Mapped[int | None] = mapped_column(ForeignKey("buildings.id"), index=True)
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FundUse(StreetScoped, Base):
    """A use of an account: what for, how much, who bears it (``FundUseBearer``), and what
    authorised it — the passed owners' ballot, or the emergency and its reason."""

    __tablename__ = "deliberation_fund_uses"
    __table_args__ = (CheckConstraint("amount_fen > 0", name="amount_positive"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("deliberation_fund_accounts.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default=UseStatus.REQUESTED.value)
    alteration: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The use rebuilds or alters buildings or facilities (Art. 278(1)(7), e.g. adding an elevator)."""
    ballot_id: Mapped[int | None] = mapped_column(ForeignKey("deliberation_ballots.id"), unique=True)
    emergency: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str | None] = mapped_column(Text)
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notices.id"))
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    authorised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disbursed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class FundUseBearer(StreetScoped, Base):
    """A building, or one stairwell (单元) of it, whose owners bear a use (列支范围)."""

    __tablename__ = "deliberation_fund_use_bearers"
    id: Mapped[int] = mapped_column(primary_key=True)
    use_id: Mapped[int] = mapped_column(ForeignKey("deliberation_fund_uses.id", ondelete="CASCADE"), index=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    stairwell: Mapped[str | None] = mapped_column(String(20))
    """Null: the whole building."""


class FundEntry(StreetScoped, Base):
    """One line of an account's ledger: signed amount (fen; a use is negative), the balance
    it left, who recorded it and when. Never updated, never deleted."""

    __tablename__ = "deliberation_fund_entries"
    __table_args__ = (CheckConstraint("balance_after_fen >= 0", name="balance_after_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("deliberation_fund_accounts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    balance_after_fen: Mapped[int] = mapped_column(BigInteger)
    note: Mapped[str] = mapped_column(Text, default="")
    use_id: Mapped[int | None] = mapped_column(ForeignKey("deliberation_fund_uses.id"), index=True)
    actor: Mapped[str] = mapped_column(String(100))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


@event.listens_for(FundEntry, "before_update")
@event.listens_for(FundEntry, "before_delete")
def _append_only(mapper, connection, target) -> None:
    """The ledger is append-only: a correction is a new entry, never an edit."""
    raise DomainError("A ledger entry cannot be changed or deleted; record a correcting entry.", code="APPEND_ONLY", field="entry")


FUND_MODELS = (FundAccount, FundUse, FundUseBearer, FundEntry)
