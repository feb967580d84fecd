"""Uses of the maintenance fund, through GraphQL as the real roles: a use is put to the vote of
a draft ballot, whose announcement states it, and is paid out only once that ballot — closed,
passed, binding, of the owners who bear it — authorises it; an emergency use without a vote is
recorded with its reason and announced to the compound."""

from __future__ import annotations

from jiedao.plugins.deliberation.tests.fund_world import PUT_TO_VOTE, ballot_over, decided_ballot, refused, stairwell, stairwell_world
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


async def test_the_owners_committee_requests_a_use_the_owners_vote_on_and_staff_pay_it_out(kernel, client):
    world = await stairwell_world(kernel)
    account = await funded(client, world)
    scope = {"stairwells": [stairwell(world, 0, "1")]}
    ywh = await client.token("organisation_member", username="ywh-fund")
    await committee(kernel, world.compound, "ywh-fund")
    worker = await client.token("community_worker")

    asked = (await client.query(REQUEST, use_input(account, [bearer(world, 0, "1")]), token=ywh))["requestFundUse"]
    assert asked["errors"] == [] and asked["use"]["status"] == "REQUESTED" and asked["use"]["requestedBy"] == "ywh-fund"
    use = asked["use"]["id"]
    assert await refused(client, DISBURSE, {"input": {"useId": use}}, worker) == ("NOT_AUTHORISED", "useId"), "no vote, no money"
    ballot = await decided_ballot(client, world, scope, {"A": "AGREE", "B": "AGREE", "C": "AGREE", "D": "OPPOSE"}, use=use)
    owner = await owner_token(client, world, "E")
    notices = [e["node"] for e in (await client.query(NOTICES, token=owner))["notices"]["edges"]]
    [announcement] = [n for n in notices if n["title"] == "表决公告：1幢1单元加装电梯"]
    assert f"维修资金使用：{ELEVATOR}" in announcement["body"] and "使用金额：320,000.00 元" in announcement["body"]
    assert "分摊范围：1幢1单元" in announcement["body"], "the owners are told what they decide before they vote"

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
    [notice] = [e["node"] for e in (await client.query(NOTICES, token=owner))["notices"]["edges"] if e["node"]["subjectId"] == use]
    assert notice["kind"] == "PUBLICITY" and ELEVATOR in notice["title"]
    assert "320,000.00 元" in notice["body"] and "1幢1单元" in notice["body"] and "180,000.00 元" in notice["body"]


async def test_only_the_closed_passed_binding_ballot_a_use_was_put_to_authorises_it(kernel, client):
    world = await stairwell_world(kernel)
    account = await funded(client, world)
    worker = await client.token("community_worker")
    stairwell_1 = {"stairwells": [stairwell(world, 0, "1")]}
    everyone_agrees = {"A": "AGREE", "B": "AGREE", "C": "AGREE", "D": "AGREE"}

    async def requested(bearers: list[dict], *, alteration: bool = True) -> str:
        asked = (await client.query(REQUEST, use_input(account, bearers, alteration=alteration), token=worker))["requestFundUse"]
        assert asked["errors"] == []
        return asked["use"]["id"]

    async def draft(rule: str = "ART278_MAJOR") -> str:
        return (await ballot_over(client, world, stairwell_1, rule=rule))["ballot"]["id"]

    async def put(use: str, ballot: str) -> tuple[str, str | None] | None:
        answer = (await client.query(PUT_TO_VOTE, {"input": {"useId": use, "ballotId": ballot}}, token=worker))["putFundUseToVote"]
        return (answer["errors"][0]["code"], answer["errors"][0]["field"]) if answer["errors"] else None

    async def authorise(use: str, ballot: str) -> tuple[str, str | None] | None:
        answer = (await client.query(AUTHORISE, {"input": {"useId": use, "ballotId": ballot}}, token=worker))["authoriseFundUse"]
        return (answer["errors"][0]["code"], answer["errors"][0]["field"]) if answer["errors"] else None

    # Put to a vote: only a draft, binding ballot of every owner who bears the use.
    elevator = await requested([bearer(world, 0, "1")])
    assert await put(elevator, await draft("SIMPLE_MAJORITY")) == ("NOT_AUTHORISED", "ballotId"), "non-binding"
    assert await put(elevator, await draft("ART278_ORDINARY")) == ("NOT_AUTHORISED", "ballotId"), "an elevator needs 3/4 (Art. 278(1)(7))"
    assert await put(await requested([bearer(world, 0)]), await draft()) == ("NOT_AUTHORISED", "ballotId"), "stairwell 2 bears it but does not vote"
    assert await put(await requested([bearer(world, 1)]), await draft()) == ("NOT_AUTHORISED", "ballotId"), "building 2 does not vote"

    # The defect this closes: a ballot held on something else (or on nothing said) authorises nothing.
    held_without_it = await decided_ballot(client, world, stairwell_1, everyone_agrees)
    assert await authorise(elevator, held_without_it) == ("NOT_AUTHORISED", "ballotId")
    assert await put(elevator, held_without_it) == ("INVALID_STATUS", "ballotId"), "announced without the use"

    rejected = await decided_ballot(client, world, stairwell_1, {"A": "AGREE", "B": "AGREE", "C": "OPPOSE", "D": "OPPOSE"}, use=elevator)
    assert await authorise(elevator, rejected) == ("NOT_AUTHORISED", "ballotId"), "did not pass"
    pending = await draft()
    assert await put(elevator, pending) is None, "a use the owners rejected may be put to a new vote"
    assert await authorise(elevator, pending) == ("NOT_AUTHORISED", "ballotId"), "not closed"
    assert await put(await requested([bearer(world, 0, "1")]), pending) == ("CONFLICT", "ballotId"), "one ballot, one use"
    assert await put(elevator, await draft()) == ("CONFLICT", "useId"), "one vote at a time"

    repair = await requested([bearer(world, 0, "1")], alteration=False)
    ordinary = await decided_ballot(client, world, stairwell_1, everyone_agrees, rule="ART278_ORDINARY", use=repair)
    assert await authorise(repair, held_without_it) == ("NOT_AUTHORISED", "ballotId"), "not the ballot it was put to"
    assert await authorise(repair, ordinary) is None, "a repair: Art. 278(1)(5), more than half"
    ledger = (await client.query(LEDGER, {"id": account}, token=worker))["fundAccount"]
    assert (ledger["balanceFen"], ledger["ledger"]["totalCount"]) == (50_000_000, 1), "authorising pays out nothing"


async def test_four_uses_put_to_one_draft_at_once_leave_one_and_three_conflicts(kernel, client):
    """The ballot row is locked while a use is put to it (as announcing it locks it): four
    requests at the same moment get one link and three CONFLICTs, not a database error
    (PostgreSQL names ``ballotId``; SQLite, which has no row locks, may answer the generic
    "changed at the same moment")."""
    import asyncio

    world = await stairwell_world(kernel)
    account = await funded(client, world)
    worker = await client.token("community_worker")
    uses = []
    for _ in range(4):
        asked = (await client.query(REQUEST, use_input(account, [bearer(world, 0, "1")]), token=worker))["requestFundUse"]
        uses.append(asked["use"]["id"])
    draft = (await ballot_over(client, world, {"stairwells": [stairwell(world, 0, "1")]}))["ballot"]["id"]
    answers = await asyncio.gather(*(client.query(PUT_TO_VOTE, {"input": {"useId": use, "ballotId": draft}}, token=worker) for use in uses))
    errors = [e for a in answers for e in a["putFundUseToVote"]["errors"]]
    assert len(errors) == 3 and {e["code"] for e in errors} == {"CONFLICT"}
    if kernel.db.is_postgres:  # each waits for the lock, then sees the first one's link
        assert {e["field"] for e in errors} == {"ballotId"}
    linked = [a["putFundUseToVote"]["use"]["ballot"]["id"] for a in answers if a["putFundUseToVote"]["use"]]
    assert linked == [draft]


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
