"""GraphQL types of the maintenance fund: accounts with their balance and ledger (paged in
SQL), ledger entries, and uses with the ballot that authorised them or their emergency.

Amounts are ``Fen``: whole fen (分) as JSON integers, exact up to 2^53 (GraphQL's ``Int``
stops at 2^31 fen, about 21 million yuan, less than a large compound's fund)."""

from __future__ import annotations

import warnings
from datetime import datetime
from typing import Annotated, NewType

import strawberry
from sqlalchemy import Select, select

from jiedao.api import by_id, children, Node, node_type, registry, types
from jiedao.api.graphql import connection_field, enum_field, linked, list_bound
from jiedao.plugins.deliberation.fund import models as m
from jiedao.plugins.deliberation.fund.access import FUND_MANAGE, FUND_PUBLISHED, FUND_READ, visible_accounts
from jiedao.plugins.deliberation.fund.uses import yuan
from jiedao.api.graphql import describe_enum_values as described
from jiedao.plugins.deliberation.graphql.types import Ballot
from jiedao.plugins.deliberation.models import Ballot as BallotModel


def _parse_fen(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).lstrip("-").isdigit():
        raise ValueError("Fen must be a whole number of fen (分), e.g. 1250000 for 12,500.00 yuan.")
    return int(value)


with warnings.catch_warnings():  # a plugin cannot reach the kernel's StrawberryConfig.scalar_map (noted for the lead)
    warnings.simplefilter("ignore", DeprecationWarning)
    Fen = strawberry.scalar(
        NewType("Fen", int), name="Fen", serialize=int, parse_value=_parse_fen,
        description="An amount in whole fen (分; 100 fen = 1 yuan), as a JSON integer (exact up to 2^53).",
    )

READERS = (FUND_READ, FUND_MANAGE, FUND_PUBLISHED)

EntryKindEnum = strawberry.enum(m.EntryKind, name="FundEntryKind", description="DEPOSIT 交存, INTEREST 利息/增值收益, USE 列支 (voted), EMERGENCY_USE 紧急使用.")
EmergencyEnum = strawberry.enum(m.Emergency, name="FundEmergency", description="Emergencies endangering safety that justify a use without a vote (Civil Code Art. 281(2)).")
UseStatusEnum = described(
    strawberry.enum(m.UseStatus, name="FundUseStatus", description="Where a use (列支) of the maintenance fund is: REQUESTED → AUTHORISED → DISBURSED."),
    REQUESTED="已申请 (requested): waiting for a passed owners' vote to authorise it.",
    AUTHORISED="已授权 (authorised) by a passed owners' vote (ballot).",
    DISBURSED="已支付 (disbursed): paid out of the account.",
)
described(
    EntryKindEnum,
    DEPOSIT="交存 (deposit) by the owners (Art. 6-9).",
    INTEREST="利息、增值收益 (interest or other income, Art. 27).",
    USE="列支 (a use) authorised by the owners' vote (Art. 22/23).",
    EMERGENCY_USE="紧急使用 (an emergency use) without a vote (Civil Code Art. 281(2); Art. 24).",
)
described(
    EmergencyEnum,
    ELEVATOR="电梯故障危及人身安全 (an elevator failure endangering people).",
    FIRE_FACILITIES="消防设施严重损坏 (fire facilities badly damaged, a safety hazard).",
    ROOF_OR_WALL_LEAK="屋面、外墙渗漏 (a roof or outer-wall leak seriously affecting use).",
    FACADE_FALLING="外墙墙面有脱落危险 (an outer-wall facing in danger of falling).",
    WATER_SUPPLY="二次供水、排水设施损坏 (secondary water supply or drainage damaged).",
    OTHER_DANGER="其他危及房屋安全、人身安全的紧急情况 (another emergency endangering the building or people).",
)


def visible_uses(ctx):
    """SQL: the uses of the accounts the caller may read."""
    return m.FundUse.account_id.in_(select(m.FundAccount.id).where(visible_accounts(ctx)))


def visible_entries(ctx):
    """SQL: the ledger entries of the accounts the caller may read."""
    return m.FundEntry.account_id.in_(select(m.FundAccount.id).where(visible_accounts(ctx)))


@node_type(m.FundEntry, read=READERS, visible=visible_entries)
@strawberry.type(name="FundEntry", description="One line of a maintenance-fund ledger; never changed or deleted.")
class FundEntry(Node):
    kind = enum_field(EntryKindEnum, description="What moved the money.")
    amount_fen: Fen = strawberry.field(description="Signed: positive in, negative out.")
    balance_after_fen: Fen = strawberry.field(description="The account's balance after this entry (never negative).")
    note: str = strawberry.field(description="A note on the entry.")
    actor: str = strawberry.field(description="Who recorded it (an account's username, or system).")
    at: datetime = strawberry.field(description="When it was recorded (ISO 8601 UTC).")

    use = linked(m.FundUse, "use_id", Annotated["FundUse", strawberry.lazy("jiedao.plugins.deliberation.fund.types")], description="The use this entry paid out, if any.")


@strawberry.type(name="FundUseBearer", description="A building, or one stairwell (单元) of it, whose owners bear a use (列支范围).")
class Bearer:
    stairwell: str | None = strawberry.field(description="Null: the whole building.")
    _building_id: strawberry.Private[int]

    @strawberry.field(description="The building.")
    async def building(self, info: strawberry.Info) -> types.Building | None:
        return await by_id(info.context, registry.Building).load(self._building_id)


@node_type(m.FundUse, read=READERS, visible=visible_uses)
@strawberry.type(name="FundUse", description="A use of a maintenance-fund account: authorised by a passed owners' vote, or an emergency use.")
class FundUse(Node):
    purpose: str = strawberry.field(description="What the money is for.")
    amount_fen: Fen = strawberry.field(description="The amount in fen (分, 1/100 yuan).")
    status = enum_field(UseStatusEnum, description="Where the use is.")
    alteration: bool = strawberry.field(description="Rebuilds or alters buildings or facilities (Art. 278(1)(7)): needs the 3/4 rule.")
    reason: str | None = strawberry.field(description="Why an emergency use could not wait for a vote.")
    requested_by: str = strawberry.field(description="Who requested or recorded it (username).")
    requested_at: datetime = strawberry.field(description="When it was requested (ISO 8601 UTC).")
    authorised_at: datetime | None = strawberry.field(description="When a passed ballot authorised it (ISO 8601 UTC).")
    disbursed_at: datetime | None = strawberry.field(description="When it was paid out (ISO 8601 UTC).")

    @strawberry.field(description="The emergency (null for a voted use).")
    def emergency(self) -> EmergencyEnum | None:
        return m.Emergency(self.emergency) if self.emergency else None

    ballot = linked(BallotModel, "ballot_id", Ballot, description="The owners' ballot the use was put to (it authorises the use once closed and passed).")

    @strawberry.field(metadata=list_bound(50), description="The buildings or stairwells whose owners bear it.")
    async def bearers(self, info: strawberry.Info) -> list[Bearer]:
        rows = await children(info.context, m.FundUseBearer.use_id).load(self.id)
        return [Bearer(stairwell=r.stairwell, _building_id=r.building_id) for r in rows]

    account = linked(m.FundAccount, "account_id", Annotated["FundAccount", strawberry.lazy("jiedao.plugins.deliberation.fund.types")], description="The account it is paid from.")


@node_type(m.FundAccount, read=READERS, visible=visible_accounts)
@strawberry.type(name="FundAccount", description="A maintenance-fund (住宅专项维修资金) account of a compound or of one building.")
class FundAccount(Node):
    name: str = strawberry.field(description="The account's name.")
    balance_fen: Fen = strawberry.field(description="The balance in fen (分, 1/100 yuan).")
    created_at: datetime = strawberry.field(description="When it was opened (ISO 8601 UTC).")

    @strawberry.field(description="The balance in yuan, e.g. \"12,345.67\".")
    def balance(self) -> str:
        return yuan(self.balance_fen)

    compound = linked(registry.Compound, "compound_id", types.Compound, description="The compound whose fund it is.")

    building = linked(registry.Building, "building_id", types.Building, description="Null for a compound's account.")

    @connection_field(FundEntry, newest_first=True, description="The ledger, newest first (paged in SQL).")
    def ledger(root, ctx) -> Select:
        return select(m.FundEntry).where(m.FundEntry.account_id == root.id)

    @connection_field(FundUse, newest_first=True, description="Uses requested, authorised, paid out or made in an emergency, newest first.")
    def uses(root, ctx) -> Select:
        return select(m.FundUse).where(m.FundUse.account_id == root.id)
