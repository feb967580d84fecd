"""Demo data: 97 restaurants in the street's buildings with a year of realistic evidence.

Deterministic (seeded by the street's name) and idempotent: a street that already has
enterprises is left alone. The first restaurants are run by the residents behind the demo
owner accounts, so ``changqing-owner1`` sees their own restaurant.
"""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import func, select

from jiedao.api import now, registry
from jiedao.api import today as clock_today
from jiedao.plugins.credit import service
from jiedao.plugins.credit.models import Enterprise, Evidence

Building, Resident, Unit = registry.Building, registry.Resident, registry.Unit

RESTAURANTS = 97
PREFIXES = "老杭州 知味 奎元 新丰 状元 胜利 皇饭儿 弄堂 湖滨 武林 长庆 凤起 庆春 东坡 西子 钱塘 满觉 拱宸 运河 梅家".split()
KINDS = "面馆 小吃 饺子馆 馄饨店 茶餐厅 快餐店 烧烤店 火锅店 酒家 包子铺 私房菜 米线店".split()
CHECKLIST = [
    ("K1", "食品经营许可证有效并公示", True),
    ("K2", "从业人员持有效健康证明", True),
    ("K3", "原料进货查验及索证索票", True),
    ("K4", "餐饮具清洗消毒", True),
    ("G1", "加工场所环境卫生", False),
    ("G2", "食品贮存分类分架", False),
    ("G3", "防蝇防鼠设施", False),
    ("G4", "食品添加剂管理", False),
    ("G5", "留样及记录", False),
    ("G6", "从业人员着装", False),
]
CERTIFICATIONS = ("阳光厨房", "放心消费示范店", "HACCP 体系认证", "绿色餐厅")


def checklist(rng: random.Random, care: float) -> list[dict]:
    """One inspection's checklist; ``care`` (0-1) is how well the restaurant is run."""
    items = []
    for code, title, key in CHECKLIST:
        possible = 15 if key else 6.5
        failed = rng.random() < (1 - care) * (0.45 if key else 1.3)
        score = round(possible * rng.uniform(0.3, 0.8), 1) if failed else possible
        items.append({"code": code, "title": title, "score": score, "max_score": possible, "key": key})
    return items


async def seed(session, street: str) -> None:
    """Seed the restaurants, their evidence and their scores (once)."""
    if await session.scalar(select(func.count()).select_from(Enterprise)):
        return
    places = list((await session.execute(select(Unit.id, Unit.building_id).where(Unit.number.like("10%")).order_by(Unit.id))).all())
    if len(places) < RESTAURANTS:  # a small registry: any unit, then buildings shared
        places = list((await session.execute(select(Unit.id, Unit.building_id).order_by(Unit.id))).all())
    if not places:
        places = [(None, b) for b in await session.scalars(select(Building.id).order_by(Building.id))]
    if not places:
        return
    rng = random.Random(f"credit-{street}")
    residents = list(await session.scalars(select(Resident.id).where(Resident.is_organisation.is_(False), Resident.phone.is_not(None)).order_by(Resident.id)))
    card = await service.active_scorecard(session)
    today = clock_today()
    inspector = service.Actor(None, f"{street}-inspector")
    chosen = rng.sample(places, RESTAURANTS) if len(places) >= RESTAURANTS else [places[n % len(places)] for n in range(RESTAURANTS)]
    for n, (unit_id, building_id) in enumerate(chosen, start=1):
        young = n in (7, 41)  # licences younger than three months: unrated
        issued = today - timedelta(days=rng.randint(20, 80) if young else rng.randint(200, 3000))
        operator = residents[n - 1] if n <= 3 and len(residents) >= 3 else (rng.choice(residents) if residents else None)
        name = f"{rng.choice(PREFIXES)}{rng.choice(KINDS)}"
        enterprise = await service.create_enterprise(session, service.EnterpriseData(
            name=f"{name}（{n}号店）", licence_no=f"JY13301050{n:05d}", licence_issued_on=issued,
            licence_expires_on=issued + timedelta(days=5 * 365), address=f"长庆街道 {name}", building_id=building_id, unit_id=unit_id,
            operator_resident_id=operator,
        ))
        care = rng.betavariate(7, 1.5)
        start = max(issued, today - timedelta(days=365))
        span = max((today - start).days, 1)

        def day():
            return start + timedelta(days=rng.randint(0, span - 1))

        items = []
        for _ in range(rng.choice((1, 2, 2, 3, 4))):
            details = service.inspection_details(card.definition, checklist(rng, care), None, inspector.username)
            items.append(("INSPECTION", day(), details, "日常监督检查", "inspection"))
        for _ in range(rng.choices((0, 1, 2, 3), (55, 28, 12, 5))[0]):
            items.append(("COMPLAINT", day(), {"substantiated": rng.random() > care}, rng.choice(("菜品有异物", "卫生状况差", "价格不透明", "油烟扰民")), "12345"))
        if rng.random() > care + 0.1:
            severity = "SERIOUS" if rng.random() < 0.2 else "GENERAL"
            items.append(("PENALTY", day(), {"severity": severity, "decision_no": f"杭拱市监罚〔{today.year}〕{n}号", "amount_yuan": rng.choice((2000, 5000, 10000))},
                          "违反《食品安全法》被处罚", "penalty"))
        if rng.random() < 0.03:
            items.append(("ABNORMAL_LIST", day(), {}, "未按期公示年度报告", "list"))
        if n == 13:
            items.append(("SERIOUS_VIOLATION_LIST", day(), {}, "受到较重行政处罚且拒不履行", "list"))
        if rng.random() < 0.2 + care / 5:
            certification = rng.choice(CERTIFICATIONS)
            items.append(("CERTIFICATION", day(), {"name": certification, "valid_until": None}, certification, "certification"))
        session.add_all([
            Evidence(enterprise_id=enterprise.id, kind=kind, occurred_on=on, details=details, summary=summary, source=source,
                     recorded_by=inspector.username, recorded_at=now())
            for kind, on, details, summary, source in sorted(items, key=lambda i: i[1])
        ])
    await session.flush()
    await service.recompute_all(session, trigger="seed")
