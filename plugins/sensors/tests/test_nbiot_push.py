"""NB-IoT platform pushes through a real uvicorn: signature, idempotency, refusals, alarms."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from sqlalchemy import func, select

from jiedao.core.testing.uvicorn_server import UvicornServer
from jiedao.plugins.sensors.models import Device, QuarantinedMessage, Reading
from jiedao.plugins.sensors.nbiot.models import PushDelivery
from jiedao.plugins.sensors.nbiot.signatures import onenet_signature

from .conftest import device_row, register_devices

DATA = Path(__file__).resolve().parent / "data" / "nbiot"
CTWING_ENV, ONENET_ENV = "JIEDAO_TEST_CTWING_TOKEN", "JIEDAO_TEST_ONENET_TOKEN"
CTWING_TOKEN, ONENET_TOKEN = "ctwing-changqing-7f3a9c", "jiedao-onenet-test-token"
CTWING_IMEI, ONENET_IMEI = "860803030676429", "861111045123456"
STREETS = {
    "changqing": {"name": "长庆街道", "plugins": ["sensors"], "sensors": {"nbiot": {"ctwing_token_env": CTWING_ENV, "onenet_token_env": ONENET_ENV}}},
    "gongchen": {"name": "拱宸桥街道", "plugins": ["sensors"]},
}
ALARMS = "{ alarms { totalCount edges { node { type severity status repeatCount device { deviceId } } } } }"
QUARANTINE = "{ quarantinedMessages(first: 50) { totalCount edges { node { reason deviceId topic } } } }"


@pytest.fixture
def jiedao_streets():
    """changqing takes CTWing and OneNET pushes; gongchen enables sensors but no platform."""
    return STREETS


@pytest_asyncio.fixture
async def detectors(kernel):
    """The usual devices, and two NB-IoT smoke detectors registered by IMEI in the flat of an
    elderly resident living alone."""
    registry = await register_devices(kernel)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        for imei in (CTWING_IMEI, ONENET_IMEI):
            session.add(Device(device_id=imei, kind="SMOKE_DETECTOR", name=f"NB-IoT {imei[-4:]}", building_id=registry.buildings[0],
                               unit_id=registry.units[0], resident_id=registry.residents[0], latest={}))
    return registry


@pytest.fixture
def server(database_url, detectors, monkeypatch):
    """A real uvicorn serving the kernel's streets, the platforms' tokens in the environment."""
    monkeypatch.setenv(CTWING_ENV, CTWING_TOKEN)
    monkeypatch.setenv(ONENET_ENV, ONENET_TOKEN)
    with UvicornServer(STREETS, database_url) as running:
        yield running


def sample(name: str) -> bytes:
    """A push as recorded (made in December 2025: older than any street remembers deliveries)."""
    return (DATA / name).read_bytes()


RECORDED_BEFORE = 1_764_640_800_000
"""2025-12-02 02:00 UTC, epoch ms: every recorded sample was made before it."""
SHIFT_MS = int(time.time() * 1000) - RECORDED_BEFORE
_TIMES = re.compile(r'("(?:timestamp|at|time)":)(\d{13})')


def recorded(name: str) -> bytes:
    """A recorded push as if made now: every platform time in it moved by the same amount
    (their order and spacing kept), a OneNET push signed again with the street's token, as
    the platform signs it."""
    def moved(text: str) -> str:
        return _TIMES.sub(lambda m: m[1] + str(int(m[2]) + SHIFT_MS), text)

    body = sample(name).decode()
    if name.startswith("ctwing/"):
        return moved(body).encode()
    push = json.loads(body)
    push["msg"], push["time"] = moved(push["msg"]), push["time"] + SHIFT_MS
    push["signature"] = onenet_signature(ONENET_TOKEN, push["nonce"], push["msg"])
    return json.dumps(push).encode()


async def count(kernel, model, **where) -> int:
    statement = select(func.count()).select_from(model)
    for column, value in where.items():
        statement = statement.where(getattr(model, column) == value)
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        return await session.scalar(statement)


async def ctwing(server, body: bytes, token: str | None = CTWING_TOKEN, street: str = "changqing") -> httpx.Response:
    params = {"token": token} if token is not None else {}
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        return await http.post(f"/sensors/nbiot/{street}/ctwing", params=params, content=body, headers={"content-type": "application/json"})


async def onenet(server, body: bytes) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        return await http.post("/sensors/nbiot/changqing/onenet", content=body, headers={"content-type": "application/json"})


async def test_a_signed_ctwing_smoke_alarm_opens_one_alarm_and_its_retries_change_nothing(kernel, server, client):
    first = await ctwing(server, recorded("ctwing/data_report_smoke.json"))
    assert first.status_code == 200, first.text
    assert first.json() == {"accepted": 1, "duplicates": 0, "readings": 3, "ignored": 0}
    for _ in range(2):  # CTWing retries a push it thinks failed
        again = await ctwing(server, recorded("ctwing/data_report_smoke.json"))
        assert again.status_code == 200 and again.json()["duplicates"] == 1 and again.json()["accepted"] == 0

    grid = await client.token("grid_worker")
    alarms = (await client.query(ALARMS, token=grid))["alarms"]
    assert alarms["totalCount"] == 1
    assert alarms["edges"][0]["node"] == {"type": "SMOKE", "severity": "CRITICAL", "status": "ACTIVE_UNACK", "repeatCount": 0, "device": {"deviceId": CTWING_IMEI}}
    detector = await device_row(kernel, CTWING_IMEI)
    assert await count(kernel, Reading, device_pk=detector.id) == 3
    assert {k: v["value"] for k, v in detector.latest.items()} == {"smoke": 1, "battery": 87, "rssi": -95}

    back_to_normal = await ctwing(server, recorded("ctwing/data_report_normal.json"))
    assert back_to_normal.status_code == 200
    [node] = [e["node"] for e in (await client.query(ALARMS, token=grid))["alarms"]["edges"]]
    assert node["status"] == "CLEARED_UNACK"
    offline = await ctwing(server, fresh(sample("ctwing/online_offline.json")))
    assert offline.status_code == 200 and (await device_row(kernel, CTWING_IMEI)).status == "OFFLINE"
    ignored = await ctwing(server, recorded("ctwing/command_response.json"))
    assert ignored.status_code == 200 and ignored.json()["ignored"] == 1


def fresh(body: bytes, **changes) -> bytes:
    """A CTWing sample made now (its ``timestamp``), with ``changes``."""
    return json.dumps(json.loads(body) | {"timestamp": int(time.time() * 1000)} | changes).encode()


async def test_a_late_retry_of_an_old_offline_report_leaves_a_working_detector_online(kernel, server):
    """CTWing retries a push it thinks failed, sometimes long after: an "offline" made before
    the detector's newest data must not mark it offline, nor an old "online" make a silent
    detector look heard from."""

    made = json.loads(fresh(sample("ctwing/data_report_normal.json")))["timestamp"]
    assert (await ctwing(server, fresh(sample("ctwing/data_report_normal.json"), timestamp=made))).status_code == 200
    heard = await device_row(kernel, CTWING_IMEI)
    assert heard.status == "ONLINE"

    hour_before = made - 3_600_000
    late = await ctwing(server, fresh(sample("ctwing/online_offline.json"), timestamp=hour_before))
    assert late.status_code == 200 and late.json()["accepted"] == 1
    assert (await device_row(kernel, CTWING_IMEI)).status == "ONLINE"

    late_online = await ctwing(server, fresh(sample("ctwing/online_offline.json"), timestamp=hour_before + 1, eventType=1))
    assert late_online.status_code == 200
    assert (await device_row(kernel, CTWING_IMEI)).last_seen_at == heard.last_seen_at

    news = await ctwing(server, fresh(sample("ctwing/online_offline.json"), timestamp=made + 1000))
    assert news.status_code == 200 and (await device_row(kernel, CTWING_IMEI)).status == "OFFLINE"


async def test_a_late_retry_of_hours_old_data_does_not_end_a_silent_detector_s_alarm(kernel, server, client):
    """A detector at an elderly person's home went silent: OFFLINE, CRITICAL. The platform then
    delivers data the detector sent seven hours ago (a retry after an outage): it is stored and
    the detector counts as heard then, not now, so it stays OFFLINE and its alarm stands. Data
    made now ends the silence."""
    from datetime import timedelta

    from jiedao.api import now
    from jiedao.plugins.sensors.service.alarms import sweep

    made_now = int(time.time() * 1000)
    seven_hours_ago = made_now - 7 * 3_600_000
    street = kernel.street_id("changqing")
    async with kernel.db.transaction(street) as session:
        detector = await session.scalar(select(Device).where(Device.device_id == CTWING_IMEI))
        detector.last_seen_at = now() - timedelta(hours=8)
    async with kernel.db.transaction(street) as session:
        await sweep(session, kernel.settings("changqing", "sensors"))
    grid = await client.token("grid_worker")
    silent = [e["node"] for e in (await client.query(ALARMS, token=grid))["alarms"]["edges"]]
    assert silent == [{"type": "OFFLINE", "severity": "CRITICAL", "status": "ACTIVE_UNACK", "repeatCount": 0, "device": {"deviceId": CTWING_IMEI}}]

    late = await ctwing(server, fresh(sample("ctwing/data_report_normal.json"), timestamp=seven_hours_ago))
    assert late.status_code == 200 and late.json()["readings"] == 3
    detector = await device_row(kernel, CTWING_IMEI)
    assert detector.status == "OFFLINE"
    assert int(detector.last_seen_at.timestamp() * 1000) == seven_hours_ago  # heard then, and so known
    assert [e["node"]["status"] for e in (await client.query(ALARMS, token=grid))["alarms"]["edges"]] == ["ACTIVE_UNACK"]

    news = await ctwing(server, fresh(sample("ctwing/data_report_normal.json"), timestamp=made_now))
    assert news.status_code == 200 and json.loads(news.text)["accepted"] == 1
    detector = await device_row(kernel, CTWING_IMEI)
    assert detector.status == "ONLINE" and int(detector.last_seen_at.timestamp() * 1000) == made_now
    assert [e["node"]["status"] for e in (await client.query(ALARMS, token=grid))["alarms"]["edges"]] == ["CLEARED_UNACK"]


async def test_a_recorded_push_replayed_after_remember_deliveries_is_refused_as_stale(kernel, server, client):
    """A OneNET push stays validly signed for ever and its key is forgotten after
    ``remember_deliveries`` (7 days): replayed a year later, it would be stored again and
    raise its smoke alarm again. A message made longer ago than that is refused (``stale``,
    naming its time field) and quarantined; a six-day-old retry is still stored."""
    replayed = await onenet(server, sample("onenet/datapoints_smoke.json"))  # signed, made 2025-12-02
    assert replayed.status_code == 400, replayed.text
    assert [(r["field"], r["reason"]) for r in replayed.json()["refused"]] == [("msg[0].at", "stale"), ("msg[1].at", "stale")]
    report = await onenet(server, sample("onenet/property_smoke.json"))
    assert [(r["field"], r["reason"]) for r in report.json()["refused"]] == [("msg.data.params.smoke_state.time", "stale")]
    made_now = int(time.time() * 1000)
    eight_days = await ctwing(server, fresh(sample("ctwing/data_report_smoke.json"), timestamp=made_now - 8 * 86_400_000))
    assert eight_days.status_code == 400 and eight_days.json()["field"] == "body.timestamp"
    assert "remember_deliveries" in eight_days.json()["refused"][0]["message"]
    assert await count(kernel, Reading) == 0
    grid = await client.token("grid_worker")
    assert (await client.query(ALARMS, token=grid))["alarms"]["totalCount"] == 0
    quarantined = (await client.query(QUARANTINE, token=grid))["quarantinedMessages"]
    assert [e["node"]["reason"] for e in quarantined["edges"]] == ["stale"] * 4  # kept, not lost

    six_days = await ctwing(server, fresh(sample("ctwing/data_report_normal.json"), timestamp=made_now - 6 * 86_400_000))
    assert six_days.status_code == 200 and six_days.json()["readings"] == 3


async def test_a_push_without_the_street_s_token_is_refused_and_stores_nothing(kernel, server, monkeypatch):
    body = sample("ctwing/data_report_smoke.json")
    wrong = await ctwing(server, body, token="ctwing-changqing-7f3a9d")
    assert wrong.status_code == 403 and wrong.json()["field"] == "token"
    missing = await ctwing(server, body, token=None)
    assert missing.status_code == 401 and missing.json()["field"] == "token"
    assert (await ctwing(server, body, street="gongchen")).status_code == 404  # no platform configured there
    assert (await ctwing(server, body, street="nowhere")).status_code == 404
    monkeypatch.delenv(CTWING_ENV)
    unset = await ctwing(server, body)
    assert unset.status_code == 503 and CTWING_TOKEN not in unset.text
    for model in (Reading, QuarantinedMessage, PushDelivery):
        assert await count(kernel, model) == 0
    assert "ctwing-changqing" not in server.log_text()  # the token never reaches the access log


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        (b'{"messageType": "dataReport", ', "body", "not_json"),
        (b'{"messageType": "dataReport"}\x00', "body", "not_json"),
        (b'{"deviceId": "' + b"7" * 1_100_000 + b'"}', "body", "too_large"),
        (sample("ctwing/data_report_smoke.json").replace(b'"battery_value":87', b'"battery_value":"high"'), "body.payload.battery_value", "bad_value"),
        (recorded("ctwing/data_report_smoke.json").replace(b'"battery_value":87', b'"battery_value":250'), "body.payload.battery_value", "out_of_range"),
        (sample("ctwing/data_report_smoke.json").replace(b'"timestamp":1764633600000', b'"timestamp":"soon"'), "body.timestamp", "bad_timestamp"),
        (recorded("ctwing/data_report_smoke.json").replace(CTWING_IMEI.encode(), b"869999999999999"), "body.IMEI", "unknown_device"),
        (fresh(sample("ctwing/data_report_smoke.json"), timestamp=-(10**20)), "body.timestamp", "stale"),
        (fresh(sample("ctwing/data_report_smoke.json"), timestamp=10**20), "body.timestamp", "bad_timestamp"),
        (fresh(sample("ctwing/data_report_smoke.json"), timestamp=int(time.time() * 1000) + 86_400_000), "body.timestamp", "future_timestamp"),
    ],
)
async def test_a_bad_ctwing_body_is_answered_400_naming_the_field_and_quarantined(kernel, server, client, body, field, reason):
    answer = await ctwing(server, body)
    assert answer.status_code == 400, answer.text
    assert answer.json()["field"] == field and answer.json()["refused"][0]["reason"] == reason
    page = (await client.query(QUARANTINE, token=await client.token("grid_worker")))["quarantinedMessages"]
    assert page["totalCount"] == 1 and page["edges"][0]["node"]["reason"] == reason
    assert await count(kernel, Reading) == 0
    retry = await ctwing(server, body)  # the platform retries: nothing is quarantined twice
    assert retry.json()["duplicates"] == 1 and await count(kernel, QuarantinedMessage) == 1


async def test_two_different_oversized_bodies_are_both_refused_and_kept_in_part(kernel, server):
    for digit in (b"7", b"8"):
        answer = await ctwing(server, b'{"deviceId": "' + digit * 5_000_000 + b'"}')
        assert answer.status_code == 400 and answer.json()["duplicates"] == 0 and answer.json()["refused"][0]["reason"] == "too_large"
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        kept = (await session.scalars(select(QuarantinedMessage.payload).order_by(QuarantinedMessage.id))).all()
    assert [payload[:15] for payload in kept] == [b'{"deviceId": "7', b'{"deviceId": "8']
    assert all(len(payload) == 16384 for payload in kept)


async def test_onenet_checks_the_url_and_stores_a_signed_batch_keeping_its_good_messages(kernel, server, client):
    check = json.loads(sample("onenet/url_check.json"))
    async with httpx.AsyncClient(base_url=server.url) as http:
        verified = await http.get("/sensors/nbiot/changqing/onenet", params=check)
        forged = await http.get("/sensors/nbiot/changqing/onenet", params=check | {"signature": "AAAAAAAAAAAAAAAAAAAAAA=="})
    assert (verified.status_code, verified.text) == (200, check["msg"])
    assert forged.status_code == 403 and check["msg"] not in forged.text

    tampered = json.loads(recorded("onenet/datapoints_smoke.json"))
    tampered["msg"] = tampered["msg"].replace('"value":1', '"value":0')
    refused = await onenet(server, json.dumps(tampered).encode())
    assert refused.status_code == 403 and refused.json()["field"] == "signature"
    unsigned = await onenet(server, json.dumps({"msg": tampered["msg"], "nonce": tampered["nonce"]}).encode())
    assert unsigned.status_code == 401 and unsigned.json()["field"] == "signature"
    garbage = await onenet(server, b'{"msg": "\x00')
    assert garbage.status_code == 400 and garbage.json()["field"] == "body"
    for model in (PushDelivery, QuarantinedMessage, Reading):  # nothing unverified is kept
        assert await count(kernel, model) == 0

    smoke = await onenet(server, recorded("onenet/datapoints_smoke.json"))
    assert smoke.status_code == 200 and smoke.json()["accepted"] == 2
    grid = await client.token("grid_worker")
    alarms = (await client.query(ALARMS, token=grid))["alarms"]["edges"]
    assert [(e["node"]["type"], e["node"]["device"]["deviceId"]) for e in alarms] == [("SMOKE", ONENET_IMEI)]

    mixed = await onenet(server, recorded("onenet/datapoints_one_bad.json"))
    assert mixed.status_code == 400
    assert mixed.json()["field"] == "msg[1].value" and mixed.json()["accepted"] == 1
    assert (await device_row(kernel, ONENET_IMEI)).latest["battery"]["value"] == 63  # the good one of the batch is kept
    assert (await onenet(server, recorded("onenet/datapoints_one_bad.json"))).json()["duplicates"] == 2

    report = await onenet(server, recorded("onenet/property_smoke.json"))
    assert report.status_code == 200
    [node] = [e["node"] for e in (await client.query(ALARMS, token=grid))["alarms"]["edges"]]
    assert node["repeatCount"] == 1  # the same open alarm, repeated by a newer report


async def test_a_full_onenet_batch_of_a_thousand_messages_is_stored_whole(kernel, server):
    """A OneNET batch of 1,000 messages (the most one push may hold; here over 100 KB) is one
    signed body: a size limit below it would lose every message in it (64 KiB did)."""
    made = int(time.time() * 1000) - 60_000
    points = [{"type": 1, "imei": ONENET_IMEI, "dev_id": 587654321, "ds_id": "battery_value", "value": 90 - n % 10, "at": made + n} for n in range(1000)]
    msg = json.dumps(points, separators=(",", ":"))
    body = json.dumps({"msg": msg, "nonce": "Bt9x2QwE", "signature": onenet_signature(ONENET_TOKEN, "Bt9x2QwE", msg), "time": made, "id": "batch-1000"}).encode()
    assert len(body) > 100_000
    stored = await onenet(server, body)
    assert stored.status_code == 200, stored.text[:300]
    assert stored.json()["accepted"] == 1000 and await count(kernel, Reading) == 1000


async def test_the_same_push_delivered_five_times_at_once_is_stored_once(kernel, server, client):
    import asyncio

    answers = await asyncio.gather(*(ctwing(server, recorded("ctwing/data_report_smoke.json")) for _ in range(5)))
    assert sorted(a.json()["accepted"] for a in answers) == [0, 0, 0, 0, 1]
    assert all(a.status_code == 200 for a in answers)
    alarms = (await client.query(ALARMS, token=await client.token("grid_worker")))["alarms"]
    assert alarms["totalCount"] == 1 and alarms["edges"][0]["node"]["repeatCount"] == 0
    assert await count(kernel, Reading) == 3


async def test_the_roll_up_run_forgets_delivery_keys_older_than_remember_deliveries(kernel, detectors):
    from datetime import timedelta

    from jiedao.plugins.sensors.nbiot.ctwing import parse
    from jiedao.plugins.sensors.nbiot.deliveries import take
    from jiedao.plugins.sensors.service.alarms import now
    from jiedao.plugins.sensors.service.retention import rollup_street

    await take(kernel, "changqing", "ctwing", parse(recorded("ctwing/data_report_smoke.json")))
    settings = kernel.settings("changqing", "sensors")
    street_id = kernel.street_id("changqing")
    await rollup_street(kernel.db, settings, now() + timedelta(days=6), street_id)
    assert await count(kernel, PushDelivery) == 1
    await rollup_street(kernel.db, settings, now() + timedelta(days=7, minutes=1), street_id)
    assert await count(kernel, PushDelivery) == 0
