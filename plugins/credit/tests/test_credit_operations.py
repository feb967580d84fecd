"""Operations around the scores: CSV import, the CLI, mediation findings as evidence,
dashboard metrics and the demo seed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from jiedao.core.importer import ImportFailed
from jiedao.core.models import Building, Community, Compound, Resident
from jiedao.core.testing.fixtures import build_registry
from jiedao.plugins.credit import metrics, service
from jiedao.plugins.credit.service.importer import import_enterprises
from jiedao.plugins.credit.models import Enterprise, Evidence, Score
from jiedao.plugins.credit.tests.conftest import COMPLAINT, PENALTY, days_ago

CREDIT_ONLY = {"changqing": {"name": "长庆街道", "plugins": ["credit"]}}
HEADER = "name,licence_no,licence_issued_on,category,community,compound,building,operator_ref\n"


def test_the_cli_imports_all_or_nothing_recomputes_and_reproduces(jiedao_cli, database_url, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text(HEADER + "知味面馆,JY1,2024-01-05,restaurant,,,,\n新丰小吃,JY2,2023-06-01,,,,,\n", encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "好的,JY3,2024-01-05,,,,,\n,JY1,2024-13-01,,某社区,某小区,1幢,nobody\n", encoding="utf-8")

    refused = jiedao_cli(["credit", "import", "--street", "changqing", str(bad)], streets=CREDIT_ONLY, database_url=database_url)
    assert refused.exit_code == 1
    for problem in ("line 3, column name: empty", "line 3, column licence_issued_on", "line 3, column building", "line 3, column operator_ref"):
        assert problem in refused.output
    first = jiedao_cli(["credit", "import", "--street", "changqing", str(good)], streets=CREDIT_ONLY, database_url=database_url)
    assert first.exit_code == 0, first.output
    assert "2 created, 0 updated, 0 unchanged" in first.output  # nothing of the bad file got in
    again = jiedao_cli(["credit", "import", "--street", "changqing", str(good)], streets=CREDIT_ONLY, database_url=database_url)
    assert "0 created, 0 updated, 2 unchanged" in again.output

    recomputed = jiedao_cli(["credit", "recompute", "--street", "changqing"], streets=CREDIT_ONLY, database_url=database_url)
    assert recomputed.exit_code == 0 and "2 enterprise(s) recomputed in changqing" in recomputed.output
    reproduced = jiedao_cli(["credit", "reproduce", "1", "--street", "changqing"], streets=CREDIT_ONLY, database_url=database_url)
    assert reproduced.exit_code == 0 and "identical" in reproduced.output


async def test_import_links_buildings_and_operators_by_registry_names(kernel):
    ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        building = await session.scalar(select(Building).where(Building.id == ids["buildings"][0]))
        compound = await session.scalar(select(Compound).where(Compound.id == building.compound_id))
        community = await session.scalar(select(Community).where(Community.id == compound.community_id))
        ref = await session.scalar(select(Resident.external_ref).where(Resident.id == ids["residents"][0]))
        text = HEADER + f"知味面馆,JY9,2024-01-05,restaurant,{community.name},{compound.name},{building.name},{ref}\n"
        report = await import_enterprises(session, text)
        assert report.created == 1
        enterprise = await session.scalar(select(Enterprise).where(Enterprise.licence_no == "JY9"))
        assert (enterprise.building_id, enterprise.operator_resident_id) == (building.id, ids["residents"][0])
        with pytest.raises(ImportFailed) as failure:
            await import_enterprises(session, HEADER + "甲,JY9,2024-01-05,,,,,\n乙,JY9,2024-01-05,,,,,\n")
        assert [p.column for p in failure.value.problems] == ["licence_no"]


async def publish_finding(kernel, name: str, **fields) -> list:
    """Publish the mediation plugin's event ``name`` in changqing, as mediation would.

    Credit never imports mediation, and the kernel publishes only declared event classes:
    the class comes from the kernel's catalogue (mediation is enabled in changqing).
    """
    owner, event_class = kernel.contributions.events[name]
    assert owner == "mediation"
    return await kernel.events.publish("changqing", event_class(**fields))


async def test_a_mediation_finding_becomes_evidence_once(shop, kernel):
    payload = {"finding_id": 42, "task_force_id": 1, "building_id": shop.buildings[0], "unit_id": None,
               "category": "fire_safety", "department": "市场监管", "status": "open"}
    failures = await publish_finding(kernel, "mediation.finding.created", **payload)
    assert failures == []
    await publish_finding(kernel, "mediation.finding.created", **payload)
    await publish_finding(kernel, "mediation.finding.created", **{**payload, "finding_id": 43, "building_id": shop.buildings[1]})
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        found = list(await session.scalars(select(Evidence).where(Evidence.kind == "RECTIFICATION")))
        assert [(e.enterprise_id, e.source, e.details["finding_id"]) for e in found] == [(shop.pk, "mediation", 42)]
        enterprise = await session.scalar(select(Enterprise).where(Enterprise.id == shop.pk))
        score = await session.scalar(select(Score).where(Score.id == enterprise.current_score_id))
        assert score.value == 97.0 and score.trigger == "mediation:42"
    await publish_finding(kernel, "mediation.finding.status_changed", **{**payload, "status": "verified"})
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        enterprise = await session.scalar(select(Enterprise).where(Enterprise.id == shop.pk))
        score = await session.scalar(select(Score).where(Score.id == enterprise.current_score_id))
        assert score.value == 99.0 and score.result["reasons"][0]["code"] == "MG_RECTIFIED"


async def test_metrics_count_classes_appeals_and_inspections_due(kernel, client, shop):
    from jiedao.plugins.credit.tests.conftest import make_shop

    poor = await make_shop(kernel, client, licence="JY-M")
    await poor.evidence(PENALTY, decidedOn=days_ago(3), decisionNo="罚", severity="SERIOUS")
    await poor.evidence(PENALTY, decidedOn=days_ago(2), decisionNo="罚2")
    await poor.evidence(COMPLAINT, receivedOn=days_ago(1), substantiated=True)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        classes = sorted((await session.execute(metrics.by_class())).all())
        assert [(c.risk_class, c.value) for c in classes] == [("A", 1), ("C", 1)]  # compliance capped at -25, complaints -4: 71
        assert len((await session.execute(metrics.inspections_due())).all()) == 2  # never inspected: due now
        hotspots = (await session.execute(metrics.poorly_graded())).all()
        assert [h.building_id for h in hotspots] == [poor.buildings[0]]
        assert (await session.execute(metrics.appeals_pending())).all() == []
    metric_keys = {m.key for _, m in kernel.contributions.metrics}
    assert {"credit.enterprises.by_class", "credit.appeals.filed", "credit.inspections.due"} <= metric_keys


async def test_the_demo_seed_grades_97_restaurants_once(kernel):
    from jiedao.core.demo import CHANGQING, seed_registry
    import random

    from jiedao.plugins.credit.seed import seed

    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        await seed_registry(session, {"王马社区": CHANGQING["王马社区"]}, (8, 10), random.Random("t"))
    for _ in range(2):
        async with kernel.db.transaction(kernel.street_id("changqing")) as session:
            await seed(session, "changqing")
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert await session.scalar(select(func.count()).select_from(Enterprise)) == 97
        classes = dict((await session.execute(select(Score.risk_class, func.count()).join(Enterprise, Enterprise.current_score_id == Score.id).group_by(Score.risk_class))).all())
        assert sum(classes.values()) == 97 and classes.get("UNRATED") == 2 and classes.get("D", 0) >= 1
        assert len(classes) >= 4
        for score_id in list(await session.scalars(select(Enterprise.current_score_id).limit(5))):
            assert (await service.reproduce(session, score_id)).equal


async def test_the_nightly_run_recomputes_streets_that_enable_credit(shop, kernel):
    from datetime import datetime, timezone

    from jiedao.plugins.credit.nightly import recompute_streets, seconds_until_next_run

    assert await recompute_streets(kernel) == {"changqing": 1}  # gongchen does not enable credit
    assert seconds_until_next_run(datetime(2026, 1, 1, 17, 59, tzinfo=timezone.utc)) == 60  # 01:59 in China
    assert seconds_until_next_run(datetime(2026, 1, 1, 18, 0, tzinfo=timezone.utc)) == 24 * 3600
