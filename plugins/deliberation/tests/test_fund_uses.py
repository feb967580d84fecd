"""Uses of the maintenance fund, through GraphQL as the real roles: a use is paid out only once
a closed, passed, binding owners' vote of the owners who bear it authorises it; an emergency
use without a vote is recorded with its reason and announced to the compound."""

from __future__ import annotations

from jiedao.plugins.deliberation.tests.fund_world import ballot_over, decided_ballot, refused, stairwell, stairwell_world
from jiedao.plugins.deliberation.tests.test_ballot_conveners import committee
from jiedao.plugins.deliberation.tests.test_ballots_api import owner_token
from jiedao.plugins.deliberation.tests.test_fund_ledger import LEDGER, credit, open_account

USE_FIELDS = "id status amountFen purpose alteration emergency reason requestedBy ballot { title result { passed } } bearers { building { name } stairwell }"
REQUEST = f"""mutation($input: RequestFundUseInput!) {{ requestFundUse(input: $input) {{ use {{ {USE_FIELDS} }} errors {{ code field message }} }} }}"""
AUTHORISE = f"""mutation($input: AuthoriseFundUseInput!) {{ authoriseFundUse(input: $input) {{ use {{ {USE_FIELDS} }} errors {{ code field message }} }} }}"""
DISBURSE = f"""mutation($input: FundUseIdInput!) {{ disburseFundUse(input: $input) {{ use {{ {USE_FIELDS} disbursedAt }} errors {{ code field message }} }} }}"""
EMERGENCY = f"""mutation($input: RecordEmergencyFundUseInput!) {{ recordEmergencyFundUse(input: $input) {{ use {{ {USE_FIELDS} }} errors {{ code field message }} }} }}"""
NOTICES = "{ notices(first: 10) { edges { node { title body kind subjectId } } } }"
ELEVATOR = "1幢1单元加装电梯工程款"


def bearer(world, building: int, name: str | None = None) -> dict:
    return {"buildingId": world.gid("Building", world.buildings[building]), "stairwell": name}


async def funded(client, world, amount: int = 50_000_000) -> str:
    account = await open_account(client, world)
    assert (await credit(client, account, amount))["errors"] == []
    return account


def use_input(account: str, bearers: list[dict], *, amount: int = 32_000_000, alteration: bool = True, ballot: str | None = None) -> dict:
    value = {"accountId": account, "purpose": ELEVATOR, "amountFen": amount, "bearers": bearers, "alteration": alteration}
    if ballot is not None:
        value["ballotId"] = ballot
    return {"input": value}


async def test_the_owners_committee_requests_a_voted_use_and_staff_pay_it_out(kernel, client):
    world = await stairwell_world(kernel)
    account = await funded(client, world)
    scope = {"stairwells": [stairwell(world, 0, "1")]}
    ballot = await decided_ballot(client, world, scope, {"A": "AGREE", "B": "AGREE", "C": "AGREE", "D": "OPPOSE"})
    ywh = await client.token("organisation_member", username="ywh-fund")
    await committee(kernel, world.compound, "ywh-fund")
    worker = await client.token("community_worker")

    asked = (await client.query(REQUEST, use_input(account, [bearer(world, 0, "1")]), token=ywh))["requestFundUse"]
    assert asked["errors"] == [] and asked["use"]["status"] == "REQUESTED" and asked["use"]["requestedBy"] == "ywh-fund"
    use = asked["use"]["id"]
    assert await refused(client, DISBURSE, {"input": {"useId": use}}, worker) == ("NOT_AUTHORISED", "useId"), "no vote, no money"

    authorised = (await client.query(AUTHORISE, {"input": {"useId": use, "ballotId": ballot}}, token=ywh))["authoriseFundUse"]
    assert authorised["errors"] == [] and authorised["use"]["status"] == "AUTHORISED"
    assert authorised["use"]["ballot"] == {"title": "1幢1单元加装电梯", "result": {"passed": True}}
    assert await refused(client, DISBURSE, {"input": {"useId": use}}, ywh) == ("FORBIDDEN", None), "the committee does not pay out"

    paid = (await client.query(DISBURSE, {"input": {"useId": use}}, token=worker))["disburseFundUse"]
    assert paid["errors"] == [] and paid["use"]["status"] == "DISBURSED" and paid["use"]["disbursedAt"]
    ledger = (await client.query(LEDGER, {"id": account, "first": 10}, token=worker))["fundAccount"]
    assert ledger["balanceFen"] == 18_000_000
    assert [(e["node"]["kind"], e["node"]["amountFen"], e["node"]["balanceAfterFen"], e["node"]["actor"]) for e in ledger["ledger"]["edges"]] == [
        ("USE", -32_000_000, 18_000_000, "community_worker-changqing"),
        ("DEPOSIT", 50_000_000, 50_000_000, "community_worker-changqing"),
    ]
    assert await refused(client, DISBURSE, {"input": {"useId": use}}, worker) == ("INVALID_STATUS", "useId"), "paid once"
    owner = await owner_token(client, world, "E")
    [notice] = [e["node"] for e in (await client.query(NOTICES, token=owner))["notices"]["edges"] if e["node"]["subjectId"] == use]
    assert notice["kind"] == "PUBLICITY" and ELEVATOR in notice["title"]
    assert "320,000.00 元" in notice["body"] and "1幢1单元" in notice["body"] and "180,000.00 元" in notice["body"]


async def test_only_a_closed_passed_binding_ballot_of_those_who_bear_it_authorises_a_use(kernel, client):
    world = await stairwell_world(kernel)
    account = await funded(client, world)
    worker = await client.token("community_worker")
    stairwell_1 = {"stairwells": [stairwell(world, 0, "1")]}
    everyone_agrees = {"A": "AGREE", "B": "AGREE", "C": "AGREE", "D": "AGREE"}

    async def attempt(ballot: str, bearers: list[dict], *, alteration: bool = True) -> tuple[str, str | None] | None:
        asked = (await client.query(REQUEST, use_input(account, bearers, alteration=alteration), token=worker))["requestFundUse"]
        assert asked["errors"] == []
        answer = (await client.query(AUTHORISE, {"input": {"useId": asked["use"]["id"], "ballotId": ballot}}, token=worker))["authoriseFundUse"]
        return (answer["errors"][0]["code"], answer["errors"][0]["field"]) if answer["errors"] else None

    failed = await decided_ballot(client, world, stairwell_1, {"A": "AGREE", "B": "AGREE", "C": "OPPOSE", "D": "OPPOSE"})
    assert await attempt(failed, [bearer(world, 0, "1")]) == ("NOT_AUTHORISED", "ballotId"), "did not pass"
    consultation = await decided_ballot(client, world, stairwell_1, everyone_agrees, rule="SIMPLE_MAJORITY")
    assert await attempt(consultation, [bearer(world, 0, "1")]) == ("NOT_AUTHORISED", "ballotId"), "non-binding"
    ordinary = await decided_ballot(client, world, stairwell_1, everyone_agrees, rule="ART278_ORDINARY")
    assert await attempt(ordinary, [bearer(world, 0, "1")]) == ("NOT_AUTHORISED", "ballotId"), "an elevator needs 3/4 (Art. 278(1)(7))"
    major = await decided_ballot(client, world, stairwell_1, everyone_agrees)
    assert await attempt(major, [bearer(world, 0)]) == ("NOT_AUTHORISED", "ballotId"), "stairwell 2 bears it but did not vote"
    assert await attempt(major, [bearer(world, 1)]) == ("NOT_AUTHORISED", "ballotId"), "building 2 did not vote"
    assert await attempt(major, [bearer(world, 0, "1")]) is None
    assert await attempt(major, [bearer(world, 0, "1")]) == ("CONFLICT", "ballotId"), "one ballot, one use"
    assert await attempt(ordinary, [bearer(world, 0, "1")], alteration=False) is None, "a repair: Art. 278(1)(5), more than half"

    draft = (await ballot_over(client, world, stairwell_1))["ballot"]["id"]
    assert await attempt(draft, [bearer(world, 0, "1")]) == ("NOT_AUTHORISED", "ballotId"), "not closed"
    ledger = (await client.query(LEDGER, {"id": account}, token=worker))["fundAccount"]
    assert (ledger["balanceFen"], ledger["ledger"]["totalCount"]) == (50_000_000, 1), "authorising pays out nothing"


async def test_an_emergency_use_is_paid_at_once_recorded_with_its_reason_and_announced(kernel, client):
    world = await stairwell_world(kernel)
    account = await funded(client, world, 2_000_000)
    worker = await client.token("community_worker")
    emergency = {"input": {
        "accountId": account, "purpose": "2幢电梯曳引机抢修", "amountFen": 1_580_050, "bearers": [bearer(world, 1)],
        "emergency": "ELEVATOR", "reason": "电梯困人后检测为曳引机制动器失效，危及人身安全，需立即维修。",
    }}
    made = (await client.query(EMERGENCY, emergency, token=worker))["recordEmergencyFundUse"]
    assert made["errors"] == []
    use = made["use"]
    assert (use["status"], use["emergency"], use["ballot"], use["amountFen"]) == ("DISBURSED", "ELEVATOR", None, 1_580_050)
    assert use["bearers"] == [{"building": {"name": "2幢"}, "stairwell": None}]
    ledger = (await client.query(LEDGER, {"id": account}, token=worker))["fundAccount"]
    assert ledger["balanceFen"] == 419_950 and ledger["ledger"]["edges"][0]["node"]["kind"] == "EMERGENCY_USE"

    owner = await owner_token(client, world, "G")
    [notice] = [e["node"] for e in (await client.query(NOTICES, token=owner))["notices"]["edges"] if e["node"]["subjectId"] == use["id"]]
    assert notice["kind"] == "ANNOUNCEMENT" and "紧急使用" in notice["title"]
    assert "曳引机制动器失效" in notice["body"] and "15,800.50 元" in notice["body"] and "4,199.50 元" in notice["body"]

    too_much = {"input": {**emergency["input"], "amountFen": 419_951}}
    assert await refused(client, EMERGENCY, too_much, worker) == ("INSUFFICIENT_FUNDS", "amountFen")
    no_reason = {"input": {**emergency["input"], "amountFen": 100, "reason": "  "}}
    assert await refused(client, EMERGENCY, no_reason, worker) == ("REQUIRED", "reason")
    no_stairwell = {"input": {**emergency["input"], "amountFen": 100, "bearers": [bearer(world, 1, "9")]}}
    assert await refused(client, EMERGENCY, no_stairwell, worker) == ("NOT_FOUND", "bearers[0].stairwell")
    assert (await client.query(LEDGER, {"id": account}, token=worker))["fundAccount"]["ledger"]["totalCount"] == 2


async def test_statement_count_of_accounts_and_uses_does_not_grow_with_their_number(kernel, client):
    worker = await client.token("community_worker")
    query = """{ fundAccounts(first: 50) { edges { node { name balance compound { name } building { name } } } }
                 fundUses(first: 50) { edges { node { purpose account { name } ballot { title } bearers { building { name } stairwell } } } } }"""
    counts = []
    for size in (1, 4):
        for _ in range(size):
            world = await stairwell_world(kernel)
            account = await funded(client, world, 1_000_000)
            asked = await client.query(REQUEST, use_input(account, [bearer(world, 0, "1"), bearer(world, 1)], amount=1000), token=worker)
            assert asked["requestFundUse"]["errors"] == []
        counts.append(await client.statements(query, token=worker))
    assert counts[0] == counts[1], counts
