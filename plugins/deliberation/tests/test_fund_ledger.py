"""Maintenance-fund accounts and their append-only ledger, through GraphQL as street staff:
exact amounts in fen (beyond GraphQL's 32-bit Int), the balance never negative, every entry
with its actor and time, the ledger paged in SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from jiedao.core.errors import DomainError
from jiedao.plugins.deliberation.fund.models import FundAccount, FundEntry
from jiedao.plugins.deliberation.tests.fund_world import refused, stairwell_world
from jiedao.plugins.deliberation.tests.test_ballots_api import pk

OPEN_ACCOUNT = """mutation($input: OpenFundAccountInput!) {
  openFundAccount(input: $input) { account { id name balanceFen balance compound { name } building { name } } errors { code field message } } }"""
INCOME = """mutation($input: RecordFundIncomeInput!) {
  recordFundIncome(input: $input) { entry { kind amountFen balanceAfterFen note actor at } errors { code field message } } }"""
LEDGER = """query($id: ID!, $first: Int, $after: String) { fundAccount(id: $id) { balanceFen balance
  ledger(first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor } edges { node { kind amountFen balanceAfterFen actor } } } } }"""


async def open_account(client, world, *, building: int | None = None, name: str = "测试小区维修资金") -> str:
    worker = await client.token("community_worker")
    variables = {"input": {"name": name, "compoundId": world.gid("Compound", world.compound)}}
    if building is not None:
        variables["input"]["buildingId"] = world.gid("Building", world.buildings[building])
    payload = (await client.query(OPEN_ACCOUNT, variables, token=worker))["openFundAccount"]
    assert payload["errors"] == [], payload
    return payload["account"]["id"]


async def credit(client, account: str, amount: int, kind: str = "DEPOSIT", note: str = "") -> dict:
    worker = await client.token("community_worker")
    return (await client.query(INCOME, {"input": {"accountId": account, "kind": kind, "amountFen": amount, "note": note}}, token=worker))["recordFundIncome"]


async def test_deposits_and_interest_build_an_exact_balance_with_a_ledger(kernel, client):
    world = await stairwell_world(kernel)
    account = await open_account(client, world)
    first = await credit(client, account, 3_456_789_012, note="首期交存 (办法 Art. 7, 12)")
    assert first["errors"] == [] and first["entry"]["kind"] == "DEPOSIT"
    assert (first["entry"]["amountFen"], first["entry"]["balanceAfterFen"]) == (3_456_789_012, 3_456_789_012), "beyond 2^31 fen, exact"
    assert first["entry"]["actor"] == "community_worker-changqing" and first["entry"]["at"]
    assert (await credit(client, account, 1_234_567, "INTEREST"))["entry"]["balanceAfterFen"] == 3_458_023_579

    worker = await client.token("community_worker")
    data = (await client.query(LEDGER, {"id": account, "first": 1}, token=worker))["fundAccount"]
    assert (data["balanceFen"], data["balance"]) == (3_458_023_579, "34,580,235.79")
    assert data["ledger"]["totalCount"] == 2 and data["ledger"]["pageInfo"]["hasNextPage"]
    assert [e["node"]["kind"] for e in data["ledger"]["edges"]] == ["INTEREST"], "newest first"
    rest = (await client.query(LEDGER, {"id": account, "first": 5, "after": data["ledger"]["pageInfo"]["endCursor"]}, token=worker))["fundAccount"]
    assert [e["node"]["amountFen"] for e in rest["ledger"]["edges"]] == [3_456_789_012]


async def test_bad_amounts_and_kinds_are_refused_naming_the_field(kernel, client):
    world = await stairwell_world(kernel)
    account = await open_account(client, world)
    assert [(e["code"], e["field"]) for e in (await credit(client, account, 0))["errors"]] == [("BAD_INPUT", "amountFen")]
    assert [(e["code"], e["field"]) for e in (await credit(client, account, -500))["errors"]] == [("BAD_INPUT", "amountFen")]
    assert [(e["code"], e["field"]) for e in (await credit(client, account, 500, "USE"))["errors"]] == [("BAD_INPUT", "kind")]
    worker = await client.token("community_worker")
    fractional = await client.result(INCOME, {"input": {"accountId": account, "kind": "DEPOSIT", "amountFen": 12.5}}, token=worker)
    assert "whole number of fen" in fractional["errors"][0]["message"]
    again = (await client.query(OPEN_ACCOUNT, {"input": {"name": "重复", "compoundId": world.gid("Compound", world.compound)}}, token=worker))
    assert [(e["code"], e["field"]) for e in again["openFundAccount"]["errors"]] == [("CONFLICT", "compoundId")]
    data = (await client.query(LEDGER, {"id": account}, token=worker))["fundAccount"]
    assert (data["balanceFen"], data["ledger"]["totalCount"]) == (0, 0), "nothing was written"


async def test_a_building_account_belongs_to_a_building_of_its_compound(kernel, client):
    world = await stairwell_world(kernel)
    other = await stairwell_world(kernel)
    account = await open_account(client, world, building=1, name="2幢维修资金")
    worker = await client.token("community_worker")
    seen = (await client.query("query($id: ID!) { fundAccount(id: $id) { building { name } compound { name } } }", {"id": account}, token=worker))
    assert seen["fundAccount"] == {"building": {"name": "2幢"}, "compound": {"name": "测试小区"}}
    wrong = {"input": {"name": "x", "compoundId": world.gid("Compound", world.compound), "buildingId": other.gid("Building", other.buildings[0])}}
    assert await refused(client, OPEN_ACCOUNT, wrong, worker) == ("BAD_INPUT", "buildingId")


async def test_the_ledger_is_append_only_and_the_balance_never_negative(kernel, client):
    world = await stairwell_world(kernel)
    account = await open_account(client, world)
    await credit(client, account, 100_000)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        entry = await session.get(FundEntry, (await session.scalar(FundEntry.__table__.select().with_only_columns(FundEntry.id))))
        entry.amount_fen = 1
        with pytest.raises(DomainError) as changed:
            await session.flush()
        assert changed.value.code == "APPEND_ONLY"
        await session.rollback()
    with pytest.raises(IntegrityError):
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            await session.execute(update(FundAccount).where(FundAccount.id == pk(account)).values(balance_fen=-1))
    worker = await client.token("community_worker")
    assert (await client.query(LEDGER, {"id": account}, token=worker))["fundAccount"]["balanceFen"] == 100_000


async def test_two_accounts_opened_at_once_for_one_compound_leave_one(kernel, client):
    import asyncio

    from sqlalchemy import func, select

    world = await stairwell_world(kernel)
    worker = await client.token("community_worker")
    variables = {"input": {"name": "同时开户", "compoundId": world.gid("Compound", world.compound)}}
    answers = await asyncio.gather(*(client.query(OPEN_ACCOUNT, variables, token=worker) for _ in range(4)))
    errors = sorted(e["code"] for a in answers for e in a["openFundAccount"]["errors"])
    assert errors == ["CONFLICT"] * 3
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(func.count()).select_from(FundAccount).where(FundAccount.compound_id == world.compound)) == 1


@pytest.mark.parametrize("building", [None, 1])
async def test_the_database_refuses_a_second_account_for_a_compound_or_building(kernel, client, building):
    """What ``open_account`` checks first, the database holds even when two checks pass at once."""
    from datetime import UTC, datetime

    world = await stairwell_world(kernel)
    await open_account(client, world, building=building)
    building_id = None if building is None else world.buildings[building]
    with pytest.raises(IntegrityError):
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            session.add(FundAccount(name="第二个", compound_id=world.compound, building_id=building_id, balance_fen=0, created_at=datetime.now(UTC)))
    other_building = world.buildings[0 if building else 1]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:  # another building of the compound may have its own
        session.add(FundAccount(name="另一幢", compound_id=world.compound, building_id=other_building, balance_fen=0, created_at=datetime.now(UTC)))
