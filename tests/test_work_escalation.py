"""Escalation of overdue work items up the ladder grid → community → street → department:
on working days only, one level per working day, idempotent, notified by name."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime

from sqlalchemy import select

from jiedao.api.domain import street_transaction
from jiedao.api.work import open_work_item, WorkSource
from jiedao.core import clock
from jiedao.core.clock import CHINA
from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
from jiedao.core.organisations.models import OrganisationKind
from jiedao.core.testing.fixtures import build_registry
from jiedao.core.testing.organisations import make_grid, make_organisation
from jiedao.core.testing.outbox import outbox
from jiedao.core.work.escalation import escalate_overdue, sweep_street
from jiedao.core.work.models import WorkItem, WorkStep
from jiedao.core.models import Compound
from jiedao.schema.ids import encode_global_id

TIMELINE = "query($id: ID!) { workItem(id: $id) { escalationLevel overdue dueAt timeline { action note } } }"


def at(monkeypatch, y, m, d, hh=9):
    """Move every clock of Jiedao to ``y-m-d hh:00`` China time."""
    moment = datetime(y, m, d, hh, tzinfo=CHINA).astimezone(UTC)  # clock.now() is in UTC
    monkeypatch.setattr(clock, "now", lambda: moment)
    return moment


async def overdue_item(kernel, client, monkeypatch) -> tuple[int, str]:
    """An appeal opened on Tuesday 29 September 2026 with one working day: due at the end of the
    30th, the eve of the National Day holiday (1-7 October)."""
    ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    await client.token("grid_worker", username="gw-a")
    await client.token("resident", username="juweihui-1")
    await make_grid(kernel, "changqing", ids["buildings"], ["gw-a"])
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        community = await session.scalar(select(Compound.community_id).where(Compound.id == ids["compound"][0]))
    await make_organisation(kernel, "changqing", OrganisationKind.RESIDENTS_COMMITTEE, "长庆社区居委会", ["juweihui-1"], community_id=community)
    at(monkeypatch, 2026, 9, 29)
    async with street_transaction(kernel, "changqing") as session:
        item = await open_work_item(
            session, subject="Topic:9", title="消防通道堵塞", category="safety", source=WorkSource.HOTLINE_12345,
            building_id=ids["buildings"][0], to_grid=True,
        )
    assert item.due_at.astimezone(CHINA) == datetime(2026, 9, 30, 23, 59, 59, tzinfo=CHINA)
    return item.id, encode_global_id("WorkItem", item.id)


async def level_and_steps(kernel, item_id: int) -> tuple[int, int]:
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        item = await session.get(WorkItem, item_id)
        steps = await session.scalars(select(WorkStep).where(WorkStep.work_item_id == item_id, WorkStep.action == "escalate"))
        return item.escalation_level, len(steps.all())


async def test_an_item_overdue_on_the_eve_of_national_day_escalates_on_the_first_working_day_after_it(kernel, client, monkeypatch):
    item_id, gid = await overdue_item(kernel, client, monkeypatch)
    at(monkeypatch, 2026, 9, 30, 23)
    assert await sweep_street(kernel, "changqing") == []  # due at the end of the day: not yet overdue
    for day in range(1, 8):  # the holiday: overdue, but nobody is escalated on a public holiday
        at(monkeypatch, 2026, 10, day, 10)
        assert await sweep_street(kernel, "changqing") == [], day
    assert await level_and_steps(kernel, item_id) == (0, 0)

    at(monkeypatch, 2026, 10, 8)
    [escalation] = await sweep_street(kernel, "changqing")
    assert (escalation.work_item, escalation.level) == (gid, "community")
    assert escalation.recipients == ("community_worker", "@juweihui-1")
    [notice] = await outbox(kernel, subject=gid)  # written with the escalation, to the committee member by name
    assert notice.recipient_name == "juweihui-1" and notice.status == "PENDING"
    assert "消防通道堵塞" in notice.text and "escalated to community" in notice.text

    # The same day again (a second sweep, a restarted process): nothing more.
    assert await sweep_street(kernel, "changqing") == []
    assert await level_and_steps(kernel, item_id) == (1, 1)

    # One level per working day; the make-up working Saturday 10 October counts.
    at(monkeypatch, 2026, 10, 9)
    assert [e.level for e in await sweep_street(kernel, "changqing")] == ["street"]
    at(monkeypatch, 2026, 10, 10)
    assert [(e.level, e.recipients) for e in await sweep_street(kernel, "changqing")] == [("department", ("department",))]
    at(monkeypatch, 2026, 10, 12)
    assert await sweep_street(kernel, "changqing") == []  # the top of the ladder
    staff = await client.token("community_worker")
    seen = (await client.query(TIMELINE, {"id": gid}, token=staff))["workItem"]
    assert (seen["escalationLevel"], seen["overdue"]) == ("DEPARTMENT", True)
    assert [s["note"] for s in seen["timeline"] if s["action"] == "escalate"] == [
        "overdue since 2026-09-30 23:59: escalated to community",
        "overdue since 2026-09-30 23:59: escalated to street",
        "overdue since 2026-09-30 23:59: escalated to department",
    ]


async def test_a_sweep_killed_after_its_commit_is_not_repeated_and_concurrent_sweeps_escalate_once(kernel, client, monkeypatch):
    item_id, _ = await overdue_item(kernel, client, monkeypatch)
    at(monkeypatch, 2026, 10, 8)
    # A sweep whose process dies after the commit, before notifying (kill -9): the level is kept.
    async with street_transaction(kernel, "changqing") as session:
        assert len(await escalate_overdue(session, kernel.settings("changqing", "work"))) == 1
    assert await sweep_street(kernel, "changqing") == []
    assert await level_and_steps(kernel, item_id) == (1, 1)
    # Two sweeps at once the next working day: one of them takes the item.
    at(monkeypatch, 2026, 10, 9)
    results = await asyncio.gather(sweep_street(kernel, "changqing"), sweep_street(kernel, "changqing"))
    assert sorted(len(r) for r in results) == [0, 1]
    assert await level_and_steps(kernel, item_id) == (2, 2)


async def test_a_resolved_item_waits_on_its_resident_and_does_not_escalate(kernel, client, monkeypatch):
    item_id, gid = await overdue_item(kernel, client, monkeypatch)
    token = await client.token("grid_worker", username="gw-a")
    at(monkeypatch, 2026, 9, 30, 12)
    body = await client.query(
        "mutation($id: ID!) { acceptWorkItem(input: {id: $id}) { errors { code } } }", {"id": gid}, token=token
    )
    assert body["acceptWorkItem"]["errors"] == []
    at(monkeypatch, 2026, 10, 8)
    assert [e.level for e in await sweep_street(kernel, "changqing")] == ["community"]  # accepted, still not done
    await client.query("mutation($id: ID!) { resolveWorkItem(input: {id: $id, note: \"清理了\"}) { errors { code } } }", {"id": gid}, token=token)
    at(monkeypatch, 2026, 10, 9)
    assert await sweep_street(kernel, "changqing") == []


def test_jiedao_work_escalate_for_cron(jiedao_cli, database_url, monkeypatch):
    async def seed():
        kernel = await Kernel.load(parse_config({"streets": {"changqing": {"name": "长庆街道"}}}), database_url=database_url)
        await kernel.sync_streets()
        at(monkeypatch, 2026, 9, 29)
        async with street_transaction(kernel, "changqing") as session:
            await open_work_item(session, subject="Finding:1", title="占道经营", category="safety", source=WorkSource.TASK_FORCE)
        await kernel.close()

    asyncio.run(seed())
    at(monkeypatch, 2026, 10, 2)
    holiday = jiedao_cli(["work", "escalate"], database_url=database_url)
    assert holiday.exit_code == 0 and "escalated" not in holiday.output
    at(monkeypatch, 2026, 10, 8)
    first = jiedao_cli(["work", "escalate", "--street", "changqing"], database_url=database_url)
    assert first.exit_code == 0, first.output
    assert f"changqing: {encode_global_id('WorkItem', 1)} escalated to community; notified community_worker" in first.output
    again = jiedao_cli(["work", "escalate"], database_url=database_url)
    assert again.exit_code == 0 and "escalated" not in again.output
    unknown = jiedao_cli(["work", "escalate", "--street", "nowhere"], database_url=database_url)
    assert unknown.exit_code == 2 and "unknown street 'nowhere'" in unknown.output


async def test_the_background_job_of_jiedao_serve_escalates(kernel, client, monkeypatch):
    item_id, _ = await overdue_item(kernel, client, monkeypatch)
    at(monkeypatch, 2026, 10, 8)
    [job] = [task for plugin, task in kernel.contributions.background if plugin == "core" and task.__name__ == "run_escalations"]
    running = asyncio.create_task(job(kernel))
    try:
        async with asyncio.timeout(30):
            while await level_and_steps(kernel, item_id) != (1, 1):
                await asyncio.sleep(0.05)
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
