"""What an alarm says (``Alarm.message``) follows the request's language (issue 19): the stored
English text is matched against the templates that wrote it and rendered from the plugin's
catalogue; rows written before keep working, and a text no template wrote is shown as it is
(``service.alarm_texts``)."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from jiedao.core.messages import load_catalogue, placeholders
from jiedao.core.messages_audit import ROOT
from jiedao.plugins.sensors.models import Alarm
from jiedao.plugins.sensors.service.alarm_texts import ALARM_TEXT_TEMPLATES, SILENT, alarm_text, written
from jiedao.plugins.sensors.service.alarms import now
from jiedao.plugins.sensors.service.rules import Condition, evaluate, held
from jiedao.plugins.sensors.settings import Thresholds
from jiedao.plugins.sensors.state import feed_of

from .test_alarms import alarms_of, deliver
from .test_home_live import PATIENCE, stream_of, wait_for_listeners

MESSAGES = "query { alarms { edges { node { type message } } } }"
ABNORMAL = {"residual_current": 340, "temperature": 95, "current": 99, "arc_fault": 1, "smoke": 1, "tamper": 1, "self_test": 0, "battery": 5}


def _catalogue():
    return load_catalogue([("sensors", ROOT / "plugins" / "sensors" / "locale")])


def test_every_alarm_text_template_has_a_chinese_translation_with_its_placeholders():
    chinese = _catalogue().translations["zh-CN"]
    for template in ALARM_TEXT_TEMPLATES:
        assert template in chinese, template
        assert placeholders(chinese[template]) == placeholders(template), template


def test_every_text_the_rules_write_is_read_back_and_translated():
    at = datetime(2026, 1, 1, 12, 0)
    conditions = [c for kind in ("ELECTRIC_MONITOR", "EV_CHARGER_FIRE", "SMOKE_DETECTOR") for c in evaluate(kind, ABNORMAL, Thresholds())]
    texts = {c.message for c in conditions} | {written(SILENT, minutes=180)}
    pending = {"OVER_CURRENT": (at - timedelta(seconds=61)).isoformat()}
    texts.add(held(Condition("OVER_CURRENT", "MAJOR", 66.0, "line current 66 A ≥ 63 A"), pending, at, {"OVER_CURRENT": timedelta(seconds=60)}, False).message)
    assert "line current 66 A ≥ 63 A for 61 s" in texts and len(texts) >= 10
    catalogue = _catalogue()
    for text in texts:
        found = alarm_text(text)
        assert not isinstance(found, str), text
        assert str(found) == text  # the English is what was stored
        chinese = catalogue.render(found.template, found.params, "zh-CN")
        assert chinese != text and not any(word in chinese for word in ("current", "detected", "silent", "battery", " for ")), chinese
    assert catalogue.render(*_parts(alarm_text("line current 66 A ≥ 63 A for 61 s")), "zh-CN") == "线路电流 66 A ≥ 63 A，已持续 61 秒"


def _parts(text):
    return text.template, text.params


async def test_alarm_messages_are_in_the_request_language_old_rows_included(kernel, registry, client):
    await deliver(kernel, "SD-1", {"smoke": True})
    [smoke] = await alarms_of(kernel, "SD-1")
    street_id = kernel.street_id("changqing")
    at = now()
    async with kernel.db.transaction(street_id) as session:  # rows as older versions wrote them
        session.add_all([
            Alarm(street_id=street_id, device_pk=registry.devices["SD-2"], type="OFFLINE", severity="MAJOR", status="ACTIVE_UNACK",
                  message="silent for 180 min", raised_at=at, updated_at=at, repeat_count=0, escalation_level=0, note=""),
            Alarm(street_id=street_id, device_pk=registry.devices["SD-2"], type="TAMPER", severity="MAJOR", status="ACTIVE_UNACK",
                  message="hand-written by an operator", raised_at=at, updated_at=at, repeat_count=0, escalation_level=0, note=""),
        ])
    assert smoke.message == "smoke detected"  # stored in English, as before
    token = await client.token("grid_worker")
    chinese = {e["node"]["type"]: e["node"]["message"] for e in (await client.query(MESSAGES, token=token, language="zh-CN"))["alarms"]["edges"]}
    english = {e["node"]["type"]: e["node"]["message"] for e in (await client.query(MESSAGES, token=token))["alarms"]["edges"]}
    assert chinese == {"SMOKE": "检测到烟雾", "OFFLINE": "已 180 分钟没有上报", "TAMPER": "hand-written by an operator"}
    assert english == {"SMOKE": "smoke detected", "OFFLINE": "silent for 180 min", "TAMPER": "hand-written by an operator"}


async def test_a_home_alarm_event_is_in_the_language_of_the_connection(kernel, registry, client):
    mine = await stream_of(kernel, client, "owner-em1", registry.residents[1], language="zh-CN")
    first = asyncio.ensure_future(anext(mine))
    await wait_for_listeners(kernel, feed_of(kernel), 1)
    await deliver(kernel, "EM-1", {"residual_current": 420})
    raised = await asyncio.wait_for(first, PATIENCE)
    (alarm,) = await alarms_of(kernel, "EM-1")
    assert alarm.message == "residual current 420 mA ≥ 300 mA"
    assert raised.data["homeAlarmChanged"]["message"] == "剩余电流 420 mA ≥ 300 mA"
    await mine.aclose()
