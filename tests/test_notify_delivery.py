"""A smoke alarm at the home of an elderly person living alone, end to end: raised by
ingestion, written to the outbox, delivered through the real channel plugins over real HTTP to
local fake providers that check DingTalk's and Alibaba Cloud's real authentication, escalated
when nobody answers, acknowledged from the link in a message — and then silent."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update
from starlette.applications import Starlette
from starlette.routing import Mount

from jiedao.core import clock
from jiedao.core.app import build_app
from jiedao.core.contacts.models import DutyShift, EmergencyContact, StaffAddress
from jiedao.core.identity.models import User
from jiedao.core.models import Compound, Resident
from jiedao.core.notify.models import DeliveryReceipt, OutboxMessage
from jiedao.core.notify.runtime import runtime
from jiedao.core.notify.web import FakeProviders
from jiedao.core.notify.worker import cycle
from jiedao.core.testing.asgi_server import AsgiServer
from jiedao.core.testing.organisations import make_grid
from jiedao.core.testing.outbox import outbox
from jiedao.plugins.aliyun.fake.app import sends_by_out_id
from jiedao.plugins.sensors.ingest import store
from jiedao.plugins.sensors.models import Alarm, Device
from jiedao.plugins.sensors.service.payloads import Address
from jiedao.plugins.sensors.service.store import Inbound
from jiedao.schema.ids import encode_global_id

SECRETS = {
    "JIEDAO_DINGTALK_APP_KEY": "ding-app-key",
    "JIEDAO_DINGTALK_APP_SECRET": "ding-app-secret",
    "JIEDAO_DINGTALK_ROBOT_TOKEN": "robot-token",
    "JIEDAO_DINGTALK_ROBOT_SECRET": "SECrobotsecret",
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-test-key",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "test-secret",
    "JIEDAO_FAKE_PROVIDERS": "1",
}
GRID_WORKER, DUTY, ELDER, SON = "13900000001", "13900000002", "13812345678", "13700000003"
START = datetime(2026, 12, 1, 19, 0, tzinfo=UTC)  # 03:00 in Hangzhou


def streets(url: str) -> dict:
    return {
        "changqing": {
            "name": "长庆街道",
            "plugins": ["sensors", "dingtalk", "aliyun"],
            "dingtalk": {"endpoint": "fake", "agent_id": 4001},
            "aliyun": {"endpoint": "fake", "sms_sign_name": "长庆街道", "sms_templates": {"default": "SMS_468000001"},
                       "voice_templates": {"default": "TTS_300000001"}, "timeout": 1},
            "notify": {
                "public_url": url,
                "per_minute": 1000,
                "info": {"staff": ["dingtalk_work"]},
                "critical": {"staff": ["dingtalk_work", "voice"], "public": ["voice"], "next_after": "5m"},
                "retry": {"first_delay": "10s", "poll_every": "30s", "lease": "3s"},
            },
        }
    }


class Scene:
    """The street, its people, the smoke detector SD-1 at 李奶奶's home, the fakes' recorder."""

    def __init__(self, kernel, server, recorder):
        self.kernel, self.server, self.recorder = kernel, server, recorder

    def at(self, monkeypatch, moment: datetime) -> datetime:
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    async def smoke(self, on: bool, at: datetime) -> Alarm:
        topic = "jiedao/changqing/devices/SD-1/telemetry"
        await store(self.kernel, "changqing", [Inbound(Address("changqing", "SD-1", "telemetry"), topic, (b'{"smoke": true}' if on else b'{"smoke": false}'), at)])
        await self.kernel.state("sensors").background.settled()
        async with self.kernel.db.transaction(self.kernel.street_id("changqing")) as session:
            return await session.scalar(select(Alarm).order_by(Alarm.id.desc()).limit(1))

    def received(self, channel: str | None = None, to: str | None = None):
        """What the fakes accepted (verified and answered with a provider id)."""
        return [d for d in self.recorder.deliveries if d.verified and d.provider_id and (channel is None or d.channel == channel) and (to is None or d.to == to)]


@pytest.fixture
async def scene(make_kernel, client):
    app = Starlette(routes=[Mount("/dev/providers", app=FakeProviders())])
    server = AsgiServer(app)
    kernel = await make_kernel(streets=streets(server.url))
    app.state.kernel = kernel
    notify = runtime(kernel)
    notify.reset(environ=SECRETS)
    from jiedao.core.testing.fixtures import build_registry

    ids = await build_registry(kernel, "changqing", buildings=1, units_per_building=1)
    building, unit, elder = ids["buildings"][0], ids["units"][0], ids["residents"][0]
    for username, role in (("gw-1", "grid_worker"), ("duty-1", "community_worker")):
        await client.token(role, username=username)
    await make_grid(kernel, "changqing", [building], ["gw-1"])
    street_id = kernel.street_id("changqing")
    async with kernel.db.transaction(street_id) as session:
        users = dict((await session.execute(select(User.username, User.id).where(User.username.in_(["gw-1", "duty-1"])))).all())
        community = await session.scalar(select(Compound.community_id).where(Compound.id == ids["compound"][0]))
        await session.execute(update(Resident).where(Resident.id == elder).values(name="李奶奶", elderly=True, lives_alone=True, phone=ELDER))
        session.add_all([
            StaffAddress(user_id=users["gw-1"], phone=GRID_WORKER, dingtalk_user_id="dt-gw-1", updated_at=START),
            StaffAddress(user_id=users["duty-1"], phone=DUTY, dingtalk_user_id="dt-duty-1", updated_at=START),
            DutyShift(street_id=street_id, user_id=users["duty-1"], community_id=community, starts_at=START - timedelta(days=1), ends_at=START + timedelta(days=30)),
            EmergencyContact(street_id=street_id, resident_id=elder, position=1, name="李明", relation="儿子", phone=SON, updated_at=START),
            Device(street_id=street_id, device_id="SD-1", kind="SMOKE_DETECTOR", name="烟感", building_id=building, unit_id=unit, resident_id=elder, latest={}),
        ])
    with server:
        yield Scene(kernel, server, notify.recorder)


async def acknowledge_from(kernel, text: str, outcome: str) -> httpx.Response:
    """Follow the acknowledgement link in ``text`` (as the person's phone would) and choose ``outcome``."""
    link = re.search(r"https?://\S+/notify/ack/changqing/[A-Za-z0-9_-]+", text).group(0)
    path = link.split("/notify/", 1)[1]
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(kernel, background=False)), base_url="http://jiedao.test") as http:
        page = await http.get(f"/notify/{path}")
        assert page.status_code == 200 and "李奶奶" in page.text and "VISITED" in page.text
        return await http.post(f"/notify/{path}", data={"outcome": outcome, "note": "老人在家，锅烧干了"})


async def test_a_smoke_alarm_at_an_old_persons_home_climbs_until_someone_acknowledges(scene, monkeypatch):
    kernel = scene.kernel
    t0 = scene.at(monkeypatch, START)
    alarm = await scene.smoke(True, t0)

    # One delivery cycle: the grid worker's phone rings and a work notice arrives; the old lady is called too.
    await cycle(kernel, "worker-a")
    [notice] = scene.received("dingtalk_work", "dt-gw-1")
    assert "烟感报警" in notice.text and "李奶奶（独居、老人）" in notice.text and "SD-1" in notice.text and "/notify/ack/changqing/" in notice.text
    assert {d.to for d in scene.received("voice")} == {GRID_WORKER, ELDER}
    assert scene.received(to=SON) == [] and scene.received(to="dt-duty-1") == []

    # Nobody picks up: the receipts say so and the next people are reached without waiting the 5 minutes.
    scene.recorder.answer(GRID_WORKER, "NO_ANSWER")
    scene.recorder.answer(ELDER, "NO_ANSWER")
    scene.at(monkeypatch, t0 + timedelta(seconds=31))
    await cycle(kernel, "worker-a")  # receipts: NO_ANSWER
    await cycle(kernel, "worker-a")  # the next stage
    assert [d.to for d in scene.received("voice", SON)] == [SON], "the son is called"
    [duty_notice] = scene.received("dingtalk_work", "dt-duty-1")
    rows = await outbox(kernel, subject=encode_global_id("Alarm", alarm.id))
    assert ("gw-1", "voice", "NO_ANSWER") in {(m.recipient_name, m.channel, m.status) for m in rows}

    # The duty worker acknowledges from the work notice's link: the alarm is acknowledged with the outcome.
    answer = await acknowledge_from(kernel, duty_notice.text, "VISITED")
    assert answer.status_code == 200 and "已确认" in answer.text
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        acknowledged = await session.get(Alarm, alarm.id, populate_existing=True)
    assert acknowledged.status == "ACKNOWLEDGED" and acknowledged.ack_outcome == "VISITED" and "duty-1" in acknowledged.acknowledged_by

    # Hours later nobody else is disturbed.
    before = len(scene.recorder.deliveries)
    for minutes in (10, 60, 180):
        scene.at(monkeypatch, t0 + timedelta(minutes=minutes))
        await cycle(kernel, "worker-a")
    assert [d for d in scene.recorder.deliveries[before:] if d.provider_id and d.channel in ("voice", "dingtalk_work", "sms")] == []


async def graphql(kernel, query: str, variables: dict | None = None, token: str | None = None) -> dict:
    """A GraphQL request to ``kernel``'s app (in process)."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(kernel, background=False)), base_url="http://jiedao.test") as http:
        return (await http.post("/graphql/changqing", json={"query": query, "variables": variables or {}}, headers=headers)).json()


ACK = 'mutation($id: ID!) { acknowledgeAlarm(input: {alarmId: $id, outcome: FALSE_ALARM, note: "油烟"}) { alarm { status } errors { code } } }'


async def test_a_smoke_alarm_over_by_itself_still_reaches_people_until_one_acknowledges(scene, client, monkeypatch):
    kernel = scene.kernel
    t0 = scene.at(monkeypatch, START)
    alarm = await scene.smoke(True, t0)
    await cycle(kernel, "worker-a")
    cleared = await scene.smoke(False, t0 + timedelta(minutes=1))
    assert (cleared.id, cleared.status) == (alarm.id, "CLEARED_UNACK")

    scene.at(monkeypatch, t0 + timedelta(minutes=6))  # nobody acknowledged: the next people, as if the smoke were still there
    await cycle(kernel, "worker-a")
    assert [d.to for d in scene.received("voice", SON)] == [SON]
    assert len(scene.received("dingtalk_work", "dt-duty-1")) == 1

    duty = await client.token("community_worker", username="duty-1")
    done = await graphql(kernel, ACK, {"id": encode_global_id("Alarm", alarm.id)}, token=duty)
    assert done["data"]["acknowledgeAlarm"] == {"alarm": {"status": "CLEARED"}, "errors": []}
    await kernel.state("sensors").background.settled()
    before = len(scene.received())
    for minutes in (12, 40, 120):
        scene.at(monkeypatch, t0 + timedelta(minutes=minutes))
        await cycle(kernel, "worker-a")
    assert len(scene.received()) == before, "acknowledged: nobody else is called"


async def test_a_provider_that_fails_or_times_out_is_retried_and_nothing_is_sent_twice(scene, monkeypatch):
    kernel = scene.kernel
    t0 = scene.at(monkeypatch, START)
    scene.recorder.fail_next("dingtalk", 2, "500")
    scene.recorder.fail_next("aliyun", 1, "timeout")
    scene.recorder.fail_next("aliyun", 1, "throttled")
    alarm = await scene.smoke(True, t0)
    await cycle(kernel, "worker-a")
    waiting = {(m.channel, m.address): m for m in await outbox(kernel)}
    assert waiting[("dingtalk_work", "dt-gw-1")].status == "PENDING" and "500" in waiting[("dingtalk_work", "dt-gw-1")].last_error
    assert scene.received("dingtalk_work") == []

    for seconds in (15, 45, 120):  # past the back-off each time (10 s, doubled)
        scene.at(monkeypatch, t0 + timedelta(seconds=seconds))
        await cycle(kernel, "worker-a")
    rows = await outbox(kernel, subject=encode_global_id("Alarm", alarm.id))
    assert {(m.channel, m.address, m.status) for m in rows if m.stage == 0} == {
        ("dingtalk_work", "dt-gw-1", "DELIVERED"), ("voice", GRID_WORKER, "ANSWERED"), ("voice", ELDER, "ANSWERED"),
    }
    assert len(scene.received("dingtalk_work", "dt-gw-1")) == 1
    assert set(sends_by_out_id(scene.recorder).values()) == {1}, "every call placed once"
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        ding = next(m for m in rows if m.channel == "dingtalk_work")
        receipts = (await session.scalars(select(DeliveryReceipt.outcome).where(DeliveryReceipt.message_id == ding.id).order_by(DeliveryReceipt.id))).all()
    assert receipts == ["RETRY", "RETRY", "SENT", "DELIVERED"]  # the last one: DingTalk's receipt


def plugins_toml(url: str) -> str:
    """``streets(url)`` as the plugins.toml an operator writes (for a worker process)."""
    return f"""
[streets.changqing]
name = "长庆街道"
plugins = ["sensors", "dingtalk", "aliyun"]
[streets.changqing.dingtalk]
endpoint = "fake"
agent_id = 4001
timeout = 2
[streets.changqing.aliyun]
endpoint = "fake"
sms_sign_name = "长庆街道"
sms_templates = {{ default = "SMS_468000001" }}
voice_templates = {{ default = "TTS_300000001" }}
timeout = 1
[streets.changqing.notify]
public_url = "{url}"
per_minute = 1000
[streets.changqing.notify.info]
staff = ["dingtalk_work"]
[streets.changqing.notify.retry]
first_delay = "1s"
lease = "3s"
"""


async def wait_until(condition, timeout: float = 60.0, what: str = "") -> None:
    """Check ``await condition()`` every 50 ms until it is true."""
    import asyncio

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        assert loop.time() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def test_killing_the_worker_mid_delivery_loses_nothing(scene, database_url, tmp_path):
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from jiedao.core.notify import Notification, notify

    kernel = scene.kernel
    for n in range(20):
        await notify(kernel, Notification(street="changqing", recipients=("@gw-1",), subject=f"楼道堆物 {n}", reference=f"WorkItem:{n}"))
    config = tmp_path / "plugins.toml"
    config.write_text(plugins_toml(scene.server.url), encoding="utf-8")
    environ = {**os.environ, **SECRETS, "JIEDAO_CONFIG": str(config), "JIEDAO_DATABASE_URL": database_url}
    jiedao = str(Path(sys.executable).parent / "jiedao")

    async def statuses() -> dict[str, int]:
        counts: dict[str, int] = {}
        for m in await outbox(kernel):
            counts[m.status] = counts.get(m.status, 0) + 1
        return counts

    scene.recorder.fail_next("dingtalk", 1000, "timeout")  # the provider hangs: messages stay in flight
    first = subprocess.Popen([jiedao, "notify", "run"], env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        async def in_flight() -> bool:
            return (await statuses()).get("SENDING", 0) > 0

        await wait_until(in_flight, what="messages being sent")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert (await statuses()).get("SENDING", 0) > 0, "killed mid-delivery"

    scene.recorder._failures.clear()  # the provider is back
    second = subprocess.Popen([jiedao, "notify", "run"], env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        async def all_sent() -> bool:
            return set(await statuses()) <= {"SENT", "DELIVERED"}

        await wait_until(all_sent, what="every message sent by the restarted worker")
    finally:
        second.terminate()
        second.wait(10)
    accepted = scene.received("dingtalk_work", "dt-gw-1")
    assert len(accepted) == 20 and len({d.provider_id for d in accepted}) == 20
    assert sorted(d.text.split("\n")[0] for d in accepted) == sorted({d.text.split("\n")[0] for d in accepted}), "none twice"


async def test_two_workers_share_the_outbox_without_taking_a_message_twice(scene):
    import asyncio

    from jiedao.core.notify import Notification, notify

    kernel = scene.kernel
    for n in range(120):
        await notify(kernel, Notification(street="changqing", recipients=("@gw-1",), subject=f"巡查提醒 {n}", reference=f"WorkItem:{n}"))
    handled = await asyncio.gather(cycle(kernel, "worker-a", batch=20), cycle(kernel, "worker-b", batch=20))
    assert sum(handled) == 120, handled  # between them, each message once (who took how many depends on timing)
    rows = await outbox(kernel)
    assert {(m.status, m.attempts) for m in rows} == {("SENT", 1)}
    assert len(scene.received("dingtalk_work", "dt-gw-1")) == 120


MINE = "{ me { notifications { edges { node { channel status address text receipts { outcome } } } } } }"
ALL = "query($s: NotificationStatus) { notifications(status: $s) { totalCount edges { node { recipientName channel status address } } } }"
OF_ALARM = "query($id: ID!) { node(id: $id) { ... on Alarm { notifications { edges { node { recipientName recipientRole channel status } } } } } }"


async def test_people_see_their_notifications_administrators_all_and_the_demo_page_what_went_out(scene, client, monkeypatch, kernel):
    t0 = scene.at(monkeypatch, START)
    alarm = await scene.smoke(True, t0)
    await cycle(scene.kernel, "worker-a")

    grid = await client.token("grid_worker", username="gw-1")
    mine = (await graphql(scene.kernel, MINE, token=grid))["data"]["me"]["notifications"]["edges"]
    assert {(n["node"]["channel"], n["node"]["status"]) for n in mine} == {("dingtalk_work", "SENT"), ("voice", "SENT")}
    assert {n["node"]["address"] for n in mine} == {"dt-gw-1", GRID_WORKER}  # grid workers may see phone numbers
    assert all("/notify/ack/changqing/…" in n["node"]["text"] for n in mine if n["node"]["channel"] == "dingtalk_work"), "the link's token is not shown"
    of_alarm = (await graphql(scene.kernel, OF_ALARM, {"id": encode_global_id("Alarm", alarm.id)}, token=grid))["data"]["node"]["notifications"]["edges"]
    assert {(n["node"]["recipientName"], n["node"]["recipientRole"], n["node"]["channel"]) for n in of_alarm} == {
        ("gw-1", "grid_worker", "dingtalk_work"), ("gw-1", "grid_worker", "voice"), ("李奶奶", "resident", "voice"),
    }

    for role in ("grid_worker", "resident", None):  # only administrators list the street's notifications
        token = grid if role == "grid_worker" else (await client.token(role) if role else None)
        refused = await graphql(scene.kernel, ALL, token=token)
        assert refused.get("data") is None or refused["data"].get("notifications") is None
        assert refused["errors"][0]["extensions"]["code"] in ("FORBIDDEN", "UNAUTHENTICATED")
    admin = await client.token("street_admin")
    listed = (await graphql(scene.kernel, ALL, {"s": "SENT"}, token=admin))["data"]["notifications"]
    assert listed["totalCount"] == 3 and {e["node"]["address"] for e in listed["edges"]} == {"dt-gw-1", GRID_WORKER, ELDER}

    # A mediator (no right to see phone numbers) sees their own call masked.
    from jiedao.core.notify import Notification, notify

    mediator = await client.token("mediator", username="med-1")
    async with scene.kernel.db.transaction(scene.kernel.street_id("changqing")) as session:
        session.add(StaffAddress(user_id=await session.scalar(select(User.id).where(User.username == "med-1")), phone="13900000009", updated_at=START))
    await notify(scene.kernel, Notification(street="changqing", recipients=("@med-1",), subject="纠纷有激化风险", severity="critical", reference="Case:1"))
    own = (await graphql(scene.kernel, MINE, token=mediator))["data"]["me"]["notifications"]["edges"]
    assert [n["node"]["address"] for n in own] == ["139****0009"]

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(scene.kernel, background=False)), base_url="http://jiedao.test") as http:
        page = await http.get("/dev/outbox/changqing")
    assert page.status_code == 200 and page.text.count("✔ verified") == 3 and "dt-gw-1" in page.text
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(kernel, background=False)), base_url="http://jiedao.test") as http:
        assert (await http.get("/dev/outbox/changqing")).status_code == 404  # fake providers off: no such page
        assert (await http.get("/dev/providers/changqing/dingtalk/gettoken")).status_code == 404


async def test_a_link_refuses_a_wrong_token_a_bad_outcome_and_an_oversized_form_and_acknowledges_nothing(scene, monkeypatch):
    kernel = scene.kernel
    scene.at(monkeypatch, START)
    alarm = await scene.smoke(True, START)
    await cycle(kernel, "worker-a")
    [notice] = scene.received("dingtalk_work", "dt-gw-1")
    path = "/notify/" + re.search(r"/notify/(ack/changqing/[A-Za-z0-9_-]+)", notice.text).group(1)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=build_app(kernel, background=False)), base_url="http://jiedao.test") as http:
        assert (await http.get(path[:-4] + "AAAA")).status_code == 404
        assert (await http.get("/notify/ack/gongchen-nope/" + path.rsplit("/", 1)[1])).status_code == 404
        assert (await http.get(path + "x" * 100)).status_code == 404
        bad = await http.post(path, data={"outcome": "NOTHING\x00"})
        assert bad.status_code == 400 and "outcome" in bad.text
        assert (await http.post(path, content=b"outcome=VISITED&note=" + b"x" * 5000, headers={"content-type": "application/x-www-form-urlencoded"})).status_code == 413
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert (await session.get(Alarm, alarm.id, populate_existing=True)).status == "ACTIVE_UNACK"
