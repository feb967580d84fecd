"""Who may do and see what with the maintenance fund: the lowest roles try every mutation;
residents read only their own compound's accounts (published information), an owners'
committee its own compound's; another street sees nothing."""

from __future__ import annotations

from datetime import date

from jiedao.plugins.deliberation.tests.fund_world import PUT_TO_VOTE, ballot_over, decided_ballot, refused, stairwell, stairwell_world
from jiedao.plugins.deliberation.tests.test_ballot_conveners import committee
from jiedao.plugins.deliberation.tests.test_ballots_api import owner_token
from jiedao.plugins.deliberation.tests.test_fund_ledger import INCOME, OPEN_ACCOUNT, credit, open_account
from jiedao.plugins.deliberation.tests.test_fund_uses import AUTHORISE, DISBURSE, EMERGENCY, REQUEST, bearer, use_input

READ = """query($id: ID!) { fundAccount(id: $id) { name balanceFen ledger(first: 5) { totalCount edges { node { kind amountFen actor } } } }
  node(id: $id) { id } fundAccounts(first: 5) { totalCount } fundUses(first: 5) { edges { node { purpose ballot { title } } } } }"""


async def test_the_lowest_roles_try_every_fund_mutation(kernel, client):
    world = await stairwell_world(kernel)
    account = await open_account(client, world)
    await credit(client, account, 10_000_000)
    worker = await client.token("community_worker")
    ballot = await decided_ballot(client, world, {"stairwells": [stairwell(world, 0, "1")]}, {"A": "AGREE", "B": "AGREE", "C": "AGREE", "D": "AGREE"})
    use = (await client.query(REQUEST, use_input(account, [bearer(world, 0, "1")], amount=1000), token=worker))["requestFundUse"]["use"]["id"]
    draft = (await ballot_over(client, world, {"stairwells": [stairwell(world, 0, "1")]}))["ballot"]["id"]

    owner = await owner_token(client, world, "A")
    grid = await client.token("grid_worker")
    retired = await client.token("organisation_member", username="ywh-retired-fund")
    await committee(kernel, world.compound, "ywh-retired-fund", term_end=date(2024, 1, 15))
    stranger_world = await stairwell_world(kernel)
    stranger = await client.token("organisation_member", username="ywh-elsewhere")
    await committee(kernel, stranger_world.compound, "ywh-elsewhere")
    attempts = {
        OPEN_ACCOUNT: {"input": {"name": "x", "compoundId": world.gid("Compound", world.compound)}},
        INCOME: {"input": {"accountId": account, "kind": "DEPOSIT", "amountFen": 1}},
        REQUEST: use_input(account, [bearer(world, 0, "1")], amount=1000),
        PUT_TO_VOTE: {"input": {"useId": use, "ballotId": draft}},
        AUTHORISE: {"input": {"useId": use, "ballotId": ballot}},
        DISBURSE: {"input": {"useId": use}},
        EMERGENCY: {"input": {"accountId": account, "purpose": "x", "amountFen": 1, "bearers": [bearer(world, 1)], "emergency": "FIRE_FACILITIES", "reason": "x"}},
    }
    for mutation, variables in attempts.items():
        assert (await refused(client, mutation, variables, None))[0] == "UNAUTHENTICATED"
        for token in (owner, grid, retired, stranger):
            assert (await refused(client, mutation, variables, token))[0] == "FORBIDDEN", (mutation, token)
    assert await refused(client, REQUEST, attempts[REQUEST], stranger) == ("FORBIDDEN", "accountId")
    assert await refused(client, AUTHORISE, attempts[AUTHORISE], retired) == ("FORBIDDEN", "useId")
    assert await refused(client, PUT_TO_VOTE, attempts[PUT_TO_VOTE], stranger) == ("FORBIDDEN", "useId")
    data = (await client.query(READ, {"id": account}, token=worker))
    assert data["fundAccount"]["balanceFen"] == 10_000_000 and data["fundAccount"]["ledger"]["totalCount"] == 1, "nothing moved"
    assert [e["node"]["ballot"] for e in data["fundUses"]["edges"]] == [None], "the use is still put to no vote"


async def test_residents_read_their_own_compounds_fund_and_nobody_elses(kernel, client):
    world = await stairwell_world(kernel)
    other = await stairwell_world(kernel)
    account = await open_account(client, world)
    await credit(client, account, 8_888_800, note="首期交存")
    await open_account(client, other, name="另一小区维修资金")

    resident = await owner_token(client, world, "E")
    seen = await client.query(READ, {"id": account}, token=resident)
    assert seen["fundAccount"] == {
        "name": "测试小区维修资金", "balanceFen": 8_888_800,
        "ledger": {"totalCount": 1, "edges": [{"node": {"kind": "DEPOSIT", "amountFen": 8_888_800, "actor": "community_worker-changqing"}}]},
    }
    assert seen["node"] == {"id": account} and seen["fundAccounts"]["totalCount"] == 1

    outsider = await owner_token(client, other, "A")
    assert await client.query(READ, {"id": account}, token=outsider) == {"fundAccount": None, "node": None, "fundAccounts": {"totalCount": 1}, "fundUses": {"edges": []}}
    ywh = await client.token("organisation_member", username="ywh-reader")
    await committee(kernel, world.compound, "ywh-reader")
    assert (await client.query(READ, {"id": account}, token=ywh))["fundAccount"]["balanceFen"] == 8_888_800
    grid = await client.token("grid_worker")
    assert (await client.errors(READ, {"id": account}, token=grid))[0]["extensions"]["code"] == "FORBIDDEN"
    gongchen = await client.token("community_worker", "gongchen")
    elsewhere = await client.query("query($id: ID!) { fundAccount(id: $id) { name } node(id: $id) { id } fundAccounts { totalCount } }",
                                   {"id": account}, street="gongchen", token=gongchen)
    assert elsewhere == {"fundAccount": None, "node": None, "fundAccounts": {"totalCount": 0}}


async def test_fund_mutations_are_audited(kernel, client):
    world = await stairwell_world(kernel)
    account = await open_account(client, world)
    await credit(client, account, 500)
    admin = await client.token("street_admin")
    log = await client.query("{ auditLog(first: 50) { edges { node { action target } } } }", token=admin)
    actions = [e["node"]["action"] for e in log["auditLog"]["edges"] if e["node"]["action"].startswith("deliberation.fund")]
    assert actions == ["deliberation.fund.account.open", "deliberation.fund.income"]
