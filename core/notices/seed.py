"""Demo notices of 长庆街道: a street-wide 公告, a 公示 in 凤起都市花园 and one for a building there."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from jiedao.core import clock
from jiedao.core.identity.models import User
from jiedao.core.models import Building, Compound
from jiedao.core.notices.models import Notice
from jiedao.core.notices.places import STREET
from jiedao.core.notices.service import publish_notice

FIRE_SAFETY = """为切实做好冬季消防安全工作，街道将于本月起在辖区各小区开展消防安全检查：
一、清理楼道堆物，保持疏散通道畅通；
二、电动自行车严禁进楼入户、飞线充电；
三、独居老人家中烟感报警器由网格员上门检查。
请各位居民予以配合。如发现消防隐患，请联系所在社区或拨打 12345。"""

CANDIDATES = """经业主大会筹备组资格审查，凤起都市花园第二届业主委员会候选人名单如下（按姓氏笔画排序）：
王建国（3幢）、李秀英（7幢）、张志红（1幢）、陈海燕（10幢）、周晓文（5幢）。
公示期七天。业主对候选人有异议的，请在公示期内以书面形式向筹备组（物业服务中心二楼）反映。"""

WATER = """因供水管网改造，凤起都市花园 1幢 将于本周六 9:00—15:00 停水，请提前储水。不便之处，敬请谅解。"""


async def seed_notices(session, street: str) -> None:
    """Publish the demo notices once (changqing only; left alone when staff notices exist)."""
    if street != "changqing" or await session.scalar(select(Notice.id).where(Notice.publisher == "core").limit(1)) is not None:
        return
    admin = await session.scalar(select(User).where(User.username == "changqing-admin"))
    now = clock.now()
    await publish_notice(session, scope=STREET, kind="announcement", title="长庆街道关于开展冬季消防安全检查的公告", body=FIRE_SAFETY, published_by=admin)
    compound = await session.scalar(select(Compound).where(Compound.name == "凤起都市花园"))
    if compound is None:
        return
    await publish_notice(
        session, scope=compound, kind="publicity", title="凤起都市花园第二届业主委员会候选人名单公示", body=CANDIDATES,
        period=(now, now + timedelta(days=7)), published_by=admin,
    )
    building = await session.scalar(select(Building).where(Building.compound_id == compound.id, Building.name == "1幢"))
    if building is not None:
        await publish_notice(session, scope=building, kind="announcement", title="1幢停水通知", body=WATER,
                             period=(now, now + timedelta(days=5)), published_by=admin)
