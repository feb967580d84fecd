"""The demo seed at real scale, and the metrics and hotspot signal it feeds."""

from __future__ import annotations

import random

from sqlalchemy import func, select

from jiedao.core.clock import today as _today
from jiedao.core.demo import CHANGQING, GONGCHEN, seed_registry
from jiedao.plugins.mediation.metrics import METRICS, SIGNALS
from jiedao.plugins.mediation.seed import seed


async def _seeded(kernel):
    for slug, plan, sizes in (("changqing", CHANGQING, (8, 14)), ("gongchen", GONGCHEN, (3, 5))):
        async with kernel.db.transaction(kernel.street_id(slug)) as session:
            await seed_registry(session, plan, sizes, random.Random(slug))
        for _ in range(2):  # idempotent
            async with kernel.db.transaction(kernel.street_id(slug)) as session:
                await seed(session, slug)


async def _figures(kernel, street="changqing"):
    figures = {}
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        for metric in METRICS:
            source = metric.source().subquery()
            value = source.c.value if "value" in source.c else 1
            figures[metric.key] = await session.scalar(select(func.coalesce(func.sum(value), 0)).select_from(source))
        for signal in SIGNALS:
            rows = (await session.execute(signal.source())).all()
            figures[signal.key] = rows
    return figures


async def test_the_demo_seed(kernel, client):
    await _seeded(kernel)
    admin = await client.token("street_admin")
    data = await client.query(
        """{ studios { name members { username isLead } }
             mediationCases(first: 100) { totalCount edges { node { title state studio { name } category agreement { inEffect } } } }
             taskForces { name departments progress { total verified rectified notified open } findings { totalCount } } }""",
        token=admin,
    )
    assert [s["name"] for s in data["studios"]] == ["三和交流室", "长宁工作室", "潘大姐工作室", "老傅调解室"]
    assert {"username": "mediator-pan", "isLead": True} in data["studios"][2]["members"]
    cases = [e["node"] for e in data["mediationCases"]["edges"]]
    assert 60 <= data["mediationCases"]["totalCount"] <= 100
    leak = [c for c in cases if c["title"].startswith("浙大御跸小区") and c["category"] == "WATER_LEAK"]
    assert leak and leak[0]["studio"]["name"] == "潘大姐工作室" and leak[0]["state"] == "FULFILLED" and leak[0]["agreement"]["inEffect"]
    assert {c["state"] for c in cases} >= {"FULFILLED", "FAILED", "IN_MEDIATION", "PERFORMING"}

    (campaign,) = data["taskForces"]
    assert campaign["name"] == "东清大厦综合整治专班" and len(campaign["departments"]) == 6
    assert campaign["findings"]["totalCount"] == 110
    totals = {k: sum(row[k] for row in campaign["progress"]) for k in ("total", "verified", "rectified", "notified", "open")}
    assert totals == {"total": 110, "verified": 72, "rectified": 14, "notified": 16, "open": 8}

    gongchen = await client.token("street_admin", "gongchen")
    other = await client.query("{ studios { name } mediationCases { totalCount } taskForces { name } }", token=gongchen, street="gongchen")
    assert other == {"studios": [{"name": "拱宸桥调解工作室"}], "mediationCases": {"totalCount": 0}, "taskForces": []}

    figures = await _figures(kernel)
    assert figures["mediation.cases.by_state"] == data["mediationCases"]["totalCount"]
    assert figures["mediation.findings.rectified"] == 86
    assert figures["mediation.findings.by_status"] == 110
    assert 0 < figures["mediation.agreement_rate"] < figures["mediation.cases.concluded"]
    hot = figures["mediation.disputes_and_findings"]
    assert len(hot) >= 110 + data["mediationCases"]["totalCount"] and all(row.building_id for row in hot)
    assert (await _figures(kernel, "gongchen"))["mediation.cases.by_state"] == 0


async def test_overdue_metric_counts_cases_open_over_30_days(scene):
    fresh = await scene.open_case()
    old = await scene.open_case((2, 3))
    await scene.age_case(old["id"], 45)
    refusal = {"caseId": fresh["id"], "residentId": scene.residents[1], "accept": False, "reason": "拒绝调解", "paperDate": _today().isoformat()}
    await scene.ok("answerMediation", refusal)
    figures = await _figures(scene.kernel)
    assert figures["mediation.cases.overdue"] == 1
    assert figures["mediation.cases.by_state"] == 2
    assert figures["mediation.cases.concluded"] == 1 and figures["mediation.agreement_rate"] == 0


async def test_the_demo_cases_walk_the_procedure(kernel, client):
    """Every seeded case follows the rules a user of the API meets: parties consented before
    mediation, a refusal is a party's with its reason, the committee's keeper sealed, fulfilment
    after the confirmed performance and a return visit, breaches recorded."""
    await _seeded(kernel)
    admin = await client.token("street_admin")
    query = """query($after: String) { mediationCases(first: 40, after: $after) {
        pageInfo { hasNextPage endCursor }
        edges { node { state closedAt history { toState at }
          parties { role answer refusalReason }
          returnVisits { doneOn }
          agreement { oral effectiveOn performBy sealedBy sealCommittee { name }
            performanceConfirmed { performedOn how } breach { noticedOn note } judicialConfirmation { requestedOn ruling caseNumber } } } } } }"""
    cases, after = [], None
    while True:
        page = (await client.query(query, {"after": after}, token=admin))["mediationCases"]
        cases += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    committee = (await client.query("{ mediationCommittees { name members { username keepsSeal } } }", token=admin))["mediationCommittees"]
    assert committee == [{"name": "杭州市拱墅区长庆街道人民调解委员会", "members": committee[0]["members"]}]
    assert {"username": "mediator-zhou", "keepsSeal": True} in committee[0]["members"]
    mediated = [c for c in cases if any(h["toState"] == "IN_MEDIATION" for h in c["history"])]
    assert mediated and all(p["answer"] == "ACCEPTED" for c in mediated for p in c["parties"] if p["role"] in ("APPLICANT", "RESPONDENT"))
    refused = [c for c in cases if c["state"] == "REFUSED"]
    assert refused and all(any(p["answer"] == "REFUSED" and p["refusalReason"] for p in c["parties"]) for c in refused)
    agreed = [c for c in cases if c["agreement"] and c["agreement"]["effectiveOn"]]
    assert agreed and all(c["agreement"]["sealedBy"] == "mediator-zhou" and c["agreement"]["sealCommittee"] for c in agreed)
    fulfilled = [c for c in cases if c["state"] == "FULFILLED"]
    assert fulfilled
    for case in fulfilled:
        agreement = case["agreement"]
        performed = agreement["performanceConfirmed"]["performedOn"]
        assert performed >= agreement["performBy"]
        assert any(v["doneOn"] and v["doneOn"] >= performed for v in case["returnVisits"])
        assert case["closedAt"][:10] > agreement["effectiveOn"]
    breached = [c for c in cases if c["state"] == "BREACHED"]
    assert all(c["agreement"]["breach"]["note"] for c in breached)
    ruled = [c for c in agreed if c["agreement"]["judicialConfirmation"] and c["agreement"]["judicialConfirmation"]["requestedOn"]]
    assert ruled and all(c["agreement"]["judicialConfirmation"]["caseNumber"] for c in ruled)
