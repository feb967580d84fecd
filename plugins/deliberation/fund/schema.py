"""Queries and mutations of the maintenance fund; ``register_fund_schema`` adds them to the
plugin's schema. Each mutation runs through the kernel's runner and is audited."""

from __future__ import annotations

from typing import Annotated

import strawberry
from sqlalchemy import Select, select

from jiedao.api import mutation, node_id, payload, Write
from jiedao.api.graphql import allow_any, connection_field, decode_id_of, LOGGED_IN, where_given
from jiedao.api.inputs import LONG
from jiedao.plugins.deliberation.fund import ledger, uses
from jiedao.plugins.deliberation.fund import models as m
from jiedao.plugins.deliberation.fund.access import FUND_MANAGE, require_requester
from jiedao.plugins.deliberation.fund.types import (
    READERS, EmergencyEnum, EntryKindEnum, Fen, FundAccount, FundEntry, FundUse, UseStatusEnum, visible_accounts, visible_uses,
)


@strawberry.type
class FundQuery:
    """Maintenance-fund queries (published information: residents see their compound's)."""

    @connection_field(FundAccount, permission_classes=allow_any(*READERS), description="Maintenance-fund accounts you may read, oldest first.")
    def fund_accounts(root, ctx, compound_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only the accounts of this Compound (global ID).")] = None) -> Select:
        return where_given(select(m.FundAccount).where(visible_accounts(ctx)), (m.FundAccount.compound_id, compound_id, "Compound"))

    @strawberry.field(permission_classes=allow_any(*READERS), description="A maintenance-fund account, if you may read it.")
    async def fund_account(self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The global ID of the FundAccount.")]) -> FundAccount | None:
        ctx = info.context
        return await ctx.scalar(select(m.FundAccount).where(m.FundAccount.id == decode_id_of(id, "FundAccount"), visible_accounts(ctx)))

    @connection_field(FundUse, newest_first=True, permission_classes=allow_any(*READERS), description="Uses of the accounts you may read, newest first.")
    def fund_uses(root, ctx, status: Annotated[UseStatusEnum | None, strawberry.argument(description="Only uses in this status.")] = None) -> Select:
        return where_given(select(m.FundUse).where(visible_uses(ctx)), (m.FundUse.status, status))


@strawberry.input(description="A new maintenance-fund account (维修资金账户) with a zero balance.")
class OpenFundAccountInput:
    name: str = strawberry.field(description="The account's name.")
    compound_id: strawberry.ID = node_id("Compound", description="The Compound whose fund it is (global ID).")
    building_id: strawberry.ID | None = node_id("Building", default=None, description="For an account kept per building (办法 Art. 10).")


@strawberry.input(description="Money credited to an account: a deposit (交存) or interest (利息).")
class RecordFundIncomeInput:
    account_id: strawberry.ID = node_id("FundAccount", description="The FundAccount (global ID).")
    kind: EntryKindEnum = strawberry.field(description="DEPOSIT or INTEREST.")
    amount_fen: Fen = strawberry.field(description="The amount in fen (分, 1/100 yuan).")
    note: Annotated[str, LONG] = strawberry.field(default="", description="A note on the entry, e.g. whose deposit.")


@strawberry.input(description="A building, or one stairwell (单元) of it, whose owners bear a use.")
class FundBearerInput:
    building_id: strawberry.ID = node_id("Building", description="The Building (global ID).")
    stairwell: str | None = strawberry.field(default=None, description="Null: the whole building.")


@strawberry.input(description="A request to use (列支) the fund, to be authorised by the owners' vote.")
class RequestFundUseInput:
    account_id: strawberry.ID = node_id("FundAccount", description="The FundAccount (global ID).")
    purpose: Annotated[str, LONG] = strawberry.field(description="What the money is for.")
    amount_fen: Fen = strawberry.field(description="The amount in fen (分, 1/100 yuan).")
    bearers: list[FundBearerInput] = strawberry.field(description="The buildings or stairwells whose owners bear the cost (分摊).")
    alteration: bool = strawberry.field(default=False, description="Rebuilds or alters buildings or facilities, e.g. adding an elevator (needs ART278_MAJOR).")
    ballot_id: strawberry.ID | None = node_id(
        "Ballot", default=None,
        description="A draft Ballot to put the use to the vote of at once (as putFundUseToVote); a ballot already announced or held cannot decide it.",
    )


@strawberry.input(description="The authorisation of a requested use by the owners' ballot that decided it.")
class AuthoriseFundUseInput:
    use_id: strawberry.ID = node_id("FundUse", description="The FundUse (global ID).")
    ballot_id: strawberry.ID = node_id("Ballot", description="The closed, passed Ballot it was put to (global ID).")


@strawberry.input(description="Puts a requested use of the fund to the vote of a draft ballot, whose announcement then states it.")
class PutFundUseToVoteInput:
    use_id: strawberry.ID = node_id("FundUse", description="The requested FundUse (global ID).")
    ballot_id: strawberry.ID = node_id("Ballot", description="The draft Ballot (not yet announced) that decides it: binding, over every unit bearing the use (global ID).")


@strawberry.input(description="Names one FundUse by its global ID.")
class FundUseIdInput:
    use_id: strawberry.ID = node_id("FundUse", description="The FundUse (global ID).")


@strawberry.input(description="An emergency use (紧急使用) of the fund, made without a vote (Civil Code Art. 281(2)).")
class RecordEmergencyFundUseInput:
    account_id: strawberry.ID = node_id("FundAccount", description="The FundAccount (global ID).")
    purpose: Annotated[str, LONG] = strawberry.field(description="What the money was for.")
    amount_fen: Fen = strawberry.field(description="The amount in fen (分, 1/100 yuan).")
    bearers: list[FundBearerInput] = strawberry.field(description="The buildings or stairwells whose owners bear the cost (分摊).")
    emergency: EmergencyEnum = strawberry.field(description="Which emergency justified it.")
    reason: Annotated[str, LONG] = strawberry.field(description="What endangered safety and why it could not wait for a vote.")


FundAccountPayload = payload("FundAccountPayload", account=(FundAccount | None, None, "The account opened; null when refused."))
FundEntryPayload = payload("FundEntryPayload", entry=(FundEntry | None, None, "The ledger entry recorded; null when refused."))
FundUsePayload = payload("FundUsePayload", use=(FundUse | None, None, "The use after the change; null when refused."))


def _bearers(items: list[FundBearerInput]) -> list[uses.Bearer]:
    return [(b.building_id, b.stairwell) for b in items]


async def _compound_of_use(w: Write, use_id: int) -> int:
    use = await uses.get_use(w.session, use_id)
    return (await ledger.get_account(w.session, use.account_id)).compound_id


@strawberry.type
class FundMutation:
    """Maintenance-fund mutations."""

    @mutation(FundAccountPayload, permission=FUND_MANAGE, audit="deliberation.fund.account.open")
    async def open_fund_account(w: Write, input: OpenFundAccountInput):
        """Open a compound's (or a building's) maintenance-fund account, with a zero balance."""
        return await ledger.open_account(w.session, name=input.name, compound_id=input.compound_id, building_id=input.building_id)

    @mutation(FundEntryPayload, permission=FUND_MANAGE, audit="deliberation.fund.income")
    async def record_fund_income(w: Write, input: RecordFundIncomeInput):
        """Credit a deposit (交存) or interest (利息) to an account."""
        entry = await ledger.record_income(w.session, input.account_id, m.EntryKind(input.kind), input.amount_fen, input.note, ledger.Actor.of(w.user))
        w.audit(account=input.account_id, kind=entry.kind, amount_fen=entry.amount_fen)
        return entry

    @mutation(FundUsePayload, permission=LOGGED_IN, audit="deliberation.fund.use.request")
    async def request_fund_use(w: Write, input: RequestFundUseInput):
        """Request a use of the fund (street staff, or the compound's owners' committee); with
        ``ballotId`` (a draft ballot) it is put to that ballot's vote at once."""
        await require_requester(w, (await ledger.get_account(w.session, input.account_id)).compound_id)
        use = await uses.request_use(
            w.session, input.account_id, purpose=input.purpose, amount_fen=input.amount_fen, bearers=_bearers(input.bearers),
            alteration=input.alteration, actor=ledger.Actor.of(w.user),
        )
        if input.ballot_id is not None:
            use = await uses.put_to_vote(w.session, use.id, input.ballot_id)
        w.audit(amount_fen=use.amount_fen, status=use.status)
        return use

    @mutation(FundUsePayload, permission=LOGGED_IN, audit="deliberation.fund.use.put_to_vote")
    async def put_fund_use_to_vote(w: Write, input: PutFundUseToVoteInput):
        """Put a requested use to the vote of a draft ballot (street staff, or the compound's
        owners' committee): the ballot's announcement states the use's purpose, amount and
        bearers, and only that ballot can authorise it."""
        await require_requester(w, await _compound_of_use(w, input.use_id), "useId")
        use = await uses.put_to_vote(w.session, input.use_id, input.ballot_id)
        w.audit(ballot=input.ballot_id)
        return use

    @mutation(FundUsePayload, permission=LOGGED_IN, audit="deliberation.fund.use.authorise")
    async def authorise_fund_use(w: Write, input: AuthoriseFundUseInput):
        """Authorise a requested use by the closed, passed owners' ballot it was put to."""
        await require_requester(w, await _compound_of_use(w, input.use_id), "useId")
        return await uses.authorise_use(w.session, input.use_id, input.ballot_id)

    @mutation(FundUsePayload, permission=FUND_MANAGE, audit="deliberation.fund.use.disburse")
    async def disburse_fund_use(w: Write, input: FundUseIdInput):
        """Pay out an authorised use and publish it to the compound (refused without a passed vote)."""
        use = await uses.disburse_use(w.session, input.use_id, ledger.Actor.of(w.user), w.user)
        w.audit(amount_fen=use.amount_fen)
        return use

    @mutation(FundUsePayload, permission=FUND_MANAGE, audit="deliberation.fund.use.emergency")
    async def record_emergency_fund_use(w: Write, input: RecordEmergencyFundUseInput):
        """Record an emergency use without a vote (Civil Code Art. 281(2)); it is announced to the compound."""
        use = await uses.record_emergency_use(
            w.session, input.account_id, purpose=input.purpose, amount_fen=input.amount_fen, bearers=_bearers(input.bearers),
            emergency=m.Emergency(input.emergency), reason=input.reason, actor=ledger.Actor.of(w.user), user=w.user,
        )
        w.audit(amount_fen=use.amount_fen, emergency=use.emergency)
        return use


def register_fund_schema(register) -> None:
    """Add the fund's queries, mutations and node types to the plugin's schema."""
    register.query(FundQuery)
    register.mutation(FundMutation)
    register.types(FundAccount, FundEntry, FundUse)
