"""The notification outbox: alerts written with their cause, delivered by the worker, climbing
the chain of people until someone acknowledges, with receipts; several workers share it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from jiedao.api.domain import street_transaction
from jiedao.core import clock
from jiedao.core.notify.alerts import acknowledge_alert, raise_alert
from jiedao.core.notify.delivery import worker_name
from jiedao.core.notify.models import Alert, DeliveryReceipt, OutboxMessage
from jiedao.core.notify.worker import cycle
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.contacts.models import DutyShift
from jiedao.core.identity.models import User
from jiedao.core.models import Compound
from jiedao.core.testing.organisations import make_grid


def at(monkeypatch, moment: datetime) -> datetime:
    monkeypatch.setattr(clock, "now", lambda: moment)
    return moment


async def a_building_with_people(kernel, client) -> int:
    ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    await client.token("grid_worker", username="gw-a")
    await client.token("resident", username="juweihui-1")
    await make_grid(kernel, "changqing", ids["buildings"], ["gw-a"])
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        community = await session.scalar(select(Compound.community_id).where(Compound.id == ids["compound"][0]))
    await client.token("community_worker", username="duty-1")
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        duty = await session.scalar(select(User.id).where(User.username == "duty-1"))
        session.add(DutyShift(street_id=kernel.street_id("changqing"), user_id=duty, community_id=community,
                              starts_at=datetime(2026, 1, 1, tzinfo=UTC), ends_at=datetime(2028, 1, 1, tzinfo=UTC)))
    return ids["buildings"][0]


async def raise_smoke(kernel, building: int, severity="critical"):
    async with street_transaction(kernel, "changqing") as session:
        alert = await raise_alert(
            session, kernel, "changqing", kind="sensors.alarm", subject="Alarm:1", severity=severity,
            title="烟感报警", fields={"what": "烟感报警", "where": "1幢", "when": "03:00"}, building_id=building,
        )
        return alert.id


async def messages(kernel) -> list[OutboxMessage]:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return list((await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def test_an_alert_reaches_the_grid_worker_then_climbs_until_acknowledged(kernel, client, monkeypatch):
    building = await a_building_with_people(kernel, client)
    start = at(monkeypatch, datetime(2026, 12, 1, 19, 0, tzinfo=UTC))
    await raise_smoke(kernel, building)
    first = await messages(kernel)
    assert [(m.recipient_name, m.channel, m.status) for m in first] == [("gw-a", "log", "PENDING")]
    assert "烟感报警" in first[0].text and "/notify/ack/changqing/" in first[0].text

    assert await cycle(kernel, worker_name()) == 1
    delivered = await messages(kernel)
    assert delivered[0].status == "DELIVERED"

    at(monkeypatch, start + timedelta(minutes=6))  # critical: next people after 5 minutes
    await cycle(kernel, worker_name())
    names = [(m.recipient_name, m.status) for m in await messages(kernel)]
    assert names == [("gw-a", "DELIVERED"), ("duty-1", "DELIVERED")]  # the community's duty worker

    async with street_transaction(kernel, "changqing") as session:
        await acknowledge_alert(session, "Alarm:1", "gw-a", "FALSE_ALARM")
    at(monkeypatch, start + timedelta(hours=3))
    await cycle(kernel, worker_name())
    assert len(await messages(kernel)) == 2, "an acknowledged alert tells nobody else"


async def test_two_cycles_never_send_a_stage_twice(kernel, client, monkeypatch):
    building = await a_building_with_people(kernel, client)
    start = at(monkeypatch, datetime(2026, 12, 1, 19, 0, tzinfo=UTC))
    await raise_smoke(kernel, building)
    at(monkeypatch, start + timedelta(minutes=6))
    await cycle(kernel, worker_name())
    await cycle(kernel, worker_name())
    rows = await messages(kernel)
    assert len(rows) == len({m.key for m in rows}) == 2
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        receipts = await session.scalar(select(func.count()).select_from(DeliveryReceipt))
    assert receipts == 2


async def test_an_alert_that_gets_worse_follows_the_plan_of_its_new_severity(kernel, client, monkeypatch):
    building = await a_building_with_people(kernel, client)
    start = at(monkeypatch, datetime(2026, 12, 1, 3, 0, tzinfo=UTC))  # 11:00 in China: outside quiet hours
    await raise_smoke(kernel, building, severity="minor")  # minor: the daily digest, first people only
    [waiting] = await messages(kernel)
    assert waiting.status == "DIGEST"
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert len((await session.scalar(select(Alert).where(Alert.subject == "Alarm:1"))).stages) == 1
    at(monkeypatch, start + timedelta(minutes=1))
    await raise_smoke(kernel, building, severity="critical")
    rows = await messages(kernel)
    assert [(m.recipient_name, m.severity, m.status) for m in rows[1:]] == [("gw-a", "critical", "PENDING")]  # told at once
    at(monkeypatch, start + timedelta(minutes=7))
    await cycle(kernel, worker_name())
    assert "duty-1" in {m.recipient_name for m in await messages(kernel)}, "and it climbs like a critical alert"


async def test_minor_alerts_wait_for_the_daily_digest_one_message_per_person(kernel, client, monkeypatch):
    building = await a_building_with_people(kernel, client)
    evening = at(monkeypatch, datetime(2026, 12, 1, 14, 0, tzinfo=UTC))  # 22:00 in China
    for n in (1, 2):
        async with street_transaction(kernel, "changqing") as session:
            await raise_alert(session, kernel, "changqing", kind="sensors.alarm", subject=f"Alarm:{n}", severity="minor",
                              title=f"电量低 {n}", fields={"what": "电量低"}, building_id=building)
    await cycle(kernel, worker_name())
    assert {m.status for m in await messages(kernel)} == {"DIGEST"}, "nothing at night"
    at(monkeypatch, evening + timedelta(hours=11, minutes=1))  # 09:01 the next morning
    await cycle(kernel, worker_name())
    rows = await messages(kernel)
    [digest] = [m for m in rows if m.kind == "digest"]
    assert (digest.recipient_name, digest.status, digest.title) == ("gw-a", "DELIVERED", "2026-12-02 每日汇总 2 条")
    assert "电量低 1" in digest.text and "电量低 2" in digest.text
    assert {m.status for m in rows if m.kind != "digest"} == {"DIGESTED"}
    await cycle(kernel, worker_name())
    assert len(await messages(kernel)) == 3, "one digest a day"
