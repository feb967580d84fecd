"""The demo data a visitor of ``jiedao serve --demo`` sees in the deliberation plugin."""

from __future__ import annotations

import pytest

from jiedao.core.demo import seed_demo

pytestmark = pytest.mark.demo  # seeded once per session; each seed_demo below checks it is idempotent


async def test_demo_seed_has_topics_the_half_month_talk_and_both_ballots(kernel, client):
    await seed_demo(kernel)  # idempotent: the demo is already there
    worker = await client.token("community_worker")
    data = await client.query(
        """{
          topics(first: 1) { totalCount }
          implemented: topics(status: IMPLEMENTED) { totalCount }
          meetings(kind: JOINT, first: 10) { edges { node { title compound { name } actionItems { overdue } } } }
          ballots { edges { node { title rule status turnout { participatingOwners } result { passed quorumMet reasons byBuilding { building { name } } } } } }
        }""",
        token=worker,
    )
    assert data["topics"]["totalCount"] == 68 + 1  # 68 appeals and the EV-charger consultation topic
    assert data["implemented"]["totalCount"] > 0
    joint = [e["node"] for e in data["meetings"]["edges"]]
    assert len(joint) == 7 and all(m["compound"]["name"] == "凤起都市花园" and "半月谈" in m["title"] for m in joint)
    assert any(item["overdue"] for m in joint for item in m["actionItems"])
    elevator, ev, doors = (e["node"] for e in data["ballots"]["edges"])
    assert (elevator["rule"], elevator["status"]) == ("ART278_MAJOR", "CLOSED") and "电梯" in elevator["title"]
    assert elevator["result"]["quorumMet"] and len(elevator["result"]["byBuilding"]) == 1
    assert (ev["rule"], ev["status"], ev["result"]) == ("SIMPLE_MAJORITY", "OPEN", None) and "充电桩" in ev["title"]
    assert ev["turnout"]["participatingOwners"] > 0
    assert (doors["rule"], doors["status"], doors["result"]) == ("ART278_ORDINARY", "OPEN", None) and "门禁" in doors["title"]
    assert doors["turnout"]["participatingOwners"] > 0


async def test_the_demo_owners_may_vote_online_in_the_open_ballot_of_their_compound(kernel, client):
    login = 'mutation { login(input: {username: "changqing-owner1", password: "jiedao-demo"}) { token } }'
    owner = (await client.query(login))["login"]["token"]
    query = "{ me { resident { units { ballots { ballot { id title status turnout { participatingOwners } } vote { channel } } } } } }"
    entries = [b for u in (await client.query(query, token=owner))["me"]["resident"]["units"] for b in u["ballots"]]
    open_ = [b for b in entries if b["ballot"]["status"] == "OPEN"]
    assert len(open_) == 1 and "门禁" in open_[0]["ballot"]["title"] and open_[0]["vote"] is None
    before = open_[0]["ballot"]["turnout"]["participatingOwners"]
    cast = await client.query(
        'mutation($id: ID!) { castVote(input: {ballotId: $id, choice: AGREE}) { votes { channel choice } errors { code } } }',
        {"id": open_[0]["ballot"]["id"]}, token=owner,
    )
    assert cast["castVote"]["errors"] == [] and cast["castVote"]["votes"][0]["channel"] == "ONLINE"
    after = (await client.query("query($id: ID!) { ballot(id: $id) { turnout { participatingOwners } } }", {"id": open_[0]["ballot"]["id"]}, token=owner))
    assert after["ballot"]["turnout"]["participatingOwners"] == before + 1


async def test_demo_topics_tell_the_accountability_chain(kernel, client):
    worker = await client.token("community_worker")
    data = await client.query(
        """{
          implemented: topics(status: IMPLEMENTED, first: 40) { edges { node {
            published: publishedAt decisionMeeting { title publishedAt } actionItems { done owner responsibleOrganisation { name } }
            history { toStatus } } } }
          decided: topics(status: DECIDED, first: 30) { edges { node { decisionItem { decision } actionItems { done } } } }
          discussing: topics(status: DISCUSSING, first: 30) { edges { node { consultationClosesAt agendaItems { meeting { scheduledAt } } } } }
        }""",
        token=worker,
    )
    implemented = [e["node"] for e in data["implemented"]["edges"]]
    assert implemented and all(t["decisionMeeting"]["publishedAt"] and t["published"] for t in implemented)
    assert all(t["actionItems"] and all(a["done"] for a in t["actionItems"]) for t in implemented)
    assert all([s["toStatus"] for s in t["history"]] == ["RAISED", "DISCUSSING", "DECIDED", "IMPLEMENTED"] for t in implemented)
    assert all(a["responsibleOrganisation"] or "物业" in a["owner"] or "业委会" in a["owner"] for t in implemented for a in t["actionItems"])
    decided = [e["node"] for e in data["decided"]["edges"]]
    assert decided and all(t["decisionItem"]["decision"] for t in decided)
    assert any(not a["done"] for t in decided for a in t["actionItems"])
    discussing = [e["node"] for e in data["discussing"]["edges"]]
    assert discussing and all(t["agendaItems"] for t in discussing if not t["consultationClosesAt"])  # the EV topic is under consultation


async def test_demo_appeals_are_settled_through_the_three_parties_with_their_timelines(kernel, client):
    worker = await client.token("community_worker")
    fields = "source state escalationLevel reopenCount rating assigneeOrganisationName timeline { action actor at }"
    items = []
    for category in ("appeal", "meeting_action"):  # the demo's other items (alarms, findings, visits) aside
        data = await client.query(f"{{ workItems(first: 100, category: \"{category}\") {{ edges {{ node {{ {fields} }} }} }} }}", token=worker)
        items += [e["node"] for e in data["workItems"]["edges"]]
    appeals = [i for i in items if i["source"] == "RESIDENT_APPEAL"]
    actions = [i for i in items if i["source"] == "MEETING_ACTION"]
    assert len(appeals) == 30 and all([s["action"] for s in a["timeline"]][:4] == ["open", "dispatch", "accept", "resolve"] for a in appeals)
    assert all(a["assigneeOrganisationName"] for a in appeals + actions)
    rated = [a for a in actions if a["state"] == "CONFIRMED"]
    assert len(rated) >= 10 and all(a["rating"] in ("SATISFIED", "BASICALLY_SATISFIED") for a in rated)
    reopened = [a for a in actions if a["reopenCount"] == 1]
    assert 2 <= len(reopened) <= 8
    assert all([s["action"] for s in a["timeline"]] == ["open", "accept", "resolve", "rate_reopen", "resolve", "confirm"] for a in reopened)
    escalated = [a for a in actions if a["escalationLevel"] != "GRID"]
    assert escalated and len(escalated) < len(actions) // 2
    assert all(a["timeline"][-1]["action"] == "escalate" for a in escalated)
    # The steps are dated as they happened, in order, in the past.
    assert all([s["at"] for s in i["timeline"]] == sorted(s["at"] for s in i["timeline"]) for i in items)
    assert len({s["at"][:10] for i in items for s in i["timeline"]}) > 20


async def test_demo_seed_has_a_fund_account_per_compound_and_a_voted_use(kernel, client):
    from jiedao.core.models import Compound
    from sqlalchemy import func, select

    await seed_demo(kernel)  # idempotent: the demo is already there
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        compounds = await session.scalar(select(func.count()).select_from(Compound))
    worker = await client.token("community_worker")
    data = await client.query(
        """{ fundAccounts(first: 100) { totalCount edges { node { name balanceFen ledger(first: 10) { edges { node { kind amountFen balanceAfterFen } } } } } }
             fundUses(first: 10) { edges { node { status purpose amountFen emergency reason ballot { title rule result { passed } } } } } }""",
        token=worker,
    )
    assert data["fundAccounts"]["totalCount"] == compounds
    for edge in data["fundAccounts"]["edges"]:
        entries = [e["node"] for e in edge["node"]["ledger"]["edges"]]
        assert entries[0]["balanceAfterFen"] == edge["node"]["balanceFen"] == sum(e["amountFen"] for e in entries) > 0
        assert all(e["balanceAfterFen"] >= 0 for e in entries)
    voted, emergency = sorted((e["node"] for e in data["fundUses"]["edges"]), key=lambda u: u["emergency"] is not None)
    assert voted["status"] == "DISBURSED" and voted["ballot"]["rule"] == "ART278_MAJOR" and voted["ballot"]["result"]["passed"]
    assert "电梯" in voted["purpose"] and voted["amountFen"] == 20_000_000
    assert emergency["emergency"] == "FIRE_FACILITIES" and emergency["ballot"] is None and emergency["reason"]
